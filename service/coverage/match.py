"""The learned decisions "does this article belong to that story" and "are these two stories one":
features and the shipped models.

The clusterer describes each front-running candidate story by the numbers in FEATURES; a
logistic model turns them into the probability that joining is right. Once the article is
placed, each other candidate it came close to is described by MERGE_FEATURES, and a second
logistic model gives the probability that the two stories are one event (the merge). The weights
are fitted by scripts/train_match.py on pairs from the dev story sets (each file names the data,
the fit and its cross-validated calibration) and shipped as tables/match_model.json and
tables/merge_model.json: a few numbers each, read once, checked, read-only.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from service.coverage.weights import linear_section, logistic, read_model_file

MODEL_PATH = Path(__file__).resolve().parent / "tables" / "match_model.json"
MERGE_MODEL_PATH = Path(__file__).resolve().parent / "tables" / "merge_model.json"

# Every candidate is described by these, in this order (the model file must name the same).
FEATURES = (
    "centroid",  # cosine with the story's centroid
    "nearest",  # best cosine with one of the story's remembered articles
    "title",  # best cosine between the titles
    "entities",  # share of the article's name weight found in the story
    "numbers",  # share of the article's number weight found in the story
    "margin",  # this candidate's similarity minus the best other candidate's (at least match_floor)
    "rivals",  # other candidates within 0.1 of this one's similarity
    "recency",  # exp(-gap / 6 h) when both are dated, else 0
    "log_gap_hours",  # ln(1 + gap in hours) when both are dated, else 0
    "dated",  # 1 when the article and the story both have dates
    "log_size",  # ln of the story's article count
    "log_spread_hours",  # ln(1 + hours between the story's first and last article)
    "same_outlet",  # 1 when the article's outlet already has a remembered article in the story
    "nearest_sq",  # nearest squared: lets the odds rise faster for close pairs
    "centroid_x_dated",  # similarity counts differently with dates to narrow the field
    "recency_x_nearest",  # closeness in time counts as much as the texts agree
    "recency_x_title",  # ... or as the titles agree
    "own_outlet_only",  # 1 - nearest when every remembered article of the story is the article's
    # own outlet's, else 0: agreement with one's own text alone is what boilerplate gives
)

# The story the article was placed in and another candidate story are described by these.
MERGE_FEATURES = (
    "probability_other",  # the match's probability that the article belongs to the other story
    "probability_placed",  # ... to the story it joined (0 when it started a new one)
    "joined",  # 1 when the article joined an existing story, 0 when it started one
    "centroid",  # cosine between the two stories' centroids, the article counted in its own
    "dated",  # 1 when both stories have dates
    "log_gap_hours",  # ln(1 + hours between the two stories' spans) when dated, else 0
    "recency",  # exp(-gap / 6 h) when dated, else 0
    "probability_x_centroid",  # the article and the centroids agreeing together
    "centroid_sq",  # lets the odds rise faster for close centroids
)


class MatchModelError(ValueError):
    """A model file that cannot be used; the message names the file and the fix."""


# The match model's pairs without dates (feature "dated" at 0) have weights of their own when
# the file gives them ("undated"): with no time to narrow the field, text is all there is to
# decide on and the bar is not the one of a dated stream, where same-topic stories of the same
# hours are the hard negatives. One set of text weights for both had to trade one for the other
# (docs/clustering.md: session 6).
DATED = FEATURES.index("dated")


@dataclass(frozen=True)
class MatchModel:
    """A logistic model over FEATURES: p = 1 / (1 + exp(-(intercept + weights . features))),
    with `undated` (weights, intercept) for the pairs whose `split` feature is 0 when given."""

    weights: tuple[float, ...]
    intercept: float
    source: str = ""
    undated: tuple[tuple[float, ...], float] | None = None
    split: int = DATED

    def probability(self, features: list[float]) -> float:
        """The calibrated chance that the join these features describe is right."""
        weights, intercept = self.weights, self.intercept
        if self.undated is not None and not features[self.split]:
            weights, intercept = self.undated
        return logistic(weights, intercept, features)


def read_model(path: Path, features: tuple[str, ...] = FEATURES) -> MatchModel:
    """Reads and checks a model file written by scripts/train_match.py over `features` (a match
    model's "undated" part too, when it has one)."""

    names = {"what": "match model", "reader": "clusterer", "script": "scripts/train_match.py"}
    data = read_model_file(path, what=names["what"], error=MatchModelError)
    top = linear_section(data, path, features, **names, error=MatchModelError, section=None)
    assert top is not None  # the top level is never missing
    undated = (
        linear_section(data, path, features, **names, error=MatchModelError, section="undated")
        if features == FEATURES
        else None
    )
    return MatchModel(top[0], top[1], str(path), undated)


_lock = threading.Lock()
_T = TypeVar("_T")
_models: dict[str, MatchModel] = {}


def model(path: str | None = None) -> MatchModel:
    """The match model at `path` (the shipped one by default), read once."""
    key = path or str(MODEL_PATH)
    return _read_once(_models, key, lambda: read_model(Path(key), FEATURES))


def merge_model(path: str | None = None) -> MatchModel:
    """The merge model at `path` (the shipped one by default), read once."""
    key = path or str(MERGE_MODEL_PATH)
    return _read_once(_models, key, lambda: read_model(Path(key), MERGE_FEATURES))


def _read_once(cache: dict[str, _T], key: str, read: Callable[[], _T]) -> _T:
    """cache[key], read (by one thread, once) the first time it is asked for."""
    found = cache.get(key)
    if found is None:
        with _lock:
            found = cache.get(key)
            if found is None:
                found = cache[key] = read()
    return found


# ---- the join-level calibration ---------------------------------------------------------------
#
# The match's probability is calibrated over teacher-forced pairs (every candidate story pure),
# not over what a running clusterer meets: impure stories, and articles with no right story in
# their window. What match() callers are shown (/v1/related) is therefore mapped once more, by a
# small logistic map per regime fitted on the clusterer's own runs (scripts/calibrate_match.py),
# over these numbers of each candidate. The join decision still reads the raw probability.
CALIBRATION_PATH = Path(__file__).resolve().parent / "tables" / "match_calibration.json"
CALIBRATION_FEATURES = (
    "logit",  # ln(p / (1 - p)) of the match's raw probability, p kept within LOGIT_EDGE of 0 and 1
    "best",  # 1 for the best-ranked candidate (the one a join would take), else 0
    "other",  # the best other candidate's raw probability (0 when there is none)
)
CALIBRATION_REGIMES = ("dated", "undated")  # the article and the story both dated, or not
LOGIT_EDGE = 1e-4


def calibration_features(scores: list[float], rank: int) -> list[float]:
    """CALIBRATION_FEATURES of the candidate at `rank` among raw `scores` (best first)."""
    p = min(max(scores[rank], LOGIT_EDGE), 1.0 - LOGIT_EDGE)
    others = scores[1:2] if rank == 0 else scores[:1]
    return [math.log(p / (1.0 - p)), 1.0 if rank == 0 else 0.0, others[0] if others else 0.0]


@dataclass(frozen=True)
class Calibration:
    """The map from a candidate's raw match probability (and CALIBRATION_FEATURES) to the share
    of such candidates that are the article's story, one logistic map per regime."""

    dated: tuple[tuple[float, ...], float]
    undated: tuple[tuple[float, ...], float]
    source: str = ""

    def probability(self, features: list[float], dated: bool) -> float:
        """The calibrated chance that the article belongs to the candidate `features` describe."""
        weights, intercept = self.dated if dated else self.undated
        return logistic(weights, intercept, features)


def _line_of(text: str, key: str) -> int:
    """The line of `text` where the JSON key `key` first appears (1 when it does not)."""
    marker = json.dumps(key) + ":"
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    return 1


def read_calibration(path: Path) -> Calibration:
    """Reads and checks a calibration file written by scripts/calibrate_match.py; a bad one is
    refused as `path:line: what is wrong`."""
    script = "scripts/calibrate_match.py"
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MatchModelError(
            f"{path}:{exc.lineno}: cannot read the calibration ({exc.msg})"
        ) from None
    except (OSError, ValueError) as exc:  # UnicodeDecodeError, too many digits
        raise MatchModelError(f"{path}:1: cannot read the calibration ({exc})") from None
    except RecursionError:
        raise MatchModelError(
            f"{path}:1: cannot read the calibration (nested too deeply)"
        ) from None
    if not isinstance(data, dict):
        raise MatchModelError(f"{path}:1: expected a JSON object")
    parts: list[tuple[tuple[float, ...], float]] = []
    for regime in CALIBRATION_REGIMES:
        try:
            found = linear_section(
                data,
                path,
                CALIBRATION_FEATURES,
                what="match calibration",
                reader="clusterer",
                script=script,
                error=MatchModelError,
                section=regime,
            )
        except MatchModelError as exc:
            # The line to fix: the feature names when they were what failed (they are checked
            # once the regime's object is found), else the regime's.
            names_failed = isinstance(data.get(regime), dict) and data.get("features") != list(
                CALIBRATION_FEATURES
            )
            where = "features" if names_failed else regime
            raise MatchModelError(
                f"{path}:{_line_of(text, where)}: {str(exc).removeprefix(f'{path}: ')}"
            ) from None
        if found is None:
            raise MatchModelError(f"{path}:1: no {regime!r} map; rebuild it with {script}")
        weights, intercept = found
        # A higher raw probability must never be shown as a lower one (the map is monotone).
        if weights[0] <= 0:
            raise MatchModelError(
                f"{path}:{_line_of(text, regime)}: the {regime} map's weight of 'logit' must be "
                f"positive (a monotone map), got {weights[0]}; rebuild it with {script}"
            )
        parts.append(found)
    return Calibration(parts[0], parts[1], str(path))


_calibrations: dict[str, Calibration] = {}


def calibration(path: str | None = None) -> Calibration:
    """The calibration at `path` (the shipped one by default), read once."""
    key = path or str(CALIBRATION_PATH)
    return _read_once(_calibrations, key, lambda: read_calibration(Path(key)))
