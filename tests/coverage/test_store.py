"""The SQLite dialect itself: versioned migrations, WAL, settings, index-backed plans (what holds
on every backend is in tests/production/test_store_contract.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from service.store import open_store
from service.store.base import Store
from service.store.sqlite import MIGRATIONS, SQLiteStore


def test_a_new_file_is_at_the_latest_version_in_wal_mode(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a" / "db.sqlite3")
    assert isinstance(store, Store)
    assert store.schema_version() == len(MIGRATIONS)
    assert store._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_an_old_file_is_migrated_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    first = MIGRATIONS[0]
    assert isinstance(first, str)
    conn.executescript(first)
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute(
        "INSERT INTO articles (key, title, first_seen, at) VALUES (?, 't', 1, 1)",
        ("https://a.example/1",),
    )
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.counts()["articles"] == 1
    store.close()


def test_a_file_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99)")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this code"):
        SQLiteStore(path)


def test_open_store_follows_the_settings(tmp_path: Path) -> None:
    default = open_store(tmp_path / "data")
    assert isinstance(default, SQLiteStore)
    assert default.path == str(tmp_path / "data" / "parallax.sqlite3")
    explicit = open_store(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert isinstance(explicit, SQLiteStore)
    assert explicit.path == str(tmp_path / "x.sqlite3")
    with pytest.raises(ValueError, match="not supported"):
        open_store(tmp_path, "mysql://localhost/test")


def test_search_and_restore_read_indexes_not_the_table(store: SQLiteStore) -> None:
    conn = store._conn()

    def plan(sql: str, params: tuple[object, ...]) -> str:
        return " ".join(str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))

    assert "VIRTUAL TABLE INDEX" in plan(store.match_sql, ('"barrier"', 5))
    # The first page of a restore, and every later one (sql.SQLStore.articles_since).
    for test in ("at >= ? AND id > ?", "(at, id) > (?, ?)"):
        found = plan(f"SELECT id FROM articles WHERE {test} ORDER BY at, id LIMIT ?", (0, 0, 5))
        assert "articles_at" in found and "SCAN articles" not in found
