"""Under gunicorn every line on standard error is JSON, requests carry ids, and no line holds the
URL the reader is reading (the query string)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.net import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_and_app_lines_are_json_and_never_hold_the_query(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PARALLAX_DATA_DIR": str(tmp_path), "PARALLAX_INGEST_ENABLED": "0"}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            assert wait_for_port(port, timeout=60), log_path.read_text()
            url = (
                f"http://127.0.0.1:{port}/v1/score?url=https://www.bbc.co.uk/news/secret-reading-77"
            )
            with urllib.request.urlopen(url, timeout=10) as response:
                request_id = response.headers["X-Request-Id"]
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log_path.read_text(encoding="utf-8")
    assert "secret-reading-77" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    requests = [line for line in lines if line["logger"] == "parallax.request"]
    assert [r["request_id"] for r in requests] == [request_id]
    assert any(line["logger"].startswith("gunicorn") for line in lines)
