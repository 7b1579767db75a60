"""The keyboard shortcut (manifest "commands", Alt+Shift+Y): opens the panel with focus in it,
and closes it back to its tab. The browser maps the keys to the command (chrome://extensions/
shortcuts lets the reader change them); the worker relays it to the tab's content script."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import NYT_ARTICLE, WAIT_MS, Browser

pytestmark = pytest.mark.e2e

FOCUSED_JS = """() => {
  const a = document.activeElement;
  return a?.tagName === 'PARALLAX-PANEL' ? a.shadowRoot.activeElement?.className ?? '' : '';
}"""


def test_the_shortcut_opens_and_closes_the_panel(make_browser: Any) -> None:
    browser: Browser = make_browser(standalone=True)
    commands = browser.worker.evaluate("chrome.commands.getAll()")
    toggle = next(c for c in commands if c["name"] == "toggle-panel")
    assert toggle["shortcut"] == "Alt+Shift+Y", toggle
    page = browser.context.new_page()
    page.goto(NYT_ARTICLE)
    page.wait_for_selector(
        f"parallax-panel[data-parallax-for='{NYT_ARTICLE}']", state="attached", timeout=WAIT_MS
    )
    tab_id = browser.active_tab_id()
    # What the browser does on Alt+Shift+Y: commands.onCommand in the worker, with the tab. Its
    # key handling lives in the browser's window, which headless Chromium does not draw.
    fire = "id => chrome.tabs.sendMessage(id, {type: 'togglePanel'})"
    browser.worker.evaluate(fire, tab_id)
    page.wait_for_selector("parallax-panel .panel", state="visible", timeout=WAIT_MS)
    page.wait_for_function(f"({FOCUSED_JS})() === 'collapse'", timeout=WAIT_MS)
    browser.worker.evaluate(fire, tab_id)
    page.wait_for_selector("parallax-panel .panel", state="hidden", timeout=WAIT_MS)
    assert page.evaluate(FOCUSED_JS) == "tab surface"
