"""GET /v1/outlets (search and browse), /v1/outlets/{id}, and the cached whole-table export."""

from __future__ import annotations

import gzip
import threading

from flask import Blueprint, Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from service.core.ratings import RatingsTable, export_json
from service.core.ratings_schema import COUNTRIES, FACTUALITY, KINDS, LEANS, Outlet
from service.web.api import query_int, ratings_table
from service.web.errors import APIError

bp = Blueprint("outlets", __name__)

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 200
MAX_QUERY_LENGTH = 200

_export_cache: dict[str, tuple[bytes, bytes]] = {}
_export_lock = threading.Lock()


def _export_bodies(table: RatingsTable) -> tuple[bytes, bytes]:
    """The export as (plain, gzip) bytes, built once per table version."""
    with _export_lock:
        cached = _export_cache.get(table.version)
        if cached is None:
            plain = export_json(table)
            cached = (plain, gzip.compress(plain, compresslevel=9, mtime=0))
            _export_cache.clear()
            _export_cache[table.version] = cached
        return cached


def matching_outlets(
    table: RatingsTable,
    query: str = "",
    *,
    lean: str | None = None,
    factuality: str | None = None,
    country: str | None = None,
    kind: str | None = None,
) -> list[Outlet]:
    """The outlets matching a search (casefolded name, id or alias substring) and the filters,
    by name: what /v1/outlets and the /outlets page both list."""
    query = query.strip().casefold()
    matches = [
        o
        for o in table.outlets.values()
        if (lean is None or o.lean == lean)
        and (factuality is None or o.factuality == factuality)
        and (country is None or o.country == country)
        and (kind is None or o.kind == kind)
        and (
            not query
            or query in o.name.casefold()
            or query in o.id
            or any(query in a for a in o.aliases)
        )
    ]
    matches.sort(key=lambda o: (o.name.casefold(), o.id))
    return matches


def _choice(name: str, choices: tuple[str, ...] | frozenset[str]) -> str | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value not in choices:
        shown = ", ".join(sorted(choices)) if len(choices) < 30 else "an ISO 3166-1 alpha-2 code"
        raise APIError(400, f"invalid_{name}", f"{name} '{value[:50]}' is not one of: {shown}")
    return value


@bp.get("/v1/outlets")
def list_outlets() -> ResponseReturnValue:
    query = request.args.get("q", "").strip().casefold()
    if len(query) > MAX_QUERY_LENGTH:
        raise APIError(400, "invalid_q", f"q is limited to {MAX_QUERY_LENGTH} characters")
    lean = _choice("lean", LEANS)
    factuality = _choice("factuality", FACTUALITY)
    country = request.args.get("country", "").upper() or None
    if country is not None and country not in COUNTRIES:
        raise APIError(
            400, "invalid_country", f"country '{country[:10]}' is not an ISO 3166-1 alpha-2 code"
        )
    kind = _choice("kind", KINDS)
    page = query_int("page", 1, 1, 100_000)
    per_page = query_int("per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
    matches = matching_outlets(
        ratings_table(), query, lean=lean, factuality=factuality, country=country, kind=kind
    )
    start = (page - 1) * per_page
    return jsonify(
        {
            "total": len(matches),
            "page": page,
            "per_page": per_page,
            "outlets": [o.to_json() for o in matches[start : start + per_page]],
        }
    )


@bp.get("/v1/outlets/export")
def export() -> ResponseReturnValue:
    table = ratings_table()
    plain, packed = _export_bodies(table)
    etag = f'"{table.version}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=3600",
        "Vary": "Accept-Encoding",
    }
    # If-None-Match compares weakly and takes "*" (RFC 9110 13.1.2): a proxy that compresses
    # (nginx's gzip) turns the ETag into W/"…", and its clients send that back.
    if request.if_none_match.contains_weak(etag.strip('"')) or request.if_none_match.star_tag:
        return Response(status=304, headers=headers)
    # "gzip;q=0" refuses gzip; "*" accepts it (RFC 9110 12.5.3).
    wants_gzip = request.accept_encodings["gzip"] > 0
    body = packed if wants_gzip else plain
    response = Response(body, mimetype="application/json", headers=headers)
    if wants_gzip:
        response.headers["Content-Encoding"] = "gzip"
    return response


@bp.get("/v1/outlets/<path:outlet_id>")
def get_outlet(outlet_id: str) -> ResponseReturnValue:
    outlet = ratings_table().get(outlet_id.lower())
    if outlet is None:
        raise APIError(
            404,
            "outlet_not_found",
            f"no outlet has id '{outlet_id[:100]}'; search with /v1/outlets?q=NAME or score a URL "
            "with /v1/score?url=",
        )
    return jsonify(outlet.to_json())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
