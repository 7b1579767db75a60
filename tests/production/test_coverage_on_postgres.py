"""The coverage engineer's engine and API tests, run again with PostgreSQL as the store.

Their modules are imported, not copied: a test added there runs here too once it is listed
as backend-neutral below (the SQLite-only ones look at PRAGMAs, FTS5 plans or sqlite3 errors)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.app import create_app
from service.core.ratings import RatingsTable, load_table
from service.coverage.engine import Engine
from service.store.postgres import PostgresStore
from tests.coverage import test_api as api_tests
from tests.coverage import test_engine as engine_tests
from tests.coverage.conftest import FakeClock, LocalServer, write_ratings

SQLITE_ONLY = {
    "test_a_failed_batch_writes_nothing",  # expects sqlite3.IntegrityError; see test_store_contract
    "test_search_uses_the_index_not_a_scan",  # an FTS5 query plan
    "test_restart_restores_the_window_and_keeps_story_ids",  # reopens a SQLite file by path
}

for _module in (engine_tests, api_tests):
    for _name in dir(_module):
        if _name.startswith("test_") and _name not in SQLITE_ONLY:
            globals()[_name] = getattr(_module, _name)

# Their fixtures that live in the test module itself (conftest ones are redefined below).
seeded = api_tests.seeded
client = api_tests.client


@pytest.fixture
def ratings_dir(tmp_path: Path) -> Path:
    return write_ratings(tmp_path / "ratings")


@pytest.fixture
def table(ratings_dir: Path) -> RatingsTable:
    return load_table(ratings_dir)


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    s = PostgresStore(pg_url)
    yield s
    s.close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(store: PostgresStore, table: RatingsTable, clock: FakeClock) -> Engine:
    return Engine(store, table, clock=clock)


@pytest.fixture
def coverage_app(tmp_path: Path, ratings_dir: Path, pg_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "RATINGS_DIR": str(ratings_dir),
            "INGEST_ENABLED": False,
            "DATABASE_URL": pg_url,
        }
    )
    yield app
    found: Any = app.extensions.get("parallax.coverage")
    if found is not None:
        found.store.close()


def test_the_app_really_uses_postgresql(coverage_app: Flask) -> None:
    from service.coverage.runtime import engine as app_engine

    assert isinstance(app_engine(coverage_app).store, PostgresStore)
