"""bench.coverage_speed's fingerprint of the digests a run's ingest stored: the same digests
give the same hash whatever their stories' ids or row order, and any changed digest another."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from bench.coverage_speed import digests_hash


def _store(path: Path, rows: list[tuple[str, str | None]]) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE stories (id TEXT PRIMARY KEY, digest TEXT)")
        conn.executemany("INSERT INTO stories (id, digest) VALUES (?, ?)", rows)
    return path


def test_the_same_digests_hash_alike_whatever_their_ids_and_order(tmp_path: Path) -> None:
    a = _store(tmp_path / "a.sqlite3", [("s1", '{"headline": "B"}'), ("s2", '{"headline": "A"}')])
    b = _store(
        tmp_path / "b.sqlite3",
        [("x9", '{"headline": "A"}'), ("x1", '{"headline": "B"}'), ("x2", None)],
    )
    assert digests_hash(a) == digests_hash(b)
    count, sha = digests_hash(a)
    assert count == 2
    assert sha == hashlib.sha256(b'{"headline": "A"}\n{"headline": "B"}').hexdigest()


def test_a_changed_digest_changes_the_hash(tmp_path: Path) -> None:
    a = _store(tmp_path / "a.sqlite3", [("s1", '{"headline": "A"}')])
    b = _store(tmp_path / "b.sqlite3", [("s1", '{"headline": "a"}')])
    assert digests_hash(a)[1] != digests_hash(b)[1]


def test_the_code_that_made_a_digest_is_not_hashed(tmp_path: Path) -> None:
    # "code" (digest_code's hash of the source files) and "sample" (the store's signature of
    # the input, holding that hash) change with any edit: two checkouts that make the same
    # digests must still print the same hash.
    a = _store(
        tmp_path / "a.sqlite3",
        [("s1", '{"code": "aaa", "headline": "A", "sample": "111", "sides": {"o": "left"}}')],
    )
    b = _store(
        tmp_path / "b.sqlite3",
        [("s1", '{"code": "bbb", "headline": "A", "sample": "222", "sides": {"o": "left"}}')],
    )
    c = _store(
        tmp_path / "c.sqlite3",
        [("s1", '{"code": "aaa", "headline": "A", "sample": "111", "sides": {"o": "right"}}')],
    )
    assert digests_hash(a) == digests_hash(b)
    assert digests_hash(a)[1] != digests_hash(c)[1]
