"""The keyboard shortcut (manifest "commands", Alt+Shift+Y): opens the panel with focus in it,
and closes it back to its tab. The browser maps the keys to the command (chrome://extensions/
shortcuts lets the reader change them); the worker relays it to the tab's content script."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import NYT_ARTICLE, REMOVER_JS, WAIT_MS, Browser

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


ACTIVE_JS = "() => document.activeElement?.id ?? ''"


@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 360)])
def test_closing_by_the_shortcut_returns_to_where_the_reader_was(
    make_browser: Any, scheme: str, width: int
) -> None:
    """Opened from a link halfway down the article, the panel closed back to its tab: the page's
    first Tab stop, so the reader's next Tab started again from the top of the page."""
    browser: Browser = make_browser(scheme, standalone=True)
    page = browser.context.new_page()
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(NYT_ARTICLE)
    page.wait_for_selector(
        f"parallax-panel[data-parallax-for='{NYT_ARTICLE}']", state="attached", timeout=WAIT_MS
    )
    tab_id = browser.active_tab_id()
    fire = "id => chrome.tabs.sendMessage(id, {type: 'togglePanel'})"
    page.focus("#same-site")
    browser.worker.evaluate(fire, tab_id)
    page.wait_for_function(f"({FOCUSED_JS})() === 'collapse'", timeout=WAIT_MS)
    browser.worker.evaluate(fire, tab_id)
    page.wait_for_selector("parallax-panel .panel", state="hidden", timeout=WAIT_MS)
    assert page.evaluate(ACTIVE_JS) == "same-site"
    # Escape, after the shortcut opened it, goes back there too.
    browser.worker.evaluate(fire, tab_id)
    page.wait_for_function(f"({FOCUSED_JS})() === 'collapse'", timeout=WAIT_MS)
    page.keyboard.press("Escape")
    page.wait_for_selector("parallax-panel .panel", state="hidden", timeout=WAIT_MS)
    assert page.evaluate(ACTIVE_JS) == "same-site"
    # A place that is gone by then (the page redrew it): the tab, as before.
    browser.worker.evaluate(fire, tab_id)
    page.wait_for_function(f"({FOCUSED_JS})() === 'collapse'", timeout=WAIT_MS)
    page.evaluate("document.getElementById('same-site').remove()")
    browser.worker.evaluate(fire, tab_id)
    page.wait_for_selector("parallax-panel .panel", state="hidden", timeout=WAIT_MS)
    assert page.evaluate(FOCUSED_JS) == "tab surface"


def test_the_shortcut_brings_back_a_panel_the_page_has_taken_out(make_browser: Any) -> None:
    """While a put-back waited its turn (up to 8 s) or after the page had won, the shortcut did
    nothing: the reader asked for the panel and got silence."""
    browser: Browser = make_browser(standalone=True)
    page = browser.context.new_page()
    page.goto(NYT_ARTICLE)
    page.wait_for_selector("parallax-panel .no-service", state="attached", timeout=WAIT_MS)
    tab_id = browser.active_tab_id()
    # Nine removals: the ninth put-back waits 8 s, then the page lets it be.
    page.evaluate(REMOVER_JS, 9)
    page.wait_for_function("window.__removals === 9", timeout=30_000)
    assert page.locator("parallax-panel").count() == 0
    browser.worker.evaluate("id => chrome.tabs.sendMessage(id, {type: 'togglePanel'})", tab_id)
    page.wait_for_selector("parallax-panel .panel", state="visible", timeout=WAIT_MS)
    page.wait_for_function(f"({FOCUSED_JS})() === 'collapse'", timeout=WAIT_MS)
    assert page.evaluate("document.querySelectorAll('parallax-panel').length") == 1
    assert page.evaluate("document.body.firstElementChild.localName") == "parallax-panel"


def test_the_shortcut_leaves_a_pages_modal_dialog_alone(make_browser: Any) -> None:
    """With a consent form open (a modal dialog), the panel opened under it, inert, focus left in
    the dialog, and was found open once the dialog closed."""
    browser: Browser = make_browser(standalone=True)
    page = browser.context.new_page()
    page.goto(NYT_ARTICLE)
    page.wait_for_selector("parallax-panel .no-service", state="attached", timeout=WAIT_MS)
    tab_id = browser.active_tab_id()
    fire = "id => chrome.tabs.sendMessage(id, {type: 'togglePanel'})"
    page.evaluate(
        "() => { const d = document.createElement('dialog'); d.id = 'consent';"
        " d.innerHTML = '<button id=agree>Agree</button>'; document.body.append(d); d.showModal(); }"
    )
    browser.worker.evaluate(fire, tab_id)
    # The message is handled; then one more round trip settles that nothing opened.
    browser.worker.evaluate(fire.replace("togglePanel", "noSuchMessage"), tab_id)
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    expanded = page.evaluate(
        "document.querySelector('parallax-panel').shadowRoot.querySelector('.tab')"
        ".getAttribute('aria-expanded')"
    )
    assert expanded == "false"
    assert page.evaluate("document.activeElement.id") == "agree"
    page.evaluate("document.getElementById('consent').close()")
    browser.worker.evaluate(fire, tab_id)
    page.wait_for_function(f"({FOCUSED_JS})() === 'collapse'", timeout=WAIT_MS)
