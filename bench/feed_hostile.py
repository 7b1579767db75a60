"""CPU of one hostile feed document: parse_feed against the old path (the plain reader, then
feedparser on the whole document), as a ratio measured in the same run; and a legitimate 1 MB
feed of 300 items with HTML summaries, read whole and alike by both.

usage: python -m bench.feed_hostile [--mb 5]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from service.coverage.engine import RawArticle
from service.ingest.feeds import parse_feed, parse_feed_with_feedparser
from service.ingest.feedtrim import FEEDPARSER_MAX_BYTES
from service.ingest.plainfeed import parse_plain_feed

BASE = "https://paper.example/feed.xml"


def _rss(items: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        + items
        + b"</channel></rss>"
    )


def _filled(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


def hostile(size: int) -> dict[str, bytes]:
    """Documents of about `size` bytes the plain reader leaves to feedparser."""
    item = (
        b"<item><title>T &amp; <b>x</b></title><link>https://paper.example/x</link>"
        b"<description>&lt;p&gt;hi&lt;/p&gt;</description></item>"
    )
    return {
        "many_html_items": _rss(_filled(item, size)),
        "malformed": _rss(_filled(b"<item><title>x</b><link>https://paper.example/x</link>", size)),
        "atom_xhtml": (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title>'
            b'<link href="https://paper.example/x"/><content type="xhtml">'
            b'<div xmlns="http://www.w3.org/1999/xhtml">'
            + _filled(b"<p><b>x</b></p>", size)
            + b"</div></content></entry></feed>"
        ),
    }


def legitimate() -> bytes:
    """About 1 MB: 300 items whose summaries are HTML (so feedparser reads it)."""
    return _rss(
        b"".join(
            b"<item><title>Council &amp; mayor: plan %d</title><link>https://paper.example/%d</link>"
            b"<description><![CDATA[<p>%s</p>]]></description>"
            b"<pubDate>Fri, 04 Dec 2026 23:57:59 GMT</pubDate></item>"
            % (i, i, b"The council met and voted. " * 120)
            for i in range(300)
        )
    )


def old_parse(body: bytes, base: str, outlet: str) -> list[RawArticle]:
    """parse_feed before the bound: the plain reader, else feedparser on every byte."""
    if parse_plain_feed(body, base) is not None:
        return parse_feed(body, base, outlet)
    return parse_feed_with_feedparser(body, base, outlet)


def cpu_seconds(
    parse: Callable[[bytes, str, str], list[RawArticle]], body: bytes
) -> tuple[float, str]:
    """(CPU seconds, what came of it: "N articles" or "refused")."""
    started = time.process_time()
    try:
        outcome = f"{len(parse(body, BASE, 'paper.example'))} articles"
    except ValueError:
        outcome = "refused"  # a refused document costs what it cost
    return time.process_time() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=5.0, help="size of the hostile documents")
    args = parser.parse_args()
    out: dict[str, object] = {}
    # The hostile documents, then the same shapes just under the budget: the most one feed
    # can now cost (the old path costs the same there).
    sizes = {"": int(args.mb * 1024 * 1024), "_at_budget": FEEDPARSER_MAX_BYTES - 4096}
    for suffix, size in sizes.items():
        for name, body in hostile(size).items():
            (old, old_got), (new, new_got) = (
                cpu_seconds(old_parse, body),
                cpu_seconds(parse_feed, body),
            )
            out[name + suffix] = {
                "bytes": len(body),
                "old_cpu_s": round(old, 3),
                "new_cpu_s": round(new, 3),
                "ratio": round(old / max(new, 1e-3), 1),
                "old": old_got,
                "new": new_got,
            }
    body = legitimate()
    same = parse_feed(body, BASE, "paper.example") == old_parse(body, BASE, "paper.example")
    (old, _), (new, got) = cpu_seconds(old_parse, body), cpu_seconds(parse_feed, body)
    out["legitimate_1mb_300_items"] = {
        "bytes": len(body),
        "plain": parse_plain_feed(body, BASE) is not None,
        "new": got,
        "same_articles": same,
        "old_cpu_s": round(old, 3),
        "new_cpu_s": round(new, 3),
        "ratio": round(old / max(new, 1e-6), 2),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
