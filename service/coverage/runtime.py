"""The coverage engine's lifecycle in a process (web, worker or CLI alike): opened once from the
configuration, refreshed with what other processes stored, and the stored-hosts shortcut that lets
/v1/score skip the store for hosts it has no article of."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import Flask, current_app

from service.config import load_config
from service.core.ratings import RatingsTable, table_for_config
from service.coverage.engine import Engine, article_key
from service.store import open_store
from service.store.base import REMOVALS_CURSOR, Store

log = logging.getLogger(__name__)

EXTENSION_KEY = "parallax.coverage"
# A web process picks up what the ingest worker stored at most this often (seconds).
REFRESH_INTERVAL = 30.0
_engine_lock = threading.Lock()


@dataclass
class CoverageContext:
    """What a coverage command needs: the configuration, the ratings table and the engine,
    opened on first use. Built from a Flask app (inside the service) or from the environment
    (the CLI and the worker, which never build the web app)."""

    config: Mapping[str, Any]
    ratings: RatingsTable
    opener: Callable[[], Engine]

    @cached_property
    def engine(self) -> Engine:
        return self.opener()


def context_for_app(app: Flask) -> CoverageContext:
    return CoverageContext(app.config, app.extensions["parallax.ratings"], lambda: engine(app))


def context_from_environment(environ: Mapping[str, str]) -> CoverageContext:
    """Raises ValueError (bad settings) or RatingsError (bad table) with a message to show."""
    config = load_config(environ)
    ratings = table_for_config(config)
    return CoverageContext(config, ratings, lambda: open_engine(config, ratings))


def open_engine(config: Mapping[str, Any], ratings: RatingsTable) -> Engine:
    """An engine on the configured store (DATABASE_URL, else SQLite in DATA_DIR), window restored.
    Needs no Flask app: the CLI and the worker open it straight from the configuration."""
    store = open_store(config["DATA_DIR"], config.get("DATABASE_URL", ""))
    found = Engine(store, ratings, digest_delay=float(config.get("DIGEST_DELAY") or 0))
    found.start_idle_flush()
    return found


def engine(app: Flask | None = None) -> Engine:
    """The app's coverage engine, opened on first use (restoring the active window)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: Engine | None = app.extensions.get(EXTENSION_KEY)
    if found is not None:
        return found
    with _engine_lock:
        found = app.extensions.get(EXTENSION_KEY)
        if found is None:
            found = open_engine(app.config, app.extensions["parallax.ratings"])
            found.last_refresh = time.monotonic()  # type: ignore[attr-defined]
            app.extensions[EXTENSION_KEY] = found
    return found


def fresh_engine(app: Flask | None = None) -> Engine:
    """The engine, first picking up what other processes stored if it has not for a while."""
    eng = engine(app)
    last = getattr(eng, "last_refresh", 0.0)
    if time.monotonic() - last >= REFRESH_INTERVAL:
        eng.last_refresh = time.monotonic()  # type: ignore[attr-defined]
        eng.refresh()
    return eng


# Most links a reader scores are of hosts the store has no article of; knowing which hosts it
# has spares /v1/score a store query per request. Another process's first article of a host is
# seen within HOST_REFRESH_SECONDS; this process's own ingests at once.
HOST_REFRESH_SECONDS = 1.0
# Where the store can hand a deleted row's id to a new article (SQLite), reading on from the
# last id seen could miss that article: a periodic full read catches it.
HOST_REBUILD_SECONDS = 300.0
STORED_HOSTS_KEY = "parallax.coverage.stored_hosts"


def _host_prefix(key: str) -> str | None:
    """ "https://host/" of an article key, or None for keys without one ("id:…")."""
    if not key.startswith("https://"):
        return None
    end = key.find("/", len("https://"))
    return key[: end + 1] if end > 0 else None


class StoredHosts:
    """The hosts of the articles in the store, read incrementally by row id (the store folds
    its new rows to their hosts, on SQLite and PostgreSQL alike). Read again in full when
    articles were deleted (the store's REMOVALS_CURSOR moved: their hosts may be gone) and, on
    a store that reuses row ids, every HOST_REBUILD_SECONDS."""

    def __init__(
        self,
        refresh: float = HOST_REFRESH_SECONDS,
        rebuild: float = HOST_REBUILD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh = refresh
        self.rebuild = rebuild
        self._clock = clock
        self._lock = threading.Lock()
        self._hosts: set[str] = set()
        self._store: object = None
        self._upto = 0
        self._generation: object = None
        self._removals: str | None = None
        self._checked = -math.inf
        self._built = -math.inf

    def may_have(self, eng: Engine, key: str) -> bool:
        """False only when the store holds no article of key's host (as of the last read)."""
        prefix = _host_prefix(key)
        if prefix is None:
            return True
        store = eng.store
        # The engine's highest known article id moves on every ingest of this process.
        generation = getattr(eng, "_restored_upto", None)
        if (
            store is not self._store
            or generation != self._generation
            or self._clock() - self._checked >= self.refresh
        ):
            self._read(store, generation)
        return prefix in self._hosts

    def prime(self, eng: Engine) -> None:
        """Reads the store's hosts now, so no reader's request pays for the first full read."""
        self._read(eng.store, getattr(eng, "_restored_upto", None))

    def _read(self, store: Store, generation: object) -> None:
        with self._lock:
            now = self._clock()
            if (
                store is self._store
                and generation == self._generation
                and now - self._checked < self.refresh
            ):
                return  # another thread read while this one waited
            removals = store.cursor(REMOVALS_CURSOR)
            full = (
                store is not self._store
                or removals != self._removals
                or (store.reuses_row_ids and now - self._built >= self.rebuild)
            )
            found, upto = store.article_hosts(0 if full else self._upto)
            if full:
                self._hosts, self._store, self._built = found, store, now
            else:
                self._hosts |= found
            self._upto, self._generation, self._checked = upto, generation, now
            self._removals = removals


def story_for_url(app: Flask, url: str, outlet_id: str | None = None) -> dict[str, Any] | None:
    """The story a stored article belongs to, with up to 20 related articles from other outlets."""
    try:
        eng = engine(app)
        hosts: StoredHosts | None = app.extensions.get(STORED_HOSTS_KEY)
        if hosts is not None and not hosts.may_have(eng, article_key(url)):
            return None
        return eng.story_for_url(url, outlet_id)
    except Exception:  # the story is an extra: a store failure must not break scoring
        log.exception("story lookup failed for %s", url)
        return None


def install(app: Flask) -> None:
    """Gives the app its stored-hosts shortcut and the story lookup that /v1/score uses."""
    app.extensions[STORED_HOSTS_KEY] = StoredHosts()
    app.extensions["parallax.story_lookup"] = lambda url, outlet_id: story_for_url(
        app, url, outlet_id
    )
