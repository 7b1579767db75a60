"""An article whose key (canonical URL, or a file's id) is too long for PostgreSQL's unique
index is refused on its own, alike on both backends: before, it failed the whole batch it came
in (a feed pass's group commit, a file's batch) and POST /v1/articles answered 503."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest
from flask import Flask

from service.coverage.engine import MAX_KEY_BYTES, Engine, RawArticle
from service.coverage.runtime import engine as app_engine
from service.ingest.feeds import FeedIngester, FeedSource
from service.ingest.fetch import FetchResult

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def _random(n: int) -> str:
    # Random, so that PostgreSQL cannot compress the index entry below its limit.
    pick = random.Random(n)
    return "".join(pick.choice(string.ascii_lowercase + string.digits) for _ in range(n))


LONG_URL = "https://leftpaper.com/" + _random(3500)  # within the 4,096 a URL may have
LONG_ID = _random(5000)


def test_a_long_key_is_one_rejected_article_not_a_failed_batch(engine: Engine) -> None:
    result = engine.ingest(
        [
            RawArticle("Harbor council approves flood barrier", "", LONG_URL),
            RawArticle("Harbor council approves flood barrier plan", "", ext_id=LONG_ID),
            RawArticle("Harbor council passes flood barrier", "", "https://rightdaily.com/b"),
            # A key just within the bound is stored.
            RawArticle("Harbor barrier vote", "", ext_id=_random(MAX_KEY_BYTES - len("id:"))),
        ]
    )
    assert (result.added, result.rejected) == (2, 2)
    assert engine.store.article_by_key("https://rightdaily.com/b") is not None


def test_a_feed_item_with_a_long_link_leaves_the_other_feeds_of_its_commit(engine: Engine) -> None:
    def item(title: str, link: str) -> str:
        return f"<item><title>{title}</title><link>{link}</link></item>"

    bodies = {
        "https://h1.example/feed": item("Harbor council approves flood barrier", LONG_URL),
        "https://h2.example/feed": item(
            "Harbor council passes flood barrier", "https://rightdaily.com/b"
        ),
    }

    def fetcher(url: str, policy: Any, headers: Any = None) -> FetchResult:
        body = f'<rss version="2.0"><channel>{bodies[url]}</channel></rss>'
        return FetchResult(url=url, status=200, headers={}, body=body.encode())

    feeds = [FeedSource("leftpaper.com", u) for u in bodies]
    run = FeedIngester(engine, politeness=0, workers=2, fetcher=fetcher).run(feeds)
    assert run.errors == [], run.to_json()
    assert run.added == 1
    assert engine.store.article_by_key("https://rightdaily.com/b") is not None


def test_the_api_answers_a_long_url_without_storing_it(coverage_app: Flask) -> None:
    coverage_app.config["STORE_SUBMITTED_ARTICLES"] = True
    client = coverage_app.test_client()
    answer = client.post("/v1/articles", json={"url": LONG_URL, "title": "Harbor barrier"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["stored"] is False
    good = client.post("/v1/articles", json={"url": "https://leftpaper.com/b", "title": "Harbor"})
    assert good.status_code == 200 and good.get_json()["stored"] is True
    assert app_engine(coverage_app).store.counts()["articles"] == 1
