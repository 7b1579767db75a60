"""Several ingest workers on one shared store: each feed pulled once, batches taken in turn."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from service.coverage.engine import Engine, IngestResult, PreparedBatch, RawArticle
from service.ingest.feeds import FeedIngester, FeedOutcome, FeedSource, backing_off
from service.store.base import FeedState, SharedStore

# A claim outlives a slow feed (15 s fetch limit) many times over, yet frees a feed whose worker
# died within minutes.
CLAIM_LEASE = 300.0


def worker_name() -> str:
    """Who holds a claim: host, process and a random part (pids repeat across hosts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def shares_work(store: object) -> bool:
    """Whether the store can coordinate workers (PostgreSQL can; one SQLite file needs not)."""
    return isinstance(store, SharedStore)


class SerialisedEngine:
    """The engine as the ingester sees it: every batch runs under a cluster-wide lock, after
    catching up with what other workers stored, so stories stay one per event."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store
        self._local = threading.Lock()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Holds the shared ingest lock (threads of this process queue here first)."""
        store = self.store
        assert isinstance(store, SharedStore)  # serialised() is only used on shared stores
        # While other workers hold the lock, this one clusters what they commit: inside its
        # turn only the last holder's batch is left to read (in turn order every other
        # worker's batch was, (workers - 1) batches re-clustered while all the others waited).
        with self._local, store.exclusive("ingest", between=self.catch_up):
            yield

    def catch_up(self) -> int:
        """Sees other workers' articles and story ids before clustering anything new; returns
        how many articles it learnt."""
        return self.engine.restore()

    def ingest(self, raws: Iterable[RawArticle] | PreparedBatch, **kwargs: Any) -> IngestResult:
        # Canonicalising needs no store, so it is done before asking for the turn.
        prepared = raws if isinstance(raws, PreparedBatch) else self.engine.prepare_batch(raws)
        # Most of the catching up happens before the turn, while another worker holds it:
        # inside, only what was committed since is left. Rows come committed in id order
        # (writers take turns), so the two reads together miss nothing. Done inside alone,
        # every worker would cluster every other worker's articles while holding the lock,
        # and the lock's time per article would grow with the number of workers.
        self.catch_up()
        with self.turn():
            self.catch_up()
            result = self.engine.ingest(prepared, flush_digests=False, **kwargs)
        # The stories' digests change no grouping: computed after the turn, while the next
        # worker clusters (each written only if its story's sample is still the one it read).
        self.engine.flush_digests()
        return result


_SERIALISED_LOCK = threading.Lock()


def serialised(engine: Engine) -> SerialisedEngine:
    """The one SerialisedEngine of an engine, shared by every thread of the process."""
    with _SERIALISED_LOCK:
        found: SerialisedEngine | None = getattr(engine, "_parallax_serialised", None)
        if found is None:
            found = SerialisedEngine(engine)
            engine._parallax_serialised = found  # type: ignore[attr-defined]
        return found


def shared_ingest(engine: Engine, *args: Any, **kwargs: Any) -> IngestResult:
    """Engine.ingest that is safe beside other writers of a shared store (API hosts storing
    submitted articles while workers ingest feeds); the plain call on SQLite."""
    if shares_work(engine.store):
        return serialised(engine).ingest(*args, **kwargs)
    return engine.ingest(*args, **kwargs)


class SharedFeedIngester(FeedIngester):
    """A FeedIngester that first claims each feed in the store, so no two workers pull it."""

    def __init__(
        self,
        engine: Engine,
        *,
        owner: str | None = None,
        min_interval: float = 0.0,
        lease: float = CLAIM_LEASE,
        **options: Any,
    ) -> None:
        self.shared = shares_work(engine.store)
        super().__init__(serialised(engine) if self.shared else engine, **options)  # type: ignore[arg-type]
        self.owner = owner or worker_name()
        self.min_interval = min_interval
        self.lease = lease
        self.pulled: list[str] = []

    def claim_hosts(self, hosts: Sequence[str]) -> tuple[set[str], dict[str, float]]:
        """Holds each host for the whole of its feeds, so two workers never send it requests at
        once (the politeness delay is kept by the one holding it): the hosts this worker now
        holds, in one round trip for the batch, and for those another worker finished less
        than the pass's min_interval ago, the seconds until that has passed. The claim is a
        row named "host:<name>" beside the feeds' own. Without a politeness delay there is
        nothing to keep, and workers share a host's feeds (each feed claimed in pull)."""
        if not self.shared or self.politeness <= 0:
            return set(hosts), {}
        store = self.engine.store
        assert isinstance(store, SharedStore)
        keys = {f"host:{host}": host for host in hosts}
        claimed, done = store.claim_feeds(list(keys), self.owner, self.lease, self.min_interval)
        now = time.time()
        # Finished before this pass began (in the last one): due again once min_interval has
        # passed. Finished since (by another worker, in this pass): done for this pass.
        later = {
            keys[k]: done_at + self.min_interval - now
            for k, done_at in done.items()
            if done_at < self.pass_started
        }
        return {keys[k] for k in claimed}, later

    def release_hosts(self, hosts: Sequence[str], *, done: bool) -> None:
        if not self.shared or self.politeness <= 0 or not hosts:
            return
        store = self.engine.store
        assert isinstance(store, SharedStore)
        # done: every feed of the host was seen this pass, so other workers skip it until the
        # next; a worker stopped part-way leaves it to them.
        store.release_feeds([f"host:{host}" for host in hosts], self.owner, done=done)

    def renew_hosts(self, hosts: Sequence[str]) -> None:
        if not self.shared or self.politeness <= 0 or not hosts:
            return
        store = self.engine.store
        assert isinstance(store, SharedStore)
        store.renew_feeds([f"host:{host}" for host in hosts], self.owner, self.lease)

    def pull(self, feed: FeedSource, state: FeedState | None) -> FeedOutcome:
        if not self.shared:
            return super().pull(feed, state)
        if backing_off(state):
            return FeedOutcome(feed.url, "backing-off")
        if self.politeness > 0:
            # This worker holds the feed's host: nobody else fetches it now. A feed fetched
            # less than min_interval ago was pulled by a worker that held the host before and
            # stopped part-way (its states are written before it lets the host go).
            if (
                state is not None
                and state.last_fetched is not None
                and time.time() - state.last_fetched < self.min_interval
            ):
                return FeedOutcome(feed.url, "claimed-elsewhere")
            outcome = self.fetch_and_store(feed, state)
            self.pulled.append(feed.url)
            return outcome
        store = self.engine.store
        assert isinstance(store, SharedStore)  # self.shared says so
        if not store.claim_feed(feed.url, self.owner, self.lease, self.min_interval):
            return FeedOutcome(feed.url, "claimed-elsewhere")
        done = False
        try:
            outcome = self.fetch_and_store(feed, state)
            done = True
            self.pulled.append(feed.url)
            return outcome
        finally:
            # A crash leaves the claim to expire; a clean finish frees it and records the pull.
            store.release_feed(feed.url, self.owner, done=done)


def feed_ingester(engine: Engine, *, interval: float | None = None, **options: Any) -> FeedIngester:
    """The ingester for this store: shared claims on PostgreSQL, the plain one on SQLite.

    `interval` is the pass interval: a feed another worker pulled within most of it is left."""
    if shares_work(engine.store):
        min_interval = 0.8 * interval if interval else 0.0
        return SharedFeedIngester(
            engine, min_interval=min_interval, retry_base=interval or 900.0, **options
        )
    return FeedIngester(engine, retry_base=interval or 900.0, **options)
