"""Faults: a killed ingest, a database that goes away, corrupt ratings, a read-only or full disk."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from service.app import create_app
from service.store.postgres import split_database_url
from tests.support.net import CutProxy
from tests.support.stores import PG_URL

from .conftest import make_app, write_ratings

ROOT = Path(__file__).resolve().parents[2]


def proxied_url(pg_url: str, port: int) -> str:
    """pg_url with its host and port replaced by the proxy's."""
    conninfo, schema = split_database_url(pg_url)
    rest = conninfo.split("@", 1)[1].split("/", 1)[1]
    user = conninfo.split("://", 1)[1].split("@", 1)[0]
    return f"postgresql://{user}@127.0.0.1:{port}/{rest}?schema={schema}"


@pytest.fixture
def proxy() -> Iterator[CutProxy]:
    conninfo, _ = split_database_url(PG_URL)
    host = conninfo.split("@", 1)[1].split("/", 1)[0]
    name, _, port = host.partition(":")
    p = CutProxy((name, int(port or 5432)))
    yield p
    p.close()


def test_when_the_database_goes_away_readyz_fails_and_scoring_answers(
    pg_url: str, proxy: CutProxy, tmp_path: Path
) -> None:
    app = make_app(tmp_path, DATABASE_URL=proxied_url(pg_url, proxy.port))
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    assert client.get("/v1/stories").status_code == 200

    proxy.cut()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"]["ok"] is False
    assert ready.get_json()["checks"]["ratings"]["ok"] is True
    scored = client.get("/v1/score?url=https://leftpaper.com/2025/story")
    assert scored.status_code == 200
    assert scored.get_json()["outlet"]["id"] == "leftpaper.com"
    stories = client.get("/v1/stories")
    assert stories.status_code == 503
    assert stories.get_json()["error"]["code"] == "store_unavailable"
    assert stories.headers["Retry-After"]

    proxy.restore()
    assert client.get("/readyz").status_code == 200
    assert client.get("/v1/stories").status_code == 200


def test_a_database_down_at_start_is_a_503_not_a_crash(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "INGEST_ENABLED": False,
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:9/none",
        }
    )
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    # Why goes to the log; anyone may read /readyz, so it names no host or port.
    detail = ready.get_json()["checks"]["database"]["detail"]
    assert detail == "store unavailable"
    assert "127.0.0.1" not in ready.get_data(as_text=True) and ":9" not in ready.get_data(
        as_text=True
    )
    assert client.get("/v1/score?url=nytimes.com/x").status_code == 200
    assert client.get("/v1/stories").status_code == 503


# -- kill -9 mid-batch on PostgreSQL --------------------------------------------------------

ARTICLES = 2000
BATCH = 40


def write_articles(path: Path) -> None:
    places = ["Harbor", "Granite", "Lakeside", "Northfield", "Riverton", "Ashford", "Bayview"]
    events = ["flood barrier vote", "school recall", "bridge closure", "transit strike"]
    with path.open("w", encoding="utf-8") as out:
        for i in range(ARTICLES):
            place, event, day = places[(i // 8) % 7], events[i % 4], 1 + i // 400
            record = {
                "id": f"n{i}",
                "url": f"https://leftpaper.com/{day}/{place.lower()}-{i}",
                "title": f"{place} {event} update {i}",
                "text": f"Officials in {place} discussed the {event} on day {day}: {i}.",
                "published": f"2025-03-{day:02d}T{(i % 24):02d}:00:00Z",
            }
            out.write(json.dumps(record) + "\n")


def pg_count(pg_url: str, sql: str) -> Any:
    conninfo, schema = split_database_url(pg_url)
    with psycopg.connect(conninfo, connect_timeout=5) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        try:
            row = conn.execute(sql).fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return row[0] if row else None


@pytest.mark.slow
def test_kill_9_mid_ingest_and_restart_loses_and_duplicates_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    data = tmp_path / "articles.jsonl"
    write_articles(data)
    env = {
        **os.environ,
        "PARALLAX_DATA_DIR": str(tmp_path / "data"),
        "PARALLAX_RATINGS_DIR": str(write_ratings(tmp_path / "ratings")),
        "PARALLAX_DATABASE_URL": pg_url,
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "service.cli",
        "ingest",
        "--file",
        str(data),
        "--batch",
        str(BATCH),
    ]
    proc = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if pg_count(pg_url, "SELECT count(*) FROM articles") >= 8 * BATCH:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "ingest finished before it could be killed; raise ARTICLES"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    at_kill = pg_count(pg_url, "SELECT count(*) FROM articles")
    assert 0 < at_kill < ARTICLES
    assert at_kill % BATCH == 0  # a batch is one transaction: never half of one
    cursor = pg_count(pg_url, "SELECT value FROM cursors WHERE name LIKE 'file:%'")
    assert int(cursor) == at_kill

    done = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["added"] == ARTICLES - at_kill
    assert summary["duplicates"] == 0
    assert pg_count(pg_url, "SELECT count(DISTINCT ext_id) FROM articles") == ARTICLES
    assert pg_count(pg_url, "SELECT count(*) FROM articles") == ARTICLES
    assert pg_count(pg_url, "SELECT sum(article_count) FROM stories") == ARTICLES
    orphans = pg_count(
        pg_url,
        "SELECT count(*) FROM articles WHERE story_id IS NULL"
        " OR story_id NOT IN (SELECT id FROM stories)",
    )
    assert orphans == 0


# -- corrupt ratings ------------------------------------------------------------------------


def test_corrupt_ratings_stop_the_service_naming_file_and_line(tmp_path: Path) -> None:
    ratings = write_ratings(tmp_path / "ratings")
    broken = ratings / "outlets" / "test.csv"
    lines = broken.read_text("utf-8").splitlines()
    lines[2] = lines[2].replace(",lean-left,", ",leftish,")
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "PARALLAX_DATA_DIR": str(tmp_path / "data"),
        "PARALLAX_RATINGS_DIR": str(ratings),
        "PARALLAX_INGEST_ENABLED": "0",
        "PYTHONPATH": str(ROOT),
    }
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--no-ingest"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "test.csv" in started.stderr and ":3" in started.stderr, started.stderr
    assert "Traceback" not in started.stderr


# -- read-only and full data directories (needs root to mount a small tmpfs) -----------------


@contextlib.contextmanager
def tmpfs(path: Path, options: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def test_a_read_only_data_dir_is_refused_at_start(tmp_path: Path) -> None:
    with tmpfs(tmp_path / f"ro-{uuid.uuid4().hex[:6]}", "ro,size=1m") as data:
        with pytest.raises(ValueError, match="read-only") as caught:
            create_app({"TESTING": True, "DATA_DIR": str(data), "INGEST_ENABLED": False})
        assert str(data) in str(caught.value)


def test_a_full_data_dir_answers_503_naming_the_disk(tmp_path: Path) -> None:
    with tmpfs(tmp_path / f"full-{uuid.uuid4().hex[:6]}", "size=512k") as data:
        app = make_app(tmp_path, DATA_DIR=str(data), STORE_SUBMITTED_ARTICLES=True)
        client = app.test_client()
        assert client.get("/v1/stories").status_code == 200
        # Fill the disk; the next write to the store cannot succeed.
        with contextlib.suppress(OSError), (data / "filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        responses = [
            client.post(
                "/v1/articles",
                json={
                    "url": f"https://leftpaper.com/{i}",
                    "title": f"Harbor council approves barrier, part {i}",
                    "description": "x " * 2000,
                },
            )
            for i in range(20)
        ]
        statuses = {r.status_code for r in responses}
        assert 500 not in statuses
        full = [r for r in responses if r.status_code == 503]
        assert full, statuses
        assert "full" in full[0].get_json()["error"]["message"]
        app.extensions["parallax.coverage"].store.close()
