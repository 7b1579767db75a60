"""Retention on SQLite and PostgreSQL: `parallax prune --older-than`, the worker's daily prune,
and a story whose articles are pruned still answering (API and page) with its stored counts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.cli.coverage import PRUNE_CURSOR, PRUNE_EVERY, daily_prune, prune
from service.config import ConfigError, load_config, parse_duration
from service.coverage.runtime import context_for_app
from service.coverage.runtime import engine as app_engine
from service.store.base import Batch, NewArticle, Store
from service.store.postgres import PostgresStore
from tests.production.conftest import make_app
from tests.support.apps import close_store

DAY = 86400.0
NOW = 1_760_000_000.0
OLD = NOW - 200 * DAY  # well past a 90-day retention
NEW = NOW - 2 * DAY


def art(n: int, story: str, at: float, outlet: str, side: str, **fields: Any) -> NewArticle:
    values: dict[str, Any] = {
        "key": f"https://{outlet}/{n}",
        "url": f"https://{outlet}/{n}",
        "title": f"Quarry tunnel collapse report number {n}",
        "text": f"Rescuers reached the quarry tunnel {n}.",
        "outlet_id": outlet,
        "side": side,
        "published": at,
        "first_seen": at,
        "story_id": story,
    }
    values.update(fields)
    return NewArticle(**values)


def seed(store: Store) -> None:
    """st-old: three old articles (left, right, center); st-mixed: one old, one new;
    st-new: new only. One new article is a wire copy of an old one."""
    store.commit(
        Batch(
            articles=[
                art(1, "st-old", OLD, "leftpaper.com", "left", title="Zanzibar ferry sinks"),
                art(2, "st-old", OLD + 60, "rightdaily.com", "right"),
                art(3, "st-old", OLD + 120, "centerwire.com", "center", fingerprint="wire-1"),
                art(4, "st-mixed", OLD + 300, "leftpaper.com", "left"),
                art(5, "st-mixed", NEW, "rightdaily.com", "right"),
                art(6, "st-new", NEW + 60, "righttimes.com", "right"),
            ]
        )
    )
    # A copy of the old wire original, stored later (it names article 3 as its original).
    store.commit(
        Batch(
            articles=[
                art(
                    7,
                    "st-new",
                    NEW + 120,
                    "righttimes.com",
                    "right",
                    fingerprint="wire-1",
                    syndicated_of_key="https://centerwire.com/3",
                )
            ]
        )
    )


def test_prune_removes_old_articles_in_batches_and_keeps_story_rows(store: Store) -> None:
    seed(store)
    before = {s: store.story(s) for s in ("st-old", "st-mixed", "st-new")}
    assert all(before.values())
    copy = store.article_by_key("https://righttimes.com/7")
    assert copy is not None and copy.syndicated_of is not None

    result = store.prune_articles(NOW - 90 * DAY, batch=2)

    assert (result.articles, result.stories, result.batches) == (4, 2, 2)
    assert store.counts() == {"articles": 3, "stories": 3}  # every story row stays
    for key in ("https://leftpaper.com/1", "https://centerwire.com/3", "https://leftpaper.com/4"):
        assert store.article_by_key(key) is None
    copy = store.article_by_key("https://righttimes.com/7")
    assert copy is not None and copy.syndicated_of is None  # its original went: it stands alone
    old = store.story("st-old")
    was = before["st-old"]
    assert old is not None and was is not None
    assert (old.article_count, old.outlet_count, old.headline) == (3, 3, was.headline)
    assert old.outlets_by_side == was.outlets_by_side and old.pruned == 3
    assert store.story_articles("st-old") == []
    mixed = store.story("st-mixed")
    assert mixed is not None and (mixed.article_count, mixed.pruned) == (2, 1)
    # The full-text index forgot the pruned words (FTS5 rows / tsvector counts) ...
    assert store.search(["Zanzibar ferry"]) == []
    # ... and still finds what stayed.
    assert [a.key for a, _ in store.search(["quarry tunnel collapse"], limit=10)] != []
    # Nothing left to prune: no batch at all the second time.
    assert store.prune_articles(NOW - 90 * DAY).articles == 0


def test_a_thinned_story_keeps_its_counts_when_it_grows_again(store: Store) -> None:
    seed(store)
    store.prune_articles(NOW - 90 * DAY)
    store.commit(Batch(articles=[art(8, "st-mixed", NOW, "centerwire.com", "center")]))
    mixed = store.story("st-mixed")
    assert mixed is not None
    # 1 pruned + 2 stored; the left outlet of the pruned article still counts.
    assert (mixed.article_count, mixed.pruned) == (3, 1)
    assert mixed.outlets_by_side == {"left": 1, "right": 1, "center": 1}
    assert mixed.first_seen == OLD + 300


def test_prune_stops_between_batches_when_asked(store: Store) -> None:
    seed(store)
    asked = iter([False, True])
    result = store.prune_articles(NOW - 90 * DAY, batch=1, stop=lambda: next(asked))
    assert (result.articles, result.batches) == (1, 1)
    assert store.counts()["articles"] == 6


@pytest.mark.parametrize(
    ("text", "seconds"), [("90d", 90 * DAY), ("12h", 12 * 3600.0), (" 1D ", DAY)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("90", "whole number of days or hours"),
        ("-3d", "whole number"),
        ("1.5d", "whole number"),
        ("90m", "e.g. 90d or 12h"),
        ("0h", "shorter than an hour"),
        ("99999999d", "more than"),
        ("", "not a duration"),
        ("٣d", "not a duration"),  # an Arabic-Indic digit is a digit to Python, not to us
    ],
)
def test_nonsense_durations_are_refused_with_a_fix(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_duration(text)


def test_the_worker_setting_is_validated_at_start() -> None:
    assert load_config({"PARALLAX_PRUNE_OLDER_THAN": "90d"})["PRUNE_OLDER_THAN"] == "90d"
    assert load_config({})["PRUNE_OLDER_THAN"] == ""  # off by default
    with pytest.raises(ConfigError, match="PARALLAX_PRUNE_OLDER_THAN"):
        load_config({"PARALLAX_PRUNE_OLDER_THAN": "three months"})


@pytest.fixture
def retention_app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, DATABASE_URL=database_url, PRUNE_OLDER_THAN="90d")
    yield app
    close_store(app)


def test_a_fully_pruned_story_still_answers_with_its_stored_counts(retention_app: Flask) -> None:
    store = app_engine(retention_app).store
    seed(store)
    store.prune_articles(NOW - 90 * DAY)
    client = retention_app.test_client()
    body = client.get("/v1/stories/st-old").get_json()
    assert body["article_count"] == 3 and body["outlet_count"] == 3
    assert body["retention"] == {"articles_removed": 3, "articles_kept": 0}
    assert body["lean"]["outlets"] == {"left": 1, "center": 1, "right": 1, "unrated": 0}
    assert "truncated" not in body  # nothing more is stored than was read
    assert sum(len(v) for v in body["articles_by_side"].values()) == 0
    listed = {s["id"]: s for s in client.get("/v1/stories?limit=10").get_json()["stories"]}
    assert listed["st-old"]["article_count"] == 3
    page = client.get("/stories/st-old")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "3 older articles of this story were removed after the retention period" in text
    mixed = client.get("/v1/stories/st-mixed").get_json()
    assert mixed["article_count"] == 2
    assert mixed["retention"] == {"articles_removed": 1, "articles_kept": 1}


def test_reclaim_after_a_prune_keeps_the_store_answering(store: Store) -> None:
    seed(store)
    assert store.prune_articles(NOW - 90 * DAY).articles == 4
    store.reclaim()  # VACUUM (ANALYZE) on PostgreSQL, outside any transaction; nothing on SQLite
    store.reclaim()  # and again: nothing to do is no error
    if isinstance(store, PostgresStore):
        row = (
            store._conn()
            .execute(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables"
                " WHERE schemaname = %s AND relname = 'articles'",
                (store.schema,),
            )
            .fetchone()
        )
        assert row == (True, True)
        # The per-statement bound is back after the unbounded VACUUM.
        assert store._conn().execute("SHOW statement_timeout").fetchone()[0] == "30s"
    assert store.counts() == {"articles": 3, "stories": 3}
    old = store.story("st-old")
    assert old is not None and old.pruned == 3


def test_prune_command(retention_app: Flask) -> None:
    store = app_engine(retention_app).store
    seed(store)
    runner = retention_app.test_cli_runner()
    with retention_app.app_context():
        # The seed is relative to NOW (in 2025); a day-long retention keeps nothing older.
        result = runner.invoke(prune, ["--older-than", "1d", "--batch", "3"])
        assert result.exit_code == 0, result.output
        line = json.loads(result.output)
        assert (line["removed"], line["batches"]) == (7, 3)
        assert line["reclaim_seconds"] >= 0
        bad = runner.invoke(prune, ["--older-than", "ninety days"])
    assert bad.exit_code == 2
    assert "write a whole number of days or hours, e.g. 90d or 12h" in bad.output
    assert "Traceback" not in bad.output


def test_the_worker_prunes_once_a_day(retention_app: Flask) -> None:
    store = app_engine(retention_app).store
    seed(store)
    ctx = context_for_app(retention_app)
    stop = threading.Event()
    reclaimed: list[float] = []
    real_reclaim = store.reclaim
    store.reclaim = lambda: reclaimed.append(1) or real_reclaim()  # type: ignore[method-assign]
    first = daily_prune(ctx, stop, now=NOW)
    assert first is not None and first.articles == 4
    assert reclaimed == [1]  # the space of what went is made reusable at once
    assert store.cursor(PRUNE_CURSOR) == repr(NOW)
    store.commit(Batch(articles=[art(9, "st-new", OLD, "leftpaper.com", "left")]))
    assert daily_prune(ctx, stop, now=NOW + PRUNE_EVERY / 2) is None  # not due yet
    assert store.article_by_key("https://leftpaper.com/9") is not None
    again = daily_prune(ctx, stop, now=NOW + PRUNE_EVERY)
    assert again is not None and again.articles == 1


def test_the_worker_does_not_prune_unless_asked(tmp_path: Path, database_url: str) -> None:
    app = make_app(tmp_path, DATABASE_URL=database_url)
    try:
        store = app_engine(app).store
        seed(store)
        assert daily_prune(context_for_app(app), threading.Event(), now=NOW) is None
        assert store.counts()["articles"] == 7
    finally:
        app_engine(app).store.close()
