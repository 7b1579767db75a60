"""Validates, unwraps and canonicalises article URLs (pure: no Flask, no network)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, unquote, unquote_plus, urlsplit

MAX_URL_LENGTH = 4096
MAX_UNWRAP_DEPTH = 5

# Query parameters that only track the click; dropping them makes one article one URL.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "mc_cid",
        "mc_eid",
        "ocid",
        "igshid",
        "igsh",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "smid",
        "smtyp",
        "cmpid",
        "cmp",
        "s_cid",
        "icid",
        "ito",
        "ref_src",
        "ref_url",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "sr_share",
        "__twitter_impression",
        "rss",
        "taid",
        "spm",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "mbid",
        "wt_mc",
        "wt.mc_id",
        "xtor",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "share",
        "fb_ref",
        "fb_source",
        "soc_src",
        "soc_trk",
        "si",
        "feature",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_")

# Link shorteners whose target cannot be known without fetching: we say so instead of guessing.
SHORTENERS = frozenset(
    {
        "t.co",
        "bit.ly",
        "bitly.com",
        "ow.ly",
        "buff.ly",
        "tinyurl.com",
        "goo.gl",
        "dlvr.it",
        "ift.tt",
        "trib.al",
        "lnkd.in",
        "is.gd",
        "v.gd",
        "shorturl.at",
        "cutt.ly",
        "rebrand.ly",
        "tiny.cc",
        "bl.ink",
        "t.ly",
        "rb.gy",
        "s.id",
        "po.st",
        "su.pr",
        "qr.ae",
        "flip.it",
        "msft.it",
        "ln.is",
        "j.mp",
        "snip.ly",
        "linktr.ee",
        "tinyurl.is",
        "shorturl.com",
        "sh.st",
        "adf.ly",
        "bit.do",
        "mcaf.ee",
        "x.co",
        "db.tt",
        "wp.me",
        "tr.im",
    }
)

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\s]")
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?$")
_GOOGLE_HOST_RE = re.compile(r"^(?:www\.)?google(?:\.[a-z]{2,3}){1,2}$")


class URLInputError(ValueError):
    """A URL a client sent that cannot be used; `message` tells the person what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ArticleURL(NamedTuple):
    """A validated, normalised http(s) URL split into the parts resolution needs.

    `query` is the raw query string with tracking parameters and empty segments removed; the
    kept segments are left exactly as written, so the canonical URL never re-encodes anything.
    """

    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    is_ip: bool = False

    @property
    def canonical(self) -> str:
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            netloc = f"{netloc}:{self.port}"
        if self.query:
            return f"{self.scheme}://{netloc}{self.path}?{self.query}"
        return f"{self.scheme}://{netloc}{self.path}"

    def param(self, name: str) -> str | None:
        """The decoded value of the first query parameter called `name`."""
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            if key == name:
                return value
        return None


# The common case, checked with one regular expression: lower-case http(s), a plain host name,
# an optional port, and a path and query of characters that need no encoding.
_FAST_RE = re.compile(
    r"(https?)://([a-z0-9][a-z0-9.\-]*[a-z0-9])(?::([0-9]{1,5}))?"
    r"(/[!$&'()*+,\-./0-9:;=@A-Z_a-z~%]*)?"
    r"(?:\?([!$&'()*+,\-./0-9:;=?@A-Z_a-z~%]*))?"
    r"(?:#[^\x00-\x20\x7f]*)?\Z"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _fast_parse(text: str) -> ArticleURL | None:
    match = _FAST_RE.match(text)
    if match is None:
        return None
    scheme, host, port_text, path, query = match.groups()
    if (
        "." not in host
        or ".." in host
        or "-." in host
        or ".-" in host
        or len(host) > 253
        or host.replace(".", "").isdigit()
    ):
        return None
    port: int | None = None
    if port_text is not None:
        port = int(port_text)
        if not 0 < port < 65536:
            return None
        if port == _DEFAULT_PORTS[scheme]:
            port = None
    if len(host) > 63 and max(len(label) for label in host.split(".")) > 63:
        return None
    return ArticleURL(scheme, host, port, path or "/", clean_query(query) if query else "")


def parse_article_url(text: object) -> ArticleURL:
    """Validates and normalises `text` (a URL or a bare host such as `nytimes.com/x`)."""
    if not isinstance(text, str):
        raise URLInputError("url must be a string")
    text = text.strip()
    if not text:
        raise URLInputError("url is empty: give an article URL such as https://example.com/news/1")
    if len(text) > MAX_URL_LENGTH:
        raise URLInputError(f"url is {len(text)} characters long; the limit is {MAX_URL_LENGTH}")
    fast = _fast_parse(text)
    if fast is not None:
        return without_amp(fast)
    if not text.isascii() and _SURROGATE_RE.search(text):
        # JSON can carry "\ud800", which no encoder can write: not a URL anyone can open.
        raise URLInputError("url contains an unpaired UTF-16 surrogate; send valid Unicode text")
    # Browsers read a backslash as a slash in web URLs; so must we, or a link that takes the
    # reader to evil.example could be scored as the site named after the backslash.
    text = text.replace("\\", "/")
    bad = _CONTROL_RE.search(text)
    if bad:
        raise URLInputError(
            f"url contains a space or control character at position {bad.start()}; "
            "percent-encode it (%20) or remove it"
        )
    scheme_match = _SCHEME_RE.match(text)
    if scheme_match and not _looks_like_host_and_port(text):
        scheme = scheme_match.group(1).lower()
        if scheme not in ("http", "https"):
            raise URLInputError(
                f"'{scheme}:' URLs are not articles; only http:// and https:// URLs can be scored"
            )
        if not text[len(scheme) + 1 :].startswith("//"):
            raise URLInputError(f"url must look like {scheme}://host/path")
    else:
        if text.startswith("//"):
            text = "https:" + text
        else:
            head = re.split(r"[/?#]", text, maxsplit=1)[0]
            if "." not in head and not head.startswith("["):
                raise URLInputError(
                    "url is not a web address: give http(s)://host/path or a host such as "
                    "example.com/path"
                )
            text = "https://" + text
    return without_amp(_split(text))


def _looks_like_host_and_port(text: str) -> bool:
    """`nytimes.com:8080/x` has a scheme-like prefix but is a bare host with a port."""
    return bool(re.match(r"^[A-Za-z0-9.\-]+:\d+(?:[/?#]|$)", text))


def _split(text: str) -> ArticleURL:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise URLInputError(f"url has a bad host or port ({exc}); ports are 1-65535") from None
    if port == 0:
        raise URLInputError("url has port 0; ports are 1-65535")
    scheme = parts.scheme.lower()
    host = _normalise_host(parts.hostname or "", parts.netloc)
    if port is not None and port == {"http": 80, "https": 443}[scheme]:
        port = None
    path = _encode(parts.path or "/", _PATH_UNSAFE)
    query = clean_query(_encode(parts.query, _QUERY_UNSAFE)) if parts.query else ""
    is_ip = _is_ip(host)
    return ArticleURL(scheme, host, port, path, query, is_ip)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _normalise_host(hostname: str, netloc: str) -> str:
    if not hostname:
        raise URLInputError("url has no host: give http(s)://host/path")
    if netloc.rsplit("@", 1)[-1].startswith("["):
        try:
            return str(ipaddress.IPv6Address(hostname))
        except ValueError:
            raise URLInputError(f"'{hostname}' is not a valid IPv6 address") from None
    host = unquote(hostname).rstrip(".").lower()
    if not host:
        raise URLInputError("url has no host: give http(s)://host/path")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise URLInputError(f"'{host}' is not a valid internationalised host name") from None
    if len(host) > 253:
        raise URLInputError("host name is longer than 253 characters")
    if re.fullmatch(r"[0-9.]+", host):
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise URLInputError(f"'{host}' is not a valid IPv4 address") from None
    for label in host.split("."):
        if not _LABEL_RE.match(label):
            raise URLInputError(
                f"host '{host}' is not valid: labels are letters, digits and hyphens, "
                "1-63 characters, separated by single dots"
            )
    return host


def without_amp(url: ArticleURL) -> ArticleURL:
    """The article an AMP variant is a copy of, so both are one article: a path segment "amp"
    dropped (/news/amp/x, /2025/x/amp/), a ".amp" ending dropped (/x.amp, /x.amp.html), and
    the amp and outputType=amp parameters dropped. Wrapper hosts keep their paths (Google's
    /amp/s/… is what unwrapping reads)."""
    if "amp" not in url.path and "amp" not in url.query:
        return url
    if may_be_wrapped(url.host):
        return url
    path = url.path
    segments = path.split("/")
    if "amp" in segments[1:]:
        last = len(segments) - 1 - segments[::-1].index("amp")
        path = "/".join(segments[:last] + segments[last + 1 :]) or "/"
    elif path.endswith(".amp.html"):
        path = path[: -len(".amp.html")] + ".html"
    elif path.endswith(".amp"):
        path = path[: -len(".amp")] or "/"
    query = url.query
    if "amp" in query:
        query = "&".join(segment for segment in query.split("&") if not _is_amp_param(segment))
    if path == url.path and query == url.query:
        return url
    return url._replace(path=path, query=query)


def _is_amp_param(segment: str) -> bool:
    key, _, value = segment.partition("=")
    return key == "amp" or (key == "outputType" and value.lower() == "amp")


def clean_query(query: str) -> str:
    """Drops tracking parameters and empty segments; keeps the others exactly as written."""
    kept = []
    for segment in query.split("&"):
        if not segment:
            continue
        key = segment.split("=", 1)[0]
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if not _is_tracking_param(key):
            kept.append(segment)
    return "&".join(kept)


# What the WHATWG URL standard percent-encodes in the path and in the query of an http(s) URL,
# besides non-ASCII: so that this resolver and the browser's agree byte for byte.
_PATH_UNSAFE = frozenset(' "<>`{}')
_QUERY_UNSAFE = frozenset(" \"<>'")


def _encode(part: str, unsafe: frozenset[str]) -> str:
    if part.isascii() and not unsafe.intersection(part):
        return part
    return "".join(quote(ch, safe="") if (ord(ch) > 127 or ch in unsafe) else ch for ch in part)


def _is_tracking_param(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def unwrap(url: ArticleURL) -> ArticleURL:
    """Follows redirect and AMP wrappers (Google, Facebook, Reddit, Bing, AMP caches) offline."""
    for _ in range(MAX_UNWRAP_DEPTH):
        inner = _unwrap_once(url)
        if inner is None:
            return url
        try:
            url = parse_article_url(inner)
        except URLInputError:
            return url
    return url


_WRAPPER_HOSTS = frozenset(
    {
        "l.facebook.com",
        "lm.facebook.com",
        "l.messenger.com",
        "l.instagram.com",
        "out.reddit.com",
        "bing.com",
        "www.bing.com",
        "news.google.com",
        "cdn.ampproject.org",
    }
)


def may_be_wrapped(host: str) -> bool:
    """Cheap test that lets the common URL skip unwrapping altogether."""
    return "google." in host or host in _WRAPPER_HOSTS or host.endswith(".cdn.ampproject.org")


def _unwrap_once(url: ArticleURL) -> str | None:
    host, path = url.host, url.path
    if not may_be_wrapped(host):
        return None
    if _GOOGLE_HOST_RE.match(host):
        if path == "/url":
            return url.param("q") or url.param("url")
        if path.startswith("/amp/s/"):
            return "https://" + path[len("/amp/s/") :]
        if path.startswith("/amp/") and len(path) > len("/amp/"):
            return "http://" + path[len("/amp/") :]
        return None
    if host.endswith(".cdn.ampproject.org") or host == "cdn.ampproject.org":
        for prefix, scheme in (
            ("/c/s/", "https"),
            ("/v/s/", "https"),
            ("/c/", "http"),
            ("/v/", "http"),
        ):
            if path.startswith(prefix) and len(path) > len(prefix):
                rest = path[len(prefix) :]
                query = ("?" + url.query) if url.query else ""
                return f"{scheme}://{rest}{query}"
        return None
    if host in ("l.facebook.com", "lm.facebook.com", "l.messenger.com", "l.instagram.com"):
        return url.param("u") if path in ("/l.php", "/") else None
    if host == "out.reddit.com":
        return url.param("url")
    if host in ("bing.com", "www.bing.com") and path == "/ck/a":
        return _decode_bing(url.param("u"))
    if host == "news.google.com":
        match = _GOOGLE_NEWS_ARTICLE_RE.match(path)
        return _decode_google_news(match.group(1)) if match else None
    return None


# Google News article links: /articles/<id>, /rss/articles/<id> and /read/<id> (the current web form).
_GOOGLE_NEWS_ARTICLE_RE = re.compile(r"^/(?:rss/)?(?:articles|read)/([A-Za-z0-9_\-]+)")


def is_opaque_google_news(url: ArticleURL) -> bool:
    """A Google News article link (after unwrapping) whose id could not be decoded offline: the
    newer ids hold no URL, so only the page around the link can say whose article it is."""
    return url.host == "news.google.com" and _GOOGLE_NEWS_ARTICLE_RE.match(url.path) is not None


def _b64decode(data: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None


def _decode_bing(value: str | None) -> str | None:
    if not value or not value.startswith("a1"):
        return None
    raw = _b64decode(value[2:])
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_google_news(article_id: str) -> str | None:
    """Old Google News ids are a protobuf whose field 4 (tag 0x22) holds the article URL."""
    raw = _b64decode(article_id)
    if not raw:
        return None
    start = raw.find(b"\x22")
    while start != -1:
        length, offset, shift = 0, start + 1, 0
        while offset < len(raw) and shift < 28:
            byte = raw[offset]
            length |= (byte & 0x7F) << shift
            offset += 1
            shift += 7
            if not byte & 0x80:
                break
        candidate = raw[offset : offset + length]
        if candidate.startswith((b"http://", b"https://")) and len(candidate) == length:
            try:
                return candidate.decode("utf-8")
            except UnicodeDecodeError:
                return None
        start = raw.find(b"\x22", start + 1)
    return None


def canonical_url(text: object) -> str:
    """The one canonical form of an article URL, wrappers removed; raises URLInputError."""
    return unwrap(parse_article_url(text)).canonical
