#!/usr/bin/env python3
"""Fits the key-point sentence model (service/coverage/tables/keypoint_model.json).

    pip install -e '.[dev,train]' && python scripts/train_keypoints.py [--data ../shared/data]

Every candidate sentence of every story of the two dev sets (stories-dev, stories-dev-dated) is
described by keypoints.SENTENCE_FEATURES, as the summariser sees it inside its story, and labelled
with how much of it the editors' roundup of that story repeats: the mean of its unigram and
bigram precision against the roundup, in ROUGE's own tokens (lower case, Porter-stemmed), the
share of the sentence a ROUGE-1/ROUGE-2 F1 would count. A ridge regression (features scaled,
weights scaled back) is fitted on all of them; the service ships only its weights.

Overfitting checks printed (and written into the model file): each story-grouped half (the
stories split by a hash of their id, as bench/keypoints.py splits them) summarised with a model
fitted on the other half only, end to end, scored by ROUGE F1 against the roundups beside the
lead baseline; and the held-out correlation of the model's value with the label, pooled and
within each story (the one the set choice reads). The data sets' texts are read in place and never written anywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from rouge_score import rouge_scorer, tokenizers  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402

from bench.keypoints import SETS, find_shared, half_of  # noqa: E402
from service.cli.coverage import grouped_sources  # noqa: E402
from service.core.ratings import bundled_table  # noqa: E402
from service.coverage import keypoints as kp  # noqa: E402
from service.coverage.keypoints import points as kp_points  # noqa: E402

ALPHA = 1.0  # ridge penalty on the scaled features: enough to keep collinear shares stable

Stories = dict[str, list[kp.Source]]
_UNFITTED = kp.SentenceModel((0.0,) * len(kp.SENTENCE_FEATURES), 0.0)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(data: Path) -> tuple[dict[str, Stories], dict[str, dict[str, str]]]:
    """Each dev set's stories (as `parallax summarize` reads them) and the roundups by story."""
    table = bundled_table()
    sets: dict[str, Stories] = {}
    for name in SETS:
        with (data / f"{name}.jsonl").open(encoding="utf-8") as handle:
            sets[name] = grouped_sources(handle, table)
    gold: dict[str, dict[str, str]] = {}
    with (data / "stories-dev-summaries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                gold[str(row["story"])] = row
    return sets, gold


class Labeller:
    """A sentence's label: the mean of its unigram and bigram precision against a roundup, in
    ROUGE's tokens."""

    def __init__(self) -> None:
        self.tokens = tokenizers.DefaultTokenizer(use_stemmer=True).tokenize
        self.cache: dict[str, tuple[Counter[str], Counter[tuple[str, str]]]] = {}

    def grams(self, text: str) -> tuple[Counter[str], Counter[tuple[str, str]]]:
        found = self.cache.get(text)
        if found is None:
            toks = self.tokens(text)
            found = self.cache[text] = (Counter(toks), Counter(zip(toks, toks[1:], strict=False)))
        return found

    def label(self, sentence: str, summary: str) -> float:
        s1, s2 = self.grams(sentence)
        g1, g2 = self.grams(summary)
        p1 = sum((s1 & g1).values()) / max(1, sum(s1.values()))
        p2 = sum((s2 & g2).values()) / max(1, sum(s2.values()))
        return (p1 + p2) / 2


def examples(
    stories: Stories, gold: dict[str, dict[str, str]], labeller: Labeller
) -> tuple[list[tuple[float, ...]], list[float], list[str]]:
    """(features, label, story) of every candidate sentence of the stories with a roundup."""
    xs: list[tuple[float, ...]] = []
    ys: list[float] = []
    groups: list[str] = []
    for story_id, sources in stories.items():
        summary = gold.get(story_id, {}).get("summary")
        if not summary:
            continue
        # (the features do not read the model: a stand-in, so a model file written for other
        # features, as after adding one, does not stop its own refit)
        story = kp_points._Story(sources, _UNFITTED)
        for s in story.candidates:
            xs.append(kp.sentence_features(story, s))
            ys.append(labeller.label(s.text, summary))
            groups.append(story_id)
    return xs, ys, groups


def fit(xs: np.ndarray, ys: np.ndarray) -> kp.SentenceModel:
    """Ridge on scaled features, its weights scaled back to the raw features the service reads."""
    mean = xs.mean(axis=0)
    std = xs.std(axis=0)
    std[std == 0] = 1.0
    model = Ridge(alpha=ALPHA).fit((xs - mean) / std, ys)
    weights = model.coef_ / std
    intercept = float(model.intercept_ - (weights * mean).sum())
    return kp.SentenceModel(tuple(round(float(w), 6) for w in weights), round(intercept, 6))


def rouge(
    stories: Stories,
    members: Sequence[str],
    gold: dict[str, dict[str, str]],
    make: Callable[[list[kp.Source]], kp.StoryDigest],
) -> tuple[float, float, float, float, float]:
    """Mean ROUGE-1/2/L F1 of the key points, headline ROUGE-L and mean words, as
    ../shared/tools/score_summaries.py computes them."""
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    totals = [0.0, 0.0, 0.0, 0.0, 0.0]
    for story_id in members:
        result = make(stories[story_id])
        text = " ".join(p.text for p in result.key_points)
        scores = scorer.score(gold[story_id]["summary"], text)
        totals[0] += scores["rouge1"].fmeasure
        totals[1] += scores["rouge2"].fmeasure
        totals[2] += scores["rougeL"].fmeasure
        totals[3] += scorer.score(gold[story_id]["headline"], result.headline)["rougeL"].fmeasure
        totals[4] += len(text.split())
    n = max(1, len(members))
    return (totals[0] / n, totals[1] / n, totals[2] / n, totals[3] / n, totals[4] / n)


def within_story_r(predicted: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    """Mean Pearson r between value and label inside each story (stories of 3+ candidates whose
    labels and values vary): what the set choice reads. The pooled r also counts how stories
    differ from each other, which no choice within a story can use."""
    rs = []
    for story in np.unique(groups):
        mask = groups == story
        p, y = predicted[mask], labels[mask]
        if mask.sum() >= 3 and p.std() > 0 and y.std() > 0:
            rs.append(float(np.corrcoef(p, y)[0, 1]))
    return float(np.mean(rs)) if rs else float("nan")


def held_out(
    sets: dict[str, Stories],
    gold: dict[str, dict[str, str]],
    data: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> dict[str, Any]:
    """Each set's half h summarised by a model fitted on both sets' other half: gains over the
    lead baseline and the value/label correlation."""
    report: dict[str, Any] = {}
    halves = {
        h: fit(
            np.concatenate([x[halves_mask != h] for x, _, halves_mask, _ in data.values()]),
            np.concatenate([y[halves_mask != h] for _, y, halves_mask, _ in data.values()]),
        )
        for h in (0, 1)
    }
    for name, stories in sets.items():
        x, y, halves_mask, groups = data[name]
        for h in (0, 1):
            members = [s for s in stories if s in gold and half_of(s) == h]
            model = halves[h]
            predicted = np.array([model.value(row) for row in x[halves_mask == h]])
            corr = float(np.corrcoef(predicted, y[halves_mask == h])[0, 1])
            within = within_story_r(predicted, y[halves_mask == h], groups[halves_mask == h])
            base = rouge(stories, members, gold, kp.lead_baseline)
            new = rouge(stories, members, gold, lambda src, m=model: kp.digest(src, m))  # type: ignore[misc]
            key = f"{name}, half {h} (fitted on half {1 - h})"
            report[key] = {
                "stories": len(members),
                "lead baseline R1 R2 RL headline words": [round(v, 4) for v in base],
                "gain R1 R2 RL headline": [
                    round(a - b, 4) for a, b in zip(new[:4], base[:4], strict=True)
                ],
                "words": round(new[4], 1),
                "value/label correlation": round(corr, 3),
                "within-story correlation": round(within, 3),
            }
            print(
                f"{key}: {len(members)} stories; gain R1/R2/RL/headline "
                f"{' '.join(f'{a - b:+.3f}' for a, b in zip(new[:4], base[:4], strict=True))}"
                f"  words {new[4]:.1f}  r {corr:.3f}  within-story r {within:.3f}",
                flush=True,
            )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="Folder of the dev sets.")
    parser.add_argument("--out", type=Path, default=kp.MODEL_PATH)
    parser.add_argument(
        "--no-check", action="store_true", help="Skip the held-out halves (fit and write only)."
    )
    args = parser.parse_args()
    data_dir = args.data or find_shared(ROOT) / "data"
    sets, gold = load(data_dir)
    labeller = Labeller()
    data: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for name, stories in sets.items():
        xs, ys, groups = examples(stories, gold, labeller)
        data[name] = (
            np.array(xs),
            np.array(ys),
            np.array([half_of(g) for g in groups]),
            np.array(groups),
        )
        print(f"{name}: {len(xs)} candidate sentences of {len(set(groups))} stories", flush=True)
    report = {} if args.no_check else held_out(sets, gold, data)
    model = fit(
        np.concatenate([x for x, _, _, _ in data.values()]),
        np.concatenate([y for _, y, _, _ in data.values()]),
    )
    for name, weight in zip(kp.SENTENCE_FEATURES, model.weights, strict=True):
        print(f"  {name:18s} {weight:+.4f}")
    out = {
        "features": list(kp.SENTENCE_FEATURES),
        "weights": list(model.weights),
        "intercept": model.intercept,
        "trained_by": "scripts/train_keypoints.py",
        "trained_on": {
            f"{name}.jsonl": sha256(data_dir / f"{name}.jsonl")
            for name in (*SETS, "stories-dev-summaries")
        },
        "label": "mean of the sentence's unigram and bigram precision against the editors' "
        "roundup of its story (ROUGE tokens, Porter-stemmed)",
        "model": f"ridge regression, alpha {ALPHA} on standardised features, weights scaled back",
        "held_out_halves": report,
    }
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
