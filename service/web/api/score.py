"""GET /v1/score and POST /v1/lookup: URLs to their outlet's lean and factuality."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from service.core.scoring import error_object, score_json, score_url
from service.core.urls import URLInputError
from service.web.api import ratings_table, story_lookup
from service.web.body import json_body
from service.web.errors import APIError

bp = Blueprint("score", __name__)
LOOKUP_USAGE = 'JSON {"urls": ["https://…", …]}'


def _url_params() -> list[str]:
    """The ?url= values, as request.args would give them; the common lone ASCII `url=` is read
    straight from the query string (request.args builds a MultiDict of every pair)."""
    query = request.environ.get("QUERY_STRING", "")
    if query.startswith("url=") and "&" not in query and query.isascii():
        # What parse_qsl (behind request.args) does with one pair: "+" is a space, then
        # percent-decoding, with werkzeug's handler keeping invalid UTF-8 percent-encoded.
        # (For ASCII text, unquote is exactly this on its one chunk.)
        return [unquote_to_bytes(query[4:].replace("+", " ")).decode("utf-8", "werkzeug.url_quote")]
    return request.args.getlist("url")


@bp.get("/v1/score")
def score() -> ResponseReturnValue:
    urls = _url_params()
    if not urls:
        raise APIError(400, "missing_url", "add the article URL as ?url=https://…")
    if len(urls) > 1:
        raise APIError(400, "too_many_urls", "give one ?url=; use POST /v1/lookup for several")
    try:
        body = score_json(ratings_table(), urls[0], story_lookup())
    except URLInputError as exc:
        raise APIError(400, "invalid_url", exc.message) from None
    return Response(body, mimetype="application/json")


@bp.post("/v1/lookup")
def lookup() -> ResponseReturnValue:
    body = json_body(current_app.config["MAX_CONTENT_LENGTH"], LOOKUP_USAGE)
    if not isinstance(body, dict) or "urls" not in body:
        raise APIError(
            400, "invalid_body", f"send {LOOKUP_USAGE} with Content-Type: application/json"
        )
    urls = body["urls"]
    limit = current_app.config["LOOKUP_MAX_URLS"]
    if not isinstance(urls, list):
        raise APIError(400, "invalid_body", '"urls" must be a list of URL strings')
    if len(urls) > limit:
        raise APIError(
            400, "too_many_urls", f"send at most {limit} URLs per request; got {len(urls)}"
        )
    table = ratings_table()
    results: list[dict[str, Any]] = []
    for url in urls:
        try:
            results.append(score_url(table, url))
        except URLInputError as exc:
            results.append(error_object(url, exc))
    return jsonify({"results": results})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
