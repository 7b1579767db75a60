"""The CLI's address options refuse malformed input with a message and exit status 2 (session 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.config import ConfigError, served_url


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://[::1/x",
        "http://",
        "http://:80/",
        "http:///x",
        "http://a:99999/",
        "http://a:0/",
        "http://a:x/",
        "http://[zz]/",
        "http://[127.0.0.1]/",
        "https://user:pw@news.example/",
        "https://news.example/?page=1",
        "https://news.example/#top",
        "http://exa_mple..com/",
        "http://-bad-.example/",
    ],
)
def test_a_malformed_base_url_is_refused_with_exit_2(url: str) -> None:
    result = CliRunner().invoke(main, ["demo", "--base-url", url])
    assert result.exit_code == 2, result.output
    assert "Invalid value for --base-url" in result.output
    assert isinstance(result.exception, SystemExit)  # click's usage error, not a traceback


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://[::1]:8000/",
        "https://news.example/parallax",
        "http://bücher.example/",
        "http://my_service:8000/",
        "HTTPS://NEWS.EXAMPLE/",
    ],
)
def test_a_usable_base_url_is_taken(url: str) -> None:
    from service.config import base_url_problem

    assert base_url_problem(url) is None


@pytest.mark.parametrize("host", ["[::1", "::1]", "[127.0.0.1]", "a b", "[::zz]", "-x-"])
def test_a_malformed_listen_host_is_refused_with_exit_2(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.cli

    def never(*args: object) -> None:  # the old code went on to start gunicorn on it
        raise AssertionError("the server was started")

    monkeypatch.setattr(service.cli, "_run_gunicorn", never)
    result = CliRunner().invoke(main, ["serve", "--no-ingest", "--host", host])
    assert result.exit_code == 2, result.output
    assert "--host" in result.output and "Traceback" not in result.output


def test_a_malformed_parallax_host_is_named_not_turned_into_an_address() -> None:
    with pytest.raises(ConfigError, match="PARALLAX_HOST"):
        served_url({"PARALLAX_HOST": "[::1"})
    assert served_url({"PARALLAX_HOST": "::1"}) == "http://[::1]:8000/"
    assert served_url({"PARALLAX_HOST": "[::1]"}) == "http://[::1]:8000/"


@pytest.mark.parametrize("now", ["0000-01-01", "2026-13-01", "nan", "1e400"])
def test_a_malformed_demo_time_names_the_option_not_an_articles_field(now: str) -> None:
    result = CliRunner().invoke(main, ["demo", "--now", now])
    assert result.exit_code == 2, result.output
    assert "Invalid value for --now" in result.output
    assert "published" not in result.output and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "Left\x00Paper", "U+0000"),
        ("name", "Left \x1b[2J Paper", "U+001B"),
        ("owner", "Owner\tInc", "U+0009"),
        ("basis", "our\x85panel", "U+0085"),
    ],
)
def test_a_ratings_file_with_a_control_character_is_refused_naming_column_and_line(
    tmp_path: Path, field: str, value: str, code: str
) -> None:
    from service.core.ratings import default_ratings_dir

    header = next((default_ratings_dir() / "outlets").glob("*.csv")).read_text().splitlines()[0]
    row = dict.fromkeys(header.split(","), "")
    row.update(
        id="tiny-local-paper.com",
        name="Tiny Local Paper",
        kind="newspaper",
        country="US",
        language="en",
        confidence="low",
        reviewed="2026-11-01",
    )
    row[field] = value
    mine = tmp_path / "mine.csv"
    mine.write_text(header + "\n" + ",".join(row.values()) + "\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["ratings", "import", str(mine), "--data-dir", str(data_dir)])
    # It was imported, and its NUL or escape sequence went out in every answer naming it.
    assert result.exit_code == 1, result.output
    assert f"mine.csv:2: {field} holds a control character ({code})" in result.output
    assert not (data_dir / "ratings-overrides" / "mine.csv").exists()
