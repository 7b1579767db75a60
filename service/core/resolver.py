"""Resolves an article URL to the outlet that published it (pure: no Flask, no network)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import tldextract

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
    stop_suffixes: frozenset[str]

    def outlet_for_host(self, host: str) -> Outlet | None: ...

    def outlet_for_path(self, host: str, path: str) -> Outlet | None: ...

    def outlet_for_url_host(self, host: str) -> Outlet | None: ...


class Resolution(NamedTuple):
    """What a URL resolves to: its canonical form and outlet (None when not rated)."""

    input: str
    resolved_url: str
    host: str
    shortener: bool
    outlet: Outlet | None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.input,
            "resolved_url": self.resolved_url,
            "host": self.host,
            "shortener": self.shortener,
            "outlet": None if self.outlet is None else self.outlet.to_json(),
        }


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
    outlet = index.outlet_for_host(host)
    if outlet is not None:
        return outlet
    parent = host
    while True:
        dot = parent.find(".")
        if dot < 0:
            return None
        parent = parent[dot + 1 :]
        if "." not in parent or parent in index.stop_suffixes:
            return None
        outlet = index.outlet_for_host(parent)
        if outlet is not None:
            return outlet


def resolve_url(url: ArticleURL, index: OutletIndex, original: str) -> Resolution:
    if may_be_wrapped(url.host):
        url = unwrap(url)
    host = url.host
    outlet: Outlet | None = None
    if not url.is_ip:
        outlet = index.outlet_for_path(host, url.path) or index.outlet_for_url_host(host)
    shortener = outlet is None and host in SHORTENERS
    return Resolution(
        input=original, resolved_url=url.canonical, host=host, shortener=shortener, outlet=outlet
    )


def resolve_outlet(text: object, index: OutletIndex) -> Resolution:
    """Validates `text` and resolves it; raises URLInputError for input that is not a URL."""
    url = parse_article_url(text)
    return resolve_url(url, index, text)  # type: ignore[arg-type]  # a str once parsed
