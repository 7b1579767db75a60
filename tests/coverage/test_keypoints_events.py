"""Key points that tell each event once (issue 16, read as an editor reads them): two outlets'
leads telling the same event in their own words (the same actor and day or figure, the same
deed) are one point, not two."""

from __future__ import annotations

from service.coverage import keypoints as kp
from service.coverage.keypoints import Source, digest
from service.coverage.keypoints.points import _event, _same_event


def _model(**weights: float) -> kp.SentenceModel:
    return kp.SentenceModel(tuple(weights.get(n, 0.0) for n in kp.SENTENCE_FEATURES), 0.1)


# A made-up toll law told by three outlets: the first two leads tell the signing in other words
# (too few shared terms for a near-duplicate), the rest tell other things.
TOLL = [
    Source(
        "c1",
        "Marr signs Harbor Tunnel toll bill",
        "Governor Ida Marr on Monday signed the Harbor Tunnel toll bill, raising the truck toll "
        "to $9. Who will the trucking firms of Carver County pass the cost of the new toll to "
        "and will shippers in the county and beyond pay it in the end?",
        "Center Wire",
        "center",
    ),
    Source(
        "l1",
        "Truck tolls rise to $9 under new Harbor Tunnel law",
        "Marr signed a measure on Monday so each truck crossing the bay pays a $9 toll, up from "
        "$6. Will 4,000 fewer trucks a day use the tunnel once the new toll takes effect as "
        "its operator has long feared they would?",
        "Left Paper",
        "left",
    ),
    Source(
        "r1",
        "Drivers plan convoy against Harbor Tunnel toll",
        "Independent truck drivers plan a convoy through Carver County next week against the "
        "toll increase. The Carver County sheriff warned the convoy could close two highways.",
        "Right Daily",
        "right",
    ),
]
SIGNED = (TOLL[0].text.split(". ")[0], TOLL[1].text.split(". ")[0])


def test_two_leads_telling_one_event_in_other_words_are_one_event() -> None:
    a, b = (_event(s + ".", "english") for s in SIGNED)
    assert _same_event(a, b)
    # The same actor and day, another deed: two events.
    other = _event("Governor Ida Marr on Monday named a new head of the state police.", "english")
    assert not _same_event(a, other)
    # The same deed in common words, no actor, figure or date shared: not taken for one.
    plain = _event("A toll bill raising what trucks pay was signed into law.", "english")
    assert not _same_event(a, plain)


def test_the_points_tell_the_signing_once_whatever_the_model_values_leads() -> None:
    # The model values leads most: before, both leads were points (the same signing twice);
    # the other outlets' second sentences are questions, which are no points.
    points = digest(TOLL, _model(lead=2.0, shared_terms=0.5)).key_points
    texts = [p.text for p in points]
    assert len(points) >= kp.MIN_POINTS, texts
    told = [
        t for t in texts if t.startswith(("Governor Ida Marr on Monday", "Marr signed a measure"))
    ]
    assert len(told) == 1, texts


def test_the_verbs_may_and_march_and_a_count_of_thousands_are_no_dates() -> None:
    # "may" the verb was a shared date (lowering the bar to SAME_EVENT_REST_DATED) between
    # any two sentences saying what someone may do; "2,000" was the year 2000.
    said = _event("The Fed may raise rates again as protesters march on Monday.", "english")
    assert said.dates == frozenset({"monday"})
    dated = _event("Officials said in May that the march in March drew 2,000 people.", "english")
    assert dated.dates == frozenset({"may", "march"})
    assert dated.numbers == frozenset({"2000"})
    assert _event("The law was passed in 2,020 words in 2020.", "english").dates == {"2020"}
