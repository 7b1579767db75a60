"""Load test: 64 keep-alive connections for 60 s on /v1/score and /v1/lookup against gunicorn.

The server runs in its own process group (gunicorn, as in production, with worker recycling
off so a leak cannot hide behind restarts); this script is the second process that drives it,
only ever on 127.0.0.1, for a bounded time. It prints, per endpoint, requests/s, p50 and p99,
the error count, and the server's resident memory after warm-up and after the run. The
baseline measured in the same run is /healthz (a trivial JSON answer of the same app) under
the same load: scoring throughput is printed as a ratio of it.

Exit status 1 when any request failed or memory grew more than 10 % after warm-up.

usage: python -m bench.load [--seconds 60] [--connections 64] [--warmup 10] [--workers 2]
                            [--database-url postgresql://…] [--redis-url redis://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from service.core.ratings import bundled_table
from tests.support.net import free_port

REPO = Path(__file__).resolve().parent.parent

HOST = "127.0.0.1"  # never anything else: load only ever targets this machine
LOOKUP_URLS = 20
MAX_SECONDS = 600


def article_urls(n: int, seed: int = 11) -> list[str]:
    """Article links on rated outlets (and some unknown sites), as a reader's feed has them."""
    rng = random.Random(seed)
    ids = sorted(o for o in bundled_table().outlets if "/" not in o)
    urls = []
    for i in range(n):
        host = rng.choice(ids) if rng.random() < 0.85 else f"blog{i}.example.org"
        prefix = rng.choice(["", "www.", "m."])
        urls.append(f"https://{prefix}{host}/2025/{rng.randrange(10**6)}/story-{i}?utm_source=x")
    return urls


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, status: int, seconds: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 200:
            self.latencies.append(seconds)
        else:
            self.errors += 1

    def summary(self, seconds: float) -> dict[str, float | int | dict[int, int]]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

        return {
            "requests": len(ordered) + self.errors,
            "rps": round((len(ordered) + self.errors) / seconds, 1),
            "p50_ms": round(pct(0.50), 2),
            "p99_ms": round(pct(0.99), 2),
            "errors": self.errors,
            "statuses": self.statuses,
        }


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


def requests_for(kind: str, urls: list[str], rng: random.Random) -> bytes:
    if kind == "healthz":
        return f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    if kind == "score":
        url = quote(rng.choice(urls), safe="")
        return f"GET /v1/score?url={url} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    body = json.dumps({"urls": rng.sample(urls, LOOKUP_URLS)}).encode()
    return (
        f"POST /v1/lookup HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def connection(
    port: int,
    deadline: float,
    mix: list[str],
    urls: list[str],
    tallies: dict[str, Tally],
    seed: int,
) -> None:
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.monotonic() < deadline:
            kind = rng.choice(mix)
            started = time.perf_counter()
            try:
                writer.write(requests_for(kind, urls, rng))
                await writer.drain()
                status, _ = await asyncio.wait_for(read_response(reader), 30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                tallies[kind].add(0, 0.0)
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            tallies[kind].add(status, time.perf_counter() - started)
    finally:
        writer.close()


async def drive(
    port: int, seconds: float, connections: int, mix: list[str], urls: list[str]
) -> dict[str, Tally]:
    tallies = {kind: Tally() for kind in set(mix)}
    deadline = time.monotonic() + min(seconds, MAX_SECONDS)
    await asyncio.gather(
        *(connection(port, deadline, mix, urls, tallies, seed) for seed in range(connections))
    )
    return tallies


def run_phase(
    port: int, seconds: float, connections: int, mix: list[str], urls: list[str]
) -> tuple[dict[str, Tally], float]:
    started = time.monotonic()
    tallies = asyncio.run(drive(port, seconds, connections, mix, urls))
    return tallies, time.monotonic() - started


def process_tree(pid: int) -> list[int]:
    """The pid and its descendants, from /proc."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            found += process_tree(int(child))
    return found


def resident_mib(pid: int) -> float:
    """Resident memory of the server: master and workers, summed."""
    total_kib = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total_kib / 1024


def start_server(
    port: int, workers: int, data_dir: str, args: argparse.Namespace, ready_within: float = 60.0
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PARALLAX_DATA_DIR": data_dir,
        "PARALLAX_INGEST_ENABLED": "0",
        # Limiting stays on (its cost is part of every request) but far above this load.
        "PARALLAX_RATE_LIMIT": "100000000/minute",
        "PARALLAX_LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": str(workers),
        "PYTHONPATH": str(REPO),
    }
    if args.database_url:
        env["PARALLAX_DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["PARALLAX_REDIS_URL"] = args.redis_url
        env["PARALLAX_RESPONSE_CACHE_SECONDS"] = "30"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:service.ops.gunicorn_conf",
        # Recycling workers would hide a leak: off for this measurement.
        "--max-requests",
        "0",
        "service.wsgi:app",
    ]
    # server_log: a file that gets the server's output, with each request logged (its "ms").
    server_log = getattr(args, "server_log", None)
    if server_log is not None:
        env["PARALLAX_LOG_LEVEL"] = "INFO"
        with open(server_log, "wb") as out:
            server = subprocess.Popen(
                command,
                env=env,
                cwd=REPO,
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
    else:
        server = subprocess.Popen(
            command,
            env=env,
            cwd=REPO,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(
                    f"GET /readyz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
                )
                if b" 200 " in s.recv(100):
                    return server
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit("the server did not start; run it by hand to see why")
        time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit(f"the server was not ready within {ready_within:g} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args()
    urls = article_urls(5000)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="parallax-load-") as data_dir:
        server = start_server(port, args.workers, data_dir, args)
        try:
            mix = ["score"] * 4 + ["lookup"]  # one batch lookup per four single scores
            run_phase(port, args.warmup, args.connections, mix, urls)
            rss_warm = resident_mib(server.pid)
            baseline, base_secs = run_phase(
                port, args.baseline_seconds, args.connections, ["healthz"], urls
            )
            tallies, secs = run_phase(port, args.seconds, args.connections, mix, urls)
            rss_after = resident_mib(server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    base = baseline["healthz"].summary(base_secs)
    report = {
        "connections": args.connections,
        "seconds": round(secs, 1),
        "workers": args.workers,
        "store": "postgresql" if args.database_url else "sqlite",
        "redis": bool(args.redis_url),
        "score": tallies["score"].summary(secs),
        "lookup": tallies["lookup"].summary(secs),
        "baseline_healthz": base,
        "rss_mib_after_warmup": round(rss_warm, 1),
        "rss_mib_after_run": round(rss_after, 1),
    }
    growth = rss_after / rss_warm - 1 if rss_warm else 0.0
    report["rss_growth_pct"] = round(growth * 100, 1)
    score_rps = float(report["score"]["rps"])
    lookup_rps = float(report["lookup"]["rps"])
    base_rps = float(base["rps"])  # type: ignore[arg-type]
    report["requests_per_s_vs_healthz"] = (
        round((score_rps + lookup_rps) / base_rps, 3) if base_rps else None
    )
    report["urls_scored_per_s"] = round(score_rps + lookup_rps * LOOKUP_URLS, 1)
    print(json.dumps(report, indent=2))
    errors = sum(t.errors for t in tallies.values())
    ok = errors == 0 and growth <= 0.10
    print(
        f"load: {'PASS' if ok else 'FAIL'} — {errors} errors, memory {report['rss_growth_pct']} % after warm-up"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
