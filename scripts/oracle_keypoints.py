#!/usr/bin/env python3
"""Oracle key points: how far could selection, candidates or length take ROUGE on the dev sets?

    pip install -e '.[dev,train]' && python scripts/oracle_keypoints.py [--data ../shared/data]

For each story with an editors' roundup, the set of candidates chosen greedily by the roundup
itself (each step adds the candidate that raises the mean of ROUGE-1 and ROUGE-2 F1 most; the
first MIN_POINTS are added even when they lower it), under the issue's constraints: at most
MAX_POINTS points, at most MAX_WORDS words, at least MIN_POINTS where that many fit. Candidate
pools, each verbatim in its article:

- pool: the summariser's candidates as it builds them (keypoints._Story.candidates);
- sentences: every sentence of the text read, any position and length (≤ MAX_WORDS);
- spans: those sentences and their verbatim sub-sentence spans (dateline off, trailing
  attribution off, runs of clauses split at , ; : and dashes), at most one span a sentence;
- one article: the first (up to 3, <= MAX_WORDS) whole sentences of a single article, the one
  whose leads score best against the roundup (oracle; also topped up to 3 points greedily
  from the rest of the pool), or the one the shipped model values most (no oracle).

Rows are printed per set and per story-grouped half (bench/keypoints.half_of), with the lead
baseline and the shipped summariser scored by the same code beside them. Reads the data sets in
place; writes nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rouge_score import rouge_scorer, tokenizers  # noqa: E402

from bench.keypoints import find_shared, half_of  # noqa: E402
from scripts.train_keypoints import load  # noqa: E402
from service.coverage import keypoints as kp  # noqa: E402
from service.coverage.keypoints import points as kp_points  # noqa: E402

Grams = tuple[Counter[str], Counter[tuple[str, str]], int]

_TOKENS = tokenizers.DefaultTokenizer(use_stemmer=True).tokenize
_CACHE: dict[str, list[str]] = {}


def tokens(text: str) -> list[str]:
    found = _CACHE.get(text)
    if found is None:
        found = _CACHE[text] = _TOKENS(text)
    return found


def grams(toks: Sequence[str]) -> Grams:
    return Counter(toks), Counter(zip(toks, toks[1:], strict=False)), len(toks)


def f1(overlap: int, pred: int, gold: int) -> float:
    if not overlap:
        return 0.0
    p, r = overlap / pred, overlap / gold
    return 2 * p * r / (p + r)


def score(pred: Sequence[str], gold: Grams) -> tuple[float, float]:
    p1, p2, n = grams(pred)
    g1, g2, m = gold
    return f1(sum((p1 & g1).values()), n, m), f1(
        sum((p2 & g2).values()), max(n - 1, 1), max(m - 1, 1)
    )


# Datelines: "WASHINGTON (Reuters) -", "NEW YORK —", "LONDON, June 3 (AP) --".
_DATELINE_RE = re.compile(
    r"^[A-Z][A-Za-z.'’ ]{1,40}?(?:,\s*[A-Z][A-Za-z.]*\.?(?:\s+\d{1,2})?)?\s*(?:\([^)]{1,30}\)\s*)?[-—–]{1,2}\s+"
)
_ATTRIBUTION_RE = re.compile(
    r",\s+(?:[\w.'’-]+\s+){0,6}(?:said|says|told|according to|reported|added|wrote|tweeted)\b[^,]{0,60}[.!?][\"'”’]*$"
)
_CLAUSE_RE = re.compile(r"(?<=[,;:])\s+|\s+[—–-]{1,2}\s+")


def spans(sentence: str, min_words: int = 4) -> list[str]:
    """The sentence and its verbatim sub-spans (each a substring of it)."""
    out = {sentence}
    core = sentence
    m = _DATELINE_RE.match(core)
    if m and m.end() < len(core):
        core = core[m.end() :]
        out.add(core)
    m = _ATTRIBUTION_RE.search(core)
    if m and m.start() > 0:
        out.add(core[: m.start()])
    # Runs of clauses: offsets of clause starts within the sentence.
    starts = [0] + [m.end() for m in _CLAUSE_RE.finditer(sentence)]
    ends = [m.start() for m in _CLAUSE_RE.finditer(sentence)] + [len(sentence)]
    if len(starts) <= 12:
        for i in range(len(starts)):
            for j in range(i, len(ends)):
                piece = sentence[starts[i] : ends[j]].strip()
                if piece:
                    out.add(piece)
    return [s for s in out if len(s.split()) >= min_words and s in sentence]


Candidate = tuple[str, int, int]  # text, article, sentence key (one span per sentence)


def pool_candidates(sources: list[kp.Source]) -> list[Candidate]:
    story = kp_points._Story(sources)
    return [(c.text, c.source, c.source * 1000 + c.position) for c in story.candidates]


def sentence_candidates(sources: list[kp.Source]) -> list[Candidate]:
    out = []
    for i, src in enumerate(sources):
        text = kp.clean(src.text)[: kp.MAX_ARTICLE_CHARS]
        for j, (_, s) in enumerate(kp.split_sentences(text)):
            if 3 <= len(s.split()) <= kp.MAX_WORDS:
                out.append((s, i, i * 1000 + j))
    return out


def span_candidates(sources: list[kp.Source]) -> list[Candidate]:
    out: list[Candidate] = []
    for s, i, key in sentence_candidates(sources):
        out.extend((piece, i, key) for piece in spans(s))
    return out


def greedy(
    cands: list[Candidate],
    gold: Grams,
    least: int,
    most: int,
    words: int,
    start: Sequence[Candidate] = (),
) -> list[Candidate]:
    chosen: list[Candidate] = list(start)
    used = sum(len(c[0].split()) for c in chosen)
    best_value = -1.0
    best: list[Candidate] = []
    n_words = [len(c[0].split()) for c in cands]
    toks = [tokens(c[0]) for c in cands]
    while len(chosen) < most:
        keys = {c[2] for c in chosen}
        base = [t for c in chosen for t in tokens(c[0])]
        pick, pick_value = -1, -1.0
        for k, c in enumerate(cands):
            if c[2] in keys or used + n_words[k] > words:
                continue
            r1, r2 = score(base + toks[k], gold)
            if (r1 + r2) / 2 > pick_value:
                pick, pick_value = k, (r1 + r2) / 2
        if pick < 0:
            break
        chosen.append(cands[pick])
        used += n_words[pick]
        if len(chosen) >= least and pick_value > best_value:
            best, best_value = list(chosen), pick_value
        elif len(chosen) > least:
            break
    return best or chosen


def article_leads(sources: list[kp.Source]) -> dict[int, list[Candidate]]:
    """Per article, its first whole-sentence candidates in order: at most MIN_POINTS, within
    MAX_WORDS (a "lead-3" of that article alone)."""
    story = kp_points._Story(sources)
    out: dict[int, list[Candidate]] = {}
    for c in sorted(story.candidates, key=lambda c: (c.source, c.position)):
        if not c.whole:
            continue
        got = out.setdefault(c.source, [])
        if (
            len(got) < kp.MIN_POINTS
            and sum(len(x[0].split()) for x in got) + c.words <= kp.MAX_WORDS
        ):
            got.append((c.text, c.source, c.source * 1000 + c.position))
    return out


def one_article(
    sources: list[kp.Source], gold: Grams, *, pick_by_model: bool, fill: bool
) -> list[Candidate]:
    """One article's lead sentences: the article whose leads score best against the roundup
    (an oracle), or the one whose candidates the shipped model values most on average (what
    the summariser could know). `fill`: topped up to MIN_POINTS greedily by the roundup from
    the rest of the pool, as the issue's 3-point rule would ask."""
    leads = article_leads(sources)
    if not leads:
        return []
    if pick_by_model:
        story = kp_points._Story(sources)
        values: dict[int, list[float]] = {}
        for c in story.candidates:
            values.setdefault(c.source, []).append(kp_points._value(story, c))
        best = max(leads, key=lambda i: sum(values[i]) / len(values[i]))
    else:
        best = max(
            leads, key=lambda i: sum(score([t for c in leads[i] for t in tokens(c[0])], gold))
        )
    chosen = leads[best]
    if fill and len(chosen) < kp.MIN_POINTS:
        cands = pool_candidates(sources)
        distinct = len({c[2] for c in cands})
        chosen = greedy(
            cands, gold, min(kp.MIN_POINTS, distinct), kp.MIN_POINTS, kp.MAX_WORDS, chosen
        )
    return chosen


def run(data: Path) -> None:
    sets, gold = load(data)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    configs: list[tuple[str, Callable[[list[kp.Source]], list[Candidate]], int, int]] = [
        ("pool, 3-5 pts, <=100 w", pool_candidates, kp.MIN_POINTS, kp.MAX_WORDS),
        ("pool, 1-5 pts, <=100 w", pool_candidates, 1, kp.MAX_WORDS),
        ("pool, 3-5 pts, <=60 w", pool_candidates, kp.MIN_POINTS, 60),
        ("sentences, 3-5 pts, <=100 w", sentence_candidates, kp.MIN_POINTS, kp.MAX_WORDS),
        ("sentences, 1-5 pts, <=100 w", sentence_candidates, 1, kp.MAX_WORDS),
        ("spans, 3-5 pts, <=100 w", span_candidates, kp.MIN_POINTS, kp.MAX_WORDS),
        ("spans, 1-5 pts, <=100 w", span_candidates, 1, kp.MAX_WORDS),
        ("spans, 3-5 pts, <=60 w", span_candidates, kp.MIN_POINTS, 60),
    ]
    print("| set | method | R1 | R2 | RL | words | points |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, stories in sets.items():
        members = [s for s in stories if gold.get(s, {}).get("summary")]
        rows: dict[str, list[tuple[str, list[str]]]] = {}
        for story_id in members:
            sources = stories[story_id]
            g = grams(tokens(gold[story_id]["summary"]))
            rows.setdefault("lead baseline", []).append(
                (story_id, [p.text for p in kp.lead_baseline(sources).key_points])
            )
            rows.setdefault("shipped", []).append(
                (story_id, [p.text for p in kp.digest(sources).key_points])
            )
            for label, make, least, words in configs:
                cands = make(sources)
                distinct = len({c[2] for c in cands})
                chosen = greedy(cands, g, min(least, distinct), kp.MAX_POINTS, words)
                rows.setdefault("oracle " + label, []).append((story_id, [c[0] for c in chosen]))
            for label, by_model, fill in (
                ("oracle: one article's leads (<=3)", False, False),
                ("oracle: one article's leads, topped up to 3 points", False, True),
                ("model: one article's leads (<=3)", True, False),
            ):
                chosen = one_article(sources, g, pick_by_model=by_model, fill=fill)
                rows.setdefault(label, []).append((story_id, [c[0] for c in chosen]))
        for label, results in rows.items():
            for half in (None, 0, 1):
                picked = [(s, p) for s, p in results if half is None or half_of(s) == half]
                tot = [0.0, 0.0, 0.0, 0.0, 0.0]
                for story_id, points in picked:
                    text = " ".join(points)
                    sc = scorer.score(gold[story_id]["summary"], text)
                    tot[0] += sc["rouge1"].fmeasure
                    tot[1] += sc["rouge2"].fmeasure
                    tot[2] += sc["rougeL"].fmeasure
                    tot[3] += len(text.split())
                    tot[4] += len(points)
                n = max(1, len(picked))
                shown = name if half is None else f"{name}, half {half}"
                print(
                    f"| {shown} ({n}) | {label} | {tot[0] / n:.3f} | {tot[1] / n:.3f} | "
                    f"{tot[2] / n:.3f} | {tot[3] / n:.1f} | {tot[4] / n:.2f} |",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="Folder of the dev sets.")
    args = parser.parse_args()
    run(args.data or find_shared(ROOT) / "data")


if __name__ == "__main__":
    main()
