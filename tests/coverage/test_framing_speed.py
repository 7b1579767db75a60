"""Framing's fast paths (session 11, speed) held against their plain forms: a side's case
answers read from its articles' flag sets, a word's spelling written without the phrase loop,
the top terms' word branch, the lifts from the other sides' counts, and the texts read once a
digest (forgotten after it)."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.coverage import keypoints
from service.coverage.keypoints import points as kp_points
from service.coverage.keypoints import side_framing as kp_framing
from service.coverage.keypoints.sentences import _parse
from service.coverage.keypoints.side_framing import (
    _NAMED,
    _PROPER,
    _UNLOWERED,
    FRAMING_FEW_TERMS,
    FRAMING_LEADERS,
    FRAMING_MIN_LIFT,
    MAX_FRAMING_TERMS,
    _article_words,
    _ArticleWords,
    _lifts,
    _SideWords,
    _top_terms,
)

WORDS = [
    "Okafor", "okafor", "OKAFOR", "Okafor's", "Teal", "teal", "River", "river", "plant",
    "Plant", "plants", "closed", "Closed", "March", "march", "the", "a", "said", "Biden",
    "Joe", "joe", "Zürich", "Zurich", "café", "Café", "emergency", "Emergency", "FRB", "jobs",
    "O’Brien", "Governor", "governor", "declared", "vowed", "fight", "Fight",
]  # fmt: skip
sentence = st.lists(st.sampled_from(WORDS), min_size=5, max_size=14).map(" ".join)
article = st.tuples(sentence, st.lists(sentence, min_size=1, max_size=4))


def _read(title: str, sentences: list[str]) -> _ArticleWords:
    text = " ".join(s[:1].upper() + s[1:] + "." for s in sentences)
    return _article_words(_parse(title, text))


def _lower_plain(side: _SideWords, term: str) -> bool:
    return any(
        not a.case().flags.get(term, 0) & _UNLOWERED for a in side.articles if term in a.used
    )


def _proper_plain(side: _SideWords, term: str) -> bool:
    return any(a.case().flags.get(term, 0) & _PROPER for a in side.articles if term in a.used)


def _write_plain(side: _SideWords, term: str) -> str:
    """_SideWords._write as it was before the word's fast path (and the answers plain)."""
    stems = term.split(" ")
    seen: dict[str, int] = {}
    for a in side.articles:
        if term in a.used:
            for w, count in a.spellings(term):
                seen[w] = seen.get(w, 0) + count
    if not seen:
        return term
    best = min(seen, key=lambda w: (-seen[w], w)).split(" ")
    if len(best) != len(stems):
        return " ".join(best).lower()
    return " ".join(
        w
        if (
            t in side.used
            and not _lower_plain(side, t)
            and (_proper_plain(side, t) or any(side.beside(t)))
        )
        or side._foreign_acronym(w, t)
        else w.lower()
        for w, t in zip(best, stems, strict=True)
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(article, min_size=1, max_size=4))
def test_a_sides_case_answers_are_its_articles(articles: list[tuple[str, list[str]]]) -> None:
    side = _SideWords([_read(title, body) for title, body in articles])
    asked = [*side.used, "okafor", "march", "nowhere", "teal river"]
    for term in asked:
        assert side.lower(term) == _lower_plain(side, term), term
        assert side.proper(term) == _proper_plain(side, term), term
    # (a flag is kept only for a word its article uses, so the counts can be compared)
    for a in side.articles:
        case = a.case()
        assert case.unlowered <= a.used.keys() and case.proper <= a.used.keys()
        assert case.unlowered == {t for t, f in case.flags.items() if f & _UNLOWERED}
        assert case.proper == {t for t, f in case.flags.items() if f & _PROPER}
        assert all(f & (_UNLOWERED | _NAMED | _PROPER) for f in case.flags.values())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(article, min_size=1, max_size=4))
def test_a_term_is_written_as_the_plain_rule_writes_it(
    articles: list[tuple[str, list[str]]],
) -> None:
    side = _SideWords([_read(title, body) for title, body in articles])
    plain = _SideWords(side.articles)
    for term in side.used:
        assert side.written(term) == _write_plain(plain, term), term


def _top_terms_plain(
    specific: dict[str, float], strays: set[str], excluded: Callable[[str], bool]
) -> list[str]:
    """_top_terms as it was before the word branch and the phrase flag."""
    chosen: list[str] = []
    ranked = sorted([(-value, term) for term, value in specific.items()])
    for at, (_, term) in enumerate(ranked):
        if len(chosen) >= MAX_FRAMING_TERMS and at >= FRAMING_LEADERS:
            break
        if term in strays and len(chosen) >= FRAMING_FEW_TERMS:
            continue
        parts = term.split(" ")
        if len(parts) == 2:
            held = [c for c in chosen if c in parts]
            if any(" " in c and not set(c.split(" ")).isdisjoint(parts) for c in chosen):
                continue
            if held:
                if specific[term] < 0.8 * min(specific[h] for h in held) or excluded(term):
                    continue
                at = chosen.index(held[0])
                chosen = [c for c in chosen if c not in held]
                chosen.insert(min(at, len(chosen)), term)
                continue
            if len(chosen) >= MAX_FRAMING_TERMS or excluded(term):
                continue
            chosen.append(term)
        elif (
            len(chosen) < MAX_FRAMING_TERMS
            and not any(" " in c and term in c.split(" ") for c in chosen)
            and not excluded(term)
        ):
            chosen.append(term)
    return chosen[:MAX_FRAMING_TERMS]


NAMES = [f"w{k}" for k in range(12)]


@settings(max_examples=600, deadline=None)
@given(
    st.dictionaries(
        st.one_of(
            st.sampled_from(NAMES),
            st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)).map(" ".join),
            st.tuples(*[st.sampled_from(NAMES)] * 3).map(" ".join),
        ),
        st.sampled_from([0.1, 0.5, 0.8, 1.0, 1.25, 2.0, 3.0]),
        max_size=60,
    ),
    st.sets(st.sampled_from(NAMES)),
    st.sets(st.sampled_from(NAMES)),
)
def test_the_top_terms_are_the_plain_choice(
    specific: dict[str, float], strays: set[str], out: set[str]
) -> None:
    def excluded(term: str) -> bool:
        return not out.isdisjoint(term.split(" "))

    assert _top_terms(specific, strays, excluded) == _top_terms_plain(specific, strays, excluded)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(article, min_size=1, max_size=3), min_size=2, max_size=3))
def test_lifts_from_the_other_sides_are_the_lifts_from_the_whole_story(
    sides: list[list[tuple[str, list[str]]]],
) -> None:
    words = [_SideWords([_read(title, body) for title, body in side]) for side in sides]
    total = Counter[str]()
    for w in words:
        total.update(w.used)
    for mine in words:
        others = [w for w in words if w is not mine]
        n_others = sum(w.units for w in others)
        terms = list(mine.used)
        got = _lifts(mine, [o.used for o in others], n_others, len(mine.articles), terms, 1.0)
        plain: dict[str, float] = {}
        for term in terms:
            used = mine.used[term]
            share = (used + 0.5) / (mine.units + 1.0)
            ratio = share / ((total[term] - used + 0.5) / (n_others + 1.0))
            if ratio > math.exp(FRAMING_MIN_LIFT):
                spread = 0.5 + 0.5 * mine.spread[term] / len(mine.articles)
                plain[term] = math.log(ratio) * share * spread
        assert got == plain  # (the same floats: the counts are the same integers)


def _story(seed: int, n: int) -> list[keypoints.Source]:
    rng = random.Random(seed)
    sides = ["left", "center", "right", "unrated"]

    def line(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12)))

    return [
        keypoints.Source(
            f"a{k}",
            line(k).capitalize(),
            " ".join(line(k).capitalize() + "." for _ in range(rng.randint(1, 4))),
            f"outlet{rng.randint(0, 5)}.com",
            rng.choice(sides),
        )
        for k in range(n)
    ]


def test_growing_stories_frame_as_fresh_ones_with_nothing_kept() -> None:
    # Every digest of stories grown an article at a time (sides kept between digests, texts
    # read once a digest) is the digest made with nothing kept.
    for seed in range(12):
        story = _story(seed, 9)
        kept = [keypoints.digest(story[:k]).to_json() for k in range(2, 10)]
        for k, made in zip(range(2, 10), kept, strict=True):
            kp_framing._SIDE_WORDS.clear()
            kp_points._PARSED.items.clear()
            assert keypoints.digest(story[:k]).to_json() == made
    assert getattr(kp_framing._FRAMING_READ, "lowered", None) is None
    assert getattr(kp_framing._FRAMING_READ, "terms", None) is None


def test_the_per_digest_readings_are_forgotten_and_give_the_plain_spellings() -> None:
    article = _read("Okafor orders the plant closed", ["Okafor's plant closed.", "The Plant"])
    alone = {t: article.spellings(t) for t in article.used}
    article.lazy.clear()
    kp_framing._FRAMING_READ.lowered, kp_framing._FRAMING_READ.terms = {}, {}
    kp_framing._FRAMING_READ.texts = {}
    try:
        shared = {t: article.spellings(t) for t in article.used}
        assert kp_framing._FRAMING_READ.lowered and kp_framing._FRAMING_READ.terms
    finally:
        kp_framing._FRAMING_READ.lowered = kp_framing._FRAMING_READ.terms = None
        kp_framing._FRAMING_READ.texts = None
    assert shared == alone
    assert "Okafor" in dict(alone["okafor"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(article, min_size=0, max_size=4))
def test_a_sides_counts_are_its_articles_sentences_counted(
    articles: list[tuple[str, list[str]]],
) -> None:
    side = _SideWords([_read(title, body) for title, body in articles])
    said = Counter(itertools.chain.from_iterable(a.said for a in side.articles))
    spread = Counter(itertools.chain.from_iterable(a.used for a in side.articles))
    # (the same counts, keys in the same order: what iterates them reads them alike)
    assert list(side.used.items()) == list(said.items())
    assert list(side.spread.items()) == list(spread.items())
