"""Shared fixtures: the app (flaskr-style), its test client and CLI runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.support.apps import make_app

# The store fixtures (pg_url, database_url, store_factory, store) for every test directory.
pytest_plugins = ["tests.support.stores"]

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parent.parent / "shared"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def load_url_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((TESTS / "url_cases.json").read_text("utf-8"))["cases"]
    return cases
