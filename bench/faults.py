"""Fault drill against a real gunicorn server: database cut and restored under load, kill -9 of
an ingest mid-batch, corrupt ratings, read-only and full data directories. Prints figures.

Everything runs on 127.0.0.1 for a bounded time. PostgreSQL is reached through a TCP proxy this
script owns, so "the database goes away" cuts only this drill's connections, never the server.

usage: python -m bench.faults [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service.store.postgres import drop_schema
from tests.support.net import CutProxy, free_port

REPO = Path(__file__).resolve().parent.parent

HOST = "127.0.0.1"
OUTLETS = (
    "id,name,aliases,kind,country,language,lean,lean_score,factuality,owner,owner_type,flags,"
    "basis,confidence,reviewed\n"
    "leftpaper.com,Left Paper,,newspaper,US,en,lean-left,,high,Left Paper Co,family,,drill,high,"
    "2025-01-01\n"
)


def get(port: int, path: str) -> int:
    with socket.create_connection((HOST, port), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        return int(s.recv(64).split(b" ", 2)[1])


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    ratings = tmp / "ratings" / "outlets"
    ratings.mkdir(parents=True, exist_ok=True)
    (ratings / "drill.csv").write_text(OUTLETS, encoding="utf-8")
    return {
        **os.environ,
        "PARALLAX_DATA_DIR": str(tmp / "data"),
        "PARALLAX_RATINGS_DIR": str(tmp / "ratings"),
        "PARALLAX_INGEST_ENABLED": "0",
        "PARALLAX_RATE_LIMIT": "",
        "PARALLAX_LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(REPO),
        **extra,
    }


def database_outage(base_url: str, tmp: Path) -> dict[str, Any]:
    """Cuts the database for 5 s under steady scoring; how readiness and scoring behave."""
    parts = urlsplit(base_url)
    proxy = CutProxy((parts.hostname or HOST, parts.port or 5432))
    schema = f"parallax_drill_{uuid.uuid4().hex[:8]}"
    user = f"{parts.username}@" if parts.username else ""
    url = f"postgresql://{user}{HOST}:{proxy.port}{parts.path}?schema={schema}"
    port = free_port()
    env = env_for(
        tmp, PARALLAX_DATABASE_URL=url, GUNICORN_BIND=f"{HOST}:{port}", GUNICORN_WORKERS="2"
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:service.ops.gunicorn_conf",
            "service.wsgi:app",
        ],
        env=env,
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    scores: dict[int, int] = {}
    stop = threading.Event()

    def score_loop() -> None:
        while not stop.is_set():
            try:
                status = get(port, "/v1/score?url=https%3A%2F%2Fleftpaper.com%2Fa")
            except OSError:
                status = 0
            scores[status] = scores.get(status, 0) + 1

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, IndexError):
                if get(port, "/readyz") == 200:
                    break
            time.sleep(0.2)
        else:
            raise SystemExit("server not ready in 60 s")
        threads = [threading.Thread(target=score_loop) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(2)
        before = get(port, "/v1/stories")
        cut_at = time.monotonic()
        proxy.cut()
        readyz_503_after = None
        while time.monotonic() - cut_at < 20:
            if get(port, "/readyz") == 503:
                readyz_503_after = time.monotonic() - cut_at
                break
            time.sleep(0.05)
        during = get(port, "/v1/stories")
        time.sleep(5)
        proxy.up = True
        back_at = time.monotonic()
        ready_again_after = None
        while time.monotonic() - back_at < 30:
            if get(port, "/readyz") == 200:
                ready_again_after = time.monotonic() - back_at
                break
            time.sleep(0.1)
        after = get(port, "/v1/stories")
        stop.set()
        for t in threads:
            t.join()
    finally:
        stop.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        with contextlib.suppress(Exception):
            drop_schema(base_url, schema)
    return {
        "readyz_503_within_s": None if readyz_503_after is None else round(readyz_503_after, 2),
        "ready_again_within_s": None if ready_again_after is None else round(ready_again_after, 2),
        "stories_before_during_after": [before, during, after],
        "score_statuses_throughout": scores,
    }


def kill_mid_ingest(
    base_url: str, tmp: Path, articles: int = 3000, batch: int = 50
) -> dict[str, Any]:
    """kill -9 `parallax ingest --file` on PostgreSQL mid-run, then run it again."""
    import psycopg

    schema = f"parallax_drill_{uuid.uuid4().hex[:8]}"
    url = f"{base_url}?schema={schema}"
    data = tmp / "articles.jsonl"
    with data.open("w", encoding="utf-8") as out:
        for i in range(articles):
            out.write(
                json.dumps(
                    {
                        "id": f"n{i}",
                        "url": f"https://leftpaper.com/{i}",
                        "title": f"Council item {i} about topic {i % 37}",
                        "published": 1_741_000_000 + i * 60,
                    }
                )
                + "\n"
            )
    env = env_for(tmp, PARALLAX_DATABASE_URL=url)
    command = [
        sys.executable,
        "-m",
        "service.cli",
        "ingest",
        "--file",
        str(data),
        "--batch",
        str(batch),
    ]

    def count() -> int:
        with psycopg.connect(base_url, connect_timeout=5) as conn:
            try:
                row = conn.execute(f'SELECT count(*) FROM "{schema}".articles').fetchone()
            except psycopg.errors.UndefinedTable:
                return 0
        return int(row[0]) if row else 0

    try:
        proc = subprocess.Popen(
            command, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline and count() < articles // 4:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        at_kill = count()
        done = subprocess.run(
            command, env=env, cwd=tmp, capture_output=True, text=True, timeout=600, check=False
        )
        summary = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
        with psycopg.connect(base_url, connect_timeout=5) as conn:
            distinct = conn.execute(
                f'SELECT count(DISTINCT ext_id), count(*) FROM "{schema}".articles'
            ).fetchone()
    finally:
        with contextlib.suppress(Exception):
            drop_schema(base_url, schema)
    assert distinct is not None
    return {
        "articles": articles,
        "batch": batch,
        "stored_at_kill": at_kill,
        "whole_batches_at_kill": at_kill % batch == 0,
        "added_on_restart": summary.get("added"),
        "duplicates_on_restart": summary.get("duplicates"),
        "stored_distinct_and_total": list(distinct),
    }


def refuses_to_start(env: dict[str, str], tmp: Path) -> dict[str, Any]:
    started = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(free_port()), "--no-ingest"],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in started.stderr.splitlines() if line.strip()]
    return {
        "exit": started.returncode,
        "message": " | ".join(lines[:2])[:300],
        "traceback": "Traceback" in started.stderr,
    }


def corrupt_ratings(tmp: Path) -> dict[str, Any]:
    env = env_for(tmp)
    broken = tmp / "ratings" / "outlets" / "drill.csv"
    broken.write_text(OUTLETS.replace(",lean-left,", ",leftish,"), encoding="utf-8")
    return refuses_to_start(env, tmp)


def bad_data_dir(tmp: Path, options: str) -> dict[str, Any]:
    mount = tmp / f"mnt-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
            capture_output=True,
            check=False,
        ).returncode
        != 0
    ):
        return {"skipped": "mounting a tmpfs needs root"}
    try:
        if "ro" not in options.split(","):
            with contextlib.suppress(OSError), (mount / "filler").open("wb") as filler:
                while True:
                    filler.write(b"\0" * 65536)
        env = env_for(tmp, PARALLAX_DATA_DIR=str(mount))
        return refuses_to_start(env, tmp)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="parallax-faults-") as root:
        tmp = Path(root)
        for name, drill in (
            ("database_outage", lambda d: database_outage(args.database_url, d)),
            ("kill_9_mid_ingest", lambda d: kill_mid_ingest(args.database_url, d)),
            ("corrupt_ratings", corrupt_ratings),
            ("read_only_data_dir", lambda d: bad_data_dir(d, "ro,size=1m")),
            ("full_data_dir", lambda d: bad_data_dir(d, "size=256k")),
        ):
            directory = tmp / name
            directory.mkdir()
            report[name] = drill(directory)
    print(json.dumps(report, indent=2))
    outage = report["database_outage"]
    ingest = report["kill_9_mid_ingest"]
    ok = (
        outage["readyz_503_within_s"] is not None
        and outage["ready_again_within_s"] is not None
        and set(outage["score_statuses_throughout"]) == {200}
        and ingest["stored_distinct_and_total"] == [ingest["articles"]] * 2
        and ingest["duplicates_on_restart"] == 0
        and report["corrupt_ratings"]["exit"] != 0
    )
    print(f"faults: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
