"""Batch.moves on both backends: articles the online regroup moves between stories take their
syndicated copies along, both stories' rows follow, a story left empty resolves to where its
first article went, and every move is logged for the other processes (moves_since)."""

from __future__ import annotations

from service.store.base import Batch, Store
from tests.production.test_store_contract import T0, art


def key(n: int) -> str:
    return f"https://leftpaper.com/{n}"


def story_of(store: Store, n: int) -> str | None:
    found = store.article_by_key(key(n))
    return None if found is None else found.story_id


def test_moved_articles_change_story_and_both_rows_follow(store: Store) -> None:
    store.commit(
        Batch(
            articles=[
                art(1, story="st-1"),
                art(
                    2,
                    story="st-1",
                    key="https://rightdaily.com/2",
                    outlet_id="rightdaily.com",
                    side="right",
                ),
                art(3, story="st-1"),
                art(4, story="st-2"),
            ]
        )
    )
    before = store.story("st-1")
    assert before is not None and before.article_count == 3
    store.flush_digests()
    store.commit(
        Batch(moves=[("https://rightdaily.com/2", "st-2"), (key(3), "st-3")], defer_digests=True)
    )
    one, two, three = store.story("st-1"), store.story("st-2"), store.story("st-3")
    assert one is not None and two is not None and three is not None
    assert (one.article_count, one.outlets_by_side) == (1, {"left": 1})
    assert (two.article_count, two.outlet_count) == (2, 2)
    assert two.outlets_by_side == {"left": 1, "right": 1}
    assert three.article_count == 1 and three.first_seen == T0 + 3
    assert [a.key for a in store.story_articles("st-2")] == ["https://rightdaily.com/2", key(4)]
    # The three stories' digests are due (their samples changed) and get computed.
    assert store.flush_digests() == 3
    again = store.story("st-2")
    assert again is not None and again.digest is not None


def test_a_story_whose_articles_all_moved_resolves_to_where_its_first_went(store: Store) -> None:
    store.commit(Batch(articles=[art(1, story="st-1"), art(2, story="st-1"), art(3, story="st-2")]))
    store.commit(Batch(articles=[art(4, story="st-4")]))
    # st-9 was merged into st-1 earlier: whoever holds it must follow st-1 where it goes.
    store.commit(Batch(articles=[art(5, story="st-9")], merges=[("st-9", "st-1")]))
    assert store.resolve_story("st-9") == "st-1"
    # st-1's first article (1) goes to st-2, the rest to st-4: st-1 is gone, an alias of st-2.
    store.commit(Batch(moves=[(key(1), "st-2"), (key(2), "st-4"), (key(5), "st-4")]))
    assert store.resolve_story("st-1") == "st-2"
    assert store.resolve_story("st-9") == "st-2"
    row = store.story("st-1")
    assert row is not None and row.id == "st-2" and row.article_count == 2
    assert store.resolve_stories(["st-1", "st-9", "st-4"]) == {
        "st-1": "st-2",
        "st-9": "st-2",
        "st-4": "st-4",
    }
    # No row is left behind for the empty story: every listed story has articles.
    listed = {r.id: r.article_count for r in store.stories()}
    assert listed == {"st-2": 2, "st-4": 3}
    assert [a.key for a in store.story_articles("st-1")] == [key(1), key(3)]
    assert store.counts() == {"articles": 5, "stories": 2}


def _with_wire_copy(store: Store) -> None:
    """st-1 holds articles 1 and 2 and a wire copy of 1 from another outlet; st-2 holds 4."""
    store.commit(Batch(articles=[art(1, story="st-1", fingerprint="fp"), art(2, story="st-1")]))
    copy = art(
        3,
        story="st-1",
        key="https://rightdaily.com/3",
        outlet_id="rightdaily.com",
        fingerprint="fp",
        syndicated_of_key=key(1),
    )
    store.commit(Batch(articles=[copy, art(4, story="st-2")]))


def test_syndicated_copies_move_with_their_original(store: Store) -> None:
    _with_wire_copy(store)
    store.commit(Batch(moves=[(key(1), "st-2")]))
    moved = store.article_by_key("https://rightdaily.com/3")
    assert moved is not None and moved.story_id == "st-2"
    assert story_of(store, 2) == "st-1"
    two = store.story("st-2")
    assert two is not None and two.article_count == 3


def test_moves_follow_merges_a_keys_last_move_wins_and_unknown_keys_are_skipped(
    store: Store,
) -> None:
    store.commit(Batch(articles=[art(1, story="st-1"), art(2, story="st-1"), art(3, story="st-2")]))
    store.commit(
        Batch(
            merges=[("st-2", "st-3")],
            moves=[
                (key(2), "st-5"),
                (key(2), "st-2"),  # the later move wins; st-2 is merged away: its survivor
                ("https://nowhere.example/1", "st-1"),
                (key(1), "st-1"),  # where it is already: nothing to do, nothing logged
            ],
        )
    )
    assert story_of(store, 2) == "st-3"
    assert store.resolve_story("st-2") == "st-3"
    assert store.story("st-5") is None
    assert store.moves_since(0) == ([(key(2), "st-3")], store.moves_since(-1)[1])


def test_the_move_log_reads_from_where_a_reader_left_off(store: Store) -> None:
    store.commit(Batch(articles=[art(n, story=f"st-{n}") for n in range(1, 5)]))
    assert store.moves_since(-1) == ([], 0)
    assert store.moves_since(0) == ([], 0)
    store.commit(Batch(moves=[(key(1), "st-2"), (key(3), "st-4")]))
    _, start = store.moves_since(-1)
    store.commit(Batch(moves=[(key(1), "st-4")]))
    moves, upto = store.moves_since(0)
    assert moves == [(key(1), "st-2"), (key(3), "st-4"), (key(1), "st-4")]
    assert store.moves_since(start) == ([(key(1), "st-4")], upto)
    assert store.moves_since(upto) == ([], upto)
    first, mid = store.moves_since(0, limit=2)
    assert len(first) == 2 and store.moves_since(mid)[0] == [(key(1), "st-4")]
    # An article deleted takes its log rows with it.
    store.delete_articles(key(1))
    assert store.moves_since(0)[0] == [(key(3), "st-4")]


def test_a_story_retention_thinned_keeps_its_row_when_its_last_article_moves(
    store: Store,
) -> None:
    store.commit(Batch(articles=[art(1, story="st-1"), art(2, story="st-1"), art(3, story="st-2")]))
    store.prune_articles(T0 + 1.5)
    store.commit(Batch(moves=[(key(2), "st-2")]))
    kept = store.story("st-1")
    assert kept is not None and kept.id == "st-1" and kept.pruned == 1
    # It counts the article retention took, not the one now counted in st-2.
    assert kept.article_count == 1
    assert store.story_articles("st-1") == []
    two = store.story("st-2")
    assert two is not None and two.article_count == 2


def test_a_merge_into_a_story_another_writer_made_an_alias_goes_to_its_survivor(
    store: Store,
) -> None:
    """An engine merges into a story it still holds while another process merged that story
    away, or moves emptied it: the articles go to the survivor, never back under the alias id
    (a row beside its alias: new articles named by the alias were filed elsewhere)."""
    store.commit(Batch(articles=[art(n, story=f"st-{n}") for n in range(1, 6)]))
    store.commit(Batch(merges=[("st-4", "st-2")]))  # another writer
    store.commit(Batch(moves=[(key(5), "st-3")]))  # st-5 emptied: an alias of st-3
    store.commit(Batch(merges=[("st-1", "st-4"), ("st-5", "st-1")]))  # a stale engine
    assert store.story("st-4") is not None and store.story("st-4").id == "st-2"  # type: ignore[union-attr]
    assert store.resolve_story("st-1") == "st-2" and store.resolve_story("st-5") == "st-3"
    assert [story_of(store, n) for n in range(1, 6)] == ["st-2", "st-2", "st-3", "st-2", "st-3"]
    counts = {row.id: row.article_count for row in store.stories(limit=10)}
    assert counts == {"st-2": 3, "st-3": 2}
    # A new article filed under the alias id lands in the survivor, which its readers see.
    store.commit(Batch(articles=[art(6, story="st-4")], merges=[("st-3", "st-1")]))
    assert story_of(store, 6) == "st-2" and store.resolve_story("st-3") == "st-2"
    row = store.story("st-4")
    assert row is not None and row.id == "st-2" and row.article_count == 6


def test_a_story_emptied_by_a_copy_dragged_along_with_its_original_resolves_on(
    store: Store,
) -> None:
    """A wire copy moved on its own, then its original moved: the copy goes along (as copies
    do), and the story it leaves empty becomes an alias, not a row counting an article it no
    longer holds."""
    _with_wire_copy(store)
    store.commit(Batch(moves=[("https://rightdaily.com/3", "st-9")]))
    alone = store.story("st-9")
    assert alone is not None and alone.article_count == 1
    store.commit(Batch(moves=[(key(1), "st-2")]))
    assert [a.key for a in store.story_articles("st-2")] == [
        key(1),
        "https://rightdaily.com/3",
        key(4),
    ]
    row = store.story("st-9")
    assert row is not None and row.id == "st-2" and row.article_count == 3
    assert {r.id: r.article_count for r in store.stories(limit=10)} == {"st-1": 1, "st-2": 3}
