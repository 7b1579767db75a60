"""Glue between the store, the clusterer and the ratings: ingest batches, match, summarise."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import json
import logging
import re
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from service.core.ratings import RatingsTable
from service.core.ratings_schema import REDUNDANT_HOST_PREFIXES
from service.core.resolver import Resolution
from service.core.text import storable, storable_or_none
from service.core.times import plausible_or_none
from service.core.urls import URLInputError
from service.coverage import digest_code
from service.coverage import summary as summary_module
from service.coverage.cluster import Clusterer, Doc
from service.coverage.summary import (
    HEADLINE_SAMPLE,
    DigestRatings,
    article_json,
    blindspot_json,
    listing_json,
    representative_headline,
    shares,
    side_of,
    story_digest,
    summarize,
)
from service.store.base import (
    REMOVALS_CURSOR,
    SIDES,
    Article,
    Batch,
    FeedState,
    NewArticle,
    Store,
    StoryRow,
)
from service.store.sql import SQLStore

log = logging.getLogger(__name__)

# How long closing an engine waits for its idle turn's flush in progress (a bound on exit).
IDLE_JOIN_SECONDS = 30.0
# What a reader is shown of a new story whose first digest waits (Engine.digest_delay).
WAITING_DIGEST: dict[str, Any] = {"headline": "", "key_points": [], "framing": {}, "sides": {}}

MAX_TITLE_CHARS = 1000
MAX_TEXT_CHARS = 20_000
# An article's key (its canonical URL, or "id:" and a file's id) as stored: below the ~2,700
# bytes a PostgreSQL B-tree entry may hold, with room for the key's variants.
MAX_KEY_BYTES = 2000
# Published times further ahead than this are clock errors; they must not drag the clock forward.
FUTURE_SLACK = 86400.0
# A wire copy is recognised by its first words, after the dateline ("WASHINGTON (AP) —").
FINGERPRINT_WORDS = 40
FINGERPRINT_MIN_WORDS = 12
RELATED_LIMIT = 20
# Articles a summary reads: beyond this a story's shares come from its earliest articles.
SUMMARY_ARTICLES = 2000
# Articles the cached summaries of a process hold in all: about 1.8 KB each (an article's
# item with its outlet), so ~36 MB; the largest story (SUMMARY_ARTICLES) fits ten times.
SNAPSHOT_CACHE_ARTICLES = 20_000
# Articles restored per step, their stories resolved in one read.
RESTORE_PAGE = 2000
# An engine that restored at least this many articles at start-up freezes them for the cyclic
# garbage collector (freeze_long_lived): below it there is too little to gain.
FREEZE_RESTORED = 1000
# A writer's failed Store.rerate is tried again at its first batch this long after.
RERATE_RETRY_SECONDS = 300.0

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_DATELINE_RE = re.compile(r"^.{0,80}?\s(?:—|–|--|-)\s", re.DOTALL)


def freeze_long_lived() -> None:
    """Moves every object alive now out of the cyclic garbage collector's reach (gc.freeze),
    after one collection so no garbage is kept: a window restored at start-up (every article's
    term counts and vectors, ~100,000 objects at 200,000 stored) lives as long as the process,
    and each full collection walked all of it again (~2 % of ingest CPU at 200,000 stored).
    Frozen objects are still freed when the last reference goes (an expired story's vectors),
    only cycles among them are not collected, and the window's structures hold none."""
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class RawArticle:
    """An article as a feed, a file or a client gave it, before canonicalisation."""

    title: str
    text: str = ""
    url: str | None = None
    outlet: str | None = None  # an outlet id, alias host or name; resolved from the URL if absent
    published: float | None = None
    ext_id: str | None = None


@dataclass
class IngestResult:
    """What one batch did."""

    added: int = 0
    duplicates: int = 0
    syndicated: int = 0
    rejected: int = 0
    keys: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # dropped copy's key -> kept key

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.added += other.added
        self.duplicates += other.duplicates
        self.syndicated += other.syndicated
        self.rejected += other.rejected
        self.keys.extend(other.keys)
        self.aliases.update(other.aliases)
        return self


@dataclass
class PreparedBatch:
    """A batch canonicalised and rid of its own repeats (Engine.prepare_batch), not yet
    checked against the store."""

    articles: list[NewArticle] = field(default_factory=list)
    rejected: int = 0
    duplicates: int = 0


def article_key(url: str) -> str:
    """The dedup key of a canonical URL: one article served over http and https, or on www.,
    m., amp. and mobile. hosts, is one article."""
    rest = url.split("://", 1)[-1]
    for prefix in REDUNDANT_HOST_PREFIXES:
        if rest.startswith(prefix):
            rest = rest[len(prefix) :]
            break
    return "https://" + rest


def key_variants(key: str) -> tuple[str, ...]:
    """The keys one article may be stored under: its own, then the same path with or without a
    trailing slash. /x/ and /x are one page on news sites, and the AMP copies /x.amp and /x/amp/
    become /x and /x/, whichever the site's own address is. The site root, a path ending in
    several slashes and "id:" keys have one form only."""
    if not key.startswith("https://"):
        return (key,)
    head, mark, query = key.partition("?")
    root = head.find("/", len("https://")) + 1
    # No path, the site root, or a run of slashes (a path of its own, and "https://host//"
    # would become the root): one form.
    if root <= 0 or len(head) <= root or head.endswith("//"):
        return (key,)
    other = head[:-1] if head.endswith("/") else head + "/"
    return (key, other + mark + query)


def fingerprint(title: str, text: str) -> str:
    """A hash of an article's opening words that its syndicated copies share; "" if too short."""
    body = _DATELINE_RE.sub("", text.strip(), count=1)
    words = _WORD_RE.findall(body.lower())[:FINGERPRINT_WORDS]
    if len(words) < FINGERPRINT_MIN_WORDS:
        words = _WORD_RE.findall(title.lower()) + words
        if len(words) < FINGERPRINT_MIN_WORDS:
            return ""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=12).hexdigest()


class Engine:
    """The coverage engine of one process: a store, an in-memory clusterer and the ratings."""

    def __init__(
        self,
        store: Store,
        ratings: RatingsTable,
        clusterer: Clusterer | None = None,
        *,
        clock: Callable[[], float] = time.time,
        restore: bool = True,
        digest_delay: float = 0.0,
    ) -> None:
        self.store = store
        # Seconds a story's digest may wait after the story changed, so that a story that
        # changes again meanwhile is digested once (PARALLAX_DIGEST_DELAY; 0: at once, after
        # every batch). Its stored digest is shown meanwhile; an idle turn (start_idle_flush)
        # takes what waits when no batch comes.
        self.digest_delay = digest_delay if isinstance(store, SQLStore) else 0.0
        self._idle = threading.Condition()
        self._idle_thread: threading.Thread | None = None
        self._idle_end: weakref.finalize[Any, Engine] | None = None
        self.ratings = ratings
        self.clusterer = clusterer if clusterer is not None else Clusterer()
        self.window = float(
            getattr(getattr(self.clusterer, "settings", None), "window_seconds", 3 * 86400.0)
        )
        self._wall = clock
        self._lock = threading.RLock()
        # Clusterer story names are only unique within one run; the store's ids are forever.
        self._names: dict[str, str] = {}
        self._next_story = int(store.cursor("story_seq") or 0)
        self._stream_clock = 0.0
        self._restored_upto = 0
        # Where this engine has read the store's log of moves up to (-1: not yet; the articles
        # read at the first restore are filed where every move so far left them).
        self._moves_seen = -1
        self._removals = store.cursor(REMOVALS_CURSOR)
        self._by_name = {o.name.casefold(): o.id for o in ratings.outlets.values()}
        self._snapshots = SnapshotCache()
        # Digests are made, and read, under these ratings: each article's side is its outlet's
        # now, not the one stored with it at ingest.
        self.digest_ratings = DigestRatings(ratings.version, ratings.get)
        self._rerated = False  # (the writer's first batch brings the store to these ratings)
        self._rerate_after = 0.0  # (time.monotonic() before which a failed one is not tried)
        if restore and self.restore() >= FREEZE_RESTORED:
            freeze_long_lived()

    def _rerate(self) -> None:
        """Brings the stored sides and digests to this engine's ratings (Store.rerate, once
        per ratings version whichever writer gets there first): ratings are read at start-up,
        so a writer does it at its first batch, inside the ingest lock. A process that only
        reads never writes for it: its readers make their own digest where the stored one does
        not hold (_rated_digest). A failure is logged, not raised (the batch goes on), and
        tried again at a batch RERATE_RETRY_SECONDS later: tried once, a writer whose pass
        failed (the store unavailable a moment, a statement timeout) wrote under ratings the
        store never registered for the rest of its life, its articles on sides no other
        process knows of (Store.rerate registers the version its writers take up)."""
        if time.monotonic() < self._rerate_after:
            return
        self._rerated = True
        try:
            due = self.store.rerate(self.digest_ratings)
        except Exception:
            log.exception(
                "stored sides and digests not brought to ratings %s (tried again in %d s)",
                self.ratings.version,
                RERATE_RETRY_SECONDS,
            )
            self._rerated = False
            self._rerate_after = time.monotonic() + RERATE_RETRY_SECONDS
            return
        if due:
            log.info("ratings %s: %d story digests due again", self.ratings.version, due)

    # -- clock and names ----------------------------------------------------------------

    def _advance(self, when: float | None) -> None:
        wall = self._wall()
        if when is not None and when <= wall + FUTURE_SLACK:
            self._stream_clock = max(self._stream_clock, when)

    @property
    def now(self) -> float:
        """The stream's clock: the latest article time seen (so replays of old news cluster)."""
        return self._stream_clock or self._wall()

    def _persistent(self, name: str) -> str:
        pid = self._names.get(name)
        if pid is None:
            self._next_story += 1
            pid = f"st-{self._next_story}"
            self._names[name] = pid
        return pid

    # -- restore ------------------------------------------------------------------------

    def restore(self) -> int:
        """Re-seeds the clusterer with the stored articles of the active window that it has not
        seen yet (all of them at start, other processes' since then); returns how many.

        An article goes back under the clusterer name this engine already uses for its story
        (after following merges): filing it under its stored id beside that name would split
        the story in two."""
        with self._lock:
            removals = self.store.cursor(REMOVALS_CURSOR)
            if removals != self._removals:
                self._forget_everything()
                self._removals = removals
            # Story ids come from a counter saved with each batch: continue after the highest.
            self._next_story = max(self._next_story, int(self.store.cursor("story_seq") or 0))
            latest = self.store.latest_time()
            if latest is not None:
                self._advance(latest)
            name_of = {stored: name for name, stored in self._names.items()}
            self._follow_moves(name_of)
            survivors: dict[str, str] = {}
            count = 0
            arts = self.store.articles_since(self.now - self.window, self._restored_upto)
            while page := list(itertools.islice(arts, RESTORE_PAGE)):
                # The page's stories resolved in one read (a round trip per story on
                # PostgreSQL, and a worker catches up inside its turn of the ingest lock).
                unseen = {a.story_id for a in page if a.story_id and a.story_id not in survivors}
                if unseen:
                    found = self.store.resolve_stories(unseen)
                    survivors.update({s: found.get(s, s) for s in unseen})
                for art in page:
                    self._restored_upto = max(self._restored_upto, art.id)
                    if art.story_id is None or art.syndicated_of is not None:
                        continue
                    story = survivors[art.story_id]
                    name = name_of.setdefault(story, story)
                    self.clusterer.restore(self._doc(art), name)
                    self._names.setdefault(name, story)
                    count += 1
            self._expire()
            return count

    def _follow_moves(self, name_of: dict[str, str]) -> None:
        """Moves the articles this engine holds as other processes' online regroup moved them
        (the store's log since the last read: the moves of a batch or two, never the window);
        `name_of` maps stored story ids to this engine's clusterer names and is kept current."""
        if self._moves_seen < 0:
            _, self._moves_seen = self.store.moves_since(-1)
            return
        relocate = getattr(self.clusterer, "relocate", None)
        while True:
            moves, self._moves_seen = self.store.moves_since(self._moves_seen, RESTORE_PAGE)
            if not moves:
                return
            if relocate is not None:
                latest = dict(moves)  # an article moved twice is where its last move put it
                stored = self.store.resolve_stories(set(latest.values()))
                for key, story in latest.items():
                    survivor = stored.get(story)
                    if survivor is None:
                        continue  # a story since deleted: the article is gone with it
                    name = name_of.setdefault(survivor, survivor)
                    if relocate(key, name):
                        self._names.setdefault(name, survivor)
                self._forget_vanished()
            if len(moves) < RESTORE_PAGE:
                return

    def _forget_vanished(self) -> None:
        """Forgets the clusterer names of stories moves emptied: the clusterer resolves them
        to a living story and never names them again, and the store has them as aliases."""
        drain = getattr(self.clusterer, "drain_vanished", None)
        for name in drain() if drain is not None else ():
            self._names.pop(name, None)

    def _forget_everything(self) -> None:
        """Drops the clusterer's articles and stories, to be read again from the store: some
        process deleted articles (`parallax demo --clear`). Kept, a deleted story would take in
        the next article like it and come back under its old id; and the row ids the store
        hands out next may be ones this engine has already read past."""
        self.clusterer = type(self.clusterer)(self.clusterer.settings)
        self._names.clear()
        self._restored_upto = 0
        self._moves_seen = -1
        self._stream_clock = 0.0

    def refresh(self) -> int:
        """Picks up articles another process stored since the last restore (read-only replicas)."""
        return self.restore()

    def _doc(self, art: Article | NewArticle) -> Doc:
        return Doc(
            id=art.key,
            title=art.title,
            text=art.text,
            outlet=art.outlet_id,
            # No date means no date: giving undated articles the time we saw them would hand
            # every one of a batch the same recency bonus and glue unrelated stories together.
            published=art.published,
            language=self.language_of(art.outlet_id),
        )

    def language_of(self, outlet_id: str | None) -> str | None:
        """The language a rated outlet publishes in; None (detect it) for an unrated outlet or
        one that publishes in several."""
        outlet = self.ratings.get(outlet_id) if outlet_id else None
        codes = str(getattr(outlet, "language", "") or "").split()
        return codes[0] if len(codes) == 1 else None

    def _expire(self) -> None:
        for name in self.clusterer.expire(self.now):
            self._names.pop(name, None)

    # -- preparing ----------------------------------------------------------------------

    def outlet_id(self, resolution: Resolution | None, outlet: str | None) -> str | None:
        """The rated outlet id for an article: its URL's outlet, else the outlet it names, else
        its URL's host."""
        if resolution is not None and resolution.outlet is not None:
            return resolution.outlet.id
        if outlet:
            name = outlet.strip()
            if self.ratings.get(name.lower()) is not None:
                return name.lower()
            by_name = self._by_name.get(name.casefold())
            if by_name:
                return by_name
            host = self.ratings.outlet_for_host(name.lower().removeprefix("www."))
            if host is not None:
                return host.id
            return name[:200]
        if resolution is not None:
            return resolution.host or None
        return None

    def prepare(self, raw: RawArticle, first_seen: float) -> NewArticle:
        """Canonicalises one article; raises URLInputError/ValueError when it cannot be used."""
        # Every entrance ends here: text is made storable on both backends and an impossible
        # time becomes no time, so nothing stored can break a later read.
        raw = replace(
            raw,
            title=storable(raw.title or ""),
            text=storable(raw.text or ""),
            ext_id=storable_or_none(raw.ext_id),
            outlet=storable_or_none(raw.outlet),
            published=plausible_or_none(raw.published, first_seen),
        )
        title = " ".join((raw.title or "").split())[:MAX_TITLE_CHARS]
        if not title:
            raise ValueError("the article has no title")
        # One parse of the URL gives its canonical form and its outlet.
        resolution = self.ratings.resolve(raw.url) if raw.url else None
        url = resolution.resolved_url if resolution is not None else None
        if url is None and not raw.ext_id:
            raise ValueError("the article needs a url or an id")
        key = article_key(url) if url is not None else f"id:{raw.ext_id}"
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            # PostgreSQL's unique index on the key refuses an entry past ~2,700 bytes, and the
            # whole batch with it (a feed's group commit, a file's batch): refuse this one.
            raise ValueError(
                f"the article's {'url' if url is not None else 'id'} is too long to store "
                f"({len(key.encode('utf-8'))} bytes; at most {MAX_KEY_BYTES})"
            )
        text = (raw.text or "")[:MAX_TEXT_CHARS]
        outlet_id = self.outlet_id(resolution, raw.outlet)
        outlet = self.ratings.get(outlet_id) if outlet_id else None
        return NewArticle(
            key=key,
            title=title,
            text=text,
            url=url,
            ext_id=raw.ext_id,
            outlet_id=outlet_id,
            side=side_of(outlet.lean) if outlet is not None else "unrated",
            published=raw.published,
            first_seen=first_seen,
            fingerprint=fingerprint(title, text),
        )

    # -- ingesting ----------------------------------------------------------------------

    def prepare_batch(self, raws: Iterable[RawArticle]) -> PreparedBatch:
        """Canonicalises a batch and drops its repeats: no store read and no lock, so a shared
        store's workers do it before their turn at the ingest lock."""
        first_seen = self._wall()
        batch = PreparedBatch()
        seen: set[str] = set()  # every key variant of the batch's articles so far
        for raw in raws:
            try:
                art = self.prepare(raw, first_seen)
            except (URLInputError, ValueError) as exc:
                batch.rejected += 1
                # A feed's link or a file's id is as long as its sender makes it: the log line
                # shows its head (a 100,000-character link logged whole every feed pass).
                shown = str(raw.url or raw.ext_id or "")
                log.info(
                    "skipped article %r: %s", shown[:200] + ("…" if len(shown) > 200 else ""), exc
                )
                continue
            variants = key_variants(art.key)
            if any(v in seen for v in variants):
                batch.duplicates += 1
                continue
            seen.update(variants)
            batch.articles.append(art)
        return batch

    def ingest(
        self,
        raws: Iterable[RawArticle] | PreparedBatch,
        *,
        cursor: tuple[str, str] | None = None,
        feed_states: Sequence[FeedState] = (),
        flush_digests: bool = True,
    ) -> IngestResult:
        """Stores and clusters one batch in one transaction; duplicates are skipped. `raws` may
        come prepared (prepare_batch), so the canonicalising is done outside any lock. The
        digests of the stories it changed are computed after the locked part; with
        `flush_digests=False` the caller does it (store.flush_digests) after its own lock."""
        batch = raws if isinstance(raws, PreparedBatch) else self.prepare_batch(raws)
        result = IngestResult(rejected=batch.rejected, duplicates=batch.duplicates)
        prepared = batch.articles
        with self._lock, self.store.writer_lock():
            # Another process (a worker beside the API) may have written since our last batch:
            # continue its story numbering and cluster against what it stored.
            self._next_story = max(self._next_story, int(self.store.cursor("story_seq") or 0))
            self.restore()
            if not self._rerated:
                self._rerate()
            # /x.amp arriving after /x/ (or /x after /x/) is the article already stored.
            stored = self.store.existing_keys(v for a in prepared for v in key_variants(a.key))
            fresh = [a for a in prepared if not any(v in stored for v in key_variants(a.key))]
            result.duplicates += len(prepared) - len(fresh)
            earlier = self.store.by_fingerprint(a.fingerprint for a in fresh)
            # fingerprint -> (key of its first copy, its story or None while clustering)
            firsts: dict[str, tuple[str, str | None]] = {
                fp: (arts[0].key, arts[0].story_id) for fp, arts in earlier.items()
            }
            # fingerprint -> outlet -> key of that outlet's copy
            outlets_with: dict[str, dict[str | None, str]] = {
                fp: {a.outlet_id: a.key for a in arts} for fp, arts in earlier.items()
            }
            to_store: list[NewArticle] = []
            for art in fresh:
                fp = art.fingerprint
                if fp and art.outlet_id is not None and art.outlet_id in outlets_with.get(fp, {}):
                    # One wire story counts once per outlet, however many of its URLs carry it.
                    result.duplicates += 1
                    result.aliases[art.key] = outlets_with[fp][art.outlet_id]
                    continue
                if fp and fp in firsts:
                    art = replace(art, syndicated_of_key=firsts[fp][0])
                    result.syndicated += 1
                else:
                    self._advance(art.published if art.published is not None else art.first_seen)
                    self.clusterer.add(self._doc(art))
                    if fp:
                        firsts[fp] = (art.key, None)
                if fp:
                    outlets_with.setdefault(fp, {}).setdefault(art.outlet_id, art.key)
                to_store.append(art)
            # The batch's small undated stories get their second look (average link), and the
            # undated stories it touched their online regroup, before its merges and moves are
            # named and stored, so every entry ends a batch the same way.
            self.clusterer.consolidate()
            merges = self.clusterer.drain_merges()
            moved = self.clusterer.drain_moves()
            # Stories are named after this batch's merges, so no row points at a merged-away one.
            story_of_key: dict[str, str] = {}
            for art in to_store:
                if art.syndicated_of_key is None:
                    name = self.clusterer.story_of(art.key)
                    if name is not None:
                        story_of_key[art.key] = self._persistent(name)
            final: list[NewArticle] = []
            for art in to_store:
                if art.syndicated_of_key is None:
                    story = story_of_key.get(art.key)
                else:
                    origin = art.syndicated_of_key
                    story = story_of_key.get(origin)
                    if story is None:
                        stored_story = firsts[art.fingerprint][1]
                        story = self.store.resolve_story(stored_story) if stored_story else None
                final.append(replace(art, story_id=story))
            persistent_merges = [
                (self._names[a], self._persistent(b)) for a, b in merges if a in self._names
            ]
            for a, _ in merges:
                self._names.pop(a, None)
            self._forget_vanished()
            # Stored articles the regroup moved (this batch's own are filed where they are now);
            # each goes where the clusterer holds it after the batch.
            in_batch = {a.key for a in to_store}
            moves: list[tuple[str, str]] = []
            for key in moved:
                name = self.clusterer.story_of(key)
                if name is not None and key not in in_batch:
                    moves.append((key, self._persistent(name)))
            cursors = [("story_seq", str(self._next_story))]
            if cursor is not None:
                cursors.append(cursor)
            ids = self.store.commit(
                Batch(
                    articles=final,
                    merges=persistent_merges,
                    moves=moves,
                    cursors=cursors,
                    feed_states=feed_states,
                    defer_digests=True,
                    ratings=self.digest_ratings,
                )
            )
            result.added = len(ids)
            result.keys = [a.key for a in final]
            self._restored_upto = max([self._restored_upto, *ids])
            self._expire()
        if flush_digests:
            self.flush_digests()
        return result

    def flush_digests(self) -> int:
        """Computes the digests this thread's batches left due (Store.flush_digests); a failure
        is logged, not raised: the batch is stored, and the digests stay due until the next
        flush of any process takes them up."""
        return self._flush(self.digest_delay)

    def flush_all_digests(self) -> int:
        """flush_digests without the delay: every digest this process holds back too (a run's
        end; the bench counts them)."""
        return self._flush(0.0)

    def _flush(self, delay: float) -> int:
        try:
            if delay > 0 and isinstance(self.store, SQLStore):
                written = self.store.flush_digests(self.digest_ratings, delay=delay)
                if self.store.digests_held():
                    with self._idle:
                        self._idle.notify_all()
                return written
            return self.store.flush_digests(self.digest_ratings)
        except Exception:
            log.exception("story digests left due after a commit; the next flush computes them")
            return 0

    def start_idle_flush(self) -> None:
        """Starts this process's idle turn (once; a daemon thread): when digests are held
        back (digest_delay) it waits the delay and flushes, so a story's digest waits at most
        the delay and one flush even when no batch follows (the worker between passes, a
        service storing a submitted article). Nothing without a delay. It ends with the
        engine: close(), the engine's collection, or the interpreter's exit (which makes what
        is held first: a one-shot command ends before the delay has passed, and else only
        another process's flush, a minute later, would)."""
        if self.digest_delay <= 0 or self._idle_thread is not None:
            return
        stop = threading.Event()
        # The thread holds the engine weakly: a turn that held it kept every engine with a
        # delay (each test's, each app's) alive and turning for good, on a closed store.
        self._idle_thread = threading.Thread(
            target=_idle_turns,
            args=(weakref.ref(self), self.store, self._idle, stop, self.digest_delay),
            name="parallax-digest-idle",
            daemon=True,
        )
        self._idle_thread.start()
        self._idle_end = weakref.finalize(
            self, _end_idle_turns, weakref.ref(self), self._idle, stop, self._idle_thread
        )

    def close(self) -> None:
        """Ends the idle turn (start_idle_flush) and makes what this process holds back: call
        before closing the store. The store stays open (its owner closes it)."""
        if self._idle_end is not None:
            self._idle_end()

    # -- reading ------------------------------------------------------------------------

    def outlet(self, outlet_id: str) -> Any:
        """The rated outlet with this id, or None."""
        return self.ratings.get(outlet_id)

    def summary(self, story_id: str, *, include_articles: bool = True) -> dict[str, Any] | None:
        """A story's full summary, following merges; None when unknown. The caller's own
        (shallow) copy of the cached one: it may set its top-level keys."""
        state = self.story_state(story_id)
        if state is None:
            return None
        summary = dict(self.snapshot(state).summary)
        if not include_articles:
            del summary["articles_by_side"]
        return summary

    def story_state(self, story_id: str) -> StoryState | None:
        """A story's row (its id after merges) and the version of its summary, in one read and
        without its articles: what a story page's ETag and the summary cache are keyed by.
        None when there is no such story."""
        found = self.store.story_state(story_id)
        if found is None:
            return None
        row, removals = found
        return StoryState(row, summary_version(row, removals, self.ratings.version))

    def story_version(self, story_id: str) -> dict[str, Any] | None:
        """What a story's summary is made of, without reading its articles (a story page's
        ETag): its id after merges and its summary's version (summary_version). None when
        there is no such story."""
        state = self.story_state(story_id)
        return None if state is None else {"id": state.row.id, "version": state.version}

    def snapshot(self, state: StoryState) -> StorySnapshot:
        """The story's summary at this version: from the cache, else made from its articles
        (read after the row, so it may be newer than the version names, never older: any
        change to its articles changes the row, so nobody asks for that version again)."""
        found = self._snapshots.get(state.version)
        if found is not None:
            return found
        # One thread of this process makes a story's snapshot at a time; the others wait and
        # take it from the cache: after a restart under new ratings, every request for a busy
        # story made its digest again at once (tens of ms each on the cores the API shares).
        with self._snapshots.making(state.row.id):
            found = self._snapshots.get(state.version)
            if found is not None:
                return found
            return self._make_snapshot(state)

    def _make_snapshot(self, state: StoryState) -> StorySnapshot:
        row = self._rated_digest(state.row)
        if (
            row.digest is None
            and self.digest_delay > 0
            and isinstance(self.store, SQLStore)
            and self.store.digest_waiting(row.id)
        ):
            # A new story whose first digest waits (digest_delay): its stored headline (its
            # lead titles') and no points or framing yet, not a digest made here (the work
            # the delay saves would move to the readers). Cached under this version only:
            # the stored digest names another.
            row = replace(row, digest=dict(WAITING_DIGEST))
        articles = self.store.story_articles(row.id, limit=SUMMARY_ARTICLES)
        summary = summarize(row, articles, self.outlet, include_articles=False)
        members = tuple((a.key, a.outlet_id, article_json(a, self.outlet)) for a in articles)
        # The same grouping summarize(include_articles=True) makes, from the same items.
        grouped: dict[str, list[dict[str, Any]]] = {s: [] for s in SIDES}
        for _, _, item in members:
            grouped[item["side"]].append(item)
        summary["articles_by_side"] = grouped
        made = StorySnapshot(
            id=row.id,
            version=state.version,
            summary=_mark_truncated(summary, row, len(articles), self._whole_story(row, articles)),
            members=members,
        )
        self._snapshots.put(state.version, made)
        return made

    def _whole_story(self, row: StoryRow, articles: Sequence[Article]) -> StoryRow | None:
        """The story's row counted by side under this engine's ratings (as every listing
        counts it: Store.rated_rows) when `articles` are not all of its articles (retention
        thinned it, or it has more than a summary reads); else None (they are)."""
        if row.article_count <= len(articles):
            return None
        return self.store.rated_rows([row], self.digest_ratings)[0]

    def _rated_digest(self, row: StoryRow) -> StoryRow:
        """The row with a digest that holds under this engine's ratings: the stored one, else
        one made now from the same sample the writer reads (its framing may name a side by
        other ratings: an outlet re-rated since, a table reloaded, a digest older than its
        ratings' stamp). Made once per story and ratings version in this process (the
        snapshot cache's version names the ratings); the writer stores its own at the story's
        next change, or when it takes up the ratings (Store.rerate). So is a digest another
        version of the code made (its "code" is not digest_code's now: an upgrade changed how
        points are chosen), which the writer keeps until the story next changes."""
        digest = row.digest
        if digest is None or (
            digest.get("code") == digest_code.current() and self.digest_ratings.holds(digest)
        ):
            return row
        sample = self.store.digest_sample(row.id)
        if not sample:
            # Retention took every article: nothing to make it from again. Its framing names
            # sides by other ratings, and a wrong side is worse than none.
            return replace(row, digest={**digest, "framing": {}})
        made = story_digest(sample, self.digest_ratings)
        headline = row.headline
        if not row.pruned:  # as the writer names it (Store.flush_digests)
            titles = [a.title for a in sample][:HEADLINE_SAMPLE]
            headline = made["headline"] or representative_headline(titles) or headline
        return replace(row, digest=made, headline=headline)

    def stories(self, **filters: Any) -> list[dict[str, Any]]:
        """Listing entries of the latest stories."""
        rows = self.store.stories(**filters, ratings=self.digest_ratings)
        return [listing_json(row) for row in rows]

    def match(
        self,
        title: str,
        text: str = "",
        published: float | None = None,
        limit: int = 5,
        outlet_id: str | None = None,
    ) -> list[tuple[str, float]]:
        """Stories an article not in the store would belong to, best first, each with the
        calibrated probability that it does (Clusterer.match_calibrated)."""
        return [
            (row.id, score)
            for row, score in self.match_stories(title, text, published, limit, outlet_id)
        ]

    def match_stories(
        self,
        title: str,
        text: str = "",
        published: float | None = None,
        limit: int = 5,
        outlet_id: str | None = None,
    ) -> list[tuple[StoryRow, float]]:
        """match(), with each story's row as a listing shows it (no digest): the rows come
        with the reads that resolve the stories, not after them."""
        doc = Doc(
            id="\x00query",
            title=title,
            text=text,
            published=published,
            outlet=outlet_id,
            language=self.language_of(outlet_id),
        )
        with self._lock:
            # Each live story with the calibrated probability a reader is shown and the raw
            # score the clusterer's own join decision reads.
            ranked = self.clusterer.match_calibrated(doc, limit=limit)
        out: dict[str, tuple[StoryRow, float]] = {}
        # One read resolves every candidate and gives its row (each a round trip on PostgreSQL).
        stored = [self._names.get(name, name) for name, _, _ in ranked]
        survivors = self.store.stories_resolved(stored, digests=False) if stored else {}
        for story, (_, probability, _) in zip(stored, ranked, strict=True):
            survivor = survivors.get(story)
            if survivor is not None and survivor.id not in out:
                out[survivor.id] = (survivor, probability)
        # A live story the clusterer would have joined is the answer; only without one is it
        # worth asking the full-text index for older stories that left the window.
        joins = float(getattr(self.clusterer, "join_cutoff", 1.0))
        confident = bool(ranked) and ranked[0][2] >= joins
        if len(out) < limit and not confident:
            # The hits' stories (followed to their survivors) in the search's own statement.
            for row, score in self.store.search_stories([title], limit=limit * 2):
                if row.id not in out:
                    # bm25 is not a cosine: squeeze it below the clusterer's scores so stories
                    # from the index always rank after live matches, in their bm25 order.
                    out[row.id] = (row, round(min(score / 100.0, 0.099), 4))
                if len(out) >= limit:
                    break
        found = list(out.values())[:limit]
        # Counted by side under this process's ratings, as every listing is (rated_rows).
        rated = self.store.rated_rows([row for row, _ in found], self.digest_ratings)
        return [(row, score) for row, (_, score) in zip(rated, found, strict=True)]

    def stored_article(self, url: str) -> Article | None:
        """The stored article at a canonical URL, whichever of its variants (trailing slash or
        not, AMP or not) was stored."""
        return self.store.article_by_keys(key_variants(article_key(url)))

    def stored_story(self, url: str) -> tuple[Article, StoryState | None] | None:
        """stored_article(url) and its story's state (None when it is in no story), in one
        read; None when no article is stored at that URL."""
        found = self.store.article_story(key_variants(article_key(url)))
        if found is None:
            return None
        art, story = found
        if story is None:
            return art, None
        row, removals = story
        return art, StoryState(row, summary_version(row, removals, self.ratings.version))

    def story_for_url(self, url: str, outlet_id: str | None = None) -> dict[str, Any] | None:
        """The summary of the story a stored article belongs to, with related coverage."""
        found = self.stored_story(url)
        if found is None:
            return None
        art, state = found
        if state is None:
            return None
        snap = self.snapshot(state)
        summary = {k: v for k, v in snap.summary.items() if k != "articles_by_side"}
        own = outlet_id or art.outlet_id
        related: list[dict[str, Any]] = []
        for key, member_outlet, item in snap.members:
            if key != art.key and (own is None or member_outlet != own):
                related.append(item)
                if len(related) >= RELATED_LIMIT:
                    break
        summary["related"] = related
        return summary


@dataclass(frozen=True)
class StoryState:
    """A story's row and the version of its summary (Engine.story_state)."""

    row: StoryRow
    version: str


@dataclass(frozen=True)
class StorySnapshot:
    """A story's summary at one version, shared by every reader of this process: `summary`
    (with articles_by_side) and its articles' items in story order with their keys and
    outlets (`members`, for a stored URL's related coverage) must not be changed."""

    id: str
    version: str
    summary: dict[str, Any]
    members: tuple[tuple[str, str | None, dict[str, Any]], ...]


# What makes a summary from a story's row and articles: a cached one (here, or in Redis, which
# hosts running other code share) is only reused if the same code made it.
_SUMMARY_CODE = hashlib.blake2b(
    b"".join(Path(m.__file__ or "").read_bytes() for m in (summary_module, sys.modules[__name__])),
    digest_size=8,
).hexdigest()


def _idle_turns(
    ref: weakref.ReferenceType[Engine],
    store: Any,
    idle: threading.Condition,
    stop: threading.Event,
    delay: float,
) -> None:
    """Engine.start_idle_flush's thread: once digests are held back, waits the delay and
    flushes; ends when stopped (Engine.close, the engine collected, the interpreter's exit)."""
    while True:
        with idle:
            idle.wait_for(lambda: stop.is_set() or store.digests_held() > 0)
        # Everything held now was marked before this moment: after the delay it is due.
        if stop.wait(delay):
            return
        engine = ref()
        if engine is None:
            return
        engine._flush(delay)
        del engine  # (not held while waiting: the engine may go)


def _end_idle_turns(
    ref: weakref.ReferenceType[Engine],
    idle: threading.Condition,
    stop: threading.Event,
    thread: threading.Thread,
) -> None:
    """Stops an engine's idle turn, then makes what the engine still holds back (not when the
    engine was collected: nothing is left to make it with; another process's flush takes
    it as a dead one's)."""
    stop.set()
    with idle:
        idle.notify_all()
    if thread is not threading.current_thread():
        thread.join(IDLE_JOIN_SECONDS)
    engine = ref()
    if engine is not None and isinstance(engine.store, SQLStore) and engine.store.digests_held():
        engine.flush_all_digests()


def summary_version(row: StoryRow, removals: str | None, ratings_version: str) -> str:
    """Names what a story's summary is made of, without its articles: the row (the writer
    rewrites it whenever an article is added, merged in, deleted or pruned: counts, times,
    sides, the digest's sample), the deletions count (REMOVALS_CURSOR), the ratings' version
    and the summary code and bound. Equal versions give equal summaries."""
    digest = row.digest
    sample: object = None
    if digest is not None:
        # The digest is named by its sample (articles and code); one stored without it by
        # itself.
        sample = digest.get("sample")
        if not isinstance(sample, str):
            sample = json.dumps(digest, sort_keys=True, default=str)
    parts = (
        row.id,
        row.first_seen,
        row.last_updated,
        row.article_count,
        row.outlet_count,
        row.headline,
        sorted(row.outlets_by_side.items()),
        row.blindspot,
        row.pruned,
        sample,
        removals,
        ratings_version,
        _SUMMARY_CODE,
        SUMMARY_ARTICLES,
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


class SnapshotCache:
    """The latest story snapshots by version, least recently used out first, bounded by the
    articles they hold (a 2,000-article story weighs 2,000 small ones). A version never
    changes meaning, so nothing here is ever stale: a changed story is asked for under a new
    version and its old entries age out."""

    def __init__(self, max_articles: int = SNAPSHOT_CACHE_ARTICLES) -> None:
        self._entries: LRUCache[str, StorySnapshot] = LRUCache(
            maxsize=max_articles, getsizeof=lambda snap: 1 + len(snap.members)
        )
        self._lock = threading.Lock()
        # story id -> [its lock, threads holding or waiting for it] (Engine.snapshot)
        self._making: dict[str, list[Any]] = {}

    @contextlib.contextmanager
    def making(self, story_id: str) -> Iterator[None]:
        """Held while this process makes one story's snapshot: the threads asking for the
        same story meanwhile wait, then find it in the cache. Per story: others go on."""
        with self._lock:
            entry = self._making.setdefault(story_id, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._lock:
                entry[1] -= 1
                if not entry[1]:
                    del self._making[story_id]

    def get(self, version: str) -> StorySnapshot | None:
        with self._lock:
            return self._entries.get(version)

    def put(self, version: str, snap: StorySnapshot) -> None:
        with self._lock, contextlib.suppress(ValueError):  # larger than the whole cache
            self._entries[version] = snap

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _mark_truncated(
    summary: dict[str, Any], row: StoryRow, read: int, whole: StoryRow | None = None
) -> dict[str, Any]:
    """Says so when a story has more articles than a summary reads, and keeps the true count;
    says how many retention removed (`parallax prune`). When the articles read are not all of
    the story's (`whole`: its row counted under the reader's ratings), its outlets by side,
    outlet count and blindspot are the whole story's, as its listings give them: counted from
    the articles read, the page of a thinned story (or of one over SUMMARY_ARTICLES) named
    fewer outlets, and another blindspot, than every list showing it."""
    stored = row.article_count
    if stored - row.pruned > read:
        summary["truncated"] = {"articles_read": read}
    if stored > read:
        summary["article_count"] = stored
    if row.pruned:
        summary["retention"] = {
            "articles_removed": row.pruned,
            "articles_kept": stored - row.pruned,
        }
    if whole is not None:
        counts = {s: int(whole.outlets_by_side.get(s, 0)) for s in SIDES}
        summary["outlet_count"] = whole.outlet_count
        summary["lean"]["outlets"] = counts
        summary["lean"]["by_outlets"] = shares(counts, SIDES)
        summary["blindspot"] = blindspot_json(whole.blindspot)
    return summary
