"""Coalesced digests (PARALLAX_DIGEST_DELAY): a flush holds back a story marked due less than
the delay ago, a later flush (or the engine's idle turn) makes it once for every change
meanwhile, readers are shown the previous digest (a new story: its headline, no points) and
never make their own for a story that merely waits. Both backends."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from service.config import ConfigError, load_config
from service.coverage.engine import Engine, RawArticle
from tests.coverage.test_digest_ratings import COVERAGE, Service
from tests.support.stores import StoreFactory

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def _article(story: str, host: str, n: int) -> Any:
    from service.store.base import NewArticle

    title, text = COVERAGE[host]
    return NewArticle(
        key=f"https://{host}/{story}/{n}",
        title=f"{title} ({story} {n})",
        text=text,
        url=f"https://{host}/{story}/{n}",
        outlet_id=host,
        side="left",
        published=1_741_000_000.0 + n,
        story_id=story,
    )


def _commit(store: Any, *articles: Any) -> None:
    from service.store.base import Batch

    store.commit(Batch(articles=list(articles), defer_digests=True))


def _age(store: Any, seconds: float) -> None:
    """Every story's due mark made `seconds` older (as if that time had passed)."""
    conn = store._conn()
    with store._writing(conn):
        store._run(
            conn,
            "UPDATE stories SET digest_due = digest_due - ? WHERE digest_due > 0",
            (seconds,),
        )


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from service.coverage.summary import story_digest as original
    from service.store import sql

    made: list[str] = []

    def counting(articles: Any, *rest: Any) -> Any:
        made.append(str(articles[0].story_id))
        return original(articles, *rest)

    monkeypatch.setattr(sql, "story_digest", counting)
    return made


def test_a_story_that_changes_again_within_the_delay_is_digested_once(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _counting(monkeypatch)
    _commit(store, _article("st-1", "leftpaper.com", 0))
    assert store.flush_digests(delay=30.0) == 0  # marked a moment ago: held back
    assert store.digests_held() == 1 and store.digest_waiting("st-1")
    assert store.story("st-1").digest is None
    first_due = _due(store, "st-1")
    _commit(store, _article("st-1", "rightdaily.com", 1))
    assert _due(store, "st-1") == first_due  # the first mark counts: the wait is bounded
    assert store.flush_digests(delay=30.0) == 0
    _age(store, 31.0)
    assert store.flush_digests(delay=30.0) == 1
    assert made == ["st-1"]  # once, for both changes
    row = store.story("st-1")
    assert row.digest is not None and row.digest["key_points"]
    assert store.digests_held() == 0 and not store.digest_waiting("st-1")
    assert store.flush_digests(delay=30.0) == 0


def test_without_a_delay_each_change_is_digested_at_once(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _counting(monkeypatch)
    _commit(store, _article("st-1", "leftpaper.com", 0))
    assert store.flush_digests() == 1
    _commit(store, _article("st-1", "rightdaily.com", 1))
    assert store.flush_digests(delay=0.0) == 1
    assert made == ["st-1", "st-1"]


def test_a_held_story_keeps_its_previous_digest_until_made(store: Any) -> None:
    _commit(store, _article("st-1", "leftpaper.com", 0))
    assert store.flush_digests() == 1
    before = store.story("st-1").digest
    _commit(store, _article("st-1", "rightdaily.com", 1))
    assert store.flush_digests(delay=30.0) == 0
    assert store.story("st-1").digest == before
    assert store.flush_digests() == 1  # a flush without the delay takes what is held
    assert store.story("st-1").digest != before


def test_another_processs_flush_takes_a_held_story_only_as_an_orphan(
    store: Any, store_factory: StoreFactory
) -> None:
    from service.store import sql

    _commit(store, _article("st-1", "leftpaper.com", 0))
    assert store.flush_digests(delay=30.0) == 0
    other: Any = store_factory()
    assert other.flush_digests(delay=30.0) == 0  # not its own, and not left by a dead one
    _age(store, sql.ORPHAN_DIGEST_SECONDS + 1)  # (this process died meanwhile)
    assert other.flush_digests(delay=30.0) == 1


def _due(store: Any, story_id: str) -> float:
    conn = store._conn()
    return float(
        store._run(conn, "SELECT digest_due FROM stories WHERE id = ?", (story_id,)).fetchone()[0]
    )


def test_readers_show_a_waiting_story_without_making_its_digest(
    tmp_path: Path, ratings_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.coverage import summary

    service = Service(tmp_path, ratings_dir, database_url)
    settings: dict[str, Any] = service.settings
    settings["DIGEST_DELAY"] = 30  # (as PARALLAX_DIGEST_DELAY=30 gives it)
    try:
        service.start()
        eng = service.engine
        assert eng.digest_delay == 30.0
        eng.ingest(
            [
                RawArticle(title, text, f"https://{host}/bridge", published=1_741_000_000.0 + n)
                for n, (host, (title, text)) in enumerate(COVERAGE.items())
            ]
        )
        story = eng.store.article_by_key("https://leftpaper.com/bridge")
        assert story is not None and story.story_id is not None
        row = eng.store.story(story.story_id)
        assert row is not None and row.digest is None  # held back
        made: list[int] = []
        original = summary.story_digest

        def counting(*args: Any, **kwargs: Any) -> Any:
            made.append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(summary, "story_digest", counting)
        monkeypatch.setattr("service.coverage.engine.story_digest", counting)
        shown = service.get_json(f"/v1/stories/{story.story_id}")
        assert shown["headline"] == row.headline and row.headline
        assert shown["key_points"] == []
        page = service.page(f"/stories/{story.story_id}")
        assert row.headline.split()[0] in page
        listed = service.get_json("/v1/stories")
        assert listed  # the listing reads the stored headline
        assert made == []  # no reader made the waiting story's digest
        monkeypatch.undo()
        assert eng.flush_all_digests() == 1
        shown = service.get_json(f"/v1/stories/{story.story_id}")
        assert shown["key_points"]
    finally:
        service.stop()


def test_the_idle_turn_makes_what_waits_when_no_batch_follows(store: Any, table: Any) -> None:
    eng = Engine(store, table, digest_delay=0.2)
    eng.start_idle_flush()
    eng.ingest(
        [
            RawArticle(title, text, f"https://{host}/bridge", published=1_741_000_000.0 + n)
            for n, (host, (title, text)) in enumerate(COVERAGE.items())
        ]
    )
    found = store.article_by_key("https://leftpaper.com/bridge")
    assert found is not None and found.story_id is not None
    deadline = time.monotonic() + 30.0  # (a bound on the wait, not a timing asserted)
    while store.story(found.story_id).digest is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.story(found.story_id).digest is not None
    assert store.digests_held() == 0


@pytest.mark.parametrize("raw", ["-1", "abc", "2.5", "31", "1e9", ""])
def test_a_digest_delay_that_is_no_whole_number_of_seconds_up_to_30_is_refused(
    raw: str,
) -> None:
    with pytest.raises(ConfigError, match="PARALLAX_DIGEST_DELAY"):
        load_config({"PARALLAX_DIGEST_DELAY": raw})


@pytest.mark.parametrize("raw", ["0", "5", "30"])
def test_a_digest_delay_in_range_is_taken(raw: str) -> None:
    assert load_config({"PARALLAX_DIGEST_DELAY": raw})["DIGEST_DELAY"] == int(raw)


def _idle_turns() -> list[Any]:
    import threading

    return [t for t in threading.enumerate() if t.name == "parallax-digest-idle"]


def test_closing_the_engine_ends_its_idle_turn_and_makes_what_it_holds(
    store: Any, table: Any
) -> None:
    # The idle turn had no stop: every engine with a delay (an app's, a test's) kept a
    # thread turning for good, on a store its owner had closed.
    before = set(_idle_turns())
    eng = Engine(store, table, digest_delay=30)
    eng.start_idle_flush()
    (turn,) = set(_idle_turns()) - before
    eng.ingest(
        [
            RawArticle(title, text, f"https://{host}/bridge", published=1_741_000_000.0 + n)
            for n, (host, (title, text)) in enumerate(COVERAGE.items())
        ]
    )
    found = store.article_by_key("https://leftpaper.com/bridge")
    assert found is not None and found.story_id is not None
    assert store.story(found.story_id).digest is None and store.digests_held() == 1
    eng.close()
    assert not turn.is_alive()
    assert store.digests_held() == 0
    assert store.story(found.story_id).digest is not None
    eng.close()  # (twice: nothing more)


def test_an_engine_let_go_without_closing_ends_its_idle_turn(store: Any, table: Any) -> None:
    import gc

    before = set(_idle_turns())
    eng = Engine(store, table, digest_delay=30)
    eng.start_idle_flush()
    (turn,) = set(_idle_turns()) - before
    del eng
    gc.collect()
    turn.join(30.0)  # (a bound on the wait, not a timing asserted)
    assert not turn.is_alive()
