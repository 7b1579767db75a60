"""View models of the pages: the API's own story summary and listings, put into words and
display numbers. Pure (no Flask): every number shown comes from the same dict /v1/stories/<id>
returns, so the page and the JSON cannot disagree."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.core.ratings_schema import FACTUALITY, LEANS, OWNER_TYPES

SIDE_ORDER = ("left", "center", "right", "unrated")
SIDE_LABELS = {"left": "Left", "center": "Center", "right": "Right", "unrated": "Unrated"}
LEAN_LABELS = {
    "far-left": "Far left",
    "left": "Left",
    "lean-left": "Lean left",
    "center": "Center",
    "lean-right": "Lean right",
    "right": "Right",
    "far-right": "Far right",
}
FACTUALITY_ORDER = (*FACTUALITY, "unrated")
FACTUALITY_LABELS = {
    "very-high": "Very high",
    "high": "High",
    "mostly-factual": "Mostly factual",
    "mixed": "Mixed",
    "low": "Low",
    "very-low": "Very low",
    "unrated": "Not rated",
}
OWNER_TYPE_LABELS = {
    "independent": "Independent",
    "corporation": "Corporation",
    "conglomerate": "Media conglomerate",
    "billionaire": "Billionaire owner",
    "family": "Family-owned",
    "private-equity": "Private equity",
    "nonprofit": "Nonprofit",
    "trust": "Trust",
    "cooperative": "Cooperative",
    "government": "Government",
    "public-broadcaster": "Public broadcaster",
    "political-party": "Political party",
    "religious": "Religious organisation",
    "unknown": "Unknown",
}
FLAG_LABELS = {
    "satire": "Satire: not meant as news",
    "state-affiliated": "State-affiliated media",
    "conspiracy": "Promotes conspiracy theories",
    "pseudoscience": "Promotes pseudoscience",
    "questionable-sourcing": "Questionable sourcing",
    "propaganda": "Publishes propaganda",
    "hate": "Publishes hateful content",
}
CONFIDENCE_LABELS = {
    "high": "High confidence",
    "medium": "Medium confidence",
    "low": "Low confidence",
}
KIND_LABELS = {
    "public-broadcaster": "Public broadcaster",
    "local-tv": "Local TV",
    "wire-service": "Wire service",
    "digital-native": "Digital-native outlet",
    "state-media": "State media",
    "fact-checker": "Fact-checker",
    "think-tank": "Think tank",
}
assert set(LEAN_LABELS) == set(LEANS)
assert set(OWNER_TYPE_LABELS) == set(OWNER_TYPES)


def words(slug: str | None, labels: Mapping[str, str]) -> str:
    """A vocabulary slug as words: its label, else the slug with its dashes as spaces."""
    if not slug:
        return ""
    return labels.get(slug) or slug.replace("-", " ").capitalize()


# Codes the ratings use that ISO 3166-1 (and so pycountry) does not name.
_EXTRA_COUNTRIES = {"XK": "Kosovo", "XX": "No home country"}


def country_name(code: str | None) -> str:
    """An ISO 3166-1 alpha-2 code in words ("United Kingdom"), from pycountry's bundled table."""
    if not code:
        return ""
    code = code.upper()
    if code in _EXTRA_COUNTRIES:
        return _EXTRA_COUNTRIES[code]
    import pycountry  # bundled ISO data, loaded on first use

    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


def percent(share: float) -> int:
    """A share of the JSON (0-1, four places) as the whole percent the page shows."""
    return int(round(share * 100))


def safe_href(url: object) -> str | None:
    """A link target only when it is an http(s) URL: anything else is shown as text."""
    if not isinstance(url, str):
        return None
    lowered = url.strip().lower()
    if lowered.startswith(("https://", "http://")) and not any(c in url for c in "\r\n\t"):
        return url.strip()
    return None


# Unicode's explicit directional formatting characters (UAX #9): the embeddings and overrides
# LRE RLE LRO RLO closed by PDF, the isolates LRI RLI FSI closed by PDI. The marks (LRM, RLM,
# ALM) open nothing and are left alone.
_OPENS_EMBEDDING = frozenset("\u202a\u202b\u202d\u202e")
_OPENS_ISOLATE = frozenset("\u2066\u2067\u2068")
_PDF, _PDI = "\u202c", "\u2069"
BIDI_CONTROL_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def balanced_bidi(text: str) -> str:
    """`text` with every directional embedding, override and isolate it opens closed at its end,
    and closers that match nothing dropped. A feed's title ending in an unclosed RIGHT-TO-LEFT
    OVERRIDE (U+202E) would otherwise reverse whatever the page writes after it in the same
    line: an outlet's name, "(opens on ...)", the " · Parallax" of the window title."""
    if BIDI_CONTROL_RE.search(text) is None:  # nearly every text: no work
        return text
    out: list[str] = []
    stack: list[str] = []  # PDF or PDI: the closer each open control is waiting for
    for char in text:
        if char in _OPENS_EMBEDDING:
            stack.append(_PDF)
        elif char in _OPENS_ISOLATE:
            stack.append(_PDI)
        elif char == _PDF:
            # closes the innermost embedding, and only one opened inside the current isolate
            if not stack or stack[-1] != _PDF:
                continue
            stack.pop()
        elif char == _PDI:
            # closes the innermost isolate and every embedding opened inside it (UAX #9, X6a)
            if _PDI not in stack:
                continue
            while stack[-1] != _PDI:
                out.append(stack.pop())
            stack.pop()
        out.append(char)
    out.extend(reversed(stack))
    return "".join(out)


_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):\d{2}Z$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when(iso: str | None) -> str:
    """ISO 8601 UTC as the page writes it: 25 Oct 2025, 14:00 UTC."""
    if not iso:
        return ""
    # Sliced, not strptime: a 500-article page formats 500 of these.
    match = _ISO_RE.match(iso)
    if match is None:
        return iso
    year, month, day, hour, minute = match.groups()
    if not 1 <= int(month) <= 12:
        return iso
    return f"{int(day)} {_MONTHS[int(month) - 1]} {year}, {hour}:{minute} UTC"


@dataclass(frozen=True)
class Segment:
    """One part of a distribution: its key, words, count (when counted) and share."""

    key: str
    label: str
    share: float
    count: int | None = None

    @property
    def percent(self) -> int:
        return percent(self.share)

    @property
    def width(self) -> str:
        """The segment's width in a 100-unit SVG bar (exact, unlike the rounded percent)."""
        return f"{self.share * 100:.2f}"


@dataclass(frozen=True)
class Bar:
    """A left/center/right/unrated bar: segments laid end to end, and its text equivalent."""

    segments: tuple[Segment, ...]
    positions: tuple[tuple[Segment, str], ...]  # (segment, x offset) of the non-empty ones
    text: str

    @classmethod
    def of(cls, counts: Mapping[str, int], shares: Mapping[str, float], unit: str) -> Bar:
        segments = tuple(
            Segment(s, SIDE_LABELS[s], float(shares.get(s, 0.0)), int(counts.get(s, 0)))
            for s in SIDE_ORDER
        )
        x = 0.0
        positions: list[tuple[Segment, str]] = []
        for seg in segments:
            if seg.share > 0:
                positions.append((seg, f"{x:.2f}"))
                x += seg.share * 100
        parts = [
            f"{seg.label.lower()} {seg.percent}% ({seg.count} {unit if seg.count == 1 else unit + 's'})"
            for seg in segments
            if seg.count
        ]
        text = ", ".join(parts) if parts else f"no {unit}s"
        return cls(segments, tuple(positions), text)


def lean_sentence(counts: Mapping[str, int], shares: Mapping[str, float]) -> str:
    """The seed's headline figure: "37% of the sources lean right" (the largest rated side).
    Sides tied for the largest share are all named, left to right ("40% of the sources lean
    left and 40% lean right"): naming one of two equal sides told the reader the story leaned
    where it did not."""
    rated = [s for s in ("left", "center", "right") if counts.get(s, 0)]
    if sum(int(n or 0) for n in counts.values()) == 1:  # not "100% of the sources"
        if not rated:
            return "Its one source has no lean rating yet"
        return (
            "Its one source is rated center"
            if rated == ["center"]
            else f"Its one source leans {rated[0]}"
        )
    if not rated:
        return "None of the sources has a lean rating yet"
    most = max(counts.get(s, 0) for s in rated)  # shares are counts over one total: ties by count
    top = [s for s in rated if counts.get(s, 0) == most]
    share = percent(float(shares.get(top[0], 0.0)))
    verbs = [("are rated center" if s == "center" else f"lean {s}") for s in top]
    if len(top) == 1:
        return f"{share}% of the sources {verbs[0]}"
    rest = [f"{share}% {verb}" for verb in verbs[1:]]
    tail = rest[0] if len(rest) == 1 else f"{rest[0]} and {rest[1]}"
    joiner = " and " if len(rest) == 1 else ", "
    return f"{share}% of the sources {verbs[0]}{joiner}{tail}"


def distribution(
    shares: Mapping[str, float], order: Sequence[str], labels: Mapping[str, str]
) -> tuple[Segment, ...]:
    """The non-zero shares of a summary distribution, in the vocabulary's order (unknown keys
    last, by size)."""
    known = [k for k in order if shares.get(k)]
    extra = sorted((k for k in shares if k not in order and shares[k]), key=lambda k: -shares[k])
    return tuple(Segment(k, words(k, labels), float(shares[k])) for k in [*known, *extra])


_LANG_RE = re.compile(r"[a-z]{2}")  # fullmatch: "$" takes a trailing newline


PAGE_LANGUAGE = "en"  # base.html's <html lang>

# The scripts of the ratings' languages written in another script than Latin (any other code
# is taken as Latin). A title is marked with its outlet's language only if it is written in
# that language's script: thenational.ae, rated 'ar' until 2026-12-06, publishes in English: its titles were
# read by a screen reader in an Arabic voice; an outlet of 'ar en' writing in Arabic script is
# writing Arabic.
_SCRIPTS = {
    "arabic": "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc",
    "armenian": "\u0531-\u058f",
    "bengali": "\u0980-\u09ff",  # also Assamese
    "cyrillic": "\u0400-\u052f",
    "devanagari": "\u0900-\u097f",
    "ethiopic": "\u1200-\u139f",
    "georgian": "\u10a0-\u10ff",
    "greek": "\u0370-\u03ff\u1f00-\u1fff",
    "gujarati": "\u0a80-\u0aff",
    "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "hebrew": "\u0590-\u05ff\ufb1d-\ufb4f",
    "kana": "\u3040-\u30ff",
    "kannada": "\u0c80-\u0cff",
    "khmer": "\u1780-\u17ff",
    "lao": "\u0e80-\u0eff",
    "latin": "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
    "malayalam": "\u0d00-\u0d7f",
    "myanmar": "\u1000-\u109f",
    "oriya": "\u0b00-\u0b7f",
    "sinhala": "\u0d80-\u0dff",
    "tamil": "\u0b80-\u0bff",
    "telugu": "\u0c00-\u0c7f",
    "thaana": "\u0780-\u07bf",
    "thai": "\u0e00-\u0e7f",
    "tibetan": "\u0f00-\u0fff",
}
_SCRIPT_RES = {name: re.compile(f"[{chars}]") for name, chars in _SCRIPTS.items()}
_LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ku"), frozenset({"arabic"})),
    **dict.fromkeys(
        ("ru", "uk", "bg", "mk", "be", "kk", "ky", "mn", "tg"), frozenset({"cyrillic"})
    ),
    "sr": frozenset({"cyrillic", "latin"}),
    "az": frozenset({"latin", "cyrillic"}),
    "uz": frozenset({"latin", "cyrillic"}),
    "tk": frozenset({"latin", "cyrillic"}),
    "el": frozenset({"greek"}),
    "he": frozenset({"hebrew"}),
    "zh": frozenset({"han"}),
    "ja": frozenset({"kana", "han"}),
    "ko": frozenset({"hangul", "han"}),
    **dict.fromkeys(("hi", "mr", "ne"), frozenset({"devanagari"})),
    "bn": frozenset({"bengali"}),
    "gu": frozenset({"gujarati"}),
    "or": frozenset({"oriya"}),
    "ta": frozenset({"tamil"}),
    "te": frozenset({"telugu"}),
    "kn": frozenset({"kannada"}),
    "ml": frozenset({"malayalam"}),
    "si": frozenset({"sinhala"}),
    "th": frozenset({"thai"}),
    "lo": frozenset({"lao"}),
    "km": frozenset({"khmer"}),
    "my": frozenset({"myanmar"}),
    "ka": frozenset({"georgian"}),
    "hy": frozenset({"armenian"}),
    **dict.fromkeys(("am", "ti"), frozenset({"ethiopic"})),
    "dv": frozenset({"thaana"}),
    "dz": frozenset({"tibetan"}),
}
_LATIN = frozenset({"latin"})


def _script(text: str, among: frozenset[str]) -> str | None:
    """Of the scripts `among`, the one most of a text's letters are written in (None: no letter
    in any of them). Only the outlet's languages' scripts are counted: a 500-article page runs
    this for every title."""
    if text.isascii():  # most titles: no scan
        return "latin" if "latin" in among and any(c.isalpha() for c in text) else None
    if len(among) == 1:  # (an outlet of one script, nearly all: a letter of it is enough)
        (name,) = among
        return name if _SCRIPT_RES[name].search(text) else None
    counts = {name: len(_SCRIPT_RES[name].findall(text)) for name in among}
    name, count = max(sorted(counts.items()), key=lambda item: item[1])
    return name if count else None


@functools.lru_cache(maxsize=256)
def _codes(language: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The two-letter codes of a ratings' language field ('ar en': two) and the scripts they
    are written in; none for a field that is not such codes (or the page's English alone)."""
    codes = tuple(language.split(" "))
    if len(codes) > 8 or not all(_LANG_RE.fullmatch(c) for c in codes) or codes == ("en",):
        return (), frozenset()
    return codes, frozenset().union(*(_LANGUAGE_SCRIPTS.get(c, _LATIN) for c in codes))


def text_language(text: str, outlet: object) -> str | None:
    """The language of an outlet's text (a title, a point, a quote) for its lang attribute: the
    one of the outlet's languages (the ratings' two-letter codes) written in the text's script,
    when exactly one is. A screen reader then reads a German title in a German voice (WCAG
    3.1.2, language of parts). None when that is the page's English, when no language of the
    outlet or several fit the script ('de fr' and a Latin title; an 'ar' outlet's English
    title), or none is known: the text then reads as the page's own."""
    language = outlet.get("language") if isinstance(outlet, dict) else None
    if not isinstance(language, str) or language == PAGE_LANGUAGE:
        return None
    codes, among = _codes(language)
    if not codes:
        return None
    script = _script(text, among)
    if script is None:  # letters of no script of the outlet's: not its; none: cannot tell
        fits = codes if len(codes) == 1 and not any(c.isalpha() for c in text) else []
    else:
        fits = [c for c in codes if script in _LANGUAGE_SCRIPTS.get(c, _LATIN)]
    return fits[0] if len(fits) == 1 and fits[0] != PAGE_LANGUAGE else None


@dataclass(frozen=True)
class OutletChip:
    """An outlet as an article row shows it."""

    id: str | None
    name: str
    rated: bool
    lean: str | None
    lean_label: str
    side: str
    factuality: str
    factuality_label: str

    @property
    def factuality_text(self) -> str:
        """The chip's words: "Factuality high", "Factuality not rated"."""
        if self.factuality == "unrated":
            return "Factuality not rated"
        return f"Factuality {self.factuality_label.lower()}"

    @classmethod
    def of(cls, outlet: Mapping[str, Any] | None, side: str) -> OutletChip:
        if not outlet:
            return cls(
                None,
                "Unknown outlet",
                False,
                None,
                "No lean rating",
                side,
                "unrated",
                FACTUALITY_LABELS["unrated"],
            )
        lean = (
            (outlet.get("lean") or {}).get("label")
            if isinstance(outlet.get("lean"), dict)
            else None
        )
        fact = (
            (outlet.get("factuality") or {}).get("label")
            if isinstance(outlet.get("factuality"), dict)
            else None
        ) or "unrated"
        return cls(
            id=str(outlet.get("id") or "") or None,
            name=str(outlet.get("name") or outlet.get("id") or "Unknown outlet"),
            rated=outlet.get("rated", True) is not False,
            lean=lean,
            lean_label=words(lean, LEAN_LABELS) if lean else "No lean rating",
            side=side,
            factuality=fact,
            factuality_label=words(fact, FACTUALITY_LABELS),
        )


@dataclass(frozen=True)
class ArticleRow:
    """One article of a story page."""

    title: str
    href: str | None
    outlet: OutletChip
    published: str | None
    published_text: str
    syndicated: bool
    demo: bool
    language: str | None = None  # the title's (text_language)
    excerpt: str | None = None  # the API's (summary.excerpt): plain text, bounded
    excerpt_language: str | None = None  # text_language


@dataclass(frozen=True)
class SideGroup:
    """The articles of one side, counted by outlet as the API counts."""

    side: str
    label: str
    outlet_count: int
    article_count: int
    articles: tuple[ArticleRow, ...]
    shown: tuple[ArticleRow, ...]  # after the reader's filters


@dataclass(frozen=True)
class Filters:
    """The reader's article filters on a story page (already validated)."""

    side: str | None = None
    factuality: str | None = None

    @property
    def active(self) -> bool:
        return self.side is not None or self.factuality is not None

    def keeps(self, row: ArticleRow) -> bool:
        return (self.side is None or row.outlet.side == self.side) and (
            self.factuality is None or row.outlet.factuality == self.factuality
        )


@dataclass(frozen=True)
class KeyPoint:
    text: str
    outlet: str | None
    article_id: str | None
    # The article the sentence is quoted from, when it has an http(s) address: the reader can
    # check the quote in its place.
    href: str | None = None
    language: str | None = None  # text_language


@dataclass(frozen=True)
class FramingNote:
    """One line of "How each side framed it": our words (`lead`, `tail`) around the coverage's
    (`text`, quoted or a list of terms). The template isolates `text` (<bdi>) so an Arabic or
    Hebrew quote inside an English sentence keeps its own direction, its full stop on its left."""

    lead: str
    text: str
    quoted: bool = False
    tail: str = ""

    def __str__(self) -> str:
        text = f"“{self.text}”" if self.quoted else self.text
        return f"{self.lead}{text}{self.tail}"


@dataclass(frozen=True)
class FramingSide:
    """One side's column of "How each side framed it": the words its coverage stressed and the
    sentences quoted from it, under one heading rather than repeated before every line. A side
    with nothing to show says why (no source on it, or nothing distinct found), so a reader of a
    blindspot sees the missing side named instead of silently left out."""

    side: str
    label: str  # "Left-leaning sources"
    sources: int  # the side's outlets in the story, as the lean counts them
    terms: tuple[str, ...]
    quotes: tuple[tuple[str, str, str | None], ...]  # (quoted text, outlet name, its language)
    # The terms' language: the one all the side's listed articles' outlets share, if any.
    terms_language: str | None = None

    @property
    def empty_text(self) -> str:
        side = f"{self.side}-leaning" if self.side != "center" else "center"
        if not self.sources:
            return f"No {side} source has covered this story."
        return f"No framing of its own was found in the {side} coverage."


@dataclass(frozen=True)
class StoryPage:
    """Everything the story page shows, from the API's summary of the story."""

    id: str
    headline: str
    demo: bool
    first_seen: str | None
    first_seen_text: str
    last_updated: str | None
    last_updated_text: str
    article_count: int
    outlet_count: int
    syndicated_count: int
    articles_read: int | None
    lean: Bar
    lean_sentence: str
    factuality: tuple[Segment, ...]
    owner_types: tuple[Segment, ...]
    blindspot: str | None
    blindspot_side: str | None
    first_reported_by: dict[str, Any] | None
    groups: tuple[SideGroup, ...]
    filters: Filters
    shown_count: int
    key_points: tuple[KeyPoint, ...] = ()
    headline_language: str | None = None  # see _headline_language
    framing: tuple[FramingNote, ...] = ()
    # The same framing by side, when the summary gives it by side (the API does).
    framing_sides: tuple[FramingSide, ...] = ()
    summary_line: str | None = None
    factuality_options: tuple[tuple[str, str], ...] = field(default=())
    # Articles retention removed (`parallax prune`): counted above, no longer listed.
    articles_removed: int = 0


def blindspot_words(blindspot: Mapping[str, Any] | None) -> str | None:
    """The blindspot statement, or None."""
    if not blindspot:
        return None
    covered = blindspot.get("covered_by")
    missed = blindspot.get("missed_by")
    return (
        f"Blindspot: this story is covered mostly by sources on the {covered}; "
        f"sources on the {missed} have barely covered it."
    )


def _outlet_name(value: object) -> str | None:
    """A key point's outlet as a name: the API gives the outlet object; older data an id."""
    if isinstance(value, dict):
        name = value.get("name") or value.get("id")
        return str(name) if name else None
    if isinstance(value, str) and value.strip():
        return value
    return None


def _text_items(value: object) -> tuple[FramingNote, ...]:
    """Framing notes in words. The API gives {side: {terms, points: [{text, outlet}]}}; a string
    or a list of strings/objects is read too."""
    if isinstance(value, str):
        return (FramingNote("", value),) if value.strip() else ()
    if isinstance(value, dict):
        notes: list[FramingNote] = []
        for side in ("left", "center", "right"):
            entry = value.get(side)
            if not isinstance(entry, dict):
                continue
            label = f"{SIDE_LABELS[side]}-leaning sources"
            terms = [
                balanced_bidi(t)
                for t in entry.get("terms") or ()
                if isinstance(t, str) and t.strip()
            ]
            if terms:
                notes.append(FramingNote(f"{label} emphasise: ", ", ".join(terms[:6])))
            for point in entry.get("points") or ():
                if isinstance(point, dict) and isinstance(point.get("text"), str):
                    who = _outlet_name(point.get("outlet"))
                    # (never unattributed: an article without an outlet says so)
                    notes.append(
                        FramingNote(
                            f"{label}: ", point["text"], True, f" ({who or 'unknown outlet'})"
                        )
                    )
        return tuple(notes)
    if isinstance(value, list):
        out: list[FramingNote] = []
        for item in value:
            if isinstance(item, str) and item.strip():
                out.append(FramingNote("", item))
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                who = item.get("side") or _outlet_name(item.get("outlet"))
                lead = f"{words(str(who), SIDE_LABELS)}: " if who else ""
                out.append(FramingNote(lead, item["text"]))
        return tuple(out)
    return ()


def _one_language(articles: object) -> str | None:
    """The one non-English language all these articles' titles are in, else None."""
    if not isinstance(articles, list) or not articles:
        return None
    languages = {
        text_language(str(a.get("title") or ""), a.get("outlet")) if isinstance(a, dict) else None
        for a in articles
    }
    return languages.pop() if len(languages) == 1 else None


def _framing_sides(
    value: object, counts: Mapping[str, int], by_side: Mapping[str, Any]
) -> tuple[FramingSide, ...]:
    """The API's {side: {terms, points}} framing as three columns, left, center, right; none
    when no side has anything to show (the section is then left out)."""
    if not isinstance(value, dict):
        return ()
    sides: list[FramingSide] = []
    for side in ("left", "center", "right"):
        entry = value.get(side)
        entry = entry if isinstance(entry, dict) else {}
        # Each term closes its own directional controls: the template joins them into one text.
        terms = tuple(
            balanced_bidi(t) for t in entry.get("terms") or () if isinstance(t, str) and t.strip()
        )
        quotes = tuple(
            (
                p["text"],
                _outlet_name(p.get("outlet")) or "unknown outlet",
                text_language(p["text"], p.get("outlet")),
            )
            for p in entry.get("points") or ()
            if isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"].strip()
        )
        label = f"{SIDE_LABELS[side]}-leaning sources"
        sides.append(
            FramingSide(
                side,
                label,
                int(counts.get(side, 0)),
                terms[:6],
                quotes,
                _one_language(by_side.get(side)),
            )
        )
    return tuple(sides) if any(s.terms or s.quotes for s in sides) else ()


def _headline_language(headline: str, by_side: Mapping[str, Any]) -> str | None:
    """The language of the headline when it can be told: that of the outlet whose title it is,
    else the one language all the listed articles' outlets share (None when any is English or
    of several languages)."""
    articles = [a for side in by_side.values() if isinstance(side, list) for a in side]
    articles = [a for a in articles if isinstance(a, dict)]
    for article in articles:
        if article.get("title") == headline:
            return text_language(headline, article.get("outlet"))
    shared = _one_language(articles)
    # (and only if the headline is written in that language's script)
    return text_language(headline, {"language": shared}) if shared else None


def story_page(summary: Mapping[str, Any], filters: Filters = Filters()) -> StoryPage:
    """The story page's view of a summary exactly as `/v1/stories/<id>` returns it."""
    lean = summary["lean"]
    counts = lean["outlets"]
    shares = lean["by_outlets"]
    groups: list[SideGroup] = []
    any_demo = False
    shown_total = 0
    by_side = summary.get("articles_by_side") or {}
    for side in SIDE_ORDER:
        rows = tuple(_article_row(a, side) for a in by_side.get(side, ()))
        any_demo = any_demo or any(r.demo for r in rows)
        shown = tuple(r for r in rows if filters.keeps(r))
        shown_total += len(shown)
        groups.append(
            SideGroup(
                side=side,
                label=SIDE_LABELS[side],
                outlet_count=int(counts.get(side, 0)),
                article_count=int(lean["articles"].get(side, len(rows))),
                articles=rows,
                shown=shown,
            )
        )
    first = summary.get("first_reported_by")
    first_view: dict[str, Any] | None = None
    if first:
        chip = OutletChip.of(first.get("outlet"), "unrated")
        first_view = {
            "outlet": chip,
            "title": first.get("title") or "",
            "href": safe_href(first.get("url")),
            "published": first.get("published"),
            "published_text": when(first.get("published")),
        }
    # A point links to its article only while the page lists that article: one retention
    # removed (or a deletion not yet re-digested) keeps its words, as the headline does, but
    # not its link.
    listed = {row.href for group in groups for row in group.articles if row.href}
    key_points = tuple(
        KeyPoint(
            text=str(k["text"]),
            outlet=_outlet_name(k.get("outlet")),
            article_id=str(k["article_id"]) if k.get("article_id") else None,
            href=href if (href := safe_href(k.get("url"))) in listed else None,
            language=text_language(str(k["text"]), k.get("outlet")),
        )
        for k in summary.get("key_points") or ()
        if isinstance(k, dict) and isinstance(k.get("text"), str) and k["text"].strip()
    )
    truncated = summary.get("truncated")
    retention = summary.get("retention")
    blind = summary.get("blindspot")
    return StoryPage(
        id=str(summary["id"]),
        headline=str(summary.get("headline") or "Untitled story"),
        demo=bool(summary.get("demo")) or any_demo,
        first_seen=summary.get("first_seen"),
        first_seen_text=when(summary.get("first_seen")),
        last_updated=summary.get("last_updated"),
        last_updated_text=when(summary.get("last_updated")),
        article_count=int(summary["article_count"]),
        outlet_count=int(summary["outlet_count"]),
        syndicated_count=int(summary.get("syndicated_count") or 0),
        articles_read=int(truncated["articles_read"]) if isinstance(truncated, dict) else None,
        lean=Bar.of(counts, shares, "source"),
        lean_sentence=lean_sentence(counts, shares),
        factuality=distribution(
            summary.get("factuality") or {}, FACTUALITY_ORDER, FACTUALITY_LABELS
        ),
        owner_types=distribution(
            summary.get("owner_types") or {}, (*OWNER_TYPES,), OWNER_TYPE_LABELS
        ),
        blindspot=blindspot_words(blind),
        blindspot_side=blind.get("covered_by") if isinstance(blind, dict) else None,
        first_reported_by=first_view,
        groups=tuple(groups),
        filters=filters,
        shown_count=shown_total,
        key_points=key_points,
        # ("Untitled story", ours, for a story without a headline: English)
        headline_language=_headline_language(str(summary["headline"]), by_side)
        if summary.get("headline")
        else None,
        framing=_text_items(summary.get("framing")),
        framing_sides=_framing_sides(summary.get("framing"), counts, by_side),
        summary_line=str(summary["summary"]) if isinstance(summary.get("summary"), str) else None,
        factuality_options=tuple((k, FACTUALITY_LABELS[k]) for k in FACTUALITY_ORDER),
        articles_removed=int(retention.get("articles_removed") or 0)
        if isinstance(retention, dict)
        else 0,
    )


def _article_row(article: Mapping[str, Any], side: str) -> ArticleRow:
    title = article.get("title")
    given = article.get("excerpt")
    excerpt = given if isinstance(given, str) else ""
    return ArticleRow(
        title=str(title or "Untitled"),
        href=safe_href(article.get("url")),
        outlet=OutletChip.of(article.get("outlet"), side),
        published=article.get("published"),
        published_text=when(article.get("published")),
        syndicated=bool(article.get("syndicated")),
        demo=bool(article.get("demo")),
        # ("Untitled" is ours: English)
        language=text_language(title, article.get("outlet")) if isinstance(title, str) else None,
        excerpt=excerpt or None,
        excerpt_language=text_language(excerpt, article.get("outlet")) if excerpt else None,
    )


_RTL_SCRIPTS = frozenset({"arabic", "hebrew", "thaana"})


def direction(language: str | None) -> str:
    """The dir of a text in `language` (text_language's: known to be written in that
    language's script): rtl for a language of right-to-left scripts only, else auto (the
    browser's reading of its first strong letter)."""
    scripts = _LANGUAGE_SCRIPTS.get(language or "", _LATIN)
    return "rtl" if scripts <= _RTL_SCRIPTS else "auto"


def listing_language(headline: str, sources: Iterable[tuple[object, str]]) -> str | None:
    """The lang of a listed story's headline, told as its story page tells it
    (_headline_language) from `sources`: (outlet as the API shows it, title) of the articles
    its headline is chosen from (the store's headline_sources)."""
    if not headline:  # ("Untitled story" is ours: English)
        return None
    articles = [{"title": title, "outlet": outlet} for outlet, title in sources]
    return _headline_language(headline, {"sample": articles})


@dataclass(frozen=True)
class StoryItem:
    """A story in a list (front page, blindspots, an outlet's stories)."""

    id: str
    headline: str
    last_updated: str | None
    last_updated_text: str
    article_count: int
    outlet_count: int
    bar: Bar
    blindspot: str | None  # the side that covered it overwhelmingly
    demo: bool
    headline_language: str | None = None  # listing_language

    @property
    def headline_direction(self) -> str:
        return direction(self.headline_language)


def story_items(
    listings: Iterable[Mapping[str, Any]], languages: Mapping[str, str | None] | None = None
) -> list[StoryItem]:
    """List entries from `listing_json` dicts (what /v1/stories returns), their headlines'
    lang from `languages` (story id: listing_language)."""
    items: list[StoryItem] = []
    for listing in listings:
        lean = listing["lean"]
        blind = listing.get("blindspot")
        items.append(
            StoryItem(
                id=str(listing["id"]),
                headline=str(listing.get("headline") or "Untitled story"),
                last_updated=listing.get("last_updated"),
                last_updated_text=when(listing.get("last_updated")),
                article_count=int(listing["article_count"]),
                outlet_count=int(listing["outlet_count"]),
                bar=Bar.of(lean["outlets"], lean["by_outlets"], "source"),
                blindspot=blind.get("covered_by") if isinstance(blind, dict) else None,
                demo=listing.get("demo") is True,
                headline_language=(languages or {}).get(str(listing["id"])),
            )
        )
    return items


@dataclass(frozen=True)
class OutletPage:
    """An outlet's profile, from its API JSON (/v1/outlets/<id>)."""

    id: str
    name: str
    domain: str
    aliases: tuple[str, ...]
    kind: str
    country: str
    country_name: str
    language: str
    lean: str | None
    lean_label: str
    lean_score: float | None
    lean_index: int | None  # 0-6 on the seven-step scale
    factuality: str | None
    factuality_label: str
    owner: str | None
    owner_type_label: str
    flags: tuple[str, ...]
    basis: str
    confidence_label: str
    reviewed: str
    source: str
    quality: QualityView | None
    factuality_basis: str | None  # set when the factuality is derived from the quality layer
    scale: tuple[tuple[str, str], ...] = tuple((k, LEAN_LABELS[k]) for k in LEANS)


def outlet_page(outlet: Mapping[str, Any]) -> OutletPage:
    lean = outlet.get("lean") if isinstance(outlet.get("lean"), dict) else None
    fact = outlet.get("factuality") if isinstance(outlet.get("factuality"), dict) else None
    lean_label = lean.get("label") if lean else None
    flag_words = outlet.get("flag_labels")
    if isinstance(flag_words, list) and all(isinstance(f, str) for f in flag_words):
        flags = tuple(f[:1].upper() + f[1:] for f in flag_words)
    else:
        flags = tuple(words(f, FLAG_LABELS) for f in outlet.get("flags") or ())
    derived = outlet.get("factuality_derived")
    basis: str | None = None
    if fact is None and isinstance(derived, dict) and derived.get("label"):
        fact, basis = derived, str(derived.get("basis") or "derived from the quality score")
    kind_label = outlet.get("kind_label")
    return OutletPage(
        id=str(outlet["id"]),
        name=str(outlet["name"]),
        domain=str(outlet.get("domain") or outlet["id"]),
        aliases=tuple(outlet.get("aliases") or ()),
        kind=(
            kind_label[:1].upper() + kind_label[1:]
            if isinstance(kind_label, str) and kind_label
            else words(outlet.get("kind"), KIND_LABELS)
        ),
        country=str(outlet.get("country") or ""),
        country_name=country_name(outlet.get("country")),
        language=str(outlet.get("language") or ""),
        lean=lean_label,
        lean_label=words(lean_label, LEAN_LABELS) if lean_label else "Not rated",
        lean_score=lean.get("score") if lean else None,
        lean_index=LEANS.index(lean_label) if lean_label in LEANS else None,
        factuality=fact.get("label") if fact else None,
        factuality_label=words(fact.get("label"), FACTUALITY_LABELS) if fact else "Not rated",
        owner=outlet.get("owner"),
        owner_type_label=words(outlet.get("owner_type"), OWNER_TYPE_LABELS) or "Unknown",
        flags=flags,
        basis=str(outlet.get("basis") or ""),
        confidence_label=words(outlet.get("confidence"), CONFIDENCE_LABELS),
        reviewed=str(outlet.get("reviewed") or ""),
        source=str(outlet.get("source") or ""),
        quality=_quality(outlet.get("quality")),
        factuality_basis=basis,
    )


@dataclass(frozen=True)
class QualityView:
    """The quality layer's score of an outlet (open research data), with its source and terms."""

    text: str
    source: str
    year: str
    href: str | None
    citation: str
    terms: str


def _quality(value: object) -> QualityView | None:
    """The ratings quality layer's value, when the outlet has one."""
    if not isinstance(value, dict):
        return None
    score = value.get("score")
    text = value.get("text") or (f"score {score}" if score is not None else "")
    if not text:
        return None
    return QualityView(
        text=str(text),
        source=str(value.get("source") or ""),
        year=str(value.get("year") or ""),
        href=safe_href(value.get("source_url")),
        citation=str(value.get("citation") or ""),
        terms=str(value.get("terms") or ""),
    )
