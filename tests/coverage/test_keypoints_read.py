"""Key points a reader can follow (issue 16, read as an editor reads them): no point that leans
on a sentence not shown, no fragment of a quotation, no question, no writer's "I" or reader's
"you", no dateline; leads before details, reactions last, a point that leans on the sentence
before it right after that sentence."""

from __future__ import annotations

import re

import pytest

from service.coverage import keypoints as kp
from service.coverage.keypoints import Source, digest
from service.coverage.spans import english_head


def _model(**weights: float) -> kp.SentenceModel:
    """A sentence model valuing what the test says (the selection must hold whatever the
    model values)."""
    return kp.SentenceModel(tuple(weights.get(n, 0.0) for n in kp.SENTENCE_FEATURES), 0.1)


# A made-up flood told by three outlets, each text with the kinds of sentence a reader cannot
# follow when shown apart from its article.
DAM = [
    Source(
        "c1",
        "Kessel Dam spillway fails, flooding Lower Marsh homes",
        "The Kessel Dam spillway failed on Monday and floodwater reached 200 homes in Lower "
        "Marsh. But the spillway failure at Kessel Dam flooded Lower Marsh homes only after the "
        "county ordered an evacuation of 200 homes. Why did the Kessel Dam spillway fail above "
        'Lower Marsh on Monday? "The Kessel Dam spillway failed on Monday because the county '
        'waited. It flooded 200 homes," Governor Ida Marr said.',
        "Center Wire",
        "center",
    ),
    Source(
        "l1",
        "Lower Marsh flooded after Kessel Dam spillway gives way",
        "Floodwater from the failed Kessel Dam spillway swept into 200 Lower Marsh homes on "
        "Monday, county officials said. He said the Kessel Dam spillway had failed in Lower "
        "Marsh on Monday after days of rain. I watched the Kessel Dam spillway fail on Monday "
        "as 200 homes in Lower Marsh flooded. You can see the Kessel Dam spillway failure and "
        "the flooded Lower Marsh homes from the county road.",
        "Left Paper",
        "left",
    ),
    Source(
        "r1",
        "Kessel Dam failure floods 200 homes",
        "The spillway of the Kessel Dam gave way on Monday, sending water into 200 homes in "
        "Lower Marsh, the county said. This was the first failure of the Kessel Dam spillway, "
        "which flooded 200 Lower Marsh homes on Monday. And the Kessel Dam spillway failure in "
        "Lower Marsh was foreseen.",
        "Right Daily",
        "right",
    ),
]

_LEANS = re.compile(r"^(?:But|And|He|She|It|They|This|That|These|Those)\b")
_PERSON = re.compile(r"\b(?:I|we|We|you|You|our|Our)\b")


def _unquoted(text: str) -> str:
    return re.sub(r"“[^”]*”|\"[^\"]*\"", " ", text)


@pytest.mark.parametrize(
    "model",
    [
        None,  # the shipped model
        _model(opinion=1.0, dangling=1.0, position=1.0, shared_terms=0.5),
        _model(dangling=2.0, reaction=1.0, second=1.0, shared_pairs=0.5),
    ],
    ids=["shipped", "values-opinion-and-dangling", "values-dangling-and-quotes"],
)
def test_no_point_a_reader_cannot_follow_whatever_the_model_values(
    model: kp.SentenceModel | None,
) -> None:
    points = digest(DAM, model).key_points
    assert points
    texts = [p.text for p in points]
    for k, p in enumerate(points):
        assert p.text.count('"') % 2 == 0 and p.text.count("“") == p.text.count("”"), texts
        assert not p.text.rstrip('"”').endswith("?"), texts
        assert not _PERSON.search(_unquoted(p.text)), texts
        if _LEANS.match(p.text):
            # Only right after its article's sentence before it.
            assert k > 0 and points[k - 1].article_id == p.article_id, texts


def test_a_point_that_leans_back_follows_the_sentence_it_leans_on() -> None:
    # The model values second sentences most: "This was ..." is worth more than its lead, and
    # is shown right after the lead it refers to, whatever their values.
    sources = [
        Source(
            "a",
            "Orin Valley ferry sinks in storm",
            "The Orin Valley ferry sank in a storm on Friday with 40 passengers aboard. "
            "This was the first sinking of an Orin Valley ferry since the service began.",
            "A",
            "center",
        ),
        Source(
            "b",
            "Storm sinks Orin Valley ferry with 40 aboard",
            "A storm sank the Orin Valley ferry on Friday, and all 40 passengers were rescued by "
            "fishing boats. Rescuers searched the Orin Valley lake until dawn.",
            "B",
            "left",
        ),
    ]
    points = digest(sources, _model(second=2.0, shared_terms=0.5)).key_points
    texts = [p.text for p in points]
    assert any(t.startswith("This was the first sinking") for t in texts), texts
    k = next(i for i, t in enumerate(texts) if t.startswith("This was"))
    assert k > 0 and texts[k - 1].startswith("The Orin Valley ferry sank"), texts


def test_leads_come_before_details_and_reactions_last() -> None:
    # The model values later sentences most; still the points open with what happened (an
    # article's lead), and what someone said comes last.
    sources = [
        Source(
            "a",
            "Tarn County opens new hospital",
            "Tarn County opened its new 300-bed hospital in Easton on Thursday. "
            "Its emergency ward will take patients from four counties from next month. "
            "The hospital cost $410 million, paid by a county bond.",
            "A",
            "center",
        ),
        Source(
            "b",
            "New Tarn County hospital opens in Easton",
            "A 300-bed hospital opened in Easton on Thursday, the first new hospital in Tarn "
            "County in 40 years. Nurses at the Tarn County hospital said staffing was thin in "
            "its first week. The Easton hospital replaces a clinic closed in 2019.",
            "B",
            "right",
        ),
    ]
    points = digest(sources, _model(lead=0.5, position=2.0, length=1.0)).key_points
    texts = [p.text for p in points]
    assert len(points) >= 3, texts
    assert texts[0] in (
        "Tarn County opened its new 300-bed hospital in Easton on Thursday.",
        "A 300-bed hospital opened in Easton on Thursday, the first new hospital in Tarn "
        "County in 40 years.",
    ), texts
    said = [k for k, t in enumerate(texts) if " said " in t]
    plain = [k for k, t in enumerate(texts) if " said " not in t]
    assert not said or not plain or max(plain) < min(said), texts


def test_a_story_of_questions_and_opinion_alone_still_has_points() -> None:
    # Nothing reads alone: the titles stand in; where they do not either, the sentences as
    # they are (every story has points).
    sources = [
        Source(
            "a",
            "Is the Orin Valley ferry safe?",
            "Is the Orin Valley ferry safe for our children? We think it is not.",
            "A",
        ),
        Source(
            "b", "Should we trust the Orin Valley ferry?", "Would you ride it? I would not.", "B"
        ),
    ]
    assert digest(sources).key_points


@pytest.mark.parametrize(
    ("sentence", "head"),
    [
        (
            "Washington (CNN Business)The Supreme Court will not stop a lawsuit against the "
            "rifle maker.",
            "The Supreme Court will not stop a lawsuit against the rifle maker.",
        ),
        (
            "New York (CNN Business) - Claims for unemployment benefits rose for a second week "
            "in a row.",
            "Claims for unemployment benefits rose for a second week in a row.",
        ),
        (
            "OSLO/STOCKHOLM (Reuters) - Norway and Sweden agreed on Friday to share a new power "
            "line.",
            "Norway and Sweden agreed on Friday to share a new power line.",
        ),
        (
            "Nashua, New Hampshire (CNN) - The candidates met voters in a school gym on Monday.",
            "The candidates met voters in a school gym on Monday.",
        ),
        (
            "WASHINGTON, May 20 (Reuters) ― The Supreme Court on Monday ruled for a hunter in a "
            "treaty case.",
            "The Supreme Court on Monday ruled for a hunter in a treaty case.",
        ),
    ],
)
def test_datelines_with_desks_places_and_dates_are_dropped(sentence: str, head: str) -> None:
    assert english_head(sentence) == head


def test_a_sentence_whose_dateline_cannot_go_is_no_point() -> None:
    # "DENVER – " stays on a sentence too short without it; such a sentence is not shown.
    sources = [
        Source(
            "a",
            "Denver council votes on cannabis lounges",
            "DENVER – The cannabis lounge vote passed. The Denver council voted 9-4 on Monday to "
            "allow cannabis lounges in the city.",
            "A",
        ),
        Source(
            "b",
            "Denver allows cannabis lounges",
            "The Denver city council on Monday allowed cannabis lounges after a 9-4 vote on the "
            "cannabis lounge ordinance.",
            "B",
        ),
    ]
    model = _model(lead=2.0, short=2.0)  # (values the short lead that keeps its dateline)
    texts = [p.text for p in digest(sources, model).key_points]
    assert texts and not any(t.startswith("DENVER") for t in texts), texts


def test_readable_rules() -> None:
    from service.coverage.keypoints.readable import leans_back, stands_alone

    for text in (
        "But the county waited too long to act.",
        "And the dam failure was foreseen by engineers.",
        "He said the spillway had failed after rain.",
        "This was the first failure of the spillway.",
        "That’s the lowest figure since March 2020.",
        "At 9.3 million new openings, it was far more than expected.",
        "It’s a plan that senators struggle to explain.",
        "In its first action on Monday, the countries will blame the ministry.",
    ):
        assert leans_back(text, "english"), text
    for text in (
        "It is unclear whether the bill will pass.",
        "It’s not easy to run a ferry in winter.",
        "This week the Senate voted on the bill.",
        "Those who live below the dam were moved.",
        "Sen. Ada Holm, her voice rising, called the vote a sham.",
        "Then-President Trump signed the order.",
        "So far, 20 people have been rescued.",
        "In his first speech as mayor, Ada Holm promised new ferries.",
    ):
        assert not leans_back(text, "english"), text
    for text in (
        '"The spillway failed because the county waited.',
        'It flooded 200 homes," Governor Ida Marr said.',
        "Why did the spillway fail on Monday?",
        "I watched the spillway fail on Monday.",
        "You can see the flooded homes from the road.",
        "Ada Holm joins our editor to discuss the flood.",
        "DENVER – The cannabis lounge vote passed.",
        "“Are you willing to condemn them on live television?”",
        "GOP Sens. Ada Holm (Maine), Tom Bale (Ohio) and Ira Cole (La.",
        "), Majority Whip Ada Holm (D-S.C.), Assistant Speaker Tom Bale.",
        "► The pancake brand was retired after 131 years on Wednesday.",
        "the mayor tweeted as the returns came in on Tuesday night.",
        "Harbor Ferries Inc. HFRY 2.15% said it would add two boats in May.",
        "Kessel Steel Corp. (KSC -0.53%) is recalling the girders it sold the city.",
        "Mayor names bridge inspector Read more The inspector starts work on Monday.",
    ):
        assert not stands_alone(text, "english"), text
    for text in (
        '"We should have fixed it," Governor Ida Marr said on Monday.',
        "Veterans of World War I were honoured on Monday.",
        "The U.S. and Mexico agreed on a new border crossing.",
        'Her launch video, posted on Sunday, asks "Will brave win?"',
        "Harbor Ferries Inc. said its shares rose 2.15% on Monday.",
    ):
        assert stands_alone(text, "english"), text
    # Other languages: the English rules do not apply (quotes and questions do).
    assert stands_alone("Je pense que le barrage a cédé lundi.", "french")
    assert not stands_alone("Le barrage a-t-il cédé lundi ?", "french")


BRIDGE_TEXT = (
    "Harbor City closed the Main Street bridge on Tuesday after inspectors found cracks in two "
    "of its steel girders. The bridge carries 40,000 vehicles a day across the Kessel River."
)


@pytest.mark.parametrize(
    "titles",
    [
        (
            "BREAKING: Harbor City closes Main Street bridge, inspectors find cracks in girders",
            "Kessel River crossing shut",
            "Commuters face six weeks of detours on Dock Road",
        ),
        (
            "Harbor City closes Main Street bridge. Here's how to get around the closure.",
            "Main Street bridge closure: what commuters need to know about Harbor City detours",
            "Inspectors find cracks in Kessel River girders",
        ),
        (
            "Harbor City Mayor Tells Reporters: Main Street Bridge Closed After Inspectors Find "
            "Cracks",
            "Kessel River crossing shut",
            "Commuters face six weeks of detours on Dock Road",
        ),
    ],
    ids=["label-kicker", "deck", "says-colon"],
)
def test_the_headline_is_no_label_deck_or_cut_quotation(titles: tuple[str, str, str]) -> None:
    sources = [
        Source(f"a{k}", title, BRIDGE_TEXT, f"Outlet {k}", side)
        for k, (title, side) in enumerate(zip(titles, ("center", "left", "right"), strict=True))
    ]
    headline = digest(sources).headline
    assert not headline.upper().startswith("BREAKING"), headline
    assert ". " not in headline, headline
    assert not re.search(r"\bTells Reporters$", headline), headline
    # What was said is never shown without who said it.
    assert headline != "Main Street Bridge Closed After Inspectors Find Cracks", headline


def test_plural_titles_end_no_sentence() -> None:
    # "Sens." split "Three Republicans — Sens. Ada Holm ... — voted no." in two: the second
    # half ("Ada Holm of Maine ... — voted against the measure.") was shown as a point.
    text = (
        "The measure failed 49-51. Three Republicans — Sens. Ada Holm of Maine, Reps. Tom Bale "
        "and Gens. Ira Cole — voted against the measure."
    )
    assert [s for _, s in kp.split_sentences(text)] == [
        "The measure failed 49-51.",
        "Three Republicans — Sens. Ada Holm of Maine, Reps. Tom Bale and Gens. Ira Cole — voted "
        "against the measure.",
    ]
