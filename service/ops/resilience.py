"""Storage failures as clear answers: data-dir checks, store readiness, 503 when it is away."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import uuid
from pathlib import Path

from flask import Flask, Response

from service.web.errors import error_response

log = logging.getLogger(__name__)


def check_data_dir(path: str | Path) -> None:
    """Raises ValueError naming the directory and the fix when it cannot hold the store."""
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".write-test-{uuid.uuid4().hex}"
        with probe.open("wb") as handle:
            handle.write(b"parallax")
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"PARALLAX_DATA_DIR={directory}: {describe_os_error(exc)}") from None


def describe_os_error(exc: OSError) -> str:
    """What an OS error on the data directory means for the person running the service."""
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            "the directory is read-only for this user; make it writable or point "
            "PARALLAX_DATA_DIR elsewhere"
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the device; free space or move PARALLAX_DATA_DIR"
    return f"cannot write there ({exc.strerror or type(exc).__name__})"


def describe_sqlite_error(exc: sqlite3.OperationalError) -> str | None:
    """A person-readable reason for the SQLite failures caused by the data directory."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "the data directory is read-only or missing; make PARALLAX_DATA_DIR writable"
    if "full" in text:
        return "the data directory's disk is full; free space or move PARALLAX_DATA_DIR"
    if "locked" in text or "busy" in text:
        return "the store is busy; retry shortly"
    return None


def store_check(app: Flask) -> tuple[str, bool, str]:
    """Readiness of the coverage store: it opens and answers a trivial query."""
    from service.coverage.runtime import engine

    return engine(app).store.ping()


def init_app(app: Flask) -> None:
    if not app.config.get("DATABASE_URL"):
        check_data_dir(app.config["DATA_DIR"])

    def database() -> tuple[str, bool, str]:
        try:
            return store_check(app)
        except Exception as exc:  # readiness reports; it never raises
            return ("database", False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    app.extensions.setdefault("parallax.readiness", []).append(database)

    try:
        import psycopg

        from service.store.postgres import StoreUnavailable
    except ImportError:  # pragma: no cover - psycopg is a dependency; tolerate a slim install
        psycopg = None  # type: ignore[assignment]
        StoreUnavailable = None  # type: ignore[assignment,misc]

    if psycopg is not None:

        @app.errorhandler(StoreUnavailable)
        @app.errorhandler(psycopg.OperationalError)
        def _database_away(exc: Exception) -> Response:
            log.warning("store unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
            response = error_response(
                503,
                "store_unavailable",
                "the coverage store is unreachable; scoring still works, retry stories shortly",
            )
            response.headers["Retry-After"] = "10"
            return response

    @app.errorhandler(sqlite3.OperationalError)
    def _sqlite_failed(exc: sqlite3.OperationalError) -> Response:
        reason = describe_sqlite_error(exc)
        cause = exc.__context__
        if reason is None and isinstance(cause, sqlite3.OperationalError):
            # A failed COMMIT (disk full) rolls back by itself; the store's own ROLLBACK then
            # fails with "no transaction is active" and hides the reason. Report the reason.
            reason = describe_sqlite_error(cause)
        if reason is None:
            log.exception("sqlite error")
            return error_response(
                500, "internal_error", "the server failed; this is our bug, not yours"
            )
        log.error("store error: %s", reason)
        response = error_response(503, "store_unavailable", reason)
        response.headers["Retry-After"] = "30"
        return response
