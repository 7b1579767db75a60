"""An Arabic story in Debian's Chromium: right-to-left titles and key points (some with the
right-to-left marks real titles carry), from outlets of one language and of two, and an English
title from an outlet the ratings give as Arabic; read at 320 px, 360 px and wide, light and dark,
audited by axe-core, with nothing wider than the screen and each text marked with its language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.harness import Service, http_json, parallax_command, serve_parallax, stop_parallax
from tests.e2e.test_pages import _fits, _page, _run, _shot, chrome  # noqa: F401 - a fixture
from tests.support.axe import audit, describe

pytestmark = pytest.mark.e2e

RLM = "\u200f"
# One event (invented for this test) told by Arabic outlets: alarabiya.net and aawsat.com are
# 'ar en' in the ratings, almanar.com.lb 'ar en'; thenational.ae writes in English (an outlet
# rated 'ar' that writes English: tests/test_pages.py). A title starts and ends with RLM, as Arabic titles often do.
ARTICLES = [
    ("alarabiya.net", "https://www.alarabiya.net/arab-and-world/2025/11/03/metro-abu-dhabi",
     "أبوظبي تفتتح خط مترو جديد يربط المطار بوسط المدينة",
     "افتتحت أبوظبي يوم الاثنين خط مترو جديدا يربط المطار بوسط المدينة. ويبلغ طول الخط 40 "
     "كيلومترا. وقالت الهيئة إن القطارات ستعمل كل خمس دقائق."),
    ("aawsat.com", "https://aawsat.com/node/1234567",
     f"{RLM}مترو أبوظبي الجديد: 40 كيلومترا من المطار إلى وسط المدينة{RLM}",
     "بدأ مترو أبوظبي الجديد العمل يوم الاثنين. ويمتد الخط 40 كيلومترا من المطار إلى وسط "
     "المدينة. وتعمل القطارات كل خمس دقائق."),
    ("almanar.com.lb", "https://www.almanar.com.lb/123456",
     "خط مترو جديد في أبوظبي يربط المطار بوسط المدينة",
     "افتتح خط مترو جديد في أبوظبي يوم الاثنين يربط المطار بوسط المدينة. ويبلغ طول الخط 40 "
     "كيلومترا. وستعمل القطارات كل خمس دقائق."),
    ("thenational.ae", "https://www.thenational.ae/uae/transport/2025/11/03/abu-dhabi-metro/",
     "Abu Dhabi metro line opens, linking airport and city centre",
     "Abu Dhabi opened a new metro line on Monday linking the airport with the city centre. "
     "The line is 40 kilometres long. Trains will run every five minutes."),
]  # fmt: skip


@pytest.fixture(scope="module")
def arabic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, list[str]]]:
    """The service and its stories holding the Arabic articles, largest first."""
    data_dir = tmp_path_factory.mktemp("pages-rtl")
    source = data_dir / "articles.jsonl"
    source.write_text(
        "".join(
            json.dumps(
                {"id": f"metro-{i}", "outlet": outlet, "url": url, "title": title, "text": text,
                 "published": f"2025-11-03T{8 + i:02d}:00:00Z"}, ensure_ascii=False
            ) + "\n"
            for i, (outlet, url, title, text) in enumerate(ARTICLES)
        ),
        encoding="utf-8",
    )  # fmt: skip
    _run(data_dir, *parallax_command(), "ingest", "--file", str(source))
    process, url, log = serve_parallax(data_dir)
    listed = http_json(f"{url}/v1/stories")["stories"]
    ids = [str(s["id"]) for s in sorted(listed, key=lambda s: -int(s["article_count"]))]
    yield Service(url=url, process=process), ids
    stop_parallax(process, log)


@pytest.mark.parametrize(
    ("width", "scheme"), [(320, "light"), (320, "dark"), (360, "dark"), (1280, "light")]
)
def test_an_arabic_story_reads_right_to_left_fits_and_passes_axe(
    chrome: Any,  # noqa: F811 - the fixture imported above
    arabic: tuple[Service, list[str]],
    width: int,
    scheme: str,
) -> None:
    """A key point written right to left (li dir=auto) drew its bullet outside its box, on its
    right: at 320 and 360 px the page was 2 px wider than the screen (WCAG 1.4.10)."""
    service, story_ids = arabic
    page = _page(chrome, width=width, scheme=scheme)
    titles: dict[str, str | None] = {}
    arabic_points = 0
    arabic_excerpts = 0
    for story_id in story_ids:
        page.goto(f"{service.url}/stories/{story_id}")
        violations = audit(page)
        assert not violations, f"{story_id}: {describe(violations)}"
        _fits(page)
        rows = page.locator("p.article-title")
        for i in range(rows.count()):
            titles[rows.nth(i).inner_text()] = rows.nth(i).get_attribute("lang")
        # Each article's excerpt too: an Arabic one lang="ar", laid out right to left.
        excerpts = page.locator("p.excerpt")
        for i in range(excerpts.count()):
            shown = excerpts.nth(i)
            if any("\u0600" <= c <= "\u06ff" for c in shown.inner_text()):
                arabic_excerpts += 1
                assert shown.get_attribute("lang") == "ar"
                assert shown.evaluate("e => getComputedStyle(e).direction") == "rtl"
            else:
                assert shown.get_attribute("lang") is None
        points = page.locator("section.key-points li")
        for i in range(points.count()):
            point = points.nth(i)
            if point.get_attribute("lang") != "ar":
                continue
            arabic_points += 1
            # laid out right to left, its bullet inside the page
            assert point.evaluate("e => getComputedStyle(e).direction") == "rtl"
            box = point.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width - 12
    assert arabic_points >= 1
    assert arabic_excerpts >= 3
    # Each title marked with the language it is written in: Arabic, or the page's English.
    by_outlet = {outlet: title.strip(RLM) for outlet, _, title, _ in ARTICLES}

    def lang_of(outlet: str) -> str | None:
        # (a row's text is its title, then the link's hidden "(opens on ...'s site)")
        found = [lang for text, lang in titles.items() if by_outlet[outlet] in text]
        assert len(found) == 1, (outlet, titles)
        return found[0]

    for outlet in ("alarabiya.net", "aawsat.com", "almanar.com.lb"):
        assert lang_of(outlet) == "ar", outlet
    assert lang_of("thenational.ae") is None
    # The lists: each story's headline marked with its language too (an Arabic one lang="ar",
    # laid out right to left), passing axe and fitting the screen.
    arabic_headlines = 0
    for path in ("/", "/outlets/alarabiya.net", "/blindspots"):
        page.goto(service.url + path)
        violations = audit(page)
        assert not violations, f"{path}: {describe(violations)}"
        _fits(page)
        headings = page.locator(".story-title")
        for i in range(headings.count()):
            heading = headings.nth(i)
            written_in_arabic = any("\u0600" <= c <= "\u06ff" for c in heading.inner_text())
            assert heading.get_attribute("lang") == ("ar" if written_in_arabic else None), path
            if written_in_arabic:
                arabic_headlines += 1
                assert heading.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert arabic_headlines >= 1
    if width == 320:
        page.goto(f"{service.url}/stories/{story_ids[0]}")
        _shot(page, f"pages-story-arabic-320-{scheme}")
    page.context.close()
