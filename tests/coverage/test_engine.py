"""The engine over a real SQLite store: dedup, syndication, stories, merges, restart, matching."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from service.core.ratings import RatingsTable
from service.coverage import cluster as cluster_module
from service.coverage import engine as engine_module
from service.coverage.cluster import Doc
from service.coverage.engine import Engine, RawArticle, fingerprint, key_variants
from service.store.base import Store
from service.store.sqlite import SQLiteStore
from tests.support.stores import StoreFactory

# Every test here that uses a store holds on each backend.
pytestmark = pytest.mark.backends("sqlite", "postgresql")

T0 = 1_741_000_000.0
WIRE = (
    "WASHINGTON (Center Wire) — The Senate voted 61-39 on Thursday to extend the federal "
    "pipeline safety program for five years, sending the bill to the president after a "
    "months-long fight over inspection rules for aging gas lines in rural counties."
)


BARRIER_TEXT = (
    "Harbor city council voted 7-2 to fund the Eastside flood barrier, a $40 million plan."
)


def barrier(outlet: str, path: str, title: str, when: float = T0, text: str = "") -> RawArticle:
    return RawArticle(
        title=title,
        text=text
        or "Harbor city council voted 7-2 to fund the Eastside flood barrier, a $40 million plan.",
        url=f"https://{outlet}/{path}",
        published=when,
    )


def test_articles_of_one_event_form_one_story_with_aggregates(engine: Engine) -> None:
    result = engine.ingest(
        [
            barrier("leftpaper.com", "a", "Harbor council approves Eastside flood barrier", T0),
            barrier(
                "rightdaily.com", "b", "Harbor council passes $40 million flood barrier", T0 + 60
            ),
            barrier(
                "centerwire.com", "c", "Eastside flood barrier wins Harbor council vote", T0 + 120
            ),
            RawArticle(
                title="Orchestra cancels spring tour over missing arts grant",
                text="The state orchestra cancelled its twelve-city spring tour.",
                url="https://leftpaper.com/orchestra",
                published=T0 + 30,
            ),
        ]
    )
    assert result.added == 4
    stories = {engine.store.article_by_key(k).story_id for k in result.keys}  # type: ignore[union-attr]
    assert len(stories) == 2
    barrier_story = engine.store.article_by_key("https://leftpaper.com/a").story_id  # type: ignore[union-attr]
    row = engine.store.story(barrier_story)  # type: ignore[arg-type]
    assert row is not None
    assert row.article_count == 3
    assert row.outlet_count == 3
    assert row.outlets_by_side == {"left": 1, "center": 1, "right": 1}
    assert row.first_seen == T0
    assert row.last_updated == T0 + 120
    assert row.blindspot is None


def test_urls_are_canonicalised_and_deduplicated(engine: Engine) -> None:
    # Texts differ so that only the URL, not the wire fingerprint, can make these duplicates.
    first = engine.ingest(
        [
            barrier("leftpaper.com", "a?utm_source=rss&fbclid=x", "Harbor barrier", text="one"),
            barrier("www.leftpaper.com", "a", "Harbor barrier", text="two"),
            barrier("m.leftpaper.com", "a", "Harbor barrier", text="three"),
        ]
    )
    assert (first.added, first.duplicates) == (1, 2)
    again = engine.ingest(
        [
            barrier("leftpaper.com", "a#comments", "Harbor barrier", text="four"),
            RawArticle(title="Harbor barrier", text="five", url="http://leftpaper.com/a"),
        ]
    )
    assert (again.added, again.duplicates) == (0, 2)
    assert engine.store.counts()["articles"] == 1
    assert engine.store.article_by_key("https://leftpaper.com/a") is not None


def test_wire_copies_are_linked_and_counted_once_per_outlet(engine: Engine) -> None:
    original = engine.ingest(
        [
            RawArticle(
                title="Senate extends pipeline safety program",
                text=WIRE,
                url="https://centerwire.com/pipeline",
                published=T0,
            )
        ]
    )
    copies = engine.ingest(
        [
            # A newspaper runs the wire copy under its own headline: a syndicated copy.
            RawArticle(
                title="Pipeline safety bill heads to president",
                text=WIRE,
                url="https://leftpaper.com/wire/pipeline",
                published=T0 + 600,
            ),
            # The same copy again at another URL of the same newspaper counts once.
            RawArticle(
                title="Pipeline safety bill heads to president",
                text=WIRE,
                url="https://lp.news/pipeline-bill",
                published=T0 + 700,
            ),
        ]
    )
    assert original.added == 1
    assert (copies.added, copies.syndicated, copies.duplicates) == (1, 1, 1)
    wire = engine.store.article_by_key("https://centerwire.com/pipeline")
    copy = engine.store.article_by_key("https://leftpaper.com/wire/pipeline")
    assert wire is not None and copy is not None
    assert copy.syndicated_of == wire.id
    assert copy.story_id == wire.story_id
    assert engine.store.article_by_key("https://lp.news/pipeline-bill") is None
    summary = engine.summary(wire.story_id)  # type: ignore[arg-type]
    assert summary is not None
    assert summary["outlet_count"] == 2 and summary["syndicated_count"] == 1


def test_copies_within_one_batch_are_linked_too(engine: Engine) -> None:
    result = engine.ingest(
        [
            RawArticle(
                title="Senate extends pipeline program",
                text=WIRE,
                url="https://centerwire.com/p1",
                published=T0,
            ),
            RawArticle(
                title="Pipeline program extended",
                text=WIRE,
                url="https://rightdaily.com/p1",
                published=T0 + 1,
            ),
        ]
    )
    assert (result.added, result.syndicated) == (2, 1)
    first = engine.store.article_by_key("https://centerwire.com/p1")
    second = engine.store.article_by_key("https://rightdaily.com/p1")
    assert first is not None and second is not None
    assert second.syndicated_of == first.id and second.story_id == first.story_id


def test_fingerprint_ignores_dateline_and_needs_enough_words() -> None:
    other_dateline = WIRE.replace("WASHINGTON (Center Wire) —", "WASHINGTON —")
    assert fingerprint("a", WIRE) == fingerprint("b", other_dateline) != ""
    assert fingerprint("Short title", "Too short.") == ""


def test_rejected_articles_are_counted_not_raised(engine: Engine) -> None:
    result = engine.ingest(
        [
            RawArticle(title="", url="https://leftpaper.com/x"),
            RawArticle(title="No address at all"),
            RawArticle(title="Bad URL", url="javascript:alert(1)"),
        ]
    )
    assert (result.added, result.rejected) == (0, 3)


def test_restart_restores_the_window_and_keeps_story_ids(
    store_factory: StoreFactory, table: RatingsTable, clock: Any
) -> None:
    store = store_factory()
    first = Engine(store, table, clock=clock)
    first.ingest([barrier("leftpaper.com", "a", "Harbor council approves Eastside flood barrier")])
    first.ingest(
        [
            RawArticle(
                title="Orchestra cancels spring tour",
                text="Arts grant missing.",
                url="https://leftpaper.com/o",
                published=T0,
            )
        ]
    )
    story = store.article_by_key("https://leftpaper.com/a").story_id  # type: ignore[union-attr]
    ids_before = {r.id for r in store.stories(limit=10)}
    store.close()

    reopened = store_factory()
    second = Engine(reopened, table, clock=clock)
    second.ingest(
        [barrier("rightdaily.com", "b", "Harbor council passes Eastside flood barrier", T0 + 300)]
    )
    joined = reopened.article_by_key("https://rightdaily.com/b")
    assert joined is not None and joined.story_id == story
    second.ingest(
        [
            RawArticle(
                title="Volcano observatory raises alert level",
                text="Seismic swarm under the northern crater.",
                url="https://centerwire.com/volcano",
                published=T0 + 400,
            )
        ]
    )
    volcano = reopened.article_by_key("https://centerwire.com/volcano")
    assert volcano is not None and volcano.story_id not in ids_before
    assert reopened.counts() == {"articles": 4, "stories": 3}
    reopened.close()


class ScriptedClusterer:
    """A clusterer whose stories and merges the test dictates (to test persistence of merges)."""

    def __init__(self, script: dict[str, str]) -> None:
        self.script = script
        self.docs: dict[str, str] = {}
        self.merges: list[tuple[str, str]] = []
        self.merged: dict[str, str] = {}

    def add(self, doc: Doc) -> str:
        self.docs[doc.id] = self.script[doc.title]
        return self.resolve(self.docs[doc.id])

    def story_of(self, doc_id: str) -> str | None:
        story = self.docs.get(doc_id)
        return None if story is None else self.resolve(story)

    def resolve(self, story_id: str) -> str:
        while story_id in self.merged:
            story_id = self.merged[story_id]
        return story_id

    def match(self, doc: Doc, limit: int = 5) -> list[tuple[str, float]]:
        return []

    def restore(self, doc: Doc, story_id: str) -> None:
        self.docs[doc.id] = story_id

    def expire(self, now: float) -> list[str]:
        return []

    def consolidate(self) -> int:
        return 0

    def drain_merges(self) -> list[tuple[str, str]]:
        out, self.merges = self.merges, []
        return out

    def drain_moves(self) -> list[str]:
        return []

    def merge(self, old: str, new: str) -> None:
        self.merged[old] = new
        self.merges.append((old, new))


def test_merges_move_articles_and_old_ids_resolve(store: Store, table: RatingsTable) -> None:
    fake = ScriptedClusterer({"A one": "x", "B one": "y", "B two": "y"})
    engine = Engine(store, table, clusterer=fake)  # type: ignore[arg-type]
    engine.ingest([RawArticle(title="A one", url="https://leftpaper.com/1", published=T0)])
    engine.ingest([RawArticle(title="B one", url="https://rightdaily.com/1", published=T0)])
    old_a = store.article_by_key("https://leftpaper.com/1").story_id  # type: ignore[union-attr]
    old_b = store.article_by_key("https://rightdaily.com/1").story_id  # type: ignore[union-attr]
    assert old_a is not None and old_b is not None
    assert old_a != old_b
    fake.merge("y", "x")
    engine.ingest([RawArticle(title="B two", url="https://centerwire.com/2", published=T0)])
    rows = store.stories(limit=10)
    assert [r.id for r in rows] == [old_a]
    assert rows[0].article_count == 3 and rows[0].outlet_count == 3
    assert store.resolve_story(old_b) == old_a
    summary = engine.summary(old_b)
    assert summary is not None and summary["id"] == old_a


def test_match_finds_live_stories_and_falls_back_to_the_index(engine: Engine, clock: Any) -> None:
    engine.ingest(
        [
            barrier("leftpaper.com", "a", "Harbor council approves Eastside flood barrier"),
            barrier("rightdaily.com", "b", "Harbor council passes Eastside flood barrier", T0 + 60),
        ]
    )
    story = engine.store.article_by_key("https://leftpaper.com/a").story_id  # type: ignore[union-attr]
    live = engine.match("Eastside flood barrier approved by Harbor council", published=T0 + 90)
    assert live and live[0][0] == story
    # A month later the story has left the clusterer's window; the FTS index still finds it.
    clock.now = T0 + 40 * 86400
    engine.ingest(
        [
            RawArticle(
                title="Unrelated later news about a marathon",
                url="https://centerwire.com/m",
                published=T0 + 40 * 86400,
            )
        ]
    )
    assert engine.clusterer.story_of("https://leftpaper.com/a") is None
    late = engine.match("Eastside flood barrier Harbor council")
    assert late and late[0][0] == story
    assert engine.match("zzzz qqqq") == []


def test_a_confident_live_match_skips_the_index(engine: Engine, monkeypatch: Any) -> None:
    engine.ingest(
        [
            barrier("leftpaper.com", "a", "Harbor council approves Eastside flood barrier"),
            barrier("rightdaily.com", "b", "Harbor council passes Eastside flood barrier", T0 + 60),
        ]
    )
    searched: list[Any] = []
    real_search = engine.store.search_stories
    monkeypatch.setattr(
        engine.store, "search_stories", lambda *a, **k: searched.append(a) or real_search(*a, **k)
    )
    assert engine.match("Harbor council approves Eastside flood barrier", BARRIER_TEXT, T0 + 90)
    assert searched == []
    engine.match("Volcano observatory raises alert level", published=T0 + 90)
    assert len(searched) == 1


def test_two_writers_on_one_file_never_share_a_story_id(
    tmp_path: Path, table: RatingsTable, clock: Any
) -> None:
    # Two processes (say the API storing submitted pages and the ingest worker) on one file.
    path = tmp_path / "shared.sqlite3"
    first, second = SQLiteStore(path), SQLiteStore(path)
    api = Engine(first, table, clock=clock)
    worker = Engine(second, table, clock=clock)
    api.ingest([barrier("leftpaper.com", "a", "Harbor council approves Eastside flood barrier")])
    worker.ingest(
        [
            RawArticle(
                title="Volcano observatory raises alert level",
                text="Seismic swarm.",
                url="https://centerwire.com/volcano",
                published=T0,
            )
        ]
    )
    barrier_story = first.article_by_key("https://leftpaper.com/a").story_id  # type: ignore[union-attr]
    volcano_story = first.article_by_key("https://centerwire.com/volcano").story_id  # type: ignore[union-attr]
    assert barrier_story != volcano_story
    assert first.counts() == {"articles": 2, "stories": 2}
    # And the worker clusters against what the API stored: the same event joins its story.
    worker.ingest(
        [barrier("rightdaily.com", "b", "Harbor council passes Eastside flood barrier", T0 + 60)]
    )
    assert second.article_by_key("https://rightdaily.com/b").story_id == barrier_story  # type: ignore[union-attr]
    first.close()
    second.close()


def test_a_huge_story_says_its_summary_read_only_part(engine: Engine, monkeypatch: Any) -> None:
    import service.coverage.engine as engine_module

    engine.ingest(
        [
            barrier(
                "leftpaper.com",
                f"a{i}",
                f"Harbor council flood barrier vote {i}",
                T0 + i,
                text=f"Harbor council Eastside flood barrier vote report number {i}.",
            )
            for i in range(6)
        ]
    )
    story = engine.store.article_by_key("https://leftpaper.com/a0").story_id  # type: ignore[union-attr]
    assert "truncated" not in engine.summary(story)  # type: ignore[arg-type,operator]
    monkeypatch.setattr(engine_module, "SUMMARY_ARTICLES", 4)
    summary = engine.summary(story)  # type: ignore[arg-type]
    assert summary is not None
    assert summary["article_count"] == 6 and summary["truncated"] == {"articles_read": 4}


@pytest.mark.parametrize(
    "key",
    [
        "https://h.example/",
        "https://h.example//",
        "https://h.example/x///",
        "https://h.example/?q=/",
        "https://h.example/x?y/",
        "id:x/",
        "",
        "https://",
        "https:///",
        "https:////",
        "https://h.example",
        "https://h.example/" + "a/" * 5000,
        "https://h.example/x/?",
        "https://h.example/%2F",
        "id:https://x/",
    ],
)
def test_key_variants_are_bounded_and_never_reach_another_page(key: str) -> None:
    variants = key_variants(key)
    assert variants[0] == key and len(variants) <= 2
    if len(variants) == 2:
        other = variants[1]
        assert abs(len(other) - len(key)) == 1
        assert key_variants(other) == (other, key)  # one article, one pair of keys
        host_and_path = other.split("?", 1)[0][len("https://") :]
        host, _, path = host_and_path.partition("/")
        assert host and path  # never the bare site root ("https://host/")


def test_key_variants_pair_the_slash_forms() -> None:
    assert key_variants("https://h.example/x") == ("https://h.example/x", "https://h.example/x/")
    assert key_variants("https://h.example/x/?a=1") == (
        "https://h.example/x/?a=1",
        "https://h.example/x?a=1",
    )
    assert key_variants("https://h.example/") == ("https://h.example/",)
    assert key_variants("https://h.example//") == ("https://h.example//",)
    assert key_variants("id:feed-item-1") == ("id:feed-item-1",)


def test_a_large_restored_window_is_frozen_for_the_collector_and_still_freed_when_it_expires(
    store_factory: StoreFactory, table: RatingsTable, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_factory()
    Engine(store, table, clock=clock).ingest(
        [
            barrier(f"outlet{i}.com", "a", title, text=f"{title}: the council met on day {i}.")
            for i, title in enumerate(
                [
                    "Harbor council approves flood barrier",
                    "Orchestra cancels its spring tour",
                    "Volcano observatory raises alert level",
                    "Senate extends pipeline safety program",
                ]
            )
        ]
    )
    # The clusterer's stories, made weakly referable to see when they are freed.
    monkeypatch.setattr(
        cluster_module,
        "_Story",
        type("_Story", (cluster_module._Story,), {"__slots__": ("__weakref__",)}),
    )
    gc.unfreeze()  # (whatever an earlier test left frozen)
    try:
        # Fewer restored articles than FREEZE_RESTORED: nothing frozen.
        Engine(store_factory(), table, clock=clock)
        assert gc.get_freeze_count() == 0
        monkeypatch.setattr(engine_module, "FREEZE_RESTORED", 4)
        reopened = Engine(store_factory(), table, clock=clock)
        assert gc.get_freeze_count() > 0
        restored = list(reopened.clusterer._stories.values())
        assert restored
        gone = [weakref.ref(story) for story in restored]
        del restored
        # A week later the restored stories leave the window: frozen or not, they are freed
        # by their last reference going (the collector kept off), so memory stays bounded.
        gc.disable()
        clock.now = T0 + 8 * 86400
        late = "Chess club opens downtown"
        reopened.ingest([barrier("late.com", "z", late, T0 + 7 * 86400, text=f"{late}.")])
        assert [s.size for s in reopened.clusterer._stories.values()] == [1]
        assert all(ref() is None for ref in gone)
    finally:
        gc.enable()
        gc.unfreeze()
