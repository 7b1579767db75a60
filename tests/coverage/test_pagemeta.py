"""Page metadata from Open Graph, JSON-LD, meta tags and <title>; HTML stripping of feed text."""

from __future__ import annotations

from service.ingest.pagemeta import decode, extract, parse_time, strip_html

OG_PAGE = """<!doctype html><html><head>
<title>Site name | fallback title</title>
<meta name="description" content="Plain description">
<meta property="og:title" content="Harbor council approves flood barrier">
<meta property="og:description" content="The council voted 7-2.">
<meta property="og:url" content="https://leftpaper.com/2025/03/barrier">
<link rel="canonical" href="https://leftpaper.com/2025/03/barrier?ref=canon">
<meta property="article:published_time" content="2025-03-04T14:00:00+01:00">
</head><body><p>Body</p></body></html>"""

JSONLD_PAGE = """<html><head><title>Fallback</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Right Daily"},
  {"@type": ["NewsArticle"], "headline": "Council passes barrier plan",
   "description": "Members voted 7-2.", "datePublished": "2025-03-04T16:30:00Z",
   "url": "https://rightdaily.com/news/barrier"}]}</script>
<script type="application/ld+json">{ not json </script>
</head><body></body></html>"""


def test_open_graph_and_link_canonical_win() -> None:
    meta = extract(OG_PAGE)
    assert meta.title == "Harbor council approves flood barrier"
    assert meta.description == "The council voted 7-2."
    assert meta.canonical_url == "https://leftpaper.com/2025/03/barrier?ref=canon"
    assert meta.published == parse_time("2025-03-04T13:00:00Z")


def test_json_ld_graph_is_read_and_broken_blocks_ignored() -> None:
    meta = extract(JSONLD_PAGE)
    assert meta.title == "Council passes barrier plan"
    assert meta.description == "Members voted 7-2."
    assert meta.canonical_url == "https://rightdaily.com/news/barrier"
    assert meta.published == parse_time("2025-03-04T16:30:00Z")


def test_plain_title_and_description_are_the_fallback() -> None:
    meta = extract('<title> Only  a title </title><meta name="description" content="d">')
    assert (meta.title, meta.description, meta.canonical_url, meta.published) == (
        "Only a title",
        "d",
        None,
        None,
    )


def test_truncated_and_hostile_html_does_not_raise() -> None:
    assert extract("<html><head><title>Cut off").title in (None, "Cut off")
    assert extract("<<<>>> &#xffffff; <meta content>").title is None
    deep = '<script type="application/ld+json">' + "[" * 5000 + "]" * 5000 + "</script>"
    assert extract(deep).title is None


def test_times_and_bytes_are_read_leniently() -> None:
    assert parse_time("2025-03-04") == parse_time("2025-03-04T00:00:00Z")
    assert parse_time("yesterday") is None and parse_time(None) is None
    assert decode("café".encode("latin-1"), "latin-1") == "café"
    assert decode(b"caf\xe9", None) == "caf\ufffd"
    assert decode(b"ok", "no-such-charset") == "ok"


def test_strip_html_keeps_visible_text() -> None:
    assert strip_html("<p>A <b>bold</b> move &amp; more</p><script>x()</script>") == (
        "A bold move & more"
    )
    assert strip_html("  plain   text ") == "plain text"
