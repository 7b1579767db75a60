"""GET /openapi.json and a human-readable /docs page generated from it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from flask.typing import ResponseReturnValue
from markupsafe import escape

from service.web.openapi import build_openapi

bp = Blueprint("docs", __name__)


def openapi_document(app: Flask) -> dict[str, Any]:
    return build_openapi(
        app.extensions.get("parallax.openapi_paths"), app.extensions.get("parallax.openapi_schemas")
    )


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(openapi_document(current_app))


@bp.get("/docs")
def docs_page() -> ResponseReturnValue:
    spec = openapi_document(current_app)
    rows = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            params = ", ".join(
                f"{p['name']}{'' if p.get('required') else '?'}" for p in op.get("parameters", [])
            )
            rows.append(
                f"<tr><td><code>{escape(method.upper())} {escape(path)}</code></td>"
                f"<td>{escape(op.get('summary', ''))}</td><td><code>{escape(params)}</code></td></tr>"
            )
    info = spec["info"]
    html = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Parallax API</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "td{padding:.3rem .8rem;border-bottom:1px solid #ddd;vertical-align:top}</style>"
        f"<h1>Parallax API {escape(info['version'])}</h1><p>{escape(info['description'])}</p>"
        "<p>Machine-readable: <a href=/openapi.json>/openapi.json</a> (OpenAPI 3.1).</p>"
        "<table><tr><th>Endpoint</th><th>What it does</th><th>Parameters</th></tr>"
        + "".join(rows)
        + "</table></html>"
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
