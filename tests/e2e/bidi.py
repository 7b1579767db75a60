"""A small WebDriver BiDi client (stdlib only) to drive Debian's Firefox with the extension."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import subprocess
import time
from pathlib import Path
from typing import Any

MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class BiDiError(RuntimeError):
    """A BiDi command failed; the message carries Firefox's error and message."""


class WebSocket:
    """Just enough of RFC 6455 for a local BiDi connection: text frames, masking, ping/pong."""

    def __init__(self, host: str, port: int, path: str, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("BiDi endpoint closed during the handshake")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"BiDi handshake refused: {head[:200]!r}")

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("BiDi connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send(self, text: str) -> None:
        payload = text.encode()
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            if length > MAX_MESSAGE_BYTES:
                raise ConnectionError("BiDi message too large")
            payload = self._read(length)
            if opcode == 0x9:  # ping
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("BiDi connection closed by Firefox")
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


class BiDi:
    """Commands and events over one BiDi session."""

    def __init__(self, port: int) -> None:
        self.ws = WebSocket("127.0.0.1", port, "/session")
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        # Intercepted URL -> HTML to answer with; other intercepted requests get a 404.
        self.routes: dict[str, str] = {}

    def _send(self, method: str, params: dict[str, Any]) -> int:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return self.next_id

    def _handle_event(self, message: dict[str, Any]) -> None:
        params = message.get("params", {})
        if message.get("method") == "network.beforeRequestSent" and params.get("isBlocked"):
            url = params["request"]["url"].split("#", 1)[0]
            body = self.routes.get(url)
            self._send(
                "network.provideResponse",
                {
                    "request": params["request"]["request"],
                    "statusCode": 200 if body is not None else 404,
                    "reasonPhrase": "OK" if body is not None else "Not Found",
                    "headers": [
                        {
                            "name": "Content-Type",
                            "value": {"type": "string", "value": "text/html; charset=utf-8"},
                        }
                    ],
                    "body": {"type": "string", "value": body if body is not None else "Not found"},
                },
            )
            return
        self.events.append(message)

    def command(self, method: str, **params: Any) -> Any:
        command_id = self._send(method, params)
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == command_id:
                if message.get("type") == "error":
                    raise BiDiError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message.get("result")
            if message.get("type") == "event":
                self._handle_event(message)

    def pump(self, seconds: float) -> None:
        """Reads events for up to `seconds` (so intercepted requests get answered)."""
        deadline = time.monotonic() + seconds
        self.ws.sock.settimeout(0.05)
        try:
            while time.monotonic() < deadline:
                try:
                    message = json.loads(self.ws.receive())
                except TimeoutError:
                    continue
                if message.get("type") == "event":
                    self._handle_event(message)
        finally:
            self.ws.sock.settimeout(30.0)

    def evaluate(self, context: str, expression: str) -> Any:
        """Evaluates in the page's main world; returns the plain value (strings, numbers, null)."""
        result = self.command(
            "script.evaluate",
            expression=expression,
            target={"context": context},
            awaitPromise=True,
        )
        if result.get("type") == "exception":
            raise BiDiError(f"script error: {result.get('exceptionDetails', {}).get('text')}")
        value = result["result"]
        return value.get("value") if value.get("type") not in ("node", "object") else value

    def wait_for(self, context: str, expression: str, timeout: float = 15.0) -> Any:
        """Polls `expression` until it is truthy, answering intercepted requests meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(context, expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {expression}")
            self.pump(0.1)

    def close(self) -> None:
        self.ws.close()


def launch_firefox(
    executable: str, profile: Path, port: int, prefs: dict[str, Any]
) -> subprocess.Popen[bytes]:
    profile.mkdir(parents=True, exist_ok=True)
    lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in prefs.items()]
    (profile / "user.js").write_text("\n".join(lines) + "\n")
    return subprocess.Popen(
        [
            executable,
            "--headless",
            "--no-remote",
            "--profile",
            str(profile),
            f"--remote-debugging-port={port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
