"""Measures story key points and headlines against the lead baseline, in the same run.

Run: python -m bench.keypoints                 (both dev sets, then the speed of a 500-article story)
     python -m bench.keypoints --halves        (also each set's two story-grouped halves)
     python -m bench.keypoints --data DIR      (where stories-dev*.jsonl and the summaries are)

Quality: `parallax summarize` (and `--baseline`: each article's first sentence, the first
article's title) on stories-dev and stories-dev-dated, scored by ../shared/tools/
score_summaries.py against the editors' summaries of that set's stories (ROUGE F1, stemmed).
Speed: CPU time (one core) of the key points of one 500-article story built from the dev set's
real articles, cold (nothing parsed before) and warm (its articles parsed at an earlier
refresh, as at ingest), as a ratio to the lead baseline's time on the same story in the run.
Halves: the stories split by a hash of their id (stable, not by position), so a change tuned on
one half can be checked on the other, as the maintainers' held-out sets will check it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from service.cli.coverage import grouped_sources, summarize_stories
from service.core.ratings import bundled_table
from service.coverage.keypoints import Source, digest, lead_baseline
from service.coverage.keypoints import points as kp_points

REPO = Path(__file__).resolve().parents[1]
SETS = ("stories-dev", "stories-dev-dated")
SPEED_ARTICLES = 500
SPEED_RUNS = 7


def find_shared(start: Path) -> Path:
    """The shared/ folder beside the checkout (or beside the worktrees' parent)."""
    for parent in start.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared"
    raise SystemExit("no shared/data beside this checkout; pass --data and --scorer")


def rouge(scorer: Path, gold: Path, pred: Path) -> tuple[list[float], float]:
    """(R1, R2, RL, headline RL) and mean words, as score_summaries.py prints them."""
    out = subprocess.run(
        [sys.executable, str(scorer), str(gold), str(pred)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    words = float(out[0].rsplit(" ", 1)[-1])
    return [float(x) for x in out[-1].split()], words


def half_of(story: str) -> int:
    """A story's half (0 or 1): the first bit of a hash of its id."""
    return hashlib.sha256(story.encode("utf-8")).digest()[0] & 1


def quality(data: Path, scorer: Path, tmp: Path, *, halves: bool = False) -> Iterator[str]:
    """The table's rows, each as soon as it is scored."""
    table = bundled_table()
    gold_all: dict[str, str] = {}
    with (data / "stories-dev-summaries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                gold_all[json.loads(line)["story"]] = line
    for name in SETS:
        with (data / f"{name}.jsonl").open(encoding="utf-8") as handle:
            stories = grouped_sources(handle, table)
        # The gold of this set's stories only: the others would count as missing.
        golds = {name: list(stories)}
        if halves:
            for h in (0, 1):
                golds[f"{name}, half {h}"] = [s for s in stories if half_of(s) == h]
        preds: dict[str, tuple[Path, float]] = {}
        for label, baseline in (("lead baseline", True), ("key points", False)):
            pred = tmp / f"{label.split()[0]}-{name}.jsonl"
            started = time.process_time()
            with pred.open("w", encoding="utf-8") as out:
                for summary in summarize_stories(stories, baseline=baseline):
                    out.write(json.dumps(summary, ensure_ascii=False) + "\n")
            cpu = time.process_time() - started
            preds[label] = (pred, cpu / max(1, len(stories)) * 1000)
        for shown, members in golds.items():
            gold = tmp / f"gold-{shown}.jsonl"
            gold.write_text("".join(gold_all[s] for s in members), encoding="utf-8")
            (base, base_words), (new, new_words) = (
                rouge(scorer, gold, preds[label][0]) for label in ("lead baseline", "key points")
            )
            yield (
                f"| {shown} ({len(members)} stories) | lead baseline | "
                + " | ".join(f"{v:.3f}" for v in base)
                + f" | {base_words:.1f} | |"
            )
            yield (
                "| | key points | "
                + " | ".join(f"{v:.3f} ({v - b:+.3f})" for v, b in zip(new, base, strict=True))
                + f" | {new_words:.1f} | {preds['key points'][1]:.2f} ms |"
            )


def speed(data: Path) -> list[str]:
    sources: list[Source] = []
    with (data / "stories-dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if len(sources) >= SPEED_ARTICLES:
                break
            r = json.loads(line)
            n = len(sources)
            sources.append(Source(r["id"], r["title"], r["text"], f"outlet{n % 90}", "unrated"))

    def cpu_ms(fn: object, *, cold: bool) -> float:
        times = []
        for _ in range(SPEED_RUNS):
            if cold:
                kp_points._PARSED.items.clear()
            started = time.process_time()
            fn(sources)  # type: ignore[operator]
            times.append((time.process_time() - started) * 1000)
        return statistics.median(times)

    digest(sources)  # load the stop-word lists and stemmers once, as a running service has
    lead = cpu_ms(lead_baseline, cold=True)
    cold = cpu_ms(digest, cold=True)
    digest(sources)
    warm = cpu_ms(digest, cold=False)
    return [
        f"| lead baseline (first sentences) | {lead:.1f} ms | 1.0x |",
        f"| key points, cold (every article parsed) | {cold:.1f} ms | {cold / lead:.1f}x |",
        f"| key points, warm (parsed at an earlier refresh) | {warm:.1f} ms | {warm / lead:.1f}x |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="Folder of the dev sets.")
    parser.add_argument("--scorer", type=Path, default=None, help="score_summaries.py")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument(
        "--halves", action="store_true", help="Also score each set's story-grouped halves."
    )
    args = parser.parse_args()
    shared = find_shared(REPO) if args.data is None or args.scorer is None else None
    data = args.data or (shared / "data")  # type: ignore[operator]
    scorer = args.scorer or (shared / "tools" / "score_summaries.py")  # type: ignore[operator]
    if not args.skip_quality:
        print(
            "| set | method | ROUGE-1 | ROUGE-2 | ROUGE-L | headline ROUGE-L | words | CPU/story |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        with tempfile.TemporaryDirectory(prefix="parallax-keypoints-") as tmp:
            for row in quality(data, scorer, Path(tmp), halves=args.halves):
                print(row, flush=True)
        print()
    print(
        f"| one story of {SPEED_ARTICLES} articles, one core (median of {SPEED_RUNS}) | CPU | vs baseline |"
    )
    print("| --- | --- | --- |")
    for row in speed(data):
        print(row)


if __name__ == "__main__":
    main()
