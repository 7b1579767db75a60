"""Measures what articles' excerpts add to a 500-article story's summary.

Run: python -m bench.excerpt_cost [--articles 500] [--rounds 30]

Every article of bench.pages_speed's story gets a ~1,400-character lead, and the story's
articles are put into JSON (summary.article_json, as its summary does) with excerpts made afresh
(cold: none kept), with excerpts kept from an earlier summary (warm: the story made again after
a change) and without excerpts, alternated in one run; the figures are medians and their ratios
to the run without excerpts.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from bench.pages_speed import STORY, build_store
from service.coverage import summary
from service.store import open_store

LEAD = (
    "Inspectors closed the Eastport harbor bridge on Monday after finding a crack in a main "
    "girder, the city's transport department said. Repairs will take at least six weeks, "
    "officials said, and traffic will be diverted through the tunnel. "
) * 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="excerpt-cost-"))
    build_store(data_dir, args.articles)
    store = open_store(data_dir)
    articles = [dataclasses.replace(a, text=LEAD) for a in store.story_articles(STORY)]
    store.close()

    def lookup(outlet_id: str) -> None:
        return None

    real = summary.excerpt

    def none(text: str, title: str = "") -> str | None:
        return None

    times: dict[str, list[float]] = {"cold": [], "warm": [], "none": []}
    for _ in range(args.rounds):
        for name in ("cold", "warm", "none"):
            summary.excerpt = none if name == "none" else real
            if name == "cold":
                summary._excerpt.cache_clear()
            start = time.perf_counter()
            for article in articles:
                summary.article_json(article, lookup)
            times[name].append(time.perf_counter() - start)
    summary.excerpt = real
    base = statistics.median(times["none"])
    for name in ("cold", "warm", "none"):
        median = statistics.median(times[name])
        print(
            f"{len(articles)} articles' JSON, excerpts {name}: {median * 1000:.2f} ms"
            f" (x{median / base:.2f} of none)"
        )


if __name__ == "__main__":
    main()
