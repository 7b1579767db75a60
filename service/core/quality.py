"""Quality layers: open research scores of news domains, kept apart from our own ratings.

A layer is a CSV of `domain,<score column>` (scores in [0, 1], 1 = highest quality) beside a JSON
manifest naming its source, year and terms, so that every value shown carries them. Where an outlet
has no factuality of its own, a factuality is derived from its score through the layer's documented
cut points; our own labels are never replaced (see ratings/METHODOLOGY.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.core.ratings_schema import FACTUALITY, is_valid_host

# Kinds that get no factuality, derived or ours: satire claims no facts, platforms and aggregators
# publish others' work. Platforms get no quality either: a score for youtube.com says nothing about
# the channel a reader is looking at.
NO_FACTUALITY_KINDS = frozenset({"satire", "platform", "aggregator"})
NO_QUALITY_KINDS = frozenset({"platform"})

MANIFEST_FIELDS = {
    "id": str,
    "name": str,
    "short": str,
    "citation": str,
    "url": str,
    "year": int,
    "data_years": str,
    "terms": str,
    "description": str,
    "score_column": str,
}
REQUIRED_MANIFEST = (
    "id",
    "name",
    "short",
    "citation",
    "year",
    "terms",
    "description",
    "score_column",
)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9\-]{0,40}$")
_PATH_RE = re.compile(r"^/[A-Za-z0-9@._~\-]+(?:/[A-Za-z0-9@._~\-]+)*$")
_IP_RE = re.compile(r"^[0-9.]+$")
MAX_SCORE_TEXT = 32


@dataclass(frozen=True)
class CutPoint:
    """Scores at or above `minimum` (and below the previous cut point) get `label`; None marks a
    band where the score does not settle a label, so none is derived."""

    minimum: float
    label: str | None


@dataclass(frozen=True)
class QualitySource:
    """Provenance of one quality layer: what is shown beside every value it sets."""

    id: str
    name: str
    short: str
    citation: str
    url: str
    year: int
    data_years: str
    terms: str
    description: str
    score_column: str
    cut_points: tuple[CutPoint, ...]

    def text(self, score: float) -> str:
        """The reader's sentence, e.g. 'news-quality score 0.87 of 1, aggregate of six rating sets, 2023'."""
        return f"news-quality score {score:.2f} of 1, {self.description}, {self.year}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "short": self.short,
            "citation": self.citation,
            "url": self.url or None,
            "year": self.year,
            "data_years": self.data_years or None,
            "terms": self.terms,
            "description": self.description,
            "factuality_cut_points": [[c.minimum, c.label] for c in self.cut_points],
        }


@dataclass(frozen=True)
class Quality:
    """One outlet's quality score and where it comes from."""

    score: float
    domain: str
    source: QualitySource

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "text": self.source.text(self.score),
            "domain": self.domain,
            "source": self.source.short,
            "source_id": self.source.id,
            "citation": self.source.citation,
            "source_url": self.source.url or None,
            "year": self.source.year,
            "terms": self.source.terms,
        }


@dataclass(frozen=True)
class DerivedFactuality:
    """A factuality label derived from a quality score, for an outlet with none of its own."""

    label: str
    quality: Quality

    @property
    def basis(self) -> str:
        band = band_text(self.quality.source.cut_points, self.label)
        return (
            f"derived from the news-quality score {self.quality.score:.2f} ({self.quality.source.short}) "
            f"through Parallax's cut points ({band} is '{self.label}'); not a rating of our own"
        )

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "derived": True, "basis": self.basis}


@dataclass
class QualityLayer:
    source: QualitySource
    scores: dict[str, float]


def derive_factuality(score: float, cut_points: Sequence[CutPoint]) -> str | None:
    """The label of the first cut point (highest first) whose minimum the score reaches (None in
    a band without a label)."""
    for cut in cut_points:
        if score >= cut.minimum:
            return cut.label
    return None


def band_text(cut_points: Sequence[CutPoint], label: str | None) -> str:
    upper: float | None = None
    for cut in cut_points:
        if cut.label == label:
            if upper is None:
                return f"a score of {cut.minimum:.2f} or more"
            return f"a score from {cut.minimum:.2f} up to {upper:.2f}"
        upper = cut.minimum
    return "no band"


def factuality_distance(a: str, b: str) -> int:
    return abs(FACTUALITY.index(a) - FACTUALITY.index(b))


def check_domain(domain: str) -> str | None:
    """A problem with a layer's domain, or None: a lower-case host, optionally with a path."""
    host, slash, path = domain.partition("/")
    if domain != domain.lower() or "://" in domain:
        return f"domain '{domain[:100]}' must be lower case with no scheme, e.g. example.com"
    if _IP_RE.match(host):
        return f"domain '{domain[:100]}' is an IP address, not a domain"
    if not is_valid_host(host):
        return f"domain '{domain[:100]}' is not a valid host name"
    if slash and not _PATH_RE.match("/" + path):
        return f"domain '{domain[:100]}': the path part must be /segment[/segment...]"
    return None


def parse_score(text: str) -> float | None:
    if len(text) > MAX_SCORE_TEXT:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


def parse_manifest(data: object) -> tuple[QualitySource | None, list[str]]:
    """Validates a layer's manifest; returns the source (None if unusable) and problems."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return None, ["the manifest must be a JSON object"]
    for key in data:
        if key not in MANIFEST_FIELDS and key != "factuality_cut_points":
            problems.append(
                f"unknown key '{str(key)[:40]}': use only {', '.join([*MANIFEST_FIELDS, 'factuality_cut_points'])}"
            )
    for key in REQUIRED_MANIFEST:
        if key not in data or data[key] in ("", None):
            problems.append(
                f"'{key}' is missing: every value shown must carry its source, year and terms"
            )
    for key, kind in MANIFEST_FIELDS.items():
        if (
            key in data
            and not isinstance(data[key], kind)
            or (kind is int and isinstance(data.get(key), bool))
        ):
            problems.append(f"'{key}' must be a {'number' if kind is int else 'string'}")
    if isinstance(data.get("id"), str) and not _ID_RE.match(data["id"]):
        problems.append("'id' must be lower-case letters, digits and dashes, e.g. lin2023")
    if isinstance(data.get("year"), int) and not 1990 <= data["year"] <= 2100:
        problems.append("'year' must be the release year, e.g. 2023")
    cuts, cut_problems = _parse_cut_points(data.get("factuality_cut_points", []))
    problems.extend(cut_problems)
    if problems:
        return None, problems
    return QualitySource(
        id=data["id"],
        name=data["name"],
        short=data["short"],
        citation=data["citation"],
        url=data.get("url", ""),
        year=data["year"],
        data_years=data.get("data_years", ""),
        terms=data["terms"],
        description=data["description"],
        score_column=data["score_column"],
        cut_points=cuts,
    ), []


def _parse_cut_points(raw: object) -> tuple[tuple[CutPoint, ...], list[str]]:
    if not isinstance(raw, list):
        return (), [
            "'factuality_cut_points' must be a list of [minimum score, label], highest first"
        ]
    cuts: list[CutPoint] = []
    for item in raw:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not isinstance(item[0], (int, float))
            or isinstance(item[0], bool)
            or (item[1] is not None and item[1] not in FACTUALITY)
        ):
            return (), [
                f"cut point {str(item)[:60]} must be [minimum score in [0, 1], one of "
                f"{', '.join(FACTUALITY)} or null for no label]"
            ]
        minimum = float(item[0])
        if not 0.0 <= minimum <= 1.0:
            return (), [f"cut point {item} has a minimum outside [0, 1]"]
        labelled = [c.label for c in cuts if c.label is not None]
        if cuts and (
            minimum >= cuts[-1].minimum
            or (item[1] is None and cuts[-1].label is None)
            or (
                item[1] is not None
                and labelled
                and FACTUALITY.index(item[1]) <= FACTUALITY.index(labelled[-1])
            )
        ):
            return (), [
                "cut points must go from the highest minimum (best label) down, each lower "
                "and worse (null for a band without a label, never two in a row)"
            ]
        cuts.append(CutPoint(minimum, item[1]))
    return tuple(cuts), []


def read_manifest(path: Path) -> tuple[QualitySource | None, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"cannot read the manifest (UTF-8 JSON expected): {exc}"]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"the manifest is not valid JSON: {exc.msg} at line {exc.lineno}"]
    except RecursionError:
        return None, ["the manifest is not valid JSON: nested too deeply (give one flat object)"]
    except ValueError:
        # An integer of more digits than Python converts (sys.get_int_max_str_digits).
        return None, ["the manifest is not valid JSON: a number too long to read"]
    return parse_manifest(data)


@dataclass(frozen=True)
class Assignment:
    """Which quality an outlet gets: the exact domain first, then an alias, then a sub-host."""

    outlet_id: str
    quality: Quality
    rank: int  # 0 = the outlet's id, 1 = an alias, 2 = a sub-host or path of it
    order: int = 0  # for an alias, its place in the row's aliases (the first is the main one)


def pick_assignments(candidates: Iterable[Assignment]) -> dict[str, Quality]:
    """The best candidate per outlet: lowest rank, then the earliest alias, then the shortest and
    first domain."""

    def key(a: Assignment) -> tuple[int, int, int, str]:
        return (a.rank, a.order, len(a.quality.domain), a.quality.domain)

    best: dict[str, Assignment] = {}
    for cand in candidates:
        current = best.get(cand.outlet_id)
        if current is None or key(cand) < key(current):
            best[cand.outlet_id] = cand
    return {k: v.quality for k, v in best.items()}


def fit_cut_points(
    pairs: Sequence[tuple[float, str]], min_band: int = 10
) -> tuple[list[CutPoint], int]:
    """Monotone cut points maximising exact agreement on (score, label) pairs, and the count agreeing.

    Dynamic programming over the pairs sorted by score: a better label never sits below a worse one.
    A band holding fewer than `min_band` pairs is merged into the next worse one (one outlet at the
    top of the scale is no evidence for a band). Each cut point is the midpoint between the two
    scores it separates, rounded to 2 decimals.
    """
    order = list(reversed(FACTUALITY))  # very-low ... very-high
    ordered = sorted(pairs)
    n, levels = len(ordered), len(order)
    if n == 0:
        return [], 0
    # best[i][k]: most agreements among the first i pairs with the i-th given level <= k.
    best = [[0] * levels for _ in range(n + 1)]
    choice = [[0] * levels for _ in range(n + 1)]
    for i in range(1, n + 1):
        label = order.index(ordered[i - 1][1])
        for k in range(levels):
            here = best[i - 1][k] + (1 if label == k else 0)
            if k > 0 and best[i][k - 1] > here:
                best[i][k], choice[i][k] = best[i][k - 1], choice[i][k - 1]
            else:
                best[i][k], choice[i][k] = here, k
    assigned = [0] * n
    k = levels - 1
    for i in range(n, 0, -1):
        k = choice[i][k]
        assigned[i - 1] = k
    counts = {level: assigned.count(level) for level in set(assigned)}
    kept = sorted((lv for lv, c in counts.items() if c >= min_band), reverse=True) or [max(counts)]
    assigned = [next((lv for lv in kept if lv <= a), kept[-1]) for a in assigned]
    cuts: list[CutPoint] = []
    used = sorted(set(assigned), reverse=True)
    for level in used[:-1]:
        first = next(i for i in range(n) if assigned[i] >= level)
        minimum = round((ordered[first - 1][0] + ordered[first][0]) / 2, 2)
        if cuts and minimum >= cuts[-1].minimum:
            continue
        cuts.append(CutPoint(minimum, order[level]))
    cuts.append(CutPoint(0.0, order[used[-1]]))
    agreed = sum(1 for (score, label) in ordered if derive_factuality(score, cuts) == label)
    return cuts, agreed


THREE_LEVELS = {"very-high": 0, "high": 0, "mostly-factual": 1, "mixed": 1, "low": 2, "very-low": 2}


def cut_point_agreement(
    pairs: Sequence[tuple[float, str]], cuts: Sequence[CutPoint]
) -> dict[str, float]:
    """Share of pairs given a label (`coverage`) and, among those, the share whose label the cut
    points give exactly, within one step, and on 3 levels (very-high/high,
    mostly-factual/mixed, low/very-low)."""
    exact = within = three = labelled = 0
    for score, label in pairs:
        derived = derive_factuality(score, cuts)
        if derived is None:
            continue
        labelled += 1
        exact += derived == label
        within += factuality_distance(derived, label) <= 1
        three += THREE_LEVELS[derived] == THREE_LEVELS[label]
    n = max(1, labelled)
    return {
        "coverage": labelled / max(1, len(pairs)),
        "exact": exact / n,
        "within_one": within / n,
        "three_levels": three / n,
    }


def quality_factuality_pairs(table: Any, layer_id: str) -> list[tuple[float, str]]:
    """(score, our factuality) for bundled outlets rated both ways by the layer `layer_id`."""
    pairs: list[tuple[float, str]] = []
    for outlet in table.outlets.values():
        quality = outlet.quality
        if (
            quality is not None
            and quality.source.id == layer_id
            and outlet.factuality
            and outlet.source == "parallax"
            and outlet.kind not in NO_FACTUALITY_KINDS
        ):
            pairs.append((quality.score, outlet.factuality))
    return pairs
