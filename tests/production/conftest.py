"""Production fixtures: every store test runs on SQLite and on PostgreSQL (a throwaway schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from service.core.ratings import RatingsTable, load_table
from service.store.base import Store
from service.store.postgres import PostgresStore, drop_schema
from service.store.sqlite import SQLiteStore
from tests.support.ratings import write_ratings as support_write_ratings

# CI and every developer machine have this server (trust auth); override to test another one.
PG_URL = os.environ.get("PARALLAX_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PARALLAX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

OUTLETS_CSV = """id,name,aliases,kind,country,language,lean,lean_score,factuality,owner,owner_type,flags,basis,confidence,reviewed
centerwire.com,Center Wire,,wire-service,US,en,center,,very-high,Center Wire Cooperative,cooperative,,test fixture,high,2025-01-01
leftpaper.com,Left Paper,,newspaper,US,en,lean-left,,high,Left Paper Company,family,,test fixture,high,2025-01-01
rightdaily.com,Right Daily,,digital-native,US,en,right,,mixed,Right Daily LLC,billionaire,,test fixture,medium,2025-01-01
righttimes.com,Right Times,,newspaper,US,en,lean-right,,high,Right Times Inc,corporation,,test fixture,medium,2025-01-01
"""


def write_ratings(directory: Path, feeds: list[tuple[str, str]] | None = None) -> Path:
    """A ratings directory with the test outlets and the given (outlet_id, url) feeds."""
    return support_write_ratings(directory, OUTLETS_CSV, feeds or ())


def postgres_available() -> str | None:
    """None when the test server answers, else why not."""
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def need_postgres() -> None:
    """Skips on a developer machine without PostgreSQL; in CI a missing server is a failure."""
    problem = postgres_available()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL at {PG_URL} is needed in CI: {problem}")
    pytest.skip(f"PostgreSQL at {PG_URL} is not reachable: {problem}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A DATABASE_URL naming a fresh schema of its own, dropped afterwards (runs share a server)."""
    need_postgres()
    schema = f"parallax_test_{uuid.uuid4().hex[:12]}"
    yield f"{PG_URL}?schema={schema}"
    drop_schema(PG_URL, schema)


@pytest.fixture
def table(tmp_path: Path) -> RatingsTable:
    return load_table(write_ratings(tmp_path / "ratings"))


StoreFactory = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens (and reopens) one store of the parametrised backend; all are closed at the end."""
    opened: list[SQLiteStore | PostgresStore] = []
    if request.param == "sqlite":
        path = tmp_path / "store" / "parallax.sqlite3"

        def make() -> Store:
            opened.append(SQLiteStore(path))
            return opened[-1]

        yield make
    else:
        url = request.getfixturevalue("pg_url")

        def make() -> Store:
            opened.append(PostgresStore(url))
            return opened[-1]

        yield make
    for s in opened:
        s.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    return store_factory()
