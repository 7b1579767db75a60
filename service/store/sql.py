"""One SQL store for the coverage engine, written once for both dialects: the batch commit, the
merge loop, story refresh, reads, row mappers, search planning, filters and the shared schema.
SQLite (sqlite.py) and PostgreSQL (postgres.py) supply only what their SQL says differently:
connections, the write transaction, the full-text index and placeholders."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import threading
import time
import unicodedata
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, ClassVar

from service.coverage import digest_code
from service.coverage.summary import (
    DIGEST_SAMPLE,
    DIGEST_TEXT_CHARS,
    HEADLINE_SAMPLE,
    DigestRatings,
    blindspot_side,
    representative_headline,
    story_digest,
)
from service.coverage.text import STOPWORDS
from service.store.base import (
    REMOVALS_CURSOR,
    SIDES,
    Article,
    Batch,
    FeedState,
    NewArticle,
    PruneResult,
    StoryRow,
)

log = logging.getLogger(__name__)

# Characters of body text indexed for search: the lead carries the event; the rest is noise.
FTS_BODY_CHARS = 600
# Words of a query looked up in the index, and the rarest of them searched for.
MAX_QUERY_WORDS = 16
MAX_SEARCH_TERMS = 6
# Rows a search may rank: bounds its cost whatever the store's size.
SEARCH_POSTINGS_BUDGET = 2000
# A word found in more articles than the budget stays that common while articles are only
# added, so its count is remembered instead of being counted again (SQLite reads up to a budget
# of postings to count one) at every search. This process forgets them when it deletes
# articles; another process's prune is seen within this many seconds.
COMMON_WORD_SECONDS = 300.0
COMMON_WORDS_KEPT = 50_000
# Longer "words" are ids, hashes or junk, never what a reader searches for; PostgreSQL would
# refuse lexemes past 2 KB anyway.
MAX_WORD_CHARS = 64
# Rows read per page when streaming articles: a restore never holds a busy window at once.
PAGE_ROWS = 2000
# Stories refreshed per grouped read: within SQLite's 999 bound parameters.
REFRESH_CHUNK = 500
# A story left due by a process that died before computing its digest is taken up by any
# process's next flush after this many seconds (its own process flushes it at once).
ORPHAN_DIGEST_SECONDS = 60.0
# The ratings version the stored sides and digests were last brought to (SQLStore.rerate).
RATINGS_CURSOR = "digest_ratings"
# The due time of a digest rerate left due (it does not hold under new ratings): no flush's own
# and no dead process's, so flushes take these up apart, RERATE_PER_FLUSH at a time (a few ms
# each for most stories), spreading a re-rated outlet's thousands of stories over many batches
# instead of holding one up for minutes; readers make their own meanwhile.
RERATE_DUE = 0.0
RERATE_PER_FLUSH = 50
# A blindspot listing under other ratings than the store's reads its candidates this many at
# a time (stories._rated_blindspots); past this many re-sided outlets, every story is one.
BLINDSPOT_PAGE = 200
BLINDSPOT_MOVED_MAX = 2000
# rated_sides' side of an outlet a writer on replaced ratings stored that the newest ratings
# have no side for yet: the newest writer's next commit gives it its side and re-sides its
# articles (SQLStore._resolve_pending).
PENDING_SIDE = ""
# A flush claims its share of that queue before computing it (digest_due = -the claim's time):
# two processes' flushes took the same first RERATE_PER_FLUSH stories by id and both computed
# them. A claim older than ORPHAN_DIGEST_SECONDS (its process died) is back in the queue.
# The digests another version of the digest's code made (their "code" is not
# digest_code.current(): an upgrade) are made again by the writers' flushes, RECODE_PER_FLUSH
# at a time, newest stories first, each claimed as the re-rating's are (SQLStore._claim_recoded).
RECODE_PER_FLUSH = 50
# The digest codes the store's writers ran, in the order each was first seen (space-separated,
# the newest last, the last RECODE_CODES_KEPT): only a writer on the newest remakes the others'
# digests, so an old process still running beside a new one (a rolling upgrade) does not
# remake the new one's digests back, nor they its.
RECODE_CURSOR = "digest_codes"
RECODE_CODES_KEPT = 20
# The code whose walk found no digest of other code left: processes started later on the same
# code do not walk again (the walk reads every story's digest once).
RECODED_CURSOR = "digest_recoded"

# Letters and digits, as both full-text indexes split words (underscore separates, too).
_WORD_RE = re.compile(r"[^\W_]+")

ARTICLE_COLUMNS = (
    "id, key, title, text, url, ext_id, outlet_id, side, published, first_seen, fingerprint, "
    "story_id, syndicated_of"
)
# The digest reads an article's lead only: the same columns, its text cut short in SQL.
_DIGEST_COLUMNS = ARTICLE_COLUMNS.replace(" text,", f" substr(text, 1, {DIGEST_TEXT_CHARS}),")
STORY_COLUMNS = (
    "id, first_seen, last_updated, article_count, outlet_count, headline, sides, blindspot, pruned,"
    " digest"
)
# What a refresh writes: every read column but `pruned`, which only prune_articles changes.
_STORY_WRITTEN = [
    *(c.strip() for c in STORY_COLUMNS.split(",") if c.strip() != "pruned"),
    "digest_wanted",
    "digest_due",
]
# Written by the batch insert, in this order; `at` is the article's time, `syndicated_of` the
# row id of the first copy, looked up by its key in the same statement.
_INSERTED = (
    "key, ext_id, url, outlet_id, side, title, text, published, first_seen, at, fingerprint, "
    "story_id, syndicated_of"
)
FEED_STATE_COLUMNS = (
    "url",
    "etag",
    "last_modified",
    "last_fetched",
    "last_status",
    "last_error",
    "last_success",
    "entries",
    "failures",
    "next_attempt",
)
# A key prefix this short could match a large part of the store by mistake.
MIN_DELETE_PREFIX = 4
# Articles removed per prune transaction: short enough that ingest waits a few ms for its turn.
PRUNE_BATCH = 1000

Migration = str | Callable[[Any], None]


def core_schema(*, row_id: str, row_ref: str, real: str, json_type: str) -> str:
    """The tables and indexes both dialects share, in the dialect's column types."""
    return f"""
    CREATE TABLE articles (
        id {row_id},
        key TEXT NOT NULL UNIQUE,
        ext_id TEXT,
        url TEXT,
        outlet_id TEXT,
        side TEXT NOT NULL DEFAULT 'unrated',
        title TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        published {real},
        first_seen {real} NOT NULL,
        at {real} NOT NULL,
        fingerprint TEXT NOT NULL DEFAULT '',
        story_id TEXT,
        syndicated_of {row_ref} REFERENCES articles(id)
    );
    CREATE INDEX articles_story ON articles(story_id, at);
    CREATE INDEX articles_at ON articles(at);
    CREATE INDEX articles_fingerprint ON articles(fingerprint) WHERE fingerprint <> '';
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        first_seen {real} NOT NULL,
        last_updated {real} NOT NULL,
        article_count INTEGER NOT NULL,
        outlet_count INTEGER NOT NULL,
        headline TEXT NOT NULL,
        sides {json_type} NOT NULL DEFAULT '{{}}',
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
        last_fetched {real},
        last_status INTEGER,
        last_error TEXT
    );
    CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """


def feeds_and_outlets_schema(*, real: str) -> str:
    """A feed's last success and item count (the feeds page); an outlet's stories (its page)."""
    return f"""
    ALTER TABLE feed_state ADD COLUMN last_success {real};
    ALTER TABLE feed_state ADD COLUMN entries INTEGER;
    CREATE INDEX articles_outlet ON articles(outlet_id, at);
    """


def feed_backoff_schema(*, real: str) -> str:
    """A failing feed's failures in a row and when it may be tried again (backoff)."""
    return f"""
    ALTER TABLE feed_state ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE feed_state ADD COLUMN next_attempt {real};
    """


def article_hosts_schema(*, row_ref: str, host_prefix: str) -> str:
    """Each host's stored articles, counted by the writer: /v1/score asks the store about a
    URL only when its host has articles, and reading the hosts from this table costs a row per
    host, where folding the articles to their hosts read every row (26 s for 1,000,000 on a
    loaded machine, past the 30 s statement bound long before 10,000,000)."""
    return f"""
    CREATE TABLE article_hosts (
        host TEXT PRIMARY KEY,
        last_id {row_ref} NOT NULL,
        articles INTEGER NOT NULL
    );
    CREATE INDEX article_hosts_last ON article_hosts(last_id);
    INSERT INTO article_hosts (host, last_id, articles)
    SELECT h, max(id), count(*) FROM (SELECT {host_prefix} AS h, id FROM articles) AS keyed
    WHERE h IS NOT NULL GROUP BY h;
    """


def retention_schema() -> str:
    """How many of a story's articles retention removed (its counts keep them); an index so
    removing an article finds the copies that name it as their wire original without a scan."""
    return """
    ALTER TABLE stories ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX articles_syndicated ON articles(syndicated_of) WHERE syndicated_of IS NOT NULL;
    """


def digest_due_schema(*, real: str) -> str:
    """A story whose digest sample changed and whose digest is still to be computed: the
    sample's signature wanted and since when. The digest is computed after the batch's commit,
    outside the ingest lock, and written only if that sample is still the one wanted."""
    return f"""
    ALTER TABLE stories ADD COLUMN digest_wanted TEXT;
    ALTER TABLE stories ADD COLUMN digest_due {real};
    CREATE INDEX stories_digest_due ON stories(digest_due) WHERE digest_due IS NOT NULL;
    """


def story_moves_schema(*, log_id: str, row_ref: str) -> str:
    """The log of the articles the online regroup moved between stories (Batch.moves): the
    engines of other processes read it from where they left off (moves_since) to follow the
    moves in memory. A row goes with its article (delete, prune)."""
    return f"""
    CREATE TABLE story_moves (
        seq {log_id},
        article_id {row_ref} NOT NULL,
        story_id TEXT NOT NULL
    );
    CREATE INDEX story_moves_article ON story_moves(article_id);
    """


def ratings_log_schema(*, log_id: str, real: str) -> str:
    """The order in which writers brought the store to ratings versions (rerate registers a
    version before its pass; the highest seq is the store's ratings), and each stored outlet's
    side under that newest version: a writer on older ratings stores its articles with these
    sides and makes its digests from them (SQLStore._store_ratings), so it never moves what a
    newer one stored back. An upgraded store starts with its cursor's version and the sides
    its articles are stored with."""
    return f"""
    CREATE TABLE ratings_log (seq {log_id}, version TEXT NOT NULL UNIQUE, at {real} NOT NULL);
    INSERT INTO ratings_log (version, at)
    SELECT value, 0 FROM cursors WHERE name = '{RATINGS_CURSOR}';
    CREATE TABLE rated_sides (outlet_id TEXT PRIMARY KEY, side TEXT NOT NULL);
    INSERT INTO rated_sides (outlet_id, side)
    SELECT outlet_id, max(side) FROM articles WHERE outlet_id IS NOT NULL GROUP BY outlet_id;
    """


def story_keyset_schema() -> str:
    """The story listing's order (last_updated descending, then id) as an index: a page from a
    keyset mark (stories(older_than=, newer_than=)) seeks to it, read forward or backward,
    however many stories share the mark's instant."""
    return "CREATE INDEX stories_keyset ON stories(last_updated DESC, id)"


def pending_sides_schema() -> str:
    """The outlets a writer on replaced ratings stored that the newest ratings have recorded
    no side for (rated_sides.side = ''), found at each commit of the newest writer."""
    return (
        f"CREATE INDEX rated_sides_pending ON rated_sides(outlet_id) WHERE side = '{PENDING_SIDE}'"
    )


def upsert(table: str, columns: Sequence[str], key: str) -> str:
    """INSERT or UPDATE by `key` (the same words in SQLite >= 3.24 and PostgreSQL)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    marks = ", ".join("?" * len(columns))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def fold(text: str) -> str:
    """Lower case without diacritics: how both backends index and look up words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """The distinct indexable words of a text, folded, in order of appearance."""
    return list(dict.fromkeys(w for w in _WORD_RE.findall(fold(text)) if len(w) <= MAX_WORD_CHARS))


def document_words(title: str, text: str) -> list[str]:
    """What the full-text index holds for an article: its title and the lead of its text."""
    return words_of(f"{title} {text[:FTS_BODY_CHARS]}")


def query_words(terms: Sequence[str]) -> list[str]:
    """The words of a search worth looking up: folded, no stopwords or numbers, at most
    MAX_QUERY_WORDS."""
    found = [
        w
        for t in terms
        for w in words_of(t)
        if len(w) >= 3 and not w.isdigit() and w not in STOPWORDS
    ]
    return list(dict.fromkeys(found))[:MAX_QUERY_WORDS]


def article_row(row: Sequence[Any]) -> Article:
    return Article(*row[:13])


def story_row(row: Sequence[Any]) -> StoryRow:
    sides = row[6]
    return StoryRow(
        id=row[0],
        first_seen=row[1],
        last_updated=row[2],
        article_count=row[3],
        outlet_count=row[4],
        headline=row[5],
        outlets_by_side=_counts_of(sides),
        blindspot=row[7],
        pruned=int(row[8] or 0),
        digest=_digest_of(row[9]),
    )


def _counts_of(value: Any) -> dict[str, int]:
    """A story's stored counts by side (JSON text in SQLite, decoded JSONB in PostgreSQL); a
    malformed value (edited by hand, truncated) reads as what of it is a count by side, so
    no read of the story fails on it."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return {}
    if not isinstance(value, dict):
        return {}
    return {
        str(side): int(n)
        for side, n in value.items()
        if isinstance(n, int | float) and not isinstance(n, bool) and 0 <= n < 2**53
    }


def _digest_of(value: Any) -> dict[str, Any] | None:
    """The stored digest (JSON text in SQLite, decoded JSONB in PostgreSQL); None when absent
    or unreadable, so the story is read as one stored before digests."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # (nested deeper than the decoder recurses)
            return None
    return value if isinstance(value, dict) else None


def _digest_for(value: Any, sample: str) -> dict[str, Any] | None:
    """The stored digest (as _digest_of reads it) when it was made for this sample, else None.
    JSON text that does not hold the sample's signature at all is not decoded: a story's digest
    is nearly always due because its sample moved on, and decoding it was most of the check."""
    if isinstance(value, str) and sample not in value:
        return None
    kept = _digest_of(value)
    return kept if kept is not None and kept.get("sample") == sample else None


# What the digest is computed by: a stored digest is reused only if the same code, tables and
# language libraries made it (digest_code follows the digest's imports, so none is left out).
# Taken at the first digest, not at import (digest_code.current).
_digest_code = digest_code.current


def _signature(members: Iterable[tuple[int, bool]]) -> str:
    """Names a digest's input: its articles (by row id, with whether each is a wire copy) and
    the code that digested them."""
    ids = ",".join(f"{row_id}{'s' if copy else ''}" for row_id, copy in members)
    return hashlib.blake2b(f"{_digest_code()}:{ids}".encode(), digest_size=12).hexdigest()


def _sample_signature(sample: Sequence[Article]) -> str:
    return _signature((a.id, a.syndicated_of is not None) for a in sample)


def _holds_stored_sides(digest: dict[str, Any], sample: Sequence[Article]) -> bool:
    """Whether a digest read the sides stored with its sample's articles, as
    summary.story_digest without ratings reads and records them ("sides"): what a write
    without the engine's ratings (retention, `parallax delete`) may keep. rerate brings the
    stored sides to the ratings in force, so a digest made before it does not hold."""
    originals = [a for a in sample if a.syndicated_of is None] or list(sample[:1])
    read = {
        a.outlet_id: a.side if a.side in SIDES else "unrated"
        for a in originals[:DIGEST_SAMPLE]
        if a.outlet_id
    }
    return digest.get("sides") == read


def _moved_counts(
    sides: dict[str, int], outlets: Mapping[str, set[str]], now: Mapping[str, str]
) -> dict[str, int]:
    """A story's counts of outlets by side with each of `outlets` (outlet -> the sides its
    articles there are stored with) counted once, under its side `now` instead."""
    for outlet_id, stored in outlets.items():
        side_now = now[outlet_id]
        for side in stored - {side_now}:
            sides[side] = max(0, sides.get(side, 0) - 1)
        if side_now not in stored:
            sides[side_now] = sides.get(side_now, 0) + 1
    return sides


def _rerate_queued(due: float | None) -> bool:
    """Whether a story's digest_due puts it in the re-rating's queue (RERATE_DUE, or claimed
    from it by a flush: below it)."""
    return due is not None and due <= RERATE_DUE


def _well_formed_sides(digest: dict[str, Any]) -> bool:
    """Whether a digest's "sides" is what story_digest writes: an object of known sides. One
    hand-edited or truncated does not hold, whatever its stamp says, so a writer makes the
    digest again (summary.DigestRatings.holds trusts the stamp)."""
    sides = digest.get("sides")
    return isinstance(sides, dict) and all(
        isinstance(s, str) and s in SIDES for s in sides.values()
    )


@dataclass(frozen=True)
class _StoreRatings(DigestRatings):
    """The ratings a writer on superseded ratings writes under: each outlet's side as the
    store recorded it for its newest ratings (`newest`, rated_sides), else (an outlet the
    newest writer never stored) the writer's own. Their version names both, so no reader
    trusts the stamp alone: DigestRatings.holds compares a digest made under them outlet by
    outlet."""

    newest: str = ""
    recorded: Mapping[str, str] = field(default_factory=dict)
    own: DigestRatings | None = None

    def side(self, outlet_id: str | None) -> str:
        if outlet_id and outlet_id in self.recorded:
            return self.recorded[outlet_id]
        return self.own.side(outlet_id) if self.own is not None else "unrated"


def _made_under(ratings: DigestRatings | None) -> str | None:
    """The store's ratings version a digest made under `ratings` belongs to (None: none)."""
    if isinstance(ratings, _StoreRatings):
        return ratings.newest
    return None if ratings is None else ratings.version


class _ThreadConnection:
    """Lives exactly as long as one thread's connection slot (see SQLStore._conn)."""


def _release(connections: list[Any], lock: threading.Lock, conn: Any) -> None:
    with lock, contextlib.suppress(ValueError):
        connections.remove(conn)
    with contextlib.suppress(Exception):
        conn.close()


@lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    return sql.replace("?", "%s")


class SQLStore(ABC):
    """The coverage Store over a DB-API connection per thread. The shared SQL is written with `?`
    placeholders; a `%s` dialect has them rewritten once per statement text."""

    placeholder: ClassVar[str] = "?"
    # Extra columns the batch insert writes (name, value expression), with their values.
    extra_insert_columns: ClassVar[tuple[tuple[str, str], ...]] = ()
    # The dialect's database errors (what `ping` reports instead of raising).
    errors: ClassVar[tuple[type[BaseException], ...]] = ()
    description: str = "sql"
    # The "https://host/" prefix of an article's key, NULL for keys without one ("id:…").
    host_prefix_sql: ClassVar[str] = (
        "CASE WHEN substr(key, 1, 8) = 'https://' AND instr(substr(key, 9), '/') > 0"
        " THEN substr(key, 1, 8 + instr(substr(key, 9), '/')) END"
    )
    reuses_row_ids: ClassVar[bool] = True
    # The database's clock, in seconds since 1970 (_claim_rerated).
    now_sql: ClassVar[str] = "(julianday('now') - 2440587.5) * 86400.0"
    # The ids of the stories whose stored digest has no well-formed "sides" (an object of
    # known sides): made before digests named their sides, hand-edited, truncated, not a JSON
    # object at all. Read by structure, so a key point quoting the word "sides" does not pass
    # for the stamp.
    malformed_digest_sql: ClassVar[str]
    # Whether a story's stored digest was made by other code than the parameter names: its
    # "code" is another, or it names none, or it is no JSON object (SQLStore._claim_recoded).
    digest_code_differs_sql: ClassVar[str]
    # (story id, outlet, side) of each entry of a digest's well-formed "sides" made under other
    # ratings (parameter: their version) whose outlet the temporary table rated_now gives
    # another side, or none (rerate asks the ratings about those).
    unheld_sides_sql: ClassVar[str]
    search_budget: int = SEARCH_POSTINGS_BUDGET
    page_rows: int = PAGE_ROWS

    def __init__(self) -> None:
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        # word -> when it was last found past the search budget (time.monotonic)
        self._common_words: dict[str, float] = {}
        # newest ratings version -> the sides recorded for it (rated_sides; _store_ratings)
        self._recorded_sides: dict[str, dict[str, str]] = {}
        # outlets rated_sides has a side for (recorded by this process: _record_sides)
        self._recorded_outlets: set[str] = set()
        # Where this process's walk of the digests other code made has reached (the last
        # story's last_updated and id, newest first; None: from the top), and whether it is
        # over (none left, or another writer runs newer code): SQLStore._claim_recoded.
        self._recode_from: tuple[float, str] | None = None
        self._recode_over = False
        self._recode_lock = threading.Lock()
        # Stories this process's commits left due whose digest a flush with a delay held
        # back (marked due less than `delay` seconds before): any later flush of this process
        # takes them once that has passed (flush_digests; Engine's idle turn).
        self._held: set[str] = set()
        self._held_lock = threading.Lock()
        values = ", ".join(
            ["?"] * 12
            + ["(SELECT id FROM articles WHERE key = ?)"]
            + [expr for _, expr in self.extra_insert_columns]
        )
        extra = "".join(f", {name}" for name, _ in self.extra_insert_columns)
        self._insert_sql = (
            f"INSERT INTO articles ({_INSERTED}{extra}) VALUES ({values})"
            " ON CONFLICT (key) DO NOTHING RETURNING id"
        )

    # -- the dialect's part --------------------------------------------------------------

    @abstractmethod
    def _connect(self) -> Any:
        """A new connection in autocommit mode: transactions are opened by `_writing`."""

    def _usable(self, conn: Any) -> bool:
        """False when a kept connection died (the next call then opens a fresh one)."""
        return True

    @abstractmethod
    def _writing(self, conn: Any) -> AbstractContextManager[None]:
        """One write transaction, taken in turn with other writers; rolled back on error."""

    @abstractmethod
    def _script(self, conn: Any, sql: str) -> None:
        """Runs a migration's several statements inside the open transaction."""

    @abstractmethod
    def _index(self, conn: Any, stored: Sequence[tuple[int, NewArticle]]) -> None:
        """Keeps the full-text index current with the articles this batch stored."""

    @abstractmethod
    def _members(self, values: Sequence[object]) -> Iterator[tuple[str, list[object]]]:
        """`column <this>` tests for membership in values: (SQL, parameters), in chunks."""

    @abstractmethod
    def term_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many articles contain each (folded) word, counted up to search_budget + 1 only:
        past the budget a word is merely "common"."""

    # (row id, positive score) of the articles matching the full-text query (parameters: the
    # query, the limit), best first, ties by row id; the columns named hit_id and score.
    match_sql: ClassVar[str]

    @abstractmethod
    def _match_query(self, words: Sequence[str], every: bool) -> str:
        """The full-text query for any (or, with `every`, all) of the words."""

    @abstractmethod
    def _unindex(self, conn: Any, ids: Sequence[int]) -> None:
        """Takes these articles (still stored) out of the full-text index before they go."""

    def _extra_values(self, art: NewArticle) -> tuple[object, ...]:
        return ()

    def _json(self, value: dict[str, Any]) -> object:
        return json.dumps(value, sort_keys=True)

    def _describe(self, exc: BaseException) -> str:
        text = str(exc).strip()
        return text.splitlines()[0] if text else type(exc).__name__

    # -- connections ---------------------------------------------------------------------

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is not None and not self._usable(conn):
            with self._lock, contextlib.suppress(ValueError):
                self._connections.remove(conn)
            conn = None
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            # Freed with the thread's locals: a thread that ends (a feed pass's pool makes new
            # ones each pass) closes its connection instead of leaving it open for good.
            self._local.owner = _ThreadConnection()
            weakref.finalize(self._local.owner, _release, self._connections, self._lock, conn)
            with self._lock:
                self._connections.append(conn)
        return conn

    def _run(self, conn: Any, sql: str, params: Sequence[object] = ()) -> Any:
        return conn.execute(_pyformat(sql) if self.placeholder != "?" else sql, params)

    def _one(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self._run(self._conn(), sql, params).fetchone()

    def close(self) -> None:
        """Release connections."""
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(Exception):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()

    def ping(self) -> tuple[str, bool, str]:
        """A readiness check: (name, ok, detail); never raises for a database failure."""
        try:
            self._one("SELECT 1")
        except self.errors as exc:
            self._local.conn = None
            return ("database", False, self._describe(exc))
        return ("database", True, self.description)

    def writer_lock(self) -> AbstractContextManager[None]:
        """Held by the engine from reading the story sequence to committing a batch."""
        return nullcontext()

    # -- schema --------------------------------------------------------------------------

    def _upgrade(self, conn: Any, migrations: Sequence[Migration], where: str, other: str) -> None:
        """Moves the schema forward inside the caller's transaction; refuses newer ones."""
        self._run(conn, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = int(self._run(conn, "SELECT max(version) FROM schema_version").fetchone()[0] or 0)
        if current > len(migrations):
            raise RuntimeError(
                f"{where} has schema version {current}, newer than this code "
                f"({len(migrations)}); upgrade Parallax or use another {other}"
            )
        for version in range(current + 1, len(migrations) + 1):
            step = migrations[version - 1]
            if isinstance(step, str):
                self._script(conn, step)
            else:
                step(conn)
            self._run(conn, "INSERT INTO schema_version (version) VALUES (?)", (version,))

    def schema_version(self) -> int:
        """The schema version the database is at."""
        row = self._one("SELECT max(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    # -- writing -------------------------------------------------------------------------

    def commit(self, batch: Batch) -> list[int]:
        """Write a batch atomically; returns the new articles' row ids in batch order. An
        article whose key another writer stored meanwhile is skipped, not an error. The
        digests of the stories whose sample changed are computed right after the transaction,
        or, with batch.defer_digests, when the caller calls flush_digests (after leaving the
        ingest lock)."""
        ids = self._commit(batch)
        if not batch.defer_digests:
            self._flush_after_write(batch.ratings)
        return ids

    def rerate(self, ratings: DigestRatings) -> int:
        """Brings what is stored to these ratings, once per ratings version (RATINGS_CURSOR;
        an engine calls it at its first batch): an article whose
        outlet's side changed since it was stored takes the new side; its stories' rows are
        refreshed (counts by side, blindspot: what a listing shows), and their digests that do
        not hold under these ratings are due, as are digests made before digests named their
        sides. Those are left to the flushes, RERATE_PER_FLUSH per flush (each claims its
        share), so a re-rated outlet with thousands of stories does not hold one batch up for
        minutes; until then a reader makes its own (Engine._rated_digest). Ratings the store
        has seen replaced by newer ones are not taken up (ratings_log). Returns the stories
        due."""
        if self.cursor(RATINGS_CURSOR) == ratings.version:
            return 0
        conn = self._conn()
        newer = self._newer_than(conn, ratings.version)
        if newer is not None:
            # A writer on ratings this store has seen replaced (a process not restarted since
            # an import, a host with an old ratings directory) moves nothing back: its batches
            # take the sides recorded for the newest (_store_ratings).
            log.warning(
                "ratings %s were replaced by %s in this store: its sides and digests stay at "
                "%s (restart this process with the newer ratings, or make a new version)",
                ratings.version,
                newer,
                newer,
            )
            return 0
        stored_sides = [
            (str(outlet_id), side)
            for outlet_id, side in self._run(
                conn,
                "SELECT outlet_id, side FROM articles WHERE outlet_id IS NOT NULL"
                " GROUP BY outlet_id, side",
            ).fetchall()
        ]
        now_sides = {outlet_id: ratings.side(outlet_id) for outlet_id, _ in stored_sides}
        changed = {o: now_sides[o] for o, side in stored_sides if now_sides[o] != side}
        # Registered before the pass, with the sides it gives: a writer on the ratings it
        # replaces writes under these from now on, and one that registers newer ones while
        # this pass runs stops it (_newer_than, in each chunk's transaction).
        with self._writing(conn):
            if self._newer_than(conn, ratings.version) is not None:
                return 0
            self._run(
                conn,
                "INSERT INTO ratings_log (version, at) VALUES (?, ?) ON CONFLICT (version)"
                " DO NOTHING",
                (ratings.version, time.time()),
            )
            self._run(conn, "DELETE FROM rated_sides")
            self._run_many(
                conn,
                "INSERT INTO rated_sides (outlet_id, side) VALUES (?, ?)",
                sorted(now_sides.items()),
            )
        stories: set[str] = set()
        for outlet_id in changed:
            stories.update(
                str(r[0])
                for r in self._run(
                    conn,
                    "SELECT DISTINCT story_id FROM articles WHERE outlet_id = ?"
                    " AND story_id IS NOT NULL",
                    (outlet_id,),
                )
            )
        stories.update(self._unheld_digests(conn, ratings, now_sides))
        ordered = sorted(stories)
        already = set(self._due_digests())
        marked = 0
        for at in range(0, len(ordered), REFRESH_CHUNK):
            # A chunk's articles take their new side in the transaction that refreshes their
            # stories: a rerate cut short between the two left the articles re-sided and the
            # cursor unset, and the next rerate, finding no outlet to re-side, never refreshed
            # those stories nor queued their digests. Run again, it does the rest.
            with self._writing(conn):
                if self._newer_than(conn, ratings.version) is not None:
                    return marked  # (its writer's pass does the rest)
                marked += self._rerate_chunk(
                    conn, ordered[at : at + REFRESH_CHUNK], changed, ratings, already
                )
        with self._writing(conn):
            if self._newer_than(conn, ratings.version) is not None:
                return marked
            # The stories that got a re-sided outlet's articles since they were listed (a
            # merge or a move by another writer, a new story): re-sided at the end without
            # their stories, they kept counting the old side for good.
            marked += self._reside_the_rest(conn, changed, ratings, already)
            self._run_many(conn, _CURSOR_UPSERT, [(RATINGS_CURSOR, ratings.version)])
        return marked

    def _reside_the_rest(
        self, conn: Any, changed: dict[str, str], ratings: DigestRatings, already: set[str]
    ) -> int:
        """Inside a write transaction: every article of these outlets (changed: outlet -> its
        side now) still on another side takes its side now, its story re-sided and refreshed
        with it (_rerate_chunk), articles in no story too. Returns the digests queued."""
        stories: set[str] = set()
        for outlet_id, side in changed.items():
            stories.update(
                str(r[0])
                for r in self._run(
                    conn,
                    "SELECT DISTINCT story_id FROM articles WHERE outlet_id = ?"
                    " AND side <> ? AND story_id IS NOT NULL",
                    (outlet_id, side),
                )
            )
        ordered = sorted(stories)
        marked = 0
        for at in range(0, len(ordered), REFRESH_CHUNK):
            marked += self._rerate_chunk(
                conn, ordered[at : at + REFRESH_CHUNK], changed, ratings, already
            )
        self._run_many(  # (articles in no story)
            conn,
            "UPDATE articles SET side = ? WHERE outlet_id = ? AND side <> ?",
            [(side, outlet_id, side) for outlet_id, side in changed.items()],
        )
        return marked

    def _rerate_chunk(
        self,
        conn: Any,
        chunk: Sequence[str],
        changed: dict[str, str],
        ratings: DigestRatings,
        already: set[str],
    ) -> int:
        """Inside rerate's transaction: these stories' articles of the re-sided outlets take
        their new side, the stories are refreshed, and their digests that do not hold are
        queued for the flushes (`already`: this thread's own due ones, left to its flush).
        No story's counts move twice: the sides its articles are stored with are read here,
        before they move (read before the transaction, a rerate of another process that
        committed meanwhile had them moved a second time). Returns the digests queued."""
        marks = ", ".join("?" * len(chunk))
        held = self._held_sides(conn, changed, chunk)
        self._run_many(
            conn,
            "UPDATE articles SET side = ? WHERE outlet_id = ? AND side <> ?"
            f" AND story_id IN ({marks})",
            [(side, outlet_id, side, *chunk) for outlet_id, side in changed.items()],
        )
        floors = self._moved_floors(conn, changed, held)
        self._run_many(conn, "UPDATE stories SET sides = ? WHERE id = ?", floors)
        self._refresh_stories(conn, chunk, ratings)
        # Left to the next flushes (any process's), RERATE_PER_FLUSH at a time.
        due = self._due_digests()
        swept = [(story_id,) for story_id in chunk if story_id in due - already]
        self._run_many(
            conn,
            f"UPDATE stories SET digest_due = {RERATE_DUE!r} WHERE id = ?"
            " AND digest_due IS NOT NULL",
            swept,
        )
        due.difference_update(s for (s,) in swept)
        return len(swept)

    def _ratings_order(self, conn: Any, version: str) -> tuple[str | None, bool, bool]:
        """The store's newest ratings version (None: never brought to any), whether the store
        has seen `version` replaced (registered before the newest), and whether an outlet
        waits for its side under the newest (PENDING_SIDE). A version never registered (a
        writer that has not taken up its ratings yet) is not replaced."""
        newest, mine, top, pending = self._run(
            conn,
            "SELECT (SELECT version FROM ratings_log ORDER BY seq DESC LIMIT 1),"
            " (SELECT seq FROM ratings_log WHERE version = ?), (SELECT max(seq) FROM ratings_log),"
            " EXISTS (SELECT 1 FROM rated_sides WHERE side = ?)",
            (version, PENDING_SIDE),
        ).fetchone()
        return (
            None if newest is None else str(newest),
            mine is not None and mine < top,
            bool(pending),
        )

    def _newer_than(self, conn: Any, version: str) -> str | None:
        """The store's newest ratings version when it has seen `version` replaced, else None."""
        newest, replaced, _ = self._ratings_order(conn, version)
        return newest if replaced else None

    def _store_ratings(self, conn: Any, ratings: DigestRatings | None) -> DigestRatings | None:
        """The ratings a write under `ratings` is made under: `ratings`, unless the store has
        seen them replaced; then the sides recorded for its newest (_StoreRatings). A batch's
        outlets missing from them are looked up again (_mark_pending)."""
        if ratings is None or isinstance(ratings, _StoreRatings):
            return ratings
        newest, replaced, _ = self._ratings_order(conn, ratings.version)
        if not replaced or newest is None:
            return ratings
        return self._as_stored(conn, ratings, newest)

    def _as_stored(self, conn: Any, ratings: DigestRatings, newest: str) -> _StoreRatings:
        """`ratings` replaced by `newest`: the sides the store recorded for it (read once per
        newest version in this process), the writer's own for the outlets it has none for."""
        recorded = self._recorded_sides.get(newest)
        if recorded is None:
            recorded = {
                str(o): str(side)
                for o, side in self._run(
                    conn, "SELECT outlet_id, side FROM rated_sides WHERE side <> ?", (PENDING_SIDE,)
                )
            }
            self._recorded_sides = {newest: recorded}
        return _StoreRatings(
            version=f"{newest}+{ratings.version}",
            lookup=ratings.lookup,
            newest=newest,
            recorded=recorded,
            own=ratings,
        )

    def _mark_pending(
        self, conn: Any, ratings: _StoreRatings, articles: Sequence[NewArticle]
    ) -> None:
        """A batch on replaced ratings: its outlets the newest ratings recorded no side for
        (in this process's copy) are looked up again (the newest writer may have recorded them
        since), and those still without one marked PENDING_SIDE for the newest writer."""
        unknown = sorted({a.outlet_id for a in articles if a.outlet_id} - set(ratings.recorded))
        if not unknown:
            return
        found: dict[str, str] = {}
        for test, params in self._members(unknown):
            found.update(
                (str(o), str(side))
                for o, side in self._run(
                    conn,
                    f"SELECT outlet_id, side FROM rated_sides WHERE outlet_id {test}",
                    params,
                )
                if side != PENDING_SIDE
            )
        if isinstance(ratings.recorded, dict):
            ratings.recorded.update(found)
        self._run_many(
            conn,
            "INSERT INTO rated_sides (outlet_id, side) VALUES (?, ?) ON CONFLICT (outlet_id)"
            " DO NOTHING",
            [(o, PENDING_SIDE) for o in unknown if o not in found],
        )

    def _resolve_pending(self, conn: Any, ratings: DigestRatings) -> None:
        """Inside a commit under the store's newest ratings: the outlets a writer on replaced
        ratings stored without a recorded side get theirs, and their articles that writer
        stored with its own side take it, their stories refreshed (as rerate does)."""
        pending = [
            str(r[0])
            for r in self._run(
                conn,
                "SELECT outlet_id FROM rated_sides WHERE side = ? ORDER BY outlet_id LIMIT ?",
                (PENDING_SIDE, REFRESH_CHUNK),
            )
        ]
        changed = {o: ratings.side(o) for o in pending}
        self._run_many(
            conn,
            "UPDATE rated_sides SET side = ? WHERE outlet_id = ?",
            [(side, o) for o, side in changed.items()],
        )
        self._reside_the_rest(conn, changed, ratings, set(self._due_digests()))

    def _record_sides(
        self, conn: Any, ratings: DigestRatings, articles: Sequence[NewArticle]
    ) -> None:
        """Records the sides of a batch's outlets that the store has none for (these are its
        newest ratings): for the writers on older ones (_store_ratings)."""
        outlets = sorted({a.outlet_id for a in articles if a.outlet_id} - self._recorded_outlets)
        if not outlets:
            return
        self._run_many(
            conn,
            "INSERT INTO rated_sides (outlet_id, side) VALUES (?, ?) ON CONFLICT (outlet_id)"
            " DO NOTHING",
            [(o, ratings.side(o)) for o in outlets],
        )
        if len(self._recorded_outlets) > 100_000:  # (bounded: a cache of what needs no write)
            self._recorded_outlets = set()
        self._recorded_outlets.update(outlets)

    def _unheld_digests(
        self, conn: Any, ratings: DigestRatings, now_sides: dict[str, str]
    ) -> set[str]:
        """The stories whose stored digest does not hold under these ratings, found by its
        structure: "sides" missing or malformed, or made under other ratings and naming an
        outlet whose side is another now (now_sides: each stored outlet's side under them). A
        digest is checked by what it names, not by the articles' stored sides, so one made
        under other ratings than its articles' (a process on older ratings) or edited by hand
        is found too."""
        found = {str(r[0]) for r in self._run(conn, self.malformed_digest_sql)}
        self._run(
            conn,
            "CREATE TEMP TABLE IF NOT EXISTS rated_now"
            " (outlet_id TEXT PRIMARY KEY, side TEXT NOT NULL)",
        )
        self._run(conn, "DELETE FROM rated_now")
        try:
            self._run_many(
                conn,
                "INSERT INTO rated_now (outlet_id, side) VALUES (?, ?)",
                sorted(now_sides.items()),
            )
            for story_id, outlet_id, side in self._run(
                conn, self.unheld_sides_sql, (ratings.version,)
            ).fetchall():
                # (an outlet with no article stored now: retention took them)
                if not isinstance(outlet_id, str) or ratings.side(outlet_id) != side:
                    found.add(str(story_id))
        finally:
            self._run(conn, "DELETE FROM rated_now")
        return found

    def _held_sides(
        self, conn: Any, changed: dict[str, str], story_ids: Sequence[str]
    ) -> dict[str, dict[str, set[str]]]:
        """story -> re-sided outlet -> the sides its articles there are stored with, for those
        of these stories retention thinned (_moved_floors)."""
        held: dict[str, dict[str, set[str]]] = {}
        marks = ", ".join("?" * len(story_ids))
        for story_id, outlet_id, side in self._run(
            conn,
            "SELECT a.story_id, a.outlet_id, a.side FROM articles a JOIN stories s"
            f" ON s.id = a.story_id WHERE s.id IN ({marks}) AND s.pruned > 0"
            " AND a.outlet_id IS NOT NULL GROUP BY a.story_id, a.outlet_id, a.side",
            list(story_ids),
        ):
            if str(outlet_id) in changed:
                held.setdefault(str(story_id), {}).setdefault(str(outlet_id), set()).add(str(side))
        return held

    def _moved_floors(
        self, conn: Any, changed: dict[str, str], held: dict[str, dict[str, set[str]]]
    ) -> list[tuple[object, str]]:
        """The counts by side of the stories retention thinned, with each re-sided outlet
        (changed: outlet -> its side now) that still has articles there moved from the sides
        they were stored with (held) to its side now. Such a story keeps its stored counts as
        a floor for what its removed articles counted (_story_values), so the refresh alone
        kept the outlet under its old side too (a centre outlet still counted right). An
        outlet with only removed articles there stays where it was counted: nothing says it
        was."""
        rows: list[tuple[object, str]] = []
        for story_id, outlets in sorted(held.items()):
            found = self._run(
                conn, "SELECT sides FROM stories WHERE id = ?", (story_id,)
            ).fetchone()
            if found is None:
                continue
            sides = _moved_counts(_counts_of(found[0]), outlets, changed)
            rows.append((self._json(sides), story_id))
        return rows

    def rated_rows(self, rows: Sequence[StoryRow], ratings: DigestRatings) -> list[StoryRow]:
        """Listing rows with their counts by side and blindspot as these ratings give them.
        A story's row counts its outlets by the sides stored with its articles, which follow
        the ratings only once a writer has taken them up (rerate): until then, or in a process
        on other ratings than the store's, a listing showed the old sides. Rows come back as
        read where their articles are stored with the sides these ratings give; else each
        re-sided outlet that has articles in a listed story is moved to its side now (one
        grouped read for the rows). Also when the store is at these ratings: an outlet they
        rate that the store first met in a batch of a writer on replaced ratings is stored
        with that writer's side (_StoreRatings has none recorded for it), and while a newer
        pass is half done the stories it did are stored with the newer sides."""
        if not rows:
            return list(rows)
        stored: dict[str, dict[str, set[str]]] = {}
        for story_id, outlet_id, side in self._where_in(
            "SELECT story_id, outlet_id, side FROM articles",
            "story_id",
            [r.id for r in rows],
            " AND outlet_id IS NOT NULL GROUP BY story_id, outlet_id, side",
        ):
            stored.setdefault(str(story_id), {}).setdefault(str(outlet_id), set()).add(str(side))
        out: list[StoryRow] = []
        for row in rows:
            outlets = stored.get(row.id, {})
            now = {o: ratings.side(o) for o in outlets}
            moved = {o: sides for o, sides in outlets.items() if sides != {now[o]}}
            if not moved:
                out.append(row)
                continue
            counts = _moved_counts(dict(row.outlets_by_side), moved, now)
            out.append(replace(row, outlets_by_side=counts, blindspot=blindspot_side(counts)))
        return out

    def _flush_after_write(self, ratings: DigestRatings | None = None) -> None:
        """flush_digests after a write that is already committed: a failure there must not
        read as the write's (the digests stay due for the next flush)."""
        try:
            self.flush_digests(ratings)
        except Exception:
            log.exception("story digests left due after a commit; the next flush computes them")

    def _commit(self, batch: Batch) -> list[int]:
        conn = self._conn()
        with self._writing(conn):
            ids: list[int] = []
            stored: list[tuple[int, NewArticle]] = []
            touched: set[str] = set()
            # Another writer may have merged a story this batch still names: file under the
            # survivor, never under a merged-away id.
            survivors = self._survivors(conn, {a.story_id for a in batch.articles if a.story_id})
            articles = [
                replace(art, story_id=survivors[art.story_id]) if art.story_id in survivors else art
                for art in batch.articles
            ]
            ratings = batch.ratings
            if ratings is not None:
                newest, replaced, pending = self._ratings_order(conn, ratings.version)
                if replaced and newest is not None:
                    # Ratings the store has seen replaced: the articles take the newest's sides.
                    stored_under = self._as_stored(conn, ratings, newest)
                    self._mark_pending(conn, stored_under, articles)
                    articles = [
                        replace(art, side=stored_under.side(art.outlet_id))
                        if art.outlet_id
                        else art
                        for art in articles
                    ]
                    ratings = stored_under
                elif newest == ratings.version:
                    self._record_sides(conn, ratings, articles)
                    if pending:
                        self._resolve_pending(conn, ratings)
            rows = [
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
                    art.published if art.published is not None else art.first_seen,
                    art.fingerprint,
                    art.story_id,
                    art.syndicated_of_key,
                    *self._extra_values(art),
                )
                for art in articles
            ]
            for art, row_id in zip(articles, self._insert_articles(conn, rows), strict=True):
                if row_id is None:  # another writer stored it meanwhile
                    continue
                ids.append(row_id)
                stored.append((row_id, art))
                if art.story_id:
                    touched.add(art.story_id)
            if stored:
                self._index(conn, stored)
                self._count_hosts(conn, [row_id for row_id, _ in stored])
            # Another writer (or a move) may have made either story of a merge an alias since
            # this batch's engine read it: the articles go to the target's survivor (filed
            # under an alias id, the target would come back as a row beside its alias), and a
            # story already an alias has nothing left to merge (its readers follow the alias).
            named = {s for merge in batch.merges for s in merge}
            aliased = self._survivors(conn, named) if batch.merges else {}
            for old, new in batch.merges:
                while new in aliased:  # a forest: each entry points at a story then live
                    new = aliased[new]
                if old == new or old in aliased:
                    continue
                aliased[old] = new
                self._run(conn, "UPDATE articles SET story_id = ? WHERE story_id = ?", (new, old))
                self._run(conn, "UPDATE story_aliases SET new_id = ? WHERE new_id = ?", (new, old))
                self._run(conn, _ALIAS_UPSERT, (old, new))
                self._run(conn, "DELETE FROM stories WHERE id = ?", (old,))
                touched.discard(old)
                touched.add(new)
            if batch.moves:
                touched.update(self._move(conn, batch.moves))
            self._refresh_stories(conn, sorted(touched), ratings)
            # One round trip each on PostgreSQL, however many feeds a group commit carries.
            self._run_many(conn, _CURSOR_UPSERT, list(batch.cursors))
            self._run_many(
                conn,
                _FEED_STATE_UPSERT,
                [[getattr(state, c) for c in FEED_STATE_COLUMNS] for state in batch.feed_states],
            )
        return ids

    def _move(self, conn: Any, moves: Sequence[tuple[str, str]]) -> set[str]:
        """Applies a batch's moves (Batch.moves) and logs them; returns the stories whose rows
        are to be refreshed (those that lost or gained articles and still exist)."""
        wanted = dict(moves)  # a key's last move wins
        survivors = self._survivors(conn, set(wanted.values()))
        changes: list[tuple[int, str, str | None]] = []  # (row id, new story, old story)
        for test, params in self._members(list(wanted)):
            for row_id, key, old in self._run(
                conn, f"SELECT id, key, story_id FROM articles WHERE key {test}", params
            ).fetchall():
                new = survivors.get(wanted[key], wanted[key])
                if new != old:
                    changes.append((int(row_id), new, None if old is None else str(old)))
        if not changes:
            return set()
        changes.sort()
        losing_set = {old for _, _, old in changes if old is not None}
        # A copy moved on its own before goes along with its original: its story loses it too
        # (left out, a story the copy emptied kept a row counting it).
        for test, params in self._members([row_id for row_id, _, _ in changes]):
            losing_set.update(
                str(r[0])
                for r in self._run(
                    conn,
                    f"SELECT DISTINCT story_id FROM articles WHERE syndicated_of {test}"
                    " AND story_id IS NOT NULL",
                    params,
                ).fetchall()
            )
        losing = sorted(losing_set)
        # Each losing story's first article (oldest, ties by row id), before anything moves:
        # a story the moves empty becomes an alias of the story that article goes to.
        firsts: dict[str, int] = {}
        for test, params in self._members(losing):
            for story_id, row_id in self._run(
                conn,
                "SELECT story_id, id FROM (SELECT story_id, id, row_number() OVER"
                " (PARTITION BY story_id ORDER BY at, id) AS rank FROM articles"
                f" WHERE story_id {test}) AS ranked WHERE rank = 1",
                params,
            ).fetchall():
                firsts[str(story_id)] = int(row_id)
        # An article's syndicated copies are filed with it, so they move with it.
        self._run_many(
            conn,
            "UPDATE articles SET story_id = ? WHERE id = ? OR syndicated_of = ?",
            [(new, row_id, row_id) for row_id, new, _ in changes],
        )
        self._run_many(
            conn,
            "INSERT INTO story_moves (article_id, story_id) VALUES (?, ?)",
            [(row_id, new) for row_id, new, _ in changes],
        )
        left: set[str] = set()
        kept: set[str] = set()
        for test, params in self._members(losing):
            left.update(
                str(r[0])
                for r in self._run(
                    conn,
                    f"SELECT story_id FROM articles WHERE story_id {test} GROUP BY story_id",
                    params,
                ).fetchall()
            )
            # A story retention thinned keeps its row and counts when its last article goes,
            # as a prune leaves it.
            kept.update(
                str(r[0])
                for r in self._run(
                    conn, f"SELECT id FROM stories WHERE id {test} AND pruned > 0", params
                ).fetchall()
            )
        emptied = [old for old in losing if old not in left and old not in kept]
        # A thinned story whose last article moved counts only what retention took (the
        # refresh leaves a story without articles as it is): the moved ones count where they are.
        self._run_many(
            conn,
            "UPDATE stories SET article_count = pruned WHERE id = ?",
            [(old,) for old in losing if old not in left and old in kept],
        )
        for old in emptied:
            (target,) = self._run(
                conn, "SELECT story_id FROM articles WHERE id = ?", (firsts[old],)
            ).fetchone()
            # As a merge: whoever holds the old id (or an id merged into it) finds the target.
            self._run(conn, "UPDATE story_aliases SET new_id = ? WHERE new_id = ?", (target, old))
            self._run(conn, _ALIAS_UPSERT, (old, target))
            self._run(conn, "DELETE FROM stories WHERE id = ?", (old,))
        return ({new for _, new, _ in changes} | set(losing)) - set(emptied)

    def moves_since(self, after: int, limit: int = PAGE_ROWS) -> tuple[list[tuple[str, str]], int]:
        """The (article key, story id) moves logged after position `after`, oldest first, at
        most `limit`, and the position read up to; after = -1: none, and the current position
        (where an engine that has just read the articles starts)."""
        conn = self._conn()
        if after < 0:
            row = self._run(conn, "SELECT max(seq) FROM story_moves").fetchone()
            return [], int(row[0] or 0) if row else 0
        rows = self._run(
            conn,
            "SELECT m.seq, a.key, m.story_id FROM story_moves m JOIN articles a"
            " ON a.id = m.article_id WHERE m.seq > ? ORDER BY m.seq LIMIT ?",
            (after, limit),
        ).fetchall()
        if not rows:
            return [], after
        return [(str(key), str(story)) for _, key, story in rows], int(rows[-1][0])

    def _count_hosts(self, conn: Any, ids: Sequence[int]) -> None:
        """Adds these just-stored articles to their hosts' counts (article_hosts)."""
        for test, params in self._members(list(ids)):
            self._run(
                conn,
                "INSERT INTO article_hosts (host, last_id, articles)"
                f" SELECT h, max(id), count(*) FROM (SELECT {self.host_prefix_sql} AS h, id"
                f" FROM articles WHERE id {test}) AS keyed WHERE h IS NOT NULL GROUP BY h"
                " ON CONFLICT (host) DO UPDATE SET articles = article_hosts.articles"
                " + excluded.articles, last_id = excluded.last_id",
                params,
            )

    def _uncount_hosts(self, conn: Any, ids: Sequence[int]) -> None:
        """Takes these articles (still stored) out of their hosts' counts; a host left with
        none goes."""
        for test, params in self._members(list(ids)):
            # The batch's rows folded to their hosts once, then one update per host: a
            # correlated count per host re-read the batch for each of them (5 s a batch of
            # 1,000 over 400 hosts in the 10,000,000-article drill).
            self._run(
                conn,
                "UPDATE article_hosts SET articles = article_hosts.articles - gone.n FROM ("
                f"SELECT {self.host_prefix_sql} AS h, count(*) AS n FROM articles WHERE id {test}"
                " GROUP BY 1) AS gone WHERE article_hosts.host = gone.h",
                params,
            )
        self._run(conn, "DELETE FROM article_hosts WHERE articles <= 0")

    def delete_articles(self, key_prefix: str) -> int:
        """Deletes the articles whose key starts with `key_prefix` in one transaction,
        refreshing or removing their stories; returns how many went."""
        if len(key_prefix) < MIN_DELETE_PREFIX:
            raise ValueError(
                f"refusing to delete by the key prefix {key_prefix!r}: give at least "
                f"{MIN_DELETE_PREFIX} characters"
            )
        conn = self._conn()
        with self._writing(conn):
            # substr, not LIKE: a key may hold % or _.
            rows = self._run(
                conn,
                "SELECT id, story_id FROM articles WHERE substr(key, 1, ?) = ?",
                (len(key_prefix), key_prefix),
            ).fetchall()
            ids = [int(r[0]) for r in rows]
            if not ids:
                return 0
            self._unindex(conn, ids)
            self._uncount_hosts(conn, ids)
            for test, params in self._members(ids):
                self._run(conn, f"DELETE FROM story_moves WHERE article_id {test}", params)
                # Another article may name a deleted one as its wire original: it stands alone.
                self._run(
                    conn,
                    f"UPDATE articles SET syndicated_of = NULL WHERE syndicated_of {test}",
                    params,
                )
                self._run(conn, f"DELETE FROM articles WHERE id {test}", params)
            self._refresh_stories(conn, sorted({str(r[1]) for r in rows if r[1]}))
            # Engines in other processes hold the deleted articles in memory and see this
            # counter move (Engine.restore), so no new article joins a story that is gone.
            self._run(conn, _REMOVALS_BUMP, (REMOVALS_CURSOR,))
        self._forget_common_words()
        self._flush_after_write()
        return len(ids)

    def prune_articles(
        self,
        before: float,
        *,
        batch: int = PRUNE_BATCH,
        stop: Callable[[], bool] | None = None,
    ) -> PruneResult:
        """Removes the articles whose time is before `before`, `batch` at a time, each batch its
        own short write transaction (readers never wait; ingest waits one batch at most). A
        story keeps its row, headline and counts, with `pruned` saying how many of its articles
        went; `stop` is asked between batches."""
        conn = self._conn()
        removed = batches = 0
        stories: set[str] = set()
        while stop is None or not stop():
            with self._writing(conn):
                rows = self._run(
                    conn,
                    "SELECT id, story_id FROM articles WHERE at < ? ORDER BY at LIMIT ?",
                    (before, batch),
                ).fetchall()
                if not rows:
                    break
                ids = [int(r[0]) for r in rows]
                self._unindex(conn, ids)
                self._uncount_hosts(conn, ids)
                for test, params in self._members(ids):
                    # Each story counts what it loses, in one statement for the batch (a
                    # statement a story made ~50 round trips a batch: 909 articles/s at
                    # 10,000,000 on a loaded machine).
                    self._run(
                        conn,
                        "UPDATE stories SET pruned = stories.pruned + gone.n FROM ("
                        "SELECT story_id AS sid, count(*) AS n FROM articles"
                        f" WHERE id {test} AND story_id IS NOT NULL GROUP BY story_id) AS gone"
                        " WHERE stories.id = gone.sid",
                        params,
                    )
                    self._run(conn, f"DELETE FROM story_moves WHERE article_id {test}", params)
                    # A copy whose wire original goes stands alone, as delete_articles leaves it.
                    self._run(
                        conn,
                        f"UPDATE articles SET syndicated_of = NULL WHERE syndicated_of {test}",
                        params,
                    )
                    self._run(conn, f"DELETE FROM articles WHERE id {test}", params)
                stories.update(str(story_id) for _, story_id in rows if story_id)
            self._forget_common_words()
            removed += len(ids)
            batches += 1
            if len(rows) < batch:
                break
        return PruneResult(articles=removed, stories=len(stories), batches=batches)

    def _survivors(self, conn: Any, named: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for test, params in self._members(sorted(named)):
            sql = f"SELECT old_id, new_id FROM story_aliases WHERE old_id {test}"
            found.update(self._run(conn, sql, params).fetchall())
        return found

    def _insert_articles(self, conn: Any, rows: Sequence[Sequence[Any]]) -> list[int | None]:
        """Inserts a batch's article rows in order; each one's new row id, None for a key that
        was stored already."""
        out: list[int | None] = []
        for row in rows:
            returned = self._run(conn, self._insert_sql, row).fetchall()  # to the end: SQLite
            out.append(int(returned[0][0]) if returned else None)  # finishes it first
        return out

    def _refresh_story(self, conn: Any, story_id: str) -> None:
        self._refresh_stories(conn, [story_id])

    def _due_digests(self) -> set[str]:
        """The stories whose digest this thread's commits left due (flush_digests takes them)."""
        due: set[str] | None = getattr(self._local, "due_digests", None)
        if due is None:
            due = self._local.due_digests = set()
        return due

    def _run_many(self, conn: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement over many rows (the dialect may send them in one round trip)."""
        if rows:
            conn.executemany(_pyformat(sql) if self.placeholder != "?" else sql, rows)

    def _refresh_stories(
        self, conn: Any, story_ids: Sequence[str], ratings: DigestRatings | None = None
    ) -> None:
        """Recompute the touched stories' rows (counts, sides, headline) in a few grouped reads
        per REFRESH_CHUNK stories and one batched write: a commit touching hundreds of small
        stories made five round trips for each of them inside the ingest lock. A story whose
        digest sample changed is marked due; its digest is computed by flush_digests, after
        the transaction (outside the ingest lock)."""
        due = self._due_digests()
        now = self._db_now(conn)  # (judged by other hosts' flushes: flush_digests's orphans)
        for at in range(0, len(story_ids), REFRESH_CHUNK):
            chunk = list(story_ids[at : at + REFRESH_CHUNK])
            due.update(self._refresh_chunk(conn, chunk, now, ratings))

    def _sample_heads(
        self, conn: Any, story_ids: Sequence[str]
    ) -> dict[str, list[tuple[int, str, bool]]]:
        """(row id, title, is a wire copy) of each story's digest sample, oldest first, ties by
        row id: its earliest DIGEST_SAMPLE originals, or its first article when it has none."""
        marks = ", ".join("?" * len(story_ids))
        heads: dict[str, list[tuple[int, str, bool]]] = {}
        for story_id, row_id, title in self._run(
            conn,
            "SELECT story_id, id, title FROM (SELECT story_id, id, title, at, row_number() OVER"
            " (PARTITION BY story_id ORDER BY at, id) AS sample_rank FROM articles"
            f" WHERE story_id IN ({marks}) AND syndicated_of IS NULL) AS originals"
            " WHERE sample_rank <= ? ORDER BY story_id, at, id",
            [*story_ids, DIGEST_SAMPLE],
        ):
            heads.setdefault(str(story_id), []).append((int(row_id), str(title), False))
        for story_id in story_ids:
            if story_id not in heads:
                # Wire copies only: the first article stands in (summary.story_digest).
                first = self._run(
                    conn,
                    "SELECT id, title, syndicated_of FROM articles WHERE story_id = ?"
                    " ORDER BY at, id LIMIT 1",
                    (story_id,),
                ).fetchone()
                if first is not None:
                    heads[story_id] = [(int(first[0]), str(first[1]), first[2] is not None)]
        return heads

    def _refresh_chunk(
        self, conn: Any, story_ids: list[str], now: float, ratings: DigestRatings | None
    ) -> list[str]:
        """Rewrites these stories' rows; returns those whose digest is now due (with
        `ratings`, also those whose digest does not hold under them)."""
        marks = ", ".join("?" * len(story_ids))
        # Sources as the counts by side (and a story's summary) count them: an article of no
        # known outlet is its own.
        totals = {
            row[0]: row[1:]
            for row in self._run(
                conn,
                "SELECT story_id, count(*), count(DISTINCT coalesce(outlet_id, key)), min(at),"
                " max(at)"
                f" FROM articles WHERE story_id IN ({marks}) GROUP BY story_id",
                story_ids,
            )
        }
        kept_rows: dict[str, tuple[StoryRow, float | None]] = {
            row[0]: (story_row(row), row[-1])
            for row in self._run(
                conn,
                f"SELECT {STORY_COLUMNS}, digest_due FROM stories WHERE id IN ({marks})",
                story_ids,
            )
        }
        by_side: dict[str, dict[str, int]] = {}
        for story_id, side, n in self._run(
            conn,
            "SELECT story_id, side, count(DISTINCT coalesce(outlet_id, key)) FROM articles"
            f" WHERE story_id IN ({marks}) GROUP BY story_id, side",
            story_ids,
        ):
            by_side.setdefault(story_id, {})[side] = int(n)
        heads = self._sample_heads(conn, story_ids)
        gone: list[tuple[str]] = []
        rows: list[tuple[Any, ...]] = []
        due: list[str] = []
        for story_id in story_ids:
            kept, kept_due = kept_rows.get(story_id, (None, None))
            values = self._story_values(
                story_id,
                totals.get(story_id),
                kept,
                kept_due,
                by_side.get(story_id, {}),
                heads.get(story_id, []),
                now,
                ratings,
            )
            if values is None:
                if not (kept is not None and kept.pruned):
                    gone.append((story_id,))
                continue
            rows.append(values)
            if values[-2] is not None:
                due.append(story_id)
        self._run_many(conn, "DELETE FROM stories WHERE id = ?", gone)
        self._run_many(conn, _STORY_UPSERT, rows)
        return due

    def _story_values(
        self,
        story_id: str,
        total: Sequence[Any] | None,
        kept: StoryRow | None,
        kept_due: float | None,
        sides: dict[str, int],
        head: list[tuple[int, str, bool]],
        now: float,
        ratings: DigestRatings | None = None,
    ) -> tuple[Any, ...] | None:
        """A story's row as the upsert writes it (_STORY_WRITTEN); None when it has no
        articles left."""
        # A story retention thinned keeps what the removed articles counted for.
        pruned = kept.pruned if kept is not None else 0
        if not total or not total[0]:
            return None
        count, outlets, first, last = total
        if kept is not None and pruned:
            count += pruned
            outlets = max(int(outlets), kept.outlet_count)
            first, last = min(first, kept.first_seen), max(last, kept.last_updated)
            for side, n in kept.outlets_by_side.items():
                sides[side] = max(sides.get(side, 0), int(n))
        # Articles never change once stored: the same sample (and code) gives the same digest,
        # so a story whose new articles come after its sample keeps its digest; otherwise the
        # digest is due, computed after this transaction (flush_digests) for this sample.
        signature = _signature((row_id, copy) for row_id, _, copy in head)
        digest = kept.digest if kept is not None else None
        # A digest made under other ratings is due as well (its sides may be named wrongly).
        # Without ratings (a write of retention or `parallax delete`) the sides are not at
        # hand here: a story the re-rating left due (rerate) stays due, for the flush to
        # check its digest against the stored sides.
        current = (
            digest is not None
            and digest.get("sample") == signature
            and _well_formed_sides(digest)
            and (ratings.holds(digest) if ratings is not None else not _rerate_queued(kept_due))
        )
        wanted = None if current else signature
        due = None if current else (kept_due if kept_due is not None else now)
        titles = [title for _, title, _ in head][:HEADLINE_SAMPLE]
        # The oldest titles name a story: once retention took them, the stored headline stays;
        # until its digest is computed a story keeps the headline it had.
        if kept is not None and (pruned or not current):
            headline = kept.headline
        else:
            headline = (digest or {}).get("headline") or representative_headline(titles)
        return (
            story_id,
            first,
            last,
            count,
            outlets,
            headline,
            self._json(sides),
            blindspot_side(sides),
            None if digest is None else self._json(digest),
            wanted,
            due,
        )

    def flush_digests(self, ratings: DigestRatings | None = None, *, delay: float = 0.0) -> int:
        """Computes the digests this thread's commits left due, and those any process left due
        for over ORPHAN_DIGEST_SECONDS (it died first), each for the sample its story has now,
        outside any transaction; writes each in one short write transaction, only where that
        sample is still the one wanted (a later commit that moved the sample on flushes its
        own). With `ratings`, each is made under them (summary.story_digest), and a stored one
        is kept only if it holds under them; without, from the sides stored with the articles.
        A writer's flush (with `ratings`) also remakes up to RECODE_PER_FLUSH digests another
        version of the code made (_claim_recoded). With `delay` > 0 a story this process
        marked due less than `delay` seconds ago (its digest_due: when it was first marked
        since its last digest, so one that keeps changing still waits no longer) is held back
        for a later flush, its stored digest shown meanwhile: a story that changes again soon
        is digested once for both changes (digests_held says how many wait). Returns how many
        digests were written."""
        mine = self._due_digests()
        wanted = set(mine)
        mine.clear()
        with self._held_lock:
            held = set(self._held)
            self._held.clear()
        wanted |= held
        written = 0
        # From the first read on: a failure of the claims' reads and writes (the recode's
        # write turn, a database gone) lost this thread's due stories and the held ones,
        # left to other processes' flushes as orphans a minute later.
        try:
            conn = self._conn()
            given = ratings
            ratings = self._store_ratings(conn, ratings)
            orphans = self._run(
                conn,
                "SELECT id FROM stories WHERE digest_due > ? AND digest_due < ?"
                " ORDER BY digest_due LIMIT ?",
                (RERATE_DUE, self._db_now(conn) - ORPHAN_DIGEST_SECONDS, REFRESH_CHUNK),
            ).fetchall()
            wanted.update(str(r[0]) for r in [*orphans, *self._claim_rerated(conn)])
            if given is not None:  # a writer's flush (the engine's ratings), not retention's
                wanted.update(self._claim_recoded(conn))
            ordered = sorted(wanted)
            # Marked due after this are held back (a claim's negative time never is).
            hold_after = self._db_now(conn) - delay if delay > 0 and ordered else None
            for at in range(0, len(ordered), REFRESH_CHUNK):
                written += self._flush_chunk(
                    conn, ordered[at : at + REFRESH_CHUNK], ratings, hold_after
                )
        except BaseException:
            mine.update(wanted - held)  # this thread's next flush tries them again
            with self._held_lock:
                self._held.update(held)  # and any flush of this process these
            raise
        return written

    def digests_held(self) -> int:
        """How many stories' digests this process's flushes hold back for a later flush."""
        with self._held_lock:
            return len(self._held)

    def _db_now(self, conn: Any) -> float:
        """The database's clock, seconds since 1970: the digests' due times and claims are set
        by processes on several hosts and judged by the others (ORPHAN_DIGEST_SECONDS)."""
        return float(self._run(conn, f"SELECT {self.now_sql}").fetchone()[0])

    def _claim_rerated(self, conn: Any) -> list[tuple[Any, ...]]:
        """Takes up to RERATE_PER_FLUSH stories of the re-rating's queue (RERATE_DUE, or claimed
        by a flush that has not written them for ORPHAN_DIGEST_SECONDS) for this flush alone:
        their digest_due becomes minus the time of the claim. Read first, so a flush with no
        queue takes no write turn. The time is the database's: claims are made and judged by
        processes on several hosts, and one whose clock ran a minute behind made claims the
        others took for stale at once (the same digests made twice again)."""
        now = self._db_now(conn)
        stale = -(now - ORPHAN_DIGEST_SECONDS)
        queued = "digest_due = ? OR (digest_due < ? AND digest_due > ?)"
        params = (RERATE_DUE, RERATE_DUE, stale)
        if not self._run(conn, f"SELECT 1 FROM stories WHERE {queued} LIMIT 1", params).fetchall():
            return []
        with self._writing(conn):
            return list(
                self._run(
                    conn,
                    "UPDATE stories SET digest_due = ? WHERE id IN (SELECT id FROM stories"
                    f" WHERE {queued} ORDER BY id LIMIT ?) RETURNING id",
                    (-max(now, 1.0), *params, RERATE_PER_FLUSH),
                ).fetchall()
            )

    def _claim_recoded(self, conn: Any) -> list[str]:
        """Takes up to RECODE_PER_FLUSH stories whose stored digest another version of the
        digest's code made (after an upgrade every story's, until it next changes), newest
        first, for this flush alone: marked due and claimed as the re-rating's queue is
        (digest_due = minus the claim's time), so two processes' flushes never make the same
        one, and a claim whose process died goes back to the re-rating's queue after
        ORPHAN_DIGEST_SECONDS. Readers meanwhile make their own (Engine._rated_digest), once
        per story and process; this puts the new digest and headline in the store, where the
        listings read them. Only the newest code the store's writers ran does it (RECODE_CURSOR).
        The walk goes down by last_updated from where it stopped: a story changed since is
        marked due by its commit (its sample's signature names the code). Read first, so a
        flush with nothing to remake takes no write turn; once nothing is left this process
        stops looking (a code comes only with a new process), and so do the processes started
        later on the same code (RECODED_CURSOR)."""
        with self._recode_lock:
            if self._recode_over:
                return []
            code = _digest_code()
            if self.cursor(RECODED_CURSOR) == code:
                self._recode_over = True
                return []
            codes = (self.cursor(RECODE_CURSOR) or "").split()
            if code not in codes:
                with self._writing(conn):
                    row = self._run(
                        conn, "SELECT value FROM cursors WHERE name = ?", (RECODE_CURSOR,)
                    ).fetchone()
                    codes = str(row[0]).split() if row else []
                    if code not in codes:
                        codes = [*codes, code][-RECODE_CODES_KEPT:]
                        self._run_many(conn, _CURSOR_UPSERT, [(RECODE_CURSOR, " ".join(codes))])
            if codes[-1:] != [code]:
                # A newer version runs (or this one was rolled back to): its digests stay.
                self._recode_over = True
                return []
            stale = f"digest IS NOT NULL AND digest_due IS NULL AND {self.digest_code_differs_sql}"
            below, params = "", list[object]([code])
            if self._recode_from is not None:
                # (The range first, as an index reads it: under the OR alone both databases
                # walked stories_updated from the top at every flush, the walk's whole cost
                # growing with the square of the stories: 3 s a flush near the end of 200,000
                # on PostgreSQL.)
                below = " AND last_updated <= ? AND (last_updated < ? OR id < ?)"
                at, last = self._recode_from
                params += [at, at, last]
            found = self._run(
                conn,
                f"SELECT id, last_updated FROM stories WHERE {stale}{below}"
                # Retention may have taken every article of a story: nothing to make it from
                # (the flush leaves it), and it came back at every turn.
                " AND EXISTS (SELECT 1 FROM articles WHERE articles.story_id = stories.id)"
                " ORDER BY last_updated DESC, id DESC LIMIT ?",
                [*params, RECODE_PER_FLUSH],
            ).fetchall()
            if not found:
                self._recode_over = True
                with self._writing(conn):
                    self._run_many(conn, _CURSOR_UPSERT, [(RECODED_CURSOR, code)])
                return []
            ids = [str(r[0]) for r in found]
            marks = ", ".join("?" * len(ids))
            with self._writing(conn):
                # Checked again under the write turn: another flush may have claimed or
                # remade some since the read, or a commit marked them due.
                claimed = self._run(
                    conn,
                    "UPDATE stories SET digest_wanted = coalesce(digest_wanted, ?),"
                    f" digest_due = ? WHERE id IN ({marks}) AND {stale} RETURNING id",
                    ["recode", -max(self._db_now(conn), 1.0), *ids, code],
                ).fetchall()
            # Only once claimed: a claim that failed (a busy database) moved the walk past
            # its stories, which this process then never remade.
            self._recode_from = (float(found[-1][1]), str(found[-1][0]))
            return [str(r[0]) for r in claimed]

    def _flush_chunk(
        self,
        conn: Any,
        story_ids: list[str],
        ratings: DigestRatings | None,
        hold_after: float | None = None,
    ) -> int:
        marks = ", ".join("?" * len(story_ids))
        state: dict[str, tuple[str, int, str, Any]] = {}
        held: set[str] = set()
        for row in self._run(
            conn,
            "SELECT id, digest_wanted, pruned, headline, digest, digest_due FROM stories"
            f" WHERE id IN ({marks}) AND digest_wanted IS NOT NULL",
            story_ids,
        ):
            if hold_after is not None and row[5] is not None and float(row[5]) > hold_after:
                held.add(str(row[0]))
                continue
            state[str(row[0])] = (str(row[1]), int(row[2] or 0), str(row[3]), row[4])
        if held:
            with self._held_lock:
                self._held.update(held)
        if not state:
            return 0
        todo = sorted(state)
        marks = ", ".join("?" * len(todo))
        # Oldest first, ties by row id: the same sample, hence the same digest, everywhere.
        samples: dict[str, list[Article]] = {}
        for row in self._run(
            conn,
            f"SELECT {_DIGEST_COLUMNS} FROM (SELECT *, row_number() OVER"
            " (PARTITION BY story_id ORDER BY at, id) AS sample_rank FROM articles"
            f" WHERE story_id IN ({marks}) AND syndicated_of IS NULL) AS originals"
            " WHERE sample_rank <= ? ORDER BY story_id, at, id",
            [*todo, DIGEST_SAMPLE],
        ):
            article = article_row(row)
            samples.setdefault(str(article.story_id), []).append(article)
        updates: list[tuple[Any, ...]] = []
        emptied: list[tuple[str, str]] = []
        failed: list[tuple[str, str]] = []
        for story_id in todo:
            wanted, pruned, headline, stored = state[story_id]
            sample = samples.get(story_id) or self._first_article(conn, story_id)
            if not sample:
                # Retention took every article (it keeps the row): nothing to make it from, and
                # left due it came back in every flush's turn for good (a reader shows it
                # without framing: Engine._rated_digest).
                emptied.append((story_id, wanted))
                continue
            # The sample moved on since the story was marked: by a commit (it wrote another
            # wanted sample, so the write below, kept to this one, does not land, and that
            # commit flushes its own) or by retention, which refreshes no row: the digest is
            # made for the sample the story has now, else it stayed due for good, and the
            # re-rating's queue (taken by id) offered the same stories to every flush.
            made_for = _sample_signature(sample)
            kept = _digest_for(stored, made_for)
            if kept is not None and kept.get("code") != _digest_code():
                kept = None  # (its sample's signature names the code; a hand-edited one may not)
            # Kept only if it holds: under the ratings given, else under the sides stored with
            # the articles (a write without the engine's ratings takes up the re-rating's
            # queue too, and kept the stale digest of each story, clearing its mark for good).
            if kept is not None and not (
                _well_formed_sides(kept)
                and (
                    ratings.holds(kept)
                    if ratings is not None
                    else _holds_stored_sides(kept, sample)
                )
            ):
                kept = None
            try:
                digest = (
                    kept
                    if kept is not None
                    else {**story_digest(sample, ratings), "sample": made_for}
                )
            except Exception:
                # One story's failure stopped the others' digests, and (kept in this thread's
                # due set) every later flush of the thread failed on it again. It is claimed
                # instead (the re-rating's queue takes it up again in ORPHAN_DIGEST_SECONDS,
                # one flush at a time); its stored digest is shown meanwhile.
                log.exception("story %s: its digest failed; tried again in a minute", story_id)
                failed.append((story_id, wanted))
                continue
            if not pruned:
                headline = digest["headline"] or representative_headline(
                    [a.title for a in sample][:HEADLINE_SAMPLE]
                )
            updates.append((headline, self._json(digest), story_id, wanted, _made_under(ratings)))
        if updates:
            with self._writing(conn):
                # Not where the ratings they were made under were replaced meanwhile (a newer
                # writer's rerate registered after this flush began): its pass queues them.
                self._run_many(
                    conn,
                    "UPDATE stories SET headline = ?, digest = ?, digest_wanted = NULL,"
                    " digest_due = NULL WHERE id = ? AND digest_wanted = ? AND NOT EXISTS ("
                    "SELECT 1 FROM ratings_log mine JOIN ratings_log newer"
                    " ON newer.seq > mine.seq WHERE mine.version = ?)",
                    updates,
                )
        if emptied:
            with self._writing(conn):
                self._run_many(
                    conn,
                    "UPDATE stories SET digest_wanted = NULL, digest_due = NULL"
                    " WHERE id = ? AND digest_wanted = ?",
                    emptied,
                )
        if failed:
            with self._writing(conn):
                claim = -max(self._db_now(conn), 1.0)
                self._run_many(
                    conn,
                    "UPDATE stories SET digest_due = ? WHERE id = ? AND digest_wanted = ?",
                    [(claim, story_id, wanted) for story_id, wanted in failed],
                )
        return len(updates)

    # -- reading -------------------------------------------------------------------------

    def digest_waiting(self, story_id: str) -> bool:
        """Whether a story's digest is due and not yet made (a flush may hold it back)."""
        row = self._one("SELECT digest_wanted FROM stories WHERE id = ?", (story_id,))
        return row is not None and row[0] is not None

    def digest_sample(self, story_id: str) -> list[Article]:
        """The articles a story's digest is made from, as flush_digests reads them: its
        earliest DIGEST_SAMPLE originals (oldest first, ties by row id; their text cut to what
        the digest reads), or its first article when it has only wire copies."""
        conn = self._conn()
        sample = [
            article_row(r)
            for r in self._run(
                conn,
                f"SELECT {_DIGEST_COLUMNS} FROM articles WHERE story_id = ?"
                " AND syndicated_of IS NULL ORDER BY at, id LIMIT ?",
                (story_id, DIGEST_SAMPLE),
            )
        ]
        return sample or self._first_article(conn, story_id)

    def _first_article(self, conn: Any, story_id: str) -> list[Article]:
        """A story's first article as the digest reads it (none when retention took them all):
        the sample of a story that has only wire copies."""
        return [
            article_row(r)
            for r in self._run(
                conn,
                f"SELECT {_DIGEST_COLUMNS} FROM articles WHERE story_id = ?"
                " ORDER BY at, id LIMIT 1",
                (story_id,),
            )
        ]

    def article_by_key(self, key: str) -> Article | None:
        """The stored article with this dedup key (canonical URL or "id:<id>")."""
        row = self._one(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE key = ?", (key,))
        return article_row(row) if row else None

    def _where_in(
        self,
        select: str,
        column: str,
        values: Iterable[object],
        tail: str = "",
        *,
        params_first: Sequence[object] = (),
    ) -> Iterator[Any]:
        """Rows of `select WHERE column IN values tail`, chunk by chunk (`params_first`: the
        parameters of `select` itself)."""
        conn = self._conn()
        for test, params in self._members(list(dict.fromkeys(values))):
            yield from self._run(
                conn, f"{select} WHERE {column} {test}{tail}", [*params_first, *params]
            )

    def article_by_keys(self, keys: Sequence[str]) -> Article | None:
        """The stored article under the first of `keys` that is stored; None when none is."""
        rows = self._where_in(f"SELECT {ARTICLE_COLUMNS} FROM articles", "key", keys)
        found = {a.key: a for a in map(article_row, rows)}
        return next((found[k] for k in keys if k in found), None)

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Those of `keys` that are already stored."""
        return {k for (k,) in self._where_in("SELECT key FROM articles", "key", keys)}

    def by_fingerprint(self, fingerprints: Iterable[str]) -> dict[str, list[Article]]:
        """Stored articles sharing a syndication fingerprint, grouped by fingerprint."""
        found: dict[str, list[Article]] = {}
        rows = self._where_in(
            f"SELECT {ARTICLE_COLUMNS} FROM articles",
            "fingerprint",
            (f for f in fingerprints if f),
            " AND fingerprint <> '' ORDER BY id",
        )
        for row in rows:
            art = article_row(row)
            found.setdefault(art.fingerprint, []).append(art)
        for group in found.values():
            group.sort(key=lambda a: a.id)  # chunks each come in id order; keep it overall
        return found

    def story_ids_by_ext_id(self, ext_ids: Iterable[str]) -> dict[str, str | None]:
        """The story each article with one of these external ids (file articles) is in."""
        return dict(self._where_in("SELECT ext_id, story_id FROM articles", "ext_id", ext_ids))

    def resolve_story(self, story_id: str) -> str | None:
        """The surviving id of a story after merges, or None when no such story exists."""
        row = self._one(
            "SELECT id FROM stories WHERE id = ? UNION ALL"
            " SELECT s.id FROM story_aliases a JOIN stories s ON s.id = a.new_id"
            " WHERE a.old_id = ? LIMIT 1",
            (story_id, story_id),
        )
        return str(row[0]) if row else None

    def resolve_stories(self, story_ids: Iterable[str]) -> dict[str, str]:
        """resolve_story for several ids in one read per chunk (a request asks for a handful,
        and on PostgreSQL each read is a round trip): {id: surviving id}, unknown ids left out."""
        wanted = list(dict.fromkeys(story_ids))
        found: dict[str, str] = {}
        conn = self._conn()
        for test, params in self._members(wanted):
            for (story_id,) in self._run(conn, f"SELECT id FROM stories WHERE id {test}", params):
                found[str(story_id)] = str(story_id)
        moved = [s for s in wanted if s not in found]
        for test, params in self._members(moved):
            rows = self._run(
                conn,
                "SELECT a.old_id, s.id FROM story_aliases a JOIN stories s ON s.id = a.new_id"
                f" WHERE a.old_id {test}",
                params,
            )
            found.update((str(old), str(new)) for old, new in rows)
        return found

    def stories_by_id(
        self, story_ids: Iterable[str], *, digests: bool = True
    ) -> dict[str, StoryRow]:
        """The rows of these (surviving) story ids in one read per chunk; unknown ids left out.
        Without `digests` their digest is not read (a listing shows none)."""
        columns = STORY_COLUMNS if digests else _LISTING_COLUMNS
        return {
            row.id: row
            for row in map(
                story_row, self._where_in(f"SELECT {columns} FROM stories", "id", story_ids)
            )
        }

    def story(self, story_id: str) -> StoryRow | None:
        """A story's aggregates (after following merges), in one round trip."""
        row = self._one(_STORY_RESOLVED, (story_id, story_id))
        return story_row(row) if row else None

    def stories_resolved(
        self, story_ids: Iterable[str], *, digests: bool = True
    ) -> dict[str, StoryRow]:
        """resolve_stories and stories_by_id at once: {asked id: its surviving story's row},
        unknown ids left out, one read per chunk."""
        wanted = list(dict.fromkeys(story_ids))
        columns = STORY_COLUMNS if digests else _LISTING_COLUMNS
        found: dict[str, StoryRow] = {}
        conn = self._conn()
        for test, params in self._members(wanted):
            rows = self._run(
                conn,
                f"SELECT id, {columns} FROM stories WHERE id {test} UNION ALL"
                f" SELECT a.old_id, {_prefixed('s', columns)} FROM story_aliases a"
                f" JOIN stories s ON s.id = a.new_id WHERE a.old_id {test}",
                [*params, *params],
            )
            for row in rows:
                found.setdefault(str(row[0]), story_row(row[1:]))
        return found

    def article_story(
        self, keys: Sequence[str]
    ) -> tuple[Article, tuple[StoryRow, str | None] | None] | None:
        """article_by_keys with its story's state (story_state) in the same read: the stored
        article under the first of `keys` that is stored, and its story's row and the
        deletions count (None when the article is in no story)."""
        rows = self._where_in(
            f"SELECT {_prefixed('a', ARTICLE_COLUMNS)}, {_prefixed('s', STORY_COLUMNS)},"
            " (SELECT value FROM cursors WHERE name = ?)"
            " FROM articles a LEFT JOIN stories s ON s.id = a.story_id",
            "a.key",
            keys,
            params_first=[REMOVALS_CURSOR],
        )
        width = len(ARTICLE_COLUMNS.split(","))
        found = {str(row[1]): row for row in rows}
        row = next((found[k] for k in keys if k in found), None)
        if row is None:
            return None
        article = article_row(row[:width])
        if article.story_id is None:
            return article, None
        if row[width] is None:  # its story id was merged away meanwhile: follow it
            return article, self.story_state(article.story_id)
        removals = row[-1]
        return article, (story_row(row[width:-1]), None if removals is None else str(removals))

    def story_state(self, story_id: str) -> tuple[StoryRow, str | None] | None:
        """story() and the deletions count (REMOVALS_CURSOR) in one round trip: together they
        name the version of the story's summary (see Engine.story_state)."""
        row = self._one(_STORY_STATE, (REMOVALS_CURSOR, story_id, story_id))
        if not row:
            return None
        return story_row(row), (None if row[-1] is None else str(row[-1]))

    def stories(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        blindspot: str | None = None,
        limit: int = 50,
        digests: bool = True,
        ratings: DigestRatings | None = None,
        older_than: tuple[float, str] | None = None,
        newer_than: tuple[float, str] | None = None,
    ) -> list[StoryRow]:
        """The most recently updated stories, newest first, filtered by time and blindspot.
        Without `digests` their digest is not read (a listing shows none). With `ratings`,
        their counts by side and blindspot are these ratings' (rated_rows), and so is the
        blindspot they are filtered by (_rated_blindspots).

        A keyset cursor pages the listing's order (last_updated descending, then id, as the
        database orders ids): `older_than` (last_updated, id) lists the `limit` stories after
        that one, `newer_than` the `limit` stories just before it (still newest first). Any
        number of stories updated at one instant are paged through, each once."""
        if older_than is not None and newer_than is not None:
            raise ValueError("older_than and newer_than are exclusive")
        where: list[str] = []
        params: list[object] = []
        newer = newer_than is not None
        given = older_than if older_than is not None else newer_than
        mark = None if given is None else (float(given[0]), str(given[1]))
        if since is not None:
            where.append("last_updated >= ?")
            params.append(since)
        if until is not None:
            where.append("last_updated <= ?")
            params.append(until)
        if blindspot is not None and ratings is not None:
            return self._rated_blindspots(
                where, params, blindspot, limit, digests, ratings, mark=mark, newer=newer
            )
        if blindspot == "any":
            where.append("blindspot IS NOT NULL")
        elif blindspot is not None:
            where.append("blindspot = ?")
            params.append(blindspot)
        sql, args = _keyset_page(
            STORY_COLUMNS if digests else _LISTING_COLUMNS, where, params, mark, newer, limit
        )
        rows = [story_row(r) for r in self._run(self._conn(), sql, args)]
        if newer:  # (read nearest first: shown newest first)
            rows.reverse()
        return rows if ratings is None else self.rated_rows(rows, ratings)

    def _rated_blindspots(
        self,
        where: list[str],
        params: list[object],
        blindspot: str,
        limit: int,
        digests: bool,
        ratings: DigestRatings,
        *,
        mark: tuple[float, str] | None = None,
        newer: bool = False,
    ) -> list[StoryRow]:
        """stories() filtered by the blindspot these ratings give. The stored blindspot
        follows the ratings a writer took up: filtering on it left out a story that has one
        only under these ratings (while its page says it has), and a story that lost its own
        under them took a place of `limit`. The candidates are the stories with the stored
        blindspot or an article of an outlet these ratings put on another side than the store
        records (_moved_outlets); they are read a page at a time, newest first, until `limit`
        hold under these ratings."""
        conn = self._conn()
        wanted = (lambda b: b is not None) if blindspot == "any" else (lambda b: b == blindspot)
        test = "blindspot IS NOT NULL" if blindspot == "any" else "blindspot = ?"
        tested: list[object] = [] if blindspot == "any" else [blindspot]
        moved = self._moved_outlets(conn, ratings)
        if moved is None:  # (every story in the window is a candidate)
            test, tested = "", []
        elif moved:
            marks = ", ".join("?" * len(moved))
            test = f"({test} OR id IN (SELECT story_id FROM articles WHERE outlet_id IN ({marks})))"
            tested = [*tested, *moved]
        where = [*where, test] if test else where
        columns = STORY_COLUMNS if digests else _LISTING_COLUMNS
        page = max(limit, BLINDSPOT_PAGE)
        out: list[StoryRow] = []
        after = mark  # (the page after the last row read: by key, not OFFSET)
        while True:
            sql, args = _keyset_page(columns, where, [*params, *tested], after, newer, page)
            found = [story_row(r) for r in self._run(conn, sql, args)]
            out.extend(r for r in self.rated_rows(found, ratings) if wanted(r.blindspot))
            if len(out) >= limit or len(found) < page:
                # (a page of newer stories is read nearest first: shown newest first)
                return out[:limit][::-1] if newer else out[:limit]
            last = found[-1]
            after = (last.last_updated, last.id)

    def _moved_outlets(self, conn: Any, ratings: DigestRatings) -> list[str] | None:
        """The outlets these ratings put on another side than one their articles are stored
        with. At the store's newest ratings, from the sides recorded for them (rated_sides:
        one small table); else (never brought to any, or a newer pass not finished: the
        articles' sides are mixed) from the articles' own, one grouped read of them (as rerate
        reads them): read page by page, every story of a large store was read and counted for
        one listing (2.5 s for 20,000 stories). None past BLINDSPOT_MOVED_MAX outlets (a whole
        new table): then any story may have moved."""
        newest, _, _ = self._ratings_order(conn, ratings.version)
        if newest is None or self.cursor(RATINGS_CURSOR) != newest:
            stored = self._run(
                conn,
                "SELECT outlet_id, side FROM articles WHERE outlet_id IS NOT NULL"
                " GROUP BY outlet_id, side",
            )
        else:
            stored = self._run(conn, "SELECT outlet_id, side FROM rated_sides")
        moved = sorted({str(o) for o, side in stored if ratings.side(str(o)) != side})
        return moved if len(moved) <= BLINDSPOT_MOVED_MAX else None

    def headline_sources(self, story_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """(outlet id, title) of each story's oldest originals (its digest sample: the titles
        its headline is chosen from), oldest first, in one read per chunk: what a listing
        needs to tell its headlines' language (pages: models.listing_language)."""
        found: dict[str, list[tuple[str, str]]] = {}
        conn = self._conn()
        wanted = list(dict.fromkeys(story_ids))
        # Each story's first DIGEST_SAMPLE originals by its own index seek (articles_story),
        # joined: a window over every article of the listed stories read each one whole (a
        # front page of large stories: all their articles at every request, 304s included).
        # (SQLite joins at most 500 selects in one statement.)
        one = (
            "SELECT * FROM (SELECT story_id, outlet_id, title, at, id FROM articles"
            " WHERE story_id = ? AND syndicated_of IS NULL ORDER BY at, id LIMIT ?) AS s{n}"
        )
        for start in range(0, len(wanted), _SOURCES_CHUNK):
            chunk = wanted[start : start + _SOURCES_CHUNK]
            sql = " UNION ALL ".join(one.format(n=n) for n in range(len(chunk)))
            params = [value for story_id in chunk for value in (story_id, DIGEST_SAMPLE)]
            rows = self._run(conn, f"{sql} ORDER BY story_id, at, id", params)
            for story_id, outlet_id, title, _, _ in rows:
                found.setdefault(str(story_id), []).append((str(outlet_id or ""), str(title)))
        return found

    def story_articles(self, story_id: str, limit: int = 500) -> list[Article]:
        """A story's articles, oldest first."""
        rows = self._run(self._conn(), _STORY_ARTICLES, (story_id, story_id, story_id, limit))
        return [article_row(r) for r in rows]

    def articles_since(self, since: float, after_id: int = 0) -> Iterator[Article]:
        """Articles at or after `since` (in time order), or with row id above `after_id`
        (in row order), read in keyset pages."""
        conn = self._conn()
        if after_id:
            last = after_id
            while True:
                rows = self._run(
                    conn,
                    f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id > ? AND at >= ?"
                    " ORDER BY id LIMIT ?",
                    (last, since, self.page_rows),
                ).fetchall()
                yield from map(article_row, rows)
                if len(rows) < self.page_rows:
                    return
                last = rows[-1][0]
        last_at: float = since
        last_id = -1
        test = (
            "at >= ? AND id > ?"  # the first page starts at `since` itself, later ones after a row
        )
        while True:
            rows = self._run(
                conn,
                f"SELECT {ARTICLE_COLUMNS}, at FROM articles WHERE {test} ORDER BY at, id LIMIT ?",
                (last_at, last_id, self.page_rows),
            ).fetchall()
            test = "(at, id) > (?, ?)"
            yield from map(article_row, rows)
            if len(rows) < self.page_rows:
                return
            last_at, last_id = rows[-1][-1], rows[-1][0]

    def article_hosts(self, after_id: int = 0) -> tuple[set[str], int]:
        """The "https://host/" prefixes of the keys of the articles stored with a row id above
        `after_id`, and the row id they were read up to. Read from the hosts' counts the writer
        keeps (with each host's latest row id): a row per host, however many articles."""
        conn = self._conn()
        upto = int(self._run(conn, "SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])
        if upto <= after_id:
            return set(), after_id
        rows = self._run(
            conn,
            "SELECT host FROM article_hosts WHERE last_id > ?",
            (after_id,),
        ).fetchall()
        return {str(r[0]) for r in rows}, upto

    def max_article_id(self) -> int:
        """The highest article row id (0 when empty)."""
        return int(self._one("SELECT coalesce(max(id), 0) FROM articles")[0])

    def search(self, terms: Sequence[str], limit: int = 20) -> list[tuple[Article, float]]:
        """Articles matching the rarest of the terms' words through the full-text index, best
        first (ties by row id)."""
        query = self._search_query(terms)
        if query is None:
            return []
        hits = [
            (int(row_id), float(score))
            for row_id, score in self._run(self._conn(), self.match_sql, (query, limit))
        ]
        if not hits:
            return []
        by_id = {
            a.id: a
            for a in map(
                article_row,
                self._where_in(
                    f"SELECT {ARTICLE_COLUMNS} FROM articles", "id", [h[0] for h in hits]
                ),
            )
        }
        return [(by_id[row_id], score) for row_id, score in hits if row_id in by_id]

    def search_stories(self, terms: Sequence[str], limit: int = 20) -> list[tuple[StoryRow, float]]:
        """search()'s hits as the (surviving) stories they are in, in one statement: each
        story once, at its best hit's score, best first; articles in no story left out. The
        rows are a listing's (no digest)."""
        query = self._search_query(terms)
        if query is None:
            return []
        rows = self._run(
            self._conn(),
            f"SELECT {_LISTING_COLUMNS_OF_S}, hit.score FROM ({self.match_sql}) AS hit"
            " JOIN articles a ON a.id = hit.hit_id"
            " JOIN stories s ON s.id = coalesce("
            "(SELECT new_id FROM story_aliases WHERE old_id = a.story_id), a.story_id)"
            " ORDER BY hit.score DESC, hit.hit_id",
            (query, limit),
        )
        out: dict[str, tuple[StoryRow, float]] = {}
        for row in rows:
            story = story_row(row)
            out.setdefault(story.id, (story, float(row[-1])))
        return list(out.values())

    def _search_query(self, terms: Sequence[str]) -> str | None:
        """The full-text query search() sends for these terms; None when none of their words
        is in the index."""
        words = query_words(terms)
        if not words:
            return None
        frequencies = self._frequencies(words)
        known = sorted((w for w in words if frequencies.get(w)), key=lambda w: frequencies[w])
        if not known:
            return None
        # Common words make long posting lists (slow to rank) and say little about the event:
        # search for any of the rarest words while their postings fit the budget, or, when even
        # the rarest is common, for the two rarest together.
        rare: list[str] = []
        postings = 0
        for word in known[:MAX_SEARCH_TERMS]:
            if postings + frequencies[word] > self.search_budget:
                break
            rare.append(word)
            postings += frequencies[word]
        return self._match_query(rare or known[:2], not rare)

    def _frequencies(self, words: Sequence[str]) -> dict[str, int]:
        """term_frequencies, with the words known to be past the budget not counted again."""
        now = time.monotonic()
        common = self._common_words
        capped = self.search_budget + 1
        known = {
            w: capped
            for w in words
            if now - common.get(w, -COMMON_WORD_SECONDS) < COMMON_WORD_SECONDS
        }
        rest = [w for w in words if w not in known]
        counted = self.term_frequencies(rest) if rest else {}
        for word, count in counted.items():
            if count >= capped:
                if len(common) >= COMMON_WORDS_KEPT:
                    common.clear()
                common[word] = now
        return {**known, **counted}

    def _forget_common_words(self) -> None:
        """After a deletion a common word may be rare again."""
        self._common_words = {}

    def latest_time(self) -> float | None:
        """The latest article time stored (the stream clock to restore from)."""
        row = self._one("SELECT max(at) FROM articles")
        return float(row[0]) if row and row[0] is not None else None

    def feed_state(self, url: str) -> FeedState | None:
        """What the last fetch of this feed left behind."""
        row = self._one(
            f"SELECT {', '.join(FEED_STATE_COLUMNS)} FROM feed_state WHERE url = ?", (url,)
        )
        return FeedState(*row) if row else None

    def save_feed_states(self, states: Sequence[FeedState]) -> None:
        """Writes feed states alone (a 304, a failure) in one short transaction: they hold no
        articles, so they never wait for the story lock a batch commit takes."""
        if not states:
            return
        conn = self._conn()
        rows = [[getattr(state, c) for c in FEED_STATE_COLUMNS] for state in states]
        with self._state_writing(conn):
            self._run_many(conn, _FEED_STATE_UPSERT, rows)  # one round trip for the batch

    def feed_states_of(self, urls: Sequence[str]) -> dict[str, FeedState]:
        """The states of these feeds by URL (feeds never fetched are absent), in one read per
        chunk of URLs: a feed worker reads a host's feeds at once."""
        out: dict[str, FeedState] = {}
        conn = self._conn()
        for test, params in self._members(list(urls)):
            for row in self._run(
                conn,
                f"SELECT {', '.join(FEED_STATE_COLUMNS)} FROM feed_state WHERE url {test}",
                params,
            ):
                state = FeedState(*row)
                out[state.url] = state
        return out

    def _state_writing(self, conn: Any) -> AbstractContextManager[None]:
        """The transaction of a feed-state write (the dialect's write transaction unless it
        can do without the batch lock)."""
        return self._writing(conn)

    def feed_states(self) -> list[FeedState]:
        """Every feed's last fetch, by URL."""
        rows = self._run(
            self._conn(), f"SELECT {', '.join(FEED_STATE_COLUMNS)} FROM feed_state ORDER BY url"
        )
        return [FeedState(*r) for r in rows]

    def outlet_stories(
        self, outlet_id: str, limit: int = 20, *, ratings: DigestRatings | None = None
    ) -> list[StoryRow]:
        """The stories an outlet's latest articles belong to, most recently updated first
        (with `ratings`, counted by side under them: rated_rows)."""
        rows = self._run(
            self._conn(),
            f"SELECT {STORY_COLUMNS} FROM stories WHERE id IN ("
            "SELECT story_id FROM articles WHERE outlet_id = ? AND story_id IS NOT NULL"
            " GROUP BY story_id ORDER BY max(at) DESC LIMIT ?)"
            " ORDER BY last_updated DESC, id",
            (outlet_id, limit),
        )
        found = [story_row(r) for r in rows]
        return found if ratings is None else self.rated_rows(found, ratings)

    def feed_health(self) -> dict[str, int]:
        """Feeds whose last pull succeeded ("ok") and failed ("error")."""
        row = self._one(
            "SELECT count(*) FILTER (WHERE last_error IS NULL),"
            " count(*) FILTER (WHERE last_error IS NOT NULL) FROM feed_state"
        )
        return {"ok": int(row[0] or 0), "error": int(row[1] or 0)}

    def cursor(self, name: str) -> str | None:
        """A saved ingest cursor."""
        row = self._one("SELECT value FROM cursors WHERE name = ?", (name,))
        return str(row[0]) if row else None

    def counts(self) -> dict[str, int]:
        """Number of articles and stories stored."""
        row = self._one("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM stories)")
        return {"articles": int(row[0]), "stories": int(row[1])}

    def estimated_counts(self) -> dict[str, int]:
        """counts() for dashboards, where a dialect may answer from statistics instead."""
        return self.counts()


# A story by its id or, merged away, by its survivor's, in one statement: on a busy server each
# round trip costs a wait for a core, and a story page made four of them for two rows. Both
# branches are never filled at once (a merge deletes the story it aliases).
_STORY_RESOLVED = (
    f"SELECT {STORY_COLUMNS} FROM stories WHERE id = ? UNION ALL"
    f" SELECT {', '.join('s.' + c.strip() for c in STORY_COLUMNS.split(','))}"
    " FROM story_aliases a JOIN stories s ON s.id = a.new_id WHERE a.old_id = ? LIMIT 1"
)
# _STORY_RESOLVED and the deletions count beside it, in one statement.
_STORY_STATE = (
    "SELECT resolved.*, (SELECT value FROM cursors WHERE name = ?)"
    f" FROM ({_STORY_RESOLVED}) AS resolved"
)
# A listing's columns: the digest (key points and framing, the widest column, a JSON document
# to decode per row) is read as NULL, as a listing never shows it.
_LISTING_COLUMNS = STORY_COLUMNS.replace(" digest", " NULL AS digest")
# The story listing's keyset (stories(older_than=, newer_than=)): its order, newest first and
# ids ascending, read forward or backward from a (last_updated, id) mark. The id comparison
# and the ORDER BY use the same collation, so they agree on either backend.
_SOURCES_CHUNK = 100  # stories a headline_sources statement reads (one select each)
_ORDER_OLDER = "last_updated DESC, id"
_ORDER_NEWER = "last_updated, id DESC"


def _keyset_page(
    columns: str,
    where: Sequence[str],
    params: Sequence[object],
    mark: tuple[float, str] | None,
    newer: bool,
    limit: int,
) -> tuple[str, list[object]]:
    """The SQL and parameters of a page of the story listing (filtered by `where`) from a
    keyset `mark`: the stories after it in the listing's order (before it with `newer`, read
    nearest first). The stories of the mark's own instant past its id and those of other
    instants are two index seeks (stories_keyset), joined: one predicate
    (last_updated < ? OR (last_updated = ? AND id > ?)) gave neither backend a range to seek,
    and PostgreSQL scanned every story from the top of the listing to the mark at each page
    (80-325 ms a page among 200,000 stories: docs/benchmarks.md)."""
    order = _ORDER_NEWER if newer else _ORDER_OLDER
    filters = "".join(f" AND {clause}" for clause in where)
    if mark is None:
        sql = f"SELECT {columns} FROM stories"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return f"{sql} ORDER BY {order} LIMIT ?", [*params, limit]
    when, story_id = mark
    tie = (
        f"SELECT {columns} FROM stories WHERE last_updated = ? AND id {'<' if newer else '>'} ?"
        f"{filters} ORDER BY id{' DESC' if newer else ''} LIMIT ?"
    )
    rest = (
        f"SELECT {columns} FROM stories WHERE last_updated {'>' if newer else '<'} ?"
        f"{filters} ORDER BY {order} LIMIT ?"
    )
    return (
        f"SELECT * FROM ({tie}) AS tie UNION ALL SELECT * FROM ({rest}) AS rest"
        f" ORDER BY {order} LIMIT ?",
        [when, story_id, *params, limit, when, *params, limit, limit],
    )


def _prefixed(table: str, columns: str) -> str:
    """Columns ("id, title, …") of one table of a join ("a.id, a.title, …"); NULL stays."""
    return ", ".join(
        c if c.startswith("NULL") else f"{table}.{c}"
        for c in (c.strip() for c in columns.split(","))
    )


_LISTING_COLUMNS_OF_S = _prefixed("s", _LISTING_COLUMNS)
# A story's articles, oldest first, under the id resolve_story gives (else the id as given):
# the survivor is a scalar subquery, evaluated once, so the read stays an index range scan.
_STORY_ARTICLES = (
    f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE story_id = coalesce(("
    "SELECT a.new_id FROM story_aliases a JOIN stories s ON s.id = a.new_id"
    " WHERE a.old_id = ? AND NOT EXISTS (SELECT 1 FROM stories WHERE id = ?)), ?)"
    " ORDER BY at, id LIMIT ?"
)
_ALIAS_UPSERT = upsert("story_aliases", ("old_id", "new_id"), "old_id")
_CURSOR_UPSERT = upsert("cursors", ("name", "value"), "name")
# One statement, so two deletions at once never both write the same count.
_REMOVALS_BUMP = (
    "INSERT INTO cursors (name, value) VALUES (?, '1') ON CONFLICT (name)"
    " DO UPDATE SET value = CAST(CAST(cursors.value AS INTEGER) + 1 AS TEXT)"
)
_FEED_STATE_UPSERT = upsert("feed_state", FEED_STATE_COLUMNS, "url")
_STORY_UPSERT = upsert("stories", _STORY_WRITTEN, "id")
