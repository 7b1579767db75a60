"""Ratings where links are listed: Google News rows and inline badges on a search page with infinite scroll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.core.ratings import RatingsTable, load_table
from tests.e2e.harness import (
    NYT_ARTICLE,
    PAGES,
    RTL_ARTICLE,
    WAIT_MS,
    Browser,
    Service,
    hover_result,
)

pytestmark = pytest.mark.e2e

SEARCH = "https://www.google.com/search?q=dam+vote&n=30"
GOOGLE_NEWS = "https://news.google.com/home?hl=en-US&gl=US&ceid=US:en"
DOTS = "a > parallax-dot"


@pytest.fixture(scope="module")
def table() -> RatingsTable:
    return load_table()


def route(browser: Browser) -> None:
    """The search page and Google News, served from fixtures at their real addresses."""

    def page(name: str) -> Any:
        def handler(route: Any) -> None:
            route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body=(PAGES / name).read_text("utf-8"),
            )

        return handler

    browser.context.route("https://www.google.com/search**", page("search-results.html"))
    browser.context.route("https://news.google.com/home**", page("google-news.html"))


def expected_outlet(table: RatingsTable, href: str, page_url: str) -> str | None:
    """What the service's resolver says about a link, less the page's links to its own outlet."""
    outlet = table.resolve(href).outlet
    own = table.resolve(page_url).outlet
    if outlet is None or (own is not None and outlet.id == own.id):
        return None
    return outlet.id


def dots_by_link(page: Any) -> dict[str, str]:
    """Link id → the lean its dot shows."""
    found: dict[str, str] = page.evaluate(
        f"Object.fromEntries([...document.querySelectorAll('{DOTS}')]"
        ".map(d => [d.parentElement.id, d.dataset.lean]))"
    )
    return found


def text_boxes(page: Any) -> list[list[float]]:
    """Where every result's text sits: a dot must move none of it."""
    boxes: list[list[float]] = page.evaluate(
        "[...document.querySelectorAll('.result, .result a, .result p, .result .site, h1')]"
        ".map(e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })"
    )
    return boxes


def test_inline_badges_on_a_search_page_with_infinite_scroll(
    browser: Browser, service: Service, table: RatingsTable, artifacts: Path
) -> None:
    route(browser)
    browser.set_settings(perfMarks=True)
    page = browser.context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(SEARCH)
    page.wait_for_function(
        "document.documentElement.dataset.parallaxPhase !== undefined", timeout=WAIT_MS
    )
    assert page.locator(DOTS).count() == 0, "inline badges are off until the reader turns them on"
    before = text_boxes(page)

    # The popup's switch turns them on for this site, and the open page follows at once.
    tab_id = browser.active_tab_id()
    popup = browser.context.new_page()
    popup.goto(browser.page_url(f"popup.html?tab={tab_id}"))
    popup.locator("#badge-site").check()
    popup.close()
    page.wait_for_function(
        "document.documentElement.dataset.parallaxBadgeAllMs !== undefined", timeout=WAIT_MS
    )
    assert browser.storage("settings")["inlineBadgeSites"] == ["google.com"]

    links = page.evaluate("[...document.querySelectorAll('.result a')].map(a => [a.id, a.href])")
    want = {
        link_id: table.get(outlet_id).lean or "unrated"  # type: ignore[union-attr]
        for link_id, href in links
        if (outlet_id := expected_outlet(table, href, SEARCH)) is not None
    }
    assert len(want) >= 15 and len(want) < len(links), "the page must mix rated and unrated links"
    assert dots_by_link(page) == want
    assert text_boxes(page) == before, "the dots moved the page's text"
    page.screenshot(path=str(artifacts / "inline-badges.png"))

    # Infinite scroll: the page adds 100 results at a time; the one observer badges them.
    for batch in range(2):
        count = page.evaluate("document.querySelectorAll('.result').length")
        page.mouse.wheel(0, 100_000)
        page.wait_for_function(
            f"document.querySelectorAll('.result').length >= {count + 100}", timeout=WAIT_MS
        )
        page.wait_for_function(
            f"Number(document.documentElement.dataset.parallaxBadgeBatches ?? 0) >= {batch + 1}",
            timeout=WAIT_MS,
        )
    links = page.evaluate("[...document.querySelectorAll('.result a')].map(a => [a.id, a.href])")
    assert len(links) >= 230
    want = {
        link_id: table.get(outlet_id).lean or "unrated"  # type: ignore[union-attr]
        for link_id, href in links
        if (outlet_id := expected_outlet(table, href, SEARCH)) is not None
    }
    assert dots_by_link(page) == want
    assert int(page.evaluate("document.documentElement.dataset.parallaxBadgeBatches")) >= 2
    # Each dot says in words what it shows.
    title = page.locator(f"{DOTS}[data-lean]").first.get_attribute("title") or ""
    assert "factuality" in title
    # The extension's own modules load from chrome-extension://; nothing goes to the network.
    web = [url for url in requests if url.startswith(("http:", "https:"))]
    assert web == [SEARCH], f"badging made requests: {web[1:]}"

    # Off for this site from the popup: the dots go at once.
    popup = browser.context.new_page()
    popup.goto(browser.page_url(f"popup.html?tab={tab_id}"))
    popup.locator("#badge-site:enabled").wait_for(timeout=WAIT_MS)  # the setting is read
    assert popup.locator("#badge-site").is_checked()
    popup.locator("#badge-site").uncheck()
    page.wait_for_function(f"document.querySelectorAll('{DOTS}').length === 0", timeout=WAIT_MS)
    assert page.evaluate("document.body.dataset.pageScript") == "ran"


def test_google_news_rows_get_the_outlet_named_beside_them(
    browser: Browser, service: Service, table: RatingsTable, artifacts: Path
) -> None:
    route(browser)
    browser.set_settings(perfMarks=True, inlineBadges=True)
    page = browser.context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(GOOGLE_NEWS)
    page.wait_for_function(
        "document.documentElement.dataset.parallaxBadgeAllMs !== undefined", timeout=WAIT_MS
    )
    rows = page.evaluate(
        "[...document.querySelectorAll('article')].map(a => [a.querySelector('.JtKRv').id,"
        " a.querySelector('.JtKRv').href, a.querySelector('.vr1PYe').textContent])"
    )
    want: dict[str, str] = {}
    for link_id, href, source in rows:
        # The service's resolver, given the same name and the edition's country, is the reference.
        outlet = table.resolver.resolve_named(href, source, "US").outlet
        if outlet is not None:
            want[link_id] = outlet.lean or "unrated"
    assert set(want) == {
        "link-nyt",
        "link-fox",
        "link-reuters",
        "link-bloomberg",
        "link-dailystar",
        "link-old",
    }, want
    assert dots_by_link(page) == want
    # The card's overlay link (no words) gets no second dot.
    assert page.locator("a.WwrzSb > parallax-dot").count() == 0

    def card_for(link_id: str) -> str:
        return hover_result(page, f"#{link_id}")

    assert card_for("link-nyt") == "The New York Times"
    page.screenshot(path=str(artifacts / "google-news.png"))
    assert card_for("link-fox") == "Fox News"
    assert card_for("link-dailystar") == table.resolver.outlet_for_name("Daily Star", "US").name  # type: ignore[union-attr]
    assert card_for("link-old") == "The New York Times", "a decodable id wins over the name"
    assert card_for("link-unknown") == "", "an unrated source: no card, never Google News"
    web = [url for url in requests if url.startswith(("http:", "https:"))]
    assert web == [GOOGLE_NEWS], f"Google News rows made requests: {web[1:]}"


def test_panel_and_card_link_to_the_service_pages_and_show_the_mixes(
    browser: Browser, service: Service
) -> None:
    from tests.e2e.harness import NYT_ARTICLE, open_article, open_panel

    expected = service.score(NYT_ARTICLE)
    outlet, story = expected["outlet"], expected["story"]
    page = open_article(browser, NYT_ARTICLE)
    open_panel(page)
    panel = page.locator("parallax-panel .panel")
    assert (
        panel.locator("a.outlet-link").get_attribute("href")
        == f"{service.url}/outlets/{outlet['id']}"
    )
    assert panel.locator("a.story-link").get_attribute("href") == (
        f"{service.url}/stories/{story['id']}"
    )
    # The story's factuality and ownership mix, as the API gives them (shares of its outlets).
    for block, shares in (
        ("factuality-mix", story["factuality"]),
        ("owner-mix", story["owner_types"]),
    ):
        shown = panel.locator(f".{block} li").evaluate_all(
            "items => Object.fromEntries(items.map(i => [i.dataset.key,"
            " i.querySelector('.mix-value').textContent]))"
        )
        assert shown == {
            # Math.round, as the extension rounds (Python's round() rounds halves to even).
            key: f"{int(share * 100 + 0.5)}%"
            for key, share in shares.items()
            if int(share * 100 + 0.5)
        }, (block, shown, shares)
    # The hover card links to the outlet's page too.
    page.mouse.move(1, 1)
    page.hover("#fox")
    card = page.locator("parallax-hovercard .card")
    card.wait_for(state="visible", timeout=WAIT_MS)
    fox = service.score(page.get_attribute("#fox", "href") or "")["outlet"]
    assert (
        card.locator("a.outlet-link").get_attribute("href") == f"{service.url}/outlets/{fox['id']}"
    )


def test_a_dot_keeps_its_gap_after_a_right_to_left_link(make_browser: Any) -> None:
    """The dot sits 3 px after a link's last word. On a Hebrew page the last word ends on the
    left, but the gap was a margin-left: the dot touched the word (0 px), as if part of it."""
    browser: Browser = make_browser(standalone=True)
    browser.set_settings(inlineBadges=True, inlineBadgeSites=["haaretz.co.il", "nytimes.com"])
    gaps = {}
    for url in (RTL_ARTICLE, NYT_ARTICLE):
        page = browser.context.new_page()
        page.goto(url)
        page.wait_for_selector("#fox > parallax-dot", state="attached", timeout=WAIT_MS)
        gaps[url] = page.evaluate(
            """() => { const link = document.getElementById('fox');
              const words = document.createRange(); words.selectNodeContents(link.firstChild);
              const text = words.getBoundingClientRect();
              const dot = link.querySelector('parallax-dot').getBoundingClientRect();
              return getComputedStyle(link).direction === 'rtl'
                ? text.left - dot.right : dot.left - text.right; }"""
        )
        page.close()
    assert all(2 <= gap <= 6 for gap in gaps.values()), gaps
