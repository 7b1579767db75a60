"""A story's digest (key points, headline, framing) follows the ratings in force: an outlet
re-rated after its articles were stored (an override imported with `parallax ratings import`,
the table reloaded at start-up) is framed under its new side, a side left without coverage
shows nothing, and the stored digests made under other ratings are made again by the writer.
Both backends: the stamp lives in the stored digest (JSON text or JSONB)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from service.cli import main
from service.coverage import digest_code
from service.coverage.engine import Engine, RawArticle
from service.coverage.runtime import engine
from tests.coverage.conftest import OUTLET_COLUMNS
from tests.support.apps import close_store, make_app
from tests.support.stores import StoreFactory

pytestmark = pytest.mark.backends("sqlite", "postgresql")

# One event, each side with words of its own, so each side has framing.
COVERAGE = {
    "leftpaper.com": (
        "Bridge closure strands workers as union warns of lost wages",
        "Harbor City closed the Main Street bridge on Tuesday after inspectors found cracks in"
        " two girders. Union leaders warned that workers would lose wages during the six weeks"
        " of repairs. Commuters face long detours.",
    ),
    "rightdaily.com": (
        "Bridge closure exposes wasteful spending, taxpayers foot bill",
        "Harbor City closed the Main Street bridge on Tuesday after inspectors found cracks in"
        " two girders. Taxpayers will foot the bill for repairs, and critics blamed wasteful"
        " spending by the council. Commuters face long detours.",
    ),
    "centerwire.com": (
        "Main Street bridge closes after girder cracks",
        "Harbor City closed the Main Street bridge on Tuesday after inspectors found cracks in"
        " two girders. Repairs will take six weeks, the mayor said. Commuters face long detours.",
    ),
}


class Service:
    """The service over one data directory and store, restarted at will (a new process: the
    ratings are read at start-up)."""

    def __init__(self, tmp_path: Path, ratings_dir: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.settings = {"RATINGS_DIR": str(ratings_dir), "DATABASE_URL": database_url}
        self.app: Flask | None = None

    def start(self) -> Flask:
        self.stop()
        self.app = make_app(self.tmp_path, **self.settings)
        return self.app

    def stop(self) -> None:
        if self.app is not None:
            close_store(self.app)
            self.app = None

    @property
    def engine(self) -> Engine:
        assert self.app is not None
        return engine(self.app)

    def get_json(self, path: str) -> Any:
        assert self.app is not None
        response = self.app.test_client().get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_json()

    def page(self, path: str) -> str:
        assert self.app is not None
        response = self.app.test_client().get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)


@pytest.fixture
def service(tmp_path: Path, ratings_dir: Path, database_url: str) -> Iterator[Service]:
    found = Service(tmp_path, ratings_dir, database_url)
    yield found
    found.stop()


def _ingest_story(service: Service) -> str:
    """The bridge story, one article from each side; its id."""
    service.engine.ingest(
        [
            RawArticle(title, text, f"https://{host}/bridge", published=1_741_000_000.0 + n * 600)
            for n, (host, (title, text)) in enumerate(COVERAGE.items())
        ]
    )
    stored = service.engine.store.article_by_key("https://leftpaper.com/bridge")
    assert stored is not None and stored.story_id is not None
    assert all(
        (a := service.engine.store.article_by_key(f"https://{h}/bridge")) is not None
        and a.story_id == stored.story_id
        for h in COVERAGE
    )
    return stored.story_id


def _store_digest(store: Any, story_id: str, digest: dict[str, Any]) -> None:
    """Writes a story's digest as stored by hand (as an older version, or a hostile edit, left
    it)."""
    conn = store._conn()
    with store._writing(conn):
        store._run(
            conn, "UPDATE stories SET digest = ? WHERE id = ?", (store._json(digest), story_id)
        )


def _rerate(tmp_path: Path, outlet_row: str, name: str = "newsroom-panel") -> None:
    """Imports an override row as an operator does (`parallax ratings import`)."""
    path = tmp_path / f"{name}.csv"
    path.write_text(f"{OUTLET_COLUMNS}\n{outlet_row}\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["ratings", "import", str(path), "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 0, result.output


RIGHT_DAILY_AS_CENTER = (
    "rightdaily.com,Right Daily,,digital-native,US,en,center,,mixed,"
    "Right Daily LLC,billionaire,,newsroom panel,medium,2026-11-01"
)
CENTER_WIRE_AS_RIGHT = (
    "centerwire.com,Center Wire,,wire-service,US,en,lean-right,,very-high,"
    "Center Wire Cooperative,cooperative,,newsroom panel,high,2026-11-01"
)


def _framing_sides(framing: dict[str, Any]) -> dict[str, int]:
    return {side: entry["articles"] for side, entry in framing.items()}


def _assert_framed_by_current_sides(framing: dict[str, Any]) -> None:
    """Each point under a side is from an outlet of that side as rated now."""
    for side, entry in framing.items():
        for point in entry["points"]:
            assert point["side"] == side, (side, point["outlet"]["id"])


def _assert_made_under_the_fixture_sides(digest: dict[str, Any], version: str) -> None:
    """The bridge story's digest, made under the fixture's ratings (`version`): each of its
    three outlets on its own side."""
    assert digest["ratings"] == version
    assert digest["sides"] == {
        "leftpaper.com": "left",
        "rightdaily.com": "right",
        "centerwire.com": "center",
    }
    assert _framing_sides(digest["framing"]) == {"left": 1, "center": 1, "right": 1}


def _page_framing(html: str) -> dict[str, list[str]]:
    """The story page's framing, by side: each side's column's emphasised terms and quoted
    sentences (none: the column says why)."""
    return {
        side: re.findall(r'<p class="terms">.*?</p>|<li>.*?</li>', column, re.S)
        for side, column in re.findall(
            r'<section class="framing-side side-(\w+)"[^>]*>(.*?)</section>', html, re.S
        )
    }


@pytest.mark.parametrize(
    ("row", "outlet", "expected"),
    [
        # A side left without coverage shows nothing; its outlet is framed with its new side.
        (RIGHT_DAILY_AS_CENTER, "rightdaily.com", {"left": 1, "center": 2}),
        # A side that has coverage now is framed; the one its outlet left shows nothing.
        (CENTER_WIRE_AS_RIGHT, "centerwire.com", {"left": 1, "right": 2}),
    ],
    ids=["right-daily-now-center", "center-wire-now-right"],
)
def test_a_re_rated_outlet_is_framed_under_its_new_side_everywhere(
    service: Service, tmp_path: Path, row: str, outlet: str, expected: dict[str, int]
) -> None:
    service.start()
    story_id = _ingest_story(service)
    before = service.get_json(f"/v1/stories/{story_id}")["framing"]
    assert _framing_sides(before) == {"left": 1, "center": 1, "right": 1}
    _rerate(tmp_path, row)
    service.start()  # the ratings are read at start-up
    gone = ({"left", "center", "right"} - set(expected)).pop()
    for framing in (
        service.get_json(f"/v1/stories/{story_id}")["framing"],
        service.get_json(f"/v1/score?url=https://{outlet}/bridge")["story"]["framing"],
        service.get_json("/v1/score?url=https://leftpaper.com/bridge")["story"]["framing"],
    ):
        assert _framing_sides(framing) == expected
        _assert_framed_by_current_sides(framing)
    columns = _page_framing(service.page(f"/stories/{story_id}"))
    assert columns[gone] == []  # nothing framed under the side the outlet left
    assert any(columns[side] for side in expected)


def test_the_writer_stores_the_digest_again_under_the_new_ratings(
    service: Service, tmp_path: Path
) -> None:
    service.start()
    story_id = _ingest_story(service)
    made = service.engine.store.story(story_id)
    assert made is not None and made.digest is not None
    assert made.digest["sides"]["rightdaily.com"] == "right"
    old_version = made.digest["ratings"]
    _rerate(tmp_path, RIGHT_DAILY_AS_CENTER)
    service.start()
    eng = service.engine
    assert eng.ratings.version != old_version
    # The writer takes up the new ratings at its next batch (empty here): the story is due,
    # and its flushes make the digest again under them.
    eng.ingest([])
    eng.flush_digests()
    stored = eng.store.story(story_id)
    assert stored is not None and stored.digest is not None
    assert stored.digest["ratings"] == eng.ratings.version
    assert stored.digest["sides"]["rightdaily.com"] == "center"
    assert _framing_sides(stored.digest["framing"]) == {"left": 1, "center": 2}
    # The story's stored sides (what a listing shows) follow as well.
    assert stored.outlets_by_side.get("right", 0) == 0
    assert stored.outlets_by_side["center"] == 2
    listed = next(s for s in service.get_json("/v1/stories")["stories"] if s["id"] == story_id)
    assert listed["lean"]["outlets"] == {"left": 1, "center": 2, "right": 0, "unrated": 0}


def test_a_digest_stored_before_digests_named_their_sides_reads_back_and_is_made_again(
    service: Service,
) -> None:
    service.start()
    story_id = _ingest_story(service)
    store: Any = service.engine.store
    made = store.story(story_id)
    assert made is not None and made.digest is not None
    # As an older version stored it: no stamp, and (its outlets rated otherwise then) the
    # left side's framing filed under the right.
    framing = made.digest["framing"]
    old = {k: v for k, v in made.digest.items() if k not in ("ratings", "sides")}
    old["framing"] = {"right": framing["left"], "center": framing["center"]}
    _store_digest(store, story_id, old)
    conn = store._conn()
    with store._writing(conn):
        # An upgraded store has never been brought to any ratings.
        store._run(conn, "DELETE FROM cursors WHERE name = 'digest_ratings'")
    service.start()
    for framing in (
        service.get_json(f"/v1/stories/{story_id}")["framing"],
        service.get_json("/v1/score?url=https://leftpaper.com/bridge")["story"]["framing"],
    ):
        assert _framing_sides(framing) == {"left": 1, "center": 1, "right": 1}
        _assert_framed_by_current_sides(framing)
    assert service.page(f"/stories/{story_id}")
    eng = service.engine
    eng.ingest([])
    stored = eng.store.story(story_id)
    assert stored is not None and stored.digest is not None
    _assert_made_under_the_fixture_sides(stored.digest, eng.ratings.version)


def test_a_re_rating_that_moves_no_side_keeps_the_stored_digests(
    service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.start()
    story_id = _ingest_story(service)
    before = service.engine.store.story(story_id)
    assert before is not None and before.digest is not None
    # Right Daily's factuality re-rated, its lean (hence its side) unchanged.
    _rerate(
        tmp_path,
        "rightdaily.com,Right Daily,,digital-native,US,en,lean-right,,low,"
        "Right Daily LLC,billionaire,,newsroom panel,medium,2026-11-01",
    )
    from service.coverage import engine as engine_module
    from service.store import sql

    made: list[int] = []
    for module in (engine_module, sql):
        original = module.story_digest

        def counting(articles: Any, *rest: Any, _original: Any = original) -> Any:
            made.append(1)
            return _original(articles, *rest)

        monkeypatch.setattr(module, "story_digest", counting)
    service.start()
    eng = service.engine
    assert eng.ratings.version != before.digest["ratings"]
    body = service.get_json(f"/v1/stories/{story_id}")
    assert _framing_sides(body["framing"]) == {"left": 1, "center": 1, "right": 1}
    eng.ingest([])
    after = eng.store.story(story_id)
    assert after is not None and after.digest == before.digest
    assert made == []  # neither the reader nor the writer made it again


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    "stamp",
    [
        {},
        {"sides": None},
        {"sides": ["rightdaily.com"]},
        {"sides": {"rightdaily.com": 3}},
        {"sides": {"rightdaily.com": "center"}},
        {"sides": {"rightdaily.com": "right", "leftpaper.com": "right"}},
    ],
)
def test_a_digest_whose_sides_are_missing_malformed_or_other_does_not_hold(
    table: Any, stamp: dict[str, Any]
) -> None:
    from service.coverage.summary import DigestRatings

    ratings = DigestRatings(table.version, table.get)
    assert not ratings.holds({"framing": {}, **stamp, "ratings": "another"})
    assert ratings.holds({"framing": {}, "sides": {"rightdaily.com": "right"}, "ratings": "x"})
    assert ratings.holds({"sides": {"leftpaper.com": "left", "nowhere.example": "unrated"}})


def test_each_engine_makes_digests_under_its_own_ratings_on_a_shared_store(
    store: Any, table: Any
) -> None:
    """The ratings go with each write (Batch.ratings, flush_digests, rerate), not with the
    store: a second engine opened on the same store with other ratings (a bench's clusterer,
    a command's) does not change what the first one's batches are digested under."""
    from service.core.ratings import RatingsTable

    mine = Engine(store, table, restore=False)
    Engine(store, RatingsTable([], [], "none"), restore=False)
    mine.ingest(
        [
            RawArticle(title, text, f"https://{host}/bridge", published=1_741_000_000.0 + n * 600)
            for n, (host, (title, text)) in enumerate(COVERAGE.items())
        ]
    )
    stored = store.article_by_key("https://leftpaper.com/bridge")
    row = store.story(stored.story_id)
    _assert_made_under_the_fixture_sides(row.digest, table.version)


def test_a_re_rating_spreads_its_stories_over_the_next_flushes(
    store: Any, table: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rerate leaves the digests it finds stale to the flushes, RERATE_PER_FLUSH at a time: a
    re-rated outlet with thousands of stories does not hold one batch up for minutes."""
    from service.store import sql

    after = _three_stories_then_rerated(store, table, tmp_path, rerate=False)
    monkeypatch.setattr(sql, "RERATE_PER_FLUSH", 2)
    assert store.rerate(after) == 3
    assert store.rerate(after) == 0  # once per ratings version
    assert [store.flush_digests(after) for _ in range(3)] == [2, 1, 0]
    for story in ("st-1", "st-2", "st-3"):
        row = store.story(story)
        assert row.digest["ratings"] == after.version
        assert row.digest["sides"]["rightdaily.com"] == "center"
        assert row.outlets_by_side == {"left": 1, "center": 2}


def _three_stories_then_rerated(
    store: Any, table: Any, tmp_path: Path, extra: tuple[Any, ...] = (), rerate: bool = True
) -> Any:
    """st-1..st-3 (each with the three outlets) stored under `table`; then Right Daily re-rated
    center and the store brought to that (rerate leaves the three digests due). The newer
    ratings."""
    _three_stories(store, table, extra)
    after = _ratings_with(tmp_path, RIGHT_DAILY_CENTER)
    if rerate:
        assert store.rerate(after) == 3
    return after


# Right Daily re-rated from right to center, and (its side unchanged) from mixed to low
# factuality: lines of the fixture's ratings CSV, as they are and as changed.
RIGHT_DAILY_CENTER = (
    "rightdaily.com,Right Daily,,digital-native,US,en,right,",
    "rightdaily.com,Right Daily,,digital-native,US,en,center,",
)
RIGHT_DAILY_LOW = (
    "rightdaily.com,Right Daily,,digital-native,US,en,right,,mixed,",
    "rightdaily.com,Right Daily,,digital-native,US,en,right,,low,",
)


def _table_with(tmp_path: Path, change: tuple[str, str], name: str = "newer") -> Any:
    """The fixture's ratings table with one line changed."""
    from service.core.ratings import load_table
    from tests.coverage.conftest import OUTLETS_CSV
    from tests.support.ratings import write_ratings

    assert change[0] in OUTLETS_CSV
    return load_table(write_ratings(tmp_path / name, OUTLETS_CSV.replace(*change)))


def _ratings_with(tmp_path: Path, change: tuple[str, str], name: str = "newer") -> Any:
    """The fixture's ratings with one line changed, as a digest reads them."""
    from service.coverage.summary import DigestRatings

    newer = _table_with(tmp_path, change, name)
    return DigestRatings(newer.version, newer.get)


def _three_stories(store: Any, table: Any, extra: tuple[Any, ...] = ()) -> Any:
    """st-1..st-3 (each with the three outlets) stored under `table`, and the store brought to
    it; the ratings they were stored under."""
    from service.coverage.summary import DigestRatings
    from service.store.base import Batch, NewArticle

    before = DigestRatings(table.version, table.get)
    store.commit(
        Batch(
            articles=[
                NewArticle(
                    key=f"https://{host}/{story}",
                    title=f"{title} ({story})",
                    text=text,
                    url=f"https://{host}/{story}",
                    outlet_id=host,
                    side=before.side(host),
                    published=1_741_000_000.0 + n,
                    story_id=story,
                )
                for story in ("st-1", "st-2", "st-3")
                for n, (host, (title, text)) in enumerate(COVERAGE.items())
            ],
            ratings=before,
        )
    )
    assert store.rerate(before) == 0  # the store is at these ratings already
    if extra:
        store.commit(Batch(articles=list(extra), ratings=before))
    return before


def test_a_write_without_ratings_does_not_drop_the_digests_a_re_rating_left_due(
    store: Any, table: Any, tmp_path: Path
) -> None:
    """The worker's retention (a bare commit of its cursor, prune_articles) and `parallax
    delete` write without the engine's ratings and flush what is due, the re-rating's queue
    included. They kept the stale digest of each story they took (its sample unchanged) and
    cleared its due mark: the stored digest then framed Right Daily as right for good, and
    every reader in every process made its own again after each start."""
    from service.store.base import Batch

    after = _three_stories_then_rerated(store, table, tmp_path)
    store.commit(Batch(cursors=[("prune_at", "1")]))  # as the retention pass ends
    store.delete_articles("https://nowhere.example/")  # nothing to delete: no refresh
    store.flush_digests(after)  # the engine's next flush: whatever is still due
    for story in ("st-1", "st-2", "st-3"):
        row = store.story(story)
        assert after.holds(row.digest), (story, row.digest["sides"])
        assert row.digest["sides"]["rightdaily.com"] == "center"
        assert _framing_sides(row.digest["framing"]) == {"left": 1, "center": 2}


def test_a_delete_without_ratings_keeps_a_re_rated_story_due(
    store: Any, table: Any, tmp_path: Path
) -> None:
    """`parallax delete` of an article outside a story's digest sample (a wire copy, while the
    story has originals) refreshes the story without the engine's ratings: its digest (same
    sample) read as current and the story left the re-rating's queue, the stale digest
    stored."""
    from service.store.base import NewArticle

    copy = NewArticle(
        key="https://copies.example/st-1",
        title="Bridge closure (copy)",
        text="A copy.",
        url="https://copies.example/st-1",
        outlet_id="copies.example",
        side="unrated",
        published=1_741_000_100.0,
        story_id="st-1",
        syndicated_of_key="https://leftpaper.com/st-1",
    )
    after = _three_stories_then_rerated(store, table, tmp_path, (copy,))
    assert store.delete_articles("https://copies.example/") == 1
    store.flush_digests(after)
    row = store.story("st-1")
    assert after.holds(row.digest), row.digest["sides"]
    assert _framing_sides(row.digest["framing"]) == {"left": 1, "center": 2}


def _rerate_queue(store: Any) -> list[str]:
    from service.store.sql import RERATE_DUE

    conn = store._conn()
    return sorted(
        str(r[0])
        # (claimed by a flush: below RERATE_DUE)
        for r in store._run(conn, "SELECT id FROM stories WHERE digest_due <= ?", (RERATE_DUE,))
    )


@pytest.mark.parametrize(
    ("before", "left"),
    [(1_741_000_000.5, ["centerwire.com", "rightdaily.com"]), (1_741_000_003.0, [])],
    ids=["oldest-pruned", "all-pruned"],
)
def test_retention_does_not_leave_a_re_rated_story_in_the_queue_for_good(
    store: Any,
    table: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    before: float,
    left: list[str],
) -> None:
    """Retention removes a story's oldest articles without refreshing its row, so a story the
    re-rating left due wanted a sample it no longer has (or none): each flush skipped it ("the
    sample moved on") and left it due, and the queue, taken RERATE_PER_FLUSH at a time by id,
    offered the same stuck stories to every flush for good, the stories after them never
    made again."""
    from service.store import sql

    after = _three_stories_then_rerated(store, table, tmp_path)
    monkeypatch.setattr(sql, "RERATE_PER_FLUSH", 1)
    store.prune_articles(before)
    for _ in range(4):
        store.flush_digests(after)
    assert _rerate_queue(store) == []
    for story in ("st-1", "st-2", "st-3"):
        row = store.story(story)
        if left:
            assert after.holds(row.digest), (story, row.digest["sides"])
            assert sorted(row.digest["sides"]) == left
            assert row.digest["sides"]["rightdaily.com"] == "center"


def test_a_story_retention_thinned_counts_a_re_rated_outlet_under_its_new_side(
    store: Any, table: Any, tmp_path: Path
) -> None:
    """A story retention thinned keeps what its removed articles counted for (the larger of
    its stored and its present counts by side), so rerate's refresh kept the re-rated outlet
    under its old side as well: Right Daily, now center, still counted right (3 outlets counted
    4 times: {'center': 2, 'left': 1, 'right': 1}) in the listing and the story's lean."""
    from service.coverage.summary import DigestRatings
    from service.store.base import Batch, NewArticle

    before = DigestRatings(table.version, table.get)
    articles = [
        NewArticle(
            key=f"https://{host}/bridge",
            title=title,
            text=text,
            url=f"https://{host}/bridge",
            outlet_id=host,
            side=before.side(host),
            published=1_741_000_000.0 + n,
            story_id="st-1",
        )
        for n, (host, (title, text)) in enumerate(COVERAGE.items())
    ]
    later = NewArticle(
        key="https://leftpaper.com/bridge-repairs",
        title="Bridge repairs begin on Main Street",
        text="Crews began repairs on the Main Street bridge on Monday.",
        url="https://leftpaper.com/bridge-repairs",
        outlet_id="leftpaper.com",
        side="left",
        published=1_741_000_500.0,
        story_id="st-1",
    )
    store.commit(Batch(articles=[*articles, later], ratings=before))
    store.prune_articles(1_741_000_000.5)  # Left Paper's first article goes; it has another
    assert store.story("st-1").pruned == 1
    store.rerate(_ratings_with(tmp_path, RIGHT_DAILY_CENTER))
    row = store.story("st-1")
    assert row.outlets_by_side == {"left": 1, "center": 2, "right": 0} or (
        row.outlets_by_side == {"left": 1, "center": 2}
    )


def test_a_rerate_cut_short_is_finished_by_the_next(
    store: Any, table: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rerate updated every re-sided article in one transaction, then refreshed the stories
    in others: a failure between them (a dropped connection, the process stopped) left the
    articles at their new side and the cursor unset, and the next writer's rerate found no
    outlet to re-side, so it never refreshed those stories (counts, blindspot) nor queued
    their digests."""
    from service.coverage.summary import DigestRatings
    from service.store import sql

    after = _three_stories_then_rerated(store, table, tmp_path, rerate=False)
    original = sql.SQLStore._refresh_stories

    def failing(self: Any, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(sql.SQLStore, "_refresh_stories", failing)
    with pytest.raises(RuntimeError):
        store.rerate(after)
    monkeypatch.setattr(sql.SQLStore, "_refresh_stories", original)
    assert store.rerate(after) == 3
    assert _rerate_queue(store) == ["st-1", "st-2", "st-3"]
    for story in ("st-1", "st-2", "st-3"):
        assert store.story(story).outlets_by_side == {"left": 1, "center": 2}
    assert isinstance(after, DigestRatings)


def _set_column(store: Any, story_id: str, column: str, value: object) -> None:
    """Writes a story's column as a hand edit or a broken tool would: `value` as given (JSON
    text in SQLite; in PostgreSQL a str is taken for JSON text)."""
    conn = store._conn()
    if not isinstance(value, str):
        value = store._json(value)
    elif store.placeholder != "?":
        from psycopg.types.json import Jsonb

        value = Jsonb(json.loads(value))
    with store._writing(conn):
        store._run(conn, f"UPDATE stories SET {column} = ? WHERE id = ?", (value, story_id))


def test_a_legacy_digest_quoting_the_word_sides_is_stamped_by_the_writer(
    store: Any, table: Any
) -> None:
    """A digest stored before digests named their sides is found by its structure: SQLite's
    check looked for the text '"sides"' anywhere in the JSON, so a legacy digest with the
    framing term "sides" (a story about two sides of a border) passed for a stamped one and
    was never made again by the writer."""
    before = _three_stories(store, table)
    made = store.story("st-1").digest
    legacy = {k: v for k, v in made.items() if k not in ("ratings", "sides")}
    legacy["framing"]["left"]["terms"] = ["sides", "border"]
    _set_column(store, "st-1", "digest", legacy)
    conn = store._conn()
    with store._writing(conn):  # an upgraded store has never been brought to any ratings
        store._run(conn, "DELETE FROM cursors WHERE name = 'digest_ratings'")
    assert store.rerate(before) == 1
    store.flush_digests(before)
    _assert_made_under_the_fixture_sides(store.story("st-1").digest, before.version)


# Stored digests whose "sides" is missing or malformed: as a hand edit, a broken tool or a cut
# write leaves them; "current" ones carry the stamp of the ratings in force (which
# DigestRatings.holds trusts), the others an older one.
MALFORMED_SIDES: dict[str, Callable[[dict[str, Any], str], object]] = {
    "no-sides": lambda digest, version: {k: v for k, v in digest.items() if k != "sides"},
    "sides-null": lambda digest, version: {**digest, "sides": None},
    "sides-a-list": lambda digest, version: {**digest, "sides": ["rightdaily.com"]},
    "side-a-number": lambda digest, version: {**digest, "sides": {"rightdaily.com": 3}},
    "side-unknown-current": lambda digest, version: {
        **digest,
        "sides": {"rightdaily.com": "far-right"},
        "ratings": version,
    },
    "side-a-number-current": lambda digest, version: {
        **digest,
        "sides": {"rightdaily.com": 3},
        "ratings": version,
    },
    "not-an-object": lambda digest, version: '["sides"]',
    # (PostgreSQL's JSONB cannot hold a cut text: it stands for a JSON string there)
    "cut-short": lambda digest, version: json.dumps(digest)[:60],
}


@pytest.mark.parametrize("malformed", sorted(MALFORMED_SIDES))
def test_a_malformed_stored_digest_is_read_and_repaired_by_the_writers_pass(
    service: Service, tmp_path: Path, backend: str, malformed: str
) -> None:
    """A digest whose "sides" is missing or malformed never fails a read, and the writer's
    pass under new ratings makes it again (it was made again only by readers, each process
    after each start, while the writer kept it: its pass looked only for the text '"sides"'
    and for outlets whose side moved). Here the new ratings move no side at all."""
    service.start()
    story_id = _ingest_story(service)
    store: Any = service.engine.store
    made = store.story(story_id).digest
    value = MALFORMED_SIDES[malformed](made, service.engine.ratings.version)
    if malformed == "cut-short" and backend != "sqlite":
        value = json.dumps(value)
    _set_column(store, story_id, "digest", value)
    for path in (
        f"/v1/stories/{story_id}",
        "/v1/stories",
        f"/stories/{story_id}",
        "/",
        "/v1/score?url=https://leftpaper.com/bridge",
    ):
        service.get_json(path) if path.startswith("/v1") else service.page(path)
    # Right Daily's factuality re-rated (its side unchanged): a new ratings version.
    _rerate(
        tmp_path,
        "rightdaily.com,Right Daily,,digital-native,US,en,right,,low,"
        "Right Daily LLC,billionaire,,newsroom panel,medium,2026-11-01",
    )
    service.start()
    eng = service.engine
    eng.ingest([])
    eng.store.flush_digests(eng.digest_ratings)
    stored = eng.store.story(story_id)
    assert stored is not None and stored.digest is not None
    assert stored.digest["sides"] == {
        "leftpaper.com": "left",
        "rightdaily.com": "right",
        "centerwire.com": "center",
    }
    assert eng.digest_ratings.holds(stored.digest)
    assert _framing_sides(stored.digest["framing"]) == {"left": 1, "center": 1, "right": 1}


@pytest.mark.parametrize(
    "counts",
    ['{"left": 1, "center": ', '["left", 1]', '{"left": "one", "center": 1e400}', "null"],
    ids=["cut-short", "a-list", "not-numbers", "null"],
)
def test_a_malformed_stored_count_by_side_never_fails_a_read(
    service: Service, backend: str, counts: str
) -> None:
    """A story's stored counts by side (what a listing shows) edited by hand or cut short read
    as what of them is a count: every read of the story failed on them (a 500)."""
    service.start()
    story_id = _ingest_story(service)
    store: Any = service.engine.store
    if backend != "sqlite" and counts.startswith('{"left": 1, "center": '):
        counts = json.dumps(counts)  # (a JSON string: JSONB holds no cut text)
    if backend != "sqlite":
        counts = counts.replace("1e400", '"inf"')
    _set_column(store, story_id, "sides", counts)
    for path in (f"/v1/stories/{story_id}", "/v1/stories", "/v1/stories?blindspot=any"):
        service.get_json(path)
    for path in (f"/stories/{story_id}", "/", "/blindspots", "/outlets/leftpaper.com"):
        service.page(path)


def test_the_readers_of_a_stale_story_make_its_digest_once(
    store: Any, table: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a restart under new ratings, every thread reading a story whose stored digest
    does not hold made the digest again at once (a busy story: one per request in flight);
    one makes it, the others wait for it and take it from the cache."""
    from service.coverage import engine as engine_module
    from service.coverage.summary import story_digest as original

    _three_stories(store, table)
    reader = Engine(store, _table_with(tmp_path, RIGHT_DAILY_CENTER), restore=False)
    made: list[int] = []
    release = threading.Event()

    def gated(articles: Any, *rest: Any) -> Any:
        made.append(1)
        release.wait(10)  # held until every reader has asked (or 2 s have passed, below)
        return original(articles, *rest)

    monkeypatch.setattr(engine_module, "story_digest", gated)
    readers = 4
    start = threading.Barrier(readers)
    answers: list[Any] = []

    def read() -> None:
        start.wait(10)
        answers.append(reader.summary("st-1"))

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    # Each reader of the old code is making the digest by now; of the new, one is.
    deadline = threading.Event()
    for _ in range(200):
        if len(made) >= readers or deadline.wait(0.01):
            break
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(answers) == readers
    assert made == [1]
    for answer in answers:
        assert _framing_sides(answer["framing"]) == {"left": 1, "center": 2}


def test_two_processes_flushes_take_apart_shares_of_the_re_ratings_queue(
    store: Any,
    store_factory: StoreFactory,
    table: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each flush took the queue's first RERATE_PER_FLUSH stories by id, so two processes
    flushing at once (two workers, a worker and `parallax` commands) made the same digests
    twice; a flush now claims its share before making it."""
    from service.coverage.summary import story_digest as original
    from service.store import sql

    after = _three_stories_then_rerated(store, table, tmp_path)
    other = store_factory()  # another process's store
    monkeypatch.setattr(sql, "RERATE_PER_FLUSH", 2)
    made: list[str] = []
    flushed: list[int] = []

    def counting(articles: Any, *rest: Any) -> Any:
        made.append(str(articles[0].story_id))
        if len(made) == 1:  # the other process flushes while this one makes its first
            flushed.append(other.flush_digests(after))
        return original(articles, *rest)

    monkeypatch.setattr(sql, "story_digest", counting)
    flushed.append(store.flush_digests(after))
    assert sorted(made) == ["st-1", "st-2", "st-3"]
    assert sorted(flushed) == [1, 2]
    assert _rerate_queue(store) == []
    for story in ("st-1", "st-2", "st-3"):
        assert after.holds(store.story(story).digest)


def test_a_claim_of_a_process_that_died_goes_back_to_the_queue(
    store: Any, table: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush that claimed its share and died before writing it leaves the stories to
    the next flushes once the claim is ORPHAN_DIGEST_SECONDS old."""
    from service.store import sql

    after = _three_stories_then_rerated(store, table, tmp_path)

    def dying(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the process died")

    # (after its claims, before any digest is written; one story's failing digest no longer
    # fails the flush: test_digest_recode's test_one_storys_failing_digest_...)
    monkeypatch.setattr(sql.SQLStore, "_flush_chunk", dying)
    with pytest.raises(RuntimeError):
        store.flush_digests(after)
    monkeypatch.undo()
    store._due_digests().clear()  # (a new process: nothing of its own)
    assert store.flush_digests(after) == 0  # claimed a moment ago: not taken
    monkeypatch.setattr(sql, "ORPHAN_DIGEST_SECONDS", -1.0)
    assert store.flush_digests(after) == 3
    assert _rerate_queue(store) == []


def test_two_rerates_at_once_move_a_thinned_storys_counts_once(
    store: Any,
    store_factory: StoreFactory,
    table: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two writers taking up the same new ratings at once (two PostgreSQL workers started
    together): each read the sides of a thinned story's articles before its transaction, so
    the second moved Right Daily's count to center again after the first had ({'center': 3}
    for 2 centre outlets)."""

    _three_stories(store, table)
    store.prune_articles(1_741_000_000.5)  # st-*'s Left Paper article goes; counts are kept
    assert store.story("st-1").outlets_by_side == {"left": 1, "center": 1, "right": 1}
    after = _ratings_with(tmp_path, RIGHT_DAILY_CENTER)
    other = store_factory()
    original = type(store)._writing
    raced: list[int] = []

    def racing(self: Any, conn: Any) -> Any:
        if self is store and not raced:
            raced.append(other.rerate(after))  # the other writer's whole pass first
        return original(self, conn)

    monkeypatch.setattr(type(store), "_writing", racing)
    store.rerate(after)
    assert raced
    for story in ("st-1", "st-2", "st-3"):
        assert store.story(story).outlets_by_side == {"left": 1, "center": 2, "right": 0}


def _bridge_follow_up(story: str, host: str = "rightdaily.com", side: str = "right") -> Any:
    """A later article of `host` in `story` (the digest's sample changes), stored as a writer
    on the fixture's ratings files it (`side`)."""
    from service.store.base import NewArticle

    return NewArticle(
        key=f"https://{host}/{story}-repairs",
        title=f"Bridge repairs will cost taxpayers millions ({story})",
        text="The council approved the repair budget on Monday. Critics called it wasteful.",
        url=f"https://{host}/{story}-repairs",
        outlet_id=host,
        side=side,
        published=1_741_000_900.0,
        story_id=story,
    )


def test_a_writer_on_replaced_ratings_moves_no_side_back(
    store: Any, store_factory: StoreFactory, table: Any, tmp_path: Path
) -> None:
    """Two processes on one store, one restarted after an import (Right Daily now center), the
    other still on the old ratings: the old one's start (rerate) moved every Right Daily
    article back to right, and each of its batches stored right and made digests under the
    old ratings, until the new one restarted and moved them again. The store now keeps the
    order writers took up ratings in: the old writer moves nothing back, and stores and
    digests its batches with the sides recorded for the newest."""
    from service.store.base import Batch

    before = _three_stories(store, table)
    after = _three_stories_then_rerated(store, table, tmp_path)
    while store.flush_digests(after):
        pass
    old: Any = store_factory()  # the process still on the old ratings
    assert old.rerate(before) == 0
    old.commit(Batch(articles=[_bridge_follow_up("st-1")], ratings=before))
    old.flush_digests(before)
    assert old.article_by_key("https://rightdaily.com/st-1-repairs").side == "center"
    for story in ("st-1", "st-2", "st-3"):
        row = old.story(story)
        assert row.outlets_by_side == {"left": 1, "center": 2}, story
        assert row.digest["sides"]["rightdaily.com"] == "center"
        assert after.holds(row.digest), (story, row.digest["sides"])
        center = 3 if story == "st-1" else 2  # (articles: Right Daily has two in st-1)
        assert _framing_sides(row.digest["framing"]) == {"left": 1, "center": center}
    assert store.cursor("digest_ratings") == after.version
    assert store.rerate(after) == 0  # the newer writer's next start finds nothing to do


def test_a_digest_made_under_ratings_replaced_meanwhile_is_not_written(
    store: Any,
    store_factory: StoreFactory,
    table: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flush on the old ratings that was making its digests while a newer writer took up
    its ratings wrote them after the newer one had queued those stories (the same sample
    wanted), and cleared the queue's marks: the old framing stayed stored for good."""
    from service.coverage.summary import story_digest as original
    from service.store import sql
    from service.store.base import Batch

    before = _three_stories(store, table)
    store.commit(
        Batch(
            articles=[_bridge_follow_up(s) for s in ("st-1", "st-2", "st-3")],
            ratings=before,
            defer_digests=True,
        )
    )
    newer: Any = store_factory()
    after = _ratings_with(tmp_path, RIGHT_DAILY_CENTER)
    taken: list[int] = []

    def racing(articles: Any, *rest: Any) -> Any:
        if not taken:
            taken.append(newer.rerate(after))  # the newer writer starts meanwhile
        return original(articles, *rest)

    monkeypatch.setattr(sql, "story_digest", racing)
    store.flush_digests(before)
    monkeypatch.undo()
    assert taken == [3]
    while newer.flush_digests(after):
        pass
    for story in ("st-1", "st-2", "st-3"):
        row = newer.story(story)
        assert after.holds(row.digest), (story, row.digest["sides"])
        assert row.digest["sides"]["rightdaily.com"] == "center"


def test_an_upgraded_store_knows_its_ratings_and_their_sides(
    store_factory: StoreFactory, table: Any, tmp_path: Path
) -> None:
    """A store from before the ratings log starts it with the ratings its cursor names and the
    sides its articles are stored with; ratings it never saw are not taken for older."""
    store: Any = store_factory()
    before = _three_stories(store, table)
    conn = store._conn()
    conn.execute("DROP TABLE ratings_log")
    conn.execute("DROP TABLE rated_sides")
    conn.execute("DROP INDEX stories_keyset")  # (version 13's)
    conn.execute("DELETE FROM schema_version WHERE version >= 11")
    store.close()
    again: Any = store_factory()
    conn = again._conn()
    assert [tuple(r) for r in conn.execute("SELECT version FROM ratings_log")] == [
        (before.version,)
    ]
    assert dict(tuple(r) for r in conn.execute("SELECT outlet_id, side FROM rated_sides")) == {
        "leftpaper.com": "left",
        "rightdaily.com": "right",
        "centerwire.com": "center",
    }
    after = _ratings_with(tmp_path, RIGHT_DAILY_CENTER)
    assert again.rerate(after) == 3
    assert again.rerate(before) == 0  # replaced now


# Another event, covered by the right alone: a blindspot (the left did not cover it).
TAX_VOTE = {
    host: (
        f"{name}: council passes harbor levy over objections",
        "The Harbor City council passed a new levy on shipping containers late on Thursday,"
        f" {name} reported. Port operators said the levy would raise freight costs sharply.",
    )
    for host, name in (
        ("rightdaily.com", "Right Daily"),
        ("rightradio.com", "Right Radio"),
        ("righttimes.com", "Right Times"),
    )
}


def test_listings_count_the_sides_under_the_ratings_in_force_before_any_writer_runs(
    service: Service, tmp_path: Path
) -> None:
    """After a ratings change a listing (/v1/stories, the front page, blindspots, an outlet's
    page) showed each story's stored counts by side, made under the old ratings, until a
    writer took the new ones up (an API process restarted before its worker, or one on other
    ratings than the store's): Right Daily, now center, still counted right, and a story only
    the right covered stayed listed as a blindspot."""
    service.start()
    bridge = _ingest_story(service)
    service.engine.ingest(
        [
            RawArticle(title, text, f"https://{host}/levy", published=1_741_090_000.0 + n * 600)
            for n, (host, (title, text)) in enumerate(TAX_VOTE.items())
        ]
    )
    levy = service.engine.store.article_by_key("https://rightradio.com/levy")
    assert levy is not None and levy.story_id not in (None, bridge)
    listed = {s["id"]: s for s in service.get_json("/v1/stories")["stories"]}
    assert listed[levy.story_id]["blindspot"]["side"] == "right"
    _rerate(tmp_path, RIGHT_DAILY_AS_CENTER)
    service.start()  # no batch yet: the store is still at the old ratings
    listed = {s["id"]: s for s in service.get_json("/v1/stories")["stories"]}
    assert listed[bridge]["lean"]["outlets"] == {"left": 1, "center": 2, "right": 0, "unrated": 0}
    assert listed[levy.story_id]["lean"]["outlets"] == {
        "left": 0,
        "center": 1,
        "right": 2,
        "unrated": 0,
    }
    assert listed[levy.story_id]["blindspot"] is None  # 2 of 3: under the 70 % rule
    assert service.get_json("/v1/stories?blindspot=right")["stories"] == []
    assert service.get_json("/v1/stories?blindspot=any")["stories"] == []
    assert "Right Daily" in service.page("/outlets/rightdaily.com")
    assert levy.story_id not in service.page("/blindspots")
    # The writer takes the ratings up: the stored counts say the same.
    service.engine.ingest([])
    stored = service.engine.store.story(levy.story_id)
    assert stored is not None and stored.outlets_by_side == {"center": 1, "right": 2}
    again = {s["id"]: s for s in service.get_json("/v1/stories")["stories"]}
    assert again[bridge]["lean"] == listed[bridge]["lean"]
    assert again[levy.story_id]["lean"] == listed[levy.story_id]["lean"]


def test_rated_rows_move_a_re_sided_outlet_once_in_a_thinned_story(
    store: Any, table: Any, tmp_path: Path
) -> None:
    """A listing under ratings the store has not taken up moves each re-sided outlet that has
    articles in a story, once, also where the counts are a thinned story's kept ones; stories
    without one come back as stored."""
    _three_stories(store, table)
    store.prune_articles(1_741_000_000.5)  # Left Paper's articles go; the counts keep it
    after = _ratings_with(tmp_path, RIGHT_DAILY_CENTER)
    low = _ratings_with(tmp_path, RIGHT_DAILY_LOW, "low")
    rows = store.stories(limit=10, digests=False)
    assert {r.id: r.outlets_by_side for r in store.rated_rows(rows, after)} == {
        s: {"left": 1, "center": 2, "right": 0} for s in ("st-1", "st-2", "st-3")
    }
    assert store.rated_rows(rows, low) == rows  # Right Daily's side did not move
    store.rerate(after)
    assert [r.outlets_by_side for r in store.stories(limit=10, ratings=after)] == [
        {"left": 1, "center": 2, "right": 0}
    ] * 3


def test_a_story_merged_into_another_while_a_rerate_runs_is_counted_under_the_new_side(
    store: Any,
    store_factory: StoreFactory,
    table: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rerate lists the stories of the re-sided outlets' articles first, then re-sides and
    refreshes them chunk by chunk, and re-sides whatever articles are left at the end without
    refreshing their stories: st-1 merged by another writer into a story rerate had not
    listed (st-4) brought Right Daily's article there, re-sided at the end, with st-4 still
    counting it right for good (the store's cursor said it was at the new ratings)."""
    from service.store import sql
    from service.store.base import Batch, NewArticle

    before = _three_stories(store, table)
    title, text = COVERAGE["leftpaper.com"]
    store.commit(
        Batch(
            articles=[
                NewArticle(
                    key="https://leftpaper.com/st-4",
                    title=f"{title} (st-4)",
                    text=text,
                    url="https://leftpaper.com/st-4",
                    outlet_id="leftpaper.com",
                    side="left",
                    published=1_741_000_000.0,
                    story_id="st-4",
                )
            ],
            ratings=before,
        )
    )
    after = _ratings_with(tmp_path, RIGHT_DAILY_CENTER)
    other = store_factory()
    original = sql.SQLStore._unheld_digests
    merged: list[int] = []

    def merging(self: Any, *args: Any) -> Any:
        if not merged:  # another writer (on the new ratings too) merges meanwhile
            merged.append(1)
            other.commit(Batch(merges=[("st-1", "st-4")], ratings=after))
        return original(self, *args)

    monkeypatch.setattr(sql.SQLStore, "_unheld_digests", merging)
    store.rerate(after)
    assert merged
    assert store.resolve_story("st-1") == "st-4"
    row = store.story("st-4")
    assert row.outlets_by_side == {"left": 1, "center": 2}
    assert row.blindspot is None
    assert store.article_by_key("https://rightdaily.com/st-1").side == "center"


def test_a_ratings_table_without_an_outlet_counts_and_frames_it_unrated(
    store: Any, table: Any, tmp_path: Path
) -> None:
    """An outlet the new table no longer has is unrated: its articles, the counts, the
    digests' sides and framing follow; a listing before the pass says the same."""
    _three_stories(store, table)
    dropped = _ratings_with(
        tmp_path,
        (
            "rightdaily.com,Right Daily,,digital-native,US,en,right,,mixed,"
            "Right Daily LLC,billionaire,,test fixture,medium,2025-01-01\n",
            "",
        ),
        "dropped",
    )
    assert dropped.side("rightdaily.com") == "unrated"
    listed = store.stories(limit=10, digests=False, ratings=dropped)
    assert [r.outlets_by_side for r in listed] == [
        {"left": 1, "center": 1, "right": 0, "unrated": 1}
    ] * 3
    assert store.rerate(dropped) == 3
    while store.flush_digests(dropped):
        pass
    for story in ("st-1", "st-2", "st-3"):
        row = store.story(story)
        assert row.outlets_by_side == {"left": 1, "center": 1, "unrated": 1}
        assert row.digest["sides"]["rightdaily.com"] == "unrated"
        assert _framing_sides(row.digest["framing"]) == {"left": 1, "center": 1}
        assert dropped.holds(row.digest)


def test_stories_deleted_or_merged_away_while_queued_leave_the_queue(
    store: Any, table: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story the re-rating queued (or a flush claimed) that `parallax delete` empties, or
    that a merge takes away, leaves no entry behind, and the rest are made."""
    from service.coverage.summary import story_digest as real
    from service.store import sql
    from service.store.base import Batch

    after = _three_stories_then_rerated(store, table, tmp_path)
    monkeypatch.setattr(sql, "RERATE_PER_FLUSH", 1)

    def deleting(articles: Any, *rest: Any) -> Any:  # st-1 is claimed: delete it meanwhile
        for host in COVERAGE:
            store.delete_articles(f"https://{host}/st-1")
        return real(articles, *rest)

    monkeypatch.setattr(sql, "story_digest", deleting)
    store.flush_digests(after)
    monkeypatch.setattr(sql, "story_digest", real)
    assert store.story("st-1") is None
    store.commit(Batch(merges=[("st-2", "st-3")], ratings=after))
    for _ in range(3):
        store.flush_digests(after)
    assert _rerate_queue(store) == []
    row = store.story("st-3")
    assert store.resolve_story("st-2") == "st-3"
    assert row.outlets_by_side == {"left": 1, "center": 2}
    assert after.holds(row.digest)


def test_a_listing_on_the_old_ratings_is_right_while_a_newer_pass_is_half_done(
    store: Any, table: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newer writer's pass re-sides story by story and moves the store's cursor last: a
    reader on the old ratings (the cursor still its own) took the stored counts as its own and
    listed the stories already done under the new sides."""
    from service.store import sql

    before = _three_stories(store, table)
    after = _ratings_with(tmp_path, RIGHT_DAILY_CENTER)
    monkeypatch.setattr(sql, "REFRESH_CHUNK", 1)
    real = sql.SQLStore._rerate_chunk
    done: list[int] = []

    def stopping(self: Any, *args: Any) -> int:
        if done:
            raise RuntimeError("the newer writer stopped")
        done.append(1)
        return real(self, *args)

    monkeypatch.setattr(sql.SQLStore, "_rerate_chunk", stopping)
    with pytest.raises(RuntimeError):
        store.rerate(after)
    assert store.story("st-1").outlets_by_side == {"left": 1, "center": 2}  # done
    assert store.cursor("digest_ratings") == before.version
    listed = store.stories(limit=10, digests=False, ratings=before)
    assert [r.outlets_by_side.get("right") for r in listed] == [1, 1, 1]
    assert [r.outlets_by_side["center"] for r in listed] == [1, 1, 1]
    listed = store.stories(limit=10, digests=False, ratings=after)
    assert [r.outlets_by_side["center"] for r in listed] == [2, 2, 2]


RIGHT_RADIO_CENTER = (
    "rightradio.com,Right Radio,,radio,US,en,lean-right,",
    "rightradio.com,Right Radio,,radio,US,en,center,",
)


def test_an_outlet_first_stored_by_a_writer_on_replaced_ratings_gets_the_newest_side(
    store: Any, store_factory: StoreFactory, table: Any, tmp_path: Path
) -> None:
    """The store records the newest ratings' side of the outlets it had when they were taken
    up: an outlet first stored afterwards by a writer still on the old ratings (Right Radio,
    now center) was stored with that writer's side, and nothing ever moved it: its story
    counted it right under the newest ratings for good. The newest writer's next commit now
    gives it its side, and re-sides and recounts what the old writer stored."""
    from service.store.base import Batch

    before = _three_stories(store, table)
    after = _ratings_with(tmp_path, RIGHT_RADIO_CENTER)
    store.rerate(after)
    old: Any = store_factory()  # still on the old ratings
    radio = _bridge_follow_up("st-1", "rightradio.com", "right")
    old.commit(Batch(articles=[radio], ratings=before))
    assert old.story("st-1").outlets_by_side == {"left": 1, "center": 1, "right": 2}
    store.commit(Batch(ratings=after))  # the newest writer's next batch (anything)
    assert store.article_by_key(radio.key).side == "center"
    row = store.story("st-1")
    assert row.outlets_by_side == {"left": 1, "center": 2, "right": 1}
    while store.flush_digests(after):
        pass
    assert after.holds(store.story("st-1").digest)
    # The old writer now stores Right Radio under the newest's side at once.
    old.commit(
        Batch(articles=[_bridge_follow_up("st-2", "rightradio.com", "right")], ratings=before)
    )
    assert old.story("st-2").outlets_by_side == {"left": 1, "center": 2, "right": 1}


@pytest.mark.parametrize("made_by", ["another version", None])
def test_a_digest_another_version_of_the_code_made_is_made_again_by_readers(
    service: Service, made_by: str | None
) -> None:
    # After an upgrade the writer remakes a story's digest only when the story next changes;
    # until then a reader showed the old code's points (before this session's readable points:
    # quotation fragments, questions) on every story nothing new joined.
    service.start()
    story_id = _ingest_story(service)
    store: Any = service.engine.store
    made = store.story(story_id)
    assert made is not None and made.digest is not None
    assert made.digest["code"] == digest_code.current()
    old_point = {**made.digest["key_points"][0], "text": "Why did the bridge close?"}
    old = {**made.digest, "key_points": [old_point]}
    if made_by is None:
        del old["code"]  # (as every digest stored before digests named their code)
    else:
        old["code"] = made_by
    _store_digest(store, story_id, old)
    service.start()
    shown = service.get_json(f"/v1/stories/{story_id}")["key_points"]
    assert [p["text"] for p in shown] == [p["text"] for p in made.digest["key_points"]]
    assert "Why did the bridge close?" not in service.page(f"/stories/{story_id}")


def test_a_digest_this_version_made_is_served_as_stored(service: Service) -> None:
    service.start()
    story_id = _ingest_story(service)
    store: Any = service.engine.store
    made = store.story(story_id)
    assert made is not None and made.digest is not None
    point = {**made.digest["key_points"][0], "text": "A point exactly as the writer stored it."}
    kept = {**made.digest, "key_points": [point]}
    _store_digest(store, story_id, kept)
    service.start()
    shown = service.get_json(f"/v1/stories/{story_id}")["key_points"]
    assert [p["text"] for p in shown] == ["A point exactly as the writer stored it."]
