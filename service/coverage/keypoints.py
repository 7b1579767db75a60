"""A story's key points, neutral headline and per-side framing, extracted from its own articles.

Pure and offline: sentences are chosen, never written, so every point is a verbatim sentence of
the article it names (whitespace collapsed). Language-aware through Snowball stemmers (PyStemmer)
and stop-word lists (stop-words) picked per article by script and function-word counts.
Bounded: each article is read up to MAX_ARTICLE_CHARS and a story up to MAX_ARTICLES articles,
so a 500-article story or a 10,000-word article costs the same few milliseconds.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import operator
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import Stemmer  # type: ignore[import-not-found,unused-ignore]

from service.coverage import segment
from service.coverage.evaluative import opinion_supplement, valence_lexicon
from service.coverage.spans import spans, title_spans, without_lead_in
from service.coverage.weights import read_linear_model

# Bounds: the lead of a news article carries what happened, so reading more buys little.
# Articles read per story (one per outlet first, then in time order). Fifty articles' shared words
# and sentences tell what a story's coverage agrees on as well as a hundred, at half the cost
# (a 500-article story's key points: 26 -> 12 ms of CPU cold, 2026-12-05).
MAX_ARTICLES = 50
MAX_ARTICLE_CHARS = 4000  # characters of an article's text read
MAX_CANDIDATES_PER_ARTICLE = 6  # leading sentences of an article that may become points
MAX_SPAN_SOURCE_WORDS = 150  # a sentence longer than a point may give spans up to this length
MAX_TITLE_CHARS = 300
PARSE_CACHE_ARTICLES = 20_000  # parsed articles kept between refreshes of their stories

# What a key point is: a whole sentence of readable length.
MIN_POINT_WORDS = 6
MAX_POINT_WORDS = 50
MAX_POINTS = 5
MIN_POINTS = 3  # always, when the story has three distinct sentences that fit MAX_WORDS
MAX_WORDS = 100  # all points together
# The word budget: half the words the story's texts hold, within 60-100. Editors' roundups run
# longer for stories with more to tell (their length vs the text read: r = 0.48 on
# stories-dev), and ROUGE F1, like a reader, pays for every word past what there is to say.
BUDGET_SHARE = 0.5
MIN_BUDGET_WORDS = 60
NEAR_DUPLICATE = 0.6  # term-set overlap (of the smaller set) above which two points repeat
MAX_FRAMING_POINTS = 2
MAX_FRAMING_TERMS = 5
MAX_TERM_CHARS = 30
FRAMING_MIN_LIFT = 0.4  # log-odds a word needs to count as one side's (about 1.5x as common)

SIDES = ("left", "center", "right")

# A sentence's value is a linear model over what it is (SENTENCE_FEATURES), fitted by
# scripts/train_keypoints.py to how much of the sentence the editors' roundup of its story repeats
# and shipped as tables/keypoint_model.json (a few weights, with the data it was fitted on named).
MODEL_PATH = Path(__file__).resolve().parent / "tables" / "keypoint_model.json"
SHORT_WORDS = 12
# Evaluative wording (English): words of VADER's lexicon (tables/evaluative, mean valence on
# -4..4, rated out of context) of at least this strength either way, less the words news uses
# to report (_EVENT_WORDS: "killed", "Supreme"). A sentence's share of them is a feature of the
# sentence model from EVALUATIVE_MIN: "horrific" -3.4, "evil" -3.4, "outstanding" 3.0 are in,
# "pathetic" -2.7, "dishonest" -2.7 out. Chosen by the held-out halves (each half summarised
# with a model fitted on the other, R1/R2 per half): 3.0 is within .0004 of the model without
# the feature on all four; 2.0 and 2.5 lose .002 on dated's half 1 and the full dated set's
# R1 by .0015 (docs/benchmarks.md, session 8). A title's loading counts words from
# TITLE_EVALUATIVE_MIN ("pathetic" in), tuned on its own (TITLE_EVALUATIVE).
EVALUATIVE_MIN = 3.0
TITLE_EVALUATIVE_MIN = 2.0
_EVALUATIVE_FLOOR = min(EVALUATIVE_MIN, TITLE_EVALUATIVE_MIN)  # what a sentence keeps
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
# The headline: shared words per term**0.8, less loaded wording, a little preference for titles
# of centre-rated outlets (the least loaded by rating), very long titles set back.
HEADLINE_LENGTH_EXPONENT = 0.8
HEADLINE_CENTER_BONUS = 0.15
# Words and word pairs the other articles' titles also use count this much more than ones only
# their texts share: editors title a story with the words its headlines agree on.
HEADLINE_TITLE_WEIGHT = 2.0
HEADLINE_LONG_WORDS = 20
# Loading per evaluative word (TITLE_EVALUATIVE_MIN) that no other title uses. Chosen on the
# dev sets' half 0 among 0-0.4 (also a share for every evaluative word, 0-0.3, and the texts'
# words rather than the titles' deciding what is shared: none better), checked on half 1.
TITLE_EVALUATIVE = 0.1
# A listicle's title ("6 Takeaways From ...") is an explainer's framing rather than loaded
# wording: a little less than a question. 0.2 chosen the same way among 0-0.4 (at 0.4 a loaded
# title beat "6 Takeaways From The ... Debate"). Both: headline ROUGE-L stories-dev .4284 ->
# .4287, stories-dev-dated .4330 -> .4346 (session 8, docs/benchmarks.md).
LISTICLE_PENALTY = 0.2
# A title that argues rather than reports: an imperative or a retort opening it ("Don't throw
# ...", "Yes, Biden called ...") or an opinion adverb ("... sure sounds like", "actually",
# "really", "clearly"): a columnist's headline. 0.2 chosen on the dev sets' half 0 among
# 0.1-0.5 (0.2 and 0.3 best there), checked on half 1: headline ROUGE-L stories-dev .4288 ->
# .4295, dated .4346 -> .4343 (within the halves' noise); such headlines 23 -> 7 of 2,843.
OPINION_FORM_PENALTY = 0.2

_SPACE_RE = re.compile(r"\s+")
# Markup or entities in a sentence mean the text was not cleaned: such sentences are not shown.
_MARKUP_RE = re.compile(
    r"<\s*/?\s*[A-Za-z!][^>]{0,200}>|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);|\{\{|\}\}"
)
# Control characters and lone surrogates (JSON can carry them; UTF-8 cannot) are never shown,
# nor bidi embeddings, overrides and isolates: one left open in a point would reverse what is
# shown after it on the line, the outlet it is attributed to included.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# A sentence ends at . ! ? (and their CJK, Arabic and Devanagari forms) with closing quotes or
# brackets, followed by space (or directly, for scripts written without spaces).
# (Khmer's khan "។" and Burmese's "။" end a sentence as the danda "।" does)
_SENTENCE_END_RE = re.compile(
    r"(?:[.!?]+[\"'”’»)\]]*(?=\s+|$))|(?:[。！？؟۔।॥။។]+[\"'”’」』»)\]]*)"
)
# The same matches, written to begin with one character class (its first stop; the two sets of
# stops are apart, so the stop says which ending follows): the regex engine scans for the class
# instead of trying both endings at every position of a text that is not ASCII (most, for their
# curly quotes).
_SENTENCE_END_SCAN_RE = re.compile(
    r"[.!?。！？؟۔।॥။។](?:(?<=[.!?])[.!?]*[\"'”’»)\]]*(?=\s+|$)"
    r"|(?<=[。！？؟۔।॥။។])[。！？؟۔।॥။។]*[\"'”’」』»)\]]*)"
)
# A word's letters: what \w counts, and the combining marks \w leaves out that words are
# written with: the vowel signs of Devanagari and the other Indic scripts ("सर्वसम्मति" was read as
# "सर", "वसम", "मत": framing showed such pieces), Arabic's harakat, Hebrew's points, Cyrillic's
# and Latin's combining accents. (Not the dandas "।" "॥", which end sentences; Thai, Lao, Khmer
# and Burmese are read by letter pairs or segment.py, not as spaced words.)
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
    "\u0900-\u0963\u0966-\u0dff"
)
_WORD_RE = re.compile(rf"[\w{_MARKS}]+(?:['’.\-][\w{_MARKS}]+)*", re.UNICODE)
# The same two patterns for ASCII text (most articles), where they find the same matches: the
# other scripts' stops and quotes cannot occur, and \w is [A-Za-z0-9_]. Each starts with a
# character class, which the regex engine scans for before trying a match (the patterns above
# are tried at every position), and ASCII classes are tested by table.
_SENTENCE_END_ASCII_RE = re.compile(r"[.!?][.!?]*[\"')\]]*(?=\s+|$)")
_WORD_ASCII_RE = re.compile(r"[A-Za-z0-9_]+(?:['.\-][A-Za-z0-9_]+)*")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen lt col sgt capt cmdr adm gov sen rep rev hon pres vs etc inc
    ltd co corp dept univ fig no jan feb mar apr jun jul aug sep sept oct nov dec mt ft approx est
    av ave blvd mme mlle sra sr srta dott ing nr bzw ca""".split()
)
# Abbreviations of other languages before a capitalised word: Russian's "им. Ленина" (named
# after), "ул." (street), "проф."; Vietnamese's "TP. Hồ Chí Minh" (city), "TS." (doctor), "PGS."
# (associate professor), "ThS." (master). Only those written before a name: the ones written
# after a number or a name ("450 млрд руб." roubles, "2025-2027 гг." years, "Московской обл.")
# end many a sentence, and run on before a lower-case word as any abbreviation does. The
# Vietnamese ones only in a text with a Vietnamese letter: English writes them too, at a
# sentence's end ("Overland Park, KS.", "the report by GS.").
_FOREIGN_ABBREVIATIONS = frozenset("""им ул пр просп пер пл акад проф доц тов""".split())
_VIETNAMESE_ABBREVIATIONS = frozenset("""tp ts ths pgs gs bs ks""".split())
# Letters Vietnamese writes and English does not: ă â đ ê ô ơ ư, and the tone-marked vowels.
_VIETNAMESE_LETTER_RE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")
# Thai writes a full stop only after an abbreviation ("กนง." the monetary policy committee,
# "พ.ศ."): its sentences end at a space (split_sentences' _thai_sentences). (Not Lao: much Lao
# ends its sentences with the full stop, and its abbreviations are dotted letters, "ສ.ປ.ປ.",
# which the general rule keeps joined.)
_THAI_LETTER_END_RE = re.compile(r"[\u0e01-\u0e4e]")
# Devanagari's sentences end with the danda "।" in most Hindi: there a full stop after a word of
# one or two letters is an abbreviation ("डॉ." Dr., "प्रो." Prof., "रु." rupees), not a sentence's
# end. But Marathi, and much Hindi on the web, end sentences with the full stop, most often after
# a short verb ("आहे." is, "केले." did, "है." is, "था." was): in a text without a danda, only the
# titles written before a name are abbreviations.
_DEVANAGARI_ABBREVIATION_RE = re.compile(r"[\u0900-\u097f]+")
_DEVANAGARI_TITLES = frozenset({"डॉ", "प्रो"})
SPACELESS_LANGUAGES = frozenset({"chinese", "japanese", "thai"})
_NO_SPACE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR")
_TRUNCATED_RE = re.compile(r"(?:\.\.\.|…|\[\.\.\.\]|\[…\])\s*[\"'”’»)\]]*\s*$")
_NON_LATIN_RE = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u206f]")
_LATIN_LETTER_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_DIGIT_RE = re.compile(r"\d")
_QUOTE_RE = re.compile(r"[\"“”«»„]")
# Words that load a headline or mark opinion rather than report (English; other languages rely
# on punctuation cues alone).
_LOADED = frozenset(
    """slam slams slammed blast blasts blasted rip rips ripped destroy destroys destroyed
    obliterate obliterates torch torches torched shred shreds shredded eviscerate eviscerates
    outrage outrageous outraged furious fury meltdown melts unhinged insane crazy bizarre
    disgrace disgraceful shameful shocking stunning stunned bombshell scandal hypocrisy
    hypocritical hypocrite lie lies lied liar lying pathetic absurd ridiculous disaster
    disastrous catastrophic radical extreme extremist regime propaganda smear smears hoax
    sham attack attacks attacked war slap slaps mock mocks mocked humiliate humiliates
    humiliated epic brutal awful terrible horrible idiot stupid dumb evil wow huge massive
    cowardly coward thug thugs woke leftist leftists rightwing far-right far-left""".split()
)
_OPINION_FORM_RE = re.compile(
    # ("Enough" only as a retort, "Enough is enough", "Enough, ...": "Enough signatures
    # gathered" reports; "Stop & Shop", the grocer, is no imperative)
    r"^\s*(?:don['’]t|do not|stop(?!\s+(?:&|and)\s+shop)|let['’]s|enough(?=[,.!:;]|\s+is\s+enough)"
    r"|forget|yes,|no,|so,)[,.!:;]?\s"
    r"|\b(?:actually|really|(?<!make )(?<!be )(?<!for )(?<!not )sure|simply|clearly|obviously"
    r"|frankly|honestly|surely|truly)\b",
    re.I,
)
# What a title quotes ("'really serious' consequences", "'Frankly disgusting': Trump lashes
# out") and a title attributed to its speaker ("Don't 'censor' Trump, top Republican says"):
# the adverb or imperative is the speaker's, reported, not the writer's argument (the quote
# itself is loaded already, by _QUOTE_RE). An apostrophe inside ("'We're...'") is no end.
_QUOTED_RE = re.compile(r"“.*?”|‘.*?’(?!\w)|\".*?\"|(?:^|(?<=[\s(:]))'.*?'(?!\w)")
_ATTRIBUTED_RE = re.compile(r",\s+[^,]{1,80}?\b(?:says|say|said|tells|warns|urges|insists)\b", re.I)
# A listicle's title ("5 Things To Know", "3 Other Takeaways From"): an explainer's framing.
_LISTICLE_RE = re.compile(
    r"\b(?:\d+|three|four|five|six|seven|eight|nine|ten)\s+(?:other\s+|more\s+|big\s+|key\s+)?"
    r"(?:takeaways|things|reasons|ways|questions|lessons|moments|facts|highlights)\b",
    re.I,
)
_OPINION = frozenset(
    """i me my mine we our ours us you your should must ought opinion editorial column
    i'm we're we've i've let's""".split()
)
_REACTION = frozenset(
    """said says say told tells according statement stated added argued responded criticized
    criticised praised welcomed condemned called warned tweeted wrote""".split()
)


@dataclass(frozen=True)
class Source:
    """One article as the summariser reads it."""

    article_id: str
    title: str
    text: str = ""
    outlet: str | None = None  # the outlet's name (or id), shown with each point
    side: str = "unrated"  # left, center, right or unrated
    url: str | None = None


@dataclass(frozen=True)
class KeyPoint:
    """A sentence of one article, verbatim, with where it came from."""

    text: str
    outlet: str | None
    article_id: str
    side: str = "unrated"
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "outlet": self.outlet,
            "article_id": self.article_id,
            "url": self.url,
            "side": self.side,
        }


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


@dataclass(frozen=True)
class StoryDigest:
    """What a story page opens with: a neutral headline, key points and per-side framing."""

    headline: str
    key_points: tuple[KeyPoint, ...]
    framing: dict[str, SideFraming] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "key_points": [p.to_json() for p in self.key_points],
            "framing": {side: f.to_json() for side, f in self.framing.items()},
        }


# --- language ---------------------------------------------------------------------------------

# stop-words' list names -> Snowball algorithm names (None: no stemmer for that language).
_STEMMER_OF = {
    "arabic": "arabic", "catalan": "catalan", "czech": "czech", "danish": "danish",
    "dutch": "dutch", "english": "english", "finnish": "finnish", "french": "french",
    "german": "german", "greek": "greek", "hindi": "hindi", "hungarian": "hungarian",
    "indonesian": "indonesian", "italian": "italian", "norwegian": "norwegian",
    "persian": "persian", "polish": "polish", "portuguese": "portuguese",
    "romanian": "romanian", "russian": "russian", "spanish": "spanish", "swedish": "swedish",
    "turkish": "turkish", "malaysian": "indonesian",
}  # fmt: skip


class _Languages:
    """Stop-word lists and stemmers, loaded once on first use and shared read-only."""

    def __init__(self) -> None:
        from stop_words import AVAILABLE_LANGUAGES, get_stop_words

        self.stopwords: dict[str, frozenset[str]] = {}
        for name in sorted(set(AVAILABLE_LANGUAGES)):
            words = frozenset(w.strip().lower() for w in get_stop_words(name) if w.strip())
            if words:
                self.stopwords[name] = words
        if "english" not in self.stopwords:
            raise RuntimeError("stop-words has no English list; reinstall the stop-words package")
        # One lookup per token while detecting: word -> the languages listing it. A word in
        # many lists says little, so each list it is in gets 1/len(lists) of a vote.
        index: dict[str, list[str]] = {}
        for name, words in self.stopwords.items():
            for word in words:
                index.setdefault(word, []).append(name)
        self.index = {w: (tuple(names), 1.0 / len(names)) for w, names in index.items()}
        # English's list (1,333 words) holds Spanish, Italian and French ones too ("la", "de",
        # "que", "con", "y"): a quarter of a Spanish lead's words were "English". The words of
        # no other language's list tell English apart ("the", "and", "which").
        self.english_only = frozenset(w for w in self.stopwords["english"] if len(index[w]) == 1)
        self._local = threading.local()

    def terms(self, language: str) -> _Terms:
        """This thread's term maker for a language (PyStemmer objects are not thread-safe);
        each keeps its cache of words seen across stories."""
        makers: dict[str, _Terms] | None = getattr(self._local, "makers", None)
        if makers is None:
            makers = self._local.makers = {}
        maker = makers.get(language)
        if maker is None:
            algorithm = _STEMMER_OF.get(language)
            stemmer = Stemmer.Stemmer(algorithm, 0) if algorithm else None
            stop = self.stopwords.get(language, frozenset()) | self.stopwords["english"]
            maker = makers[language] = _Terms(language, stop, stemmer)
        return maker


_LANGUAGES: _Languages | None = None
_LANGUAGES_LOCK = threading.Lock()


def _languages() -> _Languages:
    global _LANGUAGES
    if _LANGUAGES is None:
        with _LANGUAGES_LOCK:
            if _LANGUAGES is None:
                _LANGUAGES = _Languages()
    return _LANGUAGES


@functools.lru_cache(maxsize=8192)
def _script(ch: str) -> str:
    """The Unicode script of a letter, as the first word of its name ("LATIN", "CJK")."""
    if ch < "\u0250":
        return "LATIN"
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


ENGLISH_ONLY_HITS = 2  # words of English's list alone a lead needs to be English at once


# Scripts that name one language outright; the rest are told apart by function words.
_SCRIPT_LANGUAGE = {
    "HIRAGANA": "japanese", "KATAKANA": "japanese", "HANGUL": "korean", "GREEK": "greek",
    "HEBREW": "hebrew", "GUJARATI": "gujarati", "THAI": "thai", "DEVANAGARI": "hindi",
}  # fmt: skip


_GROUP = re.Match.group  # a match's text


def detect_language(text: str) -> str:
    """The article's language as a stop-words list name (e.g. "english"), or "unknown".

    The dominant script decides where it names one language; otherwise the language whose
    function words occur most among the first words (Latin, Cyrillic and Arabic scripts)."""
    sample = text[:600]
    # (ASCII text has no letter outside the Latin ranges: nothing to look for)
    foreign = (
        [] if sample.isascii() else [ch for ch in _NON_LATIN_RE.findall(sample) if ch.isalpha()]
    )
    scripts: Counter[str] = Counter()
    if not foreign:
        # Latin letters only (most articles): no letter needs counting to know the script.
        if not _LATIN_LETTER_RE.search(sample):
            return "unknown"
        script = "LATIN"
    else:
        scripts.update(_script(ch) for ch in foreign)
        latin = len(_LATIN_LETTER_RE.findall(sample))
        if latin:
            scripts["LATIN"] += latin
        script, _ = scripts.most_common(1)[0]
    if "HIRAGANA" in scripts or "KATAKANA" in scripts:
        return "japanese"
    if script == "CJK":
        return "chinese"
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script]
    langs = _languages()
    lowered = sample.lower()
    # The first 60 words, read only as far as needed: the first 40 decide most texts.
    found = (_WORD_ASCII_RE if lowered.isascii() else _WORD_RE).finditer(lowered)
    words = list(map(_GROUP, itertools.islice(found, 40)))
    english_like = False
    if script == "LATIN":
        # Most news here is English: a text where a quarter of the words are English function
        # words is English, without counting the other 30 lists.
        english = langs.stopwords["english"]
        hits = sum(map(english.__contains__, words))  # (bools summed: the same count)
        if hits >= 3 and hits * 4 >= len(words):  # (len(words) <= 40)
            if sum(map(langs.english_only.__contains__, words)) >= ENGLISH_ONLY_HITS:
                return "english"
            # (a Spanish lead's "la", "de", "que" are on English's list; so are a short
            # English title's "to", "in", "of", without a word of English's alone)
            english_like = True
    words += map(_GROUP, itertools.islice(found, 20))
    index = langs.index
    votes: dict[str, float] = {}
    # (the listed words in order: the same sums, added in the same order)
    for names, share in filter(None, map(index.get, words)):
        for name in names:
            votes[name] = votes.get(name, 0.0) + share
    if not votes:
        return "english" if script == "LATIN" else "unknown"
    # Ties go to English, then to the alphabetically first list: the same answer every time.
    best = min(votes, key=lambda name: (-votes[name], name != "english", name))
    if english_like and best != "english":
        # A text that reads as English's function words is another language's only where
        # that language shows words of its own, as English had to (ENGLISH_ONLY_HITS): one
        # such word is a name or an English word ("war" and "dies" are German's, "total" and
        # "los" Spanish's, "Otto" Italian's), and English titles of a text-less feed item were
        # read as German or Spanish, stemmed so and kept out of their English stories.
        own = langs.stopwords[best]
        english = langs.stopwords["english"]
        if sum(1 for w in words if w in own and w not in english) < ENGLISH_ONLY_HITS:
            return "english"
    return best


# --- sentences and terms ----------------------------------------------------------------------


def clean(text: str) -> str:
    """Whitespace collapsed, control characters and lone surrogates removed: the form of an
    article's text its points are verbatim in."""
    if text.isprintable() and "  " not in text:
        # Printable (no control character, lone surrogate, tab, newline or other whitespace
        # than the plain space: str.isprintable counts every other separator out) without a
        # run of spaces: neither pattern would change a thing (most articles, curly quotes
        # and all, read several times as fast).
        return text.strip()
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub(" ", text)).strip()


def _cut_at_word(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, ending at a word's end where the cut would split
    one: a title that stands in as a point or the headline must not end "... Harbor City br".
    Text without a space near the limit (scripts written without spaces) is cut at the limit."""
    if len(text) <= limit:
        return text
    if not text[limit].isspace():
        space = text.rfind(" ", limit // 2, limit)
        if space > 0:
            return text[:space].rstrip()
    return text[:limit].rstrip()


# Letters of a script a reader's word holds, on average, where words are not spaced (or, in
# Korean, are spaced with their particles and endings on): a sentence is counted as the words
# it would take in English. Measured on the news stories of tests/fixtures/stories against
# their English renderings: Chinese and Japanese ~2 characters a word (26 characters, "French
# President Macron held talks with Chinese President Xi Jinping in Beijing on Wednesday", 14
# words); Thai ~4 (its vowel and tone marks not counted; 68 letters, 17 words: newmm finds 17
# words there, characters / 2 made it 34); Korean ~2 syllables (a spaced "word" holds a noun and
# its particle: 9 of them say what 17 English words do, 35 syllables and digits).
_LETTERS_PER_WORD = {"THAI": 4, "LAO": 4, "HANGUL": 2}
_DEFAULT_LETTERS_PER_WORD = 2  # (CJK, kana, Khmer, Myanmar)


def _letters_per_word(text: str) -> int:
    """How many letters of a text make a reader's word where its script does not space words
    (or spaces them with their particles, Korean); 0 where a word is what spaces delimit."""
    if text.isascii() or not _NON_LATIN_RE.search(text, 0, 200):
        # Latin letters and punctuation only (most articles): no letter needs its script named.
        return 0
    letters = [ch for ch in text[:200] if ch.isalpha()]
    if not letters:
        return 0
    scripts = Counter(map(_script, letters))
    spaceless = sum(scripts[s] for s in _NO_SPACE_SCRIPTS)
    if spaceless * 2 > len(letters):
        script = max(_NO_SPACE_SCRIPTS, key=lambda s: (scripts[s], s))
        return _LETTERS_PER_WORD.get(script, _DEFAULT_LETTERS_PER_WORD)
    if scripts["HANGUL"] * 2 > len(letters):
        return _LETTERS_PER_WORD["HANGUL"]
    return 0


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(start offset, sentence) of a cleaned text, in order. Abbreviations ("U.S.", "Mr.",
    "Jan.") and initials do not end a sentence; a lower-case word after a full stop continues it."""
    out: list[tuple[int, str]] = []
    start = 0
    n = len(text)
    ascii_text = text.isascii()
    ends = _SENTENCE_END_ASCII_RE if ascii_text else _SENTENCE_END_SCAN_RE
    danda = not ascii_text and "।" in text  # (Devanagari's sentences end with it, not ".")
    vietnamese: bool | None = None  # (whether a Vietnamese letter occurs: asked where needed)
    for match in ends.finditer(text):
        end = match.end()
        punct = match.group()
        if punct[0] == ".":
            # The word before the stop (rfind, not a slice of the whole sentence: a long text
            # without breaks would be copied once per full stop).
            begin = max(start, text.rfind(" ", start, match.start()) + 1)
            word = text[begin : match.start()].lstrip("(\"'“‘").lower()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or "." in word:
                # "U.S." ends a sentence only when a capitalised word follows and the
                # abbreviation is not a title or initial; we keep it joined (the safe side).
                continue
            if not ascii_text:
                if _foreign_abbreviation(word, danda):
                    continue
                if word in _VIETNAMESE_ABBREVIATIONS:
                    if vietnamese is None:  # (asked once a text)
                        vietnamese = _VIETNAMESE_LETTER_RE.search(text) is not None
                    if vietnamese:
                        continue
            following = text[end : end + 3].lstrip()
            if following and following[0].islower():
                continue
        sentence = text[start:end].strip()
        if sentence:
            out.append((start + (len(text[start:end]) - len(text[start:end].lstrip())), sentence))
        start = end
        while start < n and text[start] == " ":
            start += 1
    rest = text[start:].strip()
    if rest:
        out.append((start, rest))
    if not text.isascii() and _THAI_TEXT_RE.search(text):
        return [part for s in out for part in (_thai_sentences(*s) if _thai(s[1]) else (s,))]
    return out


def _thai(sentence: str) -> bool:
    """Whether a sentence is written in Thai: most of its letters Thai's (its vowel and tone
    marks not counted). Only such a sentence ends at a space: an English one quoting a Thai
    phrase ("... a statement สวัสดีครับ ยินดีต้อนรับ ...") was cut in the phrase, and each half
    could be a point."""
    thai = len(_THAI_LETTER_RE.findall(sentence))
    if not thai or thai * 2 > len(sentence):  # (then more than half its letters, uncounted)
        return bool(thai)
    return thai * 2 > sum(map(str.isalpha, sentence))


def _foreign_abbreviation(word: str, danda: bool) -> bool:
    """Whether a word before a full stop (lower case, not ASCII) is an abbreviation of a
    language other than English: a Thai word (Thai ends sentences without one),
    a Devanagari title ("डॉ.") or, in a text whose sentences end with the danda (`danda`), a
    Devanagari word of at most two letters, or a listed Russian one."""
    if word in _FOREIGN_ABBREVIATIONS or _THAI_LETTER_END_RE.match(word[-1:]):
        return True
    if _DEVANAGARI_ABBREVIATION_RE.fullmatch(word):
        if word in _DEVANAGARI_TITLES:
            return True
        return danda and sum(1 for ch in word if unicodedata.category(ch) == "Lo") <= 2
    return False


# Thai writes no full stop: a sentence ends at a space. But a space also stands between a name
# and a surname ("นายสักกะภพ พันธ์ยานุกูล"), around numbers ("ลดลง 0.25% จาก 1.75%"), before an
# apposition ("เลขานุการ กนง.") and between clauses ("ต่อปี มีผลทันที", effective immediately).
# A space is taken as a sentence's end where the sentence so far holds THAI_MIN_SENTENCE
# characters, it follows a Thai letter or a per cent sign (a count's number runs on), and what
# follows is a clause of its own: a run of THAI_MIN_OPENING characters or more, or a person's
# title ("นาย" Mr, "ดร." Dr), not opening with a word that joins it to what came before ("และ"
# and, "โดย" by, "ซึ่ง" which, "เพื่อ" so as to ...), and not after a title and given name.
THAI_MIN_SENTENCE = 30
THAI_MIN_OPENING = 12
_THAI_TEXT_RE = re.compile(r"[\u0e01-\u0e4e]")
_THAI_LETTER_RE = re.compile(r"[\u0e01-\u0e30\u0e32\u0e33\u0e40-\u0e46]")  # (letters, not marks)
_THAI_SPACE_RE = re.compile(r"(?<=[\u0e01-\u0e4e%]) (?=[\u0e01-\u0e4e])")
_THAI_TITLES = (
    "นาย", "นาง", "น.ส.", "ดร.", "พล.", "พ.ต.", "ร.ต.", "ศ.", "รศ.", "ผศ.", "ม.ร.ว.", "ม.ล.",
)  # fmt: skip
_THAI_JOINING = (
    "และ", "หรือ", "แต่", "โดย", "ซึ่ง", "ที่", "เพื่อ", "จาก", "เหลือ", "ต่อ", "ของ", "ใน",
    "กับ", "ให้", "ว่า", "หลัง", "ก่อน", "เมื่อ", "ตาม", "ถึง", "จน", "จึง", "แล้ว", "ด้วย",
    "อย่าง", "เป็น", "คือ", "ก็", "ทั้ง", "รวม", "พร้อม", "นับ", "สำหรับ", "ยัง", "จะ",
)  # fmt: skip


def _thai_sentences(start: int, sentence: str) -> list[tuple[int, str]]:
    """A Thai sentence as split_sentences found it (between full stops), cut at the spaces
    that end a sentence (see THAI_MIN_SENTENCE); (start offset, sentence) each."""
    out: list[tuple[int, str]] = []
    begin = 0
    for match in _THAI_SPACE_RE.finditer(sentence):
        at = match.start()
        if at - begin < THAI_MIN_SENTENCE:
            continue
        # The words either side of the space, found from it (a slice of the rest of the
        # sentence at every space was quadratic: 400,000 letters of 3-letter words, 5.5 s).
        after = sentence.find(" ", at + 1)
        following = sentence[at + 1 : after if after >= 0 else len(sentence)]
        before = sentence[max(begin, sentence.rfind(" ", begin, at) + 1) : at]
        titled = following.startswith(_THAI_TITLES)
        if (len(following) < THAI_MIN_OPENING and not titled) or (
            not titled and following.startswith(_THAI_JOINING)
        ):
            continue
        if before.startswith(_THAI_TITLES) and len(before) <= THAI_MIN_OPENING + 8:
            continue  # a given name, its surname after the space ("นายกรัฐมนตรี" PM is no name)
        out.append((start + begin, sentence[begin:at]))
        begin = at + 1
    out.append((start + begin, sentence[begin:]))
    return out


def word_count(text: str, split: Sequence[str] | None = None) -> int:
    """Words as a reader counts them; in a script without spaces (and Korean), its letters
    over _letters_per_word (two characters of Chinese or Japanese, four letters of Thai).
    `split`: text.split(), where the caller has it."""
    per_word = _letters_per_word(text)
    if per_word:
        return max(1, math.ceil(sum(1 for ch in text if ch.isalnum()) / per_word))
    return len(text.split() if split is None else split)


# Korean writes its particles on the word they follow ("국회는" the assembly + topic, "예산안을"
# the budget + object): a word and its particle are the word, for the points' shared words and
# for framing, which showed "국회는", "감액에", "경제부총리는". A particle is taken off where
# the syllable before it can take it ("은", "이", "을", "과", "으로" after a final consonant;
# "는", "가", "를", "와", "라고" after a vowel), two syllables of the word remain, and the ending
# is not a word's own ("주의" of "민주주의", "도로" road, "이" of "어린이" child, "길이" length).
# "도" (also) and "만" (only) are left on: too many words end so ("경기도" the province, "내년도"
# next fiscal year). Longest first.
_KOREAN_PARTICLES_NFC = (
    ("에서는", ""), ("에서도", ""), ("으로는", "C"), ("이라고", "C"), ("에게서", ""),
    ("에서", ""), ("에게", ""), ("으로", "C"), ("부터", ""), ("까지", ""), ("께서", ""),
    ("보다", ""), ("처럼", ""), ("에는", ""), ("라고", "V"), ("은", "C"), ("는", "V"),
    ("이", "C"), ("가", "V"), ("을", "C"), ("를", "V"), ("과", "C"), ("와", "V"), ("의", ""),
    ("에", ""), ("로", "VL"),
)  # fmt: skip
_KOREAN_OWN_ENDINGS = ("주의", "도로", "린이", "놀이", "길이", "높이", "넓이", "깊이", "먹이")
# A verbal noun with 하다/되다 written on it ("가결했다" passed, "가결됐다" was passed, "감액된"
# reduced): one word, the noun ("가결"), however its ending runs. Not "한", which ends nouns
# too ("시한" deadline, "최대한" at most). Longest first.
_KOREAN_VERB_ENDINGS = tuple(
    sorted(
        """했다 됐다 하였다 되었다 한다 된다 하는 되는 하고 되고 하며 되며 하면서 되면서 했고 됐고
        했으며 됐으며 했다며 됐다며 했다고 됐다고 한다고 된다고 하겠다 하겠다고 되겠다 해야 하기
        되기 하자 된 할 될""".split(),
        key=len,
        reverse=True,
    )
)


def korean_stem(word: str) -> str:
    """A Korean word (as written, composed) without the particle written on it, where one can
    be told (see _KOREAN_PARTICLES_NFC), or a verbal noun without its 하다/되다 ending
    (_KOREAN_VERB_ENDINGS); the word itself otherwise."""
    if not word or not "\uac00" <= word[-1] <= "\ud7a3" or word.endswith(_KOREAN_OWN_ENDINGS):
        return word
    for ending in _KOREAN_VERB_ENDINGS:
        if word.endswith(ending):
            stem = word[: -len(ending)]
            if len(stem) >= 2 and all("\uac00" <= ch <= "\ud7a3" for ch in stem):
                return stem
            break
    for particle, after in _KOREAN_PARTICLES_NFC:
        if not word.endswith(particle):
            continue
        stem = word[: -len(particle)]
        if len(stem) < 2 or not all("\uac00" <= ch <= "\ud7a3" for ch in stem):
            return word
        final = (ord(stem[-1]) - 0xAC00) % 28  # its final consonant (0: none, 8: ㄹ)
        if (
            (after == "C" and not final)
            or (after == "V" and final)
            or (after == "VL" and final not in (0, 8))
        ):
            return word
        return stem
    return word


# Arabic's alef with a hamza written as the bare alef: stop-words' Arabic list writes its words
# so ("الى", "ان", "او"), news writes "إلى", "أن", "أو", which framing then showed as a side's.
_ARABIC_HAMZA_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})


class _Terms:
    """Turns text into comparable terms for one language: content words stemmed (stop words
    dropped), and the word pairs ("concepts") that say more than either word alone."""

    MAX_CACHE = 200_000

    def __init__(self, language: str, stop: frozenset[str], stemmer: Any) -> None:
        self.language = language
        self.stop = stop
        self.stemmer = stemmer
        self.spaceless = language in SPACELESS_LANGUAGES
        # word as written -> (compared form, is a content word); bounded, cleared when full.
        self.cache: dict[str, tuple[str, bool]] = {}

    def words(self, text: str) -> list[tuple[str, bool]]:
        """Every word in order as (compared form, is a content word)."""
        cache = self.cache
        found = (_WORD_ASCII_RE if text.isascii() else _WORD_RE).findall(text)
        if not self.spaceless:
            # (the common case: the cache's answers by a C map, the few words it lacks learnt
            # after; a known word's pair is never empty)
            forms: list[tuple[str, bool]] = list(map(cache.get, found))  # type: ignore[arg-type]
            if None in forms:
                learn = self._learn
                forms = [form or learn(raw) for form, raw in zip(forms, found, strict=True)]
            return forms
        out: list[tuple[str, bool]] = []
        for raw in found:
            known = cache[raw] if raw in cache else self._learn(raw)
            term, content = known
            if content and self.spaceless and len(term) > 2 and not term.isascii():
                out.extend((term[i : i + 2], True) for i in range(len(term) - 1))
            else:
                out.append(known)
        return out

    def __call__(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """(content terms, concepts): concepts are the content terms and the adjacent pairs
        holding at least one content word ("prime minister", "of Iran" -> "of iran")."""
        words = self.words(text)
        terms = frozenset([t for t, content in words if content])
        pairs = {f"{a} {b}" for (a, ca), (b, cb) in zip(words, words[1:], strict=False) if ca or cb}
        return terms, frozenset(pairs)

    def feed(self, text: str, into: set[str]) -> None:
        """Adds the text's content terms and concepts, as __call__ gives them, to `into` (a
        sentence that only feeds an article's counts: no sets of its own made)."""
        words = self.words(text)
        into.update([t for t, content in words if content])
        into.update(
            [f"{a} {b}" for (a, ca), (b, cb) in zip(words, words[1:], strict=False) if ca or cb]
        )

    def _learn(self, raw: str) -> tuple[str, bool]:
        """A word's (compared form, is a content word), kept in the bounded cache."""
        if len(self.cache) >= self.MAX_CACHE:
            self.cache.clear()
        known = self.cache[raw] = self._term(raw)
        return known

    def _term(self, raw: str) -> tuple[str, bool]:
        word = raw.lower().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if word in self.stop or (len(word) < 2 and not word.isdigit()):
            return word, False
        if self.language == "arabic" and word.translate(_ARABIC_HAMZA_FOLD) in self.stop:
            return word, False  # ("إلى", to: the list writes "الى")
        if self.language == "korean":
            word = korean_stem(word)  # ("예산안을", "예산안이", "예산안은": one word, 예산안)
            if word in self.stop:
                return word, False
        if self.stemmer is not None and word.isalpha():
            stemmed: str = self.stemmer.stemWord(word)
            return stemmed, True
        return word, True


@dataclass
class _Sentence:
    text: str
    source: int  # index into the story's sources
    position: int  # 0 for an article's title, 1.. for its sentences in order
    words: int
    terms: frozenset[str]
    pairs: frozenset[str]
    facts: int
    opinion: bool
    reaction: bool
    lowered: tuple[str, ...] = ()  # its words in lower case, punctuation stripped
    score: float = 0.0
    whole: bool = True  # a whole sentence (False: a tighter span of one, from spans.py)
    # Its evaluative words (English only): (word, compared form, |valence|) of each word of
    # the lexicon at TITLE_EVALUATIVE_MIN or more, in order.
    evaluative: tuple[tuple[str, str, float], ...] = ()


def _facts(sentence: str, split: Sequence[str] | None = None) -> int:
    """Names, numbers and dates a sentence carries: capitalised words past its first, digits.
    `split`: sentence.split(), where the caller has it."""
    words = sentence.split() if split is None else split
    caps = sum([1 for w in words[1:] if w[:1].isupper() and not w.isupper()])
    # (ASCII: the ten digits counted in C; \d is every script's decimal digits)
    digits = (
        sum(map(sentence.count, "0123456789"))
        if sentence.isascii()
        else len(_DIGIT_RE.findall(sentence))
    )
    return caps + min(digits, 4)


_EVALUATIVE_SUFFIXES = ("ly", "ness", "y")
# Words of strong valence in the lexicon (rated out of context) that news uses to report, not to
# judge: institutions and titles ("Supreme Court", "Justice Department", "health care", "COVID
# relief"), events and outcomes ("killed", "riot", "ban", "won"), crime and law ("fraud",
# "felony", "death penalty"). Their valence is the event's; the coverage shares them. (The
# lexicon's commonest strong words in news leads and titles, read one by one.)
_EVENT_WORDS = frozenset(
    """supreme justice justices intelligence care relief agreement agreements interest grand
    approval positive negative free freedom freedoms liberty liberties prize award awards festival
    honor heart hand friends friend kind pretty super benefit benefits gain gains save saved
    rescue rescued peace peaceful peacefully trust confidence strength wealth penalty
    prosecution prosecutors eviction evictions punishment jeopardy depression effective
    attack attacks attacked attacking attackers death deaths die dies died dying dead deadly
    kill kills killed killing killings killer fatally fatal fatalities ban bans banned war wars
    violence violent criminal criminals crime crimes assault assaulted assaulting fired fraud
    fraudulent crisis crises threat threats threatened threatening prison illegal riot riots
    rioters murder murdered murders conspiracy abuse abused abuses terrorist terrorists
    terrorism terror suicide cancer harassment defeat defeated win wins won winner winners
    winning victory failed fail fails failure failures rejected rejects rejecting rejection
    forced violated violating violation violations violate violates suspended felony felonies
    arrested infected collapse collapsed damage damaged destroyed destruction bomb bombs
    stolen steal torture rape slavery accident assassination hate poverty injured injuries
    wounded shooting shootings emergency disaster disasters pandemic disease""".split()
)

# The lexicon's chat slang that news writes as abbreviations or names: "KIA" (the carmaker),
# "VIP", "AML" (anti-money laundering), "NFC", "TIA" (its three-letter entries of
# _EVALUATIVE_FLOOR or more that are not English words). Numbers ("143", "187") and entries
# under three letters ("NH", "L", "po") are left out by their form.
_LEXICON_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)*")  # ("self-confident" too)
_CHAT_ABBREVIATIONS = frozenset(
    """aas afu aml aok bfd bfe bff btd doa ffs fkm ftw fwb gla ilu ily iyq kfy kia lya lyb
    lyl mml nfc nfw nme ptl tia vbg vbs vip vwd vwp wtf wtg wth""".split()
)


@functools.cache
def _evaluative_words() -> dict[str, float]:
    """word -> |valence| of every word _evaluative counts, built once from the lexicon: its
    words of _EVALUATIVE_FLOOR or more that are not reporting words, and the forms it lists
    only as a base ("dishonesty", "brutally", "recklessness" read as "dishonest", "brutal",
    "reckless"; a listed form, "shockingly", keeps its own valence). A reporting word's forms
    report too ("illegally", "criminally"), and would name people ("Carey", "Handy"). Only
    words: no numbers, emoticons, chat abbreviations or entries under three letters. One
    lookup a word."""
    lexicon = valence_lexicon()
    ours = opinion_supplement()
    out: dict[str, float] = {}
    for word, valence in itertools.chain(lexicon.items(), ours.items()):
        # (our supplement's words are opinion words whatever their strength: all kept)
        if (abs(valence) < _EVALUATIVE_FLOOR and word not in ours) or word in _EVENT_WORDS:
            continue
        if len(word) < 3 or not _LEXICON_WORD_RE.fullmatch(word) or word in _CHAT_ABBREVIATIONS:
            continue
        out[word] = abs(valence)
        if word.isalpha() and len(word) >= 4:
            for form in (word + suffix for suffix in _EVALUATIVE_SUFFIXES):
                if form not in lexicon and form not in _EVENT_WORDS:
                    out.setdefault(form, abs(valence))
    return out


@functools.cache
def _supplement_words() -> frozenset[str]:
    """The words _evaluative counts from our supplement (news_opinion.tsv) and their forms:
    titles and framing read them; the sentence model, fitted on the lexicon's words alone,
    does not (its features would change under its weights)."""
    lexicon = valence_lexicon()
    out: set[str] = set()
    for word in opinion_supplement():
        out.add(word)
        if word.isalpha() and len(word) >= 4:
            out.update(word + suffix for suffix in _EVALUATIVE_SUFFIXES)
    return frozenset(out - lexicon.keys())


def _evaluative(lowered: Sequence[str], terms_of: _Terms) -> tuple[tuple[str, str, float], ...]:
    """(word, compared form, |valence|) of the sentence's evaluative words: English words of
    VADER's lexicon rated _EVALUATIVE_FLOOR or more either way, and of our supplement,
    reporting words out. Other
    languages: none (the lexicon is English; they keep the punctuation and person cues alone)."""
    if terms_of.language != "english":
        return ()
    words = _evaluative_words()
    if words.keys().isdisjoint(lowered):
        return ()  # (most sentences: one pass in C)
    out = []
    for word in lowered:
        strength = words.get(word)
        if strength is not None:
            term, content = terms_of.cache.get(word) or terms_of._learn(word)
            if content:  # (a stop word, "great", "best": no count says who else used it)
                out.append((word, term, strength))
    return tuple(out)


def _is_opinion(sentence: str, lowered_words: Sequence[str]) -> bool:
    if sentence.endswith(("?", "!", '?"', '!"', "?”", "!”")):
        return True
    return not _OPINION.isdisjoint(lowered_words)


# --- the digest -------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class _Parsed:
    """What one article contributes, independent of the story it is in (so it can be cached)."""

    title: _Sentence | None
    title_spans: tuple[_Sentence, ...]  # tighter spans of the title (spans.title_spans)
    candidates: tuple[_Sentence, ...]
    # Every term and pair of its title and text. Kept as a dict's keys, not a frozenset: a dict
    # of strings is left out of the cyclic garbage collector's walks (a set never is), and the
    # parse cache holds some 20,000 of these of ~1,000 strings each, which every full collection
    # walked string by string (158 ms a collection at 7,700 cached articles; the GIL held).
    seen: dict[str, None]
    words: int  # words of its text read
    # The terms and pairs of its title, title spans and candidates: the only ones whose counts
    # across a story's articles (_Story.df) are ever read. (A dict's keys, as `seen`.)
    asked: dict[str, None] = field(default_factory=dict)
    language: str = "english"  # as detect_language named it: framing re-reads its words
    # Its framing words (_article_words), made on first use: a one-item holder.
    framing_words: list[_ArticleWords] = field(default_factory=list, compare=False, repr=False)


def _sentence(
    text: str,
    position: int,
    terms_of: _Terms,
    whole: bool = True,
    made: tuple[frozenset[str], frozenset[str]] | None = None,
) -> _Sentence:
    """A sentence as the summariser weighs it; `made`: terms_of(text), where the caller has
    it."""
    # (lower-casing never makes or removes a space: the same words as lowering each)
    lowered = tuple([w.strip("\"'“”‘’,.;:!?()") for w in text.lower().split()])
    terms, pairs = terms_of(text) if made is None else made
    split = text.split()  # (one split for the word count and the facts)
    return _Sentence(
        text=text,
        source=-1,
        position=position,
        words=word_count(text, split),
        terms=terms,
        pairs=pairs,
        facts=_facts(text, split),
        opinion=_is_opinion(text, lowered),
        reaction=not _REACTION.isdisjoint(lowered) or bool(_QUOTE_RE.search(text)),
        lowered=lowered,
        whole=whole,
        evaluative=_evaluative(lowered, terms_of),
    )


def _truncated(text: str) -> bool:
    """_TRUNCATED_RE.search(text), answered without the pattern where the text holds no "..."
    or "…" (every match holds one; most sentences have neither)."""
    return ("..." in text or "…" in text) and _TRUNCATED_RE.search(text) is not None


def _markup(text: str) -> bool:
    """_MARKUP_RE.search(text), answered without the pattern where the text holds none of
    "<", "&", "{{", "}}" (every match starts with one)."""
    if "<" in text or "&" in text or "{{" in text or "}}" in text:
        return _MARKUP_RE.search(text) is not None
    return False


def _fits(text: str, words: int, terms: frozenset[str], title: str, whole: bool) -> bool:
    """Whether a sentence (its text, word count, terms, whether whole) can be shown as a
    point: readable length, a real sentence end, no markup, not cut off by an excerpt, not the
    article's own title. Asked before the rest of the sentence is made."""
    if not (MIN_POINT_WORDS <= words <= MAX_POINT_WORDS) or not terms:
        return False
    if _truncated(text) or _markup(text):
        return False
    if text == title:
        return False
    # A span ends on a word or closing quote by construction (spans.py checks it). A Thai
    # sentence ends at a space, on its last word (split_sentences cut it there).
    return (
        not whole
        or text[-1] in ".!?\"'”’»)。！？؟۔।」』॥။។"
        or ((text[-1].isalnum() or text[-1] == "%") and _thai(text))
    )


def _spans_of(
    sentence: str,
    position: int,
    language: str,
    title: str,
    terms_of: _Terms,
    head: str | None = None,
) -> list[_Sentence]:
    """A sentence's usable spans (spans.spans) as candidates. Of a sentence that does not end
    like one (cut off by an excerpt or the read limit), only spans ending before its end."""
    found = spans(sentence, language, head)
    if not found:
        return []
    ended = sentence[-1] in ".!?\"'”’»)。！？؟۔।」』" and not _truncated(sentence)
    out = []
    for span in found:
        if not ended and sentence.endswith(span):
            continue
        # (what _fits reads of the text alone, asked before the span's terms are made; the
        # rest of the sentence made only for a span that fits)
        words = word_count(span)
        if not MIN_POINT_WORDS <= words <= MAX_POINT_WORDS or span == title:
            continue
        made = terms_of(span)
        if _fits(span, words, made[0], title, False):
            out.append(_sentence(span, position, terms_of, whole=False, made=made))
    return out


# A script's or style's element, read out of a title with its tags (bounded: no backtracking
# over a long title).
_SCRIPT_RE = re.compile(
    r"<\s*(script|style)\b[^>]{0,200}>.{0,600}?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL
)


# A title's tags may carry a long address ('<a href="https://...">'): any tag the title can hold
# is markup (the title is read up to 2 * MAX_TITLE_CHARS, which bounds the pattern's work).
_TITLE_MARKUP_RE = re.compile(
    r"<\s*/?\s*[A-Za-z!][^>]{0,"
    + str(2 * MAX_TITLE_CHARS)
    + r"}>|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);|\{\{|\}\}"
)


def _title_of(title_raw: str) -> str:
    """An article's title as its points, the headline and framing read it: cleaned and cut at
    a word. Markup in it (a feed's or a file's unescaped HTML) is left out, a script's or
    style's content with it, and entities read as their characters: a sentence with markup is
    never shown, but a title stands in as a point and may be the headline."""
    title = clean(title_raw[: MAX_TITLE_CHARS * 2])
    if _TITLE_MARKUP_RE.search(title):
        title = _TITLE_MARKUP_RE.sub(" ", _SCRIPT_RE.sub(" ", html.unescape(title)))
        title = clean(_TITLE_MARKUP_RE.sub(" ", title))  # ("&amp;lt;" unescapes to an entity)
    return _cut_at_word(title, MAX_TITLE_CHARS)


def _parse(title_raw: str, text_raw: str) -> _Parsed:
    title = _title_of(title_raw)
    text = clean(text_raw[: MAX_ARTICLE_CHARS * 2])[:MAX_ARTICLE_CHARS]
    language = detect_language(f"{title}. {text}")
    terms_of = _languages().terms(language)
    seen: set[str] = set()
    title_sentence = None
    tight_titles: tuple[_Sentence, ...] = ()
    if title:
        title_sentence = _sentence(title, 0, terms_of)
        tight_titles = tuple(_sentence(t, 0, terms_of) for t in title_spans(title, language))
        seen |= title_sentence.terms
        seen |= title_sentence.pairs
    candidates: list[_Sentence] = []
    sentences = split_sentences(text)
    # A Thai text cut at the read limit: its last sentence (ending on a word, as every Thai
    # sentence does) may be cut mid-sentence. It only feeds the counts, as an English
    # excerpt's last sentence without its full stop does.
    cut_off = (
        len(sentences)
        if len(text) == MAX_ARTICLE_CHARS and sentences and _thai(sentences[-1][1])
        else 0
    )
    for position, (_, sentence) in enumerate(sentences, start=1):
        if position > MAX_CANDIDATES_PER_ARTICLE:
            # Beyond the lead (most of a long text's sentences): it only feeds the counts.
            terms_of.feed(sentence, seen)
            continue
        words = word_count(sentence)
        if not (MIN_POINT_WORDS <= words <= MAX_POINT_WORDS) or position == cut_off:
            # Of no readable length (or a Thai text's cut last): the sentence only feeds the
            # counts; a long one may still give a span that fits (a clause before a comma of a
            # 60-word sentence).
            terms_of.feed(sentence, seen)
            if words <= MAX_SPAN_SOURCE_WORDS:
                candidates.extend(_spans_of(sentence, position, language, title, terms_of))
            continue
        opening = without_lead_in(sentence, language)
        made = terms_of(sentence)
        seen |= made[0]
        seen |= made[1]
        if opening != sentence:
            # Without its dateline or leading "But": shown in the sentence's place (the whole
            # sentence only feeds the counts).
            made = terms_of(opening)
            words = word_count(opening)
        # (the rest of the sentence made only where it can be a point)
        if _fits(opening, words, made[0], title, True):
            candidates.append(_sentence(opening, position, terms_of, made=made))
        # Its tighter spans beside it (English): the selection weighs each against the whole
        # sentence, and takes at most one of them (they repeat each other). A sentence cut off
        # (an excerpt's last, without its full stop) still has whole clauses before the cut.
        candidates.extend(_spans_of(sentence, position, language, title, terms_of, opening))
    asked: set[str] = set()
    for s in (*([title_sentence] if title_sentence else []), *tight_titles, *candidates):
        asked |= s.terms
        asked |= s.pairs
    return _Parsed(
        title_sentence,
        tight_titles,
        tuple(candidates),
        dict.fromkeys(seen),
        word_count(text) if text else 0,
        dict.fromkeys(asked),
        language,
    )


class _ParseCache:
    """Parsed articles by content, so a story refreshed at every batch re-reads only its new
    articles. Bounded (least recently used out); shared by threads under a lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, str], _Parsed] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, title: str, text: str) -> _Parsed:
        # All the text _parse reads (up to twice MAX_ARTICLE_CHARS: whitespace collapses), so
        # two texts alike only in their first MAX_ARTICLE_CHARS are two parses. (A text the
        # store gives is at most DIGEST_TEXT_CHARS long: the key is the text itself.)
        key = (title, text[: MAX_ARTICLE_CHARS * 2])
        with self.lock:
            parsed = self.items.get(key)
            if parsed is not None:
                self.items.move_to_end(key)
                return parsed
        parsed = _parse(title, text)
        with self.lock:
            self.items[key] = parsed
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return parsed


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
    clash = _clashes(top)  # the same for every set tried below
    for least, limit, diverse in (
        (MIN_POINTS, budget, True),
        (MIN_POINTS, MAX_WORDS, True),
        (MIN_POINTS, budget, False),
        (MIN_POINTS, MAX_WORDS, False),
    ):
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
            chosen = _best_set(top, least, limit, sides if diverse else None, roundup, clash)
            if chosen:
                return chosen
    return []


_BOUND_MARGIN = 1e-9


def _clashes(top: Sequence[_Sentence]) -> list[int]:
    """Per sentence of `top`, a bit mask of the others it nearly duplicates (NEAR_DUPLICATE)."""
    n = len(top)
    return [
        sum(
            1 << j
            for j in range(n)
            if j != i and _overlap(top[i].terms, top[j].terms) > NEAR_DUPLICATE
        )
        for i in range(n)
    ]


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
            # Sets of the issue's "about 60-100 words" first, then the most worth.
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


def _reading_order(chosen: list[_Sentence]) -> list[_Sentence]:
    """What happened first, then who and where, then reactions: the most valuable point (the
    one carrying most of what the coverage shares) first, reported speech last."""
    return sorted(chosen, key=lambda s: (s.reaction, -s.score, s.source, s.position))


def key_points(story: _Story) -> list[KeyPoint]:
    chosen = _choose_points(story, list(story.candidates))
    if not chosen:
        # No usable sentence (titles only, or text without sentence breaks): the titles are the
        # coverage's own words, so they stand in, distinct ones only. (Titles do not pad out
        # fewer than MIN_POINTS sentences: they repeat the leads' words, ROUGE-1 -0.003 and
        # ROUGE-2 -0.003 on stories-dev.)
        titles = [t for t in story.title_sentences.values() if t.words <= MAX_POINT_WORDS]
        chosen = _choose_points(story, titles)
    return [_point(story, s) for s in _reading_order(chosen)]


@functools.lru_cache(maxsize=20_000)
def _title_loaded(title: str) -> float:
    """How loaded a title reads: questions, exclamations, scare quotes, first person, all-caps
    words, charged verbs and labels (English lexicon), an "Opinion:" kicker, a listicle, an
    argument's form (an imperative or retort opening it, an opinion adverb)."""
    lowered = [w.lower().strip("\"'“”‘’,.;:!?()") for w in title.split()]
    penalty = 0.0
    if "?" in title:
        penalty += 0.3
    if "!" in title:
        penalty += 0.3
    if _QUOTE_RE.search(title) or _scare_quoted(title):
        penalty += 0.15
    if any(w in _OPINION for w in lowered):
        penalty += 0.25
    penalty += 0.2 * sum(1 for w in lowered if w in _LOADED)
    penalty += 0.1 * sum(1 for w in title.split() if len(w) > 3 and w.isupper() and w.isalpha())
    if _KICKER_RE.match(title):
        penalty += 0.4
    if _listicle(title):
        penalty += LISTICLE_PENALTY
    if not _ATTRIBUTED_RE.search(title) and _opinion_form(_unquoted(title)):
        penalty += OPINION_FORM_PENALTY
    return penalty


# The title patterns above are tried at every position of a title (each begins with a
# boundary, an anchor or a choice), so each is asked only where the title holds what any match
# of it must hold: a quotation mark, a listicle's noun, an opinion adverb or an argument's
# opening word, in str.lower()'s lower case. The answers are the patterns' own
# (test_keypoints_fast.py).
_SCARE_QUOTE_RE = re.compile(r"(?:^|\s)['‘][^'’]+['’](?:\s|$|[,.:;])")
_KICKER_RE = re.compile(r"^\s*(opinion|editorial|analysis|commentary|column|watch|live)\b", re.I)
_LISTICLE_NOUNS = (
    "takeaways", "things", "reasons", "ways", "questions", "lessons", "moments", "facts",
    "highlights",
)  # fmt: skip
_OPINION_ADVERBS = (
    "actually", "really", "sure", "simply", "clearly", "obviously", "frankly", "honestly",
    "surely", "truly",
)  # fmt: skip
_OPINION_OPENERS = ("don", "do not", "stop", "let", "enough", "forget", "yes,", "no,", "so,")
# The letters that re.I matches to an ASCII letter other than its own two cases ("İ", "ı",
# "ſ", the Kelvin sign; every code point tried): in a text without them, a case-blind match of
# ASCII words is found in str.lower()'s text.
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"


def _lower_holds(text: str, words: tuple[str, ...]) -> bool:
    """Whether a case-blind (re.I) match of any of `words` (lower-case ASCII) may be in text:
    False only where none can be."""
    if not text.isascii() and any(map(text.__contains__, _FOLDS_TO_ASCII)):
        return True
    return any(map(text.lower().__contains__, words))


def _scare_quoted(title: str) -> bool:
    """_SCARE_QUOTE_RE.search(title): every match holds ' or ‘."""
    return ("'" in title or "‘" in title) and _SCARE_QUOTE_RE.search(title) is not None


def _listicle(title: str) -> bool:
    """_LISTICLE_RE.search(title): every match holds one of its nouns."""
    return _lower_holds(title, _LISTICLE_NOUNS) and _LISTICLE_RE.search(title) is not None


def _unquoted(title: str) -> str:
    """_QUOTED_RE.sub(" ", title): every match starts with a quotation mark."""
    if '"' in title or "'" in title or "“" in title or "‘" in title:
        return _QUOTED_RE.sub(" ", title)
    return title


def _opinion_form(text: str) -> bool:
    """_OPINION_FORM_RE.search(text): every match opens the text (after spaces) with one of
    its opening words, or holds one of its adverbs."""
    opening = text.lstrip()[:7]  # (as long as the longest opening word)
    if not _lower_holds(opening, _OPINION_OPENERS) and not _lower_holds(text, _OPINION_ADVERBS):
        return False
    return _OPINION_FORM_RE.search(text) is not None


def _title_evaluative(story: _Story, s: _Sentence) -> float:
    """The loading of a title's evaluative words (English: the lexicon's of TITLE_EVALUATIVE_MIN
    or more, and our supplement's whatever their strength, since each is there as an opinion
    word) beyond the hand list: TITLE_EVALUATIVE for each that no other title of the story uses. A word the other outlets'
    titles also use ("killed", "riot", "deal") names the event; one outlet's alone is its take
    ("freedom", "troubling"). (Every evaluative word counted, or the texts' words instead of
    the titles' deciding what is shared: headline ROUGE-L lower on both dev sets' halves.)"""
    if not s.evaluative or story.n <= 1:
        return 0.0  # a lone title has nothing plainer to lose to
    title_df = story.title_df
    ours = _supplement_words()
    return TITLE_EVALUATIVE * sum(
        1
        for word, term, strength in s.evaluative
        if (strength >= TITLE_EVALUATIVE_MIN or word in ours)
        and word not in _LOADED
        and title_df[term] <= 1
    )


def neutral_headline(story: _Story) -> str:
    """The most representative and least loaded title: the one whose words the rest of the
    coverage shares most (words and word pairs the other titles share count more), less a
    penalty for loaded wording, with a preference for titles of centre-rated outlets and of a
    headline's usual length; ties go to the earlier article."""
    best = ""
    best_value = -math.inf
    weight = story.weights()
    title_df_get = story.title_df.get
    # Each title and its tighter spans (English: the title without a trailing clause, a kicker
    # or an outlet's name), all weighed alike: a span wins where it keeps the shared words and
    # drops the ones no other article uses.
    options = [
        (i, s)
        for i, title in story.title_sentences.items()
        for s in (title, *story.title_spans.get(i, ()))
    ]
    for i, s in options:
        if not s.terms:
            continue
        # fsum: exactly rounded whatever the set's order, so every process (any hash seed) picks
        # the same headline when two titles are close.
        central = math.fsum(map(weight.__getitem__, s.terms))
        if story.n > 1:
            # Own title counted in title_df: one less, so only the others' titles vote (a
            # span's words and pairs are all its title's).
            said = s.terms | s.pairs
            shared = sum(map(title_df_get, said, itertools.repeat(0))) - len(said)  # (ints: exact)
            central += HEADLINE_TITLE_WEIGHT * shared / (story.n - 1)
        central /= max(len(s.terms), 4) ** HEADLINE_LENGTH_EXPONENT
        loaded = _title_loaded(s.text) + _title_evaluative(story, s)
        value = central * (1.0 - min(0.9, loaded))
        if story.sources[i].side == "center":
            value *= 1.0 + HEADLINE_CENTER_BONUS
        if s.words > HEADLINE_LONG_WORDS:
            value *= 0.8
        if value > best_value:
            best, best_value = s.text, value
    if not best and story.titles:
        best = next(iter(story.titles.values()))
    return best


# --- framing ----------------------------------------------------------------------------------

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
        for _, text in self.texts:
            lowered = (
                text.lower()
                if text.isascii() or self.language in TONAL_LANGUAGES
                else _folded(text.lower())
            )
            if not all(p in lowered for p in probes):
                continue
            tokens = _tokens(text, self.language)
            if tokens is not None and len(stems) == 1:
                # A word: each distinct word of the text once, its occurrences counted (the
                # same counts, keys first seen in the same order, as reading word by word);
                # the words whose term is this one picked in C.
                raws, forms = tokens
                distinct = dict(zip(raws, map(_FIRST, forms), strict=True))  # (one term a word)
                for raw in itertools.compress(distinct, map(term.__eq__, distinct.values())):
                    shown = korean_stem(raw) if self.language == "korean" else raw
                    seen[_POSSESSIVE_RE.sub("", shown)] += raws.count(raw)
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
    of "社会保障"). Lao, Khmer and Burmese (no segmenter: their texts read as "unknown") show
    none. A Korean word with a particle is not shown where the side writes the word without it
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
    return _Case(flags, {t: tuple(b) for t, b in beside.items()})


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
        self.used = Counter(itertools.chain.from_iterable(a.said for a in articles))
        self.spread = Counter(itertools.chain.from_iterable(a.used for a in articles))
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

    def _articles_using(self, term: str) -> list[_ArticleWords]:
        found = self._using.get(term)
        if found is None:
            found = self._using[term] = [a for a in self.articles if term in a.used]
        return found

    def lower(self, term: str) -> bool:
        known = self._lower.get(term)
        if known is None:
            # (the articles' case read only as far as needed)
            known = self._lower[term] = any(
                not a.case().flags.get(term, 0) & _UNLOWERED for a in self._articles_using(term)
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
        known = self._proper.get(term)
        if known is None:
            known = self._proper[term] = any(
                a.case().flags.get(term, 0) & _PROPER for a in self._articles_using(term)
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
        best = min(seen, key=lambda w: (-seen[w], w)).split(" ")
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
    _FRAMING_READ.texts = {} if kept is None else kept
    try:
        return _framing(story, key)
    finally:
        _FRAMING_READ.texts = kept


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
    total = Counter(itertools.chain.from_iterable(a.said for m in members.values() for a in m))
    outlets = {story.sources[i].outlet or "" for i in story.read}
    outlet_terms = _outlet_terms(outlets, total)
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
        lifts = functools.partial(_lifts, mine, total, n_others, n_articles)
        specific = lifts([t for t, used in mine.used.items() if used >= FRAMING_MIN_SENTENCES], 1.0)
        specific.update(
            lifts(
                [t for t in mine.titled if mine.used[t] < FRAMING_MIN_SENTENCES and " " not in t],
                FRAMING_TITLE_ONLY,
            )
        )
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
        points = _framing_points(story, pools[side], specific, key)
        out[side] = SideFraming(
            side,
            tuple(mine.written(t) for t in top),
            tuple(_point(story, p) for p in points),
            n_articles,
        )
    return out


def _lifts(
    mine: _SideWords,
    total: Counter[str],
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
    min_ratio = math.exp(FRAMING_MIN_LIFT)  # (a ratio compared: no log of every term's)
    for term in terms:
        used = mine.used[term]
        share = (used + 0.5) / (n_units + 1.0)
        ratio = share / ((total[term] - used + 0.5) / (n_others + 1.0))
        if ratio > min_ratio:
            spread = 0.5 + 0.5 * mine.spread[term] / n_articles
            out[term] = math.log(ratio) * share * spread * weight
    return out


_HOST_RE = re.compile(r"(?:www\.)?((?:[a-z0-9-]+\.)+)[a-z]{2,}")  # ("bbc.co.uk": "bbc", "co")


def _outlet_terms(outlets: Iterable[str], said: Counter[str]) -> frozenset[str]:
    """The terms naming the story's outlets: their names' words, and where the store names an
    outlet by host ("cnn.com", "www.foxnews.com", as it does), the host's labels before the
    top-level domain ("cnn"), with the words of a phrase the story `said` that runs together
    into one ("fox news" for foxnews.com)."""
    out: set[str] = set()
    for outlet in outlets:
        terms, splits = _outlet_words(outlet[:MAX_TITLE_CHARS])
        out |= terms
        for phrase in splits:
            if phrase in said:
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
    if known is None:
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
    # Most specific first, ties to the alphabetically first (the terms are distinct, so no two
    # keys are equal): one sort in C of a few hundred pairs, no key function called per term.
    ranked = sorted([(-value, term) for term, value in specific.items()])
    for at, (_, term) in enumerate(ranked):
        if len(chosen) >= MAX_FRAMING_TERMS and at >= FRAMING_LEADERS:
            break  # (only a phrase standing for a word shown could still change it)
        if term in strays and len(chosen) >= FRAMING_FEW_TERMS:
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


def _framing_points(
    story: _Story, pool: Sequence[_Sentence], specific: dict[str, float], key: Sequence[KeyPoint]
) -> list[_Sentence]:
    """The side's one or two sentences or titles richest in its specific terms for their
    length, not repeating each other; one already a key point, or needing the sentence before
    it, counts for less."""
    key_texts = {(k.article_id, k.text) for k in key}
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


def digest(sources: Sequence[Source], model: SentenceModel | None = None) -> StoryDigest:
    """A story's headline, key points and framing from its articles (any order; earlier
    articles win ties); `model` values the sentences (the shipped one by default)."""
    if not sources:
        return StoryDigest("", ())
    story = _Story(sources, model)
    points = tuple(key_points(story))
    return StoryDigest(
        headline=neutral_headline(story),
        key_points=points,
        framing=framing(story, points),
    )


def lead_baseline(sources: Sequence[Source]) -> StoryDigest:
    """The baseline digests are measured against: each article's first sentence, the first
    article's title."""
    points = []
    for src in sources:
        sentences = split_sentences(clean(src.text))
        if sentences:
            points.append(KeyPoint(sentences[0][1], src.outlet, src.article_id, src.side, src.url))
    headline = clean(sources[0].title) if sources else ""
    return StoryDigest(headline, tuple(points))
