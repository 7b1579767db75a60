"""Per-side framing: for a story covered by more than one side, the words, two-word phrases and
sentences each side's articles use more than the other sides' (framing).

(Named side_framing, not framing: the package exports the function `framing`, which would hide a
submodule of that name.)
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import Stemmer  # type: ignore[import-not-found,unused-ignore]

from service.coverage import segment
from service.coverage.keypoints.language import (
    _NO_SPACE_SCRIPTS,
    _WORD_ASCII_RE,
    _WORD_RE,
    SPACELESS_LANGUAGES,
    _languages,
    _script,
    _Terms,
    korean_stem,
)
from service.coverage.keypoints.points import (
    _DANGLING,
    _DAYS,
    NEAR_DUPLICATE,
    _overlap,
    _point,
    _Story,
)
from service.coverage.keypoints.sentences import (
    _DIGIT_RE,
    MAX_TITLE_CHARS,
    KeyPoint,
    _Parsed,
    _Sentence,
)

MAX_FRAMING_POINTS = 2
MAX_FRAMING_TERMS = 5
MAX_TERM_CHARS = 30
FRAMING_MIN_LIFT = 0.4  # log-odds a word needs to count as one side's (about 1.5x as common)

SIDES = ("left", "center", "right")


@dataclass(frozen=True)
class SideFraming:
    """How one side's coverage differs: its most specific words and sentences."""

    side: str
    terms: tuple[str, ...]
    points: tuple[KeyPoint, ...]
    articles: int

    def to_json(self) -> dict[str, Any]:
        return {
            "terms": list(self.terms),
            "points": [p.to_json() for p in self.points],
            "articles": self.articles,
        }


# What a side's framing words may not be: dates and times, numbers, reporting verbs and titles
# of address ("Sen." of "Sen. Collins") (every outlet writes them; none says how a side saw the story). English, where
# most of the coverage is; other languages' words are still filtered by digits and stop words.
# (the weekdays and "today" are the sentence model's _DAYS)
_CALENDAR = _DAYS | frozenset(
    """january february april june july august september october november december jan feb
    apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun day days
    daily week weeks weekly weekend weekends month months monthly year years yearly decade
    decades century tomorrow morning mornings afternoon afternoons evening evenings night nights
    overnight hour hours minute minutes ago earlier later recent recently date dated time
    times""".split()
)
_NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred hundreds thousand thousands million millions billion billions trillion
    trillions dozen dozens first second third fourth fifth sixth tenth half percent
    percentage""".split()
)
_REPORTING = frozenset(
    """said say says saying told tell tells telling according added adding noted reportedly
    mr mrs ms dr per via sen sens rep reps gov gen lt col sgt atty""".split()
)
# Korean's days, times and reporting verbs, as news writes them ("월요일" Monday, "지난해" last
# year, "밝혔다" said, "강조했다" stressed, and "강조" as korean_stem reads it): a side that gives
# the day or quotes more is framing nothing by it (written composed, as the terms are when
# judged, and decomposed, as folded).
_KOREAN_SKIP = frozenset(
    """월요일 화요일 수요일 목요일 금요일 토요일 일요일 지난해 작년 올해 내년 지난달 이번달 다음달
    지난주 이번주 다음주 오전 오후 새벽 저녁 주말 현지시간 이날 당일 어제 오늘 내일 최근 밝혔다
    말했다 전했다 설명했다 덧붙였다 보도했다 발표했다 언급했다 강조했다 밝혀 따르면
    설명 보도 발표 언급 강조""".split()
)
_FRAMING_SKIP = (
    _CALENDAR
    | _NUMBER_WORDS
    | _REPORTING
    | _KOREAN_SKIP
    | frozenset(unicodedata.normalize("NFKD", w) for w in _KOREAN_SKIP)
)
_MONTH_OR_WORD = frozenset({"march"})  # a month's name only where capitalised ("may": a stop word)
# A term of the side's sentences or titles counts as its emphasis when it is in at least this
# many of them, or in one of its titles (the headline is what an outlet chose to stress): one
# stray word of one sentence counts for little, and is shown only where the side has fewer than
# FRAMING_FEW_TERMS others (an article of two sentences repeats nothing). A phrase must be
# repeated.
FRAMING_MIN_SENTENCES = 2
FRAMING_TITLE_ONLY = 0.5  # the weight of a word only one title of the side uses
FRAMING_STRAY = 0.25  # the weight of a word of one sentence
FRAMING_FEW_TERMS = 3
FRAMING_LEADERS = 40  # past the most specific terms, the rest read only while terms fall short
# Off a framing sentence's value when it is already a key point (the reader has it) and when it
# opens with a word that needs the sentence before it ("He said..."): another of similar
# specificity reads better.
FRAMING_KEY_POINT_FACTOR = 0.6
FRAMING_DANGLING_FACTOR = 0.8
# A title is short, so rich in the side's words for its length, and the story page lists it
# already: it counts for less than a sentence, and one at most is shown.
FRAMING_TITLE_POINT_FACTOR = 0.8
# A letter beyond ASCII (not the curly quotes and dashes most texts have): a term to fold.
_ACCENTED_RE = re.compile(r"[^\x00-\x7f\u2000-\u206f]")
_POSSESSIVE_RE = re.compile(r"['’]s$", re.IGNORECASE)


@dataclass(frozen=True)
class _Case:
    """What an article's capitals say (outside title-case titles, where every word has one)."""

    # Of its framing words, the few with a flag (kept with its parse, so small): _UNLOWERED
    # never written in lower case, _NAMED written capitalised (a sentence's first word too),
    # _PROPER capitalised past a sentence's first word.
    flags: dict[str, int]
    # Per capitalised framing word: its capitalised neighbours' terms, one tuple an occurrence.
    beside: dict[str, tuple[tuple[str, ...], ...]]
    # The flags as sets (one lookup a term an article: _SideWords.lower and proper).
    unlowered: frozenset[str] = frozenset()
    proper: frozenset[str] = frozenset()


_UNLOWERED, _NAMED, _PROPER = 1, 2, 4
# Spellings kept per article: a digest asks each article for at most MAX_FRAMING_TERMS terms a
# side, so a few digests' worth. It is kept with the parse in a cache of PARSE_CACHE_ARTICLES:
# at ~250 bytes a term, 32 keep the worst case near 8 KB an article (1000 allowed 250 KB, 5 GB
# over the cache); a term past them is read again when asked.
_MAX_KEPT_SPELLINGS = 32
# The key of an article's _Case among its lazily kept spellings: a term never starts with a
# space ("case" is a term: "Casé" folds to it).
_CASE_KEY = " case"


@dataclass(frozen=True)
class _ArticleWords:
    """An article's words as framing reads them (its title and candidate sentences), whatever
    story it is in: made once per parsed article and kept with it. What its capitals and
    spellings say is read only when a story asks (most of its words never lead a side)."""

    units: int  # its title and sentences read
    used: dict[str, int]  # term or phrase -> how many of them use it
    said: tuple[str, ...]  # each term and phrase once per sentence or title using it
    titled: frozenset[str]  # terms and phrases of its title
    judged: frozenset[str]  # its evaluative terms (the sentence model's, English only)
    texts: tuple[tuple[int, str], ...]  # (position, text) read (a span inside one left out)
    language: str
    # Filled on first use: _CASE_KEY -> its _Case; term -> its spellings ((written, count), ...).
    lazy: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def case(self) -> _Case:
        found = self.lazy.get(_CASE_KEY)
        if found is None:
            found = self.lazy[_CASE_KEY] = _read_case(self)
        assert isinstance(found, _Case)
        return found

    def spellings(self, term: str) -> tuple[tuple[str, int], ...]:
        """How this article writes a term or phrase: each occurrence's words, as written, and
        how often (kept: a story asks a few terms)."""
        kept = self.lazy.get(term)
        if isinstance(kept, tuple):
            return kept
        seen: Counter[str] = Counter()
        stems = term.split(" ")
        # (a stem's first letters are its word's: texts without them need no reading)
        probes = [t[: min(3, len(t) - 1)] for t in stems]
        tonal = self.language in TONAL_LANGUAGES
        for _, text in self.texts:
            lowered = _lowered(text, tonal)
            if not all(p in lowered for p in probes):
                continue
            tokens = _tokens(text, self.language)
            if tokens is not None and len(stems) == 1:
                # A word: its occurrences found in C (the text's terms listed once a digest),
                # each counted under its spelling in the order first written (the same counts,
                # keys first seen in the same order, as reading word by word).
                raws = tokens[0]
                terms = _terms_of(text, self.language, tokens)
                at = -1
                korean = self.language == "korean"
                for _ in range(terms.count(term)):
                    at = terms.index(term, at + 1)
                    shown = korean_stem(raws[at]) if korean else raws[at]
                    if "'" in shown or "’" in shown:
                        shown = _POSSESSIVE_RE.sub("", shown)
                    seen[shown] += 1
                continue
            if tokens is None:
                # (a script without spaces: a Latin word in it as written, "FRB" for "frb")
                seen.update(
                    [m.group() for m in re.finditer(re.escape(term), text, re.IGNORECASE)]
                    if term.isascii()
                    else [term]
                    if term in text
                    else []
                )
                continue
            raws, forms = tokens
            first, width = stems[0], len(stems)
            for k in range(len(raws) - width + 1):
                if forms[k][0] == first and all(
                    forms[k + j][0] == t for j, t in enumerate(stems[1:], start=1)
                ):
                    phrase = raws[k : k + width]
                    if self.language == "korean":
                        phrase = [korean_stem(r) for r in phrase]
                    seen[" ".join([_POSSESSIVE_RE.sub("", r) for r in phrase])] += 1
        found = tuple(seen.items())
        if len(self.lazy) < _MAX_KEPT_SPELLINGS:
            self.lazy[term] = found
        return found


def _title_cased(text: str) -> bool:
    """Whether a title capitalises its words ("Senate Passes Budget Bill"): then its case says
    nothing of which words are names."""
    long = [w for w in text.split() if len(w) > 3 and w[:1].isalpha()]
    return len(long) >= 2 and sum(1 for w in long if w[:1].isupper()) * 10 >= len(long) * 6


_SKIP_STEMS: frozenset[str] = frozenset()
MAX_SKIP_CACHE = 100_000  # terms whose verdict is kept (all forgotten when full)
# The terms judged so far and those of them never framing terms: one set difference a sentence
# (in C) rather than one lookup a term. Replaced whole when full, never cleared in place, so a
# thread holding the pair reads consistent sets.
_SKIP_CACHE: tuple[set[str], set[str]] = (set(), set())


# Framing in scripts written without spaces (Chinese, Japanese, Thai). Their compared terms are
# letter pairs (_Terms.words): too short to read as words, and most cut one mid-word. They still
# count (a side's sentences richest in its specific letter pairs are its points) but are never
# shown: the terms shown are whole words of the text, found by segment.py (Japanese script runs,
# Chinese and Thai by dictionary segmenters). Where no segmenter is installed, a side of such a
# story shows points without terms.


def _spaceless_script(term: str) -> bool:
    """Whether a term is written in a script without spaces (CJK, kana, Thai...)."""
    return bool(term) and not term.isascii() and _script(term[0]) in _NO_SPACE_SCRIPTS


@functools.lru_cache(maxsize=4_096)
def _word_terms(text: str, language: str) -> frozenset[str]:
    """A text's terms that read as whole words, for a language written without spaces
    (segment.words), its function words, dates, numbers and reporting words left out. (Kept
    for the texts framing reads, a sentence or title each: a story asks them again per term.)"""
    stop = _languages().terms(language).stop
    return frozenset(t for t in segment.words(text, language, stop) if not _skip_term(t))


# Korean particles, longest first ("에서는" before "는"): written on the word they follow, so a
# side writes "증세안에" (to the tax plan) beside "증세안" (the tax plan): one term twice.
# (as framing compares Korean terms: folded, each syllable its letters, _fold)
_KOREAN_PARTICLES = tuple(
    sorted(
        map(
            functools.partial(unicodedata.normalize, "NFKD"),
            """은 는 이 가 을 를 에 의 로 와 과 도 만 에서 에게 으로 부터 까지 께서 보다 처럼 에는 에도
            에서는 에서도 으로는 이라고 라고""".split(),
        ),
        key=len,
        reverse=True,
    )
)


@dataclass(frozen=True)
class _Shown:
    """Which of a side's terms framing may show, where a script needs it checked: the words
    segment.py finds in its texts written without spaces, and (Korean) the forms with a
    particle whose bare word the side also writes."""

    words: frozenset[str]
    hidden: frozenset[str]


_NOTHING_SHOWN = _Shown(frozenset(), frozenset())


def _side_words(side: _SideWords) -> _Shown:
    """What `_readable` reads for one side of a story that needs it (once per side)."""
    found: set[str] = set()
    korean = False
    for a in side.articles:
        if a.language in SPACELESS_LANGUAGES:
            for _, text in a.texts:
                found |= _word_terms(text, a.language)
        korean = korean or a.language == "korean"
    hidden: set[str] = set()
    if korean:
        used = side.used
        for term in used:
            if " " in term or _script(term[0]) != "HANGUL":
                continue
            for particle in _KOREAN_PARTICLES:
                if term.endswith(particle):
                    stem = term[: -len(particle)]
                    # (two syllables at least: "국가" is no "국" + "가")
                    if len(unicodedata.normalize("NFC", stem)) >= 2 and stem in used:
                        hidden.add(term)
                    break
    return _Shown(frozenset(found), frozenset(hidden))


def _readable(term: str, shown: _Shown) -> bool:
    """Whether a framing term reads as words of the side's text: any term not in a script
    without spaces; of those, only one of the words segment.py found in the side's texts
    (_side_words), never a letter pair or run cut from a longer word ("大統" of "大統領", "社会"
    of "社会保障"); Lao, Khmer and Burmese words are ICU's (segment.py). A Korean word with a particle is not shown where the side writes the word without it
    ("증세안에" beside "증세안"). A phrase reads where each of its words does."""
    if " " in term:
        return all(_readable(part, shown) for part in term.split(" "))
    if term in shown.hidden:
        return False
    return term in shown.words or not _spaceless_script(term)


def _skip_term(term: str) -> bool:
    """Whether a content term can never be a framing term: a date or time, a number, a
    reporting word, an abbreviation, too short or too long to read (a letter pair of a script
    without spaces is kept: it counts, though it is never shown)."""
    if not 3 <= len(term) <= MAX_TERM_CHARS and not (len(term) == 2 and _spaceless_script(term)):
        return True  # (before any cache: its keys stay short, a 4,000-letter "word" is not kept)
    global _SKIP_STEMS
    if not _SKIP_STEMS:
        english = Stemmer.Stemmer("english", 0)
        _SKIP_STEMS = _FRAMING_SKIP | frozenset(english.stemWords(sorted(_FRAMING_SKIP)))
    return (
        term in _SKIP_STEMS
        or "." in term
        or bool(_DIGIT_RE.search(term))
        or not any(ch.isalpha() for ch in term)
    )


def _framing_terms(terms: frozenset[str]) -> frozenset[str]:
    """The terms that may be framing terms (not _skip_term), the verdicts on short ones
    cached."""
    global _SKIP_CACHE
    judged, skipped = _SKIP_CACHE
    new = terms - judged
    if new:
        if len(judged) + len(new) > MAX_SKIP_CACHE:
            judged, skipped = _SKIP_CACHE = (set(), set())
            new = terms  # (the verdicts on the rest went with the old sets: judged again)
        long = []
        for term in new:
            if len(term) > MAX_TERM_CHARS:
                long.append(term)  # (not kept: a verdict needing no cache)
                continue
            if _skip_term(term):
                skipped.add(term)  # (before `judged`: a term judged is always its verdict)
            judged.add(term)
        if long:
            return terms - skipped - frozenset(long)
    return terms - skipped


_FIRST = operator.itemgetter(0)  # a word's first letter, a form's term
_HAS_SPACE = operator.methodcaller("__contains__", " ")  # a phrase


# While framing() runs, the texts its articles' case and spellings have read, so each is read
# once a digest (an article's case, then its spellings of a few terms); this thread's, emptied
# when the digest's framing is done (nothing kept between digests: its articles are kept
# parsed, their words are not).
_FRAMING_READ = threading.local()


def _tokens(text: str, language: str) -> tuple[list[str], list[tuple[str, bool]]] | None:
    """A text's words as written and as (term, is a content word), one for one; None for a
    script written without spaces (its terms are letter pairs). The lists are shared: read
    them, never change them."""
    maker = _languages().terms(language)
    if maker.spaceless:
        return None
    read: dict[tuple[str, str], tuple[list[str], list[tuple[str, bool]]]] | None = getattr(
        _FRAMING_READ, "texts", None
    )
    if read is None:
        return _read_tokens(text, maker)
    found = read.get((text, language))
    if found is None:
        found = read[(text, language)] = _read_tokens(text, maker)
    return found


def _lowered(text: str, tonal: bool) -> str:
    """A text in lower case, folded unless its language is tonal (TONAL_LANGUAGES), as
    spellings() tests it for a term's first letters: once a digest while framing() runs."""
    read: dict[tuple[str, bool], str] | None = getattr(_FRAMING_READ, "lowered", None)
    found = None if read is None else read.get((text, tonal))
    if found is None:
        found = text.lower() if text.isascii() or tonal else _folded(text.lower())
        if read is not None:
            read[(text, tonal)] = found
    return found


def _terms_of(
    text: str, language: str, tokens: tuple[list[str], list[tuple[str, bool]]]
) -> list[str]:
    """The terms of a text's words, one for one (its tokens' forms without the content flag):
    once a digest while framing() runs. Shared: read it, never change it."""
    read: dict[tuple[str, str], list[str]] | None = getattr(_FRAMING_READ, "terms", None)
    found = None if read is None else read.get((text, language))
    if found is None:
        found = list(map(_FIRST, tokens[1]))
        if read is not None:
            read[(text, language)] = found
    return found


def _read_tokens(text: str, maker: _Terms) -> tuple[list[str], list[tuple[str, bool]]]:
    raws: list[str] = (_WORD_ASCII_RE if text.isascii() else _WORD_RE).findall(text)
    # (_Terms.words, without finding the words twice)
    # (the cache's answers by a C map; the few words it lacks learnt after)
    forms: list[tuple[str, bool]] = list(map(maker.cache.get, raws))  # type: ignore[arg-type]
    if None in forms:
        learn = maker._learn
        forms = [form or learn(raw) for form, raw in zip(forms, raws, strict=True)]
    if (
        not text.isascii()
        and maker.language not in TONAL_LANGUAGES
        and not "".join(map(_FIRST, forms)).isascii()
    ):
        forms = [(_fold(term), content) for term, content in forms]
    return raws, forms


# Languages whose accents tell words apart, so framing compares their terms as written:
# Vietnamese marks its tones ("công" public, "cộng" add; "bán" sell, "bạn" friend), and folding
# them made one term of several words.
TONAL_LANGUAGES = frozenset({"vietnamese"})


def _fold(term: str) -> str:
    """A term without its accents: "Moïse" and "Moise" are one name written two ways. A term of
    a script without spaces is left as written (its kana's voicing marks are letters: "ド" is
    not "ト")."""
    return term if term.isascii() or _spaceless_script(term) else _folded(term)


def _folded(text: str) -> str:
    """A term, phrase or text without its accents; remembered where short enough that the
    caches stay small (a text is at most MAX_ARTICLE_CHARS of one "word": 65,536 of them kept
    could take 2 GB)."""
    if len(text) <= _FOLD_TERM_CHARS:
        return _folded_term(text)
    if len(text) <= _FOLD_TEXT_CHARS:
        return _folded_text(text)
    return _without_accents(text)


def _without_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


# Terms and phrases (two terms and a space), and the texts framing reads (titles, sentences of
# up to MAX_POINT_WORDS words): at most ~45 MB and ~35 MB (4 bytes a letter, twice: the text
# and its folding), a few MB in practice. A longer text is folded each time it is read.
_FOLD_TERM_CHARS = 2 * MAX_TERM_CHARS + 1
_FOLD_TEXT_CHARS = 1_000
_folded_term = functools.lru_cache(maxsize=65_536)(_without_accents)
_folded_text = functools.lru_cache(maxsize=4_096)(_without_accents)


def _article_words(parsed: _Parsed) -> _ArticleWords:
    """The article's framing words (made on first use, then kept with its parse): the terms and
    adjacent-term phrases of its title and of each sentence read, dates, numbers and the like
    left out."""
    if parsed.framing_words:
        return parsed.framing_words[0]
    unit_terms: dict[int, set[str]] = {}  # position -> its terms and phrases
    texts: list[tuple[int, str]] = []
    judged: set[str] = set()
    read_at: dict[int, list[str]] = {}  # position -> the texts read of it
    for sentence in (*([parsed.title] if parsed.title else ()), *parsed.candidates):
        text = sentence.text
        read = read_at.get(sentence.position)
        if read is None:
            read = read_at[sentence.position] = []
        elif any(text in t for t in read):
            continue  # a span of a sentence already read: nothing new
        read.append(text)
        texts.append((sentence.position, text))
        kept: frozenset[str] | set[str] = _framing_terms(sentence.terms)
        if not "".join(kept).isascii():
            if parsed.language not in TONAL_LANGUAGES:
                kept = {_fold(t) for t in kept}  # (folding leaves ASCII as it is)
            if parsed.language in SPACELESS_LANGUAGES:
                # Letter pairs, and Japanese terms that read as words; no phrases (a pair of
                # pairs says nothing more).
                kept |= _word_terms(text, parsed.language)
                unit_terms.setdefault(sentence.position, set()).update(kept)
                continue
        if sentence.evaluative:
            judged.update([term for _, term, _ in sentence.evaluative if term in kept])
        said = unit_terms.get(sentence.position)
        if said is None:
            said = unit_terms[sentence.position] = set()
        said |= kept
        # (a plain loop: faster here than a comprehension or C iterators, whose fresh halves
        # are hashed all the same)
        for pair in (
            sentence.pairs
            if text.isascii() or parsed.language in TONAL_LANGUAGES
            else map(_fold, sentence.pairs)
        ):
            first, _, second = pair.partition(" ")
            if first in kept and second in kept and first != second:
                said.add(pair)
    every = tuple(itertools.chain.from_iterable(unit_terms.values()))
    words_of = _ArticleWords(
        len(unit_terms),
        dict(Counter(every)),
        every,
        frozenset(unit_terms.get(0, ()) if parsed.title is not None else ()),
        frozenset(judged),
        tuple(texts),
        parsed.language,
    )
    if not parsed.framing_words:  # (two threads may both make it: either is the same)
        parsed.framing_words.append(words_of)
    return words_of


def _read_case(article: _ArticleWords) -> _Case:
    """Which of an article's terms it writes in lower case, which capitalised, and beside
    which capitalised words."""
    lower: set[str] = set()
    names: set[str] = set()
    proper: set[str] = set()
    beside: dict[str, list[tuple[str, ...]]] = {}
    used = article.used
    for position, text in article.texts:
        tokens = _tokens(text, article.language)
        if tokens is None:
            continue
        raws, forms = tokens
        # (C iterators over the words' first letters: no Python step a word)
        firsts = list(map(_FIRST, raws))
        lower.update(map(_FIRST, itertools.compress(forms, map(str.islower, firsts))))
        if position == 0 and _title_cased(text):
            continue  # every word capitalised: nothing said about names
        n = len(raws)
        for k in itertools.compress(range(n), map(str.isupper, firsts)):
            term, content = forms[k]
            if not content:
                continue
            names.add(term)  # (a sentence's first word too: "Biden said ...")
            if k:
                proper.add(term)
            if term in used:
                # Its capitalised neighbours written beside it (one space between), before
                # then after.
                near = []
                if k and firsts[k - 1].isupper() and f"{raws[k - 1]} {raws[k]}" in text:
                    near.append(forms[k - 1][0])
                if k + 1 < n and firsts[k + 1].isupper() and f"{raws[k]} {raws[k + 1]}" in text:
                    near.append(forms[k + 1][0])
                beside.setdefault(term, []).append(tuple(near))
    # Flags for its words (not phrases): the few never lowered, named or proper, found by set
    # operations in C, kept in the order of `used`.
    words = set(itertools.filterfalse(_HAS_SPACE, used))
    flagged = (words - lower) | (words & names) | (words & proper)
    flags: dict[str, int] = {}
    for t in filter(flagged.__contains__, used):
        flags[t] = (
            (t not in lower and _UNLOWERED) | (t in names and _NAMED) | (t in proper and _PROPER)
        )
    return _Case(
        flags,
        {t: tuple(b) for t, b in beside.items()},
        frozenset(t for t, f in flags.items() if f & _UNLOWERED),
        frozenset(t for t, f in flags.items() if f & _PROPER),
    )


# Languages whose spaces stand between syllables, several making a word (Vietnamese), and the
# share of a syllable's occurrences beside one same neighbour that makes it part of a word.
SYLLABLE_SPACED = frozenset({"vietnamese"})
COMPOUND_SHARE = 2 / 3


class _SideWords:
    """One side's framing words: counts over its articles; what their capitals say, asked
    term by term (each answer kept: a term is asked again by the exclusions and the spelling)."""

    def __init__(self, articles: Sequence[_ArticleWords]) -> None:
        self.articles = articles
        # term -> the side's sentences and titles using it; its articles using it (counted in
        # one pass each)
        # (an article's `used` is its `said` counted, keys first seen in the same order: the
        # first article's copied in C, the others' counted onto it)
        self.used: Counter[str] = Counter(articles[0].used) if articles else Counter()
        self.spread: Counter[str] = (
            Counter(dict.fromkeys(articles[0].used, 1)) if articles else Counter()
        )
        for a in itertools.islice(articles, 1, None):
            self.used.update(a.said)
            self.spread.update(iter(a.used))
        self.titled: set[str] = set().union(*(a.titled for a in articles))
        self.judged: set[str] = set().union(*(a.judged for a in articles))
        self.units = sum(a.units for a in articles)
        self._named: dict[str, bool] = {}
        self._using: dict[str, list[_ArticleWords]] = {}
        self._lower: dict[str, bool] = {}
        self._proper: dict[str, bool] = {}
        self._beside: dict[str, list[tuple[str, ...]]] = {}
        self._written: dict[str, str] = {}
        # Vietnamese spaces its syllables, not its words: "hội" of "Quốc hội" (the National
        # Assembly), "nhập" of "thu nhập" (income) are no words (compound_part).
        self.syllabic = any(a.language in SYLLABLE_SPACED for a in articles)
        self._compound: dict[str, bool] = {}
        self._candidates: tuple[list[str], list[str]] | None = None

    def candidates(self) -> tuple[list[str], list[str]]:
        """The side's terms of two sentences or titles or more, and the words of one title
        only (what every digest of a story weighs against the other sides: kept with the
        side, which the next digests reuse while its articles stay the same)."""
        found = self._candidates
        if found is None:
            used = self.used
            found = self._candidates = (
                [t for t, n in used.items() if n >= FRAMING_MIN_SENTENCES],
                [t for t in self.titled if used[t] < FRAMING_MIN_SENTENCES and " " not in t],
            )
        return found

    def _articles_using(self, term: str) -> list[_ArticleWords]:
        found = self._using.get(term)
        if found is None:
            found = self._using[term] = [a for a in self.articles if term in a.used]
        return found

    def lower(self, term: str) -> bool:
        """Whether any of the side's articles using the term writes it in lower case (their
        case read only as far as needed: a big side's articles are asked a few terms)."""
        known = self._lower.get(term)
        if known is None:
            known = self._lower[term] = any(
                term not in a.case().unlowered for a in self._articles_using(term)
            )
        return known

    def named(self, term: str) -> bool:
        """Whether the side writes the term capitalised (outside title-case titles)."""
        known = self._named.get(term)
        if known is None:
            # (an article whose texts never hold the stem's first letters capitalised cannot
            # write it so: its case is not read)
            probe = term[: min(3, len(term) - 1)]
            probe = probe[:1].upper() + probe[1:]
            known = self._named[term] = any(
                a.case().flags.get(term, 0) & _NAMED
                for a in self._articles_using(term)
                if any(
                    probe in (t if t.isascii() or a.language in TONAL_LANGUAGES else _folded(t))
                    for _, t in a.texts
                )
            )
        return known

    def proper(self, term: str) -> bool:
        """Whether any of the side's articles writes the term capitalised past a sentence's
        first word."""
        known = self._proper.get(term)
        if known is None:
            known = self._proper[term] = any(
                term in a.case().proper for a in self._articles_using(term)
            )
        return known

    def beside(self, term: str) -> list[tuple[str, ...]]:
        found = self._beside.get(term)
        if found is None:
            found = self._beside[term] = [
                b for a in self._articles_using(term) for b in a.case().beside.get(term, ())
            ]
        return found

    def name_fragment(self, term: str, others: Sequence[_SideWords]) -> bool:
        """A capitalised word that only ever stands beside a name the other sides also use
        ("Joe" of "Joe Biden" where they write "Biden"): how an outlet writes a name, not what
        it says."""
        if term not in self.used or self.lower(term):
            return False
        beside = self.beside(term)
        return bool(beside) and all(any(o.named(t) for o in others for t in b) for b in beside)

    def compound_part(self, term: str) -> bool:
        """Whether a term of a language that spaces syllables (SYLLABLE_SPACED) reads as a
        piece of a longer word. A syllable: most of its occurrences in the side's texts
        (COMPOUND_SHARE) have the same syllable before it, or the same after it ("hội" always
        after "Quốc"); its phrase may be shown instead ("quốc hội"); one written once has one
        neighbour, so is not shown. A phrase of two: its first syllable stands more often
        after another syllable than before its second, or its second before another more
        often than after its first ("nhân sửa" of "cá nhân sửa đổi")."""
        known = self._compound.get(term)
        if known is None:
            parts = term.split(" ")
            if len(parts) == 1:
                before, after, seen = self._neighbours(term)
                most = max([*before.values(), *after.values(), 0])
                known = bool(seen) and most >= COMPOUND_SHARE * seen
            elif len(parts) == 2:
                before, after_first, _ = self._neighbours(parts[0])
                _, after, _ = self._neighbours(parts[1])
                together = after_first[parts[1]]
                known = (
                    max([*before.values(), 0]) > together or max([*after.values(), 0]) > together
                )
            else:
                known = False
            self._compound[term] = known
        return known

    def _neighbours(self, term: str) -> tuple[Counter[str], Counter[str], int]:
        """The syllables written beside a syllable in the texts of the side's articles in a
        language that spaces syllables (before, after), and how often it occurs there."""
        before: Counter[str] = Counter()
        after: Counter[str] = Counter()
        seen = 0
        for a in self._articles_using(term):
            if a.language not in SYLLABLE_SPACED:
                # (another language's words beside it say nothing of Vietnamese syllables: an
                # English side's "Florida" of "Florida man" is a word however often so written)
                continue
            for _, text in a.texts:
                tokens = _tokens(text, a.language)
                if tokens is None:
                    continue
                raws, forms = tokens
                for k, (form, _) in enumerate(forms):
                    if form != term:
                        continue
                    seen += 1
                    if k and f"{raws[k - 1]} {raws[k]}" in text:
                        before[forms[k - 1][0]] += 1
                    if k + 1 < len(raws) and f"{raws[k]} {raws[k + 1]}" in text:
                        after[forms[k + 1][0]] += 1
        return before, after, seen

    def written(self, term: str) -> str:
        """A term or phrase as this side writes it most often (ties to the alphabetically
        first), each word capitalised only where it reads as a name: never written in lower case
        here, and capitalised past a sentence's first word or beside another capitalised word
        ("Joe Biden" opening a sentence)."""
        known = self._written.get(term)
        if known is None:
            known = self._written[term] = self._write(term)
        return known

    def _write(self, term: str) -> str:
        stems = term.split(" ")
        seen: dict[str, int] = {}
        for a in self._articles_using(term):
            for w, count in a.spellings(term):
                seen[w] = seen.get(w, 0) + count
        if not seen:
            return term
        if len(seen) == 1:
            (spelt,) = seen  # (one spelling, as most terms have: no ranking)
        else:
            spelt = min(seen, key=lambda w: (-seen[w], w))
        if len(stems) == 1 and " " not in spelt:
            # A word written as one word: the rule below for its one part.
            keep = (
                term in self.used
                and not self.lower(term)
                and (self.proper(term) or any(self.beside(term)))
            ) or self._foreign_acronym(spelt, term)
            return spelt if keep else spelt.lower()
        best = spelt.split(" ")
        if len(best) != len(stems):
            return " ".join(best).lower()
        return " ".join(
            w
            if (t in self.used and not self.lower(t) and (self.proper(t) or any(self.beside(t))))
            or self._foreign_acronym(w, t)
            else w.lower()
            for w, t in zip(best, stems, strict=True)
        )

    def _foreign_acronym(self, written: str, term: str) -> bool:
        """Whether a word is a Latin acronym ("FRB", "RBI", "EGX") in articles of another
        language: its script has no capitals to read a name by ("RBI" opening a Hindi title,
        "FRB" inside Japanese), so it keeps its capitals as written."""
        return (
            len(written) >= 2
            and written.isascii()
            and written.isalpha()
            and written.isupper()
            and all(a.language != "english" for a in self._articles_using(term))
        )


class _SideWordsCache:
    """Sides' framing words kept between digests, by the articles they are made of: a story
    refreshed at every batch changes one side at a time, and the others' answers (case,
    spellings as written) are read again. Bounded by the articles the kept sides hold (least
    recently used out), so by the size of those articles' framing words; shared by threads
    under a lock (a side's answers are its articles' alone: two threads filling one agree)."""

    def __init__(self, articles: int) -> None:
        self.max_articles = articles
        self.articles = 0
        self.items: OrderedDict[tuple[int, ...], _SideWords] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, articles: Sequence[_ArticleWords]) -> _SideWords:
        # By identity: the side holds its articles, so no id is reused while it is kept.
        key = tuple(map(id, articles))
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found
        made = _SideWords(list(articles))
        with self.lock:
            if key not in self.items and len(articles) <= self.max_articles:
                self.items[key] = made
                self.articles += len(articles)
                while self.articles > self.max_articles:
                    _, old = self.items.popitem(last=False)
                    self.articles -= len(old.articles)
        return made

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.articles = 0


SIDE_WORDS_ARTICLES = 4_096  # articles of the sides kept between digests
_SIDE_WORDS = _SideWordsCache(SIDE_WORDS_ARTICLES)


@functools.lru_cache(maxsize=4096)
def _name_terms(name: str) -> tuple[str, ...]:
    """An outlet's name as (English) terms: the same few outlets at every digest of a story;
    and, for a name with accents, as terms of the languages whose terms keep them
    (TONAL_LANGUAGES: a Vietnamese side's "trẻ" is no "tre", so "Tuổi Trẻ" was shown)."""
    terms = [term for term, _ in _languages().terms("english").words(_fold(name))]
    if not name.isascii():
        for language in sorted(TONAL_LANGUAGES):
            terms += [term for term, _ in _languages().terms(language).words(name)]
    return tuple(terms)


def framing(story: _Story, key: Sequence[KeyPoint] = ()) -> dict[str, SideFraming]:
    """For a story covered by more than one side: per side, the words and two-word phrases its
    sentences and titles use more than the other sides' (_framing)."""
    kept = getattr(_FRAMING_READ, "texts", None)
    kept_lowered = getattr(_FRAMING_READ, "lowered", None)
    kept_terms = getattr(_FRAMING_READ, "terms", None)
    _FRAMING_READ.texts = {} if kept is None else kept
    _FRAMING_READ.lowered = {} if kept_lowered is None else kept_lowered
    _FRAMING_READ.terms = {} if kept_terms is None else kept_terms
    try:
        return _framing(story, key)
    finally:
        _FRAMING_READ.texts = kept
        _FRAMING_READ.lowered = kept_lowered
        _FRAMING_READ.terms = kept_terms


def _framing(story: _Story, key: Sequence[KeyPoint] = ()) -> dict[str, SideFraming]:
    """For a story covered by more than one side: per side, the words and two-word phrases its
    sentences and titles use more than the other sides' (smoothed log-odds of the share of
    sentences using them, weighed by that share and by how many of its articles use them), and
    its one or two sentences or titles richest in them, preferring ones not among `key` (the
    story's key points). Dates, numbers, reporting words, outlet names and name fragments
    ("Joe" where the others write "Biden") are left out; a word of one sentence counts for
    little. Sides without coverage are left out."""
    sides = [s for s in SIDES if story.side_articles.get(s, 0)]
    if len(sides) < 2:
        return {}
    members: dict[str, list[_ArticleWords]] = {s: [] for s in sides}
    for i in story.read:
        side = story.sources[i].side
        if side in members:
            members[side].append(_article_words(story.parsed[i]))
    words = {s: _SIDE_WORDS.get(members[s]) for s in sides}
    pools: dict[str, list[_Sentence]] = {s: [] for s in sides}  # its sentences and titles
    for sentence in itertools.chain(story.title_sentences.values(), story.candidates):
        pool = pools.get(story.sources[sentence.source].side)
        if pool is not None:
            pool.append(sentence)
    # (the story's counts are its sides': a term's count beside the side's is the other
    # sides' counts added, so no count of the whole story is made)
    outlets = {story.sources[i].outlet or "" for i in story.read}
    outlet_terms = _outlet_terms(outlets, [w.used for w in words.values()])
    key_texts = {(k.article_id, k.text) for k in key}
    # (a story in a script without spaces: Chinese, Japanese, Thai, or one no language list
    # names, such as Lao, Khmer or Burmese)
    # (or Korean, whose particles are written on their words)
    spaceless = any(
        story.parsed[i].language in SPACELESS_LANGUAGES
        or story.parsed[i].language in ("unknown", "korean")
        for i in story.read
    )
    out: dict[str, SideFraming] = {}
    for side in sides:
        mine = words[side]
        others = [words[s] for s in sides if s != side]
        n_others = sum(w.units for w in others)
        n_articles = story.side_articles[side]
        # Terms of two sentences or more, and words of a title; words of one sentence only
        # where those leave the side with too few (a two-sentence article repeats nothing).
        # (a phrase of one title only is as often a headline's verb as what it stressed)
        lifts = functools.partial(_lifts, mine, [o.used for o in others], n_others, n_articles)
        repeated, title_only = mine.candidates()
        specific = lifts(repeated, 1.0)
        specific.update(lifts(title_only, FRAMING_TITLE_ONLY))
        # An evaluative word ("disturbing", "chaos") is how a side judged the story: said once,
        # it still counts in full (not a name: "Rob" of "Rob Bertrand" is no robbery).
        judged = sorted(
            t
            for t in mine.judged
            if mine.used[t] < FRAMING_MIN_SENTENCES
            and t not in specific
            and (mine.lower(t) or not mine.proper(t))
        )
        specific.update(lifts(judged, 1.0))
        verdicts: dict[str, bool] = {}
        excluded = functools.partial(_excluded, mine, others, outlet_terms, verdicts)
        # (a letter pair of a script without spaces counts towards the points, never shown)
        readable = _side_words(mine) if spaceless else _NOTHING_SHOWN
        shown = (
            {t: v for t, v in specific.items() if _readable(t, readable)} if spaceless else specific
        )
        if mine.syllabic:
            shown = {t: v for t, v in shown.items() if not mine.compound_part(t)}
        top = _top_terms(shown, set(), excluded)
        if len(top) < FRAMING_FEW_TERMS:
            strays = lifts(
                [
                    t
                    for t, used in mine.used.items()
                    if used < FRAMING_MIN_SENTENCES and " " not in t and t not in specific
                ],
                FRAMING_STRAY,
            )
            specific.update(strays)
            if spaceless:
                shown = {t: v for t, v in specific.items() if _readable(t, readable)}
            else:
                shown = specific
            if mine.syllabic:
                shown = {t: v for t, v in shown.items() if not mine.compound_part(t)}
            top = _top_terms(shown, set(strays), excluded)
        for term, out_of_it in verdicts.items():
            if out_of_it:
                del specific[term]
        points = _framing_points(story, pools[side], specific, key_texts)
        out[side] = SideFraming(
            side,
            tuple(mine.written(t) for t in top),
            tuple(_point(story, p) for p in points),
            n_articles,
        )
    return out


def _lifts(
    mine: _SideWords,
    others: Sequence[Counter[str]],
    n_others: int,
    n_articles: int,
    terms: Sequence[str],
    weight: float,
) -> dict[str, float]:
    """How specific to the side each of `terms` is: the log-odds of the share of its sentences
    and titles using it against the other sides' (smoothed), times that share, times how many
    of its articles use it (half for one of many) and `weight`; terms under FRAMING_MIN_LIFT
    left out."""
    out: dict[str, float] = {}
    n_units = mine.units
    mine_used, mine_spread, log = mine.used, mine.spread, math.log
    # (the other sides' counts of a term: one side's looked up, two added)
    other = others[0] if len(others) == 1 else None
    for term in terms:
        used = mine_used[term]
        share = (used + 0.5) / (n_units + 1.0)
        elsewhere = (
            other.get(term, 0) if other is not None else sum([o.get(term, 0) for o in others])
        )
        ratio = share / ((elsewhere + 0.5) / (n_others + 1.0))
        if ratio > _MIN_RATIO:
            spread = 0.5 + 0.5 * mine_spread[term] / n_articles
            out[term] = log(ratio) * share * spread * weight
    return out


_MIN_RATIO = math.exp(FRAMING_MIN_LIFT)  # (a ratio compared: no log of every term's)


_HOST_RE = re.compile(r"(?:www\.)?((?:[a-z0-9-]+\.)+)[a-z]{2,}")  # ("bbc.co.uk": "bbc", "co")


def _outlet_terms(outlets: Iterable[str], said: Sequence[Counter[str]]) -> frozenset[str]:
    """The terms naming the story's outlets: their names' words, and where the store names an
    outlet by host ("cnn.com", "www.foxnews.com", as it does), the host's labels before the
    top-level domain ("cnn"), with the words of a phrase the story `said` (its sides' counts)
    that runs together into one ("fox news" for foxnews.com)."""
    out: set[str] = set()
    for outlet in outlets:
        terms, splits = _outlet_words(outlet[:MAX_TITLE_CHARS])
        out |= terms
        for phrase in splits:
            if any(phrase in counts for counts in said):
                out.update(phrase.split(" "))
    return frozenset(out)


@functools.lru_cache(maxsize=4_096)
def _outlet_words(name: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """An outlet's name's terms (with its host's labels where it is a host), and the phrases
    its labels could be written as ("fox news" of "foxnews"). Kept: a few thousand outlets."""
    english = _languages().terms("english")
    terms = set(_name_terms(name))
    splits: list[str] = []
    host = _HOST_RE.fullmatch(name.strip().lower())
    if host is not None:
        for label in host.group(1).rstrip(".").replace("-", ".").split("."):
            terms.update(t for t, _ in english.words(label))
            if len(label) > MAX_TERM_CHARS:
                continue  # (no name of a few words: not split)
            for k in range(3, len(label) - 2):
                first, second = english.words(label[:k]), english.words(label[k:])
                if len(first) == len(second) == 1:
                    splits.append(f"{first[0][0]} {second[0][0]}")
    return frozenset(terms), tuple(splits)


def _excluded(
    mine: _SideWords,
    others: Sequence[_SideWords],
    outlet_terms: frozenset[str],
    verdicts: dict[str, bool],
    term: str,
) -> bool:
    """Whether a side's specific term is left out (the verdict kept in `verdicts`): an outlet's
    name, a name fragment, or a phrase holding either or a name the other sides write too
    ("Okafor declared": its other word says it alone)."""
    known = verdicts.get(term)
    if known is None and " " not in term:
        # A word (most terms): the checks below for its one part, without the loops.
        known = verdicts[term] = (
            term in outlet_terms
            or (term in _MONTH_OR_WORD and not mine.lower(term))
            or mine.name_fragment(term, others)
        )
    elif known is None:
        parts = term.split(" ")
        known = not outlet_terms.isdisjoint(parts)
        # "March" the month; "march" in lower case is a protest's
        known = known or any(p in _MONTH_OR_WORD and not mine.lower(p) for p in parts)
        if len(parts) > 1:
            known = known or any(o.named(p) for o in others for p in parts)
        known = known or any(mine.name_fragment(p, others) for p in parts)
        verdicts[term] = known
    return known


def _top_terms(
    specific: dict[str, float], strays: set[str], excluded: Callable[[str], bool]
) -> list[str]:
    """The MAX_FRAMING_TERMS most specific terms not `excluded`; a phrase stands for its words
    (shown where at least as specific as the word of it already chosen, which it replaces); a
    word of one sentence (`strays`) only while fewer than FRAMING_FEW_TERMS others are chosen."""
    chosen: list[str] = []
    phrases = False  # (whether a phrase is chosen: a word is then checked against its words)
    # Most specific first, ties to the alphabetically first (the terms are distinct, so no two
    # keys are equal): one sort in C of a few hundred pairs, no key function called per term.
    ranked = sorted([(-value, term) for term, value in specific.items()])
    for at, (_, term) in enumerate(ranked):
        if len(chosen) >= MAX_FRAMING_TERMS and at >= FRAMING_LEADERS:
            break  # (only a phrase standing for a word shown could still change it)
        if term in strays and len(chosen) >= FRAMING_FEW_TERMS:
            continue
        if " " not in term:
            # A word (most terms): the last branch below, its one part not split.
            if (
                len(chosen) < MAX_FRAMING_TERMS
                and not (phrases and any(" " in c and term in c.split(" ") for c in chosen))
                and not excluded(term)
            ):
                chosen.append(term)
            continue
        parts = term.split(" ")
        if len(parts) == 2:
            held = [c for c in chosen if c in parts]
            if any(" " in c and not set(c.split(" ")).isdisjoint(parts) for c in chosen):
                continue  # overlaps a phrase already shown
            if held:
                # A word already shown, with this phrase nearly as specific: the phrase says more.
                if specific[term] < 0.8 * min(specific[h] for h in held) or excluded(term):
                    continue
                at = chosen.index(held[0])
                chosen = [c for c in chosen if c not in held]
                chosen.insert(min(at, len(chosen)), term)
                phrases = True
                continue
            if len(chosen) >= MAX_FRAMING_TERMS or excluded(term):
                continue
            chosen.append(term)
            phrases = True
        elif (
            len(chosen) < MAX_FRAMING_TERMS
            and not any(" " in c and term in c.split(" ") for c in chosen)
            and not excluded(term)
        ):
            chosen.append(term)
            phrases = phrases or " " in term
    return chosen[:MAX_FRAMING_TERMS]


def _framing_points(
    story: _Story,
    pool: Sequence[_Sentence],
    specific: dict[str, float],
    key_texts: set[tuple[str, str]],
) -> list[_Sentence]:
    """The side's one or two sentences or titles richest in its specific terms for their
    length, not repeating each other; one already a key point (its article and text in
    `key_texts`), or needing the sentence before it, counts for less."""
    key_articles = {a for a, _ in key_texts}
    keys = specific.keys()
    get = specific.__getitem__
    sources = story.sources
    # (only sentences holding a specific term have a value: the others are never ranked)
    valued: list[tuple[float, _Sentence]] = []
    for c in pool:
        text = c.text
        found = list(map(get, keys & c.terms))
        found += map(get, keys & c.pairs)
        if not text.isascii() and _ACCENTED_RE.search(text):
            # (accented terms are compared without their accents)
            for said in (c.terms, c.pairs):
                found += [
                    specific[f] for t in said if not t.isascii() and (f := _folded(t)) in specific
                ]
        if not found:
            continue
        v = math.fsum(found) / math.sqrt(max(c.words, 6))
        article = sources[c.source].article_id
        if article in key_articles and any(
            a == article and (text in t or t in text) for a, t in key_texts
        ):
            v *= FRAMING_KEY_POINT_FACTOR
        if c.lowered and c.lowered[0] in _DANGLING:
            v *= FRAMING_DANGLING_FACTOR
        if c.position == 0:
            v *= FRAMING_TITLE_POINT_FACTOR
        if v > 0.0:
            valued.append((v, c))
    valued.sort(key=lambda vc: (-vc[0], vc[1].source, vc[1].position, vc[1].text))
    points: list[_Sentence] = []
    for _, c in valued:
        if len(points) >= MAX_FRAMING_POINTS:
            break
        if c.position == 0 and any(p.position == 0 for p in points):
            continue  # one title at most: the story page lists the titles already
        if any(_overlap(c.terms, p.terms) > NEAR_DUPLICATE for p in points):
            continue
        if any(p.source == c.source and (c.text in p.text or p.text in c.text) for p in points):
            continue  # a span of a sentence already shown, or the sentence of one
        points.append(c)
    return points
