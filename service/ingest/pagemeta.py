"""Reads an article page's title, description, canonical URL and published time from its HTML."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from service.core.times import parse_iso, plausible_or_none

MAX_FIELD_CHARS = 2000
# A page is parsed in chunks of this many characters, for at most this much CPU time.
PARSE_CHUNK = 64 * 1024
PARSE_CPU_SECONDS = 2.0
# An unfinished construct at the end of a page longer than this is dropped, not read as text.
MAX_OPEN_TAIL = 4096
MAX_JSONLD_BLOCKS = 20
MAX_JSONLD_CHARS = 200_000
ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "webpage",
    "liveblogposting",
    "report",
}


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself."""

    title: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    published: float | None = None


def parse_time(value: object) -> float | None:
    """An ISO 8601 time as epoch seconds (UTC when no zone is given); None when unreadable."""
    if not isinstance(value, str):
        return None
    return parse_iso(value)


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:MAX_FIELD_CHARS] or None


class _MetaParser(HTMLParser):
    """Collects <title>, <meta>, <link rel=canonical> and JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.title_parts: list[str] = []
        self.jsonld: list[str] = []
        self._in_title = False
        self._in_jsonld = False
        self._jsonld_parts: list[str] = []
        self._jsonld_size = 0
        self._seen_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (attr.get("property") or attr.get("name") or attr.get("itemprop") or "").lower()
            content = attr.get("content")
            if key and content and key not in self.meta:
                self.meta[key] = content
        elif tag == "link":
            rels = attr.get("rel", "").lower().split()
            if "canonical" in rels and attr.get("href") and self.canonical is None:
                self.canonical = attr["href"]
        elif tag == "title" and not self._seen_title:
            self._in_title = True
        elif tag == "script" and attr.get("type", "").lower() == "application/ld+json":
            self._in_jsonld = True
            self._jsonld_parts = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self._seen_title = True
        elif tag == "script" and self._in_jsonld:
            self._in_jsonld = False
            block = "".join(self._jsonld_parts)
            if (
                len(self.jsonld) < MAX_JSONLD_BLOCKS
                and self._jsonld_size + len(block) <= MAX_JSONLD_CHARS
            ):
                self.jsonld.append(block)
                self._jsonld_size += len(block)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif self._in_jsonld:
            self._jsonld_parts.append(data)


def _jsonld_objects(blocks: list[str]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        try:
            data = json.loads(block)
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        budget = 500  # bounds the walk over hostile, deeply nested graphs
        while stack and budget:
            budget -= 1
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)


def _is_article(obj: dict[str, Any]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds)


def extract(html: str) -> PageMeta:
    """The page's own metadata: Open Graph first, then JSON-LD, then plain meta tags and <title>."""
    parser = _MetaParser()
    started = time.thread_time()
    try:
        # In chunks, within a CPU budget: html.parser's work on hostile markup is far from
        # linear (64 KB of "<x " took over 30 s), and a page may be 2 MB. A real 2 MB page
        # takes about 0.6 s; what the budget cuts off is a hostile page's rest.
        for start in range(0, len(html), PARSE_CHUNK):
            parser.feed(html[start : start + PARSE_CHUNK])
            if time.thread_time() - started > PARSE_CPU_SECONDS:
                break
        else:
            # close() reads an unfinished construct at the end as text by rescanning the rest
            # from each "<" (quadratic): a long one is a hostile or cut page, never metadata.
            if len(parser.rawdata) <= MAX_OPEN_TAIL:
                parser.close()
    except (AssertionError, ValueError):
        pass  # a truncated or broken document still yields what was read before the damage
    meta = parser.meta
    ld: dict[str, Any] = next((o for o in _jsonld_objects(parser.jsonld) if _is_article(o)), {})
    ld_url = ld.get("url") if isinstance(ld.get("url"), str) else None
    title = (
        _clean(meta.get("og:title"))
        or _clean(ld.get("headline"))
        or _clean(meta.get("twitter:title"))
        or _clean("".join(parser.title_parts))
    )
    description = (
        _clean(meta.get("og:description"))
        or _clean(ld.get("description"))
        or _clean(meta.get("description"))
        or _clean(meta.get("twitter:description"))
    )
    canonical = _clean(parser.canonical) or _clean(meta.get("og:url")) or _clean(ld_url)
    # A page's impossible date (year 9999, 1970) is no date: it is never stored.
    published = plausible_or_none(
        parse_time(meta.get("article:published_time"))
        or parse_time(ld.get("datePublished"))
        or parse_time(meta.get("og:published_time"))
        or parse_time(meta.get("datepublished"))
        or parse_time(meta.get("pubdate"))
        or parse_time(meta.get("date"))
    )
    return PageMeta(
        title=title, description=description, canonical_url=canonical, published=published
    )


def decode(body: bytes, charset: str | None) -> str:
    """Page bytes as text: the declared charset, else UTF-8, never an exception."""
    for encoding in (charset, "utf-8"):
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeError):
            # UnicodeError, not only UnicodeDecodeError: Python's "undefined" and "punycode"
            # codecs, which a page may name as its charset, raise the parent class.
            continue
    return body.decode("utf-8", errors="replace")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(fragment: str) -> str:
    """The visible text of an HTML fragment (a feed item's summary), whitespace collapsed."""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    parser = _TextParser()
    try:
        parser.feed(fragment)
        tail = parser.rawdata
        if len(tail) <= MAX_OPEN_TAIL:
            parser.close()
        elif not parser._skip:
            # What close() makes of an unfinished construct, read as text, in one step: it
            # rescans from each "<" (a feed title of 60 KB of "<x " took over a minute).
            parser.parts.append(html.unescape(tail))
    except (AssertionError, ValueError):
        pass
    return " ".join(" ".join(parser.parts).split())
