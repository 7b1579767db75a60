"""Configuration: defaults, then PARALLAX_* environment, then test overrides."""

from __future__ import annotations

import pytest

from service.app import create_app
from service.config import DEFAULTS, ConfigError, load_config


def test_defaults_without_environment() -> None:
    assert load_config({}) == DEFAULTS


def test_environment_overrides_defaults_with_types() -> None:
    config = load_config({"PARALLAX_INGEST_ENABLED": "off", "PARALLAX_INGEST_INTERVAL": "60",
                          "PARALLAX_DATA_DIR": "/srv/parallax", "OTHER": "x"})
    assert config["INGEST_ENABLED"] is False and config["INGEST_INTERVAL"] == 60
    assert config["DATA_DIR"] == "/srv/parallax" and "OTHER" not in config


@pytest.mark.parametrize(("name", "value"), [("PARALLAX_INGEST_ENABLED", "maybe"), ("PARALLAX_INGEST_INTERVAL", "soon"), ("PARALLAX_LOOKUP_MAX_URLS", "-1")])
def test_bad_environment_values_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config({name: value})


def test_test_config_wins_over_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("PARALLAX_LOOKUP_MAX_URLS", "5")
    assert create_app({"INGEST_ENABLED": False, "DATA_DIR": str(tmp_path)}).config["LOOKUP_MAX_URLS"] == 5
    app = create_app({"LOOKUP_MAX_URLS": 7, "INGEST_ENABLED": False, "DATA_DIR": str(tmp_path)})
    assert app.config["LOOKUP_MAX_URLS"] == 7


def test_a_broken_ratings_directory_stops_start_up_naming_the_file(tmp_path: object) -> None:
    from pathlib import Path

    ratings = Path(str(tmp_path)) / "ratings"
    (ratings / "outlets").mkdir(parents=True)
    (ratings / "outlets" / "x.csv").write_text("id,name\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"x\.csv:1: header must be exactly"):
        create_app({"RATINGS_DIR": str(ratings), "INGEST_ENABLED": False})
