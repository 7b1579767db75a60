"""readable's fast paths give the answers of their plain forms: own_voice (a scan for the words
_PERSON_RE can start with, the pattern asked only there; no quotation removed from a text
without quotation marks) and blurb (the pattern asked only of a text holding a word any of its
matches holds), on built and random text (hypothesis)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.coverage.keypoints import readable
from service.coverage.spans import leads_with_dateline


def plain_own_voice(text: str) -> bool:
    return readable._PERSON_RE.search(readable._QUOTED_RE.sub(" ", text)) is not None


def plain_blurb(text: str) -> bool:
    return readable._BLURB_RE.search(text) is not None


def _person_words() -> list[str]:
    """Every word _PERSON_RE names, its [Xx] classes spelled out."""
    body = readable._PERSON_RE.pattern
    alternation = body[body.index(r"\b(?:") + 5 : body.rindex(")(?!")]
    words: list[str] = []
    for alternative in alternation.split("|"):
        match = re.fullmatch(r"\[(\w)(\w)\](.*)", alternative)
        if match:
            words += [match[1] + match[3], match[2] + match[3]]
        else:
            words.append(alternative)
    return words


PERSON_WORDS = _person_words()
# Words the scan finds inside others ("time", "bonus", "four", "outlet") and the lookbehinds'
# words: where the pattern is asked and says no.
NEAR_MISSES = ["time", "bonus", "four", "outlet", "army", "AI", "Mine", "US", "Us", "youth"]
LOOKBEHINDS = ["War ", "Phase ", "Title ", "Class ", "Part ", "Type ", "Stage "]
BLURB_PIECES = [
    "joins",
    "join",
    "rejoins",
    "joined",
    "to discuss",
    "to talk about",
    "to break down",
    "On this episode",
    "in today's edition",
    "In the latest episode",
    "on this week’s edition",
    "Read more",
    "Read More",
    "Sign up",
    "Click here",
    "Subscribe now",
    "Inc. AAPL 0.45%",
    "Corp., (NKE -0.53%",
    "Co. X −1%",
    "Ltd.",
    "Plc.",
    "%",
]
FILLER = ["The", "said", "on", "Monday", "it", "a", "é", "ß", "Москва", "_", "7", "x"]
GLUE = [" ", " ", " ", "", "-", "'", "’", "‘", '"', "“", "”", "(", ")", ".", ",", "\n", "\u00a0"]


def _tokens(words: list[str]) -> st.SearchStrategy[str]:
    return st.lists(
        st.one_of(st.sampled_from(words), st.sampled_from(GLUE), st.text(max_size=3)),
        max_size=30,
    ).map("".join)


@pytest.mark.parametrize("word", PERSON_WORDS)
@pytest.mark.parametrize(
    "frame",
    [
        "{}",
        "{} said.",
        "Then {} left.",
        "Then {}-based",
        "Then x{} left.",
        "Then {}x left.",
        'He said "{} will" and left.',
        "He said “{} will” and left.",
        'He said "{} will and left.',
        "He said '{} will' and left.",
        "He said ‘{} will’ and left.",
        "He said ‘{} will and left.",
        "She's said '{} will",
        "(({}))",
        "é{}",
        "{}é",
        *(f"{lead}{{}} again" for lead in LOOKBEHINDS),
    ],
)
def test_own_voice_answers_as_the_pattern_for_every_word_it_names(word: str, frame: str) -> None:
    text = frame.format(word)
    assert readable.own_voice(text) == plain_own_voice(text), text


def test_the_words_are_all_read_from_the_pattern() -> None:
    # (so the test above covers every alternative, "I’ll" and "let's" among them)
    assert {"I", "I’ll", "me", "myself", "We", "we're", "us", "Our", "yourself", "Let’s"} <= set(
        PERSON_WORDS
    )
    assert len(PERSON_WORDS) == len(set(PERSON_WORDS)) >= 40


@settings(max_examples=600, deadline=None)
@given(_tokens(PERSON_WORDS + NEAR_MISSES + LOOKBEHINDS + FILLER))
def test_own_voice_answers_as_the_pattern_on_built_text(text: str) -> None:
    assert readable.own_voice(text) == plain_own_voice(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="IimeyuorsWwOYLlt'’‘-\"“” .xé_", max_size=40))
def test_own_voice_answers_as_the_pattern_on_random_text(text: str) -> None:
    assert readable.own_voice(text) == plain_own_voice(text)


@pytest.mark.parametrize("piece", BLURB_PIECES)
@pytest.mark.parametrize(
    "frame",
    ["{}", "Smith {} Jones to discuss it", "Apple {} said", "x{}x", "{} to break down"],
)
def test_blurb_answers_as_the_pattern_for_every_piece(piece: str, frame: str) -> None:
    text = frame.format(piece)
    assert readable.blurb(text) == plain_blurb(text), text


def test_each_kind_of_blurb_is_found() -> None:
    # (the needles are asked first: a needle left out would miss one of these)
    for text in (
        "Smith joins Jones to discuss the vote",
        "On this episode of the show, the vote",
        "In today’s edition, the vote",
        "The adviser Read more It may also rain",
        "The adviser Read More It may also rain",
        "The adviser Sign up for our letter",
        "The adviser Click here to see",
        "The adviser Subscribe now to see",
        "Apple Inc. AAPL 0.45% said",
    ):
        assert readable.blurb(text) and plain_blurb(text), text


@settings(max_examples=600, deadline=None)
@given(_tokens(BLURB_PIECES + FILLER))
def test_blurb_answers_as_the_pattern_on_built_text(text: str) -> None:
    assert readable.blurb(text) == plain_blurb(text)


@settings(max_examples=300, deadline=None)
@given(_tokens(PERSON_WORDS + BLURB_PIECES + NEAR_MISSES + FILLER), st.booleans())
def test_stands_alone_answers_as_its_plain_form(text: str, capital: bool) -> None:
    text = ("T" if capital else "") + text
    readable.stands_alone.cache_clear()
    plain = not (
        readable.quote_fragment(text)
        or readable.question(text)
        or text.count("(") != text.count(")")
        or not (text.lstrip("\"“‘'")[:1].isupper() or text.lstrip("\"“‘'")[:1].isdigit())
        or plain_own_voice(text)
        or leads_with_dateline(text)
        or plain_blurb(text)
    )
    assert readable.stands_alone(text, "english") == plain
