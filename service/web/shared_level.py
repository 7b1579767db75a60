"""The Redis level shared by the web layer's two-level caches (response_cache, story_bodies):
one client with short timeouts that a failure switches off for a while, so a dead Redis costs
one timeout every REDIS_BACKOFF seconds instead of one a request."""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 0.25
# After a Redis error, stop asking it for this long: a dead cache must not add latency.
REDIS_BACKOFF = 10.0


class SharedLevel:
    """get/set of bytes in Redis when `redis_url` is set; every error degrades to a miss."""

    def __init__(self, redis_url: str, name: str) -> None:
        self.name = name  # what the warning calls this cache
        self.client: Any = None
        self._down_until = 0.0
        if redis_url:
            import redis

            self.client = redis.Redis.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
                health_check_interval=30,
            )

    def usable(self) -> bool:
        return self.client is not None and time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        self._down_until = time.monotonic() + REDIS_BACKOFF
        log.warning(
            "redis %s unavailable for %.0f s: %s", self.name, REDIS_BACKOFF, type(exc).__name__
        )

    def get(self, key: str) -> bytes | None:
        if not self.usable():
            return None
        try:
            found = self.client.get(key)
        except Exception as exc:  # redis.RedisError and socket errors alike
            self._failed(exc)
            return None
        return None if found is None else bytes(found)

    def set(self, key: str, body: bytes, seconds: int) -> None:
        if not self.usable():
            return
        try:
            self.client.set(key, body, ex=seconds)
        except Exception as exc:
            self._failed(exc)
