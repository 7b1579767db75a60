"""A listed story's headline carries its language (lang, and dir="rtl" for a right-to-left
script) on every list page, told as its story page tells it: by the outlet whose title it is,
and only when the title is written in that language's script (WCAG 3.1.2)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from service.coverage.runtime import engine
from service.store.base import Batch, NewArticle
from service.web.pages import models
from tests.support.apps import close_store, make_app
from tests.support.stores import BACKENDS

HTML = {"Accept": "text/html"}
STORIES = {
    # story id: (outlet, title, the headline's attributes on a list)
    "st-ar": ("alarabiya.net", "أبوظبي تفتتح خط مترو جديد", ' dir="rtl" lang="ar"'),
    "st-he": ("13tv.co.il", "הרכבת הקלה נפתחת ביום שני", ' dir="rtl" lang="he"'),
    "st-de": ("abendblatt.de", "Hamburg öffnet die neue Brücke", ' dir="auto" lang="de"'),
    # an 'ar en' outlet's English title, and an English outlet's: the page's own English
    "st-ar-en": ("alarabiya.net", "Abu Dhabi opens new metro line", ' dir="auto"'),
    "st-en": ("nytimes.com", "Harbor bridge closes for repairs", ' dir="auto"'),
}


@pytest.fixture
def listed_app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """The app on the parametrized backend's store (SQLite, or a fresh PostgreSQL schema)."""
    app = make_app(tmp_path, DATABASE_URL=database_url)
    engine(app).store.commit(
        Batch(
            articles=[
                NewArticle(key=f"id:{story_id}", title=title, outlet_id=outlet, side="unrated",
                           url=f"https://www.{outlet}/{story_id}", published=1.76e9 + i,
                           first_seen=1.76e9 + i, story_id=story_id)
                for i, (story_id, (outlet, title, _)) in enumerate(STORIES.items())
            ]
        )
    )  # fmt: skip
    yield app
    close_store(app)


def _headings(body: str) -> dict[str, str]:
    """{story id: the attributes of its list heading after class}."""
    return {
        story_id: attributes
        for attributes, story_id in re.findall(
            r'<h\d class="story-title"([^>]*)><a href="/stories/([^"]+)">', body
        )
    }


@pytest.mark.parametrize("backend", [BACKENDS["sqlite"], BACKENDS["postgresql"]])
def test_the_front_page_marks_each_headline_with_its_language(listed_app: Flask) -> None:
    body = listed_app.test_client().get("/", headers=HTML).data.decode()
    assert _headings(body) == {story_id: attrs for story_id, (_, _, attrs) in STORIES.items()}


@pytest.mark.parametrize("backend", [BACKENDS["sqlite"]])
@pytest.mark.parametrize("outlet", ["alarabiya.net", "13tv.co.il", "abendblatt.de"])
def test_an_outlets_page_marks_its_stories_headlines_too(listed_app: Flask, outlet: str) -> None:
    body = listed_app.test_client().get(f"/outlets/{outlet}", headers=HTML).data.decode()
    expected = {story_id: attrs for story_id, (o, _, attrs) in STORIES.items() if o == outlet}
    assert _headings(body) == expected


def test_a_headline_that_is_no_title_takes_the_one_language_of_its_outlets() -> None:
    german = {"language": "de"}
    assert (
        models.listing_language("Brücke gesperrt", [(german, "Brücke in Hamburg gesperrt")]) == "de"
    )
    # outlets of two languages: cannot tell
    french = {"language": "fr"}
    assert models.listing_language("Brücke gesperrt", [(german, "a"), (french, "b")]) is None
    assert models.listing_language("", [(german, "Brücke gesperrt")]) is None
    assert models.listing_language("Brücke gesperrt", []) is None


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ar", "rtl"), ("fa", "rtl"), ("he", "rtl"), ("dv", "rtl"), ("de", "auto"),
     ("ru", "auto"), ("zh", "auto"), (None, "auto")],
)  # fmt: skip
def test_the_direction_of_a_language(language: str | None, expected: str) -> None:
    assert models.direction(language) == expected
