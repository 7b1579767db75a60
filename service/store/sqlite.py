"""The SQLite dialect of the SQL store: one file (WAL), FTS5 search, a writer lock file beside it,
versioned migrations."""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from service.store.base import SIDES, NewArticle
from service.store.sql import (
    FTS_BODY_CHARS,
    Migration,
    SQLStore,
    article_hosts_schema,
    core_schema,
    digest_due_schema,
    feed_backoff_schema,
    feeds_and_outlets_schema,
    pending_sides_schema,
    ratings_log_schema,
    retention_schema,
    story_keyset_schema,
    story_moves_schema,
)

# Each entry upgrades the schema by one version; never change what a released entry leaves
# behind, append a new one.
MIGRATIONS: tuple[Migration, ...] = (
    core_schema(row_id="INTEGER PRIMARY KEY", row_ref="INTEGER", real="REAL", json_type="TEXT")
    + """
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='', tokenize='unicode61 remove_diacritics 2'
    );
    """,
    # 2: the index's vocabulary, once meant for counting a word's articles.
    "CREATE VIRTUAL TABLE articles_fts_vocab USING fts5vocab(articles_fts, 'row')",
    # 3: ...which search never used (fts5vocab reads a word's whole posting list to count it; a
    # bounded MATCH counts up to the budget instead), so it goes.
    "DROP TABLE articles_fts_vocab",
    feeds_and_outlets_schema(real="REAL"),
    retention_schema(),
    # 6: a story's key points, neutral headline and framing (JSON), computed at each change.
    "ALTER TABLE stories ADD COLUMN digest TEXT",
    # 7: failing feeds back off.
    feed_backoff_schema(real="REAL"),
    # 8: each host's article count, kept by the writer (backfilled once from every row).
    article_hosts_schema(row_ref="INTEGER", host_prefix=SQLStore.host_prefix_sql),
    # 9: a story's digest computed after the commit, outside the ingest lock.
    digest_due_schema(real="REAL"),
    # 10: the log of the online regroup's moves (AUTOINCREMENT: a position is never reused).
    story_moves_schema(log_id="INTEGER PRIMARY KEY AUTOINCREMENT", row_ref="INTEGER"),
    # 11: the order writers took up ratings versions in, and the newest one's sides.
    ratings_log_schema(log_id="INTEGER PRIMARY KEY AUTOINCREMENT", real="REAL"),
    # 12: the outlets waiting for their side under the newest ratings.
    pending_sides_schema(),
    # 13: the story listing's keyset order, for paging inside a large instant.
    story_keyset_schema(),
)

# RETURNING (3.35) in the batch insert; upserts (3.24), FILTER (3.30) and row values elsewhere.
MIN_SQLITE = (3, 35, 0)
# Values per `IN (...)`: well under SQLite's bound on host parameters.
IN_CHUNK = 500


_SIDES_SQL = ", ".join(f"'{side}'" for side in SIDES)


class SQLiteStore(SQLStore):
    """Coverage store in one SQLite file; one connection per thread, WAL for concurrent reads."""

    errors = (sqlite3.Error,)
    description = "sqlite"
    # Each test behind the one before it (CASE: SQLite's JSON functions raise on text that is
    # not JSON, and AND/OR promise no order).
    malformed_digest_sql = (
        "SELECT id FROM stories WHERE digest IS NOT NULL AND CASE"
        " WHEN NOT json_valid(digest) THEN 1"
        " WHEN json_type(digest) <> 'object' THEN 1"
        " WHEN json_type(digest, '$.sides') IS NOT 'object' THEN 1"
        " ELSE EXISTS (SELECT 1 FROM json_each(digest, '$.sides')"
        f" WHERE type <> 'text' OR value NOT IN ({_SIDES_SQL})) END"
    )
    # (CASE: json_extract raises on text that is not JSON.)
    digest_code_differs_sql = (
        "(CASE WHEN json_valid(digest) AND json_type(digest) = 'object'"
        " THEN json_extract(digest, '$.code') END) IS NOT ?"
    )
    unheld_sides_sql = (
        "SELECT s.id, j.key, j.value FROM"
        " (SELECT id, CASE WHEN json_valid(digest) THEN digest END AS d FROM stories) AS s"
        " JOIN json_each(CASE WHEN json_type(s.d, '$.sides') = 'object' THEN s.d END, '$.sides')"
        " AS j LEFT JOIN rated_now r ON r.outlet_id = j.key"
        " WHERE json_extract(s.d, '$.ratings') IS NOT ? AND r.side IS NOT j.value"
    )

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} is too old for the store; it needs "
                f"{'.'.join(map(str, MIN_SQLITE))} or later (or set PARALLAX_DATABASE_URL)"
            )
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = self._conn()
        with self._writing(conn):
            self._upgrade(conn, MIGRATIONS, self.path, "DATA_DIR")

    def reclaim(self) -> None:
        """Nothing: SQLite reuses the pages a delete freed by itself (the file would shrink
        only with VACUUM, which locks it for as long as it takes)."""

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we open transactions ourselves so a batch is exactly one.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextlib.contextmanager
    def _writing(self, conn: Any) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # a failed COMMIT (disk full) may have ended it already
                conn.execute("ROLLBACK")
            raise

    def _script(self, conn: Any, sql: str) -> None:
        # executescript() would commit the migration's transaction half-way.
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One ingesting writer at a time across processes (a lock file beside the database),
        held from reading the story sequence to committing the batch that advances it."""
        if self.path == ":memory:":
            yield
            return
        with open(self.path + ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- the full-text index (FTS5, contentless: it holds words, not the text) -----------

    def _index(self, conn: Any, stored: Sequence[tuple[int, NewArticle]]) -> None:
        conn.executemany(
            "INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
            [(row_id, art.title, art.text[:FTS_BODY_CHARS]) for row_id, art in stored],
        )

    def _unindex(self, conn: Any, ids: Sequence[int]) -> None:
        # A contentless FTS5 table forgets a row only when told the values it indexed.
        for test, params in self._members(list(ids)):
            rows = conn.execute(
                f"SELECT id, title, text FROM articles WHERE id {test}", params
            ).fetchall()
            conn.executemany(
                "INSERT INTO articles_fts (articles_fts, rowid, title, body)"
                " VALUES ('delete', ?, ?, ?)",
                [(row_id, title, text[:FTS_BODY_CHARS]) for row_id, title, text in rows],
            )

    def _members(self, values: Sequence[object]) -> Iterator[tuple[str, list[object]]]:
        for start in range(0, len(values), IN_CHUNK):
            chunk = list(values[start : start + IN_CHUNK])
            yield f"IN ({','.join('?' * len(chunk))})", chunk

    def term_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many articles contain each word, counted up to search_budget + 1 with a bounded
        MATCH (fts5vocab would read the word's whole posting list)."""
        conn = self._conn()
        out: dict[str, int] = {}
        for term in terms:
            (count,) = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ?"
                " LIMIT ?)",
                (f'"{term}"', self.search_budget + 1),
            ).fetchone()
            if count:
                out[term] = int(count)
        return out

    # bm25 rank is negative, smaller is better: the score is its negation.
    match_sql = (
        "SELECT rowid AS hit_id, -rank AS score FROM articles_fts WHERE articles_fts MATCH ?"
        " ORDER BY rank, rowid LIMIT ?"
    )

    def _match_query(self, words: Sequence[str], every: bool) -> str:
        # Words are letters and digits only (sql.query_words), so quoting them is enough.
        return (" AND " if every else " OR ").join(f'"{w}"' for w in words)
