"""The HTML pages: the same numbers as the JSON, the demo, the feeds view, errors as pages, and
hostile input (titles, links, query parameters) that can only ever make a 4xx page."""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient

from service.app import create_app
from service.coverage.demo import DEMO_ARTICLES, clear_demo, demo_story_ids, load_demo
from service.coverage.engine import RawArticle
from service.coverage.runtime import engine
from service.ingest.feeds import FeedIngester, FeedSource
from service.ingest.fetch import FetchError
from service.ingest.jsonl import FileFormatError, read_articles
from service.store.base import Batch, NewArticle
from service.web.pages import models
from tests.support.apps import close_store, make_app
from tests.support.stores import BACKENDS

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    with app.app_context():
        result = load_demo(engine(app), time.time())
    assert not result.split_events
    app.extensions["test.demo_stories"] = result.stories
    return app


def _text(body: bytes) -> str:
    """The page's visible text, tags removed and whitespace folded (what a reader reads)."""
    # (an isolate, <bdi>, is inside a line: no space where it starts or ends)
    text = re.sub(r"</?bdi>", "", body.decode("utf-8"))
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(html.unescape(text).split())


def test_story_page_shows_the_numbers_of_the_json(demo_app: Flask, client: FlaskClient) -> None:
    story_id = demo_app.extensions["test.demo_stories"]["barrier"]
    summary = client.get(f"/v1/stories/{story_id}").get_json()
    view = models.story_page(summary)
    lean = summary["lean"]
    # The view model: the JSON's counts and shares, the shares as whole percents.
    assert view.article_count == summary["article_count"] == 12
    assert view.outlet_count == summary["outlet_count"] == 12
    assert {s.key: s.count for s in view.lean.segments} == lean["outlets"]
    assert {s.key: s.percent for s in view.lean.segments} == {
        k: round(v * 100) for k, v in lean["by_outlets"].items()
    }
    assert {s.key: s.percent for s in view.factuality} == {
        k: round(v * 100) for k, v in summary["factuality"].items() if v
    }
    assert {s.key: s.percent for s in view.owner_types} == {
        k: round(v * 100) for k, v in summary["owner_types"].items() if v
    }
    for group in view.groups:
        assert len(group.articles) == len(summary["articles_by_side"][group.side])
        assert group.outlet_count == lean["outlets"][group.side]
    top = max(("left", "center", "right"), key=lambda s: lean["by_outlets"][s])
    assert (
        view.lean_sentence == f"{round(lean['by_outlets'][top] * 100)}% of the sources lean {top}"
    )
    # The page: the same figures in its text.
    page = client.get(f"/stories/{story_id}")
    assert page.status_code == 200
    text = _text(page.data)
    assert view.lean_sentence in text
    for side in ("left", "center", "right"):
        count = lean["outlets"][side]
        label = models.SIDE_LABELS[side]
        assert f"{label}: {round(lean['by_outlets'][side] * 100)}% ({count} sources)" in text
    assert f"{summary['article_count']} articles from {summary['outlet_count']} sources" in text
    first = summary["first_reported_by"]
    assert f"First reported by {first['outlet']['name']}" in text
    for article in (a for group in summary["articles_by_side"].values() for a in group):
        assert article["title"] in text


def test_blindspot_story_and_page(demo_app: Flask, client: FlaskClient) -> None:
    stories = demo_app.extensions["test.demo_stories"]
    audit = client.get(f"/v1/stories/{stories['audit']}").get_json()
    assert audit["blindspot"] == {"side": "right", "covered_by": "right", "missed_by": "left"}
    text = _text(client.get(f"/stories/{stories['audit']}").data)
    assert "Blindspot: this story is covered mostly by sources on the right" in text
    page = client.get("/blindspots").data.decode()
    left_part, right_part = page.split('id="for-right"', 1)
    assert f"/stories/{stories['audit']}" in left_part  # a blindspot for the left
    assert f"/stories/{stories['insulin']}" in right_part
    assert f"/stories/{stories['barrier']}" not in page


def test_demo_is_marked_everywhere_and_clears_exactly(demo_app: Flask, client: FlaskClient) -> None:
    stories = demo_app.extensions["test.demo_stories"]
    assert len(stories) == 5
    eng = engine(demo_app)
    # A real article beside the demo: --clear must leave it.
    eng.ingest(
        [RawArticle(title="Harbor bridge reopens after repairs", url="https://www.reuters.com/a/1")]
    )
    summary = client.get(f"/v1/stories/{stories['barrier']}").get_json()
    assert summary["demo"] is True
    assert all(a["demo"] for side in summary["articles_by_side"].values() for a in side)
    assert all(a["url"] is None for side in summary["articles_by_side"].values() for a in side)
    front = client.get("/").data.decode()
    assert front.count("invented demo story") == 5
    listed = client.get("/v1/stories").get_json()["stories"]
    assert sorted(s["id"] for s in listed if s["demo"]) == sorted(stories.values())
    assert [s["demo"] for s in listed if s["id"] not in stories.values()] == [False]
    story = client.get(f"/stories/{stories['barrier']}").data.decode()
    assert "This is a <strong>demo story</strong>" in story
    assert demo_story_ids(eng.store) == frozenset(stories.values())
    assert eng.store.counts()["articles"] == len(DEMO_ARTICLES) + 1
    assert clear_demo(eng.store) == len(DEMO_ARTICLES)
    assert eng.store.counts() == {"articles": 1, "stories": 1}
    assert eng.store.article_by_key("https://reuters.com/a/1") is not None
    assert demo_story_ids(eng.store) == frozenset()
    assert client.get(f"/stories/{stories['barrier']}", headers=HTML).status_code == 404


def test_demo_cli_loads_twice_and_clears(runner: object, app: Flask) -> None:
    from service.cli import main

    cli = app.test_cli_runner()
    with app.app_context():
        first = cli.invoke(main, ["demo"])
        again = cli.invoke(main, ["demo"])
        cleared = cli.invoke(main, ["demo", "--clear"])
    assert first.exit_code == 0 and f"loaded {len(DEMO_ARTICLES)}" in first.output
    assert "already loaded" in again.output
    assert f"removed {len(DEMO_ARTICLES)} demo articles" in cleared.output
    with app.app_context():
        dated = cli.invoke(main, ["demo", "--now", "2025-10-26T18:00:00Z"])
        bad = cli.invoke(main, ["demo", "--now", "yesterday"])
    assert dated.exit_code == 0
    assert bad.exit_code == 2 and "--now" in bad.output
    with app.app_context():
        latest = engine(app).store.latest_time()
    assert latest == 1761501600.0 - 4 * 3600  # the newest demo article, 4 h before --now


def test_a_running_service_forgets_a_demo_cleared_from_the_command_line(tmp_path: Path) -> None:
    """The service holds the demo's stories in memory; `parallax demo --clear` runs in another
    process. The cleared stories must stay gone: no page, no API answer, and no new article
    filed under a cleared story's id (the clusterer would otherwise still group it there)."""
    data = tmp_path / "data"
    app = make_app(tmp_path, STORE_SUBMITTED_ARTICLES=True)
    client = app.test_client()
    with app.app_context():
        stories = load_demo(engine(app), time.time()).stories
    cleared = set(stories.values())
    env = {**os.environ, "PARALLAX_DATA_DIR": str(data), "PARALLAX_INGEST_ENABLED": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "demo", "--clear"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and f"removed {len(DEMO_ARTICLES)} demo articles" in done.stdout
    barrier = stories["barrier"]
    assert client.get(f"/v1/stories/{barrier}").status_code == 404
    assert client.get(f"/stories/{barrier}", headers=HTML).status_code == 404
    # A real report of the same (invented) event, sent by the extension while the service runs.
    report = {
        "url": "https://www.reuters.com/world/veldmark-barrier-holds",
        "title": "Port Veldmark tidal flood barrier holds back the storm surge",
        "description": "The Port Veldmark tidal flood barrier held against a storm surge "
        "on the Veldmark estuary, officials said.",
    }
    answer = client.post("/v1/articles", json=report).get_json()
    assert answer["stored"] is True
    assert answer["story"]["id"] not in cleared and answer["story"]["article_count"] == 1
    for story_id in cleared:
        assert client.get(f"/v1/stories/{story_id}").status_code == 404, story_id
    assert [s["id"] for s in client.get("/v1/stories").get_json()["stories"]] == [
        answer["story"]["id"]
    ]
    with app.app_context():
        assert engine(app).clusterer.active_stories == 1  # the demo's stories are forgotten


@pytest.mark.parametrize(
    ("environ", "args", "address"),
    [
        ({}, [], "http://127.0.0.1:8000/"),
        ({"PARALLAX_PORT": "8123"}, [], "http://127.0.0.1:8123/"),
        ({"PARALLAX_HOST": "0.0.0.0", "PARALLAX_PORT": "9001"}, [], "http://127.0.0.1:9001/"),
        ({"PARALLAX_HOST": "::", "PARALLAX_PORT": "9001"}, [], "http://[::1]:9001/"),
        ({"PARALLAX_HOST": "news.lan"}, [], "http://news.lan:8000/"),
        (
            {"PARALLAX_PORT": "8123"},
            ["--base-url", "https://news.example/p"],
            "https://news.example/p/",
        ),
    ],
)
def test_demo_points_at_the_address_the_service_is_served_on(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    args: list[str],
    address: str,
) -> None:
    from service.cli import main

    for name in ("PARALLAX_HOST", "PARALLAX_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with app.app_context():
        result = app.test_cli_runner().invoke(main, ["demo", *args])
    assert result.exit_code == 0, result.output
    assert f"see them at {address} (parallax demo --clear" in result.output
    assert f"  barrier    {address}stories/st-" in result.output
    assert "8000" not in result.output or address.endswith(":8000/")


@pytest.mark.parametrize(
    ("environ", "args", "message"),
    [
        (
            {"PARALLAX_PORT": "eighty"},
            [],
            "PARALLAX_PORT='eighty': use a port number from 1 to 65535",
        ),
        ({"PARALLAX_PORT": "70000"}, [], "PARALLAX_PORT='70000'"),
        ({"PARALLAX_HOST": "a b/<x>"}, [], "PARALLAX_HOST='a b/<x>': give a host name"),
        ({}, ["--base-url", "javascript:alert(1)"], "Invalid value for --base-url"),
        ({}, ["--base-url", "http://x/\nforged line"], "Invalid value for --base-url"),
    ],
)
def test_demo_refuses_an_address_it_cannot_print_and_says_what_to_fix(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    args: list[str],
    message: str,
) -> None:
    from service.cli import main

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with app.app_context():
        result = app.test_cli_runner().invoke(main, ["demo", *args])
    assert result.exit_code in (1, 2) and message in result.output, result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert engine(app).store.counts()["articles"] == 0  # refused before loading anything


def test_serve_listens_where_parallax_host_and_port_say(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The address demo prints is the one serve binds: both read PARALLAX_HOST/PARALLAX_PORT."""
    from click.testing import CliRunner

    import service.cli as cli

    bound: list[tuple[str, int]] = []
    monkeypatch.setattr(
        cli, "_run_gunicorn", lambda host, port, workers: bound.append((host, port))
    )
    monkeypatch.setenv("PARALLAX_HOST", "0.0.0.0")
    monkeypatch.setenv("PARALLAX_PORT", "8123")
    monkeypatch.setenv("PARALLAX_INGEST_ENABLED", "0")
    # Set through monkeypatch so serve's own setting of it does not outlive the test.
    monkeypatch.setenv("PARALLAX_METRICS_DIR", str(tmp_path))
    assert CliRunner().invoke(cli.main, ["serve"]).exit_code == 0
    assert CliRunner().invoke(cli.main, ["serve", "--port", "9000"]).exit_code == 0
    assert bound == [("0.0.0.0", 8123), ("0.0.0.0", 9000)]


def test_demo_ids_are_reserved_in_files() -> None:
    line = json.dumps({"id": "parallax-demo:x", "title": "t"})
    with pytest.raises(FileFormatError, match="reserved"):
        list(read_articles([line]))


def test_front_page_explains_an_empty_store(client: FlaskClient) -> None:
    page = client.get("/")
    text = _text(page.data)
    assert page.status_code == 200
    assert "No stories yet" in text
    assert "parallax ingest --file" in text and "parallax demo" in text
    assert "Reading the feeds is switched off here" in text  # the test app has ingest off


def test_front_page_says_how_often_feeds_are_read(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "INGEST_INTERVAL": 600})
    text = _text(app.test_client().get("/").data)
    assert "every 10 minutes" in text


def test_outlet_page_puts_the_rating_in_words(demo_app: Flask, client: FlaskClient) -> None:
    page = client.get("/outlets/rt.com")
    text = _text(page.data)
    assert page.status_code == 200
    assert "State-affiliated media" in text and "state-affiliated," not in text
    assert "Quality score" in text and "Lin et al. 2023" in text  # the quality layer, sourced
    assert "Country Russian Federation (RU)" in text
    assert models.country_name("XK") == "Kosovo" and models.country_name("gb") == "United Kingdom"
    assert "Basis of the rating" in text and "Confidence" in text
    fox = _text(client.get("/outlets/foxnews.com").data)
    assert "Recent stories with Fox News" in fox
    assert "Port Veldmark" in fox  # a demo story Fox is in


def test_outlets_search_filters_and_pages(client: FlaskClient) -> None:
    text = _text(client.get("/outlets?q=times&country=US&lean=lean-left").data)
    assert "The New York Times" in text
    assert "Fox News" not in text
    many = _text(client.get("/outlets").data)
    assert "Page 1 of" in many and "Next page" in many


def test_score_page(demo_app: Flask, client: FlaskClient) -> None:
    rated = _text(client.get("/score?url=https://www.nytimes.com/2025/x.html").data)
    assert "The New York Times" in rated and "Lean left" in rated
    unrated = _text(client.get("/score?url=https://unrated-site.example/x").data)
    assert "is not rated" in unrated
    empty = client.get("/score")
    assert empty.status_code == 200 and "Check an article" in _text(empty.data)
    bad = client.get("/score?url=javascript:alert(1)")
    assert bad.status_code == 400 and bad.mimetype == "text/html"
    assert client.get("/score?url=a&url=b").status_code == 400


def test_feeds_page_and_command_show_each_feeds_state(tmp_path: Path) -> None:
    from tests.coverage.conftest import write_ratings

    ratings = write_ratings(
        tmp_path / "ratings",
        [
            ("leftpaper.com", "https://leftpaper.com/rss"),
            ("rightdaily.com", "https://rightdaily.com/rss"),
        ],
    )
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "RATINGS_DIR": str(ratings),
            "INGEST_ENABLED": False,
        }
    )

    def fetcher(url: str, policy: object, headers: object = None) -> object:
        raise FetchError("timeout", f"fetching {url} took longer than 10 s")

    with app.app_context():
        run = FeedIngester(engine(app), fetcher=fetcher, politeness=0).run(
            [FeedSource("leftpaper.com", "https://leftpaper.com/rss")]
        )
    assert run.failures_by_reason() == {"timeout": 1}
    assert run.summary_line() == "feed pass: 1 feeds tried, 0 new articles, 1 failed (1 timeout)"
    page = app.test_client().get("/feeds")
    text = _text(page.data)
    assert "1 failing" in text and "1 not fetched yet" in text
    assert "failing: fetching https://leftpaper.com/rss took longer than 10 s" in text
    assert "retrying after " in text and ", 1 failure in a row" in text
    failing = _text(app.test_client().get("/feeds?state=failing").data)
    assert "rightdaily.com/rss" not in failing
    from service.cli import main

    with app.app_context():
        out = app.test_cli_runner().invoke(main, ["feeds", "--json"]).output
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["state"] == "failing" and rows[0]["last_success"] is None
    assert rows[0]["failures"] == 1 and rows[0]["next_attempt"] > rows[0]["last_fetched"]
    assert rows[1] == {**rows[1], "state": "never", "url": "https://rightdaily.com/rss"}
    assert rows[1]["next_attempt"] is None
    with app.app_context():
        words = app.test_cli_runner().invoke(main, ["feeds"]).output
    assert f"retrying after {rows[0]['next_attempt']}, 1 failure in a row" in words

    # The next pass leaves it alone until then, and says so; a second failure says how many.
    with app.app_context():
        again = FeedIngester(engine(app), fetcher=fetcher, politeness=0).run(
            [FeedSource("leftpaper.com", "https://leftpaper.com/rss")]
        )
        assert [o.status for o in again.outcomes] == ["backing-off"]
        store = engine(app).store
        state = store.feed_state("https://leftpaper.com/rss")
        assert state is not None
        store.save_feed_states([dataclasses.replace(state, next_attempt=state.last_fetched)])
        FeedIngester(engine(app), fetcher=fetcher, politeness=0).run(
            [FeedSource("leftpaper.com", "https://leftpaper.com/rss")]
        )
    twice = _text(app.test_client().get("/feeds").data)
    assert "failing: fetching" in twice and ", 2 failures in a row" in twice


def test_a_feed_pass_logs_one_line(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    from service.cli.coverage import run_feeds_once
    from service.coverage.runtime import context_for_app
    from tests.coverage.conftest import write_ratings

    ratings = write_ratings(
        tmp_path / "ratings",
        [("leftpaper.com", "http://localhost:9/a"), ("rightdaily.com", "http://localhost:9/b")],
    )
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path / "d"), "RATINGS_DIR": str(ratings)}
    )
    with caplog.at_level(logging.INFO), app.app_context():
        run_feeds_once(context_for_app(app))
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.INFO and "feed" in r.getMessage()
    ]
    assert lines == ["feed pass: 2 feeds tried, 0 new articles, 2 failed (2 forbidden_address)"]


def test_passes_start_an_interval_apart_not_an_interval_after_the_last_one_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    import service.cli.coverage as cli_coverage
    from service.ingest.feeds import FeedRun

    clock = [1000.0]
    waits: list[float] = []
    durations = iter([30.0, 130.0, 0.0])

    class Stop(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(round(timeout or 0.0, 6))
            clock[0] += timeout or 0.0
            if len(waits) == 3:
                self.set()
            return self.is_set()

    def a_pass(ctx: object, stop: object) -> FeedRun:
        clock[0] += next(durations)  # the pass took this long
        return FeedRun()

    monkeypatch.setattr(cli_coverage, "run_feeds_once", a_pass)
    monkeypatch.setattr(cli_coverage, "daily_prune", lambda ctx, stop: None)
    monkeypatch.setattr(cli_coverage, "flush_left_digests", lambda ctx: None)
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    cli_coverage.ingest_loop(object(), Stop(), 100.0)  # type: ignore[arg-type]
    # 30 s of pass: 70 s to wait; a pass that overran (130 s): the next at once.
    assert waits == [70.0, 0.0, 100.0]


def test_pages_send_etag_csp_and_answer_304(demo_app: Flask, client: FlaskClient) -> None:
    story_id = demo_app.extensions["test.demo_stories"]["barrier"]
    for path in ("/", f"/stories/{story_id}", "/blindspots", "/outlets/reuters.com", "/feeds"):
        first = client.get(path)
        assert first.status_code == 200, path
        csp = first.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        etag = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""


def test_a_304_is_decided_before_the_page_is_rendered(
    demo_app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ETag comes from what a page shows (the story's summary, the filters…), so a reader
    who has the page gets its 304 without the template running; a change to the story, a
    filter or the mount point is a new ETag and a fresh render."""
    import service.web.pages as pages

    rendered: list[str] = []
    real_render = render_template

    def counting_render(template: str, **context: object) -> str:
        rendered.append(template)
        return real_render(template, **context)

    monkeypatch.setattr(pages, "render_template", counting_render)
    built: list[str] = []
    real_view = models.story_page
    monkeypatch.setattr(
        models, "story_page", lambda *a, **k: built.append("story") or real_view(*a, **k)
    )
    eng = engine(demo_app)
    real_snapshot = eng.snapshot
    monkeypatch.setattr(
        eng, "snapshot", lambda *a, **k: built.append("summary") or real_snapshot(*a, **k)
    )
    story_id = demo_app.extensions["test.demo_stories"]["barrier"]
    paths = [
        "/",
        f"/stories/{story_id}",
        f"/stories/{story_id}?side=left",
        "/blindspots",
        "/outlets/reuters.com",
        "/outlets?q=times",
        "/feeds",
        "/score?url=https://www.reuters.com/x",
    ]
    etags = {}
    for path in paths:
        first = client.get(path)
        assert first.status_code == 200, path
        etags[path] = first.headers["ETag"]
        count = len(rendered)
        again = client.get(path, headers={"If-None-Match": etags[path]})
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers["ETag"] == etags[path]
        assert len(rendered) == count, f"{path} rendered its template for a 304"
        weak = client.get(path, headers={"If-None-Match": f'"other", W/{etags[path]}'})
        assert weak.status_code == 304 and len(rendered) == count, path
    assert len(set(etags.values())) == len(paths)  # every page, and each filter, its own ETag
    # The story's summary (its articles read) and view model are made only for pages sent.
    assert built == ["summary", "story", "summary", "story"]
    # The same bytes again: a page's ETag is stable while what it shows is.
    assert client.get(paths[1]).headers["ETag"] == etags[paths[1]]
    # A new article in the story: a new ETag, so the old one gets the fresh page, rendered.
    eng.ingest(
        [
            RawArticle(
                title="Port Veldmark tidal flood barrier gates reopen after the storm surge passes",
                text="The Port Veldmark tidal flood barrier reopened its twelve gates on the Veldmark "
                "estuary after the storm surge passed, engineers said.",
                url="https://www.bbc.co.uk/news/veldmark-barrier-reopens",
            )
        ]
    )
    count = len(rendered)
    changed = client.get(paths[1], headers={"If-None-Match": etags[paths[1]]})
    assert changed.status_code == 200 and changed.headers["ETag"] != etags[paths[1]]
    assert len(rendered) == count + 1 and "bbc" in changed.data.decode().lower()
    # The same story under another mount point has other links: another ETag.
    mounted = client.get(paths[1], environ_overrides={"SCRIPT_NAME": "/news"})
    assert mounted.status_code == 200 and mounted.headers["ETag"] != changed.headers["ETag"]


def test_unknown_story_and_outlet_are_html_404s_and_the_api_keeps_json(client: FlaskClient) -> None:
    for path in ("/stories/st-999", "/outlets/nope.example", "/stories/<script>"):
        page = client.get(path)
        assert page.status_code == 404 and page.mimetype == "text/html", path
        assert "Back to the latest stories" in _text(page.data)
        assert "<script>" not in page.data.decode()
    assert client.get("/v1/stories/st-999").get_json()["error"]["code"] == "story_not_found"
    assert client.get("/nope").get_json()["error"]["code"] == "not_found"  # no Accept: JSON
    browser = client.get("/nope", headers=HTML)
    assert browser.status_code == 404 and browser.mimetype == "text/html"
    assert client.get("/v1/nope", headers=HTML).mimetype == "application/json"


def test_hostile_titles_and_links_render_as_text(app: Flask, client: FlaskClient) -> None:
    store = engine(app).store
    long_title = "Dam " + "x" * 9_996
    rows = [
        (
            "https://leftpaper.com/1",
            "<script>alert('t')</script> Northbridge dam",
            "nytimes.com",
            "https://www.nytimes.com/1",
        ),
        (
            "id:evil-2",
            "<img src=x onerror=alert(1)> dam vote",
            "foxnews.com",
            "javascript:alert(1)",
        ),
        ("id:evil-3", long_title, "reuters.com", "data:text/html,<script>alert(1)</script>"),
    ]
    store.commit(
        Batch(
            articles=[
                NewArticle(
                    key=k,
                    title=t,
                    url=u,
                    outlet_id=o,
                    side="left",
                    first_seen=1.7e9 + i,
                    story_id="st-1",
                )
                for i, (k, t, o, u) in enumerate(rows)
            ]
        )
    )
    page = client.get("/stories/st-1")
    body = page.data.decode()
    assert page.status_code == 200
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in body
    assert 'href="javascript:' not in body and 'href="data:' not in body
    assert long_title in body
    assert 'rel="noopener noreferrer"' in body
    front = client.get("/").data.decode()
    assert "<script>alert" not in front


HOSTILE_QUERIES = [
    "/stories/st-1?side=<script>",
    "/stories/st-1?factuality=" + "x" * 5000,
    "/stories/st-1?side=left&side=right",
    "/stories/" + "a" * 65,
    "/stories/%00",
    "/outlets?page=0",
    "/outlets?page=99999999999999999999",
    "/outlets?page=1e3",
    "/outlets?page=%C2%B2",  # "²": str.isdigit takes it, int() does not
    "/feeds?page=" + "1" * 5_000,  # past int()'s 4,300 digits
    "/outlets?q=" + "q" * 201,
    "/outlets?country=ZZZ",
    "/outlets?lean=%ff%fe",
    "/outlets/%ff",
    "/outlets/" + "a." * 200,
    "/feeds?state=broken",
    "/feeds?page=-5",
    "/score?url=",
    "/score?url=%00",
    "/score?url=http://",
    "/score?url=https://" + "a" * 9000,
    "/score?url=ftp://example.com/x",
    "/score?url=%e2%80%ae",
    "/blindspots?x=" + "%ff" * 100,
    "/?before=nan",
    "/?before=inf",
    "/?before=-1",
    "/?before=1e999",
    "/?before=" + "1" * 40,
    "/?before=%C2%B2",
    "/?before=1.5e9%00",
]


@pytest.mark.parametrize("path", HOSTILE_QUERIES)
def test_hostile_query_parameters_make_a_4xx_page_never_a_500(
    demo_app: Flask, client: FlaskClient, path: str
) -> None:
    response = client.get(path, headers=HTML)
    assert response.status_code < 500, path
    assert response.mimetype == "text/html"
    if response.status_code >= 400:
        assert "Back to the latest stories" in _text(response.data)


CSS = Path(__file__).resolve().parents[1] / "service" / "web" / "pages" / "static" / "pages.css"
TEXT_PAIRS = [
    ("fg", "bg"),
    ("fg", "soft"),
    ("muted", "bg"),
    ("muted", "soft"),
    ("link", "bg"),
    ("link", "soft"),
    ("bg", "link"),
    ("fg", "note-bg"),
    ("fg", "blind-bg"),
    ("link", "note-bg"),
    ("chip-left-fg", "chip-left-bg"),
    ("chip-center-fg", "chip-center-bg"),
    ("chip-right-fg", "chip-right-bg"),
    ("chip-unrated-fg", "chip-unrated-bg"),
    ("chip-fact-fg", "chip-fact-bg"),
    ("demo-fg", "demo-bg"),
]
GRAPHIC_PAIRS = [
    (side, back) for side in ("left", "center", "right", "unrated") for back in ("bg", "soft")
]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _schemes() -> dict[str, dict[str, str]]:
    css = CSS.read_text("utf-8")
    light_block = css.split(":root {", 1)[1].split("}", 1)[0]
    dark_block = (
        css.split("prefers-color-scheme: dark", 1)[1].split(":root {", 1)[1].split("}", 1)[0]
    )
    light = _variables(light_block)
    return {"light": light, "dark": {**light, **_variables(dark_block)}}


def _variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", block))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_colour_pair_meets_aa_and_the_bar_is_visible(scheme: str) -> None:
    colours = _schemes()[scheme]
    weak = [
        f"--{fg} on --{bg}: {_contrast(colours[fg], colours[bg]):.2f}"
        for fg, bg in TEXT_PAIRS
        if _contrast(colours[fg], colours[bg]) < 4.5
    ]
    faint = [
        f"--{g} on --{bg}: {_contrast(colours[g], colours[bg]):.2f}"
        for g, bg in GRAPHIC_PAIRS
        if _contrast(colours[g], colours[bg]) < 3.0
    ]
    assert not weak and not faint, weak + faint


def test_story_page_shows_key_points_and_framing_when_the_summary_has_them(app: Flask) -> None:
    summary = {
        "id": "st-1",
        "headline": "Harbor bridge closes",
        "article_count": 2,
        "outlet_count": 2,
        "lean": {
            "outlets": {"left": 1, "center": 0, "right": 1, "unrated": 0},
            "by_outlets": {"left": 0.5, "center": 0.0, "right": 0.5, "unrated": 0.0},
            "articles": {"left": 1, "center": 0, "right": 1, "unrated": 0},
        },
        "factuality": {"high": 1.0},
        "owner_types": {"corporation": 1.0},
        "key_points": [
            {"text": "Inspectors found a crack.", "outlet": "Reuters", "article_id": "a1"},
            {"text": "   "},
            "not a point",
        ],
        "framing": [{"side": "left", "text": "A safety story."}, "Cost overruns."],
    }
    view = models.story_page(summary)
    assert [(k.text, k.outlet) for k in view.key_points] == [
        ("Inspectors found a crack.", "Reuters")
    ]
    assert tuple(map(str, view.framing)) == ("Left: A safety story.", "Cost overruns.")
    assert view.lean_sentence == "50% of the sources lean left and 50% lean right"  # a tie
    with app.test_request_context("/stories/st-1"):
        page = render_template("pages/story.html", story=view, outlet_base="/outlets/")
    text = _text(page.encode())
    assert "Key points Inspectors found a crack. (Reuters)" in text
    assert "How each side framed it Left: A safety story. Cost overruns." in text


def test_a_key_points_outlet_links_to_the_article_it_is_quoted_from(app: Flask) -> None:
    # The point names its article: the reader can check the quote in its place. Only an http(s)
    # address is a link; a point whose article has none (or a javascript: one) stays text.
    summary = {
        "id": "st-1", "headline": "Harbor bridge closes", "article_count": 2, "outlet_count": 2,
        "lean": {"outlets": {"left": 1, "center": 0, "right": 1, "unrated": 0},
                 "by_outlets": {"left": 0.5, "center": 0.0, "right": 0.5, "unrated": 0.0},
                 "articles": {"left": 1, "center": 0, "right": 1, "unrated": 0}},
        "key_points": [
            {"text": "Inspectors found a crack.", "outlet": {"name": "Reuters"}, "article_id": "a1",
             "url": "https://www.reuters.com/world/bridge-crack?x=1&y=2"},
            {"text": "The bridge was shut.", "outlet": {"name": "Fox News"}, "article_id": "a2",
             "url": "javascript:alert(1)"},
            {"text": "Detours start Monday.", "outlet": {"name": "NPR"}, "article_id": "a3"},
            # an article retention removed: its words stay (as the headline), not its link
            {"text": "Tolls were waived.", "outlet": {"name": "AP"}, "article_id": "a4",
             "url": "https://apnews.com/article/tolls"},
        ],
        "articles_by_side": {"center": [
            {"id": "a1", "url": "https://www.reuters.com/world/bridge-crack?x=1&y=2",
             "title": "Bridge crack found", "outlet": {"name": "Reuters"}},
            {"id": "a2", "url": "javascript:alert(1)", "title": "Bridge shut",
             "outlet": {"name": "Fox News"}},
        ]},
    }  # fmt: skip
    view = models.story_page(summary)
    with app.test_request_context("/stories/st-1"):
        page = render_template("pages/story.html", story=view, outlet_base="/outlets/")
    section = page.split('<section class="key-points"', 1)[1].split("</section>", 1)[0]
    links = re.findall(r'<a href="([^"]*)"[^>]*>(?:<bdi>)?([^<]*)', section)
    assert links == [("https://www.reuters.com/world/bridge-crack?x=1&amp;y=2", "Reuters")]
    assert 'rel="noopener noreferrer"' in section
    assert "javascript" not in section
    text = _text(page.encode())
    assert "The bridge was shut. (Fox News)" in text
    assert "Detours start Monday. (NPR)" in text
    assert "Tolls were waived. (AP)" in text and "apnews.com" not in section


def test_story_page_never_shows_a_point_as_if_it_were_its_own(app: Flask) -> None:
    # An article with neither a rated outlet nor an address (a file's "id" alone): its point
    # still says it came from an outlet, one not known, rather than standing unattributed.
    summary = {
        "id": "st-1", "headline": "Harbor bridge closes", "article_count": 2, "outlet_count": 2,
        "lean": {"outlets": {"left": 1, "center": 0, "right": 1, "unrated": 0},
                 "by_outlets": {"left": 0.5, "center": 0.0, "right": 0.5, "unrated": 0.0},
                 "articles": {"left": 1, "center": 0, "right": 1, "unrated": 0}},
        "key_points": [{"text": "The bridge was shut on Tuesday.", "outlet": None, "article_id": "n2"}],
        "framing": {"left": {"terms": [], "points": [{"text": "Commuters face detours.",
                                                      "outlet": None}], "articles": 1}},
    }  # fmt: skip
    view = models.story_page(summary)
    with app.test_request_context("/stories/st-1"):
        page = render_template("pages/story.html", story=view, outlet_base="/outlets/")
    text = _text(page.encode())
    assert "The bridge was shut on Tuesday. (unknown outlet)" in text
    assert "“Commuters face detours.” (unknown outlet)" in text


def test_story_page_gives_key_points_and_headline_their_own_direction(app: Flask) -> None:
    # An Arabic point among English ones: dir="auto" lets each read in its script's direction
    # (the full stop on the left of an Arabic sentence, its outlet after it).
    arabic = "أغلقت المدينة الجسر يوم الثلاثاء بعد أن وجد المفتشون تشققات."
    summary = {
        "id": "st-1", "headline": "جسر الميناء يغلق", "article_count": 2, "outlet_count": 2,
        "lean": {"outlets": {"left": 1, "center": 0, "right": 1, "unrated": 0},
                 "by_outlets": {"left": 0.5, "center": 0.0, "right": 0.5, "unrated": 0.0},
                 "articles": {"left": 1, "center": 0, "right": 1, "unrated": 0}},
        "key_points": [{"text": arabic, "outlet": "Al Jazeera", "article_id": "a1"},
                       {"text": "Inspectors found a crack.", "outlet": "Reuters", "article_id": "a2"}],
    }  # fmt: skip
    view = models.story_page(summary)
    with app.test_request_context("/stories/st-1"):
        page = render_template("pages/story.html", story=view, outlet_base="/outlets/")
    assert re.search(r'<h1 [^>]*dir="auto"[^>]*>جسر الميناء يغلق</h1>', page), page[:2000]
    items = re.findall(r"<li[^>]*>[^<]*(?:أغلقت|Inspectors)", page)
    assert len(items) == 2 and all('dir="auto"' in item for item in items), items


def test_story_page_isolates_a_right_to_left_framing_quote_in_its_english_line(app: Flask) -> None:
    # "Left-leaning sources: “<Arabic sentence.>” (Al Jazeera)": without isolation the Arabic
    # sentence's full stop took the English line's direction and sat beside its first word.
    arabic = "أغلقت المدينة الجسر يوم الثلاثاء بعد أن وجد المفتشون تشققات."
    summary = {
        "id": "st-1", "headline": "Harbor bridge closes", "article_count": 2, "outlet_count": 2,
        "lean": {"outlets": {"left": 1, "center": 0, "right": 1, "unrated": 0},
                 "by_outlets": {"left": 0.5, "center": 0.0, "right": 0.5, "unrated": 0.0},
                 "articles": {"left": 1, "center": 0, "right": 1, "unrated": 0}},
        "framing": {"left": {"terms": ["الجسر", "المفتشون"],
                             "points": [{"text": arabic, "outlet": {"name": "Al Jazeera"}}]},
                    "right": {"terms": ["taxpayers"], "points": []}},
    }  # fmt: skip
    view = models.story_page(summary)
    with app.test_request_context("/stories/st-1"):
        page = render_template("pages/story.html", story=view, outlet_base="/outlets/")
    assert (
        f'<li>“<bdi>{arabic}</bdi>” <span class="source">(<bdi>Al Jazeera</bdi>)</span></li>'
        in page
    )
    assert "They emphasise: <bdi>الجسر, المفتشون</bdi></p>" in page
    assert "They emphasise: <bdi>taxpayers</bdi></p>" in page
    text = _text(page.encode())
    assert (
        f"Left-leaning sources 1 source They emphasise: الجسر, المفتشون “{arabic}” (Al Jazeera)"
        in text
    )


def test_framing_is_grouped_by_side_and_names_a_side_with_no_coverage(app: Flask) -> None:
    # Each side's framing under one heading (the label was repeated before every line), in the
    # order left, center, right; a side with no source says so instead of being left out, and
    # one with sources but no framing of its own says that.
    summary = {
        "id": "st-1", "headline": "Harbor bridge closes", "article_count": 4, "outlet_count": 4,
        "lean": {"outlets": {"left": 0, "center": 1, "right": 3, "unrated": 0},
                 "by_outlets": {"left": 0.0, "center": 0.25, "right": 0.75, "unrated": 0.0},
                 "articles": {"left": 0, "center": 1, "right": 3, "unrated": 0}},
        "framing": {"right": {"terms": ["taxpayers", "overruns"],
                              "points": [{"text": "Costs rise.", "outlet": {"name": "Fox News"}},
                                         {"text": "Tolls stay.", "outlet": None}]},
                    "left": {"terms": [], "points": []}},
    }  # fmt: skip
    view = models.story_page(summary)
    assert [(s.side, s.sources, s.terms) for s in view.framing_sides] == [
        ("left", 0, ()), ("center", 1, ()), ("right", 3, ("taxpayers", "overruns"))
    ]  # fmt: skip
    with app.test_request_context("/stories/st-1"):
        page = render_template("pages/story.html", story=view, outlet_base="/outlets/")
    section = page.split('<section class="framing"', 1)[1].split('<div class="story-grid', 1)[0]
    assert re.findall(r"<h3 id=\"framing-(\w+)\">", section) == ["left", "center", "right"]
    text = _text(section.encode())
    assert "Left-leaning sources No left-leaning source has covered this story." in text
    assert (
        "Center-leaning sources 1 source No framing of its own was found in the center coverage."
        in text
    )
    assert (
        "Right-leaning sources 3 sources They emphasise: taxpayers, overruns"
        " “Costs rise.” (Fox News) “Tolls stay.” (unknown outlet)" in text
    )
    assert text.count("Right-leaning sources") == 1
    # No side with anything to show: no section at all.
    summary["framing"] = {"left": {"terms": [], "points": []}}
    assert models.story_page(summary).framing_sides == ()


def test_titles_from_feeds_take_their_own_direction_on_every_page(app: Flask) -> None:
    # Feeds' titles in Arabic or Hebrew were laid out in the English page's direction: full stop
    # on the wrong end, and on the score page the "(3 articles" after a headline read into it.
    arabic = "جسر الميناء يغلق بعد العثور على شق."
    outlet = {"id": "aljazeera.com", "name": "Al Jazeera", "lean": {"label": "lean-left"}}
    lean: dict[str, Any] = {
        "outlets": {"left": 1, "center": 0, "right": 0, "unrated": 0},
        "by_outlets": {"left": 1.0, "center": 0.0, "right": 0.0, "unrated": 0.0},
        "articles": {"left": 1, "center": 0, "right": 0, "unrated": 0},
    }
    summary = {
        "id": "st-1", "headline": arabic, "article_count": 1, "outlet_count": 1, "lean": lean,
        "articles_by_side": {"left": [{"title": arabic, "url": "https://www.aljazeera.net/news/1",
                                       "outlet": outlet}]},
    }  # fmt: skip
    bar = models.Bar.of(lean["outlets"], lean["by_outlets"], "source")
    item = SimpleNamespace(
        id="st-1", headline=arabic, demo=False, last_updated=None, last_updated_text="today",
        article_count=1, outlet_count=1, blindspot=None, bar=bar,
    )  # fmt: skip
    macro = '{% from "pages/macros.html" import story_list %}{{ story_list(items) }}'
    with app.test_request_context("/"):
        story = render_template("pages/story.html", story=models.story_page(summary),
                                outlet_base="/outlets/")  # fmt: skip
        listed = app.jinja_env.from_string(macro).render(items=[item])
        score = render_template(
            "pages/score.html", url="https://www.aljazeera.net/news/1", result={"host": "x"},
            outlet=None, story={"id": "st-1", "article_count": 3, "outlet_count": 2},
            story_headline=arabic,
        )  # fmt: skip
    assert re.search(rf'<p class="article-title" dir="auto"><a [^>]*>{arabic}<', story), story
    assert re.search(rf'<h2 class="story-title" dir="auto"><a [^>]*>{arabic}</a>', listed), listed
    assert re.search(rf'<a href="/stories/st-1" dir="auto">{arabic}</a> \(3 articles', score)


def test_score_page_links_the_story_of_a_stored_article(app: Flask, client: FlaskClient) -> None:
    eng = engine(app)
    eng.ingest(
        [
            RawArticle(
                title="Eastport harbor bridge closes after inspectors find a crack",
                url="https://www.nytimes.com/2025/10/26/nyregion/eastport-bridge.html",
            ),
            RawArticle(
                title="Eastport harbor bridge closed: inspectors find a crack",
                url="https://www.foxnews.com/us/eastport-harbor-bridge-crack",
            ),
        ]
    )
    page = client.get("/score?url=https://www.nytimes.com/2025/10/26/nyregion/eastport-bridge.html")
    text = _text(page.data)
    assert "This article belongs to a story: Eastport harbor bridge" in text
    story_id = re.search(r'href="/stories/([^"]+)"', page.data.decode())
    assert story_id is not None
    assert client.get(f"/stories/{story_id.group(1)}").status_code == 200


def test_story_page_reads_key_points_and_framing_as_the_api_gives_them(
    demo_app: Flask, client: FlaskClient
) -> None:
    story_id = sorted(demo_story_ids(engine(demo_app).store))[0]
    summary = client.get(f"/v1/stories/{story_id}").get_json()
    outlet = {"id": "foxnews.com", "name": "Fox News", "lean": {"label": "right"}}
    summary["key_points"] = [
        {"text": "The council voted 7-2.", "outlet": outlet, "article_id": "a1"}
    ]
    summary["framing"] = {
        "right": {"terms": ["taxpayers"], "points": [{"text": "Costs rise.", "outlet": outlet}]},
        "left": {"terms": [], "points": []},
    }
    page = models.story_page(summary)
    assert [(p.text, p.outlet) for p in page.key_points] == [("The council voted 7-2.", "Fox News")]
    assert tuple(map(str, page.framing)) == (
        "Right-leaning sources emphasise: taxpayers",
        "Right-leaning sources: “Costs rise.” (Fox News)",
    )
    assert "{'id'" not in " ".join(map(str, page.framing))


RLO, PDF = "\u202e", "\u202c"
_OPENERS = frozenset("\u202a\u202b\u202d\u202e\u2066\u2067\u2068")
_CLOSERS = frozenset("\u202c\u2069")


class _BidiRuns(HTMLParser):
    """Every run of text between two tags, and every attribute value, of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []

    def handle_data(self, data: str) -> None:
        self.runs.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.runs.extend(v for _, v in attrs if v)


def _unclosed(run: str) -> bool:
    """Whether a directional embedding, override or isolate opened in `run` is still open at its
    end (or a closer comes with nothing open: it would close something of the page's)."""
    depth = 0
    for char in run:
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
            if depth < 0:
                return True
    return depth != 0


def test_an_unclosed_bidi_override_in_any_text_cannot_reorder_the_rest_of_the_page(
    app: Flask,
) -> None:
    # A feed's title with a RIGHT-TO-LEFT OVERRIDE and no POP DIRECTIONAL FORMATTING reversed
    # everything after it in its line: "(Reuters)" after a key point, "(opens on ...)" after a
    # title, " · Parallax" in the window title. Every user-supplied text now closes what it
    # opens, and the names written inside our sentences are isolated (<bdi>).
    outlet = {
        "id": "reuters.com",
        "name": f"{RLO}Reuters",
        "lean": {"label": "center"},
        "factuality": {"label": "high"},
    }
    summary = {
        "id": "st-1", "headline": f"Harbor {RLO}bridge closes", "article_count": 2,
        "outlet_count": 2, "summary": f"{RLO}Two sources.",
        "first_seen": "2025-10-25T14:00:00Z", "last_updated": "2025-10-25T15:00:00Z",
        "lean": {"outlets": {"left": 1, "center": 1, "right": 0, "unrated": 0},
                 "by_outlets": {"left": 0.5, "center": 0.5, "right": 0.0, "unrated": 0.0},
                 "articles": {"left": 1, "center": 1, "right": 0, "unrated": 0}},
        "first_reported_by": {"outlet": outlet, "title": f"{RLO}Bridge shut",
                              "url": "https://www.reuters.com/a/1",
                              "published": "2025-10-25T14:00:00Z"},
        "key_points": [{"text": f"Inspectors {RLO}found a crack.", "outlet": outlet,
                        "article_id": "a1", "url": "https://www.reuters.com/a/1"},
                       {"text": "Tolls \u2067were waived.", "outlet": {"name": f"A{RLO}P"},
                        "article_id": "a9"}],
        "framing": {"left": {"terms": [f"{RLO}toll", "detour\u202b"],
                             "points": [{"text": f"{RLO}Commuters wait.",
                                         "outlet": {"name": f"{RLO}NPR"}}]},
                    "center": {"terms": ["crack"], "points": []}},
        "articles_by_side": {
            "center": [{"id": "a1", "url": "https://www.reuters.com/a/1",
                        "title": f"{RLO}Bridge shut", "outlet": outlet}],
            "left": [{"id": "a2", "url": "https://www.npr.org/a/2", "title": f"Harbor{RLO} news",
                      "outlet": {"id": "npr.org", "name": f"{RLO}NPR",
                                 "lean": {"label": "lean-left"}}}],
        },
    }  # fmt: skip
    rating = {"id": "reuters.com", "name": f"{RLO}Reuters", "domain": "reuters.com",
              "aliases": [f"{RLO}wire"], "owner": f"{RLO}Thomson", "owner_type": "corporation",
              "lean": {"label": "center"}}  # fmt: skip
    item = models.story_items(
        [{"id": "st-1", "headline": f"Harbor {RLO}bridge", "article_count": 2, "outlet_count": 2,
          "lean": summary["lean"], "last_updated": "2025-10-25T15:00:00Z"}]
    )  # fmt: skip
    with app.test_request_context("/stories/st-1"):
        pages = {
            "story": render_template(
                "pages/story.html", story=models.story_page(summary), outlet_base="/outlets/"
            ),
            "outlet": render_template(
                "pages/outlet.html", outlet=models.outlet_page(rating), stories=item
            ),
        }
    for name, page in pages.items():
        parser = _BidiRuns()
        parser.feed(page)
        unclosed = [run for run in parser.runs if _unclosed(run)]
        assert not unclosed, (name, unclosed)
    story = pages["story"]
    title = re.search(r"<title>(.*)</title>", story, re.S)
    assert title is not None and title.group(1) == f"Harbor {RLO}bridge closes{PDF} · Parallax"
    # The outlets' names inside our sentences are isolated: "(Reuters)" after a point, "First
    # reported by Reuters, 25 Oct", "(opens on NPR's site)".
    for name in (f"{RLO}Reuters", f"A{RLO}P", f"{RLO}NPR"):
        assert f"<bdi>{name}{PDF}</bdi>" in story, name
        assert story.count(name) == story.count(f"<bdi>{name}{PDF}</bdi>"), name
    assert f"They emphasise: <bdi>{RLO}toll{PDF}, detour\u202b{PDF}</bdi>" in story
    outlet_page = pages["outlet"]
    assert f'<h1 dir="auto">{RLO}Reuters{PDF}</h1>' in outlet_page
    assert (
        outlet_page.count(f"{RLO}Reuters") == outlet_page.count(f"<bdi>{RLO}Reuters{PDF}</bdi>") + 2
    )


@pytest.mark.parametrize(
    ("counts", "sentence"),
    [
        ({"left": 2, "center": 1, "right": 2}, "40% of the sources lean left and 40% lean right"),
        ({"left": 1, "center": 1, "right": 1},
         "33% of the sources lean left, 33% are rated center and 33% lean right"),
        ({"left": 0, "center": 2, "right": 2},
         "50% of the sources are rated center and 50% lean right"),
        ({"left": 1, "center": 3, "right": 2}, "50% of the sources are rated center"),
        ({"left": 3, "center": 0, "right": 1, "unrated": 4}, "38% of the sources lean left"),
        ({"left": 0, "center": 0, "right": 0, "unrated": 2},
         "None of the sources has a lean rating yet"),
        # One source: it was "100% of the sources lean left" under "1 article from 1 source".
        ({"left": 1, "center": 0, "right": 0, "unrated": 0}, "Its one source leans left"),
        ({"left": 0, "center": 1, "right": 0, "unrated": 0}, "Its one source is rated center"),
        ({"left": 0, "center": 0, "right": 0, "unrated": 1},
         "Its one source has no lean rating yet"),
    ],
)  # fmt: skip
def test_the_lean_figure_names_every_side_tied_for_the_largest_share(
    counts: dict[str, int], sentence: str
) -> None:
    # Two equal sides read as "40% of the sources lean left": the story looked left-leaning when
    # as many of its sources leaned right.
    total = sum(counts.values())
    shares = {side: count / total for side, count in counts.items()}
    assert models.lean_sentence(counts, shares) == sentence


class _Markup(HTMLParser):
    """The elements, attributes and text of a page, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_story_text_in_every_field_renders_as_text(app: Flask) -> None:
    # Markup in the headline, the summary line, a key point and its outlet, a side's framing
    # terms and quotes, an article's title, outlet, lean and factuality labels, and an unknown
    # owner type: each is shown as the characters it is, never as an element or an attribute.
    evil = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>',
            "'><svg onload=alert(3)>", "</li></ul><a href=javascript:alert(4)>x</a>"]  # fmt: skip

    def hostile(i: int) -> str:
        return f"T{i} {evil[i % len(evil)]}"

    outlet = {"id": "x.example/<b>", "name": hostile(1), "lean": {"label": hostile(2)},
              "factuality": {"label": hostile(3)}}  # fmt: skip
    summary = {
        "id": "st-1", "headline": hostile(0), "summary": hostile(4), "article_count": 1,
        "outlet_count": 1, "first_seen": hostile(5), "last_updated": hostile(6),
        "lean": {"outlets": {"left": 1, "center": 0, "right": 0, "unrated": 0},
                 "by_outlets": {"left": 1.0, "center": 0.0, "right": 0.0, "unrated": 0.0},
                 "articles": {"left": 1, "center": 0, "right": 0, "unrated": 0}},
        "factuality": {hostile(7): 1.0}, "owner_types": {hostile(8): 1.0},
        "first_reported_by": {"outlet": outlet, "title": hostile(9),
                              "url": "https://x.example/1", "published": hostile(10)},
        "key_points": [{"text": hostile(11), "outlet": outlet, "article_id": "a1",
                        "url": "https://x.example/1"}],
        "framing": {"left": {"terms": [hostile(12), hostile(13)],
                             "points": [{"text": hostile(14), "outlet": {"name": hostile(15)}}]}},
        "blindspot": {"covered_by": hostile(16), "missed_by": hostile(17)},
        "articles_by_side": {"left": [{"id": "a1", "url": "https://x.example/1",
                                       "title": hostile(18), "outlet": outlet,
                                       "published": hostile(19)}]},
    }  # fmt: skip
    with app.test_request_context("/stories/st-1"):
        page = render_template(
            "pages/story.html", story=models.story_page(summary), outlet_base="/outlets/"
        )
    parsed = _Markup()
    parsed.feed(page)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"img", "iframe", "object", "embed", "style"}, tags
    # (the svgs are the lean bars', under the headline and in the details)
    assert [dict(a).get("class") for t, a in parsed.tags if t == "svg"] == [
        "sidebar sidebar-small",
        "sidebar sidebar-large",
    ]
    assert [dict(a).get("src") for t, a in parsed.tags if t == "script"] == ["/assets/filters.js"]
    handlers = [(t, n) for t, attrs in parsed.tags for n, _ in attrs if n.startswith("on")]
    assert not handlers
    hrefs = [v or "" for _, attrs in parsed.tags for n, v in attrs if n == "href"]
    assert not [h for h in hrefs if "javascript" in h.lower()], hrefs
    # Every field's text is there, as text: nothing was dropped either.
    text = "".join(parsed.text)
    shown = {i for i in range(20) if hostile(i) in text}
    # (the first report's title is not shown; a factuality label is lower-cased in its chip)
    assert shown == set(range(20)) - {3, 9}, sorted(set(range(20)) - shown)
    assert f"Factuality {hostile(3).lower()}" in text


def test_story_lists_write_each_sides_share_beside_the_bar(
    demo_app: Flask, client: FlaskClient
) -> None:
    # The bar's lengths were all a sighted reader of the front page had: the shares were only
    # in a visually hidden text. Each side's share is now written under the bar.
    stories = demo_app.extensions["test.demo_stories"]
    listing = {s["id"]: s for s in client.get("/v1/stories").get_json()["stories"]}
    front = client.get("/").data.decode()
    for key in ("barrier", "audit"):
        lean = listing[stories[key]]["lean"]
        expected = " · ".join(
            f"{models.SIDE_LABELS[side]} {round(lean['by_outlets'][side] * 100)}%"
            for side in models.SIDE_ORDER
            if lean["outlets"].get(side)
        )
        figures = re.findall(r'<p class="bar-figures">(.*?)</p>', front, re.S)
        shown = [_text(f.encode()) for f in figures]
        assert f"Sources by side: {expected}" in shown, (expected, shown)


def test_a_reader_meets_the_story_before_the_details(demo_app: Flask, client: FlaskClient) -> None:
    # Story page: the sides' shares under the headline, before the key points (at 360 px the
    # coverage details came two screens down, after the points and the framing).
    stories = demo_app.extensions["test.demo_stories"]
    summary = client.get(f"/v1/stories/{stories['barrier']}").get_json()
    shares = summary["lean"]["by_outlets"]
    figures = " · ".join(
        f"{models.SIDE_LABELS[s]} {round(shares[s] * 100)}%"
        for s in models.SIDE_ORDER
        if summary["lean"]["outlets"][s]
    )
    text = _text(client.get(f"/stories/{stories['barrier']}").data)
    assert text.index(f"Sources by side: {figures}") < text.index("Key points")
    # Score page: the article's story before the outlet's rating details (it came last, after
    # the whole rating card); a lean score is written with a minus sign, as its scale is.
    eng = engine(demo_app)
    eng.ingest(
        [
            RawArticle(
                title="Eastport harbor bridge closes after inspectors find a crack",
                url="https://www.npr.org/2025/10/26/eastport-bridge",
            ),
            RawArticle(
                title="Eastport harbor bridge closed: inspectors find a crack",
                url="https://www.foxnews.com/us/eastport-harbor-bridge-crack",
            ),
        ]
    )
    score = _text(client.get("/score?url=https://www.npr.org/2025/10/26/eastport-bridge").data)
    assert score.index("This article belongs to a story") < score.index("Basis of the rating")
    lean = client.get("/v1/outlets/npr.org").get_json()["lean"]["score"]
    assert lean < 0
    assert f"(score −{abs(lean):.2f} on −1 to +1)" in score
    assert f"-{abs(lean):.2f}" not in score


def test_the_blindspots_page_states_the_rule_the_summary_applies(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page wrote its own copy of the thresholds ('at least 3 ... 70% ... 10%'): a change to
    # the rule would have left the page describing another one.
    from service.coverage import summary

    text = _text(client.get("/blindspots").data)
    assert "at least 3 rated sources, 70% or more of them on one side and at most 10%" in text
    monkeypatch.setattr(summary, "BLINDSPOT_MIN_RATED", 4)
    monkeypatch.setattr(summary, "BLINDSPOT_SHARE", 0.8)
    monkeypatch.setattr(summary, "BLINDSPOT_OPPOSITE_MAX", 0.05)
    page = client.get("/blindspots")
    text = _text(page.data)
    assert "at least 4 rated sources, 80% or more of them on one side and at most 5%" in text


def test_titles_and_quotes_carry_their_outlets_language(app: Flask) -> None:
    # WCAG 3.1.2 (language of parts): a German title on the English page was read by a screen
    # reader in an English voice. A title, point or quote from an outlet of one known language
    # other than English says so (lang); our words inside it say they are English.
    def outlet(name: str, language: object) -> dict[str, Any]:
        return {"id": f"{name}.example", "name": name, "language": language,
                "lean": {"label": "center"}}  # fmt: skip

    spiegel, jazeera = outlet("Spiegel", "de"), outlet("Jazeera", "ar en")
    bbc, odd = outlet("BBC", "en"), outlet("Odd", '"><b>')
    summary = {
        "id": "st-1", "headline": "Brücke gesperrt", "article_count": 4, "outlet_count": 4,
        "lean": {"outlets": {"left": 0, "center": 4, "right": 0, "unrated": 0},
                 "by_outlets": {"left": 0.0, "center": 1.0, "right": 0.0, "unrated": 0.0},
                 "articles": {"left": 0, "center": 4, "right": 0, "unrated": 0}},
        "key_points": [{"text": "Die Brücke ist gesperrt.", "outlet": spiegel, "article_id": "a1",
                        "url": "https://spiegel.example/1"},
                       {"text": "The bridge is shut.", "outlet": bbc, "article_id": "a3"}],
        "framing": {"center": {"terms": ["Brücke"], "points": [
            {"text": "Brücke gesperrt", "outlet": spiegel},
            {"text": "Bridge shut", "outlet": jazeera}]}},
        "articles_by_side": {"center": [
            {"id": "a1", "url": "https://spiegel.example/1", "title": "Brücke gesperrt",
             "outlet": spiegel},
            {"id": "a2", "title": "جسر مغلق", "outlet": jazeera},
            {"id": "a3", "title": "Bridge shut", "outlet": bbc},
            {"id": "a4", "title": "Odd title", "outlet": odd},
        ]},
    }  # fmt: skip
    with app.test_request_context("/stories/st-1"):
        page = render_template(
            "pages/story.html", story=models.story_page(summary), outlet_base="/outlets/"
        )
    # The headline is Spiegel's title: German.
    assert '<h1 id="story-title" class="headline" dir="auto" lang="de">Brücke gesperrt</h1>' in page
    langs = re.findall(r'lang="([^"]*)"', page)
    # the page's own, German, English inside German, and the Arabic title of an 'ar en' outlet
    assert set(langs) == {"en", "de", "ar"}, langs
    assert '<li dir="auto" lang="de">Die Brücke ist gesperrt. <span class="source" lang="en">(' in (
        page
    )
    assert '<li dir="auto">The bridge is shut. <span class="source">(' in page
    assert '“<bdi lang="de">Brücke gesperrt</bdi>”' in page
    assert "“<bdi>Bridge shut</bdi>”" in page  # an outlet of two languages: not known which
    # The side's terms: its articles' outlets are of several languages, so none is said.
    assert "They emphasise: <bdi>Brücke</bdi>" in page
    assert re.search(
        r'<p class="article-title" dir="auto" lang="de"><a [^>]*>Brücke gesperrt'
        r'<span class="visually-hidden" lang="en"> \(opens on',
        page,
    ), page
    assert '<p class="article-title" dir="auto" lang="ar">جسر مغلق' in page  # Arabic script
    assert '<p class="article-title" dir="auto">Odd title' in page
    # A side all of whose articles are German: its emphasised words are German too.
    german_only = {
        **summary,
        "articles_by_side": {"center": [{"id": "a1", "title": "Brücke", "outlet": spiegel}]},
    }
    with app.test_request_context("/stories/st-1"):
        page = render_template(
            "pages/story.html", story=models.story_page(german_only), outlet_base="/outlets/"
        )
    assert 'They emphasise: <bdi lang="de">Brücke</bdi>' in page


def test_the_headline_takes_a_language_only_when_it_can_be_told() -> None:
    def article(title: str, language: str) -> dict[str, Any]:
        return {"title": title, "outlet": {"name": "X", "language": language}}

    french = {"center": [article("Le pont est fermé", "fr"), article("Pont fermé", "fr")]}
    mixed = {"center": [article("Le pont est fermé", "fr"), article("Bridge shut", "en")]}
    assert models._headline_language("Le pont est fermé", mixed) == "fr"  # whose title it is
    assert models._headline_language("Bridge shut", mixed) is None  # English: the page's own
    assert models._headline_language("Pont: fermeture", french) == "fr"  # all French
    assert models._headline_language("Pont: fermeture", mixed) is None  # not known
    assert models._headline_language("Untitled story", {}) is None


def test_every_outlet_link_on_a_story_page_leads_to_a_page(app: Flask, client: FlaskClient) -> None:
    # A story first reported by an outlet the ratings do not know linked 'First reported by
    # www.northbridge-gazette.example' to its outlet page, which is a 404 (the article rows
    # already linked rated outlets only).
    eng = engine(app)
    eng.ingest(
        [
            RawArticle(
                title="Northbridge library reopens after flood repairs",
                text="The Northbridge public library reopened on Monday after eight months.",
                url="https://www.northbridge-gazette.example/2025/11/03/library",
                published=1_762_160_400.0,
            ),
            RawArticle(
                title="Northbridge library reopens its doors after flood",
                text="Northbridge's library is open again after flood repairs.",
                url="https://www.foxnews.com/us/northbridge-library",
                published=1_762_167_600.0,
            ),
        ]
    )
    (story,) = client.get("/v1/stories").get_json()["stories"]
    summary = client.get(f"/v1/stories/{story['id']}").get_json()
    assert summary["first_reported_by"]["outlet"]["rated"] is False
    page = client.get(f"/stories/{story['id']}").data.decode()
    links = set(re.findall(r'href="(/outlets/[^"?]+)"', page))
    assert links == {"/outlets/foxnews.com"}, links
    for link in links:
        assert client.get(link).status_code == 200, link
    assert "First reported by www.northbridge-gazette.example" in _text(page.encode())


@pytest.fixture
def backend_app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """The app on the parametrized backend's store (SQLite, or a fresh PostgreSQL schema)."""
    app = make_app(tmp_path, DATABASE_URL=database_url)
    yield app
    close_store(app)


@pytest.mark.parametrize("backend", [BACKENDS["sqlite"], BACKENDS["postgresql"]])
def test_the_front_page_reaches_every_story_page_by_page(backend_app: Flask) -> None:
    # The front page listed the 30 most recent stories and no way to any other. It now pages
    # by time; stories updated at one same instant straddling a page's end (a file of articles
    # with one date) are kept on one page, so each story is listed exactly once.
    app, client = backend_app, backend_app.test_client()
    t0 = 1_760_000_000.0
    times = [t0 + 10_000 + i for i in range(20)] + [t0 + 5_000] * 25 + [t0 + i for i in range(25)]
    engine(app).store.commit(
        Batch(
            articles=[
                NewArticle(key=f"id:page-{i}", title=f"Harbor story number {i}", side="unrated",
                           published=t, first_seen=t, story_id=f"st-page-{i:03d}")
                for i, t in enumerate(times)
            ]
        )
    )  # fmt: skip
    pages: list[list[str]] = []
    path: str | None = "/"
    while path is not None:
        assert len(pages) < 5, pages
        body = client.get(path).data.decode()
        pages.append(re.findall(r'<a href="/stories/(st-page-\d+)">', body))
        older = re.search(r'<a rel="next" href="([^"]+)">Older stories</a>', body)
        path = html.unescape(older.group(1)) if older else None
    # 20 newest and 10 of the 25 tied; the other 15 tied and 15 older; the rest
    assert [len(p) for p in pages] == [30, 30, 10]
    listed = [story for page in pages for story in page]
    assert sorted(listed) == [f"st-page-{i:03d}" for i in range(70)]
    assert len(set(listed)) == 70
    assert "Older stories, from every side" in body and "Back to the latest stories" in body
    # Past the oldest story: said so, not the empty store's how-to.
    empty = _text(client.get(f"/?before={t0 - 1}").data)
    assert "No older story." in empty and "No stories yet" not in empty


@pytest.mark.parametrize(
    "value",
    ["1e300", "1e18", "253402300800", "99999999999999", "1.5e9&before=1", "1&before=nan"],
)
def test_a_before_no_calendar_shows_or_given_twice_is_a_400_saying_so(
    demo_app: Flask, client: FlaskClient, value: str
) -> None:
    # ?before=1e300 was a 200 page reading "Stories last updated up to . Back to the latest
    # stories" (no calendar shows that time); ?before= given twice took the first silently.
    response = client.get(f"/?before={value}", headers=HTML)
    assert response.status_code == 400, value
    text = _text(response.data)
    assert "Before must be given once" in text and "Back to the latest stories" in text
    assert "up to ." not in text


def test_the_latest_time_a_calendar_shows_is_still_a_page(
    demo_app: Flask, client: FlaskClient
) -> None:
    text = _text(client.get("/?before=253402300799", headers=HTML).data)
    assert "Stories last updated up to 31 Dec 9999, 23:59 UTC." in text


@pytest.mark.parametrize(
    ("path", "field", "typed"),
    [
        ("/score", "url", "https://www.reuters.com/world/\u202eevil-path"),
        ("/score", "url", "https://www.reuters.com/\u2067a\u202c\u2069b"),
        ("/outlets", "q", "fox\u202enews"),
    ],
)
def test_a_search_box_gives_back_exactly_what_was_typed(
    demo_app: Flask, client: FlaskClient, path: str, field: str, typed: str
) -> None:
    # The page closes directional controls at the end of every value it writes (so a title
    # cannot reorder the page's words after it), and did so in the value="" of the address and
    # search boxes too: a pasted address holding U+202E came back holding U+202E U+202C, and
    # pressing the button again looked up another address. A form field's value is not laid
    # out in the page's lines; it is the reader's own input.
    response = client.get(path, query_string={field: typed}, headers=HTML)
    assert response.status_code < 500
    values = re.findall(rf'name="{field}"[^>]*value="([^"]*)"', response.data.decode())
    assert [html.unescape(v) for v in values] == [typed]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Brücke gesperrt", "de", "de"),
        ("Abu Dhabi opens new metro line", "ar", None),  # thenational.ae: rated 'ar', English
        ("جسر مغلق", "ar en", "ar"),  # an outlet of two languages, told by the script
        ("Bridge shut", "ar en", None),
        ("Мост закрыт", "uk ru", None),  # two languages of one script: not known which
        ("Мост закрыт", "ru en", "ru"),
        ("Most je zatvoren", "sr", "sr"),  # Serbian in either of its scripts
        ("Мост је затворен", "sr", "sr"),
        ("桥梁关闭", "zh en", "zh"),
        ("橋が閉鎖", "ja", "ja"),
        ("다리 폐쇄", "ko en", "ko"),
        ("הגשר נסגר", "he", "he"),
        ("Le pont est fermé", "de fr", None),
        ("2025", "de", "de"),  # no letters to tell by: the outlet's one language
        ("2025", "de fr", None),
        ("Brücke gesperrt", "de\n", None),  # not a language code (matched "^[a-z]{2}$")
        ("Brücke gesperrt", "DE", None),
        ("Brücke gesperrt", "de-", None),
        ("Brücke gesperrt", None, None),
        ("Bridge shut", "en", None),
    ],
)
def test_a_text_is_marked_with_the_language_of_its_outlet_written_in_its_script(
    text: str, language: str | None, expected: str | None
) -> None:
    # WCAG 3.1.2: the outlet's language went on every title of the outlet whatever it was
    # written in: an English title of an outlet the ratings give as 'ar' was marked lang="ar"
    # (read in an Arabic voice), an Arabic title of an 'ar en' outlet had no lang at all, and
    # "de\n" reached the attribute.
    assert models.text_language(text, {"name": "X", "language": language}) == expected


def test_an_outlets_english_title_is_not_marked_with_its_rated_language(app: Flask) -> None:
    national = {"id": "thenational.ae", "name": "The National", "language": "ar",
                "lean": {"label": "center"}}  # fmt: skip
    arabic = {"id": "alarabiya.net", "name": "Al Arabiya", "language": "ar en",
              "lean": {"label": "center"}}  # fmt: skip
    summary = {
        "id": "st-1", "headline": "Abu Dhabi opens new metro line", "article_count": 2,
        "outlet_count": 2,
        "lean": {"outlets": {"left": 0, "center": 2, "right": 0, "unrated": 0},
                 "by_outlets": {"left": 0.0, "center": 1.0, "right": 0.0, "unrated": 0.0},
                 "articles": {"left": 0, "center": 2, "right": 0, "unrated": 0}},
        "key_points": [{"text": "The line opens on Monday.", "outlet": national},
                       {"text": "يفتتح الخط يوم الاثنين.", "outlet": arabic}],
        "framing": {"center": {"terms": ["metro"], "points": [
            {"text": "The line opens on Monday.", "outlet": national},
            {"text": "يفتتح الخط يوم الاثنين.", "outlet": arabic}]}},
        "articles_by_side": {"center": [
            {"id": "a1", "title": "Abu Dhabi opens new metro line", "outlet": national},
            {"id": "a2", "title": "أبوظبي تفتتح خط مترو جديد", "outlet": arabic},
        ]},
    }  # fmt: skip
    with app.test_request_context("/stories/st-1"):
        page = render_template(
            "pages/story.html", story=models.story_page(summary), outlet_base="/outlets/"
        )
    assert '<h1 id="story-title" class="headline" dir="auto">Abu Dhabi opens' in page
    assert '<p class="article-title" dir="auto">Abu Dhabi opens new metro line' in page
    assert '<p class="article-title" dir="auto" lang="ar">أبوظبي تفتتح' in page
    assert '<li dir="auto">The line opens on Monday. <span class="source">(' in page
    assert '<li dir="auto" lang="ar">يفتتح الخط' in page
    assert "“<bdi>The line opens on Monday.</bdi>”" in page
    assert '“<bdi lang="ar">يفتتح الخط يوم الاثنين.</bdi>”' in page
    assert "They emphasise: <bdi>metro</bdi>" in page  # the side's titles: two languages


@pytest.mark.parametrize("backend", [BACKENDS["sqlite"], BACKENDS["postgresql"]])
def test_hundreds_of_stories_of_one_instant_are_paged_through_each_once(
    backend_app: Flask,
) -> None:
    # A file of undated articles is stored at one instant: 600 of them made a first page of
    # 480 stories whose 'Older stories' link opened "No older story.", the other 120 listed on
    # no page. Pages now end inside an instant and the next goes on from its last story's id.
    app, client = backend_app, backend_app.test_client()
    t0 = 1_760_000_000.0
    times = [t0 + 10_000 + i for i in range(20)] + [t0 + 5_000] * 500 + [t0 + i for i in range(15)]
    engine(app).store.commit(
        Batch(
            articles=[
                NewArticle(key=f"id:tie-{i}", title=f"Harbor story number {i}", side="unrated",
                           published=t, first_seen=t, story_id=f"st-tie-{i:03d}")
                for i, t in enumerate(times)
            ]
        )
    )  # fmt: skip
    pages: list[list[str]] = []
    path: str | None = "/"
    while path is not None:
        assert len(pages) < 40, [len(p) for p in pages]
        body = client.get(path).data.decode()
        pages.append(re.findall(r'<a href="/stories/(st-tie-\d+)">', body))
        older = re.search(r'<a rel="next" href="([^"]+)">Older stories</a>', body)
        path = html.unescape(older.group(1)) if older else None
    assert all(1 <= len(p) <= 30 for p in pages), [len(p) for p in pages]  # no empty last page
    listed = [story for page in pages for story in page]
    assert len(listed) == len(set(listed)) == len(times)
    assert listed[:20] == [f"st-tie-{i:03d}" for i in range(19, -1, -1)]  # newest first
    assert listed[-15:] == [f"st-tie-{i:03d}" for i in range(534, 519, -1)]
    # A hostile cursor: ?after= alone, twice, or not a story id, is a 400 page.
    for query in ("after=st-1", "before=1&after=st-1&after=st-2", "before=1&after=%3Cb%3E"):
        assert client.get(f"/?{query}", headers=HTML).status_code == 400, query


def test_a_story_without_a_headline_says_so_in_english(app: Flask) -> None:
    # "Untitled story" (our words) was marked lang="de" when all the story's titles were German.
    spiegel = {"id": "spiegel.de", "name": "Der Spiegel", "language": "de"}
    summary = {
        "id": "st-1", "headline": "", "article_count": 1, "outlet_count": 1,
        "lean": {"outlets": {"left": 0, "center": 0, "right": 0, "unrated": 1},
                 "by_outlets": {"left": 0.0, "center": 0.0, "right": 0.0, "unrated": 1.0},
                 "articles": {"left": 0, "center": 0, "right": 0, "unrated": 1}},
        "articles_by_side": {"unrated": [{"id": "a1", "title": "Brücke gesperrt",
                                          "outlet": spiegel}]},
    }  # fmt: skip
    with app.test_request_context("/stories/st-1"):
        page = render_template(
            "pages/story.html", story=models.story_page(summary), outlet_base="/outlets/"
        )
    assert '<h1 id="story-title" class="headline" dir="auto">Untitled story</h1>' in page
    assert '<p class="article-title" dir="auto" lang="de">Brücke gesperrt' in page
