"""The Store contract, run on SQLite and PostgreSQL alike, and the two compared on one data set."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from service.coverage.summary import DIGEST_SAMPLE
from service.store.base import REMOVALS_CURSOR, Batch, FeedState, NewArticle, SharedStore, Store
from service.store.postgres import MIGRATIONS as PG_MIGRATIONS
from service.store.postgres import PostgresStore
from service.store.sql import MAX_QUERY_WORDS, SQLStore
from service.store.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from service.store.sqlite import SQLiteStore
from tests.support.stores import StoreFactory

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


def test_several_stories_resolve_and_read_in_one_call(store: Store) -> None:
    store.commit(Batch(articles=[art(1, story="st-1"), art(2, story="st-2")]))
    store.commit(Batch(articles=[art(3, story="st-3"), art(4, story="st-4")]))
    store.commit(Batch(merges=[("st-2", "st-1"), ("st-1", "st-3")]))
    asked = ["st-1", "st-2", "st-3", "st-4", "st-9", "st-2"]
    # The same answers as one resolve_story per id; unknown ids are left out.
    assert store.resolve_stories(asked) == {
        s: survivor for s in asked if (survivor := store.resolve_story(s)) is not None
    }
    assert store.resolve_stories(asked) == {
        "st-1": "st-3",
        "st-2": "st-3",
        "st-3": "st-3",
        "st-4": "st-4",
    }
    assert store.resolve_stories([]) == {}
    rows = store.stories_by_id(["st-3", "st-4", "st-1", "st-9"])
    assert sorted(rows) == ["st-3", "st-4"]  # merged-away ids are not rows of their own
    assert rows["st-3"] == store.story("st-3") and rows["st-4"] == store.story("st-4")


def test_the_one_read_forms_answer_as_the_reads_they_replace(store: Store) -> None:
    """stories_resolved, story_state, article_story and search_stories: each one statement,
    each the same answer as the several reads a request made before."""
    store.commit(Batch(articles=[art(1, story="st-1"), art(2, story="st-2")]))
    store.commit(Batch(articles=[art(3, story="st-3"), art(4, story=None, title="Loose end")]))
    store.commit(Batch(merges=[("st-2", "st-1"), ("st-1", "st-3")]))
    asked = ["st-1", "st-2", "st-3", "st-9", "st-2"]
    resolved = store.stories_resolved(asked)
    assert resolved == {
        s: store.story(store.resolve_stories([s])[s]) for s in ("st-1", "st-2", "st-3")
    }
    listing = store.stories_resolved(asked, digests=False)
    assert {k: v.id for k, v in listing.items()} == {k: v.id for k, v in resolved.items()}
    assert all(v.digest is None for v in listing.values())
    assert all(r.digest is None for r in store.stories(digests=False))
    assert [r.id for r in store.stories(digests=False)] == [r.id for r in store.stories()]

    store.commit(Batch(articles=[art(5, story=None, key="https://leftpaper.com/gone/5")]))
    assert store.delete_articles("https://leftpaper.com/gone/") == 1
    removals = store.cursor(REMOVALS_CURSOR)
    assert removals is not None
    assert store.story_state("st-1") == (store.story("st-3"), removals)  # followed
    assert store.story_state("st-9") is None

    key = "https://leftpaper.com/2"
    found = store.article_story(["https://leftpaper.com/nope", key, "https://leftpaper.com/1"])
    assert found is not None
    assert found[0] == store.article_by_key(key)
    assert found[1] == (store.story("st-3"), removals)
    loose = store.article_story(["https://leftpaper.com/4"])
    assert loose is not None and loose[0].story_id is None and loose[1] is None
    assert store.article_story(["https://leftpaper.com/nope"]) is None

    def as_stories(terms: list[str]) -> list[tuple[str, float]]:
        expected: dict[str, float] = {}
        for article, score in store.search(terms, limit=10):
            if article.story_id is not None:
                survivor = store.resolve_stories([article.story_id])[article.story_id]
                expected.setdefault(survivor, score)
        return list(expected.items())

    def searched(terms: list[str]) -> list[tuple[str, float]]:
        return [(row.id, round(score, 6)) for row, score in store.search_stories(terms, limit=10)]

    assert searched(["Harbor council story"]) == [
        (s, round(v, 6)) for s, v in as_stories(["Harbor council story"])
    ]
    assert [s for s, _ in searched(["Harbor council story"])] == ["st-3"]
    assert store.search_stories(["zzzz qqqq"]) == []
    # The words chosen as search() chooses them: with a budget of 3 postings "quorum" (6
    # articles) is common, the rarest words are searched alone, then two common ones together.
    assert isinstance(store, SQLStore)
    store.commit(
        Batch(
            articles=[
                art(10 + i, story=f"st-q{i % 2}", title=f"Quorum vote {i} ballot{i % 3}")
                for i in range(6)
            ]
        )
    )
    store.search_budget = 3
    for terms in (["quorum ballot0"], ["quorum ballot1 ballot2"], ["quorum vote"], ["quorum"]):
        assert searched(terms) == [(s, round(v, 6)) for s, v in as_stories(terms)], terms


def test_postgresql_connections_do_not_jit_compile(store: Store) -> None:
    """A search's row estimate passes jit_above_cost: compiling cost ~50 ms a statement."""
    if not isinstance(store, PostgresStore):
        pytest.skip("a PostgreSQL setting")
    assert store._conn().execute("SHOW jit").fetchone()[0] == "off"


def test_a_word_counted_common_is_counted_again_after_a_deletion(store: Store) -> None:
    assert isinstance(store, SQLStore)
    store.search_budget = 3
    store.commit(Batch(articles=[art(i, title=f"Quorum vote {i}") for i in range(6)]))
    counted: list[list[str]] = []
    count = store.term_frequencies

    def counting(terms: Sequence[str]) -> dict[str, int]:
        counted.append(list(terms))
        return count(terms)

    store.term_frequencies = counting  # type: ignore[method-assign]
    assert len(store.search(["quorum vote"], limit=50)) == 6
    assert len(store.search(["quorum vote"], limit=50)) == 6
    # Past the budget both words stay common while articles are only added: counted once.
    assert counted == [["quorum", "vote"]]
    store.commit(Batch(articles=[art(9, title="Quorum vote again")]))
    assert len(store.search(["quorum vote"], limit=50)) == 7
    assert counted == [["quorum", "vote"]]
    # Deleting may make them rare again: they are counted afresh (and, rare now, searched for
    # one by one: "Quorum call" is found without "vote").
    assert store.delete_articles("https://leftpaper.com/") == 7
    store.commit(Batch(articles=[art(20, title="Quorum vote"), art(21, title="Quorum call")]))
    assert {a.key for a, _ in store.search(["quorum vote"], limit=50)} == {
        "https://leftpaper.com/20",
        "https://leftpaper.com/21",
    }
    assert counted == [["quorum", "vote"], ["quorum", "vote"]]


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
    assert [a.key for a in grouped["fp1"]] == [
        "https://leftpaper.com/1",
        "https://rightdaily.com/2",
    ]
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
    state = FeedState(
        url="https://a.example/feed", etag='"x"', last_modified="Tue", last_status=200
    )
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


def test_an_article_another_writer_stored_meanwhile_is_skipped(store: Store) -> None:
    first = store.commit(Batch(articles=[art(1)]))
    again = store.commit(Batch(articles=[art(2), art(1, title="A second copy"), art(3)]))
    assert len(again) == 2 and first[0] not in again
    assert store.counts() == {"articles": 3, "stories": 1}
    kept = store.article_by_key("https://leftpaper.com/1")
    assert kept is not None and kept.title == "Harbor council story number 1"


def test_what_the_service_reads_besides_the_engine(store: Store, backend: str) -> None:
    ids = store.commit(
        Batch(
            articles=[art(1, ext_id="e1"), art(2, story="st-2", ext_id="e2"), art(3)],
            feed_states=[
                FeedState(url="https://a.example/feed", last_status=200),
                FeedState(url="https://b.example/feed", last_error="timeout"),
                FeedState(url="https://c.example/feed", last_status=304),
            ],
        )
    )
    assert store.feed_health() == {"ok": 2, "error": 1}
    assert store.max_article_id() == ids[-1]
    assert store.article_hosts() == ({"https://leftpaper.com/"}, ids[-1])
    first = store.article_by_keys(
        ["https://leftpaper.com/9", "https://leftpaper.com/2", "https://leftpaper.com/1"]
    )
    assert first is not None and first.id == ids[1]  # the first of the keys that is stored
    assert store.article_by_keys(["https://leftpaper.com/9"]) is None
    assert store.article_by_keys([]) is None
    assert store.article_hosts(ids[-1]) == (set(), ids[-1])
    assert store.reuses_row_ids is (backend == "sqlite")
    assert store.story_ids_by_ext_id(["e1", "e2", "absent"]) == {"e1": "st-1", "e2": "st-2"}
    store.commit(Batch(merges=[("st-2", "st-1")]))
    assert store.story_ids_by_ext_id(["e2"]) == {"e2": "st-1"}
    assert store.story_ids_by_ext_id([]) == {}
    assert store.estimated_counts() == store.counts() == {"articles": 3, "stories": 1}
    name, ok, detail = store.ping()
    assert (name, ok) == ("database", True) and detail.startswith(backend)
    with store.writer_lock():  # the engine holds it around each batch
        store.commit(Batch(cursors=[("c", "1")]))
    # Feed claims and cluster-wide locks are an ability of the shared (PostgreSQL) store only.
    assert isinstance(store, SharedStore) == (backend == "postgresql")


# -- one answer on both backends (they used to drift) ----------------------------------


def test_search_folds_accents_in_the_text_and_the_query(store: Store) -> None:
    store.commit(
        Batch(
            articles=[
                art(1, story="s1", title="Protesta en São Paulo por el agua"),
                art(2, story="s2", title="Zurich cafe owners strike"),
            ]
        )
    )
    for query, expected in (
        ("sao paulo", "/1"),
        ("SÃO PAULO", "/1"),
        ("São Paulo", "/1"),
        ("Zürich café", "/2"),
        ("ZURICH", "/2"),
    ):
        assert [a.key[-2:] for a, _ in store.search([query])] == [expected], query


def test_one_limit_on_the_words_of_a_query(store: Store) -> None:
    store.commit(Batch(articles=[art(1, title="Zephyrine aqueduct reopens")]))
    unknown = [f"absent{i:02d}" for i in range(MAX_QUERY_WORDS)]
    last_looked_up = " ".join([*unknown[:-1], "zephyrine"])
    assert [a.key for a, _ in store.search([last_looked_up])] == ["https://leftpaper.com/1"]
    one_too_many = " ".join([*unknown, "zephyrine"])
    assert store.search([one_too_many]) == []
    assert MAX_QUERY_WORDS == 16  # SQLite used 16, PostgreSQL 40


def test_common_words_are_counted_to_the_same_budget(store: Store) -> None:
    assert isinstance(store, SQLStore)
    store.search_budget = 5
    store.commit(Batch(articles=[art(i, title=f"Budget vote {i}") for i in range(20)]))
    # Past the budget a word is merely "common", on both (PostgreSQL knows the exact count).
    assert store.term_frequencies(["budget", "vote", "absent"]) == {"budget": 6, "vote": 6}
    # Every word is common: the two rarest are ANDed, which still finds every article.
    assert len(store.search(["budget vote"], limit=50)) == 20


def test_search_ties_go_to_the_first_stored(store: Store) -> None:
    ids = store.commit(
        Batch(articles=[art(n, story=f"s{n}", title="Quorvex summit opens") for n in (5, 3, 9, 1)])
    )
    hits = store.search(["quorvex summit"], limit=3)
    assert [a.id for a, _ in hits] == ids[:3]
    assert len({score for _, score in hits}) == 1


def test_the_headline_tie_goes_to_the_first_stored(store: Store) -> None:
    # Titles sharing no word score alike; at the same time the first row stored is the headline
    # (keys sort the other way, so neither key nor chance order can pass this).
    titles = {9: "Alpha beta gamma", 5: "Delta epsilon zeta", 1: "Eta theta iota"}
    store.commit(Batch(articles=[art(n, title=t, first_seen=T0) for n, t in titles.items()]))
    row = store.story("st-1")
    assert row is not None and row.headline == "Alpha beta gamma"
    # Only the first DIGEST_SAMPLE originals are read: a later majority does not count.
    sample = [
        art(100 + i, story="st-2", title=f"Solo{i} piece{i}", first_seen=T0)
        for i in range(DIGEST_SAMPLE)
    ]
    late = [art(1000 + i, story="st-2", title="Solo1 piece1", first_seen=T0) for i in range(5)]
    store.commit(Batch(articles=[*sample, *late]))
    row = store.story("st-2")
    assert row is not None and row.headline == "Solo0 piece0"


def test_both_backends_give_the_same_answers(pg_url: str, tmp_path: Path) -> None:
    stores: list[SQLStore] = [SQLiteStore(tmp_path / "same.sqlite3"), PostgresStore(pg_url)]
    events = [
        "Harbor council approves Eastside flood barrier",
        "Orchestra cancels spring tour over arts grant",
        "Volcano observatory raises the alert level",
        "Zürich café owners strike over rent",
    ]
    batch = Batch(
        articles=[
            art(
                n,
                story=f"st-{n % 4}",
                key=f"https://o{n % 5}.example/{n}",
                outlet_id=f"o{n % 5}.example",
                side=("left", "right", "center", "unrated")[n % 3],
                title=f"{events[n % 4]} ({('update', 'live', 'analysis')[n % 3]} {n})",
                text=f"Reporters on day {n // 4}: {events[(n + 1) % 4].lower()}.",
                first_seen=T0 + n // 2,
            )
            for n in range(40)
        ],
        merges=[("st-3", "st-2")],
    )
    queries = ["flood barrier", "zurich cafe", "volcano alert", "orchestra grant tour", "live"]
    answers = []
    for store in stores:
        store.commit(batch)
        answers.append(
            (
                [(r.id, r.headline, r.article_count, r.outlets_by_side) for r in store.stories()],
                # The same articles match; among unequal scores the order is each backend's
                # ranking (bm25 on SQLite, ts_rank on PostgreSQL), so only the sets compare.
                {q: sorted(a.key for a, _ in store.search([q], limit=50)) for q in queries},
                store.term_frequencies(["flood", "zurich", "live", "absent"]),
            )
        )
        store.close()
    assert answers[0] == answers[1]


def test_an_older_postgresql_schema_is_folded_on_upgrade(pg_url: str) -> None:
    import psycopg

    from service.store.postgres import split_database_url

    conninfo, schema = split_database_url(pg_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        first = PG_MIGRATIONS[0]
        assert isinstance(first, str)
        conn.execute(first)  # the released script, as version 1 ran it
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute(
            "INSERT INTO articles (key, title, first_seen, at, story_id)"
            " VALUES ('https://a.example/1', 'Protesta en São Paulo', 1, 1, 'st-1'),"
            " ('https://a.example/2', '', 2, 2, 'st-2')"
        )
    store = PostgresStore(pg_url)
    try:
        assert store.schema_version() == len(PG_MIGRATIONS)
        assert [a.key for a, _ in store.search(["sao paulo"])] == ["https://a.example/1"]
        assert store.term_frequencies(["sao", "são"]) == {"sao": 1}
        assert store.counts() == {"articles": 2, "stories": 0}
    finally:
        store.close()


# The engine over each backend: tests/coverage/test_engine.py and test_api.py run on both.


def test_feed_states_keep_last_success_and_items(store: Store) -> None:
    store.commit(
        Batch(
            feed_states=[
                FeedState(
                    "https://b.example/rss",
                    last_fetched=T0,
                    last_status=200,
                    last_success=T0,
                    entries=12,
                ),
                FeedState(
                    "https://a.example/rss",
                    last_fetched=T0 + 5,
                    last_error="timed out",
                    last_success=T0 - 60,
                    entries=3,
                ),
            ]
        )
    )
    states = store.feed_states()
    assert [s.url for s in states] == ["https://a.example/rss", "https://b.example/rss"]
    assert (states[0].last_error, states[0].last_success, states[0].entries) == (
        "timed out",
        T0 - 60,
        3,
    )
    assert store.feed_state("https://b.example/rss") == states[1]


def test_outlet_stories_lists_the_stories_of_an_outlets_articles(store: Store) -> None:
    store.commit(
        Batch(
            articles=[
                art(1, "st-1"),
                art(2, "st-2", published=T0 + 900),
                art(
                    3,
                    "st-3",
                    key="https://rightdaily.com/3",
                    url="https://rightdaily.com/3",
                    outlet_id="rightdaily.com",
                    side="right",
                ),
                art(4, None),
            ]
        )
    )
    assert [s.id for s in store.outlet_stories("leftpaper.com")] == ["st-2", "st-1"]
    assert [s.id for s in store.outlet_stories("leftpaper.com", limit=1)] == ["st-2"]
    assert [s.id for s in store.outlet_stories("rightdaily.com")] == ["st-3"]
    assert store.outlet_stories("nobody.example") == []


def test_delete_articles_removes_exactly_the_prefix_and_refreshes_stories(store: Store) -> None:
    store.commit(
        Batch(
            articles=[
                art(1, "st-1", key="id:parallax-demo:a-1", url=None, title="Calder dam demo"),
                art(2, "st-1"),
                art(3, "st-2", key="id:parallax-demo:b-2", url=None, title="Veldmark demo"),
                art(4, "st-3", key="id:parallax-demox", url=None),
                art(5, "st-4", key="https://leftpaper.com/5", title="Harbor wire copy origin"),
            ]
        )
    )
    with pytest.raises(ValueError):
        store.delete_articles("id:")
    assert store.cursor(REMOVALS_CURSOR) is None
    assert store.delete_articles("id:parallax-demo:") == 2
    # Engines elsewhere learn of the deletion from this count (it moves in the same transaction).
    assert store.cursor(REMOVALS_CURSOR) == "1"
    assert store.article_by_key("id:parallax-demo:a-1") is None
    assert store.article_by_key("id:parallax-demox") is not None  # not under the prefix
    survivor = store.story("st-1")
    assert survivor is not None and survivor.article_count == 1
    assert store.story("st-2") is None  # emptied: gone
    assert store.counts() == {"articles": 3, "stories": 3}
    assert store.search(["Veldmark"]) == []  # the index forgot it too
    assert store.search(["Calder"]) == []
    assert store.delete_articles("id:parallax-demo:") == 0
    assert store.cursor(REMOVALS_CURSOR) == "1"  # nothing deleted, nothing to forget
    assert store.delete_articles("id:parallax-demox") == 1
    assert store.cursor(REMOVALS_CURSOR) == "2"


def test_article_hosts_folds_keys_to_hosts_alike_on_both_backends(store: Store) -> None:
    """The stored-hosts shortcut of /v1/score reads this on SQLite and PostgreSQL alike: the
    same prefixes as service.coverage.runtime._host_prefix gives, new rows only after an id."""
    from service.coverage.runtime import _host_prefix

    keys = [
        "https://leftpaper.com/1",
        "https://leftpaper.com/2?x=%2F",
        "https://b.example/",
        "https://xn--bcher-kva.example/a/b",
        "id:parallax-demo:a-1",
        "https://nopath.example",
        "http://plain.example/1",
        "https:///odd",
        "https://c.example/%_'\\/x",
    ]
    ids = store.commit(Batch(articles=[art(n, key=k) for n, k in enumerate(keys, start=1)]))
    hosts, upto = store.article_hosts()
    assert upto == ids[-1]
    assert hosts == {p for p in map(_host_prefix, keys) if p is not None}
    assert hosts == {
        "https://leftpaper.com/",
        "https://b.example/",
        "https://xn--bcher-kva.example/",
        "https:///",
        "https://c.example/",
    }
    later = store.commit(Batch(articles=[art(20, key="https://d.example/z"), art(21)]))
    assert store.article_hosts(upto) == (
        {"https://d.example/", "https://leftpaper.com/"},
        later[-1],
    )


def test_a_thread_that_ends_closes_its_connection(store: Store) -> None:
    """A feed pass makes new threads each pass: their connections must not pile up."""
    import gc
    import threading

    assert isinstance(store, SQLStore)
    store.counts()
    for _ in range(5):
        threads = [threading.Thread(target=store.counts) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    gc.collect()
    assert len(store._connections) == 1  # this thread's own
    assert store.counts() == {"articles": 0, "stories": 0}


BRIDGE_LEFT = (
    "State inspectors found cracks in two steel girders of the Main Street bridge, and Harbor "
    "City closed it on Tuesday. Transit advocates said the closure showed years of deferred "
    "maintenance."
)
BRIDGE_RIGHT = (
    "Harbor City shut the Main Street bridge on Tuesday after inspectors found cracked girders. "
    "Mayor Ana Ruiz blamed the state for delaying a $12 million repair grant."
)
BRIDGE_CENTER = (
    "Harbor City closed the Main Street bridge on Tuesday after state inspectors found cracks "
    "in two of its steel girders. The bridge carries about 40,000 vehicles a day."
)


def _bridge(
    n: int, side: str, text: str, story: str = "st-1", first_seen: float = T0
) -> NewArticle:
    outlet = {"left": "leftpaper.com", "right": "rightdaily.com", "center": "centerwire.com"}
    return art(
        n,
        story,
        first_seen=first_seen,
        key=f"https://{outlet[side]}/{n}",
        url=f"https://{outlet[side]}/{n}",
        outlet_id=outlet[side],
        side=side,
        title=f"Main Street bridge closed after cracks found ({side} {n})",
        text=text,
        ext_id=f"ext-{n}",
    )


def test_a_story_keeps_key_points_headline_and_framing_current(store: Store) -> None:
    store.commit(Batch(articles=[_bridge(1, "left", BRIDGE_LEFT)]))
    row = store.story("st-1")
    assert row is not None and row.digest is not None
    points = row.digest["key_points"]
    assert points and all(p["text"] in BRIDGE_LEFT for p in points)
    assert {p["outlet"] for p in points} == {"leftpaper.com"}
    assert {p["article_id"] for p in points} == {"ext-1"}
    assert row.digest["framing"] == {}  # one side: nothing to compare
    assert row.headline == row.digest["headline"]
    # A change of the story recomputes them: now two sides frame it.
    store.commit(Batch(articles=[_bridge(2, "right", BRIDGE_RIGHT, first_seen=T0 + 60)]))
    row = store.story("st-1")
    assert row is not None and row.digest is not None
    assert set(row.digest["framing"]) == {"left", "right"}
    right = row.digest["framing"]["right"]
    assert right["points"] and all(p["outlet"] == "rightdaily.com" for p in right["points"])
    texts = {"ext-1": BRIDGE_LEFT, "ext-2": BRIDGE_RIGHT}
    for point in row.digest["key_points"]:
        assert point["text"] in texts[point["article_id"]]
    # A merge recomputes the survivor's from both stories' articles.
    store.commit(Batch(articles=[_bridge(3, "center", BRIDGE_CENTER, story="st-2")]))
    store.commit(Batch(merges=[("st-2", "st-1")]))
    row = store.story("st-1")
    assert row is not None and row.digest is not None
    assert set(row.digest["framing"]) == {"left", "center", "right"}
    assert store.stories()[0].digest == row.digest


def test_an_unreadable_digest_reads_as_none(store: Store) -> None:
    store.commit(Batch(articles=[_bridge(1, "left", BRIDGE_LEFT)]))
    assert isinstance(store, SQLStore)
    conn = store._conn()
    with store._writing(conn):
        store._run(conn, "UPDATE stories SET digest = ? WHERE id = 'st-1'", ("[1, 2]",))
    row = store.story("st-1")
    assert row is not None and row.digest is None and row.article_count == 1


def test_the_writer_keeps_each_hosts_article_count(store: Store) -> None:
    """article_hosts is what /v1/score's host shortcut reads (a row per host, not per article):
    commits add to it, deletions and retention take from it, a host left with none goes."""

    def counted() -> dict[str, int]:
        rows = store._conn().execute("SELECT host, articles FROM article_hosts")  # type: ignore[attr-defined]
        return {str(h): int(n) for h, n in rows}

    store.commit(
        Batch(
            articles=[
                art(1, first_seen=T0 - 500 * 86400.0),
                art(2),
                art(3, key="https://b.example/3", url="https://b.example/3"),
                art(4, key="id:no-host"),
            ]
        )
    )
    assert counted() == {"https://leftpaper.com/": 2, "https://b.example/": 1}
    store.commit(Batch(articles=[art(2), art(5, key="https://b.example/5")]))  # 2 is a repeat
    assert counted() == {"https://leftpaper.com/": 2, "https://b.example/": 2}
    assert store.prune_articles(T0 - 400 * 86400.0).articles == 1
    assert counted() == {"https://leftpaper.com/": 1, "https://b.example/": 2}
    assert store.delete_articles("https://b.example/") == 2
    assert counted() == {"https://leftpaper.com/": 1}
    assert store.article_hosts() == ({"https://leftpaper.com/"}, store.max_article_id())


def test_the_hosts_migration_counts_the_articles_already_stored(
    store_factory: StoreFactory,
) -> None:
    """A store written before article_hosts gets it filled from its rows at the next start."""
    first = store_factory()
    first.commit(Batch(articles=[art(1), art(2), art(3, key="https://b.example/3")]))
    conn = first._conn()  # type: ignore[attr-defined]
    version = 7 if isinstance(first, PostgresStore) else 8  # the hosts step of each dialect
    conn.execute("DROP TABLE article_hosts")
    # The steps after it, undone too, so the next start runs them again.
    conn.execute("DROP INDEX stories_digest_due")
    conn.execute("ALTER TABLE stories DROP COLUMN digest_wanted")
    conn.execute("ALTER TABLE stories DROP COLUMN digest_due")
    conn.execute("DROP TABLE story_moves")
    conn.execute("DROP TABLE ratings_log")
    conn.execute("DROP TABLE rated_sides")
    conn.execute("DROP INDEX stories_keyset")
    conn.execute(f"DELETE FROM schema_version WHERE version >= {version}")
    first.close()
    again = store_factory()
    rows = again._conn().execute("SELECT host, articles, last_id FROM article_hosts")  # type: ignore[attr-defined]
    assert sorted(tuple(r) for r in rows) == [
        ("https://b.example/", 1, 3),
        ("https://leftpaper.com/", 2, 2),
    ]
    migrations = PG_MIGRATIONS if isinstance(again, PostgresStore) else SQLITE_MIGRATIONS
    assert again.schema_version() == len(migrations)  # type: ignore[attr-defined]


def test_a_story_past_its_digest_sample_keeps_its_digest_until_the_sample_changes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.coverage.summary import story_digest as digest_of
    from service.store import sql

    computed: list[int] = []

    def counting(articles: Any, *ratings: Any) -> dict[str, Any]:
        sample = list(articles)
        computed.append(len(sample))
        return digest_of(sample, *ratings)

    monkeypatch.setattr(sql, "story_digest", counting)
    first = [
        art(i, title=f"Harbor council votes on the dredging plan, report {i}", published=T0 + i)
        for i in range(DIGEST_SAMPLE)
    ]
    store.commit(Batch(articles=first))
    assert computed == [DIGEST_SAMPLE]
    before = store.story("st-1")
    assert before is not None and before.digest is not None
    # A later article is not in the sample of the oldest: the digest stands, unread.
    store.commit(Batch(articles=[art(500, title="Harbor council, later", published=T0 + 10**6)]))
    after = store.story("st-1")
    assert after is not None and after.article_count == DIGEST_SAMPLE + 1
    assert computed == [DIGEST_SAMPLE] and after.digest == before.digest
    # An earlier one enters the sample: the digest is computed again, and equals a fresh one.
    early = art(501, title="Harbor council first word on the dredging", published=T0 - 50)
    store.commit(Batch(articles=[early]))
    assert computed == [DIGEST_SAMPLE, DIGEST_SAMPLE]
    again = store.story("st-1")
    assert again is not None and again.digest is not None and again.digest != before.digest
    sample = [early.key] + [a.key for a in first[: DIGEST_SAMPLE - 1]]
    fresh = digest_of([a for key in sample if (a := store.article_by_key(key)) is not None])
    assert {k: v for k, v in again.digest.items() if k != "sample"} == fresh


def test_framing_phrases_and_accented_terms_read_back_as_written(store: Store) -> None:
    # Framing terms may be two-word phrases and keep their accents ("Moïse"): the store's JSON
    # gives them back as the digest made them, on both backends.
    left = (
        "Governor Moïse declared a national emergency over cracks in the Main Street bridge. "
        "The national emergency lets Harbor City close the bridge at once. Moïse said the "
        "cracks had been reported for years."
    )
    store.commit(Batch(articles=[_bridge(1, "left", left), _bridge(2, "right", BRIDGE_RIGHT)]))
    row = store.story("st-1")
    assert row is not None and row.digest is not None
    terms = row.digest["framing"]["left"]["terms"]
    assert "national emergency" in terms and "Moïse" in terms, terms
    assert store.stories()[0].digest == row.digest
