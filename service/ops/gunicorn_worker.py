"""gunicorn's gthread worker, made safe to face the network: a connection is given a thread only
once its request head (and a small body) has arrived, within one deadline; and gunicorn's own
errors (414, 431, 400 …) are JSON like every other answer.

Stock gthread hands a connection to a thread as soon as one byte arrives; the thread then reads
the headers itself. A client sending a byte a second held that thread for minutes, and 32
such clients stopped /healthz answering. Here the worker's event loop gathers the bytes without
a thread, and closes a connection whose head is not complete within HEADER_TIMEOUT seconds."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import selectors
import socket
import time
from collections import deque
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import TConn, ThreadWorker

# The whole request head (and a body up to GATHER_BYTES) must arrive within this many seconds.
HEADER_TIMEOUT = float(os.environ.get("GUNICORN_HEADER_TIMEOUT", "10"))
# Bytes gathered before a thread takes over: the head and any body up to this (the API's bodies
# are small: 64 KiB for articles); a larger body is read by the thread, as stock gthread does.
GATHER_BYTES = 64 * 1024
_CONTENT_LENGTH_RE = re.compile(rb"\r?\ncontent-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?\n", re.I)
_CHUNKED_RE = re.compile(rb"\r?\ntransfer-encoding[ \t]*:[^\r\n]*chunked", re.I)
_EXPECT_RE = re.compile(rb"\r?\nexpect[ \t]*:", re.I)

# gunicorn's refusals as the API words its own: {"error": {"code", "message"}}.
_MESSAGES = {
    400: ("bad_request", "the request is malformed"),
    403: ("forbidden", "the request was refused"),
    408: ("request_timeout", f"the request did not arrive within {HEADER_TIMEOUT:g} s"),
    414: (
        "uri_too_long",
        "the request line is too long; send large inputs as a JSON body (POST /v1/lookup)",
    ),
    417: ("expectation_failed", "the Expect header is not supported"),
    431: ("request_header_fields_too_large", "the request headers are too large"),
    500: ("internal_error", "the server failed; this is our bug, not yours"),
    501: ("not_implemented", "that transfer coding is not supported"),
}


def json_error(status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 error answer with the API's JSON error body."""
    code, message = _MESSAGES.get(status, ("error", reason.lower()))
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    # `mesg` may quote the client's own request line: it goes to gunicorn's log, not back.
    util.write_nonblock(sock, json_error(status_int, reason))


def request_ready(data: bytes | bytearray) -> bool:
    """Whether the gathered bytes hold a complete request head, and its body when it is small."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
        if end < 0:
            return len(data) >= GATHER_BYTES
        end += 2
    else:
        end += 4
    head = bytes(data[:end])
    if _EXPECT_RE.search(head):
        return True  # the client waits for "100 Continue" before it sends the body
    if len(data) >= GATHER_BYTES:
        return True
    length = _CONTENT_LENGTH_RE.search(head)
    if length is not None:
        return len(data) - end >= int(length.group(1))
    if _CHUNKED_RE.search(head):
        return data.endswith(b"0\r\n\r\n")
    return True


class GatheringThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gthread whose event loop gathers each request head before a thread takes it."""

    def init_process(self) -> None:
        util.write_error = _write_json_error  # this process is ours: every error is JSON
        self.gathering: deque[TConn] = deque()
        super().init_process()

    # -- entering the gathering state ----------------------------------------------------

    def _gathers(self) -> bool:
        # TLS bytes cannot be read ahead of the handshake, nor an HTTP/2 preface sniffed.
        prior_knowledge = getattr(self.cfg, "http2_cleartext", "off") in ("prior-knowledge", "both")
        return not self.cfg.is_ssl and not prior_knowledge

    def accept(self, listener: socket.socket) -> None:
        if not self._gathers():
            return super().accept(listener)  # type: ignore[no-any-return]
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())
        self._gather(conn)

    def on_client_socket_readable(self, conn: TConn, client: socket.socket) -> None:
        """A kept-alive connection's next request is arriving: gather it too."""
        if not self._gathers():
            return super().on_client_socket_readable(conn, client)  # type: ignore[no-any-return]
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._gather(conn)

    def _gather(self, conn: TConn) -> None:
        conn.sock.setblocking(False)
        conn.gathered = bytearray()
        conn.gather_deadline = time.monotonic() + HEADER_TIMEOUT
        self.gathering.append(conn)
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self._on_gather_readable, conn)
        )

    # -- gathering -----------------------------------------------------------------------

    def _on_gather_readable(self, conn: TConn, client: socket.socket) -> None:
        try:
            data = conn.sock.recv(GATHER_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        conn.gathered += data
        if request_ready(conn.gathered):
            self._release(conn)

    def _release(self, conn: TConn) -> None:
        """The request is here: a thread takes the connection with the bytes read so far."""
        self.poller.unregister(conn.sock)
        conn.gather_deadline = None
        conn.data_ready = True
        conn.prebuffer = bytes(conn.gathered)
        conn.gathered = None
        self.enqueue_req(conn)

    def _drop(self, conn: TConn, answer: bytes | None = None) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        conn.gather_deadline = None
        if answer is not None:
            with contextlib.suppress(OSError):
                conn.sock.send(answer)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        while self.gathering:
            conn = self.gathering[0]
            deadline = getattr(conn, "gather_deadline", None)
            if deadline is None:  # released or dropped meanwhile
                self.gathering.popleft()
                continue
            if deadline > now:
                break
            self.gathering.popleft()
            partial_request = bool(conn.gathered)
            self.log.info("closing a connection whose request did not arrive in time")
            self._drop(conn, json_error(408, "Request Timeout") if partial_request else None)

    # -- the thread's side ---------------------------------------------------------------

    def handle(self, conn: TConn) -> Any:
        prebuffer = getattr(conn, "prebuffer", None)
        if prebuffer:
            conn.prebuffer = None
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(prebuffer)
        return super().handle(conn)
