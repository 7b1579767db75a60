"""CORS for the extension and configured origins, size limits and security headers."""

from __future__ import annotations

import re

from flask import Flask, Response
from flask_cors import CORS

EXTENSION_ORIGINS = [
    re.compile(r"^chrome-extension://[a-p]{32}$"),
    re.compile(r"^moz-extension://[0-9a-f\-]{36}$"),
    re.compile(r"^safari-web-extension://[0-9A-Fa-f\-]+$"),
]
MAX_BODY_BYTES = 1024 * 1024


def init_app(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask defaults it to None: unlimited
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    extra = [o.strip() for o in str(app.config.get("CORS_ORIGINS", "")).split(",") if o.strip()]
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
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
        headers.setdefault(
            "Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'"
        )
        return response
