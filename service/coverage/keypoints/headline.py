"""A story's neutral headline: the title (or a tighter span of one) whose words the rest of the
coverage shares most, less how loaded it reads (charged words, quotes, listicle and opinion forms).
"""

from __future__ import annotations

import functools
import itertools
import math
import re

from service.coverage.keypoints.points import _Story
from service.coverage.keypoints.sentences import (
    _OPINION,
    _QUOTE_RE,
    TITLE_EVALUATIVE_MIN,
    _Sentence,
    _supplement_words,
)
from service.coverage.spans import title_label, title_sentence_end

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
# A title of two sentences ("Trump could make low oil prices a win. Here's how.", "X is back.
# Now he won't bake.") is a magazine's deck, not a report's headline; its first sentence is
# offered alone (spans.english_title_spans). As much as a listicle's form.
DECK_PENALTY = 0.2

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
    if _KICKER_RE.match(title) or title_label(title):
        penalty += 0.4
    if title_sentence_end(title) is not None:
        penalty += DECK_PENALTY
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
