"""A story's key points, neutral headline and per-side framing, extracted from its own articles.

Pure and offline: sentences are chosen, never written, so every point is a verbatim sentence of
the article it names (whitespace collapsed). Language-aware through Snowball stemmers (PyStemmer)
and stop-word lists (stop-words) picked per article by script and function-word counts.
Bounded: each article is read up to MAX_ARTICLE_CHARS and a story up to MAX_ARTICLES articles,
so a 500-article story or a 10,000-word article costs the same few milliseconds.

This module is the entry point (digest, lead_baseline, StoryDigest) and offers the package's
public names; each job is a module of its own, each importing only those before it:
language (scripts, detection, stemmers, per-language rules) <- sentences (an article's
sentences, terms and parse), readable (whether a sentence reads on its own) <- points (the story
read, the sentence model, the points chosen),
headline (the neutral headline), side_framing (per-side framing) <- here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.coverage.keypoints.headline import (
    HEADLINE_CENTER_BONUS,
    HEADLINE_LENGTH_EXPONENT,
    HEADLINE_LONG_WORDS,
    HEADLINE_TITLE_WEIGHT,
    LISTICLE_PENALTY,
    OPINION_FORM_PENALTY,
    TITLE_EVALUATIVE,
    neutral_headline,
)
from service.coverage.keypoints.language import (
    ENGLISH_ONLY_HITS,
    SPACELESS_LANGUAGES,
    THAI_MIN_OPENING,
    THAI_MIN_SENTENCE,
    detect_language,
    korean_stem,
)
from service.coverage.keypoints.points import (
    BUDGET_SHARE,
    LONE_SHARED_PAIRS,
    LONE_SHARED_TERMS,
    MAX_ARTICLES,
    MAX_POINTS,
    MAX_WORDS,
    MIN_BUDGET_WORDS,
    MIN_POINTS,
    MIN_ROUNDUP_WORDS,
    MIN_SET_WORDS,
    MODEL_PATH,
    NEAR_DUPLICATE,
    PARSE_CACHE_ARTICLES,
    POOL,
    POOL_COPY,
    REDUNDANCY,
    ROUNDUP_SHARE,
    SAME_SOURCE_PENALTY,
    SENTENCE_FEATURES,
    SHORT_WORDS,
    UNSHARED_WEIGHT,
    SentenceModel,
    SentenceModelError,
    _Story,
    key_points,
    read_sentence_model,
    roundup_words,
    sentence_features,
    sentence_model,
    word_budget,
)
from service.coverage.keypoints.sentences import (
    EVALUATIVE_MIN,
    MAX_ARTICLE_CHARS,
    MAX_CANDIDATES_PER_ARTICLE,
    MAX_POINT_WORDS,
    MAX_SPAN_SOURCE_WORDS,
    MAX_TITLE_CHARS,
    MIN_POINT_WORDS,
    TITLE_EVALUATIVE_MIN,
    KeyPoint,
    Source,
    clean,
    split_sentences,
    word_count,
)
from service.coverage.keypoints.side_framing import (
    COMPOUND_SHARE,
    FRAMING_DANGLING_FACTOR,
    FRAMING_FEW_TERMS,
    FRAMING_KEY_POINT_FACTOR,
    FRAMING_LEADERS,
    FRAMING_MIN_LIFT,
    FRAMING_MIN_SENTENCES,
    FRAMING_STRAY,
    FRAMING_TITLE_ONLY,
    FRAMING_TITLE_POINT_FACTOR,
    MAX_FRAMING_POINTS,
    MAX_FRAMING_TERMS,
    MAX_SKIP_CACHE,
    MAX_TERM_CHARS,
    SIDE_WORDS_ARTICLES,
    SIDES,
    SYLLABLE_SPACED,
    TONAL_LANGUAGES,
    SideFraming,
    framing,
)

# The public names of the summariser, as service.coverage.keypoints has always offered them.
__all__ = [
    "BUDGET_SHARE",
    "COMPOUND_SHARE",
    "ENGLISH_ONLY_HITS",
    "EVALUATIVE_MIN",
    "FRAMING_DANGLING_FACTOR",
    "FRAMING_FEW_TERMS",
    "FRAMING_KEY_POINT_FACTOR",
    "FRAMING_LEADERS",
    "FRAMING_MIN_LIFT",
    "FRAMING_MIN_SENTENCES",
    "FRAMING_STRAY",
    "FRAMING_TITLE_ONLY",
    "FRAMING_TITLE_POINT_FACTOR",
    "HEADLINE_CENTER_BONUS",
    "HEADLINE_LENGTH_EXPONENT",
    "HEADLINE_LONG_WORDS",
    "HEADLINE_TITLE_WEIGHT",
    "KeyPoint",
    "LISTICLE_PENALTY",
    "LONE_SHARED_PAIRS",
    "LONE_SHARED_TERMS",
    "MAX_ARTICLES",
    "MAX_ARTICLE_CHARS",
    "MAX_CANDIDATES_PER_ARTICLE",
    "MAX_FRAMING_POINTS",
    "MAX_FRAMING_TERMS",
    "MAX_POINTS",
    "MAX_POINT_WORDS",
    "MAX_SKIP_CACHE",
    "MAX_SPAN_SOURCE_WORDS",
    "MAX_TERM_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_WORDS",
    "MIN_BUDGET_WORDS",
    "MIN_POINTS",
    "MIN_POINT_WORDS",
    "MIN_ROUNDUP_WORDS",
    "MIN_SET_WORDS",
    "MODEL_PATH",
    "NEAR_DUPLICATE",
    "OPINION_FORM_PENALTY",
    "PARSE_CACHE_ARTICLES",
    "POOL",
    "POOL_COPY",
    "REDUNDANCY",
    "ROUNDUP_SHARE",
    "SAME_SOURCE_PENALTY",
    "SENTENCE_FEATURES",
    "SHORT_WORDS",
    "SIDES",
    "SIDE_WORDS_ARTICLES",
    "SPACELESS_LANGUAGES",
    "SYLLABLE_SPACED",
    "SentenceModel",
    "SentenceModelError",
    "SideFraming",
    "Source",
    "StoryDigest",
    "THAI_MIN_OPENING",
    "THAI_MIN_SENTENCE",
    "TITLE_EVALUATIVE",
    "TITLE_EVALUATIVE_MIN",
    "TONAL_LANGUAGES",
    "UNSHARED_WEIGHT",
    "clean",
    "detect_language",
    "digest",
    "framing",
    "key_points",
    "korean_stem",
    "lead_baseline",
    "neutral_headline",
    "read_sentence_model",
    "roundup_words",
    "sentence_features",
    "sentence_model",
    "split_sentences",
    "word_budget",
    "word_count",
]


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


def digest(sources: Sequence[Source], model: SentenceModel | None = None) -> StoryDigest:
    """A story's headline, key points and framing from its articles (any order; earlier
    articles win ties); `model` values the sentences (the shipped one by default)."""
    if not sources:
        return StoryDigest("", ())
    story = _Story(sources, model)
    headline = neutral_headline(story)
    points = tuple(key_points(story, headline))
    return StoryDigest(
        headline=headline,
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
