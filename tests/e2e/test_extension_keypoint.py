"""The panel's key point (issue 16): the story's neutral headline, its first key point with the
outlet that wrote it, and "more" to the story page — from a real `parallax serve`, in Chromium."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    HOSTILE_ARTICLE,
    NYT_ARTICLE,
    WAIT_MS,
    Browser,
    FakeService,
    Service,
    lead_index,
    open_article,
    open_panel,
    ratings_export,
    same_article,
    shadow,
)
from tests.support.axe import audit, describe

pytestmark = pytest.mark.e2e

LEAD = "parallax-panel .key-point"
# What the lead may be built of; anything else in it came from the data.
LEAD_TAGS = {"DIV", "P", "BLOCKQUOTE", "SPAN", "STRONG", "A"}


def lead_tags(page: Any) -> set[str]:
    tags: list[str] = shadow(
        page,
        "parallax-panel",
        "root => [...root.querySelectorAll('.key-point, .key-point *')].map(e => e.tagName)",
    )
    return set(tags)


def test_panel_shows_the_first_key_point_its_outlet_and_more(
    browser: Browser, service: Service
) -> None:
    from playwright.sync_api import expect

    story = service.score(NYT_ARTICLE)["story"]
    assert story is not None and len(story["key_points"]) > 1, "the seeded story has no key points"
    first = story["key_points"][lead_index(story, NYT_ARTICLE)]
    assert same_article(first["url"]) != same_article(NYT_ARTICLE)
    page = open_article(browser, NYT_ARTICLE)
    open_panel(page)

    lead = page.locator(LEAD)
    expect(lead.locator(".story-headline")).to_have_text(story["headline"])
    expect(lead.locator(".key-point-text")).to_have_text(first["text"])
    expect(lead.locator(".key-point-outlet")).to_have_text(first["outlet"]["name"])
    assert lead.locator(".lean-chip").get_attribute("data-lean") == first["outlet"]["lean"]["label"]
    # The headline is said once: the coverage below the lead leaves it out.
    assert page.locator("parallax-panel .story-headline").count() == 1
    # Only the lead point: the others are behind the link.
    for other in story["key_points"]:
        if other is first:
            continue
        assert other["text"] not in shadow(page, "parallax-panel", "root => root.textContent")

    more = lead.locator("a.key-point-link")
    expect(more).to_have_accessible_name("More key points on the story page")
    assert more.get_attribute("href") == f"{service.url}/stories/{story['id']}"
    assert more.get_attribute("target") == "_blank"
    assert "noopener" in (more.get_attribute("rel") or "").split()
    # It opens the story page itself, in a new tab, where every key point is.
    with browser.context.expect_page(timeout=WAIT_MS) as opened:
        more.click()
    story_page = opened.value
    story_page.wait_for_load_state()
    assert story_page.url == f"{service.url}/stories/{story['id']}"
    assert story_page.locator("h1").inner_text() == story["headline"]
    page_text = story_page.locator("main").inner_text()
    for point in story["key_points"]:
        assert point["text"] in page_text


def test_hostile_headline_in_the_lead_is_text(browser: Browser, service: Service) -> None:
    story = service.score(HOSTILE_ARTICLE)["story"]
    assert story is not None and story["key_points"], "the hostile story has no key points"
    # The service reads its titles without their markup (keypoints._title_of): the headline
    # is the words; a headline with markup (an older or foreign service) is the stand-in's below.
    assert "<" not in story["headline"] and "crack" in story["headline"], story["headline"]
    page = open_article(browser, HOSTILE_ARTICLE)
    open_panel(page)
    lead = page.locator(LEAD)
    assert lead.locator(".story-headline").inner_text() == story["headline"]
    shown = story["key_points"][lead_index(story, HOSTILE_ARTICLE)]
    assert lead.locator(".key-point-text").inner_text() == shown["text"]
    assert lead_tags(page) <= LEAD_TAGS, lead_tags(page)
    assert page.evaluate("window.__pwned === undefined")


def test_very_long_key_point_is_clamped_not_a_wall(browser: Browser) -> None:
    """The service keeps points short; the panel must hold up if one is not (an old or foreign
    service): 10,000 words without a break are clamped to a few lines inside the panel."""
    page = open_article(browser, NYT_ARTICLE)
    open_panel(page)
    sizes = shadow(
        page,
        "parallax-panel",
        """root => {
          const quote = root.querySelector('.key-point-text');
          const line = parseFloat(getComputedStyle(quote).lineHeight);
          quote.textContent = 'x'.repeat(20000) + ' ' + 'word '.repeat(10000);
          const box = quote.getBoundingClientRect();
          const panel = root.querySelector('.panel').getBoundingClientRect();
          return {height: box.height, line, right: box.right, panelRight: panel.right};
        }""",
    )
    assert sizes["height"] <= 6 * sizes["line"] + 1, sizes
    assert sizes["right"] <= sizes["panelRight"], sizes


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_key_point_passes_axe_narrow_and_wide(
    make_browser: Any, scheme: str, artifacts: Path
) -> None:
    browser: Browser = make_browser(scheme)
    page = open_article(browser, NYT_ARTICLE)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        open_panel(page)
        page.locator(LEAD).wait_for(state="visible", timeout=WAIT_MS)
        violations = audit(page, {"include": [["parallax-panel"]]})
        assert not violations, f"axe-core on the key point at {width} px ({scheme}):\n" + describe(
            violations
        )
        box = page.locator(f"{LEAD} .key-point-text").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        suffix = "" if scheme == "light" else f"-{scheme}"
        page.screenshot(path=str(artifacts / f"panel-key-point{suffix}-{width}.png"))


def test_stand_in_story_without_key_points_then_with_a_hostile_one(
    make_browser: Any, service: Service
) -> None:
    """What the seeded service never sends: a story with no key points (the panel as before its
    lead: the headline in the coverage, no link) and one whose first point is markup and 10,000
    words (text, cut at a word, clamped). A stand-in service answers /v1/score with them."""
    real = service.score(NYT_ARTICLE)
    bare = copy.deepcopy(real)
    bare["story"]["key_points"] = []
    stand_in = FakeService(json.loads(ratings_export()), score=bare)
    try:
        browser: Browser = make_browser(standalone=True)
        since = time.time() * 1000
        browser.set_settings(serviceUrl=stand_in.url)
        browser.wait_for_sync(since)
        page = open_article(browser, NYT_ARTICLE)
        open_panel(page)
        assert page.locator(LEAD).count() == 0
        assert page.locator("parallax-panel .key-point-link").count() == 0
        assert (
            page.locator("parallax-panel .story .story-headline").inner_text()
            == real["story"]["headline"]
        )

        markup = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
        hostile = copy.deepcopy(real)
        shown = hostile["story"]["key_points"][lead_index(hostile["story"], NYT_ARTICLE)]
        shown["text"] = markup + " word" * 10_000
        shown["outlet"]["name"] = "<b>Outlet</b>"
        hostile["story"]["headline"] = "Harbor <script>window.__pwned=3</script> bridge closes"
        stand_in.score = hostile
        page.reload()
        page.locator(LEAD).wait_for(state="attached", timeout=WAIT_MS)
        open_panel(page)
        lead = page.locator(LEAD)
        text = lead.locator(".key-point-text").inner_text()
        assert text.startswith(markup) and text.endswith("…") and len(text) <= 360, text[:80]
        assert lead.locator(".key-point-outlet").inner_text() == "<b>Outlet</b>"
        assert (
            lead.locator(".story-headline").inner_text()
            == "Harbor <script>window.__pwned=3</script> bridge closes"
        )
        assert lead_tags(page) <= LEAD_TAGS, lead_tags(page)
        assert page.evaluate("window.__pwned === undefined")
        height, line = shadow(
            page,
            "parallax-panel",
            "root => { const q = root.querySelector('.key-point-text');"
            " return [q.getBoundingClientRect().height, parseFloat(getComputedStyle(q).lineHeight)]; }",
        )
        assert height <= 6 * line + 1, (height, line)
    finally:
        stand_in.close()


def test_lead_is_a_point_from_another_article_than_the_page(
    make_browser: Any, service: Service
) -> None:
    """A story whose first key point quotes the very article being read: the panel leads with
    the next point, from another article; when every point is the page's own, with the first."""
    from playwright.sync_api import expect

    real = service.score(NYT_ARTICLE)
    points = real["story"]["key_points"]
    assert len(points) > 1, "the seeded story has too few key points"
    own = copy.deepcopy(real)
    own_points = own["story"]["key_points"]
    own_points[0]["url"] = NYT_ARTICLE
    own_points[0]["text"] = "The page's own sentence, quoted back to its reader."
    for point in own_points[1:]:
        if same_article(point["url"]) == same_article(NYT_ARTICLE):
            point["url"] = "https://www.foxnews.com/us/another-article"
    stand_in = FakeService(json.loads(ratings_export()), score=own)
    try:
        browser: Browser = make_browser(standalone=True)
        since = time.time() * 1000
        browser.set_settings(serviceUrl=stand_in.url)
        browser.wait_for_sync(since)
        page = open_article(browser, NYT_ARTICLE)
        open_panel(page)
        lead = page.locator(LEAD)
        expect(lead.locator(".key-point-text")).to_have_text(own_points[1]["text"])
        panel_text = shadow(page, "parallax-panel", "root => root.textContent")
        assert own_points[0]["text"] not in panel_text

        for point in own_points:
            point["url"] = NYT_ARTICLE + "#also-this-page"
        stand_in.score = own
        page.reload()
        page.locator(LEAD).wait_for(state="attached", timeout=WAIT_MS)
        open_panel(page)
        expect(page.locator(LEAD).locator(".key-point-text")).to_have_text(own_points[0]["text"])
    finally:
        stand_in.close()


def test_the_key_points_link_by_keyboard(browser: Browser, service: Service) -> None:
    """Tab reaches "More key points on the story page" inside the panel, shows where focus is,
    and Enter opens the story page."""
    story = service.score(NYT_ARTICLE)["story"]
    assert story is not None and len(story["key_points"]) > 1
    page = open_article(browser, NYT_ARTICLE)
    open_panel(page)
    page.locator(LEAD).wait_for(state="visible", timeout=WAIT_MS)
    # From the panel's own tab button, as a keyboard user opened it.
    page.locator("parallax-panel .tab").focus()
    reached = False
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const host = document.querySelector('parallax-panel');"
            " const el = host && host.shadowRoot && host.shadowRoot.activeElement;"
            " return el ? el.className : null; })()"
        )
        if focused == "key-point-link":
            reached = True
            break
    assert reached, "Tab never reached the key point's link"
    outline = shadow(
        page,
        "parallax-panel",
        "root => { const s = getComputedStyle(root.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }",
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    with browser.context.expect_page(timeout=WAIT_MS) as opened:
        page.keyboard.press("Enter")
    story_page = opened.value
    story_page.wait_for_load_state()
    assert story_page.url == f"{service.url}/stories/{story['id']}"
