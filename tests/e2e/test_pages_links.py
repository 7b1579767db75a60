"""Story pages whose key points link to their articles, in Debian's Chromium: axe-core in light
and dark at 360 px and wide, every link opening the outlet's page in a new tab without an opener
or a referrer, reached by the keyboard in reading order with its focus drawn; and a story page
whose texts open right-to-left overrides they never close, laid out with the page's own words in
their order. (The demo's stories have no article addresses, so its key points are never links.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, render_template

from tests.e2e.harness import Service, http_json, parallax_command, serve_parallax, stop_parallax
from tests.e2e.test_pages import _fits, _page, _run, _shot, chrome  # noqa: F401 - a fixture
from tests.support.axe import audit, describe

pytestmark = pytest.mark.e2e

# One event told by five rated outlets on every side, each article with its address: every key
# point is quoted from an article the page lists, so every point's outlet is a link.
ARTICLES = [
    ("nytimes.com", "https://www.nytimes.com/2025/11/02/nyregion/eastport-ferry-strike.html",
     "Eastport ferry crews strike over pay, halting harbor crossings",
     "Ferry crews in Eastport walked off the job on Sunday, halting every harbor crossing for the "
     "first time in twenty years. The union says wages have fallen behind the cost of living "
     "since 2019. About 30,000 commuters use the ferries each weekday."),
    ("foxnews.com", "https://www.foxnews.com/us/eastport-ferry-strike-commuters",
     "Eastport ferry strike strands commuters as union demands raises",
     "Thousands of Eastport commuters were stranded on Sunday as ferry crews went on strike. "
     "City officials warned that the strike could cost the local economy millions each day. "
     "The union is demanding a 14 percent raise over three years."),
    ("reuters.com", "https://www.reuters.com/world/us/eastport-ferry-crews-strike-2025-11-02/",
     "Eastport ferry crews strike, halting harbor crossings",
     "Ferry crews in the port city of Eastport went on strike on Sunday after talks on a new "
     "contract broke down. The city said it would run extra buses across the Harbor bridge. "
     "Talks are set to resume on Tuesday."),
    ("npr.org", "https://www.npr.org/2025/11/02/eastport-ferry-strike",
     "Eastport ferry workers strike after contract talks collapse",
     "Ferry workers in Eastport began a strike on Sunday after contract talks collapsed late on "
     "Saturday. Workers say crews are short-staffed and overworked. The city runs eleven ferries "
     "across the harbor."),
    ("washingtonexaminer.com", "https://www.washingtonexaminer.com/news/eastport-ferry-strike",
     "Eastport ferry strike: union walkout halts harbor service",
     "A union walkout halted Eastport's ferry service on Sunday. Critics of the union said the "
     "strike punishes working commuters. The mayor called on both sides to return to talks."),
]  # fmt: skip
# Another event told in German by three German outlets (one language each in the ratings): its
# titles, points and quotes are marked lang="de" (WCAG 3.1.2), checked here by axe in a browser.
GERMAN_ARTICLES = [
    ("sueddeutsche.de", "https://www.sueddeutsche.de/bayern/isarbruecke-gesperrt-1.100",
     "Isarbrücke in Lindau nach Rissfund gesperrt",
     "Die Isarbrücke in Lindau ist seit Montag gesperrt, nachdem Prüfer Risse in zwei Trägern "
     "gefunden haben. Die Stadt rechnet mit sechs Wochen Reparatur. Pendler müssen Umwege "
     "fahren."),
    ("welt.de", "https://www.welt.de/regionales/bayern/article1/isarbruecke-lindau.html",
     "Lindau sperrt Isarbrücke: Risse in Trägern entdeckt",
     "Lindau hat die Isarbrücke am Montag gesperrt, weil Prüfer Risse in den Trägern entdeckt "
     "haben. Die Reparatur kostet nach Angaben der Stadt vier Millionen Euro. Der Bürgermeister "
     "kritisierte die späte Prüfung."),
    ("taz.de", "https://taz.de/Isarbruecke-in-Lindau/!100/",
     "Risse in der Isarbrücke: Lindau sperrt die Brücke",
     "Nach dem Fund von Rissen ist die Isarbrücke in Lindau seit Montag gesperrt. "
     "Umweltverbände fordern mehr Geld für den Erhalt von Brücken. Die Reparatur soll sechs "
     "Wochen dauern."),
]  # fmt: skip
OUTLET_PAGE = "<!doctype html><title>Outlet</title><p>The outlet's article.</p>"


def _jsonl(rows: list[tuple[str, str, str, str]], prefix: str, day: str) -> str:
    return "".join(
        json.dumps(
            {"id": f"{prefix}-{i}", "title": title, "text": text, "url": url, "outlet": outlet,
             "published": f"{day}T{10 + i:02d}:00:00Z"}
        ) + "\n"
        for i, (outlet, url, title, text) in enumerate(rows)
    )  # fmt: skip


def _largest_story_with(service_url: str, url: str) -> str:
    """The largest story holding the article at `url` (one story per event today; should
    grouping ever split one, its largest part is still a story of linked points)."""
    found: dict[str, int] = {}
    for story in http_json(f"{service_url}/v1/stories")["stories"]:
        summary = http_json(f"{service_url}/v1/stories/{story['id']}")
        urls = {a["url"] for side in summary["articles_by_side"].values() for a in side}
        if url in urls:
            found[str(story["id"])] = int(story["article_count"])
    assert found and max(found.values()) >= 3, found
    return max(found, key=lambda story_id: found[story_id])


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, str, str]]:
    """A service whose stories' articles all have addresses: the ferry strike (five outlets,
    English) and the Lindau bridge (three, German); the two stories' ids."""
    data_dir = tmp_path_factory.mktemp("pages-linked")
    source = data_dir / "articles.jsonl"
    source.write_text(
        _jsonl(ARTICLES, "ferry", "2025-11-02") + _jsonl(GERMAN_ARTICLES, "isar", "2025-11-05"),
        encoding="utf-8",
    )
    _run(data_dir, *parallax_command(), "ingest", "--file", str(source))
    process, url, log = serve_parallax(data_dir)
    ferry = _largest_story_with(url, ARTICLES[0][1])
    german = _largest_story_with(url, GERMAN_ARTICLES[0][1])
    yield Service(url=url, process=process), ferry, german
    stop_parallax(process, log)


@pytest.fixture(scope="module")
def linked_story(stories: tuple[Service, str, str]) -> tuple[Service, str]:
    """The service and its English story, every key point of which links its article."""
    service, ferry, _ = stories
    return service, ferry


def _linked_points(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The key points the page must show as links: those quoting an article the page lists."""
    listed = {a["url"] for side in summary["articles_by_side"].values() for a in side}
    return [p for p in summary["key_points"] if p.get("url") in listed]


@pytest.mark.parametrize(
    ("width", "scheme"), [(360, "light"), (360, "dark"), (1280, "light"), (1280, "dark")]
)
def test_key_points_linking_their_articles_pass_axe_and_open_safely(
    chrome: Any,  # noqa: F811 - the fixture imported above
    linked_story: tuple[Service, str],
    width: int,
    scheme: str,
) -> None:
    service, story_id = linked_story
    summary = http_json(f"{service.url}/v1/stories/{story_id}")
    linked = _linked_points(summary)
    assert len(linked) >= 3, summary["key_points"]
    page = _page(chrome, width=width, scheme=scheme)
    # The outlets' pages without a network: any https address is answered here.
    opened: list[dict[str, str]] = []

    def outlet_site(route: Any) -> None:
        opened.append(route.request.headers)
        route.fulfill(status=200, content_type="text/html", body=OUTLET_PAGE)

    page.context.route(re.compile(r"^https://"), outlet_site)
    page.goto(f"{service.url}/stories/{story_id}")
    points = page.get_by_role("region", name="Key points")
    links = points.get_by_role("link")
    assert links.count() == len(linked)
    for i, point in enumerate(linked):
        link = links.nth(i)
        assert link.get_attribute("href") == point["url"]
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.get_attribute("target") == "_blank"
        # Its name says whose article it opens, not only the outlet's name.
        name = link.evaluate("a => a.textContent")
        assert name == f"{point['outlet']['name']}: the article, on its site", name

    violations = audit(page)
    assert not violations, describe(violations)
    assert not audit(page, {"include": [["section.key-points"]]})
    if width == 360:
        _fits(page)

    # The keyboard reaches every point's link, in the points' order, before the filters; each
    # shows where the focus is.
    order: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
                return {id: e.id, href: e.getAttribute('href') || '',
                        inPoints: !!e.closest('section.key-points'),
                        outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
        )
        if focused["inPoints"]:
            assert focused["outline"] != "none" and focused["width"] >= 2, focused
            order.append(focused["href"])
        if focused["id"] == "f-side":
            break
    else:
        pytest.fail("Tab never reached the side filter")
    assert order == [p["url"] for p in linked]

    # Following one opens the outlet's page in a new tab that cannot reach back to ours and is
    # not told where the reader came from.
    with page.context.expect_page() as new_tab:
        links.first.click()
    outlet_tab = new_tab.value
    outlet_tab.wait_for_load_state()
    assert outlet_tab.url == linked[0]["url"]
    assert outlet_tab.evaluate("() => [window.opener === null, document.referrer]") == [True, ""]
    assert opened and all("referer" not in headers for headers in opened), opened
    _shot(page, f"pages-story-linked-points-{width}-{scheme}")
    page.context.close()


RLO, PDF = "\u202e", "\u202c"


def _hostile_summary() -> dict[str, Any]:
    """A story summary whose every reader-facing text opens a RIGHT-TO-LEFT OVERRIDE it never
    closes (as a store written by an older version, or by hand, may hold: ingest cleans them)."""
    reuters = {
        "id": "reuters.com",
        "name": f"{RLO}Reuters",
        "lean": {"label": "center"},
        "factuality": {"label": "high"},
    }
    npr = {
        "id": "npr.org",
        "name": f"{RLO}NPR",
        "lean": {"label": "lean-left"},
        "factuality": {"label": "high"},
    }
    return {
        "id": "st-rlo", "headline": f"Harbor {RLO}bridge closes", "article_count": 2,
        "outlet_count": 2, "first_seen": "2025-10-25T14:00:00Z",
        "last_updated": "2025-10-25T15:00:00Z",
        "lean": {"outlets": {"left": 1, "center": 1, "right": 0, "unrated": 0},
                 "by_outlets": {"left": 0.5, "center": 0.5, "right": 0.0, "unrated": 0.0},
                 "articles": {"left": 1, "center": 1, "right": 0, "unrated": 0}},
        "first_reported_by": {"outlet": reuters, "title": "Bridge shut",
                              "url": "https://www.reuters.com/a/1",
                              "published": "2025-10-25T14:00:00Z"},
        "key_points": [
            {"text": f"Inspectors {RLO}found a crack.", "outlet": reuters, "article_id": "a1",
             "url": "https://www.reuters.com/a/1"},
            {"text": f"Tolls {RLO}were waived.", "outlet": npr, "article_id": "a2"},
        ],
        "framing": {"left": {"terms": [f"{RLO}toll", "detours"],
                             "points": [{"text": f"Commuters {RLO}wait.", "outlet": npr}]}},
        "articles_by_side": {
            "center": [{"id": "a1", "url": "https://www.reuters.com/a/1",
                        "title": f"Bridge {RLO}shut", "outlet": reuters}],
            "left": [{"id": "a2", "title": f"Harbor {RLO}news", "outlet": npr}],
        },
    }  # fmt: skip


# Each pair: our words that follow a user-supplied text in the same line, and that text. Our
# words must be laid out after (right of) it, as they are read: an unclosed override drew them
# reversed, to its left.
_FOLLOWERS_JS = """() => {
  // The text's last line box and our words' first: where one ends, the other must go on.
  const rects = node => { const r = document.createRange(); r.selectNodeContents(node);
    return [...r.getClientRects()].filter(b => b.width > 0); };
  const last = node => rects(node).at(-1);
  const first = node => rects(node)[0];
  const pairs = [];
  for (const li of document.querySelectorAll('section.key-points li')) {
    pairs.push(['point', li.firstChild, li.querySelector('.source')]);
  }
  const reported = document.querySelector('p.first');
  pairs.push(['first reported', reported.querySelector('a'), reported.querySelector('time')]);
  for (const li of document.querySelectorAll('.framing .quotes li')) {
    pairs.push(['quote', li.querySelector('bdi'), li.querySelector('.source')]);
  }
  return pairs.map(([what, text, ours]) => [what, last(text).right, first(ours).left,
                                            last(text).top, first(ours).top]);
}"""


@pytest.mark.parametrize("width", [360, 1280])
def test_an_unclosed_override_in_a_story_never_reorders_the_pages_own_words(
    chrome: Any,  # noqa: F811 - the fixture imported above
    linked_story: tuple[Service, str],
    app: Flask,
    width: int,
) -> None:
    from service.web.pages import models

    service, _ = linked_story
    with app.test_request_context("/stories/st-rlo"):
        body = render_template(
            "pages/story.html", story=models.story_page(_hostile_summary()), outlet_base="/outlets/"
        )
    page = _page(chrome, width=width)
    # The page as the service renders it, laid out by Chromium with the service's own styles.
    page.route(
        f"{service.url}/stories/st-rlo",
        lambda route: route.fulfill(status=200, content_type="text/html", body=body),
    )
    page.goto(f"{service.url}/stories/st-rlo")
    pairs = page.evaluate(_FOLLOWERS_JS)
    compared = 0
    for what, text_right, ours_left, text_top, ours_top in pairs:
        if abs(text_top - ours_top) < 4:  # on the same line: ours is to the right of the text
            assert ours_left >= text_right - 1, (what, text_right, ours_left)
            compared += 1
    if width == 1280:  # every pair fits on one line
        assert compared == len(pairs) == 4, pairs
    # The window title: the headline's override closed before " · Parallax".
    assert page.title() == f"Harbor {RLO}bridge closes{PDF} · Parallax"
    if width == 360:
        _fits(page)
    page.context.close()


@pytest.mark.parametrize(("width", "scheme"), [(360, "dark"), (1280, "light")])
def test_a_german_story_marks_the_language_of_its_parts(
    chrome: Any,  # noqa: F811 - the fixture imported above
    stories: tuple[Service, str, str],
    width: int,
    scheme: str,
) -> None:
    """WCAG 3.1.2: the English page marks its German headline, titles, points and quotes
    lang="de", and the English words it writes inside them lang="en"; axe checks the codes."""
    service, _, story_id = stories
    page = _page(chrome, width=width, scheme=scheme)
    page.goto(f"{service.url}/stories/{story_id}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").get_attribute("lang") == "de"
    titles = page.locator("p.article-title")
    assert titles.count() == len(GERMAN_ARTICLES)
    assert {titles.nth(i).get_attribute("lang") for i in range(titles.count())} == {"de"}
    points = page.locator("section.key-points li")
    assert points.count() >= 2
    for i in range(points.count()):
        assert points.nth(i).get_attribute("lang") == "de"
        assert points.nth(i).locator(".source").get_attribute("lang") == "en"
    # Each side's emphasised words are its German outlets' too.
    terms = page.locator(".framing .terms bdi")
    assert terms.count() >= 1
    assert {terms.nth(i).get_attribute("lang") for i in range(terms.count())} == {"de"}
    # Our words in a German title's link: "(opens on ...'s site)" is English.
    hidden = page.locator("p.article-title .visually-hidden")
    assert {hidden.nth(i).get_attribute("lang") for i in range(hidden.count())} == {"en"}
    violations = audit(page)
    assert not violations, describe(violations)
    if width == 360:
        _fits(page)
    _shot(page, f"pages-story-german-{width}-{scheme}")
    page.context.close()
