"""Scale drill: many feeds on many hosts pulled by several `parallax worker` processes sharing one
PostgreSQL, then a store of synthetic articles bulk-loaded (COPY) and read at volume.

Feeds part. One fixture server process (this one, 127.0.0.1 only) serves synthetic RSS and Atom
feeds under many host names (`h00042.drill.invalid`). The workers are real `parallax worker`
processes; the only thing added to them (`--as-worker`) is a name lookup that answers
127.0.0.1 for *.drill.invalid and refuses every other name, so no request can leave this
machine. Feeds behave as feeds do: most answer 304 to a conditional GET, some are slow, some
fail (404, 500, connection reset, malformed XML), some redirect; items come from a synthetic
story generator (events covered by outlets of every side of the bundled table). The server
counts every fetch, so it prints feeds/s for the first full pass, fetches per feed per pass,
duplicates (a feed fetched twice within one interval), the most requests one host had in
flight at once against the politeness limit (one at a time), CPU seconds per feed of the
workers, and how failing feeds are retried and shown in feed health.

Articles part. Synthetic articles are COPY-loaded into a throwaway schema (the search column
and term counts as the store writes them; story rows from the loaded articles), then
/v1/related (a stored URL; an unseen URL with a title), /v1/stories, a story page and
/v1/score are timed in-process while a thread keeps ingesting; each size is printed with its
ratio to the first (smallest) size of the same run.

Bounded: every wait has a deadline (--max-seconds for the feed part). Throwaway schemas are
dropped at the end.

usage: python -m bench.scale_drill [--quick] [--part feeds|articles|both]
        [--feeds 50000 --hosts 5000 --workers 4 --interval 900 --passes 2 --max-seconds 1800]
        [--articles 1000000,10000000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
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
POLITENESS_LIMIT = 1  # requests one host may have in flight (feeds.POLITENESS_DELAY apart)

# Invented words for the synthetic events: nothing here is real news.
_SYLLABLES = ("ka", "lo", "mir", "dun", "sel", "tor", "vex", "ba", "qui", "ren", "zo", "pal")
_NOUNS = (
    "council", "bridge", "harbor", "tariff", "court", "strike", "vaccine", "election", "budget",
    "wildfire", "pipeline", "treaty", "merger", "verdict", "summit", "reactor", "flood", "rail",
)
_VERBS = ("approves", "blocks", "delays", "expands", "probes", "rejects", "backs", "halts")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(3))


@dataclass(frozen=True)
class Event:
    """One invented news event: the words every outlet's headline about it shares."""

    place: str
    noun: str
    verb: str
    detail: str

    def title(self, rng: random.Random) -> str:
        forms = (
            f"{self.place} {self.noun} {self.verb} {self.detail} plan",
            f"{self.detail} {self.noun}: {self.place} {self.verb} proposal",
            f"Officials in {self.place} {self.verb} {self.noun} over {self.detail}",
        )
        return rng.choice(forms)

    def text(self, rng: random.Random) -> str:
        return (
            f"The {self.place} {self.noun} {self.verb} the {self.detail} measure on "
            f"{rng.choice(('Monday', 'Tuesday', 'Friday'))}, officials said."
        )


def events(n: int, seed: int = 5) -> list[Event]:
    rng = random.Random(seed)
    return [
        Event(_word(rng).title(), rng.choice(_NOUNS), rng.choice(_VERBS), _word(rng))
        for _ in range(n)
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
            "404" if h < 5 else "500" if h < 10 else "reset" if h < 12 else "malformed" if h < 14
            else "redirect" if h < 17 else "slow" if h < 22 else "ok"
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


def feed_body(spec: FeedSpec, version: int, pool: list[Event]) -> bytes:
    rng = random.Random(spec.index * 1_000_003 + version)
    # Each version covers a few of the events current at that time: outlets of every side
    # meet on the same events, so stories gather several sides.
    current = pool[(version * 7) % len(pool) :][:40] or pool[:40]
    items = []
    for k in range(3):
        event = rng.choice(current)
        link = f"https://{spec.outlet}/drill/{spec.index}/{version}/{k}"
        title = event.title(rng).replace("&", "and")
        text = event.text(rng)
        stamp = formatdate(time.time() - rng.randrange(3600), usegmt=True)
        if spec.atom:
            items.append(
                f"<entry><title>{title}</title><link href='{link}'/><id>{link}</id>"
                f"<updated>{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}</updated>"
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
    in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    last_start: dict[str, float] = field(default_factory=dict)
    min_gap: dict[str, float] = field(default_factory=dict)


def make_server(specs: list[FeedSpec], started: float, counts: Counts) -> ThreadingHTTPServer:
    pool = events(400)
    by_index = {s.index: s for s in specs}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
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
            with counts.lock:
                counts.in_flight[host] = counts.in_flight.get(host, 0) + 1
                counts.max_in_flight[host] = max(
                    counts.max_in_flight.get(host, 0), counts.in_flight[host]
                )
                if host in counts.last_start:
                    gap = now - counts.last_start[host]
                    counts.min_gap[host] = min(counts.min_gap.get(host, gap), gap)
                counts.last_start[host] = now
            try:
                self._answer(host, now)
            finally:
                with counts.lock:
                    counts.in_flight[host] -= 1

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
            body = feed_body(spec, version, pool)
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
    server = make_server(specs, started, counts)
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
    try:
        while time.monotonic() < min(deadline, horizon + 5):
            time.sleep(1.0)
            for w in workers:
                cpu[w.pid] = max(cpu.get(w.pid, 0.0), cpu_seconds(w.pid))
            with counts.lock:
                seen = len(counts.fetches)
            if first_pass is None and seen == len(specs):
                first_pass = time.monotonic() - t0
                print(f"  first full pass after {first_pass:.1f} s", flush=True)
            if any(w.poll() is not None for w in workers):
                print("  a worker exited early; see its log", flush=True)
                break
    finally:
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
    elapsed = time.monotonic() - t0
    store = PostgresStore(database_url)
    try:
        states = {s.url: s for s in store.feed_states()}
        stored = store.counts()
    finally:
        store.close()
        drop_schema(PG_URL, schema)
    with counts.lock:
        fetches = {k: list(v) for k, v in counts.fetches.items()}
        max_host = max(counts.max_in_flight.values(), default=0)
        over = sum(1 for v in counts.max_in_flight.values() if v > POLITENESS_LIMIT)
        gaps = list(counts.min_gap.values())
        statuses = dict(counts.statuses)
    total = sum(len(v) for v in fetches.values())
    # A duplicate: the same feed fetched again within 80 % of the interval (what workers allow).
    duplicates = sum(
        1 for times in fetches.values() for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
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
    worker_cpu = sum(cpu.values())
    out = {
        "feeds": args.feeds,
        "hosts": args.hosts,
        "workers": args.workers,
        "threads_per_worker": args.threads,
        "seconds": round(elapsed, 1),
        "first_pass_seconds": round(first_pass, 1) if first_pass else None,
        "feeds_fetched_at_least_once": len(fetches),
        "feeds_per_second": round(
            (args.feeds / first_pass) if first_pass else len(fetches) / elapsed, 2
        ),
        "fetches": total,
        "fetches_per_feed_per_pass": round(total / args.feeds / passes_done, 3),
        "duplicates_within_interval": duplicates,
        "max_in_flight_one_host": max_host,
        "hosts_over_politeness_limit": over,
        "min_gap_same_host_s": round(min(gaps), 3) if gaps else None,
        "statuses": statuses,
        "worker_cpu_seconds": round(worker_cpu, 1),
        "cpu_ms_per_fetch": round(1000 * worker_cpu / max(1, total), 2),
        "failing_feeds": len(failing),
        "failing_shown_in_feed_health": shown_failing,
        "fetches_per_pass_failing": round(per_feed(failing), 3),
        "fetches_per_pass_healthy": round(per_feed(healthy), 3),
        "articles_stored": stored["articles"],
        "stories_stored": stored["stories"],
    }
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def as_worker(interval: str) -> None:
    """`parallax worker --interval N` with the drill's name lookup (see drill_resolver)."""
    drill_resolver()
    from service.cli import main

    sys.argv = ["parallax", "worker", "--interval", interval]
    main()


# -- articles at volume --------------------------------------------------------------


def bulk_load(database_url: str, n: int, *, seed: int = 3, story_size: int = 20) -> None:
    """COPY n synthetic articles (about story_size to a story, spread over 120 days), with the
    search column and term counts the store keeps, then the story rows from them."""
    import psycopg

    from service.store.postgres import PostgresStore, split_database_url
    from service.store.sql import document_words

    PostgresStore(database_url).close()
    conninfo, schema = split_database_url(database_url)
    outlets = outlets_of_every_side(400)
    sides = ("left", "center", "right", "unrated")
    pool = events(max(50, n // story_size), seed)
    rng = random.Random(seed)
    now = time.time()
    span = 120 * 86400.0
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET statement_timeout = 0")
        start = int(conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])  # type: ignore[index]
        with conn.cursor() as cur, cur.copy(
            "COPY articles (id, key, url, outlet_id, side, title, text, published, first_seen,"
            " at, fingerprint, story_id, search) FROM STDIN"
        ) as copy:
            for i in range(start + 1, start + n + 1):
                story = (i - 1) // story_size
                event = pool[story % len(pool)]
                outlet = outlets[rng.randrange(len(outlets))]
                at = now - span * (1 - story / max(1, (start + n) // story_size))
                title = event.title(rng) + f" {i % 97}"
                text = event.text(rng)
                url = f"https://{outlet}/bulk/{i}"
                words = document_words(title, text)
                copy.write_row(
                    (
                        i, url, url, outlet, sides[i % 4], title, text, at, at, at, "",
                        f"bulk-{story}", " ".join(words),
                    )
                )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT max(id) FROM articles))"
        )
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
        conn.execute("ANALYZE articles")
        conn.execute("ANALYZE stories")
        conn.execute("ANALYZE term_docs")


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000


def measure_reads(database_url: str, size: int, requests: int) -> dict[str, float]:
    """p95 ms of each read, with one thread ingesting new articles meanwhile."""
    from service.app import create_app
    from service.coverage.runtime import engine as app_engine

    tmp = Path(tempfile.mkdtemp(prefix="parallax-scale-"))
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp),
            "DATABASE_URL": database_url,
            "INGEST_ENABLED": False,
            "RATE_LIMIT": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    client = app.test_client()
    eng = app_engine(app)
    pool = events(max(50, size // 20), 3)
    # Ingest runs beside the reads in a process of its own, as a worker does.
    feeder = subprocess.Popen(
        [sys.executable, "-m", "bench.scale_drill", "--as-ingester", database_url, "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(3.0)  # its engine restores and starts committing
    with eng.store._conn().cursor() as cur:  # type: ignore[attr-defined]
        cur.execute("SELECT url, story_id FROM articles TABLESAMPLE SYSTEM (1) LIMIT 200")
        sample = cur.fetchall()
    stored_urls = [str(u) for u, _ in sample]
    story_ids = [str(s) for _, s in sample if s]
    table = bundled_table()
    outlet_ids = sorted(o for o in table.outlets if "/" not in o)[:500]
    reads: dict[str, Callable[[int], str]] = {
        "related_stored": lambda i: "/v1/related?url=" + stored_urls[i % len(stored_urls)],
        "related_unseen": lambda i: (
            f"/v1/related?url=https://unseen.example.com/a/{i}&title="
            + pool[i % len(pool)].title(random.Random(i)).replace(" ", "+").replace(":", "")
        ),
        "stories": lambda i: "/v1/stories?limit=20",
        "story_json": lambda i: f"/v1/stories/{story_ids[i % len(story_ids)]}",
        "story_page": lambda i: f"/stories/{story_ids[i % len(story_ids)]}",
        "score": lambda i: f"/v1/score?url=https://{outlet_ids[i % len(outlet_ids)]}/x/{i}",
    }
    out: dict[str, float] = {}
    try:
        for name, path in reads.items():
            samples = []
            for i in range(requests):
                t = time.perf_counter()
                response = client.get(path(i))
                samples.append(time.perf_counter() - t)
                if response.status_code >= 500:
                    raise RuntimeError(f"{name}: {response.status_code} for {path(i)}")
            out[name] = round(_p95(samples), 2)
    finally:
        if feeder.poll() is None:
            os.killpg(feeder.pid, signal.SIGTERM)
        stdout, _ = feeder.communicate(timeout=60)
        eng.store.close()
        shutil.rmtree(tmp, ignore_errors=True)
    lines = stdout.decode().split()
    out["ingest_articles_per_second"] = float(lines[-1]) if lines else 0.0
    return out


def as_ingester(database_url: str, seconds: str) -> None:
    """Stores new articles through the engine (shared ingest, as workers do) for at most
    `seconds` or until SIGTERM; prints articles/s."""
    from service.config import load_config
    from service.core.ratings import table_for_config
    from service.coverage.engine import RawArticle
    from service.coverage.runtime import open_engine
    from service.ingest.shared import shared_ingest

    config = load_config({"PARALLAX_DATABASE_URL": database_url, "PARALLAX_LOG_LEVEL": "WARNING"})
    eng = open_engine(config, table_for_config(config))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    rng = random.Random(7)
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
                    title=event.title(rng), text=event.text(rng),
                    url=f"https://{outlet}/live/{os.getpid()}/{n}", outlet=outlet,
                    published=time.time(),
                )
            )
        added += shared_ingest(eng, batch).added
    print(round(added / (time.monotonic() - t0), 1), flush=True)
    eng.store.close()


def disk_bytes(database_url: str) -> int:
    import psycopg

    from service.store.postgres import split_database_url

    conninfo, schema = split_database_url(database_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s"
            " AND c.relkind IN ('r', 'm')",
            (schema,),
        ).fetchone()
    return int(row[0]) if row else 0


def run_articles(args: argparse.Namespace) -> list[dict[str, Any]]:
    from service.store.postgres import drop_schema

    sizes = [int(s) for s in str(args.articles).split(",") if s.strip()]
    schema = f"parallax_scale_{uuid.uuid4().hex[:10]}"
    database_url = f"{PG_URL}?schema={schema}"
    results: list[dict[str, Any]] = []
    loaded = 0
    try:
        for size in sizes:
            t = time.monotonic()
            bulk_load(database_url, size - loaded)
            load_s = time.monotonic() - t
            loaded = size
            row: dict[str, Any] = {
                "articles": size,
                "load_seconds": round(load_s, 1),
                "load_per_second": round((size - (results[-1]["articles"] if results else 0)) / load_s),
                "disk_bytes_per_article": round(disk_bytes(database_url) / size),
            }
            row.update(measure_reads(database_url, size, args.requests))
            t = time.monotonic()
            results.append(row)
            print(json.dumps(row), flush=True)
        base = results[0]
        for row in results[1:]:
            ratios = {
                k: round(row[k] / base[k], 2)
                for k in ("related_stored", "related_unseen", "stories", "story_json", "story_page", "score")
                if base.get(k)
            }
            print(f"growth {base['articles']:,} -> {row['articles']:,}: {json.dumps(ratios)}")
        # Retention at this size: prune the oldest third, timed.
        from service.store.postgres import PostgresStore

        store = PostgresStore(database_url)
        try:
            before = disk_bytes(database_url)
            t = time.monotonic()
            cutoff = time.time() - 80 * 86400
            pruned = store.prune_articles(cutoff)
            prune_s = time.monotonic() - t
        finally:
            store.close()
        print(
            json.dumps(
                {
                    "prune_articles": pruned.articles,
                    "prune_batches": pruned.batches,
                    "prune_seconds": round(prune_s, 1),
                    "prune_per_second": round(pruned.articles / max(prune_s, 1e-9)),
                    "disk_before_bytes": before,
                }
            ),
            flush=True,
        )
    finally:
        drop_schema(PG_URL, schema)
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
    parser.add_argument("--max-seconds", type=int, default=1800)
    parser.add_argument("--articles", default="1000000,10000000")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.hosts, args.interval, args.passes = 600, 150, 60, 2
        args.max_seconds, args.articles, args.requests = 180, "20000,100000", 100
    for name in ("feeds", "hosts", "workers", "threads", "interval", "passes", "max_seconds", "requests"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.part in ("feeds", "both"):
        print(json.dumps(run_feeds(args), indent=1), flush=True)
    if args.part in ("articles", "both"):
        run_articles(args)


if __name__ == "__main__":
    main()
