"""Scale drill: many feeds on many hosts pulled by several `parallax worker` processes sharing one
PostgreSQL, then a store of synthetic articles bulk-loaded (COPY) and read at volume.

Feeds part. One fixture server process (this one, 127.0.0.1 only) serves synthetic RSS and Atom
feeds under many host names (`h00042.drill.invalid`). The workers are real `parallax worker`
processes; the only thing added to them (`--as-worker`) is a name lookup that answers
127.0.0.1 for *.drill.invalid and refuses every other name, so no request can leave this
machine. Feeds behave as feeds do: most answer 304 to a conditional GET, some are slow, some
fail (404, 500, connection reset, malformed XML), some redirect; items come from a synthetic
story generator (many concurrent events, each covered by about 3 to 60 articles from outlets of
every side of the bundled table, published over hours to days; see EventPool). The server
counts every fetch, so it prints feeds/s for the first full pass, fetches per feed in each
interval (healthy and failing feeds apart: failing ones back off), duplicates (a feed fetched
twice within one interval), the most feeds one host had in flight at once against the
politeness limit (one at a time; a redirect's second request, which arrives while its 301 is
still being finished, is the same fetch and is counted apart), CPU seconds per feed of the
workers, articles/s stored through them, the stories formed (articles per story), and how failing feeds are shown in feed health.
DRILL_PROFILE=<dir> writes each worker's cProfile there.

Articles part. Synthetic articles are COPY-loaded into a throwaway schema (the search column
and term counts as the store writes them; story rows from the loaded articles), then
/v1/related (a stored URL; an unseen URL with a title), /v1/stories, a story page and
/v1/score are timed in-process while a thread keeps ingesting; each size is printed with its
ratio to the first (smallest) size of the same run.

Bounded: every wait has a deadline (--max-seconds for the feed part). Throwaway schemas are
dropped at the end.

usage: python -m bench.scale_drill [--quick] [--part feeds|articles|both]
        [--feeds 50000 --hosts 5000 --workers 4 --interval 900 --passes 2 --max-seconds 1800]
        [--items 3] [--threads 16]
        [--articles 1000000,10000000]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import hashlib
import itertools
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from service.core.ratings import bundled_table, default_ratings_dir
from tests.support.net import free_port

HOST = "127.0.0.1"  # the only address anything here ever talks to
DRILL_SUFFIX = ".drill.invalid"
PG_URL = os.environ.get("PARALLAX_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BULK_CURSOR = "scale_drill:bulk_loaded"  # articles COPY-loaded into a kept schema
POLITENESS_LIMIT = 1  # requests one host may have in flight (feeds.POLITENESS_DELAY apart)

# Invented words for the synthetic events: nothing here is real news.
_SYLLABLES = ("ka", "lo", "mir", "dun", "sel", "tor", "vex", "ba", "qui", "ren", "zo", "pal")
_NOUNS = (
    "council",
    "bridge",
    "harbor",
    "tariff",
    "court",
    "strike",
    "vaccine",
    "election",
    "budget",
    "wildfire",
    "pipeline",
    "treaty",
    "merger",
    "verdict",
    "summit",
    "reactor",
    "flood",
    "rail",
)
_VERBS = ("approves", "blocks", "delays", "expands", "probes", "rejects", "backs", "halts")


@dataclass(frozen=True)
class Event:
    """One invented news event: the words every outlet's headline about it shares."""

    place: str
    noun: str
    verb: str
    detail: str
    name: str = ""
    thing: str = ""

    def titles(self) -> tuple[str, str, str]:
        # Mostly the event's own words: shared template words would let the clusterer join
        # events that happen to have the same noun and verb.
        return (
            f"{self.place} {self.detail} {self.thing} {self.noun} {self.verb}",
            f"{self.name} {self.verb} {self.place} {self.thing} over {self.detail}",
            f"{self.thing} {self.detail}: {self.name} in {self.place}",
        )

    def texts(self) -> tuple[str, str, str]:
        return tuple(  # type: ignore[return-value]
            f"{self.name} of {self.place} {self.verb} the {self.detail} {self.thing} {self.noun}"
            f" on {day}, {self.name} said."
            for day in ("Monday", "Tuesday", "Friday")
        )

    def title(self, rng: random.Random) -> str:
        return rng.choice(self.titles())

    def text(self, rng: random.Random) -> str:
        return rng.choice(self.texts())


def events(n: int, seed: int = 5) -> list[Event]:
    """n events whose place, detail, name and thing words are each used by no other event (four
    syllables: 20,736 words, so up to 5,184 events), so events do not run into each other."""
    rng = random.Random(seed)
    size = len(_SYLLABLES)
    picks = rng.sample(range(size**4), min(4 * n, size**4))

    def word(k: int) -> str:
        return "".join(_SYLLABLES[(picks[k % len(picks)] // size**p) % size] for p in range(4))

    return [
        Event(
            word(4 * i).title(),
            rng.choice(_NOUNS),
            rng.choice(_VERBS),
            word(4 * i + 1),
            word(4 * i + 2).title(),
            word(4 * i + 3),
        )
        for i in range(n)
    ]


def outlets_of_every_side(limit: int = 2000) -> list[str]:
    """Outlet ids of the bundled table, interleaved left/center/right/unrated so any run of
    feeds covers every side."""
    table = bundled_table()
    by_side: dict[str, list[str]] = {}
    for outlet in table.outlets.values():
        if "/" in outlet.id:
            continue
        lean = outlet.lean or "unrated"
        side = "left" if "left" in lean else "right" if "right" in lean else lean
        by_side.setdefault(side if side in ("left", "center", "right") else "unrated", []).append(
            outlet.id
        )
    columns = [sorted(v)[: limit // 4] for _, v in sorted(by_side.items())]
    out: list[str] = []
    for row in range(max(map(len, columns))):
        out.extend(col[row] for col in columns if row < len(col))
    return out


# -- the feeds -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSpec:
    index: int
    host: str
    outlet: str
    kind: str  # ok, slow, 404, 500, reset, malformed, redirect
    atom: bool
    period: float  # seconds between new versions of the feed

    @property
    def path(self) -> str:
        return f"/feed/{self.index}.xml"

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}{self.path}"


def feed_specs(feeds: int, hosts: int, interval: float, outlets: list[str]) -> list[FeedSpec]:
    """Deterministic behaviours: 78 % plain, 5 % slow, 3 % redirect, 4 % malformed/reset,
    10 % 404/500 (a failing feed is one of these every time)."""
    specs = []
    for i in range(feeds):
        h = int(hashlib.blake2b(str(i).encode(), digest_size=4).hexdigest(), 16) % 100
        kind = (
            "404"
            if h < 5
            else "500"
            if h < 10
            else "reset"
            if h < 12
            else "malformed"
            if h < 14
            else "redirect"
            if h < 17
            else "slow"
            if h < 22
            else "ok"
        )
        specs.append(
            FeedSpec(
                index=i,
                host=f"h{i % hosts:05d}{DRILL_SUFFIX}",
                outlet=outlets[i % len(outlets)],
                kind=kind,
                atom=i % 2 == 1,
                # A feed changes every 3 to 7 intervals: most conditional GETs are 304s.
                period=interval * (3 + i % 5),
            )
        )
    return specs


@dataclass(frozen=True)
class EventPool:
    """Many concurrent events, each covered by about 3 to 60 articles (log-uniform, as real
    stories run from a handful of articles to Ground News' largest ~150) from outlets of every
    side, published over hours to days. An article's event is drawn in proportion to its
    event's size, so the drill's stories form as live ones do instead of a few huge ones."""

    events: list[Event]
    cum_sizes: list[float]
    starts: list[float]  # seconds before now the event began (up to two days: in the window)
    spans: list[float]  # seconds over which its articles are published (1 to 48 hours)

    @classmethod
    def sized_for(cls, articles: int, seed: int = 5) -> EventPool:
        """Events enough for about `articles` articles at the sizes above (mean ~18)."""
        rng = random.Random(seed)
        n = max(50, articles // 18)
        sizes = [math.exp(rng.uniform(math.log(3), math.log(60))) for _ in range(n)]
        return cls(
            events(n, seed),
            list(itertools.accumulate(sizes)),
            [rng.uniform(0, 2 * 86400) for _ in range(n)],
            [rng.uniform(3600, 48 * 3600) for _ in range(n)],
        )

    def pick(self, rng: random.Random) -> tuple[Event, float]:
        """An event and when this article about it was published (epoch seconds)."""
        k = bisect.bisect_left(self.cum_sizes, rng.uniform(0, self.cum_sizes[-1]))
        k = min(k, len(self.events) - 1)
        ago = max(0.0, self.starts[k] - rng.uniform(0, self.spans[k]))
        return self.events[k], time.time() - ago


def feed_body(spec: FeedSpec, version: int, pool: EventPool, items_per_feed: int = 3) -> bytes:
    rng = random.Random(spec.index * 1_000_003 + version)
    items = []
    for k in range(items_per_feed):
        event, published = pool.pick(rng)
        link = f"https://{spec.outlet}/drill/{spec.index}/{version}/{k}"
        title = event.title(rng).replace("&", "and")
        text = event.text(rng)
        stamp = formatdate(published, usegmt=True)
        if spec.atom:
            items.append(
                f"<entry><title>{title}</title><link href='{link}'/><id>{link}</id>"
                f"<updated>{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(published))}</updated>"
                f"<summary>{text}</summary></entry>"
            )
        else:
            items.append(
                f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
                f"<pubDate>{stamp}</pubDate><description>{text}</description></item>"
            )
    if spec.atom:
        doc = (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>drill {spec.index}</title>" + "".join(items) + "</feed>"
        )
    else:
        doc = (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>drill {spec.index}</title>" + "".join(items) + "</channel></rss>"
        )
    return doc.encode()


@dataclass
class Counts:
    """What the fixture server saw (guarded by `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    fetches: dict[int, list[float]] = field(default_factory=dict)  # feed -> request times
    statuses: dict[int, int] = field(default_factory=dict)
    # host -> feed -> requests in flight: a redirect's second request arrives while its 301 is
    # still being finished, which is the same fetch, not a second one on the host
    in_flight: dict[str, dict[int, int]] = field(default_factory=dict)
    max_in_flight: dict[str, int] = field(default_factory=dict)  # distinct feeds at once
    redirect_pairs: int = 0  # a request arriving while the same feed's request was in flight
    last_start: dict[str, float] = field(default_factory=dict)
    min_gap: dict[str, float] = field(default_factory=dict)


def make_server(
    specs: list[FeedSpec], started: float, counts: Counts, items_per_feed: int = 3
) -> ThreadingHTTPServer:
    # Sized for a first pass's articles: later versions add to the same events.
    pool = EventPool.sized_for(len(specs) * items_per_feed)
    by_index = {s.index: s for s in specs}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)
            with counts.lock:
                counts.statuses[status] = counts.statuses.get(status, 0) + 1

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0]
            now = time.time()
            try:
                feed = int(self.path.split("?")[0].rsplit("/", 1)[-1].removesuffix(".xml"))
            except ValueError:
                feed = -1
            with counts.lock:
                flying = counts.in_flight.setdefault(host, {})
                if flying.get(feed):
                    counts.redirect_pairs += 1
                flying[feed] = flying.get(feed, 0) + 1
                counts.max_in_flight[host] = max(counts.max_in_flight.get(host, 0), len(flying))
                if host in counts.last_start:
                    gap = now - counts.last_start[host]
                    counts.min_gap[host] = min(counts.min_gap.get(host, gap), gap)
                counts.last_start[host] = now
            try:
                self._answer(host, now)
            finally:
                with counts.lock:
                    flying[feed] -= 1
                    if not flying[feed]:
                        del flying[feed]

        def _answer(self, host: str, now: float) -> None:
            path = self.path.split("?")[0]
            moved = path.startswith("/moved/")
            try:
                index = int(path.rsplit("/", 1)[-1].removesuffix(".xml"))
                spec = by_index[index]
            except (ValueError, KeyError):
                self._send(404)
                return
            if spec.host != host:
                self._send(404)
                return
            if not moved:  # a redirect's second request is the same fetch
                with counts.lock:
                    counts.fetches.setdefault(index, []).append(now)
            kind = spec.kind
            if kind in ("404", "500"):
                self._send(int(kind), b"no feed here", {"Content-Type": "text/plain"})
                return
            if kind == "reset":
                self.close_connection = True
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.connection.close()
                return
            if kind == "redirect" and not moved:
                self._send(301, b"", {"Location": f"/moved/{index}.xml"})
                return
            if kind == "slow":
                time.sleep(1.5)
            version = int((now - started) // spec.period)
            etag = f'"{index}-{version}"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", {"ETag": etag})
                return
            body = feed_body(spec, version, pool, items_per_feed)
            if kind == "malformed":
                body = body[: len(body) // 2] + b"<unclosed"
            ctype = "application/atom+xml" if spec.atom else "application/rss+xml"
            self._send(200, body, {"Content-Type": ctype, "ETag": etag})

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a worker closing a kept-alive connection is not news

    return Server((HOST, free_port()), Handler)


def drill_resolver() -> None:
    """In a worker process: *.drill.invalid is 127.0.0.1; every other name fails (PostgreSQL is
    reached by libpq's own lookup of 127.0.0.1, not through this)."""
    real = socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.endswith(DRILL_SUFFIX):
            return real(HOST, port, socket.AF_INET, socket.SOCK_STREAM)
        if name == HOST:
            return real(name, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"the drill resolves only *{DRILL_SUFFIX}")

    socket.getaddrinfo = lookup


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process and its reaped children (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return float(sum(int(fields[i]) for i in (11, 12, 13, 14))) / float(ticks)


def run_feeds(args: argparse.Namespace) -> dict[str, Any]:
    from service.store.postgres import PostgresStore, drop_schema

    interval = float(args.interval)
    outlets = outlets_of_every_side()
    schema = f"parallax_drill_{uuid.uuid4().hex[:10]}"
    database_url = f"{PG_URL}?schema={schema}"
    tmp = Path(tempfile.mkdtemp(prefix="parallax-drill-"))
    counts = Counts()
    started = time.time()
    specs = feed_specs(args.feeds, args.hosts, interval, outlets)
    server = make_server(specs, started, counts, args.items)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ratings = tmp / "ratings"
    shutil.copytree(default_ratings_dir(), ratings, ignore=shutil.ignore_patterns("feeds.csv"))
    rows = sorted((s.outlet, s.url(port)) for s in specs)
    (ratings / "feeds.csv").write_text(
        "outlet_id,url\n" + "".join(f"{o},{u}\n" for o, u in rows), encoding="utf-8"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARALLAX_")},
        "PARALLAX_DATABASE_URL": database_url,
        "PARALLAX_RATINGS_DIR": str(ratings),
        "PARALLAX_DATA_DIR": str(tmp / "data"),
        "PARALLAX_FEEDS_ALLOW_PRIVATE": "1",
        "PARALLAX_LOG_LEVEL": "WARNING",
        "PARALLAX_INGEST_INTERVAL": str(int(interval)),
        "PARALLAX_FEED_THREADS": str(args.threads),
    }
    PostgresStore(database_url).close()  # migrate once, before the workers race to
    workers: list[subprocess.Popen[bytes]] = []
    logs = [open(tmp / f"worker{n}.log", "wb") for n in range(args.workers)]  # noqa: SIM115
    print(
        f"feeds: {args.feeds} feeds on {args.hosts} hosts, {args.workers} workers x "
        f"{args.threads} threads, interval "
        f"{interval:g} s, {args.passes} passes, at most {args.max_seconds} s",
        flush=True,
    )
    t0 = time.monotonic()
    wall0 = time.time()  # the start of interval 0, on the clock the server stamps fetches with
    server_cpu0 = time.process_time()
    for n in range(args.workers):
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "bench.scale_drill", "--as-worker", str(int(interval))],
                env=env,
                stdout=logs[n],
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    first_pass: float | None = None
    cpu: dict[int, float] = {}
    deadline = t0 + args.max_seconds
    horizon = t0 + args.passes * interval
    # Articles stored over time (one count every few seconds): articles/s through the workers.
    import psycopg

    from service.store.postgres import split_database_url

    conninfo, _ = split_database_url(database_url)
    watch = psycopg.connect(conninfo, autocommit=True)
    watch.execute(f'SET search_path TO "{schema}"')
    stored_series: list[tuple[float, int]] = [(0.0, 0)]
    last_count = time.monotonic()
    first_pass_articles = 0
    first_pass_cpu: float | None = None
    try:
        while time.monotonic() < min(deadline, horizon + 5):
            time.sleep(1.0)
            for w in workers:
                cpu[w.pid] = max(cpu.get(w.pid, 0.0), cpu_seconds(w.pid))
            with counts.lock:
                seen = len(counts.fetches)
            if time.monotonic() - last_count >= 5.0 or (first_pass is None and seen == len(specs)):
                last_count = time.monotonic()
                row = watch.execute("SELECT count(*) FROM articles").fetchone()
                stored_series.append((last_count - t0, int(row[0]) if row else 0))
            if first_pass is None and seen == len(specs):
                first_pass = time.monotonic() - t0
                first_pass_articles = stored_series[-1][1]
                first_pass_cpu = sum(cpu.values())
                print(
                    f"  first full pass after {first_pass:.1f} s, {first_pass_articles} articles "
                    f"stored ({first_pass_articles / first_pass:.1f}/s)",
                    flush=True,
                )
            elif int(time.monotonic() - t0) % 60 == 0:
                print(
                    f"  {time.monotonic() - t0:.0f} s: {seen} feeds fetched, "
                    f"{stored_series[-1][1]} articles, worker CPU {sum(cpu.values()):.0f} s",
                    flush=True,
                )
            if any(w.poll() is not None for w in workers):
                print("  a worker exited early; see its log", flush=True)
                break
    finally:
        # Fetching ends here (a stopped worker starts no fetch; it only commits what it holds).
        fetching_ended = time.monotonic()
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(w.pid, signal.SIGKILL)
                w.wait(timeout=10)
        for handle in logs:
            handle.close()
        server.shutdown()
        watch.close()
    elapsed = fetching_ended - t0
    stopping = time.monotonic() - fetching_ended
    server_cpu = time.process_time() - server_cpu0
    store = PostgresStore(database_url)
    try:
        states = {s.url: s for s in store.feed_states()}
        stored = store.counts()
        with psycopg.connect(conninfo) as sizes_conn:
            sizes_conn.execute(f'SET search_path TO "{schema}"')
            sizes = [
                int(n)
                for (n,) in sizes_conn.execute(
                    "SELECT count(*) FROM articles WHERE story_id IS NOT NULL GROUP BY story_id"
                )
            ]
    finally:
        store.close()
        drop_schema(PG_URL, schema)
    with counts.lock:
        fetches = {k: list(v) for k, v in counts.fetches.items()}
        max_host = max(counts.max_in_flight.values(), default=0)
        over = sum(1 for v in counts.max_in_flight.values() if v > POLITENESS_LIMIT)
        gaps = list(counts.min_gap.values())
        statuses = dict(counts.statuses)
        redirect_pairs = counts.redirect_pairs
    total = sum(len(v) for v in fetches.values())
    # A duplicate: the same feed fetched again within 80 % of the interval (what workers allow).
    duplicates = sum(
        1
        for times in fetches.values()
        for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
        if b - a < 0.8 * interval
    )
    passes_done = float(min(args.passes, max(1.0, elapsed / interval)))
    failing = [s for s in specs if s.kind in ("404", "500", "reset", "malformed")]
    healthy = [s for s in specs if s.kind in ("ok", "slow", "redirect")]

    def per_feed(group: list[FeedSpec]) -> float:
        return sum(len(fetches.get(s.index, [])) for s in group) / max(1, len(group)) / passes_done

    shown_failing = sum(
        1 for s in failing if (st := states.get(s.url(port))) is not None and st.last_error
    )
    shown_next_attempt = sum(
        1 for s in failing if (st := states.get(s.url(port))) is not None and st.next_attempt
    )
    worker_cpu = sum(cpu.values())
    first_pass_at = wall0 + (first_pass or elapsed)
    later_fetches = sum(1 for times in fetches.values() for t in times if t > first_pass_at)
    windows = per_interval(fetches, specs, wall0, interval, elapsed)
    rate = peak_rate(stored_series, 30.0)
    out = {
        "feeds": args.feeds,
        "hosts": args.hosts,
        "workers": args.workers,
        "threads_per_worker": args.threads,
        "seconds": round(elapsed, 1),
        "seconds_to_stop_workers": round(stopping, 1),  # their last commits of waiting articles
        "first_pass_seconds": round(first_pass, 1) if first_pass else None,
        "feeds_fetched_at_least_once": len(fetches),
        "feeds_per_second": round(
            (args.feeds / first_pass) if first_pass else len(fetches) / elapsed, 2
        ),
        "fetches": total,
        "fetches_per_feed_per_pass": round(total / args.feeds / passes_done, 3),
        "duplicates_within_interval": duplicates,
        "max_feeds_in_flight_one_host": max_host,
        "hosts_over_politeness_limit": over,
        "redirect_pairs_in_flight": redirect_pairs,
        "min_gap_same_host_s": round(min(gaps), 3) if gaps else None,
        "statuses": statuses,
        "worker_cpu_seconds": round(worker_cpu, 1),
        "cpu_ms_per_fetch": round(1000 * worker_cpu / max(1, total), 2),
        "worker_cpu_ms_per_feed_first_pass": (
            round(1000 * first_pass_cpu / args.feeds, 2) if first_pass_cpu else None
        ),
        # After the first pass: mostly 304s and failures backing off, the steady state's cost
        # (the committer's share is what the few changed feeds bring).
        "worker_cpu_ms_per_fetch_after_first_pass": (
            round(1000 * (worker_cpu - first_pass_cpu) / later_fetches, 2)
            if first_pass is not None and first_pass_cpu is not None and later_fetches
            else None
        ),
        "fetches_after_first_pass": later_fetches,
        "fixture_server_cpu_seconds": round(server_cpu, 1),
        "failing_feeds": len(failing),
        "failing_shown_in_feed_health": shown_failing,
        "failing_shown_with_next_attempt": shown_next_attempt,
        "fetches_per_pass_failing": round(per_feed(failing), 3),
        "fetches_per_pass_healthy": round(per_feed(healthy), 3),
        "articles_stored": stored["articles"],
        "stories_stored": stored["stories"],
        # Articles per story formed: the commits' cost per article depends on it.
        "story_sizes": {
            "stories": len(sizes),
            "mean": round(sum(sizes) / len(sizes), 1) if sizes else None,
            "median": sorted(sizes)[len(sizes) // 2] if sizes else None,
            "max": max(sizes, default=None),
        },
        "articles_per_second_first_pass": (
            round(first_pass_articles / first_pass, 1) if first_pass else None
        ),
        "articles_per_second_peak_30s": rate,
        # Stored articles over the time until the count last grew: what the workers sustained
        # while they had articles to store (the first pass's 200s run ahead of their commits).
        "articles_per_second_while_ingesting": ingest_rate(stored_series),
        "intervals": windows,
    }
    keep_logs = os.environ.get("DRILL_KEEP_LOGS")  # a directory for the workers' logs
    if keep_logs:
        Path(keep_logs).mkdir(parents=True, exist_ok=True)
        for n in range(args.workers):
            shutil.copy(tmp / f"worker{n}.log", Path(keep_logs) / f"worker{n}.log")
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def per_interval(
    fetches: dict[int, list[float]],
    specs: list[FeedSpec],
    wall0: float,
    interval: float,
    elapsed: float,
) -> list[dict[str, Any]]:
    """Fetches of each feed in each interval since the workers started, healthy and failing
    apart: {interval, complete, healthy: {fetches: feeds}, failing: {...}}. In an interval the
    run did not finish, only the feeds already due count: those fetched in the interval before
    at an offset the run has passed (less a minute of slack)."""
    out = []
    kinds = {
        s.index: ("failing" if s.kind in ("404", "500", "reset", "malformed") else "healthy")
        for s in specs
    }
    for k in range(int(elapsed // interval) + 1):
        start = wall0 + k * interval
        done_s = min(interval, elapsed - k * interval)
        if done_s <= 0:
            break
        complete = done_s >= interval
        counted: dict[str, dict[int, int]] = {"healthy": {}, "failing": {}}
        for spec in specs:
            times = fetches.get(spec.index, [])
            if not complete:
                before = [t - (start - interval) for t in times if start - interval <= t < start]
                if k == 0 or not before or min(before) > done_s - 60:
                    continue  # not due yet in this part of the interval
            n = sum(1 for t in times if start <= t < start + interval)
            group = counted[kinds[spec.index]]
            group[n] = group.get(n, 0) + 1
        out.append(
            {
                "interval": k,
                "seconds_run": round(done_s, 1),
                "complete": complete,
                "healthy_feeds_by_fetches": dict(sorted(counted["healthy"].items())),
                "failing_feeds_by_fetches": dict(sorted(counted["failing"].items())),
            }
        )
    return out


def ingest_rate(series: list[tuple[float, int]]) -> float:
    """Articles per second from the start to the last sample at which the count grew."""
    grown = [(t, c) for (t, c), (_, before) in zip(series[1:], series, strict=False) if c > before]
    return round(grown[-1][1] / grown[-1][0], 1) if grown and grown[-1][0] > 0 else 0.0


def peak_rate(series: list[tuple[float, int]], span: float) -> float:
    """The highest count increase per second over any `span` seconds of (time, count) samples."""
    best = 0.0
    for i, (t1, c1) in enumerate(series):
        for t2, c2 in series[i + 1 :]:
            if t2 - t1 >= span:
                best = max(best, (c2 - c1) / (t2 - t1))
                break
    return round(best, 1)


def as_worker(interval: str) -> None:
    """`parallax worker --interval N` with the drill's name lookup (see drill_resolver)."""
    drill_resolver()
    from service.cli import main

    sys.argv = ["parallax", "worker", "--interval", interval]
    profile_dir = os.environ.get("DRILL_PROFILE")  # where to find a worker's time
    if not profile_dir:
        main()
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        main()
    finally:
        profiler.disable()
        profiler.dump_stats(str(Path(profile_dir) / f"worker-{os.getpid()}.prof"))


# -- articles at volume --------------------------------------------------------------


def _bulk_words(title: str, text: str) -> list[str]:
    """document_words for the generator's plain-ASCII texts, without the per-character accent
    folding (the identity on ASCII); anything else takes the store's own path."""
    from service.store.sql import _WORD_RE, FTS_BODY_CHARS, MAX_WORD_CHARS, document_words

    lead = f"{title} {text[:FTS_BODY_CHARS]}"
    if not lead.isascii():
        return document_words(title, text)
    return list(
        dict.fromkeys(w for w in _WORD_RE.findall(lead.lower()) if len(w) <= MAX_WORD_CHARS)
    )


def _copy_slice(
    conninfo: str,
    schema: str,
    first: int,
    last: int,
    total: int,
    seed: int,
    story_size: int,
    now: float,
    span: float,
) -> None:
    """COPY articles first..last (row ids) in one transaction of their own. Rows are written as
    COPY text directly (the generator's texts hold no tab, newline or backslash), and each
    story's few titles and texts are split into words once: the load is bound by this loop."""
    import psycopg

    outlets = outlets_of_every_side(400)
    sides = ("left", "center", "right", "unrated")
    pool = events(max(50, total // story_size), seed)
    rng = random.Random(seed * 1_000_003 + first)
    stories = max(1, total // story_size)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET statement_timeout = 0")
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY articles (id, key, url, outlet_id, side, title, text, published, first_seen,"
                " at, fingerprint, story_id, search) FROM STDIN"
            ) as copy,
        ):
            lines: list[str] = []
            cached_story = -1
            titles: tuple[str, ...] = ()
            texts: tuple[str, ...] = ()
            words: list[list[str]] = []
            at = 0.0
            for i in range(first, last + 1):
                story = (i - 1) // story_size
                if story != cached_story:
                    cached_story = story
                    event = pool[story % len(pool)]
                    titles, texts = event.titles(), event.texts()
                    words = [[" ".join(_bulk_words(t, x)) for x in texts] for t in titles]
                    at = now - span * (1 - story / stories)
                outlet = outlets[rng.randrange(len(outlets))]
                form, day = rng.randrange(3), rng.randrange(3)
                number = str(i % 97)
                url = f"https://{outlet}/bulk/{i}"
                lines.append(
                    f"{i}\t{url}\t{url}\t{outlet}\t{sides[i % 4]}\t{titles[form]} {number}\t"
                    f"{texts[day]}\t{at!r}\t{at!r}\t{at!r}\t\tbulk-{story}\t"
                    f"{words[form][day]} {number}\n"
                )
                if len(lines) >= 5000:
                    copy.write("".join(lines))
                    lines.clear()
            if lines:
                copy.write("".join(lines))


def bulk_load(
    database_url: str,
    n: int,
    *,
    seed: int = 3,
    story_size: int = 20,
    processes: int = 1,
    days: float = 120.0,
) -> None:
    """COPY n synthetic articles (about story_size to a story, spread over `days`), with the
    search column and term counts the store keeps, then the story rows from them. `processes`
    COPY slices of the rows side by side (each its own transaction)."""
    import multiprocessing

    import psycopg

    from service.store.postgres import PostgresStore, split_database_url

    PostgresStore(database_url).close()
    conninfo, schema = split_database_url(database_url)
    now = time.time()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET statement_timeout = 0")
        start = int(conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])  # type: ignore[index]
        # Into an empty table, COPY first and build the secondary indexes after (several times
        # faster than keeping them current row by row; the full-text one most of all).
        rebuilt: list[str] = []
        if start == 0:
            conn.execute("SET maintenance_work_mem = '1GB'")
            rebuilt = [
                str(d)
                for (d,) in conn.execute(
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = %s"
                    " AND tablename = 'articles' AND indexname NOT IN"
                    " ('articles_pkey', 'articles_key_key')",
                    (schema,),
                )
            ]
            for (name,) in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = 'articles'"
                " AND indexname NOT IN ('articles_pkey', 'articles_key_key')",
                (schema,),
            ).fetchall():
                conn.execute(f'DROP INDEX "{name}"')
        total = start + n
        bounds = [start + 1 + (n * k) // processes for k in range(processes + 1)]
        slices = [
            (
                conninfo,
                schema,
                bounds[k],
                bounds[k + 1] - 1,
                total,
                seed,
                story_size,
                now,
                days * 86400.0,
            )
            for k in range(processes)
            if bounds[k + 1] > bounds[k]
        ]
        if processes == 1:
            _copy_slice(*slices[0])
        else:
            with multiprocessing.get_context("spawn").Pool(processes) as workers:
                workers.starmap(_copy_slice, slices)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT max(id) FROM articles))"
        )
        for definition in rebuilt:
            conn.execute(definition)
        conn.execute(
            "INSERT INTO term_docs (term, docs) SELECT lexeme, count(*) FROM articles,"
            " unnest(tsvector_to_array(search)) AS lexeme WHERE id > %s GROUP BY lexeme"
            " ON CONFLICT (term) DO UPDATE SET docs = term_docs.docs + EXCLUDED.docs",
            (start,),
        )
        conn.execute(
            "INSERT INTO stories (id, first_seen, last_updated, article_count, outlet_count,"
            " headline, sides, blindspot)"
            " SELECT story_id, min(at), max(at), count(*), count(DISTINCT outlet_id), min(title),"
            " '{}'::jsonb, NULL FROM articles WHERE id > %s GROUP BY story_id"
            " ON CONFLICT (id) DO NOTHING",
            (start,),
        )
        # The writer's per-host counts (migration 7 backfilled them on an empty table): without
        # them /v1/score would take every bulk host for one with no articles and skip the store.
        conn.execute(
            f"INSERT INTO article_hosts (host, last_id, articles)"
            f" SELECT h, max(id), count(*) FROM (SELECT {PostgresStore.host_prefix_sql} AS h, id"
            f" FROM articles WHERE id > %s) AS keyed WHERE h IS NOT NULL GROUP BY h"
            f" ON CONFLICT (host) DO UPDATE SET articles = article_hosts.articles"
            f" + EXCLUDED.articles, last_id = greatest(article_hosts.last_id, EXCLUDED.last_id)",
            (start,),
        )
        conn.execute("ANALYZE articles")
        conn.execute("ANALYZE stories")
        conn.execute("ANALYZE term_docs")
        # How many synthetic articles the schema holds: a kept schema is loaded once.
        conn.execute(
            "INSERT INTO cursors (name, value) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            (BULK_CURSOR, str(start + n)),
        )


def bulk_loaded(database_url: str) -> int:
    """Synthetic articles already loaded into this schema (0 for a new one)."""
    from service.store.postgres import PostgresStore

    store = PostgresStore(database_url)
    try:
        return int(store.cursor(BULK_CURSOR) or 0)
    finally:
        store.close()


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000 if ordered else 0.0


def rss_mib(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of a live process, in MiB."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


class Ingester:
    """An `--as-ingester` process beside the reads, as a worker is: started, asked for its
    memory, stopped (it prints articles/s, its memory and its window size)."""

    def __init__(self, database_url: str, seconds: int = 900) -> None:
        # What it says on stderr (a traceback if it fails) stays readable after the run.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop)
            prefix="parallax-ingester-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.scale_drill",
                "--as-ingester",
                database_url,
                str(seconds),
            ],
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        # Its engine restores the active window before it commits anything: wait for its
        # first line ("ready").
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 900
        line = b""
        while time.monotonic() < deadline and self.proc.poll() is None:
            line = self.proc.stdout.readline()
            if line.startswith(b"ready"):
                break
        if not line.startswith(b"ready"):
            self.stop()
            raise RuntimeError("the ingester did not start (run --as-ingester by hand to see why)")
        self.ready = json.loads(line[len(b"ready") :] or b"{}")

    def stop(self) -> dict[str, Any]:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        stdout, _ = self.proc.communicate(timeout=120)
        lines = [ln for ln in stdout.decode().splitlines() if ln.startswith("{")]
        self.log.close()
        if not lines:
            print(f"the ingester ended without its report: see {self.log.name}", file=sys.stderr)
        return dict(json.loads(lines[-1])) if lines else {}


class Reads:
    """The reads of the drill, in process (Flask test client: the app's own cost, no HTTP):
    a stored URL's related, an unseen URL + title's related, the story list, a story as JSON
    and as a page, and a score."""

    def __init__(self, database_url: str, size: int) -> None:
        from service.app import create_app
        from service.coverage.runtime import engine as app_engine

        self.tmp = Path(tempfile.mkdtemp(prefix="parallax-scale-"))
        self.app = create_app(
            {
                "TESTING": True,
                "DATA_DIR": str(self.tmp),
                "DATABASE_URL": database_url,
                "INGEST_ENABLED": False,
                "RATE_LIMIT": "",
                "LOG_LEVEL": "WARNING",
            }
        )
        self.client = self.app.test_client()
        self.cpu: list[float] = []
        self.db: list[float] = []
        self.queries: list[int] = []
        self._db_seconds = 0.0
        self._db_queries = 0
        self._count_database_time()
        t = time.monotonic()
        self.engine = app_engine(self.app)
        self.restore_seconds = round(time.monotonic() - t, 1)
        store = self.engine.store
        conn = store._conn()  # type: ignore[attr-defined]
        sample = conn.execute(
            "SELECT url, story_id FROM articles TABLESAMPLE SYSTEM (0.5) REPEATABLE (7)"
            " WHERE story_id IS NOT NULL LIMIT 200"
        ).fetchall()
        self.stored_urls = [str(u) for u, _ in sample]
        self.story_ids = list(dict.fromkeys(str(s) for _, s in sample))
        # The bulk load writes story rows without their digest (key points, neutral headline),
        # which the writer computes at every change of a live story; give the sampled stories
        # theirs, as the writer would have, so a read does not compute it per request.
        for story_id in self.story_ids:
            with store._writing(conn):  # type: ignore[attr-defined]
                store._refresh_story(conn, story_id)  # type: ignore[attr-defined]
        self.pool = events(max(50, size // 20), 3)
        table = bundled_table()
        self.outlet_ids = sorted(o for o in table.outlets if "/" not in o)[:500]

    def paths(self) -> dict[str, Callable[[int], str]]:
        urls, ids, pool, outlets = self.stored_urls, self.story_ids, self.pool, self.outlet_ids
        return {
            "related_stored": lambda i: "/v1/related?url=" + urls[i % len(urls)],
            "related_unseen": lambda i: (
                f"/v1/related?url=https://unseen.example.com/a/{i}&title="
                + pool[i % len(pool)].title(random.Random(i)).replace(" ", "+").replace(":", "")
            ),
            "stories": lambda i: "/v1/stories?limit=20",
            "story_json": lambda i: f"/v1/stories/{ids[i % len(ids)]}",
            "story_page": lambda i: f"/stories/{ids[i % len(ids)]}",
            "score": lambda i: f"/v1/score?url=https://{outlets[i % len(outlets)]}/x/{i}",
            # The same story reads with every kept summary and body forgotten first: what a
            # story costs the first time it is read at its version (code without those
            # caches reads it so every time).
            "related_stored_cold": lambda i: "/v1/related?url=" + urls[i % len(urls)],
            "story_page_cold": lambda i: f"/stories/{ids[i % len(ids)]}",
        }

    def _forget(self) -> None:
        snapshots = getattr(self.engine, "_snapshots", None)
        if snapshots is not None:
            snapshots.clear()
        bodies = self.app.extensions.get("parallax.story_bodies")
        if bodies is not None:
            bodies.clear()

    def _count_database_time(self) -> None:
        """Times every statement this process sends (psycopg runs a statement and receives
        its rows inside Cursor.execute): the database's part of a request, round trips
        included, and how many statements it took."""
        import psycopg

        real = psycopg.Cursor.execute
        reads = self

        def timed(cur: Any, *args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return real(cur, *args, **kwargs)
            finally:
                reads._db_seconds += time.perf_counter() - t
                reads._db_queries += 1

        psycopg.Cursor.execute = timed  # type: ignore[method-assign,assignment]

    def get(self, path: str) -> float:
        db, queries = self._db_seconds, self._db_queries
        t = time.perf_counter()
        cpu = time.thread_time()
        response = self.client.get(path)
        took = time.perf_counter() - t
        self.cpu.append(time.thread_time() - cpu)
        self.db.append(self._db_seconds - db)
        self.queries.append(self._db_queries - queries)
        if response.status_code >= 500:
            raise RuntimeError(f"{response.status_code} for {path}")
        return took

    def p95s(self, requests: int) -> dict[str, float]:
        """p95 ms of each read, and beside it (`<read>_cpu`) the median CPU ms this thread
        spent on one: on a machine other jobs load, wall time is mostly waiting for a core,
        CPU time is what the request itself costs (the database's share not included);
        `<read>_db` the median ms spent waiting for the database's answers (round trips and
        its own work) and `<read>_queries` the median statements per request."""
        out: dict[str, float] = {}
        out["sampled_stories"] = len(self.story_ids)
        for name, path in self.paths().items():
            self.cpu, self.db, self.queries = [], [], []
            took: list[float] = []
            for i in range(requests):
                if name.endswith("_cold"):
                    self._forget()
                took.append(self.get(path(i)))
            out[name] = round(_p95(took), 2)
            out[f"{name}_cpu"] = round(sorted(self.cpu)[len(self.cpu) // 2] * 1000, 2)
            out[f"{name}_db"] = round(sorted(self.db)[len(self.db) // 2] * 1000, 2)
            out[f"{name}_queries"] = sorted(self.queries)[len(self.queries) // 2]
        return out

    def close(self) -> None:
        self.engine.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> None:
    """One GET on a keep-alive connection; anything but a 200 stops the drill."""
    from bench.load import read_response

    writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    await writer.drain()
    status, _ = await asyncio.wait_for(read_response(reader), 30)
    if status != 200:
        raise RuntimeError(f"{status} for {path}")


async def _paced(
    port: int, deadline: float, every: float, paths: list[str], latencies: list[float], seed: int
) -> None:
    """One keep-alive connection sending a request every `every` seconds; latency counts from
    the time the request was due, so a slow answer that delays the next one is not hidden."""
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection(HOST, port)
    due = time.monotonic() + rng.random() * every
    try:
        while due < deadline:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await _get(reader, writer, rng.choice(paths))
            latencies.append(time.monotonic() - due)
            due += every
    finally:
        writer.close()


async def _closed(
    port: int, deadline: float, paths: list[str], latencies: list[float], seed: int
) -> None:
    """One keep-alive connection sending the next request as soon as the last is answered."""
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.monotonic() < deadline:
            path = rng.choice(paths)
            t = time.monotonic()
            await _get(reader, writer, path)
            latencies.append(time.monotonic() - t)
    finally:
        writer.close()


def _drive(
    port: int, connections: int, seconds: float, paths: list[str], every: float | None
) -> list[float]:
    latencies: list[float] = []

    async def run() -> None:
        deadline = time.monotonic() + min(seconds, 600)
        if every is None:
            jobs = [_closed(port, deadline, paths, latencies, s) for s in range(connections)]
        else:
            jobs = [_paced(port, deadline, every, paths, latencies, s) for s in range(connections)]
        await asyncio.gather(*jobs)

    asyncio.run(run())
    return latencies


def http_score(
    database_url: str, stored_urls: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """/v1/score over real HTTP: gunicorn with the shipped configuration (2 workers × 4
    threads, 127.0.0.1 only) on this store, `--connections` keep-alive connections; first as
    fast as they can (closed loop: p95 is then the queue, connections / throughput), then paced
    at half that throughput (what a server that is not saturated answers)."""
    from urllib.parse import quote

    from bench.load import article_urls, resident_mib, start_server

    urls = article_urls(4500) + stored_urls * max(1, 500 // max(1, len(stored_urls)))
    paths = [f"/v1/score?url={quote(u, safe='')}" for u in urls]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="parallax-scale-http-") as data_dir:
        # The server logs each request with its own time ("ms": from its first to its last
        # hook), read back per phase: the time spent inside the app, queueing excluded.
        server_log = Path(data_dir) / "server.log"
        # A loaded machine may take a while to start the server (ratings, then two workers).
        server = start_server(
            port,
            2,
            data_dir,
            argparse.Namespace(
                database_url=database_url, redis_url=args.redis_url, server_log=server_log
            ),
            300.0,
        )
        try:
            # Each worker opens its engine (restoring the window) on its first story lookup.
            t = time.monotonic()
            _drive(port, 4, 1.0, paths, None)
            warm = _drive(port, args.connections, args.http_seconds / 2, paths, None)
            # A worker restores its window before it takes requests; one still restoring would
            # put its CPU into the figures below (and take its share of the cores): wait until
            # the server is idle with nothing asked of it.
            _wait_idle(server.pid, 300.0)
            warm_s = time.monotonic() - t
            logged = _logged_ms(server_log, 0)
            cpu = _tree_cpu_seconds(server.pid)
            closed = _drive(port, args.connections, args.http_seconds, paths, None)
            closed_cpu = _tree_cpu_seconds(server.pid) - cpu
            closed_ms, mark = _logged_ms(server_log, logged[1])
            rps = len(closed) / args.http_seconds
            # Half the closed loop's throughput, or a rate given (the same for runs compared:
            # a faster server is otherwise paced faster).
            rate = float(args.paced_rps) if args.paced_rps else max(1.0, rps / 2)
            cpu = _tree_cpu_seconds(server.pid)
            paced = _drive(
                port, args.connections, args.http_seconds, paths, args.connections / rate
            )
            paced_cpu = _tree_cpu_seconds(server.pid) - cpu
            paced_ms, _ = _logged_ms(server_log, mark)
            rss = resident_mib(server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    return {
        "score_http_closed_cpu_ms": round(1000 * closed_cpu / max(1, len(closed)), 2),
        "score_http_closed_server_p95": round(_p95([ms / 1000 for ms in closed_ms]), 2),
        "score_http_paced_cpu_ms": round(1000 * paced_cpu / max(1, len(paced)), 2),
        "score_http_paced_server_p95": round(_p95([ms / 1000 for ms in paced_ms]), 2),
        "score_http_warmup_seconds": round(warm_s, 1),
        "score_http_warm_p95": round(_p95(warm), 2),
        "score_http_closed_rps": round(rps, 1),
        "score_http_closed_p50": round(sorted(closed)[len(closed) // 2] * 1000, 2)
        if closed
        else 0.0,
        "score_http_closed_p95": round(_p95(closed), 2),
        "score_http_paced_rps": round(len(paced) / args.http_seconds, 1),
        "score_http_paced_rate_asked": round(rate, 1),
        "score_http_paced_p95": round(_p95(paced), 2),
        "web_rss_mib": round(rss, 1),
    }


def _logged_ms(log: Path, start: int) -> tuple[list[float], int]:
    """The "ms" of the request lines the server logged after byte `start` of its log, and
    where the log ends now."""
    try:
        data = log.read_bytes()
    except OSError:
        return [], start
    out: list[float] = []
    for line in data[start:].splitlines():
        if b'"ms"' not in line:
            continue
        with contextlib.suppress(ValueError, KeyError, TypeError):
            out.append(float(json.loads(line)["ms"]))
    return out, len(data)


def _wait_idle(pid: int, within: float) -> None:
    """Returns once a process tree used under 5 % of a core for a second (or after `within`)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        used = _tree_cpu_seconds(pid)
        time.sleep(1.0)
        if _tree_cpu_seconds(pid) - used < 0.05:
            return


def _tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live children (a gunicorn master and its workers)."""
    total = cpu_seconds(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(cpu_seconds(int(child)) for child in children)


def window_articles(database_url: str) -> int:
    import psycopg

    from service.store.postgres import split_database_url

    conninfo, schema = split_database_url(database_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        row = conn.execute(
            "SELECT count(*) FROM articles WHERE at >= (SELECT max(at) FROM articles) - %s",
            (3 * 86400.0,),
        ).fetchone()
    return int(row[0]) if row else 0


def measure_reads(database_url: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """p95 ms of each read in process, then /v1/score over HTTP, with an ingester storing new
    articles beside them all the time."""
    out: dict[str, Any] = {"window_articles": window_articles(database_url)}
    ingester = Ingester(database_url)
    out["ingester_restore_seconds"] = ingester.ready.get("restore_seconds")
    reads: Reads | None = None
    try:
        reads = Reads(database_url, size)
        out["reader_restore_seconds"] = reads.restore_seconds
        out.update(reads.p95s(args.requests))
        print(json.dumps({"articles": size, **out}), flush=True)  # kept should HTTP fail
        if args.http_seconds:
            out.update(http_score(database_url, reads.stored_urls, args))
    finally:
        if reads is not None:
            reads.close()
        done = ingester.stop()
    out["ingest_articles_per_second"] = done.get("articles_per_second", 0.0)
    out["ingester_rss_mib"] = done.get("VmRSS")
    out["ingester_peak_rss_mib"] = done.get("VmHWM")
    out["ingester_window_docs"] = done.get("window_docs")
    return out


def as_ingester(database_url: str, seconds: str) -> None:
    """Stores new articles through the engine (shared ingest, as workers do) for at most
    `seconds` or until SIGTERM. Prints `ready {...}` once its window is restored, and at the
    end one JSON line: articles/s, its memory, the documents in its clusterer's window."""
    from service.config import load_config
    from service.core.ratings import table_for_config
    from service.coverage.engine import RawArticle
    from service.coverage.runtime import open_engine
    from service.ingest.shared import shared_ingest

    config = load_config({"PARALLAX_DATABASE_URL": database_url, "PARALLAX_LOG_LEVEL": "WARNING"})
    t = time.monotonic()
    eng = open_engine(config, table_for_config(config))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", json.dumps({"restore_seconds": round(time.monotonic() - t, 1)}), flush=True)
    # A seed of its own per run: the same articles again would be taken for copies of the last
    # run's (a kept store keeps them) and nothing would be stored.
    rng = random.Random(f"{os.getpid()}:{time.time()}")
    pool = events(2000, 11)
    outlets = outlets_of_every_side(400)
    added = 0
    t0 = time.monotonic()
    n = 0
    while not stop.is_set() and time.monotonic() - t0 < float(seconds):
        batch = []
        for _ in range(20):
            n += 1
            event = rng.choice(pool)
            outlet = rng.choice(outlets)
            batch.append(
                RawArticle(
                    title=event.title(rng),
                    text=event.text(rng),
                    url=f"https://{outlet}/live/{os.getpid()}/{n}",
                    outlet=outlet,
                    published=time.time(),
                )
            )
        added += shared_ingest(eng, batch).added
    report: dict[str, Any] = {
        "articles_per_second": round(added / (time.monotonic() - t0), 1),
        "window_docs": len(getattr(eng.clusterer, "_doc_story", ())),
        **rss_mib(os.getpid()),
    }
    print(json.dumps(report), flush=True)
    eng.store.close()


def relation_bytes(database_url: str) -> dict[str, int]:
    """pg_total_relation_size (heap, TOAST, indexes) of each table of the schema, and their sum."""
    import psycopg

    from service.store.postgres import split_database_url

    conninfo, schema = split_database_url(database_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s"
            " AND c.relkind IN ('r', 'm', 'p')",
            (schema,),
        ).fetchall()
    out = {str(name): int(size) for name, size in rows}
    out["total"] = sum(out.values())
    return out


def disk_bytes(database_url: str) -> int:
    return relation_bytes(database_url)["total"]


class LockWatch:
    """Samples, every 50 ms, the sessions of this database waiting for a lock (pg_stat_activity
    wait_event_type = 'Lock'), apart from the ingester's turn on the commit lock it shares
    with prune on purpose: that is counted separately."""

    def __init__(self, database_url: str) -> None:
        from service.store.postgres import split_database_url

        self.conninfo, _ = split_database_url(database_url)
        self.samples = 0
        self.reader_waits = 0
        self.writer_waits = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self.stop.wait(0.05):
                rows = conn.execute(
                    "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                ).fetchall()
                self.samples += 1
                for (query,) in rows:
                    if "advisory" in str(query) or "INSERT" in str(query) or "UPDATE" in str(query):
                        self.writer_waits += 1
                    else:
                        self.reader_waits += 1

    def close(self) -> dict[str, int]:
        self.stop.set()
        self.thread.join(timeout=10)
        return {
            "lock_samples": self.samples,
            "reader_lock_waits_seen": self.reader_waits,
            "writer_lock_waits_seen": self.writer_waits,
        }


def prune_drill(database_url: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """`prune --older-than N days` at this size with readers and the ingester running: the
    time, reads' p95 before and during it, lock waits seen, sizes before, after and after a
    VACUUM."""
    import psycopg

    from service.store.postgres import PostgresStore, split_database_url

    conninfo, schema = split_database_url(database_url)
    out: dict[str, Any] = {"articles": size, "prune_older_than_days": args.prune_days}
    before = relation_bytes(database_url)
    out["articles_bytes_before"] = before.get("articles", 0)
    out["total_bytes_before"] = before["total"]
    ingester = Ingester(database_url)
    try:
        reads = Reads(database_url, size)
    except BaseException:
        ingester.stop()
        raise
    paths = reads.paths()
    kinds = ["story_page", "story_json", "stories", "related_stored"]
    timings: dict[str, list[float]] = {"before": [], "during": []}
    phase = ["before"]
    stop = threading.Event()

    def read_loop() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            timings[phase[0]].append(reads.get(paths[kinds[i % len(kinds)]](i)))
            time.sleep(0.01)

    reader = threading.Thread(target=read_loop, daemon=True)
    reader.start()
    try:
        time.sleep(args.prune_baseline_seconds)
        phase[0] = "during"
        watch = LockWatch(database_url)
        store = PostgresStore(database_url)
        t = time.monotonic()
        pruned = store.prune_articles(time.time() - args.prune_days * 86400.0)
        out["prune_seconds"] = round(time.monotonic() - t, 1)
        store.close()
        out.update(watch.close())
    finally:
        stop.set()
        reader.join(timeout=60)
        reads.close()
        done = ingester.stop()
    out["prune_articles"] = pruned.articles
    out["prune_batches"] = pruned.batches
    out["prune_per_second"] = round(pruned.articles / max(out["prune_seconds"], 1e-9))
    out["reads_before"] = len(timings["before"])
    out["reads_p95_before"] = round(_p95(timings["before"]), 2)
    out["reads_during"] = len(timings["during"])
    out["reads_p95_during"] = round(_p95(timings["during"]), 2)
    out["reads_max_during"] = round(max(timings["during"], default=0.0) * 1000, 2)
    out["ingest_articles_per_second_during"] = done.get("articles_per_second", 0.0)
    after = relation_bytes(database_url)
    out["articles_bytes_after_prune"] = after.get("articles", 0)
    out["total_bytes_after_prune"] = after["total"]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET statement_timeout = 0")
        dead = conn.execute(
            "SELECT n_dead_tup, n_live_tup, last_autovacuum FROM pg_stat_user_tables"
            " WHERE schemaname = %s AND relname = 'articles'",
            (schema,),
        ).fetchone()
        out["dead_rows_after_prune"] = int(dead[0]) if dead else None
        out["autovacuum_ran_by_then"] = bool(dead and dead[2])
        t = time.monotonic()
        conn.execute("VACUUM (ANALYZE) articles")
        conn.execute("VACUUM (ANALYZE) term_docs")
        out["vacuum_seconds"] = round(time.monotonic() - t, 1)
    vacuumed = relation_bytes(database_url)
    out["articles_bytes_after_vacuum"] = vacuumed.get("articles", 0)
    out["total_bytes_after_vacuum"] = vacuumed["total"]
    # What a VACUUM gives back is reusable space inside the files (the files keep their size
    # unless their tail emptied): the free space map says how much.
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_freespacemap")
            free = conn.execute(
                "SELECT sum(avail) FROM pg_freespace(%s::regclass)", (f'"{schema}".articles',)
            ).fetchone()
            out["articles_free_bytes_after_vacuum"] = int(free[0] or 0) if free else None
        except psycopg.Error:
            out["articles_free_bytes_after_vacuum"] = None
    return out


def run_articles(args: argparse.Namespace) -> list[dict[str, Any]]:
    from service.store.postgres import drop_schema

    sizes = [int(s) for s in str(args.articles).split(",") if s.strip()]
    base_url = args.database_url
    throwaway = f"parallax_scale_{uuid.uuid4().hex[:10]}"
    results: list[dict[str, Any]] = []
    loaded = 0
    try:
        for size in sizes:
            # A kept schema per size (loaded once, measured many times), or one throwaway schema
            # grown from size to size.
            schema = f"{args.keep}_{size}" if args.keep else throwaway
            database_url = f"{base_url}?schema={schema}"
            if args.keep:
                loaded = bulk_loaded(database_url)
                if loaded > size:
                    raise SystemExit(
                        f"schema {schema} holds {loaded:,} synthetic articles, not {size:,}"
                    )
            t = time.monotonic()
            if loaded < size:
                # The same articles per day at every size (the clusterer's window holds as
                # many): a larger store reaches further back.
                days = args.days_per_million * size / 1_000_000
                bulk_load(database_url, size - loaded, processes=args.load_processes, days=days)
            load_s = time.monotonic() - t
            row: dict[str, Any] = {
                "articles": size,
                "schema": schema,
                "load_seconds": round(load_s, 1),
                "load_per_second": round((size - loaded) / load_s) if size > loaded else None,
                "disk_bytes_per_article": round(disk_bytes(database_url) / size),
                "loadavg_before": os.getloadavg()[0],
            }
            loaded = size
            if args.prune_only:
                continue
            row.update(measure_reads(database_url, size, args))
            row["loadavg_after"] = os.getloadavg()[0]
            results.append(row)
            print(json.dumps(row), flush=True)
        base = results[0] if results else {}
        for row in results[1:]:
            reads = (
                "related_stored",
                "related_unseen",
                "stories",
                "story_json",
                "story_page",
                "score",
                "related_stored_cold",
                "story_page_cold",
            )
            ratios = {
                k: round(row[k] / base[k], 2)
                for k in (
                    *(f"{r}{part}" for r in reads for part in ("", "_cpu", "_db")),
                    "score_http_closed_p95",
                    "score_http_paced_p95",
                    "score_http_closed_server_p95",
                    "score_http_paced_server_p95",
                    "score_http_closed_cpu_ms",
                    "score_http_paced_cpu_ms",
                    "ingest_articles_per_second",
                    "ingester_rss_mib",
                    "window_articles",
                )
                if base.get(k) and row.get(k) is not None
            }
            print(
                f"growth {base['articles']:,} -> {row['articles']:,}: {json.dumps(ratios)}",
                flush=True,
            )
        if args.prune_days:
            size = sizes[-1]
            schema = f"{args.keep}_{size}" if args.keep else throwaway
            print(json.dumps(prune_drill(f"{base_url}?schema={schema}", size, args)), flush=True)
    finally:
        if not args.keep:
            drop_schema(base_url, throwaway)
    return results


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--as-worker":
        as_worker(sys.argv[2])
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--as-ingester":
        as_ingester(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a size CI can afford")
    parser.add_argument("--part", choices=("feeds", "articles", "both"), default="both")
    parser.add_argument("--feeds", type=int, default=50_000)
    parser.add_argument("--hosts", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16, help="PARALLAX_FEED_THREADS per worker")
    parser.add_argument("--interval", type=int, default=900)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--items", type=int, default=3, help="items in each feed version")
    parser.add_argument("--max-seconds", type=int, default=1800)
    parser.add_argument("--articles", default="1000000,10000000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=PG_URL, help="PostgreSQL database (no schema)")
    parser.add_argument(
        "--keep",
        default="",
        metavar="PREFIX",
        help="load each size into schema PREFIX_<size> once and keep it (reused by later runs)",
    )
    parser.add_argument(
        "--days-per-million",
        type=float,
        default=120.0,
        help="days a million synthetic articles span (the same articles per day at every size)",
    )
    parser.add_argument("--load-processes", type=int, default=2, help="COPY slices side by side")
    parser.add_argument("--connections", type=int, default=64, help="for /v1/score over HTTP")
    parser.add_argument(
        "--redis-url", default="", help="the HTTP server's PARALLAX_REDIS_URL (shared caches)"
    )
    parser.add_argument(
        "--paced-rps",
        type=float,
        default=0.0,
        help="/v1/score paced phase: requests/s over all connections (0: half the closed loop's)",
    )
    parser.add_argument("--http-seconds", type=int, default=20, help="0: no HTTP phase")
    parser.add_argument(
        "--prune-days",
        type=int,
        default=0,
        help="then prune the largest size's articles older than this many days (readers beside)",
    )
    parser.add_argument("--prune-baseline-seconds", type=int, default=20)
    parser.add_argument(
        "--prune-only",
        action="store_true",
        help="with --keep: load if needed, skip the reads, run the prune drill on the largest size",
    )
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.hosts, args.interval, args.passes = 600, 150, 60, 2
        args.max_seconds, args.articles, args.requests = 180, "20000,100000", 100
        args.http_seconds = min(args.http_seconds, 6)
        args.prune_baseline_seconds = min(args.prune_baseline_seconds, 5)
    for name in (
        "feeds",
        "hosts",
        "workers",
        "threads",
        "interval",
        "passes",
        "max_seconds",
        "requests",
        "connections",
        "load_processes",
        "items",
    ):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 <= args.paced_rps < math.inf:
        parser.error("--paced-rps must be 0 (half the closed loop's) or a positive rate")
    if args.part in ("feeds", "both"):
        print(json.dumps(run_feeds(args), indent=1), flush=True)
    if args.part in ("articles", "both"):
        run_articles(args)


if __name__ == "__main__":
    main()
