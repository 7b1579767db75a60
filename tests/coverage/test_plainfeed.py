"""The plain-feed reader gives exactly feedparser's articles or leaves the document to it: random
documents compared side by side, and hostile ones (entity bombs, external entities, wrong and
other encodings, huge, deep, mojibake, markup) that must go to feedparser."""

from __future__ import annotations

import calendar
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.ingest.feeds import MAX_ENTRIES_PER_FEED, parse_feed, parse_feed_with_feedparser
from service.ingest.plainfeed import parse_plain_feed, rfc822_time, rfc3339_time
from tests.coverage.test_ingest import feed_bytes

BASE = "https://paper.example/feeds/news.xml"


def both(body: bytes, base: str = BASE) -> tuple[object, object]:
    """(parse_feed, feedparser alone), each an article list or the ValueError's type."""
    out: list[object] = []
    for parse in (parse_feed, parse_feed_with_feedparser):
        try:
            out.append(parse(body, base, "paper.example"))
        except ValueError:
            out.append(ValueError)
    return out[0], out[1]


def rss(items: str, declaration: str = "<?xml version='1.0' encoding='utf-8'?>") -> bytes:
    return (
        f"{declaration}<rss version='2.0'><channel><title>Paper</title>"
        f"<link>https://paper.example/</link>{items}</channel></rss>"
    ).encode()


def atom(entries: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Paper</title><id>urn:paper</id>{entries}</feed>"
    ).encode()


PLAIN_RSS = rss(
    "<item><title>Harbor council approves barrier</title>"
    "<link>https://paper.example/a?x=1&amp;y=2</link><guid>https://paper.example/a</guid>"
    "<pubDate>Fri, 04 Dec 2026 23:57:59 +0100</pubDate>"
    "<description>The council voted 7-2.</description><category>city</category></item>"
    "<item><title>Café reopens in Zürich</title><link>/b</link></item>"
)
PLAIN_ATOM = atom(
    "<entry><title type='html'>Bridge closes</title><id>urn:1</id>"
    "<link rel='alternate' type='text/html' href='https://paper.example/c'/>"
    "<link rel='self' href='https://paper.example/c.atom'/>"
    "<published>2026-12-03T10:00:00.25-05:00</published><updated>2026-12-04T10:00:00Z</updated>"
    "<author><name>Desk</name></author><summary>Crews closed it.</summary></entry>"
    "<entry><title>Only updated</title><link href='d'/><updated>2026-12-04T11:00:00Z</updated>"
    "</entry>"
)


@pytest.mark.parametrize(
    "body",
    [PLAIN_RSS, PLAIN_ATOM, rss("", declaration=""), atom("")],
    ids=["rss", "atom", "empty-rss", "empty-atom"],
)
def test_plain_feeds_are_read_without_feedparser_and_give_its_articles(body: bytes) -> None:
    assert parse_plain_feed(body, BASE) is not None
    fast, slow = both(body)
    assert fast == slow


@pytest.mark.parametrize("short_type", ["html", "xhtml"])
def test_an_atom_link_typed_by_a_short_name_counts_as_a_page_link(short_type: str) -> None:
    # feedparser maps type='html' to text/html and keeps the last page link: a reader that
    # skipped it took the first link instead (found by the random-feeds test below).
    body = atom(
        "<entry><title>Two links</title>"
        "<link type='text/html' href='https://paper.example/first'/>"
        f"<link type='{short_type}' href='https://paper.example/last'/></entry>"
    )
    fast, slow = both(body)
    assert fast == slow
    assert [a.url for a in parse_feed(body, BASE, "paper.example")] == [
        "https://paper.example/last"
    ]


def test_what_the_plain_reader_gives_field_by_field() -> None:
    articles = parse_feed(PLAIN_RSS, BASE, "paper.example")
    assert [(a.title, a.url, a.text) for a in articles] == [
        (
            "Harbor council approves barrier",
            "https://paper.example/a?x=1&y=2",
            "The council voted 7-2.",
        ),
        ("Café reopens in Zürich", "https://paper.example/b", ""),
    ]
    assert articles[0].published == calendar.timegm((2026, 12, 4, 22, 57, 59))
    assert articles[1].published is None
    entries = parse_feed(PLAIN_ATOM, BASE, "paper.example")
    assert [a.url for a in entries] == ["https://paper.example/c", "https://paper.example/feeds/d"]
    # <published>, its fraction dropped; then no <published>: <updated> stands in.
    assert entries[0].published == calendar.timegm((2026, 12, 3, 15, 0, 0))
    assert entries[1].published == calendar.timegm((2026, 12, 4, 11, 0, 0))


HOSTILE = {
    # Billion laughs: an internal entity expanded a billion times.
    "entity-bomb": (
        b"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY a 'aaaaaaaaaa'>"
        + b"".join(
            f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>".encode() for i in range(8)
        )
        + b"]><rss version='2.0'><channel><item><title>&i;</title>"
        b"<link>https://paper.example/x</link></item></channel></rss>"
    ),
    "external-entity": (
        b"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        b"<rss version='2.0'><channel><item><title>&x;</title>"
        b"<link>https://paper.example/x</link></item></channel></rss>"
    ),
    "undefined-entity": rss(
        "<item><title>A&nbsp;B</title><link>https://paper.example/x</link></item>"
    ),
    "utf-16": "<?xml version='1.0' encoding='utf-16'?><rss version='2.0'><channel><item>"
    "<title>Zürich</title><link>https://paper.example/x</link></item></channel></rss>".encode(
        "utf-16"
    ),
    "latin-1-declared": rss(
        "<item><title>Zürich</title><link>https://paper.example/x</link></item>",
        declaration="<?xml version='1.0' encoding='iso-8859-1'?>",
    ).replace("Zürich".encode(), "Zürich".encode("latin-1")),
    "latin-1-bytes-said-utf-8": rss(
        "<item><title>Zürich</title><link>https://paper.example/x</link></item>"
    ).replace("Zürich".encode(), "Zürich".encode("latin-1")),
    "windows-1252-c1": rss(
        "<item><title>it\u0092s</title><link>https://paper.example/x</link></item>"
    ),
    "markup-in-title": rss(
        "<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp; more</title><link>https://paper.example/x</link>"
        "<description><![CDATA[<p>Hi <script>alert(1)</script></p>]]></description></item>"
    ),
    "xhtml-content": atom(
        "<entry><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>T</div></title>"
        "<link href='https://paper.example/x'/></entry>"
    ),
    "xml-base": atom(
        "<entry xml:base='https://elsewhere.example/'><title>T</title><link href='x'/></entry>"
    ),
    "guid-as-link": rss("<item><title>T</title><guid>https://paper.example/g</guid></item>"),
    "two-links": rss(
        "<item><title>T</title><link>https://paper.example/1</link>"
        "<link>https://paper.example/2</link></item>"
    ),
    "unknown-date-form": rss(
        "<item><title>T</title><link>https://paper.example/x</link>"
        "<pubDate>Fri, 04 Dec 2026 23:57:59 EST</pubDate></item>"
    ),
    "rss-1.0": b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
    b" xmlns='http://purl.org/rss/1.0/'><channel/><item><title>T</title>"
    b"<link>https://paper.example/x</link></item></rdf:RDF>",
    "nested-item": rss(
        "<image><item><title>T</title><link>https://paper.example/x</link></item></image>"
    ),
    "deep": rss(
        "<item><title>T</title><link>https://paper.example/x</link>"
        + "<category>"
        + "<a>" * 5000
        + "</a>" * 5000
        + "</category></item>"
    ),
    "malformed": rss("<item><title>T</title><link>https://paper.example/x</link>")[:-20],
    "too-many-items": rss(
        "".join(
            f"<item><title>T{i}</title><link>https://paper.example/{i}</link></item>"
            for i in range(MAX_ENTRIES_PER_FEED + 1)
        )
    ),
    "not-a-feed": b"<html><body>hi</body></html>",
    # HTML in a summary goes through feedparser's sanitiser: not read here.
    "html-description": feed_bytes("rss2.xml"),
    "atom-content": feed_bytes("atom.xml"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_or_unusual_documents_are_left_to_feedparser(name: str) -> None:
    body = HOSTILE[name]
    assert parse_plain_feed(body, BASE) is None
    fast, slow = both(body)
    if name in _ENTITIES_REFUSED:
        # Refused before feedparser, naming the entity (tests/coverage/test_feeds_markup_s12.py),
        # where feedparser dropped the entity's declaration and read or refused the rest.
        assert fast is ValueError
        return
    assert fast == slow


# Documents whose DTD declares an entity that could multiply them.
_ENTITIES_REFUSED = frozenset({"entity-bomb", "external-entity"})


def test_the_entity_bomb_is_never_expanded() -> None:
    # expat (under feedparser) stopped at its amplification limit: a "malformed XML" error for
    # the feed, never a billion characters.
    # Now refused before either, naming the nested entity.
    with pytest.raises(ValueError, match="billion laughs"):
        parse_feed(HOSTILE["entity-bomb"], BASE, None)


def test_mojibake_is_repaired_as_feedparser_repairs_it() -> None:
    # "ZÃ¼rich": UTF-8 read as Latin-1 and written out again as UTF-8; feedparser undoes it.
    body = rss("<item><title>ZÃ¼rich</title><link>https://paper.example/x</link></item>")
    fast, slow = both(body)
    assert fast == slow and [a.title for a in fast] == ["Zürich"]  # type: ignore[attr-defined]


def test_too_many_items_keep_the_first_ones() -> None:
    articles = parse_feed(HOSTILE["too-many-items"], BASE, None)
    assert len(articles) == MAX_ENTRIES_PER_FEED and articles[0].title == "T0"


def test_strict_dates() -> None:
    assert rfc822_time("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    assert rfc822_time("Fri, 4 Dec 2026 23:57:59 -0130") == calendar.timegm(
        (2026, 12, 5, 1, 27, 59)
    )
    assert rfc3339_time("2026-12-04T23:57:59.999Z") == calendar.timegm((2026, 12, 4, 23, 57, 59))
    for bad in (
        "Fri, 31 Feb 2026 10:00:00 GMT",
        "Fri, 04 Dec 2026 24:00:00 GMT",
        "Fri, 04 Dec 26 10:00:00 GMT",
        "2026-12-04 23:57:59Z",
        "2026-12-04T23:57:60Z",
        "2026-12-04T23:57:59+25:00",
    ):
        with pytest.raises(Exception):  # noqa: B017 - the module's own _GiveUp
            (rfc822_time if "," in bad else rfc3339_time)(bad)


# -- random documents, compared with feedparser ------------------------------------------

# Mostly text a plain feed has (so the plain reader takes the document), sometimes what sends
# it to feedparser or what feedparser changes (entities, markup, mojibake, C1, odd spaces).
_PLAIN_TEXT = st.text(alphabet="abcXYZ 123.,:;!?-'\"/>=#%éüÃ¼中😀\t\n", max_size=20)
_ODD_TEXT = st.lists(
    st.sampled_from(
        list("abc XYZ 123.,:;!?-'\"\t\n\r/>=#%")
        + [
            "&",
            "<",
            "é",
            "Ã",
            "¼",
            "\u00a0",
            "\u0085",
            "\u0092",
            "\u2003",
            "中",
            "😀",
            "&amp;",
            "&lt;",
            "&#233;",
            "<b>",
            "</p>",
        ]
    ),
    max_size=12,
).map("".join)
_TEXT = st.one_of(_PLAIN_TEXT, _PLAIN_TEXT, _ODD_TEXT)
_GOOD_LINKS = st.sampled_from(
    [
        "https://paper.example/a",
        "http://paper.example/b?x=1&y=2",
        " https://paper.example/c ",
        "/relative/f",
        "g.html",
        "https://paper.example/h#frag",
        "https://paper.example/o/../p",
    ]
)
_ODD_LINKS = st.sampled_from(
    [
        "HTTPS://Paper.example/D",
        "https:///paper.example/e",
        "",
        "https://paper.example/i?",
        "https://paper.example/&amp;j",
        "https://paper.example/k&x;y",
        "javascript:alert(1)",
        "https://paper.example/l m",
        "https://paper.example/ü",
        "//other.example/n",
        "https://paper.example/\u0092",
        "ht tp://x",
        "https://[::1/",
    ]
)
_LINKS = st.one_of(_GOOD_LINKS, _GOOD_LINKS, _ODD_LINKS)
_RFC822_DATES = st.sampled_from(
    [
        "Fri, 04 Dec 2026 23:57:59 GMT",
        "Thu, 04 Dec 2026 23:57:59 GMT",
        "Fri, 4 Dec 2026 03:07:09 +0530",
        "Fri, 04 Dec 2026 23:57:59 -0000",
        "Fri, 04 Dec 2026 23:57:59 UT",
        "Fri, 04 Dec 2026 23:57:59 Z",
        "Fri, 04 Dec 2026 23:57:59 UTC",
        "Fri, 04 Dec 2026 23:57:59 EST",
        "04 Dec 2026 23:57:59 GMT",
        "Fri, 04 Dec 2026 23:57 GMT",
        "Sat, 29 Feb 2025 10:00:00 GMT",
        "Sun, 29 Feb 2032 10:00:00 +1400",
        "Mon, 01 Jan 1900 00:00:00 GMT",
        " Fri, 04 Dec 2026 23:57:59 GMT ",
        "yesterday",
        "",
        "Fri, 04 Dec 2026 23:57:59 +0160",
    ]
)
_GOOD_RFC822 = st.builds(
    lambda day, hour, zone: f"Fri, {day:02d} Dec 2026 {hour:02d}:57:59 {zone}",
    st.integers(1, 31),
    st.integers(0, 23),
    st.sampled_from(["GMT", "+0100", "-0530", "UT"]),
)
_GOOD_RFC3339 = st.builds(
    lambda day, hour, zone: f"2026-11-{day:02d}T{hour:02d}:07:09{zone}",
    st.integers(1, 30),
    st.integers(0, 23),
    st.sampled_from(["Z", "+01:00", ".25-05:30"]),
)
_RFC3339_DATES = st.sampled_from(
    [
        "2026-12-04T23:57:59Z",
        "2026-12-04T23:57:59.123456Z",
        "2026-12-04T23:57:59+05:30",
        "2026-12-04T23:57:59-00:00",
        "2026-12-04t23:57:59z",
        "2026-12-04T23:57Z",
        "2026-12-04",
        "2026-02-30T00:00:00Z",
        "1969-12-31T23:59:59Z",
        " 2026-12-04T23:57:59Z ",
        "",
        "2026-12-04T23:57:59.1234567Z",
        "2026-12-04T23:57:59+24:00",
    ]
)


def _element(name: str, value: str, attrs: str = "") -> str:
    return f"<{name}{attrs}>{escape(value)}</{name}>"


class _Doc:
    """Draws one document's parts: a plain document takes the odd choice one time in twelve,
    an odd one every other time, so both the plain reader and its refusals are exercised."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.odd_one_in = draw(st.sampled_from([12, 2]))

    def odd(self) -> bool:
        return self.draw(st.integers(0, self.odd_one_in - 1)) == 0

    def pick(self, plain: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> str:
        return self.draw(odd if self.odd() else plain)

    def text(self) -> str:
        return self.pick(_PLAIN_TEXT, _ODD_TEXT)

    def link(self) -> str:
        return self.pick(_GOOD_LINKS, _ODD_LINKS)

    def fields(self, usual: list[str], unusual: list[str]) -> list[str]:
        """An item's elements: a link and a title (nearly always), some usual ones, each once
        unless odd, and now and then an unusual one."""
        names = list(usual[:2]) if not self.odd() else []
        names += self.draw(st.lists(st.sampled_from(usual[2:]), max_size=3, unique=not self.odd()))
        if self.odd():
            names.append(self.draw(st.sampled_from(unusual + usual[:2])))
        return self.draw(st.permutations(names))


@st.composite
def rss_documents(draw: st.DrawFn) -> bytes:
    doc = _Doc(draw)
    items = []
    for _ in range(draw(st.integers(0, 3))):
        parts = []
        usual = [
            "link",
            "title",
            "description",
            "pubDate",
            "guid",
            "category",
            "author",
            "comments",
        ]
        for name in doc.fields(usual, ["enclosure", "dc", "content"]):
            if name == "link":
                parts.append(_element("link", doc.link()))
            elif name == "pubDate":
                parts.append(_element("pubDate", doc.pick(_GOOD_RFC822, _RFC822_DATES)))
            elif name == "guid":
                parts.append(
                    _element(
                        "guid",
                        doc.link(),
                        draw(st.sampled_from(["", " isPermaLink='false'", " isPermaLink='true'"])),
                    )
                )
            elif name == "enclosure":
                parts.append("<enclosure url='https://paper.example/x.mp3' type='audio/mpeg'/>")
            elif name == "dc":
                parts.append(_element("dc:creator", doc.text()))
            elif name == "content":
                parts.append(_element("content:encoded", doc.text()))
            else:
                attrs = " type='text/plain'" if doc.odd() else ""
                parts.append(_element(name, doc.text(), attrs))
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'"
        " xmlns:dc='http://purl.org/dc/elements/1.1/'"
        " xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>P</title>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


@st.composite
def atom_documents(draw: st.DrawFn) -> bytes:
    doc = _Doc(draw)
    entries = []
    for _ in range(draw(st.integers(0, 3))):
        parts = []
        usual = ["link", "title", "summary", "published", "updated", "id", "author", "other-link"]
        for name in doc.fields(usual, ["content", "source"]):
            if name in ("link", "other-link"):
                rel = (
                    draw(
                        st.sampled_from(
                            [
                                "",
                                " rel='alternate'",
                                " rel='self'",
                                " rel='ALTERNATE'",
                                " rel='enclosure'",
                                " rel='nonsense'",
                            ]
                        )
                    )
                    if doc.odd() or name == "other-link"
                    else ""
                )
                kind = (
                    draw(
                        st.sampled_from(
                            [
                                " type='text/html'",
                                " type='TEXT/HTML'",
                                " type='application/pdf'",
                                " type='html'",
                            ]
                        )
                    )
                    if doc.odd()
                    else ""
                )
                parts.append(f"<link{rel}{kind} href={quoteattr(doc.link())}/>")
            elif name in ("published", "updated"):
                parts.append(_element(name, doc.pick(_GOOD_RFC3339, _RFC3339_DATES)))
            elif name == "author":
                parts.append(f"<author><name>{escape(doc.text())}</name></author>")
            elif name == "source":
                parts.append("<source><title>S</title></source>")
            else:
                kind = (
                    draw(
                        st.sampled_from(
                            ["", " type='text'", " type='html'", " type='HTML'", " type='xhtml'"]
                        )
                    )
                    if doc.odd()
                    else ""
                )
                parts.append(_element(name, doc.text(), kind))
        entries.append("<entry>" + "".join(parts) + "</entry>")
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        "<title>P</title>" + "".join(entries) + "</feed>"
    ).encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(rss_documents(), atom_documents()))
def test_random_feeds_read_plainly_give_feedparsers_articles(body: bytes) -> None:
    fast, slow = both(body)
    assert fast == slow
