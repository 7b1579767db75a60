"""The ratings files' schema: vocabularies, and the parsing of one CSV row into an Outlet."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.core.quality import DerivedFactuality, Quality

OUTLET_COLUMNS = (
    "id",
    "name",
    "aliases",
    "kind",
    "country",
    "language",
    "lean",
    "lean_score",
    "factuality",
    "owner",
    "owner_type",
    "flags",
    "basis",
    "confidence",
    "reviewed",
)
FEED_COLUMNS = ("outlet_id", "url")

LEANS = ("far-left", "left", "lean-left", "center", "lean-right", "right", "far-right")
# Half-open bands on [-1, 1]; a score must fall in its label's band (see ratings/SCHEMA.md).
LEAN_BANDS = {
    "far-left": (-1.0, -0.75),
    "left": (-0.75, -0.45),
    "lean-left": (-0.45, -0.15),
    "center": (-0.15, 0.15),
    "lean-right": (0.15, 0.45),
    "right": (0.45, 0.75),
    "far-right": (0.75, 1.0),
}
LEAN_MIDPOINTS = {
    "far-left": -0.9,
    "left": -0.6,
    "lean-left": -0.3,
    "center": 0.0,
    "lean-right": 0.3,
    "right": 0.6,
    "far-right": 0.9,
}
SIDES = {
    "far-left": "left",
    "left": "left",
    "lean-left": "left",
    "center": "center",
    "lean-right": "right",
    "right": "right",
    "far-right": "right",
}
FACTUALITY = ("very-high", "high", "mostly-factual", "mixed", "low", "very-low")
KINDS = (
    "newspaper",
    "broadcaster",
    "public-broadcaster",
    "local-tv",
    "radio",
    "wire-service",
    "digital-native",
    "magazine",
    "opinion",
    "state-media",
    "fact-checker",
    "think-tank",
    "aggregator",
    "platform",
    "satire",
    "newsletter",
    "blog",
    # Sources readers follow links to as if they were news (added with the quality layer).
    "public-agency",
    "intergovernmental",
    "ngo",
    "journal",
    "academic",
)
OWNER_TYPES = (
    "independent",
    "corporation",
    "conglomerate",
    "billionaire",
    "family",
    "private-equity",
    "nonprofit",
    "trust",
    "cooperative",
    "government",
    "public-broadcaster",
    "political-party",
    "religious",
    "unknown",
)
FLAGS = (
    "satire",
    "state-affiliated",
    "conspiracy",
    "pseudoscience",
    "questionable-sourcing",
    "propaganda",
    "hate",
)
# The words a reader sees for each flag and kind (clients show these, never the slugs).
FLAG_LABELS = {
    "satire": "satire",
    "state-affiliated": "state-affiliated media",
    "conspiracy": "promotes conspiracy theories",
    "pseudoscience": "promotes pseudoscience",
    "questionable-sourcing": "questionable sourcing",
    "propaganda": "propaganda",
    "hate": "promotes hate",
}
KIND_LABELS = {
    "newspaper": "newspaper",
    "broadcaster": "broadcaster",
    "public-broadcaster": "public broadcaster",
    "local-tv": "local TV station",
    "radio": "radio",
    "wire-service": "news agency",
    "digital-native": "online news site",
    "magazine": "magazine",
    "opinion": "opinion site",
    "state-media": "state media",
    "fact-checker": "fact-checker",
    "think-tank": "think tank",
    "aggregator": "news aggregator",
    "platform": "platform for others' content",
    "satire": "satire",
    "newsletter": "newsletter",
    "blog": "blog",
    "public-agency": "public agency",
    "intergovernmental": "international organisation",
    "ngo": "non-governmental organisation",
    "journal": "scientific journal or publisher",
    "academic": "university or scientific body",
}
CONFIDENCE = ("high", "medium", "low")
# Hosts that only repeat the outlet's own site; resolution strips them, so aliases never list them.
REDUNDANT_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")

# ISO 3166-1 alpha-2, plus XX for outlets with no home country (a global platform).
COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW XK XX""".split()
)

_HOST_RE = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z0-9\-]{2,63}$"
)
_PATH_RE = re.compile(r"^/[A-Za-z0-9@._~\-]+(?:/[A-Za-z0-9@._~\-]+)*$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
_SCORE_RE = re.compile(r"^-?(?:0|1)(?:\.\d{1,2})?$")


@dataclass(frozen=True)
class Outlet:
    """One rated outlet, as the API returns it."""

    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    country: str
    language: str
    lean: str | None
    lean_score: float | None
    factuality: str | None
    owner: str
    owner_type: str
    flags: tuple[str, ...]
    basis: str
    confidence: str
    reviewed: str
    source: str = "parallax"
    # Set by the table from the quality layers (service.core.quality), never from outlets/*.csv.
    quality: Quality | None = None
    factuality_derived: DerivedFactuality | None = None

    @property
    def host(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def side(self) -> str:
        return SIDES.get(self.lean or "", "unrated")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "domain": self.host,
            "aliases": list(self.aliases),
            "kind": self.kind,
            "country": self.country,
            "language": self.language,
            "owner": self.owner or None,
            "owner_type": self.owner_type or None,
            "lean": None if self.lean is None else {"label": self.lean, "score": self.lean_score},
            "factuality": None
            if self.factuality is None
            else {"label": self.factuality, "derived": False},
            "factuality_derived": None
            if self.factuality_derived is None
            else self.factuality_derived.to_json(),
            "quality": None if self.quality is None else self.quality.to_json(),
            "kind_label": KIND_LABELS.get(self.kind, self.kind),
            "flags": list(self.flags),
            "flag_labels": [FLAG_LABELS.get(f, f) for f in self.flags],
            "basis": self.basis,
            "confidence": self.confidence,
            "reviewed": self.reviewed,
            "source": self.source,
        }


@dataclass
class RowProblems:
    """Problems found in one row; each a sentence naming the column and the fix."""

    messages: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.messages.append(message)


# C0 and C1 control characters (a tab included: a field is one line of words).
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")


def is_valid_host(host: str) -> bool:
    return bool(_HOST_RE.match(host))


def parse_outlet_row(row: dict[str, str], problems: RowProblems, source: str) -> Outlet | None:
    """Checks one row against the schema; returns the Outlet, or None when it is unusable."""
    already_failed = bool(problems.messages)
    get = {k: (row.get(k) or "").strip() for k in OUTLET_COLUMNS}
    outlet_id = get["id"]
    host, _, path = outlet_id.partition("/")
    if not outlet_id:
        problems.add("id is empty: give the outlet's domain, e.g. example.com")
    elif outlet_id != outlet_id.lower() or "://" in outlet_id:
        problems.add(f"id '{outlet_id}' must be lower case with no scheme, e.g. example.com")
    elif not is_valid_host(host):
        problems.add(f"id '{outlet_id}' is not a valid host name")
    elif host.startswith(REDUNDANT_HOST_PREFIXES):
        problems.add(f"id '{outlet_id}' must not start with www./m./amp./mobile.; drop the prefix")
    elif path and not _PATH_RE.match("/" + path):
        problems.add(f"id '{outlet_id}': the path part must be /segment[/segment...]")
    if not get["name"]:
        problems.add("name is empty: give the outlet's name as it presents itself")
    for column, value in get.items():
        # A NUL or an escape sequence in a name went out in every answer and page naming the
        # outlet (and to a terminal); no field of the schema holds one.
        if (bad := _CONTROL_RE.search(value)) is not None:
            problems.add(
                f"{column} holds a control character (U+{ord(bad.group()):04X}) at position "
                f"{bad.start() + 1}: remove it"
            )
    aliases = tuple(get["aliases"].split()) if get["aliases"] else ()
    for alias in aliases:
        if not is_valid_host(alias):
            problems.add(f"alias '{alias}' is not a valid lower-case host name")
        elif alias.startswith(REDUNDANT_HOST_PREFIXES) and alias.split(".", 1)[1] in (
            host,
            *aliases,
        ):
            problems.add(f"alias '{alias}' is redundant: www./m./amp./mobile. hosts are stripped")
        elif alias == host:
            problems.add(f"alias '{alias}' repeats the id")
    if len(set(aliases)) != len(aliases):
        problems.add("aliases lists a host twice")
    _check_choice(problems, "kind", get["kind"], KINDS, required=True)
    if get["country"] not in COUNTRIES:
        problems.add(
            f"country '{get['country']}' is not an ISO 3166-1 alpha-2 code (upper case, e.g. US), "
            "or XX for none"
        )
    languages = get["language"].split()
    if not languages or not all(_LANGUAGE_RE.match(x) for x in languages):
        problems.add(
            f"language '{get['language']}' must be ISO 639-1 codes such as 'en' or 'en fr'"
        )
    lean = get["lean"] or None
    _check_choice(problems, "lean", get["lean"], LEANS, required=False)
    score: float | None = None
    if get["lean_score"]:
        if not _SCORE_RE.match(get["lean_score"]):
            problems.add(
                f"lean_score '{get['lean_score']}' must be a number in [-1, 1] with at most 2 decimals"
            )
        elif lean is None:
            problems.add("lean_score is set but lean is empty: set both or neither")
        else:
            score = float(get["lean_score"])
            if lean in LEAN_BANDS and not _in_band(lean, score):
                low, high = LEAN_BANDS[lean]
                problems.add(f"lean_score {score} is outside the '{lean}' band [{low}, {high}]")
    if lean in LEAN_MIDPOINTS and score is None:
        score = LEAN_MIDPOINTS[lean]
    factuality = get["factuality"] or None
    _check_choice(problems, "factuality", get["factuality"], FACTUALITY, required=False)
    _check_choice(problems, "owner_type", get["owner_type"], OWNER_TYPES, required=False)
    flags = tuple(get["flags"].split()) if get["flags"] else ()
    for flag in flags:
        if flag not in FLAGS:
            problems.add(f"flag '{flag}' is not one of: {', '.join(FLAGS)}")
    if (lean or factuality) and not get["basis"]:
        problems.add("basis is empty: say which raters or evidence the lean/factuality rest on")
    _check_choice(problems, "confidence", get["confidence"], CONFIDENCE, required=True)
    try:
        dt.date.fromisoformat(get["reviewed"])
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", get["reviewed"]):
            raise ValueError
    except ValueError:
        problems.add(f"reviewed '{get['reviewed']}' must be a date YYYY-MM-DD")
    if problems.messages or already_failed:
        return None
    return Outlet(
        id=outlet_id,
        name=get["name"],
        aliases=aliases,
        kind=get["kind"],
        country=get["country"],
        language=get["language"],
        lean=lean,
        lean_score=score,
        factuality=factuality,
        owner=get["owner"],
        owner_type=get["owner_type"],
        flags=flags,
        basis=get["basis"],
        confidence=get["confidence"],
        reviewed=get["reviewed"],
        source=source,
    )


def _in_band(lean: str, score: float) -> bool:
    low, high = LEAN_BANDS[lean]
    if lean == "center":
        return low <= score <= high
    if score < 0:
        return low <= score < high
    return low < score <= high


def _check_choice(
    problems: RowProblems, column: str, value: str, choices: tuple[str, ...], *, required: bool
) -> None:
    if not value:
        if required:
            problems.add(f"{column} is empty: use one of {', '.join(choices)}")
        return
    if value not in choices:
        problems.add(f"{column} '{value}' is not one of: {', '.join(choices)}")
