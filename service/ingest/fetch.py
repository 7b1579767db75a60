"""Bounded HTTP GET that pins each hop to a vetted address, refusing non-public ones (SSRF-safe)."""

from __future__ import annotations

import dataclasses
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

Resolver = Callable[[str, int], list[str]]
Dialer = Callable[[tuple[str, int], float], socket.socket]

USER_AGENT = "ParallaxBot/0.1 (+https://github.com/parallax-news/parallax; coverage engine)"
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch that was refused or failed; `code` is stable, `message` says what happened."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"{ip} is an IPv4-mapped address"
        if ip.sixtofour is not None or ip.teredo is not None:
            return f"{ip} tunnels to an IPv4 address"
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
            return f"{ip} is a {name} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
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
    deadline = time.monotonic() + policy.timeout
    current = url
    for hop in range(policy.max_redirects + 1):
        result = _get_once(current, policy, headers or {}, resolver, dial, deadline)
        if result.status in REDIRECTS:
            location = result.headers.get("location")
            if not location:
                raise FetchError("bad_redirect", f"{current} redirected without a Location")
            if hop == policy.max_redirects:
                raise FetchError(
                    "too_many_redirects", f"more than {policy.max_redirects} redirects from {url}"
                )
            current = urljoin(current, location.strip())
            continue
        if result.status == 304:
            return result
        if not 200 <= result.status < 300:
            raise FetchError("http_status", f"{current} answered HTTP {result.status}")
        return result
    raise FetchError("too_many_redirects", f"more than {policy.max_redirects} redirects from {url}")


def _get_once(
    url: str,
    policy: FetchPolicy,
    headers: Mapping[str, str],
    resolver: Resolver,
    dial: Dialer,
    deadline: float,
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
    addresses = resolver(host, port)
    if not addresses:
        raise FetchError("dns_failed", f"{host} has no address")
    if policy.public_only:
        for address in addresses:
            why = refusal(address)
            if why is not None:
                raise FetchError("forbidden_address", f"refused to fetch {host}: {why}")
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError("timeout", f"fetching {url} took longer than {policy.timeout:g} s")
    conn_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = conn_class(host, port, addresses[0], remaining, dial)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    request_headers = {"User-Agent": policy.user_agent, "Accept": "*/*", **headers}
    try:
        conn.request("GET", path, headers=request_headers)
        response = conn.getresponse()
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
        declared = result.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > policy.max_bytes and not policy.truncate:
            raise FetchError("too_large", f"{url} is {declared} bytes, over {policy.max_bytes}")
        result.body, result.truncated = _read_bounded(response, conn, policy, deadline, url)
        return result
    except FetchError:
        raise
    except TimeoutError:
        raise FetchError(
            "timeout", f"fetching {url} took longer than {policy.timeout:g} s"
        ) from None
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        raise FetchError(
            "network", f"fetching {url} failed: {exc.__class__.__name__}: {exc}"
        ) from None
    finally:
        conn.close()


def _read_bounded(
    response: http.client.HTTPResponse,
    conn: http.client.HTTPConnection,
    policy: FetchPolicy,
    deadline: float,
    url: str,
) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
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
