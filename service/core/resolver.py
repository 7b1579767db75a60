"""Resolves an article URL to the outlet that published it (pure: no Flask, no network)."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import tldextract
from cachetools import Cache

from service.core.ratings_schema import Outlet
from service.core.urls import (
    SHORTENERS,
    ArticleURL,
    is_opaque_google_news,
    may_be_wrapped,
    parse_article_url,
    unwrap,
)

# Hosting platforms whose subdomains are each someone's own site, but which the Public Suffix
# List (as bundled) does not list as private suffixes.
USER_SITE_SUFFIXES = (
    "substack.com",
    "wordpress.com",
    "tumblr.com",
    "medium.com",
    "beehiiv.com",
    "ghost.io",
    "typepad.com",
    "livejournal.com",
    "over-blog.com",
    "weebly.com",
    "wixsite.com",
    "blogger.com",
    "squarespace.com",
    "hashnode.dev",
    "buttondown.email",
)

# suffix_list_urls=() and no cache dir: tldextract uses the snapshot inside its wheel and never
# touches the network or the disk.
_EXTRACT = tldextract.TLDExtract(
    cache_dir=None,
    suffix_list_urls=(),
    fallback_to_snapshot=True,
    include_psl_private_domains=True,
    extra_suffixes=USER_SITE_SUFFIXES,
)


class OutletIndex(Protocol):
    """The table's indexes, read-only: exact hosts (ids and aliases), path-scoped entries by host
    (longest path first), and the public suffixes the table lists (where a host walk stops)."""

    @property
    def by_host(self) -> Mapping[str, Outlet]: ...
    @property
    def by_path(self) -> Mapping[str, Sequence[tuple[str, Outlet]]]: ...
    @property
    def stop_suffixes(self) -> frozenset[str]: ...


class Resolution(NamedTuple):
    """What a URL resolves to: its canonical form and outlet (None when not rated)."""

    input: str
    resolved_url: str
    host: str
    shortener: bool
    outlet: Outlet | None

    def head(self) -> dict[str, Any]:
        """Every field of the answer but the outlet."""
        return {
            "url": self.input,
            "resolved_url": self.resolved_url,
            "host": self.host,
            "shortener": self.shortener,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.head(), "outlet": None if self.outlet is None else self.outlet.to_json()}


@lru_cache(maxsize=65536)
def registered_domain(host: str) -> str:
    """The domain under the public suffix (`bbc.co.uk` for `news.bbc.co.uk`); '' for a suffix."""
    return _EXTRACT(host).top_domain_under_public_suffix


def is_public_suffix(host: str) -> bool:
    result = _EXTRACT(host)
    return bool(result.suffix) and not result.domain


def match_host(host: str, index: OutletIndex) -> Outlet | None:
    """The outlet of `host` or of its nearest parent domain that has one.

    The walk stops at a parent that is itself a public suffix listed in the table (blogspot.com,
    substack.com): below such a suffix every name is someone's own site. Above the registered
    domain only public suffixes remain, so this needs no Public Suffix List lookup per URL, and
    the extension's resolver runs the very same walk.
    """
    by_host = index.by_host
    outlet = by_host.get(host)
    if outlet is not None:
        return outlet
    stop = index.stop_suffixes
    parent = host
    while True:
        dot = parent.find(".")
        if dot < 0:
            return None
        parent = parent[dot + 1 :]
        if "." not in parent or parent in stop:
            return None
        outlet = by_host.get(parent)
        if outlet is not None:
            return outlet


def match_path(host: str, path: str, index: OutletIndex) -> Outlet | None:
    """The outlet whose id is host + a path prefix of `path` (The Athletic under nytimes.com),
    the longest first, also for the host without its `www.`."""
    by_path = index.by_path
    if not by_path:
        return None
    for candidate in (host, host[4:] if host.startswith("www.") else None):
        if candidate is None:
            continue
        for prefix, outlet in by_path.get(candidate, ()):
            if path == prefix or path.startswith(prefix + "/"):
                return outlet
    return None


_MISSING = object()

MAX_SOURCE_NAME_LENGTH = 200
_HOST_NAME_RE = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")
_COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")


def source_name_key(name: object) -> str:
    """The key a displayed outlet name is compared by: NFKC, lower case, each run of characters
    that are not letters, marks or digits one space, a leading "the" dropped. Mirrors
    sourceNameKey in extension/src/lib/resolve.js."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKC", name).lower()
    words = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


class Resolver:
    """URL → outlet over one table's indexes: unwrap, path entries, then the host walk, memoised
    per host (hosts repeat far more than URLs do, and the walk is the only per-URL work that
    depends on the table)."""

    def __init__(self, index: OutletIndex, memo_size: int = 100_000) -> None:
        self._index = index
        # A FIFO-evicting cachetools.Cache: reads never mutate it, so they need no lock.
        self._host_memo: Cache[str, Outlet | None] = Cache(maxsize=memo_size)
        self._lock = threading.Lock()
        self._by_name: dict[str, list[Outlet]] | None = None

    def _names(self) -> dict[str, list[Outlet]]:
        """Name key -> outlets, built once on first use (only source-name look-ups need it)."""
        if self._by_name is None:
            outlets = {o.id: o for o in self._index.by_host.values()}
            outlets.update(
                (o.id, o) for entries in self._index.by_path.values() for _, o in entries
            )
            by_name: dict[str, list[Outlet]] = {}
            for outlet_id in sorted(outlets):
                key = source_name_key(outlets[outlet_id].name)
                if key:
                    by_name.setdefault(key, []).append(outlets[outlet_id])
            with self._lock:
                self._by_name = by_name
        return self._by_name

    def outlet_for_name(self, name: object, country: object = None) -> Outlet | None:
        """The outlet a displayed source name stands for, or None: a name that is a host name
        ("Bloomberg.com") resolves as that host; otherwise the table's names, and where several
        outlets share one, the one of `country` (the Google News edition) if exactly one is.
        Never a guess between two outlets. Mirrors outletForName in the extension."""
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_SOURCE_NAME_LENGTH:
            return None
        bare = unicodedata.normalize("NFKC", name.strip()).lower().removesuffix(".")
        if _HOST_NAME_RE.match(bare) and re.search(r"[a-z]", bare.rsplit(".", 1)[1]):
            return match_path(bare, "/", self._index) or self.outlet_for_host(bare)
        found = self._names().get(source_name_key(name), [])
        if len(found) > 1 and isinstance(country, str) and _COUNTRY_RE.match(country):
            found = [o for o in found if o.country == country.upper()]
        return found[0] if len(found) == 1 else None

    def resolve_named(
        self, text: object, source_name: object, country: object = None
    ) -> Resolution:
        """`resolve` for a link shown beside the name of its source, as Google News shows each
        headline: a Google News link whose id cannot be decoded belongs to the outlet that name
        stands for, or to none (the aggregator did not write it); any other link is what its URL
        says, whatever the name. Raises URLInputError. Mirrors resolveNamed in the extension."""
        url = parse_article_url(text)
        resolution = self.resolve_url(url, text)  # type: ignore[arg-type]  # a str once parsed
        if resolution.host != "news.google.com" or not is_opaque_google_news(unwrap(url)):
            return resolution
        return resolution._replace(
            shortener=False, outlet=self.outlet_for_name(source_name, country)
        )

    def outlet_for_host(self, host: str) -> Outlet | None:
        """`match_host`, memoised per host."""
        outlet = self._host_memo.get(host, _MISSING)
        if outlet is not _MISSING:
            return outlet  # type: ignore[return-value]
        outlet = match_host(host, self._index)
        with self._lock:
            self._host_memo[host] = outlet
        return outlet

    def resolve_url(self, url: ArticleURL, original: str) -> Resolution:
        if may_be_wrapped(url.host):
            url = unwrap(url)
        host = url.host
        outlet: Outlet | None = None
        if not url.is_ip:
            outlet = match_path(host, url.path, self._index) or self.outlet_for_host(host)
        shortener = outlet is None and host in SHORTENERS
        return Resolution(
            input=original,
            resolved_url=url.canonical,
            host=host,
            shortener=shortener,
            outlet=outlet,
        )

    def resolve(self, text: object) -> Resolution:
        """Validates `text` and resolves it; raises URLInputError for input that is not a URL."""
        url = parse_article_url(text)
        return self.resolve_url(url, text)  # type: ignore[arg-type]  # a str once parsed
