"""Groups a stream of news articles into stories, online and incrementally.

Interface (kept stable for the store and the ingester)::

    Doc(id, title, text="", outlet=None, published=None)   # published: epoch seconds
    c = Clusterer(ClusterSettings())
    c.add(doc) -> story id           # joins the best active story or starts "s-<n>"
    c.story_of(doc_id) -> id | None  # follows merges; None once the story expired
    c.resolve(story_id) -> id        # a merged-away id -> the surviving one
    c.match(doc, limit) -> [(story id, score)]   # read-only, for "who else covered this"
    c.match_calibrated(doc, limit) -> [(story id, probability, score)]   # what /v1/related shows
    c.restore(doc, story_id)         # re-seed after a restart, active-window docs in order
    c.expire(now) -> [story ids]     # drop stories whose activity window ended
    c.consolidate() -> int           # second look at small undated stories (end of a batch),
                                     # then the online regroup of the undated ones touched
    c.drain_merges() -> [(from, into)]           # merges since the last call
    c.drain_moves() -> [doc ids]     # articles the online regroup moved (story_of: where to)
    c.drain_vanished() -> [story ids]            # stories it emptied (resolve: where to)
    c.relocate(doc_id, story_id)     # follow another process's move (Engine.restore)
    # (service.ingest.jsonl.cluster_jsonl runs this over a JSON-lines file, no store)

How it decides: each article becomes a sparse vector of sublinear term frequencies (title
counted twice) times an IDF learned online from the articles seen so far, with words that are
usually written capitalised (names), capitalised phrases and numbers weighted up. Candidate
stories come from an inverted index over the article's rarer terms, so the cost per article
does not grow with the number of stories; the front runners are described by a few features
(cosines with the centroid, nearest member and titles, time gap, rivals …) and a shipped logistic
model gives each the probability that joining is right: the article joins the likeliest at 0.5,
else starts a new story. Terms an outlet repeats across its different stories (boilerplate) count
down for that outlet. When an article makes two stories' centroids close, the younger story
is merged into the older. Stories are only compared within a time window; `expire` drops the
stories behind it, so memory is bounded by the window, not by the store. Same input order,
same output: nothing is random and ties break on creation order. docs/clustering.md has the
benchmark and the ablations behind every default.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import add, mul, neg, truediv

from . import lexicon
from .match import Calibration, MatchModel, calibration, calibration_features, merge_model
from .match import model as match_model
from .text import (
    ENGLISH,
    NUMBER_PREFIX,
    TERMS_VERSION,
    ascii_words,
    detect_language,
    is_title_case,
    language_code,
    sentence_end,
    stopwords_for,
    term_of,
    tokens,
)

_NUMBER_PREFIX = NUMBER_PREFIX
_TERM_MEMO_LIMIT = 100_000
_PHRASE_PREFIX = "~"
_BIGRAM_PREFIX = "^"


def _remember_term(
    word: str, language: str, stemming: bool, prefix: str, memo: dict[str, str]
) -> str:
    """A word's term (stemmed, with the language's prefix but for numbers), remembered in
    `memo` (cleared when full); only called on a memo miss, so the hot loops stay inline."""
    term = term_of(word, language, stemming)
    if prefix and term[0] != _NUMBER_PREFIX:
        term = prefix + term
    if len(memo) >= _TERM_MEMO_LIMIT:
        memo.clear()
    memo[word] = term
    return term


@dataclass(frozen=True)
class Doc:
    """An article as the clusterer sees it."""

    id: str
    title: str
    text: str = ""
    outlet: str | None = None
    published: float | None = None
    # ISO 639-1 code (the outlet's language); detected from the text when None.
    language: str | None = None


@dataclass(frozen=True)
class ClusterSettings:
    """Tunable knobs; the defaults are the one configuration benchmarked in docs/clustering.md."""

    title_weight: float = 2.0
    # Only the lead is compared: it names the event, while the rest of a full-length article is
    # background shared with every story on the topic (and feed summaries are about this long).
    lead_chars: int = 1500
    use_stemming: bool = True
    entity_boost: float = 1.0
    entity_min_ratio: float = 0.6
    phrase_weight: float = 0.0
    bigram_weight: float = 0.0
    number_boost: float = 1.5
    idf_floor: float = 1.0
    idf_power: float = 1.0
    sublinear_tf: bool = True
    join_threshold: float = 0.35
    size_relief: float = 0.0
    nearest_member_weight: float = 0.5
    merge_threshold: float | None = 0.6
    window_seconds: float = 3 * 86400.0
    recency_bonus: float = 0.25
    recency_scale: float = 6 * 3600.0
    candidate_limit: int = 15
    rescore_limit: int = 5
    posting_limit: int = 300
    query_terms: int = 10
    refresh_growth: float | None = 1.5
    # A story remembers its latest articles only: they make its centroid (so a long-running story
    # follows where the coverage went) and bound its memory however long it stays active.
    member_memory: int = 16
    match_floor: float = 0.1
    df_halving_docs: int = 100_000
    # Weight of the shipped term table, in articles: its document frequencies count as this
    # many articles seen, so they lead in a cold store and fade as the store's own counts grow.
    prior_docs: float = 300.0
    # The learned match (service/coverage/match.py): an article joins the likeliest story when the
    # model gives it at least join_probability. Off, the older rule decides: similarity + recency
    # bonus >= join_threshold (docs/clustering.md compares them on every set).
    learned_match: bool = True
    join_probability: float = 0.5
    match_model: str | None = None  # a model file other than the shipped one
    # The join-level calibration of what match_calibrated() shows (match.Calibration): None is
    # the shipped map with the shipped model, and no map (the raw probability) with another
    # model, whose scores the shipped map was not fitted on.
    match_calibration: str | None = None
    # The learned merge (match.MERGE_FEATURES): once an article is placed, each other candidate
    # it scored at least merge_floor for becomes one story with it when the merge model gives at
    # least merge_probability. It needs the learned match; merge_threshold still merges too.
    learned_merge: bool = True
    merge_probability: float = 0.5
    merge_floor: float = 0.05
    # Only stories that both have dates are asked: trained on one half of the dev sets and run on
    # the other, the learned merge gained 0.008-0.013 on the dated set and lost 0.001-0.008 on
    # the undated one, where text is all it reads and the match has already judged the text.
    merge_undated: bool = False
    merge_model: str | None = None  # a model file other than the shipped one
    # Outlet boilerplate ("Desk 7 reports: …", a byline, "The post … appeared first on …"): a
    # term that one outlet's recent articles carry into several different stories says nothing
    # about which story its next article belongs to. Each outlet's latest `boilerplate_memory`
    # articles are remembered (their first `boilerplate_terms` terms); a term found in c >= 2
    # of their distinct stories counts 1/c in that outlet's next articles. 0 turns it off.
    boilerplate_memory: int = 8
    boilerplate_terms: int = 64
    boilerplate_outlets: int = 4096
    # Consolidation (docs/clustering.md): every `consolidate_every` articles, and whenever the
    # caller ends a run or a batch (consolidate()), each small story (at most `consolidate_size`
    # remembered articles) that gained an article since the last round is compared by average
    # link (the mean cosine between the two stories' articles) with the stories its articles
    # were ranked against; it merges with the closest when that link is at least
    # `consolidate_link` and beats the runner-up's by `consolidate_margin` (a margin, not the
    # link alone, is what held on both halves of stories-dev and on the whole: a busier stream
    # has closer rivals). Undated stories only: dated ones have the learned merge, and time.
    # None turns it off.
    consolidate_link: float | None = 0.3
    consolidate_margin: float = 0.1
    consolidate_size: int = 2
    consolidate_every: int = 500
    consolidate_undated_only: bool = True
    # A runner-up that is itself that close to the pick is the same event's third report, not a
    # rival (three split reports would otherwise block each other); False counts every rival.
    consolidate_kin: bool = True
    # The online regroup (docs/clustering.md, "The online regroup"): at the end of each
    # consolidation round the undated stories touched since the last round, with the stories
    # their articles were ranked against, are regrouped as `parallax cluster`'s batch pass
    # regroups a whole file (service/coverage/regroup.py): a touched story of `regroup_split_from`
    # to `regroup_limit` articles is cut where its articles' average link (UPGMA, today's IDF)
    # falls below `regroup_link`, and the parts and stories of the round join by average link
    # at least `regroup_link`. Articles may so move between stories (drain_moves()). An undated
    # story keeps every article's term counts up to `regroup_limit` articles for it (beyond,
    # it is left whole, as the batch pass leaves it). None turns it off.
    regroup_link: float | None = 0.3
    regroup_split_from: int = 5
    regroup_limit: int = 64
    # Each part asks the `regroup_neighbours` closest parts among those sharing one of its
    # `regroup_probes` heaviest terms (the batch pass's sparse graph, at the level of parts).
    regroup_neighbours: int = 30
    regroup_probes: int = 10


# An article as a story remembers it for the online regroup: (arrival order, id, term counts,
# title term counts, outlet).
_Row = tuple[int, str, dict[str, float], dict[str, float], str | None]


@dataclass(slots=True)
class _Story:
    key: int
    name: str
    language: str = ENGLISH
    centroid: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0
    members: list[str] = field(default_factory=list)
    member_features: list[dict[str, float]] = field(default_factory=list)
    member_vectors: list[dict[str, float]] = field(default_factory=list)
    member_title_features: list[dict[str, float]] = field(default_factory=list)
    member_titles: list[dict[str, float]] = field(default_factory=list)
    member_outlets: list[str | None] = field(default_factory=list)
    member_order: list[int] = field(default_factory=list)
    past_members: list[str] = field(default_factory=list)
    # The forgotten articles' rows (_Row) while the story is undated and at most regroup_limit
    # articles (the online regroup reads every article of a story); rows_complete says that
    # past_rows holds a row for every past member.
    past_rows: list[_Row] = field(default_factory=list)
    rows_complete: bool = True
    first: float | None = None
    last: float | None = None
    built_at: int = 0
    size: int = 0
    stamped: float | None = None


@dataclass
class _Features:
    """Raw term frequencies of one article plus what it taught about capitalisation."""

    tf: dict[str, float]
    caps: dict[str, list[int]]
    language: str = ENGLISH
    title_tf: dict[str, float] = field(default_factory=dict)
    names: frozenset[str] = frozenset()


@dataclass
class _Query:
    """An article ready to be compared: its vectors and what the match features read."""

    vector: dict[str, float]
    title: dict[str, float]
    names: frozenset[str]
    # (term, squared weight) of the article's names and numbers, for the match features.
    name_mass: list[tuple[str, float]]
    number_mass: list[tuple[str, float]]
    published: float | None
    outlet: str | None
    language: str


@dataclass
class _Candidate:
    story: _Story
    centroid: float
    nearest: float
    blend: float
    bonus: float


def _lead(text: str, limit: int) -> str:
    """The first `limit` characters of a text, cut at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit]


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Sparse dot product over the smaller side, in its insertion order.

    A fixed order keeps the float sum identical from run to run whatever the string hash seed,
    so a score on a threshold cannot flip between processes.
    """
    if len(a) > len(b):
        a, b = b, a
    # In C, without a bytecode per term: a term missing from b adds w * 0.0 = +0.0, which leaves
    # a sum of positive weights bit for bit as it was; `or 0` keeps the int 0 that the sum over
    # common terms only gave when there were none.
    return sum(map(mul, a.values(), map(b.get, a, repeat(0.0)))) or 0


def nearest_by_terms(
    probes: list[tuple[float, str]],
    postings: dict[str, dict[int, float]],
    own: int,
    count: int,
) -> list[tuple[float, int]]:
    """The `count` entries of `postings` (term -> {entry: weight}) sharing the most weight with
    `probes` ((weight, term) of one vector), `own` left out, as (score, -entry): by score, then
    the smaller entry first. The online regroup's and the batch pass's neighbour search."""
    partial: dict[int, float] = {}
    partial_get = partial.get
    for weight, term in probes:
        posting = postings[term]
        # partial[j] += weight_j * weight for each j of the posting, the loop run in C (the
        # keys of one posting are distinct, so each is read before it is written).
        keys = posting.keys()
        partial.update(
            zip(
                keys,
                map(
                    add,
                    map(partial_get, keys, repeat(0.0)),
                    map(mul, posting.values(), repeat(weight)),
                ),
                strict=True,
            )
        )
    partial.pop(own, None)
    return heapq.nlargest(count, zip(partial.values(), map(neg, partial), strict=True))


# How many of the best partial scores are put in order before the walk over them starts, in
# candidate_limits: the walk stops at candidate_limit joinable stories, nearly always among the
# first few dozen of the ~1,500 stories the probes reach.
_SORTED_FIRST = 4


def _best_first(scores: list[float], keys: list[int], head: int) -> Iterator[tuple[float, int]]:
    """(score, -key) pairs by descending score, then ascending key: exactly
    sorted(zip(scores, map(neg, keys)), reverse=True), built and sorted in C, but the pairs of
    the `head` best scores (and of any tied with the last of them) are sorted first, the
    rest only if the caller asks for more (a sort of the bare floats finds where the head ends,
    several times faster than ordering every pair)."""
    if len(scores) <= head:
        yield from sorted(zip(scores, map(neg, keys), strict=True), reverse=True)
        return
    cut = sorted(scores, reverse=True)[head - 1]
    at_least = list(map(cut.__le__, scores))  # cut <= score: in the head
    yield from sorted(
        zip(compress(scores, at_least), map(neg, compress(keys, at_least)), strict=True),
        reverse=True,
    )
    # Every pair left has a lower score than every pair given: they follow in their own order.
    below = list(map(cut.__gt__, scores))
    yield from sorted(
        zip(compress(scores, below), map(neg, compress(keys, below)), strict=True), reverse=True
    )


def _row_order(row: _Row) -> int:
    return row[0]


def _square_sum(weights: dict[str, float]) -> float:
    """The sum of the squared weights in insertion order (map() runs the loop in C; the same
    products added in the same order as a comprehension would)."""
    values = weights.values()
    total: float = sum(map(mul, values, values))
    return total


class Clusterer:
    """Online story clustering over a time window; see the module docstring for the contract."""

    def __init__(self, settings: ClusterSettings | None = None) -> None:
        self.settings = settings or ClusterSettings()
        self._df: dict[str, float] = {}
        self._docs_seen = 0.0
        self._docs_by_language: dict[str, float] = {}
        self._docs_since_halving = 0
        self._caps: dict[str, list[int]] = {}
        self._stories: dict[int, _Story] = {}
        self._by_name: dict[str, int] = {}
        # term -> {story key: the term's weight in that story's centroid}. The weight is a copy of
        # story.centroid[term], kept equal wherever a centroid changes: the candidate lookup
        # reads hundreds of postings per article, and one small dict read per posting instead
        # of story -> centroid -> term is a third of the clusterer's CPU.
        self._postings: dict[str, dict[int, float]] = {}
        # story key -> sqrt(its centroid's norm2, or 1 when 0), kept at every norm2 change for
        # the same reason: the shortlist divides hundreds of partial scores by it an article.
        self._roots: dict[int, float] = {}
        self._doc_story: dict[str, int] = {}
        self._merged_into: dict[str, str] = {}
        self._merges: list[tuple[str, str]] = []
        self._next_key = 0
        self._latest: float | None = None
        self._arrivals = 0
        self._model: MatchModel | None = None
        self._merge_model: MatchModel | None = None
        # Read (and checked) here, not at the first match: a broken file fails at start-up.
        self._calibration: Calibration | None = None
        settings = self.settings
        if settings.learned_match and (settings.match_calibration or not settings.match_model):
            self._calibration = calibration(settings.match_calibration)
        # word -> term per language: stemming is most of the cost of reading an article.
        self._terms: dict[str, dict[str, str]] = {}
        # word as written -> (its term, "" for a stop word; capitalised) per language (ASCII).
        self._written: dict[str, dict[str, tuple[str, bool]]] = {}
        # language -> term -> IDF under the current counts: an article's vector, its title's and
        # every story refresh it triggers read the same counts, so each term's IDF is worked out
        # once until _learn changes the counts (which empties this).
        self._idf: dict[str, dict[str, float]] = {}
        # outlet -> its latest articles' (id, key of the story it was placed in, first terms),
        # least recently seen outlet first.
        self._outlet_recent: OrderedDict[str, deque[tuple[str, int, frozenset[str]]]] = (
            OrderedDict()
        )
        # story key -> the keys of the candidate stories its articles were ranked against since
        # the last consolidation round (what the round compares it with; at most rescore_limit
        # per article, so bounded by the articles of a round).
        self._pending: dict[int, set[int]] = {}
        # Whether add() keeps _pending: consolidation or the online regroup reads it.
        self._rounds = (
            self.settings.consolidate_link is not None or self.settings.regroup_link is not None
        )
        # Articles the online regroup moved to another story since the last drain_moves().
        self._moved: dict[str, None] = {}
        # Stories the online regroup (or relocate) emptied by moves, since drain_vanished().
        self._vanished: list[str] = []

    # ---- public interface -------------------------------------------------------------

    def add(self, doc: Doc) -> str:
        """Assigns the article to the best active story or a new one; returns the story id."""
        if doc.id in self._doc_story:
            return self._stories[self._doc_story[doc.id]].name
        features = self._features(doc)
        self._learn(features)
        raw_terms = features.tf
        features = self._without_boilerplate(doc, features)
        query = self._query(doc, features)
        ranked = self._rank(query)
        story: _Story | None = None
        placed = 0.0
        if ranked:
            best_score, best = ranked[0]
            if best_score >= self._join_threshold(best):
                story = best
                placed = best_score
        joined = story is not None
        if story is None:
            story = self._new_story(self._fresh_name(), features.language)
        self._attach(story, doc, features, query)
        self._remember_outlet(doc, raw_terms, story.key)
        if self.settings.merge_threshold is not None or self._merging_learned:
            self._merge_neighbours(story, ranked, placed, joined)
        if self._rounds:
            if story.key in self._stories:
                self._pending.setdefault(story.key, set()).update(s.key for _, s in ranked)
            if self._arrivals % max(1, self.settings.consolidate_every) == 0:
                self.consolidate()
        return self.resolve(story.name)

    def story_of(self, doc_id: str) -> str | None:
        """Current story of an article, following merges; None if unknown or expired."""
        key = self._doc_story.get(doc_id)
        return None if key is None else self._stories[key].name

    def resolve(self, story_id: str) -> str:
        """Maps a story id that was merged away to the story that absorbed it."""
        seen = 0
        while story_id in self._merged_into and seen < 10_000:
            story_id = self._merged_into[story_id]
            seen += 1
        return story_id

    def match(self, doc: Doc, limit: int = 5) -> list[tuple[str, float]]:
        """Best active stories for an article without adding it or learning from it.

        Scores are the learned match's raw probability that the article belongs to the story,
        what add() compares with join_cutoff (with learned_match off: similarity plus the
        recency bonus, clipped to [0, 1]); an article the clusterer already holds gets its own
        story first with 1.0. match_calibrated() gives the number to show a reader.
        """
        return [(name, score) for name, _, score in self.match_calibrated(doc, limit)]

    def match_calibrated(self, doc: Doc, limit: int = 5) -> list[tuple[str, float, float]]:
        """match()'s stories, in its order, as (story id, probability, raw score): the
        probability is the raw score mapped by the join-level calibration (the share of such
        candidates that were the article's story in the clusterer's own runs); without a map
        (learned_match off, or a model file of one's own) it is the raw score."""
        query, ranked = self._asked(doc, limit)
        own = self._doc_story.get(doc.id)
        if own is not None:
            ranked = [(1.0, self._stories[own])] + [r for r in ranked if r[1].key != own]
        shown = ranked[: max(0, limit)]
        floor = self.settings.match_floor
        mapping = self._calibration
        scores = [score for score, _ in ranked]
        out: list[tuple[str, float, float]] = []
        for rank, (score, story) in enumerate(shown):
            if score < floor:
                continue
            raw = round(min(1.0, score), 4)
            probability = raw
            if mapping is not None and story.key != own:
                dated = query.published is not None and story.first is not None
                probability = round(
                    mapping.probability(calibration_features(scores, rank), dated), 4
                )
            out.append((story.name, probability, raw))
        return out

    def _asked(self, doc: Doc, limit: int) -> tuple[_Query, list[tuple[float, _Story]]]:
        """The query of a read-only match and its ranked candidates (raw scores, best first),
        without learning from the article (what scripts/calibrate_match.py records)."""
        features = self._without_boilerplate(doc, self._features(doc))
        query = self._query(doc, features, features.caps)
        return query, self._rank(query, rescore=limit)

    def restore(self, doc: Doc, story_id: str) -> None:
        """Puts an article back into a known story after a restart, learning from it as add() would."""
        story_id = self.resolve(story_id)
        if doc.id in self._doc_story:
            return
        features = self._features(doc)
        self._learn(features)
        raw_terms = features.tf
        features = self._without_boilerplate(doc, features)
        key = self._by_name.get(story_id)
        story = (
            self._stories[key] if key is not None else self._new_story(story_id, features.language)
        )
        self._attach(story, doc, features, self._query(doc, features))
        self._remember_outlet(doc, raw_terms, story.key)

    def candidate_features(self, doc: Doc, limit: int = 5) -> list[tuple[str, list[float]]]:
        """The match features of the front-running stories for an article, read-only (what
        scripts/train_match.py learns from)."""
        features = self._without_boilerplate(doc, self._features(doc))
        query = self._query(doc, features, features.caps)
        candidates = self._candidates(query, limit)
        return [(c.story.name, self._match_features(query, c, candidates)) for c in candidates]

    def vector(self, doc: Doc) -> tuple[dict[str, float], str]:
        """An article's TF-IDF vector under the current counts and its language, read-only
        (without the outlet boilerplate rule, which reads the outlet's latest articles)."""
        features = self._features(doc)
        return self._vectorise(features.tf, features.language), features.language

    @property
    def join_cutoff(self) -> float:
        """The score at which add() joins a story (what match() scores mean)."""
        settings = self.settings
        return settings.join_probability if settings.learned_match else settings.join_threshold

    def expire(self, now: float) -> list[str]:
        """Forgets stories whose last article is older than the window; returns their ids."""
        horizon = now - self.settings.window_seconds
        gone: list[_Story] = []
        for story in self._stories.values():
            if story.last is None:
                # Undated stories get the clock of the first sweep that sees them, so they age too.
                if story.stamped is None:
                    story.stamped = now
                if story.stamped < horizon:
                    gone.append(story)
            elif story.last < horizon:
                gone.append(story)
        for story in gone:
            self._drop(story)
        alive = set(self._by_name)
        self._merged_into = {k: v for k, v in self._merged_into.items() if self.resolve(v) in alive}
        return [s.name for s in gone]

    def consolidate(self) -> int:
        """Merges the small stories touched since the last round into the stories they are
        close to by average link (add() runs this every consolidate_every articles; call it at
        the end of a run). Returns how many merges it made; drain_merges() lists them."""
        link = self.settings.consolidate_link
        pending, self._pending = self._pending, {}
        if link is None:
            self._regroup(pending, set())
            return 0
        margin = self.settings.consolidate_margin
        kin = self.settings.consolidate_kin
        pairs: list[tuple[float, int, int]] = []
        stories = self._stories
        for key in sorted(pending):
            story = stories.get(key)
            if story is None or not self._consolidable(story):
                continue
            links: list[tuple[float, int]] = []
            for other_key in sorted(pending[key]):
                other = stories.get(other_key)
                if other is None or other_key == key:
                    continue
                score = self._consolidation_link(story, other)
                if score is not None:
                    links.append((score, other_key))
            if not links:
                continue
            links.sort(key=lambda so: (-so[0], so[1]))
            score, other_key = links[0]
            if score < link:
                continue
            best = stories[other_key]
            runner_up = 0.0
            for rival_score, rival_key in links[1:]:
                if kin:
                    # A rival that is as close to the pick as the pick is to us is the same
                    # event's third report, not a competitor: the pair goes together first.
                    close = self._consolidation_link(best, stories[rival_key])
                    if close is not None and close >= link:
                        continue
                runner_up = rival_score
                break
            if score - runner_up >= margin:
                pairs.append((-score, min(key, other_key), max(key, other_key)))
        pairs.sort()
        gone: dict[int, int] = {}

        def alive(k: int) -> int:
            while k in gone:
                k = gone[k]
            return k

        merged = 0
        for _, first, second in pairs:
            a, b = alive(first), alive(second)
            if a == b:
                continue
            older, younger = stories[min(a, b)], stories[max(a, b)]
            # The pair was found for a small story; a merge may since have grown both.
            if not (self._consolidable(older) or self._consolidable(younger)):
                continue
            score = self._consolidation_link(older, younger)
            if score is None or score < link:
                continue
            self._absorb(older, younger)
            gone[younger.key] = older.key
            merged += 1
        self._regroup(pending, {alive(k) for k in gone})
        return merged

    def _consolidable(self, story: _Story) -> bool:
        if len(story.member_vectors) > self.settings.consolidate_size:
            return False
        return not (self.settings.consolidate_undated_only and story.first is not None)

    def _consolidation_link(self, a: _Story, b: _Story) -> float | None:
        """The mean cosine between two stories' remembered articles (each article vector has
        length 1 and a centroid is their sum), or None when they may not merge."""
        if a.language != b.language:
            return None
        if self.settings.consolidate_undated_only and (a.first is not None or b.first is not None):
            return None
        if not (self._in_window(b, a.first) and self._in_window(b, a.last)):
            return None
        count = len(a.member_vectors) * len(b.member_vectors)
        if not count:
            return None
        return float(_dot(a.centroid, b.centroid)) / count

    def drain_moves(self) -> list[str]:
        """The articles the online regroup moved to another story since the last call, in the
        order first moved; story_of() says where each one is now. (A story whose articles all
        went to one story is a merge, in drain_merges(), not a move of each.)"""
        moved, self._moved = list(self._moved), {}
        return moved

    def relocate(self, doc_id: str, story_id: str) -> bool:
        """Moves an article this clusterer holds to the story `story_id` (created if unknown),
        as another process's online regroup moved it (Engine.restore reads the store's log of
        moves). False when nothing changed: the article is unknown or there already, or one
        of the two stories cannot be read whole (dated, or too large: the move is then left
        to the store, and this process keeps its view until it restarts)."""
        key = self._doc_story.get(doc_id)
        if key is None:
            return False
        source = self._stories[key]
        name = self.resolve(story_id)
        if source.name == name:
            return False
        rows = self._regroup_rows(source)
        target_key = self._by_name.get(name)
        target = None if target_key is None else self._stories[target_key]
        theirs = [] if target is None else self._regroup_rows(target)
        if rows is None or theirs is None:
            return False
        if target is not None and target.language != source.language:
            return False
        if target is None:
            target = self._new_story(name, source.language)
            target.stamped = source.stamped
        row = next(r for r in rows if r[1] == doc_id)
        rows.remove(row)
        theirs = sorted([*theirs, row], key=_row_order)
        self._rebuild(target, theirs, self._vectorise_all([r[2] for r in theirs], target.language))
        if rows:
            self._rebuild(source, rows, self._vectorise_all([r[2] for r in rows], source.language))
        else:  # as the store leaves it: an alias of where its first (and last) article went
            self._unindex(source)
            del self._stories[source.key]
            del self._roots[source.key]
            del self._by_name[source.name]
            self._merged_into[source.name] = target.name
            self._vanished.append(source.name)
        return True

    def drain_vanished(self) -> list[str]:
        """The stories emptied by moves since the last call (not merges: those are in
        drain_merges()); each now resolves to where its first article went."""
        vanished, self._vanished = self._vanished, []
        return vanished

    def _regroup_rows(self, story: _Story) -> list[_Row] | None:
        """Every article of an undated story as a row, in arrival order; None when the story
        may not be regrouped (dated, too large, or its forgotten articles' rows are gone)."""
        if (
            story.first is not None
            or not story.rows_complete
            or len(story.past_rows) != len(story.past_members)
            or len(story.members) + len(story.past_rows) > self.settings.regroup_limit
        ):
            return None
        rows = story.past_rows + list(
            zip(
                story.member_order,
                story.members,
                story.member_features,
                story.member_title_features,
                story.member_outlets,
                strict=True,
            )
        )
        rows.sort(key=_row_order)
        return rows

    def _regroup(self, pending: dict[int, set[int]], merged: set[int]) -> int:
        """The online regroup (ClusterSettings.regroup_link): the undated stories touched since
        the last round (`pending`'s keys, and `merged`, those a consolidation merge grew) and
        the stories their articles were ranked against are regrouped as the batch pass of
        service/coverage/regroup.py regroups a file, with today's IDF: each touched story is
        cut by average link, then the parts join by average link over a sparse graph of the
        parts. A part keeps the id of the story its first article had (else a new id); a
        story none keeps is merged into the one its first article went to (drain_merges when
        all its articles went there, else an alias that resolve() follows, and its articles
        are moves). Returns how many articles changed story."""
        from .regroup import upgma_groups, upgma_within

        settings = self.settings
        link = settings.regroup_link
        if link is None:
            return 0
        stories = self._stories
        touched = {k for k in set(pending) | merged if k in stories and stories[k].first is None}
        if not touched:
            return 0
        # The region: the touched stories and their ranked neighbours, undated and small
        # enough to read whole, each with its rows.
        region: dict[int, list[_Row]] = {}
        for key in sorted(touched):
            story = stories[key]
            own = self._regroup_rows(story)
            if own is None:
                continue
            region[key] = own
            for other_key in sorted(pending.get(key, ())):
                other = stories.get(other_key)
                if other is None or other_key in region or other.language != story.language:
                    continue
                theirs = self._regroup_rows(other)
                if theirs is not None:
                    region[other_key] = theirs
        if not region:
            return 0
        rows: list[_Row] = []
        row_story: list[int] = []
        # Each article's vector under today's IDF, worked out for the stories that may be cut
        # (and later for those whose articles change story); a story read whole with every
        # article remembered is its centroid.
        vectors: list[dict[str, float]] = []
        read: set[int] = set()
        groups: list[list[int]] = []
        group_story: list[int] = []
        whole_sums: dict[int, dict[str, float]] = {}
        split_from = max(2, settings.regroup_split_from)
        for key in sorted(region):
            own = region[key]
            story = stories[key]
            start = len(rows)
            rows.extend(own)
            row_story.extend(repeat(key, len(own)))
            members = list(range(start, len(rows)))
            if key in touched and len(members) >= split_from:
                vectors.extend(self._vectorise_all([r[2] for r in own], story.language))
                read.add(key)
                parts = upgma_within(members, vectors, link)
            elif story.past_rows:
                vectors.extend(self._vectorise_all([r[2] for r in own], story.language))
                read.add(key)
                parts = [members]
            else:
                vectors.extend(repeat({}, len(own)))
                whole_sums[len(groups)] = story.centroid
                parts = [members]
            groups.extend(parts)
            group_story.extend(repeat(key, len(parts)))
        # Each part's sum of article vectors: the average link of two parts is the dot product
        # of their sums over the product of their sizes.
        sums: list[dict[str, float]] = []
        for g, part in enumerate(groups):
            if g in whole_sums:
                sums.append(whole_sums[g])
                continue
            total: dict[str, float] = {}
            total_get = total.get
            for i in part:
                vector = vectors[i]
                total.update(
                    zip(
                        vector,
                        map(add, map(total_get, vector, repeat(0.0)), vector.values()),
                        strict=True,
                    )
                )
            sums.append(total)
        # How many parts hold each term (counted in C), then each touched part's probes, then
        # the postings of the probed terms only: the region's other terms are never looked up.
        spread: dict[str, int] = {}
        spread_get = spread.get
        for total in sums:
            spread.update(
                zip(total, map(add, map(spread_get, total, repeat(0)), repeat(1)), strict=True)
            )
        limit = settings.posting_limit
        probing: list[tuple[int, list[tuple[float, str]]]] = []
        for g, total in enumerate(sums):
            if group_story[g] not in touched:
                continue  # two untouched stories were compared when one of them last changed
            probing.append(
                (
                    g,
                    heapq.nlargest(
                        settings.regroup_probes,
                        [(w, t) for t, w in total.items() if spread[t] <= limit],
                    ),
                )
            )
        probed = {t for _, probes in probing for _, t in probes}
        index: dict[str, dict[int, float]] = {t: {} for t in probed}
        for g, total in enumerate(sums):
            for term in total.keys() & probed:
                index[term][g] = total[term]
        weights: dict[int, dict[int, float]] = {g: {} for g in range(len(groups))}

        def pair(g: int, h: int) -> None:
            if h in weights[g]:
                return
            value = float(_dot(sums[g], sums[h]))
            if value > 0:
                weights[g][h] = weights[h][g] = value

        for g, probes in probing:
            language = stories[group_story[g]].language
            for _, negative in nearest_by_terms(probes, index, g, settings.regroup_neighbours):
                h = -negative
                if stories[group_story[h]].language == language:
                    pair(g, h)
        # The parts of one story are compared in full, as the batch pass compares them.
        for g in range(len(groups)):
            for h in range(g + 1, len(groups)):
                if group_story[h] != group_story[g]:
                    break
                pair(g, h)
        parent = upgma_groups({g: len(p) for g, p in enumerate(groups)}, weights, link)

        def root(g: int) -> int:
            while g in parent:
                g = parent[g]
            return g

        finals: dict[int, list[int]] = {}
        for g, part in enumerate(groups):
            finals.setdefault(root(g), []).extend(part)
        ordered = [sorted(m, key=lambda i: rows[i][0]) for m in finals.values()]
        ordered.sort(key=lambda m: rows[m[0]][0])
        # Unchanged when every group is exactly a story of the region.
        if len(ordered) == len(region) and all(
            row_story[m[0]] == row_story[m[-1]] and len(m) == len(region[row_story[m[0]]])
            for m in ordered
        ):
            return 0
        claimed: dict[int, list[int]] = {}
        newcomers: list[list[int]] = []
        for m in ordered:
            key = row_story[m[0]]
            if key in claimed:
                newcomers.append(m)
            else:
                claimed[key] = m
        # Names first (a vanished story is recorded as merged into one of them).
        destination: list[str] = [""] * len(rows)
        fresh: list[tuple[_Story, list[int]]] = []
        for m in newcomers:
            origin = stories[row_story[m[0]]]
            story = self._new_story(self._fresh_name(), origin.language)
            story.stamped = origin.stamped
            fresh.append((story, m))
            for i in m:
                destination[i] = story.name
        for key, m in claimed.items():
            for i in m:
                destination[i] = stories[key].name
        starts: dict[int, int] = {}
        for i, key in enumerate(row_story):
            starts.setdefault(key, i)
        stories_language = {key: stories[key].language for key in region}
        whole: set[int] = set()
        for key, own in region.items():
            if key in claimed:
                continue
            story = stories[key]
            first = starts[key]  # its rows are in arrival order: this is its first article
            places = {destination[i] for i in range(first, first + len(own))}
            target = destination[first]
            self._merged_into[story.name] = target
            if len(places) == 1:
                self._merges.append((story.name, target))
                whole.add(key)
            else:
                self._vanished.append(story.name)
            self._unindex(story)
            del stories[key]
            del self._roots[key]
            del self._by_name[story.name]
        moved = 0
        for i, name in enumerate(destination):
            key = row_story[i]
            if key in whole or (key in claimed and stories[key].name == name):
                continue  # merged whole (drain_merges), or where it was
            self._moved[rows[i][1]] = None
            moved += 1
        changed = [
            (stories[key], m)
            for key, m in claimed.items()
            if not (len(m) == len(region[key]) and all(row_story[i] == key for i in m))
        ]
        changed.extend(fresh)
        for _, m in changed:
            for key in {row_story[i] for i in m} - read:
                read.add(key)
                first = starts[key]
                own = region[key]
                vectors[first : first + len(own)] = self._vectorise_all(
                    [r[2] for r in own], stories_language[key]
                )
        for story, m in changed:
            self._rebuild(story, [rows[i] for i in m], [vectors[i] for i in m])
        return moved

    def _rebuild(self, story: _Story, rows: list[_Row], vectors: list[dict[str, float]]) -> None:
        """Makes `story` hold exactly these articles (in arrival order, with their vectors
        under today's IDF): what _attach and _trim would have left, centroid and postings
        included."""
        settings = self.settings
        self._unindex(story)
        memory = max(1, settings.member_memory)
        cut = max(0, len(rows) - memory)
        kept, past = rows[cut:], rows[:cut]
        story.member_order = [r[0] for r in kept]
        story.members = [r[1] for r in kept]
        story.member_features = [r[2] for r in kept]
        story.member_title_features = [r[3] for r in kept]
        story.member_outlets = [r[4] for r in kept]
        story.member_vectors = vectors[cut:]
        story.member_titles = (
            self._vectorise_all(story.member_title_features, story.language)
            if settings.learned_match
            else [{} for _ in kept]
        )
        story.past_members = [r[1] for r in past]
        story.rows_complete = len(rows) <= settings.regroup_limit
        story.past_rows = past if story.rows_complete else []
        centroid: dict[str, float] = {}
        for vector in story.member_vectors:
            for term, weight in vector.items():
                centroid[term] = centroid.get(term, 0.0) + weight
        self._install_centroid(story, centroid)
        story.size = len(rows)
        for row in rows:
            self._doc_story[row[1]] = story.key

    def drain_merges(self) -> list[tuple[str, str]]:
        """Returns the (merged-away, surviving) pairs recorded since the last call."""
        merges, self._merges = self._merges, []
        return merges

    @property
    def active_stories(self) -> int:
        """How many stories are held in memory."""
        return len(self._stories)

    # ---- features -------------------------------------------------------------------

    def _language(self, doc: Doc) -> str:
        """The article's language: the outlet's, else detected, else English."""
        given = language_code(doc.language)
        if given is not None:
            return given
        return detect_language(f"{doc.title}. {doc.text}") or ENGLISH

    def _features(self, doc: Doc) -> _Features:
        settings = self.settings
        language = self._language(doc)
        # Other languages' words are kept apart from English ones (and from each other), so
        # their counts and postings never mix; numbers are shared.
        prefix = "" if language == ENGLISH else f"{language}:"
        stemming = settings.use_stemming
        memo = self._terms.setdefault(language, {})
        tf: dict[str, float] = {}
        title_tf: dict[str, float] = {}
        caps: dict[str, list[int]] = {}
        bigrams = settings.bigram_weight
        title_caps_meaningful = not is_title_case(doc.title)
        for text, weight, caps_meaningful, into_title in (
            (
                _lead(doc.title, settings.lead_chars),
                settings.title_weight,
                title_caps_meaningful,
                True,
            ),
            (_lead(doc.text, settings.lead_chars), 1.0, True, False),
        ):
            if not bigrams and settings.phrase_weight <= 0:
                # The default settings: no phrases or word pairs, so no runs of capitalised
                # words to keep; the same counts as the loop below, in fewer steps per word.
                self._count_words(
                    text,
                    language,
                    weight,
                    caps_meaningful,
                    tf,
                    title_tf if into_title else None,
                    caps,
                    memo,
                    prefix,
                )
                continue
            run: list[str] = []
            previous = ""
            for token in tokens(text, language):
                if token.sentence_start:
                    previous = ""
                if not token.term:
                    self._add_phrases(tf, run, weight)
                    run = []
                    continue
                word = token.term
                term = memo.get(word)
                if term is None:
                    term = _remember_term(word, language, stemming, prefix, memo)
                tf[term] = tf.get(term, 0.0) + weight
                if into_title:
                    title_tf[term] = title_tf.get(term, 0.0) + 1.0
                if bigrams and previous:
                    pair = f"{_BIGRAM_PREFIX}{previous}_{term}"
                    tf[pair] = tf.get(pair, 0.0) + weight * bigrams
                previous = term
                if term[0] == _NUMBER_PREFIX:
                    self._add_phrases(tf, run, weight)
                    run = []
                    continue
                if caps_meaningful and not token.sentence_start:
                    seen = caps.setdefault(term, [0, 0])
                    seen[0] += 1
                    seen[1] += token.capitalised
                if caps_meaningful and token.capitalised:
                    run.append(term)
                else:
                    self._add_phrases(tf, run, weight)
                    run = []
            self._add_phrases(tf, run, weight)
        names = frozenset(term for term, (_, upper) in caps.items() if upper)
        return _Features(tf, caps, language, title_tf, names)

    def _count_words(
        self,
        text: str,
        language: str,
        weight: float,
        caps_meaningful: bool,
        tf: dict[str, float],
        title_tf: dict[str, float] | None,
        caps: dict[str, list[int]],
        memo: dict[str, str],
        prefix: str,
    ) -> None:
        """_features' loop for one text when neither phrases nor word pairs are counted."""
        if text.isascii():
            self._count_ascii_words(
                text, language, weight, caps_meaningful, tf, title_tf, caps, memo, prefix
            )
            return
        stemming = self.settings.use_stemming
        tf_get = tf.get
        memo_get = memo.get
        caps_get = caps.get
        for word, capitalised, starts in tokens(text, language):
            if not word:
                continue  # a stop word: it only ends phrases
            term = memo_get(word)
            if term is None:
                term = _remember_term(word, language, stemming, prefix, memo)
            tf[term] = tf_get(term, 0.0) + weight
            if title_tf is not None:
                title_tf[term] = title_tf.get(term, 0.0) + 1.0
            if term[0] == _NUMBER_PREFIX:
                continue
            if caps_meaningful and not starts:
                seen = caps_get(term)
                if seen is None:
                    caps[term] = [1, 1 if capitalised else 0]
                else:
                    seen[0] += 1
                    seen[1] += capitalised

    def _count_ascii_words(
        self,
        text: str,
        language: str,
        weight: float,
        caps_meaningful: bool,
        tf: dict[str, float],
        title_tf: dict[str, float] | None,
        caps: dict[str, list[int]],
        memo: dict[str, str],
        prefix: str,
    ) -> None:
        """_count_words for ASCII text (most articles): the same counts from the words as
        written (text.ascii_words), each written form's term and capital remembered, so a word
        seen before costs one lookup; a sentence end is only looked for before a counted word."""
        written = self._written.get(language)
        if written is None or len(written) >= _TERM_MEMO_LIMIT:
            written = self._written[language] = {}
        known_get = written.get
        stemming = self.settings.use_stemming
        stop = stopwords_for(language)
        tf_get = tf.get
        memo_get = memo.get
        caps_get = caps.get
        first = True
        for gap, raw in ascii_words(text):
            known = known_get(raw)
            if known is None:
                word = raw.lower().strip("'-")
                if not word or word in stop:
                    known = ("", False)  # a stop word: it only ends phrases
                else:
                    term = memo_get(word)
                    if term is None:
                        term = _remember_term(word, language, stemming, prefix, memo)
                    known = (term, raw[0].isupper())
                written[raw] = known
            term, capitalised = known
            if not term:
                first = False
                continue
            # As text.tokens reads it: the first word, or one after a sentence end.
            starts = first or (gap != " " and sentence_end(gap) is not None)
            first = False
            tf[term] = tf_get(term, 0.0) + weight
            if title_tf is not None:
                title_tf[term] = title_tf.get(term, 0.0) + 1.0
            if term[0] == _NUMBER_PREFIX:
                continue
            if caps_meaningful and not starts:
                seen = caps_get(term)
                if seen is None:
                    caps[term] = [1, 1 if capitalised else 0]
                else:
                    seen[0] += 1
                    seen[1] += capitalised

    def _without_boilerplate(self, doc: Doc, features: _Features) -> _Features:
        """The article's terms with its outlet's boilerplate counted down.

        A term that the outlet's remembered articles carried into c >= 2 different stories
        counts 1/c here, so text an outlet repeats in everything it publishes cannot pull its
        articles into one story (and a name it used in two stories weighs half for it).
        """
        recent = self._outlet_recent.get(doc.outlet) if doc.outlet else None
        if not recent:
            return features
        doc_story = self._doc_story
        terms = features.tf.keys()
        shared_by_story: dict[int, set[str]] = {}
        for doc_id, placed, remembered in recent:
            if doc_id == doc.id:
                continue  # the article itself (match() of a member)
            # Its story now (after merges), else the one it was placed in: an outlet's article
            # of a story that expired still shows what the outlet repeats. (Forgotten with its
            # story, the discount left every outlet that files less than once per window, and
            # the volume set lost 0.005 through the engine, which expires stories.)
            key = doc_story.get(doc_id, placed)
            shared = terms & remembered
            if shared:
                shared_by_story.setdefault(key, set()).update(shared)
        if len(shared_by_story) < 2:
            return features
        stories_with: dict[str, int] = {}
        for shared in shared_by_story.values():
            for term in shared:
                stories_with[term] = stories_with.get(term, 0) + 1
        repeated = {t: 1.0 / c for t, c in stories_with.items() if c >= 2}
        if not repeated:
            return features
        return dataclasses.replace(
            features,
            tf={t: w * repeated.get(t, 1.0) for t, w in features.tf.items()},
            title_tf={t: w * repeated.get(t, 1.0) for t, w in features.title_tf.items()},
        )

    def _remember_outlet(self, doc: Doc, tf: dict[str, float], story_key: int) -> None:
        """Keeps the outlet's latest articles' first terms (title first) for _without_boilerplate."""
        settings = self.settings
        if not doc.outlet or settings.boilerplate_memory <= 0:
            return
        recent = self._outlet_recent.get(doc.outlet)
        if recent is None:
            recent = self._outlet_recent[doc.outlet] = deque(maxlen=settings.boilerplate_memory)
            if len(self._outlet_recent) > settings.boilerplate_outlets:
                self._outlet_recent.popitem(last=False)
        else:
            self._outlet_recent.move_to_end(doc.outlet)
        limit = settings.boilerplate_terms
        terms = frozenset(tf) if len(tf) <= limit else frozenset(list(tf)[:limit])
        recent.append((doc.id, story_key, terms))

    def _add_phrases(self, tf: dict[str, float], run: list[str], weight: float) -> None:
        if self.settings.phrase_weight <= 0 or len(run) < 2:
            return
        for first, second in zip(run, run[1:], strict=False):
            phrase = f"{_PHRASE_PREFIX}{first}_{second}"
            tf[phrase] = tf.get(phrase, 0.0) + weight * self.settings.phrase_weight

    def _learn(self, features: _Features) -> None:
        self._idf.clear()
        self._docs_seen += 1
        by_language = self._docs_by_language
        by_language[features.language] = by_language.get(features.language, 0.0) + 1.0
        self._docs_since_halving += 1
        df = self._df
        tf = features.tf
        # df[term] = df.get(term, 0.0) + 1.0 for each term in order, the loop run in C (each
        # term is read before it is written, and an article's terms are distinct).
        df.update(zip(tf, map(add, map(df.get, tf, repeat(0.0)), repeat(1.0)), strict=True))
        caps = self._caps
        caps_get = caps.get
        for term, (seen, upper) in features.caps.items():
            stats = caps_get(term)
            if stats is None:
                caps[term] = [seen, upper]
            else:
                stats[0] += seen
                stats[1] += upper
        if self._docs_since_halving >= self.settings.df_halving_docs:
            # Halving keeps the vocabulary bounded and lets the IDF follow what is news now.
            self._docs_since_halving = 0
            self._docs_seen /= 2
            self._docs_by_language = {k: n / 2 for k, n in by_language.items()}
            self._df = {t: n / 2 for t, n in df.items() if n >= 2}
            self._caps = {t: [s // 2, u // 2] for t, (s, u) in self._caps.items() if s >= 2}

    def _boost(self, term: str, extra_caps: dict[str, list[int]] | None) -> float:
        settings = self.settings
        head = term[0]
        if head == _NUMBER_PREFIX:
            return settings.number_boost
        if head == _PHRASE_PREFIX:
            return settings.entity_boost
        if head == _BIGRAM_PREFIX:
            return 1.0
        if settings.entity_boost == 1.0:
            return 1.0
        stats = self._caps.get(term)
        seen, upper = (stats[0], stats[1]) if stats else (0, 0)
        if extra_caps and term in extra_caps:
            seen += extra_caps[term][0]
            upper += extra_caps[term][1]
        if seen and upper >= settings.entity_min_ratio * seen:
            return settings.entity_boost
        return 1.0

    def _prior(self, language: str) -> lexicon.TermTable | None:
        if self.settings.prior_docs <= 0:
            return None
        prefix = "" if language == ENGLISH else f"{language}:"
        return lexicon.table(language, TERMS_VERSION, prefix)

    def _vectorise(
        self,
        tf: dict[str, float],
        language: str = ENGLISH,
        extra_caps: dict[str, list[int]] | None = None,
    ) -> dict[str, float]:
        return self._vectorise_all([tf], language, extra_caps)[0]

    def _vectorise_all(
        self,
        tfs: list[dict[str, float]],
        language: str = ENGLISH,
        extra_caps: dict[str, list[int]] | None = None,
    ) -> list[dict[str, float]]:
        """The TF-IDF vectors of term counts under the current counts, L2-normalised (a story
        refresh does all its members at once: the lookups below are then made once)."""
        settings = self.settings
        floor = settings.idf_floor
        power = settings.idf_power
        sublinear = settings.sublinear_tf
        df_get = self._df.get
        memo = self._idf.get(language)
        if memo is None or len(memo) > _TERM_MEMO_LIMIT:  # match() calls alone never empty it
            memo = self._idf[language] = {}
        memo_get = memo.get
        seen = self._docs_by_language.get(language, 0.0)
        prior = self._prior(language)
        # Without a table a term's prior share is nil: the plain online IDF.
        pseudo = settings.prior_docs if prior is not None else 0.0
        shares: dict[str, float] = prior.doc_share if prior is not None else {}
        shares_get = shares.get
        unseen = prior.unseen_share if prior is not None else 0.0
        n = seen + pseudo + 1.0
        # With the default settings only numbers are boosted: no call per term.
        plain = (
            settings.entity_boost == 1.0
            and not settings.phrase_weight
            and not settings.bigram_weight
        )
        number_boost = settings.number_boost
        log = math.log
        sqrt = math.sqrt
        vectors: list[dict[str, float]] = []
        for tf in tfs:
            vector: dict[str, float] = {}
            norm2 = 0.0
            for term, count in tf.items():
                weight = (1.0 + log(count)) if count >= 1.0 and sublinear else count
                idf = memo_get(term)
                if idf is None:
                    expected = df_get(term, 0.0) + pseudo * shares_get(term, unseen) + 1.0
                    idf = log(n / expected) + floor
                    if power != 1.0:
                        idf **= power
                    memo[term] = idf
                if plain:
                    weight *= idf * number_boost if term[0] == _NUMBER_PREFIX else idf
                else:
                    weight *= idf * self._boost(term, extra_caps)
                if weight > 0:
                    vector[term] = weight
                    norm2 += weight * weight
            if norm2 <= 0:
                vectors.append({})
                continue
            scale = 1.0 / sqrt(norm2)
            vectors.append(dict(zip(vector, map(mul, vector.values(), repeat(scale)), strict=True)))
        return vectors

    # ---- stories --------------------------------------------------------------------

    def _fresh_name(self) -> str:
        while f"s-{self._next_key}" in self._by_name or f"s-{self._next_key}" in self._merged_into:
            self._next_key += 1
        return f"s-{self._next_key}"

    def _new_story(self, name: str, language: str) -> _Story:
        key = self._next_key
        while key in self._stories:
            key += 1
        self._next_key = max(self._next_key, key + 1)
        story = _Story(key=key, name=name, language=language, built_at=int(self._docs_seen))
        self._stories[key] = story
        self._roots[key] = 1.0  # sqrt(1): an empty centroid's norm counts as 1
        self._by_name[name] = key
        return story

    def _in_window(self, story: _Story, published: float | None) -> bool:
        if published is None or story.last is None or story.first is None:
            return True
        window = self.settings.window_seconds
        return published - story.last <= window and story.first - published <= window

    def _install_centroid(self, story: _Story, centroid: dict[str, float]) -> None:
        """Makes `centroid` the story's, listed under each of its terms in the postings, with
        the IDF it was built at (the caller has unlisted the terms it no longer has)."""
        postings = self._postings
        key = story.key
        for term, weight in centroid.items():
            posting = postings.get(term)
            if posting is None:
                postings[term] = {key: weight}
            else:
                posting[key] = weight
        story.centroid = centroid
        story.norm2 = _square_sum(centroid)
        self._roots[key] = math.sqrt(story.norm2 or 1.0)
        story.built_at = int(self._docs_seen)

    def _refresh(self, story: _Story) -> None:
        """Rebuilds a story's vectors with today's IDF once the corpus has grown enough."""
        growth = self.settings.refresh_growth
        if growth is None or self._docs_seen < growth * max(story.built_at, 20):
            return
        vectors = self._vectorise_all(story.member_features, story.language)
        story.member_vectors = vectors
        if self.settings.learned_match:
            story.member_titles = self._vectorise_all(story.member_title_features, story.language)
        centroid: dict[str, float] = {}
        for vector in vectors:
            for term, weight in vector.items():
                centroid[term] = centroid.get(term, 0.0) + weight
        # Today's IDF may weigh a term to nothing: the postings must list exactly the terms of
        # the new centroid, or a candidate lookup would ask a story for a term it lost.
        for term in story.centroid.keys() - centroid.keys():
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(story.key, None)
                if not posting:
                    del self._postings[term]
        self._install_centroid(story, centroid)

    def _query(
        self, doc: Doc, features: _Features, extra_caps: dict[str, list[int]] | None = None
    ) -> _Query:
        language = features.language
        vector = self._vectorise(features.tf, language, extra_caps)
        names = features.names
        return _Query(
            vector=vector,
            name_mass=[(t, w * w) for t, w in vector.items() if t in names],
            number_mass=[(t, w * w) for t, w in vector.items() if t[0] == _NUMBER_PREFIX],
            title=(
                self._vectorise(features.title_tf, language) if self.settings.learned_match else {}
            ),
            names=names,
            published=doc.published,
            outlet=doc.outlet,
            language=language,
        )

    @property
    def _learned(self) -> MatchModel | None:
        if not self.settings.learned_match:
            return None
        if self._model is None:
            self._model = match_model(self.settings.match_model)
        return self._model

    @property
    def _merging_learned(self) -> bool:
        return self.settings.learned_merge and self.settings.learned_match

    def _rank(self, query: _Query, rescore: int = 0) -> list[tuple[float, _Story]]:
        """The candidate stories with their scores, best first."""
        candidates = self._candidates(query, rescore)
        learned = self._learned
        if learned is None:
            ranked = [(c.blend + c.bonus, c.story) for c in candidates]
        else:
            ranked = [
                (learned.probability(self._match_features(query, c, candidates)), c.story)
                for c in candidates
            ]
        ranked.sort(key=lambda sk: (-sk[0], sk[1].key))
        return ranked

    def _candidates(self, query: _Query, rescore: int = 0) -> list[_Candidate]:
        settings = self.settings
        vector = query.vector
        published = query.published
        if not vector:
            return []
        stories = self._stories
        postings = self._postings
        limit = settings.posting_limit
        # Only the article's heaviest (rarest) terms look up candidates; a story sharing none
        # of them is too far to join, and skipping long postings keeps the cost per article flat.
        # (heapq.nlargest of the eligible (weight, term) pairs, which is their sorted order cut
        # at query_terms: found by walking all pairs in that order until enough are eligible,
        # so the postings of the lightest terms are not looked up)
        wanted = settings.query_terms
        probes: list[tuple[float, str]] = []
        if wanted > 0:
            for pair in sorted(zip(vector.values(), vector, strict=True), reverse=True):
                if 0 < len(postings.get(pair[1], ())) <= limit:
                    probes.append(pair)
                    if len(probes) >= wanted:
                        break
        # Each story's sum runs over the probes in their order whatever order the postings
        # list the stories in, so the partial scores are the same floats as ever.
        partial: dict[int, float] = {}
        partial_get = partial.get
        for weight, term in probes:
            for key, held in postings[term].items():
                partial[key] = partial_get(key, 0.0) + weight * held
        sqrt = math.sqrt
        shortlist = _best_first(
            list(map(truediv, partial.values(), map(self._roots.__getitem__, partial))),
            list(partial),
            _SORTED_FIRST * settings.candidate_limit,
        )
        # The shortlist is the best candidate_limit stories that can be joined: cut before the
        # language and window checks, it filled with stories days away whenever the store held
        # more of them than of the article's days (a store between expiry sweeps, a late
        # article), and the article's own event was not asked (docs/clustering.md, volume).
        limit_kept = settings.candidate_limit
        language = query.language
        window = settings.window_seconds
        growth = settings.refresh_growth
        docs_seen = self._docs_seen
        kept: list[_Story] = []
        for _, negative_key in shortlist:
            story = stories[-negative_key]
            # Stories stay within one language.
            if story.language != language:
                continue
            first, last = story.first, story.last
            if (
                published is not None
                and last is not None
                and first is not None
                and (published - last > window or first - published > window)
            ):
                continue  # outside the window (_in_window)
            if growth is not None and docs_seen >= growth * max(story.built_at, 20):
                self._refresh(story)
            kept.append(story)
            if len(kept) >= limit_kept:
                break
        # A term in no story's centroid adds nothing to any centroid cosine: leaving it out of
        # the loop skips a lookup per story and keeps the others in the article's order.
        indexed = [term for term in vector if term in postings]
        indexed_weights = [vector[term] for term in indexed]
        vector_get = vector.get
        size = len(vector)
        bonus_weight = settings.recency_bonus
        scale = settings.recency_scale
        exp = math.exp
        coarse: list[tuple[float, float, _Story]] = []
        for story in kept:
            norm2 = story.norm2
            if norm2:
                weights = story.centroid
                # The smaller side in its insertion order, as _dot sums it (see there).
                if size > len(weights):
                    dot = sum(map(mul, weights.values(), map(vector_get, weights, repeat(0.0))))
                else:
                    dot = sum(map(mul, indexed_weights, map(weights.get, indexed, repeat(0.0))))
                centroid = dot / sqrt(norm2)
            else:
                centroid = 0.0
            first, last = story.first, story.last
            if not bonus_weight or published is None or first is None or last is None:
                bonus = 0.0
            else:  # _recency
                gap = max(0.0, first - published, published - last)
                bonus = bonus_weight * exp(-gap / scale)
            coarse.append((centroid, bonus, story))
        coarse.sort(key=lambda cs: (-(cs[0] + cs[1]), cs[2].key))
        # Comparing with single members costs most, so only the front runners get it.
        share = settings.nearest_member_weight
        candidates: list[_Candidate] = []
        values = vector.values()
        for centroid, bonus, story in coarse[: max(settings.rescore_limit, rescore)]:
            members = story.member_vectors
            # A lone article is its story's centroid: no second dot product for the same number.
            # _dot(vector, m) for each member, written out (a call a member was a sixth of the
            # candidate search): the smaller side in its insertion order, the same products.
            nearest = (
                centroid
                if len(members) == 1
                else max(
                    [
                        (
                            sum(map(mul, m.values(), map(vector_get, m, repeat(0.0))))
                            if size > len(m)
                            else sum(map(mul, values, map(m.get, vector, repeat(0.0))))
                        )
                        or 0
                        for m in members
                    ]
                )
            )
            blend = (
                (1 - share) * centroid + share * nearest
                if share > 0 and len(members) >= 2
                else centroid
            )
            candidates.append(_Candidate(story, centroid, nearest, blend, bonus))
        return candidates

    def _match_features(
        self, query: _Query, candidate: _Candidate, candidates: list[_Candidate]
    ) -> list[float]:
        """What the learned match reads about one candidate: see match.FEATURES for the list."""
        story = candidate.story
        title = (
            float(max((_dot(query.title, t) for t in story.member_titles), default=0.0))
            if query.title
            else 0.0
        )
        centroid = story.centroid
        names_total = sum(m for _, m in query.name_mass)
        names_found = sum(m for t, m in query.name_mass if t in centroid)
        numbers_total = sum(m for _, m in query.number_mass)
        numbers_found = sum(m for t, m in query.number_mass if t in centroid)
        others = [c.blend for c in candidates if c is not candidate]
        # Starting a new story is always the alternative: a rival below the match floor (or none,
        # in a cold store) is no closer than that.
        margin = candidate.blend - max(max(others, default=0.0), self.settings.match_floor)
        rivals = sum(1 for b in others if b >= candidate.blend - 0.1)
        published = query.published
        dated = published is not None and story.first is not None and story.last is not None
        if dated:
            assert published is not None and story.first is not None and story.last is not None
            gap = max(0.0, story.first - published, published - story.last)
            recency = math.exp(-gap / self.settings.recency_scale)
            log_gap = math.log1p(gap / 3600.0)
            spread = math.log1p((story.last - story.first) / 3600.0)
        else:
            recency = log_gap = spread = 0.0
        outlet = query.outlet
        same_outlet = 1.0 if outlet and outlet in story.member_outlets else 0.0
        # Only the outlet's own articles to agree with: a shared byline or "Desk 7 reports:" line
        # looks like weak agreement, an update or copy of its own article like strong agreement.
        own_only = same_outlet and all(o == outlet for o in story.member_outlets)
        return [
            candidate.centroid,
            candidate.nearest,
            title,
            names_found / names_total if names_total else 0.0,
            numbers_found / numbers_total if numbers_total else 0.0,
            margin,
            float(rivals),
            recency,
            log_gap,
            1.0 if dated else 0.0,
            math.log(max(story.size, 1)),
            spread,
            same_outlet,
            candidate.nearest * candidate.nearest,
            candidate.centroid if dated else 0.0,
            recency * candidate.nearest,
            recency * title,
            max(0.0, 1.0 - candidate.nearest) if own_only else 0.0,
        ]

    def _recency(self, story: _Story, published: float | None) -> float:
        """Bonus for being close in time: one event's articles appear within hours of each other."""
        bonus = self.settings.recency_bonus
        if not bonus or published is None or story.first is None or story.last is None:
            return 0.0
        gap = max(0.0, story.first - published, published - story.last)
        return bonus * math.exp(-gap / self.settings.recency_scale)

    def _join_threshold(self, story: _Story) -> float:
        if self.settings.learned_match:
            return self.settings.join_probability
        size = story.size
        return self.settings.join_threshold * (
            1.0 - self.settings.size_relief * (1.0 - 1.0 / max(size, 1))
        )

    def _attach(self, story: _Story, doc: Doc, features: _Features, query: _Query) -> None:
        vector = query.vector
        story.members.append(doc.id)
        story.member_features.append(features.tf)
        story.member_vectors.append(vector)
        story.member_title_features.append(features.title_tf)
        story.member_titles.append(query.title)
        story.member_outlets.append(doc.outlet)
        self._arrivals += 1
        story.member_order.append(self._arrivals)
        story.size += 1
        centroid = story.centroid
        postings = self._postings
        key = story.key
        dot = 0.0
        for term, weight in vector.items():
            old = centroid.get(term)
            if old is None:
                centroid[term] = weight
                postings.setdefault(term, {})[key] = weight
            else:
                dot += old * weight
                centroid[term] = postings[term][key] = old + weight
        story.norm2 += 2 * dot + _square_sum(vector)
        self._roots[key] = math.sqrt(story.norm2 or 1.0)
        if doc.published is not None:
            story.first = doc.published if story.first is None else min(story.first, doc.published)
            story.last = doc.published if story.last is None else max(story.last, doc.published)
            self._latest = (
                doc.published if self._latest is None else max(self._latest, doc.published)
            )
        self._doc_story[doc.id] = story.key
        self._trim(story)

    def _trim(self, story: _Story) -> None:
        """Forgets a story's oldest articles beyond its memory, taking them out of the centroid."""
        excess = len(story.members) - max(1, self.settings.member_memory)
        if excess <= 0:
            return
        centroid = story.centroid
        postings = self._postings
        key = story.key
        # Forgotten articles keep answering story_of() until the story expires.
        story.past_members.extend(story.members[:excess])
        if story.rows_complete:
            settings = self.settings
            if (
                story.first is None
                and settings.regroup_link is not None
                and story.size <= settings.regroup_limit
            ):
                story.past_rows.extend(
                    zip(
                        story.member_order[:excess],
                        story.members[:excess],
                        story.member_features[:excess],
                        story.member_title_features[:excess],
                        story.member_outlets[:excess],
                        strict=True,
                    )
                )
            else:  # dated, or too large to cut: the regroup leaves it whole
                story.past_rows = []
                story.rows_complete = False
        for vector in story.member_vectors[:excess]:
            for term, weight in vector.items():
                left = centroid.get(term, 0.0) - weight
                if left > 1e-9:
                    centroid[term] = postings[term][key] = left
                else:
                    centroid.pop(term, None)
                    posting = postings.get(term)
                    if posting is not None:
                        posting.pop(key, None)
                        if not posting:
                            del postings[term]
        del story.members[:excess]
        del story.member_order[:excess]
        del story.member_features[:excess]
        del story.member_vectors[:excess]
        del story.member_title_features[:excess]
        del story.member_titles[:excess]
        del story.member_outlets[:excess]
        story.norm2 = _square_sum(centroid)
        self._roots[key] = math.sqrt(story.norm2 or 1.0)

    def _merge_neighbours(
        self, story: _Story, ranked: list[tuple[float, _Story]], placed: float, joined: bool
    ) -> None:
        """Merges the article's story with the other candidates it makes one event with: by
        centroid cosine (merge_threshold) or by the learned merge."""
        settings = self.settings
        threshold = settings.merge_threshold
        learned = self._merging_learned
        for score, other in ranked:
            if (
                other.key == story.key
                or other.key not in self._stories
                or story.key not in self._stories
            ):
                continue
            if not (self._in_window(other, story.first) and self._in_window(other, story.last)):
                continue
            cosine = self._centroid_cosine(story, other)
            if (threshold is not None and cosine >= threshold) or (
                learned
                and score >= settings.merge_floor
                and (
                    settings.merge_undated or (story.first is not None and other.first is not None)
                )
                and self._should_merge(
                    story, other, self._merge_features(story, other, score, placed, joined, cosine)
                )
            ):
                older, younger = (story, other) if story.key < other.key else (other, story)
                self._absorb(older, younger)
                story = older

    def _should_merge(self, story: _Story, other: _Story, features: list[float]) -> bool:
        """The learned merge's decision for two stories (scripts/train_match.py records here)."""
        if self._merge_model is None:
            self._merge_model = merge_model(self.settings.merge_model)
        return self._merge_model.probability(features) >= self.settings.merge_probability

    def _merge_features(
        self, story: _Story, other: _Story, score: float, placed: float, joined: bool, cosine: float
    ) -> list[float]:
        """What the learned merge reads about two stories: see match.MERGE_FEATURES."""
        dated = story.first is not None and other.first is not None
        if dated:
            assert story.first is not None and story.last is not None
            assert other.first is not None and other.last is not None
            gap = max(0.0, other.first - story.last, story.first - other.last)
            recency = math.exp(-gap / self.settings.recency_scale)
            log_gap = math.log1p(gap / 3600.0)
        else:
            recency = log_gap = 0.0
        return [
            score,
            placed,
            1.0 if joined else 0.0,
            cosine,
            1.0 if dated else 0.0,
            log_gap,
            recency,
            score * cosine,
            cosine * cosine,
        ]

    @staticmethod
    def _centroid_cosine(a: _Story, b: _Story) -> float:
        if a.norm2 <= 0 or b.norm2 <= 0:
            return 0.0
        return _dot(a.centroid, b.centroid) / math.sqrt(a.norm2 * b.norm2)

    def _absorb(self, older: _Story, younger: _Story) -> None:
        centroid = older.centroid
        postings = self._postings
        key = older.key
        for term, weight in younger.centroid.items():
            if term in centroid:
                centroid[term] = postings[term][key] = centroid[term] + weight
            else:
                centroid[term] = weight
                postings.setdefault(term, {})[key] = weight
        older.norm2 = _square_sum(centroid)
        self._roots[key] = math.sqrt(older.norm2 or 1.0)
        # Members stay in arrival order so that trimming forgets the oldest of both stories.
        rows = sorted(
            zip(
                older.member_order + younger.member_order,
                older.members + younger.members,
                older.member_features + younger.member_features,
                older.member_vectors + younger.member_vectors,
                older.member_title_features + younger.member_title_features,
                older.member_titles + younger.member_titles,
                older.member_outlets + younger.member_outlets,
                strict=True,
            ),
            key=lambda row: row[0],
        )
        older.member_order = [r[0] for r in rows]
        older.members = [r[1] for r in rows]
        older.member_features = [r[2] for r in rows]
        older.member_vectors = [r[3] for r in rows]
        older.member_title_features = [r[4] for r in rows]
        older.member_titles = [r[5] for r in rows]
        older.member_outlets = [r[6] for r in rows]
        older.size += younger.size
        for bound in (younger.first, younger.last):
            if bound is not None:
                older.first = bound if older.first is None else min(older.first, bound)
                older.last = bound if older.last is None else max(older.last, bound)
        older.past_members.extend(younger.past_members)
        if older.rows_complete and younger.rows_complete:
            older.past_rows = older.past_rows + younger.past_rows  # put in order when read
        else:
            older.past_rows = []
            older.rows_complete = False
        for doc_id in younger.members + younger.past_members:
            self._doc_story[doc_id] = older.key
        self._unindex(younger)
        del self._stories[younger.key]
        del self._roots[younger.key]
        del self._by_name[younger.name]
        self._merged_into[younger.name] = older.name
        self._merges.append((younger.name, older.name))
        self._trim(older)

    def _unindex(self, story: _Story) -> None:
        for term in story.centroid:
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(story.key, None)
                if not posting:
                    del self._postings[term]

    def _drop(self, story: _Story) -> None:
        self._unindex(story)
        for doc_id in story.members + story.past_members:
            if self._doc_story.get(doc_id) == story.key:
                del self._doc_story[doc_id]
        del self._stories[story.key]
        del self._roots[story.key]
        del self._by_name[story.name]
