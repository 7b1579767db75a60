"""One structured (JSON) log line per request: method, path, status, milliseconds."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("parallax.request")


def init_app(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"), format="%(message)s")

    @app.before_request
    def _start_timer() -> None:
        g.parallax_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("parallax_started")
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        # The query string is left out on purpose: it holds the URL the reader is reading.
        log.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round(elapsed, 2),
                },
                separators=(",", ":"),
            )
        )
        return response
