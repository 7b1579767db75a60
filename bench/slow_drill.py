"""Slow-server and slow-client drill against the production server (gunicorn, gunicorn_conf.py).

While 50 page fetches hit a server that trickles (its status line and headers, its chunk sizes,
or its body, a byte every half second) and 100 clients trickle their own request heads, probes
ask /healthz and /v1/score every 100 ms. Prints, for the same drill run first against the
shipped worker and then against stock gthread (the baseline):

  - probe latency (p50, p99, max) and the share answered within 1 s, idle and under the drill;
  - what the 50 fetches got (a fetch_error "timeout" within the one 5 s deadline, or 503
    fetch_busy at once past the per-process cap) and the longest one took;
  - what the slow clients got (a JSON 408 after GUNICORN_HEADER_TIMEOUT, here 5 s).

Loopback only, bounded (about 70 s). The drill's app is the real one, with one change: the page
fetcher may reach the drill's own trickling server on 127.0.0.1 (bench/slow_drill_app.py).

usage: python bench/slow_drill.py [--seconds 12] [--fetches 50] [--clients 100]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.support.net import serve_connections
from tests.support.server import gunicorn

HOST = "127.0.0.1"
PAUSE = 0.5  # seconds between two bytes of everything slow


class TricklingServer:
    """Answers every request a byte at a time: /headers/… in its status line and headers,
    /chunks/… in its chunk sizes, /body/… in its body. Stops with the drill."""

    def __init__(self) -> None:
        self.listener = socket.create_server((HOST, 0), backlog=256)
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(
            target=serve_connections, args=(self.listener, self.stop, self._answer), daemon=True
        ).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = conn.recv(65536).decode("latin-1")
            path = request.split(" ", 2)[1] if request.count(" ") >= 2 else "/"
            if path.startswith("/headers/"):
                head, slow = (
                    b"",
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Pad: " + b"a" * 400,
                )
            elif path.startswith("/chunks/"):
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                slow = b"0" * 400 + b"1\r\n"
            else:
                head = (
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
                )
                slow = b"<" * 400
            with contextlib.suppress(OSError):
                conn.sendall(head)
                for i in range(len(slow)):
                    if self.stop.wait(PAUSE):
                        return
                    conn.sendall(slow[i : i + 1])

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


def probe(port: int, path: str, timeout: float = 5.0) -> float | None:
    """Seconds one request took on a fresh connection; None when it failed or timed out."""
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            return None
    except OSError:
        return None
    return time.perf_counter() - started


def probe_for(port: int, seconds: float) -> dict[str, list[float | None]]:
    times: dict[str, list[float | None]] = {"healthz": [], "score": []}
    paths = {
        "healthz": "/healthz",
        "score": "/v1/score?url=" + quote("https://www.bbc.co.uk/news/x", safe=""),
    }
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, path in paths.items():
            times[name].append(probe(port, path))
        time.sleep(0.1)
    return times


def summary(samples: list[float | None]) -> dict[str, Any]:
    done = sorted(s for s in samples if s is not None)
    within = sum(1 for s in samples if s is not None and s <= 1.0)
    return {
        "probes": len(samples),
        "within_1s": round(within / len(samples), 4) if samples else 0.0,
        "p50_ms": round(1000 * statistics.median(done), 1) if done else None,
        "p99_ms": round(1000 * done[min(len(done) - 1, int(0.99 * len(done)))], 1)
        if done
        else None,
        "max_ms": round(1000 * done[-1], 1) if done else None,
        "failed": len(samples) - len(done),
    }


def slow_fetch(port: int, slow_port: int, index: int, out: list[dict[str, Any]]) -> None:
    mode = ("headers", "chunks", "body")[index % 3]
    url = f"http://127.0.0.1:{slow_port}/{mode}/{index}"
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.request("GET", "/v1/related?url=" + quote(url, safe=""))
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        if response.status == 200:
            outcome = (body.get("fetch_error") or {}).get("code", "fetched")
        else:
            outcome = body["error"]["code"]
    except (OSError, ValueError) as exc:
        outcome = type(exc).__name__
    out.append({"mode": mode, "outcome": outcome, "seconds": time.perf_counter() - started})


def slow_client(port: int, stop: threading.Event, out: list[str]) -> None:
    """Sends a request head a byte every PAUSE seconds until answered, closed or stopped."""
    head = b"GET /healthz HTTP/1.1\r\nHost: drill\r\nX-Pad: " + b"b" * 4000 + b"\r\n\r\n"
    try:
        sock = socket.create_connection((HOST, port), timeout=60)
    except OSError as exc:
        out.append(f"connect failed ({type(exc).__name__})")
        return
    with sock:
        sock.settimeout(PAUSE)
        for i in range(len(head)):
            if stop.is_set():
                out.append("still open at the end")
                return
            try:
                sock.sendall(head[i : i + 1])
                answer = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                out.append("closed by the server")
                return
            status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "closed"
            out.append(f"answered {status}" if status != "closed" else "closed by the server")
            return
        out.append("sent it all")


def drill(label: str, worker_class: str | None, args: argparse.Namespace) -> dict[str, Any]:
    slow = TricklingServer()
    with tempfile.TemporaryDirectory() as data:
        env = {
            "PARALLAX_RATE_LIMIT": "",
            "PARALLAX_FETCH_PAGES": "1",
            "GUNICORN_HEADER_TIMEOUT": "5",
        }
        with gunicorn(
            Path(data),
            workers=2,
            threads=4,
            env=env,
            app="bench.slow_drill_app:app",
            worker_class=worker_class,
        ) as port:
            probe_for(port, 1.0)  # warm-up
            idle = probe_for(port, args.seconds / 2)
            stop = threading.Event()
            fetches: list[dict[str, Any]] = []
            clients: list[str] = []
            threads = [
                threading.Thread(target=slow_client, args=(port, stop, clients), daemon=True)
                for _ in range(args.clients)
            ]
            threads += [
                threading.Thread(target=slow_fetch, args=(port, slow.port, i, fetches), daemon=True)
                for i in range(args.fetches)
            ]
            for thread in threads:
                thread.start()
            time.sleep(0.5)
            loaded = probe_for(port, args.seconds)
            stop.set()
            for thread in threads:
                thread.join(15)
    slow.close()
    outcomes: dict[str, int] = {}
    for fetch in fetches:
        outcomes[fetch["outcome"]] = outcomes.get(fetch["outcome"], 0) + 1
    client_outcomes: dict[str, int] = {}
    for outcome in clients:
        client_outcomes[outcome] = client_outcomes.get(outcome, 0) + 1
    return {
        "server": label,
        "idle": {name: summary(samples) for name, samples in idle.items()},
        "drill": {name: summary(samples) for name, samples in loaded.items()},
        "slow_fetches": {
            "count": len(fetches),
            "outcomes": outcomes,
            "longest_s": round(max((f["seconds"] for f in fetches), default=0.0), 2),
        },
        "slow_clients": {"count": len(clients), "outcomes": client_outcomes},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=12.0, help="probing time under the drill")
    parser.add_argument("--fetches", type=int, default=50)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--skip-baseline", action="store_true", help="do not drill stock gthread")
    args = parser.parse_args()
    runs = [drill("shipped (GatheringThreadWorker)", None, args)]
    if not args.skip_baseline:
        runs.append(drill("baseline (stock gthread)", "gthread", args))
    for run in runs:
        print(json.dumps(run, indent=2))
    shipped = runs[0]["drill"]
    print(
        "\nshipped, under the drill: /healthz within 1 s {h:.1%}, /v1/score within 1 s {s:.1%}; "
        "max {hm} ms and {sm} ms".format(
            h=shipped["healthz"]["within_1s"],
            s=shipped["score"]["within_1s"],
            hm=shipped["healthz"]["max_ms"],
            sm=shipped["score"]["max_ms"],
        )
    )
    if len(runs) > 1:
        base = runs[1]["drill"]
        print(
            "baseline (stock gthread), same drill: /healthz within 1 s {h:.1%}, /v1/score within "
            "1 s {s:.1%}".format(h=base["healthz"]["within_1s"], s=base["score"]["within_1s"])
        )


if __name__ == "__main__":
    main()
