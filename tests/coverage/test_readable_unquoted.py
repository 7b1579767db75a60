"""own_voice's quotation removal (readable._unquoted) answers as _QUOTED_RE.sub does, in steps
linear in the text: the pattern's single-quote part looked from every apostrophe that can open
a quotation to the end of a text where none closes, so a run of them ("-'a-'a-'a ...") took
time growing with its square (8,000: 3 s of one sentence's reading)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.coverage.keypoints import readable


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="'‘’“”\"a b-_.9", max_size=40))
def test_unquoted_answers_as_the_pattern(text: str) -> None:
    assert readable._unquoted(text) == readable._QUOTED_RE.sub(" ", text)


@pytest.mark.parametrize(
    "text",
    [
        "Judge blasts Flynn: 'You sold your country out' and 'we' said",
        "The players' union said 'we won't' and ‘we’ll’ do it, “we” \"we\"",
        "rock 'n' roll in the '90s, the senators' plan ''we'' ' x",
        "'a 'b 'c' “d ‘e’ f” 'g''h' 'i",
    ],
)
def test_unquoted_answers_as_the_pattern_on_titles(text: str) -> None:
    assert readable._unquoted(text) == readable._QUOTED_RE.sub(" ", text)


class _Counting:
    """A pattern whose searches count the characters they may look at."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.looked = 0

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        found = self.pattern.search(text, pos)
        self.looked += (found.end() if found is not None else len(text)) - pos
        return found


@pytest.mark.parametrize("unit", ["-'a", " 'a", "'a'", " 'a''", "(‘a' "])
def test_a_run_of_apostrophes_opening_nothing_is_read_in_linear_steps(
    unit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = _Counting(readable._APOSTROPHE_ENDS_RE)
    monkeypatch.setattr(readable, "_APOSTROPHE_ENDS_RE", counting)
    text = "We said " + unit * 3000
    assert readable.own_voice(text)
    assert counting.looked <= 3 * len(text), counting.looked
