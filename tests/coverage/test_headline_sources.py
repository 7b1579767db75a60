"""Store.headline_sources: each listed story's first DIGEST_SAMPLE originals (outlet, title),
read by a seek per story, never every article of a large story (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3

import pytest

from service.coverage.summary import DIGEST_SAMPLE
from service.store.base import Batch, NewArticle, Store

pytestmark = pytest.mark.backends("sqlite", "postgresql")
T0 = 1_760_000_000.0


def _story(store: Store, story_id: str, originals: int) -> None:
    store.commit(
        Batch(
            articles=[
                NewArticle(key=f"id:{story_id}-{i}", title=f"{story_id} title {i}",
                           side="unrated", published=T0 + i, first_seen=T0 + i,
                           outlet_id=f"o{i % 3}.example", story_id=story_id)
                for i in range(originals)
            ]
        )
    )  # fmt: skip


def test_each_story_gives_its_first_originals_in_order(store: Store) -> None:
    _story(store, "big", DIGEST_SAMPLE + 40)
    _story(store, "small", 3)
    found = store.headline_sources(["small", "big", "none", "small"])
    assert found["small"] == [(f"o{i % 3}.example", f"small title {i}") for i in range(3)]
    assert found["big"] == [(f"o{i % 3}.example", f"big title {i}") for i in range(DIGEST_SAMPLE)]
    assert "none" not in found


@pytest.mark.backends("sqlite")
def test_a_large_story_is_not_read_whole(store: Store) -> None:
    """The work (SQLite's virtual machine steps, counted) does not grow with a story's size: a
    window over every article read each of a listed story's articles at every list page."""
    _story(store, "a", DIGEST_SAMPLE + 20)
    _story(store, "b", 12 * DIGEST_SAMPLE)
    conn: sqlite3.Connection = store._conn()  # type: ignore[attr-defined]
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    def cost(story_id: str) -> int:
        steps[0] = 0
        conn.set_progress_handler(count, 1)
        try:
            assert len(store.headline_sources([story_id])[story_id]) == DIGEST_SAMPLE
        finally:
            conn.set_progress_handler(None, 1)
        return steps[0]

    assert cost("b") < 1.5 * cost("a")
