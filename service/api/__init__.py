"""HTTP resources of the Parallax API, one module each with `init_app(app)`."""

from __future__ import annotations

from flask import Flask, current_app

from service.ratings import RatingsTable
from service.scoring import StoryLookup


def ratings_table(app: Flask | None = None) -> RatingsTable:
    table: RatingsTable = (app or current_app).extensions["parallax.ratings"]
    return table


def story_lookup(app: Flask | None = None) -> StoryLookup | None:
    lookup: StoryLookup | None = (app or current_app).extensions.get("parallax.story_lookup")
    return lookup
