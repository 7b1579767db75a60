"""Spine benchmark: URL resolution against bare tldextract, and /v1/score against a trivial endpoint.

Prints figures as ratios against a baseline measured in the same run:
  1. in-process resolve + outlet lookup per second over 10,000 realistic URLs, vs bare tldextract
     on the same URLs (target: at most 2x slower, i.e. ratio >= 0.5);
  2. requests per second of /v1/score under the production server (gunicorn via `parallax serve`),
     vs /healthz (a trivial JSON endpoint of the same app) under the same server (target >= 0.85),
     and the same comparison by the server's CPU time per answered request.

Both endpoints pass through the same middleware (metrics, request log, query bound, security
headers) except where production itself differs: /healthz is exempt from the rate limiter
(so PARALLAX_RATE_LIMIT is emptied here, for both), and CORS (/v1/* only) and the response
cache (off by default, as here) apply to /v1/score alone.

usage: python -m bench.spine [--urls 10000] [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from service.core.ratings import bundled_table, load_table
from service.core.resolver import _EXTRACT
from service.core.urls import URLInputError
from tests.support.net import free_port

REPO = Path(__file__).resolve().parent.parent


def realistic_urls(n: int, seed: int = 7) -> list[str]:
    """A mix like a news reader's links: rated outlets, subdomains, trackers, wrappers, junk."""
    rng = random.Random(seed)
    ids = sorted(o for o in bundled_table().outlets if "/" not in o)
    rng.shuffle(ids)
    # Readers' links follow a Zipf law over outlets: a few sites get most of them.
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(ids))]
    words = ["world", "politics", "2025", "business", "live", "story", "news", "opinion", "x"]
    urls = []
    for i in range(n):
        host = rng.choices(ids, weights)[0]
        prefix = rng.choice(["www.", "www.", "", "m.", "amp.", "edition."])
        path = "/" + "/".join(rng.choice(words) for _ in range(rng.randint(1, 4))) + f"-{i}.html"
        url = f"https://{prefix}{host}{path}"
        roll = rng.random()
        if roll < 0.15:
            url += f"?utm_source=twitter&utm_medium=social&fbclid=IwAR{i}"
        elif roll < 0.22:
            url = "https://www.google.com/url?q=" + quote(url, safe="") + "&sa=D"
        elif roll < 0.26:
            url = "https://l.facebook.com/l.php?u=" + quote(url, safe="")
        elif roll < 0.36:
            url = f"https://unrated-{i}.example.org/story/{i}"
        elif roll < 0.39:
            url = rng.choice(["javascript:alert(1)", "", "ftp://x.org/a", f"https://t.co/{i}"])
        urls.append(url)
    return urls


def bench_resolve(urls: list[str], rounds: int = 7) -> tuple[float, float]:
    """Best-of-N throughput of ours and of bare tldextract, interleaved so noise hits both.

    Both warm up first on a different sample of the same distribution: tldextract's own caches
    and our per-host memo reach their steady state, while the measured URLs stay unseen.
    """
    table = load_table()
    for url in realistic_urls(len(urls), seed=99):
        _EXTRACT(url)
        with contextlib.suppress(URLInputError):
            table.resolve(url)
    best_ours = best_bare = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for url in urls:
            _EXTRACT(url)
        best_bare = min(best_bare, time.perf_counter() - start)
        start = time.perf_counter()
        for url in urls:
            with contextlib.suppress(URLInputError):
                table.resolve(url)
        best_ours = min(best_ours, time.perf_counter() - start)
    return len(urls) / best_ours, len(urls) / best_bare


async def _connection(port: int, paths: list[str], deadline: float, counts: list[int]) -> None:
    """One keep-alive client: on a closed connection (gunicorn recycles a worker after
    max_requests) it reconnects, as a browser would, and counts the lost request as an error
    rather than as an answer."""
    i = 0
    while time.perf_counter() < deadline:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                path = paths[i % len(paths)]
                i += 1
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionResetError
                length, closing = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    header = line.lower()
                    if header.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                    elif header.startswith(b"connection:") and b"close" in header:
                        closing = True
                await reader.readexactly(length)
                if b" 200 " in status_line:
                    counts[0] += 1
                else:
                    counts[1] += 1
                    if counts[1] == 1:
                        print(
                            "first non-200 answer:",
                            status_line.decode(errors="replace").strip(),
                            path[:120],
                            file=sys.stderr,
                        )
                if closing:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            counts[2] += 1
        finally:
            writer.close()


def load(port: int, paths: list[str], seconds: float, connections: int) -> tuple[float, int]:
    """Successful (200) requests per second over `connections` keep-alive connections from one
    asyncio process (so the load generator takes as little of the shared CPU as it can), and the
    number of failed ones (non-200 answers and requests lost to a closed connection)."""
    counts = [0, 0, 0]  # answered 200, answered otherwise, lost to a closed connection

    async def run() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _connection(port, paths[i::connections] or paths, deadline, counts)
                for i in range(connections)
            )
        )

    asyncio.run(run())
    return counts[0] / seconds, counts[1] + counts[2]


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time of the server: its master, live workers and reaped (recycled) workers.

    Unlike requests per second, CPU per request does not depend on how much of the shared CPU the
    load generator or other jobs took; None where /proc is not there to ask."""
    tick = os.sysconf("SC_CLK_TCK")

    def times(of: int, fields: slice) -> int:
        with open(f"/proc/{of}/stat") as stat:
            after_name = stat.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in after_name[fields])  # utime stime [cutime cstime]

    try:
        total = times(pid, slice(11, 15))
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            for child in children.read().split():
                with contextlib.suppress(OSError):
                    total += times(int(child), slice(11, 13))
    except OSError:
        return None
    return total / tick


def bench_http(urls: list[str], seconds: float, connections: int) -> dict[str, object]:
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "PARALLAX_DATA_DIR": data,
            "PARALLAX_INGEST_ENABLED": "0",
            "PARALLAX_LOG_LEVEL": "WARNING",
            "PARALLAX_RATE_LIMIT": "",
            "PARALLAX_REDIS_URL": "",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
                "--no-ingest",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=1).request(
                        "GET", "/healthz"
                    )
                    break
                except OSError:
                    time.sleep(0.2)
            valid = [u for u in urls if u and not u.startswith(("javascript", "ftp"))]
            score_paths = ["/v1/score?url=" + quote(u, safe="") for u in valid]
            load(port, score_paths, 2, connections)  # warm-up: workers, caches
            load(port, ["/healthz"], 2, connections)
            # Alternated one-second slices, so bursts of other jobs on the shared machine hit
            # both endpoints alike instead of whichever happened to be running.
            rounds = max(2, round(seconds))
            trivial = score = 0.0
            trivial_errors = errors = done = 0
            cpu = {"trivial": 0.0, "score": 0.0}
            cpu_known = True

            def timed(kind: str, paths: list[str]) -> tuple[float, int]:
                nonlocal cpu_known
                before = server_cpu_seconds(server.pid)
                rps, failed = load(port, paths, seconds / rounds, connections)
                after = server_cpu_seconds(server.pid)
                if before is None or after is None:
                    cpu_known = False
                else:
                    cpu[kind] += after - before
                return rps, failed

            for _ in range(rounds):
                rps, failed = timed("trivial", ["/healthz"])
                trivial, trivial_errors = trivial + rps / rounds, trivial_errors + failed
                # Each slice goes on where the last stopped: the URLs stay unseen, not warm.
                rps, failed = timed("score", score_paths[done:] + score_paths[:done])
                score, errors = score + rps / rounds, errors + failed
                done = (done + round(rps * seconds / rounds) + failed) % len(score_paths)
        finally:
            server.terminate()
            server.wait(timeout=20)
    trivial_us = cpu["trivial"] / (trivial * seconds) * 1e6 if cpu_known and trivial else None
    score_us = cpu["score"] / (score * seconds) * 1e6 if cpu_known and score else None
    return {
        "score_rps": round(score),
        "trivial_rps": round(trivial),
        "score_vs_trivial": round(score / trivial, 3) if trivial else 0.0,
        "score_errors": errors,
        "trivial_errors": trivial_errors,
        "http_target": ">= 0.85",
        # Server CPU per answered request; the ratio is what requests/s would be on a machine
        # where the server had the CPU to itself.
        "trivial_server_cpu_us": round(trivial_us) if trivial_us else None,
        "score_server_cpu_us": round(score_us) if score_us else None,
        "score_vs_trivial_by_cpu": round(trivial_us / score_us, 3)
        if trivial_us and score_us
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    urls = realistic_urls(args.urls)
    ours, bare = bench_resolve(urls)
    result = {
        "urls": len(urls),
        "resolve_per_s": round(ours),
        "bare_tldextract_per_s": round(bare),
        "resolve_vs_tldextract": round(ours / bare, 3),
        "resolve_target": ">= 0.5 (no slower than 2x tldextract)",
    }
    if not args.skip_http:
        result.update(bench_http(urls, args.seconds, args.connections))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
