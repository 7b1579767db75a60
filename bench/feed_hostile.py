"""CPU of one hostile feed document: parse_feed against the old path (the plain reader, then
feedparser on the whole document), as a ratio measured in the same run; and a legitimate 1 MB
feed of 300 items with HTML summaries, read whole and alike by both. Each hostile document's
new CPU is also given as a multiple of the legitimate feed's (x_legitimate), and the costliest
shape within the markup budget (Atom XHTML content, cut at the budget) is measured too.

usage: python -m bench.feed_hostile [--mb 5]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from service.coverage.engine import RawArticle
from service.ingest.feeds import parse_feed, parse_feed_with_feedparser
from service.ingest.feedtrim import FEEDPARSER_MAX_BYTES, FEEDPARSER_MAX_MARKUP
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
        # feedparser's time grows with the square of one element's attributes: a fixed
        # 20,000 (about 4 s of the old path), whatever the size.
        "many_attributes": _rss(
            b"<item><title>a &amp; b</title><link>https://paper.example/x</link><x "
            + b" ".join(b'a%d="1"' % i for i in range(20_000))
            + b"/></item>"
        ),
        "tiny_elements": _rss(
            b"<item><title>a &amp; b</title><link>https://paper.example/x</link>"
            + _filled(b"<a/>", size)
            + b"</item>"
        ),
    }


def xhtml_at_markup_budget() -> bytes:
    """Atom entries of XHTML content (feedparser's costliest elements) past the markup budget:
    what is read of it is the most markup one feed can cost now."""
    entries_needed = FEEDPARSER_MAX_MARKUP // 100 + 10  # about 120 counted an entry
    return (
        b'<feed xmlns="http://www.w3.org/2005/Atom">'
        + b"".join(
            b'<entry><title>t</title><link href="https://paper.example/%d"/>'
            b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
            % i
            + b"<p><b>x</b></p>" * 28
            + b"</div></content></entry>"
            for i in range(entries_needed)
        )
        + b"</feed>"
    )


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
    out: dict[str, dict[str, object]] = {}
    legit = legitimate()
    legit_cpu = max(cpu_seconds(parse_feed, legit)[0], 1e-3)
    # The hostile documents, then the same shapes just under the byte budget (where the old
    # path is what the byte bound alone cost: it read them whole), and the costliest markup
    # within the markup budget.
    sizes = {"": int(args.mb * 1024 * 1024), "_at_budget": FEEDPARSER_MAX_BYTES - 4096}
    for suffix, size in sizes.items():
        shapes = hostile(size)
        if suffix:
            shapes["xhtml_markup"] = xhtml_at_markup_budget()
        for name, body in shapes.items():
            (old, old_got), (new, new_got) = (
                cpu_seconds(old_parse, body),
                cpu_seconds(parse_feed, body),
            )
            out[name + suffix] = {
                "bytes": len(body),
                "old_cpu_s": round(old, 3),
                "new_cpu_s": round(new, 3),
                "ratio": round(old / max(new, 1e-3), 1),
                "old_x_legitimate": round(old / legit_cpu, 1),
                "new_x_legitimate": round(new / legit_cpu, 1),
                "old": old_got,
                "new": new_got,
            }
    body = legit
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
