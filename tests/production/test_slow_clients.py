"""Issue 14, findings 5 and 7 against the real server: slow clients cannot take gunicorn's
threads (the worker gathers each request head first), and gunicorn's own errors are JSON."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.server import gunicorn

SLOW = 12  # slow connections: three times the threads of the one worker


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    root = tmp_path_factory.mktemp("slow")
    with gunicorn(
        root / "data",
        workers=1,
        threads=4,
        env={"GUNICORN_HEADER_TIMEOUT": "3", "PARALLAX_RATE_LIMIT": ""},
        log=root / "gunicorn.log",
    ) as served:
        yield served


def get(
    port: int, path: str, timeout: float = 15.0
) -> tuple[int, dict[str, object], dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, json.loads(body), headers
    finally:
        conn.close()


@contextlib.contextmanager
def slow_clients(port: int, count: int, first: bytes) -> Iterator[list[socket.socket]]:
    """`count` connections that each sent `first` and then nothing more."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(first)
            socks.append(sock)
        time.sleep(0.3)  # every connection is now inside the server
        yield socks
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.parametrize(
    "first",
    [
        b"G",  # one byte of the request line
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",  # headers never finished
        b"POST /v1/lookup HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{",
    ],
    ids=["request_line", "headers", "body"],
)
def test_slow_clients_do_not_hold_the_threads(port: int, first: bytes) -> None:
    with slow_clients(port, SLOW, first):
        status, body, _ = get(port, "/healthz")
        assert status == 200 and body == {"status": "ok"}
        status, body, _ = get(port, "/v1/score?url=https://www.bbc.co.uk/news/x")
        assert status == 200


def test_a_request_that_never_finishes_is_closed_with_a_json_408(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"application/json" in head
    assert json.loads(body)["error"]["code"] == "request_timeout"


def test_keep_alive_and_pipelined_requests_still_work(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(3):
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() == b'{"status":"ok"}\n'
    conn.close()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
        seen = b""
        while seen.count(b"HTTP/1.1 200") < 2:
            chunk = sock.recv(65536)
            assert chunk, seen
            seen += chunk


def test_a_body_larger_than_the_gathered_bytes_is_still_read(port: int) -> None:
    urls = [f"https://leftpaper.com/{i:06d}" for i in range(4000)]  # ~130 KiB
    body = json.dumps({"urls": urls[:1000]}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    conn.request("POST", "/v1/lookup", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200 and len(json.loads(response.read())["results"]) == 1000


@pytest.mark.parametrize(
    ("length", "code"),
    [(8100, "query_too_long"), (9000, "uri_too_long"), (100_000, "uri_too_long")],
)
def test_every_long_query_gets_a_json_414(port: int, length: int, code: str) -> None:
    status, body, headers = get(port, "/v1/score?url=a.com/" + "x" * length)
    assert status == 414
    assert headers["content-type"].startswith("application/json")
    assert body["error"]["code"] == code  # type: ignore[index]


def test_gunicorns_own_refusals_are_json(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n" + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"application/json" in head, head
    assert json.loads(body)["error"]["code"]
