"""Measures the story page against the story JSON of the same 500-article story.

Run: python -m bench.pages_speed [--articles 500] [--rounds 200]

Both answers are built from one summary (engine.summary), so the page's extra cost is the view
model and the Jinja2 render. The requests alternate page/JSON through the app's WSGI interface
(no sockets: network noise would drown a few milliseconds) in one run on one store, and the
figure is the ratio of their medians; the target (issue 9) is at most 2x. A 304 revalidation of
the page is measured beside them: its ETag comes from the story's row before any summary or
render, so it costs a row read (page_304_over_json).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from service.app import create_app
from service.core.ratings import bundled_table
from service.store import open_store
from service.store.base import Batch, NewArticle

SEED = 20251205
T0 = 1_760_000_000.0
STORY = "st-bench"


def build_store(data_dir: Path, articles: int) -> None:
    """One story of `articles` articles from real rated outlets on every side."""
    table = bundled_table()
    rated = sorted(o.id for o in table.outlets.values() if o.lean and o.factuality)
    rng = random.Random(SEED)
    outlets = rng.sample(rated, min(len(rated), 180))
    rows = []
    for n in range(articles):
        outlet = outlets[n % len(outlets)]
        side = table.outlets[outlet].side
        rows.append(
            NewArticle(
                key=f"https://{outlet.split('/')[0]}/2025/10/25/harbor-{n}",
                url=f"https://{outlet.split('/')[0]}/2025/10/25/harbor-{n}",
                title=f"Harbor bridge closes after inspectors find a crack, report {n}",
                text="Inspectors closed the Eastport harbor bridge after finding a crack.",
                outlet_id=outlet,
                side=side,
                published=T0 + n * 60,
                first_seen=T0 + n * 60,
                story_id=STORY,
            )
        )
    store = open_store(data_dir)
    store.commit(Batch(articles=rows))
    store.close()


def timed(client: Any, path: str, headers: dict[str, str] | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path, headers=headers or {})
    body = response.get_data()
    return time.perf_counter() - start, len(body) if response.status_code != 304 else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parallax-pages-bench-") as tmp:
        build_store(Path(tmp), args.articles)
        app = create_app(
            {
                "DATA_DIR": tmp,
                "INGEST_ENABLED": False,
                "RATE_LIMIT": "",
                "RESPONSE_CACHE_SECONDS": 0,
            }
        )
        client = app.test_client()
        page_path, json_path = f"/stories/{STORY}", f"/v1/stories/{STORY}"
        summary = client.get(json_path).get_json()
        assert summary["article_count"] == args.articles, summary["article_count"]
        etag = client.get(page_path).headers["ETag"]
        for _ in range(10):  # warm both paths (templates compiled, caches filled)
            timed(client, page_path)
            timed(client, json_path)
        page_t: list[float] = []
        json_t: list[float] = []
        not_modified_t: list[float] = []
        page_bytes = json_bytes = 0
        for i in range(args.rounds):
            # Alternate which goes first, so drift on a busy machine hits both alike.
            order = [(page_path, page_t), (json_path, json_t)]
            for path, sink in order if i % 2 == 0 else order[::-1]:
                seconds, size = timed(client, path)
                sink.append(seconds)
                if path == page_path:
                    page_bytes = size
                else:
                    json_bytes = size
            not_modified_t.append(timed(client, page_path, {"If-None-Match": etag})[0])
        page_ms = statistics.median(page_t) * 1000
        json_ms = statistics.median(json_t) * 1000
        result = {
            "articles": args.articles,
            "outlets": summary["outlet_count"],
            "rounds": args.rounds,
            "story_page_ms_median": round(page_ms, 2),
            "story_json_ms_median": round(json_ms, 2),
            "page_over_json": round(page_ms / json_ms, 2),
            "target_page_over_json": 2.0,
            "page_304_ms_median": round(statistics.median(not_modified_t) * 1000, 2),
            "page_304_over_json": round(statistics.median(not_modified_t) * 1000 / json_ms, 2),
            "page_bytes": page_bytes,
            "json_bytes": json_bytes,
        }
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
