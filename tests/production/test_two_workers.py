"""Two ingest workers on one PostgreSQL store and one feed list: no feed pulled twice,
no article stored twice, one story per event."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from service.core.ratings import RatingsTable
from service.coverage.engine import Engine, RawArticle
from service.ingest.feeds import FeedIngester, FeedSource
from service.ingest.fetch import FetchPolicy
from service.ingest.shared import SharedFeedIngester, feed_ingester
from service.store.postgres import PostgresStore
from service.store.sqlite import SQLiteStore
from tests.support.desks import DESK_EVENTS as EVENTS
from tests.support.desks import DESK_OUTLETS as OUTLETS

FEEDS = 24
# The feeds of this test live on 127.0.0.1, which the default feed policy may refuse.
LOOPBACK_FEEDS = FetchPolicy(content_types=None, public_only=False, truncate=False, timeout=15.0)
T0 = 1_741_000_000
NOUNS = ["orchard", "glacier", "violin", "lantern", "falcon", "quarry", "meadow", "compass"]


def rss(feed: int) -> bytes:
    """A feed of one outlet: its take on each of three shared events, plus one story of its own."""
    outlet = OUTLETS[feed % len(OUTLETS)]
    items = []
    for number, (title, text) in enumerate(EVENTS):
        stamp = formatdate(T0 + feed * 60 + number, usegmt=True)
        items.append(
            f"<item><title>{title}</title><link>https://{outlet}/f{feed}/e{number}</link>"
            f"<description>Desk {feed} reports: {text}</description><pubDate>{stamp}</pubDate></item>"
        )
    a, b = NOUNS[feed % 8], NOUNS[(feed // 8 + 3) % 8]
    items.append(
        f"<item><title>Museum acquires {a} {b} collection number {feed}</title>"
        f"<link>https://{outlet}/f{feed}/own</link>"
        f"<description>Curators catalogued the {a} and {b} pieces, lot {feed * 7919}.</description>"
        f"<pubDate>{formatdate(T0 + feed * 60 + 9, usegmt=True)}</pubDate></item>"
    )
    body = "".join(items)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>f{feed}</title>{body}'
        "</channel></rss>"
    ).encode()


class FeedServer:
    """Serves /feed/<n> on 127.0.0.1 slowly enough that two workers overlap; counts requests."""

    def __init__(self, delay: float) -> None:
        self.hits: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                with lock:
                    server.hits[self.path] += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                time.sleep(delay)
                with lock:
                    server.in_flight -= 1
                body = rss(int(self.path.rsplit("/", 1)[-1]))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def feeds(self) -> list[FeedSource]:
        port = self.httpd.server_address[1]
        return [
            FeedSource(OUTLETS[n % len(OUTLETS)], f"http://127.0.0.1:{port}/feed/{n}")
            for n in range(FEEDS)
        ]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer(delay=0.05)
    yield server
    server.close()


def day_after() -> float:
    """The workers' clock: the day after the feeds' articles were published."""
    return float(T0 + 86400)


def two_workers(
    pg_url: str, table: RatingsTable, *, politeness: float = 0.0, **options: Any
) -> tuple[list[PostgresStore], list[SharedFeedIngester]]:
    """Two workers as on two hosts: their own connections, engines and in-memory clusterers."""
    stores = [PostgresStore(pg_url), PostgresStore(pg_url)]
    ingesters = [
        SharedFeedIngester(
            Engine(s, table, clock=day_after),
            owner=f"worker-{i}",
            politeness=politeness,
            min_interval=3600,
            policy=LOOPBACK_FEEDS,
            **options,
        )
        for i, s in enumerate(stores)
    ]
    return stores, ingesters


def run_together(ingesters: list[SharedFeedIngester], feeds: list[FeedSource]) -> list[Any]:
    """Each ingester's pass over `feeds` in a thread of its own, all let go at once; their runs."""
    start = threading.Barrier(len(ingesters))
    runs: list[Any] = [None] * len(ingesters)

    def work(index: int) -> None:
        start.wait()
        runs[index] = ingesters[index].run(feeds)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(ingesters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return runs


def test_two_workers_share_one_feed_list_without_duplicate_work(
    pg_url: str, table: RatingsTable, feed_server: FeedServer
) -> None:
    feeds = feed_server.feeds()
    stores, ingesters = two_workers(pg_url, table)
    runs = run_together(ingesters, feeds)

    # Every feed was fetched exactly once, and both workers did a share of it.
    assert sorted(feed_server.hits) == sorted(f"/feed/{n}" for n in range(FEEDS))
    assert set(feed_server.hits.values()) == {1}
    pulled = [set(i.pulled) for i in ingesters]
    assert not pulled[0] & pulled[1]
    assert len(pulled[0] | pulled[1]) == FEEDS
    assert all(pulled), f"one worker did everything: {[len(p) for p in pulled]}"
    assert sum(r.added for r in runs) == FEEDS * 4

    store = stores[0]
    assert store.counts()["articles"] == FEEDS * 4
    stored = list(store.articles_since(0))
    keys = [a.key for a in stored]
    assert len(keys) == len(set(keys)) == FEEDS * 4
    # Each shared event is one story across both workers' articles; story ids never collide.
    event_stories: set[str | None] = set()
    for number in range(len(EVENTS)):
        stories = {a.story_id or "" for a in stored if a.key.endswith(f"/e{number}")}
        survivors = {store.resolve_story(s) for s in stories}
        assert len(survivors) == 1, (number, stories)
        event_stories.add(survivors.pop())
    assert len(event_stories) == len(EVENTS)  # and three events stay three stories
    listed = store.stories(limit=10_000)
    assert sum(r.article_count for r in listed) == FEEDS * 4
    assert {a.story_id for a in stored} <= {r.id for r in listed}  # no article in a lost story

    # A second pass within min_interval pulls nothing: the feeds were just done.
    again = ingesters[1].run(feeds)
    assert again.added == 0 and sum(feed_server.hits.values()) == FEEDS
    for s in stores:
        s.close()


def test_with_politeness_one_worker_holds_a_host_so_it_never_gets_two_requests_at_once(
    pg_url: str, table: RatingsTable, feed_server: FeedServer
) -> None:
    feeds = feed_server.feeds()[:4]  # one host (127.0.0.1)
    stores, ingesters = two_workers(pg_url, table, politeness=0.05)
    run_together(ingesters, feeds)
    assert set(feed_server.hits.values()) == {1} and len(feed_server.hits) == 4
    assert feed_server.max_in_flight == 1
    assert sorted(len(i.pulled) for i in ingesters) == [0, 4]  # the host's holder pulled all
    for s in stores:
        s.close()


def test_a_dead_workers_claim_expires(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    # A lease long enough that a loaded machine still asks again inside it (0.2 s was flaky).
    lease = 3.0
    claimed_at = time.monotonic()
    assert store.claim_feed("https://a.example/feed", "dead", lease=lease, min_interval=0)
    assert not store.claim_feed("https://a.example/feed", "alive", lease=60, min_interval=0)
    time.sleep(max(0.0, lease + 0.3 - (time.monotonic() - claimed_at)))
    assert store.claim_feed("https://a.example/feed", "alive", lease=60, min_interval=0)
    store.release_feed("https://a.example/feed", "alive", done=True)
    assert not store.claim_feed("https://a.example/feed", "other", lease=60, min_interval=3600)
    store.close()


def test_each_store_gets_its_ingester(tmp_path: Any, pg_url: str, table: RatingsTable) -> None:
    store = SQLiteStore(tmp_path / "one.sqlite3")
    ingester = feed_ingester(Engine(store, table), interval=900, politeness=0)
    assert type(ingester) is FeedIngester
    store.close()
    shared_store = PostgresStore(pg_url)
    shared = feed_ingester(Engine(shared_store, table), interval=900, politeness=0)
    assert isinstance(shared, SharedFeedIngester) and shared.min_interval == 720
    shared_store.close()


WORKER_SCRIPT = """
import json, sys
from service.ingest.shared import SharedFeedIngester
from service.coverage.engine import Engine
from service.ingest.fetch import FetchPolicy
from service.ingest.feeds import FeedSource
from service.store.postgres import PostgresStore
from service.core.ratings import load_table

url, ratings, feeds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
store = PostgresStore(url)
engine = Engine(store, load_table(__import__("pathlib").Path(ratings)), clock=lambda: %r)
policy = FetchPolicy(content_types=None, public_only=False, truncate=False, timeout=15.0)
ingester = SharedFeedIngester(engine, politeness=0, min_interval=3600, policy=policy)
run = ingester.run([FeedSource(o, u) for o, u in feeds])
print(json.dumps({"pulled": ingester.pulled, "added": run.added}))
store.close()
"""


def test_two_worker_processes_split_the_feeds(
    pg_url: str, tmp_path: Any, feed_server: FeedServer
) -> None:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from .conftest import write_ratings

    root = Path(__file__).resolve().parents[2]
    ratings = write_ratings(tmp_path / "ratings")
    feeds = json.dumps([[f.outlet_id, f.url] for f in feed_server.feeds()])
    script = WORKER_SCRIPT % float(T0 + 86400)
    env = {**os.environ, "PYTHONPATH": str(root)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, pg_url, str(ratings), feeds],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    pulled = [set(r["pulled"]) for r in results]
    print("feeds pulled by each worker process:", [len(p) for p in pulled])
    assert not pulled[0] & pulled[1]
    assert len(pulled[0] | pulled[1]) == FEEDS
    assert set(feed_server.hits.values()) == {1} and len(feed_server.hits) == FEEDS
    assert sum(r["added"] for r in results) == FEEDS * 4
    store = PostgresStore(pg_url)
    assert store.counts()["articles"] == FEEDS * 4
    for number in range(len(EVENTS)):
        stories = {
            store.resolve_story(a.story_id or "")
            for a in store.articles_since(0)
            if a.key.endswith(f"/e{number}")
        }
        assert len(stories) == 1, (number, stories)
    store.close()


def test_an_api_host_storing_articles_beside_a_worker_keeps_stories_whole(
    pg_url: str, table: RatingsTable
) -> None:
    from service.coverage.engine import RawArticle
    from service.ingest.shared import shared_ingest

    clock = lambda: float(T0 + 86400)  # noqa: E731
    stores = [PostgresStore(pg_url), PostgresStore(pg_url)]
    web, worker = (Engine(s, table, clock=clock) for s in stores)

    def article(outlet: str, event: int, n: int) -> RawArticle:
        title, text = EVENTS[event]
        return RawArticle(
            title=title,
            text=f"Desk {n} reports: {text}",
            url=f"https://{outlet}/{event}-{n}",
            published=T0 + n,
        )

    # Interleaved, as a POST /v1/articles and a feed pass would be.
    shared_ingest(web, [article("leftpaper.com", 0, 1)])
    shared_ingest(worker, [article("rightdaily.com", 1, 2)])
    shared_ingest(web, [article("centerwire.com", 1, 3)])
    shared_ingest(worker, [article("righttimes.com", 0, 4)])
    shared_ingest(web, [article("rightdaily.com", 2, 5)])
    store = stores[0]
    story_of = {a.key: store.resolve_story(a.story_id or "") for a in store.articles_since(0)}
    by_event: dict[str, set[str | None]] = {}
    for key, story in story_of.items():
        by_event.setdefault(key.rsplit("/", 1)[1].split("-")[0], set()).add(story)
    assert {e: len(s) for e, s in by_event.items()} == {"0": 1, "1": 1, "2": 1}
    assert len({next(iter(s)) for s in by_event.values()}) == 3
    for s in stores:
        s.close()


def test_304s_and_failures_write_their_state_outside_the_ingest_lock(
    pg_url: str, table: RatingsTable
) -> None:
    from service.ingest.fetch import FetchError, FetchResult
    from service.store.base import FeedState

    store = PostgresStore(pg_url)
    turns: list[str] = []
    real_exclusive = store.exclusive

    def counting(name: str, wait: float = 300.0, **options: Any) -> Any:
        turns.append(name)
        return real_exclusive(name, wait, **options)

    store.exclusive = counting  # type: ignore[method-assign]

    def fetcher(url: str, policy: Any, headers: Any = None) -> FetchResult:
        if "gone" in url:
            raise FetchError("http_status", f"{url} answered HTTP 404", status=404)
        assert headers.get("If-None-Match") == '"v1"'
        return FetchResult(url=url, status=304, headers={"etag": '"v1"'})

    feeds = [FeedSource("leftpaper.com", f"https://h{n}.example/feed") for n in range(6)]
    feeds.append(FeedSource("leftpaper.com", "https://gone.example/feed"))
    store.save_feed_states([FeedState(url=f.url, etag='"v1"') for f in feeds])
    ingester = SharedFeedIngester(
        Engine(store, table), politeness=0, fetcher=fetcher, retry_base=900.0, workers=4
    )
    run = ingester.run(feeds)
    assert sorted(o.status for o in run.outcomes) == ["error"] + ["not-modified"] * 6
    assert turns == []  # no feed took the cluster-wide ingest lock
    states = {s.url: s for s in store.feed_states()}
    assert all(states[f.url].last_status == 304 for f in feeds[:6])
    gone = states["https://gone.example/feed"]
    assert gone.last_status == 404 and gone.failures == 1 and gone.next_attempt
    # The failing feed backs off for every worker: another one does not fetch it either.
    other = SharedFeedIngester(
        Engine(PostgresStore(pg_url), table), politeness=0, fetcher=fetcher, retry_base=900.0
    )
    assert [o.status for o in other.run(feeds[6:]).outcomes] == ["backing-off"]
    other.engine.store.close()
    store.close()


def _story_groups(store: Any) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for article in store.articles_since(0):
        groups.setdefault(store.resolve_story(article.story_id or "") or "", set()).add(article.key)
    return {frozenset(keys) for keys in groups.values()}


def test_group_commits_of_two_workers_make_the_stories_of_a_serial_ingest(
    pg_url: str, table: RatingsTable, feed_server: FeedServer, tmp_path: Any
) -> None:
    """Two workers of eight threads each, their feeds' articles committed several feeds at a
    time, against one engine ingesting feed after feed in the order the commits took their
    turns (clustering is online, so order is what may differ): the same stories."""
    from service.ingest.feeds import parse_feed

    feeds = feed_server.feeds()
    stores, ingesters = two_workers(pg_url, table, workers=8)
    committed: list[str] = []  # feed URLs in the order their commits held the ingest lock
    for ingester in ingesters:
        engine: Any = ingester.engine.engine  # type: ignore[attr-defined]  # the lock's inside
        plain = engine.ingest

        def ingest(*args: Any, _plain: Any = plain, **kwargs: Any) -> Any:
            committed.extend(state.url for state in kwargs.get("feed_states", ()))
            return _plain(*args, **kwargs)

        engine.ingest = ingest
    run_together(ingesters, feeds)
    commits = sum(i.commits.commits for i in ingesters)
    print("commits for", FEEDS, "feeds:", commits)
    assert sorted(committed) == sorted(f.url for f in feeds)

    serial_store = SQLiteStore(tmp_path / "serial.sqlite3")
    serial = Engine(serial_store, table, clock=day_after)
    number = {f.url: n for n, f in enumerate(feeds)}
    for url in committed:
        feed = feeds[number[url]]
        serial.ingest(parse_feed(rss(number[url]), feed.url, feed.outlet_id))
    assert stores[0].counts()["articles"] == serial_store.counts()["articles"] == FEEDS * 4
    assert _story_groups(stores[0]) == _story_groups(serial_store)
    for s in [*stores, serial_store]:
        s.close()


def test_a_worker_waiting_for_the_ingest_lock_catches_up_meanwhile(
    pg_url: str, table: RatingsTable
) -> None:
    """While one worker holds the ingest lock, another waiting for it reads what was committed
    (exclusive's `between`), so its own turn starts with little left to cluster."""
    from service.ingest.shared import serialised
    from service.store import postgres

    holder, waiter = PostgresStore(pg_url), PostgresStore(pg_url)
    first, second = Engine(holder, table), Engine(waiter, table)
    waiting = serialised(second)
    caught_up: list[int] = []
    plain = waiting.catch_up

    def counting() -> int:
        caught_up.append(plain())
        return caught_up[-1]

    waiting.catch_up = counting  # type: ignore[method-assign]
    taken = threading.Event()
    with holder.exclusive("ingest"):
        first.ingest(
            [
                RawArticle(title=title, text=text, url=f"https://leftpaper.com/e{n}", published=T0)
                for n, (title, text) in enumerate(EVENTS)
            ]
        )

        def take() -> None:
            with waiting.turn():
                taken.set()

        thread = threading.Thread(target=take)
        thread.start()
        time.sleep(4 * postgres.WAIT_SLICE)
        assert not taken.is_set()  # the lock is still held
    thread.join(timeout=30)
    assert taken.is_set()
    # The holder's articles were read while waiting, not inside the turn.
    assert sum(caught_up) == len(EVENTS)
    holder.close()
    waiter.close()


class NotModified:
    """A fetcher for feeds on many invented hosts: every feed answers 304; records each
    request's time and the most requests one host had in flight at once."""

    def __init__(self, delay: float = 0.002) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.flying: Counter[str] = Counter()
        self.max_flying = 0

    def __call__(self, url: str, policy: Any, headers: Any = None) -> Any:
        from service.ingest.fetch import FetchResult

        host = url.split("/")[2]
        with self.lock:
            self.times.setdefault(url, []).append(time.monotonic())
            self.flying[host] += 1
            self.max_flying = max(self.max_flying, self.flying[host])
        time.sleep(self.delay)
        with self.lock:
            self.flying[host] -= 1
        return FetchResult(url=url, status=304, headers={"etag": '"v1"'})


def host_feeds(hosts: int, per_host: int) -> list[FeedSource]:
    return [
        FeedSource("leftpaper.com", f"https://h{h}.example/feed/{n}")
        for h in range(hosts)
        for n in range(per_host)
    ]


def test_hosts_are_claimed_in_batches_and_fetching_threads_open_no_connection(
    pg_url: str, table: RatingsTable
) -> None:
    from service.store.base import FeedState

    feeds = host_feeds(40, 3)
    fetcher = NotModified()
    stores = [PostgresStore(pg_url), PostgresStore(pg_url)]
    stores[0].save_feed_states([FeedState(url=f.url, etag='"v1"') for f in feeds])
    connects = [0, 0]
    claims = [0, 0]
    for i, store in enumerate(stores):
        real_connect, real_claim = store._connect, store.claim_feeds

        def connect(_i: int = i, _real: Any = real_connect) -> Any:
            connects[_i] += 1
            return _real()

        def claim(*args: Any, _i: int = i, _real: Any = real_claim, **kwargs: Any) -> Any:
            claims[_i] += 1
            return _real(*args, **kwargs)

        store._connect = connect  # type: ignore[method-assign]
        store.claim_feeds = claim  # type: ignore[method-assign]
    ingesters = [
        SharedFeedIngester(
            Engine(s, table, clock=day_after),
            owner=f"worker-{i}",
            politeness=0.01,
            min_interval=3600,
            fetcher=fetcher,
            workers=8,
        )
        for i, s in enumerate(stores)
    ]
    runs = run_together(ingesters, feeds)
    # Every feed once, no host asked twice at a time, every 304's state written.
    assert sorted(fetcher.times) == sorted(f.url for f in feeds)
    assert {len(t) for t in fetcher.times.values()} == {1}
    assert fetcher.max_flying == 1
    assert sum(1 for r in runs for o in r.outcomes if o.status == "not-modified") == len(feeds)
    states = {s.url: s for s in stores[0].feed_states()}
    assert all(states[f.url].last_status == 304 for f in feeds)
    # Eight fetching threads each, yet one connection per worker for claims and states (the
    # committer had nothing to store); 40 hosts in a few batched claims, not one per host.
    assert connects == [1, 1], connects
    assert sum(claims) <= 8, claims
    for s in stores:
        s.close()


def test_a_host_finished_elsewhere_moments_ago_waits_its_turn_in_the_pass(
    pg_url: str, table: RatingsTable
) -> None:
    feeds = host_feeds(2, 2)
    fetcher = NotModified()
    stores = [PostgresStore(pg_url), PostgresStore(pg_url)]

    def worker(i: int, horizon: float) -> SharedFeedIngester:
        return SharedFeedIngester(
            Engine(stores[i], table, clock=day_after),
            owner=f"worker-{i}",
            politeness=0.01,
            min_interval=1.5,
            retry_base=horizon,
            fetcher=fetcher,
        )

    # A pass that began before worker 0 finished the hosts: they were done in this pass.
    same_pass = worker(1, 60.0)
    same_pass.pass_started = time.time()
    worker(0, 60.0).run(feeds)
    assert same_pass.claim_hosts(["h0.example", "h1.example"]) == (set(), {})
    # Too soon for the next pass to fetch them again, and the pass would end before it may:
    # left to the next one.
    early = worker(1, 1.0).run(feeds)
    assert [o.status for o in early.outcomes] == ["claimed-elsewhere"] * 4
    # A pass long enough waits for min_interval to pass since the host was finished, then
    # pulls its feeds: once each, never sooner than min_interval after the last fetch.
    later = worker(1, 60.0)
    run = later.run(feeds)
    assert sorted(later.pulled) == sorted(f.url for f in feeds)
    assert [o.status for o in run.outcomes] == ["not-modified"] * 4
    assert all(len(t) == 2 and t[1] - t[0] >= 1.5 for t in fetcher.times.values())
    for s in stores:
        s.close()


def test_batched_claims_skip_held_and_recent_hosts(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    urls = [f"host:h{n}.example" for n in range(5)]
    assert store.claim_feeds(urls[:3], "a", lease=60, min_interval=600) == (set(urls[:3]), {})
    # Held by "a": none for "b", and no wait either (another worker is on them).
    assert store.claim_feeds(urls, "b", lease=60, min_interval=600) == (set(urls[3:]), {})
    store.release_feeds(urls[:3], "a", done=True)
    released = time.time()
    claimed, done = store.claim_feeds(urls[:3], "b", lease=60, min_interval=600)
    assert claimed == set() and set(done) == set(urls[:3])
    assert all(released - 10 < done_at <= released for done_at in done.values())
    assert store.claim_feeds(urls[:3], "b", lease=60, min_interval=0) == (set(urls[:3]), {})
    store.release_feeds(urls, "b", done=False)
    assert store.claim_feeds(urls[3:], "a", lease=60, min_interval=600) == (set(urls[3:]), {})
    store.close()


def test_a_host_held_while_its_worker_waits_keeps_its_lease(
    pg_url: str, table: RatingsTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.ingest import feeds as feeds_module

    monkeypatch.setattr(feeds_module, "RENEW_EVERY", 0.2)
    feeds = host_feeds(1, 2)
    release = threading.Event()
    fetcher = NotModified()

    def stalled(url: str, policy: Any, headers: Any = None) -> Any:
        # The worker's only thread waits (as for its commits) far past the 1 s lease.
        release.wait(10)
        return fetcher(url, policy, headers)

    store = PostgresStore(pg_url)
    holder = SharedFeedIngester(
        Engine(store, table, clock=day_after),
        owner="holder",
        politeness=0.01,
        min_interval=3600,
        lease=1.0,
        fetcher=stalled,
        workers=1,
    )
    passing = threading.Thread(target=holder.run, args=(feeds,))
    passing.start()
    other = PostgresStore(pg_url)
    try:
        time.sleep(2.5)
        # Past the lease, yet renewed: another worker cannot take the host.
        assert other.claim_feeds(["host:h0.example"], "other", 60, 3600) == (set(), {})
    finally:
        release.set()
        passing.join(30)
    assert sorted(holder.pulled) == sorted(f.url for f in feeds)
    other.close()
    store.close()
