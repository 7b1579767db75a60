"""Same-document navigations without the Navigation API, as in Firefox before 147 (ESR 140).

Chromium's Navigation API cannot be switched off in a content script's world, so the setting
noNavigationApi makes the content script follow history as it does where the browser has no
such API (src/content/navwatch.js): the same code path a Firefox ESR 140 reader runs.
tests/e2e/test_firefox.py::test_firefox_follows_a_pushstate_to_the_next_article runs it in
Firefox ESR with the API turned off (dom.navigation.webidl.enabled)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import NYT_ARTICLE, WAIT_MS, Browser

pytestmark = pytest.mark.e2e

NEXT = "https://www.nytimes.com/2025/10/26/nyregion/eastport-harbor-bridge-crack.html"
OTHER = "https://www.nytimes.com/2025/10/27/us/northbridge-dam-opens.html"


def panel_for(page: Any, url: str) -> None:
    page.wait_for_selector(
        f"parallax-panel[data-parallax-for='{url}']", state="attached", timeout=WAIT_MS
    )
    assert page.locator("parallax-panel").count() == 1, "the old panel must be gone"


@pytest.fixture
def page(make_browser: Any) -> Any:
    browser: Browser = make_browser(standalone=True)
    browser.set_settings(noNavigationApi=True)
    page = browser.context.new_page()
    page.goto(NYT_ARTICLE)
    panel_for(page, NYT_ARTICLE)
    return page


def test_a_click_that_pushes_the_next_article(page: Any) -> None:
    page.click("#spa-next")
    assert page.url == NEXT
    panel_for(page, NEXT)
    page.go_back()  # popstate
    panel_for(page, NYT_ARTICLE)


def test_a_push_and_a_replace_with_no_click_and_no_title(page: Any) -> None:
    """A router's own timer pushes, then replaces, the address: nothing else happens (no click,
    no key, the title stays). The bounded check of the address still sees each."""
    page.evaluate(f"setTimeout(() => history.pushState({{}}, '', {NEXT!r}), 50)")
    panel_for(page, NEXT)
    page.evaluate(f"setTimeout(() => history.replaceState({{}}, '', {OTHER!r}), 50)")
    panel_for(page, OTHER)
    # A fragment is the same article: the panel stays as it is (not rebuilt).
    page.locator("parallax-panel").evaluate("h => { h.dataset.marker = 'kept'; }")
    page.evaluate("history.pushState({}, '', location.pathname + '#comments')")
    page.evaluate("document.title = 'Comments'")
    page.wait_for_timeout(1_500)  # past a check of the address and the settle time
    assert page.locator("parallax-panel").get_attribute("data-marker") == "kept"
