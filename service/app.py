"""The Flask application factory: configuration, the ratings table, blueprints and middleware."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Builds the app: defaults, then PARALLAX_* environment, then `test_config` overrides."""
    from service.config import load_config, validate
    from service.core.ratings import table_for_config
    from service.ops import logs
    from service.web import errors, security
    from service.web.api import docs, health, outlets, score, stories

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(load_config(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
        validate(app.config)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    app.extensions["parallax.ratings"] = table_for_config(app.config)
    app.extensions["parallax.readiness"] = []
    from service.web import story_bodies

    story_bodies.init_app(app)

    errors.init_app(app)
    logs.init_app(app)
    security.init_app(app)
    for module in (score, outlets, health, docs, stories):
        module.init_app(app)
    from service.web import pages

    pages.init_app(app)
    from service.ops import metrics, resilience
    from service.web import auth, limits, response_cache

    # Production: metrics first so it times everything; limits before auth (key guesses are
    # counted) and before the cache (hits are counted too).
    for production in (metrics, resilience, limits, auth, response_cache):
        production.init_app(app)
    return app
