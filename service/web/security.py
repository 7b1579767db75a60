"""CORS for the extension and configured origins, size limits and security headers."""

from __future__ import annotations

import re

from flask import Flask, Response
from flask_cors import CORS

from service.config import cors_origins

EXTENSION_ORIGINS = [
    re.compile(r"^chrome-extension://[a-p]{32}$"),
    re.compile(r"^moz-extension://[0-9a-f\-]{36}$"),
    re.compile(r"^safari-web-extension://[0-9A-Fa-f\-]+$"),
]
MAX_BODY_BYTES = 1024 * 1024
# Set on every answer unless the view chose its own value.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'"),
)
_SECURITY_NAMES = frozenset(name.lower() for name, _ in SECURITY_HEADERS)


def init_app(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask defaults it to None: unlimited
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Each configured origin matched exactly (flask-cors would read "[" of an IPv6 origin as
    # a regular expression matched at the start only); "*" stays flask-cors's any origin.
    extra: list[str | re.Pattern[str]] = [
        o if o == "*" else re.compile(re.escape(o) + r"\Z", re.IGNORECASE)
        for o in cors_origins(app.config.get("CORS_ORIGINS", ""))
    ]
    CORS(
        app,
        resources={r"/v1/*": {"origins": [*EXTENSION_ORIGINS, *extra]}},
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "If-None-Match", "Authorization", "X-API-Key"],
        expose_headers=["ETag", "Retry-After"],
        max_age=86400,
    )

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 (Headers, not dict)
        if present.isdisjoint(_SECURITY_NAMES):
            headers.extend(SECURITY_HEADERS)  # the usual case: one call, not five searches
        else:  # a view set some of them itself: keep its values
            for name, value in SECURITY_HEADERS:
                if name.lower() not in present:
                    headers.add(name, value)
        return response
