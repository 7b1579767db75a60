"""Turns article titles and texts into the weighted terms the story clusterer compares."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Typographic quotes and dashes are folded first so "Kerry’s" and "Kerry's" are one token.
_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "‛": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-"}
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]|\$?\d[\d,.]*%?")
_SENTENCE_END = re.compile(r"[.!?:;\"(\[]\s*$")

STOPWORDS = frozenset(
    """a about above after again against all almost also although am among an and another any are
    aren't around as at be because been before being below between both but by can can't cannot
    could couldn't did didn't do does doesn't doing don't down during each either else even ever
    every few for from further get gets got had hadn't has hasn't have haven't having he he'd he'll
    he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in
    into is isn't it it's its itself just let's like made make makes many may me might more most
    much must mustn't my myself no nor not now of off often on once one only or other others ought
    our ours ourselves out over own per perhaps rather said same say says shall shan't she she'd
    she'll she's should shouldn't since so some still such than that that's the their theirs them
    themselves then there there's therefore these they they'd they'll they're they've this those
    though through thus to too under until up upon us very via was wasn't we we'd we'll we're we've
    were weren't what what's whatever when when's where where's whether which while who who's whom
    whose why why's will with within without won't would wouldn't yet you you'd you'll you're
    you've your yours yourself yourselves mr mrs ms""".split()
)


def fold(text: str) -> str:
    """Normalises quotes and dashes so spelling variants tokenise alike."""
    return text.translate(_FOLD)


def stem(word: str) -> str:
    """Strips common English inflections; crude but identical on both sides of a comparison."""
    if word.endswith("'s"):
        word = word[:-2]
    elif word.endswith("'"):
        word = word[:-1]
    n = len(word)
    if n <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and n > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
        n -= 1
    if word.endswith("ing") and n > 5:
        return word[:-3]
    if word.endswith("ed") and n > 4:
        return word[:-2] if not word.endswith("eed") else word[:-1]
    return word


@dataclass(frozen=True)
class Token:
    """One word of an article as it was written and as it is compared."""

    term: str
    capitalised: bool
    sentence_start: bool


def tokens(text: str) -> Iterator[Token]:
    """Yields the words of a text with their capitalisation and position in the sentence."""
    text = fold(text)
    previous_end = 0
    first = True
    for match in _TOKEN.finditer(text):
        gap = text[previous_end : match.start()]
        starts = first or bool(_SENTENCE_END.search(gap))
        first = False
        previous_end = match.end()
        raw = match.group()
        term = raw.lower().strip("'-")
        if not term or term in STOPWORDS:
            # A stopword still ends an entity phrase, so it is yielded as a separator.
            yield Token("", False, starts)
            continue
        yield Token(term, raw[0].isupper(), starts)


def is_title_case(title: str) -> bool:
    """Tells whether a headline capitalises most words, which makes capitals meaningless there."""
    words = [
        w for w in _TOKEN.findall(fold(title)) if w[0].isalpha() and w.lower() not in STOPWORDS
    ]
    if len(words) < 3:
        return False
    return sum(1 for w in words if w[0].isupper()) >= 0.7 * len(words)
