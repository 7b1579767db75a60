"""The story listing's keyset cursor (stories(older_than=, newer_than=)): every story once, in
order, forward and back, however many were updated at one instant (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from service.store.base import Batch, NewArticle, Store

pytestmark = pytest.mark.backends("sqlite", "postgresql")

T0 = 1_760_000_000.0
TIED = 5_120  # past the 5,000 stories of one instant the front page used to read whole


def _fill(store: Store) -> list[str]:
    """10 newer stories, TIED stories of one instant, 10 older; their ids in listing order."""
    times = [T0 + 100 + i for i in range(10)] + [T0] * TIED + [T0 - 100 + i for i in range(10)]
    # Ids of mixed lengths and punctuation, so the order is the database's, not insertion's.
    ids = [f"st-{i % 7}.{i:05d}{'_x' if i % 3 else ''}" for i in range(len(times))]
    store.commit(
        Batch(
            articles=[
                NewArticle(key=f"id:k-{i}", title=f"Harbor story {i}", side="unrated",
                           published=t, first_seen=t, story_id=ids[i])
                for i, t in enumerate(times)
            ]
        )
    )  # fmt: skip
    everything = store.stories(limit=len(times) + 10, digests=False)
    assert len(everything) == len(times)
    return [r.id for r in everything]


def test_paging_forward_and_back_lists_every_story_of_one_instant_once(store: Store) -> None:
    order = _fill(store)
    limit = 97
    forward: list[list[str]] = []
    rows = store.stories(limit=limit, digests=False)
    while rows:
        assert len(forward) < 200
        forward.append([r.id for r in rows])
        last = rows[-1]
        rows = store.stories(older_than=(last.last_updated, last.id), limit=limit, digests=False)
    listed = [i for page in forward for i in page]
    assert listed == order  # no duplicate, no gap, the listing's own order
    assert len(forward) == -(-len(order) // limit)
    # Back from the last page: each page before it, exactly.
    back: list[list[str]] = [forward[-1]]
    first = store.stories(older_than=_mark(store, forward[-2][-1]), limit=limit, digests=False)
    while first:
        assert len(back) < 200
        top = first[0]
        first = store.stories(newer_than=(top.last_updated, top.id), limit=limit, digests=False)
        if first:
            back.append([r.id for r in first])
    assert back[::-1] == forward


def test_a_cursor_pages_within_a_time_window_and_a_blindspot(store: Store) -> None:
    order = _fill(store)
    tied = [i for i in order if store.story(i).last_updated == T0]  # type: ignore[union-attr]
    assert len(tied) == TIED
    page = store.stories(since=T0, until=T0, limit=1000, digests=False)
    seen = [r.id for r in page]
    while page:
        page = store.stories(
            since=T0, until=T0, older_than=(T0, page[-1].id), limit=1000, digests=False
        )
        seen += [r.id for r in page]
    assert seen == tied
    # No story is a blindspot here: a cursor with that filter lists none, and does not fail.
    assert store.stories(blindspot="left", older_than=(T0, tied[0]), digests=False) == []


def test_both_cursors_at_once_are_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.stories(older_than=(T0, "a"), newer_than=(T0, "b"))


def _mark(store: Store, story_id: str) -> tuple[float, str]:
    row = store.story(story_id)
    assert row is not None
    return row.last_updated, row.id


@pytest.mark.backends("sqlite")
def test_a_page_from_a_mark_seeks_the_index_to_it(store: Store) -> None:
    """A page from a mark inside an instant seeks to the mark's id (stories_keyset), in either
    direction: one OR predicate gave the database no range, and PostgreSQL scanned every story
    from the top of the listing to the mark at each page (bench.story_keyset)."""
    run = store._run  # type: ignore[attr-defined]
    plans: list[str] = []

    def explained(conn: object, sql: str, params: object = ()) -> object:
        if sql.startswith("SELECT") and "FROM stories" in sql:
            plans.extend(str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))  # type: ignore[attr-defined]
        return run(conn, sql, params)

    store._run = explained  # type: ignore[attr-defined]
    store.stories(older_than=(T0, "st-3"), limit=10, digests=False)
    assert any("stories_keyset (last_updated=? AND id>?)" in p for p in plans), plans
    plans.clear()
    store.stories(newer_than=(T0, "st-3"), limit=10, digests=False)
    assert any("stories_keyset (last_updated=? AND id<?)" in p for p in plans), plans
