"""The scoring answer for one URL, shared by the API and the `parallax lookup` command."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache

from service.core.ratings import RatingsTable
from service.core.ratings_schema import Outlet
from service.core.resolver import Resolution
from service.core.urls import URLInputError

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
        payload["story"] = _story(resolution, story_lookup)
    return payload


def _story(resolution: Resolution, story_lookup: StoryLookup) -> dict[str, Any] | None:
    outlet_id = resolution.outlet.id if resolution.outlet else None
    return story_lookup(resolution.resolved_url, outlet_id)


# One encoder for every call: json.dumps with non-default options builds a new one each time.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_outlet_json: LRUCache[str, tuple[Outlet, str]] = LRUCache(maxsize=20_000)
_outlet_json_lock = threading.Lock()


def outlet_json(outlet: Outlet) -> str:
    """The outlet's JSON text, serialised once per outlet (and per table: ids are keyed with it)."""
    key = f"{outlet.source}\0{outlet.id}"
    with _outlet_json_lock:
        cached = _outlet_json.get(key)
    if cached is None or cached[0] is not outlet:
        cached = (outlet, _encode(outlet.to_json()))
        with _outlet_json_lock:
            _outlet_json[key] = cached
    return cached[1]


def score_json(table: RatingsTable, url: object, story_lookup: StoryLookup | None = None) -> str:
    """`score_url` as JSON text, splicing in the outlet's cached JSON: the API's hot path."""
    resolution = table.resolve(url)
    head = _encode(resolution.head())
    outlet = "null" if resolution.outlet is None else outlet_json(resolution.outlet)
    body = f'{head[:-1]},"outlet":{outlet}'
    if story_lookup is not None:
        story = _story(resolution, story_lookup)
        body += ',"story":' + ("null" if story is None else _encode(story))
    return body + "}"


def error_object(url: object, exc: URLInputError) -> dict[str, Any]:
    return {"url": url, "error": {"code": "invalid_url", "message": exc.message}}
