"""The narrow storage interface the coverage engine needs, shared by every store backend."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # (summary imports this module's types)
    from service.coverage.summary import DigestRatings

SIDES = ("left", "center", "right", "unrated")
# The cursor delete_articles moves on each deletion: an engine that sees it move forgets what it
# holds in memory and reads the store again (Engine.restore).
REMOVALS_CURSOR = "removals"


@dataclass(frozen=True)
class NewArticle:
    """An article ready to be stored: URL canonicalised, outlet resolved, story assigned."""

    key: str  # dedup key: the canonical URL, or "id:<ext_id>" for file articles without one
    title: str
    text: str = ""
    url: str | None = None
    ext_id: str | None = None
    outlet_id: str | None = None
    side: str = "unrated"
    published: float | None = None
    first_seen: float = 0.0
    fingerprint: str = ""
    story_id: str | None = None
    syndicated_of_key: str | None = None  # key of the first copy of a wire story


@dataclass(frozen=True)
class Article:
    """An article as stored."""

    id: int
    key: str
    title: str
    text: str
    url: str | None
    ext_id: str | None
    outlet_id: str | None
    side: str
    published: float | None
    first_seen: float
    fingerprint: str
    story_id: str | None
    syndicated_of: int | None

    @property
    def when(self) -> float:
        """The article's time: when it was published, else when we first saw it."""
        return self.published if self.published is not None else self.first_seen


@dataclass(frozen=True)
class StoryRow:
    """A story's stored aggregates, kept current at every batch so listing needs no joins."""

    id: str
    first_seen: float
    last_updated: float
    article_count: int
    outlet_count: int
    headline: str
    outlets_by_side: dict[str, int] = field(default_factory=dict)
    blindspot: str | None = None  # the side that covered it overwhelmingly, or None
    # Articles retention removed: still in article_count, outlet_count and the sides.
    pruned: int = 0
    # Key points, neutral headline and framing (summary.story_digest), computed at each change;
    # None for a story stored before they existed.
    digest: dict[str, Any] | None = None


@dataclass(frozen=True)
class FeedState:
    """What the last fetch of a feed left behind, for the next conditional GET."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_fetched: float | None = None
    last_status: int | None = None
    last_error: str | None = None
    last_success: float | None = None  # when a fetch last worked (200 or 304)
    entries: int | None = None  # items in the feed at the last successful 200
    failures: int = 0  # failed fetches in a row (0 after a success)
    next_attempt: float | None = None  # a failing feed is not fetched before this time


@dataclass(frozen=True)
class PruneResult:
    """What one prune did: articles removed, stories they belonged to, transactions taken."""

    articles: int = 0
    stories: int = 0
    batches: int = 0

    def to_json(self) -> dict[str, int]:
        return {"articles": self.articles, "stories": self.stories, "batches": self.batches}


@dataclass(frozen=True)
class Batch:
    """One ingest batch, written in one transaction (or not at all)."""

    articles: Sequence[NewArticle] = ()
    merges: Sequence[tuple[str, str]] = ()  # (from story, into story), in the order made
    # (article key, story id): articles the clusterer's online regroup moved to another story,
    # applied after the merges (a key's last move wins), each with its syndicated copies. A
    # story left without articles becomes an alias of the story its first article went to,
    # as a merged one does; every move is logged for the other processes' engines (moves_since).
    moves: Sequence[tuple[str, str]] = ()
    cursors: Sequence[tuple[str, str]] = ()  # (name, value) saved with the batch, for resuming
    feed_states: Sequence[FeedState] = ()
    # The touched stories' digests are left to flush_digests (called after the ingest lock).
    defer_digests: bool = False
    # The ratings the touched stories' digests are made under (and a stored one must hold
    # under to be kept); None: the sides stored with the articles.
    ratings: DigestRatings | None = None


@runtime_checkable
class Store(Protocol):
    """What the engine and the service need from persistent storage (service/store/sql.py,
    in its SQLite and PostgreSQL dialects); nothing outside service/store runs SQL."""

    def commit(self, batch: Batch) -> list[int]:
        """Write a batch atomically; returns the new articles' row ids in batch order."""
        ...

    def flush_digests(self, ratings: DigestRatings | None = None) -> int:
        """Computes the story digests this thread's deferred commits left due (and any left
        due too long by a process that died), under `ratings` (None: the sides stored with
        the articles); returns how many were written."""
        ...

    def rerate(self, ratings: DigestRatings) -> int:
        """Brings the stored sides and digests to these ratings, once per ratings version;
        returns how many story digests it left due."""
        ...

    def digest_sample(self, story_id: str) -> list[Article]:
        """The articles a story's digest is made from (summary.story_digest's input)."""
        ...

    def article_by_key(self, key: str) -> Article | None:
        """The stored article with this dedup key (canonical URL or "id:<id>")."""
        ...

    def article_by_keys(self, keys: Sequence[str]) -> Article | None:
        """The stored article under the first of `keys` that is stored (the keys one article
        may be stored under, preferred first); None when none is."""
        ...

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Those of `keys` that are already stored."""
        ...

    def by_fingerprint(self, fingerprints: Iterable[str]) -> dict[str, list[Article]]:
        """Stored articles sharing a syndication fingerprint, grouped by fingerprint."""
        ...

    def resolve_story(self, story_id: str) -> str | None:
        """The surviving id of a story after merges, or None when no such story exists."""
        ...

    def resolve_stories(self, story_ids: Iterable[str]) -> dict[str, str]:
        """resolve_story for several ids in one read: {id: surviving id}, unknown ids left out."""
        ...

    def story(self, story_id: str) -> StoryRow | None:
        """A story's aggregates (after following merges)."""
        ...

    def stories_by_id(
        self, story_ids: Iterable[str], *, digests: bool = True
    ) -> dict[str, StoryRow]:
        """The rows of these (surviving) story ids in one read; unknown ids left out. Without
        `digests` each row's digest is None (not read)."""
        ...

    def story_state(self, story_id: str) -> tuple[StoryRow, str | None] | None:
        """story() and the REMOVALS_CURSOR value, in one read."""
        ...

    def stories_resolved(
        self, story_ids: Iterable[str], *, digests: bool = True
    ) -> dict[str, StoryRow]:
        """{asked id: its surviving story's row} in one read; unknown ids left out."""
        ...

    def article_story(
        self, keys: Sequence[str]
    ) -> tuple[Article, tuple[StoryRow, str | None] | None] | None:
        """article_by_keys(keys) and its story's story_state (None: in no story), in one read."""
        ...

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
        Without `digests` each row's digest is None (not read). With `ratings`, counted by
        side under them (rated_rows). `older_than`/`newer_than` (last_updated, id): a keyset
        cursor, the `limit` stories after/before that one in this order."""
        ...

    def rated_rows(self, rows: Sequence[StoryRow], ratings: DigestRatings) -> list[StoryRow]:
        """Story rows with their counts by side and blindspot as these ratings give them (the
        stored ones follow the ratings a writer has taken up)."""
        ...

    def headline_sources(self, story_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """(outlet id or '', title) of each story's oldest originals (its digest sample)."""
        ...

    def story_articles(self, story_id: str, limit: int = 500) -> list[Article]:
        """A story's articles, oldest first."""
        ...

    def articles_since(self, since: float, after_id: int = 0) -> Iterator[Article]:
        """Articles at or after `since` (in time order), or with row id above `after_id`."""
        ...

    def moves_since(self, after: int, limit: int = ...) -> tuple[list[tuple[str, str]], int]:
        """The (article key, story id) moves committed after log position `after` (0: from
        the start), oldest first, at most `limit`, and the position read up to (ask from there
        next time; moves_since(-1) gives none and the current position)."""
        ...

    def search(self, terms: Sequence[str], limit: int = 20) -> list[tuple[Article, float]]:
        """Articles matching any of the terms through the full-text index, best first."""
        ...

    def search_stories(self, terms: Sequence[str], limit: int = 20) -> list[tuple[StoryRow, float]]:
        """search()'s hits as their (surviving) stories, each once at its best score, best
        first; rows without their digest."""
        ...

    def latest_time(self) -> float | None:
        """The latest article time stored (the stream clock to restore from)."""
        ...

    def feed_state(self, url: str) -> FeedState | None:
        """What the last fetch of this feed left behind."""
        ...

    def save_feed_states(self, states: Sequence[FeedState]) -> None:
        """Writes feed states alone (a 304, a failure): no articles, so no story lock."""
        ...

    def feed_states_of(self, urls: Sequence[str]) -> dict[str, FeedState]:
        """The states of these feeds by URL (feeds never fetched are absent)."""
        ...

    def cursor(self, name: str) -> str | None:
        """A saved ingest cursor."""
        ...

    def counts(self) -> dict[str, int]:
        """Number of articles and stories stored."""
        ...

    def estimated_counts(self) -> dict[str, int]:
        """counts() for dashboards: may come from statistics instead of a full count."""
        ...

    def feed_states(self) -> list[FeedState]:
        """Every feed's last fetch, by URL (the feeds page and `parallax feeds`)."""
        ...

    def outlet_stories(
        self, outlet_id: str, limit: int = 20, *, ratings: DigestRatings | None = None
    ) -> list[StoryRow]:
        """The stories an outlet's articles belong to, most recently updated first (with
        `ratings`, counted by side under them)."""
        ...

    def delete_articles(self, key_prefix: str) -> int:
        """Deletes the articles whose key starts with `key_prefix` (at least 4 characters) in
        one transaction, refreshing or removing their stories, and moves the REMOVALS_CURSOR
        count in the same transaction; returns how many went."""
        ...

    def prune_articles(
        self, before: float, *, batch: int = ..., stop: Callable[[], bool] | None = None
    ) -> PruneResult:
        """Removes the articles older than `before` in short transactions of `batch`; stories
        keep their rows and counts (StoryRow.pruned says how many went)."""
        ...

    def reclaim(self) -> None:
        """After a prune: makes the space of the removed rows reusable and refreshes the
        planner's statistics, without blocking readers or writers."""
        ...

    def feed_health(self) -> dict[str, int]:
        """Feeds whose last pull succeeded ("ok") and failed ("error")."""
        ...

    def article_hosts(self, after_id: int = 0) -> tuple[set[str], int]:
        """The "https://host/" prefixes of the keys of the articles stored with a row id above
        `after_id`, and the row id they were read up to (ask from there next time)."""
        ...

    @property
    def reuses_row_ids(self) -> bool:
        """Whether a new article can get the row id of a deleted one (SQLite hands out the
        highest deleted id again): a reader paging by row id must then re-read all now and then."""
        ...

    def max_article_id(self) -> int:
        """The highest article row id (0 when empty)."""
        ...

    def story_ids_by_ext_id(self, ext_ids: Iterable[str]) -> dict[str, str | None]:
        """The story each article with one of these external ids (file articles) is in."""
        ...

    def writer_lock(self) -> AbstractContextManager[None]:
        """Held by the engine from reading the story sequence to committing a batch, so writers
        in several processes on one store take turns (a no-op where commits coordinate)."""
        ...

    def ping(self) -> tuple[str, bool, str]:
        """A readiness check: ("database", ok, detail); never raises for a database failure."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class SharedStore(Protocol):
    """A store several ingest workers (on several hosts) can share: each feed is claimed by one
    worker at a time, and batches run in a cluster-wide exclusive section (PostgreSQL)."""

    def claim_feed(self, url: str, owner: str, lease: float, min_interval: float) -> bool:
        """Takes a feed for `lease` seconds unless another worker holds it or it was pulled
        less than `min_interval` seconds ago; True when this worker should pull it now."""
        ...

    def release_feed(self, url: str, owner: str, *, done: bool) -> None:
        """Gives a claimed feed back; `done` records that it was pulled (for min_interval)."""
        ...

    def claim_feeds(
        self, urls: Sequence[str], owner: str, lease: float, min_interval: float
    ) -> tuple[set[str], dict[str, float]]:
        """claim_feed for many at once: those of `urls` this worker now holds, and for those
        free but pulled less than `min_interval` ago, when they were (epoch seconds)."""
        ...

    def release_feeds(self, urls: Sequence[str], owner: str, *, done: bool) -> None:
        """release_feed for many at once."""
        ...

    def renew_feeds(self, urls: Sequence[str], owner: str, lease: float) -> None:
        """Extends this owner's claims on these feeds by `lease` seconds from now."""
        ...

    def exclusive(
        self, name: str, wait: float = ..., *, between: Callable[[], object] | None = ...
    ) -> AbstractContextManager[None]:
        """Holds a cluster-wide lock named `name` for the block; while waiting for it, calls
        `between` every so often (a worker catches up with what the holders commit)."""
        ...
