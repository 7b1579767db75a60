"""The app bench/slow_drill.py serves: the production app, whose page fetcher may reach the
drill's own trickling server on 127.0.0.1. Everything else (the one fetch deadline, the
per-process cap, the worker class) is exactly what ships; only the public-address rule is off,
because the drill cannot send traffic anywhere but loopback."""

from __future__ import annotations

import dataclasses

from service.app import create_app
from service.ingest.fetch import PAGE_POLICY, FetchResult, fetch
from service.web.api.stories import FETCHER_KEY

LOOPBACK_PAGES = dataclasses.replace(PAGE_POLICY, public_only=False)


def _fetch_loopback(url: str) -> FetchResult:
    return fetch(url, LOOPBACK_PAGES)


app = create_app()
app.extensions[FETCHER_KEY] = _fetch_loopback
