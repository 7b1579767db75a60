"""Three key points wherever three distinct, readable ones exist (issue 16's 3-5 points): a
story whose sentences give fewer, once questions, quotation fragments and dangling openers are
left out, is topped up with its articles' titles, never one the headline already shows, never
one repeating a point, within the 100 words."""

from __future__ import annotations

from service.coverage import keypoints as kp
from service.coverage.keypoints import Source, digest

# A made-up bridge closure told by three outlets whose texts hold one readable sentence each
# and otherwise only a question or a fragment of a quotation.
BRIDGE = [
    Source(
        "a1",
        "Orwell River bridge shut after inspectors find cracked girders",
        "Inspectors closed the Orwell River bridge on Tuesday after finding cracked steel "
        "girders under its eastern span. Who signed off on the last inspection?",
        "Center Wire",
        "center",
    ),
    Source(
        "a2",
        "Commuters face hour-long detours as Orwell bridge closes",
        "About 40,000 drivers a day will detour through Dunmore while the Orwell River bridge "
        'stays closed. "We will not reopen it until every girder is replaced,',
        "Left Paper",
        "left",
    ),
    Source(
        "a3",
        "State budgets $90 million for Orwell bridge repair",
        'What happens to the ferry service now? "Every girder will be replaced by spring,',
        "Right Daily",
        "right",
    ),
]


def test_a_story_of_two_readable_sentences_gets_a_third_point_from_a_title() -> None:
    made = digest(BRIDGE)
    texts = [p.text for p in made.key_points]
    assert len(texts) >= kp.MIN_POINTS
    sentences = {s for src in BRIDGE for _, s in kp.split_sentences(src.text)}
    titles = {src.title for src in BRIDGE}
    assert any(t in titles for t in texts)  # the top-up is a title, verbatim
    for point in made.key_points:
        source = next(src for src in BRIDGE if src.article_id == point.article_id)
        assert point.text in (source.title, *sentences)  # every point is its article's words
        assert point.outlet == source.outlet
    assert not any(t.endswith("?") or t.count('"') == 1 for t in texts)
    assert sum(kp.word_count(t) for t in texts) <= kp.MAX_WORDS


def test_no_title_point_repeats_the_headline_shown_above_the_points() -> None:
    made = digest(BRIDGE)
    shown = made.headline.casefold()
    assert shown
    for point in made.key_points:
        said = point.text.casefold()
        assert shown not in said and said not in shown


def test_no_title_point_repeats_a_point_already_chosen() -> None:
    # Each title says again what its article's one readable sentence says: no top-up then.
    echoing = [
        Source(
            f"e{i}",
            sentence.rstrip("."),
            f"{sentence} Why now?",
            outlet,
            side,
        )
        for i, (sentence, outlet, side) in enumerate(
            [
                ("Inspectors closed the Orwell River bridge on Tuesday.", "Center Wire", "center"),
                ("The state set aside $90 million to replace its girders.", "Right Daily", "right"),
            ]
        )
    ]
    texts = [p.text for p in digest(echoing).key_points]
    assert len(texts) == 2
    assert all(t.endswith(".") for t in texts)


def test_a_story_with_three_readable_sentences_takes_no_title() -> None:
    readable = [
        Source(
            src.article_id,
            src.title,
            src.text.split("?")[0].rsplit(".", 1)[0] + ". " + extra,
            src.outlet,
            src.side,
        )
        for src, extra in zip(
            BRIDGE,
            [
                "Engineers said the eastern span had carried twice its planned traffic.",
                "Buses will run every ten minutes between Dunmore and the city centre.",
                "Work on the new girders is due to start in January.",
            ],
            strict=True,
        )
    ]
    titles = {src.title for src in readable}
    made = digest(readable)
    assert len(made.key_points) >= kp.MIN_POINTS
    assert not any(p.text in titles for p in made.key_points)
