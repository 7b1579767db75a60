"""The online regroup (ClusterSettings.regroup_link): at each consolidation round the undated
stories touched since the last one are cut and joined by average link as `parallax cluster`'s
batch pass regroups a file, in the clusterer's memory, through Engine.ingest's commit into the
store (Batch.moves), and into the memory of another engine on the same store."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from service.core.ratings import RatingsTable
from service.coverage.cluster import Clusterer, ClusterSettings, Doc
from service.coverage.engine import Engine, RawArticle, article_key
from service.store.base import Store
from tests.coverage.test_cluster import background_docs
from tests.coverage.test_consolidation import STREAM, STRICT
from tests.support.stores import StoreFactory

pytestmark = pytest.mark.backends("sqlite", "postgresql")

T0 = 1_741_000_000.0
FARES = [
    (
        "Harbor board raises Kestrel Bay ferry fares by 25 percent",
        "The Kestrel Bay harbor board voted on Monday to raise ferry fares 25 percent from April.",
    ),
    (
        "Kestrel Bay ferry tickets to cost a quarter more from April",
        "Riders of the Kestrel Bay ferry will pay 25 percent more after the harbor board's vote.",
    ),
]
STRIKE = [
    (
        "Marlow deckhands threaten ferry strike over pay",
        "Deckhands on the Marlow ferry line said they would strike next week unless wages rise.",
    ),
    (
        "Marlow ferry crews vote to strike next week",
        "Marlow deckhands voted to strike over wages, halting the Marlow ferry line next week.",
    ),
    (
        "Strike by Marlow deckhands could halt ferry line",
        "A Marlow deckhands strike over pay would halt the Marlow ferry next week, the union said.",
    ),
]
# Two events on one topic, interleaved: a join this loose (the older threshold rule at 0.05)
# puts both in one story, with the background article it met first (the story a union of
# same-topic events is what the regroup is for).
EVENTS = [
    Doc("f0", *FARES[0]),
    Doc("s0", *STRIKE[0]),
    Doc("f1", *FARES[1]),
    Doc("s1", *STRIKE[1]),
    Doc("s2", *STRIKE[2]),
]
LOOSE = ClusterSettings(
    learned_match=False,
    join_threshold=0.05,
    merge_threshold=None,
    consolidate_link=None,
    consolidate_every=10_000,
)


def loose(regroup: bool = True, published: float | None = None) -> Clusterer:
    clusterer = Clusterer(LOOSE if regroup else dataclasses.replace(LOOSE, regroup_link=None))
    for doc in [*background_docs(published=published), *EVENTS]:
        clusterer.add(dataclasses.replace(doc, published=published))
    return clusterer


@pytest.mark.backends("sqlite")
def test_a_story_uniting_two_events_is_cut_apart_at_the_round() -> None:
    before = loose(regroup=False)
    union = before.story_of("f0")
    assert {before.story_of(d.id) for d in EVENTS} == {union}  # what the regroup is for
    host = next(d.id for d in background_docs() if before.story_of(d.id) == union)
    clusterer = loose()
    assert {clusterer.story_of(d.id) for d in EVENTS} == {union}  # no round yet
    clusterer.consolidate()
    fares, strike = clusterer.story_of("f0"), clusterer.story_of("s0")
    assert fares == clusterer.story_of("f1") and fares != strike
    assert strike == clusterer.story_of("s1") == clusterer.story_of("s2")
    # The part holding the story's first article keeps its id; the others are new stories.
    assert clusterer.story_of(host) == union and union not in (fares, strike)
    assert clusterer.drain_moves() == [d.id for d in EVENTS]
    assert clusterer.drain_moves() == []
    assert clusterer.drain_merges() == []
    assert clusterer.drain_vanished() == []  # the union kept its first article
    # The stories in memory are what they would be had the articles come to them: a repeat
    # of a fare report joins the fares, not the union's host.
    assert clusterer.add(Doc("f0-again", *FARES[0])) == fares
    # A second round with nothing new changes nothing.
    clusterer.consolidate()
    assert clusterer.drain_moves() == []


@pytest.mark.backends("sqlite")
def test_dated_stories_are_left_as_they_are() -> None:
    clusterer = loose(published=T0)
    union = clusterer.story_of("f0")
    clusterer.consolidate()
    assert {clusterer.story_of(d.id) for d in EVENTS} == {union}
    assert clusterer.drain_moves() == []


@pytest.mark.backends("sqlite")
def test_reports_a_strict_join_split_are_joined_online() -> None:
    # The batch pass's case (test_regroup.py) with consolidation off: the clusterer alone,
    # at the end of its run, now joins the two fare reports and not the strike.
    clusterer = Clusterer(dataclasses.replace(STRICT, consolidate_link=None, regroup_link=0.3))
    for doc in STREAM:
        clusterer.add(doc)
    assert clusterer.story_of("fares-1") != clusterer.story_of("fares-2")
    clusterer.consolidate()
    assert clusterer.story_of("fares-1") == clusterer.story_of("fares-2")
    assert clusterer.story_of("strike") != clusterer.story_of("fares-1")
    # Two singleton stories joined whole: a merge, not moves.
    assert clusterer.drain_moves() == []
    merges = clusterer.drain_merges()
    assert len(merges) == 1 and merges[0][1] == clusterer.story_of("fares-1")


@pytest.mark.backends("sqlite")
def test_relocate_moves_an_article_as_another_process_did() -> None:
    clusterer = loose()
    union = clusterer.story_of("f0")
    assert union is not None
    assert clusterer.relocate("f0", "st-40")  # a story this process has not seen: made
    assert clusterer.story_of("f0") == "st-40" != clusterer.story_of("f1") == union
    assert not clusterer.relocate("f0", "st-40")  # there already
    assert not clusterer.relocate("nobody", union)
    assert clusterer.relocate("f1", "st-40")
    assert clusterer.drain_vanished() == []
    # The last article of st-40 leaves: it is emptied and resolves to where that went.
    assert clusterer.relocate("f0", union) and clusterer.relocate("f1", union)
    assert clusterer.drain_vanished() == ["st-40"]
    assert clusterer.resolve("st-40") == union
    # The rebuilt story holds them as if they had joined it.
    assert clusterer.add(Doc("f0-again", *FARES[0])) == union


def url(doc: Doc) -> str:
    return f"https://example.org/{doc.id}"


def raw(doc: Doc) -> RawArticle:
    return RawArticle(title=doc.title, text=doc.text, url=url(doc))


def stored_story(store: Store, doc: Doc) -> str:
    row = store.article_by_key(article_key(url(doc)))
    assert row is not None and row.story_id is not None
    return row.story_id


def test_the_engine_stores_the_moves_and_old_ids_keep_resolving(
    store: Store, table: RatingsTable
) -> None:
    engine = Engine(store, table, Clusterer(LOOSE), restore=False)
    background = background_docs()
    # The union forms over several batches (each ends in a round: the first ones find no
    # story of five articles to cut yet).
    engine.ingest([raw(d) for d in background])
    engine.ingest([raw(d) for d in EVENTS[:2]])
    union = stored_story(store, EVENTS[0])
    assert stored_story(store, EVENTS[1]) == union
    engine.ingest([raw(d) for d in EVENTS[2:]])
    fares, strike = stored_story(store, EVENTS[0]), stored_story(store, EVENTS[1])
    assert fares == stored_story(store, EVENTS[2]) and fares != strike
    assert strike == stored_story(store, EVENTS[3]) == stored_story(store, EVENTS[4])
    for row_id in (fares, strike):
        row = store.story(row_id)
        assert row is not None and row.id == row_id
    counts = {r.id: r.article_count for r in store.stories(limit=100)}
    assert counts[fares] == 2 and counts[strike] == 3
    # The union's id is still readable: it kept its first article (the background one) or,
    # had that moved, it would resolve to where that went.
    assert store.resolve_story(union) is not None
    assert sum(counts.values()) == len(background) + len(EVENTS)


def test_another_engine_follows_the_moves(store_factory: StoreFactory, table: RatingsTable) -> None:
    writer_store, reader_store = store_factory(), store_factory()
    writer = Engine(writer_store, table, Clusterer(LOOSE), restore=False)
    writer.ingest([raw(d) for d in background_docs()])
    writer.ingest([raw(d) for d in EVENTS[:3]])
    # The other process (an API beside a worker) reads the window as it is: one union (of
    # four articles with its host: not cut yet).
    reader = Engine(reader_store, table, Clusterer(LOOSE))
    union = reader.clusterer.story_of(article_key(url(EVENTS[0])))
    assert union is not None
    assert {reader.clusterer.story_of(article_key(url(d))) for d in EVENTS[:3]} == {union}
    writer.ingest([raw(d) for d in EVENTS[3:]])  # the union grows to six: the round cuts it
    reader.restore()
    held = {d.id: reader.clusterer.story_of(article_key(url(d))) for d in EVENTS}
    assert held["f0"] == held["f1"] != held["s0"]
    assert held["s0"] == held["s1"] == held["s2"]
    # ... under names the reader maps to the stored ids.
    stored = {d.id: stored_story(reader_store, d) for d in EVENTS}
    assert {reader._names.get(str(held[k]), held[k]) for k in ("f0", "f1")} == {stored["f0"]}
    assert {reader._names.get(str(held[k]), held[k]) for k in ("s0", "s1", "s2")} == {stored["s0"]}


def background(count: int) -> list[Doc]:
    """Undated articles on many made-up topics, sharing some words (so ranked neighbours exist)."""
    rng = random.Random(7)

    def word(n: int) -> str:  # letters only: a made-up word per number
        out = ""
        while True:
            n, r = divmod(n, 20)
            out += "bdfgklmnprstvzhjcwxy"[r] + "aeiou"[r % 5]
            if not n:
                return out + "q"

    shared = [word(n) for n in range(100_000, 100_300)]

    def own(n: int, k: int) -> str:
        return " ".join(word(n * 25 + i) for i in range(k))

    return [
        Doc(
            f"bg-{n}",
            f"{own(n, 4)} {' '.join(rng.sample(shared, 2))}",
            f"{own(n, 20)} {' '.join(rng.sample(shared, 6))}",
        )
        for n in range(count)
    ]


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("window", [300, 1200])
def test_a_round_reads_the_stories_touched_and_their_neighbours_not_the_window(
    window: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    clusterer = Clusterer(dataclasses.replace(ClusterSettings(), consolidate_every=10_000))
    for doc in background(window):
        clusterer.add(doc)
    clusterer.consolidate()
    assert clusterer.active_stories >= window * 0.9  # a full window of undated stories
    read: list[int] = []
    real = Clusterer._regroup_rows

    def counted(self: Clusterer, story: Any) -> Any:
        read.append(story.key)
        return real(self, story)

    monkeypatch.setattr(Clusterer, "_regroup_rows", counted)
    arrivals = [*EVENTS, *background(window + 20)[window:]]
    for doc in arrivals:
        clusterer.add(doc)
    clusterer.consolidate()
    # Each article's own story and at most rescore_limit (5) ranked neighbours: the same bound
    # with 300 or 1,200 stories in the window, well below either.
    bound = len(arrivals) * (1 + ClusterSettings().rescore_limit)
    assert 0 < len(read) <= bound <= window / 2
