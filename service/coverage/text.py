"""Turns article titles and texts into the terms the story clusterer compares, per language.

English keeps the light stemmer benchmarked in docs/clustering.md; the other languages of the
ratings table that Snowball covers are stemmed by PyStemmer (a C build of the Snowball
stemmers: twenty-odd stemmers are not worth writing by hand). Scripts written without spaces
(Chinese, Japanese, Thai, ...) become overlapping character pairs. Stop words for languages other
than English come from the shipped term table (service/coverage/lexicon.py).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

import Stemmer

# Bumped whenever a change here changes the terms: the shipped term table names the version it
# was built with, and a table built for other terms is refused.
TERMS_VERSION = 1

# Typographic quotes and dashes are folded first so "Kerry’s" and "Kerry's" are one token.
_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "‛": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-"}
)
# Scripts written without spaces between words: a run of them becomes overlapping pairs.
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, CJK ideographs
)
# A letter: what Python's \w counts as one, plus the combining marks (vowel signs, harakat,
# points) that Indic, Arabic and Hebrew words are written with.
_LETTER = (
    r"(?:[^\W\d_]|[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f"
    r"\u0670\u06d6-\u06ed\u0900-\u0dff])"
)
_TOKEN = re.compile(rf"{_LETTER}(?:(?:{_LETTER}|['\-])*{_LETTER})?|\$?\d[\d,.]*%?")
# The same for plain ASCII text, three times faster.
_ASCII_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]|\$?\d[\d,.]*%?")
_UNSPACED_RUNS = re.compile(rf"[{_UNSPACED}]+|[^{_UNSPACED}]+")
_IS_UNSPACED = re.compile(rf"[{_UNSPACED}]")
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
    """Normalises quotes, dashes and composed accents so spelling variants tokenise alike."""
    if text.isascii():
        # The backtick is the one ASCII character _FOLD maps: replace() is many times faster
        # than translate() over every character of every article.
        return text.replace("`", "'")
    return unicodedata.normalize("NFC", text).translate(_FOLD)


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


# ISO 639-1 code -> Snowball stemmer; languages close enough to share one are mapped to it.
SNOWBALL = {
    "ar": "arabic", "bs": "serbian", "ca": "catalan", "cs": "czech", "da": "danish",
    "de": "german", "el": "greek", "es": "spanish", "et": "estonian", "eu": "basque",
    "fa": "persian", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hr": "serbian", "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian",
    "lt": "lithuanian", "ms": "indonesian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
# Codes that name one written language the table knows under another code.
_ALIASES = {"nb": "no", "nn": "no", "iw": "he", "in": "id", "fil": "tl"}
ENGLISH = "en"
# Memoised stems: PyStemmer objects are not thread-safe, so a miss stems under a lock and the
# result is shared; the memo is cleared when it grows past this many words.
_STEM_MEMO_LIMIT = 200_000
_stem_lock = threading.Lock()
_stemmers: dict[str, Stemmer.Stemmer] = {}
_stems: dict[str, dict[str, str]] = {}


def language_code(value: str | None) -> str | None:
    """The first ISO 639-1 code of a value such as 'fr', 'FR', 'fr-CA' or 'en fr'; None if none."""
    if not value:
        return None
    code = value.strip().split()[0].split("-")[0].split("_")[0].lower() if value.strip() else ""
    if not code.isalpha() or not 2 <= len(code) <= 3:
        return None
    return _ALIASES.get(code, code)


def stem_in(word: str, language: str) -> str:
    """The stem of a lower-case word in a language (the word itself where no stemmer fits)."""
    if language == ENGLISH:
        return stem(word)
    memo = _stems.get(language)
    if memo is not None:
        found = memo.get(word)
        if found is not None:
            return found
    algorithm = SNOWBALL.get(language)
    if algorithm is None:
        return word
    with _stem_lock:
        stemmer = _stemmers.get(language)
        if stemmer is None:
            stemmer = _stemmers[language] = Stemmer.Stemmer(algorithm)
            _stems[language] = {}
        result = str(stemmer.stemWord(word.replace("'", "")))
        memo = _stems[language]
        if len(memo) >= _STEM_MEMO_LIMIT:
            memo.clear()
        memo[word] = result
    return result


NUMBER_PREFIX = "#"


def term_of(word: str, language: str, stemming: bool = True) -> str:
    """The term a token's word is compared as: numbers marked and stripped of separators,
    words stemmed in their language."""
    if word[0].isdigit() or word[0] == "$":
        return NUMBER_PREFIX + word.rstrip(".,").replace(",", "")
    return stem_in(word, language) if stemming else word


def stopwords_for(language: str) -> frozenset[str]:
    """The words a language's articles share whatever their story."""
    if language == ENGLISH:
        return STOPWORDS
    from .lexicon import stopwords

    return stopwords().get(language, frozenset())


# (the text before it, the word) of every word of ASCII text in one findall, the words
# _ASCII_TOKEN.finditer gives: the lazy gap makes each match start where the next word does.
_ASCII_GAPPED = re.compile(rf"(?s)(.*?)({_ASCII_TOKEN.pattern})")
sentence_end = _SENTENCE_END.search


def ascii_words(text: str) -> list[tuple[str, str]]:
    """(text since the previous word, the word as written) for each word of an ASCII text,
    folded as tokens() folds it: what tokens() reads of it, without a match object a word
    (the clusterer's word counting; tokens() gives each word's term, capitals and sentence
    start from these: its term is the word lowered and stripped of quotes and hyphens, it
    starts a sentence when first or after a gap that sentence_end finds an end in)."""
    return _ASCII_GAPPED.findall(text.replace("`", "'"))


class Token(NamedTuple):
    """One word of an article as it was written and as it is compared (a tuple: every word of
    every article makes one, and a frozen dataclass costs several times as much to build)."""

    term: str
    capitalised: bool
    sentence_start: bool


def tokens(text: str, language: str = ENGLISH) -> Iterator[Token]:
    """Yields the words of a text with their capitalisation and position in the sentence.

    A run of a script written without spaces yields its overlapping character pairs."""
    text = fold(text)
    stop = stopwords_for(language)
    previous_end = 0
    first = True
    sentence_end = _SENTENCE_END.search
    for match in (_ASCII_TOKEN if text.isascii() else _TOKEN).finditer(text):
        gap = text[previous_end : match.start()]
        # Most words follow a single space, which ends no sentence: no regex call for them.
        starts = first or (gap != " " and bool(sentence_end(gap)))
        first = False
        previous_end = match.end()
        raw = match.group()
        if not raw.isascii() and _IS_UNSPACED.search(raw):
            for run in _UNSPACED_RUNS.findall(raw):
                if not _IS_UNSPACED.match(run):
                    term = run.lower().strip("'-")
                    if term and term not in stop:
                        yield Token(term, run[0].isupper(), starts)
                    continue
                if len(run) == 1:
                    yield Token(run, False, starts)
                for i in range(len(run) - 1):
                    yield Token(run[i : i + 2], False, starts and i == 0)
            continue
        term = raw.lower().strip("'-")
        if not term or term in stop:
            # A stopword still ends an entity phrase, so it is yielded as a separator.
            yield Token("", False, starts)
            continue
        yield Token(term, raw[0].isupper(), starts)


# Detection reads this much of an article: a lead says which language it is in.
_DETECT_CHARS = 300
_DETECT_SHARE = 0.12
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_word_languages: dict[str, tuple[str, ...]] | None = None


def _languages_of_words() -> dict[str, tuple[str, ...]]:
    global _word_languages
    if _word_languages is None:
        from .lexicon import stopwords

        index: dict[str, list[str]] = {}
        for language, words in sorted(stopwords().items()):
            for word in words:
                index.setdefault(word, []).append(language)
        _word_languages = {word: tuple(langs) for word, langs in index.items()}
    return _word_languages


def detect_language(text: str) -> str | None:
    """The likeliest language of a text from its script and its stop words; None if unsure."""
    sample = fold(text[:_DETECT_CHARS])
    if not sample.isascii():
        if _KANA.search(sample):
            return "ja"
        if _HANGUL.search(sample):
            return "ko"
        if _THAI.search(sample):
            return "th"
        if _HAN.search(sample):
            return "zh"
    index = _languages_of_words()
    hits: dict[str, float] = {}
    counts: dict[str, int] = {}
    lowered = sample.lower()
    # The ASCII pattern finds the same words in ASCII text, faster (see _ASCII_TOKEN).
    words = (_ASCII_TOKEN if lowered.isascii() else _TOKEN).findall(lowered)
    for word in words:
        languages = index.get(word.strip("'-"))
        if languages:
            # A word shared by several languages is weaker evidence for each.
            share = 1.0 / len(languages)
            for language in languages:
                hits[language] = hits.get(language, 0.0) + share
                counts[language] = counts.get(language, 0) + 1
    if not hits:
        return None
    best = max(hits.items(), key=lambda kv: (kv[1], kv[0] == ENGLISH, kv[0]))
    # Most of the stream is English: another language must win clearly.
    if best[0] != ENGLISH and hits.get(ENGLISH, 0.0) >= 0.7 * best[1]:
        best = (ENGLISH, hits[ENGLISH])
    # Running text is a quarter to a half stop words; a few chance hits among names are not.
    return best[0] if counts[best[0]] >= max(2.0, _DETECT_SHARE * len(words)) else None


def is_title_case(title: str) -> bool:
    """Tells whether a headline capitalises most words, which makes capitals meaningless there."""
    folded = fold(title)
    words = [
        w
        for w in (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)
        if w[0].isalpha() and w.lower() not in STOPWORDS
    ]  # English stop words: other languages capitalise fewer headline words anyway
    if len(words) < 3:
        return False
    return sum(1 for w in words if w[0].isupper()) >= 0.7 * len(words)
