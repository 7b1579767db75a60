"""The coverage store: one SQL store with SQLite and PostgreSQL dialects (no Flask)."""

from __future__ import annotations

from pathlib import Path

from service.store.base import Store


def open_store(data_dir: str | Path, database_url: str = "") -> Store:
    """The store named by the settings: SQLite under DATA_DIR unless DATABASE_URL says otherwise."""
    from service.store.sqlite import SQLiteStore

    if database_url:
        if database_url.startswith("sqlite:///"):
            return SQLiteStore(database_url[len("sqlite:///") :])
        if database_url.startswith(("postgresql://", "postgres://")):
            from service.store.postgres import PostgresStore

            return PostgresStore(database_url)
        scheme = database_url.split(":", 1)[0]
        raise ValueError(
            f"DATABASE_URL scheme {scheme!r} is not supported; leave it empty for SQLite "
            "under DATA_DIR, or use sqlite:///path/to/file.sqlite3 or postgresql://host/db"
        )
    return SQLiteStore(Path(data_dir) / "parallax.sqlite3")
