"""Parallax: the Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.1.0"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Builds the app: defaults, then PARALLAX_* environment, then `test_config` overrides."""
    from service import errors, logs, security
    from service.api import docs, health, outlets, score
    from service.config import load_config
    from service.ratings import bundled_table, load_table

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(load_config(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    ratings_dir = app.config["RATINGS_DIR"]
    overrides = sorted((Path(app.config["DATA_DIR"]) / "ratings-overrides").glob("*.csv"))
    if ratings_dir or overrides:
        table = load_table(Path(ratings_dir) if ratings_dir else None, overrides)
    else:
        table = bundled_table()
    app.extensions["parallax.ratings"] = table
    app.extensions["parallax.readiness"] = []

    errors.init_app(app)
    logs.init_app(app)
    security.init_app(app)
    for module in (score, outlets, health, docs):
        module.init_app(app)
    _init_coverage(app)
    from service import auth, limits, metrics, redis_cache, resilience

    # Production: metrics first so it times everything; limits before auth (key guesses are
    # counted) and before the cache (hits are counted too).
    for production in (metrics, resilience, limits, auth, redis_cache):
        production.init_app(app)
    return app


def _init_coverage(app: Flask) -> None:
    """The coverage engine is optional at import time so the spine runs without it."""
    try:
        from service.coverage import api as coverage_api
    except ImportError:
        return
    coverage_api.init_app(app)
