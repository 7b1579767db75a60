"""HTTP views of the coverage engine: /v1/stories, /v1/stories/<id>, /v1/related, /v1/articles."""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from service.core.resolver import Resolution
from service.core.text import storable
from service.core.times import TimeInputError, article_time, iso
from service.core.urls import URLInputError, canonical_url
from service.coverage import runtime
from service.coverage.demo import demo_story_ids
from service.coverage.engine import Engine, RawArticle, StoryState, article_key
from service.coverage.runtime import engine, fresh_engine
from service.coverage.summary import listing_json
from service.ingest.fetch import PAGE_POLICY, FetchError, FetchResult, FetchSlots, fetch
from service.ingest.pagemeta import decode, extract, parse_time
from service.ingest.shared import shared_ingest
from service.web.api import query_int, ratings_table
from service.web.body import json_body
from service.web.errors import APIError
from service.web.story_bodies import encoded_json, json_with, story_bodies

log = logging.getLogger(__name__)

bp = Blueprint("coverage", __name__)

FETCHER_KEY = "parallax.coverage.fetch"
SLOTS_KEY = "parallax.coverage.fetch_slots"
MAX_TITLE = 1000
MAX_TEXT = 5000
MAX_BODY_BYTES = 64 * 1024
MAX_LIMIT = 200
ARTICLE_USAGE = 'JSON {"url", "title", "description"?, "published"?, "canonical_url"?}'
_STORY_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


# -- parameter parsing -------------------------------------------------------------------


def _time_param(name: str) -> float | None:
    """A time filter (since, until): epoch seconds or ISO 8601, finite."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value: float | None = float(raw)
    except ValueError:
        value = parse_time(raw)
    if value is None or not math.isfinite(value):
        raise APIError(
            400,
            f"invalid_{name}",
            f"{name} must be an ISO 8601 time (2025-01-31T12:00:00Z) or epoch seconds",
        )
    return value


def _published(value: object) -> float | None:
    """An article's time as a client gives it: within the plausible window, or a 400 naming it."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)  # ?published=1741000000 arrives as text
    try:
        return article_time(value, "published")
    except TimeInputError as exc:
        raise APIError(400, "invalid_published", str(exc)) from None


def _text_param(value: object, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise APIError(400, f"invalid_{name}", f"{name} must be a string")
    if len(value) > limit:
        raise APIError(400, f"invalid_{name}", f"{name} must be at most {limit} characters")
    # NUL and lone surrogates are dropped here as the store would: the same on both backends.
    return storable(value).strip()


def _resolve(value: object, name: str = "url") -> Resolution:
    """The URL's canonical form and outlet, from one parse; a clear 400 for anything else."""
    if not isinstance(value, str) or not value.strip():
        raise APIError(400, f"missing_{name}", f"give the article's address as {name}=https://…")
    try:
        return ratings_table().resolve(value)
    except URLInputError as exc:
        # The resolver's words name "url"; a canonical_url's problem must name that field.
        message = exc.message
        if name != "url" and message.startswith("url "):
            message = name + message[3:]
        raise APIError(400, f"invalid_{name}", message) from None


def _canonical(value: object, name: str = "url") -> str:
    return _resolve(value, name).resolved_url


MAX_CURSOR = 200
_CURSOR_USAGE = (
    "cursor must be the next or prev value of an earlier /v1/stories answer, given as it was;"
    " leave it out for the latest stories"
)


def encode_cursor(direction: str, last_updated: float, story_id: str) -> str:
    """An opaque /v1/stories cursor: the direction ('o' older, 'n' newer) and the listing's
    keyset (last_updated, id) of the story a page goes on from, base64url without padding."""
    raw = f"{direction}|{last_updated!r}|{story_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _cursor_param() -> tuple[str, tuple[float, str]] | None:
    """?cursor=: decoded and checked, or a 400 saying what to give instead (never a 500:
    anything a client sends is only read as a cursor this module could have written)."""
    given = request.args.getlist("cursor")
    if not given or given == [""]:
        return None
    raw = given[0]
    if len(given) > 1 or len(raw) > MAX_CURSOR or not _CURSOR_RE.fullmatch(raw):
        raise APIError(400, "invalid_cursor", _CURSOR_USAGE)
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
        direction, when, story_id = text.split("|")
        value = float(when) if len(when) <= 32 else math.nan
    except (ValueError, binascii.Error):
        raise APIError(400, "invalid_cursor", _CURSOR_USAGE) from None
    # Only a cursor encode_cursor wrote: its time as repr wrote a stored one (float() also
    # reads ' 1 ', '1_0', '-0.0'), within the calendar every stored time is in, and a whole
    # story id (the pattern's $ also matches before a final newline).
    if (
        direction not in ("o", "n")
        or not math.isfinite(value)
        or when != repr(value)
        or when.startswith("-")  # (-0.0 too)
        or iso(value) is None
        or not _STORY_ID_RE.fullmatch(story_id)
    ):
        raise APIError(400, "invalid_cursor", _CURSOR_USAGE)
    return direction, (value, story_id)


_CURSOR_RE = re.compile(r"[A-Za-z0-9_\-]+")


# -- views ------------------------------------------------------------------------------


@bp.get("/v1/stories")
def stories() -> ResponseReturnValue:
    since = _time_param("since")
    until = _time_param("until")
    hours = request.args.get("hours")
    if hours:
        back = query_int("hours", 24, 1, 24 * 365)
        latest = fresh_engine().now
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
    cursor = _cursor_param()
    direction, mark = cursor if cursor is not None else ("o", None)
    newer = direction == "n"
    eng = engine()
    store = eng.store
    listed = functools.partial(
        store.stories,
        since=since,
        until=until,
        blindspot=blindspot,
        digests=False,
        ratings=eng.digest_ratings,
    )
    # One more than asked tells whether a page lies beyond this one.
    if newer:
        found = listed(limit=limit + 1, newer_than=mark)
    else:
        found = listed(limit=limit + 1, older_than=mark)
    rows = found[-limit:] if newer else found[:limit]
    more = len(found) > limit
    # The other way, a page lies only where a story does: the page a cursor came from may be
    # gone (its stories updated, merged or removed since) or never was (a cursor of another
    # listing), and a link to an empty page is no page. Read from this page's edge, or from
    # the cursor's mark when this page is empty.
    turn: tuple[float, str] | None = None
    if mark is not None:
        edge = (rows[-1] if newer else rows[0]) if rows else None
        turn = mark if edge is None else (edge.last_updated, edge.id)
    if newer:
        older_exists = turn is not None and bool(listed(limit=1, older_than=turn))
        newer_exists = more
    else:
        older_exists = more
        newer_exists = turn is not None and bool(listed(limit=1, newer_than=turn))
    older_from = (rows[-1].last_updated, rows[-1].id) if rows else turn
    newer_from = (rows[0].last_updated, rows[0].id) if rows else turn
    demo = demo_story_ids(store) if rows else frozenset()
    return jsonify(
        {
            "stories": [listing_json(r, demo) for r in rows],
            "count": len(rows),
            "next": encode_cursor("o", *older_from)
            if older_exists and older_from is not None
            else None,
            "prev": encode_cursor("n", *newer_from)
            if newer_exists and newer_from is not None
            else None,
        }
    )


@bp.get("/v1/stories/<story_id>")
def story(story_id: str) -> ResponseReturnValue:
    if not _STORY_ID_RE.match(story_id):
        raise APIError(
            400, "invalid_story_id", "a story id is letters, digits and -_.: (at most 64)"
        )
    eng = engine()
    state = eng.story_state(story_id)
    if state is None:
        raise APIError(404, "story_not_found", f"no story {story_id}; list them at /v1/stories")
    body = _summary_body(eng, state)
    if state.row.id != story_id:
        body = encoded_json({**json.loads(body), "merged_from": story_id})
    response = Response(body, mimetype="application/json")
    # The version names the body: a client that has it revalidates for one story row read.
    response.set_etag(state.version)
    return response.make_conditional(request)


def _summary_body(eng: Engine, state: StoryState) -> bytes:
    """The story's summary as JSON, encoded once per version (story_bodies)."""
    return story_bodies().body(
        f"json:{state.version}", lambda: encoded_json(eng.snapshot(state).summary)
    )


@bp.get("/v1/related")
def related() -> ResponseReturnValue:
    url = _canonical(request.args.get("url"))
    title = _text_param(request.args.get("title"), "title", MAX_TITLE)
    text = _text_param(request.args.get("text"), "text", MAX_TEXT)
    published = _published(request.args.get("published"))
    return _json_response(_related(url, title, text, published))


def _json_response(answer: dict[str, Any] | bytes) -> Response:
    if isinstance(answer, bytes):
        return Response(answer, mimetype="application/json")
    return jsonify(answer)


@bp.post("/v1/articles")
def articles() -> ResponseReturnValue:
    body = json_body(MAX_BODY_BYTES, ARTICLE_USAGE)
    if not isinstance(body, dict):
        raise APIError(
            400, "invalid_body", f"send {ARTICLE_USAGE} with Content-Type: application/json"
        )
    page = _resolve(body.get("url"))
    url = page.resolved_url
    canonical_given = body.get("canonical_url")
    if canonical_given not in (None, ""):
        canonical = _canonical(canonical_given, "canonical_url")
        # A page may only speak for its own site: a canonical on another host is ignored.
        if _host(canonical) == _host(url):
            url = canonical
    if page.shortener:
        raise APIError(
            400, "shortener_url", "send the page's own URL, not a link shortener's (t.co, bit.ly …)"
        )
    title = _text_param(body.get("title"), "title", MAX_TITLE)
    if not title:
        raise APIError(400, "missing_title", 'give the page\'s title as "title"')
    description = _text_param(body.get("description"), "description", MAX_TEXT)
    published = _published(body.get("published"))
    eng = fresh_engine()
    stored = False
    if current_app.config.get("STORE_SUBMITTED_ARTICLES"):
        result = shared_ingest(
            eng, [RawArticle(title=title, text=description, url=url, published=published)]
        )
        stored = result.added > 0
    payload = _related(url, title, description, published, allow_fetch=False)
    if isinstance(payload, bytes):
        payload = json.loads(payload)
    payload["stored"] = stored
    return jsonify(payload)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")


def _site(url: str) -> str:
    """The host an article key keeps: www., m., amp. and mobile. copies are one site."""
    return _host(article_key(url))


def _related(
    url: str, title: str, text: str, published: float | None, *, allow_fetch: bool = True
) -> dict[str, Any] | bytes:
    """The related answer: a payload, or (a stored article's story) its encoded bytes."""
    eng = fresh_engine()
    payload: dict[str, Any] = {"url": url, "match": "none", "story": None, "candidates": []}
    stored = eng.stored_story(url)
    art, state = stored if stored is not None else (None, None)
    if art is None and not title and allow_fetch and current_app.config.get("FETCH_PAGES"):
        page = _fetch_page(url, payload)
        if page is not None:
            title = page.title or ""
            text = text or page.description or ""
            published = published or page.published
            if page.canonical_url:
                with contextlib.suppress(URLInputError):
                    canonical = canonical_url(page.canonical_url)
                    # As for POST /v1/articles: a page speaks only for its own site, so a page
                    # naming another site's stored article as its canonical is not that article.
                    if _site(canonical) == _site(url):
                        stored = eng.stored_story(canonical)
                        art, state = stored if stored is not None else (None, None)
    if state is not None:
        payload["match"] = "stored"
        return json_with(payload, "story", _summary_body(eng, state))
    if not title:
        payload["hint"] = (
            "add &title=… (and &published=…) to match an article the service has not seen"
        )
        return payload
    # The outlet's language picks the stories to compare with (the text's when it has none).
    try:
        outlet_id = eng.outlet_id(eng.ratings.resolve(url), None)
    except URLInputError:
        outlet_id = None
    # The candidates' rows come with the reads that find them (no read after).
    for row, score in eng.match_stories(title, text, published, limit=5, outlet_id=outlet_id):
        payload["candidates"].append({"score": score, "story": listing_json(row)})
    if payload["candidates"]:
        payload["match"] = "similar"
    return payload


def _fetch_page(url: str, payload: dict[str, Any]) -> Any:
    fetcher: Callable[[str], FetchResult] = current_app.extensions.get(
        FETCHER_KEY, lambda u: fetch(u, PAGE_POLICY)
    )
    slots: FetchSlots = current_app.extensions[SLOTS_KEY]
    try:
        with slots.slot():
            result = fetcher(url)
            # Read in the slot too: up to PARSE_CPU_SECONDS of a thread for a hostile page.
            return extract(decode(result.body, result.charset))
    except FetchError as exc:
        if exc.code == "busy":
            raise APIError(503, "fetch_busy", exc.message, {"Retry-After": "2"}) from None
        log.info("page fetch failed: %s", exc.detail)
        payload["fetch_error"] = {"code": exc.code, "message": exc.message}
        return None


def init_app(app: Flask) -> None:
    """Registers the coverage views and the story lookup /v1/score uses."""
    from service.web.api.stories_spec import OPENAPI_PATHS, OPENAPI_SCHEMAS

    app.register_blueprint(bp)
    app.extensions[SLOTS_KEY] = FetchSlots(int(app.config.get("FETCH_CONCURRENCY") or 1))
    app.extensions.setdefault("parallax.openapi_paths", {}).update(OPENAPI_PATHS)
    app.extensions.setdefault("parallax.openapi_schemas", {}).update(OPENAPI_SCHEMAS)
    runtime.install(app)
