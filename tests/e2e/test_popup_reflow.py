"""Reflow (WCAG 1.4.10): the popup at 400 % zoom, a 320 CSS px wide window, never scrolls sideways.

A browser at 400 % zoom gives a page a quarter of its width in CSS pixels: 1,280 px become 320.
The test emulates it with a 320 px viewport (and, the same in device pixels, a 1,280 px one at
device scale 4), on the popup's rated, story and error states, light and dark, and audits each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import NYT_ARTICLE, UNRATED_ARTICLE, WAIT_MS, Browser, free_port
from tests.support.axe import audit, describe

pytestmark = pytest.mark.e2e

OVERFLOW_JS = """() => {
  const s = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > s.clientWidth + 0.5)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
  return {scrollWidth: s.scrollWidth, clientWidth: s.clientWidth, wide: wide.slice(0, 5)};
}"""


def assert_reflows(popup: Any, what: str) -> None:
    fit = popup.evaluate(OVERFLOW_JS)
    assert fit["scrollWidth"] <= fit["clientWidth"], f"{what} scrolls sideways: {fit}"
    popup.evaluate("window.scrollTo(40, 0)")
    assert popup.evaluate("window.scrollX") == 0, f"{what} scrolls sideways"


def popup_at(browser: Browser, tab_id: int, width: int, scale: float, ready: str) -> Any:
    """The popup for `tab_id` in a new page `width` CSS px wide at device scale `scale`."""
    page = browser.context.new_page()
    if scale != 1:
        cdp = browser.context.new_cdp_session(page)
        cdp.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 640, "deviceScaleFactor": scale, "mobile": False},
        )
    else:
        page.set_viewport_size({"width": width, "height": 640})
    page.goto(browser.page_url(f"popup.html?tab={tab_id}"))
    page.wait_for_selector(ready, timeout=WAIT_MS)
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_popup_reflows_at_320_css_px(make_browser: Any, scheme: str, artifacts: Path) -> None:
    browser: Browser = make_browser(scheme)
    cases = [(NYT_ARTICLE, ".story-count"), (UNRATED_ARTICLE, "#content h2, #content p")]
    for url, ready in cases:
        article = browser.context.new_page()
        article.goto(url)
        article.wait_for_selector("parallax-panel", state="attached", timeout=WAIT_MS)
        tab_id = browser.active_tab_id()
        for scale in (1, 4):
            popup = popup_at(browser, tab_id, 320, scale, ready)
            assert_reflows(popup, f"the popup for {url} at 320 px, scale {scale} ({scheme})")
            if scale == 1:
                violations = audit(popup)
                assert not violations, f"axe-core, popup at 320 px:\n{describe(violations)}"
            popup.screenshot(path=str(artifacts / f"popup-320-{scheme}-{scale}.png"))
            popup.close()
        article.close()


def test_popup_with_the_service_down_reflows_at_320_css_px(make_browser: Any) -> None:
    browser: Browser = make_browser()
    browser.set_settings(serviceUrl=f"http://127.0.0.1:{free_port()}")
    article = browser.context.new_page()
    article.goto(NYT_ARTICLE)
    article.wait_for_selector("parallax-panel .service-error", state="attached", timeout=WAIT_MS)
    popup = popup_at(browser, browser.active_tab_id(), 320, 1, ".notice.error")
    assert_reflows(popup, "the popup, service down, at 320 px")
    assert not audit(popup)
