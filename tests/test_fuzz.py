"""Property tests: arbitrary text and URL-shaped junk sent to /v1/score, /v1/lookup and
`parallax lookup` give a result or a 4xx with a message, never an exception or a 5xx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import create_app
from service.cli import main

JUNK = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda scheme, host, rest: scheme + host + rest,
        st.sampled_from(["http://", "https://", "//", "", "javascript:", "data:", "HTTP://"]),
        st.sampled_from(["nytimes.com", "www.bbc.co.uk", "[::1]", "127.0.0.1", "xn--", "a..b", ""]),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    ),
)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    data = tmp_path_factory.mktemp("fuzz")
    return create_app({"TESTING": True, "DATA_DIR": str(data), "INGEST_ENABLED": False})


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(JUNK)
def test_score_never_fails_on_junk(fuzz_app: Flask, text: str) -> None:
    response = fuzz_app.test_client().get("/v1/score", query_string={"url": text})
    assert response.status_code in (200, 400)
    body = response.get_json()
    if response.status_code == 400:
        assert body["error"]["message"]
    else:
        assert body["resolved_url"].startswith(("http://", "https://"))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(JUNK, st.integers(), st.none(), st.booleans()), max_size=20))
def test_lookup_never_fails_on_junk(fuzz_app: Flask, items: list[object]) -> None:
    response = fuzz_app.test_client().post("/v1/lookup", json={"urls": items})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert len(results) == len(items)
    for item, result in zip(items, results, strict=True):
        assert result["url"] == item
        assert "error" in result or "resolved_url" in result


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(JUNK.filter(lambda s: "\n" not in s and "\r" not in s), min_size=1, max_size=10)
)
def test_cli_lookup_never_crashes_on_junk(
    lines: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = Path(tmp_path_factory.mktemp("cli"))
    result = CliRunner(env={"PARALLAX_DATA_DIR": str(data)}).invoke(
        main, ["lookup"], input="\n".join(lines) + "\n"
    )
    answers = [json.loads(line) for line in result.stdout.split("\n") if line]
    assert len(answers) == sum(1 for line in lines if line.strip())
    failed = sum(1 for answer in answers if "error" in answer)
    # Non-zero exactly when a URL could not be scored (or nothing was read), with the count.
    assert result.exit_code == (1 if failed or not answers else 0), result.output
    if failed:
        assert f"{failed} of {len(answers)} URLs could not be scored" in result.stderr
