#!/usr/bin/env python3
"""Fits the join-level calibration of the learned match (service/coverage/tables/
match_calibration.json): what /v1/related returns for a candidate story, the chance that the
article belongs to it, read off the clusterer's own runs rather than teacher-forced pairs.

    pip install -e '.[train]' && python scripts/calibrate_match.py [--data ../shared/data]

The match model's probability is calibrated over teacher-forced pairs (every candidate story
pure, scripts/train_match.py), but a running clusterer's stories are not pure, and a stream holds
articles with no right story in their window at all: over the joins it actually makes, the raw
probability overstates undated joins and the volume set's distractors (docs/clustering.md).

Every article of each stream is clustered by the shipped match and merge models; before it is
placed, the clusterer is asked what /v1/related would ask about it (match_calibrated's ranking,
the article not yet learned from), and each candidate story it would return (the front runners,
scored at least match_floor) is a record: its raw probability, the regime (article and story
dated, or not), whether it is the best candidate and the best other candidate's raw probability.
It is right when the story's most common gold story is the article's. The question is asked with
the article's text (fitted) and with its title alone (a client that sends no text: reported). A logistic map per regime over those few numbers is fitted on the records
and shipped as a few numbers; the join decision itself still reads the raw probability.

Held out (`--halves`): both models are fitted on one story-grouped half of the dev sets
(scripts/train_match.py's fits), that half's streams are clustered with them and the map fitted
on those runs; the other half's streams are clustered with the same models and the reliability of
the raw and mapped numbers printed for each stream, both ways. The data sets' texts are read in
place and never written anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from bench.cluster_quality import (  # noqa: E402
    DATA,
    load,
    ordered_docs,
    split_by_story,
    with_distractors,
)
from scripts.train_match import fit_half_models, sha256, with_event_distractors  # noqa: E402
from service.coverage.cluster import Clusterer, ClusterSettings, Doc  # noqa: E402
from service.coverage.match import (  # noqa: E402
    CALIBRATION_FEATURES,
    CALIBRATION_PATH,
    CALIBRATION_REGIMES,
    MERGE_MODEL_PATH,
    MODEL_PATH,
    Calibration,
    calibration_features,
)

DISTRACTORS = 8000
C = 1.0
LIMIT = 5  # /v1/related's candidates

# A record: (regime "dated"/"undated", features in CALIBRATION_FEATURES order, right, kind
# "article"/"distractor", asked with "text"/"title").
Record = tuple[str, list[float], int, str, str]


class CandidateRecorder(Clusterer):
    """The clusterer as it runs, asked before it places each article what /v1/related asks
    (Clusterer.match_calibrated's ranking, the article not yet learned from): once with the
    article's text ("text", what the map is fitted on) and once with its title alone ("title",
    a client that sends no text: reported, not fitted). Every candidate it would return is a
    record, right when the story's most common gold story is the article's."""

    def __init__(self, gold: dict[str, str], settings: ClusterSettings) -> None:
        super().__init__(settings)
        self.gold = gold
        self.records: list[Record] = []

    def add(self, doc: Doc) -> str:
        truth = self.gold[doc.id]
        kind = "distractor" if truth.startswith("distractor:") else "article"
        for asked_with, text in (("text", doc.text), ("title", "")):
            asked = Doc("\x00query", doc.title, text, doc.outlet, doc.published, doc.language)
            query, ranked = self._asked(asked, LIMIT)
            scores = [p for p, _ in ranked]
            for rank, (p, story) in enumerate(ranked[:LIMIT]):
                if p < self.settings.match_floor:
                    break
                counts: dict[str, int] = {}
                for member in story.members + story.past_members:
                    counts[self.gold[member]] = counts.get(self.gold[member], 0) + 1
                plurality = max(sorted(counts), key=lambda g: counts[g])
                dated = query.published is not None and story.first is not None
                self.records.append(
                    (
                        "dated" if dated else "undated",
                        calibration_features(scores, rank),
                        int(plurality == truth),
                        kind,
                        asked_with,
                    )
                )
        return super().add(doc)


def run(records: list[dict[str, str]], settings: ClusterSettings) -> list[Record]:
    """The candidate records of one stream clustered as bench.cluster_quality.engine does."""
    recorder = CandidateRecorder({r["id"]: r["story"] for r in records}, settings)
    for doc in ordered_docs(records):
        recorder.add(doc)
    return recorder.records


def streams_of(
    dev: list[dict[str, str]], dated: list[dict[str, str]], distractors: int
) -> dict[str, list[dict[str, str]]]:
    """The streams a map is fitted on and reported for: stories-dev (undated), stories-dev-dated,
    the volume set (stories-dev-dated among `distractors` stories-dev articles each dated at
    random in its span: bench.cluster_quality's) and the event stream (the dated set among
    stories-dev stories each re-dated as a whole into its hours: train_match's)."""
    mixed, _ = with_distractors(dated, dev, distractors)
    return {
        "dev": dev,
        "dated": dated,
        "volume": mixed,
        "events": with_event_distractors(dated, dev, distractors),
    }


def run_streams(
    streams: dict[str, list[dict[str, str]]],
    match_model: Path,
    merge_model: Path,
    cache: Path | None = None,
) -> dict[str, list[Record]]:
    """run() of each stream with the given models (no calibration read: the map is the output);
    kept in `cache` (numbers only) when given, and read from it when it is there."""
    if cache is not None and cache.exists():
        kept: dict[str, list[Record]] = {
            name: [(r, x, y, k, q) for r, x, y, k, q in records]
            for name, records in json.loads(cache.read_text(encoding="utf-8")).items()
        }
        return kept
    settings = ClusterSettings(match_model=str(match_model), merge_model=str(merge_model))
    made = {name: run(records, settings) for name, records in streams.items()}
    if cache is not None:
        cache.write_text(json.dumps(made), encoding="utf-8")
    return made


# The streams each regime's map is fitted on (the mixture: docs/clustering.md). "thirds", the
# shipped choice: for dated candidates, stories-dev-dated, the volume set (mostly articles alone in
# their event) and the event stream weigh one third each; "covered" leaves the volume set out.
MIXTURES = {
    "thirds": {"undated": ("dev",), "dated": ("dated", "volume", "events")},
    "covered": {"undated": ("dev",), "dated": ("dated", "events")},
}
# The map's inputs: all of CALIBRATION_FEATURES, or the raw probability alone (the others at 0).
USED = {"all": CALIBRATION_FEATURES, "logit": ("logit",)}


def fit_map(
    recorded: dict[str, list[Record]], mixture: str = "thirds", used: str = "all"
) -> dict[str, tuple[list[float], float]]:
    """One logistic map per regime over CALIBRATION_FEATURES: each stream's records of a regime
    weigh the same in its fit, however many it has."""
    columns = [CALIBRATION_FEATURES.index(name) for name in USED[used]]
    fitted: dict[str, tuple[list[float], float]] = {}
    for regime in CALIBRATION_REGIMES:
        xs: list[list[float]] = []
        ys: list[int] = []
        weights: list[float] = []
        parts = {
            name: [(x, y) for r, x, y, _, q in recorded[name] if r == regime and q == "text"]
            for name in MIXTURES[mixture][regime]
        }
        parts = {name: part for name, part in parts.items() if part}
        for part in parts.values():
            for x, y in part:
                xs.append([x[i] for i in columns])
                ys.append(y)
                weights.append(1.0 / (len(part) * len(parts)))
        total = sum(weights)
        model = LogisticRegression(C=C, max_iter=3000).fit(
            np.asarray(xs), np.asarray(ys), sample_weight=np.asarray(weights) * len(xs) / total
        )
        full = [0.0] * len(CALIBRATION_FEATURES)
        for i, w in zip(columns, model.coef_[0], strict=True):
            full[i] = round(float(w), 6)
        fitted[regime] = (full, round(float(model.intercept_[0]), 6))
    return fitted


def as_calibration(fitted: dict[str, tuple[list[float], float]]) -> Calibration:
    return Calibration(
        (tuple(fitted["dated"][0]), fitted["dated"][1]),
        (tuple(fitted["undated"][0]), fitted["undated"][1]),
    )


def reliability(made: list[tuple[float, int]]) -> dict[str, Any]:
    """Expected calibration error and [from, count, mean returned, share right] by tenths."""
    bins = []
    ece = 0.0
    for tenth in range(10):
        low = tenth / 10
        inside = [(p, ok) for p, ok in made if low <= p < low + 0.1 or (tenth == 9 and p >= 1.0)]
        if inside:
            mean = sum(p for p, _ in inside) / len(inside)
            right = sum(ok for _, ok in inside) / len(inside)
            ece += len(inside) / len(made) * abs(mean - right)
            bins.append([low, len(inside), round(mean, 3), round(right, 3)])
    return {"count": len(made), "ece": round(ece, 4), "bins": bins}


KINDS = {
    "dev": "stories-dev (undated)",
    "dated": "stories-dev-dated",
    "volume": "volume",
    "events": "events",
}


def report(runs: list[tuple[dict[str, list[Record]], Calibration]]) -> dict[str, Any]:
    """Raw and mapped reliability of each stream's candidates and of its joins (the best
    candidate at raw p >= 0.5), the volume set's dated articles and distractors apart, the questions
    asked with the title alone apart; the runs
    pooled, each record mapped by its own run's map."""
    scored: dict[str, list[tuple[float, float, int, bool]]] = {}
    for recorded, mapping in runs:
        for name, records in recorded.items():
            for regime, x, right, kind, asked_with in records:
                label = KINDS[name]
                if name == "volume":
                    label += ": distractors" if kind == "distractor" else ": dated articles"
                if asked_with == "title":
                    label += ", title only"
                raw = raw_of(x)
                joined = x[1] == 1.0 and raw >= 0.5
                mapped = mapping.probability(x, regime == "dated")
                scored.setdefault(label, []).append((raw, mapped, right, joined))
    out: dict[str, Any] = {}
    for label, rows in scored.items():
        out[label] = {
            chosen: {
                "raw": reliability([(r[0], r[2]) for r in rows if r[3] or chosen == "candidates"]),
                "mapped": reliability(
                    [(r[1], r[2]) for r in rows if r[3] or chosen == "candidates"]
                ),
            }
            for chosen in ("joins", "candidates")
        }
    return out


def raw_of(features: list[float]) -> float:
    """The raw probability a record's logit feature was made of (within LOGIT_EDGE of 0 and 1)."""
    return float(1.0 / (1.0 + np.exp(-features[0])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=CALIBRATION_PATH)
    parser.add_argument(
        "--no-halves",
        action="store_true",
        help="skip the held-out check (not for the shipped file)",
    )
    parser.add_argument(
        "--models-cache",
        type=Path,
        help="keep the half models and the runs' records (numbers only) in this folder between "
        "runs (empty it when the code, the data or the shipped models change)",
    )
    parser.add_argument(
        "--mixture", choices=sorted(MIXTURES), default="thirds", help="the streams of the dated map"
    )
    parser.add_argument(
        "--map-features", choices=sorted(USED), default="all", help="the map's inputs (ablation)"
    )
    parser.add_argument(
        "--show",
        type=Path,
        nargs="?",
        const=CALIBRATION_PATH,
        help="print the held-out reliability tables of a calibration file (the shipped one by "
        "default) and exit, fitting nothing",
    )
    parser.add_argument(
        "--query-check",
        action="store_true",
        help="print, in sample, how the shipped map serves /v1/related's own question (asked "
        "before every third article with its text, and with its title alone) and exit",
    )
    args = parser.parse_args(argv)
    if args.query_check:
        print(query_check(args.data))
        return 0
    if args.show is not None:
        print(show(json.loads(args.show.read_text(encoding="utf-8"))))
        return 0
    if args.models_cache is not None:
        args.models_cache.mkdir(parents=True, exist_ok=True)
    files = {"dev": "stories-dev.jsonl", "dated": "stories-dev-dated.jsonl"}
    loaded = {k: load(args.data / f) for k, f in files.items()}
    table: dict[str, Any] = {"features": list(CALIBRATION_FEATURES)}
    recorded = run_streams(
        streams_of(loaded["dev"], loaded["dated"], DISTRACTORS),
        MODEL_PATH,
        MERGE_MODEL_PATH,
        args.models_cache and args.models_cache / f"records.shipped.{sha256(MODEL_PATH)[:12]}.json",
    )
    fitted = fit_map(recorded, args.mixture, args.map_features)
    for regime, (weights, intercept) in fitted.items():
        table[regime] = {"weights": weights, "intercept": intercept}
    table.update(
        {
            "trained_by": "scripts/calibrate_match.py",
            "trained_on": {f: sha256(args.data / f) for f in files.values()},
            "fitted_for": {
                MODEL_PATH.name: sha256(MODEL_PATH),
                MERGE_MODEL_PATH.name: sha256(MERGE_MODEL_PATH),
            },
            "records": "the shipped match and merge models clustering stories-dev, "
            f"stories-dev-dated, the volume set ({DISTRACTORS} distractors) and the event stream "
            f"({DISTRACTORS}); before each article was placed, the clusterer was asked what "
            "/v1/related asks (with its text; and with its title alone, reported, not fitted): "
            f"each candidate story it would return (top {LIMIT}, raw p >= match_floor) a record, "
            "right when the story's most common gold story is the article's",
            "mixture": {args.mixture: MIXTURES[args.mixture]},
            "map_features": list(USED[args.map_features]),
            "regularisation_C": C,
            "in_sample": report([(recorded, as_calibration(fitted))]),
        }
    )
    if not args.no_halves:
        table["held_out_halves"] = held_out(
            loaded, args.models_cache, args.mixture, args.map_features
        )
    args.out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(show(table))
    return 0


def query_check(data: Path) -> str:
    """ECE of the raw and the shown number of Clusterer.match_calibrated() (the shipped models and
    map, as /v1/related asks) before every third article of each stream, once with the article's
    text and once with its title alone (a client may send no text); in sample: the shipped models
    and map were fitted on these sets."""
    dev, dated = load(data / "stories-dev.jsonl"), load(data / "stories-dev-dated.jsonl")
    lines = ["stream, query: candidates, ECE raw -> shown (in sample)"]
    for name, records in streams_of(dev, dated, DISTRACTORS).items():
        gold = {r["id"]: r["story"] for r in records}
        clusterer = Clusterer()
        rows: dict[str, list[tuple[float, float, int]]] = {}
        for n, doc in enumerate(ordered_docs(records)):
            if n % 3 == 0:
                kind = KINDS[name]
                if name == "volume":
                    distractor = gold[doc.id].startswith("distractor:")
                    kind += ": distractors" if distractor else ": dated articles"
                for query, text in (("text", doc.text), ("title only", "")):
                    asked = Doc("\x00query", doc.title, text, doc.outlet, doc.published)
                    for story_id, shown, raw in clusterer.match_calibrated(asked):
                        story = clusterer._stories[clusterer._by_name[story_id]]
                        counts: dict[str, int] = {}
                        for member in story.members + story.past_members:
                            counts[gold[member]] = counts.get(gold[member], 0) + 1
                        plurality = max(sorted(counts), key=lambda g: counts[g])
                        right = int(plurality == gold[doc.id])
                        rows.setdefault(f"{kind}, {query}", []).append((raw, shown, right))
            clusterer.add(doc)
        for label, found in rows.items():
            raw_ = reliability([(r, ok) for r, _, ok in found])
            shown_ = reliability([(s, ok) for _, s, ok in found])
            lines.append(f"{label}: {len(found)}, {raw_['ece']:.3f} -> {shown_['ece']:.3f}")
    return "\n".join(lines)


def show(table: dict[str, Any]) -> str:
    """The held-out (else in-sample) reliability of a calibration file as Markdown tables: for
    each stream, the joins made and all candidates, raw and mapped, by tenths of the number."""
    results = table.get("held_out_halves") or table["in_sample"]
    which = "held out (each half by the other half's models and map)"
    if "held_out_halves" not in table:
        which = "in sample"
    lines = [f"Reliability, {which}: bins of the number shown, [count, mean shown, share right]"]
    for stream, entry in results.items():
        for chosen in ("joins", "candidates"):
            raw, mapped = entry[chosen]["raw"], entry[chosen]["mapped"]
            halves = "".join(
                f"; half {h} {entry[chosen][k][0]:.3f} -> {entry[chosen][k][1]:.3f}"
                for h in "AB"
                if (k := f"ece half {h} (raw, mapped)") in entry[chosen]
            )
            lines += [
                "",
                f"{stream}, {chosen} ({raw['count']}): ECE raw {raw['ece']:.3f} -> "
                f"mapped {mapped['ece']:.3f}{halves}",
                "",
                "| bin | raw: n, mean, right | mapped: n, mean, right |",
                "| --- | --- | --- |",
            ]
            rows: dict[float, list[str]] = {}
            for side, result in enumerate((raw, mapped)):
                for low, count, mean, right in result["bins"]:
                    cell = f"{count}, {mean:.2f}, {right:.0%}"
                    rows.setdefault(low, ["", ""])[side] = cell
            for low in sorted(rows):
                lines.append(f"| {low:.1f}–{low + 0.1:.1f} | {rows[low][0]} | {rows[low][1]} |")
    return "\n".join(lines)


def held_out(
    loaded: dict[str, list[dict[str, str]]],
    cache: Path | None,
    mixture: str = "thirds",
    features: str = "all",
) -> dict[str, Any]:
    """Each half's streams clustered by models fitted on the other half (match, merge, and the
    map on that half's own runs), both ways: the raw and mapped reliability of every record."""
    halves = {name: split_by_story(loaded[name]) for name in ("dev", "dated")}
    mapped_by: list[tuple[dict[str, list[Record]], Calibration]] = []
    with tempfile.TemporaryDirectory(prefix="calibrate-match-") as tmp:
        folder = cache or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for train_half, test_half in ((0, 1), (1, 0)):
            match_half = folder / f"match_model.half{train_half}.json"
            merge_half = folder / f"merge_model.half{train_half}.json"
            if not (match_half.exists() and merge_half.exists()):
                fit_half_models(
                    {name: halves[name][train_half] for name in halves}, match_half, merge_half
                )
            train = run_streams(
                streams_of(
                    halves["dev"][train_half], halves["dated"][train_half], DISTRACTORS // 2
                ),
                match_half,
                merge_half,
                cache and cache / f"records.half{train_half}.json",
            )
            test = run_streams(
                streams_of(halves["dev"][test_half], halves["dated"][test_half], DISTRACTORS // 2),
                match_half,
                merge_half,
                cache and cache / f"records.half{test_half}.by{train_half}.json",
            )
            mapping = as_calibration(fit_map(train, mixture, features))
            mapped_by.append((test, mapping))
    pooled = report(mapped_by)
    # Each half alone too, ECE only: how far the two ways differ.
    for half, run_ in zip("BA", mapped_by, strict=True):
        for stream, entry in report([run_]).items():
            for chosen, result in entry.items():
                pooled[stream][chosen][f"ece half {half} (raw, mapped)"] = [
                    result["raw"]["ece"],
                    result["mapped"]["ece"],
                ]
    return pooled


if __name__ == "__main__":
    sys.exit(main())
