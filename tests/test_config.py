"""Configuration: defaults, then PARALLAX_* environment, then test overrides."""

from __future__ import annotations

import pytest

from service.app import create_app
from service.config import DEFAULTS, ConfigError, load_config


def test_defaults_without_environment() -> None:
    assert load_config({}) == DEFAULTS


def test_environment_overrides_defaults_with_types() -> None:
    config = load_config(
        {
            "PARALLAX_INGEST_ENABLED": "off",
            "PARALLAX_INGEST_INTERVAL": "60",
            "PARALLAX_DATA_DIR": "/srv/parallax",
            "OTHER": "x",
        }
    )
    assert config["INGEST_ENABLED"] is False and config["INGEST_INTERVAL"] == 60
    assert config["DATA_DIR"] == "/srv/parallax" and "OTHER" not in config


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARALLAX_INGEST_ENABLED", "maybe"),
        ("PARALLAX_INGEST_INTERVAL", "soon"),
        ("PARALLAX_LOOKUP_MAX_URLS", "-1"),
        # 0: feed passes back to back; 1e26: the worker's wait raised OverflowError
        ("PARALLAX_INGEST_INTERVAL", "0"),
        ("PARALLAX_INGEST_INTERVAL", "9" * 26),
        # a service that answers every request 429
        ("PARALLAX_RATE_LIMIT", "0/minute"),
        ("PARALLAX_RATE_LIMIT", "600/minute;0/hour"),
    ],
)
def test_bad_environment_values_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config({name: value})


def test_test_config_wins_over_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("PARALLAX_LOOKUP_MAX_URLS", "5")
    assert (
        create_app({"INGEST_ENABLED": False, "DATA_DIR": str(tmp_path)}).config["LOOKUP_MAX_URLS"]
        == 5
    )
    app = create_app({"LOOKUP_MAX_URLS": 7, "INGEST_ENABLED": False, "DATA_DIR": str(tmp_path)})
    assert app.config["LOOKUP_MAX_URLS"] == 7


def test_a_broken_ratings_directory_stops_start_up_naming_the_file(tmp_path: object) -> None:
    from pathlib import Path

    ratings = Path(str(tmp_path)) / "ratings"
    (ratings / "outlets").mkdir(parents=True)
    (ratings / "outlets" / "x.csv").write_text("id,name\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"x\.csv:1: header must be exactly"):
        create_app({"RATINGS_DIR": str(ratings), "INGEST_ENABLED": False})


# -- issue 14: settings that cannot silently fail ------------------------------------------


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("PARALLAX_API_KEY", "PARALLAX_API_KEYS"),
        ("PARALLAX_RATELIMIT", "PARALLAX_RATE_LIMIT"),
        ("PARALLAX_DATABASE", "PARALLAX_DATABASE_URL"),
        ("PARALLAX_REDIS", "PARALLAX_REDIS_URL"),
    ],
)
def test_a_misspelt_setting_refuses_start_up_with_a_suggestion(name: str, suggestion: str) -> None:
    with pytest.raises(
        ConfigError, match=f"{name} is not a Parallax setting.*did you mean {suggestion}\\?"
    ):
        load_config({name: "k-" + "a" * 30})


def test_an_unknown_setting_with_no_near_name_lists_the_settings() -> None:
    with pytest.raises(ConfigError, match="the settings are PARALLAX_DATA_DIR, "):
        load_config({"PARALLAX_WHATEVER": "1"})


def test_names_of_the_tools_around_the_service_are_not_settings_but_allowed() -> None:
    load_config(
        {
            "PARALLAX_HOST": "0.0.0.0",
            "PARALLAX_PORT": "8000",
            "PARALLAX_EXPORT": "x",
            "PARALLAX_TEST_DATABASE_URL": "postgresql://x",
            "PARALLAX_FUZZ_EXAMPLES": "3",
        }
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PARALLAX_DATABASE_URL", "mysql://x", "'mysql' databases are not supported"),
        ("PARALLAX_DATABASE_URL", "postgresq://x", "'postgresq' databases are not supported"),
        ("PARALLAX_REDIS_URL", "http://cache:6379", "REDIS_URL must start with redis://"),
        ("PARALLAX_RATE_LIMIT", "10 per fortnight", "is not a limit"),
        ("PARALLAX_LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD'"),
        # an env file's 'PARALLAX_DATA_DIR=': the store would go to the working directory
        ("PARALLAX_DATA_DIR", "", "DATA_DIR is empty"),
        ("PARALLAX_DATA_DIR", "  ", "DATA_DIR is empty"),
    ],
)
def test_values_the_service_could_only_fail_on_later_refuse_start_up(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config({name: value})


def test_test_overrides_are_validated_too(tmp_path: object) -> None:
    with pytest.raises(ConfigError, match="'mysql' databases"):
        create_app(
            {"DATABASE_URL": "mysql://x", "INGEST_ENABLED": False, "DATA_DIR": str(tmp_path)}
        )


def test_parallax_serve_refuses_a_misspelt_setting_in_one_line(tmp_path: object) -> None:
    from click.testing import CliRunner

    from service.cli import main

    result = CliRunner(
        env={"PARALLAX_API_KEY": "k-" + "a" * 30, "PARALLAX_DATA_DIR": str(tmp_path)}
    ).invoke(main, ["serve", "--no-ingest"])
    assert result.exit_code == 1
    assert "did you mean PARALLAX_API_KEYS?" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("PARALLAX_DATABASE_URL", "postgresql://[::1", "Invalid IPv6 URL"),
        ("PARALLAX_DATABASE_URL", "postgresql://db.example:99999/parallax", "Port out of range"),
        ("PARALLAX_REDIS_URL", "redis://[", "Invalid IPv6 URL"),
        ("PARALLAX_REDIS_URL", "redis://cache.example:abc/0", "could not be cast"),
    ],
)
def test_an_address_that_cannot_be_parsed_stops_start_up_naming_the_setting(
    name: str, value: str, says: str
) -> None:
    # Before, the app started and answered every story request with a 500 (the store's URL
    # is parsed on first use), or `parallax serve` said only "Invalid IPv6 URL".
    with pytest.raises(ConfigError, match=f"^{name}: .*{says}.*; write it as "):
        load_config({name: value})
    good = {
        "PARALLAX_DATABASE_URL": "postgresql://u@[::1]:5432/db",
        "PARALLAX_REDIS_URL": "redis://h:6379/0",
    }
    assert load_config({name: good[name]})[name.removeprefix("PARALLAX_")] == good[name]
