"""End to end: the extension in Chromium, a real `parallax serve`, fixture pages at outlet URLs."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    FOX_BLINDSPOT,
    FOX_HOME,
    HOSTILE_ARTICLE,
    NYT_ARTICLE,
    STRICT_CSP_ARTICLE,
    UNRATED_ARTICLE,
    Browser,
    Service,
    free_port,
    hover_result,
    text_boxes,
)

pytestmark = pytest.mark.e2e

# The badge's short text per lean, as the extension's format.js draws it.
BADGE_TEXT = {
    "far-left": "FL",
    "left": "L",
    "lean-left": "LL",
    "center": "C",
    "lean-right": "LR",
    "right": "R",
    "far-right": "FR",
}
SIDE_WORD = {"left": "Left", "center": "Center", "right": "Right", "unrated": "Unrated"}
WAIT_MS = 10_000
# Countries are shown by name, as the browser's Intl.DisplayNames writes them in English.
COUNTRY_NAMES = {"US": "United States", "GB": "United Kingdom"}


def shadow(page: Any, host: str, script: str) -> Any:
    """Evaluates `script` (a function of the shadow root) inside our UI's shadow root."""
    return page.locator(host).evaluate(f"h => ({script})(h.shadowRoot)")


def open_article(browser: Browser, url: str) -> Any:
    page = browser.context.new_page()
    page.goto(url)
    page.wait_for_selector(
        "parallax-panel .coverage-section h4, parallax-panel .service-error",
        state="attached",
        timeout=WAIT_MS,
    )
    return page


def open_panel(page: Any) -> None:
    page.locator("parallax-panel .tab").click()
    page.wait_for_selector("parallax-panel .panel", state="visible", timeout=WAIT_MS)


def badge(browser: Browser, tab_id: int) -> tuple[str, str]:
    text: str = browser.worker.evaluate("id => chrome.action.getBadgeText({tabId: id})", tab_id)
    title: str = browser.worker.evaluate("id => chrome.action.getTitle({tabId: id})", tab_id)
    return text, title


def percent(share: float) -> int:
    return int(share * 100 + 0.5)


def test_article_page_shows_panel_with_outlet_lean_and_story(
    browser: Browser, service: Service, artifacts: Path
) -> None:
    expected = service.score(NYT_ARTICLE)
    outlet, story = expected["outlet"], expected["story"]
    assert outlet is not None and story is not None, "the seeded story is missing from the service"
    page = open_article(browser, NYT_ARTICLE)
    open_panel(page)

    panel = page.locator("parallax-panel .panel")
    assert panel.locator(".outlet-name").inner_text() == outlet["name"]
    assert panel.locator(".lean .lean-chip").get_attribute("data-lean") == outlet["lean"]["label"]
    assert (
        panel.locator(".factuality").inner_text().lower().replace(" ", "-")
        == outlet["factuality"]["label"]
    )
    assert outlet["owner"] in panel.locator(".owner").inner_text()
    assert panel.locator(".country").inner_text() == COUNTRY_NAMES[outlet["country"]]
    assert panel.locator(".basis").inner_text() == outlet["basis"]
    assert panel.locator(".quality").inner_text() == outlet["quality"]["text"]
    assert panel.locator(".scale .on").count() == 1

    assert (
        panel.locator(".story-count").inner_text()
        == f"{story['article_count']} articles from {story['outlet_count']} sources"
    )
    for side, share in story["lean"]["by_outlets"].items():
        if side == "unrated" and percent(share) == 0:
            continue
        assert (
            panel.locator(f".legend-{side}").inner_text() == f"{SIDE_WORD[side]} {percent(share)}%"
        )
    first = story["first_reported_by"]
    assert first["outlet"]["name"] in panel.locator(".first-reported").inner_text()
    links = panel.locator("a.headline")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    related = {a["url"] for a in story["related"] if a["url"] != expected["resolved_url"]}
    assert related <= hrefs and related, (related, hrefs)
    fox = next(a for a in story["related"] if "foxnews.com" in a["url"])
    assert (
        fox["title"]
        in panel.locator(
            f".coverage-{'right' if fox['outlet']['lean']['label'].endswith('right') else 'left'}"
        ).inner_text()
    )

    # The panel sits beside the text, never over it, and the page keeps working.
    article_right = max(box[2] for box in text_boxes(page, "article"))
    panel_left = panel.evaluate("p => p.getBoundingClientRect().left")
    assert article_right <= panel_left
    assert page.evaluate("document.body.dataset.pageScript") == "ran"
    page.screenshot(path=str(artifacts / "panel.png"))

    text, title = badge(browser, browser.active_tab_id())
    assert text == BADGE_TEXT[outlet["lean"]["label"]]
    assert outlet["name"] in title and "factuality" in title

    # Keyboard: Escape collapses to the tab, Enter on the tab opens it again.
    page.keyboard.press("Escape")
    page.wait_for_selector("parallax-panel .panel", state="hidden", timeout=WAIT_MS)
    tab = page.locator("parallax-panel .tab")
    assert tab.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.tagName") == "PARALLAX-PANEL"
    page.keyboard.press("Enter")
    page.wait_for_selector("parallax-panel .panel", state="visible", timeout=WAIT_MS)


def test_hover_cards_show_rated_outlets_and_nothing_for_unrated(
    browser: Browser, service: Service, artifacts: Path
) -> None:
    browser.set_settings(perfMarks=True)
    page = browser.context.new_page()
    requests: list[str] = []
    page.goto(NYT_ARTICLE)
    page.wait_for_function(
        "document.documentElement.dataset.parallaxPhase !== undefined", timeout=WAIT_MS
    )
    page.on("request", lambda request: requests.append(request.url))

    def expected_name(url: str) -> str:
        name: str = service.score(url)["outlet"]["name"]
        return name

    fox_href = page.get_attribute("#fox", "href")
    assert hover_result(page, "#fox") == expected_name(fox_href)
    card = page.locator("parallax-hovercard .card")
    fox = service.score(fox_href)["outlet"]
    assert card.locator(".lean-chip").get_attribute("data-lean") == fox["lean"]["label"]
    # The quality layer, built from the local table, in the words the service uses.
    assert fox["quality"] is not None, "Fox News lost its news-quality score"
    assert card.locator(".quality").inner_text() == fox["quality"]["text"]
    assert re.fullmatch(r"news-quality score 0\.\d\d of 1, .+, \d{4}", fox["quality"]["text"])
    page.screenshot(path=str(artifacts / "hover-card.png"))
    card.locator(".more").click()
    assert card.locator(".extra").is_visible()

    # Unwrapped the same way as the service: a Google redirect, and t.co via its expanded URL.
    assert hover_result(page, "#google-cnn") == expected_name(
        page.get_attribute("#google-cnn", "href")
    )
    assert hover_result(page, "#tco") == expected_name(
        page.get_attribute("#tco", "data-expanded-url")
    )
    # An outlet with no factuality of its own: the one its quality score gives, said as derived.
    derived_href = page.get_attribute("#derived", "href")
    assert hover_result(page, "#derived") == expected_name(derived_href)
    derived = service.score(derived_href)["outlet"]
    assert derived["factuality"] is None and derived["factuality_derived"]["derived"] is True
    assert card.locator(".quality").inner_text() == derived["quality"]["text"]
    assert (
        card.locator(".factuality-derived")
        .inner_text()
        .startswith(
            f"{derived['factuality_derived']['label'].replace('-', ' ').capitalize()} (derived from"
        )
    )
    assert "not a Parallax rating" in card.locator(".factuality-derived").inner_text()
    assert hover_result(page, "#unrated") == ""
    assert service.score(page.get_attribute("#unrated", "href"))["outlet"] is None
    assert hover_result(page, "#blog") == ""
    assert hover_result(page, "#same-site") == "", "a site's links to itself get no card"

    # A link the page adds later is handled by the same delegated listener.
    page.click("#more")
    assert hover_result(page, "#late-reuters") == expected_name(
        page.get_attribute("#late-reuters", "href")
    )
    assert requests == [], f"hovering made requests: {requests}"


def test_service_down_says_so_and_the_page_keeps_working(browser: Browser, artifacts: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    since = time.time() * 1000
    browser.set_settings(serviceUrl=dead, perfMarks=True)
    meta = browser.wait_for_sync(since)
    assert meta.get("lastError"), meta
    assert meta.get("count", 0) > 100, "the last good ratings table must be kept"

    page = open_article(browser, NYT_ARTICLE)
    open_panel(page)
    notice = page.locator("parallax-panel .service-error").inner_text()
    assert "not reachable" in notice and dead in notice
    # The rating itself comes from the table kept in the browser.
    assert page.locator("parallax-panel .outlet-name").inner_text() == "The New York Times"
    assert page.evaluate("document.body.dataset.pageScript") == "ran"
    page.click("#more")
    assert page.inner_text("#clicks") == "1"
    assert hover_result(page, "#fox") != ""
    page.screenshot(path=str(artifacts / "service-down.png"))


def test_hostile_page_renders_text_and_never_the_wrong_outlet(
    browser: Browser, service: Service, artifacts: Path
) -> None:
    browser.set_settings(perfMarks=True)
    page = browser.context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(HOSTILE_ARTICLE)
    page.wait_for_selector("parallax-panel .coverage-section h4", state="attached", timeout=WAIT_MS)
    open_panel(page)

    story = service.score(HOSTILE_ARTICLE)["story"]
    hostile_titles = [a["title"] for a in story["related"] if "<" in a["title"]]
    assert hostile_titles, "the seeded hostile headlines are missing"
    text = shadow(page, "parallax-panel", "root => root.textContent")
    for title in hostile_titles:
        assert title in text, f"{title!r} was not shown as text"
    injected = shadow(
        page,
        "parallax-panel",
        "root => root.querySelectorAll('script, img, b, iframe, object, embed').length",
    )
    assert injected == 0
    hrefs = shadow(
        page,
        "parallax-panel",
        "root => [...root.querySelectorAll('a')].map(a => a.getAttribute('href'))",
    )
    assert hrefs and all(href is None or re.match(r"^https?://", href) for href in hrefs), hrefs
    assert page.evaluate("window.__pwned === undefined")

    nyt = service.score(NYT_ARTICLE)["outlet"]["name"]
    for link in [
        "#lookalike-suffix",
        "#lookalike-userinfo",
        "#lookalike-path",
        "#lookalike-idn",
        "#lookalike-backslash",
        "#js-link",
        "#google-js",
        "#tco-hostile",
        "#data-link",
    ]:
        shown = hover_result(page, link)
        assert shown != nyt, f"{link} was shown as {nyt}"
        href = page.evaluate(f"document.querySelector('{link}').href")
        if href.startswith("http"):
            reference = service.score(href)["outlet"]
            assert shown == (reference["name"] if reference else ""), (
                f"{link}: extension {shown!r}, service {reference}"
            )
        else:
            assert shown == "", f"{link} ({href}) must show nothing"
    assert (
        hover_result(page, "#real-fox")
        == service.score(page.get_attribute("#real-fox", "href"))["outlet"]["name"]
    )
    assert dialogs == []
    assert page.evaluate("document.body.dataset.pageScript") == "ran"
    page.screenshot(path=str(artifacts / "hostile-page.png"))


def test_badge_on_news_and_nothing_on_other_pages(browser: Browser, service: Service) -> None:
    browser.set_settings(perfMarks=True)
    page = browser.context.new_page()
    page.goto(FOX_HOME)
    page.wait_for_function(
        "document.documentElement.dataset.parallaxPhase === 'no-panel'", timeout=WAIT_MS
    )
    assert page.locator("parallax-panel").count() == 0, "a section front is not an article"
    fox = service.score(FOX_HOME)["outlet"]
    assert badge(browser, browser.active_tab_id())[0] == BADGE_TEXT[fox["lean"]["label"]]

    page.goto(UNRATED_ARTICLE)
    page.wait_for_selector(
        "parallax-panel .coverage-section h4, parallax-panel .service-error",
        state="attached",
        timeout=WAIT_MS,
    )
    text, title = badge(browser, browser.active_tab_id())
    assert text == "?" and "not rated" in title
    assert "not in the Parallax ratings" in shadow(
        page, "parallax-panel", "root => root.textContent"
    )

    page.goto(browser.page_url("options.html"))  # not a web page: no content script, no badge
    assert page.locator("parallax-panel").count() == 0


def test_panel_can_be_dismissed_per_site(browser: Browser) -> None:
    browser.set_settings(perfMarks=True)
    page = open_article(browser, NYT_ARTICLE)
    open_panel(page)
    page.locator("parallax-panel .dismiss").click()
    page.wait_for_selector("parallax-panel", state="detached", timeout=WAIT_MS)
    assert "nytimes.com" in browser.storage("settings")["panelHiddenSites"]
    page.reload()
    page.wait_for_function(
        "document.documentElement.dataset.parallaxPhase === 'no-panel'", timeout=WAIT_MS
    )
    assert page.locator("parallax-panel").count() == 0
    assert hover_result(page, "#fox") != "", "hover cards still work where the panel is hidden"


def test_popup_and_options(browser: Browser, service: Service, artifacts: Path) -> None:
    expected = service.score(NYT_ARTICLE)
    article = open_article(browser, NYT_ARTICLE)
    tab_id = browser.active_tab_id()
    assert article.url == NYT_ARTICLE

    popup = browser.context.new_page()
    popup.set_viewport_size({"width": 340, "height": 520})
    popup.goto(browser.page_url(f"popup.html?tab={tab_id}"))
    popup.wait_for_selector(".outlet-name", timeout=WAIT_MS)
    assert popup.inner_text(".outlet-name") == expected["outlet"]["name"]
    story = expected["story"]
    assert (
        popup.inner_text(".story-count")
        == f"{story['article_count']} articles from {story['outlet_count']} sources"
    )
    popup.screenshot(path=str(artifacts / "popup.png"), full_page=True)

    options = browser.context.new_page()
    options.set_viewport_size({"width": 760, "height": 900})
    options.goto(browser.page_url("options.html"))
    options.wait_for_selector("#sync-status:has-text('Last sync')", timeout=WAIT_MS)
    assert options.input_value("#service-url") == service.url
    assert options.inner_text("#service-state").startswith(f"Connected to {service.url}")
    # The service runs this checkout's ratings: the same table as the one built in.
    assert "built into the extension" in options.inner_text("#table-status")
    assert "Your service has the same table" in options.inner_text("#table-status")
    options.click("#refresh")
    options.wait_for_selector("#sync-status:has-text('Last sync with')", timeout=WAIT_MS)
    options.fill("#service-url", "ftp://example.org")
    options.click("#connect-service")
    error = options.locator("#service-error")
    error.wait_for(state="visible", timeout=WAIT_MS)
    assert "http" in error.inner_text()
    assert browser.storage("settings")["serviceUrl"] == service.url, (
        "a refused address must not be saved"
    )
    options.fill("#service-url", service.url + "/")
    options.click("#connect-service")
    options.wait_for_selector("#service-result:has-text('Connected to Parallax')", timeout=WAIT_MS)
    assert options.input_value("#service-url") == service.url
    options.uncheck("#hover-cards")
    options.fill("#disabled-sites", "https://www.example.org/page\nexample.net")
    options.click("#save")
    options.wait_for_selector("#saved:has-text('Saved')", timeout=WAIT_MS)
    saved = browser.storage("settings")
    assert saved["hoverCards"] is False and saved["serviceUrl"] == service.url
    assert saved["disabledSites"] == ["www.example.org", "example.net"]
    options.check("#hover-cards")
    options.fill("#disabled-sites", "")
    options.click("#save")
    options.wait_for_selector("#saved:has-text('Saved')", timeout=WAIT_MS)
    options.screenshot(path=str(artifacts / "options.png"), full_page=True)


def test_dark_mode_panel(make_browser: Any, artifacts: Path) -> None:
    browser = make_browser("dark")
    page = open_article(browser, NYT_ARTICLE)
    open_panel(page)
    background = page.locator("parallax-panel .panel").evaluate(
        "p => getComputedStyle(p).backgroundColor"
    )
    red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
    assert (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255 < 0.3, background
    page.screenshot(path=str(artifacts / "panel-dark.png"))


def test_same_document_navigation_shows_the_new_article(browser: Browser, service: Service) -> None:
    page = open_article(browser, NYT_ARTICLE)
    first = page.locator("parallax-panel").get_attribute("data-parallax-for")
    assert first == NYT_ARTICLE
    page.click("#spa-next")
    next_url = page.url
    assert next_url != NYT_ARTICLE
    page.wait_for_selector(
        f"parallax-panel[data-parallax-for='{next_url}']", state="attached", timeout=WAIT_MS
    )
    assert page.locator("parallax-panel").count() == 1, "the old panel must be gone"
    story = service.score(next_url)["story"]
    assert page.locator("parallax-panel .story-count").inner_text() == (
        f"{story['article_count']} articles from {story['outlet_count']} sources"
    )


def test_ratings_refresh_uses_the_etag(browser: Browser) -> None:
    before = browser.storage("ratingsMeta")
    assert before["lastStatus"] == 200 and before["etag"]
    options = browser.context.new_page()
    options.goto(browser.page_url("options.html"))
    since = time.time() * 1000
    options.click("#refresh")
    meta = browser.wait_for_sync(since)
    assert meta["lastStatus"] == 304, meta
    assert meta["etag"] == before["etag"] and meta["count"] == before["count"]


def test_popup_asks_for_the_story_when_the_panel_is_off(browser: Browser, service: Service) -> None:
    browser.set_settings(panel=False, perfMarks=True)
    page = browser.context.new_page()
    page.goto(NYT_ARTICLE)
    page.wait_for_function(
        "document.documentElement.dataset.parallaxPhase === 'no-panel'", timeout=WAIT_MS
    )
    assert page.locator("parallax-panel").count() == 0
    tab_id = browser.active_tab_id()
    popup = browser.context.new_page()
    popup.goto(browser.page_url(f"popup.html?tab={tab_id}"))
    popup.wait_for_selector(".story-count", timeout=WAIT_MS)
    story = service.score(NYT_ARTICLE)["story"]
    assert popup.inner_text(".story-count") == (
        f"{story['article_count']} articles from {story['outlet_count']} sources"
    )


def test_blindspot_is_named_for_the_side_that_missed_the_story(
    browser: Browser, service: Service
) -> None:
    story = service.score(FOX_BLINDSPOT)["story"]
    blindspot = story["blindspot"]
    covered = blindspot if isinstance(blindspot, str) else blindspot["covered_by"]
    missed = {"left": "right", "right": "left"}[covered]
    page = open_article(browser, FOX_BLINDSPOT)
    text = page.locator("parallax-panel .blindspot").inner_text()
    assert text.startswith(f"Blindspot for the {missed}:")
    assert f"only by {covered}-leaning sources" in text


def test_ui_works_under_the_strictest_page_csp(browser: Browser, service: Service) -> None:
    browser.set_settings(perfMarks=True)
    page = browser.context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "TrustedHTML" in message.text
            else None
        ),
    )
    page.goto(STRICT_CSP_ARTICLE)
    page.wait_for_selector(
        "parallax-panel .coverage-section h4, parallax-panel .service-error",
        state="attached",
        timeout=WAIT_MS,
    )
    open_panel(page)
    panel = page.locator("parallax-panel .panel")
    assert panel.evaluate("p => getComputedStyle(p).position") == "fixed", "our styles were blocked"
    expected = service.score(STRICT_CSP_ARTICLE)["outlet"]["name"]
    assert panel.locator(".outlet-name").inner_text() == expected
    # Playwright's wait_for_function needs eval, which this page forbids: wait on locators.
    page.hover("#fox")
    card = page.locator("parallax-hovercard .card")
    card.wait_for(state="visible", timeout=WAIT_MS)
    fox = service.score(page.get_attribute("#fox", "href"))["outlet"]["name"]
    assert card.locator(".outlet-name").inner_text() == fox
    assert card.evaluate("c => getComputedStyle(c).position") == "fixed"
    assert violations == []


def test_panel_makes_room_instead_of_covering_text_on_a_narrow_window(browser: Browser) -> None:
    page = browser.context.new_page()
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(NYT_ARTICLE)
    page.wait_for_selector("parallax-panel .coverage-section h4", state="attached", timeout=WAIT_MS)
    right_before = max(box[2] for box in text_boxes(page, "article"))
    assert right_before > 900 - 360, (
        "the fixture must reach under the panel for this test to mean anything"
    )
    open_panel(page)
    panel_left = page.locator("parallax-panel .panel").evaluate(
        "p => p.getBoundingClientRect().left"
    )
    assert max(box[2] for box in text_boxes(page, "article")) <= panel_left
    page.keyboard.press("Escape")
    page.wait_for_selector("parallax-panel .panel", state="hidden", timeout=WAIT_MS)
    assert max(box[2] for box in text_boxes(page, "article")) == right_before


def test_popup_turns_parallax_off_for_the_site_at_once(browser: Browser) -> None:
    article = open_article(browser, NYT_ARTICLE)
    tab_id = browser.active_tab_id()
    popup = browser.context.new_page()
    popup.goto(browser.page_url(f"popup.html?tab={tab_id}"))
    popup.click("#turn-off")
    popup.wait_for_selector("text=Parallax is off on nytimes.com", timeout=WAIT_MS)
    assert "nytimes.com" in browser.storage("settings")["disabledSites"]
    article.wait_for_selector("parallax-panel", state="detached", timeout=WAIT_MS)
    assert badge(browser, tab_id)[0] == ""
    article.reload()
    article.wait_for_load_state("load")
    assert article.locator("parallax-panel").count() == 0
