"""An article read into sentences and terms, once, for every story it is in.

Its text cleaned (clean) and split into sentences (split_sentences), each sentence weighed as a
possible point (_Sentence: its words, terms, facts, opinion and evaluative cues, its tighter
spans), and the whole kept as the article's parse (_parse, _ParseCache). Also the article and
the point as the summariser takes and gives them (Source, KeyPoint).
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.coverage.evaluative import opinion_supplement, valence_lexicon
from service.coverage.keypoints.language import (
    _THAI_TEXT_RE,
    _VIETNAMESE_ABBREVIATIONS,
    _VIETNAMESE_LETTER_RE,
    SPACELESS_LANGUAGES,
    _foreign_abbreviation,
    _languages,
    _letters_per_word,
    _Terms,
    _thai,
    _thai_sentences,
    detect_language,
    korean_nouns,
    words_end,
)
from service.coverage.spans import spans, title_spans, without_lead_in

if TYPE_CHECKING:  # (framing's words are kept with the parse: a type only, no import)
    from service.coverage.keypoints.side_framing import _ArticleWords


# Bounds: the lead of a news article carries what happened, so reading more buys little.
# (A story's articles read: points.MAX_ARTICLES.)
MAX_ARTICLE_CHARS = 4000  # characters of an article's text read
MAX_CANDIDATES_PER_ARTICLE = 6  # leading sentences of an article that may become points
MAX_SPAN_SOURCE_WORDS = 150  # a sentence longer than a point may give spans up to this length
MAX_TITLE_CHARS = 300

# What a key point is: a whole sentence of readable length.
MIN_POINT_WORDS = 6
MAX_POINT_WORDS = 50

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
# The same pattern for ASCII text (most articles), where it finds the same matches (as
# language._WORD_ASCII_RE does _WORD_RE's): the other scripts' stops and quotes cannot occur, and
# \w is [A-Za-z0-9_]. It starts with a character class, which the regex engine scans for before
# trying a match (the patterns above are tried at every position), and ASCII classes are tested
# by table.
_SENTENCE_END_ASCII_RE = re.compile(r"[.!?][.!?]*[\"')\]]*(?=\s+|$)")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen gens lt col sgt capt cmdr adm gov sen sens rep reps rev hon
    pres vs etc inc ltd co corp dept univ fig no jan feb mar apr jun jul aug sep sept oct nov dec mt ft approx est
    av ave blvd mme mlle sra sr srta dott ing nr bzw ca maj pvt cpl brig spc det supt""".split()
)
# A bracket a word runs on from: "(CNN)Sen.", "(Sen.".
_OPENERS_RE = re.compile(r"^.*[()\[\]]")
# A stop inside a bracketed party or state tag, up to the stop: "(D-Mass", "(R-S.C", "(Ore",
# "(I., Vt", "(D–N.Y" (after a party's letter, a capitalised tag of at most 10 characters, no
# other bracket in it; without one, a state's abbreviation: "(Reuters.) Officials ..." and
# "(Updated.) The ..." end their sentences).
_STATE_ABBREVIATIONS = (
    "Ala|Ariz|Ark|Calif|Cal|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Kans|Ky|La|Md|Mass|Mich|Minn|"
    "Miss|Mo|Mont|Neb|Nebr|Nev|Okla|Ore|Oreg|Pa|Tenn|Tex|Vt|Va|Wash|Wis|Wisc|Wyo"
)
_BRACKETED_TAG_RE = re.compile(
    r"\((?:[DRI][.,]*[-–—, ]\s?[A-Z][A-Za-z.]{0,9}|(?:" + _STATE_ABBREVIATIONS + r"))$"
)
_CONTINUES = ")],;:"
# A sentence that is only a dateline: a place in capitals and its state's abbreviation.
_DATELINE_ONLY_RE = re.compile(r"[A-Z][A-Z .'’-]{1,40}, [A-Z][A-Za-z.]{1,6}\.$")
_TRUNCATED_RE = re.compile(r"(?:\.\.\.|…|\[\.\.\.\]|\[…\])\s*[\"'”’»)\]]*\s*$")
_DIGIT_RE = re.compile(r"\d")
_QUOTE_RE = re.compile(r"[\"“”«»„]")
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


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(start offset, sentence) of a cleaned text, in order. Abbreviations ("U.S.", "Mr.",
    "Jan.") and initials do not end a sentence; a lower-case word after a full stop continues it."""
    out: list[tuple[int, str]] = []
    start = 0
    n = len(text)
    ascii_text = text.isascii()
    ends = _SENTENCE_END_ASCII_RE if ascii_text else _SENTENCE_END_SCAN_RE
    # (whether Devanagari's danda "।" ends its sentences, and whether a Vietnamese letter
    # occurs: each asked once a text, where a word before a full stop needs it)
    danda: bool | None = None
    vietnamese: bool | None = None
    for match in ends.finditer(text):
        end = match.end()
        punct = match.group()
        if punct[0] == ".":
            # The word before the stop (rfind, not a slice of the whole sentence: a long text
            # without breaks would be copied once per full stop).
            begin = max(start, text.rfind(" ", start, match.start()) + 1)
            # (the word after a bracket or quote run into it: "(CNN)Sen." is "Sen.")
            word = _OPENERS_RE.sub("", text[begin : match.start()]).lstrip("\"'“‘").lower()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or "." in word:
                # "U.S." ends a sentence only when a capitalised word follows and the
                # abbreviation is not a title or initial; we keep it joined (the safe side).
                continue
            if word == "del" and text[begin - 2 : begin] != ", " and text[begin] == "D":
                # A delegate's title ("defeated Del. Robert G. Marshall"), not Delaware after
                # its town ("Wilmington, Del. The ...").
                continue
            if ")" in punct and _BRACKETED_TAG_RE.search(
                text, max(start, begin - 8), match.start()
            ):
                # A party and state in brackets after a name ("Sen. Ed Markey (D-Mass.)",
                # "Kurt Schrader (Ore.)", "(I., Vt.)"): the name's sentence goes on.
                continue
            if not ascii_text:
                # (another script's abbreviation is a word of that script: an ASCII word,
                # most words before a full stop, is none of them)
                if not word.isascii():
                    if danda is None:
                        danda = "।" in text
                    if _foreign_abbreviation(word, danda):
                        continue
                elif word in _VIETNAMESE_ABBREVIATIONS:
                    if vietnamese is None:  # (asked once a text)
                        vietnamese = _VIETNAMESE_LETTER_RE.search(text) is not None
                    if vietnamese:
                        continue
            following = text[end : end + 3].lstrip()
            if following and (following[0].islower() or following[0] in _CONTINUES):
                # (a lower-case word, or a bracket closed or a clause's comma after a space:
                # "Steny Hoyer (D-Md. ), the bill's author")
                continue
            if following[:1] == "(" and _DATELINE_ONLY_RE.match(text, start, end):
                # "SACRAMENTO, Calif. (AP) — ...": a dateline, which the sentence after it opens
                # with (and spans.without_lead_in cuts).
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


# An English word and the space after it, on average (4,000 characters of the dev sets' texts
# are 650-700 words): the characters of MAX_ARTICLE_CHARS a word.
ENGLISH_CHARS_PER_WORD = 6


def _read_limit(text: str) -> int:
    """The characters of a text read: as many as make MAX_ARTICLE_CHARS's English words
    (4,000 / 6), each run of a script counted by its own letters a word (words_end: 4 of Thai
    and Lao, 3 of Khmer and Burmese, 2 of Chinese and Japanese, 1 word a run of any other);
    MAX_ARTICLE_CHARS where the text holds fewer."""
    end = words_end(text, MAX_ARTICLE_CHARS / ENGLISH_CHARS_PER_WORD)
    return MAX_ARTICLE_CHARS if end is None else min(MAX_ARTICLE_CHARS, end)


def word_count(text: str, split: Sequence[str] | None = None) -> int:
    """Words as a reader counts them; in a script without spaces (and Korean), its letters
    over _letters_per_word (two characters of Chinese or Japanese, four letters of Thai).
    `split`: text.split(), where the caller has it."""
    per_word = _letters_per_word(text)
    if per_word:
        # (bools summed in C: the same count as a Python step per letter, a tenth the work)
        return max(1, math.ceil(sum(map(str.isalnum, text)) / per_word))
    return len(text.split() if split is None else split)


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
    limit = MAX_ARTICLE_CHARS
    if language in SPACELESS_LANGUAGES:
        # As many words as an English text's MAX_ARTICLE_CHARS hold (_read_limit), not
        # characters: Chinese read 2,000 words where English reads ~650, and Thai ~1,000, each
        # letter of them a term or two (its letter pairs), so a hostile Thai story cost ~8x
        # English's per character read.
        limit = _read_limit(text)
        text = text[:limit]
    terms_of = _languages().terms(language)
    if language == "korean":  # (its nouns ending as a particle does keep their ending)
        terms_of = terms_of.with_nouns(korean_nouns(f"{title} {text}"))
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
    cut_off = len(sentences) if len(text) == limit and sentences and _thai(sentences[-1][1]) else 0
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
