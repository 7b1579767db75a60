"""Hostile inputs found in session 11's sweep: each test fails on the code before its fix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.cli import main
from service.coverage.runtime import engine
from service.ingest.feeds import FeedIngester, FeedSource, shown_error
from service.ingest.fetch import FetchPolicy, fetch
from service.store.base import FeedState
from tests.coverage.conftest import write_ratings
from tests.support.apps import close_store, make_app

pytestmark = pytest.mark.backends("sqlite", "postgresql")

PRIVATE = "10.1.2.3"
FEED = "https://leftpaper.com/rss"


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


@pytest.fixture
def feeds_app(tmp_path: Path, database_url: str) -> Any:
    ratings = write_ratings(tmp_path / "ratings", [("leftpaper.com", FEED)])
    app = make_app(tmp_path, RATINGS_DIR=str(ratings), DATABASE_URL=database_url)
    yield app
    close_store(app)


def _everything_shown(app: Flask) -> str:
    """The feed's state as the /feeds page, `parallax feeds` and `parallax feeds --json` show it."""
    page = _text(app.test_client().get("/feeds").data)
    with app.app_context():
        words = app.test_cli_runner().invoke(main, ["feeds"]).output
        rows = app.test_cli_runner().invoke(main, ["feeds", "--json"]).output
    return "\n".join([page, words, rows])


def test_a_refused_feeds_private_address_is_shown_nowhere(feeds_app: Flask) -> None:
    def fetcher(url: str, policy: FetchPolicy, headers: Any = None) -> Any:
        return fetch(url, policy, headers=headers, resolver=lambda host, port: [PRIVATE])

    with feeds_app.app_context():
        run = FeedIngester(engine(feeds_app), fetcher=fetcher, politeness=0).run(
            [FeedSource("leftpaper.com", FEED)]
        )
        stored = engine(feeds_app).store.feed_state(FEED)
    assert run.failures_by_reason() == {"forbidden_address": 1}
    assert PRIVATE not in json.dumps(run.to_json()) and PRIVATE not in run.summary_line()
    assert stored is not None and stored.last_error is not None
    assert PRIVATE not in stored.last_error
    assert "resolves to a private address" in stored.last_error
    shown = _everything_shown(feeds_app)
    assert PRIVATE not in shown
    assert "refused to fetch leftpaper.com: not a public address" in shown
    assert "resolves to a private address" in shown


@pytest.mark.parametrize(
    ("old", "kind"),
    [
        (f"{PRIVATE} is a private address", "a private address"),
        ("::ffff:10.1.2.3 is an IPv4-mapped address", "an IPv4-mapped address"),
        ("2002:a01:203::1 tunnels to an IPv4 address", "an address tunnelling to IPv4"),
        ("fec0::1 is a site-local address", "a site-local address"),
        ("100.64.1.2 is not a public address", "a non-public address"),
    ],
)
def test_a_refusal_stored_with_its_address_by_older_versions_is_read_without_it(
    feeds_app: Flask, old: str, kind: str
) -> None:
    with feeds_app.app_context():
        engine(feeds_app).store.save_feed_states(
            [
                FeedState(
                    url=FEED,
                    last_fetched=1_800_000_000.0,
                    last_error=f"refused to fetch leftpaper.com: {old}",
                    failures=1,
                    next_attempt=1_800_000_900.0,
                )
            ]
        )
    address = old.split(" ", 1)[0]
    shown = _everything_shown(feeds_app)
    assert address not in shown
    assert f"refused to fetch leftpaper.com: not a public address (it resolves to {kind})" in shown


def test_shown_error_leaves_other_errors_alone() -> None:
    assert shown_error("fetching x failed: a\x1b[2J") == "fetching x failed: a\\x1b[2J"
    words = "refused to fetch a.example: not a public address (it resolves to a loopback address)"
    assert shown_error(words) == words
