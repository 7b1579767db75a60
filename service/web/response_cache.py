"""Two-level response cache for read endpoints: cachetools in process, Redis shared by hosts."""

from __future__ import annotations

import hashlib
import re
import threading

from cachetools import TTLCache
from flask import Flask, Response, current_app, request

from service.web.api import ratings_table
from service.web.shared_level import SharedLevel

CACHE_EXTENSION = "parallax.response_cache"
# Read endpoints whose answer depends only on the URL: the same for every client.
CACHED_ENDPOINTS = frozenset(
    {"score.score", "coverage.stories", "coverage.story", "coverage.related"}
)
# Bytes of answers one process keeps: counted in answers (20,000 of up to MAX_BODY each) it
# could hold 5 GiB, distinct query strings being distinct keys.
L1_BYTES = 64 * 1024 * 1024
MAX_BODY = 256 * 1024  # larger answers are rare and would crowd out the rest
# An entry's validator as the views set it (RFC 9110 entity-tag, printable ASCII), or none.
_ENTRY_ETAG = re.compile(rb'(?:W/)?"[\x21\x23-\x7e]*"')


def split_entry(entry: bytes) -> tuple[str, bytes] | None:
    """An entry's (ETag, body), or None for one this code did not write: Redis is shared, and a
    value without the newline, with a validator no view sets or with no body is a miss (it was
    served as an empty 200, and a non-ASCII validator was a 500)."""
    etag, newline, body = entry.partition(b"\n")
    if not newline or not body or (etag and _ENTRY_ETAG.fullmatch(etag) is None):
        return None
    return etag.decode("ascii"), body


class ResponseCache:
    """get/set of response bodies with a TTL; Redis errors degrade to the in-process level."""

    def __init__(self, ttl: float, redis_url: str = "", l1_bytes: int = L1_BYTES) -> None:
        self.ttl = ttl
        self._l1: TTLCache[str, bytes] = TTLCache(maxsize=l1_bytes, ttl=ttl, getsizeof=len)
        self._lock = threading.Lock()
        self._shared = SharedLevel(redis_url, "cache")

    @property
    def shared(self) -> bool:
        """Whether a Redis level is configured (a miss then counts as one of Redis's)."""
        return self._shared.client is not None

    @staticmethod
    def key(method: str, path: str, query: bytes, ratings: str = "") -> str:
        """The cache key of a request under a ratings version; hashed so a long query cannot
        make a long Redis key."""
        # The ratings version is in the key: a host restarted on new ratings must not serve
        # (and revalidate with 304s) answers another host made from the old ones, for the TTL.
        digest = hashlib.blake2b(ratings.encode() + b"\0" + query, digest_size=16).hexdigest()
        # resp2: entries carry their ETag (a host running older code shares Redis and keeps
        # bodies alone under resp).
        return f"parallax:resp2:{method}:{path}:{digest}"

    def get(self, key: str) -> tuple[bytes, str] | None:
        """(entry, level) from the nearest level that has a well-formed one, else None."""
        with self._lock:
            body = self._l1.get(key)
        if body is not None:
            return body, "l1"
        found = self._shared.get(key)
        if found is None or split_entry(found) is None:
            return None
        with self._lock:
            self._l1[key] = found
        return found, "l2"

    def set(self, key: str, body: bytes) -> None:
        with self._lock:
            self._l1[key] = body
        self._shared.set(key, body, max(1, int(self.ttl)))

    def redis_status(self) -> tuple[bool, str]:
        """(reachable, detail) of the shared level, for /readyz."""
        if self._shared.client is None:
            return True, "not configured (in-process cache only)"
        try:
            self._shared.client.ping()
        except Exception as exc:
            return False, f"unreachable ({type(exc).__name__}); serving from the in-process cache"
        return True, "reachable"

    def clear(self) -> None:
        with self._lock:
            self._l1.clear()


def _count(level: str, hit: bool) -> None:
    from service.ops.metrics import METRICS_EXTENSION, count_cache

    if METRICS_EXTENSION in current_app.extensions:
        count_cache(level, hit)


# The WSGI names of the headers that make a request keyed (Authorization, X-API-Key): read from
# the environ directly, as request.headers would, without building the headers view.
_KEYED_ENVIRON = ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY")


def init_app(app: Flask) -> None:
    ttl = float(app.config.get("RESPONSE_CACHE_SECONDS") or 0)
    if ttl <= 0:
        return
    cache = ResponseCache(ttl, str(app.config.get("REDIS_URL") or ""))
    app.extensions[CACHE_EXTENSION] = cache

    def redis_check() -> tuple[str, bool, str]:
        # Redis is an accelerator: its absence is reported but does not make the host unready.
        _, detail = cache.redis_status()
        return ("redis", True, detail)

    app.extensions.setdefault("parallax.readiness", []).append(redis_check)

    def cacheable() -> bool:
        # Keyed requests may see private answers; only anonymous GETs share a cache.
        environ = request.environ
        return (
            environ.get("REQUEST_METHOD") == "GET"
            and request.endpoint in CACHED_ENDPOINTS
            and not any(name in environ for name in _KEYED_ENVIRON)
        )

    @app.before_request
    def _serve_cached() -> Response | None:
        if not cacheable():
            return None
        key = cache.key(request.method, request.path, request.query_string, ratings_table().version)
        found = cache.get(key)
        parts = None if found is None else split_entry(found[0])
        if found is None or parts is None:
            _count("l2" if cache.shared else "l1", False)
            request.environ["parallax.cache_key"] = key
            return None
        level = found[1]
        _count(level, True)
        etag, body = parts
        response = Response(body, status=200, mimetype="application/json")
        response.headers["X-Cache"] = f"hit-{level}"
        if etag:
            # The answer's validator goes with it: a client revalidating a cached story gets its
            # 304, as from the view itself.
            response.headers["ETag"] = etag
            response.make_conditional(request)  # in place: a 304 without the body on a match
        return response

    @app.after_request
    def _store(response: Response) -> Response:
        key = request.environ.get("parallax.cache_key")
        if key and response.status_code == 200 and not response.direct_passthrough:
            body = response.get_data()
            etag = response.headers.get("ETag", "")
            # Kept as "ETAG\nBODY": a validator is printable ASCII (RFC 9110), never a newline.
            if (
                0 < len(body) <= MAX_BODY
                and etag.isascii()
                and (not etag or _ENTRY_ETAG.fullmatch(etag.encode()) is not None)
            ):
                cache.set(key, etag.encode("ascii") + b"\n" + body)
            response.headers["X-Cache"] = "miss"
        return response
