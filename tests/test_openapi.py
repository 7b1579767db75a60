"""The OpenAPI document stays true: every route is described, and answers match the schemas."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
from flask import Flask
from flask.testing import FlaskClient


def _routes(app: Flask) -> set[str]:
    paths = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in ("/openapi.json", "/docs"):
            continue
        if rule.endpoint.startswith("pages."):  # HTML for readers, not part of the API
            continue
        paths.add(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule))
    return paths


def test_every_route_is_in_the_document_and_nothing_else(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == _routes(app)


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    resolver_schema = {**schema, "components": spec["components"]}
    return jsonschema.Draft202012Validator(resolver_schema)


def _response_schema(spec: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec["paths"][path][method]["responses"][status]["content"][
        "application/json"
    ]["schema"]
    return schema


def test_answers_match_their_schemas(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    samples = [
        ("/v1/score", "get", "200", client.get("/v1/score?url=https://www.nytimes.com/x")),
        ("/v1/score", "get", "200", client.get("/v1/score?url=https://unrated.example/x")),
        ("/v1/score", "get", "400", client.get("/v1/score?url=javascript:x")),
        (
            "/v1/lookup",
            "post",
            "200",
            client.post("/v1/lookup", json={"urls": ["bbc.co.uk", "ftp://x"]}),
        ),
        ("/v1/outlets", "get", "200", client.get("/v1/outlets?q=news")),
        ("/v1/outlets/{outlet_id}", "get", "200", client.get("/v1/outlets/reuters.com")),
        ("/v1/outlets/{outlet_id}", "get", "404", client.get("/v1/outlets/nope.example")),
    ]
    for path, method, status, response in samples:
        assert str(response.status_code) == status, path
        _validator(spec, _response_schema(spec, path, method, status)).validate(response.get_json())
