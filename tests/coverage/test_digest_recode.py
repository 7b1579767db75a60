"""After an upgrade, the writers' flushes remake the stored digests another version of the
digest's code made (SQLStore._claim_recoded), a bounded number per flush, newest stories
first, each claimed by one flush; the listing's headline follows. Both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.coverage import digest_code
from service.store.sql import _CURSOR_UPSERT, RECODE_CURSOR, RECODED_CURSOR
from tests.coverage.test_digest_ratings import (
    Service,
    _ingest_story,
    _store_digest,
    _three_stories,
)
from tests.support.stores import StoreFactory

pytestmark = pytest.mark.backends("sqlite", "postgresql")

OLD_CODE = "0123456789abcdef"  # (another version's digest_code.fingerprint)


def _as_old_code_left_it(store: Any, story_id: str, updated: float) -> None:
    """The story's digest and headline as another version of the code stored them: its
    "code" and sample's signature (which names the code) another's, its points and headline
    other words; `updated` its last_updated."""
    row = store.story(story_id)
    assert row is not None and row.digest is not None
    assert row.digest["code"] == digest_code.current()
    old = {
        **row.digest,
        "code": OLD_CODE,
        "sample": "old-signature",
        "headline": f"Old headline ({story_id})",
        "key_points": [{**row.digest["key_points"][0], "text": "Why did the bridge close?"}],
    }
    _store_digest(store, story_id, old)
    conn = store._conn()
    with store._writing(conn):
        store._run(
            conn,
            "UPDATE stories SET headline = ?, last_updated = ? WHERE id = ?",
            (f"Old headline ({story_id})", updated, story_id),
        )


def _upgraded(store: Any, table: Any) -> tuple[Any, dict[str, Any]]:
    """st-1..st-3 stored, then left as the old code made them (st-3 the newest, st-1 the
    oldest); the ratings, and each story's digest as this code makes it."""
    ratings = _three_stories(store, table)
    made = {s: store.story(s).digest for s in ("st-1", "st-2", "st-3")}
    for n, story in enumerate(("st-1", "st-2", "st-3")):
        _as_old_code_left_it(store, story, 1_741_050_000.0 + n)
    _cursors_as_old_code_left_them(store)
    return ratings, made


def _cursors_as_old_code_left_them(store: Any) -> None:
    conn = store._conn()
    with store._writing(conn):
        for name in (RECODE_CURSOR, RECODED_CURSOR):
            store._run(conn, _CURSOR_UPSERT, (name, OLD_CODE))


def _old(store: Any) -> list[str]:
    """The stories whose stored digest another code made."""
    return sorted(
        s
        for s in ("st-1", "st-2", "st-3")
        if store.story(s).digest.get("code") != digest_code.current()
    )


def test_the_writers_flushes_remake_other_codes_digests_newest_first(
    store: Any, store_factory: StoreFactory, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stored digest and the listings' headlines changed only when the story did: every
    # story nothing new joined kept the old code's points and headline in the store.
    from service.store import sql

    ratings, made = _upgraded(store, table)
    monkeypatch.setattr(sql, "RECODE_PER_FLUSH", 2)
    upgraded: Any = store_factory()  # the new version's writer, a process of its own
    assert upgraded.flush_digests(ratings) == 2
    assert _old(upgraded) == ["st-1"]  # the two newest first
    assert upgraded.flush_digests(ratings) == 1
    assert _old(upgraded) == []
    assert upgraded.flush_digests(ratings) == 0
    for story in ("st-1", "st-2", "st-3"):
        row = upgraded.story(story)
        assert row.digest["key_points"] == made[story]["key_points"]
        assert row.digest["sample"] == made[story]["sample"]
        assert row.headline == made[story]["headline"]
    listed = {row.id: row.headline for row in upgraded.stories(digests=False)}
    assert listed == {s: made[s]["headline"] for s in ("st-1", "st-2", "st-3")}
    conn = upgraded._conn()
    assert not upgraded._run(
        conn, "SELECT id FROM stories WHERE digest_wanted IS NOT NULL OR digest_due IS NOT NULL"
    ).fetchall()


def test_a_flush_without_the_engines_ratings_leaves_them(store: Any, table: Any) -> None:
    """Retention and `parallax delete` flush without the engine's ratings: the writer's
    flushes remake them, under the ratings in force."""
    _upgraded(store, table)
    store._recode_over = False  # (as a new process)
    assert store.flush_digests() == 0
    assert _old(store) == ["st-1", "st-2", "st-3"]


def test_two_processes_flushes_remake_apart_shares(
    store: Any, store_factory: StoreFactory, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.coverage.summary import story_digest as original
    from service.store import sql

    ratings, _ = _upgraded(store, table)
    monkeypatch.setattr(sql, "RECODE_PER_FLUSH", 2)
    one, other = store_factory(), store_factory()
    made: list[str] = []
    flushed: list[int] = []

    def counting(articles: Any, *rest: Any) -> Any:
        made.append(str(articles[0].story_id))
        if len(made) == 1:  # the other process flushes while this one makes its first
            flushed.append(other.flush_digests(ratings))
        return original(articles, *rest)

    monkeypatch.setattr(sql, "story_digest", counting)
    flushed.append(one.flush_digests(ratings))
    assert sorted(made) == ["st-1", "st-2", "st-3"]
    assert sorted(flushed) == [1, 2]
    assert _old(one) == []


def test_a_writer_on_older_code_does_not_remake_the_newer_ones_digests(
    store: Any, store_factory: StoreFactory, table: Any
) -> None:
    """A rolling upgrade: the old version's worker still flushes beside the new one's. It
    must not remake the new version's digests back (nor the new one its, after)."""
    ratings, _ = _upgraded(store, table)
    conn = store._conn()
    with store._writing(conn):  # a newer version's writer registered after this one
        store._run(conn, _CURSOR_UPSERT, (RECODE_CURSOR, f"{digest_code.current()} {OLD_CODE}"))
    older = store_factory()
    assert older.flush_digests(ratings) == 0
    assert _old(older) == ["st-1", "st-2", "st-3"]
    assert store.cursor(RECODE_CURSOR) == f"{digest_code.current()} {OLD_CODE}"


def test_once_none_is_left_later_processes_on_the_same_code_do_not_walk_again(
    store: Any, store_factory: StoreFactory, table: Any
) -> None:
    ratings, _ = _upgraded(store, table)
    upgraded: Any = store_factory()
    assert upgraded.flush_digests(ratings) == 3
    assert upgraded.flush_digests(ratings) == 0
    assert upgraded.cursor(RECODED_CURSOR) == digest_code.current()
    assert upgraded.cursor(RECODE_CURSOR) == f"{OLD_CODE} {digest_code.current()}"
    _as_old_code_left_it(upgraded, "st-2", 1_741_060_000.0)  # (by hand: no walk finds it)
    assert store_factory().flush_digests(ratings) == 0


def test_a_story_whose_articles_retention_took_is_not_taken_again_and_again(
    store: Any, store_factory: StoreFactory, table: Any
) -> None:
    ratings, _ = _upgraded(store, table)
    conn = store._conn()
    with store._writing(conn):  # st-3's articles gone, its row kept (as prune_articles does)
        store._run(conn, "UPDATE articles SET story_id = NULL WHERE story_id = ?", ("st-3",))
    upgraded: Any = store_factory()
    claimed: list[str] = []
    real = type(upgraded)._claim_recoded

    def claiming(conn: Any) -> list[str]:
        found: list[str] = real(upgraded, conn)
        claimed.extend(found)
        return found

    upgraded._claim_recoded = claiming
    assert upgraded.flush_digests(ratings) == 2
    assert _old(upgraded) == ["st-3"]
    assert upgraded.flush_digests(ratings) == 0
    # Never claimed (the flush found nothing to make it from, and cleared its claim: the
    # written counts above were the same had it been claimed at every walk).
    assert sorted(claimed) == ["st-1", "st-2"]


def test_the_engines_flush_puts_the_new_digest_where_listings_read_it(
    tmp_path: Path, ratings_dir: Path, database_url: str
) -> None:
    service = Service(tmp_path, ratings_dir, database_url)
    try:
        service.start()
        story_id = _ingest_story(service)
        store: Any = service.engine.store
        made = store.story(story_id)
        _as_old_code_left_it(store, story_id, made.last_updated)
        _cursors_as_old_code_left_them(store)
        service.start()  # the upgraded version
        listed = service.get_json("/v1/stories")
        assert any(s["headline"] == f"Old headline ({story_id})" for s in _entries(listed))
        assert service.engine.flush_digests() == 1
        listed = service.get_json("/v1/stories")
        assert [s["headline"] for s in _entries(listed) if s["id"] == story_id] == [made.headline]
        assert store.story(story_id) is not None
        stored: Any = service.engine.store.story(story_id)
        assert stored.digest["code"] == digest_code.current()
        assert stored.digest["key_points"] == made.digest["key_points"]
    finally:
        service.stop()


def _entries(listed: Any) -> list[dict[str, Any]]:
    return list(listed["stories"] if isinstance(listed, dict) else listed)


def _claims_aged(store: Any, seconds: float) -> None:
    """Every claim made `seconds` older (as if its process had died that long ago)."""
    conn = store._conn()
    with store._writing(conn):
        store._run(
            conn, "UPDATE stories SET digest_due = digest_due + ? WHERE digest_due < 0", (seconds,)
        )


def test_one_storys_failing_digest_stops_no_other_and_is_taken_up_again(
    store: Any, store_factory: StoreFactory, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # story_digest raising for st-2 failed the whole flush: st-1 and st-3 were not written,
    # and the thread kept all three for its next flush, which failed again, for good.
    from service.coverage.summary import story_digest as original
    from service.store import sql

    ratings, made = _upgraded(store, table)

    def failing(articles: Any, *rest: Any) -> Any:
        if articles[0].story_id == "st-2":
            raise RuntimeError("a digest that fails")
        return original(articles, *rest)

    monkeypatch.setattr(sql, "story_digest", failing)
    upgraded: Any = store_factory()
    assert upgraded.flush_digests(ratings) == 2
    assert _old(upgraded) == ["st-2"]  # its stored digest still shown
    assert upgraded.flush_digests(ratings) == 0  # not tried again at every flush
    monkeypatch.setattr(sql, "story_digest", original)
    _claims_aged(upgraded, sql.ORPHAN_DIGEST_SECONDS + 1)  # its claim back in the queue
    assert store_factory().flush_digests(ratings) == 1
    assert _old(upgraded) == []
    assert upgraded.story("st-2").digest["key_points"] == made["st-2"]["key_points"]


def test_a_claim_that_fails_leaves_the_walk_where_it_was(
    store: Any, store_factory: StoreFactory, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The walk moved past the stories it read before claiming them: a claim refused (a busy
    # database) left them to the old code's digest in this process for good.
    from service.store import sql

    ratings, _ = _upgraded(store, table)
    monkeypatch.setattr(sql, "RECODE_PER_FLUSH", 2)
    upgraded: Any = store_factory()
    real = upgraded._run
    refused: list[str] = []

    def busy(conn: Any, statement: str, *rest: Any) -> Any:
        if "digest_wanted = coalesce" in statement and not refused:
            refused.append(statement)
            raise RuntimeError("database is locked")
        return real(conn, statement, *rest)

    monkeypatch.setattr(upgraded, "_run", busy)
    with pytest.raises(RuntimeError):
        upgraded.flush_digests(ratings)
    assert upgraded.flush_digests(ratings) == 2
    assert upgraded.flush_digests(ratings) == 1
    assert _old(upgraded) == []


def test_a_failed_claim_loses_none_of_the_threads_due_digests(
    store: Any, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The recode's claim came before the flush's try: its failure dropped the stories this
    # thread's commit had just left due (made only a minute later, as a dead process's).
    from service.store import sql

    ratings, _ = _upgraded(store, table)
    store._recode_over = False  # (as a new process on this code)
    _cursors_as_old_code_left_them(store)
    conn = store._conn()
    with store._writing(conn):  # st-1 changed by this process: due, its digest to be made
        store._run(conn, "UPDATE stories SET digest = NULL WHERE id = ?", ("st-1",))
    store._refresh_story(conn, "st-1")
    store._due_digests().add("st-1")
    assert store.story("st-1").digest is None
    real = sql.SQLStore._claim_recoded
    calls: list[int] = []

    def busy(self: Any, conn: Any) -> list[str]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real(self, conn)

    monkeypatch.setattr(sql.SQLStore, "_claim_recoded", busy)
    with pytest.raises(RuntimeError):
        store.flush_digests(ratings)
    store.flush_digests(ratings)
    assert store.story("st-1").digest is not None


@pytest.mark.backends("sqlite")
def test_the_walk_reads_from_where_it_stopped_not_from_the_top(store: Any) -> None:
    # Its keyset (last_updated < ? OR (last_updated = ? AND id < ?)) gave the index no range:
    # each flush read stories_updated from the newest story down to where the walk was, so
    # the walk's cost grew with the square of the store's stories (3 s a flush near the end
    # of 200,000 on PostgreSQL, 0.5 s on SQLite). Counted in SQLite's VM steps, not time.
    import json

    stories = 3000
    conn = store._conn()
    digest = json.dumps({"headline": "h", "key_points": [], "code": OLD_CODE, "sample": "x"})
    with store._writing(conn):
        store._run_many(
            conn,
            "INSERT INTO stories (id, first_seen, last_updated, article_count, outlet_count,"
            " headline, digest) VALUES (?, ?, ?, 1, 1, 'h', ?)",
            [(f"s{n:05d}", float(n), float(n), digest) for n in range(stories)],
        )
        store._run_many(
            conn,
            "INSERT INTO articles (key, title, first_seen, at, story_id) VALUES (?, 't', ?, ?, ?)",
            [(f"k{n}", float(n), float(n), f"s{n:05d}") for n in range(stories)],
        )

    def steps_to_claim(start: float | None) -> int:
        counted = [0]

        def count() -> int:
            counted[0] += 1
            return 0

        store._recode_over = False
        store._recode_from = None if start is None else (start, f"s{int(start):05d}")
        conn.set_progress_handler(count, 100)
        try:
            claimed = store._claim_recoded(conn)
        finally:
            conn.set_progress_handler(None, 100)
        assert len(claimed) == 50
        with store._writing(conn):  # (unclaimed again)
            store._run(conn, "UPDATE stories SET digest_due = NULL, digest_wanted = NULL")
        return counted[0]

    at_top = steps_to_claim(None)
    near_the_end = steps_to_claim(100.0)
    assert near_the_end < 3 * at_top
