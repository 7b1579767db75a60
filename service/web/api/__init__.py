"""HTTP resources of the Parallax API, one module each with `init_app(app)`."""

from __future__ import annotations

from flask import Flask, current_app, request

from service.core.ratings import RatingsTable
from service.core.scoring import StoryLookup
from service.web.errors import APIError


def ratings_table(app: Flask | None = None) -> RatingsTable:
    table: RatingsTable = (app or current_app).extensions["parallax.ratings"]
    return table


def story_lookup(app: Flask | None = None) -> StoryLookup | None:
    lookup: StoryLookup | None = (app or current_app).extensions.get("parallax.story_lookup")
    return lookup


def query_int(name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within [low, high]; a clear 400 otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise APIError(400, f"invalid_{name}", f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise APIError(400, f"invalid_{name}", f"{name} must be between {low} and {high}")
    return value
