"""The story-summary arithmetic: side folding, shares, blindspot rule, headline, first reporter."""

from __future__ import annotations

import pytest

from service.core.ratings import RatingsTable
from service.coverage.summary import (
    blindspot_side,
    representative_headline,
    shares,
    side_of,
    summarize,
)
from service.store.base import Article, StoryRow


def art(
    n: int,
    outlet: str | None,
    title: str = "t",
    when: float = 1000.0,
    syndicated_of: int | None = None,
) -> Article:
    return Article(
        id=n,
        key=f"https://{outlet or 'x'}/a{n}",
        title=title,
        text="",
        url=f"https://{outlet}/a{n}",
        ext_id=None,
        outlet_id=outlet,
        side="unrated",
        published=when,
        first_seen=when + 5,
        fingerprint="",
        story_id="st-1",
        syndicated_of=syndicated_of,
    )


ROW = StoryRow(
    id="st-1", first_seen=0, last_updated=0, article_count=0, outlet_count=0, headline="h"
)


@pytest.mark.parametrize(
    ("lean", "side"),
    [
        ("far-left", "left"),
        ("left", "left"),
        ("lean-left", "left"),
        ("center", "center"),
        ("lean-right", "right"),
        ("right", "right"),
        ("far-right", "right"),
        (None, "unrated"),
        ("sideways", "unrated"),
    ],
)
def test_seven_labels_fold_into_three_sides(lean: str | None, side: str) -> None:
    assert side_of(lean) == side


def test_shares_sum_and_zero_total() -> None:
    assert shares({"left": 1, "right": 3}, ["left", "center", "right"]) == {
        "left": 0.25,
        "center": 0.0,
        "right": 0.75,
    }
    assert shares({}, ["left"]) == {"left": 0.0}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"right": 3}, "right"),  # every rated outlet on the right
        ({"right": 2}, None),  # too few rated outlets to call it
        ({"right": 2, "center": 1}, None),  # 67 % < 70 %
        ({"right": 7, "center": 3}, "right"),  # exactly 70 %, no left
        ({"right": 7, "center": 2, "left": 1}, "right"),  # left at exactly 10 %
        ({"right": 8, "left": 2}, None),  # left at 20 %: covered, if less
        ({"left": 5, "unrated": 40}, "left"),  # unrated outlets do not dilute the rule
        ({"center": 9, "left": 1}, None),  # the centre is not a side
    ],
)
def test_blindspot_rule(counts: dict[str, int], expected: str | None) -> None:
    assert blindspot_side(counts) == expected


def test_representative_headline_is_the_medoid() -> None:
    titles = [
        "Storm closes schools",
        "Council approves harbor flood barrier",
        "Harbor flood barrier approved by council",
        "Flood barrier for harbor wins council vote",
    ]
    assert representative_headline(titles) == "Council approves harbor flood barrier"
    assert representative_headline(["  One   title  "]) == "One title"
    assert representative_headline([]) == ""


def test_summary_counts_outlets_once_and_articles_each(table: RatingsTable) -> None:
    articles = [
        art(1, "leftpaper.com", "Barrier vote", when=300),
        art(2, "leftpaper.com", "Barrier vote follow-up", when=400),
        art(3, "rightdaily.com", "Council barrier vote", when=200),
        art(4, "centerwire.com", "Council votes on barrier", when=250),
        art(5, "unknown.example", "Barrier", when=500),
        art(6, "righttimes.com", "Council votes on barrier", when=260, syndicated_of=4),
    ]
    summary = summarize(ROW, articles, table.get)
    assert summary["article_count"] == 6
    assert summary["outlet_count"] == 5
    assert summary["syndicated_count"] == 1
    lean = summary["lean"]
    assert lean["outlets"] == {"left": 1, "center": 1, "right": 2, "unrated": 1}
    assert lean["articles"] == {"left": 2, "center": 1, "right": 2, "unrated": 1}
    assert lean["by_outlets"] == {"left": 0.2, "center": 0.2, "right": 0.4, "unrated": 0.2}
    assert lean["by_articles"]["left"] == round(2 / 6, 4)
    assert summary["factuality"] == {"high": 0.4, "mixed": 0.2, "very-high": 0.2, "unrated": 0.2}
    assert summary["owner_types"]["corporation"] == 0.2
    assert summary["owner_types"]["unknown"] == 0.2
    assert summary["first_reported_by"]["outlet"]["id"] == "rightdaily.com"
    assert summary["first_seen"] == "1970-01-01T00:03:20Z"
    assert summary["last_updated"] == "1970-01-01T00:08:20Z"
    assert summary["blindspot"] is None
    grouped = summary["articles_by_side"]
    assert [a["title"] for a in grouped["left"]] == ["Barrier vote", "Barrier vote follow-up"]
    assert {a["outlet"]["id"] for a in grouped["right"]} == {"rightdaily.com", "righttimes.com"}
    assert grouped["unrated"][0]["outlet"] == {
        "id": "unknown.example",
        "name": "unknown.example",
        "lean": None,
        "factuality": None,
        "rated": False,
    }
    assert [a["syndicated"] for a in grouped["right"]] == [False, True]


def test_summary_names_the_blindspot_side(table: RatingsTable) -> None:
    articles = [
        art(1, "rightdaily.com", when=1),
        art(2, "rightradio.com", when=2),
        art(3, "righttimes.com", when=3),
        art(4, "unratedblog.net", when=4),
    ]
    summary = summarize(ROW, articles, table.get, include_articles=False)
    assert summary["blindspot"] == {"side": "right", "covered_by": "right", "missed_by": "left"}
    assert "articles_by_side" not in summary
