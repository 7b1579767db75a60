"""The CLI's address options refuse malformed input with a message and exit status 2 (session 11)."""

from __future__ import annotations

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
