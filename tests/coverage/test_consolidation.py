"""Consolidation: small undated stories get a second look by average link, so an event whose
reports were split by a strict join becomes one story, while a same-topic other event stays
apart (docs/clustering.md, "Consolidation")."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from service.core.ratings import RatingsTable
from service.coverage.cluster import Clusterer, ClusterSettings, Doc
from service.coverage.engine import Engine, RawArticle
from service.ingest.jsonl import cluster_jsonl
from service.store.sqlite import SQLiteStore
from tests.coverage.test_cluster import BACKGROUND, background_docs

T0 = 1_741_000_000.0

# Two reports of one event, worded apart, and a report of another event on the same topic.
FARES = Doc(
    "fares-1",
    "Harbor board raises Kestrel Bay ferry fares by 25 percent",
    "The Kestrel Bay harbor board voted on Monday to raise ferry fares 25 percent from April.",
)
STRIKE = Doc(
    "strike",
    "Ferry workers at Marlow port threaten strike over pay",
    "Deckhands on the Marlow ferry line said they would walk out next week unless wages rise.",
)
FARES_AGAIN = Doc(
    "fares-2",
    "Kestrel Bay ferry tickets to cost a quarter more from April",
    "Riders of the Kestrel Bay ferry will pay 25 percent more after the board's vote.",
)
STREAM = [*background_docs(), FARES, STRIKE, FARES_AGAIN]
# A third report, closer to the first than the second is, but not by the margin.
FARES_THIRD = Doc(
    "fares-3",
    "Kestrel Bay commuters brace for 25 percent ferry fare increase",
    "The harbor board's April fare rise will add a quarter to every Kestrel Bay ferry ticket.",
)

# A join so strict that the two fare reports split: the case consolidation is for (the match
# gives the second and third fare reports 0.993 and 0.998).
# The online regroup is off: these tests are about consolidation alone (test_online_regroup.py
# has the regroup's).
STRICT = ClusterSettings(
    join_probability=0.999, merge_threshold=None, consolidate_every=10_000, regroup_link=None
)


def run(settings: ClusterSettings, docs: list[Doc]) -> tuple[Clusterer, list[tuple[str, str]]]:
    clusterer = Clusterer(settings)
    for doc in docs:
        clusterer.add(doc)
    clusterer.consolidate()
    return clusterer, clusterer.drain_merges()


def test_without_consolidation_the_strict_join_splits_the_event() -> None:
    clusterer, merges = run(dataclasses.replace(STRICT, consolidate_link=None), STREAM)
    assert merges == []
    assert clusterer.story_of("fares-1") != clusterer.story_of("fares-2")


def test_consolidation_joins_the_split_reports_and_not_the_other_event() -> None:
    clusterer, merges = run(STRICT, STREAM)
    fares = clusterer.story_of("fares-1")
    assert fares is not None and clusterer.story_of("fares-2") == fares
    assert clusterer.story_of("strike") != fares
    # The younger story went into the older, as any merge does, and the store is told.
    assert len(merges) == 1 and merges[0][1] == fares
    assert clusterer.resolve(merges[0][0]) == fares
    # Nothing is left for a second round to do.
    assert clusterer.consolidate() == 0


def test_three_split_reports_are_not_each_others_rivals() -> None:
    # Each report's runner-up is another report of the same event: without telling kin from
    # rivals, the margin keeps the third apart.
    stream = [*STREAM, FARES_THIRD]
    clusterer, _ = run(dataclasses.replace(STRICT, consolidate_kin=False), stream)
    assert clusterer.story_of("fares-3") != clusterer.story_of("fares-1")
    clusterer, merges = run(STRICT, stream)
    fares = clusterer.story_of("fares-1")
    assert clusterer.story_of("fares-2") == clusterer.story_of("fares-3") == fares
    assert clusterer.story_of("strike") != fares
    assert len(merges) == 2


def test_a_round_runs_every_consolidate_every_articles_without_being_called() -> None:
    settings = dataclasses.replace(STRICT, consolidate_every=len(STREAM))
    clusterer = Clusterer(settings)
    for doc in STREAM:
        clusterer.add(doc)
    assert clusterer.story_of("fares-1") == clusterer.story_of("fares-2")
    assert len(clusterer.drain_merges()) == 1


def test_dated_stories_are_left_to_the_learned_merge() -> None:
    dated = [dataclasses.replace(d, published=T0) for d in STREAM]
    # Nothing joins and no learned merge: only a consolidation round could bring them together.
    apart = dataclasses.replace(STRICT, join_probability=1.0, learned_merge=False)
    clusterer, merges = run(apart, dated)
    assert merges == []
    assert clusterer.story_of("fares-1") != clusterer.story_of("fares-2")
    # The same stream with the round asked about dated stories too does merge them.
    clusterer, merges = run(dataclasses.replace(apart, consolidate_undated_only=False), dated)
    assert clusterer.story_of("fares-1") == clusterer.story_of("fares-2")


def test_a_close_runner_up_keeps_a_story_apart() -> None:
    # The margin: a small story as close to a second story as to the first is not merged.
    settings = dataclasses.replace(STRICT, consolidate_margin=1.0)
    clusterer, merges = run(settings, STREAM)
    assert merges == []
    assert clusterer.story_of("fares-1") != clusterer.story_of("fares-2")


def test_cluster_jsonl_consolidates_at_the_end_of_the_file() -> None:
    rows = [{"id": d.id, "title": d.title, "text": d.text} for d in STREAM]
    out = {o["id"]: o["story"] for o in cluster_jsonl((json.dumps(r) for r in rows), STRICT)}
    assert out["fares-1"] == out["fares-2"] != out["strike"]


def test_the_engine_stores_the_merge_at_the_end_of_its_batch(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "consolidate.sqlite3")
    try:
        engine = Engine(store, RatingsTable([], [], "none"), Clusterer(STRICT), restore=False)
        raws = [
            RawArticle(title=d.title, text=d.text, url=f"https://example{i}.org/{d.id}")
            for i, d in enumerate(STREAM)
        ]
        engine.ingest(raws)
        story = {
            d.id: store.article_by_key(f"https://example{i}.org/{d.id}")
            for i, d in enumerate(STREAM)
        }
        fares, again, strike = story["fares-1"], story["fares-2"], story["strike"]
        assert fares is not None and again is not None and strike is not None
        assert fares.story_id is not None
        assert fares.story_id == again.story_id != strike.story_id
    finally:
        store.close()


def test_hostile_articles_never_break_a_round() -> None:
    hostile = [
        Doc("empty", ""),
        Doc("blank", "   ", "\n\t"),
        Doc("huge", "Kestrel Bay ferry " * 20_000, "fares " * 200_000),
        Doc("symbols", "$$$ ### !!!", "... --- ???"),
        Doc("fares-3", FARES.title, FARES.text),
    ]
    settings = dataclasses.replace(STRICT, consolidate_every=1)
    clusterer, _ = run(settings, [*STREAM, *hostile])
    for doc in [*STREAM, *hostile]:
        assert clusterer.story_of(doc.id) is not None
    assert Clusterer(STRICT).consolidate() == 0
    assert len(BACKGROUND) == len(background_docs())
