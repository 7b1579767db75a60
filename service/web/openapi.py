"""The OpenAPI 3.1 description of the API; other modules add their paths at init time."""

from __future__ import annotations

import copy
from typing import Any

from service import __version__
from service.core.ratings_schema import FACTUALITY, FLAGS, KINDS, LEANS

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}

OUTLET = {
    "type": "object",
    "required": ["id", "name", "domain", "kind", "country", "owner", "lean", "factuality"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "domain": {"type": "string"},
        "aliases": {"type": "array", "items": {"type": "string"}},
        "kind": {"type": "string", "enum": list(KINDS)},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "language": {"type": "string"},
        "owner": {"type": ["string", "null"]},
        "owner_type": {"type": ["string", "null"]},
        "lean": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["label", "score"],
                    "properties": {
                        "label": {"type": "string", "enum": list(LEANS)},
                        "score": {"type": "number", "minimum": -1, "maximum": 1},
                    },
                },
            ]
        },
        "factuality": {
            "description": "Our own factuality rating; null where we have none.",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["label"],
                    "properties": {
                        "label": {"type": "string", "enum": list(FACTUALITY)},
                        "derived": {"const": False},
                    },
                },
            ],
        },
        "factuality_derived": {
            "description": "Only where `factuality` is null: a label derived from the quality score "
            "through documented cut points (ratings/METHODOLOGY.md), not our rating.",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["label", "derived", "basis"],
                    "properties": {
                        "label": {"type": "string", "enum": list(FACTUALITY)},
                        "derived": {"const": True},
                        "basis": {"type": "string"},
                    },
                },
            ],
        },
        "quality": {
            "description": "Open research quality score of the outlet's domain, with its source, "
            "year and terms; `text` is the sentence to show a reader.",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": [
                        "score",
                        "text",
                        "domain",
                        "source",
                        "source_id",
                        "citation",
                        "year",
                        "terms",
                    ],
                    "properties": {
                        "score": {"type": "number", "minimum": 0, "maximum": 1},
                        "text": {"type": "string"},
                        "domain": {"type": "string"},
                        "source": {"type": "string"},
                        "source_id": {"type": "string"},
                        "citation": {"type": "string"},
                        "source_url": {"type": ["string", "null"]},
                        "year": {"type": "integer"},
                        "terms": {"type": "string"},
                    },
                },
            ],
        },
        "kind_label": {"type": "string", "description": "The kind in words a reader understands."},
        "flags": {"type": "array", "items": {"type": "string", "enum": list(FLAGS)}},
        "flag_labels": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The flags in words a reader understands, in the same order as `flags`.",
        },
        "basis": {"type": "string"},
        "confidence": {"type": "string", "enum": ["high", "medium", "low"]},
        "reviewed": {"type": "string"},
        "source": {"type": "string"},
    },
}

SCORE = {
    "type": "object",
    "required": ["url", "resolved_url", "host", "shortener", "outlet"],
    "properties": {
        "url": {"type": "string"},
        "resolved_url": {"type": "string"},
        "host": {"type": "string"},
        "shortener": {"type": "boolean"},
        "outlet": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Outlet"}]},
        "story": {"type": ["object", "null"]},
    },
}

LOOKUP_ITEM = {
    "oneOf": [
        {"$ref": "#/components/schemas/Score"},
        {
            "type": "object",
            "required": ["url", "error"],
            "properties": {"url": {}, "error": ERROR["properties"]["error"]},  # type: ignore[index]
        },
    ]
}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _json(_ref("Error"), "Error") for s in statuses}


def _query(
    name: str, description: str, *, required: bool = False, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


BASE_PATHS: dict[str, Any] = {
    "/v1/score": {
        "get": {
            "summary": "The outlet behind an article URL, with its lean and factuality",
            "parameters": [
                _query(
                    "url",
                    "article URL or bare host such as nytimes.com/x",
                    required=True,
                    schema={"type": "string", "maxLength": 4096},
                )
            ],
            "responses": {"200": _json(_ref("Score")), **_errors(400)},
        }
    },
    "/v1/lookup": {
        "post": {
            "summary": "Score up to 1,000 URLs at once, answers in the same order",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["urls"],
                            "properties": {
                                "urls": {
                                    "type": "array",
                                    "maxItems": 1000,
                                    "items": {"type": "string"},
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["results"],
                        "properties": {"results": {"type": "array", "items": LOOKUP_ITEM}},
                    }
                ),
                **_errors(400, 413, 415),
            },
        }
    },
    "/v1/outlets": {
        "get": {
            "summary": "Search and browse the rated outlets",
            "parameters": [
                _query(
                    "q",
                    "text in the name, id or aliases",
                    schema={"type": "string", "maxLength": 200},
                ),
                _query("lean", "lean label", schema={"type": "string", "enum": list(LEANS)}),
                _query(
                    "factuality",
                    "factuality label",
                    schema={"type": "string", "enum": list(FACTUALITY)},
                ),
                _query("country", "ISO 3166-1 alpha-2"),
                _query("kind", "outlet kind", schema={"type": "string", "enum": list(KINDS)}),
                _query(
                    "page",
                    "page number from 1",
                    schema={"type": "integer", "minimum": 1, "maximum": 100000},
                ),
                _query(
                    "per_page",
                    "results per page",
                    schema={"type": "integer", "minimum": 1, "maximum": 200},
                ),
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["total", "page", "per_page", "outlets"],
                        "properties": {
                            "total": {"type": "integer"},
                            "page": {"type": "integer"},
                            "per_page": {"type": "integer"},
                            "outlets": {"type": "array", "items": _ref("Outlet")},
                        },
                    }
                ),
                **_errors(400),
            },
        }
    },
    "/v1/outlets/export": {
        "get": {
            "summary": "The whole table in compact form, for clients that resolve locally",
            "description": "Strong ETag; answers 304 to a matching If-None-Match; gzip on request. "
            "Each row of `outlets` is a list in the order of `fields` (fields are only "
            "ever appended): `quality` is the score rounded to 2 decimals, "
            "`quality_source` an index into `quality_sources` (source, citation, "
            "year, terms, cut points), `factuality_derived` the label derived from "
            "the score where `factuality` is null. `flag_labels` and `kind_labels` "
            "map each slug to the words to show.",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["version", "date", "fields", "outlets", "aliases"],
                        "properties": {
                            "version": {
                                "type": "string",
                                "description": "digest of the rating files",
                            },
                            "date": {
                                "type": "string",
                                "description": "the newest review in the table, YYYY-MM-DD",
                            },
                            "quality_sources": {"type": "array", "items": {"type": "object"}},
                            "flag_labels": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                            "kind_labels": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    }
                ),
                "304": {"description": "Not modified"},
            },
        }
    },
    "/v1/outlets/{outlet_id}": {
        "get": {
            "summary": "One outlet by id",
            "parameters": [
                {"name": "outlet_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"200": _json(_ref("Outlet")), **_errors(404)},
        }
    },
    "/healthz": {"get": {"summary": "Alive", "responses": {"200": _json({"type": "object"})}}},
    "/readyz": {
        "get": {
            "summary": "Ratings loaded and store reachable",
            "responses": {
                "200": _json({"type": "object"}),
                "503": _json({"type": "object"}, "Not ready"),
            },
        }
    },
    "/version": {
        "get": {
            "summary": "Service and ratings versions",
            "responses": {"200": _json({"type": "object"})},
        }
    },
}


def build_openapi(
    extra_paths: dict[str, Any] | None = None, extra_schemas: dict[str, Any] | None = None
) -> dict[str, Any]:
    paths = copy.deepcopy(BASE_PATHS)
    paths.update(copy.deepcopy(extra_paths or {}))
    score: dict[str, Any] = copy.deepcopy(SCORE)
    if extra_schemas and "Story" in extra_schemas:
        # With the coverage engine on, a scored article's story is a full Story (with `related`).
        score["properties"] = {
            **score["properties"],
            "story": {"oneOf": [{"type": "null"}, _ref("Story")]},
        }
    schemas = {"Error": ERROR, "Outlet": OUTLET, "Score": score, **(extra_schemas or {})}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Parallax API",
            "version": __version__,
            "description": "Where the news you read comes from: each outlet's lean and factuality, "
            "and the other coverage of the same story. Every error is "
            '{"error": {"code", "message"}}.',
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": copy.deepcopy(schemas)},
    }
