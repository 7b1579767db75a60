"""Errors: every 4xx and 5xx is {"error": {"code", "message"}}, never a stack trace; a reader's
browser on a page (not the API) gets the same message as an HTML page instead."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, has_request_context, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_MESSAGES = {
    400: "the request is malformed",
    404: "there is nothing at this path; see /openapi.json for the API",
    405: "this path does not accept that method; see /openapi.json",
    413: "the request body is too large",
    415: "send the body as JSON with Content-Type: application/json",
    429: "too many requests; wait and retry",
}


class APIError(Exception):
    """An error a client can act on: its status, a stable code and a message."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


# Set by the pages blueprint: renders (status, code, message) as an HTML page.
HTML_ERRORS_KEY = "parallax.html_errors"
HTMLErrorRenderer = Callable[[int, str, str], Response]
# Paths that always answer JSON, whatever the client accepts.
_API_PREFIXES = ("/v1/", "/openapi.json", "/healthz", "/readyz", "/version", "/metrics")


def wants_html() -> bool:
    """A page's error goes out as HTML: the pages' own paths always, and any other non-API path
    when the client prefers HTML (a browser); the API keeps its JSON errors."""
    if not has_request_context() or HTML_ERRORS_KEY not in current_app.extensions:
        return False
    if request.path.startswith(_API_PREFIXES):
        return False
    if request.blueprint == "pages":
        return True
    best = request.accept_mimetypes.best_match(("application/json", "text/html"))
    return best == "text/html"


def error_response(status: int, code: str, message: str) -> Response:
    if wants_html():
        render: HTMLErrorRenderer = current_app.extensions[HTML_ERRORS_KEY]
        try:
            return render(status, code, message)
        except Exception:  # a broken error page must not hide the error: say it in JSON
            log.exception("the HTML error page failed")
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(exc: APIError) -> ResponseReturnValue:
        response = error_response(exc.status, exc.code, exc.message)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        message = _MESSAGES.get(status) or exc.description or code
        response = error_response(status, code, message)
        for key, value in exc.get_headers():
            if key.lower() in ("allow", "retry-after"):
                response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error")
        return error_response(
            500, "internal_error", "the server failed; this is our bug, not yours"
        )
