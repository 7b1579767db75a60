"""HTTP views of the coverage engine: /v1/stories, /v1/stories/<id>, /v1/related, /v1/articles."""

from __future__ import annotations

import contextlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from service.api import query_int
from service.coverage.distributed import shared_ingest
from service.coverage.engine import Engine, RawArticle, article_key
from service.coverage.fetch import PAGE_POLICY, FetchError, FetchResult, fetch
from service.coverage.pagemeta import decode, extract, parse_time
from service.coverage.sqlite_store import SQLiteStore, open_store
from service.coverage.summary import listing_json
from service.errors import APIError
from service.urls import URLInputError, canonical_url

log = logging.getLogger(__name__)

bp = Blueprint("coverage", __name__)

EXTENSION_KEY = "parallax.coverage"
FETCHER_KEY = "parallax.coverage.fetch"
# A web process picks up what the ingest worker stored at most this often (seconds).
REFRESH_INTERVAL = 30.0
MAX_TITLE = 1000
MAX_TEXT = 5000
MAX_BODY_BYTES = 64 * 1024
MAX_LIMIT = 200
_STORY_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_engine_lock = threading.Lock()


def engine(app: Flask | None = None) -> Engine:
    """The app's coverage engine, opened on first use (restoring the active window)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: Engine | None = app.extensions.get(EXTENSION_KEY)
    if found is not None:
        return found
    with _engine_lock:
        found = app.extensions.get(EXTENSION_KEY)
        if found is None:
            store = open_store(app.config["DATA_DIR"], app.config.get("DATABASE_URL", ""))
            found = Engine(store, app.extensions["parallax.ratings"])
            found.last_refresh = time.monotonic()  # type: ignore[attr-defined]
            app.extensions[EXTENSION_KEY] = found
    return found


def _fresh_engine() -> Engine:
    eng = engine()
    last = getattr(eng, "last_refresh", 0.0)
    if time.monotonic() - last >= REFRESH_INTERVAL:
        eng.last_refresh = time.monotonic()  # type: ignore[attr-defined]
        eng.refresh()
    return eng


# Most links a reader scores are of hosts the store has no article of; knowing which hosts it
# has spares /v1/score a store query per request. Another process's first article of a host is
# seen within HOST_REFRESH_SECONDS; this process's own ingests at once.
HOST_REFRESH_SECONDS = 1.0
# Row ids can be reused after the newest row is deleted; a periodic full read catches that.
HOST_REBUILD_SECONDS = 300.0
STORED_HOSTS_KEY = "parallax.coverage.stored_hosts"


def _host_prefix(key: str) -> str | None:
    """"https://host/" of an article key, or None for keys without one ("id:…")."""
    if not key.startswith("https://"):
        return None
    end = key.find("/", len("https://"))
    return key[: end + 1] if end > 0 else None


class StoredHosts:
    """The hosts of the articles in a SQLite store, read incrementally by row id. Other stores
    are always asked (the per-URL query is the only lookup they are known to answer)."""

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
        self._checked = -math.inf
        self._built = -math.inf

    def may_have(self, eng: Engine, key: str) -> bool:
        """False only when the store holds no article of key's host (as of the last read)."""
        store = eng.store
        if not isinstance(store, SQLiteStore):
            return True
        prefix = _host_prefix(key)
        if prefix is None:
            return True
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
        if isinstance(eng.store, SQLiteStore):
            self._read(eng.store, getattr(eng, "_restored_upto", None))

    def _read(self, store: SQLiteStore, generation: object) -> None:
        with self._lock:
            now = self._clock()
            if (
                store is self._store
                and generation == self._generation
                and now - self._checked < self.refresh
            ):
                return  # another thread read while this one waited
            full = store is not self._store or now - self._built >= self.rebuild
            hosts = set() if full else self._hosts
            upto = 0 if full else self._upto
            rows = store._conn().execute(
                "SELECT id, key FROM articles WHERE id > ? ORDER BY id", (upto,)
            )
            for row_id, key in rows:
                prefix = _host_prefix(key)
                if prefix is not None:
                    hosts.add(prefix)
                upto = row_id
            if full:
                self._hosts, self._store, self._built = hosts, store, now
            self._upto, self._generation, self._checked = upto, generation, now


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


# -- parameter parsing -------------------------------------------------------------------


def _time_param(name: str) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    value = parse_time(raw)
    if value is None:
        raise APIError(
            400,
            f"invalid_{name}",
            f"{name} must be an ISO 8601 time (2025-01-31T12:00:00Z) or epoch seconds",
        )
    return value


def _text_param(value: object, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise APIError(400, f"invalid_{name}", f"{name} must be a string")
    if len(value) > limit:
        raise APIError(400, f"invalid_{name}", f"{name} must be at most {limit} characters")
    return value.strip()


def _canonical(value: object, name: str = "url") -> str:
    if not isinstance(value, str) or not value.strip():
        raise APIError(400, f"missing_{name}", f"give the article's address as {name}=https://…")
    try:
        return canonical_url(value)
    except URLInputError as exc:
        raise APIError(400, f"invalid_{name}", exc.message) from None


# -- views ------------------------------------------------------------------------------


@bp.get("/v1/stories")
def stories() -> ResponseReturnValue:
    since = _time_param("since")
    until = _time_param("until")
    hours = request.args.get("hours")
    if hours:
        back = query_int("hours", 24, 1, 24 * 365)
        latest = _fresh_engine().now
        since = max(since or 0.0, latest - back * 3600.0)
    if since is not None and until is not None and since > until:
        raise APIError(400, "invalid_window", "since must not be later than until")
    blindspot = request.args.get("blindspot") or None
    if blindspot not in (None, "left", "right", "any"):
        raise APIError(
            400,
            "invalid_blindspot",
            "blindspot must be left or right (the side that covered the story) or any",
        )
    limit = query_int("limit", 50, 1, MAX_LIMIT)
    rows = engine().store.stories(since=since, until=until, blindspot=blindspot, limit=limit)
    return jsonify({"stories": [listing_json(r) for r in rows], "count": len(rows)})


@bp.get("/v1/stories/<story_id>")
def story(story_id: str) -> ResponseReturnValue:
    if not _STORY_ID_RE.match(story_id):
        raise APIError(
            400, "invalid_story_id", "a story id is letters, digits and -_.: (at most 64)"
        )
    summary = engine().summary(story_id)
    if summary is None:
        raise APIError(404, "story_not_found", f"no story {story_id}; list them at /v1/stories")
    if summary["id"] != story_id:
        summary["merged_from"] = story_id
    return jsonify(summary)


@bp.get("/v1/related")
def related() -> ResponseReturnValue:
    url = _canonical(request.args.get("url"))
    title = _text_param(request.args.get("title"), "title", MAX_TITLE)
    text = _text_param(request.args.get("text"), "text", MAX_TEXT)
    published = _time_param("published")
    return jsonify(_related(url, title, text, published))


@bp.post("/v1/articles")
def articles() -> ResponseReturnValue:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise APIError(413, "body_too_large", f"send at most {MAX_BODY_BYTES} bytes of JSON")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise APIError(
            400,
            "invalid_body",
            'send JSON {"url", "title", "description"?, "published"?, "canonical_url"?} with '
            "Content-Type: application/json",
        )
    url = _canonical(body.get("url"))
    canonical_given = body.get("canonical_url")
    if canonical_given not in (None, ""):
        canonical = _canonical(canonical_given, "canonical_url")
        # A page may only speak for its own site: a canonical on another host is ignored.
        if _host(canonical) == _host(url):
            url = canonical
    if current_app.extensions["parallax.ratings"].resolve(url).shortener:
        raise APIError(
            400, "shortener_url", "send the page's own URL, not a link shortener's (t.co, bit.ly …)"
        )
    title = _text_param(body.get("title"), "title", MAX_TITLE)
    if not title:
        raise APIError(400, "missing_title", 'give the page\'s title as "title"')
    description = _text_param(body.get("description"), "description", MAX_TEXT)
    published_raw = body.get("published")
    published: float | None = None
    if isinstance(published_raw, int | float) and not isinstance(published_raw, bool):
        published = float(published_raw)
    elif published_raw not in (None, ""):
        published = parse_time(published_raw)
        if published is None:
            raise APIError(
                400,
                "invalid_published",
                "published must be an ISO 8601 time (2025-01-31T12:00:00Z) or epoch seconds",
            )
    eng = _fresh_engine()
    stored = False
    if current_app.config.get("STORE_SUBMITTED_ARTICLES"):
        result = shared_ingest(
            eng, [RawArticle(title=title, text=description, url=url, published=published)]
        )
        stored = result.added > 0
    payload = _related(url, title, description, published, allow_fetch=False)
    payload["stored"] = stored
    return jsonify(payload)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")


def _related(
    url: str, title: str, text: str, published: float | None, *, allow_fetch: bool = True
) -> dict[str, Any]:
    eng = _fresh_engine()
    payload: dict[str, Any] = {"url": url, "match": "none", "story": None, "candidates": []}
    art = eng.store.article_by_key(article_key(url))
    if art is None and not title and allow_fetch and current_app.config.get("FETCH_PAGES"):
        page = _fetch_page(url, payload)
        if page is not None:
            title = page.title or ""
            text = text or page.description or ""
            published = published or page.published
            if page.canonical_url:
                with contextlib.suppress(URLInputError):
                    art = eng.store.article_by_key(article_key(canonical_url(page.canonical_url)))
    if art is not None and art.story_id is not None:
        summary = eng.summary(art.story_id)
        if summary is not None:
            payload["match"] = "stored"
            payload["story"] = summary
            return payload
    if not title:
        payload["hint"] = (
            "add &title=… (and &published=…) to match an article the service has not seen"
        )
        return payload
    candidates = eng.match(title, text, published, limit=5)
    for story_id, score in candidates:
        row = eng.store.story(story_id)
        if row is not None:
            payload["candidates"].append({"score": score, "story": listing_json(row)})
    if payload["candidates"]:
        payload["match"] = "similar"
    return payload


def _fetch_page(url: str, payload: dict[str, Any]) -> Any:
    fetcher: Callable[[str], FetchResult] = current_app.extensions.get(
        FETCHER_KEY, lambda u: fetch(u, PAGE_POLICY)
    )
    try:
        result = fetcher(url)
    except FetchError as exc:
        payload["fetch_error"] = {"code": exc.code, "message": exc.message}
        return None
    return extract(decode(result.body, result.charset))


def init_app(app: Flask) -> None:
    """Registers the coverage views and the story lookup /v1/score uses."""
    app.register_blueprint(bp)
    app.extensions.setdefault("parallax.openapi_paths", {}).update(OPENAPI_PATHS)
    app.extensions.setdefault("parallax.openapi_schemas", {}).update(OPENAPI_SCHEMAS)
    app.extensions[STORED_HOSTS_KEY] = StoredHosts()
    app.extensions["parallax.story_lookup"] = lambda url, outlet_id: story_for_url(
        app, url, outlet_id
    )


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": name == "url",
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_ERRORS = {str(s): _json(_ref("Error"), "Error") for s in (400,)}
_TIME = {"type": "string", "description": "ISO 8601 (2025-03-04T12:00:00Z) or epoch seconds"}
_SHARES = {"type": "object", "additionalProperties": {"type": "number"}}
# A story as listed; the full story adds its distributions, first reporter and articles.
_LISTING_REQUIRED = [
    "id", "headline", "first_seen", "last_updated", "article_count", "outlet_count", "lean",
    "blindspot",
]
_LISTING_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string"},
    "headline": {"type": "string"},
    "first_seen": {"type": ["string", "null"]},
    "last_updated": {"type": ["string", "null"]},
    "article_count": {"type": "integer"},
    "outlet_count": {"type": "integer"},
    "lean": {"type": "object"},
    "blindspot": {"type": ["object", "null"]},
}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "StoryListing": {
        "type": "object",
        "required": _LISTING_REQUIRED,
        "properties": _LISTING_PROPERTIES,
    },
    "Story": {
        "type": "object",
        "required": [*_LISTING_REQUIRED, "factuality", "owner_types", "first_reported_by"],
        "properties": {
            **_LISTING_PROPERTIES,
            "syndicated_count": {"type": "integer"},
            "factuality": _SHARES,
            "owner_types": _SHARES,
            "first_reported_by": {"type": ["object", "null"]},
            "articles_by_side": {"type": "object"},
            "merged_from": {"type": "string"},
        },
    },
    "Related": {
        "type": "object",
        "required": ["url", "match", "story", "candidates"],
        "properties": {
            "url": {"type": "string"},
            "match": {"type": "string", "enum": ["stored", "similar", "none"]},
            "story": {"oneOf": [{"type": "null"}, _ref("Story")]},
            "candidates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["score", "story"],
                    "properties": {"score": {"type": "number"}, "story": _ref("StoryListing")},
                },
            },
            "hint": {"type": "string"},
            "fetch_error": {"type": "object"},
            "stored": {"type": "boolean"},
        },
    },
}
OPENAPI_PATHS: dict[str, Any] = {
    "/v1/stories": {
        "get": {
            "summary": "The latest stories, filterable by time window and blindspot side",
            "parameters": [
                _query("since", "stories updated at or after this time", _TIME),
                _query("until", "stories updated at or before this time", _TIME),
                _query(
                    "hours",
                    "stories updated in the N hours before the newest article",
                    {"type": "integer", "minimum": 1, "maximum": 8760},
                ),
                _query(
                    "blindspot",
                    "only blindspots covered by this side",
                    {"type": "string", "enum": ["left", "right", "any"]},
                ),
                _query(
                    "limit",
                    "at most this many",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                ),
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["stories", "count"],
                        "properties": {
                            "stories": {"type": "array", "items": _ref("StoryListing")},
                            "count": {"type": "integer"},
                        },
                    }
                ),
                **_ERRORS,
            },
        }
    },
    "/v1/stories/{story_id}": {
        "get": {
            "summary": "A story's summary: lean, factuality and ownership mix, blindspot, articles",
            "parameters": [
                {"name": "story_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": _json(_ref("Story")),
                "404": _json(_ref("Error"), "Error"),
                **_ERRORS,
            },
        }
    },
    "/v1/related": {
        "get": {
            "summary": "The story an article belongs to, or the best-matching stories",
            "parameters": [
                _query("url", "the article's URL", {"type": "string", "maxLength": 4096}),
                _query(
                    "title",
                    "its title, to match an article not stored",
                    {"type": "string", "maxLength": MAX_TITLE},
                ),
                _query(
                    "text", "its description or lead", {"type": "string", "maxLength": MAX_TEXT}
                ),
                _query("published", "when it was published", _TIME),
            ],
            "responses": {"200": _json(_ref("Related")), **_ERRORS},
        }
    },
    "/v1/articles": {
        "post": {
            "summary": "Match (and, when the operator allows, store) a page no feed carried",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["url", "title"],
                            "properties": {
                                "url": {"type": "string", "maxLength": 4096},
                                "canonical_url": {"type": "string", "maxLength": 4096},
                                "title": {"type": "string", "maxLength": MAX_TITLE},
                                "description": {"type": "string", "maxLength": MAX_TEXT},
                                "published": {"type": ["string", "number"]},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json(_ref("Related")),
                "413": _json(_ref("Error"), "Error"),
                **_ERRORS,
            },
        }
    },
}
