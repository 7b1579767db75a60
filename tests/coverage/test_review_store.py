"""Review of the session's store changes (ratings log, listings under the reader's ratings,
one rebuild per story): what a listing, a story page and a writer on other ratings say about
the same story. Both backends."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from service.coverage.engine import Engine, SnapshotCache
from service.coverage.summary import DigestRatings, summarize
from service.store.base import Batch, NewArticle
from tests.coverage.test_digest_ratings import _table_with

pytestmark = pytest.mark.backends("sqlite", "postgresql")

# Right Daily moves from right to lean-left.
RIGHT_DAILY_LEFT = (
    "rightdaily.com,Right Daily,,digital-native,US,en,right,",
    "rightdaily.com,Right Daily,,digital-native,US,en,lean-left,",
)


def _article(story: str, host: str, side: str, n: int) -> NewArticle:
    return NewArticle(
        key=f"https://{host}/{story}",
        title=f"Harbor levy vote, report {n} ({story})",
        text="The council passed the harbor levy on Thursday. Port operators objected.",
        url=f"https://{host}/{story}",
        outlet_id=host,
        side=side,
        published=1_741_000_000.0 + n,
        story_id=story,
    )


def _left_leaning_story(store: Any, table: Any, story: str = "st-1") -> DigestRatings:
    """Left Paper, Far Left Org and Right Daily: 2 of 3 left, no blindspot (70 % rule)."""
    before = DigestRatings(table.version, table.get)
    store.commit(
        Batch(
            articles=[
                _article(story, host, before.side(host), n)
                for n, host in enumerate(("leftpaper.com", "farleft.org", "rightdaily.com"))
            ],
            ratings=before,
        )
    )
    store.rerate(before)
    return before


@pytest.mark.parametrize("half_done", [False, True], ids=["not-taken-up", "pass-half-done"])
def test_a_story_that_gains_a_blindspot_under_the_readers_ratings_is_listed_as_one(
    store: Any, table: Any, tmp_path: Path, half_done: bool
) -> None:
    """Listings filtered by blindspot (/blindspots, /v1/stories?blindspot=) filtered on the
    stored blindspot before counting under the reader's ratings: a story that has one only
    under them (Right Daily now lean-left: 3 of 3 left) was never listed, while its story
    page said it was a blindspot. Also while the newer ratings' pass is registered and not
    done (the outlets that moved are read from the articles then)."""
    _left_leaning_story(store, table)
    assert store.story("st-1").blindspot is None
    newer = _table_with(tmp_path, RIGHT_DAILY_LEFT)
    after = DigestRatings(newer.version, newer.get)
    if half_done:
        conn = store._conn()
        with store._writing(conn):
            store._run(
                conn, "INSERT INTO ratings_log (version, at) VALUES (?, 1)", (after.version,)
            )
    page = summarize(store.story("st-1"), store.story_articles("st-1"), newer.get)
    assert page["blindspot"]["side"] == "left"
    for blindspot in ("left", "any"):
        listed = store.stories(blindspot=blindspot, digests=False, ratings=after)
        assert [r.id for r in listed] == ["st-1"], blindspot
        assert listed[0].outlets_by_side == {"left": 3, "right": 0}
    assert store.stories(blindspot="right", ratings=after) == []


def _table(tmp_path: Path, name: str, *changes: tuple[str, str]) -> Any:
    """The fixture's ratings table with these lines changed."""
    from service.core.ratings import load_table
    from tests.coverage.conftest import OUTLETS_CSV
    from tests.support.ratings import write_ratings

    text = OUTLETS_CSV
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    return load_table(write_ratings(tmp_path / name, text))


UNRATED_BLOG = "unratedblog.net,Unrated Blog,,blog,US,en,,,,,unknown,,,low,2025-01-01"
UNRATED_BLOG_RIGHT = (
    UNRATED_BLOG,
    UNRATED_BLOG.replace("en,,,,,", "en,lean-right,,mixed,,").replace(",,,low", ",,test,low"),
)


def test_a_blindspot_listing_keeps_its_length_when_stories_lose_theirs(
    store: Any, tmp_path: Path
) -> None:
    """The listing read `limit` stories with the stored blindspot, then dropped those without
    it under the reader's ratings: `limit=1` answered nothing while a story had one."""
    first = _table(tmp_path, "a", UNRATED_BLOG_RIGHT)
    before = DigestRatings(first.version, first.get)
    store.commit(
        Batch(
            articles=[
                _article(story, host, before.side(host), n)
                for story, hosts in (
                    # right 3 of 3 under either ratings
                    ("st-1", ("rightradio.com", "righttimes.com", "unratedblog.net")),
                    # right 3 of 3; Right Daily left under the newer: no blindspot
                    ("st-2", ("rightdaily.com", "rightradio.com", "righttimes.com")),
                )
                for n, host in enumerate(hosts)
            ],
            ratings=before,
        )
    )
    store.rerate(before)
    store.commit(  # st-2 is the most recently updated
        Batch(
            articles=[
                NewArticle(
                    key="https://righttimes.com/st-2-more",
                    title="Harbor levy: what comes next (st-2)",
                    text="The levy takes effect in March. Port operators plan an appeal.",
                    url="https://righttimes.com/st-2-more",
                    outlet_id="righttimes.com",
                    side="right",
                    published=1_741_000_900.0,
                    story_id="st-2",
                )
            ],
            ratings=before,
        )
    )
    assert [r.id for r in store.stories(blindspot="right")] == ["st-2", "st-1"]
    second = _table(tmp_path, "b", UNRATED_BLOG_RIGHT, RIGHT_DAILY_LEFT)
    after = DigestRatings(second.version, second.get)
    for blindspot in ("right", "any"):
        listed = store.stories(blindspot=blindspot, limit=1, ratings=after)
        assert [r.id for r in listed] == ["st-1"], blindspot


def test_a_new_outlet_first_stored_by_a_writer_on_replaced_ratings_is_counted_as_rated_now(
    store: Any, store_factory: Any, table: Any, tmp_path: Path
) -> None:
    """Ratings B rate an outlet A did not know (Unrated Blog now lean-left). After a writer on
    B took them up, a writer still on A stored the outlet's first article: rated_sides had no
    side for it, so it was stored 'unrated', and since the store's cursor named B, listings
    under B returned the stored row as it was: the listing said unrated, the story page left."""
    before = _left_leaning_story(store, table)
    newer = _table(
        tmp_path,
        "b",
        (UNRATED_BLOG, UNRATED_BLOG_RIGHT[1].replace("lean-right", "lean-left")),
    )
    after = DigestRatings(newer.version, newer.get)
    store.rerate(after)
    old: Any = store_factory()  # the process still on A
    old.commit(Batch(articles=[_article("st-1", "unratedblog.net", "unrated", 5)], ratings=before))
    row = store.story("st-1")
    page = summarize(row, store.story_articles("st-1"), newer.get)
    listed = store.stories(ratings=after)[0]
    assert {s: listed.outlets_by_side.get(s, 0) for s in page["lean"]["outlets"]} == page["lean"][
        "outlets"
    ]


def test_a_snapshot_that_fails_releases_its_story_and_wakes_the_waiters(
    store: Any, table: Any
) -> None:
    """A rebuild that raises: the story's lock is released, the next reader makes it, and the
    per-story lock table is empty once nobody is making anything."""
    before = _left_leaning_story(store, table)
    eng = Engine(store, table, restore=False)
    assert before.version == eng.digest_ratings.version
    state = eng.story_state("st-1")
    assert state is not None
    calls: list[int] = []
    original = eng._make_snapshot

    def failing_once(s: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the store went away")
        return original(s)

    eng._make_snapshot = failing_once  # type: ignore[method-assign,assignment]
    with pytest.raises(RuntimeError):
        eng.snapshot(state)
    done: list[Any] = []
    reader = threading.Thread(target=lambda: done.append(eng.snapshot(state)))
    reader.start()
    reader.join(10)
    assert done and done[0].id == "st-1"
    assert eng._snapshots._making == {}
    cache = SnapshotCache()
    for n in range(1000):
        with cache.making(f"st-{n}"):
            pass
    assert cache._making == {}


def test_a_writer_on_replaced_ratings_takes_the_sides_recorded_after_its_first_batch(
    store: Any, store_factory: Any, table: Any, tmp_path: Path
) -> None:
    """A writer on replaced ratings read the newest's recorded sides once per process: an
    outlet the newest writer first stored after that (and recorded) was stored by the old
    writer with its own side, the same outlet on two sides of the store for good."""
    before = _left_leaning_story(store, table)
    newer = _table(
        tmp_path,
        "b",
        (UNRATED_BLOG, UNRATED_BLOG_RIGHT[1].replace("lean-right", "lean-left")),
    )
    after = DigestRatings(newer.version, newer.get)
    store.rerate(after)
    old: Any = store_factory()  # the process still on A
    old.commit(Batch(articles=[_article("st-2", "leftpaper.com", "left", 1)], ratings=before))
    store.commit(Batch(articles=[_article("st-3", "unratedblog.net", "left", 2)], ratings=after))
    old.commit(Batch(articles=[_article("st-4", "unratedblog.net", "unrated", 3)], ratings=before))
    assert old.article_by_key("https://unratedblog.net/st-3").side == "left"
    assert old.article_by_key("https://unratedblog.net/st-4").side == "left"
    assert old.story("st-4").outlets_by_side.get("left") == 1


def _page_and_listing(store: Any, table: Any, story: str) -> tuple[Any, Any]:
    eng = Engine(store, table, restore=False)
    page = eng.summary(story)
    assert page is not None
    listed = next(s for s in eng.stories() if s["id"] == story)
    return page, listed


def _same_counts(page: dict[str, Any], listed: dict[str, Any]) -> None:
    assert page["lean"]["outlets"] == listed["lean"]["outlets"]
    assert page["lean"]["by_outlets"] == listed["lean"]["by_outlets"]
    assert page["outlet_count"] == listed["outlet_count"]
    assert page["blindspot"] == listed["blindspot"]


def test_a_thinned_storys_page_counts_its_sides_as_its_listings_do(store: Any, table: Any) -> None:
    """Retention took Left Paper's article: every listing kept counting it (the row's kept
    counts), the story page counted the articles left: 1 left there, 2 in the list."""
    _left_leaning_story(store, table)
    store.prune_articles(1_741_000_000.5)
    page, listed = _page_and_listing(store, table, "st-1")
    assert listed["lean"]["outlets"] == {"left": 2, "center": 0, "right": 1, "unrated": 0}
    _same_counts(page, listed)
    assert page["retention"] == {"articles_removed": 1, "articles_kept": 2}


def test_a_story_over_the_summarys_articles_counts_its_sides_as_its_listings_do(
    store: Any, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story of more articles than a summary reads: an outlet only in the later ones was
    left out of the page's counts (and could change its blindspot), not of the lists'."""
    from service.coverage import engine as engine_module

    monkeypatch.setattr(engine_module, "SUMMARY_ARTICLES", 3)
    before = _left_leaning_story(store, table)
    store.commit(Batch(articles=[_article("st-1", "centerwire.com", "center", 9)], ratings=before))
    page, listed = _page_and_listing(store, table, "st-1")
    assert page["truncated"] == {"articles_read": 3}
    assert listed["lean"]["outlets"] == {"left": 2, "center": 1, "right": 1, "unrated": 0}
    _same_counts(page, listed)


def test_an_article_of_no_known_outlet_is_a_source_in_the_lists_as_on_the_page(
    store: Any, table: Any
) -> None:
    """A story's row counted its outlets without the articles of no known outlet while its
    counts by side (and its page) counted each as a source: a list said '3 sources' under
    counts of 4, and the story's page said 4."""
    before = _left_leaning_story(store, table)
    blog = NewArticle(
        key="https://blog.example/levy",
        title="Harbor levy vote, as a reader saw it",
        text="The council passed the harbor levy on Thursday. Port operators objected.",
        url="https://blog.example/levy",
        outlet_id=None,
        side="unrated",
        published=1_741_000_010.0,
        story_id="st-1",
    )
    store.commit(Batch(articles=[blog], ratings=before))
    page, listed = _page_and_listing(store, table, "st-1")
    assert listed["lean"]["outlets"] == {"left": 2, "center": 0, "right": 1, "unrated": 1}
    assert listed["outlet_count"] == 4
    _same_counts(page, listed)


@pytest.mark.backends("sqlite")
def test_another_unicode_version_changes_the_digests_fingerprint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Normalisation, letter classes and scripts (what splits a digest's words and sentences)
    come from Python's Unicode tables: another Python kept every stored digest of the old."""
    import unicodedata

    from service.coverage import digest_code

    before = digest_code.fingerprint()
    monkeypatch.setattr(unicodedata, "unidata_version", "99.0.0")
    assert digest_code.fingerprint() != before


@pytest.mark.backends("sqlite")
def test_no_module_of_the_digest_imports_relatively() -> None:
    """digest_code follows absolute `service` imports only (a line scan): a relative one in a
    module the digest runs would leave what it imports out of the fingerprint, silently."""
    import ast

    from service.coverage import digest_code

    for path in digest_code.digest_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        relative = [
            n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0
        ]
        assert relative == [], (str(path), relative)


def test_a_writer_whose_rerate_failed_tries_again(
    store: Any, table: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer's pass that raised (the store away a moment, a statement timeout) was not
    tried again by its process: it wrote under ratings the store never registered, for the
    rest of its life. It is tried again at a batch RERATE_RETRY_SECONDS later."""
    _left_leaning_story(store, table)
    newer = _table_with(tmp_path, RIGHT_DAILY_LEFT)
    eng = Engine(store, newer, restore=False)
    original = store.rerate
    calls: list[int] = []

    def failing_once(ratings: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("canceling statement due to statement timeout")
        return int(original(ratings))

    monkeypatch.setattr(store, "rerate", failing_once)
    eng.ingest([])
    assert store.cursor("digest_ratings") != newer.version
    eng.ingest([])  # within RERATE_RETRY_SECONDS: not tried
    assert calls == [1]
    eng._rerate_after = 0.0  # (RERATE_RETRY_SECONDS are over)
    eng.ingest([])
    assert calls == [1, 1]
    assert store.cursor("digest_ratings") == newer.version
    assert store.article_by_key("https://rightdaily.com/st-1").side == "left"


def test_a_claim_made_on_a_host_whose_clock_is_behind_is_not_taken_for_stale(
    store: Any,
    store_factory: Any,
    table: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flush claims its share of the re-rating's queue at a time; a claim older than
    ORPHAN_DIGEST_SECONDS is another flush's again. Made by its host's clock, a claim of a
    host running two minutes behind was stale at once for the others: they made the same
    digests again while the first was making them."""
    import time

    from service.store import sql
    from tests.coverage.test_digest_ratings import _three_stories_then_rerated

    after = _three_stories_then_rerated(store, table, tmp_path)
    behind: Any = store_factory()  # another host's process
    real = time.time

    def dying(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("still making them")

    monkeypatch.setattr(time, "time", lambda: real() - 120.0)
    monkeypatch.setattr(sql.SQLStore, "_flush_chunk", dying)
    with pytest.raises(RuntimeError):
        behind.flush_digests(after)  # claims all three, then is still at work
    monkeypatch.undo()
    store._due_digests().clear()  # (nothing of its own)
    assert store.flush_digests(after) == 0


@pytest.mark.backends("sqlite")
def test_every_library_a_digest_module_imports_is_in_its_fingerprint() -> None:
    """LIBRARIES was a list kept by hand: ICU's word breaker (icu4py), which splits Khmer, Lao
    and Burmese framing words, came in without it, so another ICU kept every digest it made."""
    import ast
    import re
    import sys
    from importlib import metadata

    from service.coverage import digest_code

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    named = {norm(n) for n in digest_code.LIBRARIES}
    dists = metadata.packages_distributions()
    for path in digest_code.digest_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in ("service", "__future__"):
                    continue
                # (a library not installed here is named by its import name)
                assert {norm(d) for d in dists.get(top, [top])} & named, (path.name, top)


def test_a_digest_left_due_by_a_host_whose_clock_is_behind_is_not_taken_for_orphaned(
    store: Any, store_factory: Any, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit marks its stories' digests due at a time, for its own flush; another flush
    takes them only ORPHAN_DIGEST_SECONDS later (their writer died). Marked by a host's clock
    two minutes behind, they were orphans at once for every other host's flush."""
    import time

    from service.store import sql

    before = DigestRatings(table.version, table.get)
    behind: Any = store_factory()  # another host's writer
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 120.0)
    behind.commit(
        Batch(
            articles=[
                _article("st-1", host, before.side(host), n)
                for n, host in enumerate(("leftpaper.com", "rightdaily.com"))
            ],
            ratings=before,
            defer_digests=True,  # its own flush comes next
        )
    )
    monkeypatch.undo()
    from service.coverage.summary import story_digest as original

    made: list[int] = []

    def counting(*args: Any) -> Any:
        made.append(1)
        return original(*args)

    monkeypatch.setattr(sql, "story_digest", counting)
    store.flush_digests(before)
    assert made == []
    behind.flush_digests(before)
    assert made == [1]
