"""/metrics: Prometheus text with requests, latency, cache, ingest and store size."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from flask import Flask

from service.coverage.engine import RawArticle
from service.coverage.runtime import engine
from service.ops.metrics import BUCKETS, Registry, merge, render

from .conftest import make_app as production_app

SAMPLE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+-]+$')


def make_app(tmp_path: Path, **config: Any) -> Flask:
    """The test app without rate limits (counts here are of requests a limit would turn away)."""
    return production_app(tmp_path, **{"RATE_LIMIT": "", **config})


def samples(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def test_requests_latency_and_store_size_are_exposed(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    client.get("/v1/score?url=leftpaper.com/a")
    client.get("/v1/score?url=leftpaper.com/b")
    client.get("/v1/score")  # 400
    client.get("/no/such/path")
    engine(app).ingest(
        [RawArticle(title="Harbor council approves barrier", url="https://leftpaper.com/h")]
    )
    client.get("/v1/stories")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    got = samples(text)
    assert got['parallax_http_requests_total{method="GET",route="/v1/score",status="200"}'] == 2
    assert got['parallax_http_requests_total{method="GET",route="/v1/score",status="400"}'] == 1
    assert got['parallax_http_requests_total{method="GET",route="unmatched",status="404"}'] == 1
    assert got['parallax_http_request_duration_seconds_count{route="/v1/score"}'] == 3
    assert got['parallax_http_request_duration_seconds_bucket{route="/v1/score",le="+Inf"}'] == 3
    assert got['parallax_http_request_duration_seconds_sum{route="/v1/score"}'] > 0
    assert "# TYPE parallax_http_request_duration_seconds histogram" in text
    assert got['parallax_store_rows{table="articles"}'] == 1
    assert got['parallax_store_rows{table="stories"}'] == 1
    assert got['parallax_ingest_articles_total{outcome="added"}'] == 1
    assert got["parallax_ingest_batches_total"] == 1
    assert got["parallax_cache_hit_ratio"] == 0
    # The query string (the reader's URL) never becomes a label.
    assert "leftpaper.com/a" not in text


def test_buckets_are_cumulative() -> None:
    registry = Registry()
    for value in (0.0005, 0.003, 0.2, 30.0):
        registry.observe("h", {"route": "/x"}, value)
    got = samples(render(registry, {}))
    counts = [got[f'h_bucket{{route="/x",le="{b}"}}'] for b in BUCKETS]
    assert counts == sorted(counts)
    assert got['h_bucket{route="/x",le="0.001"}'] == 1
    assert got['h_bucket{route="/x",le="0.25"}'] == 3
    assert got['h_bucket{route="/x",le="+Inf"}'] == 4


def test_workers_pool_their_counts_through_the_metrics_dir(tmp_path: Path) -> None:
    shared = tmp_path / "metrics"
    first = make_app(tmp_path / "a", METRICS_DIR=str(shared))
    # Another worker process left its counts behind.
    other = Registry()
    other.inc(
        "parallax_http_requests_total", {"method": "GET", "route": "/v1/score", "status": "200"}, 5
    )
    (shared / "999999.json").write_text(json.dumps(other.snapshot()), encoding="utf-8")
    first.test_client().get("/v1/score?url=a.com")
    got = samples(first.test_client().get("/metrics").get_data(as_text=True))
    assert got['parallax_http_requests_total{method="GET",route="/v1/score",status="200"}'] == 6


def test_counts_of_exited_workers_are_kept_in_one_file(tmp_path: Path) -> None:
    shared = tmp_path / "metrics"
    app = make_app(tmp_path, METRICS_DIR=str(shared))
    dead_pid = 2**22 + 12345  # above the kernel's pid_max: no such process
    for n, pid in enumerate((dead_pid, dead_pid + 1), start=1):
        gone = Registry()
        gone.inc("parallax_ingest_batches_total", value=n)
        (shared / f"{pid}.json").write_text(json.dumps(gone.snapshot()), encoding="utf-8")
    client = app.test_client()
    first = samples(client.get("/metrics").get_data(as_text=True))
    assert first["parallax_ingest_batches_total"] == 3
    assert sorted(p.name for p in shared.glob("*.json")) == sorted(
        [f"{os.getpid()}.json", "retired.json"]
    )
    again = samples(client.get("/metrics").get_data(as_text=True))
    assert again["parallax_ingest_batches_total"] == 3  # folded once, never counted twice


def test_merge_adds_label_for_label() -> None:
    a, b = Registry(), Registry()
    a.inc("c", {"x": "1"}, 2)
    b.inc("c", {"x": "1"}, 3)
    b.inc("c", {"x": "2"})
    total = merge([a.snapshot(), b.snapshot()])
    assert total.counters["c"] == {(("x", "1"),): 5.0, (("x", "2"),): 1.0}
