"""CPU per changed feed of parse_feed (the plain reader, feedparser as its fallback) against
feedparser alone, on the scale drill's synthetic RSS and Atom feeds, as a ratio in one run.

usage: python -m bench.feed_parse [--feeds 400] [--items 3,20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from bench.scale_drill import EventPool, FeedSpec, feed_body
from service.coverage.engine import RawArticle
from service.ingest.feeds import parse_feed, parse_feed_with_feedparser

BASE = "https://paper.example/feed.xml"


def cpu_ms_per_feed(
    parse: Callable[[bytes, str, str], list[RawArticle]], bodies: list[bytes]
) -> float:
    started = time.process_time()
    for body in bodies:
        parse(body, BASE, "paper.example")
    return 1000 * (time.process_time() - started) / len(bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=400)
    parser.add_argument("--items", default="3,20", help="items per feed, comma-separated sizes")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    args = parser.parse_args()
    pool = EventPool.sized_for(args.feeds * 20)
    out: dict[str, object] = {}
    for items in (int(n) for n in args.items.split(",")):
        bodies = [
            feed_body(FeedSpec(i, "h", "paper.example", "ok", i % 2 == 1, 900.0), 0, pool, items)
            for i in range(args.feeds)
        ]
        # The same articles either way (tests/coverage/test_plainfeed.py checks it widely).
        assert all(
            parse_feed(b, BASE, "paper.example")
            == parse_feed_with_feedparser(b, BASE, "paper.example")
            for b in bodies[:50]
        )
        slow = min(cpu_ms_per_feed(parse_feed_with_feedparser, bodies) for _ in range(args.rounds))
        fast = min(cpu_ms_per_feed(parse_feed, bodies) for _ in range(args.rounds))
        out[f"{items}_items"] = {
            "feedparser_ms_per_feed": round(slow, 3),
            "parse_feed_ms_per_feed": round(fast, 3),
            "ratio": round(slow / fast, 1),
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
