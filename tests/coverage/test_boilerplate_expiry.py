"""The outlet boilerplate discount outlives the stories it was learned from: every entrance of
the engine expires stories by the stream's clock, and an outlet that files less than once per
window must still have its repeated lines counted down (docs/clustering.md, "The volume set
through parallax cluster")."""

from __future__ import annotations

from service.coverage.cluster import Clusterer, Doc
from tests.support.desks import DESK_EVENTS

T0 = 1_700_000_000.0
DAY = 86400.0
OUTLET = "desk.example"


def desk_report(number: int, when: float) -> Doc:
    title, text = DESK_EVENTS[number]
    return Doc(f"{OUTLET}/e{number}", title, f"Desk 9 reports: {text}", OUTLET, when)


def test_an_outlets_boilerplate_is_discounted_after_its_stories_expired() -> None:
    clusterer = Clusterer()
    first, second = desk_report(0, T0), desk_report(1, T0 + 60)
    clusterer.add(first)
    clusterer.add(second)
    assert clusterer.story_of(first.id) != clusterer.story_of(second.id)
    # Four days on, both stories have left the window (as the engine expires them after
    # every batch), before the desk files its next report.
    third = desk_report(2, T0 + 4 * DAY)
    gone = clusterer.expire(third.published or 0.0)
    assert len(gone) == 2 and clusterer.story_of(first.id) is None
    plain = clusterer._features(third)
    discounted = clusterer._without_boilerplate(third, plain)
    # "desk", "reports" and the desk's number went into two different stories: they count 1/2
    # (before, the expired articles were forgotten and the line counted in full).
    assert discounted.tf["desk"] == plain.tf["desk"] / 2
    assert discounted.tf["#9"] == plain.tf["#9"] / 2
    assert discounted.tf["transit"] == plain.tf["transit"]


def test_expired_or_not_the_discount_is_the_same() -> None:
    # The bench's engine method never expires; the engine does after every batch. The discount
    # an outlet's next article gets must not depend on which.
    kept, swept = Clusterer(), Clusterer()
    reports = [desk_report(n, T0 + n * 2 * DAY) for n in range(len(DESK_EVENTS))]
    for doc in reports[:-1]:
        kept.add(doc)
        swept.add(doc)
        swept.expire(doc.published or 0.0)
    last = reports[-1]
    swept.expire(last.published or 0.0)
    assert swept.active_stories < kept.active_stories
    plain = kept._features(last)
    assert kept._without_boilerplate(last, plain).tf == swept._without_boilerplate(last, plain).tf
    assert kept._without_boilerplate(last, plain).tf != plain.tf
