"""Store backends for tests: the PostgreSQL test server, a throwaway schema per test, and the
`backend` parameter that runs a test on SQLite, on PostgreSQL or on both.

A conftest calls `parametrize_backends` from its `pytest_generate_tests` and imports the
fixtures below; a module (or test) says where it runs with `@pytest.mark.backends(...)`.
The PostgreSQL runs carry the `postgres` mark, so `make unit` can leave them out."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg
import pytest

from service.store.base import Store
from service.store.postgres import PostgresStore, drop_schema
from service.store.sqlite import SQLiteStore

# CI and every developer machine have this server (trust auth); override to test another one.
PG_URL = os.environ.get("PARALLAX_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

BACKENDS = {
    "sqlite": pytest.param("sqlite", id="sqlite"),
    "postgresql": pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
}

StoreFactory = Callable[[], Store]


def parametrize_backends(metafunc: pytest.Metafunc, default: Sequence[str]) -> None:
    """Gives every test that uses `backend` (through `store`, `engine`, an app...) one run per
    backend its closest `backends` mark names, else per backend in `default`."""
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("backends")
    names = marker.args if marker is not None else tuple(default)
    metafunc.parametrize("backend", [BACKENDS[name] for name in names])


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
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    """PARALLAX_DATABASE_URL for the backend: empty (SQLite under DATA_DIR) or a fresh schema."""
    return "" if backend == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store_factory(database_url: str, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens (and reopens) one store of the backend; all are closed at the end."""
    opened: list[Store] = []

    def make() -> Store:
        if database_url:
            opened.append(PostgresStore(database_url))
        else:
            opened.append(SQLiteStore(tmp_path / "store" / "parallax.sqlite3"))
        return opened[-1]

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    return store_factory()
