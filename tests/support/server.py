"""The production server (gunicorn with service/ops/gunicorn_conf.py) on a loopback port, for
tests and benchmarks: started in its own process group, waited for, stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support.net import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def gunicorn(
    data_dir: Path,
    *,
    workers: int = 1,
    threads: int = 4,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    app: str = "service.wsgi:app",
    worker_class: str | None = None,
) -> Iterator[int]:
    """Yields the port of a gunicorn serving the app with the production configuration."""
    port = free_port()
    environ = {
        **os.environ,
        "PARALLAX_DATA_DIR": str(data_dir),
        "PARALLAX_INGEST_ENABLED": "0",
        "PARALLAX_LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_LOGLEVEL": "warning",
        **(env or {}),
    }
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:service.ops.gunicorn_conf",
            *(["--worker-class", worker_class] if worker_class else []),
            app,
        ],
        cwd=ROOT,
        env=environ,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not wait_for_port(port, timeout=60):
            raise RuntimeError(
                f"gunicorn did not start on {port}" + (f"; see {log}" if log else "")
            )
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        if log is not None and out is not subprocess.DEVNULL:
            out.close()  # type: ignore[union-attr]
