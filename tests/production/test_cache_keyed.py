"""The response cache's request check: keyed requests never share it, anonymous GETs do."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.coverage.engine import RawArticle
from service.coverage.runtime import engine
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


def test_a_cached_story_keeps_its_etag_and_revalidates(tmp_path: Path) -> None:
    # A story answered from the cache is the view's answer: the same ETag, and a 304 to a client
    # that has it (before, a hit dropped the ETag, so revalidating clients got 200s in full).
    app = make_app(tmp_path, RESPONSE_CACHE_SECONDS=30)
    engine(app).ingest(
        [
            RawArticle(
                title="Harbor council approves the flood barrier", url="https://leftpaper.com/a"
            ),
            RawArticle(
                title="Harbor council approves flood barrier plan", url="https://rightdaily.com/b"
            ),
        ]
    )
    client = app.test_client()
    story_id = client.get("/v1/stories").get_json()["stories"][0]["id"]
    url = f"/v1/stories/{story_id}"
    miss = client.get(url)
    assert miss.headers["X-Cache"] == "miss" and miss.headers.get("ETag")
    hit = client.get(url)
    assert hit.headers["X-Cache"] == "hit-l1"
    assert hit.headers.get("ETag") == miss.headers["ETag"] and hit.data == miss.data
    again = client.get(url, headers={"If-None-Match": miss.headers["ETag"]})
    assert again.status_code == 304 and again.headers["X-Cache"] == "hit-l1" and not again.data
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == miss.data
