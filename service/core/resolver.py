"""Resolves an article URL to the outlet that published it (pure: no Flask, no network)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import tldextract
from cachetools import Cache

from service.core.ratings_schema import Outlet
from service.core.urls import SHORTENERS, ArticleURL, may_be_wrapped, parse_article_url, unwrap

# Hosting platforms whose subdomains are each someone's own site, but which the Public Suffix
# List (as bundled) does not list as private suffixes.
USER_SITE_SUFFIXES = (
    "substack.com", "wordpress.com", "tumblr.com", "medium.com", "beehiiv.com", "ghost.io",
    "typepad.com", "livejournal.com", "over-blog.com", "weebly.com", "wixsite.com",
    "blogger.com", "squarespace.com", "hashnode.dev", "buttondown.email",
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


class Resolver:
    """URL → outlet over one table's indexes: unwrap, path entries, then the host walk, memoised
    per host (hosts repeat far more than URLs do, and the walk is the only per-URL work that
    depends on the table)."""

    def __init__(self, index: OutletIndex, memo_size: int = 100_000) -> None:
        self._index = index
        # A FIFO-evicting cachetools.Cache: reads never mutate it, so they need no lock.
        self._host_memo: Cache[str, Outlet | None] = Cache(maxsize=memo_size)
        self._lock = threading.Lock()

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
            input=original, resolved_url=url.canonical, host=host, shortener=shortener, outlet=outlet
        )

    def resolve(self, text: object) -> Resolution:
        """Validates `text` and resolves it; raises URLInputError for input that is not a URL."""
        url = parse_article_url(text)
        return self.resolve_url(url, text)  # type: ignore[arg-type]  # a str once parsed
