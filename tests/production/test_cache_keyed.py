"""The response cache's request check: keyed requests never share it, anonymous GETs do."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.production.conftest import make_app
from tests.production.test_hardening import KEY


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {KEY}"}, {"X-API-Key": KEY}, {"x-api-key": KEY}]
)
def test_keyed_requests_bypass_the_cache(tmp_path: Path, headers: dict[str, str]) -> None:
    client = make_app(tmp_path, RESPONSE_CACHE_SECONDS=30, API_KEYS=KEY).test_client()
    url = "/v1/score?url=leftpaper.com/keyed"
    assert client.get(url).headers["X-Cache"] == "miss"
    keyed = client.get(url, headers=headers)
    assert keyed.status_code == 200 and "X-Cache" not in keyed.headers
    assert client.get(url).headers["X-Cache"] == "hit-l1"
    assert "X-Cache" not in client.head(url).headers  # only GETs are answered from it


def test_cache_lookups_are_counted_by_level_and_result(tmp_path: Path) -> None:
    client = make_app(tmp_path, RESPONSE_CACHE_SECONDS=30).test_client()
    for _ in range(3):
        client.get("/v1/score?url=leftpaper.com/counted")
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'parallax_cache_requests_total{level="l1",result="miss"} 1' in metrics
    assert 'parallax_cache_requests_total{level="l1",result="hit"} 2' in metrics

