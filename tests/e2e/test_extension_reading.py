"""My reading, kept in the browser: the reading mirror records day, outlet and story only, shows the
right numbers, exports and deletes, and sends nothing anywhere."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from service.core.ratings import load_table
from tests.e2e.harness import (
    FOX_BLINDSPOT,
    FOX_HOME,
    HOSTILE_ARTICLE,
    NYT_ARTICLE,
    PAGES,
    UNRATED_ARTICLE,
    WAIT_MS,
    Browser,
    Service,
    open_article,
)
from tests.support.axe import audit, describe
from tests.support.net import CutProxy

pytestmark = pytest.mark.e2e

SIDE = {
    "far-left": "left",
    "left": "left",
    "lean-left": "left",
    "center": "center",
    "lean-right": "right",
    "right": "right",
    "far-right": "right",
}


@pytest.fixture
def proxy(service: Service) -> Any:
    host, port = service.url.removeprefix("http://").split(":")
    recorder = CutProxy((host, int(port)), record=True)
    yield recorder
    recorder.close()


def test_reading_mirror(
    browser: Browser, service: Service, proxy: CutProxy, artifacts: Path, tmp_path: Path
) -> None:
    # Every request to the service goes through the recorder from here on.
    since = time.time() * 1000
    browser.set_settings(serviceUrl=proxy.url)
    browser.wait_for_sync(since)
    assert browser.storage("reading") is None

    # Off by default: reading an article keeps nothing.
    open_article(browser, NYT_ARTICLE).close()
    time.sleep(0.5)
    assert browser.storage("reading") is None, "the mirror must be off until the reader turns it on"

    options = browser.context.new_page()
    options.goto(browser.page_url("options.html"))
    options.wait_for_selector("#sync-status:has-text('Last sync')", timeout=WAIT_MS)
    options.check("#reading-mirror")
    options.click("#save")
    options.wait_for_selector("#saved:has-text('Saved')", timeout=WAIT_MS)
    options.close()

    # Four article pages of three rated outlets (one read twice in a tab: counted once), an
    # unrated site's article and a section front (neither kept).
    page = open_article(browser, NYT_ARTICLE)
    page.reload()
    page.wait_for_selector("parallax-panel .coverage-section h4", state="attached", timeout=WAIT_MS)
    for url in (HOSTILE_ARTICLE, FOX_BLINDSPOT, UNRATED_ARTICLE):
        open_article(browser, url)
    home = browser.context.new_page()
    home.goto(FOX_HOME)
    home.wait_for_load_state("load")
    read = {url: service.score(url) for url in (NYT_ARTICLE, HOSTILE_ARTICLE, FOX_BLINDSPOT)}
    deadline = time.monotonic() + 10
    while len((browser.storage("reading") or {}).get("entries", [])) < 3:
        assert time.monotonic() < deadline, browser.storage("reading")
        time.sleep(0.1)
    time.sleep(0.5)

    # What is kept: day, outlet id, story id; nothing else, and no address or title anywhere.
    kept = browser.storage("reading")
    today = time.strftime("%Y-%m-%d")
    assert sorted(map(tuple, kept["entries"])) == sorted(
        (today, r["outlet"]["id"], r["story"]["id"]) for r in read.values()
    )
    stored = json.dumps(kept)
    assert "http" not in stored and "nytimes.com/2025" not in stored
    for r in read.values():
        assert r["story"]["headline"] not in stored

    # The page: its numbers from the kept entries and the local ratings table.
    requests_before = len(proxy.requests())
    reading = browser.context.new_page()
    web: list[str] = []
    reading.on(
        "request",
        lambda request: web.append(request.url) if request.url.startswith("http") else None,
    )
    reading.goto(browser.page_url("reading.html"))
    reading.wait_for_selector(".reading-count", timeout=WAIT_MS)
    assert reading.inner_text(".reading-count") == "3 articles from 3 outlets in the last 30 days"
    table = load_table()
    sides = [SIDE.get(table.get(r["outlet"]["id"]).lean or "", "unrated") for r in read.values()]  # type: ignore[union-attr]
    for side in ("left", "center", "right"):
        share = round(100 * sides.count(side) / len(sides))
        if share:
            assert reading.inner_text(f".lean-articles .legend-{side}").endswith(f" {share}%")
    names = reading.eval_on_selector_all(
        ".top-outlets .top-name", "els => els.map(e => e.textContent)"
    )
    assert sorted(names) == sorted(r["outlet"]["name"] for r in read.values())
    # Each story was read from one side only: each is listed, linked to its page on the service.
    links = reading.eval_on_selector_all(
        ".one-sided li", "els => els.map(e => [e.dataset.story, e.querySelector('a')?.href])"
    )
    assert sorted(links) == sorted(
        [r["story"]["id"], f"{proxy.url}/stories/{r['story']['id']}"] for r in read.values()
    )
    violations = audit(reading)
    assert not violations, describe(violations)
    reading.set_viewport_size({"width": 360, "height": 800})
    violations = audit(reading)
    assert not violations, describe(violations)
    reading.set_viewport_size({"width": 1000, "height": 900})
    reading.screenshot(path=str(artifacts / "reading.png"), full_page=True)
    reading.check("input[name=days][value='7']")
    assert reading.inner_text(".reading-count").startswith("3 articles")

    # Export: the kept entries, as kept.
    with reading.expect_download() as download:
        reading.click("#export")
    path = tmp_path / "reading.json"
    download.value.save_as(path)
    exported = json.loads(path.read_text("utf-8"))
    assert sorted((e["day"], e["outlet"], e["story"]) for e in exported["entries"]) == sorted(
        map(tuple, kept["entries"])
    )

    # Delete all: one button, and nothing is left.
    reading.click("#delete")
    reading.wait_for_selector("#data-status:has-text('Deleted')", timeout=WAIT_MS)
    assert browser.storage("reading") is None
    reading.wait_for_selector(".empty", timeout=WAIT_MS)

    # Nothing of it in any request: the page asked nothing of anyone, and the service only ever
    # saw what the panel asks without the mirror (the article being read, the ratings table).
    assert web == [], web
    assert len(proxy.requests()) == requests_before, proxy.requests()[requests_before:]
    for line in proxy.requests():
        path_part = line.split(" ")[1]
        assert path_part.startswith(("/v1/score?", "/v1/articles", "/v1/outlets/export")), line
        for r in read.values():
            assert r["story"]["id"] not in path_part, line


def test_a_reload_after_the_site_strips_its_share_parameter_is_one_read(
    browser: Browser,
) -> None:
    """A shared link (?smid=...) that the site strips with replaceState, then a reload: one
    article read once. The worker kept the page's address as it was to count a page once per
    tab, so the stripped address was a second read (and the replaceState, which rebuilt the
    panel, a second one even before the reload)."""
    shared = NYT_ARTICLE + "?smid=nytcore-ios-share"
    article = (PAGES / "nyt-article.html").read_text("utf-8")
    browser.context.route(
        shared, lambda route: route.fulfill(status=200, content_type="text/html", body=article)
    )
    browser.set_settings(readingMirror=True)
    page = open_article(browser, shared)
    page.evaluate("history.replaceState(null, '', location.pathname)")
    page.wait_for_timeout(1000)  # a rebuilt panel has noted its read by now
    page.reload()
    page.wait_for_selector(
        f"parallax-panel[data-parallax-for='{NYT_ARTICLE}']", state="attached", timeout=WAIT_MS
    )
    page.wait_for_timeout(500)  # the note is sent after the panel is drawn
    entries = (browser.storage("reading") or {}).get("entries", [])
    assert len(entries) == 1, entries
