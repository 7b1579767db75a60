"""Session 12's sweep of what else a feed can send: dates feedparser makes up, and a date's text
whose reading took time growing with its square. Each test fails on the code before its fix."""

from __future__ import annotations

import calendar
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.coverage.runtime import engine
from service.ingest.feeds import FeedIngester, FeedSource, parse_feed
from service.ingest.fetch import FetchPolicy
from tests.coverage.conftest import write_ratings
from tests.support.apps import close_store, make_app

pytestmark = pytest.mark.backends("sqlite")

BASE = "https://paper.example/feed.xml"


def _feed(date: str, tag: str = "pubDate") -> bytes:
    # "&amp;" in the title: not plain, so feedparser reads it (and its dates).
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>'
        "<item><title>Plan &amp; vote</title><link>https://paper.example/x</link>"
        f"<{tag}>{date}</{tag}></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize("tag", ["pubDate", "dc:date"])
@pytest.mark.parametrize(
    "date",
    [
        "-0001-01-01",  # read as 2000-01-01
        "--12-04",  # this year's 4 December
        "-26-12",  # 2026-12-01
        "26-12-04",  # 2026-12-04, or 26 December 2004
        "261204",
        "2026",  # 1 January
        "2026-12",  # the 1st
        "2026/12/04 10:00:00",  # 1 December: feedparser reads the year and month only
        "2026.12.04",  # 1 December
        "2026/1/4",  # this month's 1st
        "10:00 04/12/2026",  # today at 10:00
        "10:00 4 Dec 2026",  # today at 10:00
    ],
)
def test_a_date_feedparser_completes_is_no_date_and_the_item_is_kept(tag: str, date: str) -> None:
    articles = parse_feed(_feed(date, tag), BASE, "paper.example")
    assert [(a.url, a.published) for a in articles] == [("https://paper.example/x", None)]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2026-12-04", (2026, 12, 4, 0, 0, 0)),
        ("20261204", (2026, 12, 4, 0, 0, 0)),
        ("2026-W49-5", (2026, 12, 4, 0, 0, 0)),
        ("Fri, 04 Dec 2026 10:00:00 +0100", (2026, 12, 4, 9, 0, 0)),
        ("2026-12-04T10:00:00Z", (2026, 12, 4, 10, 0, 0)),
        # An ISO text with a zone's name: feedparser read the day's midnight, 15 hours off.
        ("2026-12-04 10:00:00 EST", (2026, 12, 4, 15, 0, 0)),
        ("2026-12-04T10:00:00 pdt", (2026, 12, 4, 17, 0, 0)),
        ("2026-12-04 10:00:00 GMT", (2026, 12, 4, 10, 0, 0)),
    ],
)
def test_whole_dates_are_still_read(date: str, expected: tuple[int, ...]) -> None:
    (article,) = parse_feed(_feed(date), BASE, "paper.example")
    assert article.published == calendar.timegm((*expected, 0, 0, 0))


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        # JavaScript's Date.toString(), zone named in the server's language: read by
        # feedparser, refused when a date's text was held to 64 characters.
        (
            "Fri Dec 04 2026 10:00:00 GMT+1100 (Australian Eastern Daylight Time)",
            (2026, 12, 3, 23, 0, 0),
        ),
        (
            "Fri Dec 04 2026 10:00:00 GMT+0100 (heure normale d\u2019Europe centrale)",
            (2026, 12, 4, 9, 0, 0),
        ),
        ("Fri Dec 04 2026 10:00:00 GMT-0500 (Eastern Standard Time)", (2026, 12, 4, 15, 0, 0)),
    ],
)
def test_a_javascript_date_naming_its_zone_is_read(date: str, expected: tuple[int, ...]) -> None:
    (article,) = parse_feed(_feed(date), BASE, "paper.example")
    assert article.published == calendar.timegm((*expected, 0, 0, 0))


@pytest.mark.parametrize("spaces", [100, 300_000])
def test_a_date_padded_past_any_date_format_is_no_date(spaces: int) -> None:
    # Read before as 4 December (feedparser splits on spaces), after a regex pass whose time
    # grew with the square of the spaces: 0.9 s for 8,000, about an hour for the 300,000 here,
    # holding a feed worker's thread.
    date = "Fri, 04 Dec 2026 10:00:00" + " " * spaces + "GMT"
    articles = parse_feed(_feed(date), BASE, "paper.example")
    assert [(a.url, a.published) for a in articles] == [("https://paper.example/x", None)]


# -- hostile feeds through a pass, read back ---------------------------------------------------


def _rss_bytes(items: bytes, prolog: bytes = b'<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return prolog + b'<rss version="2.0"><channel><title>t</title>' + items + b"</channel></rss>"


def _item(
    n: int, title: bytes = b"Plan &amp; vote", extra: bytes = b"", link: bytes = b""
) -> bytes:
    link = link or b"https://leftpaper.com/a/%d" % n
    return b"<item><title>" + title + b"</title><link>" + link + b"</link>" + extra + b"</item>"


_ENCLOSURE = b'<enclosure url="https://leftpaper.com/a.mp3" type="audio/mpeg" length="1"/>'
_HOSTILE_FEEDS: dict[str, bytes] = {
    "nul-reference": _rss_bytes(_item(1, b"A &#0; B")),
    "raw-controls": _rss_bytes(_item(2, b"A \x01\x1b[2J B")),
    "nul-byte": _rss_bytes(_item(3, b"A \x00 B &amp;")),
    "surrogates-and-c1": _rss_bytes(_item(4, b"&#xD83D;&#xDE00; &#x85; &#x9F; &#xD800; &amp;")),
    "cesu-surrogate-bytes": _rss_bytes(_item(5, b"A \xed\xa0\x80 B &amp;")),
    "noncharacters": _rss_bytes(_item(6, b"A &#x10FFFF; &#xFDD0; \xe2\x80\xa8 B &amp;")),
    "long-fields": _rss_bytes(
        _item(
            7, b"T &amp; " + b"t" * 100_000, b"<description>" + b"w " * 200_000 + b"</description>"
        )
    ),
    "bad-links": _rss_bytes(
        b"".join(
            _item(8, link=link)
            for link in (
                b"javascript:alert(1)",
                b"https://leftpaper.com:99999/x",
                b"https://leftpaper.com/x y",
                b"https://leftpaper.com/" + b"a" * 5000,
                b"//leftpaper.com/relative",
            )
        )
    ),
    "dates": _rss_bytes(
        b"".join(
            _item(20 + i, extra=b"<pubDate>" + date + b"</pubDate>")
            for i, date in enumerate(
                (
                    b"Mon, 01 Jan 0001 00:00:00 GMT",
                    b"Fri, 31 Dec 9999 23:59:59 GMT",
                    b"--12-04",
                    b"9" * 400,
                    b"2026-12-04T10:00:00+99:99",
                    b"Fri, 04 Dec 2026" + b" " * 10_000 + b"GMT",
                )
            )
        )
    ),
    "bom-and-wrong-declaration": b"\xef\xbb\xbf"
    + _rss_bytes(_item(30, b"Z\xc3\xbcrich &amp;"), b'<?xml version="1.0" encoding="iso-8859-1"?>'),
    "declared-utf-16-sent-utf-8": _rss_bytes(_item(31), b'<?xml version="1.0" encoding="utf-16"?>'),
    "nested-cdata": _rss_bytes(
        _item(32, extra=b"<description><![CDATA[a <![CDATA[b]]> c]]></description>")
    ),
    "10000-enclosures": _rss_bytes(_item(33, extra=_ENCLOSURE * 10_000)),
    "enclosures-on-many-items": _rss_bytes(
        b"".join(_item(100 + i, extra=_ENCLOSURE * 20) for i in range(600))
    ),
    "entity-bomb": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %c "%s">' % (98 + i, b"&%c;" % (97 + i) * 10) for i in range(8))
    + b"]>"
    + _rss_bytes(_item(40, b"&i;"), b""),
}


@pytest.mark.backends("sqlite", "postgresql")
def test_hostile_feeds_in_one_pass_store_nothing_a_later_read_cannot_read(
    tmp_path: Any, database_url: str
) -> None:
    ratings = write_ratings(
        tmp_path / "ratings",
        [("leftpaper.com", f"https://leftpaper.com/{name}") for name in _HOSTILE_FEEDS],
    )
    app = make_app(tmp_path, RATINGS_DIR=str(ratings), DATABASE_URL=database_url)
    try:

        class Response:
            def __init__(self, url: str) -> None:
                self.url, self.status = url, 200
                self.body = _HOSTILE_FEEDS[url.rsplit("/", 1)[1]]
                self.headers: dict[str, str] = {}

        def fetcher(url: str, policy: FetchPolicy, headers: Any = None) -> Response:
            return Response(url)

        with app.app_context():
            run = FeedIngester(engine(app), fetcher=fetcher, politeness=0).run(
                [FeedSource("leftpaper.com", f"https://leftpaper.com/{n}") for n in _HOSTILE_FEEDS]
            )
        outcomes = {o.url.rsplit("/", 1)[1]: o for o in run.outcomes}
        assert set(outcomes) == set(_HOSTILE_FEEDS)
        for name, outcome in outcomes.items():
            assert outcome.status in ("ok", "error"), name
            if outcome.status == "error":
                # A bad document, said in words: never the store's failure nor a traceback.
                assert outcome.code == "parse", (name, outcome.error)
                assert outcome.error and "Traceback" not in outcome.error
        assert run.added > 300  # the 600 items of 20 enclosures: those within the markup budget
        client = app.test_client()
        assert client.get("/feeds").status_code == 200
        page = client.get("/v1/stories?limit=200")
        assert page.status_code == 200
        stories = page.get_json()["stories"]
        assert stories
        for story in stories:
            assert client.get(f"/v1/stories/{story['id']}").status_code == 200
            assert client.get(f"/stories/{story['id']}").status_code == 200
    finally:
        close_store(app)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            _rss_bytes(_item(1, b"A \x00 B &amp;")),
            "line 1, column 97: not well-formed (invalid token) (the feed holds a control "
            "character, U+0000 at line 1, byte 97 of it, which XML "
            "does not allow",
        ),
        (
            _rss_bytes(_item(1, b"A &amp;\n B \x1b[2J")),
            "line 2, column 3: not well-formed (invalid token) (the feed holds a control "
            "character, U+001B at line 2, byte 3 of it",
        ),
        (
            b"\x1f\x8b\x08\x00" + b"\x00" * 40,
            "the document is gzip-compressed data, not RSS or Atom",
        ),
    ],
    ids=["nul", "escape", "gzip"],
)
def test_a_feed_refused_for_a_byte_says_which_and_where(body: bytes, words: str) -> None:
    # Said before as "malformed XML: <unknown>:1:96: not well-formed (invalid token)".
    with pytest.raises(ValueError) as refused:
        parse_feed(body, BASE, "paper.example")
    assert words in str(refused.value)
    assert "<unknown>" not in str(refused.value)


# -- any bytes ---------------------------------------------------------------------------------

_PIECES = [
    b"<item>",
    b"</item>",
    b"<title>",
    b"</title>",
    b"<link>https://leftpaper.com/x</link>",
    b"<description>",
    b"</description>",
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&lt;b&gt;",
    b"&#0;",
    b"&#xD83D;",
    b"&#x110000;",
    b"&#99999999999;",
    b"&nbsp;",
    b"<pubDate>",
    b"</pubDate>",
    b"--12-04",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xed\xa0\x80",
    b"<!DOCTYPE rss [<!ENTITY a 'b'>]>",
    b'<?xml version="1.0" encoding="utf-16"?>',
    b'<x a="1" b="2"/>',
    b"<enclosure url='https://leftpaper.com/a.mp3'/>",
]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(_PIECES), st.binary(max_size=8), st.text(max_size=8).map(str.encode)
        ),
        max_size=40,
    )
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_feed_bytes_give_articles_or_a_value_error(pieces: list[bytes]) -> None:
    body = _rss_bytes(b"".join(pieces))
    try:
        articles = parse_feed(body, BASE, "paper.example")
    except ValueError as refused:
        assert str(refused)  # a reason, said
        return
    for article in articles:
        assert isinstance(article.title, str) and article.title
        assert isinstance(article.url, str) and article.url
        assert article.published is None or isinstance(article.published, float)


@pytest.mark.parametrize("encoding", ["utf-16", "UTF-16LE", "cp500"])
def test_a_feed_declaring_an_encoding_it_is_not_in_says_so(encoding: str) -> None:
    # Said before only as "malformed XML: <unknown>:2:0: not well-formed (invalid token)".
    body = _rss_bytes(_item(1), b'<?xml version="1.0" encoding="%s"?>' % encoding.encode())
    with pytest.raises(ValueError) as refused:
        parse_feed(body, BASE, "paper.example")
    assert f'the feed declares encoding="{encoding}", but its own declaration is not written' in (
        str(refused.value)
    )


@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1", "shift_jis"])
def test_a_feed_in_the_encoding_it_declares_is_read(encoding: str) -> None:
    body = _rss_bytes(_item(1), b'<?xml version="1.0" encoding="%s"?>' % encoding.encode())
    assert [a.url for a in parse_feed(body, BASE, "paper.example")] == ["https://leftpaper.com/a/1"]
