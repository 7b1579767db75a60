"""Merges read back from both stores: a story consolidated (drain_merges) inside a batch, and a
story stored by one batch and merged away by a later one, through the store, /v1/stories/<id>,
the story page and the path the extension links to (views.js servicePage: /stories/<id>)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from service.core.ratings import RatingsTable
from service.coverage.cluster import Clusterer, ClusterSettings, Doc
from service.coverage.engine import Engine, RawArticle, article_key
from service.coverage.runtime import engine as app_engine
from service.store.base import Store
from tests.coverage.test_cluster import background_docs
from tests.coverage.test_consolidation import FARES_THIRD, STREAM, STRICT
from tests.support.stores import StoreFactory

pytestmark = pytest.mark.backends("sqlite", "postgresql")

# Two reports of one event worded apart (they start two stories when nothing joins), and a third
# that tells both: it starts a story of its own, whose centroid is close to each of theirs.
FARES = Doc(
    "fares",
    "Kestrel Bay harbor board raises ferry fares",
    "The Kestrel Bay harbor board voted on Monday to raise ferry fares 25 percent from April, "
    "officials said.",
)
STRIKE = Doc(
    "strike",
    "Marlow deckhands threaten strike over Kestrel Bay ferry pay",
    "Deckhands on the Kestrel Bay ferry line at Marlow said they would walk out next week "
    "unless wages rise.",
)
BOTH = Doc(
    "both",
    "Kestrel Bay ferry: fares rise 25 percent as Marlow deckhands threaten strike",
    "The Kestrel Bay harbor board raised ferry fares 25 percent on Monday; Marlow deckhands on "
    "the ferry line said they would strike next week unless wages rise.",
)
# No article joins a story (so each starts its own) and merges go by centroid cosine alone: the
# third report's story takes in the second's and then the first takes in both (no online
# regroup: these are merges as the learned decisions make them).
BRIDGE = ClusterSettings(
    join_probability=1.0,
    merge_threshold=0.5,
    learned_merge=False,
    consolidate_link=None,
    regroup_link=None,
)


def _raw(doc: Doc, host: int) -> RawArticle:
    return RawArticle(title=doc.title, text=doc.text, url=_url(doc, host))


def _url(doc: Doc, host: int) -> str:
    return f"https://example{host}.org/{doc.id}"


def _story(store: Store, doc: Doc, host: int) -> str:
    row = store.article_by_key(article_key(_url(doc, host)))
    assert row is not None and row.story_id is not None, doc.id
    return row.story_id


def test_a_consolidated_story_reads_back_under_one_id(store_factory: StoreFactory) -> None:
    store = store_factory()
    docs = [*STREAM, FARES_THIRD]
    engine = Engine(store, RatingsTable([], [], "none"), Clusterer(STRICT), restore=False)
    # One batch per article: each consolidation round's merges are drained by its batch.
    first: dict[str, str] = {}
    for i, d in enumerate(docs):
        engine.ingest([_raw(d, i)])
        first[d.id] = _story(store, d, i)
    ids = {d.id: _story(store, d, i) for i, d in enumerate(docs)}
    fares = ids["fares-1"]
    assert ids["fares-2"] == ids["fares-3"] == fares != ids["strike"]
    # Every report's first row already named the survivor, and it resolves to itself.
    assert {first[k] for k in ("fares-1", "fares-2", "fares-3")} == {fares}
    assert store.resolve_story(fares) == fares
    row = store.story(fares)
    assert row is not None and row.article_count == 3
    # A fresh connection (a restart, another worker) reads the same.
    again = store_factory()
    assert {_story(again, d, i) for i, d in enumerate(docs) if d.id.startswith("fares")} == {fares}
    assert again.resolve_stories([fares, ids["strike"]]) == {
        fares: fares,
        ids["strike"]: ids["strike"],
    }


def _bridged(store: Store) -> tuple[str, str]:
    """Stores FARES, then STRIKE, then BOTH, a batch each: STRIKE's story is stored by the
    second batch and merged away by the third. Returns (merged-away id, survivor)."""
    engine = Engine(store, RatingsTable([], [], "none"), Clusterer(BRIDGE), restore=False)
    background = [RawArticle(d.title, d.text, _url(d, 9)) for d in background_docs()]
    engine.ingest([*background, _raw(FARES, 1)])
    engine.ingest([_raw(STRIKE, 2)])
    old = _story(store, STRIKE, 2)
    survivor = _story(store, FARES, 1)
    assert old != survivor  # two stories as stored by the second batch
    engine.ingest([_raw(BOTH, 3)])
    return old, survivor


def test_a_story_merged_away_by_a_later_batch_resolves_to_the_survivor(
    store_factory: StoreFactory,
) -> None:
    store = store_factory()
    old, survivor = _bridged(store)
    assert store.resolve_story(old) == survivor
    assert store.resolve_stories([old, survivor]) == {old: survivor, survivor: survivor}
    assert {_story(store, d, h) for d, h in ((FARES, 1), (STRIKE, 2), (BOTH, 3))} == {survivor}
    assert store.story(old) is not None and store.story(old).id == survivor  # type: ignore[union-attr]
    row = store.story(survivor)
    assert row is not None and row.article_count == 3
    # A later syndicated copy of the merged-away story's article is filed under the survivor.
    engine = Engine(store, RatingsTable([], [], "none"), Clusterer(BRIDGE))
    engine.ingest([RawArticle(STRIKE.title, STRIKE.text, "https://example7.org/copy")])
    copy = store.article_by_key(article_key("https://example7.org/copy"))
    assert copy is not None and copy.story_id == survivor
    # What a restart reads: the same, from a fresh connection.
    again = store_factory()
    assert again.resolve_story(old) == survivor
    assert _story(again, STRIKE, 2) == survivor


def test_the_merged_away_id_answers_with_the_survivor_over_http(
    coverage_app: Flask, tmp_path: Path
) -> None:
    old, survivor = _bridged(app_engine(coverage_app).store)
    client = coverage_app.test_client()
    answer = client.get(f"/v1/stories/{old}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["id"] == survivor and body["merged_from"] == old
    assert body["article_count"] == 3
    live = client.get(f"/v1/stories/{survivor}").get_json()
    assert live["id"] == survivor and "merged_from" not in live
    # The story page (the extension's story link) moves to the survivor, keeping its filters.
    page = client.get(f"/stories/{old}?side=left")
    assert page.status_code == 301
    assert page.headers["Location"].endswith(f"/stories/{survivor}?side=left")
    followed = client.get(f"/stories/{old}", follow_redirects=True)
    assert followed.status_code == 200
    assert FARES.title in followed.get_data(as_text=True)
    # An id never stored is a clear 404, not a 500.
    gone = client.get("/v1/stories/st-999999")
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "story_not_found"
    assert client.get("/stories/st-999999").status_code == 404


def test_another_process_that_still_holds_the_merged_away_story_files_under_the_survivor(
    store_factory: StoreFactory,
) -> None:
    # A reader (the API's engine) restored both stories before a worker merged them.
    worker_store, reader_store = store_factory(), store_factory()
    worker = Engine(worker_store, RatingsTable([], [], "none"), Clusterer(BRIDGE), restore=False)
    background = [RawArticle(d.title, d.text, _url(d, 9)) for d in background_docs()]
    worker.ingest([*background, _raw(FARES, 1)])
    worker.ingest([_raw(STRIKE, 2)])
    old = _story(worker_store, STRIKE, 2)
    reader = Engine(reader_store, RatingsTable([], [], "none"), Clusterer(BRIDGE))
    worker.ingest([_raw(BOTH, 3)])
    survivor = _story(worker_store, FARES, 1)
    assert reader_store.resolve_story(old) == survivor != old
    # The reader's clusterer still has the old story apart; what it matches and what it
    # stores there are the survivor's.
    assert [s for s, _ in reader.match(STRIKE.title, STRIKE.text)][:1] == [survivor]
    reader.ingest(
        [RawArticle(STRIKE.title, STRIKE.text + " Talks resume.", "https://example8.org/x")]
    )
    row = reader_store.article_by_key(article_key("https://example8.org/x"))
    assert row is not None and row.story_id == survivor
    assert reader_store.story(old) is not None
    assert {r.id for r in reader_store.stories(limit=50)} >= {survivor}
    assert old not in {r.id for r in reader_store.stories(limit=50)}
