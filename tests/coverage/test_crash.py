"""Kill `parallax ingest --file` mid-run, restart it: nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 3000
BATCH = 40
PLACES = ["Harbor", "Granite", "Lakeside", "Northfield", "Riverton", "Ashford", "Bayview"]
EVENTS = [
    "flood barrier vote",
    "school board recall",
    "bridge closure",
    "water main break",
    "mayoral debate",
    "transit strike",
    "library expansion",
    "wildfire evacuation",
]


def write_articles(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(ARTICLES):
            place = PLACES[(i // 8) % len(PLACES)]
            event = EVENTS[i % len(EVENTS)]
            day = 1 + (i // 400)
            out.write(
                json.dumps(
                    {
                        "id": f"n{i}",
                        "url": f"https://leftpaper.com/{day}/{place.lower()}-{i}",
                        "title": f"{place} {event} update {i}",
                        "text": f"Officials in {place} discussed the {event} on day {day}: {i}.",
                        "published": f"2025-03-{day:02d}T{(i % 24):02d}:00:00Z",
                    }
                )
                + "\n"
            )


def count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_kill_and_restart_loses_and_duplicates_nothing(tmp_path: Path, ratings_dir: Path) -> None:
    data = tmp_path / "articles.jsonl"
    write_articles(data)
    env = {
        **os.environ,
        "PARALLAX_DATA_DIR": str(tmp_path / "data"),
        "PARALLAX_RATINGS_DIR": str(ratings_dir),
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
    db = tmp_path / "data" / "parallax.sqlite3"
    proc = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while count(db) < 10 * BATCH and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "ingest finished before it could be killed; raise ARTICLES"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    at_kill = count(db)
    assert 0 < at_kill < ARTICLES
    # Whole batches only: a batch is one transaction, so a kill cannot leave half of one.
    assert at_kill % BATCH == 0
    with sqlite3.connect(db) as conn:
        cursor = conn.execute("SELECT value FROM cursors WHERE name LIKE 'file:%'").fetchone()[0]
    assert int(cursor) == at_kill

    done = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["added"] == ARTICLES - at_kill
    assert summary["duplicates"] == 0
    with sqlite3.connect(db) as conn:
        keys = [k for (k,) in conn.execute("SELECT ext_id FROM articles")]
        assert sorted(keys) == sorted(f"n{i}" for i in range(ARTICLES))
        orphans = conn.execute(
            "SELECT count(*) FROM articles WHERE story_id IS NULL"
            " OR story_id NOT IN (SELECT id FROM stories)"
        ).fetchone()[0]
        assert orphans == 0
        total = conn.execute("SELECT sum(article_count) FROM stories").fetchone()[0]
        assert total == ARTICLES
        ids = [s for (s,) in conn.execute("SELECT id FROM stories")]
        assert len(ids) == len(set(ids))


@pytest.mark.slow
def test_the_worker_stops_cleanly_on_sigterm(tmp_path: Path, ratings_dir: Path) -> None:
    env = {
        **os.environ,
        "PARALLAX_DATA_DIR": str(tmp_path / "data"),
        "PARALLAX_RATINGS_DIR": str(ratings_dir),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker", "--interval", "3600"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for _ in range(50):  # log lines may come first; the banner follows once the engine is open
        seen.append(proc.stderr.readline())
        if "ingesting 0 feeds every 3600 s" in seen[-1] or not seen[-1]:
            break
    assert "ingesting 0 feeds every 3600 s" in seen[-1], seen
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert (tmp_path / "data" / "parallax.sqlite3").exists()
