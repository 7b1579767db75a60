"""Measures story-clustering quality and speed against a TF-IDF baseline run on the same data."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.coverage.cluster import Clusterer, ClusterSettings, Doc
from service.coverage.engine import MAX_TEXT_CHARS, MAX_TITLE_CHARS, fingerprint
from service.ingest.jsonl import parse_published

# The evaluation data sits beside the checkout (../shared/data), in CI as on a workstation.
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEED = 20240521
DAY = 86400.0

Record = dict[str, str]
Method = Callable[[list[Doc]], dict[str, str]]


def load(path: Path) -> list[Record]:
    """Reads a gold JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def ordered_docs(records: list[Record]) -> list[Doc]:
    """Puts articles in the benchmark order: a seeded shuffle, then by date where there are dates."""
    docs = [
        Doc(
            id=r["id"],
            title=r.get("title", ""),
            text=r.get("text", ""),
            outlet=r.get("outlet"),
            published=parse_published(r.get("published")),
        )
        for r in records
    ]
    random.Random(SEED).shuffle(docs)
    if all(d.published is not None for d in docs):
        docs.sort(key=lambda d: d.published or 0.0)
    return docs


def score(gold: dict[str, str], pred: dict[str, str]) -> dict[str, float]:
    """BCubed and pairwise precision/recall/F1, the same formulas as score_clusters.py."""
    ids = list(gold)
    g = [gold[i] for i in ids]
    p = [pred[i] for i in ids]
    gc, pc, both = Counter(g), Counter(p), Counter(zip(g, p, strict=True))
    bp = sum(both[(a, b)] / pc[b] for a, b in zip(g, p, strict=True)) / len(ids)
    br = sum(both[(a, b)] / gc[a] for a, b in zip(g, p, strict=True)) / len(ids)

    def pairs(c: Mapping[Any, int]) -> int:
        return sum(n * (n - 1) // 2 for n in c.values())

    tp, pp, gp = pairs(both), pairs(pc), pairs(gc)
    pw_p = tp / pp if pp else 1.0
    pw_r = tp / gp if gp else 1.0
    return {
        "bcubed_p": bp,
        "bcubed_r": br,
        "bcubed_f1": 2 * bp * br / (bp + br),
        "pairwise_f1": 2 * pw_p * pw_r / (pw_p + pw_r) if pw_p + pw_r else 0.0,
        "stories": float(len(pc)),
    }


# ---- the baseline: single-pass TF-IDF centroid, title twice + text, 1-day window ----------

_WORD = re.compile(r"[a-z0-9]+")
_BASE_STOP = frozenset(
    "the a an of to in and or for on at by with from as is are was were be that this it".split()
)


def baseline(docs: list[Doc], threshold: float = 0.3, window: float = DAY) -> dict[str, str]:
    """The reference method of data/README.md, brute force over all open stories."""
    df: Counter[str] = Counter()
    stories: list[tuple[dict[str, float], list[float]]] = []  # centroid, [last time, norm]
    out: dict[str, str] = {}
    for n, doc in enumerate(docs, start=1):
        words = [
            w
            for w in _WORD.findall(f"{doc.title} {doc.title} {doc.text}".lower())
            if w not in _BASE_STOP
        ]
        tf = Counter(words)
        df.update(tf.keys())
        vec = {w: c * math.log((n + 1) / (df[w] + 1) + 1) for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vec = {w: v / norm for w, v in vec.items()}
        best, best_i = 0.0, -1
        for i, (centroid, meta) in enumerate(stories):
            if doc.published is not None and meta[0] and doc.published - meta[0] > window:
                continue
            sim = sum([v * centroid[w] for w, v in vec.items() if w in centroid]) / meta[1]
            if sim > best:
                best, best_i = sim, i
        if best_i < 0 or best < threshold:
            stories.append(({}, [0.0, 1.0]))
            best_i = len(stories) - 1
        centroid, meta = stories[best_i]
        for w, v in vec.items():
            centroid[w] = centroid.get(w, 0.0) + v
        meta[0] = max(meta[0], doc.published or 0.0)
        meta[1] = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
        out[doc.id] = f"b-{best_i}"
    return out


# Articles per batch of the engine method: what `parallax cluster` and `ingest --file` hand
# Engine.ingest at a time (ingest_lines' batch_size).
BATCH = 500


def engine(settings: ClusterSettings, batch: int = BATCH) -> Method:
    """The production clusterer as a benchmark method, with final ids after merges, doing what
    every entrance of the engine (Engine.ingest) does around it:

    - an article whose opening words another article already had (service.coverage.engine's
      fingerprint: a wire copy) is not clustered: it goes where its first copy goes;
    - each `batch` articles end as a batch does: a consolidation round, then the stories whose
      last article left the window (by the stream's clock, the latest date seen) are forgotten.

    Without them the volume set read 0.9639 here against 0.9588 through `parallax cluster`
    (docs/clustering.md, "The volume set through parallax cluster")."""

    def run(docs: list[Doc]) -> dict[str, str]:
        clusterer = Clusterer(settings)
        merged: dict[str, str] = {}
        assigned: list[tuple[str, str]] = []
        firsts: dict[str, str] = {}  # fingerprint -> the id of its first copy
        copies: dict[str, str] = {}  # a later copy's id -> its first copy's
        clock: float | None = None
        for n, doc in enumerate(docs, start=1):
            mark = fingerprint(
                " ".join(doc.title.split())[:MAX_TITLE_CHARS], doc.text[:MAX_TEXT_CHARS]
            )
            if mark and mark in firsts:
                copies[doc.id] = firsts[mark]
            else:
                if mark:
                    firsts[mark] = doc.id
                assigned.append((doc.id, clusterer.add(doc)))
                if doc.published is not None:
                    clock = doc.published if clock is None else max(clock, doc.published)
            if n % batch == 0:
                clusterer.consolidate()
                merged.update(clusterer.drain_merges())
                if clock is not None:  # an undated stream has no clock to expire by here
                    clusterer.expire(clock)
        clusterer.consolidate()  # the end of the stream, as `parallax cluster` ends a run
        merged.update(clusterer.drain_merges())

        def final(s: str) -> str:
            while s in merged:
                s = merged[s]
            return s

        # Where each article is at the end: the online regroup moves articles between stories
        # (a story that expired answers None: its id as assigned, after merges).
        out = {doc_id: clusterer.story_of(doc_id) or final(story) for doc_id, story in assigned}
        out.update({copy: out[first] for copy, first in copies.items()})
        return out

    return run


def evaluate(
    method: Method, records: list[Record], docs: list[Doc], scored: set[str] | None = None
) -> dict[str, float]:
    """Runs a method and scores it against gold (over the `scored` ids only, when given)."""
    gold = {r["id"]: r["story"] for r in records}
    keep = set(gold)
    started = time.process_time()
    pred = method([d for d in docs if d.id in keep])
    elapsed = time.process_time() - started
    result = score(gold, pred) if scored is None else score_among(gold, pred, scored)
    result["articles_per_s"] = len(keep) / elapsed if elapsed > 0 else float("inf")
    return result


def through_cli(
    records: list[Record], docs: list[Doc], scored: set[str] | None
) -> dict[str, float]:
    """Runs `parallax cluster` on the articles in benchmark order and scores what it prints."""
    fields = ("id", "title", "text", "url", "outlet", "published")
    by_id = {r["id"]: r for r in records}
    with tempfile.TemporaryDirectory(prefix="parallax-bench-") as tmp:
        path = Path(tmp) / "articles.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for doc in docs:
                record = by_id[doc.id]
                handle.write(json.dumps({k: record[k] for k in fields if k in record}) + "\n")
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "service.cli", "cluster", str(path)],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, "PARALLAX_INGEST_ENABLED": "0"},
        )
        elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"parallax cluster failed: {done.stderr.strip()[-2000:]}")
    pred = {r["id"]: str(r["story"]) for r in map(json.loads, done.stdout.splitlines())}
    gold = {r["id"]: r["story"] for r in records}
    result = score(gold, pred) if scored is None else score_among(gold, pred, scored)
    result["articles_per_s"] = len(records) / elapsed if elapsed > 0 else float("inf")
    return result


def throughput(records: list[Record], total: int, per_day: int = 2000) -> tuple[float, int]:
    """Articles/s of the engine alone over a dated stream of `total` articles, recycling the texts.

    Articles arrive `per_day` a day, so the default 3-day window holds about 6,000 of them, like
    a busy feed list; the texts repeat only after the window has moved on. Returns the rate and
    the most stories held at once.
    """
    clusterer = Clusterer(ClusterSettings())
    start = 1_600_000_000.0
    step = DAY / per_day
    peak = 0
    source = ordered_docs([{k: v for k, v in r.items() if k != "published"} for r in records])
    began = time.process_time()
    for n in range(total):
        base = source[n % len(source)]
        when = start + n * step
        clusterer.add(Doc(id=f"{base.id}@{n}", title=base.title, text=base.text, published=when))
        if n % 1000 == 999:
            clusterer.drain_merges()
            clusterer.expire(when)
            peak = max(peak, clusterer.active_stories)
    elapsed = time.process_time() - began
    return total / elapsed, peak


def stories_holding_copies(dated: Sequence[Record], distractors: Sequence[Record]) -> set[str]:
    """The stories of `distractors` that hold a copy of a dated article (the same title, or the
    same first 200 characters of text): stories-dev holds copies of some dated articles, and
    their stories are the same events, never distractors."""
    titles = {_same(r.get("title", "")) for r in dated}
    leads = {_same(r.get("text", ""))[:200] for r in dated}
    return {
        r["story"]
        for r in distractors
        if _same(r.get("title", "")) in titles or _same(r.get("text", ""))[:200] in leads
    }


def with_distractors(
    dated: list[Record], distractors: list[Record], count: int
) -> tuple[list[Record], set[str]]:
    """The dated set streamed among `count` distractor articles given seeded random dates in its
    time span (cycling through the distractors with new ids when there are fewer); returns the
    mixed records and the distractors' ids. A distractor keeps a gold story of its own, so it is
    wrong in any dated article's predicted cluster."""
    times = [parse_published(r["published"]) or 0.0 for r in dated]
    low, high = min(times), max(times)
    rng = random.Random(SEED + 2)
    overlapping = stories_holding_copies(dated, distractors)
    pool = [r for r in distractors if r["story"] not in overlapping]
    rng.shuffle(pool)
    mixed = list(dated)
    ids: set[str] = set()
    for n in range(count):
        base = pool[n % len(pool)]
        lap = n // len(pool)
        doc_id = base["id"] if lap == 0 else f"{base['id']}#{lap + 1}"
        when = datetime.fromtimestamp(rng.uniform(low, high), UTC).isoformat()
        mixed.append(
            {**base, "id": doc_id, "story": f"distractor:{base['story']}", "published": when}
        )
        ids.add(doc_id)
    return mixed, ids


def with_boilerplate(
    records: list[Record], desk_size: int = 4, summary_chars: int = 250
) -> list[Record]:
    """A dated set as if it came from the feeds of news desks that stamp one line on all they file.

    The articles in date order are dealt to desks of up to `desk_size` articles of different
    stories; a desk's articles get its outlet, dates a minute apart from its first one's, and as
    text "Desk <n> reports: " and the first `summary_chars` of their text (a feed's summary, where
    such a line weighs most). The stories are the gold ones: what a desk shares across its
    articles is boilerplate that must not join them (the case of tests/coverage/test_match.py).
    """
    ordered = sorted(records, key=lambda r: (parse_published(r.get("published")) or 0.0, r["id"]))
    desks: list[list[Record]] = []
    open_desks: list[list[Record]] = []
    for record in ordered:
        # The first open desk without an article of this story takes it.
        desk = next((d for d in open_desks if all(r["story"] != record["story"] for r in d)), None)
        if desk is None:
            desk = []
            desks.append(desk)
            open_desks.append(desk)
        desk.append(record)
        if len(desk) >= desk_size:
            open_desks.remove(desk)
    out: list[Record] = []
    for number, desk in enumerate(desks):
        start = parse_published(desk[0].get("published")) or 0.0
        for i, record in enumerate(desk):
            when = datetime.fromtimestamp(start + 60.0 * i, UTC).isoformat()
            out.append(
                {
                    **record,
                    "outlet": f"desk-{number}.example",
                    "text": f"Desk {number} reports: {_summary(record.get('text', ''), summary_chars)}",
                    "published": when,
                }
            )
    return out


def _summary(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > 0 else limit]


def _same(text: str) -> str:
    return " ".join(text.lower().split())


def score_among(gold: dict[str, str], pred: dict[str, str], scored: set[str]) -> dict[str, float]:
    """BCubed and pairwise scores over the `scored` ids only, with every other id that shares a
    predicted cluster counted in that cluster's size (so distractors cost precision)."""
    sizes = Counter(pred.values())
    ids = [i for i in gold if i in scored]
    sub_gold = {i: gold[i] for i in ids}
    sub_pred = {i: pred[i] for i in ids}
    result = score(sub_gold, sub_pred)
    both = Counter((gold[i], pred[i]) for i in ids)
    gc = Counter(sub_gold.values())
    bp = sum(both[(gold[i], pred[i])] / sizes[pred[i]] for i in ids) / len(ids)
    br = result["bcubed_r"]
    pairs_pred = sum(sizes[c] * (sizes[c] - 1) // 2 for c in set(sub_pred.values()))
    tp = sum(n * (n - 1) // 2 for n in both.values())
    gp = sum(n * (n - 1) // 2 for n in gc.values())
    pw_p = tp / pairs_pred if pairs_pred else 1.0
    pw_r = tp / gp if gp else 1.0
    result.update(
        bcubed_p=bp,
        bcubed_f1=2 * bp * br / (bp + br),
        pairwise_f1=2 * pw_p * pw_r / (pw_p + pw_r) if pw_p + pw_r else 0.0,
    )
    return result


def cold_slices(records: list[Record], size: int) -> list[list[Record]]:
    """The stories split (seeded) into slices of about `size` articles, each a store's first."""
    stories = sorted({r["story"] for r in records})
    random.Random(SEED + 3).shuffle(stories)
    per_story = Counter(r["story"] for r in records)
    slices: list[set[str]] = [set()]
    count = 0
    for story in stories:
        if count >= size:
            slices.append(set())
            count = 0
        slices[-1].add(story)
        count += per_story[story]
    return [[r for r in records if r["story"] in chosen] for chosen in slices]


def evaluate_cold(
    method: Method, records: list[Record], docs: list[Doc], size: int
) -> dict[str, float]:
    """Cold stores: the stories split (seeded) into slices of about `size` articles, each
    clustered from scratch; returns the article-weighted mean of each slice's scores."""
    totals: dict[str, float] = {}
    articles = 0
    started = time.process_time()
    for part in cold_slices(records, size):
        gold = {r["id"]: r["story"] for r in part}
        result = score(gold, method([d for d in docs if d.id in gold]))
        for key, value in result.items():
            totals[key] = totals.get(key, 0.0) + value * len(part)
        articles += len(part)
    elapsed = time.process_time() - started
    mean = {key: value / articles for key, value in totals.items()}
    mean["articles_per_s"] = articles / elapsed if elapsed > 0 else float("inf")
    return mean


def split_by_story(records: list[Record]) -> tuple[list[Record], list[Record]]:
    """Two halves of the stories, chosen by a seeded shuffle, for tune-on-one-report-other checks."""
    stories = sorted({r["story"] for r in records})
    random.Random(SEED + 1).shuffle(stories)
    first = set(stories[: len(stories) // 2])
    return [r for r in records if r["story"] in first], [
        r for r in records if r["story"] not in first
    ]


def parse_overrides(pairs: Iterable[str]) -> dict[str, object]:
    """Turns key=value strings into typed ClusterSettings overrides."""
    types = {f.name: f.type for f in dataclasses.fields(ClusterSettings)}
    overrides: dict[str, object] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        if key not in types:
            raise SystemExit(f"unknown setting {key!r}; choose from {', '.join(sorted(types))}")
        kind = str(types[key])
        if raw.lower() == "none":
            overrides[key] = None
        elif "bool" in kind:
            overrides[key] = raw.lower() in ("1", "true", "yes")
        elif "str" in kind:
            overrides[key] = raw
        elif "int" in kind and "float" not in kind:
            overrides[key] = int(raw)
        else:
            overrides[key] = float(raw)
    return overrides


ABLATIONS: dict[str, dict[str, object]] = {
    "threshold rule instead of the learned match (the engine before)": {"learned_match": False},
    "threshold rule, no term prior": {"learned_match": False, "prior_docs": 0.0},
    "- term prior": {"prior_docs": 0.0},
    "term prior worth 100 articles": {"prior_docs": 100.0},
    "term prior worth 1,000 articles": {"prior_docs": 1000.0},
    "join probability 0.4": {"join_probability": 0.4},
    "join probability 0.6": {"join_probability": 0.6},
    "- outlet boilerplate discount": {"boilerplate_memory": 0},
    "- stemming": {"use_stemming": False},
    "- merges": {"merge_threshold": None},
    "- consolidation of small undated stories": {"consolidate_link": None},
    "consolidation counting the same event's reports as rivals": {"consolidate_kin": False},
    "- IDF refresh": {"refresh_growth": None},
}

# Cold-store slices: about BASIL's 300 articles of dev; about a week of the dated set.
COLD_SLICE = {"dev": 300, "dated": 60}

# The baseline gets the threshold that suits each set best (generous to it); the engine gets one.
BASELINE_THRESHOLD = {"dev": 0.35, "dated": 0.2}


def row(name: str, result: dict[str, float], base: dict[str, float] | None) -> str:
    """One line of the results table."""
    ratio = f"{result['bcubed_f1'] / base['bcubed_f1']:.3f}x" if base else "1.000x"
    return (
        f"  {name:<66} B3-F1 {result['bcubed_f1']:.4f} (P {result['bcubed_p']:.3f} R {result['bcubed_r']:.3f})"
        f"  pair-F1 {result['pairwise_f1']:.4f}  {ratio} baseline  {result['articles_per_s']:8.0f} art/s"
    )


def main(argv: list[str] | None = None) -> int:
    """Prints baseline and engine figures on both sets, and optionally ablations and split halves."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=DATA, help="directory holding the stories-dev*.jsonl files"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting"
    )
    parser.add_argument(
        "--ablations", action="store_true", help="also run each feature switched off"
    )
    parser.add_argument(
        "--halves", action="store_true", help="also score each half of the stories alone"
    )
    parser.add_argument("--only", choices=["dev", "dated", "volume"], help="run one set only")
    parser.add_argument(
        "--distractors",
        type=int,
        default=8000,
        metavar="N",
        help="stories-dev articles streamed among stories-dev-dated in the volume set (0 skips it)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="also score cold stores: slices of each set clustered from scratch",
    )
    parser.add_argument(
        "--cli", action="store_true", help="also score each set through `parallax cluster`"
    )
    parser.add_argument(
        "--speed",
        type=int,
        default=200_000,
        metavar="N",
        help="articles in the throughput run (0 skips it)",
    )
    parser.add_argument(
        "--write", type=Path, help="directory to write engine predictions to, for score_clusters.py"
    )
    args = parser.parse_args(argv)

    settings = dataclasses.replace(ClusterSettings(), **parse_overrides(args.set))  # type: ignore[arg-type]
    sets = {"dev": "stories-dev.jsonl", "dated": "stories-dev-dated.jsonl"}
    for name in sets.values():
        if not (args.data / name).exists():
            print(f"{args.data / name} is missing; pass --data DIR holding {name}", file=sys.stderr)
            return 2
    loaded = {short: load(args.data / name) for short, name in sets.items()}
    runs: list[tuple[str, list[Record], set[str] | None]] = [
        ("dev", loaded["dev"], None),
        ("dated", loaded["dated"], None),
    ]
    if args.distractors:
        mixed, noise = with_distractors(loaded["dated"], loaded["dev"], args.distractors)
        runs.append(("volume", mixed, set(r["id"] for r in loaded["dated"])))
    for short, records, scored in runs:
        if args.only and args.only != short:
            continue
        docs = ordered_docs(records)
        if short == "volume":
            print(
                f"stories-dev-dated among {args.distractors} stories-dev articles dated at random "
                f"in its span: {len(records)} articles, BCubed over the "
                f"{len(scored or ())} dated ones (distractors count in their clusters)"
            )
        else:
            print(
                f"{sets[short]}: {len(records)} articles, {len({r['story'] for r in records})} stories"
            )
        threshold = BASELINE_THRESHOLD["dev" if short == "dev" else "dated"]
        base_method = functools.partial(baseline, threshold=threshold)
        base = evaluate(base_method, records, docs, scored)
        label = f"baseline: single-pass TF-IDF centroid, 1-day window, cos>={threshold}"
        print(row(label, base, None))
        ours = evaluate(engine(settings), records, docs, scored)
        print(row("engine (default settings)", ours, base))
        if scored is None and args.cold:
            size = COLD_SLICE[short]
            for name, method in (("baseline", base_method), ("engine", engine(settings))):
                cold = evaluate_cold(method, records, docs, size)
                print(row(f"cold stores of ~{size} articles: {name}", cold, None))
        if args.cli:
            print(
                row(
                    "parallax cluster (engine + store, end to end)",
                    through_cli(records, docs, scored),
                    base,
                )
            )
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            pred = engine(settings)(docs)
            with (args.write / f"pred-{short}.jsonl").open("w", encoding="utf-8") as handle:
                for r in records:
                    handle.write(json.dumps({"id": r["id"], "story": pred[r["id"]]}) + "\n")
        if args.ablations:
            for name, change in ABLATIONS.items():
                variant = dataclasses.replace(settings, **change)  # type: ignore[arg-type]
                print(row(name, evaluate(engine(variant), records, docs, scored), base))
        if args.halves and scored is None:
            for label, half in zip(("half A", "half B"), split_by_story(records), strict=True):
                hb = evaluate(base_method, half, docs)
                print(row(f"{label} baseline", hb, None))
                print(row(f"{label} engine", evaluate(engine(settings), half, docs), hb))
    if args.speed:
        rate, peak = throughput(loaded["dev"], args.speed)
        print(
            f"throughput: {rate:.0f} articles/s on one core over a dated stream of {args.speed} articles"
        )
        print(f"  (2,000 a day, 3-day window; at most {peak} stories held at once)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
