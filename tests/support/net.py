"""Loopback networking for tests and benchmarks: free ports, waiting for a server, and a TCP proxy
that can cut every connection (a database or a server 'going away') and can keep what clients send
(what reached a server, and when)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nobody listens on right now (the usual race is fine on a test machine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 30.0, host: str = HOST) -> bool:
    """True once something accepts connections on host:port, False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return True
        time.sleep(0.05)
    return False


def serve_connections(
    listener: socket.socket, stop: threading.Event, handle: Callable[[socket.socket], None]
) -> None:
    """Accepts on `listener` until `stop` is set; each connection is handled in its own thread."""
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


class CutProxy:
    """127.0.0.1:<port> → target; `cut()` drops every connection and refuses new ones until
    `restore()`. With `record=True` it keeps every byte clients send (for `requests()`); off by
    default, since a database proxied for a load test would keep all its traffic."""

    def __init__(self, target: tuple[str, int], *, record: bool = False) -> None:
        self.target = target
        self.record = record
        self.listener = socket.create_server((HOST, 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.sent: list[bytes] = []
        self.lock = threading.Lock()
        self.up = True
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            keep = self._keep if self.record else None
            threading.Thread(target=self._pipe, args=(client, upstream, keep), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None), daemon=True).start()

    def _keep(self, chunk: bytes) -> None:
        with self.lock:
            self.sent.append(chunk)

    def requests(self) -> list[str]:
        """The HTTP request lines clients sent so far ("GET /v1/score?url=… HTTP/1.1"); needs
        `record=True`."""
        with self.lock:
            data = b"".join(self.sent).decode("latin-1")
        return [line for line in data.split("\r\n") if line.startswith(("GET ", "POST ", "PUT "))]

    @staticmethod
    def _pipe(
        source: socket.socket, sink: socket.socket, keep: Callable[[bytes], None] | None
    ) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                if keep is not None:
                    keep(chunk)
                sink.sendall(chunk)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drops every connection and refuses new ones."""
        self.up = False
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()
        self.sockets.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        with contextlib.suppress(OSError):
            self.listener.close()
