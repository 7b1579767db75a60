"""The SQLite store itself: versioned migrations, WAL, settings, index-backed search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from service.store import open_store
from service.store.base import Batch, FeedState, NewArticle, Store
from service.store.sqlite import MIGRATIONS, SQLiteStore


def test_a_new_file_is_at_the_latest_version_in_wal_mode(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a" / "db.sqlite3")
    assert isinstance(store, Store)
    assert store.schema_version() == len(MIGRATIONS)
    assert store._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_an_old_file_is_migrated_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    first = MIGRATIONS[0]
    assert isinstance(first, str)
    conn.executescript(first)
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute(
        "INSERT INTO articles (key, title, first_seen, at) VALUES (?, 't', 1, 1)",
        ("https://a.example/1",),
    )
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.counts()["articles"] == 1
    store.close()


def test_a_file_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99)")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this code"):
        SQLiteStore(path)


def test_open_store_follows_the_settings(tmp_path: Path) -> None:
    default = open_store(tmp_path / "data")
    assert isinstance(default, SQLiteStore)
    assert default.path == str(tmp_path / "data" / "parallax.sqlite3")
    explicit = open_store(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert isinstance(explicit, SQLiteStore)
    assert explicit.path == str(tmp_path / "x.sqlite3")
    with pytest.raises(ValueError, match="not supported"):
        open_store(tmp_path, "mysql://localhost/test")


def test_search_keeps_the_rarest_words(store: SQLiteStore) -> None:
    articles = [
        NewArticle(
            key=f"https://a.example/{i}",
            title=f"Council meeting {i}",
            first_seen=i,
            story_id=f"s{i}",
        )
        for i in range(30)
    ]
    articles.append(
        NewArticle(
            key="https://a.example/z",
            title="Council meeting on the Zephyrine aqueduct",
            first_seen=99,
            story_id="sz",
        )
    )
    store.commit(Batch(articles=articles))
    assert store.term_frequencies(["council", "zephyrine", "nothing"]) == {
        "council": 31,
        "zephyrine": 1,
    }
    hits = store.search(["The council meeting about Zephyrine"], limit=3)
    assert hits[0][0].key == "https://a.example/z"
    assert store.search(["the and of"]) == []


def test_feed_state_and_cursors_round_trip(store: SQLiteStore) -> None:
    state = FeedState(
        url="https://a.example/feed", etag='"x"', last_modified="Tue", last_status=200
    )
    store.commit(Batch(feed_states=[state], cursors=[("c", "7")]))
    assert store.feed_state(state.url) == state
    assert store.cursor("c") == "7" and store.cursor("other") is None


def test_search_folds_diacritics_like_the_index(store: SQLiteStore) -> None:
    store.commit(
        Batch(
            articles=[NewArticle(key="k", title="Protest in São Paulo", first_seen=1, story_id="s")]
        )
    )
    assert [a.key for a, _ in store.search(["sao paulo"])] == ["k"]
    assert [a.key for a, _ in store.search(["SÃO PAULO"])] == ["k"]


def test_word_counts_stop_at_the_budget(store: SQLiteStore) -> None:
    store.commit(
        Batch(
            articles=[
                NewArticle(key=f"k{i}", title=f"Budget vote {i}", first_seen=i, story_id="s")
                for i in range(20)
            ]
        )
    )
    store.search_budget = 5
    assert store.term_frequencies(["budget", "vote", "absent"]) == {"budget": 6, "vote": 6}
    # Every word is common now: the two rarest are ANDed, which still finds the articles.
    assert len(store.search(["budget vote"], limit=50)) == 20
