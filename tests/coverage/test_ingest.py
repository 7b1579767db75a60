"""Feed ingestion from a local server (RSS, Atom, broken, huge, slow, 304) and file ingestion."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from service.coverage.engine import Engine
from service.ingest.feeds import FeedIngester, FeedSource, ingest_lines, parse_feed
from service.ingest.fetch import FetchPolicy
from service.ingest.jsonl import FileFormatError

FEEDS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def feed_bytes(name: str) -> bytes:
    return (FEEDS_DIR / name).read_bytes()


TEST_POLICY = FetchPolicy(
    max_redirects=5,
    max_bytes=1024 * 1024,
    timeout=1.0,
    content_types=None,
    public_only=False,
    truncate=False,
)


def serve_fixtures(server: Any) -> dict[str, FeedSource]:
    server.add("/rss.xml", body=feed_bytes("rss2.xml"), etag='"v1"')
    server.add("/atom.xml", body=feed_bytes("atom.xml"), content_type="application/atom+xml")
    server.add("/broken.xml", body=feed_bytes("broken.xml"))
    server.add("/huge.xml", stream_bytes=3 * 1024 * 1024)
    server.add("/slow.xml", drip_seconds=0.05)
    server.add("/html", body=b"<html><body>not a feed</body></html>", content_type="text/html")
    return {
        "rss": FeedSource("leftpaper.com", server.url("/rss.xml")),
        "atom": FeedSource("rightdaily.com", server.url("/atom.xml")),
        "broken": FeedSource("centerwire.com", server.url("/broken.xml")),
        "huge": FeedSource("centerwire.com", server.url("/huge.xml", "localhost")),
        "slow": FeedSource("rightradio.com", server.url("/slow.xml", "localhost")),
        "missing": FeedSource("righttimes.com", server.url("/missing.xml", "localhost")),
        "html": FeedSource("unratedblog.net", server.url("/html", "localhost")),
    }


def test_good_feeds_are_stored_and_bad_ones_skipped(engine: Engine, server: Any) -> None:
    feeds = serve_fixtures(server)
    run = FeedIngester(engine, policy=TEST_POLICY, politeness=0).run(list(feeds.values()))
    by_url = {o.url: o for o in run.outcomes}
    assert by_url[feeds["rss"].url].status == "ok" and by_url[feeds["rss"].url].entries == 2
    assert by_url[feeds["atom"].url].status == "ok" and by_url[feeds["atom"].url].entries == 2
    errors = {o.url: o.error or "" for o in run.errors}
    assert set(errors) == {feeds[k].url for k in ("broken", "huge", "slow", "missing", "html")}
    assert "malformed XML" in errors[feeds["broken"].url]
    assert "larger than" in errors[feeds["huge"].url]
    assert "longer than" in errors[feeds["slow"].url]
    assert "HTTP 404" in errors[feeds["missing"].url]
    assert engine.store.counts()["articles"] == 4
    # Tracking parameters are gone, and the two outlets' barrier stories are one story.
    left = engine.store.article_by_key("https://leftpaper.com/2025/03/harbor-flood-barrier")
    right = engine.store.article_by_key(
        "https://rightdaily.com/news/harbor-council-flood-barrier-vote"
    )
    assert left is not None and right is not None
    assert left.story_id == right.story_id
    assert left.outlet_id == "leftpaper.com" and left.side == "left"
    summary = engine.summary(left.story_id)  # type: ignore[arg-type]
    assert summary is not None
    assert summary["lean"]["outlets"] == {"left": 1, "center": 0, "right": 1, "unrated": 0}
    assert summary["first_reported_by"]["outlet"]["id"] == "leftpaper.com"
    assert json.dumps(run.to_json())


def test_conditional_get_uses_the_validators_and_skips_unchanged_feeds(
    engine: Engine, server: Any
) -> None:
    feeds = serve_fixtures(server)
    ingester = FeedIngester(engine, policy=TEST_POLICY, politeness=0)
    ingester.run([feeds["rss"], feeds["atom"]])
    state = engine.store.feed_state(feeds["rss"].url)
    assert state is not None and state.etag == '"v1"' and state.last_status == 200
    assert state.last_modified == "Tue, 04 Mar 2025 18:00:00 GMT"
    server.requests.clear()
    second = ingester.run([feeds["rss"], feeds["atom"]])
    rss_request = next(r for r in server.requests if r.path == "/rss.xml")
    assert rss_request.headers["if-none-match"] == '"v1"'
    assert rss_request.headers["if-modified-since"] == "Tue, 04 Mar 2025 18:00:00 GMT"
    statuses = {o.url: o.status for o in second.outcomes}
    assert statuses[feeds["rss"].url] == "not-modified"
    assert statuses[feeds["atom"].url] == "ok"
    assert second.added == 0
    assert engine.store.counts()["articles"] == 4


def test_a_failing_feed_keeps_its_validators_and_records_the_error(
    engine: Engine, server: Any
) -> None:
    feeds = serve_fixtures(server)
    ingester = FeedIngester(engine, policy=TEST_POLICY, politeness=0)
    ingester.run([feeds["rss"]])
    server.add("/rss.xml", body=feed_bytes("broken.xml"))
    ingester.run([feeds["rss"]])
    state = engine.store.feed_state(feeds["rss"].url)
    assert state is not None and state.etag == '"v1"'
    assert state.last_error and "malformed" in state.last_error


class RecordingStop(threading.Event):
    """A stop event that records the pauses asked of it instead of sleeping through them."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        return self.is_set()


def test_feeds_of_one_host_are_spaced_out_while_other_hosts_go_on(
    engine: Engine, server: Any
) -> None:
    feeds = serve_fixtures(server)
    ingester = FeedIngester(engine, policy=TEST_POLICY, politeness=1.0, workers=1)
    ingester.run([feeds["rss"], feeds["atom"], feeds["html"]])
    # rss and atom share 127.0.0.1: a second apart at least; "localhost" is another host, and
    # its feed does not wait for that second (one thread serves both hosts meanwhile).
    seen = {r.path: r for r in server.requests}
    assert seen["/atom.xml"].at - seen["/rss.xml"].at >= 1.0
    assert seen["/html"].at < seen["/atom.xml"].at
    assert len(server.requests) == 3


def test_a_stop_request_ends_the_pass(engine: Engine, server: Any) -> None:
    feeds = serve_fixtures(server)
    stop = RecordingStop()
    stop.set()
    run = FeedIngester(engine, policy=TEST_POLICY, stop=stop).run([feeds["rss"]])
    assert run.outcomes == [] and server.requests == []


def test_parse_feed_reads_rss_and_atom() -> None:
    rss = parse_feed(feed_bytes("rss2.xml"), "https://leftpaper.com/feed", "leftpaper.com")
    assert [a.title for a in rss] == [
        "Harbor city council approves flood barrier after decade of delays",
        "State orchestra cancels spring tour over funding gap",
    ]
    assert "<b>" not in rss[0].text and "$40 million" in rss[0].text
    assert rss[0].published == 1741096800.0
    atom = parse_feed(feed_bytes("atom.xml"), "https://rightdaily.com/feed", "rightdaily.com")
    assert atom[1].text.startswith("Highway crews reopened")
    assert atom[1].published == 1741075200.0  # no <published>: <updated> stands in
    with pytest.raises(ValueError):
        parse_feed(b"<html><body>hi</body></html>", "https://x.example/", None)
    with pytest.raises(ValueError):
        parse_feed(b"", "https://x.example/", None)


def lines(n: int, start: int = 0) -> list[str]:
    topics = ["harbor flood barrier vote", "orchestra tour cancelled", "mountain pass avalanche"]
    return [
        json.dumps(
            {
                "id": f"a{i}",
                "title": f"Article {i} about the {topics[i % 3]}",
                "text": f"Report number {i} on the {topics[i % 3]} in the state.",
                "outlet": "Left Paper" if i % 2 else "rightdaily.com",
                "published": f"2025-03-04T{10 + i % 10:02d}:00:00Z",
            }
        )
        for i in range(start, start + n)
    ]


def test_file_ingest_resumes_from_its_cursor(engine: Engine) -> None:
    data = lines(10)
    first = ingest_lines(engine, data[:4], cursor_name="file:x", batch_size=3)
    assert first.added == 4 and engine.store.cursor("file:x") == "4"
    second = ingest_lines(engine, data, cursor_name="file:x", batch_size=3)
    assert second.added == 6 and second.duplicates == 0
    assert engine.store.counts()["articles"] == 10
    outlets = {engine.store.article_by_key(f"id:a{i}").outlet_id for i in range(2)}  # type: ignore[union-attr]
    assert outlets == {"rightdaily.com", "leftpaper.com"}  # a name and an id both resolve


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ('{"id": "x"}', "line 2: 'title' must be a non-empty string"),
        ('{"title": "t"}', "line 2: give the article an 'id' or a 'url'"),
        ('{"id": "x", "title": "t", "published": "soon"}', "line 2: published 'soon' is not"),
        ('{"id": "x", "title": "t", "text": 5}', "line 2: 'text' must be a string"),
    ],
)
def test_bad_file_lines_name_the_line_and_the_fix(engine: Engine, line: str, message: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        ingest_lines(engine, [lines(1)[0], line])
    assert str(caught.value).startswith(message)


@pytest.mark.backends("sqlite", "postgresql")
def test_a_failing_feed_backs_off_longer_each_time_and_a_success_resets_it(
    engine: Engine, server: Any
) -> None:
    import dataclasses
    import random
    import time

    server.add("/flaky.xml", status=500, body=b"down")
    feed = FeedSource("leftpaper.com", server.url("/flaky.xml"))
    ingester = FeedIngester(
        engine, policy=TEST_POLICY, politeness=0, retry_base=100.0, rng=random.Random(1)
    )
    store = engine.store

    def due_now() -> None:  # as if the wait were over
        state = store.feed_state(feed.url)
        assert state is not None
        store.save_feed_states([dataclasses.replace(state, next_attempt=time.time() - 1)])

    before = time.time()
    ingester.run([feed])
    state = store.feed_state(feed.url)
    assert state is not None and state.failures == 1 and state.last_status == 500
    assert state.next_attempt is not None
    assert before + 75 <= state.next_attempt <= time.time() + 100  # one interval, jittered

    # Within the wait the feed is not asked at all.
    requests = len(server.requests)
    run = ingester.run([feed])
    assert [o.status for o in run.outcomes] == ["backing-off"]
    assert len(server.requests) == requests
    assert "1 failing feeds backing off" in run.summary_line()

    due_now()
    before = time.time()
    ingester.run([feed])
    state = store.feed_state(feed.url)
    assert state is not None and state.failures == 2
    assert state.next_attempt is not None
    assert before + 150 <= state.next_attempt <= time.time() + 200  # doubled

    due_now()
    server.add("/flaky.xml", body=feed_bytes("rss2.xml"))
    run = ingester.run([feed])
    assert [o.status for o in run.outcomes] == ["ok"]
    state = store.feed_state(feed.url)
    assert state is not None and state.failures == 0 and state.next_attempt is None
    assert state.last_error is None


def test_a_gone_feed_backs_off_harder_than_a_failing_one_and_both_are_capped() -> None:
    import random

    from service.ingest.feeds import BACKOFF_CAP, GONE_BACKOFF_CAP, retry_delay

    rng = random.Random(2)
    for failures in range(1, 8):
        gone = [retry_delay(failures, 404, 900, rng) for _ in range(20)]
        also_gone = [retry_delay(failures, 410, 900, rng) for _ in range(20)]
        failing = [
            retry_delay(failures, status, 900, rng) for status in (500, None) for _ in range(10)
        ]
        assert min(gone) > max(failing) or min(gone) >= 0.75 * GONE_BACKOFF_CAP
        assert min(also_gone) > max(failing) or min(also_gone) >= 0.75 * GONE_BACKOFF_CAP
    # Jittered: feeds that failed together are not retried together.
    assert len({round(retry_delay(1, 500, 900, rng), 3) for _ in range(10)}) > 1
    assert max(retry_delay(60, 500, 900, rng) for _ in range(50)) <= BACKOFF_CAP
    assert max(retry_delay(60, 404, 900, rng) for _ in range(50)) <= GONE_BACKOFF_CAP
    assert min(retry_delay(60, 404, 900, rng) for _ in range(50)) > BACKOFF_CAP


@pytest.mark.backends("sqlite", "postgresql")
def test_a_missing_feed_waits_longer_than_a_broken_one(engine: Engine, server: Any) -> None:
    import time

    feeds = serve_fixtures(server)
    ingester = FeedIngester(engine, policy=TEST_POLICY, politeness=0, retry_base=100.0)
    now = time.time()
    ingester.run([feeds["missing"], feeds["broken"]])
    missing = engine.store.feed_state(feeds["missing"].url)
    broken = engine.store.feed_state(feeds["broken"].url)
    assert missing is not None and missing.last_status == 404 and missing.next_attempt
    assert broken is not None and broken.next_attempt
    assert missing.next_attempt - now >= 300 > 100 >= broken.next_attempt - now


@pytest.mark.backends("sqlite", "postgresql")
def test_feeds_of_many_threads_commit_in_groups_with_every_article_once(engine: Engine) -> None:
    """Eight threads, sixteen feeds on hosts of their own: fewer commits than feeds, every
    article stored once, each feed's state committed with its articles."""
    import time

    from service.ingest.fetch import FetchResult

    words = ["orchard", "glacier", "violin", "lantern", "falcon", "quarry", "meadow", "compass"]

    def fetcher(url: str, policy: Any, headers: Any = None) -> FetchResult:
        n = int(url.split("//h", 1)[1].split(".", 1)[0])
        items = "".join(
            f"<item><title>Museum buys {words[n % 8]} {words[(n // 8 + k) % 8]} lot {n * 31 + k}"
            f"</title><link>https://leftpaper.com/g{n}/{k}</link>"
            f"<description>Lot {n * 7919 + k} of {words[k]} pieces.</description></item>"
            for k in range(2)
        )
        own = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
        time.sleep(0.01)
        return FetchResult(url=url, status=200, headers={"etag": f'"{n}"'}, body=own)

    feeds = [FeedSource("leftpaper.com", f"https://h{n}.example/feed") for n in range(16)]
    grouped = FeedIngester(engine, politeness=0, workers=8, fetcher=fetcher)
    plain_ingest = grouped.commits._ingest

    def slow_ingest(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.1)  # a commit that takes a while, as under the shared lock
        return plain_ingest(*args, **kwargs)

    grouped.commits._ingest = slow_ingest
    run = grouped.run(feeds)
    stored = engine.store.counts()["articles"]
    assert stored == 16 * 2 and run.added == stored
    assert grouped.commits.commits < 16
    keys = [a.key for a in engine.store.articles_since(0)]
    assert len(keys) == len(set(keys))
    states = {s.url: s for s in engine.store.feed_states()}
    assert all(states[f.url].entries == 2 and states[f.url].etag for f in feeds)


def test_a_failed_group_commit_fails_every_feed_in_it() -> None:
    import threading as th

    from service.ingest.feeds import GroupCommit
    from service.store.base import FeedState

    calls: list[int] = []
    gate = th.Event()

    def ingest(articles: list[Any], feed_states: Any = ()) -> Any:
        calls.append(len(feed_states))
        gate.wait(5)
        raise RuntimeError("database went away")

    group = GroupCommit(ingest)
    errors: list[str] = []

    def submit(n: int) -> None:
        try:
            group.commit([object()], FeedState(url=f"u{n}"))  # type: ignore[list-item]
        except RuntimeError as exc:
            errors.append(str(exc))

    threads = [th.Thread(target=submit, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert errors == ["database went away"] * 5
    assert sum(calls) == 5 and len(calls) < 5  # the waiting four went in one commit


def test_a_failed_commit_reports_its_feeds_failed_and_keeps_their_old_validators(
    engine: Engine,
) -> None:
    from service.ingest.fetch import FetchResult
    from service.store.base import FeedState

    item = (
        "<item><title>Harbor council approves flood barrier {n}</title>"
        "<link>https://leftpaper.com/b/{n}</link></item>"
    )

    def fetcher(url: str, policy: Any, headers: Any = None) -> FetchResult:
        n = url.rsplit("/", 1)[-1]
        body = f'<rss version="2.0"><channel>{item.format(n=n)}</channel></rss>'
        return FetchResult(url=url, status=200, headers={"etag": '"new"'}, body=body.encode())

    feeds = [FeedSource("leftpaper.com", f"https://h{n}.example/{n}") for n in range(3)]
    engine.store.save_feed_states([FeedState(url=f.url, etag='"old"') for f in feeds])
    ingester = FeedIngester(engine, politeness=0, workers=3, fetcher=fetcher)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    ingester.commits._ingest = broken
    run = ingester.run(feeds)
    assert [o.code for o in run.outcomes] == ["store"] * 3
    assert all("the database went away" in (o.error or "") for o in run.outcomes)
    assert run.added == 0 and engine.store.counts()["articles"] == 0
    assert {s.etag for s in engine.store.feed_states()} == {'"old"'}  # fetched again next time


@pytest.mark.backends("sqlite", "postgresql")
def test_group_commits_make_the_stories_of_one_commit_per_feed(
    engine: Engine, tmp_path: Path
) -> None:
    """Eight threads committing in groups, against one engine ingesting feed after feed in the
    order the groups were committed: the same articles in the same stories."""
    from service.ingest.fetch import FetchResult
    from service.store.sqlite import SQLiteStore

    events = [
        ("Harbor council approves Eastside flood barrier", "a $40 million seawall for Eastside"),
        ("Volcano observatory raises alert on Mount Kestrel", "a seismic swarm under the crater"),
        ("Transit workers announce citywide bus strike", "drivers walk out over pensions"),
    ]
    outlets = ["leftpaper.com", "rightdaily.com", "centerwire.com", "righttimes.com"]

    def rss(n: int) -> bytes:
        items = "".join(
            f"<item><title>{title}</title><link>https://{outlets[n % 4]}/f{n}/e{k}</link>"
            f"<description>Desk {n}: {text}.</description></item>"
            for k, (title, text) in enumerate(events)
        )
        return f'<rss version="2.0"><channel>{items}</channel></rss>'.encode()

    def fetcher(url: str, policy: Any, headers: Any = None) -> FetchResult:
        time.sleep(0.01)
        return FetchResult(url=url, status=200, body=rss(int(url.rsplit("/", 1)[-1])))

    feeds = [FeedSource(outlets[n % 4], f"https://h{n}.example/{n}") for n in range(16)]
    ingester = FeedIngester(engine, politeness=0, workers=8, fetcher=fetcher)
    committed: list[str] = []
    plain = ingester.commits._ingest

    def ingest(*args: Any, **kwargs: Any) -> Any:
        committed.extend(s.url for s in kwargs["feed_states"])
        time.sleep(0.05)  # long enough for several feeds to queue behind it
        return plain(*args, **kwargs)

    ingester.commits._ingest = ingest
    ingester.run(feeds)
    assert ingester.commits.commits < len(feeds)
    serial_store = SQLiteStore(tmp_path / "serial.sqlite3")
    serial = Engine(serial_store, engine.ratings)
    for url in committed:
        n = int(url.rsplit("/", 1)[-1])
        serial.ingest(parse_feed(rss(n), url, outlets[n % 4]))

    def groups(store: Any) -> set[frozenset[str]]:
        found: dict[str, set[str]] = {}
        for a in store.articles_since(0):
            found.setdefault(store.resolve_story(a.story_id or "") or "", set()).add(a.key)
        return {frozenset(keys) for keys in found.values()}

    assert engine.store.counts()["articles"] == serial_store.counts()["articles"] == 16 * 3
    assert groups(engine.store) == groups(serial_store)
    serial_store.close()


def test_a_feed_that_breaks_the_parser_or_the_fetch_is_one_failed_feed_not_a_failed_pass(
    engine: Engine, server: Any
) -> None:
    item = "<item><title>Harbor {} vote</title><link>https://leftpaper.com/{}</link></item>"
    rss = '<rss version="2.0"><channel><title>t</title>{}</channel></rss>'
    server.add("/rss.xml", body=feed_bytes("rss2.xml"))
    # A character reference past any code point: feedparser's chr() raised OverflowError.
    server.add("/overflow.xml", body=rss.format(item.format("&#99999999999;", "a")).encode())
    server.add("/surrogate.xml", body=rss.format(item.format("&#xD800;", "b")).encode())
    # Content-Length "²" (latin-1 0xB2): a digit to str.isdigit, not to int().
    server.add("/length.xml", body=feed_bytes("rss2.xml"), headers={"Content-Length": "\xb2"})
    # A redirect to an address urlsplit refuses: ValueError escaped fetch().
    server.redirect("/moved.xml", "http://[::1/feed.xml")
    feeds = [
        FeedSource("leftpaper.com", server.url("/rss.xml")),
        FeedSource("rightdaily.com", server.url("/overflow.xml", "localhost")),
        FeedSource("centerwire.com", server.url("/surrogate.xml", "localhost")),
        FeedSource("rightradio.com", server.url("/length.xml", "localhost")),
        FeedSource("righttimes.com", server.url("/moved.xml", "localhost")),
    ]
    run = FeedIngester(engine, policy=TEST_POLICY, politeness=0).run(feeds)
    by_url = {o.url: o for o in run.outcomes}
    assert by_url[feeds[0].url].status == "ok" and by_url[feeds[0].url].entries == 2
    outcome = by_url[feeds[1].url]
    assert outcome.status == "error" and outcome.code == "parse", outcome
    assert "unreadable feed" in (outcome.error or "")
    # A lone surrogate's reference (feedparser's UnicodeEncodeError) is read as U+FFFD since
    # session 11 (test_hardening_s11.py): the feed's item is kept.
    assert by_url[feeds[2].url].status == "ok" and by_url[feeds[2].url].entries == 1
    # A Content-Length that is no number is no limit: the body is read (and bounded) as is.
    assert by_url[feeds[3].url].status == "ok", by_url[feeds[3].url]
    assert by_url[feeds[4].url].code == "bad_redirect", by_url[feeds[4].url]
    states = engine.store.feed_states_of([f.url for f in feeds])
    assert states[feeds[1].url].last_error and not states[feeds[2].url].last_error


def test_a_feed_servers_control_characters_never_reach_the_feeds_listing(engine: Engine) -> None:
    from service.ingest.feeds import feed_statuses
    from tests.coverage.test_fetch import TrickleServer

    # A status line that clears the screen and retitles the terminal: http.client's
    # BadStatusLine carries it into the feed's stored error, shown by `parallax feeds`.
    server = TrickleServer([b"\x1b[2J\x1b]0;pwned\x07HTTP/9 200\r\n\r\n"], pause=0.0)
    try:
        feed = FeedSource("leftpaper.com", f"http://127.0.0.1:{server.port}/feed.xml")
        run = FeedIngester(engine, policy=TEST_POLICY, politeness=0).run([feed])
    finally:
        server.close()
    assert len(run.errors) == 1
    state = engine.store.feed_states_of([feed.url])[feed.url]
    assert state.last_error is not None
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in state.last_error
    status = feed_statuses([feed], engine.store.feed_states())[0]
    for shown in (state.last_error, status.status_text, status.error or ""):
        assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in shown), repr(shown)


def test_a_giant_etag_is_not_kept_to_be_sent_back_with_every_later_request(
    engine: Engine, server: Any
) -> None:
    giant = '"' + "e" * 10_000 + '"'
    server.add("/rss.xml", body=feed_bytes("rss2.xml"), etag=giant)
    feed = FeedSource("leftpaper.com", server.url("/rss.xml"))
    ingester = FeedIngester(engine, policy=TEST_POLICY, politeness=0)
    assert ingester.run([feed]).added == 2
    state = engine.store.feed_states_of([feed.url])[feed.url]
    assert state.etag is None and state.last_modified  # the short validator is kept
    ingester.run([feed])
    assert "if-none-match" not in server.requests[-1].headers
    assert server.requests[-1].headers["if-modified-since"] == state.last_modified
