"""Story answers kept by the story's version (Engine.snapshot, web.story_bodies): served again
without reading or encoding the story, and fresh the moment the story changes, whoever changed
it (this process, another process on the same store, a deletion, a prune)."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.coverage.engine import Engine, RawArticle
from service.coverage.runtime import engine
from service.store import open_store
from service.web.story_bodies import StoryBodies, encoded_json, json_with, story_bodies

pytestmark = pytest.mark.backends("sqlite", "postgresql")

T0 = 1_741_000_000.0
BARRIER = "Harbor city council voted 7-2 to fund the Eastside flood barrier, a $40 million plan."
LATE_TITLE = "Harbor flood barrier construction contract goes to Eastside firm"


def _seed(app: Flask) -> str:
    eng = engine(app)
    eng.ingest(
        [
            RawArticle(
                "Harbor council approves Eastside flood barrier",
                BARRIER,
                "https://leftpaper.com/barrier",
                published=T0,
            ),
            RawArticle(
                "Harbor council passes Eastside flood barrier plan",
                BARRIER,
                "https://rightdaily.com/barrier",
                published=T0 + 600,
            ),
        ]
    )
    art = eng.store.article_by_key("https://leftpaper.com/barrier")
    assert art is not None and art.story_id is not None
    return art.story_id


def _late(eng: Engine, url: str = "https://centerwire.com/barrier-contract") -> None:
    eng.ingest([RawArticle(LATE_TITLE, BARRIER, url, published=T0 + 1200)])


def _reads(client: FlaskClient, story_id: str) -> dict[str, Any]:
    """Every answer that shows the story, as a reader gets them."""
    story = client.get(f"/v1/stories/{story_id}")
    page = client.get(f"/stories/{story_id}")
    related = client.get("/v1/related?url=https://leftpaper.com/barrier")
    score = client.get("/v1/score?url=https://rightdaily.com/barrier")
    for response in (story, page, related, score):
        assert response.status_code == 200
    return {
        "story": story.get_json(),
        "story_bytes": story.data,
        "etag": story.headers["ETag"],
        "page": page.data.decode(),
        "related": related.get_json(),
        "score": score.get_json(),
    }


def test_a_story_is_served_again_from_its_version_and_changes_with_it(
    coverage_app: Flask,
) -> None:
    story_id = _seed(coverage_app)
    client = coverage_app.test_client()
    bodies = story_bodies(coverage_app)
    first = _reads(client, story_id)
    made = bodies.served["made"]
    again = _reads(client, story_id)
    # Nothing was encoded or rendered again: the same bytes, from the process's cache.
    assert bodies.served["made"] == made and bodies.served["l1"] >= 3
    assert again["story_bytes"] == first["story_bytes"] and again["page"] == first["page"]
    assert first["related"]["match"] == "stored" and first["related"]["story"] == first["story"]
    assert first["story"]["article_count"] == 2 and LATE_TITLE not in first["page"]
    # A client holding the JSON revalidates it for one row read.
    assert (
        client.get(f"/v1/stories/{story_id}", headers={"If-None-Match": first["etag"]}).status_code
        == 304
    )

    _late(engine(coverage_app))
    changed = _reads(client, story_id)
    assert changed["etag"] != first["etag"]
    assert changed["story"]["article_count"] == 3
    assert LATE_TITLE in changed["page"]
    assert changed["related"]["story"] == changed["story"]
    assert LATE_TITLE in [a["title"] for a in changed["score"]["story"]["related"]]
    # The old ETag now gets the new story.
    assert (
        client.get(f"/v1/stories/{story_id}", headers={"If-None-Match": first["etag"]}).get_json()
        == changed["story"]
    )


def test_another_process_change_is_seen_at_once(coverage_app: Flask, tmp_path: Path) -> None:
    """A worker elsewhere writes the store: this process has no hook for it, only the version
    it reads per request."""
    story_id = _seed(coverage_app)
    client = coverage_app.test_client()
    before = _reads(client, story_id)
    eng = engine(coverage_app)
    other_store = open_store(
        coverage_app.config["DATA_DIR"], coverage_app.config.get("DATABASE_URL", "")
    )
    try:
        _late(Engine(other_store, eng.ratings))
    finally:
        other_store.close()
    after = _reads(client, story_id)
    assert after["story"]["article_count"] == 3 and LATE_TITLE in after["page"]
    assert after["etag"] != before["etag"]


def test_deleting_and_pruning_articles_change_the_kept_story(coverage_app: Flask) -> None:
    story_id = _seed(coverage_app)
    eng = engine(coverage_app)
    _late(eng)
    client = coverage_app.test_client()
    full = _reads(client, story_id)
    assert full["story"]["article_count"] == 3

    assert eng.store.delete_articles("https://centerwire.com/") == 1
    deleted = _reads(client, story_id)
    assert deleted["story"]["article_count"] == 2 and LATE_TITLE not in deleted["page"]

    eng.store.prune_articles(T0 + 300)  # the oldest article goes; the story keeps its count
    pruned = client.get(f"/v1/stories/{story_id}").get_json()
    assert pruned["retention"] == {"articles_removed": 1, "articles_kept": 1}
    # (the headline stays: retention keeps it) the removed article's link is gone
    assert "https://leftpaper.com/barrier" in deleted["page"]
    assert "https://leftpaper.com/barrier" not in client.get(f"/stories/{story_id}").data.decode()


def test_a_merged_story_id_answers_for_its_survivor(coverage_app: Flask) -> None:
    story_id = _seed(coverage_app)
    eng = engine(coverage_app)
    with eng.store.writer_lock():
        eng.store._run(  # type: ignore[attr-defined]
            eng.store._conn(),  # type: ignore[attr-defined]
            "INSERT INTO story_aliases (old_id, new_id) VALUES (?, ?)",
            ("st-gone", story_id),
        )
    client = coverage_app.test_client()
    survivor = client.get(f"/v1/stories/{story_id}").get_json()
    merged = client.get("/v1/stories/st-gone").get_json()
    assert merged == {**survivor, "merged_from": "st-gone"}
    assert client.get(f"/v1/stories/{story_id}").get_json() == survivor  # not the merged copy


def test_a_kept_body_splices_exactly_as_jsonify_encodes(coverage_app: Flask) -> None:
    with coverage_app.app_context():
        inner = {"id": "st-1", "title": 'Ünïcode \u2028 "quoted"', "n": [1, 2.5, None]}
        payload: dict[str, Any] = {
            "url": "https://a.example/x",
            "match": "stored",
            "story": None,
            "candidates": [],
        }
        spliced = json_with(payload, "story", encoded_json(inner))
        assert spliced == encoded_json({**payload, "story": inner})
        # A payload value that holds the slot's own text is encoded whole instead.
        hostile = {**payload, "url": "\x00parallax-kept-body\x00"}
        assert json.loads(json_with(hostile, "story", encoded_json(inner))) == {
            **hostile,
            "story": inner,
        }


@pytest.mark.backends("sqlite")
def test_redis_shares_kept_bodies_between_processes_and_a_dead_one_costs_nothing() -> None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    key = f"test:{uuid.uuid4().hex}"
    one, two = StoryBodies("redis://127.0.0.1:6379/0"), StoryBodies("redis://127.0.0.1:6379/0")
    assert one.body(key, lambda: b"made once") == b"made once"
    assert two.body(key, lambda: b"made twice") == b"made once"  # another host's
    assert two.served == {"l1": 0, "l2": 1, "made": 0}
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    dead = StoryBodies(f"redis://127.0.0.1:{port}/0")
    assert dead.body(key, lambda: b"made here") == b"made here"
    assert dead.body(key, lambda: b"not again") == b"made here"  # its own level still serves


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        '"' + "x" * 8000 + '"',
        'W/"", *, , ,"unterminated',
        "\u00e9t\u00e9-\u00ff",
        '"' + "\u00e9" * 50 + '"',
    ],
)
def test_a_hostile_if_none_match_gets_the_story_not_an_error(
    coverage_app: Flask, value: str
) -> None:
    """The ETag revalidation is a new entrance: whatever a client sends there gets the story
    (200) or a 304, never a 5xx."""
    story_id = _seed(coverage_app)
    client = coverage_app.test_client()
    response = client.get(f"/v1/stories/{story_id}", headers={"If-None-Match": value})
    assert response.status_code == 200
    assert response.get_json()["id"] == story_id
