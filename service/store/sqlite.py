"""The embedded SQLite implementation of the coverage Store (WAL, FTS5, versioned migrations)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from service.coverage.summary import blindspot_side, representative_headline
from service.coverage.text import STOPWORDS as _STOPWORDS
from service.store.base import Article, Batch, FeedState, Store, StoryRow, stories_query

# Each entry upgrades the schema by one version; never edit a released entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        ext_id TEXT,
        url TEXT,
        outlet_id TEXT,
        side TEXT NOT NULL DEFAULT 'unrated',
        title TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        published REAL,
        first_seen REAL NOT NULL,
        at REAL NOT NULL,
        fingerprint TEXT NOT NULL DEFAULT '',
        story_id TEXT,
        syndicated_of INTEGER REFERENCES articles(id)
    );
    CREATE INDEX articles_story ON articles(story_id, at);
    CREATE INDEX articles_at ON articles(at);
    CREATE INDEX articles_fingerprint ON articles(fingerprint) WHERE fingerprint != '';
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        first_seen REAL NOT NULL,
        last_updated REAL NOT NULL,
        article_count INTEGER NOT NULL,
        outlet_count INTEGER NOT NULL,
        headline TEXT NOT NULL,
        sides TEXT NOT NULL DEFAULT '{}',
        blindspot TEXT
    );
    CREATE INDEX stories_updated ON stories(last_updated);
    CREATE INDEX stories_blindspot ON stories(blindspot, last_updated) WHERE blindspot IS NOT NULL;
    CREATE TABLE story_aliases (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL);
    CREATE INDEX story_aliases_new ON story_aliases(new_id);
    CREATE TABLE feed_state (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        last_fetched REAL,
        last_status INTEGER,
        last_error TEXT
    );
    CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: the index's own vocabulary (for inspection; search counts with a bounded MATCH instead,
    # because fts5vocab reads a word's whole posting list to count it).
    """
    CREATE VIRTUAL TABLE articles_fts_vocab USING fts5vocab(articles_fts, 'row');
    """,
)

# Characters of body text indexed for search: the lead carries the event; the rest is noise.
FTS_BODY_CHARS = 600
# Titles considered when choosing a story's representative headline.
HEADLINE_SAMPLE = 40

# Words of a query tried against the vocabulary, and the rarest of them searched for.
MAX_QUERY_WORDS = 16
MAX_SEARCH_TERMS = 6
# Rows a search may rank: bounds its cost whatever the store's size.
SEARCH_POSTINGS_BUDGET = 2000

_TERM_RE = re.compile(r"\w+", re.UNICODE)
_ARTICLE_COLUMNS = (
    "id, key, title, text, url, ext_id, outlet_id, side, published, first_seen, fingerprint, "
    "story_id, syndicated_of"
)


def _fold(text: str) -> str:
    """Lower case without diacritics, as the FTS5 tokenizer indexes words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _article(row: sqlite3.Row | tuple[Any, ...]) -> Article:
    return Article(*row)


class SQLiteStore:
    """Coverage store in one SQLite file; one connection per thread, WAL for concurrent reads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._migrate(self._conn())

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: we open transactions ourselves so a batch is exactly one.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > len(MIGRATIONS):
                raise RuntimeError(
                    f"{self.path} has schema version {current}, newer than this code "
                    f"({len(MIGRATIONS)}); upgrade Parallax or use another DATA_DIR"
                )
            for version in range(current + 1, len(MIGRATIONS) + 1):
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

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

    def schema_version(self) -> int:
        """The schema version the file is at."""
        return int(self._conn().execute("SELECT max(version) FROM schema_version").fetchone()[0])

    # -- writing -------------------------------------------------------------------------

    def commit(self, batch: Batch) -> list[int]:
        """Write a batch atomically; returns the new articles' row ids in batch order."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            ids: list[int] = []
            touched: set[str] = set()
            for art in batch.articles:
                syndicated_of = None
                if art.syndicated_of_key is not None:
                    origin = conn.execute(
                        "SELECT id FROM articles WHERE key=?", (art.syndicated_of_key,)
                    ).fetchone()
                    syndicated_of = origin[0] if origin else None
                at = art.published if art.published is not None else art.first_seen
                cur = conn.execute(
                    "INSERT INTO articles (key, ext_id, url, outlet_id, side, title, text,"
                    " published, first_seen, at, fingerprint, story_id, syndicated_of)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        art.key,
                        art.ext_id,
                        art.url,
                        art.outlet_id,
                        art.side,
                        art.title,
                        art.text,
                        art.published,
                        art.first_seen,
                        at,
                        art.fingerprint,
                        art.story_id,
                        syndicated_of,
                    ),
                )
                rowid = int(cur.lastrowid or 0)
                ids.append(rowid)
                conn.execute(
                    "INSERT INTO articles_fts (rowid, title, body) VALUES (?,?,?)",
                    (rowid, art.title, art.text[:FTS_BODY_CHARS]),
                )
                if art.story_id:
                    touched.add(art.story_id)
            for old, new in batch.merges:
                if old == new:
                    continue
                conn.execute("UPDATE articles SET story_id=? WHERE story_id=?", (new, old))
                conn.execute("UPDATE story_aliases SET new_id=? WHERE new_id=?", (new, old))
                conn.execute(
                    "INSERT OR REPLACE INTO story_aliases (old_id, new_id) VALUES (?,?)", (old, new)
                )
                conn.execute("DELETE FROM stories WHERE id=?", (old,))
                touched.discard(old)
                touched.add(new)
            for story_id in sorted(touched):
                self._refresh_story(conn, story_id)
            for name_value in batch.cursors:
                conn.execute(
                    "INSERT OR REPLACE INTO cursors (name, value) VALUES (?,?)", name_value
                )
            for state in batch.feed_states:
                conn.execute(
                    "INSERT OR REPLACE INTO feed_state"
                    " (url, etag, last_modified, last_fetched, last_status, last_error)"
                    " VALUES (?,?,?,?,?,?)",
                    (
                        state.url,
                        state.etag,
                        state.last_modified,
                        state.last_fetched,
                        state.last_status,
                        state.last_error,
                    ),
                )
            conn.execute("COMMIT")
            return ids
        except BaseException:
            if conn.in_transaction:  # a failed COMMIT (disk full) may have ended it already
                conn.execute("ROLLBACK")
            raise

    def _refresh_story(self, conn: sqlite3.Connection, story_id: str) -> None:
        count, outlets, first, last = conn.execute(
            "SELECT count(*), count(DISTINCT outlet_id), min(at), max(at)"
            " FROM articles WHERE story_id=?",
            (story_id,),
        ).fetchone()
        if not count:
            conn.execute("DELETE FROM stories WHERE id=?", (story_id,))
            return
        sides = {
            side: n
            for side, n in conn.execute(
                "SELECT side, count(DISTINCT coalesce(outlet_id, key)) FROM articles"
                " WHERE story_id=? GROUP BY side",
                (story_id,),
            )
        }
        titles = [
            t
            for (t,) in conn.execute(
                "SELECT title FROM articles WHERE story_id=? AND syndicated_of IS NULL"
                " ORDER BY at LIMIT ?",
                (story_id, HEADLINE_SAMPLE),
            )
        ]
        if not titles:
            titles = [
                t
                for (t,) in conn.execute(
                    "SELECT title FROM articles WHERE story_id=? ORDER BY at LIMIT 1", (story_id,)
                )
            ]
        conn.execute(
            "INSERT OR REPLACE INTO stories (id, first_seen, last_updated, article_count,"
            " outlet_count, headline, sides, blindspot) VALUES (?,?,?,?,?,?,?,?)",
            (
                story_id,
                first,
                last,
                count,
                outlets,
                representative_headline(titles),
                json.dumps(sides, sort_keys=True),
                blindspot_side(sides),
            ),
        )

    # -- reading -------------------------------------------------------------------------

    def article_by_key(self, key: str) -> Article | None:
        """The stored article with this dedup key (canonical URL or "id:<id>")."""
        row = (
            self._conn()
            .execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE key=?", (key,))
            .fetchone()
        )
        return _article(row) if row else None

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Those of `keys` that are already stored."""
        found: set[str] = set()
        wanted = list(dict.fromkeys(keys))
        conn = self._conn()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                k
                for (k,) in conn.execute(f"SELECT key FROM articles WHERE key IN ({marks})", chunk)
            )
        return found

    def by_fingerprint(self, fingerprints: Iterable[str]) -> dict[str, list[Article]]:
        """Stored articles sharing a syndication fingerprint, grouped by fingerprint."""
        found: dict[str, list[Article]] = {}
        wanted = [f for f in dict.fromkeys(fingerprints) if f]
        conn = self._conn()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE fingerprint IN ({marks})"
                " AND fingerprint != '' ORDER BY id",
                chunk,
            ):
                art = _article(row)
                found.setdefault(art.fingerprint, []).append(art)
        return found

    def resolve_story(self, story_id: str) -> str | None:
        """The surviving id of a story after merges, or None when no such story exists."""
        conn = self._conn()
        if conn.execute("SELECT 1 FROM stories WHERE id=?", (story_id,)).fetchone():
            return story_id
        row = conn.execute(
            "SELECT new_id FROM story_aliases WHERE old_id=?", (story_id,)
        ).fetchone()
        if row and conn.execute("SELECT 1 FROM stories WHERE id=?", (row[0],)).fetchone():
            return str(row[0])
        return None

    def story(self, story_id: str) -> StoryRow | None:
        """A story's aggregates (after following merges)."""
        survivor = self.resolve_story(story_id)
        if survivor is None:
            return None
        row = (
            self._conn()
            .execute(
                "SELECT id, first_seen, last_updated, article_count, outlet_count, headline, sides,"
                " blindspot FROM stories WHERE id=?",
                (survivor,),
            )
            .fetchone()
        )
        return self._story_row(row) if row else None

    @staticmethod
    def _story_row(row: tuple[Any, ...]) -> StoryRow:
        return StoryRow(
            id=row[0],
            first_seen=row[1],
            last_updated=row[2],
            article_count=row[3],
            outlet_count=row[4],
            headline=row[5],
            outlets_by_side=json.loads(row[6]),
            blindspot=row[7],
        )

    def stories(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        blindspot: str | None = None,
        limit: int = 50,
    ) -> list[StoryRow]:
        """The most recently updated stories, newest first, filtered by time and blindspot."""
        sql, params = stories_query(
            since=since, until=until, blindspot=blindspot, limit=limit, placeholder="?"
        )
        return [self._story_row(r) for r in self._conn().execute(sql, params)]

    def story_articles(self, story_id: str, limit: int = 500) -> list[Article]:
        """A story's articles, oldest first."""
        survivor = self.resolve_story(story_id) or story_id
        return [
            _article(r)
            for r in self._conn().execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE story_id=? ORDER BY at, id LIMIT ?",
                (survivor, limit),
            )
        ]

    def articles_since(self, since: float, after_id: int = 0) -> Iterator[Article]:
        """Articles at or after `since` (in time order), or with row id above `after_id`."""
        if after_id:
            rows = self._conn().execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id > ? AND at >= ? ORDER BY id",
                (after_id, since),
            )
        else:
            rows = self._conn().execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE at >= ? ORDER BY at, id",
                (since,),
            )
        for row in rows:
            yield _article(row)

    def max_article_id(self) -> int:
        """The highest article row id (0 when empty)."""
        return int(self._conn().execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])

    def search(self, terms: Sequence[str], limit: int = 20) -> list[tuple[Article, float]]:
        """Articles matching the rarest of the terms through the full-text index, best first."""
        words = [
            w
            for t in terms
            for w in _TERM_RE.findall(_fold(t))
            if len(w) >= 3 and not w.isdigit() and w not in _STOPWORDS
        ]
        words = list(dict.fromkeys(words))[:MAX_QUERY_WORDS]
        if not words:
            return []
        frequencies = self.term_frequencies(words)
        known = sorted((w for w in words if frequencies.get(w)), key=lambda w: frequencies[w])
        if not known:
            return []
        # Common words make long posting lists (slow to rank) and say little about the event:
        # search for any of the rarest words while their postings fit the budget, or, when even
        # the rarest is common, for the two rarest together.
        rare: list[str] = []
        postings = 0
        for word in known[:MAX_SEARCH_TERMS]:
            if postings + frequencies[word] > SEARCH_POSTINGS_BUDGET:
                break
            rare.append(word)
            postings += frequencies[word]
        if rare:
            query = " OR ".join(f'"{w}"' for w in rare)
        else:
            query = " AND ".join(f'"{w}"' for w in known[:2])
        conn = self._conn()
        hits = conn.execute(
            "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?",
            (query, limit),
        ).fetchall()
        if not hits:
            return []
        marks = ",".join("?" * len(hits))
        by_id = {
            r[0]: _article(r)
            for r in conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})",
                [h[0] for h in hits],
            )
        }
        # bm25 rank is negative, smaller is better; report a positive score.
        return [(by_id[rowid], -float(rank)) for rowid, rank in hits if rowid in by_id]

    def term_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many articles contain each term, counted up to SEARCH_POSTINGS_BUDGET + 1 only:
        past the budget a word is merely "common", and counting further would read its whole
        posting list (as the fts5vocab table does)."""
        conn = self._conn()
        out: dict[str, int] = {}
        for term in terms:
            row = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ?"
                " LIMIT ?)",
                (f'"{term}"', SEARCH_POSTINGS_BUDGET + 1),
            ).fetchone()
            if row[0]:
                out[term] = int(row[0])
        return out

    def latest_time(self) -> float | None:
        """The latest article time stored (the stream clock to restore from)."""
        row = self._conn().execute("SELECT max(at) FROM articles").fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def feed_state(self, url: str) -> FeedState | None:
        """What the last fetch of this feed left behind."""
        row = (
            self._conn()
            .execute(
                "SELECT url, etag, last_modified, last_fetched, last_status, last_error"
                " FROM feed_state WHERE url=?",
                (url,),
            )
            .fetchone()
        )
        return FeedState(*row) if row else None

    def cursor(self, name: str) -> str | None:
        """A saved ingest cursor."""
        row = self._conn().execute("SELECT value FROM cursors WHERE name=?", (name,)).fetchone()
        return str(row[0]) if row else None

    def counts(self) -> dict[str, int]:
        """Number of articles and stories stored."""
        conn = self._conn()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        stories = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        return {"articles": int(articles), "stories": int(stories)}

    def close(self) -> None:
        """Release connections."""
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.ProgrammingError):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()


def open_store(data_dir: str | Path, database_url: str = "") -> Store:
    """The store named by the settings: SQLite under DATA_DIR unless DATABASE_URL says otherwise."""
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
