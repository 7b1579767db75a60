"""The HTML pages a reader opens: stories, blindspots, outlets, a pasted URL, the feeds, errors.

Server-rendered with Flask's Jinja2 (autoescape on), no front-end framework; the one script only
filters a story's articles in place and no page needs it to be read. Story numbers come from
the very summary /v1/stories/<id> returns (service/coverage/summary.py via the engine), put into
words by models.py."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from service.core.ratings_schema import COUNTRIES, FACTUALITY, LEANS
from service.core.scoring import score_url
from service.core.times import iso
from service.core.urls import URLInputError
from service.coverage import summary as story_summary
from service.coverage.demo import demo_story_ids
from service.coverage.runtime import engine
from service.coverage.summary import listing_json
from service.ingest.feeds import FEED_STATES, FeedSource, feed_statuses
from service.web.api import ratings_table, story_lookup
from service.web.api.outlets import matching_outlets
from service.web.errors import HTML_ERRORS_KEY, APIError
from service.web.pages import models
from service.web.story_bodies import story_bodies

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

# Scripts and styles from this origin only; no inline script, no plug-ins, no framing.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
FRONT_STORIES = 30
BLINDSPOT_STORIES = 30
OUTLET_STORIES = 20
OUTLETS_PER_PAGE = 50
FEEDS_PER_PAGE = 100
MAX_QUERY = 200
MAX_PAGE = 100_000
_STORY_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
MAX_OUTLET_ID = 300


@functools.cache
def _code_version() -> str:
    """A digest of the code that turns a page's inputs into its bytes (this package: views,
    models, templates, styles) and of the labels it prints: the same on every worker and host
    running this code, different after any change to it."""
    digest = hashlib.blake2b(digest_size=16)
    here = Path(__file__).resolve().parent
    sources = sorted(p for p in here.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in [*sources, Path(__file__).resolve().parents[2] / "core" / "ratings_schema.py"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _plain(value: object) -> object:
    """JSON for the dataclass rows a page is made from."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"a page input must be JSON-able, not {type(value).__name__}")


def page_etag(template: str, inputs: object) -> str:
    """The ETag of a page: a digest of everything its bytes depend on (its inputs, the template,
    the code, where the app is mounted), computed without rendering it."""
    key = json.dumps(
        [_code_version(), template, request.endpoint, request.script_root, inputs],
        sort_keys=True,
        separators=(",", ":"),
        default=_plain,
    )
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def _page(
    template: str, inputs: object, context: Callable[[], dict[str, Any]], *, keep: bool = False
) -> Response:
    """A page with its CSP and an ETag of its inputs. A reader who already has that ETag gets a
    304 before the page's view model is built or its template rendered (the costly part of a
    500-article story); `context` is only called for a page that is sent. With `keep` (inputs
    that name the page's content exactly, as a story's version does) the rendered bytes are
    kept by ETag (story_bodies) for the next reader."""
    etag = page_etag(template, inputs)
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    elif keep:
        body = story_bodies().body(
            f"page:{etag}", lambda: render_template(template, **context()).encode()
        )
        response = make_response(body)
        response.mimetype = "text/html"
    else:
        response = make_response(render_template(template, **context()))
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    return response


def render_error(status: int, code: str, message: str) -> Response:
    """The HTML error page: what went wrong in words, and a way back."""
    titles = {
        400: "That request cannot be answered",
        404: "Nothing here",
        405: "Not allowed here",
        413: "Too large",
        414: "That address is too long",
        429: "Too many requests",
    }
    title = titles.get(status, "Something went wrong" if status >= 500 else "Cannot do that")
    message = message[:1].upper() + message[1:]
    if not message.endswith((".", "!", "?")):
        message += "."
    response = make_response(
        render_template("pages/error.html", status=status, code=code, message=message, title=title),
        status,
    )
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    """An optional query parameter that must be one of `allowed`; a clear 400 otherwise."""
    value = request.args.get(name, "")
    if value == "":
        return None
    if value not in allowed:
        shown = ", ".join(allowed)
        raise APIError(400, f"invalid_{name}", f"{name} must be one of: {shown}")
    return value


def _page_number(name: str = "page") -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return 1
    # ASCII digits only, and few: str.isdigit takes "²" and int() refuses it (or 5,000 digits).
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not 1 <= int(raw) <= MAX_PAGE:
        raise APIError(
            400, f"invalid_{name}", f"{name} must be a whole number from 1 to {MAX_PAGE}"
        )
    return int(raw)


def _text(name: str, limit: int = MAX_QUERY) -> str:
    value = request.args.get(name, "").strip()
    if len(value) > limit:
        raise APIError(400, f"invalid_{name}", f"{name} must be at most {limit} characters")
    return value


# -- pages ----------------------------------------------------------------------------------


def _epoch_arg(name: str) -> float | None:
    """A front page cursor's time (?before=, ?newer=): epoch seconds, as the pager's links
    write it."""
    given = request.args.getlist(name)
    raw = given[0] if len(given) == 1 else "" if not given else "twice"
    if raw == "":
        return None
    try:
        value = float(raw) if raw.isascii() and len(raw) <= 32 else math.nan
    except ValueError:
        value = math.nan
    # A time no calendar shows (past the year 9999) was a page "last updated up to ." A repeated
    # ?before= is refused, not one of them taken silently.
    if not math.isfinite(value) or value < 0 or iso(value) is None:
        link = "'Older stories'" if name == "before" else "'Newer stories'"
        raise APIError(
            400,
            f"invalid_{name}",
            f"{name} must be given once, a time in seconds since 1970 up to the year 9999, as"
            f" the {link} link gives it",
        )
    return value


def _before() -> float | None:
    """The front page's ?before=: a time (epoch seconds, as the 'Older stories' link writes
    it), the page then listing the stories last updated up to it."""
    return _epoch_arg("before")


def _story_arg(name: str, time_name: str, link: str) -> str | None:
    """A front page cursor's story id (?after= with ?before=, ?than= with ?newer=)."""
    given = request.args.getlist(name)
    if not given:
        return None
    if len(given) > 1 or not _STORY_ID_RE.match(given[0]) or time_name not in request.args:
        raise APIError(
            400,
            f"invalid_{name}",
            f"{name} must be given once, with {time_name}, a story id as the {link} link gives it",
        )
    return given[0]


def _after() -> str | None:
    """The front page's ?after=: the id of the last story the page before listed (the 'Older
    stories' link writes it with that story's ?before= time)."""
    return _story_arg("after", "before", "'Older stories'")


def _newer() -> tuple[float, str] | None:
    """The front page's ?newer=&than=: the time and id of the first story the page after
    listed (the 'Newer stories' link): the page then lists the stories just before it."""
    if "newer" not in request.args and "than" not in request.args:
        return None
    if "before" in request.args or "after" in request.args:
        raise APIError(
            400,
            "invalid_newer",
            "newer and than page towards the latest stories, before and after away from"
            " them: give one pair, as the pager's links give it",
        )
    time = _epoch_arg("newer")
    story_id = _story_arg("than", "newer", "'Newer stories'")
    if time is None or story_id is None:
        raise APIError(
            400,
            "invalid_newer",
            "newer and than go together: a time and a story id, as the 'Newer stories' link"
            " gives them",
        )
    return time, story_id


Cursor = tuple[float, str]


def _front_rows(
    store: Any, ratings: Any, before: float | None, after: str | None, newer: Cursor | None
) -> tuple[list[Any], Cursor | None, Cursor | None]:
    """A page of the most recently updated stories from the cursor, with the cursors of the
    pages beside it: (rows, older, newer), a cursor being the (last_updated, id) of the story
    the next page goes on from, None where no story lies that way. `before` alone lists those
    updated up to that time; with `after`, those after that story in the listing's order;
    `newer` lists the FRONT_STORIES just before that story. The store pages by keyset
    (stories(older_than=, newer_than=)), so any number of stories updated at one instant (a
    file of undated articles) are paged through, each exactly once, either way."""
    limit = FRONT_STORIES + 1
    # The way a page came from lies only where a story does (the stories of the page before
    # may have been updated, merged or removed since, or the link was made up): one is read.
    if newer is not None:
        seq = store.stories(newer_than=newer, limit=limit, digests=False)
        more_newer = len(seq) > FRONT_STORIES
        page = seq[-FRONT_STORIES:]
        more_older = bool(page) and bool(
            store.stories(older_than=(page[-1].last_updated, page[-1].id), limit=1, digests=False)
        )
    else:
        if before is not None and after is not None:
            seq = store.stories(older_than=(before, after), limit=limit, digests=False)
        else:
            seq = store.stories(until=before, limit=limit, digests=False)
        page = seq[:FRONT_STORIES]
        more_older = len(seq) > FRONT_STORIES
        more_newer = (
            before is not None
            and bool(page)
            and bool(
                store.stories(newer_than=(page[0].last_updated, page[0].id), limit=1, digests=False)
            )
        )
    rows = store.rated_rows(page, ratings)
    older_mark = (page[-1].last_updated, page[-1].id) if more_older else None
    newer_mark = (page[0].last_updated, page[0].id) if more_newer else None
    return rows, older_mark, newer_mark


def _languages(store: Any, listing: list[dict[str, Any]]) -> dict[str, str | None]:
    """The lang of each listed story's headline (models.listing_language), from the outlets of
    the titles it is chosen from: one read for the whole list. Part of a list page's inputs, so
    its ETag changes with them."""
    sources = store.headline_sources([str(s["id"]) for s in listing]) if listing else {}
    table = ratings_table()
    outlets: dict[str, object] = {}

    def outlet(outlet_id: str) -> object:
        if outlet_id not in outlets:
            found = table.get(outlet_id) if outlet_id else None
            outlets[outlet_id] = {"language": found.language} if found is not None else None
        return outlets[outlet_id]

    languages: dict[str, str | None] = {}
    for story in listing:
        story_id = str(story["id"])
        pairs = [(outlet(o), t) for o, t in sources.get(story_id, ())]
        language = models.listing_language(str(story.get("headline") or ""), pairs)
        if language is not None:
            languages[story_id] = language
    return languages


@bp.get("/")
def front() -> ResponseReturnValue:
    eng = engine()
    store = eng.store
    before = _before()
    after = _after()
    newer = _newer()
    rows, older, newer_page = _front_rows(store, eng.digest_ratings, before, after, newer)
    if newer is not None:
        if not rows:  # nothing is newer now: the latest stories are
            return redirect(url_for("pages.front"), 302)
        before = rows[0].last_updated  # (the page lists the stories up to its first)
    demo = demo_story_ids(store)
    listing = [listing_json(r, demo) for r in rows]
    interval = int(current_app.config.get("INGEST_INTERVAL") or 0)
    shown = {
        "ingest_enabled": bool(current_app.config.get("INGEST_ENABLED")),
        "interval_minutes": max(1, math.ceil(interval / 60)) if interval else None,
        "feed_count": len(ratings_table().feeds),
        "before": repr(before) if before is not None else None,
        "before_text": _epoch_text(before),
        # the pages' cursors: ?before=&after= (older), ?newer=&than= (newer)
        "older": {"before": repr(older[0]), "after": older[1]} if older is not None else None,
        "newer": {"newer": repr(newer_page[0]), "than": newer_page[1]}
        if newer_page is not None
        else None,
    }
    languages = _languages(store, listing)
    return _page(
        "pages/front.html",
        [listing, languages, shown],
        lambda: {"stories": models.story_items(listing, languages), **shown},
    )


@bp.get("/stories/<story_id>")
def story(story_id: str) -> ResponseReturnValue:
    if not _STORY_ID_RE.match(story_id):
        raise APIError(404, "story_not_found", "there is no story with that id")
    side = _choice("side", models.SIDE_ORDER)
    factuality = _choice("factuality", models.FACTUALITY_ORDER)
    eng = engine()
    # The story's version, not its summary, makes the ETag: a revalidation reads one row.
    state = eng.story_state(story_id)
    if state is None:
        raise _no_story(story_id)
    version = {"id": state.row.id, "version": state.version}
    if state.row.id != story_id:  # merged into another story: its page is the survivor's
        target = url_for("pages.story", story_id=state.row.id)
        query = request.query_string.decode("ascii", "replace")
        return redirect(f"{target}?{query}" if query else target, 301)
    filters = models.Filters(side=side, factuality=factuality)
    # One url_for for the prefix: werkzeug's builder costs ~1 ms a call, 500 on a big story.
    outlet_base = url_for("pages.outlet", outlet_id="_")[:-1]

    def context() -> dict[str, Any]:
        # The summary of that version (its articles read after the row: a story that changed
        # meanwhile is sent newer than its ETag says, which costs the next revalidation a
        # 200, never a stale page).
        summary = eng.snapshot(state).summary
        return {"story": models.story_page(summary, filters), "outlet_base": outlet_base}

    return _page("pages/story.html", [version, side, factuality, outlet_base], context, keep=True)


def _no_story(story_id: str) -> APIError:
    return APIError(
        404, "story_not_found", f"there is no story {story_id}; it may have been removed"
    )


@bp.get("/blindspots")
def blindspots() -> ResponseReturnValue:
    eng = engine()
    store = eng.store
    demo = demo_story_ids(store)
    rated = eng.digest_ratings
    # A blindspot "for the left" is a story the right covered and the left barely did.
    for_left = [
        listing_json(r, demo)
        for r in store.stories(
            blindspot="right", limit=BLINDSPOT_STORIES, digests=False, ratings=rated
        )
    ]
    for_right = [
        listing_json(r, demo)
        for r in store.stories(
            blindspot="left", limit=BLINDSPOT_STORIES, digests=False, ratings=rated
        )
    ]
    # The rule in words from the very thresholds the summary applies (the page wrote its own
    # copy of them).
    rule = {
        "min_rated": story_summary.BLINDSPOT_MIN_RATED,
        "share": models.percent(story_summary.BLINDSPOT_SHARE),
        "opposite": models.percent(story_summary.BLINDSPOT_OPPOSITE_MAX),
    }
    languages = _languages(store, for_left + for_right)
    return _page(
        "pages/blindspots.html",
        [for_left, for_right, languages, rule],
        lambda: {
            "for_left": models.story_items(for_left, languages),
            "for_right": models.story_items(for_right, languages),
            "rule": rule,
        },
    )


@bp.get("/outlets")
def outlets() -> ResponseReturnValue:
    query = _text("q")
    lean = _choice("lean", LEANS)
    factuality = _choice("factuality", FACTUALITY)
    country = request.args.get("country", "").strip().upper() or None
    if country is not None and country not in COUNTRIES:
        raise APIError(
            400, "invalid_country", "country must be a two-letter ISO 3166-1 code, such as US or DE"
        )
    page = _page_number()
    table = ratings_table()
    params = {
        k: v
        for k, v in {"q": query, "lean": lean, "factuality": factuality, "country": country}.items()
        if v
    }

    def context() -> dict[str, Any]:
        matches = matching_outlets(table, query, lean=lean, factuality=factuality, country=country)
        start = (page - 1) * OUTLETS_PER_PAGE
        return {
            "outlets": [
                models.outlet_page(o.to_json()) for o in matches[start : start + OUTLETS_PER_PAGE]
            ],
            "total": len(matches),
            "page": page,
            "pages": max(1, math.ceil(len(matches) / OUTLETS_PER_PAGE)),
            "params": params,
            "query": query,
            "lean": lean,
            "factuality": factuality,
            "country": country or "",
            "leans": [(k, models.LEAN_LABELS[k]) for k in LEANS],
            "factualities": [(k, models.FACTUALITY_LABELS[k]) for k in FACTUALITY],
        }

    # The list is the ratings table's, searched: its version and the search are all it shows.
    return _page("pages/outlets.html", [table.version, params, page], context)


@bp.get("/outlets/<path:outlet_id>")
def outlet(outlet_id: str) -> ResponseReturnValue:
    found = ratings_table().get(outlet_id.lower()) if len(outlet_id) <= MAX_OUTLET_ID else None
    if found is None:
        raise APIError(
            404,
            "outlet_not_found",
            "no outlet has that id; search the outlets by name, or paste an article's address",
        )
    eng = engine()
    store = eng.store
    rows = store.outlet_stories(found.id, limit=OUTLET_STORIES, ratings=eng.digest_ratings)
    demo = demo_story_ids(store)
    rating = found.to_json()
    listing = [listing_json(r, demo) for r in rows]
    languages = _languages(store, listing)
    return _page(
        "pages/outlet.html",
        [rating, listing, languages],
        lambda: {
            "outlet": models.outlet_page(rating),
            "stories": models.story_items(listing, languages),
        },
    )


@bp.get("/score")
def score() -> ResponseReturnValue:
    urls = request.args.getlist("url")
    if len(urls) > 1:
        raise APIError(400, "too_many_urls", "give one address at a time")
    url = urls[0].strip() if urls else ""
    if not url:
        return _page("pages/score.html", "", lambda: {"url": "", "result": None})
    try:
        result = score_url(ratings_table(), url, story_lookup())
    except URLInputError as exc:
        raise APIError(400, "invalid_url", exc.message) from None
    outlet_json = result.get("outlet")
    story = result.get("story")
    return _page(
        "pages/score.html",
        [url, result],
        lambda: {
            "url": url,
            "result": result,
            "outlet": models.outlet_page(outlet_json) if outlet_json else None,
            "story": story,
            "story_headline": str(story.get("headline") or "") if story else "",
        },
    )


@bp.get("/feeds")
def feeds() -> ResponseReturnValue:
    state = _choice("state", FEED_STATES)
    page = _page_number()
    sources = [FeedSource(f.outlet_id, f.url) for f in ratings_table().feeds]
    statuses = feed_statuses(sources, engine().store.feed_states())
    counts = {name: sum(1 for s in statuses if s.state == name) for name in FEED_STATES}
    chosen = [s for s in statuses if state is None or s.state == state]
    start = (page - 1) * FEEDS_PER_PAGE
    shown = {
        "feeds": chosen[start : start + FEEDS_PER_PAGE],
        "counts": counts,
        "total": len(statuses),
        "state": state,
        "page": page,
        "pages": max(1, math.ceil(len(chosen) / FEEDS_PER_PAGE)),
        "ingest_enabled": bool(current_app.config.get("INGEST_ENABLED")),
        "interval": int(current_app.config.get("INGEST_INTERVAL") or 0),
    }
    return _page("pages/feeds.html", shown, lambda: shown)


# -- template helpers -----------------------------------------------------------------------


def _epoch_text(value: float | None) -> str:
    return models.when(iso(value)) if value is not None else ""


def _epoch_iso(value: float | None) -> str:
    return iso(value) or ""


def _finalize(value: object) -> object:
    """Every value a template writes, before it is escaped: a text has its directional controls
    balanced (models.balanced_bidi), so no title, name or point can reorder the words the page
    writes after it, in a <title>, an attribute or a line of text alike. Markup (a macro's
    output, made of values already finalized) is left as it is."""
    # (the search inline: this runs for every value of a 500-article page)
    if type(value) is str and _has_bidi_control(value) is not None:  # not Markup: a subclass
        return models.balanced_bidi(value)
    return value


_has_bidi_control = models.BIDI_CONTROL_RE.search


def init_app(app: Flask) -> None:
    """Registers the pages, their template helpers and the HTML error pages."""
    app.register_blueprint(bp)
    app.jinja_env.finalize = _finalize
    app.extensions[HTML_ERRORS_KEY] = render_error
    app.jinja_env.filters["epoch_text"] = _epoch_text
    app.jinja_env.filters["epoch_iso"] = _epoch_iso
    app.jinja_env.globals["side_labels"] = models.SIDE_LABELS
