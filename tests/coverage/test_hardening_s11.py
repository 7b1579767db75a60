"""Hostile inputs found in session 11's sweep: each test fails on the code before its fix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.cli import main
from service.coverage.runtime import engine
from service.ingest.feeds import FeedIngester, FeedSource, shown_error
from service.ingest.fetch import FetchPolicy, fetch
from service.store.base import FeedState
from tests.coverage.conftest import write_ratings
from tests.support.apps import close_store, make_app

pytestmark = pytest.mark.backends("sqlite", "postgresql")

PRIVATE = "10.1.2.3"
FEED = "https://leftpaper.com/rss"


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


@pytest.fixture
def feeds_app(tmp_path: Path, database_url: str) -> Any:
    ratings = write_ratings(tmp_path / "ratings", [("leftpaper.com", FEED)])
    app = make_app(tmp_path, RATINGS_DIR=str(ratings), DATABASE_URL=database_url)
    yield app
    close_store(app)


def _everything_shown(app: Flask) -> str:
    """The feed's state as the /feeds page, `parallax feeds` and `parallax feeds --json` show it."""
    page = _text(app.test_client().get("/feeds").data)
    with app.app_context():
        words = app.test_cli_runner().invoke(main, ["feeds"]).output
        rows = app.test_cli_runner().invoke(main, ["feeds", "--json"]).output
    return "\n".join([page, words, rows])


def test_a_refused_feeds_private_address_is_shown_nowhere(feeds_app: Flask) -> None:
    def fetcher(url: str, policy: FetchPolicy, headers: Any = None) -> Any:
        return fetch(url, policy, headers=headers, resolver=lambda host, port: [PRIVATE])

    with feeds_app.app_context():
        run = FeedIngester(engine(feeds_app), fetcher=fetcher, politeness=0).run(
            [FeedSource("leftpaper.com", FEED)]
        )
        stored = engine(feeds_app).store.feed_state(FEED)
    assert run.failures_by_reason() == {"forbidden_address": 1}
    assert PRIVATE not in json.dumps(run.to_json()) and PRIVATE not in run.summary_line()
    assert stored is not None and stored.last_error is not None
    assert PRIVATE not in stored.last_error
    assert "resolves to a private address" in stored.last_error
    shown = _everything_shown(feeds_app)
    assert PRIVATE not in shown
    assert "refused to fetch leftpaper.com: not a public address" in shown
    assert "resolves to a private address" in shown


@pytest.mark.parametrize(
    ("old", "kind"),
    [
        (f"{PRIVATE} is a private address", "a private address"),
        ("::ffff:10.1.2.3 is an IPv4-mapped address", "an IPv4-mapped address"),
        ("2002:a01:203::1 tunnels to an IPv4 address", "an address tunnelling to IPv4"),
        ("fec0::1 is a site-local address", "a site-local address"),
        ("100.64.1.2 is not a public address", "a non-public address"),
    ],
)
def test_a_refusal_stored_with_its_address_by_older_versions_is_read_without_it(
    feeds_app: Flask, old: str, kind: str
) -> None:
    with feeds_app.app_context():
        engine(feeds_app).store.save_feed_states(
            [
                FeedState(
                    url=FEED,
                    last_fetched=1_800_000_000.0,
                    last_error=f"refused to fetch leftpaper.com: {old}",
                    failures=1,
                    next_attempt=1_800_000_900.0,
                )
            ]
        )
    address = old.split(" ", 1)[0]
    shown = _everything_shown(feeds_app)
    assert address not in shown
    assert f"refused to fetch leftpaper.com: not a public address (it resolves to {kind})" in shown


def test_shown_error_leaves_other_errors_alone() -> None:
    assert shown_error("fetching x failed: a\x1b[2J") == "fetching x failed: a\\x1b[2J"
    words = "refused to fetch a.example: not a public address (it resolves to a loopback address)"
    assert shown_error(words) == words


# -- a feed's parse is bounded -------------------------------------------------------------

BASE = "https://paper.example/feed.xml"
_MARKUP = "more markup than is read.*before its first item ends.*serve fewer or shorter items"


def _rss(items: bytes, encoding: bytes = b"utf-8") -> bytes:
    return (
        b'<?xml version="1.0" encoding="' + encoding + b'"?><rss version="2.0"><channel>'
        b"<title>t</title>" + items + b"</channel></rss>"
    )


def _html_items(count: int, start: int = 0) -> bytes:
    # "&amp;" and "<b>" in the title: not plain, so feedparser reads it.
    return b"".join(
        b"<item><title>Plan %d &amp; <b>vote</b></title><link>https://paper.example/%d</link>"
        b"<description>&lt;p&gt;The council met.&lt;/p&gt;</description></item>" % (i, i)
        for i in range(start, start + count)
    )


@pytest.mark.backends("sqlite")
def test_a_5mb_feed_of_html_items_is_read_as_its_first_items_within_the_budget(
    feedparser_reads: list[int],
) -> None:
    from service.ingest.feeds import MAX_ENTRIES_PER_FEED, parse_feed
    from service.ingest.feedtrim import FEEDPARSER_MAX_BYTES

    body = _rss(_html_items(40_000))
    assert len(body) > 5_000_000
    articles = parse_feed(body, BASE, "paper.example")
    assert len(articles) == MAX_ENTRIES_PER_FEED
    assert articles[0].url == "https://paper.example/0"
    assert articles[-1].url == f"https://paper.example/{MAX_ENTRIES_PER_FEED - 1}"
    assert feedparser_reads and max(feedparser_reads) <= FEEDPARSER_MAX_BYTES


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    "body",
    [
        # One item larger than the budget.
        _rss(
            b"<item><title>T</title><link>https://paper.example/x</link><description>"
            + b"&lt;p&gt;word&lt;/p&gt; " * 250_000
            + b"</description></item>"
        ),
        # Malformed before any item ends.
        _rss(b"<item><title>x</b><link>https://paper.example/x</link>" * 100_000),
        # Atom XHTML content: about 4 s of feedparser's CPU a megabyte.
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title>'
        b'<link href="https://paper.example/x"/><content type="xhtml">'
        b'<div xmlns="http://www.w3.org/1999/xhtml">'
        + b"<p><b>x</b></p>" * 200_000
        + b"</div></content></entry></feed>",
        # Bytes that are not what the document declares.
        _rss(_html_items(16_000), b"shift_jis")[:-20] + b"\xff\xff" + b"</channel></rss>",
    ],
    ids=["one-huge-item", "malformed", "atom-xhtml", "not-its-encoding"],
)
def test_a_feed_over_the_budget_that_cannot_be_cut_is_refused_unread(
    body: bytes, feedparser_reads: list[int]
) -> None:
    from service.ingest.feeds import parse_feed

    assert len(body) > 2_000_000
    # (Those of too much markup are refused for that first: tests/coverage/test_feeds_markup_s12.py.)
    with pytest.raises(
        ValueError, match=f"is not plain RSS or Atom.*serve a shorter feed|{_MARKUP}"
    ):
        parse_feed(body, BASE, "paper.example")
    assert feedparser_reads == []


@pytest.mark.backends("sqlite")
def test_a_legitimate_1mb_feed_of_300_items_is_read_whole() -> None:
    from service.ingest.feeds import parse_feed, parse_feed_with_feedparser

    body = _rss(
        b"".join(
            b"<item><title>Council &amp; mayor: plan %d</title>"
            b"<link>https://paper.example/%d</link>"
            b"<description><![CDATA[<p>%s</p>]]></description>"
            b"<pubDate>Fri, 04 Dec 2026 23:57:59 GMT</pubDate></item>"
            % (i, i, b"The council met and voted. " * 120)
            for i in range(300)
        )
    )
    assert 1_000_000 < len(body) < 1_048_576
    articles = parse_feed(body, BASE, "paper.example")
    assert len(articles) == 300
    assert articles == parse_feed_with_feedparser(body, BASE, "paper.example")


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    "body",
    [
        _rss(_html_items(700)),
        # Items after a channel element, an empty item, a nested element named item.
        _rss(
            b"<item/>"
            + _html_items(300)
            + b"<image><url>https://paper.example/i.png</url></image>"
            + b"<item><title>in <b>x</b></title><link>https://paper.example/n</link>"
            b"<description><item>inner</item></description></item>" + _html_items(400, 1000)
        ),
        # RSS 1.0 (RDF): items beside the channel, prefixed names.
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>t</title></channel>'
        + b"".join(
            b'<item rdf:about="https://paper.example/%d"><title>R %d &amp; <b>x</b></title>'
            b"<link>https://paper.example/%d</link></item>" % (i, i, i)
            for i in range(650)
        )
        + b"</rdf:RDF>",
        # Atom with a prefix.
        b'<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>t</a:title>'
        + b"".join(
            b'<a:entry><a:title type="html">A %d &amp;lt;b&amp;gt;</a:title>'
            b'<a:link href="https://paper.example/%d"/></a:entry>' % (i, i)
            for i in range(600)
        )
        + b"</a:feed>",
        # Windows-1252, declared.
        _rss(_html_items(600).replace(b"vote", b"caf\xe9"), b"windows-1252"),
    ],
    ids=["rss", "odd-items", "rdf", "atom-prefixed", "windows-1252"],
)
def test_a_cut_feed_gives_the_first_items_the_whole_one_gives(body: bytes) -> None:
    from service.ingest.feeds import MAX_ENTRIES_PER_FEED, parse_feed, parse_feed_with_feedparser
    from service.ingest.feedtrim import bounded_for_feedparser

    assert len(bounded_for_feedparser(body, MAX_ENTRIES_PER_FEED)) < len(body)
    whole = parse_feed_with_feedparser(body, BASE, "paper.example")
    assert len(whole) >= MAX_ENTRIES_PER_FEED - 1  # (the empty <item/> is no article)
    assert parse_feed(body, BASE, "paper.example") == whole


# -- API bodies and headers ------------------------------------------------------------------


def test_a_json_body_with_a_byte_order_mark_is_read_and_stored(coverage_app: Flask) -> None:
    coverage_app.config["STORE_SUBMITTED_ARTICLES"] = True
    client = coverage_app.test_client()
    body = '\ufeff{"url": "https://leftpaper.com/bom", "title": "Harbor council votes"}'
    answer = client.post("/v1/articles", data=body.encode(), content_type="application/json")
    assert answer.status_code == 200 and answer.get_json()["stored"] is True
    stored = client.get("/v1/related?url=https://leftpaper.com/bom").get_json()
    assert stored["match"] == "stored"
    listed = client.get("/v1/stories").get_json()["stories"]
    assert client.get(f"/stories/{listed[0]['id']}").status_code == 200
    looked = client.post(
        "/v1/lookup",
        data='\ufeff{"urls": ["leftpaper.com/x"]}'.encode(),
        content_type="application/json",
    )
    assert looked.status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/articles", '{"url": "https://leftpaper.com/d", "title": "a", "title": "b"}'),
        ("/v1/articles", '{"url": "https://leftpaper.com/d", "url": "https://x.example/"}'),
        ("/v1/lookup", '{"urls": ["leftpaper.com/a"], "urls": ["rightdaily.com/b"]}'),
    ],
)
def test_a_key_given_twice_is_a_400_naming_it_and_stores_nothing(
    coverage_app: Flask, path: str, body: str
) -> None:
    coverage_app.config["STORE_SUBMITTED_ARTICLES"] = True
    client = coverage_app.test_client()
    answer = client.post(path, data=body, content_type="application/json")
    assert answer.status_code == 400
    assert "is given twice" in answer.get_json()["error"]["message"]
    assert client.get("/v1/stories").get_json()["count"] == 0


def test_a_bad_canonical_url_is_named_as_canonical_url(coverage_app: Flask) -> None:
    answer = coverage_app.test_client().post(
        "/v1/articles",
        json={"url": "https://leftpaper.com/c", "title": "t", "canonical_url": "http://[::1"},
    )
    error = answer.get_json()["error"]
    assert answer.status_code == 400 and error["code"] == "invalid_canonical_url"
    assert error["message"].startswith("canonical_url has a bad host or port")


def test_a_json_lines_key_given_twice_names_the_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    lines = tmp_path / "a.jsonl"
    lines.write_text(
        '{"id": "a", "title": "One", "url": "https://leftpaper.com/1"}\n'
        '{"id": "b", "title": "Two", "title": "Three", "url": "https://leftpaper.com/2"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["cluster", str(lines)])
    assert result.exit_code == 1
    assert "line 2: the key 'title' is given twice" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"If-None-Match": "{etag}"}, 304),
        ({"If-None-Match": "W/{etag}"}, 304),  # what a compressing proxy's clients send
        ({"If-None-Match": '"other", W/{etag}'}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"other"'}, 200),
        ({"If-None-Match": "\x00,,"}, 200),
    ],
)
def test_the_export_revalidates_weak_and_star_tags(
    headers: dict[str, str], status: int, tmp_path: Path
) -> None:
    client = make_app(tmp_path).test_client()
    etag = client.get("/v1/outlets/export").headers["ETag"]
    answer = client.get(
        "/v1/outlets/export", headers={k: v.replace("{etag}", etag) for k, v in headers.items()}
    )
    assert answer.status_code == status and answer.headers["ETag"] == etag


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [("gzip", True), ("gzip;q=0", False), ("identity, gzip;q=0", False), ("*", True), ("", False)],
)
def test_the_export_is_gzipped_only_when_gzip_is_acceptable(
    accept: str, gzipped: bool, tmp_path: Path
) -> None:
    import gzip

    client = make_app(tmp_path).test_client()
    answer = client.get("/v1/outlets/export", headers={"Accept-Encoding": accept})
    assert (answer.headers.get("Content-Encoding") == "gzip") is gzipped
    data = gzip.decompress(answer.data) if gzipped else answer.data
    assert json.loads(data)["outlets"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"urls": [NaN]}', "NaN is not JSON"),
        ('{"urls": ["a"]', "Expecting ',' delimiter"),
        ("[" * 40 + "]" * 40, "nests deeper than 32 levels"),
        (b"\xff{}", "is not UTF-8 text"),
    ],
)
def test_a_refused_lookup_body_says_what_is_wrong_under_the_rate_limit(
    tmp_path: Path, body: str | bytes, says: str
) -> None:
    # The limiter reads a lookup's body for its cost before the view; the view then read a
    # spent stream and said "Expecting value" whatever the problem was.
    app = make_app(tmp_path, RATE_LIMIT="600/minute")
    answer = app.test_client().post("/v1/lookup", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert says in answer.get_json()["error"]["message"]


# -- feed fields -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refs", "spelled"),
    [
        ("&#xD83D;&#xDE00;", "\U0001f600"),  # an emoji as a publishing system wrote it
        ("&#55357;&#56832;", "\U0001f600"),
        ("&#xdbff;&#xdfff;", "\U0010ffff"),
        ("&#xDFFF;", "\ufffd"),  # a lone half
        ("&#xD83D;&#65;", "\ufffdA"),
        ("&#65;&#xD83D;&#xDE00;&#xD83D;&#xDE01;", "A\U0001f600\U0001f601"),
    ],
)
def test_surrogates_written_as_character_references_do_not_lose_the_feed(
    engine: Any, refs: str, spelled: str
) -> None:
    from service.ingest.feeds import parse_feed

    body = (
        '<rss version="2.0"><channel><item><title>Harbor council votes '
        f"{refs}</title><link>https://leftpaper.com/emoji</link>"
        "<description>The council met.</description></item></channel></rss>"
    ).encode()
    # feedparser raised UnicodeEncodeError on these: 'unreadable feed', every item lost.
    articles = parse_feed(body, "https://leftpaper.com/feed", "leftpaper.com")
    assert [a.title for a in articles] == [f"Harbor council votes {spelled}"]
    assert engine.ingest(articles).added == 1


@pytest.mark.parametrize(
    ("encoding", "word"),
    [
        ("shift_jis", "本文です。"),
        ("gbk", "新闻正文。"),
        ("big5", "新聞本文。"),
        ("euc-kr", "기사 본문입니다. "),
        ("utf-16", "本文です。"),
        ("utf-32", "Текст. "),
        ("windows-1251", "Текст статьи. "),
    ],
)
def test_a_large_feed_in_an_encoding_expat_lacks_is_cut_not_refused(
    encoding: str, word: str, feedparser_reads: list[int]
) -> None:
    from service.ingest.feeds import parse_feed, parse_feed_with_feedparser
    from service.ingest.feedtrim import FEEDPARSER_MAX_BYTES

    items = "".join(
        f"<item><title>{word[:2]} {i} &amp; <b>x</b></title><link>https://paper.example/{i}</link>"
        f"<description>{word * 150}</description></item>"
        for i in range(800)
    )
    body = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>t</title>'
        + items
        + "</channel></rss>"
    ).encode(encoding)
    assert len(body) > FEEDPARSER_MAX_BYTES
    # Refused past the budget before (expat cannot read these encodings to find the cut).
    articles = parse_feed(body, BASE, "paper.example")
    assert len(articles) >= 200
    assert max(feedparser_reads) <= FEEDPARSER_MAX_BYTES + 100
    whole = parse_feed_with_feedparser(body, BASE, "paper.example")
    assert articles == whole[: len(articles)]


@pytest.mark.backends("sqlite")
def test_items_under_a_hostile_depth_of_wrappers_are_not_cut(feedparser_reads: list[int]) -> None:
    from service.ingest.feeds import parse_feed

    # The cut copied the open elements at every item: 100,000 wrappers and 500 items made it
    # quadratic. A feed's items sit a few elements deep; deeper is not cut (and is refused past
    # the budget, unread).
    body = _rss(b"<x>" * 100_000 + _html_items(12_000) + b"</x>" * 100_000)
    assert len(body) > 2_000_000
    with pytest.raises(ValueError, match=f"serve a shorter feed|{_MARKUP}"):
        parse_feed(body, BASE, "paper.example")
    assert feedparser_reads == []
