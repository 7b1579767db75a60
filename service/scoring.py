"""The scoring answer for one URL, shared by the API and the `parallax lookup` command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.ratings import RatingsTable
from service.urls import URLInputError

StoryLookup = Callable[[str, str | None], "dict[str, Any] | None"]


def score_url(
    table: RatingsTable, url: object, story_lookup: StoryLookup | None = None
) -> dict[str, Any]:
    """The API's answer for `url`; raises URLInputError for input that is not an article URL.

    `story_lookup(resolved_url, outlet_id)` adds the coverage engine's story when there is one.
    """
    resolution = table.resolve(url)
    payload = resolution.to_json()
    if story_lookup is not None:
        outlet_id = resolution.outlet.id if resolution.outlet else None
        payload["story"] = story_lookup(resolution.resolved_url, outlet_id)
    return payload


def error_object(url: object, exc: URLInputError) -> dict[str, Any]:
    return {"url": url, "error": {"code": "invalid_url", "message": exc.message}}
