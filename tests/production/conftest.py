"""Production fixtures: every store test runs on SQLite and on PostgreSQL (a throwaway schema)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.core.ratings import RatingsTable, load_table
from tests.support.apps import make_app as support_make_app
from tests.support.ratings import write_ratings as support_write_ratings
from tests.support.stores import parametrize_backends

REDIS_URL = os.environ.get("PARALLAX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

OUTLETS_CSV = """id,name,aliases,kind,country,language,lean,lean_score,factuality,owner,owner_type,flags,basis,confidence,reviewed
centerwire.com,Center Wire,,wire-service,US,en,center,,very-high,Center Wire Cooperative,cooperative,,test fixture,high,2025-01-01
leftpaper.com,Left Paper,,newspaper,US,en,lean-left,,high,Left Paper Company,family,,test fixture,high,2025-01-01
rightdaily.com,Right Daily,,digital-native,US,en,right,,mixed,Right Daily LLC,billionaire,,test fixture,medium,2025-01-01
righttimes.com,Right Times,,newspaper,US,en,lean-right,,high,Right Times Inc,corporation,,test fixture,medium,2025-01-01
"""


def write_ratings(directory: Path, feeds: list[tuple[str, str]] | None = None) -> Path:
    """A ratings directory with the test outlets and the given (outlet_id, url) feeds."""
    return support_write_ratings(directory, OUTLETS_CSV, feeds or ())


def make_app(tmp_path: Path, **config: Any) -> Flask:
    """The test app on the test outlets (in tmp_path/ratings); `config` on top."""
    return support_make_app(
        tmp_path, **{"RATINGS_DIR": str(write_ratings(tmp_path / "ratings")), **config}
    )


@pytest.fixture
def table(tmp_path: Path) -> RatingsTable:
    return load_table(write_ratings(tmp_path / "ratings"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_backends(metafunc, default=("sqlite", "postgresql"))
