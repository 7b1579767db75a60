"""Gunicorn settings for `parallax serve` and the container; PARALLAX_* and GUNICORN_* override."""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(4, multiprocessing.cpu_count() * 2))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread whose event loop gathers each request head before a thread takes it (slow clients
# cannot hold threads) and whose own errors are JSON: service/ops/gunicorn_worker.py.
worker_class = os.environ.get(
    "GUNICORN_WORKER_CLASS", "service.ops.gunicorn_worker.GatheringThreadWorker"
)
# The ratings load and validate once in the master, then are shared copy-on-write.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
# A bound on slow leaks, not a routine: at 20,000 a worker under full load (~2,500 requests/s)
# was replaced every 8 s, each time dropping its keep-alive clients and its warm caches.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
# gunicorn's ceiling (it allows no more); the app's own bound (PARALLAX_MAX_QUERY_BYTES, 8000)
# is below it, so its JSON 414 with a hint is what a long query gets, and anything longer gets
# this worker's JSON 414.
limit_request_line = 8190
limit_request_fields = 100
accesslog = None  # the app logs one structured line per request itself
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Gunicorn's own lines (worker starts, timeouts) and the app's are the same JSON lines.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "service.ops.logs.JSONFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["error_console"],
            "propagate": False,
        },
        # Never the access log: its line holds the query string, the URL the reader is reading
        # (a logconfig_dict switches gunicorn's access log on, so it is silenced here).
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}


def post_worker_init(worker: object) -> None:
    """Open the coverage engine (restoring its window) before the worker takes requests, so no
    reader's first request pays for it. A store that is down is reported, not fatal: scoring
    from the ratings works without it, and the engine opens on the first request instead."""
    app = getattr(worker, "wsgi", None)
    if app is None or not hasattr(app, "extensions"):
        return
    try:
        from service.coverage.runtime import STORED_HOSTS_KEY, engine

        opened = engine(app)
        hosts = app.extensions.get(STORED_HOSTS_KEY)
        if hosts is not None:
            hosts.prime(opened)
    except Exception as exc:  # the worker must start even when the store does not
        log = getattr(worker, "log", None)
        if log is not None:
            log.warning("coverage engine not opened at start: %s", exc)
