"""Resolves an article URL to the outlet that published it (pure: no Flask, no network)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import tldextract

from service.ratings_schema import Outlet
from service.urls import SHORTENERS, ArticleURL, parse_article_url, unwrap

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
    def outlet_for_host(self, host: str) -> Outlet | None: ...

    def outlet_for_path(self, host: str, path: str) -> Outlet | None: ...


@dataclass(frozen=True)
class Resolution:
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


def host_candidates(host: str) -> list[str]:
    """The host, then each parent down to its registered domain (never past it)."""
    top = registered_domain(host)
    if not top or not host.endswith(top):
        return [host]
    candidates = [host]
    while candidates[-1] != top:
        candidates.append(candidates[-1].split(".", 1)[1])
    return candidates


def resolve_url(url: ArticleURL, index: OutletIndex, original: str) -> Resolution:
    url = unwrap(url)
    host = url.host
    outlet: Outlet | None = None
    if not url.is_ip:
        outlet = index.outlet_for_path(host, url.path)
        if outlet is None:
            for candidate in host_candidates(host):
                outlet = index.outlet_for_host(candidate)
                if outlet is not None:
                    break
    shortener = outlet is None and host in SHORTENERS
    return Resolution(
        input=original, resolved_url=url.canonical, host=host, shortener=shortener, outlet=outlet
    )


def resolve_outlet(text: object, index: OutletIndex) -> Resolution:
    """Validates `text` and resolves it; raises URLInputError for input that is not a URL."""
    url = parse_article_url(text)
    return resolve_url(url, index, str(text))
