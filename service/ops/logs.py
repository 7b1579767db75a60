"""One log format for every process: each line a JSON object with time, level, logger and message,
the request id inside a request, and one line per request (method, path, status, milliseconds)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

log = logging.getLogger("parallax.request")

REQUEST_ID_HEADER = "X-Request-Id"
# An id a client or a proxy in front sent is kept when it is short and plain; else a new one.
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "parallax_request_id", default=None
)


class JSONFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id"?, ...fields}`; fields come from
    `extra={"fields": {...}}`, an exception as its type and message plus the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":"))


def configure_logging(level: str | int = "INFO") -> None:
    """JSON lines on standard error for the whole process, once; a process whose logging is
    already set up (gunicorn's, a test runner's) keeps its handlers."""
    if isinstance(level, str):
        # Empty is the default, as the settings read it (an env file's "PARALLAX_LOG_LEVEL=").
        named = logging.getLevelName(level.strip().upper() or "INFO")
        if not isinstance(named, int):
            raise ValueError(f"log level {level!r}: use DEBUG, INFO, WARNING or ERROR")
        level = named
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    root.addHandler(handler)
    root.setLevel(level)


def current_request_id() -> str | None:
    return _request_id.get()


_factory_installed = False


def _stamp_request_ids() -> None:
    """Every record created inside a request carries its id, however late it is formatted."""
    global _factory_installed
    if _factory_installed:
        return
    _factory_installed = True
    make = logging.getLogRecordFactory()

    def stamped(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        request_id = _request_id.get()
        if request_id is not None:
            record.request_id = request_id
        return record

    logging.setLogRecordFactory(stamped)


def init_app(app: Flask) -> None:
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    _stamp_request_ids()

    @app.before_request
    def _start() -> None:
        g.parallax_started = time.perf_counter()
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _CLIENT_ID.match(given) else secrets.token_hex(8)
        g.parallax_request_id = request_id
        g.parallax_request_token = _request_id.set(request_id)

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("parallax_started")
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        request_id = g.get("parallax_request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        # The query string is left out on purpose: it holds the URL the reader is reading.
        log.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round(elapsed, 2),
                }
            },
        )
        return response

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        token = g.pop("parallax_request_token", None)
        if token is not None:
            _request_id.reset(token)
