"""The `parallax cluster`, `parallax ingest` (file and feeds) commands and background ingest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask

from service.app import create_app
from service.cli.coverage import cluster, ingest

FEEDS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"

ARTICLES = [
    {
        "id": "a1",
        "title": "Harbor council approves Eastside flood barrier",
        "text": "The council voted 7-2 to fund the $40 million Eastside flood barrier.",
        "published": "2025-03-04T10:00:00Z",
        "outlet": "Left Paper",
    },
    {
        "id": "a2",
        "title": "Orchestra cancels twelve-city spring tour",
        "text": "The state orchestra cancelled its spring tour after an arts grant fell through.",
        "published": "2025-03-04T10:30:00Z",
    },
    {
        "id": "a3",
        "title": "Harbor council passes Eastside flood barrier plan",
        "text": "Council members voted 7-2 for the $40 million Eastside flood barrier.",
        "published": "2025-03-04T11:00:00Z",
        "url": "https://rightdaily.com/barrier",
    },
]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_cluster_prints_a_story_per_line_in_file_order(tmp_path: Path) -> None:
    result = CliRunner().invoke(cluster, [str(write_jsonl(tmp_path / "a.jsonl", ARTICLES))])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [r["id"] for r in rows] == ["a1", "a2", "a3"]
    assert rows[0]["story"] == rows[2]["story"] != rows[1]["story"]


def test_cluster_reports_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "title": "ok"}\n{"id": "y"}\n', encoding="utf-8")
    result = CliRunner().invoke(cluster, [str(bad)])
    assert result.exit_code == 1
    assert "line 2: 'title' must be a non-empty string" in result.output
    dup = write_jsonl(tmp_path / "dup.jsonl", [ARTICLES[0], ARTICLES[0]])
    result = CliRunner().invoke(cluster, [str(dup)])
    assert result.exit_code == 1 and "appears twice" in result.output
    result = CliRunner().invoke(cluster, [str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_cluster_clusters_an_untitled_article_on_its_text_and_warns(tmp_path: Path) -> None:
    untitled = {
        "id": "a4",
        "text": "The harbor council voted 7-2 on Tuesday to fund the $40 million Eastside flood "
        "barrier. Work starts in May.",
        "published": "2025-03-04T12:00:00Z",
    }
    blank = {**untitled, "id": "a5", "title": "  ", "published": "2025-03-04T12:10:00Z"}
    path = write_jsonl(tmp_path / "a.jsonl", [*ARTICLES, untitled, blank])
    result = CliRunner().invoke(cluster, [str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2", "a3", "a4", "a5"]
    assert rows[3]["story"] == rows[4]["story"] == rows[0]["story"] != rows[1]["story"]
    assert "2 articles had no title and were clustered on their text (lines 4, 5)" in result.stderr
    # Neither a title nor a text is still an error that names the line.
    empty = write_jsonl(tmp_path / "b.jsonl", [ARTICLES[0], {"id": "z", "text": " "}])
    result = CliRunner().invoke(cluster, [str(empty)])
    assert result.exit_code == 1 and "line 2: 'title' must be a non-empty string" in result.output


def test_ingest_file_stores_and_is_idempotent(coverage_app: Flask, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    with coverage_app.app_context():
        first = CliRunner().invoke(ingest, ["--file", str(path)])
        assert first.exit_code == 0, first.output
        assert json.loads(first.output)["added"] == 3
        path.write_text(path.read_text() + "\n", encoding="utf-8")  # a new file version
        second = CliRunner().invoke(ingest, ["--file", str(path)])
        body = json.loads(second.output)
        assert (body["added"], body["duplicates"], body["articles_stored"]) == (0, 3, 3)
        bad = tmp_path / "bad.jsonl"
        bad.write_bytes(b'{"id": "z", "title": "\xff"}\n')
        result = CliRunner().invoke(ingest, ["--file", str(bad)])
        assert result.exit_code == 1 and "not UTF-8" in result.output


def feeds_app(tmp_path: Path, server: Any, write_ratings: Any, **config: Any) -> Flask:
    server.add("/rss.xml", body=(FEEDS_DIR / "rss2.xml").read_bytes(), etag='"v1"')
    server.add("/broken.xml", body=(FEEDS_DIR / "broken.xml").read_bytes())
    ratings = write_ratings(
        tmp_path / "feeds-ratings",
        [
            ("leftpaper.com", server.url("/rss.xml", "localhost")),
            ("centerwire.com", server.url("/broken.xml", "localhost")),
        ],
    )
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "RATINGS_DIR": str(ratings),
            "INGEST_ENABLED": False,
            "FEEDS_ALLOW_PRIVATE": True,
            **config,
        }
    )


def test_ingest_pulls_every_feed_once(tmp_path: Path, server: Any, make_ratings: Any) -> None:
    app = feeds_app(tmp_path, server, make_ratings)
    with app.app_context():
        result = CliRunner().invoke(ingest, [])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["feeds"] == 2 and body["ok"] == 1 and body["added"] == 2
    assert len(body["errors"]) == 1 and "malformed" in body["errors"][0]["error"]


def test_feeds_on_private_addresses_need_the_operators_consent(
    tmp_path: Path, server: Any, make_ratings: Any
) -> None:
    app = feeds_app(tmp_path, server, make_ratings, FEEDS_ALLOW_PRIVATE=False)
    with app.app_context():
        result = CliRunner().invoke(ingest, [])
    body = json.loads(result.stdout)
    assert body["ok"] == 0 and len(body["errors"]) == 2
    assert all("loopback" in e["error"] for e in body["errors"])
    assert server.requests == []
    # Every feed failed: exit 1 with one line saying why.
    assert result.exit_code == 1
    assert "all 2 feeds failed: their hosts resolve to private addresses" in result.stderr
    assert "PARALLAX_FEEDS_ALLOW_PRIVATE=1" in result.stderr


def test_cluster_keeps_unrelated_undated_articles_apart(tmp_path: Path) -> None:
    """Articles without dates must not all be given the same time (the time they were read),
    which would hand each the same recency bonus and glue unrelated stories together."""
    # Six different events on one beat: they share words, as stories of one beat always do.
    topics = [
        (
            "Senate passes infrastructure bill",
            "The Senate passed the infrastructure bill Trump opposed on a vote of 69 to 30.",
        ),
        (
            "Trump rally draws protest in Ohio",
            "Protesters gathered outside a Trump rally in Ohio as the Senate race tightened.",
        ),
        (
            "Senate confirms new labor secretary",
            "The Senate confirmed the labor secretary after Trump allies dropped a hold.",
        ),
        (
            "Trump sues over tax records release",
            "Trump sued to stop the release of his tax records to a Senate committee.",
        ),
        (
            "Senate hearing on border wall funding",
            "A Senate hearing examined border wall money Trump had moved from the military.",
        ),
        (
            "Trump endorses challenger in primary",
            "Trump endorsed a primary challenger to a Republican senator who voted against him.",
        ),
    ]
    path = tmp_path / "undated.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"a{i}", "title": t, "text": x}) + "\n"
            for i, (t, x) in enumerate(topics)
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cluster, [str(path)])
    assert result.exit_code == 0, result.output
    stories = [json.loads(line)["story"] for line in result.output.splitlines()]
    assert len(set(stories)) == len(topics)


def test_cluster_says_why_an_article_was_not_clustered(tmp_path: Path) -> None:
    # A javascript: link cannot be an article's URL, and a 3,000-byte id cannot be stored: the
    # run goes on, and each such line says why rather than printing a bare null.
    script = {**ARTICLES[2], "id": "a4", "url": "javascript:alert(1)"}
    long_id = {**ARTICLES[0], "id": "x" * 3000}
    path = write_jsonl(tmp_path / "a.jsonl", [*ARTICLES, script, long_id])
    result = CliRunner().invoke(cluster, [str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2", "a3", "a4", "x" * 3000]
    assert rows[0]["story"] == rows[2]["story"] is not None and "error" not in rows[0]
    assert rows[3]["story"] is None and "javascript:" in rows[3]["error"]
    assert rows[4]["story"] is None and "too long" in rows[4]["error"]
    assert "2 articles were not clustered (lines 4, 5); each one's line says why" in result.stderr
