"""SSRF-safe fetching: every refused address class, redirects re-checked, size/time/type bounds."""

from __future__ import annotations

import dataclasses
import select
import socket
import threading
from typing import Any

import pytest

from service.ingest.fetch import (
    FEED_POLICY,
    PAGE_POLICY,
    PRIVATE_FEED_POLICY,
    FetchError,
    FetchPolicy,
    FetchSlots,
    fetch,
    refusal,
)
from tests.support.net import serve_connections

PUBLIC_IP = "93.184.216.34"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",  # loopback
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "fc00::1",
        "fd12:3456::1",  # private
        "169.254.169.254",
        "fe80::1",  # link-local (cloud metadata lives here)
        "224.0.0.1",
        "239.255.255.250",
        "ff02::1",  # multicast
        "240.0.0.1",
        "255.255.255.255",  # reserved
        "0.0.0.0",
        "::",  # unspecified
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:8.8.8.8",  # IPv4-mapped
        "100.64.0.1",  # carrier-grade NAT
        "192.0.2.10",
        "198.18.0.1",  # documentation and benchmarking ranges
        "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refusal(address) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", PUBLIC_IP, "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(address) is None


def resolver_to(address: str) -> Any:
    return lambda host, port: [address]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "169.254.169.254",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "fe80::1",
    ],
)
def test_a_name_resolving_to_a_forbidden_address_is_never_contacted(
    server: Any, address: str
) -> None:
    server.html("/")
    with pytest.raises(FetchError) as caught:
        fetch(f"http://innocent.example:{server.port}/", resolver=resolver_to(address))
    assert caught.value.code == "forbidden_address"
    assert server.requests == []


def test_a_literal_loopback_url_is_refused(server: Any) -> None:
    server.html("/")
    for url in (
        server.url("/"),
        f"http://[::1]:{server.port}/",
        f"http://2130706433:{server.port}/",
    ):
        with pytest.raises(FetchError) as caught:
            fetch(url)
        assert caught.value.code in ("forbidden_address", "dns_failed")
    assert server.requests == []


def test_any_forbidden_address_among_several_refuses(server: Any) -> None:
    with pytest.raises(FetchError) as caught:
        fetch("http://twofaced.example/", resolver=lambda h, p: [PUBLIC_IP, "127.0.0.1"])
    assert caught.value.code == "forbidden_address"


def pinned_to(server: Any) -> Any:
    """A dialer that reaches the local server whatever public address was vetted."""
    return lambda address, timeout: socket.create_connection(("127.0.0.1", server.port), timeout)


def fetch_from(server: Any, policy: FetchPolicy) -> Any:
    """fetch() of the local server's / under a vetted public name and address."""
    return fetch(
        f"http://news.example:{server.port}/",
        policy,
        resolver=lambda host, port: [PUBLIC_IP],
        dial=pinned_to(server),
    )


def public_resolver(mapping: dict[str, str] | None = None) -> Any:
    table = {"news.example": PUBLIC_IP, **(mapping or {})}
    return lambda host, port: [table.get(host, "127.0.0.1")]


def test_a_redirect_from_a_public_host_to_loopback_is_refused(server: Any) -> None:
    server.redirect("/start", server.url("/secret"))
    server.html("/secret")
    with pytest.raises(FetchError) as caught:
        fetch("http://news.example/start", resolver=public_resolver(), dial=pinned_to(server))
    assert caught.value.code == "forbidden_address"
    assert [r.path for r in server.requests] == ["/start"]


def test_a_redirect_to_a_private_name_is_refused(server: Any) -> None:
    server.redirect("/start", "http://intranet.example/admin")
    with pytest.raises(FetchError) as caught:
        fetch(
            "http://news.example/start",
            resolver=public_resolver({"intranet.example": "10.0.0.7"}),
            dial=pinned_to(server),
        )
    assert caught.value.code == "forbidden_address"


def test_redirects_are_followed_up_to_five(server: Any) -> None:
    for n in range(6):
        server.redirect(f"/r{n}", f"/r{n + 1}")
    server.html("/r5")
    result = fetch("http://news.example/r0", resolver=public_resolver(), dial=pinned_to(server))
    assert result.status == 200 and result.url == "http://news.example/r5"
    server.redirect("/r5", "/r6")
    server.html("/r6")
    with pytest.raises(FetchError) as caught:
        fetch("http://news.example/r0", resolver=public_resolver(), dial=pinned_to(server))
    assert caught.value.code == "too_many_redirects"


def test_non_html_is_refused(server: Any) -> None:
    server.add("/file", body=b"%PDF-1.4", content_type="application/pdf")
    with pytest.raises(FetchError) as caught:
        fetch("http://news.example/file", resolver=public_resolver(), dial=pinned_to(server))
    assert caught.value.code == "not_html"


def test_pages_are_cut_at_two_megabytes_and_feeds_refused_past_the_limit(server: Any) -> None:
    server.add("/huge", content_type="text/html", stream_bytes=3 * 1024 * 1024)
    result = fetch("http://news.example/huge", resolver=public_resolver(), dial=pinned_to(server))
    assert result.truncated and len(result.body) == PAGE_POLICY.max_bytes
    small_feed_policy = dataclasses.replace(PRIVATE_FEED_POLICY, max_bytes=1024 * 1024)
    with pytest.raises(FetchError) as caught:
        fetch(server.url("/huge"), small_feed_policy)
    assert caught.value.code == "too_large"


def test_a_slow_server_hits_the_total_deadline(server: Any) -> None:
    server.add("/slow", content_type="text/html", drip_seconds=0.05)
    quick = FetchPolicy(timeout=0.5)
    with pytest.raises(FetchError) as caught:
        fetch("http://news.example/slow", quick, resolver=public_resolver(), dial=pinned_to(server))
    assert caught.value.code == "timeout"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://news.example/file", "bad_scheme"),
        ("file:///etc/passwd", "bad_scheme"),
        ("gopher://news.example/", "bad_scheme"),
        ("http://user:pw@news.example/", "bad_url"),
        ("http://news.example:99999/", "bad_url"),
    ],
)
def test_bad_urls_are_refused_before_any_connection(url: str, code: str) -> None:
    def no_dial(address: Any, timeout: float) -> socket.socket:
        raise AssertionError("must not connect")

    with pytest.raises(FetchError) as caught:
        fetch(url, resolver=public_resolver(), dial=no_dial)
    assert caught.value.code == code


def test_feeds_too_refuse_private_addresses_by_default(server: Any) -> None:
    server.add("/feed.xml", body=b"<rss/>")
    with pytest.raises(FetchError) as caught:
        fetch(server.url("/feed.xml"), FEED_POLICY)
    assert caught.value.code == "forbidden_address" and server.requests == []
    assert fetch(server.url("/feed.xml"), PRIVATE_FEED_POLICY).body == b"<rss/>"


# -- issue 14: one deadline for the whole fetch, however the bytes arrive ------------------


class TrickleServer:
    """A raw HTTP server on 127.0.0.1 that sends its answer in pieces with a pause between
    them; it stops by itself once the client goes away or the pieces run out (bounded)."""

    def __init__(self, pieces: list[bytes], pause: float) -> None:
        self.pieces, self.pause = pieces, pause
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.sent = 0  # pieces sent before the client went away
        self.gone = threading.Event()
        threading.Thread(
            target=serve_connections, args=(self.listener, self.stop, self._answer), daemon=True
        ).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.settimeout(1.0)
            for piece in self.pieces:
                if self.stop.wait(self.pause):
                    return
                try:
                    conn.sendall(piece)
                except OSError:
                    break
                self.sent += 1
                # A client that shut its end shows as readable with no data.
                ready, _, _ = select.select([conn], [], [], 0)
                if ready:
                    try:
                        if conn.recv(1, socket.MSG_PEEK) == b"":
                            break
                    except OSError:
                        break
            self.gone.set()

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


def one_byte_each(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


PAD = b"a" * 400
SLOW_CASES = {
    # Some 450 header bytes at 50 per second: 9 s, where the deadline is 0.3 s.
    "headers": one_byte_each(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Pad: " + PAD + b"\r\n\r\n"
    ),
    # Headers at once, then a chunk-size line a byte at a time.
    "chunk_size": [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    ]
    + one_byte_each(b"0" * 450 + b"1\r\nx\r\n0\r\n\r\n"),
    # A body with a length, a byte at a time.
    "body": [b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 450\r\n\r\n"]
    + one_byte_each(b"b" * 450),
    # The status line itself, a byte at a time.
    "status_line": one_byte_each(b"HTTP/1.1 200 OK" + b" " * 435 + b"\r\n\r\n"),
}


@pytest.mark.parametrize("case", sorted(SLOW_CASES))
def test_one_deadline_covers_the_whole_fetch_however_the_bytes_arrive(case: str) -> None:
    server = TrickleServer(SLOW_CASES[case], pause=0.02)
    try:
        with pytest.raises(FetchError) as caught:
            fetch_from(server, FetchPolicy(timeout=0.3))
        assert caught.value.code == "timeout", caught.value.message
        # The fetch hung up on the server long before it was done (a 30-fold margin), rather
        # than waiting for every byte and only then noticing the time.
        assert server.gone.wait(10)
        assert server.sent < len(SLOW_CASES[case]) // 2, (server.sent, len(SLOW_CASES[case]))
    finally:
        server.close()


def test_a_fast_trickle_within_the_deadline_still_succeeds() -> None:
    body = b"<html><title>ok</title></html>"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)
    server = TrickleServer([head[:10], head[10:], body], pause=0.01)
    try:
        result = fetch_from(server, FetchPolicy(timeout=5.0))
        assert result.body == body
    finally:
        server.close()


def test_a_slow_name_lookup_counts_against_the_deadline() -> None:
    release = threading.Event()

    def stuck(host: str, port: int) -> list[str]:
        release.wait(5)
        return [PUBLIC_IP]

    try:
        with pytest.raises(FetchError) as caught:
            fetch("http://news.example/", FetchPolicy(timeout=0.3), resolver=stuck)
        assert caught.value.code == "timeout" and "name lookup" in caught.value.message
    finally:
        release.set()


def test_fetch_slots_refuse_at_once_past_the_cap() -> None:
    slots = FetchSlots(2)
    with slots.slot(), slots.slot():
        with pytest.raises(FetchError) as caught, slots.slot():
            pass
        assert caught.value.code == "busy"
    with slots.slot():  # freed again
        pass


def test_a_refused_address_is_not_named_to_the_client() -> None:
    with pytest.raises(FetchError) as caught:
        fetch("http://innocent.example/", resolver=resolver_to("10.1.2.3"))
    assert caught.value.code == "forbidden_address"
    assert "10.1.2.3" not in caught.value.message and "not a public address" in caught.value.message
    assert "10.1.2.3" in caught.value.detail  # for the operator's log


def test_a_hosts_addresses_are_kept_briefly_but_checked_on_every_fetch(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.ingest import fetch as fetching

    monkeypatch.setattr(fetching, "_NAMES", fetching._NameCache(seconds=60))
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".example"):  # not the dialer's own lookup of the address
            lookups.append(str(host))
        return real("127.0.0.1", port, socket.AF_INET, socket.SOCK_STREAM)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    server.add("/feed.xml", body=b"<rss/>")
    url = server.url("/feed.xml").replace("127.0.0.1", "feeds.cached.example")
    assert fetch(url, PRIVATE_FEED_POLICY).body == b"<rss/>"
    assert fetch(url, PRIVATE_FEED_POLICY).body == b"<rss/>"
    assert lookups == ["feeds.cached.example"]  # one lookup for both fetches
    # The kept answer is an answer, not a verdict: a public-only fetch refuses it as it would
    # a fresh lookup, and sends nothing.
    sent = len(server.requests)
    with pytest.raises(FetchError) as caught:
        fetch(url, FEED_POLICY)
    assert caught.value.code == "forbidden_address" and len(server.requests) == sent
    # Past its time the name is looked up again.
    monkeypatch.setattr(fetching, "_NAMES", fetching._NameCache(seconds=0))
    fetch(url, PRIVATE_FEED_POLICY)
    fetch(url, PRIVATE_FEED_POLICY)
    assert lookups == ["feeds.cached.example"] * 3


def test_the_name_cache_stays_within_its_size() -> None:
    from service.ingest.fetch import _NameCache

    cache = _NameCache(seconds=60, size=3)
    for n in range(10):
        cache.put(f"h{n}.example", 80, ["93.184.216.34"])
    assert len(cache._answers) == 3 and cache.get("h9.example", 80) == ["93.184.216.34"]
    assert cache.get("h0.example", 80) is None


def test_a_short_deadline_after_a_long_one_is_still_kept() -> None:
    # The watchdog is woken only for a deadline sooner than all it holds: one registered
    # after a later one must still wake it.
    from service.ingest.fetch import _WATCHDOG, _Deadline

    far = _Deadline(120.0)
    _WATCHDOG.watch(far)
    server = TrickleServer(SLOW_CASES["body"], pause=0.02)
    try:
        with pytest.raises(FetchError) as caught:
            fetch_from(server, FetchPolicy(timeout=0.3))
        assert caught.value.code == "timeout"
        assert server.gone.wait(10) and server.sent < len(SLOW_CASES["body"]) // 2
    finally:
        far.done = True
        server.close()


@pytest.mark.parametrize(
    ("length", "truncate", "code"),
    [
        (b"\xb2", False, None),  # "²": str.isdigit takes it, int() refuses it
        (b"9" * 5_000, False, "too_large"),  # past int()'s 4,300 digits
        (b"9" * 5_000, True, None),
        (b"\xd9\xa1", False, None),  # not a number in latin-1 either
    ],
)
def test_a_hostile_content_length_is_a_fetch_result_or_error(
    length: bytes, truncate: bool, code: str | None
) -> None:
    body = b"<html><title>ok</title></html>"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
    server = TrickleServer([head + b"Content-Length: " + length + b"\r\n\r\n" + body], pause=0.01)
    try:

        def call() -> Any:
            return fetch_from(server, FetchPolicy(timeout=5.0, truncate=truncate))

        if code is None:
            assert call().body == body
        else:
            with pytest.raises(FetchError) as caught:
                call()
            assert caught.value.code == code
    finally:
        server.close()


@pytest.mark.parametrize(
    ("location", "code"),
    [
        (b"http://[::1/x", "bad_redirect"),  # urlsplit: Invalid IPv6 URL
        (b"//[/", "bad_redirect"),
        (b"http://[zz]/x", "bad_redirect"),  # ipaddress refuses the bracketed host
        (b"http://a b/", "bad_url"),  # http.client.InvalidURL
        (b"http://a\x00b/", "bad_url"),
        (b"/\xff\xfe", "bad_url"),  # a raw non-ASCII path: UnicodeEncodeError in putrequest
    ],
)
def test_a_hostile_redirect_is_a_fetch_error(location: bytes, code: str) -> None:
    head = b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\nConnection: close\r\nLocation: "
    server = TrickleServer([head + location + b"\r\n\r\n"], pause=0.01)
    try:
        with pytest.raises(FetchError) as caught:
            fetch_from(server, FetchPolicy(timeout=5.0))
        assert caught.value.code == code, caught.value.message
    finally:
        server.close()
