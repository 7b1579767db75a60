"""Issue 14: every entrance that can hand the store a time or text checks it — feeds, page
metadata, `parallax ingest --file` — and the CLI says in one line when the store is away."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.cli.coverage import ingest
from service.core.times import EARLIEST, article_time, iso, plausible
from service.ingest.feeds import parse_feed
from service.ingest.jsonl import FileFormatError, read_articles
from service.ingest.pagemeta import extract

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Harbor council approves flood barrier</title><link>https://leftpaper.com/a</link>
<pubDate>{date}</pubDate></item></channel></rss>"""


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 31 Dec 9999 23:59:59 -1400",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Mon, 01 Jan 2190 00:00:00 GMT",
    ],
)
def test_a_feed_item_with_an_impossible_date_is_kept_with_no_date(date: str) -> None:
    articles = parse_feed(RSS.format(date=date).encode(), "https://leftpaper.com/feed", None)
    assert len(articles) == 1 and articles[0].published is None


def test_a_feed_item_with_a_plausible_date_keeps_it() -> None:
    articles = parse_feed(
        RSS.format(date="Tue, 04 Mar 2025 14:00:00 GMT").encode(),
        "https://leftpaper.com/feed",
        None,
    )
    assert articles[0].published == 1741096800.0


@pytest.mark.parametrize(
    "date", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1900-05-01"]
)
def test_a_page_with_an_impossible_date_has_no_date(date: str) -> None:
    page = f'<html><head><meta property="article:published_time" content="{date}"><title>x</title></head></html>'
    assert extract(page).published is None


@pytest.mark.parametrize(
    "published", ["1e18", "-62135596801", '"9999-12-31T23:59:59-14:00"', "1e400"]
)
def test_a_file_line_with_an_impossible_date_is_refused_naming_line_and_field(
    published: str,
) -> None:
    lines = [
        '{"id": "a", "title": "Harbor council approves barrier"}',
        '{"id": "b", "title": "Harbor council approves barrier", "published": ' + published + "}",
    ]
    with pytest.raises(FileFormatError, match=r"line 2: published .* outside the plausible window"):
        list(read_articles(lines))


def test_the_window_and_the_formatter() -> None:
    assert plausible(EARLIEST) and not plausible(EARLIEST - 1)
    assert not plausible(float("nan")) and not plausible(float("inf")) and not plausible(None)
    assert article_time("2025-03-04T10:00:00Z") == 1741082400.0
    assert article_time(1741082400) == 1741082400.0 and article_time("") is None
    for value in (1e18, -1e18, float("nan"), float("inf"), 253402300800.0, -62135596801.0):
        assert iso(value) is None  # never raises
    assert iso(1741082400.0) == "2025-03-04T10:00:00Z"


def test_ingest_file_against_an_unreachable_postgresql_prints_one_line(tmp_path: Path) -> None:
    articles = tmp_path / "a.jsonl"
    articles.write_text(json.dumps({"id": "a", "title": "Harbor council"}) + "\n", encoding="utf-8")
    env = {
        "PARALLAX_DATA_DIR": str(tmp_path / "data"),
        # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        "PARALLAX_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/none?connect_timeout=2",
    }
    result = CliRunner(env=env).invoke(ingest, ["--file", str(articles)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: the coverage store cannot be used: PostgreSQL at 127.0.0.1")
    assert "unreachable" in lines[0] and "Traceback" not in result.output


@pytest.mark.parametrize(
    "args", [["ingest", "--file", "{file}"], ["feeds"], ["prune", "--older-than", "90d"]]
)
def test_a_data_dir_that_cannot_be_made_is_one_line_naming_it(
    tmp_path: Path, args: list[str]
) -> None:
    from service.cli import main

    articles = tmp_path / "a.jsonl"
    articles.write_text(json.dumps({"id": "a", "title": "Harbor council"}) + "\n", encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    # The data directory would be made under a regular file: mkdir fails with an OSError.
    env = {"PARALLAX_DATA_DIR": str(blocker / "data"), "PARALLAX_DATABASE_URL": ""}
    result = CliRunner(env=env).invoke(main, [a.format(file=articles) for a in args])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        f"Error: the coverage store cannot be opened: PARALLAX_DATA_DIR={blocker / 'data'}: "
        "cannot write there (Not a directory)"
    ], result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_page_fetches_past_the_process_cap_are_refused_at_once(coverage_app: Flask) -> None:
    from service.ingest.fetch import FetchResult
    from service.web.api.stories import FETCHER_KEY, SLOTS_KEY

    coverage_app.config["FETCH_PAGES"] = True
    assert coverage_app.extensions[SLOTS_KEY].limit == 2  # FETCH_CONCURRENCY's default
    entered, release = threading.Semaphore(0), threading.Event()

    def slow(url: str) -> FetchResult:
        entered.release()
        release.wait(10)
        return FetchResult(url=url, status=200, body=b"<title>Harbor</title>")

    coverage_app.extensions[FETCHER_KEY] = slow
    answers: list[int] = []
    holders = [
        threading.Thread(
            target=lambda n=n: answers.append(
                coverage_app.test_client()
                .get(f"/v1/related?url=https://leftpaper.com/{n}")
                .status_code
            )
        )
        for n in range(2)
    ]
    for thread in holders:
        thread.start()
    try:
        assert entered.acquire(timeout=10) and entered.acquire(timeout=10)
        refused = coverage_app.test_client().get("/v1/related?url=https://leftpaper.com/third")
        assert refused.status_code == 503
        assert refused.get_json()["error"]["code"] == "fetch_busy"
        assert refused.headers["Retry-After"]
        # Scoring is never behind the cap.
        assert coverage_app.test_client().get("/v1/score?url=leftpaper.com/a").status_code == 200
    finally:
        release.set()
        for thread in holders:
            thread.join(10)
    assert answers == [200, 200]


# -- the day-one commands -------------------------------------------------------------------


def test_ingest_exits_1_with_one_line_when_no_feed_can_be_reached(
    tmp_path: Path, make_ratings: Any
) -> None:
    from tests.support.net import free_port

    closed = free_port()  # nothing listens: every connection is refused, as with no network
    ratings = make_ratings(
        tmp_path / "ratings",
        [
            ("leftpaper.com", f"http://localhost:{closed}/a.xml"),
            ("rightdaily.com", f"http://localhost:{closed}/b.xml"),
        ],
    )
    env = {
        "PARALLAX_DATA_DIR": str(tmp_path / "data"),
        "PARALLAX_RATINGS_DIR": str(ratings),
        "PARALLAX_FEEDS_ALLOW_PRIVATE": "1",
    }
    result = CliRunner(env=env).invoke(ingest, [])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ok"] == 0
    why = [line for line in result.stderr.splitlines() if line.strip()]
    assert why == [
        "Error: all 2 feeds failed: no feed host could be reached (no network, a firewall or a proxy?)"
    ]


def test_a_feed_run_says_why_only_when_every_feed_failed() -> None:
    from service.ingest.feeds import FeedOutcome, FeedRun

    dns = FeedRun(
        [FeedOutcome("a", "error", code="dns_failed"), FeedOutcome("b", "error", code="dns_failed")]
    )
    assert "no feed host could be resolved (no network, or no DNS?)" in (dns.all_failed() or "")
    mixed = FeedRun([FeedOutcome("a", "error", code="dns_failed"), FeedOutcome("b", "ok")])
    assert mixed.all_failed() is None and FeedRun([]).all_failed() is None


def test_ingest_reads_standard_input_with_a_dash(tmp_path: Path) -> None:
    lines = (
        json.dumps(
            {"url": "https://leftpaper.com/harbor", "title": "Harbor council approves barrier"}
        )
        + "\n"
        + json.dumps({"id": "t1", "text": "A text without a title. Its second sentence."})
        + "\n"
    )
    env = {"PARALLAX_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner(env=env).invoke(ingest, ["--file", "-"], input=lines)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["added"] == 2 and body["untitled"] == 1
    bad = CliRunner(env=env).invoke(ingest, ["--file", "-"], input='{"title": "no id, no url"}\n')
    assert bad.exit_code == 1
    assert "standard input: line 1: give the article an 'id' or a 'url'" in bad.output


def test_ingest_help_says_how_an_article_without_an_id_is_known() -> None:
    text = CliRunner().invoke(ingest, ["--help"]).output
    assert "without an id is known by its URL" in " ".join(text.split())
    assert "- for standard input" in " ".join(text.split())


@pytest.mark.parametrize(
    ("stored", "variant"),
    [
        (
            "https://leftpaper.com/2025/harbor-barrier",
            "https://leftpaper.com/2025/harbor-barrier.amp",
        ),
        ("https://leftpaper.com/2025/harbor.html", "https://leftpaper.com/2025/harbor.amp.html"),
        (
            "https://leftpaper.com/2025/harbor-barrier/",
            "https://leftpaper.com/2025/harbor-barrier/amp/",
        ),
        (
            "https://leftpaper.com/2025/harbor-barrier/",
            "https://leftpaper.com/amp/2025/harbor-barrier/",
        ),
        (
            "https://leftpaper.com/2025/harbor-barrier/",
            "https://leftpaper.com/2025/harbor-barrier/?amp=1",
        ),
        (
            "https://leftpaper.com/2025/harbor-barrier/",
            "https://leftpaper.com/2025/harbor-barrier/?outputType=amp",
        ),
        (
            "https://www.leftpaper.com/2025/harbor-barrier",
            "https://amp.leftpaper.com/2025/harbor-barrier/amp",
        ),
    ],
)
def test_an_amp_variant_matches_the_stored_article(
    coverage_app: Flask, stored: str, variant: str
) -> None:
    from service.coverage.engine import RawArticle
    from service.coverage.runtime import engine

    engine(coverage_app).ingest(
        [
            RawArticle(title="Harbor council approves flood barrier", url=stored),
            RawArticle(
                title="Harbor council passes flood barrier plan",
                url="https://rightdaily.com/barrier",
            ),
        ]
    )
    client = coverage_app.test_client()
    related = client.get("/v1/related", query_string={"url": variant}).get_json()
    assert related["match"] == "stored", related
    scored = client.get("/v1/score", query_string={"url": variant}).get_json()
    assert scored["story"] is not None and scored["resolved_url"].startswith("https://")
    assert "amp" not in scored["resolved_url"].split("://", 1)[1].split(".", 1)[1]


def test_a_skipped_article_logs_the_head_of_its_link_not_all_of_it(
    engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from service.coverage.engine import RawArticle

    long_link = "https://leftpaper.com/" + "x" * 100_000
    with caplog.at_level("INFO", logger="service.coverage.engine"):
        result = engine.ingest([RawArticle("Harbor council approves barrier", "", long_link)])
    assert result.rejected == 1
    lines = [r.getMessage() for r in caplog.records if "skipped article" in r.getMessage()]
    assert len(lines) == 1 and len(lines[0]) < 400, len(lines[0])
    assert "https://leftpaper.com/xxx" in lines[0] and "limit is 4096" in lines[0]


# Pieces a hostile or broken feed is made of: character references past any code point or
# into the surrogates (feedparser's chr() raised OverflowError on the first), entities, markup,
# dates out of range, links of every kind.
_FEED_TEXT = st.sampled_from(
    ["Harbor council approves barrier", "", "&amp;", "&nbsp;", "&#0;", "&#xD800;", "&#1114112;",
     "&#99999999999;", "&#xFFFFFFFFFFFFFFFFFF;", "&lt;b&gt;x&lt;/b&gt;", "<![CDATA[<b>x</b>]]>",
     "<b>bold</b>", "&unknown;", "\u202e\u200b", "\x01", "é" * 3, "A. " * 300]
)  # fmt: skip
_FEED_DATE = st.sampled_from(
    ["Fri, 04 Dec 2026 23:57:59 GMT", "Mon, 31 Feb 2021 10:00:00 GMT", "Tue, 01 Jan 9999 00:00:00 +9999",
     "2021-13-40T25:61:61Z", "99999-01-01T00:00:00Z", "1e309", "", "Thu, 01 Jan 1970 00:00:00 GMT",
     "2021-07-19T18:00:00+99:99"]
)  # fmt: skip
_FEED_LINK = st.sampled_from(
    ["https://leftpaper.com/a", "", "javascript:alert(1)", "/relative", "http://[::1/x",
     "https://leftpaper.com:99999/x", "mailto:x@y", "https://leftpaper.com/" + "a" * 5000]
)  # fmt: skip


@st.composite
def _hostile_feeds(draw: st.DrawFn) -> bytes:
    items = "".join(
        f"<item><title>{draw(_FEED_TEXT)}</title><link>{draw(_FEED_LINK)}</link>"
        f"<description>{draw(_FEED_TEXT)}</description><pubDate>{draw(_FEED_DATE)}</pubDate></item>"
        if draw(st.booleans())
        else f"<entry><title>{draw(_FEED_TEXT)}</title><link href='{draw(_FEED_LINK)}'/>"
        f"<summary>{draw(_FEED_TEXT)}</summary><updated>{draw(_FEED_DATE)}</updated></entry>"
        for _ in range(draw(st.integers(1, 3)))
    )
    encoding = draw(st.sampled_from(["utf-8", "iso-8859-1", "utf-16", "bogus"]))
    doc = f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>{items}</channel></rss>'
    body = doc.encode("utf-16" if encoding == "utf-16" else "utf-8", "replace")
    return body[: draw(st.integers(len(body) // 2, len(body)))] if draw(st.booleans()) else body


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_hostile_feeds())
def test_a_hostile_feed_is_articles_or_a_value_error_and_its_articles_store(body: bytes) -> None:
    from service.core.ratings import RatingsTable
    from service.coverage.engine import Engine
    from service.store.sqlite import SQLiteStore

    try:
        articles = parse_feed(body, "https://leftpaper.com/feed", "leftpaper.com")
    except ValueError:
        return  # pull reports it as this feed's error
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "s.sqlite3")
        try:
            result = Engine(store, RatingsTable([], [], "none"), restore=False).ingest(articles)
            assert result.added + result.rejected + result.duplicates == len(articles)
        finally:
            store.close()


@pytest.mark.backends("sqlite", "postgresql")
@pytest.mark.parametrize("where", ["not-utf8", "deep"])
def test_ingest_file_resumes_by_any_path_a_file_can_have(
    coverage_app: Flask, tmp_path: Path, where: str
) -> None:
    if where == "not-utf8":
        # A name with byte 0xFF: Python reads it with a lone surrogate no store can take.
        folder = tmp_path
        path = folder / os.fsdecode(b"articles-\xff.jsonl")
    else:
        # Past the ~2,700 bytes PostgreSQL's index on cursor names takes (names it cannot
        # compress below that).
        names = [
            "".join(hashlib.sha256(f"{i}-{j}".encode()).hexdigest() for j in range(3))[:190]
            for i in range(15)
        ]
        folder = tmp_path.joinpath(*names)
        path = folder / "articles.jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"id": "a", "title": "Harbor council"}) + "\n", encoding="utf-8")
    with coverage_app.app_context():
        first = CliRunner().invoke(ingest, ["--file", str(path)])
        again = CliRunner().invoke(ingest, ["--file", str(path)])
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert json.loads(first.output)["added"] == 1
    # The second run resumed after the last line (its cursor was stored): nothing read again.
    assert json.loads(again.output)["duplicates"] == 0
