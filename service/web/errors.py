"""JSON errors: every 4xx and 5xx is {"error": {"code", "message"}}, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
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


def error_response(status: int, code: str, message: str) -> Response:
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
        return error_response(500, "internal_error", "the server failed; this is our bug, not yours")
