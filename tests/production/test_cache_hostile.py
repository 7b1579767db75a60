"""The response cache against what Redis may hold and what clients send (session 11): an entry
this code did not write is a miss, never a 500 or an empty 200; answers made from other ratings
are not served; If-None-Match in every form gives the view's own answer."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from flask import Flask

from service.coverage.engine import RawArticle
from service.coverage.runtime import engine
from service.web.response_cache import CACHE_EXTENSION
from tests.production.conftest import OUTLETS_CSV, REDIS_URL, make_app
from tests.production.test_hardening import redis_or_skip
from tests.support.ratings import write_ratings


def _story_app(tmp_path: Path, **config: object) -> tuple[Flask, str]:
    app = make_app(tmp_path, RESPONSE_CACHE_SECONDS=30, **config)
    engine(app).ingest(
        [
            RawArticle(
                title="Harbor council approves the flood barrier", url="https://leftpaper.com/a"
            ),
            RawArticle(
                title="Harbor council approves flood barrier plan", url="https://rightdaily.com/b"
            ),
        ]
    )
    story_id = app.test_client().get("/v1/stories").get_json()["stories"][0]["id"]
    return app, f"/v1/stories/{story_id}"


def _written_key(shared: redis.Redis, path: str, body: bytes) -> str:
    """The Redis key under which this app wrote `body` for `path` (found by its value, as
    tests of other worktrees share the server)."""
    for key in shared.scan_iter(match=f"parallax:resp2:GET:{path}:*", count=1000):
        value: bytes | None = shared.get(key)  # type: ignore[assignment]
        if value is not None and value.endswith(b"\n" + body):
            return bytes(key).decode()
    raise AssertionError(f"no entry for {path}")


@pytest.mark.parametrize(
    "entry",
    [
        b"no newline: a value another program left",
        b"\xff\xfe\n{}",  # a validator that is not ASCII: a 500 before
        b'"\x01"\n{}',  # a control character in the validator
        b"",
        b"\n",
        b'"abc"\n',  # a validator and no body: an empty 200 before
        b'not-quoted\n{"stories": []}',
    ],
)
def test_a_redis_entry_this_code_did_not_write_is_a_miss(tmp_path: Path, entry: bytes) -> None:
    shared = redis_or_skip()
    app, url = _story_app(tmp_path, REDIS_URL=REDIS_URL)
    client = app.test_client()
    fresh = client.get(url)
    assert fresh.status_code == 200 and fresh.headers["X-Cache"] == "miss"
    key = _written_key(shared, url, fresh.data)
    app.extensions[CACHE_EXTENSION].clear()
    shared.set(key, entry, ex=30)
    try:
        again = client.get(url)
        assert again.status_code == 200 and again.headers["X-Cache"] == "miss"
        assert again.data == fresh.data and again.headers["ETag"] == fresh.headers["ETag"]
        revalidated = client.get(url, headers={"If-None-Match": fresh.headers["ETag"]})
        assert revalidated.status_code == 304
    finally:
        shared.delete(key)


def test_an_answer_cached_under_other_ratings_is_not_served(tmp_path: Path) -> None:
    shared = redis_or_skip()
    path = f"/v1/score?url=leftpaper.com/{uuid.uuid4().hex}"
    before = make_app(tmp_path / "a", RESPONSE_CACHE_SECONDS=30, REDIS_URL=REDIS_URL)
    rerated = OUTLETS_CSV.replace(
        "leftpaper.com,Left Paper,,newspaper,US,en,lean-left,",
        "leftpaper.com,Left Paper,,newspaper,US,en,center,",
    )
    assert rerated != OUTLETS_CSV
    after = make_app(
        tmp_path / "b",
        RESPONSE_CACHE_SECONDS=30,
        REDIS_URL=REDIS_URL,
        RATINGS_DIR=str(write_ratings(tmp_path / "rerated", rerated)),
    )
    try:
        old = before.test_client().get(path)
        assert old.headers["X-Cache"] == "miss"
        new = after.test_client().get(path)
        # Another host (or this one before its restart) cached the old lean: not this answer.
        assert new.headers["X-Cache"] == "miss" and new.data != old.data
        assert new.get_json()["outlet"]["lean"]["label"] == "center"
    finally:
        for key in shared.scan_iter(match=f"parallax:resp2:GET:{path.split('?')[0]}:*"):
            if path.split("/")[-1].encode() in (shared.get(key) or b""):
                shared.delete(key)


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("{etag}", 304),
        ('"other", {etag}', 304),
        ("W/{etag}", 304),  # If-None-Match compares weakly (RFC 9110 13.1.2)
        ("*", 304),
        ('"other"', 200),
        (" , ,", 200),
        ("W/", 200),
        ("\x00", 200),
        ('"x"' * 2500, 200),  # 7.5 KB: near the request-line ceiling gunicorn keeps
        ("{etag}" + "," * 4000, 304),
    ],
)
def test_if_none_match_gets_the_views_own_answer_from_a_cached_story(
    tmp_path: Path, header: str, status: int
) -> None:
    app, url = _story_app(tmp_path)
    client = app.test_client()
    first = client.get(url)
    etag = first.headers["ETag"]
    value = header.replace("{etag}", etag)
    cached = client.get(url, headers={"If-None-Match": value})
    assert cached.headers["X-Cache"] == "hit-l1"
    assert cached.status_code == status
    assert cached.data == (first.data if status == 200 else b"")
    assert cached.headers["ETag"] == etag
    app.extensions[CACHE_EXTENSION].clear()
    uncached = client.get(url, headers={"If-None-Match": value})
    assert uncached.status_code == status  # the view answers alike


@pytest.mark.parametrize(
    "headers",
    [
        {"Range": "bytes=0-10"},
        {"Range": "bytes=999999-"},
        {"Range": "bytes=oops"},
        {"If-Modified-Since": "Mon, 01 Jan 2100 00:00:00 GMT"},
        {"If-Modified-Since": "not a date"},
        {"If-Match": '"nothing"'},
        {"If-Match": "*"},
        {"If-Unmodified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"},
    ],
)
def test_a_cached_story_answers_other_conditions_as_the_view_does(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    app, url = _story_app(tmp_path)
    client = app.test_client()
    assert client.get(url).headers["X-Cache"] == "miss"
    cached = client.get(url, headers=headers)
    assert cached.headers["X-Cache"] == "hit-l1"
    app.extensions[CACHE_EXTENSION].clear()
    view = client.get(url, headers=headers)
    assert cached.status_code < 500 and view.status_code < 500
    assert (cached.status_code, cached.data) == (view.status_code, view.data)
