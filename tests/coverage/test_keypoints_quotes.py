"""A speaker's words in single quotes are quoted, not the writer's voice (issue 16's 3 points):
titles quote with single quotes ("Judge blasts Flynn: 'You sold your country out'"), so such a
title, readable alone, was refused as the writer's "I"/"you" and a story kept 2 points (9 of
stories-dev's 189 such stories). An apostrophe inside or after a word quotes nothing."""

from __future__ import annotations

import pytest

from service.coverage import keypoints as kp
from service.coverage.keypoints import Source, digest
from service.coverage.keypoints.readable import own_voice


@pytest.mark.parametrize(
    "text",
    [
        "Judge blasts Michael Flynn for lying to the FBI: 'You sold your country out'",
        "Fox's Chris Wallace says the campaign turned down an interview: 'We'll keep asking'",
        "Chris Wallace Calls Out Joe Biden: ‘We’ll Keep Asking’",
        "‘We will fight on,’ the minister told the crowd in Leeds.",
    ],
)
def test_single_quoted_words_are_the_speakers(text: str) -> None:
    assert not own_voice(text)


@pytest.mark.parametrize(
    "text",
    [
        "We both made that clear to the president.",
        "The senators' plan is what we want, he said.",
        "Trump's 'bait' was what we took.",
        "‘We will not give up on the people of the valley.",  # (opened, never closed)
    ],
)
def test_the_writers_voice_outside_single_quotes_is_still_read(text: str) -> None:
    assert own_voice(text)


def test_a_title_quoting_its_speaker_in_single_quotes_makes_the_third_point() -> None:
    sources = [
        Source(
            "a",
            "Orwell River bridge shut after inspectors find cracked girders",
            "Inspectors closed the Orwell River bridge on Tuesday after finding cracked steel "
            "girders under its eastern span. Who signed off on the last inspection?",
            "Center Wire",
            "center",
        ),
        Source(
            "b",
            "Mayor Ada Quill on Orwell bridge: 'We will rebuild it by spring'",
            "About 40,000 drivers a day will detour through Dunmore while the Orwell River bridge "
            "stays closed. Will the ferries cope with the extra traffic?",
            "Left Paper",
            "left",
        ),
    ]
    texts = [p.text for p in digest(sources).key_points]
    assert len(texts) == kp.MIN_POINTS, texts
    assert "Mayor Ada Quill on Orwell bridge: 'We will rebuild it by spring'" in texts
