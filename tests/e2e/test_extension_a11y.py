"""Every reader: axe-core on each extension surface in light and dark mode, the hover card by keyboard."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    HOSTILE_STYLES_ARTICLE,
    NYT_ARTICLE,
    RTL_ARTICLE,
    UNRATED_ARTICLE,
    WAIT_MS,
    Browser,
    Service,
    free_port,
    open_article,
    open_panel,
    shadow,
)
from tests.support.axe import audit, describe

pytestmark = pytest.mark.e2e

SCHEMES = ["light", "dark"]


def assert_clean(page: Any, what: str, context: Any = None) -> None:
    violations = audit(page, context)
    assert not violations, f"axe-core on {what}:\n{describe(violations)}"


def show_card(page: Any, selector: str) -> Any:
    page.mouse.move(1, 1)
    page.hover(selector)
    card = page.locator("parallax-hovercard .card")
    card.wait_for(state="visible", timeout=WAIT_MS)
    return card


@pytest.mark.parametrize("scheme", SCHEMES)
def test_panel_and_card_pass_axe(make_browser: Any, scheme: str, artifacts: Path) -> None:
    browser: Browser = make_browser(scheme)
    page = open_article(browser, NYT_ARTICLE)
    # Mounted inside <body>, where axe-core (and assistive technology) look.
    assert page.evaluate("!!document.querySelector('body > parallax-panel')")
    assert_clean(page, f"the collapsed tab ({scheme})", {"include": [["parallax-panel"]]})
    open_panel(page)
    assert_clean(page, f"the open panel ({scheme})", {"include": [["parallax-panel"]]})
    # The lean scale: every step drawn, the outlet's marked by more than colour.
    steps = shadow(
        page,
        "parallax-panel",
        "root => [...root.querySelectorAll('.scale span')].map(s => {"
        " const c = getComputedStyle(s); return [c.opacity, s.getBoundingClientRect().height]; })",
    )
    assert len(steps) == 7 and all(opacity == "1" for opacity, _ in steps)
    assert sorted(height for _, height in steps)[-1] > sorted(height for _, height in steps)[0]
    page.screenshot(path=str(artifacts / f"panel-axe-{scheme}.png"))

    card = show_card(page, "#fox")
    assert page.evaluate("!!document.querySelector('body > parallax-hovercard')")
    assert_clean(page, f"the hover card ({scheme})", {"include": [["parallax-hovercard"]]})
    assert card.is_visible()

    unrated = open_article(browser, UNRATED_ARTICLE)
    open_panel(unrated)
    assert_clean(
        unrated, f"the panel of an unrated site ({scheme})", {"include": [["parallax-panel"]]}
    )


@pytest.mark.parametrize("scheme", SCHEMES)
def test_popup_and_options_pass_axe(
    make_browser: Any, service: Service, scheme: str, artifacts: Path
) -> None:
    browser: Browser = make_browser(scheme)
    open_article(browser, NYT_ARTICLE)
    tab_id = browser.active_tab_id()
    popup = browser.context.new_page()
    popup.set_viewport_size({"width": 360, "height": 640})
    popup.goto(browser.page_url(f"popup.html?tab={tab_id}"))
    popup.wait_for_selector(".story-count", timeout=WAIT_MS)
    assert_clean(popup, f"the popup ({scheme})")
    levels = popup.evaluate(
        "[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => Number(h.tagName[1]))"
    )
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels

    options = browser.context.new_page()
    for width in (360, 1280):
        options.set_viewport_size({"width": width, "height": 900})
        options.goto(browser.page_url("options.html"))
        options.wait_for_selector("#sync-status:has-text('Last sync')", timeout=WAIT_MS)
        assert_clean(options, f"the options page at {width} px ({scheme})")
    # The reading mirror's page (empty: the mirror is off), narrow and wide.
    reading = browser.context.new_page()
    for width in (360, 1280):
        reading.set_viewport_size({"width": width, "height": 800})
        reading.goto(browser.page_url("reading.html"))
        reading.wait_for_selector(".empty", timeout=WAIT_MS)
        assert_clean(reading, f"the reading page at {width} px ({scheme})")
    # The error state too: it is text a reader must be able to read.
    options.fill("#service-url", "ftp://example.org")
    options.click("#connect-service")
    options.locator("#service-error").wait_for(state="visible", timeout=WAIT_MS)
    assert_clean(options, f"the options page showing an error ({scheme})")


def test_hover_card_by_keyboard(browser: Browser, service: Service) -> None:
    from playwright.sync_api import expect

    page = open_article(browser, NYT_ARTICLE)
    fox = page.locator("#fox")
    fox_name = service.score(fox.get_attribute("href") or "")["outlet"]["name"]
    before = fox.get_attribute("aria-describedby")
    fox.focus()
    card = page.locator("parallax-hovercard .card")
    card.wait_for(state="visible", timeout=WAIT_MS)
    # While the card shows, the link is described by the card's words.
    described = fox.get_attribute("aria-describedby") or ""
    assert described and described != before
    expect(fox).to_have_accessible_description(
        re.compile(f"^Parallax: {fox_name}, .*factuality .*Alt\\+Down")
    )

    page.keyboard.press("Alt+ArrowDown")
    focused = page.evaluate(
        "() => { const h = document.activeElement; return h && h.tagName === 'PARALLAX-HOVERCARD'"
        " ? h.shadowRoot.activeElement?.className ?? '' : ''; }"
    )
    assert focused, "Alt+Down did not move focus into the card"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the "More about this outlet" button
    assert card.locator(".extra").is_visible()
    assert card.is_visible(), "moving within the card must keep it open"

    page.keyboard.press("Escape")
    card.wait_for(state="hidden", timeout=WAIT_MS)
    assert page.evaluate("document.activeElement.id") == "fox", "Escape must return to the link"
    assert fox.get_attribute("aria-describedby") == before, "the description goes with the card"
    page.wait_for_timeout(600)
    assert not card.is_visible(), "back on the link after Escape, the card stays closed"

    # Alt+Down works before the hover delay has run out, too.
    page.locator("#google-cnn").focus()
    page.keyboard.press("Alt+ArrowDown")
    card.wait_for(state="visible", timeout=WAIT_MS)
    page.wait_for_function(
        "document.activeElement && document.activeElement.tagName === 'PARALLAX-HOVERCARD'",
        timeout=WAIT_MS,
    )
    # Tabbing past the card's last control returns to the link.
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "google-cnn":
            break
    assert page.evaluate("document.activeElement.id") == "google-cnn"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_error_states_and_a_hostile_page_pass_axe(make_browser: Any, scheme: str) -> None:
    """The states a reader meets when things go wrong, narrow and wide: the panel and popup with
    the service unreachable, and the panel and card on a page whose CSS goes after them."""
    browser: Browser = make_browser(scheme)
    browser.set_settings(serviceUrl=f"http://127.0.0.1:{free_port()}")
    for width in (360, 1280):
        page = browser.context.new_page()
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(NYT_ARTICLE)
        page.wait_for_selector("parallax-panel .service-error", state="attached", timeout=WAIT_MS)
        open_panel(page)
        assert_clean(
            page,
            f"the panel, service down, {width} px ({scheme})",
            {"include": [["parallax-panel"]]},
        )
        tab_id = browser.active_tab_id()
        popup = browser.context.new_page()
        popup.set_viewport_size({"width": 360, "height": 640})
        popup.goto(browser.page_url(f"popup.html?tab={tab_id}"))
        popup.wait_for_selector(".notice.error", timeout=WAIT_MS)
        assert_clean(popup, f"the popup, service down ({scheme})")
        popup.close()

        hostile = browser.context.new_page()
        hostile.set_viewport_size({"width": width, "height": 800})
        hostile.goto(HOSTILE_STYLES_ARTICLE)
        hostile.wait_for_selector(
            "parallax-panel .service-error", state="attached", timeout=WAIT_MS
        )
        open_panel(hostile)
        assert_clean(
            hostile,
            f"the panel on a hostile page, {width} px ({scheme})",
            {"include": [["parallax-panel"]]},
        )
        hostile.locator(
            "parallax-panel .collapse"
        ).click()  # a narrow window's panel covers the link
        show_card(hostile, "#real-fox")
        assert_clean(
            hostile,
            f"the card on a hostile page, {width} px ({scheme})",
            {"include": [["parallax-hovercard"]]},
        )
        overflow = hostile.locator("parallax-hovercard .card").evaluate(
            "e => e.scrollWidth - e.clientWidth"
        )
        assert overflow <= 1, f"the card's words run {overflow}px past its edge"


def test_panel_and_card_are_english_left_to_right_on_a_hebrew_page(make_browser: Any) -> None:
    """A page in Hebrew (html lang="he" dir="rtl"): our hosts inherit the page's direction (`all:
    initial` leaves it alone) and language. The panel and card must still lay out left to right
    (the lean scale far left on the left, full stops after their sentences) and say they are
    English, so a screen reader reads them with an English voice."""
    browser: Browser = make_browser(standalone=True)
    page = browser.context.new_page()
    page.goto(RTL_ARTICLE)
    page.wait_for_selector("parallax-panel .no-service", state="attached", timeout=WAIT_MS)
    open_panel(page)
    panel = shadow(
        page,
        "parallax-panel",
        """root => {
          const panel = root.querySelector('.panel');
          const steps = [...root.querySelectorAll('.scale span')].map(s => s.getBoundingClientRect().left);
          return {
            direction: getComputedStyle(panel).direction,
            tab: getComputedStyle(root.querySelector('.tab')).direction,
            lang: panel.closest('[lang]')?.getAttribute('lang') ?? null,
            farLeftFirst: steps.length === 7 && steps[0] < steps[6],
          };
        }""",
    )
    assert panel == {"direction": "ltr", "tab": "ltr", "lang": "en", "farLeftFirst": True}, panel
    assert_clean(page, "the panel on a Hebrew page", {"include": [["parallax-panel"]]})

    page.locator("parallax-panel .collapse").click()
    show_card(page, "#fox")
    card = shadow(
        page,
        "parallax-hovercard",
        "root => { const card = root.querySelector('.card'); return {"
        " direction: getComputedStyle(card).direction,"
        " lang: card.closest('[lang]')?.getAttribute('lang') ?? null }; }",
    )
    assert card == {"direction": "ltr", "lang": "en"}, card
    description = page.locator("#fox").get_attribute("aria-describedby") or ""
    assert page.locator(f"[id='{description.split()[-1]}']").get_attribute("lang") == "en"
    assert_clean(page, "the hover card on a Hebrew page", {"include": [["parallax-hovercard"]]})


@pytest.mark.parametrize("size", [(640, 360), (360, 400), (1280, 800)])
def test_the_card_never_hides_the_link_it_opened_for(
    make_browser: Any, size: tuple[int, int]
) -> None:
    """A card that opens on focus must not cover the focused link (WCAG 2.4.11). In a short
    window (1,280 x 720 at 200 % zoom is 640 x 360) the card fits neither below nor above a link
    in the middle: it goes beside the link, or shortened on the taller side, inside the window."""
    width, height = size
    browser: Browser = make_browser(standalone=True)
    page = browser.context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(NYT_ARTICLE)
    page.wait_for_selector("parallax-panel .no-service", state="attached", timeout=WAIT_MS)
    page.evaluate("document.getElementById('fox').scrollIntoView({block: 'center'})")
    page.locator("#fox").focus()
    card = page.locator("parallax-hovercard .card")
    card.wait_for(state="visible", timeout=WAIT_MS)
    link = page.locator("#fox").bounding_box()
    box = card.bounding_box()
    assert link is not None and box is not None
    apart = (
        box["x"] >= link["x"] + link["width"]
        or link["x"] >= box["x"] + box["width"]
        or box["y"] >= link["y"] + link["height"]
        or link["y"] >= box["y"] + box["height"]
    )
    assert apart, f"the card {box} covers its link {link} at {width} x {height}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    assert_clean(page, f"the card at {width} x {height}", {"include": [["parallax-hovercard"]]})
    # What does not fit scrolls inside the card; the keyboard still gets into it and out.
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_function(
        "document.activeElement && document.activeElement.tagName === 'PARALLAX-HOVERCARD'",
        timeout=WAIT_MS,
    )
    page.keyboard.press("Escape")
    card.wait_for(state="hidden", timeout=WAIT_MS)
    assert page.evaluate("document.activeElement.id") == "fox"


def test_tabbing_out_of_a_panel_over_the_article_closes_it(make_browser: Any) -> None:
    """At 360 px the open panel lies over the article. Tabbing past its last control moved focus
    to the page's links under it, each entirely hidden (WCAG 2.4.11), and Escape did nothing
    there. Focus leaving the panel for the page now closes it: the focused link is in view."""
    browser: Browser = make_browser(standalone=True)
    page = browser.context.new_page()
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(NYT_ARTICLE)
    page.wait_for_selector("parallax-panel .no-service", state="attached", timeout=WAIT_MS)
    open_panel(page)
    assert shadow(page, "parallax-panel", "root => root.querySelector('.panel').dataset.mode") == (
        "overlay"
    )
    # (past the panel's last control, focus leaves the document for the browser, then returns
    # to the page's first link)
    in_panel = "!document.activeElement || ['PARALLAX-PANEL', 'BODY']"
    in_panel += ".includes(document.activeElement.tagName)"
    page.locator("parallax-panel .collapse").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if not page.evaluate(in_panel):
            break
    focused = page.evaluate("document.activeElement.tagName")
    assert focused not in ("PARALLAX-PANEL", "BODY"), focused
    page.wait_for_selector("parallax-panel .panel", state="hidden", timeout=WAIT_MS)
    hit = page.evaluate(
        "() => { const r = document.activeElement.getBoundingClientRect();"
        " const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        " return e === document.activeElement || document.activeElement.contains(e); }"
    )
    assert hit, f"the focused {focused} is still covered"
    # The tab stays, to open it again; the reader's choice for the site (open) is kept.
    assert page.locator("parallax-panel .tab").is_visible()
    assert (browser.storage("settings") or {}).get("panelOpenSites") == {"nytimes.com": True}


def test_the_lean_scale_keeps_its_colours_in_forced_colours(make_browser: Any) -> None:
    """Forced colours (Windows High Contrast) blank backgrounds and shadows: the panel's lean
    scale was seven blank cells (and the tab's dot gone), where the service's pages keep their
    bars' colours. The scale's steps keep theirs."""
    browser: Browser = make_browser(standalone=True)
    page = browser.context.new_page()
    page.emulate_media(forced_colors="active")
    page.goto(NYT_ARTICLE)
    page.wait_for_selector("parallax-panel .no-service", state="attached", timeout=WAIT_MS)
    open_panel(page)
    colours = shadow(
        page,
        "parallax-panel",
        "root => [...root.querySelectorAll('.scale span')]"
        ".map(s => getComputedStyle(s).backgroundColor)",
    )
    assert len(colours) == 7 and len(set(colours)) == 7, colours
    assert_clean(page, "the panel in forced colours", {"include": [["parallax-panel"]]})


def test_the_tab_says_it_is_parallax_s(make_browser: Any) -> None:
    """The collapsed tab comes last in the page's order. On a rated site a screen reader heard
    only "The New York Times · Lean left, button, collapsed": nothing said whose button it was,
    among the page's own. Its name now begins with "Parallax:" and keeps its visible words
    (WCAG 2.5.3, label in name); an unrated site's tab already said "Parallax · not rated"."""
    from playwright.sync_api import expect

    browser: Browser = make_browser(standalone=True)
    for url, rated in ((NYT_ARTICLE, True), (UNRATED_ARTICLE, False)):
        page = browser.context.new_page()
        page.goto(url)
        page.wait_for_selector("parallax-panel .no-service", state="attached", timeout=WAIT_MS)
        tab = page.locator("parallax-panel .tab")
        words = tab.evaluate("t => t.textContent")
        name = f"Parallax: {words}" if rated else words
        assert words.startswith("Parallax") != rated, words
        expect(tab).to_have_accessible_name(name)
        page.close()
