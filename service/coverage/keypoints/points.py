"""A story's key points: its articles read together (_Story), each candidate sentence valued by
the learned sentence model (SENTENCE_FEATURES, SentenceModel, shipped as
tables/keypoint_model.json), and the best set of them within the word budget, in reading order.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.coverage.keypoints.language import _WORD_ASCII_RE, _WORD_RE, _languages
from service.coverage.keypoints.readable import leans_back, stands_alone, unreferenced
from service.coverage.keypoints.sentences import (
    _DIGIT_RE,
    EVALUATIVE_MIN,
    MAX_CANDIDATES_PER_ARTICLE,
    MAX_POINT_WORDS,
    KeyPoint,
    Source,
    _fits,
    _ParseCache,
    _Sentence,
    _supplement_words,
)
from service.coverage.weights import read_linear_model

# Articles read per story (one per outlet first, then in time order). Fifty articles' shared words
# and sentences tell what a story's coverage agrees on as well as a hundred, at half the cost
# (a 500-article story's key points: 26 -> 12 ms of CPU cold, 2026-12-05).
MAX_ARTICLES = 50
PARSE_CACHE_ARTICLES = 20_000  # parsed articles kept between refreshes of their stories

# The points together (each a whole sentence of sentences.MIN_POINT_WORDS-MAX_POINT_WORDS).
MAX_POINTS = 5
MIN_POINTS = 3  # always, when three distinct sentences or titles read alone and fit MAX_WORDS
MAX_WORDS = 100  # all points together
# The word budget: half the words the story's texts hold, within 60-100. Editors' roundups run
# longer for stories with more to tell (their length vs the text read: r = 0.48 on
# stories-dev), and ROUGE F1, like a reader, pays for every word past what there is to say.
BUDGET_SHARE = 0.5
MIN_BUDGET_WORDS = 60
NEAR_DUPLICATE = 0.6  # term-set overlap (of the smaller set) above which two points repeat

# A sentence's value is a linear model over what it is (SENTENCE_FEATURES), fitted by
# scripts/train_keypoints.py to how much of the sentence the editors' roundup of its story repeats
# and shipped as tables/keypoint_model.json (a few weights, with the data it was fitted on named).
MODEL_PATH = Path(__file__).resolve().parent.parent / "tables" / "keypoint_model.json"
SHORT_WORDS = 12
# The points are the set of MIN_POINTS-MAX_POINTS sentences, among the POOL most valuable, that
# a roundup would repeat most of for its length: the sum of each point's value (the share of it a
# roundup repeats) times its words, over its words plus the roundup's expected length (the shape
# of ROUGE F1 against a roundup of about that length): a sentence is worth its words only while
# it says more than the set already does on average.
POOL = 10
POOL_COPY = 0.9  # term-set overlap above which a sentence is a copy of one already in the pool
# The roundup's expected length: a share of the words the story's texts hold, within
# MIN_ROUNDUP_WORDS-MAX_WORDS. Editors write more where there is more to tell (r = 0.48 between
# their roundup's length and the text's on stories-dev; 52 words median there, 165 on
# stories-dev-dated, whose texts run half as long again). Against the fixed 40 words before:
# stories-dev's R1/R2 gains unchanged on both halves, stories-dev-dated +.020/+.013 -> +.024/+.014
# (halves +.014 -> +.019, +.026 -> +.028 R1); shares .15-.3 all within .002 of .25.
ROUNDUP_SHARE = 0.25
MIN_ROUNDUP_WORDS = 20
MIN_SET_WORDS = 60  # a set this long is preferred to any shorter one, where one fits
SAME_SOURCE_PENALTY = 0.01  # off a point's value per point already from its article: spread them
# A point is worth less by this share of its words and word pairs that the points before it
# already say: the leads of a story's articles all tell its core, and a roundup tells it once,
# then what else happened. (Gain over the lead baseline, R1/R2: stories-dev +.010/-.001 ->
# +.011/-.001, stories-dev-dated +.016/+.008 -> +.021/+.011 at 0.5; 0.3 and 0.7 within .002.)
REDUNDANCY = 0.5
# In a one-article story nothing is shared: the shares' averages stand in.
LONE_SHARED_TERMS = 0.5
LONE_SHARED_PAIRS = 0.3
UNSHARED_WEIGHT = 0.02  # in the headline's count, a word only one article uses counts a little


def _pick_sources(sources: Sequence[Source]) -> list[int]:
    """Indices of the articles read: every article up to MAX_ARTICLES, else one per outlet
    first (so one prolific outlet cannot crowd out the rest), then the others, in input order."""
    if len(sources) <= MAX_ARTICLES:
        return list(range(len(sources)))
    seen: set[str] = set()
    first: list[int] = []
    rest: list[int] = []
    for i, src in enumerate(sources):
        outlet = src.outlet or f"#{i}"
        (rest if outlet in seen else first).append(i)
        seen.add(outlet)
    return sorted((first + rest)[:MAX_ARTICLES])


# Every story's articles are read through this cache (kept here, where _Story reads it: what
# swaps the cache, a test or a benchmark, swaps this module's name).
_PARSED = _ParseCache(PARSE_CACHE_ARTICLES)


class _Story:
    """The story's sentences and terms, computed once for key points, headline and framing."""

    def __init__(self, sources: Sequence[Source], model: SentenceModel | None = None) -> None:
        self.sources = list(sources)
        self.model = model or sentence_model()
        self.read = _pick_sources(self.sources)
        self.titles: dict[int, str] = {}
        self.candidates: list[_Sentence] = []
        self.title_sentences: dict[int, _Sentence] = {}
        self.title_spans: dict[int, tuple[_Sentence, ...]] = {}
        # In how many articles each term occurs (title or text): the coverage's shared core.
        # Counted only for the terms and pairs of the story's titles and candidates, the only
        # ones read (an article's text holds several times more), so a term outside them
        # reads as 0.
        self.df: Counter[str] = Counter()
        self.title_df: Counter[str] = Counter()
        self.side_articles: Counter[str] = Counter()
        self.text_words = 0  # words of the texts read: what there is to summarise
        read = [(i, _PARSED.get(self.sources[i].title, self.sources[i].text)) for i in self.read]
        self.parsed = dict(read)  # (framing reads its articles' words, kept with their parse)
        asked: set[str] = set()
        for _, parsed in read:
            asked.update(parsed.asked)
        # (the counts made in one pass each, in the order article-by-article updates give)
        title_said: list[frozenset[str]] = []
        shared: list[set[str]] = []
        for i, parsed in read:
            src = self.sources[i]
            self.side_articles[src.side] += 1
            if parsed.title is not None:
                self.titles[i] = parsed.title.text
                self.title_sentences[i] = _copy(parsed.title, i)
                self.title_spans[i] = parsed.title_spans
                title_said.append(parsed.title.terms | parsed.title.pairs)
            # Copies: the story scores its own sentences; the cached ones stay untouched.
            self.candidates.extend([_copy(c, i) for c in parsed.candidates])
            shared.append(parsed.seen.keys() & asked)
            self.text_words += parsed.words
        self.title_df = Counter(itertools.chain.from_iterable(title_said))
        self.df = Counter(itertools.chain.from_iterable(shared))
        self.n = max(1, len(self.read))
        self._weights: dict[str, float] | None = None

    def weights(self) -> dict[str, float]:
        """How central each term and pair is: the share of the other articles also using it
        (one that only one article uses still counts a little, so a one-article story has an
        order). Computed for a term when first asked."""
        if self._weights is None:
            self._weights = _Weights(self.df, self.n)
        return self._weights


def _copy(s: _Sentence, source: int) -> _Sentence:
    """replace(s, source=source), without dataclasses.replace's per-field checks."""
    new: _Sentence = _Sentence.__new__(_Sentence)
    new.__dict__.update(s.__dict__)
    new.source = source
    return new


class _Weights(dict[str, float]):
    def __init__(self, df: Counter[str], n: int) -> None:
        super().__init__()
        self.df = df
        self.scale = 1.0 / (n - 1) if n > 1 else 0.0

    def __missing__(self, term: str) -> float:
        df = self.df.get(term, 0)
        weight = 1.0 if not self.scale else UNSHARED_WEIGHT + max(df - 1, 0) * self.scale
        self[term] = weight
        return weight


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _point(story: _Story, s: _Sentence) -> KeyPoint:
    src = story.sources[s.source]
    return KeyPoint(s.text, src.outlet, src.article_id, src.side, src.url)


# What the sentence model reads of a sentence, in the order of its weights. Shares are of the
# story's other articles (n - 1); a one-article story has none, so LONE_* stand in.
SENTENCE_FEATURES = (
    "shared_pairs",  # mean share of the other articles using each of its word pairs
    "shared_terms",  # share of its words that another article also uses
    "term_spread",  # mean share of the other articles using each of its words
    "shared_pair_mass",  # its word pairs the others share, summed (/10): how much it carries
    "title_pairs",  # mean share of the story's titles using each of its word pairs
    "title_terms",  # mean share of the story's titles using each of its words
    "own_title",  # share of its words in its own article's title
    "facts",  # names, numbers and dates per word
    "digits",  # it has a number
    "length",  # words / 50
    "short",  # under SHORT_WORDS words
    "lead",  # its article's first sentence
    "second",  # its article's second sentence
    "position",  # (position - 1) / MAX_CANDIDATES_PER_ARTICLE
    "center",  # from a centre-rated outlet
    "sided",  # from a left- or right-rated outlet
    "opinion",  # question, exclamation, first or second person
    "reaction",  # reported speech: said, told, a quotation mark
    "dangling",  # opens with a pronoun or connective that needs the sentence before it
    "day",  # names a weekday ("on Monday"): what happened, when
    "evaluative",  # its strongly evaluative words (lexicon, English) per word
    "evaluative_own",  # of those, ones no other article uses, per word: its outlet's judgement
)
_DANGLING = frozenset(
    """he she it they this that these those his her its their but however and also yet still
    so then meanwhile instead moreover furthermore additionally""".split()
)
_DAYS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday yesterday today tonight""".split()
)


def sentence_features(story: _Story, s: _Sentence) -> tuple[float, ...]:
    """The sentence's SENTENCE_FEATURES, as the model and its trainer read them."""
    terms, pairs = s.terms, s.pairs
    n = story.n
    n_pairs = max(len(pairs), 1)
    n_terms = max(len(terms), 1)
    if n > 1:
        df = story.df
        scale = 1.0 / (n - 1)
        # (integer sums, exact in any order: the same floats as summing df - 1 term by term)
        pair_mass = (sum(map(df.__getitem__, pairs)) - len(pairs)) * scale
        shared_pairs = pair_mass / n_pairs
        term_df = list(map(df.__getitem__, terms))
        shared_terms = (len(term_df) - term_df.count(0) - term_df.count(1)) / n_terms
        term_spread = (sum(term_df) - len(term_df)) * scale / n_terms
    else:
        shared_pairs, shared_terms, term_spread = (
            LONE_SHARED_PAIRS,
            LONE_SHARED_TERMS,
            LONE_SHARED_TERMS,
        )
        pair_mass = LONE_SHARED_PAIRS * len(pairs)
    title_df = story.title_df
    # (integer sums in C: the same as summing term by term)
    title_pairs = sum(map(title_df.get, pairs, itertools.repeat(0))) / n_pairs / n
    title_terms = sum(map(title_df.get, terms, itertools.repeat(0))) / n_terms / n
    own = story.title_sentences.get(s.source)
    own_title = len(terms & own.terms) / n_terms if own is not None and s.position else 0.0
    side = story.sources[s.source].side
    lowered = s.lowered
    return (
        shared_pairs,
        shared_terms,
        term_spread,
        pair_mass / 10,
        title_pairs,
        title_terms,
        own_title,
        s.facts / max(s.words, 1),
        1.0 if _DIGIT_RE.search(s.text) else 0.0,
        min(s.words, MAX_POINT_WORDS) / 50,
        1.0 if s.words < SHORT_WORDS else 0.0,
        1.0 if s.position == 1 else 0.0,
        1.0 if s.position == 2 else 0.0,
        max(s.position - 1, 0) / MAX_CANDIDATES_PER_ARTICLE,
        1.0 if side == "center" else 0.0,
        1.0 if side in ("left", "right") else 0.0,
        1.0 if s.opinion else 0.0,
        1.0 if s.reaction else 0.0,
        1.0 if lowered and lowered[0] in _DANGLING else 0.0,
        0.0 if _DAYS.isdisjoint(lowered) else 1.0,
        *(
            (_strong(s) / max(s.words, 1), _own_evaluative(story, s) / max(s.words, 1))
            if s.evaluative
            else _NO_EVALUATIVE
        ),
    )


_NO_EVALUATIVE = (0.0, 0.0)  # (most sentences: nothing to count)


def _own_evaluative(story: _Story, s: _Sentence) -> int:
    """How many of a sentence's evaluative words no other article of the story uses: the
    coverage's shared words ("killed", "crisis") report the event; a judgement one outlet alone
    makes is its own. In a one-article story, all of them."""
    if not s.evaluative:
        return 0
    if story.n <= 1:
        return _strong(s)
    df = story.df
    ours = _supplement_words()
    return sum(
        1
        for word, term, strength in s.evaluative
        if strength >= EVALUATIVE_MIN and df[term] <= 1 and word not in ours
    )


def _strong(s: _Sentence) -> int:
    """How many of a sentence's evaluative words of the lexicon (not our supplement) reach
    EVALUATIVE_MIN."""
    ours = _supplement_words()
    return sum(
        1 for word, _, strength in s.evaluative if strength >= EVALUATIVE_MIN and word not in ours
    )


class SentenceModelError(ValueError):
    """The sentence model file is missing, unreadable or not for these features."""


@dataclass(frozen=True)
class SentenceModel:
    """A linear model of a sentence's worth as a key point: weights over SENTENCE_FEATURES."""

    weights: tuple[float, ...]
    intercept: float
    path: str = ""

    def value(self, features: Sequence[float]) -> float:
        if len(features) != len(self.weights):
            raise ValueError(f"{len(features)} features for {len(self.weights)} weights")
        return self.intercept + math.fsum(map(operator.mul, self.weights, features))


def read_sentence_model(path: Path) -> SentenceModel:
    """Reads and checks a model file written by scripts/train_keypoints.py."""
    weights, intercept = read_linear_model(
        path,
        SENTENCE_FEATURES,
        what="key-point model",
        reader="summariser",
        script="scripts/train_keypoints.py",
        error=SentenceModelError,
    )
    return SentenceModel(weights, intercept, str(path))


_MODEL: SentenceModel | None = None
_MODEL_LOCK = threading.Lock()


def sentence_model() -> SentenceModel:
    """The shipped model, read once."""
    global _MODEL
    if _MODEL is None:
        with _MODEL_LOCK:
            if _MODEL is None:
                _MODEL = read_sentence_model(MODEL_PATH)
    return _MODEL


def _value(story: _Story, s: _Sentence) -> float:
    """What a sentence is worth as a point, before the others are chosen: the model's estimate
    of how much of it a roundup of the story would repeat."""
    return story.model.value(sentence_features(story, s))


def roundup_words(text_words: int) -> float:
    """The length of roundup a story whose texts hold text_words words is weighed against."""
    return min(float(MAX_WORDS), max(float(MIN_ROUNDUP_WORDS), ROUNDUP_SHARE * text_words))


def word_budget(text_words: int) -> int:
    """How many words the key points of a story whose texts hold text_words words may use."""
    return int(min(MAX_WORDS, max(MIN_BUDGET_WORDS, BUDGET_SHARE * text_words)))


def _choose_points(story: _Story, pool: list[_Sentence]) -> list[_Sentence]:
    """The best set of MIN_POINTS to MAX_POINTS sentences among the POOL most valuable that fits
    the word budget and repeats no point (no two near-duplicates); when no such set fits the
    budget, the best that fits MAX_WORDS, so long leads still give three points; fewer only
    when the story has fewer distinct sentences that fit."""
    for s in pool:
        s.score = _value(story, s)
    # Ties go to the earlier article, then the earlier sentence. A copy of a more valuable
    # sentence never enters the pool (a wire story's copies would crowd it out); a shorter
    # rewording does, as the one that may fit.
    top: list[_Sentence] = []
    for s in sorted(pool, key=lambda s: (-s.score, s.source, s.position)):
        if not any(_overlap(s.terms, t.terms) > POOL_COPY for t in top):
            top.append(s)
            if len(top) == POOL:
                break
    budget = word_budget(story.text_words)
    roundup = roundup_words(story.text_words)
    sides = [src.side for src in story.sources]
    # Three points before sources on more than one side; the budget gives way before either.
    # At each step a set telling no event twice first, then one that only repeats no point
    # (a story whose sentences all tell its one event still gets its points).
    near = _clashes(top)  # the same for every set tried below
    event = _clashes(top, story)
    clashes = (event, near) if event != near else (near,)
    for least, limit, diverse in (
        (MIN_POINTS, budget, True),
        (MIN_POINTS, MAX_WORDS, True),
        (MIN_POINTS, budget, False),
        (MIN_POINTS, MAX_WORDS, False),
    ):
        for clash in clashes:
            chosen = _best_set(top, least, limit, sides if diverse else None, roundup, clash)
            if chosen:
                return chosen
    for least in range(min(MIN_POINTS - 1, len(top)), 0, -1):
        for limit, diverse in (
            (budget, True),
            (MAX_WORDS, True),
            (budget, False),
            (MAX_WORDS, False),
        ):
            for clash in clashes:
                chosen = _best_set(top, least, limit, sides if diverse else None, roundup, clash)
                if chosen:
                    return chosen
    return []


_BOUND_MARGIN = 1e-9


def _clashes(top: Sequence[_Sentence], story: _Story | None = None) -> list[int]:
    """Per sentence of `top`, a bit mask of the others it nearly duplicates (NEAR_DUPLICATE)
    or, where `story` is given, tells the same event in other words (_same_event)."""
    n = len(top)
    events = [_event_of(story, s) for s in top] if story is not None else None
    return [
        sum(
            1 << j
            for j in range(n)
            if j != i
            and (
                _overlap(top[i].terms, top[j].terms) > NEAR_DUPLICATE
                or (events is not None and _same_event(events[i], events[j]))
            )
        )
        for i in range(n)
    ]


# One event told twice: the leads of a story's outlets each tell its core, in their own words
# ("President Trump on Wednesday asserted executive privilege over documents ..." and "President
# Donald Trump on Wednesday moved to block Congress' access to documents ..."), which share too
# few terms for NEAR_DUPLICATE. Two sentences tell the same event when they name the same actor
# (a capitalised name) or number and say the same of it: their other content words overlap
# (of the smaller set) by at least SAME_EVENT_REST, less where they also share a date or a
# number (a shared "Monday" alone is no event: a president's three statements of one day).
# Chosen so no set or story-grouped half loses more than 0.002 ROUGE-1 or -2 (the repeats share
# the roundups' words): 0.5 / 0.35 / 0.25 cost stories-dev half 0's ROUGE-2 .0023.
SAME_EVENT_REST = 0.55
SAME_EVENT_REST_DATED = 0.4
SAME_EVENT_REST_NUMBER = 0.3
SAME_EVENT_WORDS = 3  # and they always share this many of those words
_DATE_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday yesterday today tonight
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
# Capitalised words that name no one in particular: titles and a sentence's openers.
_NOT_NAMES = frozenset(
    """president sen sens senator rep reps representative gov governor mr mrs ms dr secretary
    minister prime vice former acting chief director leader speaker judge justice attorney
    general state states federal national house senate the a an in on at after as for""".split()
)
_NUMBER_RE = re.compile(r"\d[\d,.]*\d|\d")


@dataclass(frozen=True)
class _Event:
    """What a sentence tells, as _same_event compares it: who, which numbers and dates, and
    its other content terms."""

    names: frozenset[str]
    numbers: frozenset[str]
    dates: frozenset[str]
    rest: frozenset[str]


def _event_of(story: _Story, s: _Sentence) -> _Event:
    return _event(s.text, _language(story, s))


@functools.lru_cache(maxsize=8192)
def _event(text: str, language: str) -> _Event:
    """The sentence's _Event: names are its capitalised words (not its first, unless a content
    word, nor a title or date), numbers its figures (commas dropped), dates its weekdays,
    months and "today"s."""
    terms_of = _languages().terms(language)
    raw = (_WORD_ASCII_RE if text.isascii() else _WORD_RE).findall(text)
    forms = terms_of.words(text)
    names: set[str] = set()
    dates: set[str] = set()
    taken: set[str] = set()
    if len(forms) == len(raw):  # (spaceless scripts split words further: no names there)
        for k, (word, (term, content)) in enumerate(zip(raw, forms, strict=True)):
            low = word.lower().removesuffix("'s").removesuffix("’s")
            # (not the verbs: "the Fed may raise rates", "protesters march on the capital")
            if low in _DATE_WORDS and (word[:1].isupper() or low not in ("may", "march")):
                dates.add(low)
                taken.add(term)
            elif word[:1].isupper() and (k > 0 or content):
                # (a title or an institution says no more of the event than a name does)
                taken.add(term)
                if low not in _NOT_NAMES:
                    names.add(low)
    numbers: set[str] = set()
    for written in _NUMBER_RE.findall(text):
        figure = written.replace(",", "").rstrip(".")
        # (a year dates the event, as a weekday does; "2,000 troops" is a count)
        year = len(figure) == 4 and figure[:2] in ("19", "20") and "," not in written
        (dates if year else numbers).add(figure)
    terms, _ = terms_of(text)
    rest = frozenset(t for t in terms if t not in taken and not any(c.isdigit() for c in t))
    return _Event(frozenset(names), frozenset(numbers), frozenset(dates), rest)


def _same_event(a: _Event, b: _Event) -> bool:
    """Whether two sentences tell the same event (see SAME_EVENT_REST)."""
    numbers = bool(a.numbers & b.numbers)
    names = bool(a.names & b.names)
    if not (numbers or names):
        return False
    said = len(a.rest & b.rest)
    if said < SAME_EVENT_WORDS:
        return False
    rest = said / max(1, min(len(a.rest), len(b.rest)))
    if numbers and rest >= SAME_EVENT_REST_NUMBER:
        return True
    if names and a.dates & b.dates and rest >= SAME_EVENT_REST_DATED:
        return True
    return names and rest >= SAME_EVENT_REST


def _best_set(
    top: list[_Sentence],
    least: int,
    limit: int,
    story_sides: Sequence[str] | None,
    roundup: float,
    clash: Sequence[int] | None = None,
) -> list[_Sentence]:
    """The set of `least` to MAX_POINTS of `top` within `limit` words, no two near-duplicates,
    of most value per word as _choose_points weighs it, each point's value less what the points
    before it already say (REDUNDANCY); [] when none fits. Depth first over
    sets in `top`'s order, so ties go to the set of the more valuable sentences. `clash`:
    _clashes(top), when the caller already has it."""
    n = len(top)
    if n < least:
        return []
    words = [s.words for s in top]
    sources = [s.source for s in top]
    scores = [s.score for s in top]
    # The points draw on more than one article, and on more than one side, where the pool has
    # them: one outlet's sentences alone are its account, not the coverage's.
    sides = [story_sides[s.source] if story_sides is not None else "unrated" for s in top]
    rated = {side for side in sides if side != "unrated"}
    need_sources = min(2, len(set(sources))) if story_sides is not None else 1
    need_sides = min(2, len(rated))
    # Near-duplicates as bit masks, and the set's articles and rated sides counted as it grows
    # (the same tests as counting them afresh at every set, at a fraction of the cost).
    if clash is None:
        clash = _clashes(top)
    side_of = [sides[i] if sides[i] in rated else None for i in range(n)]
    said = [s.terms | s.pairs for s in top]  # what each says, for REDUNDANCY
    said_len = [len(x) for x in said]
    # The fewest words of a sentence after each: a set that cannot take one more never needs
    # what it covers (a union per leaf saved).
    after = [limit + 1] * n
    for j in range(n - 2, -1, -1):
        after[j] = min(after[j + 1], words[j + 1])
    # The most a sentence from each on may add per word (a gain is at most its score times its
    # words, the penalties and REDUNDANCY only take away): a bound on what a set can still reach.
    reach = [0.0] * (n + 1)
    longest = [0] * (n + 1)  # the most words of a sentence from each on
    for j in range(n - 1, -1, -1):
        reach[j] = max(reach[j + 1], scores[j], 0.0)
        longest[j] = max(longest[j + 1], words[j])
    per_source: dict[int, int] = {}
    per_side: dict[str, int] = {}
    best: list[int] = []
    best_value = -1.0
    stack: list[int] = []
    distinct = [0, 0]  # articles, rated sides in the set

    def extend(start: int, used: int, value: float, covered: frozenset[str], mask: int) -> None:
        nonlocal best, best_value
        depth = len(stack)
        if depth >= least and distinct[0] >= need_sources and distinct[1] >= need_sides:
            # Sets of the "about 60-100 words" first, then the most worth.
            worth = value / (used + roundup) + (1.0 if used >= MIN_SET_WORDS else 0.0)
            if worth > best_value:
                best, best_value = list(stack), worth
        if depth == MAX_POINTS:
            return
        if best_value >= 0.0:
            # No set grown from this one can be worth more than the best so far: its worth per
            # word, (value + gain) / (used + words + roundup) with gain <= reach * words and
            # words <= room, is at most the larger of where it is and where `room` more words
            # would take it (the ratio moves one way as words are added), plus the 1.0 of a
            # long set where it can grow that long. The margin keeps a set the float sums
            # might put level in the walk.
            # (min and max of two written out: the same values, no call)
            room = limit - used
            most = (MAX_POINTS - depth) * longest[start]
            if most < room:
                room = most
            bound = value / (used + roundup)
            grown_bound = (value + reach[start] * room) / (used + room + roundup)
            if grown_bound > bound:
                bound = grown_bound
            if used + room >= MIN_SET_WORDS:
                bound += 1.0
            if bound < best_value - _BOUND_MARGIN:
                return
        for j in range(start, n):
            if used + words[j] > limit or clash[j] & mask:
                continue
            source = sources[j]
            same = per_source.get(source, 0)
            gain = scores[j] - SAME_SOURCE_PENALTY * same
            gain = (0.0 if gain < 0.0 else gain) * words[j]  # (max(gain, 0.0) * words)
            if covered and said_len[j]:
                gain *= 1.0 - REDUNDANCY * len(said[j] & covered) / said_len[j]
            per_source[source] = same + 1
            if not same:
                distinct[0] += 1
            side = side_of[j]
            if side is not None:
                seen = per_side.get(side, 0)
                per_side[side] = seen + 1
                if not seen:
                    distinct[1] += 1
            stack.append(j)
            grown = used + words[j]
            if depth + 1 < MAX_POINTS and grown + after[j] <= limit:
                extend(j + 1, grown, value + gain, covered | said[j], mask | (1 << j))
            elif depth + 1 >= least and distinct[0] >= need_sources and distinct[1] >= need_sides:
                # A leaf (no point more, or no sentence after it fits): what extend() would do
                # there, its worth weighed, without the call.
                worth = (value + gain) / (grown + roundup) + (
                    1.0 if grown >= MIN_SET_WORDS else 0.0
                )
                if worth > best_value:
                    best, best_value = list(stack), worth
            stack.pop()
            if side is not None:
                per_side[side] -= 1
                if not per_side[side]:
                    distinct[1] -= 1
            per_source[source] = same
            if not same:
                distinct[0] -= 1

    extend(0, 0, 0.0, frozenset(), 0)
    return [top[i] for i in best]


def _reading_order(story: _Story, chosen: list[_Sentence]) -> list[_Sentence]:
    """What happened first, then who and where, then reactions: an article's lead opens (the
    most valuable lead: a detail read before the event it details does not read), then the
    points by value (the one carrying most of what the coverage shares first), reported speech
    last; one article's points in its own order; a point that leans on its article's sentence
    before (leans_back) right after it."""
    ranked = sorted(chosen, key=lambda s: (s.reaction, -s.score, s.source, s.position))
    lead = next((k for k, s in enumerate(ranked) if not s.reaction and s.position <= 1), None)
    if lead:
        ranked.insert(0, ranked.pop(lead))
    # One article's points keep the article's order (its lead before its later sentences,
    # whatever they say): its slots are given to its points in position order.
    slots: dict[int, list[int]] = {}
    for k, s in enumerate(ranked):
        slots.setdefault(s.source, []).append(k)
    for places in slots.values():
        ordered = sorted((ranked[k] for k in places), key=lambda s: s.position)
        for k, s in zip(places, ordered, strict=True):
            ranked[k] = s
    leaning = {id(s) for s in ranked if _leans_back(story, s) and _before(s, ranked) is not None}
    out: list[_Sentence] = []
    for s in ranked:
        if id(s) in leaning:
            continue
        out.append(s)
        follower = _after(s, ranked)
        while follower is not None and id(follower) in leaning:
            out.append(follower)
            follower = _after(follower, ranked)
    return out


def _before(s: _Sentence, points: Sequence[_Sentence]) -> _Sentence | None:
    """The point that is the sentence before `s` in its article, if one is chosen."""
    return next((t for t in points if t.source == s.source and t.position == s.position - 1), None)


def _after(s: _Sentence, points: Sequence[_Sentence]) -> _Sentence | None:
    """The point that is the sentence after `s` in its article, if one is chosen."""
    return next((t for t in points if t.source == s.source and t.position == s.position + 1), None)


def _language(story: _Story, s: _Sentence) -> str:
    parsed = story.parsed.get(s.source)
    return parsed.language if parsed is not None else "english"


def _stands(story: _Story, s: _Sentence) -> bool:
    """readable.stands_alone, in the sentence's article's language."""
    return stands_alone(s.text, _language(story, s))


def _leans_back(story: _Story, s: _Sentence) -> bool:
    """readable.leans_back, for a sentence of the text (a title leans on nothing)."""
    return s.position > 0 and leans_back(s.text, _language(story, s))


# Sets chosen again at most this many times without a point that leans on a sentence not
# chosen with it (each time one such point or more out); then such points are left out.
MAX_RECHOICES = 3


def _readable_points(
    story: _Story,
    pool: list[_Sentence],
    fill: Callable[[list[_Sentence]], list[_Sentence]] | None = None,
) -> list[_Sentence]:
    """_choose_points over the sentences that read alone, where a point that leans on the
    sentence before it in its article ("But ...", "He ...") is kept only with that sentence.
    `fill` gives the titles key_points adds to a set (none where not given)."""
    pool = [s for s in pool if _stands(story, s)]
    # A sentence leaning on one that is no candidate can never have it beside it.
    held = {(s.source, s.position) for s in pool}
    pool = [s for s in pool if not _leans_back(story, s) or (s.source, s.position - 1) in held]
    chosen: list[_Sentence] = []
    # (the first set that held a point whose referent no point names: choosing again without
    # such points must not leave the story fewer points, titles added, than that set gives with
    # them, as the end below keeps them where three points would not remain)
    referring: list[_Sentence] | None = None
    for _ in range(MAX_RECHOICES + 1):
        chosen = _choose_points(story, pool)
        orphans = {id(s) for s in chosen if _leans_back(story, s) and _before(s, chosen) is None}
        unintroduced = _unintroduced(story, chosen)
        if not orphans and not unintroduced:
            break
        if unintroduced and referring is None:
            referring = chosen
        pool = [s for s in pool if id(s) not in orphans and id(s) not in unintroduced]
    else:
        chosen = _without_orphans(story, chosen)
    if referring is not None:
        kept = _without_orphans(story, referring)
        if _shown(chosen, fill) < min(MIN_POINTS, _shown(kept, fill)):
            return kept
    return chosen


def _shown(
    chosen: list[_Sentence], fill: Callable[[list[_Sentence]], list[_Sentence]] | None
) -> int:
    """How many points a set gives with the titles that fill it."""
    return len(chosen) + (len(fill(chosen)) if fill is not None else 0)


def _without_orphans(story: _Story, chosen: list[_Sentence]) -> list[_Sentence]:
    """The points of a set chosen MAX_RECHOICES times that lean on no sentence left out, and
    name a referent no point introduces only where leaving them out leaves fewer than three.
    (Each leaving out is read again: a point leaning on one left out, "It takes effect in
    July" after "The measure passed 7-2", goes with it, and the whole step is undone where
    fewer than three would remain.)"""
    chosen = _leaning_kept(story, chosen)
    while unintroduced := _unintroduced(story, chosen):
        rest = _leaning_kept(story, [s for s in chosen if id(s) not in unintroduced])
        if len(rest) < MIN_POINTS:
            break
        chosen = rest
    return chosen


def _leaning_kept(story: _Story, chosen: list[_Sentence]) -> list[_Sentence]:
    """The points that lean on no sentence not chosen, down a chain of them."""
    while True:
        kept = [s for s in chosen if not _leans_back(story, s) or _before(s, chosen) is not None]
        if len(kept) == len(chosen):
            return kept
        chosen = kept


def _owners(lowered: Sequence[str]) -> set[str]:
    """A point's words with a possessive's owner as a word of its own: "the company's shares"
    names the company, "the senator’s bill" the senator."""
    return {w.removesuffix("'s").removesuffix("’s") for w in lowered} | set(lowered)


def _unintroduced(story: _Story, chosen: list[_Sentence]) -> set[int]:
    """The points (their ids) with a definite reference ("The measure ...", "..., the group
    wrote") that no point before them in reading order introduces: not its article's sentence
    before it, nor one with a word naming what it refers to (readable.unreferenced)."""
    out: set[int] = set()
    ordered = _reading_order(story, chosen)
    for k, s in enumerate(ordered):
        if not s.position:
            continue  # (a title refers to nothing before it)
        wanted = unreferenced(s.text, _language(story, s))
        if wanted is None:
            continue
        if not any(
            (t.source == s.source and t.position == s.position - 1)
            or not wanted.isdisjoint(_owners(t.lowered))
            for t in ordered[:k]
        ):
            out.add(id(s))
    return out


def _titles_to_fill(
    story: _Story, chosen: list[_Sentence], titles: list[_Sentence], headline: str
) -> list[_Sentence]:
    """Titles that bring a story whose readable sentences give fewer than MIN_POINTS points up
    to it (the issue's 3-5 points): the most valuable first, each reading alone, within
    MAX_WORDS, repeating neither a point nor the headline shown above the points."""
    shown = headline.casefold()
    words = sum(s.words for s in chosen)
    added: list[_Sentence] = []
    for title in sorted(titles, key=lambda t: -_value(story, t)):  # (stable: earlier first)
        if len(chosen) + len(added) >= MIN_POINTS:
            break
        said = title.text.casefold()
        if (
            words + title.words > MAX_WORDS
            # (a readable length, terms, no markup or excerpt cut, as any point)
            or not _fits(title.text, title.words, title.terms, "", False)
            or (shown and (shown in said or said in shown))
            or not _stands(story, title)
            or any(_overlap(title.terms, s.terms) > NEAR_DUPLICATE for s in (*chosen, *added))
        ):
            continue
        added.append(title)
        words += title.words
    return added


def key_points(story: _Story, headline: str = "") -> list[KeyPoint]:
    """The story's points in reading order: sentences that read alone first, topped up to
    MIN_POINTS with distinct titles; the titles alone where no sentence reads alone (the
    coverage's own words, distinct ones only); and only where neither gives a point, the
    sentences and titles as they are (a story of questions still has points). `headline` is
    the one shown above the points, which no title point repeats."""
    titles = [t for t in story.title_sentences.values() if t.words <= MAX_POINT_WORDS]
    chosen = _readable_points(
        story,
        list(story.candidates),
        lambda chosen: (
            _titles_to_fill(story, chosen, titles, headline)
            if chosen and len(chosen) < MIN_POINTS
            else []
        ),
    )
    # Titles repeat the leads' words (padding cost ROUGE-1 and -2 about 0.003 on stories-dev
    # when first measured), but a reader is promised three points wherever three distinct,
    # readable ones exist, and a story's sentences may be too few once fragments, questions
    # and dangling openers are left out (2 points in 531 of 2,582 stories-dev stories).
    if chosen and len(chosen) < MIN_POINTS:
        chosen = chosen + _titles_to_fill(story, chosen, titles, headline)
    if not chosen:
        chosen = _readable_points(story, titles)
    if not chosen:
        chosen = _choose_points(story, list(story.candidates)) or _choose_points(story, titles)
    return [_point(story, s) for s in _reading_order(story, chosen)]
