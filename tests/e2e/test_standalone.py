"""Standalone mode (issue 17): the extension rates pages and links from its built-in table with no
service and sends nothing; coverage follows once a service is connected; the fresher table wins;
the welcome page opens on install."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.core.ratings import RatingsTable, check_ratings, default_ratings_dir
from tests.e2e.harness import (
    NYT_ARTICLE,
    ROUTED_PAGES,
    UNRATED_ARTICLE,
    WAIT_MS,
    Browser,
    FakeService,
    Service,
    free_port,
    hover_result,
    open_panel,
    ratings_export,
)
from tests.e2e.test_extension import BADGE_TEXT, badge
from tests.support.axe import audit, describe

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def table() -> RatingsTable:
    table, problems = check_ratings(default_ratings_dir())
    assert table is not None and not problems
    return table


def assert_accessible_everywhere(page: Any, what: str) -> None:
    """axe-core finds nothing serious in light and dark mode, at 360 px and wide."""
    for scheme in ("light", "dark"):
        for width in (360, 1280):
            page.emulate_media(color_scheme=scheme)
            page.set_viewport_size({"width": width, "height": 900})
            violations = audit(page)
            assert violations == [], f"{what}, {scheme}, {width} px:\n{describe(violations)}"


def open_standalone_article(browser: Browser, url: str) -> Any:
    page = browser.context.new_page()
    page.goto(url)
    page.wait_for_selector(
        f"parallax-panel[data-parallax-for='{url}']", state="attached", timeout=WAIT_MS
    )
    return page


def test_standalone_rates_pages_and_links_and_sends_nothing(
    make_browser: Any, service: Service, table: RatingsTable, artifacts: Path
) -> None:
    browser: Browser = make_browser(standalone=True)
    assert browser.storage("settings")["serviceUrl"] == "", "a fresh install has no service"
    export = json.loads(ratings_export())
    meta = browser.storage("ratingsMeta")
    assert meta["source"] == "package" and meta["version"] == export["version"]
    assert meta["count"] == len(export["outlets"]) and meta["date"] == export["date"]
    # No address is set, so the usual one (127.0.0.1:8000) is never tried: the request log below
    # shows no request at all, whether or not something happens to listen there.
    browser.set_settings(perfMarks=True)

    nyt = table.get("nytimes.com")
    assert nyt is not None and nyt.lean and nyt.factuality
    page = open_standalone_article(browser, NYT_ARTICLE)
    text, title = badge(browser, browser.active_tab_id())
    assert text == BADGE_TEXT[nyt.lean]
    assert nyt.name in title and "factuality" in title
    open_panel(page)
    panel = page.locator("parallax-panel .panel")
    assert panel.locator(".outlet-name").inner_text() == nyt.name
    assert panel.locator(".lean .lean-chip").get_attribute("data-lean") == nyt.lean
    assert panel.locator(".factuality").inner_text().lower().replace(" ", "-") == nyt.factuality
    no_service = panel.locator(".no-service")
    assert "Related coverage needs a Parallax service" in no_service.inner_text()
    assert no_service.locator("button.options-link").count() == 1
    page.screenshot(path=str(artifacts / "standalone-panel.png"))

    fox = table.get("foxnews.com")
    assert fox is not None
    assert hover_result(page, "#fox") == fox.name
    assert hover_result(page, "#unrated") == ""

    unrated = open_standalone_article(browser, UNRATED_ARTICLE)
    text, title = badge(browser, browser.active_tab_id())
    assert text == "?" and "not rated" in title
    open_panel(unrated)
    assert (
        "is not in the Parallax ratings" in unrated.locator("parallax-panel .unrated").inner_text()
    )

    assert browser.network_requests_by_extension() == [], "standalone mode sent a request"
    others = {
        url.split("#")[0]
        for url, _ in browser.requests
        if not url.startswith("chrome-extension://")
    }
    assert others <= set(ROUTED_PAGES), (
        f"requests beyond the pages the test opened: {others - set(ROUTED_PAGES)}"
    )

    # Then the reader connects a service in the options, and coverage appears.
    options = browser.context.new_page()
    options.goto(browser.page_url("options.html"))
    assert options.inner_text("#service-state").startswith("Standalone")
    since = time.time() * 1000
    options.fill("#service-url", service.url)
    options.click("#connect-service")
    options.wait_for_selector("#service-result:has-text('Connected to Parallax')", timeout=WAIT_MS)
    browser.wait_for_sync(since)
    page.goto(NYT_ARTICLE)
    page.wait_for_selector("parallax-panel .story-count", state="attached", timeout=WAIT_MS)
    story = service.score(NYT_ARTICLE)["story"]
    assert page.locator("parallax-panel .story-count").inner_text() == (
        f"{story['article_count']} articles from {story['outlet_count']} sources"
    )
    sent = browser.network_requests_by_extension()
    # The log does see the worker's requests: now there are some, all to the chosen service.
    assert sent and all(url.startswith(service.url + "/") for url in sent), sent


@pytest.fixture
def fake_services() -> Iterator[list[FakeService]]:
    started: list[FakeService] = []
    yield started
    for fake in started:
        fake.close()


def renamed(export: dict[str, Any], version: str, date: str, name: str) -> dict[str, Any]:
    changed = copy.deepcopy(export)
    changed.update(version=version, date=date)
    id_at, name_at = changed["fields"].index("id"), changed["fields"].index("name")
    row = next(row for row in changed["outlets"] if row[id_at] == "nytimes.com")
    row[name_at] = name
    return changed


def test_the_fresher_table_is_kept_and_the_options_say_which(
    make_browser: Any, fake_services: list[FakeService]
) -> None:
    export = json.loads(ratings_export())
    newer = FakeService(renamed(export, "newer-table", "2099-01-01", "The Times (newer table)"))
    older = FakeService(renamed(export, "older-table", "2000-01-01", "The Times (older table)"))
    fake_services.extend([newer, older])
    browser: Browser = make_browser(standalone=True)
    options = browser.context.new_page()
    options.goto(browser.page_url("options.html"))
    options.wait_for_selector("#table-status:has-text('built into the extension')", timeout=WAIT_MS)

    def connect(url: str) -> dict[str, Any]:
        since = time.time() * 1000
        browser.set_settings(serviceUrl=url)
        return browser.wait_for_sync(since)

    def badge_title() -> str:
        page = browser.context.new_page()
        page.goto(NYT_ARTICLE)
        page.wait_for_selector("parallax-panel", state="attached", timeout=WAIT_MS)
        title = badge(browser, browser.active_tab_id())[1]
        page.close()
        return title

    meta = connect(newer.url)
    assert meta["source"] == "service" and meta["version"] == "newer-table", meta
    assert "The Times (newer table)" in badge_title()
    options.wait_for_selector(
        "#table-status:has-text('from your Parallax service')", timeout=WAIT_MS
    )

    meta = connect(older.url)
    assert meta["source"] == "package" and meta["version"] == export["version"], meta
    assert meta["service"]["version"] == "older-table"
    assert "The New York Times" in badge_title()
    options.wait_for_selector(
        "#table-status:has-text('is older, so the built-in one is kept')", timeout=WAIT_MS
    )

    # Back to no service: the built-in table, and the options say so.
    browser.set_settings(serviceUrl="")
    options.wait_for_selector(
        "#service-state:has-text('Standalone')", state="attached", timeout=WAIT_MS
    )


def test_welcome_page_opens_on_install_and_connects_a_service(
    make_browser: Any, service: Service, table: RatingsTable, artifacts: Path
) -> None:
    browser: Browser = make_browser(standalone=True)
    deadline = time.monotonic() + WAIT_MS / 1000
    welcome = None
    while welcome is None and time.monotonic() < deadline:
        welcome = next((p for p in browser.context.pages if p.url.endswith("/welcome.html")), None)
        browser.context.pages[0].wait_for_timeout(100)  # lets Playwright take in the new tab
    assert welcome is not None, [p.url for p in browser.context.pages]
    welcome.wait_for_selector("#ready-line:has-text('built in')", timeout=WAIT_MS)
    count = len(json.loads(ratings_export())["outlets"])
    assert f"ratings of {count:,} news outlets are built in" in welcome.inner_text("#ready-line")
    reuters = table.get("reuters.com")
    assert reuters is not None
    assert welcome.inner_text("#card-sample .outlet-name") == reuters.name
    assert welcome.locator("#badge-legend li").count() == len(BADGE_TEXT) + 1
    assert welcome.inner_text("#service-state").startswith("Standalone")
    assert browser.network_requests_by_extension() == []

    assert_accessible_everywhere(welcome, "welcome")
    welcome.emulate_media(color_scheme="light")
    welcome.set_viewport_size({"width": 1000, "height": 900})
    welcome.screenshot(path=str(artifacts / "welcome.png"), full_page=True)

    # The address check: a dead address says so; the real one is reached; Test alone saves nothing.
    welcome.fill("#service-url", f"http://127.0.0.1:{free_port()}")
    welcome.click("#test-service")
    welcome.wait_for_selector("#service-error:has-text('not reachable')", timeout=WAIT_MS)
    welcome.fill("#service-url", service.url)
    welcome.click("#test-service")
    welcome.wait_for_selector("#service-result:has-text('Reached Parallax')", timeout=WAIT_MS)
    assert browser.storage("settings")["serviceUrl"] == ""
    welcome.click("#connect-service")
    welcome.wait_for_selector("#service-state:has-text('Connected to')", timeout=WAIT_MS)
    assert browser.storage("settings")["serviceUrl"] == service.url


def test_options_page_passes_axe_in_both_schemes_and_widths(browser: Browser) -> None:
    options = browser.context.new_page()
    options.goto(browser.page_url("options.html"))
    options.wait_for_selector("#table-status:has-text('Using')", timeout=WAIT_MS)
    assert_accessible_everywhere(options, "options")
