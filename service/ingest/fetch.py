"""Bounded HTTP GET that pins each hop to a vetted address, refusing non-public ones (SSRF-safe)."""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import http.client
import ipaddress
import itertools
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], list[str]]
Dialer = Callable[[tuple[str, int], float], socket.socket]

USER_AGENT = "ParallaxBot/0.1 (+https://github.com/parallax-news/parallax; coverage engine)"
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch that was refused or failed; `code` is stable, `message` says what happened in
    words fit for whoever asked, `detail` adds what only the operator should see (addresses)."""

    def __init__(
        self, code: str, message: str, detail: str | None = None, *, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail or message
        self.status = status  # the HTTP status of an "http_status" error


# How late past its deadline a fetch may be shut down at most (the watchdog's granularity).
WATCHDOG_TICK = 0.05


class _Watchdog:
    """One thread per process that shuts the socket of every fetch that outlives its deadline.

    A socket timeout bounds one read; a server sending a byte a second never trips it while
    holding the fetch for minutes (in the headers, the chunk sizes or the body). Shutting the
    socket down from here ends whatever read is blocked, however the bytes arrive."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._seq = itertools.count()
        self._pid = -1

    def watch(self, entry: _Deadline) -> None:
        with self._cond:
            if self._pid != os.getpid():  # first use, or a forked child (gunicorn workers)
                self._pid = os.getpid()
                self._heap = []
                threading.Thread(target=self._run, name="fetch-deadline", daemon=True).start()
            earliest = not self._heap or entry.at < self._heap[0][0]
            heapq.heappush(self._heap, (entry.at, next(self._seq), entry))
            if earliest:
                # Only a deadline sooner than every other one changes the thread's wait: most
                # fetches share one timeout, so waking it for each cost a switch per fetch.
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    # At least WATCHDOG_TICK: deadlines a few milliseconds apart are handled
                    # in one wake-up, not one each (a feed worker starts dozens a second).
                    self._cond.wait(max(wait, WATCHDOG_TICK))
                    continue
                now = time.monotonic()
                due: list[_Deadline] = []
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap)[2])
            for entry in due:
                if not entry.done:
                    entry.expire()


_WATCHDOG = _Watchdog()


class _Deadline:
    """The deadline of one fetch: the sockets it opens are shut down when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.done = False
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def adopt(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            late = self.expired
        if late:
            _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown even for TLS: SSLSocket.shutdown would drop its SSL object
    # under the reading thread's feet. A shut socket makes the blocked read return at once.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class FetchSlots:
    """A cap on the fetches one process runs at once: past it a fetch is refused at once
    (FetchError "busy"), never queued, so fetching cannot take every thread from scoring."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._free = threading.BoundedSemaphore(self.limit)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        if not self._free.acquire(blocking=False):
            raise FetchError(
                "busy", f"this server is already fetching {self.limit} pages; retry in a moment"
            )
        try:
            yield
        finally:
            self._free.release()


# A host's addresses are looked up again after this long (a short TTL: hosts move, and
# only the operator's own feed hosts are asked this often).
DNS_CACHE_SECONDS = 60.0
DNS_CACHE_SIZE = 10_000
# Name lookups cannot be interrupted; they run here so a fetch can stop waiting for one.
_DNS_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fetch-dns")


class _NameCache:
    """The system resolver's answers for a short while: a feed worker asks each host for
    several feeds a second apart, and each lookup cost a hand-off to the lookup pool. Only the
    answer is kept, never a verdict: every fetch checks the addresses against its own policy,
    as after a fresh lookup, and connects to exactly the address it checked."""

    def __init__(self, seconds: float = DNS_CACHE_SECONDS, size: int = DNS_CACHE_SIZE) -> None:
        self.seconds = seconds
        self.size = size
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, int], tuple[float, list[str]]] = {}

    def get(self, host: str, port: int) -> list[str] | None:
        with self._lock:
            found = self._answers.get((host, port))
        if found is None or found[0] < time.monotonic():
            return None
        return list(found[1])

    def put(self, host: str, port: int, addresses: list[str]) -> None:
        with self._lock:
            if len(self._answers) >= self.size:
                now = time.monotonic()
                self._answers = {k: v for k, v in self._answers.items() if v[0] >= now}
                while len(self._answers) >= self.size:  # all fresh: the oldest entries go
                    del self._answers[next(iter(self._answers))]
            self._answers[(host, port)] = (time.monotonic() + self.seconds, list(addresses))


_NAMES = _NameCache()


def _resolve(resolver: Resolver, host: str, port: int, deadline: _Deadline, url: str) -> list[str]:
    cached = resolver is system_resolver
    if cached and (found := _NAMES.get(host, port)) is not None:
        return found
    future = _DNS_POOL.submit(resolver, host, port)
    try:
        addresses = future.result(timeout=max(0.0, deadline.remaining()))
    except FutureTimeout:
        future.cancel()
        raise FetchError(
            "timeout", f"fetching {url} took longer than {deadline.seconds:g} s (name lookup)"
        ) from None
    if cached and addresses:
        _NAMES.put(host, port, addresses)
    return addresses


@dataclass(frozen=True)
class FetchPolicy:
    """The bounds of one fetch: redirects, size, total time, content types, address rules."""

    max_redirects: int = 5
    max_bytes: int = 2 * 1024 * 1024
    timeout: float = 5.0  # for the whole fetch, redirects included
    content_types: tuple[str, ...] | None = ("text/html", "application/xhtml+xml")
    public_only: bool = True
    truncate: bool = True  # past max_bytes: keep the head (pages) or fail (feeds)
    user_agent: str = USER_AGENT


# Pages clients ask about: any host on the internet, so only public addresses.
PAGE_POLICY = FetchPolicy()
# Feeds listed in ratings/feeds.csv: bigger bodies, never truncated, any content type. Still
# public addresses only: a feed host (or its redirect) must not reach into the operator's network.
FEED_POLICY = FetchPolicy(
    max_redirects=5,
    max_bytes=5 * 1024 * 1024,
    timeout=15.0,
    content_types=None,
    public_only=True,
    truncate=False,
)
# For feeds on the operator's own network (and tests on 127.0.0.1): FEEDS_ALLOW_PRIVATE.
PRIVATE_FEED_POLICY = dataclasses.replace(FEED_POLICY, public_only=False)


@dataclass
class FetchResult:
    """A response: the final URL after redirects, its status, headers and (bounded) body."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip("\"' ")
        return None


def refusal(address: str) -> str | None:
    """Why an address must not be fetched from a client's request, or None when it is public."""
    kind = refusal_kind(address)
    return None if kind is None else f"{address.split('%', 1)[0]} is {kind}"


def refusal_kind(address: str) -> str | None:
    """The class of a refused address in words without the address ("a private address"),
    or None when it is public: what a client, the feeds page or `parallax feeds` may be told."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "an unreadable address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped address"
        if ip.sixtofour is not None or ip.teredo is not None:
            return "an address tunnelling to IPv4"
        if ip.is_site_local:  # fec0::/10: neither is_private nor not is_global says so
            return "a site-local address"
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
    )
    for hit, name in checks:
        if hit:
            return f"a {name} address"
    if not ip.is_global:
        return "a non-public address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver, in its preference order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("dns_failed", f"cannot resolve {host}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def system_dialer(address: tuple[str, int], timeout: float) -> socket.socket:
    """Opens a TCP connection to exactly this address."""
    return socket.create_connection(address, timeout=timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to a named host over a connection to one vetted address (no second DNS lookup)."""

    def __init__(self, host: str, port: int, address: str, timeout: float, dial: Dialer) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self._dial = dial

    def connect(self) -> None:
        self.sock = self._dial((self._address, self.port), self.timeout)  # type: ignore[arg-type]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a named host (certificate checked for that name) over a vetted address."""

    def __init__(self, host: str, port: int, address: str, timeout: float, dial: Dialer) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address
        self._dial = dial

    def connect(self) -> None:
        sock = self._dial((self._address, self.port), self.timeout)  # type: ignore[arg-type]
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch(
    url: str,
    policy: FetchPolicy = PAGE_POLICY,
    *,
    headers: Mapping[str, str] | None = None,
    resolver: Resolver = system_resolver,
    dial: Dialer = system_dialer,
) -> FetchResult:
    """GETs a URL within the policy's bounds; raises FetchError on refusal or failure.

    A 304 is returned as is (conditional GETs); other non-2xx statuses raise.
    """
    deadline = _Deadline(policy.timeout)
    _WATCHDOG.watch(deadline)
    try:
        return _follow(url, policy, headers or {}, resolver, dial, deadline)
    finally:
        deadline.done = True


def _follow(
    url: str,
    policy: FetchPolicy,
    headers: Mapping[str, str],
    resolver: Resolver,
    dial: Dialer,
    deadline: _Deadline,
) -> FetchResult:
    current = url
    for hop in range(policy.max_redirects + 1):
        try:
            result = _get_once(current, policy, headers, resolver, dial, deadline)
        except (ValueError, http.client.InvalidURL) as exc:
            # An address urlsplit, ipaddress or http.client refuses ("http://[::1/x", a space
            # or a NUL in the host, a raw non-ASCII path), most often a hostile redirect's.
            shown = current if len(current) <= 200 else current[:200] + "…"
            raise FetchError("bad_url", f"{shown} cannot be fetched: {exc}") from None
        if result.status in REDIRECTS:
            location = result.headers.get("location")
            if not location:
                raise FetchError("bad_redirect", f"{current} redirected without a Location")
            if hop == policy.max_redirects:
                raise FetchError(
                    "too_many_redirects", f"more than {policy.max_redirects} redirects from {url}"
                )
            try:
                current = urljoin(current, location.strip())
            except ValueError as exc:
                raise FetchError(
                    "bad_redirect", f"{current} redirected to an unusable address ({exc})"
                ) from None
            continue
        if result.status == 304:
            return result
        if not 200 <= result.status < 300:
            raise FetchError(
                "http_status", f"{current} answered HTTP {result.status}", status=result.status
            )
        return result
    raise FetchError("too_many_redirects", f"more than {policy.max_redirects} redirects from {url}")


def _get_once(
    url: str,
    policy: FetchPolicy,
    headers: Mapping[str, str],
    resolver: Resolver,
    dial: Dialer,
    deadline: _Deadline,
) -> FetchResult:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(
            "bad_scheme", f"only http and https URLs are fetched, not {scheme or '(none)'}"
        )
    host = parts.hostname
    if not host:
        raise FetchError("bad_url", f"{url} has no host")
    if parts.username or parts.password:
        raise FetchError("bad_url", "URLs with user names or passwords are not fetched")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError("bad_url", f"{url} has an invalid port") from None
    addresses = _resolve(resolver, host, port, deadline, url)
    if not addresses:
        raise FetchError("dns_failed", f"{host} has no address")
    if policy.public_only:
        for address in addresses:
            kind = refusal_kind(address)
            if kind is not None:
                # The address a name resolved to says something about the operator's network:
                # the log may know it; the client who asked, the feeds page and `parallax
                # feeds` are told its class only ("it resolves to a private address").
                raise FetchError(
                    "forbidden_address",
                    f"refused to fetch {host}: not a public address (it resolves to {kind})",
                    f"refused to fetch {host}: {refusal(address)}",
                )
    remaining = deadline.remaining()
    if remaining <= 0:
        raise FetchError("timeout", f"fetching {url} took longer than {policy.timeout:g} s")

    def tracked_dial(address: tuple[str, int], timeout: float) -> socket.socket:
        sock = dial(address, timeout)
        deadline.adopt(sock)
        return sock

    conn_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = conn_class(host, port, addresses[0], remaining, tracked_dial)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    request_headers = {"User-Agent": policy.user_agent, "Accept": "*/*", **headers}
    try:
        conn.request("GET", path, headers=request_headers)
        response = conn.getresponse()
        if deadline.expired:  # headers cut short by the watchdog read as complete ones
            raise TimeoutError
        result = FetchResult(
            url=url,
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
        )
        if response.status in REDIRECTS or response.status == 304:
            return result
        if not 200 <= response.status < 300:
            return result
        if policy.content_types is not None and result.content_type not in policy.content_types:
            raise FetchError(
                "not_html", f"{url} is {result.content_type or 'of no stated type'}, not HTML"
            )
        declared = result.headers.get("content-length", "").strip()
        # The server's own number: ASCII digits only ("²" passes str.isdigit, not int()), and
        # read by its length first (int() refuses more than 4,300 digits).
        if (
            declared.isascii()
            and declared.isdigit()
            and (len(declared) > 18 or int(declared) > policy.max_bytes)
            and not policy.truncate
        ):
            raise FetchError("too_large", f"{url} is {declared} bytes, over {policy.max_bytes}")
        result.body, result.truncated = _read_bounded(response, conn, policy, deadline, url)
        if deadline.expired:  # the body may look complete where the watchdog cut it
            raise TimeoutError
        return result
    except FetchError:
        if deadline.expired:
            raise FetchError(
                "timeout", f"fetching {url} took longer than {policy.timeout:g} s"
            ) from None
        raise
    except TimeoutError:
        raise FetchError(
            "timeout", f"fetching {url} took longer than {policy.timeout:g} s"
        ) from None
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        if deadline.expired:
            raise FetchError(
                "timeout", f"fetching {url} took longer than {policy.timeout:g} s"
            ) from None
        raise FetchError(
            "network", f"fetching {url} failed: {exc.__class__.__name__}: {exc}"
        ) from None
    finally:
        conn.close()


def _read_bounded(
    response: http.client.HTTPResponse,
    conn: http.client.HTTPConnection,
    policy: FetchPolicy,
    deadline: _Deadline,
    url: str,
) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise FetchError("timeout", f"fetching {url} took longer than {policy.timeout:g} s")
        if conn.sock is not None:
            # A server dripping bytes must not outlive the deadline, so each read gets what is left.
            conn.sock.settimeout(remaining)
        chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
        if not chunk:
            return b"".join(chunks), False
        size += len(chunk)
        if size > policy.max_bytes:
            if not policy.truncate:
                raise FetchError("too_large", f"{url} is larger than {policy.max_bytes} bytes")
            chunks.append(chunk[: len(chunk) - (size - policy.max_bytes)])
            return b"".join(chunks), True
        chunks.append(chunk)
