"""Encoded story answers (a story's JSON, its page) kept by the story's version, in process and,
when PARALLAX_REDIS_URL is set, in Redis for every worker and host: a version names exactly what
the answer is made of (Engine.story_state), so a kept body is never stale and needs no expiry to
be right; a changed story is asked for under a new version."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache
from flask import Flask, current_app, jsonify

from service.web.shared_level import SharedLevel

BODIES_KEY = "parallax.story_bodies"
# Bytes of bodies one process keeps (larger than MAX_BODY are never kept).
L1_BYTES = 32 * 1024 * 1024
# Larger bodies are made each time rather than crowd out hundreds of others.
MAX_BODY = 4 * 1024 * 1024
# Redis forgets a version after this long (the key says the version, so this only lets old
# versions go; Redis's own eviction policy may drop them sooner).
REDIS_SECONDS = 86_400
REDIS_PREFIX = "parallax:story:"


class StoryBodies:
    """get-or-make of a body by key: the process's LRU (bounded by bytes), then Redis, then
    `make`. Redis errors degrade to the process's own level. Counts what it served, by level."""

    def __init__(self, redis_url: str = "", max_bytes: int = L1_BYTES) -> None:
        self._l1: LRUCache[str, bytes] = LRUCache(maxsize=max_bytes, getsizeof=len)
        self._lock = threading.Lock()
        self._shared = SharedLevel(redis_url, "story cache")
        self.served = {"l1": 0, "l2": 0, "made": 0}

    def body(self, key: str, make: Callable[[], bytes]) -> bytes:
        """The body kept under `key`, else `make()`'s, kept for the next reader."""
        with self._lock:
            found = self._l1.get(key)
            if found is not None:
                self.served["l1"] += 1
                return found
        shared = self._shared.get(REDIS_PREFIX + key)
        if shared is not None:
            self._keep(key, shared)
            with self._lock:
                self.served["l2"] += 1
            return shared
        made = make()
        with self._lock:
            self.served["made"] += 1
        if len(made) <= MAX_BODY:
            self._keep(key, made)
            self._shared.set(REDIS_PREFIX + key, made, REDIS_SECONDS)
        return made

    def _keep(self, key: str, body: bytes) -> None:
        with self._lock:
            self._l1[key] = body

    def clear(self) -> None:
        with self._lock:
            self._l1.clear()


def story_bodies(app: Flask | None = None) -> StoryBodies:
    bodies: StoryBodies = (app or current_app).extensions[BODIES_KEY]
    return bodies


def encoded_json(value: object) -> bytes:
    """`value` encoded exactly as jsonify would send it."""
    return jsonify(value).get_data()


# Stands for a kept body inside a payload being encoded: JSON-encoded it is a string no other
# value of a payload holds (json_with checks).
_SLOT = "\x00parallax-kept-body\x00"


def json_with(payload: dict[str, Any], name: str, kept: bytes) -> bytes:
    """jsonify's bytes of `payload` with `kept` (a encoded_json) as the value of `name`, spliced
    in instead of decoded and encoded again."""
    outer = encoded_json({**payload, name: _SLOT})
    slot = encoded_json(_SLOT).strip()
    if outer.count(slot) != 1:  # a value of the payload holds the slot's text: no splicing
        return encoded_json({**payload, name: json.loads(kept)})
    head, _, tail = outer.partition(slot)
    return head + kept.strip() + tail


def init_app(app: Flask) -> None:
    app.extensions[BODIES_KEY] = StoryBodies(str(app.config.get("REDIS_URL") or ""))
