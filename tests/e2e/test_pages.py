"""The HTML pages in Debian's Chromium: a real `parallax serve` after `parallax demo`, read at
360 px and 1,440 px in light and dark, audited by axe-core, screenshots kept in docs/screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    REPO,
    Service,
    http_json,
    parallax_command,
    serve_parallax,
    stop_parallax,
)
from tests.support.axe import audit, describe

pytestmark = pytest.mark.e2e

# The browser tests write here; scripts/screenshots copies them into docs/screenshots.
SCREENSHOTS = REPO / "test-artifacts" / "pages"
HOSTILE_STORY = "st-hostile"
LONG_TITLE = "Harbor " + "W" * 9_993  # 10,000 characters, no space to break at
# Feeds of ratings/feeds.csv given a state in the store (see HOSTILE_SCRIPT).
BACKOFF_FEED = "https://19thnews.org/feed/"
FAILING_FEED = "https://partner-feeds.20min.ch/rss/20minuten"
OK_FEED = "https://www.20minutes.fr/feeds/rss-une.xml"
# Written straight into the store: a corrupt or hostile store must still render as text.
HOSTILE_SCRIPT = f"""
import sys
from service.store import open_store
from service.store.base import Batch, FeedState, NewArticle
store = open_store(sys.argv[1])
rows = [
    ("id:hostile-1", "<script>document.title='pwned'</script> Harbor bridge closes", "nytimes.com",
     "https://www.nytimes.com/2025/10/26/nyregion/harbor.html", "left"),
    ("id:hostile-2", "<img src=x onerror=\\"document.title='pwned'\\"> Harbor bridge", "foxnews.com",
     "javascript:document.title='pwned'", "right"),
    ("id:hostile-3", {LONG_TITLE!r}, "reuters.com", "data:text/html,<script>alert(1)</script>",
     "center"),
]
store.commit(Batch(articles=[
    NewArticle(key=k, title=t, outlet_id=o, url=u, side=s, first_seen=1.76e9 + i,
               story_id={HOSTILE_STORY!r})
    for i, (k, t, o, u, s) in enumerate(rows)
]))
# Feeds of the bundled list: one backing off after 3 failures (its error text hostile), one
# failing once, one not modified, so /feeds is audited with every state it can show.
store.save_feed_states([
    FeedState(url={BACKOFF_FEED!r}, last_fetched=1.7615e9, last_status=500,
              last_error="<b onmouseover=alert(1)>bad gateway</b> " + "x" * 400,
              last_success=1.7613e9, entries=12, failures=3, next_attempt=4.1e9),
    FeedState(url={FAILING_FEED!r}, last_fetched=1.7615e9, last_status=404,
              last_error="https://example.invalid/feed answered HTTP 404", failures=1,
              next_attempt=4.1e9),
    FeedState(url={OK_FEED!r}, etag='"v1"', last_fetched=1.7615e9, last_status=304,
              last_success=1.7615e9, entries=30),
])
store.close()
"""


def _run(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "PARALLAX_DATA_DIR": str(data_dir)}
    env.pop("PARALLAX_DATABASE_URL", None)
    done = subprocess.run(
        list(args), cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{args[-2][:80]!r}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, dict[str, str]]]:
    """A service whose store holds the demo and a hostile story; the demo's story ids by event."""
    data_dir = tmp_path_factory.mktemp("pages-data")
    # A fixed clock: the screenshots kept in docs/ change only when the pages do.
    out = _run(data_dir, *parallax_command(), "demo", "--now", "2025-10-26T18:00:00Z")
    stories = {
        line.split()[0]: line.split()[1].rsplit("/", 1)[1]
        for line in out.splitlines()
        if line.startswith("  ")
    }
    assert set(stories) == {"barrier", "audit", "insulin", "satellite", "strike"}, out
    _run(data_dir, sys.executable, "-c", HOSTILE_SCRIPT, str(data_dir))
    process, url, log = serve_parallax(data_dir)
    yield Service(url=url, process=process), stories
    stop_parallax(process, log)


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data_dir = tmp_path_factory.mktemp("pages-empty")
    process, url, log = serve_parallax(data_dir)
    yield Service(url=url, process=process)
    stop_parallax(process, log)


@pytest.fixture(scope="module")
def chrome(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _page(chrome: Any, width: int = 1440, scheme: str = "light", script: bool = True) -> Any:
    context = chrome.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, java_script_enabled=script
    )
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    return page


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _fits(page: Any) -> None:
    """Nothing wider than the viewport: no sideways scrolling at 360 px."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the viewport"


def _visible_articles(page: Any) -> list[str]:
    return [
        side
        for side in page.eval_on_selector_all(
            "li.article", "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.side)"
        )
    ]


def test_front_page(chrome: Any, site: tuple[Service, dict[str, str]]) -> None:
    service, stories = site
    page = _page(chrome)
    page.goto(service.url + "/")
    assert page.locator("h1").inner_text() == "The latest stories, from every side"
    items = page.locator(".story-item")
    assert items.count() == 6  # five demo stories and the hostile one
    assert page.get_by_text("invented demo story").count() == 5
    assert page.locator(".blind-mark").count() == 2
    _shot(page, "pages-front")
    # The paste box leads to the score page.
    page.fill("#paste-url", "https://www.foxnews.com/politics/some-story")
    page.click("form.paste button")
    page.wait_for_url("**/score?url=*")
    assert page.locator("h2#result-title").inner_text() == "Fox News"
    page.context.close()


def test_story_page_with_every_side(chrome: Any, site: tuple[Service, dict[str, str]]) -> None:
    service, stories = site
    story_id = stories["barrier"]
    summary = http_json(f"{service.url}/v1/stories/{story_id}")
    page = _page(chrome)
    page.goto(f"{service.url}/stories/{story_id}")
    assert page.locator("h1").inner_text() == summary["headline"]
    assert page.locator(".demo-banner").is_visible()
    right = round(summary["lean"]["by_outlets"]["right"] * 100)
    assert page.locator(".big-figure").inner_text() == f"{right}% of the sources lean right"
    for side in ("left", "center", "right"):
        assert page.locator(f"#side-{side}").is_visible()
    assert len(_visible_articles(page)) == summary["article_count"]
    _shot(page, "pages-story")
    # The filter script narrows the list in place and keeps the address shareable.
    page.select_option("#f-side", "right")
    assert set(_visible_articles(page)) == {"right"}
    assert "side=right" in page.url
    assert "Showing 5 of 12 articles." in page.locator("[data-filter-status]").inner_text()
    page.select_option("#f-fact", "mixed")
    assert len(_visible_articles(page)) == 3
    page.context.close()
    # Without JavaScript the page still reads, and the form filters on the server.
    plain = _page(chrome, script=False)
    plain.goto(f"{service.url}/stories/{story_id}")
    assert len(_visible_articles(plain)) == summary["article_count"]
    plain.select_option("#f-side", "left")
    plain.click("form.filters button")
    plain.wait_for_url("**side=left*")
    assert set(_visible_articles(plain)) == {"left"}
    plain.context.close()


def test_story_page_with_a_blindspot(chrome: Any, site: tuple[Service, dict[str, str]]) -> None:
    service, stories = site
    page = _page(chrome, width=360, scheme="dark")
    page.goto(f"{service.url}/stories/{stories['audit']}")
    assert "covered mostly by sources on the right" in page.locator(".blindspot").inner_text()
    _fits(page)
    _shot(page, "pages-story-blindspot-360-dark")
    page.context.close()


def test_blindspot_page(chrome: Any, site: tuple[Service, dict[str, str]]) -> None:
    service, stories = site
    page = _page(chrome)
    page.goto(f"{service.url}/blindspots")
    left = page.locator("section[aria-labelledby=for-left]")
    right = page.locator("section[aria-labelledby=for-right]")
    assert left.locator(f"a[href='/stories/{stories['audit']}']").count() == 1
    assert right.locator(f"a[href='/stories/{stories['insulin']}']").count() == 1
    _shot(page, "pages-blindspots")
    page.context.close()


def test_outlet_page(chrome: Any, site: tuple[Service, dict[str, str]]) -> None:
    service, _ = site
    page = _page(chrome)
    page.goto(f"{service.url}/outlets/foxnews.com")
    assert page.locator("h1").inner_text() == "Fox News"
    assert page.locator(".scale .current").inner_text() == "Right"
    assert page.locator("#recent ~ ol .story-item").count() >= 1
    _shot(page, "pages-outlet")
    page.context.close()


def test_empty_store_explains_how_stories_arrive(chrome: Any, empty_site: Service) -> None:
    page = _page(chrome)
    page.goto(empty_site.url + "/")
    text = page.locator(".empty").inner_text()
    assert "No stories yet" in text and "parallax demo" in text and "parallax ingest --file" in text
    _shot(page, "pages-empty")
    page.context.close()


def test_not_found_page(chrome: Any, site: tuple[Service, dict[str, str]]) -> None:
    service, _ = site
    page = _page(chrome)
    response = page.goto(f"{service.url}/stories/st-does-not-exist")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Nothing here"
    page.click("text=Back to the latest stories")
    page.wait_for_url(service.url + "/")
    page.goto(f"{service.url}/outlets/nope.example")
    assert page.locator("h1").inner_text() == "Nothing here"
    _shot(page, "pages-404")
    page.context.close()


def test_hostile_story_renders_as_text(chrome: Any, site: tuple[Service, dict[str, str]]) -> None:
    service, _ = site
    for width in (1440, 360):
        page = _page(chrome, width=width)
        page.goto(f"{service.url}/stories/{HOSTILE_STORY}")
        page.wait_for_load_state("load")
        # The headline is the title read without its markup (keypoints._title_of); a script
        # that ran would have set the title tag to 'pwned'.
        assert page.title() == "Harbor bridge closes · Parallax"
        assert page.locator("h1").inner_text() == "Harbor bridge closes"
        # Nor is markup shown as a key point or a side's framing word.
        digest = page.locator("section.key-points, section.framing").all_inner_texts()
        assert digest and not [t for t in digest if "<" in t or "onerror" in t or "pwned" in t]
        assert page.dialogs == []
        # Only our own external script; the titles' tags are text.
        assert page.eval_on_selector_all("script", "els => els.map(e => e.src)") == [
            f"{service.url}/assets/filters.js"
        ]
        assert page.locator("img").count() == 0
        assert (
            page.get_by_text("<script>document.title='pwned'</script> Harbor bridge closes").count()
            >= 1
        )
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
        assert page.locator(f"text={LONG_TITLE[:40]}").count() >= 1
        outside = page.eval_on_selector_all(
            "a[href^='http']", "els => els.map(e => e.getAttribute('rel'))"
        )
        assert outside and all(rel == "noopener noreferrer" for rel in outside)
        _fits(page)
        if width == 1440:
            _shot(page, "pages-hostile")
        page.context.close()


PAGES = [
    "/",
    "/?before=4102444800",  # an older page (up to 2100: every story), its lede and back link
    "/?before=4102444800&after={barrier}",  # a page by the keyset cursor: its 'Newer stories'
    "/stories/{barrier}",
    "/stories/{audit}",
    "/stories/{barrier}?side=right",
    "/blindspots",
    "/outlets/foxnews.com",
    "/outlets/rt.com",
    "/outlets?q=news",
    "/score?url=https://www.nytimes.com/2025/10/25/x.html",
    "/score",
    "/feeds",
    "/stories/st-does-not-exist",
    "/stories/" + HOSTILE_STORY,
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1440])
def test_every_page_passes_axe_and_fits(
    chrome: Any, site: tuple[Service, dict[str, str]], scheme: str, width: int
) -> None:
    service, stories = site
    page = _page(chrome, width=width, scheme=scheme)
    failures: list[str] = []
    for path in PAGES:
        page.goto(service.url + path.format(**stories))
        if path == "/feeds":
            # The audit must see a feed backing off, not only feeds never fetched.
            backoff = page.locator(".feed-failing .backoff")
            if backoff.count() != 2 or "3 failures in a row" not in backoff.first.inner_text():
                failures.append(f"/feeds: no backing-off feed shown ({backoff.count()} rows)")
        violations = audit(page)
        if violations:
            failures.append(f"{path}:\n{describe(violations)}")
        if width == 360:
            _fits(page)
    if scheme == "dark" and width == 360:
        page.goto(f"{service.url}/stories/{stories['barrier']}")
        _shot(page, "pages-story-360-dark")
    page.context.close()
    assert not failures, "\n".join(failures)


def test_legend_swatches_match_the_bars_in_forced_colours(
    chrome: Any, site: tuple[Service, dict[str, str]]
) -> None:
    """Windows High Contrast (forced colours) blanks backgrounds, so the legend's swatches lost
    their colours while the bars' SVG fills kept theirs: no side could be told in any bar."""
    service, stories = site
    context = chrome.new_context(viewport={"width": 1440, "height": 900}, forced_colors="active")
    page = context.new_page()
    for path in ("/", f"/stories/{stories['barrier']}"):
        page.goto(service.url + path)
        colours = page.evaluate(
            """() => ['left', 'center', 'right'].map(side => [
              getComputedStyle(document.querySelector('.key-' + side)).backgroundColor,
              getComputedStyle(document.querySelector('.seg-' + side)).fill])"""
        )
        for swatch, fill in colours:
            assert swatch == fill, (path, colours)
    context.close()


def test_empty_front_page_passes_axe(chrome: Any, empty_site: Service) -> None:
    for scheme in ("light", "dark"):
        page = _page(chrome, scheme=scheme)
        page.goto(empty_site.url + "/")
        assert not audit(page), describe(audit(page))
        page.context.close()


@pytest.mark.parametrize(
    ("width", "scheme"), [(360, "dark"), (1440, "light"), (360, "light"), (1440, "dark")]
)
def test_story_page_key_points_and_framing(
    chrome: Any, site: tuple[Service, dict[str, str]], width: int, scheme: str
) -> None:
    """Issue 16 on the story page: the key points before the coverage, each side's framing,
    named regions a keyboard passes through, axe-clean and fitting at 360 px in dark and light."""
    service, stories = site
    story_id = stories["barrier"]
    summary = http_json(f"{service.url}/v1/stories/{story_id}")
    framed = [s for s, f in summary["framing"].items() if f["terms"] or f["points"]]
    assert len(summary["key_points"]) >= 2 and len(framed) >= 2, "the demo story lost its digest"
    page = _page(chrome, width=width, scheme=scheme)
    page.goto(f"{service.url}/stories/{story_id}")
    points = page.get_by_role("region", name="Key points")
    framing = page.get_by_role("region", name="How each side framed it")
    assert points.is_visible() and framing.is_visible()
    shown = points.get_by_role("listitem").all_inner_texts()
    assert len(shown) == len(summary["key_points"])
    for item, point in zip(shown, summary["key_points"], strict=True):
        assert item.startswith(point["text"]) and point["outlet"]["name"] in item
    # One column a side, each under its own heading, left to right.
    headings = framing.get_by_role("heading", level=3).all_inner_texts()
    assert [h.split(" sources")[0] for h in headings] == [
        "Left-leaning",
        "Center-leaning",
        "Right-leaning",
    ], headings
    for side in framed:
        label = {"left": "Left", "center": "Center", "right": "Right"}[side]
        column = framing.get_by_role("region", name=f"{label}-leaning sources").inner_text()
        assert "They emphasise:" in column or "“" in column, (side, column)
    # What happened comes before the list of articles.
    first_article = page.locator("li.article").first.bounding_box()
    assert first_article is not None
    for region in (points, framing):
        box = region.bounding_box()
        assert box is not None and box["y"] < first_article["y"]
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    # The keyboard passes the regions by (nothing in them takes focus) on to the filters.
    assert (
        page.locator("section.key-points *, section.framing *").evaluate_all(
            "els => els.filter(e => e.tabIndex >= 0 || e.matches('a[href], button, input, select'))"
            ".length"
        )
        == 0
    )
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "f-side":
            break
    else:
        pytest.fail("Tab never reached the side filter after the key points")
    violations = audit(page, {"include": [["section.key-points"], ["section.framing"]]})
    assert not violations, describe(violations)
    assert not audit(page), describe(audit(page))
    if width == 360:
        _fits(page)
    _shot(page, f"pages-story-key-points-{width}-{scheme}")
    page.context.close()
