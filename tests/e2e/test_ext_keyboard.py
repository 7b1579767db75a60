"""The panel's tab by keyboard: the first stop of the page's Tab order, not its last.

Appended at the end of <body>, the tab that opens the panel came after every link of the article,
its comments and its footer: a keyboard user pressed Tab dozens of times to reach it. It is now
the first stop (skip-link style), and Tab from it goes on to the page's own first control."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import NYT_ARTICLE, UNRATED_ARTICLE, WAIT_MS, Browser

pytestmark = pytest.mark.e2e

# Which control has focus: ours as "panel:<class>", the page's as its tag and id.
FOCUSED_JS = """() => {
  const a = document.activeElement;
  if (!a || a === document.body) return 'body';
  if (a.tagName === 'PARALLAX-PANEL') return 'panel:' + (a.shadowRoot.activeElement?.className ?? '');
  return a.tagName.toLowerCase() + '#' + a.id;
}"""

FIRST_CONTROL_JS = """() => {
  const e = [...document.body.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
    .find(e => e.tabIndex >= 0 && e.getClientRects().length);
  return e ? e.tagName.toLowerCase() + '#' + e.id : 'body';
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("url", [NYT_ARTICLE, UNRATED_ARTICLE])
def test_the_first_tab_press_reaches_the_panel_tab(
    make_browser: Any, url: str, scheme: str
) -> None:
    browser: Browser = make_browser(scheme, standalone=True)
    page = browser.context.new_page()
    page.goto(url)
    page.wait_for_selector(
        f"parallax-panel[data-parallax-for='{url}']", state="attached", timeout=WAIT_MS
    )
    assert not page.locator("parallax-panel .panel").is_visible()
    first_of_page = page.evaluate(FIRST_CONTROL_JS)

    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_JS) == "panel:tab surface", "the first Tab must reach the tab"
    page.keyboard.press("Enter")
    page.wait_for_selector("parallax-panel .panel", state="visible", timeout=WAIT_MS)
    assert page.evaluate(FOCUSED_JS) == "panel:collapse"
    page.keyboard.press("Escape")
    page.wait_for_selector("parallax-panel .panel", state="hidden", timeout=WAIT_MS)
    assert page.evaluate(FOCUSED_JS) == "panel:tab surface"

    # The page's own order follows, unchanged (a page with no control: focus leaves the page).
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_JS) == first_of_page
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED_JS) == "panel:tab surface"
