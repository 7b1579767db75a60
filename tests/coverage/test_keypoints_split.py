"""Sentence splitting around abbreviations a reader never takes for a sentence's end (issue 16,
read as an editor reads the points): a party and state in brackets after a name, a bracket
closed after a space, a word run into a bracket ("(CNN)Sen."), military ranks, a dateline of
a place and its state, and a title's "D-Mass.". A point was "Ways and Means Committee Chairman
Richard Neal (D-Mass.)", the rest of its sentence lost."""

from __future__ import annotations

import pytest

from service.coverage.keypoints import split_sentences
from service.coverage.spans import title_sentence_end


@pytest.mark.parametrize(
    "text",
    [
        "The Bipartisan Background Checks Act, spearheaded by Rep. Mike Thompson (D-Calif.) "
        "— looks to use the current background checks process.",
        'She would support Sen. Bernie Sanders\'s (I-Vt.) "Medicare for All" bill, she said.',
        "Ways and Means Committee Chairman Richard Neal (D-Mass.) Tuesday asked for the returns.",
        "Majority Leader Chuck Schumer (D–N.Y.) Reportedly has the votes.",
        "Reps. Jared Golden (Maine) and Kurt Schrader (Ore.) Joined all Republicans.",
        "Joe Biden widened his lead over Senator Bernie Sanders (I., Vt.) Biden won Florida.",
        "The committee, led by Chairman Bennie Thompson (D-Miss. ), wrote to the secretary.",
        "(CNN)Sen. Kamala Harris on Wednesday announced a plan to expand teacher pay.",
        "The statement came from Air Force Maj. Matthew Murphy, a National Guard spokesman.",
        "SACRAMENTO, Calif. (AP) — At first, Illinois Gov. J.B. Pritzker tried to work with him.",
    ],
)
def test_an_abbreviation_in_these_contexts_ends_no_sentence(text: str) -> None:
    assert [s for _, s in split_sentences(text)] == [text]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # A real end after the bracket's own stop, and after a state at the sentence's end.
        ("He met Sen. Ed Markey (D-Mass.). The bill died.", "He met Sen. Ed Markey (D-Mass.)."),
        ("Trump spoke in Pensacola, Fla. But it was enough.", "Trump spoke in Pensacola, Fla."),
        ("Nobody knew it was Trump's. Then he left.", "Nobody knew it was Trump's."),
        (
            "(Laura Bush was there too.) In 2019, everything was political.",
            "(Laura Bush was there too.)",
        ),
    ],
)
def test_a_sentence_still_ends_where_it_ends(text: str, first: str) -> None:
    assert split_sentences(text)[0][1] == first


def test_a_titles_party_and_state_ends_no_sentence() -> None:
    assert title_sentence_end("Ed Markey, D-Mass. Says the bill will pass") is None
    assert title_sentence_end("Vote fails. Senate goes home") == len("Vote fails.")


def test_a_delegates_title_ends_no_sentence_and_delaware_after_its_town_does() -> None:
    # (stories-dev: "... defeated incumbent Republican candidate Del." and "Robert G. Marshall
    # fought against in Richmond." were points of one story, each half a sentence)
    assert [
        s
        for _, s in split_sentences(
            "Danica Roem defeated Del. Robert G. Marshall on Tuesday. She is the first."
        )
    ] == ["Danica Roem defeated Del. Robert G. Marshall on Tuesday.", "She is the first."]
    assert [
        s for _, s in split_sentences("The firm moved to Wilmington, Del. The move was approved.")
    ] == ["The firm moved to Wilmington, Del.", "The move was approved."]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "The vote was announced by the agency (Reuters.) Officials later confirmed it.",
            "The vote was announced by the agency (Reuters.)",
        ),
        (
            "The report was corrected (Updated.) The mayor resigned on Friday.",
            "The report was corrected (Updated.)",
        ),
        ("The bill passed (Photo.) The president signed it.", "The bill passed (Photo.)"),
    ],
)
def test_a_bracketed_word_that_is_no_party_or_state_ends_its_sentence(
    text: str, first: str
) -> None:
    # 1e9a825's tag took any capitalised word in brackets for a state, so two sentences
    # were one point.
    assert [s for _, s in split_sentences(text)][0] == first
