"""Liveness (/healthz), readiness (/readyz) and /version."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from service import __version__
from service.web.api import ratings_table

bp = Blueprint("health", __name__)

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
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {name: {"ok": ok, "detail": detail} for name, ok, detail in checks},
    }
    return jsonify(body), 200 if ready else 503


@bp.get("/version")
def version() -> ResponseReturnValue:
    table = ratings_table()
    return jsonify({"version": __version__, "ratings_version": table.version, "outlets": len(table)})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
