"""The summariser's fast paths (service/coverage/keypoints/) give what the plain code gives:
each is checked against the straightforward form it stands in for, on random and hostile text
(markup, control characters, lone surrogates, other scripts' spaces and digits)."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.coverage import keypoints
from service.coverage.keypoints import (
    clean,
)
from service.coverage.keypoints import headline as kp_headline
from service.coverage.keypoints import points as kp_points
from service.coverage.keypoints import sentences as kp_sentences
from service.coverage.keypoints import side_framing as kp_framing
from service.coverage.keypoints.headline import (
    _LISTICLE_RE,
    _OPINION_FORM_RE,
    _QUOTED_RE,
    _SCARE_QUOTE_RE,
    _listicle,
    _opinion_form,
    _scare_quoted,
    _unquoted,
)
from service.coverage.keypoints.language import (
    _WORD_ASCII_RE,
    _WORD_RE,
    _languages,
)
from service.coverage.keypoints.sentences import (
    _CONTROL_RE,
    _DIGIT_RE,
    _MARKUP_RE,
    _SPACE_RE,
    _TRUNCATED_RE,
    _facts,
    _markup,
    _parse,
    _sentence,
    _truncated,
)
from service.coverage.keypoints.side_framing import (
    _POSSESSIVE_RE,
    _article_words,
    _fold,
)

# Pieces that hit every branch: words, names, digits of several scripts, markup and entities,
# truncation marks, every kind of space and control character, a lone surrogate.
PIECES = [
    "Senate", "passes", "the", "budget", "Okafor", "Okafor's", "O’Brien", "U.S.", "Jan.",
    "said", "Moïse", "Moise", "Zürich", "café", "٣", "५", "7", "2024", "...", "…", "[…]",
    "<b>", "</p>", "&amp;", "&#39;", "{{", "}}", "<", "&", " ", "  ", "\t", "\n", "\u00a0",
    "\u2028", "\u3000", "\x00", "\x1f", "\x7f", "\x85", "\ud800", "\u200b", "\xad", ".", ",",
    "!", "?", '"', "“", "”", "(", ")", "—", "-", "'", "’", "北京", "ΟΔΟΣ", "İstanbul",
]  # fmt: skip
hostile = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
any_text = st.one_of(hostile, st.text(max_size=200))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_clean_is_the_two_patterns(text: str) -> None:
    assert clean(text) == _SPACE_RE.sub(" ", _CONTROL_RE.sub(" ", text)).strip()


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_truncation_and_markup_answer_as_their_patterns(text: str) -> None:
    assert _truncated(text) == bool(_TRUNCATED_RE.search(text))
    assert _markup(text) == bool(_MARKUP_RE.search(text))


# A title's loaded forms: each pattern's words in several cases, the letters re.I matches to
# ASCII ones ("İ", "ı", "ſ", the Kelvin sign), quotation marks, spaces before an opening word.
TITLE_PIECES = [
    "5", "Five", " ", "  ", "\t", "\u3000", "things", "THINGS", "thingſ", "Takeaways",
    "highlights", "more", "other", "Don't", "don’t", "DO NOT", "Stop", "stop & shop",
    "Let's", "Enough", "enough is enough", ",", ".", ":", "!", "yes,", "No,", "so,", "forget",
    "really", "REALLY", "\u212aey", "ſure", "make sure", "be sure", "sure", "Surely", "truly",
    "frankly", "İ", "ı", "'", "‘", "’", '"', "“", "”", "(", "says", "Biden", "tax", "plan",
]  # fmt: skip
title_text = st.one_of(
    st.lists(st.sampled_from(TITLE_PIECES), max_size=14).map("".join),
    st.lists(st.sampled_from(TITLE_PIECES), max_size=10).map(" ".join),
    any_text,
)


@settings(max_examples=600, deadline=None)
@given(title_text)
def test_a_titles_loaded_forms_answer_as_their_patterns(title: str) -> None:
    assert _scare_quoted(title) == bool(_SCARE_QUOTE_RE.search(title))
    assert _listicle(title) == bool(_LISTICLE_RE.search(title))
    assert _unquoted(title) == _QUOTED_RE.sub(" ", title)
    assert _opinion_form(title) == bool(_OPINION_FORM_RE.search(title))


def test_every_word_of_the_loaded_forms_is_found() -> None:
    """Each listicle noun, opinion adverb and opening word, in several cases and places: the
    fast answers agree with the patterns, and each of these titles is loaded."""
    nouns = "takeaways things reasons ways questions lessons moments facts highlights".split()
    adverbs = "actually really sure simply clearly obviously frankly honestly surely truly".split()
    openers = ["Don't", "Don’t", "Do not", "Stop", "Let's", "Let’s", "Enough,", "Forget", "Yes,"]
    openers += ["No,", "So,"]
    titles = [f"{n} {w} from the vote" for n in ("5", "Five", "10 more") for w in nouns]
    titles += [f"It is {a} over, {a.upper()} so" for a in adverbs]
    titles += [f"  {o} tax the rich" for o in openers] + [f"{o.upper()} tax" for o in openers]
    for title in titles:
        for text in (title, title.title(), title.replace("s", "ſ")):
            assert _listicle(text) == bool(_LISTICLE_RE.search(text)), text
            assert _opinion_form(text) == bool(_OPINION_FORM_RE.search(text)), text
        assert _listicle(title) or _opinion_form(title), title


SENTENCE_PIECES = [
    "Senate", "passes", " ", "  ", "\t", "\n", "\u3000", ".", "..", "!", "?", "?!", "。", "！",
    "？", "؟", "۔", "।", "॥", "။", "។", '"', "'", "”", "’", "»", ")", "]", "」", "』", "北京",
    "ok", "U.S.", "Mr.", "a",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(SENTENCE_PIECES), max_size=30).map("".join), any_text))
def test_sentence_ends_are_found_as_the_pattern_finds_them(text: str) -> None:
    def spans(pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        return [m.span() for m in pattern.finditer(text)]

    assert spans(kp_sentences._SENTENCE_END_SCAN_RE) == spans(kp_sentences._SENTENCE_END_RE)
    if text.isascii():
        assert spans(kp_sentences._SENTENCE_END_ASCII_RE) == spans(kp_sentences._SENTENCE_END_RE)


def test_a_span_ends_on_a_word_as_the_pattern_says() -> None:
    from service.coverage import spans

    for end in ["", "a", "a\n", "a.\n", "%", "$\n", "x\n\n", "word!", "\n", "ab c", "é"]:
        whole = bool(spans._WORD_END_RE.search(end))
        assert bool(spans._WORD_END_RE.search(end, max(0, len(end) - 2))) == whole, end


def test_the_letters_re_i_matches_to_ascii_letters_are_the_ones_listed() -> None:
    """Every code point tried: the case-blind fast paths rely on this list being whole."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = "".join(chr(c) for c in range(0x80, 0x110000) if letter.match(chr(c)))
    assert found == kp_headline._FOLDS_TO_ASCII


@settings(max_examples=400, deadline=None)
@given(any_text, st.sampled_from(["english", "german", "japanese", "thai", "unknown"]))
def test_a_sentence_fed_to_the_counts_gives_its_terms_and_concepts(text: str, lang: str) -> None:
    maker = _languages().terms(lang)
    terms, pairs = maker(text)
    fed: set[str] = {"kept"}
    maker.feed(text, fed)
    assert fed == terms | pairs | {"kept"}
    # the words as the plain loop reads them, one cache lookup a word
    found = (_WORD_ASCII_RE if text.isascii() else _WORD_RE).findall(text)
    if not maker.spaceless:
        assert maker.words(text) == [maker.cache.get(w) or maker._term(w) for w in found]


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_facts_count_as_the_plain_sum(text: str) -> None:
    words = text.split()
    caps = sum(1 for w in words[1:] if w[:1].isupper() and not w.isupper())
    assert _facts(text) == caps + min(len(_DIGIT_RE.findall(text)), 4)
    assert _facts(text, words) == _facts(text)


def _spellings_word_by_word(article: kp_framing._ArticleWords, term: str) -> Counter[str]:
    """A word's spellings read word by word, as before the C-iterator form."""
    maker = _languages().terms(article.language)
    seen: Counter[str] = Counter()
    probes = [term[: min(3, len(term) - 1)]]
    for _, text in article.texts:
        lowered = text.lower() if text.isascii() else kp_framing._folded(text.lower())
        if not all(p in lowered for p in probes):
            continue
        raws = (_WORD_ASCII_RE if text.isascii() else _WORD_RE).findall(text)
        fold = not text.isascii()
        for raw in dict.fromkeys(raws):
            form = (maker.cache.get(raw) or maker._learn(raw))[0]
            if (_fold(form) if fold else form) == term:
                seen[_POSSESSIVE_RE.sub("", raw)] += raws.count(raw)
    return seen


sentence_words = st.lists(
    st.sampled_from(
        [
            "Okafor", "Okafor's", "okafor", "Moïse", "Moise", "MOISE", "plant", "Plant",
            "plants", "closed", "river", "River", "the", "a", "said", "national", "emergency",
            "Zürich", "Zurich", "café", "cafe", "wells", "’s", "O’Brien", "2024",
        ]
    ),
    min_size=6,
    max_size=14,
).map(" ".join)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sentence_words, min_size=1, max_size=5), sentence_words)
def test_spellings_of_a_word_as_read_word_by_word(sentences: list[str], title: str) -> None:
    text = " ".join(s[:1].upper() + s[1:] + "." for s in sentences)
    article = _article_words(_parse(title.title(), text))
    for term in [t for t in article.used if " " not in t]:
        assert Counter(dict(article.spellings(term))) == _spellings_word_by_word(article, term)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(sentence_words, hostile), min_size=1, max_size=8), st.booleans())
def test_every_candidate_is_its_text_read_afresh(sentences: list[str], dateline: bool) -> None:
    # Spans made after the cheap checks on their text, and openings without the sentence made
    # whole first: each candidate is what reading its text alone gives.
    text = ("WASHINGTON (AP) — " if dateline else "") + " ".join(
        s + ", according to officials, who said it was closed." for s in sentences
    )
    parsed = _parse("Okafor orders the plant closed, raising fears", text)
    terms_of = _languages().terms(parsed.language)
    for c in itertools.chain(parsed.candidates, parsed.title_spans):
        fresh = _sentence(c.text, c.position, terms_of, whole=c.whole)
        assert fresh == c
    title = parsed.title.text if parsed.title else ""
    for c in parsed.candidates:  # (every candidate could be shown)
        assert kp_sentences._fits(c.text, c.words, c.terms, title, c.whole)


def _grown_story(n: int) -> list[keypoints.Source]:
    """A story whose sides grow an article at a time, as ingest refreshes it."""
    sides = ["left", "center", "right"]
    names = ["Okafor", "Teal River", "the chemical plant", "Abigail Okafor", "400 jobs"]
    return [
        keypoints.Source(
            f"a{k}",
            f"{names[k % 5]} story {k}: Governor orders closure of {names[(k + 1) % 5]}",
            f"{names[k % 5]} said the closure of {names[(k + 2) % 5]} would cost jobs. "
            f"Workers at {names[(k + 3) % 5]} were sent home on day {k}. The state "
            f"{'vowed to fight' if k % 2 else 'declared an emergency'} over the closure.",
            f"Outlet {k % 4}",
            sides[k % 3],
        )
        for k in range(n)
    ]


def test_sides_kept_between_digests_frame_as_fresh_ones() -> None:
    # Each digest of a growing story reuses the sides that did not change: the framing is the
    # one made from scratch (no side kept, no article's case or spellings kept).
    story = _grown_story(12)
    kept = [keypoints.digest(story[:k]).to_json() for k in range(2, 13)]
    assert any(d["framing"] for d in kept)
    for k, digest_kept in zip(range(2, 13), kept, strict=True):
        kp_framing._SIDE_WORDS.clear()
        kp_points._PARSED.items.clear()
        assert keypoints.digest(story[:k]).to_json() == digest_kept


def test_the_side_cache_is_bounded_by_articles() -> None:
    cache = kp_framing._SideWordsCache(10)
    articles = [
        _article_words(_parse(f"Okafor closes plant {k}", f"Okafor closed plant {k} today."))
        for k in range(30)
    ]
    for k in range(0, 30, 3):
        side = articles[k : k + 3]
        assert cache.get(side) is cache.get(side)  # (kept: the same answers object)
        assert cache.articles <= 10
    assert cache.get(articles[:11]) is not cache.get(articles[:11])  # too big to keep
    assert cache.articles <= 10


def test_texts_read_while_framing_are_forgotten_after_it() -> None:
    # Framing reads each text of its articles once a digest; nothing is kept past the digest
    # (a cold digest after it reads them again), and the spellings read through the shared
    # reading are the ones read alone.
    story = _grown_story(9)
    kp_framing._SIDE_WORDS.clear()
    kp_points._PARSED.items.clear()
    digest = keypoints.digest(story)
    assert digest.framing
    assert getattr(kp_framing._FRAMING_READ, "texts", None) is None
    parsed = kp_points._PARSED.get(story[0].title, story[0].text)
    article = _article_words(parsed)
    alone = {t: Counter(dict(article.spellings(t))) for t in article.used}
    article.lazy.clear()
    kp_framing._FRAMING_READ.texts = {}
    try:
        shared = {t: Counter(dict(article.spellings(t))) for t in article.used}
        assert kp_framing._FRAMING_READ.texts  # (read through the shared reading)
    finally:
        kp_framing._FRAMING_READ.texts = None
    assert shared == alone
    assert any(alone.values())


def test_a_parsed_articles_word_sets_are_out_of_the_collectors_walks() -> None:
    """The parse cache keeps ~20,000 articles' every term and pair: held as a set, each full
    collection of the cyclic garbage collector walked them string by string (a pause with the
    GIL held); a dict of strings is never tracked. Their counts across a story are unchanged."""
    import gc

    title = "Senate passes the budget after a long night"
    text = " ".join(
        f"Senator Okafor said the {w} plan would cost 7 billion dollars in {y}."
        for w, y in zip(["budget", "tax", "rail", "school"], [2024, 2025, 2026, 2027], strict=True)
    )
    parsed = _parse(title, text)
    assert parsed.seen and parsed.asked
    assert not gc.is_tracked(parsed.seen) and not gc.is_tracked(parsed.asked)
    assert set(parsed.asked) <= set(parsed.seen)
    story = kp_points._Story(
        [keypoints.Source(str(i), title, text, f"o{i}", "center", None) for i in range(3)]
    )
    assert story.df and all(story.df[t] == 3 for t in parsed.asked)
