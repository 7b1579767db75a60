"""Coverage test fixtures: a small ratings table, stores, engines and a local HTTP server.

Tests run on SQLite; a module or test marked `@pytest.mark.backends("sqlite", "postgresql")`
runs on both (tests/support/stores.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.core.ratings import RatingsTable, load_table
from service.coverage.engine import Engine
from service.store.base import Store
from tests.support.apps import close_store, make_app
from tests.support.ratings import write_ratings as support_write_ratings
from tests.support.stores import parametrize_backends

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"

OUTLET_COLUMNS = (
    "id,name,aliases,kind,country,language,lean,lean_score,factuality,owner,owner_type,flags,"
    "basis,confidence,reviewed"
)
OUTLET_ROWS = [
    (
        "centerwire.com,Center Wire,,wire-service,US,en,center,,very-high,"
        "Center Wire Cooperative,cooperative,,test fixture,high,2025-01-01"
    ),
    (
        "farleft.org,Far Left Org,,blog,US,en,far-left,,low,"
        "Far Left Collective,independent,,test fixture,low,2025-01-01"
    ),
    (
        "leftpaper.com,Left Paper,lp.news,newspaper,US,en,lean-left,,high,"
        "Left Paper Company,family,,test fixture,high,2025-01-01"
    ),
    (
        "rightdaily.com,Right Daily,,digital-native,US,en,right,,mixed,"
        "Right Daily LLC,billionaire,,test fixture,medium,2025-01-01"
    ),
    (
        "rightradio.com,Right Radio,,radio,US,en,lean-right,,mostly-factual,"
        "Right Radio Group,corporation,,test fixture,medium,2025-01-01"
    ),
    (
        "righttimes.com,Right Times,,newspaper,US,en,lean-right,,high,"
        "Right Times Inc,corporation,,test fixture,medium,2025-01-01"
    ),
    "unratedblog.net,Unrated Blog,,blog,US,en,,,,,unknown,,,low,2025-01-01",
]
OUTLETS_CSV = "\n".join([OUTLET_COLUMNS, *OUTLET_ROWS]) + "\n"


def write_ratings(directory: Path, feeds: Sequence[tuple[str, str]] = ()) -> Path:
    """A ratings directory with the test outlets and the given (outlet_id, url) feeds."""
    return support_write_ratings(directory, OUTLETS_CSV, feeds or ())


@pytest.fixture
def make_ratings() -> Any:
    """write_ratings, for tests that need feeds in their ratings directory."""
    return write_ratings


@pytest.fixture
def ratings_dir(tmp_path: Path) -> Path:
    return write_ratings(tmp_path / "ratings")


@pytest.fixture
def table(ratings_dir: Path) -> RatingsTable:
    return load_table(ratings_dir)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_backends(metafunc, default=("sqlite",))


class FakeClock:
    """Wall time the tests set by hand."""

    def __init__(self, now: float = 1_741_100_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(store: Store, table: RatingsTable, clock: FakeClock) -> Engine:
    return Engine(store, table, clock=clock)


@pytest.fixture
def coverage_app(tmp_path: Path, ratings_dir: Path, database_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, RATINGS_DIR=str(ratings_dir), DATABASE_URL=database_url)
    yield app
    close_store(app)


PAGE = (
    "<html><head><title>Harbor council approves flood barrier</title>"
    '<meta property="og:title" content="Harbor council approves Eastside flood barrier">'
    "</head><body><p>Text.</p></body></html>"
)


@dataclass
class Route:
    """How the feed server answers one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    drip_seconds: float = 0.0  # > 0: send one byte at a time with this pause (a slow server)
    stream_bytes: int = 0  # > 0: send this many bytes of filler (a huge response)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when the request arrived
    host: str = ""


class LocalServer:
    """An HTTP server on 127.0.0.1 answering from a route table and recording every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server.requests.append(
                    Seen(
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        host=(self.headers.get("Host") or "").rsplit(":", 1)[0],
                    )
                )
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                if route.etag:
                    self.send_header("ETag", route.etag)
                    self.send_header("Last-Modified", "Tue, 04 Mar 2025 18:00:00 GMT")
                for key, value in route.headers.items():
                    self.send_header(key, value)
                try:
                    if route.drip_seconds:
                        self.send_header("Content-Length", "1000")
                        self.end_headers()
                        deadline = time.monotonic() + 10
                        while time.monotonic() < deadline:
                            self.wfile.write(b"<")
                            self.wfile.flush()
                            time.sleep(route.drip_seconds)
                        return
                    if route.stream_bytes:
                        self.end_headers()
                        chunk = b"<!-- filler -->" * 4096
                        sent = 0
                        while sent < route.stream_bytes:
                            self.wfile.write(chunk)
                            sent += len(chunk)
                        return
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def add(self, path: str, **options: Any) -> Route:
        """Serves `path` as described by Route's fields."""
        route = Route(**options)
        self.routes[path] = route
        return route

    def html(self, path: str, body: str = PAGE) -> Route:
        return self.add(path, body=body.encode(), content_type="text/html; charset=utf-8")

    def redirect(self, path: str, location: str, status: int = 302) -> Route:
        return self.add(path, status=status, headers={"Location": location})

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()


def feed_bytes(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


@pytest.fixture
def feedparser_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every document given to feedparser."""
    import feedparser

    sizes: list[int] = []
    real = feedparser.parse

    def recording(body: bytes, *args: Any, **kwargs: Any) -> Any:
        sizes.append(len(body))
        return real(body, *args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", recording)
    return sizes
