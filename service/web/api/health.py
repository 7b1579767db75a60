"""Liveness (/healthz), readiness (/readyz) and /version."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from service import __version__
from service.web.api import ratings_table

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
PUBLIC_FAILURES = {"database": "store unavailable", "ratings": "ratings not loaded"}

# A readiness check returns (name, ok, detail); other parts register theirs in
# app.extensions["parallax.readiness"].
ReadinessCheck = Callable[[], tuple[str, bool, str]]


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    table = ratings_table()
    checks = [("ratings", len(table) > 0, f"{len(table)} outlets")]
    for check in current_app.extensions.get("parallax.readiness", []):
        try:
            checks.append(check())
        except Exception as exc:  # a failing dependency must read as "not ready", not a 500
            checks.append((getattr(check, "__name__", "check"), False, type(exc).__name__))
    ready = all(ok for _, ok, _ in checks)
    shown: dict[str, dict[str, object]] = {}
    for name, ok, detail in checks:
        if not ok:
            # Anyone may ask /readyz: why a dependency failed (its host, port, driver message)
            # goes to the operator's log only.
            log.warning("not ready: %s: %s", name, detail)
            detail = PUBLIC_FAILURES.get(name, f"{name} unavailable")
        shown[name] = {"ok": ok, "detail": detail}
    body = {"status": "ready" if ready else "not ready", "checks": shown}
    return jsonify(body), 200 if ready else 503


@bp.get("/version")
def version() -> ResponseReturnValue:
    table = ratings_table()
    return jsonify(
        {"version": __version__, "ratings_version": table.version, "outlets": len(table)}
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
