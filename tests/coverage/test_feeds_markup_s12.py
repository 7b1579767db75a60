"""Session 12: what one feed can cost feedparser is bounded by its markup, not only its bytes,
and a feed's DTD is read only when its entities cannot multiply the feed. Each test fails on the
code before its fix."""

from __future__ import annotations

from typing import Any

import pytest

from service.coverage.engine import IngestResult
from service.ingest.feeds import FeedIngester, FeedSource, parse_feed, parse_feed_with_feedparser
from service.ingest.feedtrim import (
    AMPERSANDS_A_UNIT,
    FEEDPARSER_MAX_BYTES,
    FEEDPARSER_MAX_MARKUP,
    MAX_ATTRIBUTES,
    MAX_DEFAULT_CHARS,
)
from service.ingest.fetch import FetchPolicy

pytestmark = pytest.mark.backends("sqlite")

BASE = "https://paper.example/feed.xml"


def _rss(items: bytes, prolog: bytes = b'<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return prolog + b'<rss version="2.0"><channel><title>t</title>' + items + b"</channel></rss>"


def _item(i: int, inner: bytes = b"") -> bytes:
    # "&amp;" in the title: not plain, so feedparser reads it.
    return (
        b"<item><title>Plan %d &amp; vote</title><link>https://paper.example/%d</link>" % (i, i)
        + inner
        + b"</item>"
    )


def _one_item(inner: bytes) -> bytes:
    return _rss(_item(0, inner))


# -- markup ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inner", "words"),
    [
        # feedparser's time grows with the square of one element's attributes: 60,000 in
        # 650 KB cost it 40 s.
        (
            b"<x " + b" ".join(b'a%d="1"' % i for i in range(MAX_ATTRIBUTES + 1)) + b"/>",
            f"element <x> of {MAX_ATTRIBUTES + 1} attributes (at most {MAX_ATTRIBUTES}",
        ),
        # 250,000 empty elements in 1 MB: 5 s.
        (b"<a/>" * (FEEDPARSER_MAX_MARKUP // 2 + 1), "holds more markup than is read"),
        # HTML feedparser's sanitiser parses, in CDATA or escaped: 2.7 s, 1.3 s a megabyte.
        (
            b"<description><![CDATA["
            + b"<p>x</p>" * (FEEDPARSER_MAX_MARKUP // 2 + 1)
            + b"]]></description>",
            "holds more markup than is read",
        ),
        (
            b"<description>" + b"&lt;b&gt;" * (FEEDPARSER_MAX_MARKUP + 1) + b"</description>",
            "holds more markup than is read",
        ),
    ],
    ids=["attributes", "elements", "cdata-html", "escaped-html"],
)
def test_an_item_of_too_much_markup_is_refused_unread_saying_what_to_fix(
    inner: bytes, words: str, feedparser_reads: list[int]
) -> None:
    body = _one_item(inner)
    assert len(body) < FEEDPARSER_MAX_BYTES  # within the byte bound: read whole before
    with pytest.raises(ValueError) as refused:
        parse_feed(body, BASE, "paper.example")
    message = str(refused.value)
    assert message.startswith("the feed ") and "before its first item ends" in message
    assert words in message
    assert "serve fewer or shorter items" in message
    assert feedparser_reads == []


def test_a_feed_past_the_markup_budget_is_read_as_its_first_items_within_it(
    feedparser_reads: list[int],
) -> None:
    # 400 items of 120 HTML tags each: 48,000 tags in 400 KB, all read before.
    html = b"<description><![CDATA[" + b"<p>The council <b>met</b>.</p>" * 30 + b"]]></description>"
    body = _rss(b"".join(_item(i, html) for i in range(400)))
    assert len(body) < FEEDPARSER_MAX_BYTES
    articles = parse_feed(body, BASE, "paper.example")
    assert feedparser_reads and max(feedparser_reads) < len(body)
    whole = parse_feed_with_feedparser(body, BASE, "paper.example")
    assert len(whole) == 400
    assert 100 < len(articles) < 400
    assert articles == whole[: len(articles)]


def test_items_within_the_budget_are_kept_before_an_element_of_too_many_attributes(
    feedparser_reads: list[int],
) -> None:
    crowded = b"<x " + b" ".join(b'a%d="1"' % i for i in range(5000)) + b"/>"
    body = _rss(b"".join(_item(i) for i in range(300)) + _item(300, crowded) + _item(301))
    articles = parse_feed(body, BASE, "paper.example")
    assert [a.url for a in articles] == [f"https://paper.example/{i}" for i in range(300)]
    assert feedparser_reads and max(feedparser_reads) < body.index(b"<x ")


@pytest.mark.parametrize("fault", [b"&nbsp;", b"<b>open"])
def test_a_malformed_feed_that_may_hold_too_much_markup_is_refused_naming_the_fault(
    fault: bytes, feedparser_reads: list[int]
) -> None:
    # Not well-formed, so not counted by expat; its bytes say it may hold 90,000 tags, which
    # feedparser's loose parser read (1.2 s a megabyte).
    inner = (
        b"<description>" + fault + b"&lt;p&gt;" * (FEEDPARSER_MAX_MARKUP // 2) + b"</description>"
    )
    body = _one_item(inner)
    with pytest.raises(ValueError) as refused:
        parse_feed(body, BASE, "paper.example")
    message = str(refused.value)
    assert "not well-formed XML" in message and "line 1" in message
    assert f"at most {FEEDPARSER_MAX_MARKUP:,}" in message
    assert feedparser_reads == []


def test_a_refused_feed_is_stored_with_the_reason_and_the_next_feed_is_read(
    feedparser_reads: list[int],
) -> None:
    class Response:
        def __init__(self, url: str, body: bytes) -> None:
            self.url, self.body, self.status = url, body, 200
            self.headers: dict[str, str] = {}

    bodies = {
        "https://a.example/rss": _one_item(b"<a/>" * FEEDPARSER_MAX_MARKUP),
        "https://b.example/rss": _rss(b"".join(_item(i) for i in range(3))),
    }
    saved: list[Any] = []

    class Store:
        def save_feed_states(self, states: list[Any]) -> None:
            saved.extend(states)

    class Engine:
        store = Store()

        def ingest(self, articles: list[Any], **_: Any) -> IngestResult:
            return IngestResult(added=len(articles))

    def fetcher(url: str, policy: FetchPolicy, headers: Any = None) -> Response:
        return Response(url, bodies[url])

    ingester = FeedIngester(Engine(), fetcher=fetcher, politeness=0)  # type: ignore[arg-type]
    outcomes = {
        url: ingester.fetch_and_store(FeedSource("paper.example", url), None) for url in bodies
    }
    refused = outcomes["https://a.example/rss"]
    assert refused.status == "error" and refused.code == "parse"
    assert refused.error is not None and "holds more markup than is read" in refused.error
    assert [s.last_error for s in saved if s.url == "https://a.example/rss"] == [refused.error]
    assert outcomes["https://b.example/rss"].entries == 3


# -- entities a DTD declares -------------------------------------------------------------------

_HTML_ENTITIES = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<!DOCTYPE rss [<!ENTITY nbsp "&#160;"> <!ENTITY copy "&#169;"> <!ENTITY site "Paper">]>'
)


def test_a_feed_past_the_byte_budget_with_a_dtd_of_character_entities_is_cut_and_read(
    feedparser_reads: list[int],
) -> None:
    # A feed written for HTML readers declares the entities it uses; past 1 MiB it was refused
    # ("entities declared in a DTD"), losing every item.
    words = b"<description>The council&nbsp;met. " + b"word " * 60 + b"&copy; &site;</description>"
    body = _rss(b"".join(_item(i, words) for i in range(3000)), _HTML_ENTITIES)
    assert len(body) > FEEDPARSER_MAX_BYTES
    articles = parse_feed(body, BASE, "paper.example")
    assert len(articles) == 500
    assert articles[0].text.startswith("The council met.")
    assert articles[0].text.endswith("© Paper")
    assert feedparser_reads and max(feedparser_reads) <= FEEDPARSER_MAX_BYTES + 100
    small = _rss(b"".join(_item(i, words) for i in range(5)), _HTML_ENTITIES)
    assert articles[:5] == parse_feed(small, BASE, "paper.example")


_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>"
)


@pytest.mark.parametrize(
    ("prolog", "items", "named"),
    [
        (_LAUGHS, 5, "&lol1; as markup or another entity (nested entities: billion laughs)"),
        (_LAUGHS, 6000, "&lol1; as markup or another entity (nested entities: billion laughs)"),
        # Plain text multiplied: 250 characters for each 3-byte "&a;" (25 MB of article text
        # from 300 KB, read before).
        (
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 250 + b'">]>',
            5,
            "&a; as 250",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a SYSTEM "file:///etc/passwd">]>',
            5,
            "&a; as an external",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p "<!ENTITY a \'b\'>"> %p;]>',
            5,
            "a parameter entity %p;",
        ),
    ],
    ids=["laughs", "laughs-past-the-budget", "long-text", "external", "parameter"],
)
def test_a_dtd_whose_entities_can_multiply_the_feed_is_refused_unread_naming_the_entity(
    prolog: bytes, items: int, named: str, feedparser_reads: list[int]
) -> None:
    words = b"<description>" + b"&lol9;" * 3 + b"</description>" if b"lol" in prolog else b""
    if b"ENTITY a" in prolog:
        words = b"<description>" + b"&a;" * 100 + b"</description>"
    body = _rss(b"".join(_item(i, words) for i in range(items)), prolog)
    with pytest.raises(ValueError) as refused:
        parse_feed(body, BASE, "paper.example")
    message = str(refused.value)
    assert message.startswith("the feed's DTD declares " + named)
    assert "at most 16 characters of text" in message and "billion laughs" in message
    assert feedparser_reads == []


@pytest.mark.parametrize("tail", [b"", b"<bad"])
def test_attributes_whose_values_hold_a_closing_bracket_are_counted(
    tail: bytes, feedparser_reads: list[int]
) -> None:
    # A ">" need not be escaped in a value: the byte bound counted between two ">" saw one
    # attribute each, so the whole feed went to feedparser (20,000 such attributes: 4 s);
    # with a fault at the end (tail), expat cannot count them either.
    crowded = b"<x " + b" ".join(b'a%d=">"' % i for i in range(MAX_ATTRIBUTES + 1)) + b"/>"
    body = _one_item(crowded) + tail
    with pytest.raises(ValueError) as refused:
        parse_feed(body, BASE, "paper.example")
    assert str(MAX_ATTRIBUTES) in str(refused.value)
    assert feedparser_reads == []


@pytest.mark.parametrize("amp", [b"&", b"&a", b"&#", b"&#1;"])
def test_references_inside_a_text_count_as_markup(amp: bytes, feedparser_reads: list[int]) -> None:
    # No tag, so counted as nothing, yet feedparser's HTML parsers try each: a megabyte of "&"
    # in CDATA cost it 2.35 s, 19 times the legitimate 1 MB feed; of "&#1;", 1.2 s. (Escaped, "&amp;" is 5 bytes:
    # the byte budget holds fewer than are counted as too much.)
    many = amp * (FEEDPARSER_MAX_MARKUP * AMPERSANDS_A_UNIT + AMPERSANDS_A_UNIT)
    inner = b"<description><![CDATA[" + many + b"]]></description>"
    with pytest.raises(ValueError) as refused:
        parse_feed(_one_item(inner), BASE, "paper.example")
    assert "holds more markup than is read" in str(refused.value)
    assert f'1 every {AMPERSANDS_A_UNIT} "&"' in str(refused.value)
    assert feedparser_reads == []


def test_a_text_of_few_references_is_read_whole() -> None:
    body = _one_item(b"<description>" + b"Q&amp;A &amp;nbsp; " * 2000 + b"</description>")
    (article,) = parse_feed(body, BASE, "paper.example")
    assert article.url == "https://paper.example/0"


def test_attributes_count_as_markup(feedparser_reads: list[int]) -> None:
    # 200 elements of 250 attributes each: each element within MAX_ATTRIBUTES, 400 units as
    # elements, 50,400 with their attributes (nothing else tested that they are counted).
    attrs = b" ".join(b'a%d="1"' % i for i in range(MAX_ATTRIBUTES - 6))
    inner = b"".join(b"<x " + attrs + b"/>" for _ in range(200))
    with pytest.raises(ValueError) as refused:
        parse_feed(_one_item(inner), BASE, "paper.example")
    assert "holds more markup than is read" in str(refused.value)
    assert feedparser_reads == []


def test_a_dtd_attribute_default_that_multiplies_the_feed_is_refused_naming_it(
    feedparser_reads: list[int],
) -> None:
    # Copied into each <b/>: 900 KB for 13,300 of them cost 2.1 s (x16 the legitimate feed);
    # no entity, so the entity check let it through.
    prolog = (
        b'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE rss [<!ATTLIST b a CDATA "'
        + b"A" * (MAX_DEFAULT_CHARS + 1)
        + b'">]>'
    )
    with pytest.raises(ValueError) as refused:
        parse_feed(_rss(_item(0, b"<b/>" * 100), prolog), BASE, "paper.example")
    assert f"default of {MAX_DEFAULT_CHARS + 1} characters for the attribute a of <b>" in str(
        refused.value
    )
    assert feedparser_reads == []


def test_a_dtd_attribute_default_of_a_namespace_is_read() -> None:
    prolog = (
        b'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE rss [<!ATTLIST rss xmlns:dc CDATA '
        b'#FIXED "http://purl.org/dc/elements/1.1/">]>'
    )
    (article,) = parse_feed(_rss(_item(0), prolog), BASE, "paper.example")
    assert article.url == "https://paper.example/0"
