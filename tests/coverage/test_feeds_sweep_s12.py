"""Session 12's sweep of what else a feed can send: dates feedparser makes up, and a date's text
whose reading took time growing with its square. Each test fails on the code before its fix."""

from __future__ import annotations

import calendar

import pytest

from service.ingest.feeds import parse_feed

pytestmark = pytest.mark.backends("sqlite")

BASE = "https://paper.example/feed.xml"


def _feed(date: str, tag: str = "pubDate") -> bytes:
    # "&amp;" in the title: not plain, so feedparser reads it (and its dates).
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>'
        "<item><title>Plan &amp; vote</title><link>https://paper.example/x</link>"
        f"<{tag}>{date}</{tag}></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize("tag", ["pubDate", "dc:date"])
@pytest.mark.parametrize(
    "date",
    [
        "-0001-01-01",  # read as 2000-01-01
        "--12-04",  # this year's 4 December
        "-26-12",  # 2026-12-01
        "26-12-04",  # 2026-12-04, or 26 December 2004
        "261204",
        "2026",  # 1 January
        "2026-12",  # the 1st
    ],
)
def test_a_date_feedparser_completes_is_no_date_and_the_item_is_kept(tag: str, date: str) -> None:
    articles = parse_feed(_feed(date, tag), BASE, "paper.example")
    assert [(a.url, a.published) for a in articles] == [("https://paper.example/x", None)]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2026-12-04", (2026, 12, 4, 0, 0, 0)),
        ("20261204", (2026, 12, 4, 0, 0, 0)),
        ("2026-W49-5", (2026, 12, 4, 0, 0, 0)),
        ("Fri, 04 Dec 2026 10:00:00 +0100", (2026, 12, 4, 9, 0, 0)),
        ("2026-12-04T10:00:00Z", (2026, 12, 4, 10, 0, 0)),
    ],
)
def test_whole_dates_are_still_read(date: str, expected: tuple[int, ...]) -> None:
    (article,) = parse_feed(_feed(date), BASE, "paper.example")
    assert article.published == calendar.timegm((*expected, 0, 0, 0))


@pytest.mark.parametrize("spaces", [100, 300_000])
def test_a_date_padded_past_any_date_format_is_no_date(spaces: int) -> None:
    # Read before as 4 December (feedparser splits on spaces), after a regex pass whose time
    # grew with the square of the spaces: 0.9 s for 8,000, about an hour for the 300,000 here,
    # holding a feed worker's thread.
    date = "Fri, 04 Dec 2026 10:00:00" + " " * spaces + "GMT"
    articles = parse_feed(_feed(date), BASE, "paper.example")
    assert [(a.url, a.published) for a in articles] == [("https://paper.example/x", None)]
