"""One stream ingested article by article, in batches, in one batch and by two engines taking
turns makes the same stories with the same counts, headlines and digests; digests computed after
the commit are never left behind."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from service.core.ratings import RatingsTable
from service.coverage.engine import Engine, RawArticle
from service.coverage.summary import DIGEST_SAMPLE, DigestRatings, story_digest
from service.ingest.shared import shared_ingest
from service.store import sql
from service.store.base import Batch, NewArticle, Store
from service.store.postgres import PostgresStore, drop_schema
from service.store.sqlite import SQLiteStore
from tests.support.stores import PG_URL

pytestmark = pytest.mark.backends("sqlite", "postgresql")

T0 = 1_741_000_000.0
OUTLETS = ["centerwire.com", "leftpaper.com", "rightdaily.com", "righttimes.com", "farleft.org"]
# Each event in its own words: several outlets' titles and leads of one happening.
EVENTS = [
    (
        "Harbor council approves Eastside flood barrier",
        "Harbor city council voted 7-2 on Tuesday to fund the Eastside flood barrier, a $40 "
        "million seawall along the harbor front.",
    ),
    (
        "Volcano observatory raises alert level on Mount Kestrel",
        "A seismic swarm under Mount Kestrel's northern crater led geologists at the volcano "
        "observatory to raise the alert level to orange.",
    ),
    (
        "Transit workers announce citywide bus strike",
        "The drivers' union called a citywide bus strike over pensions, halting every bus route "
        "from Monday, transit officials said.",
    ),
    (
        "Orchard growers count frost damage across Valley County",
        "Apple and cherry orchards across Valley County lost blossoms to a late frost, growers "
        "said, estimating damage on 3,000 acres.",
    ),
]
TAKES = [
    ("", ""),
    ("Update: ", " Officials confirmed the figures later."),
    ("", " Reporters at the scene described the reaction."),
    ("Analysis: ", " What comes next is not yet known."),
]
WIRE_TEXT = (
    "RIVERSIDE (Center Wire) — Engineers inspecting the Falcon stadium roof found corroded "
    "bolts on Monday and said the repair would close the north stand for eighteen months."
)


def stream() -> list[RawArticle]:
    """Four events told by four outlets each, interleaved in time, and a wire story carried by
    three outlets (one story, copies linked)."""
    out: list[RawArticle] = []
    for n, (kicker, coda) in enumerate(TAKES):
        for e, (title, text) in enumerate(EVENTS):
            outlet = OUTLETS[(n + e) % len(OUTLETS)]
            out.append(
                RawArticle(
                    title=f"{kicker}{title}",
                    text=f"{text}{coda}",
                    url=f"https://{outlet}/e{e}/n{n}",
                    published=T0 + 600 * (n * len(EVENTS) + e),
                )
            )
    for n, outlet in enumerate(("centerwire.com", "rightdaily.com", "leftpaper.com")):
        out.append(
            RawArticle(
                title="Falcon stadium roof repair closes the north stand",
                text=WIRE_TEXT,
                url=f"https://{outlet}/wire/{n}",
                published=T0 + 20_000 + n,
            )
        )
    return out


@pytest.fixture
def fresh_stores(backend: str, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens a new, empty store of the backend at each call (several per test)."""
    opened: list[Store] = []
    schemas: list[str] = []

    def make() -> Store:
        if backend == "sqlite":
            opened.append(SQLiteStore(tmp_path / f"s{len(opened)}" / "parallax.sqlite3"))
        else:
            schema = f"parallax_test_{uuid.uuid4().hex[:12]}"
            schemas.append(schema)
            opened.append(PostgresStore(f"{PG_URL}?schema={schema}"))
        return opened[-1]

    if backend == "postgresql":
        from tests.support.stores import need_postgres

        need_postgres()
    yield make
    for store in opened:
        store.close()
    for schema in schemas:
        drop_schema(PG_URL, schema)


def one_by_one(engines: Sequence[Engine], raws: list[RawArticle]) -> None:
    for raw in raws:
        engines[0].ingest([raw])


def in_batches(size: int) -> Callable[[Sequence[Engine], list[RawArticle]], None]:
    def run(engines: Sequence[Engine], raws: list[RawArticle]) -> None:
        for at in range(0, len(raws), size):
            engines[0].ingest(raws[at : at + size])

    return run


def two_engines_in_turn(engines: Sequence[Engine], raws: list[RawArticle]) -> None:
    """Two engines (two workers) on one store, batches of 4 in turn, through the shared path
    (the cluster-wide turn on PostgreSQL, digests computed after it)."""
    for turn, at in enumerate(range(0, len(raws), 4)):
        shared_ingest(engines[turn % 2], raws[at : at + 4])


def stored_stories(store: Store) -> dict[frozenset[str], dict[str, Any]]:
    """Each story by its articles' keys: its row (without the story id, which names nothing
    of the content) and, per article, whether it is a wire copy."""
    out: dict[frozenset[str], dict[str, Any]] = {}
    for row in store.stories(limit=1000):
        articles = store.story_articles(row.id, limit=1000)
        digest = dict(row.digest or {})
        out[frozenset(a.key for a in articles)] = {
            "article_count": row.article_count,
            "outlet_count": row.outlet_count,
            "first_seen": row.first_seen,
            "last_updated": row.last_updated,
            "headline": row.headline,
            "sides": row.outlets_by_side,
            "blindspot": row.blindspot,
            "digest": digest,
            "copies": sorted(a.key for a in articles if a.syndicated_of is not None),
        }
    return out


def assert_digests_current(store: Store, table: RatingsTable) -> None:
    """Every story's stored digest is the one its articles give now under the ratings, and none
    is left due."""
    ratings = DigestRatings(table.version, table.get)
    for row in store.stories(limit=1000):
        articles = store.story_articles(row.id, limit=1000)
        originals = [a for a in articles if a.syndicated_of is None][:DIGEST_SAMPLE]
        expected = story_digest(originals or articles[:1], ratings)
        assert row.digest is not None
        assert {k: v for k, v in row.digest.items() if k != "sample"} == expected
        assert row.headline == (expected["headline"] or row.headline)
    conn = store._conn()  # type: ignore[attr-defined]
    due = conn.execute("SELECT count(*) FROM stories WHERE digest_wanted IS NOT NULL").fetchone()
    assert due[0] == 0


def test_batches_one_by_one_and_two_engines_store_the_same_stories(
    fresh_stores: Callable[[], Store], table: RatingsTable, clock: Any
) -> None:
    raws = stream()
    results = []
    for ingest in (one_by_one, in_batches(7), in_batches(len(raws)), two_engines_in_turn):
        store = fresh_stores()
        engines = [Engine(store, table, clock=clock), Engine(store, table, clock=clock)]
        ingest(engines, raws)
        assert_digests_current(store, table)
        results.append(stored_stories(store))
    reference = results[0]
    assert len(reference) >= len(EVENTS)  # the events did not all merge into one
    assert any(story["copies"] for story in reference.values())  # the wire copies are linked
    assert any(len(story["sides"]) > 1 for story in reference.values())
    for other in results[1:]:
        assert other == reference


def test_a_deferred_digest_waits_for_the_flush_and_is_then_current(
    fresh_stores: Callable[[], Store],
) -> None:
    store = fresh_stores()

    def article(n: int) -> NewArticle:
        return NewArticle(
            key=f"https://leftpaper.com/{n}",
            title=f"Harbor council votes on the Eastside flood barrier, report {n}",
            text="Harbor city council voted 7-2 to fund the Eastside flood barrier, a $40 million plan.",
            url=f"https://leftpaper.com/{n}",
            outlet_id="leftpaper.com",
            side="left",
            first_seen=T0 + n,
            story_id="st-1",
        )

    store.commit(Batch(articles=[article(1), article(2)], defer_digests=True))
    row = store.story("st-1")
    assert row is not None and row.digest is None and row.article_count == 2
    assert row.headline  # a headline from the titles until the digest is computed
    assert store.flush_digests() == 1
    row = store.story("st-1")
    assert row is not None and row.digest is not None
    assert row.headline == row.digest["headline"]
    assert store.flush_digests() == 0  # nothing left due
    # A later article in the sample: the old digest stays readable until the flush.
    before = row.digest
    store.commit(Batch(articles=[article(3)], defer_digests=True))
    row = store.story("st-1")
    assert row is not None and row.digest == before and row.article_count == 3
    assert store.flush_digests() == 1
    row = store.story("st-1")
    assert row is not None and row.digest is not None and row.digest["sample"] != before["sample"]


def test_a_digest_left_due_by_a_process_that_died_is_computed_by_another(
    fresh_stores: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = fresh_stores()
    store.commit(
        Batch(
            articles=[
                NewArticle(
                    key="https://leftpaper.com/1",
                    title="Harbor council votes on the Eastside flood barrier",
                    url="https://leftpaper.com/1",
                    outlet_id="leftpaper.com",
                    first_seen=T0,
                    story_id="st-1",
                )
            ],
            defer_digests=True,
        )
    )
    store._due_digests().clear()  # type: ignore[attr-defined]  # its process died: nobody flushes it
    assert store.flush_digests() == 0  # not an orphan yet: its own process may still flush it
    # ORPHAN_DIGEST_SECONDS later (by the database's clock, which the due time is set by)
    monkeypatch.setattr(sql, "ORPHAN_DIGEST_SECONDS", -1.0)
    assert store.flush_digests() == 1
    row = store.story("st-1")
    assert row is not None and row.digest is not None


def test_a_failed_digest_flush_keeps_the_batch_and_the_next_flush_catches_up(
    fresh_stores: Callable[[], Store],
    table: RatingsTable,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = fresh_stores()
    engine = Engine(store, table, clock=clock)

    def broken(articles: Any, *ratings: Any) -> dict[str, Any]:
        raise RuntimeError("digest failed")

    monkeypatch.setattr(sql, "story_digest", broken)
    result = engine.ingest(stream()[:4])  # no exception: the articles are stored
    assert result.added == 4
    conn = store._conn()  # type: ignore[attr-defined]
    due = conn.execute("SELECT count(*) FROM stories WHERE digest_wanted IS NOT NULL").fetchone()
    assert due[0] >= 1
    monkeypatch.undo()
    # The failed digests kept their stories due, claimed (not failing every flush again):
    # once the claim is ORPHAN_DIGEST_SECONDS old, the next flush computes them.
    monkeypatch.setattr(sql, "ORPHAN_DIGEST_SECONDS", -1.0)
    engine.ingest(stream()[4:5])
    assert_digests_current(store, table)
