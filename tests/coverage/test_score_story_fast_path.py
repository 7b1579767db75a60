"""/v1/score's cheap paths: the store's hosts known in memory (on SQLite and PostgreSQL alike),
and the lone ?url= parse."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask, request

from service.coverage.engine import RawArticle
from service.coverage.runtime import STORED_HOSTS_KEY, StoredHosts, engine
from service.web.api.score import _url_params

from .test_api import BARRIER, T0, seed

BOTH = pytest.mark.backends("sqlite", "postgresql")


@BOTH
def test_a_host_without_articles_spares_the_store_query(
    coverage_app: Flask, monkeypatch: Any
) -> None:
    client = coverage_app.test_client()
    eng = engine(coverage_app)
    calls: list[str] = []
    plain = eng.store.article_by_key
    monkeypatch.setattr(eng.store, "article_by_key", lambda key: calls.append(key) or plain(key))
    for n in range(3):
        body = client.get(f"/v1/score?url=https://farleft.org/news/{n}").get_json()
        assert body["story"] is None and body["outlet"]["id"] == "farleft.org"
    assert calls == []  # the host has no stored article: not one per-URL lookup


@BOTH
def test_a_host_gains_its_story_as_soon_as_this_process_ingests(coverage_app: Flask) -> None:
    coverage_app.extensions[STORED_HOSTS_KEY] = StoredHosts(refresh=3600)
    client = coverage_app.test_client()
    assert client.get("/v1/score?url=https://leftpaper.com/barrier").get_json()["story"] is None
    seeded = seed(coverage_app)  # ingests leftpaper.com/barrier after its host was read as absent
    body = client.get("/v1/score?url=https://leftpaper.com/barrier").get_json()
    assert body["story"]["id"] == seeded["barrier"]


@BOTH
def test_another_processes_article_shows_after_the_next_read(coverage_app: Flask) -> None:
    client = coverage_app.test_client()
    url = "https://www.rightdaily.com/barrier"
    now = [0.0]
    coverage_app.extensions[STORED_HOSTS_KEY] = StoredHosts(refresh=1.0, clock=lambda: now[0])
    assert client.get(f"/v1/score?url={url}").get_json()["story"] is None
    # Another process writes to the store: this engine's generation does not move.
    other = create_other_engine(coverage_app)
    other.ingest(
        [
            RawArticle(
                "Harbor council approves Eastside flood barrier", BARRIER, url, published=T0
            ),
            RawArticle(
                "Harbor council passes barrier plan",
                BARRIER,
                "https://centerwire.com/b",
                published=T0,
            ),
        ]
    )
    assert client.get(f"/v1/score?url={url}").get_json()["story"] is None  # not read yet
    now[0] += 1.0
    assert client.get(f"/v1/score?url={url}").get_json()["story"] is not None


def create_other_engine(app: Flask) -> Any:
    from service.coverage.engine import Engine
    from service.store import open_store

    store = open_store(app.config["DATA_DIR"], app.config.get("DATABASE_URL", ""))
    return Engine(store, app.extensions["parallax.ratings"])


@pytest.mark.parametrize(
    "query",
    [
        "url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews%2Fa-1%3Fx%3D1",
        "url=https://example.com/a+b%20c",
        "url=https%3A%2F%2Fexample.com%2F%FF%C3%A9",
        "url=",
        "url",
        "url=a&url=b",
        "x=1&url=https://example.com/a",
        "url=https://ex%C3%A9mple.com/%E2%82%AC",
        "URL=https://example.com/a",
    ],
)
def test_lone_url_parse_equals_request_args(coverage_app: Flask, query: str) -> None:
    with coverage_app.test_request_context("/v1/score?" + query):
        assert _url_params() == request.args.getlist("url")


@BOTH
def test_a_deletion_anywhere_drops_the_hosts_whose_articles_went(coverage_app: Flask) -> None:
    """`parallax demo --clear` in another process deletes articles: the next read is a full one,
    so their hosts are not asked about again (on a store whose row ids never repeat, the only
    full reads are the first and these)."""
    seed(coverage_app)
    now = [0.0]
    hosts = StoredHosts(refresh=1.0, rebuild=3600.0, clock=lambda: now[0])
    eng = engine(coverage_app)
    assert hosts.may_have(eng, "https://leftpaper.com/any")
    assert hosts.may_have(eng, "https://rightdaily.com/any")
    create_other_engine(coverage_app).store.delete_articles("https://leftpaper.com/")
    assert hosts.may_have(eng, "https://leftpaper.com/any")  # not read again yet
    now[0] = 1.0
    assert not hosts.may_have(eng, "https://leftpaper.com/any")
    assert hosts.may_have(eng, "https://rightdaily.com/any")


def test_a_full_read_drops_hosts_whose_articles_are_gone(coverage_app: Flask) -> None:
    """SQLite may give a deleted row's id to the next article; a periodic full read catches
    what reading on from the last id would miss (here: rows gone without the removals count)."""
    seed(coverage_app)
    now = [0.0]
    hosts = StoredHosts(refresh=1.0, rebuild=10.0, clock=lambda: now[0])
    eng = engine(coverage_app)
    assert hosts.may_have(eng, "https://leftpaper.com/any")
    assert not hosts.may_have(eng, "https://farleft.org/any")
    assert hosts.may_have(eng, "id:no-host")  # keys without a host are always asked
    # Retention removes rows without moving the removals count (every article is older than
    # a cutoff a year ahead); the hosts' counts the writer keeps go with them.
    assert eng.store.prune_articles(time.time() + 365 * 86400.0).articles > 0
    now[0] = 5.0  # an incremental read only adds
    assert hosts.may_have(eng, "https://leftpaper.com/any")
    now[0] = 10.0
    assert not hosts.may_have(eng, "https://leftpaper.com/any")
