"""The Store contract, run on SQLite and PostgreSQL alike, directly and through the engine."""

from __future__ import annotations

import pytest

from service.core.ratings import RatingsTable
from service.coverage.engine import Engine, RawArticle
from service.store.base import Batch, FeedState, NewArticle, Store

from .conftest import StoreFactory

T0 = 1_741_000_000.0


def art(n: int, story: str | None = "st-1", **fields: object) -> NewArticle:
    values: dict[str, object] = {
        "key": f"https://leftpaper.com/{n}",
        "title": f"Harbor council story number {n}",
        "url": f"https://leftpaper.com/{n}",
        "outlet_id": "leftpaper.com",
        "side": "left",
        "first_seen": T0 + n,
        "story_id": story,
    }
    values.update(fields)
    return NewArticle(**values)  # type: ignore[arg-type]


def test_it_is_a_store_and_starts_empty(store: Store) -> None:
    assert isinstance(store, Store)
    assert store.counts() == {"articles": 0, "stories": 0}
    assert store.latest_time() is None
    assert store.stories() == []
    assert store.search(["anything here"]) == []


def test_commit_returns_ids_in_order_and_rows_read_back(store: Store) -> None:
    ids = store.commit(Batch(articles=[art(1), art(2, published=T0 + 500)]))
    assert len(ids) == 2 and ids[0] < ids[1]
    first = store.article_by_key("https://leftpaper.com/1")
    assert first is not None and first.id == ids[0]
    assert (first.title, first.outlet_id, first.side, first.story_id) == (
        "Harbor council story number 1",
        "leftpaper.com",
        "left",
        "st-1",
    )
    assert store.article_by_key("https://leftpaper.com/nope") is None
    assert store.existing_keys(["https://leftpaper.com/2", "https://x.example/"]) == {
        "https://leftpaper.com/2"
    }
    assert store.latest_time() == T0 + 500
    assert [a.key for a in store.articles_since(T0 + 1.5)] == ["https://leftpaper.com/2"]
    assert [a.id for a in store.articles_since(0, after_id=ids[0])] == [ids[1]]


def test_story_aggregates_follow_every_batch(store: Store) -> None:
    store.commit(Batch(articles=[art(1)]))
    store.commit(
        Batch(
            articles=[
                art(2, key="https://rightdaily.com/2", outlet_id="rightdaily.com", side="right"),
                art(3, key="https://rightdaily.com/3", outlet_id="rightdaily.com", side="right"),
            ]
        )
    )
    row = store.story("st-1")
    assert row is not None
    assert (row.article_count, row.outlet_count) == (3, 2)
    assert row.outlets_by_side == {"left": 1, "right": 1}
    assert (row.first_seen, row.last_updated) == (T0 + 1, T0 + 3)
    assert row.headline
    assert [a.key for a in store.story_articles("st-1")][0] == "https://leftpaper.com/1"


def test_merges_move_articles_and_old_ids_resolve(store: Store) -> None:
    store.commit(Batch(articles=[art(1, story="st-1"), art(2, story="st-2")]))
    store.commit(Batch(articles=[art(3, story="st-3")]))
    store.commit(Batch(merges=[("st-2", "st-1"), ("st-1", "st-3")]))
    assert [r.id for r in store.stories()] == ["st-3"]
    assert store.resolve_story("st-2") == "st-3"
    assert store.resolve_story("st-1") == "st-3"
    assert store.resolve_story("st-9") is None
    merged = store.story("st-2")
    assert merged is not None and merged.id == "st-3" and merged.article_count == 3
    assert len(store.story_articles("st-1")) == 3


def test_stories_filter_by_time_and_blindspot(store: Store) -> None:
    left_only = [
        art(i, story="st-left", key=f"https://l{i}.example/", outlet_id=f"l{i}") for i in range(4)
    ]
    store.commit(Batch(articles=[*left_only, art(50, story="st-other")]))
    everything = store.stories()
    assert [r.id for r in everything] == ["st-other", "st-left"]
    assert [r.id for r in store.stories(since=T0 + 10)] == ["st-other"]
    assert [r.id for r in store.stories(until=T0 + 10)] == ["st-left"]
    assert store.stories(limit=1)[0].id == "st-other"
    flagged = store.stories(blindspot="any")
    for row in flagged:
        assert row.blindspot in ("left", "right")
    assert store.stories(blindspot="right") == [r for r in flagged if r.blindspot == "right"]


def test_syndicated_copies_point_at_their_first(store: Store) -> None:
    store.commit(Batch(articles=[art(1, fingerprint="fp1")]))
    copy = art(
        2,
        key="https://rightdaily.com/2",
        outlet_id="rightdaily.com",
        fingerprint="fp1",
        syndicated_of_key="https://leftpaper.com/1",
    )
    store.commit(Batch(articles=[copy]))
    first = store.article_by_key("https://leftpaper.com/1")
    second = store.article_by_key("https://rightdaily.com/2")
    assert first is not None and second is not None and second.syndicated_of == first.id
    grouped = store.by_fingerprint(["fp1", "nothing", ""])
    assert [a.key for a in grouped["fp1"]] == ["https://leftpaper.com/1", "https://rightdaily.com/2"]
    assert set(grouped) == {"fp1"}


def test_a_failed_batch_writes_nothing(store: Store) -> None:
    store.commit(Batch(articles=[art(1)], cursors=[("file", "1")]))
    broken = art(3, title=None)  # NOT NULL: the database refuses the row mid-batch
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own IntegrityError
        store.commit(Batch(articles=[art(2), broken], cursors=[("file", "3")]))
    assert store.counts() == {"articles": 1, "stories": 1}
    assert store.cursor("file") == "1"
    assert store.article_by_key("https://leftpaper.com/2") is None


def test_feed_state_and_cursors_round_trip(store: Store) -> None:
    state = FeedState(url="https://a.example/feed", etag='"x"', last_modified="Tue", last_status=200)
    store.commit(Batch(feed_states=[state], cursors=[("c", "7")]))
    assert store.feed_state(state.url) == state
    later = FeedState(url=state.url, etag='"y"', last_fetched=T0, last_error="timeout")
    store.commit(Batch(feed_states=[later], cursors=[("c", "8")]))
    assert store.feed_state(state.url) == later
    assert store.cursor("c") == "8" and store.cursor("other") is None
    assert store.feed_state("https://b.example/feed") is None


def test_search_keeps_the_rarest_words(store: Store) -> None:
    common = [art(i, story=f"s{i}", title=f"Council meeting {i}") for i in range(30)]
    rare = art(99, story="sz", title="Council meeting on the Zephyrine aqueduct")
    store.commit(Batch(articles=[*common, rare]))
    hits = store.search(["The council meeting about Zephyrine"], limit=3)
    assert hits[0][0].key == "https://leftpaper.com/99"
    assert all(score > 0 for _, score in hits)
    assert store.search(["the and of"]) == []
    assert store.search(["nonexistentword"]) == []
    # Quotes and tsquery/FTS operators in user text are words, never syntax.
    assert store.search(["zephyrine' | ! & (council:*) \" NEAR OR"])[0][0].key.endswith("/99")


def test_articles_since_pages_through_everything_in_order(store: Store) -> None:
    store.page_rows = 3  # type: ignore[attr-defined]  # many pages from a few rows
    arts = [art(i, first_seen=T0 + i % 4, published=None) for i in range(1, 15)]
    ids = store.commit(Batch(articles=arts))
    by_time = [a.key for a in store.articles_since(T0 + 1)]
    expected = sorted((a for a in arts if a.first_seen >= T0 + 1), key=lambda a: a.first_seen)
    assert sorted(by_time) == sorted(a.key for a in expected)
    assert len(by_time) == len(set(by_time))
    times = [store.article_by_key(k).first_seen for k in by_time]  # type: ignore[union-attr]
    assert times == sorted(times)
    assert [a.id for a in store.articles_since(0, after_id=ids[4])] == ids[5:]
    assert store.estimated_counts() == store.counts()


def test_reopening_keeps_everything(store_factory: StoreFactory) -> None:
    first = store_factory()
    first.commit(Batch(articles=[art(1), art(2)], cursors=[("story_seq", "2")]))
    first.close()
    again = store_factory()
    assert again.counts() == {"articles": 2, "stories": 1}
    assert again.cursor("story_seq") == "2"


# -- the engine over each backend -------------------------------------------------------


def barrier(outlet: str, path: str, title: str, when: float = T0) -> RawArticle:
    return RawArticle(
        title=title,
        text="Harbor city council voted 7-2 to fund the Eastside flood barrier, a $40 million plan.",
        url=f"https://{outlet}/{path}",
        published=when,
    )


def test_engine_clusters_dedups_and_restarts(
    store_factory: StoreFactory, table: RatingsTable
) -> None:
    clock = lambda: T0 + 3600  # noqa: E731
    store = store_factory()
    engine = Engine(store, table, clock=clock)
    result = engine.ingest(
        [
            barrier("leftpaper.com", "a", "Harbor council approves Eastside flood barrier"),
            barrier("rightdaily.com", "b", "Harbor council passes $40 million flood barrier", T0 + 60),
            barrier("www.leftpaper.com", "a?utm_source=x", "Harbor council approves barrier"),
            RawArticle(
                title="Orchestra cancels spring tour over missing arts grant",
                text="The state orchestra cancelled its twelve-city spring tour.",
                url="https://centerwire.com/orchestra",
                published=T0 + 30,
            ),
        ]
    )
    assert (result.added, result.duplicates) == (3, 1)
    story = store.article_by_key("https://leftpaper.com/a")
    assert story is not None and story.story_id is not None
    row = store.story(story.story_id)
    assert row is not None and row.article_count == 2
    assert row.outlets_by_side == {"left": 1, "right": 1}
    assert engine.ingest([barrier("leftpaper.com", "a", "again")]).duplicates == 1

    store.close()
    reopened = store_factory()
    second = Engine(reopened, table, clock=clock)
    second.ingest(
        [barrier("righttimes.com", "c", "Eastside flood barrier wins Harbor council vote", T0 + 90)]
    )
    joined = reopened.article_by_key("https://righttimes.com/c")
    assert joined is not None and joined.story_id == story.story_id
    assert reopened.counts() == {"articles": 4, "stories": 2}
    summary = second.summary(story.story_id)
    assert summary is not None and summary["id"] == story.story_id
    matched = second.match("Eastside flood barrier approved by Harbor council", published=T0 + 100)
    assert matched and matched[0][0] == story.story_id
