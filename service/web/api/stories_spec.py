"""The OpenAPI description of the coverage endpoints (paths and schemas), merged by openapi.py."""

from __future__ import annotations

from typing import Any

from service.coverage.summary import EXCERPT_CHARS
from service.web.api.stories import MAX_CURSOR, MAX_LIMIT, MAX_TEXT, MAX_TITLE


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": name == "url",
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_ERRORS = {str(s): _json(_ref("Error"), "Error") for s in (400,)}
_TIME = {"type": "string", "description": "ISO 8601 (2025-03-04T12:00:00Z) or epoch seconds"}
_SHARES = {"type": "object", "additionalProperties": {"type": "number"}}
# A story as listed; the full story adds its distributions, first reporter and articles.
_LISTING_REQUIRED = [
    "id",
    "headline",
    "first_seen",
    "last_updated",
    "article_count",
    "outlet_count",
    "lean",
    "blindspot",
]
_LISTING_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string"},
    "headline": {"type": "string"},
    "first_seen": {"type": ["string", "null"]},
    "last_updated": {"type": ["string", "null"]},
    "article_count": {"type": "integer"},
    "outlet_count": {"type": "integer"},
    "lean": {"type": "object"},
    "blindspot": {"type": ["object", "null"]},
    "demo": {"type": "boolean", "description": "an invented story of `parallax demo`"},
}
_OUTLET_OR_NULL = {"oneOf": [{"type": "null"}, _ref("Outlet")]}
_SIDE = {"type": "string", "enum": ["left", "center", "right", "unrated"]}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "KeyPoint": {
        "type": "object",
        "description": "A sentence (or, for a story with no usable sentence, a title) of one of "
        "the story's articles, verbatim, with the article and outlet it came from.",
        "required": ["text", "article_id", "url", "outlet", "side"],
        "properties": {
            "text": {"type": "string"},
            "article_id": {"type": "string", "description": "the article's `id` in the story"},
            "url": {"type": ["string", "null"]},
            "outlet": _OUTLET_OR_NULL,
            "side": _SIDE,
        },
    },
    "SideFraming": {
        "type": "object",
        "description": "How one side's coverage differs from the others': up to 5 words or "
        "two-word phrases its sentences and titles use more (dates, numbers, outlet names and "
        "name fragments left out), and its one or two sentences or titles richest in them.",
        "required": ["terms", "points", "articles"],
        "properties": {
            "terms": {"type": "array", "items": {"type": "string"}},
            "points": {"type": "array", "items": _ref("KeyPoint")},
            "articles": {"type": "integer", "description": "that side's articles read"},
        },
    },
    "Article": {
        "type": "object",
        "required": ["id", "url", "title", "excerpt", "outlet", "side"],
        "properties": {
            "id": {"type": "string"},
            "url": {"type": ["string", "null"]},
            "title": {"type": "string"},
            "excerpt": {
                "type": ["string", "null"],
                "maxLength": EXCERPT_CHARS + 1,
                "description": "the start of the article's text as stored (a feed's summary, a"
                " page's description or a file's text): its whole first sentences up to 30"
                " words, else its first 30 words and '…'; plain text (no markup, no control"
                " character); null when there is no text or it only repeats the title",
            },
            "published": {"type": ["string", "null"]},
            "first_seen": {"type": ["string", "null"]},
            "outlet": _OUTLET_OR_NULL,
            "side": _SIDE,
            "syndicated": {"type": "boolean"},
            "demo": {"type": "boolean"},
        },
    },
    "StoryListing": {
        "type": "object",
        "required": _LISTING_REQUIRED,
        "properties": _LISTING_PROPERTIES,
    },
    "Story": {
        "type": "object",
        "required": [
            *_LISTING_REQUIRED,
            "factuality",
            "owner_types",
            "first_reported_by",
            "key_points",
            "framing",
        ],
        "properties": {
            **_LISTING_PROPERTIES,
            "headline": {
                "type": "string",
                "description": "the most representative and least loaded of its articles' titles",
            },
            "key_points": {
                "type": "array",
                "maxItems": 5,
                "description": "what happened, in up to 5 attributed sentences (about 60-100 "
                "words), computed when the story changes",
                "items": _ref("KeyPoint"),
            },
            "framing": {
                "type": "object",
                "description": "per side with coverage, when more than one side covers the story",
                "properties": {side: _ref("SideFraming") for side in ("left", "center", "right")},
                "additionalProperties": False,
            },
            "related": {"type": "array", "items": {"type": "object"}},
            "syndicated_count": {"type": "integer"},
            "factuality": _SHARES,
            "owner_types": _SHARES,
            "first_reported_by": {"type": ["object", "null"]},
            "articles_by_side": {
                "type": "object",
                "description": "the story's articles (up to 500, oldest first) by side",
                "additionalProperties": {"type": "array", "items": _ref("Article")},
            },
            "merged_from": {"type": "string"},
            "truncated": {
                "type": "object",
                "description": "the story has more articles than the summary read",
                "properties": {"articles_read": {"type": "integer"}},
            },
            "retention": {
                "type": "object",
                "description": "articles of this story removed after the retention period "
                "(parallax prune); the counts and sides still include them",
                "properties": {
                    "articles_removed": {"type": "integer"},
                    "articles_kept": {"type": "integer"},
                },
            },
        },
    },
    "Related": {
        "type": "object",
        "required": ["url", "match", "story", "candidates"],
        "properties": {
            "url": {"type": "string"},
            "match": {"type": "string", "enum": ["stored", "similar", "none"]},
            "story": {"oneOf": [{"type": "null"}, _ref("Story")]},
            "candidates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["score", "story"],
                    "properties": {
                        "score": {
                            "type": "number",
                            "minimum": 0,
                            "maximum": 1,
                            "description": "the probability that the article belongs to the "
                            "story: the learned match's score mapped by a calibration fitted on "
                            "the clusterer's own runs (held out: of candidates shown 0.8-0.9, "
                            "83 % were right without a `published` time, 95 % of dated articles "
                            "whose event other outlets covered, 55 % of articles alone in their "
                            "event among same-topic others; docs/clustering.md). The engine "
                            "decides a join on the unmapped score (at 0.5), so a story it would "
                            "join may show less than 0.5. With the learned match switched off, "
                            "the similarity with its recency bonus, clipped to [0, 1] (joins at "
                            "0.35). Stories found only by the full-text index come last, scored "
                            "below 0.1 (a text-search rank, not a probability).",
                        },
                        "story": _ref("StoryListing"),
                    },
                },
            },
            "hint": {"type": "string"},
            "fetch_error": {"type": "object"},
            "stored": {"type": "boolean"},
        },
    },
}
OPENAPI_PATHS: dict[str, Any] = {
    "/v1/stories": {
        "get": {
            "summary": "The latest stories, filterable by time window and blindspot side",
            "parameters": [
                _query("since", "stories updated at or after this time", _TIME),
                _query("until", "stories updated at or before this time", _TIME),
                _query(
                    "hours",
                    "stories updated in the N hours before the newest article",
                    {"type": "integer", "minimum": 1, "maximum": 8760},
                ),
                _query(
                    "blindspot",
                    "only blindspots covered by this side",
                    {"type": "string", "enum": ["left", "right", "any"]},
                ),
                _query(
                    "limit",
                    "at most this many",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                ),
                _query(
                    "cursor",
                    "the next (older) or prev (newer) page: an earlier answer's next or prev,"
                    " as it was, with the same filters and limit; an unknown one is a 400",
                    {"type": "string", "maxLength": MAX_CURSOR},
                ),
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["stories", "count"],
                        "properties": {
                            "stories": {"type": "array", "items": _ref("StoryListing")},
                            "count": {"type": "integer"},
                            "next": {
                                "type": ["string", "null"],
                                "description": "the cursor of the page of older stories;"
                                " null: none is older",
                            },
                            "prev": {
                                "type": ["string", "null"],
                                "description": "the cursor of the page of newer stories;"
                                " null on the first page (or none is newer)",
                            },
                        },
                    }
                ),
                **_ERRORS,
            },
        }
    },
    "/v1/stories/{story_id}": {
        "get": {
            "summary": "A story's summary: lean, factuality and ownership mix, blindspot, articles",
            "parameters": [
                {"name": "story_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": _json(_ref("Story")),
                "404": _json(_ref("Error"), "Error"),
                **_ERRORS,
            },
        }
    },
    "/v1/related": {
        "get": {
            "summary": "The story an article belongs to, or the best-matching stories",
            "parameters": [
                _query("url", "the article's URL", {"type": "string", "maxLength": 4096}),
                _query(
                    "title",
                    "its title, to match an article not stored",
                    {"type": "string", "maxLength": MAX_TITLE},
                ),
                _query(
                    "text", "its description or lead", {"type": "string", "maxLength": MAX_TEXT}
                ),
                _query("published", "when it was published", _TIME),
            ],
            "responses": {
                "200": _json(_ref("Related")),
                **_ERRORS,
                # FETCH_PAGES on and this process already fetching its share of pages.
                "503": _json(_ref("Error"), "Error"),
            },
        }
    },
    "/v1/articles": {
        "post": {
            "summary": "Match (and, when the operator allows, store) a page no feed carried",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["url", "title"],
                            "properties": {
                                "url": {"type": "string", "maxLength": 4096},
                                "canonical_url": {"type": "string", "maxLength": 4096},
                                "title": {"type": "string", "maxLength": MAX_TITLE},
                                "description": {"type": "string", "maxLength": MAX_TEXT},
                                "published": {"type": ["string", "number"]},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json(_ref("Related")),
                "413": _json(_ref("Error"), "Error"),
                **_ERRORS,
            },
        }
    },
}
