"""Firefox smoke test: the built Firefox package in Firefox ESR, driven over WebDriver BiDi."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.core.ratings import load_table
from tests.e2e.bidi import BiDi, launch_firefox
from tests.e2e.harness import (
    EXTENSION_DIR,
    HOSTILE_ARTICLE,
    NYT_ARTICLE,
    PAGES,
    ROUTED_ORIGINS,
    ROUTED_PAGES,
    RTL_ARTICLE,
    TRANSFORMED_BODY_ARTICLE,
    Service,
    free_port,
    lead_index,
)
from tests.support.axe import WCAG_TAGS, axe_source

pytestmark = pytest.mark.e2e

FIREFOX_PREFS: dict[str, Any] = {
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "network.connectivity-service.enabled": False,
    "app.update.enabled": False,
    "browser.region.network.url": "",
    "remote.active-protocols": 1,
}
CONNECT_TIMEOUT_S = 30.0
WAIT_S = 10.0

SHADOW = "document.querySelector('{host}')?.shadowRoot"
GOOGLE_NEWS = "https://news.google.com/home?hl=en-US&gl=US&ceid=US:en"


def in_panel(selector: str) -> str:
    root = SHADOW.format(host="parallax-panel")
    return f"{root}?.querySelector({selector!r})?.textContent ?? ''"


@pytest.fixture
def firefox(service: Service, tmp_path: Path) -> Iterator[tuple[BiDi, str]]:
    """Firefox ESR with the built Firefox package connected to the test service."""
    yield from run_firefox(tmp_path, service.url)


@pytest.fixture
def firefox_standalone(tmp_path: Path) -> Iterator[tuple[BiDi, str]]:
    """Firefox ESR with the built Firefox package exactly as built: no service."""
    yield from run_firefox(tmp_path, None)


def run_firefox(
    tmp_path: Path, service_url: str | None, prefs: dict[str, Any] | None = None
) -> Iterator[tuple[BiDi, str]]:
    """Firefox ESR with the built Firefox package installed, pages routed to the fixtures."""
    executable = shutil.which("firefox-esr") or shutil.which("firefox")
    node = shutil.which("node")
    if executable is None or node is None:
        pytest.skip("firefox-esr (apt-get install -y firefox-esr) and node are needed")
    dist = tmp_path / "dist"
    subprocess.run(
        [node, str(EXTENSION_DIR / "build.mjs"), str(dist)], check=True, capture_output=True
    )
    unpacked = tmp_path / "extension"
    with zipfile.ZipFile(next(dist.glob("parallax-firefox-*.zip"))) as archive:
        archive.extractall(unpacked)
    if service_url is not None:
        # The one change to the package: BiDi cannot open extension pages to connect a service,
        # so the default (none: standalone) becomes this test's service.
        settings = unpacked / "src" / "lib" / "settings.js"
        source = settings.read_text("utf-8")
        default = 'export const DEFAULT_SERVICE_URL = "";'
        assert default in source
        source = source.replace(default, f"export const DEFAULT_SERVICE_URL = {service_url!r};")
        # And inline badges on for Google News (off by default), for the same reason.
        assert "inlineBadgeSites: []," in source
        source = source.replace("inlineBadgeSites: [],", 'inlineBadgeSites: ["news.google.com"],')
        settings.write_text(source, "utf-8")

    port = free_port()
    process = launch_firefox(
        executable, tmp_path / "profile", port, {**FIREFOX_PREFS, **(prefs or {})}
    )
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while True:
        try:
            bidi = BiDi(port)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("Firefox did not open its WebDriver BiDi port")
            time.sleep(0.2)
    try:
        bidi.command("session.new", capabilities={})
        bidi.command("webExtension.install", extensionData={"type": "path", "path": str(unpacked)})
        bidi.routes = {url: (PAGES / name).read_text("utf-8") for url, name in ROUTED_PAGES.items()}
        bidi.routes[GOOGLE_NEWS] = (PAGES / "google-news.html").read_text("utf-8")
        bidi.command("session.subscribe", events=["network.beforeRequestSent"])
        bidi.command(
            "network.addIntercept",
            phases=["beforeRequestSent"],
            urlPatterns=[
                {"type": "pattern", "protocol": "https", "hostname": origin.split("//", 1)[1]}
                for origin in [*ROUTED_ORIGINS, "https://news.google.com"]
            ],
        )
        context = bidi.command("browsingContext.getTree")["contexts"][0]["context"]
        yield bidi, context
    finally:
        bidi.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def hover(bidi: BiDi, context: str, element_id: str) -> str:
    """Rests the pointer on a link; returns the card's outlet name once it shows."""
    node = bidi.command(
        "script.evaluate",
        expression=f"document.getElementById({element_id!r})",
        target={"context": context},
        awaitPromise=False,
    )["result"]
    bidi.command(
        "input.performActions",
        context=context,
        actions=[
            {
                "type": "pointer",
                "id": "mouse",
                "parameters": {"pointerType": "mouse"},
                "actions": [
                    {
                        "type": "pointerMove",
                        "x": 0,
                        "y": 0,
                        "origin": {"type": "element", "element": {"sharedId": node["sharedId"]}},
                    }
                ],
            }
        ],
    )
    card = SHADOW.format(host="parallax-hovercard") + "?.querySelector('.card')"
    name: str = bidi.wait_for(
        context, f"(c => c && !c.hidden ? c.querySelector('.outlet-name').textContent : '')({card})"
    )
    return name


def test_firefox_panel_story_and_hover_card(firefox: tuple[BiDi, str], service: Service) -> None:
    bidi, context = firefox
    expected = service.score(NYT_ARTICLE)
    story = expected["story"]
    bidi.command("browsingContext.navigate", context=context, url=NYT_ARTICLE, wait="complete")
    count = bidi.wait_for(context, in_panel(".story-count"))
    assert count == f"{story['article_count']} articles from {story['outlet_count']} sources"
    assert bidi.evaluate(context, in_panel(".outlet-name")) == expected["outlet"]["name"]
    # The story's first key point from another article than the page, its outlet and the link
    # to the rest (issue 16).
    first = story["key_points"][lead_index(story, NYT_ARTICLE)]
    assert bidi.evaluate(context, in_panel(".key-point-text")) == first["text"]
    assert bidi.evaluate(context, in_panel(".key-point-outlet")) == first["outlet"]["name"]
    more = SHADOW.format(host="parallax-panel") + "?.querySelector('.key-point-link')"
    assert bidi.evaluate(context, f"{more}?.getAttribute('href')") == (
        f"{service.url}/stories/{story['id']}"
    )
    fox_href = bidi.evaluate(context, "document.getElementById('fox').href")
    assert hover(bidi, context, "fox") == service.score(fox_href)["outlet"]["name"]
    assert bidi.evaluate(context, "document.body.dataset.pageScript") == "ran"


def test_firefox_hostile_headlines_stay_text(firefox: tuple[BiDi, str], service: Service) -> None:
    bidi, context = firefox
    bidi.command("browsingContext.navigate", context=context, url=HOSTILE_ARTICLE, wait="complete")
    bidi.wait_for(context, in_panel(".story-count"))
    root = SHADOW.format(host="parallax-panel")
    text = bidi.evaluate(context, f"{root}.textContent")
    hostile = [
        a["title"] for a in service.score(HOSTILE_ARTICLE)["story"]["related"] if "<" in a["title"]
    ]
    assert hostile and all(title in text for title in hostile)
    injected = bidi.evaluate(
        context, f"{root}.querySelectorAll('script, img, b, iframe, object, embed').length"
    )
    assert injected == 0
    assert bidi.evaluate(context, "window.__pwned === undefined") is True


def test_firefox_card_description_and_axe(firefox: tuple[BiDi, str], service: Service) -> None:
    """The card's words describe its link, and axe-core finds nothing serious in the panel.

    The keyboard path (focus, Alt+Down, Escape) is driven in Chromium only: headless Firefox
    under BiDi dispatches no focus events at all (document.hasFocus() stays false)."""
    bidi, context = firefox
    bidi.command("browsingContext.navigate", context=context, url=NYT_ARTICLE, wait="complete")
    bidi.wait_for(context, in_panel(".story-count"))
    fox = service.score(bidi.evaluate(context, "document.getElementById('fox').href"))["outlet"]
    assert hover(bidi, context, "fox") == fox["name"]
    described = bidi.wait_for(
        context,
        "(l => l.getAttribute('aria-describedby') &&"
        " document.getElementById(l.getAttribute('aria-describedby'))?.textContent)"
        "(document.getElementById('fox'))",
    )
    assert described.startswith(f"Parallax: {fox['name']},"), described

    # axe-core in Firefox too, on the open panel.
    bidi.evaluate(context, in_panel(".tab").replace("?.textContent ?? ''", "?.click()"))
    bidi.wait_for(
        context,
        SHADOW.format(host="parallax-panel") + "?.querySelector('.panel:not([hidden])') !== null",
    )
    bidi.evaluate(context, axe_source() + ";0")
    found = bidi.evaluate(
        context,
        "axe.run({include: [['parallax-panel']]}, {runOnly: {type: 'tag', values: "
        + json.dumps(WCAG_TAGS)
        + "}, resultTypes: ['violations']}).then(r => JSON.stringify(r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => [v.id, v.nodes.map(n => n.target)])))",
    )
    assert json.loads(found) == [], found


def test_firefox_google_news_inline_badges(firefox: tuple[BiDi, str], service: Service) -> None:
    bidi, context = firefox
    bidi.command("browsingContext.navigate", context=context, url=GOOGLE_NEWS, wait="complete")
    dots = "Object.fromEntries([...document.querySelectorAll('a > parallax-dot')].map(d => [d.parentElement.id, d.dataset.lean]))"
    bidi.wait_for(context, f"Object.keys({dots}).length >= 6")
    bidi.pump(0.5)
    found = json.loads(bidi.evaluate(context, f"JSON.stringify({dots})"))
    rows = json.loads(
        bidi.evaluate(
            context,
            "JSON.stringify([...document.querySelectorAll('article')].map(a =>"
            " [a.querySelector('.JtKRv').id, a.querySelector('.JtKRv').href,"
            " a.querySelector('.vr1PYe').textContent]))",
        )
    )
    table = load_table()
    want = {}
    for link_id, href, source in rows:
        outlet = table.resolver.resolve_named(href, source, "US").outlet
        if outlet is not None:
            want[link_id] = outlet.lean or "unrated"
    assert found == want
    # Styled (a constructed sheet, or the <style> fallback): a dot is drawn with a size.
    size = bidi.evaluate(
        context,
        "(d => { const r = d.getBoundingClientRect(); return [r.width, r.height].join('x'); })"
        "(document.querySelector('a > parallax-dot'))",
    )
    assert size == "7x7", size


def test_firefox_standalone_rates_from_the_built_in_table(
    firefox_standalone: tuple[BiDi, str], service: Service
) -> None:
    bidi, context = firefox_standalone
    bidi.command("browsingContext.navigate", context=context, url=NYT_ARTICLE, wait="complete")
    line = bidi.wait_for(context, in_panel(".no-service"))
    assert line.startswith("Related coverage needs a Parallax service")
    # The name the service would give, though the extension never asked it.
    assert (
        bidi.evaluate(context, in_panel(".outlet-name"))
        == service.score(NYT_ARTICLE)["outlet"]["name"]
    )
    fox_href = bidi.evaluate(context, "document.getElementById('fox').href")
    assert hover(bidi, context, "fox") == service.score(fox_href)["outlet"]["name"]


# Where the collapsed tab is drawn, whether its host is in the top layer, and the panel's
# direction and language (JSON, evaluated in the page).
TAB_STATE = """(() => { const host = document.querySelector('parallax-panel');
  const root = host?.shadowRoot; if (!root) return '';
  const b = root.querySelector('.tab').getBoundingClientRect(), panel = root.querySelector('.panel');
  return JSON.stringify({top: b.top, bottom: b.bottom, width: b.width, inner: innerHeight,
    raised: host.matches(':popover-open'), direction: getComputedStyle(panel).direction,
    lang: panel.closest('[lang]')?.getAttribute('lang') ?? null}); })()"""


def test_firefox_keeps_the_tab_on_screen_and_the_panel_english_on_hostile_layouts(
    firefox_standalone: tuple[BiDi, str],
) -> None:
    """Last session's fixes for odd pages, in Firefox too: a <body> with a transform (the top
    layer keeps the tab on the viewport 1,500 px down) and a Hebrew right-to-left page (the
    panel stays English, left to right)."""
    bidi, context = firefox_standalone
    bidi.command(
        "browsingContext.navigate", context=context, url=TRANSFORMED_BODY_ARTICLE, wait="complete"
    )
    bidi.wait_for(context, in_panel(".no-service"))
    bidi.evaluate(context, "window.scrollTo(0, 1500)")
    bidi.wait_for(context, "window.scrollY >= 1000")
    state = json.loads(bidi.evaluate(context, TAB_STATE))
    assert state["raised"], state
    assert state["top"] >= 0 and state["bottom"] <= state["inner"] and state["width"] >= 20, state

    bidi.command("browsingContext.navigate", context=context, url=RTL_ARTICLE, wait="complete")
    bidi.wait_for(context, in_panel(".no-service"))
    state = json.loads(bidi.evaluate(context, TAB_STATE))
    assert (state["direction"], state["lang"]) == ("ltr", "en"), state


@pytest.fixture
def firefox_without_navigation_api(tmp_path: Path) -> Iterator[tuple[BiDi, str]]:
    """Firefox ESR as before 147 (ESR 140, 128, 115): no Navigation API, standalone."""
    yield from run_firefox(tmp_path, None, {"dom.navigation.webidl.enabled": False})


def test_firefox_follows_a_pushstate_to_the_next_article(
    firefox_without_navigation_api: tuple[BiDi, str],
) -> None:
    """The page's router goes on to the next article with pushState (no popstate). The content
    script followed it only through the Navigation API: in a Firefox without one (before 147,
    so ESR 140 and older) the first article's panel stayed. content/navwatch.js follows history."""
    bidi, context = firefox_without_navigation_api
    bidi.command("browsingContext.navigate", context=context, url=NYT_ARTICLE, wait="complete")
    panel_for = "(document.querySelector('parallax-panel')?.dataset.parallaxFor ?? '')"
    assert bidi.wait_for(context, panel_for) == NYT_ARTICLE
    assert bidi.evaluate(context, "typeof navigation") == "undefined"
    bidi.evaluate(context, "document.getElementById('spa-next').click()")
    next_url = bidi.evaluate(context, "location.href")
    assert next_url != NYT_ARTICLE
    assert bidi.wait_for(context, f"{panel_for} === {next_url!r}", timeout=WAIT_S)
    assert bidi.evaluate(context, "document.querySelectorAll('parallax-panel').length") == 1
