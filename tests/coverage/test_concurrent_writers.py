"""Two engines (two processes) writing one store, with the online regroup's moves and merges,
retention and `parallax demo --clear` between their batches: after every batch the store's
stories hold: each article is filed under a story row, an alias points at a story row and is
never one itself, a row counts its articles (and those retention took), and every story id
handed out so far still resolves."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from service.core.ratings import RatingsTable
from service.coverage.cluster import Clusterer, ClusterSettings
from service.coverage.engine import Engine, RawArticle
from service.store.base import Store
from service.store.sql import SQLStore
from tests.coverage.test_online_regroup import LOOSE
from tests.support.stores import StoreFactory

pytestmark = pytest.mark.backends("sqlite", "postgresql")

T0 = 1_741_000_000.0
TOPICS = [[f"t{k}w{i}" for i in range(6)] for k in range(12)]
COMMON = "ferry harbor strike vote council fares union board".split()
OUTLETS = ["leftpaper.com", "rightdaily.com", "centerwire.com"]


def rows(store: Store, sql: str) -> list[Any]:
    assert isinstance(store, SQLStore)  # read with the SQL stores' own statement runner
    return list(store._run(store._conn(), sql).fetchall())


def check(store: Store, seen: set[str]) -> None:
    live = {
        str(r[0]): (int(r[1]), int(r[2]))
        for r in rows(store, "SELECT id, article_count, pruned FROM stories")
    }
    aliases = {
        str(old): str(new) for old, new in rows(store, "SELECT old_id, new_id FROM story_aliases")
    }
    held: dict[str, int] = {}
    for key, story in rows(store, "SELECT key, story_id FROM articles"):
        assert story in live, (key, story, aliases.get(story))
        held[story] = held.get(story, 0) + 1
    for story, (count, pruned) in live.items():
        assert count == held.get(story, 0) + pruned, (story, count, pruned, held.get(story))
        assert held.get(story) or pruned, story
    for old, new in aliases.items():
        assert new in live and old not in live, (old, new)
    for story in seen:
        assert store.resolve_story(story) is not None, story
    seen.update(live)


def article(rng: random.Random, n: int) -> RawArticle:
    topic = TOPICS[rng.randrange(len(TOPICS))]
    return RawArticle(
        title=" ".join(rng.sample(topic, 3) + rng.sample(COMMON, 3)),
        text=" ".join(rng.choice(topic + COMMON) for _ in range(30)) + ".",
        url=f"https://{rng.choice(OUTLETS)}/a{n}",
        published=T0 + n * 60 if rng.random() < 0.2 else None,  # mostly undated
    )


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("settings", ["loose", "default"])
def test_two_engines_keep_the_stores_stories_whole(
    store_factory: StoreFactory, table: RatingsTable, seed: int, settings: str
) -> None:
    rng = random.Random(seed)
    chosen = (
        LOOSE
        if settings == "loose"
        else dataclasses.replace(ClusterSettings(), consolidate_every=20)
    )
    one, two = store_factory(), store_factory()
    engines = [
        Engine(one, table, Clusterer(chosen), restore=False),
        Engine(two, table, Clusterer(chosen)),
    ]
    seen: set[str] = set()
    n = 0
    for _ in range(60):
        batch = [article(rng, n + i) for i in range(rng.randrange(1, 12))]
        n += len(batch)
        engines[rng.randrange(2)].ingest(batch)
        check(one, seen)
        if rng.random() < 0.1:
            one.prune_articles(T0 + rng.randrange(n) * 30)
            check(one, seen)
        if rng.random() < 0.05:  # parallax demo --clear of one outlet's articles
            two.delete_articles(f"https://{OUTLETS[0]}/")
            seen.clear()
            check(one, seen)
    assert rows(one, "SELECT count(*) FROM story_moves")[0][0] > 0  # the regroup moved some
