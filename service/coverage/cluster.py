"""Groups a stream of news articles into stories, online and incrementally.

Interface (kept stable for the store and the ingester)::

    Doc(id, title, text="", outlet=None, published=None)   # published: epoch seconds
    c = Clusterer(ClusterSettings())
    c.add(doc) -> story id           # joins the best active story or starts "s-<n>"
    c.story_of(doc_id) -> id | None  # follows merges; None once the story expired
    c.resolve(story_id) -> id        # a merged-away id -> the surviving one
    c.match(doc, limit) -> [(story id, score)]   # read-only, for "who else covered this"
    c.restore(doc, story_id)         # re-seed after a restart, active-window docs in order
    c.expire(now) -> [story ids]     # drop stories whose activity window ended
    c.drain_merges() -> [(from, into)]           # merges since the last call
    # (service.ingest.jsonl.cluster_jsonl runs this over a JSON-lines file, no store)

How it decides: each article becomes a sparse vector of sublinear term frequencies (title
counted twice) times an IDF learned online from the articles seen so far, with words that are
usually written capitalised (names), capitalised phrases and numbers weighted up. Candidate
stories come from an inverted index over the article's rarer terms, so the cost per article
does not grow with the number of stories; the best candidate is scored by cosine against the
story centroid blended with the nearest member, and the article joins it above a threshold,
else starts a new story. When an article makes two stories' centroids close, the younger story
is merged into the older. Stories are only compared within a time window; `expire` drops the
stories behind it, so memory is bounded by the window, not by the store. Same input order,
same output: nothing is random and ties break on creation order. docs/clustering.md has the
benchmark and the ablations behind every default.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from .text import is_title_case, stem, tokens

_NUMBER_PREFIX = "#"
_PHRASE_PREFIX = "~"
_BIGRAM_PREFIX = "^"


@dataclass(frozen=True)
class Doc:
    """An article as the clusterer sees it."""

    id: str
    title: str
    text: str = ""
    outlet: str | None = None
    published: float | None = None


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


@dataclass
class _Story:
    key: int
    name: str
    centroid: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0
    members: list[str] = field(default_factory=list)
    member_features: list[dict[str, float]] = field(default_factory=list)
    member_vectors: list[dict[str, float]] = field(default_factory=list)
    member_order: list[int] = field(default_factory=list)
    past_members: list[str] = field(default_factory=list)
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
    return sum([w * b[t] for t, w in a.items() if t in b])


class Clusterer:
    """Online story clustering over a time window; see the module docstring for the contract."""

    def __init__(self, settings: ClusterSettings | None = None) -> None:
        self.settings = settings or ClusterSettings()
        self._df: dict[str, float] = {}
        self._docs_seen = 0.0
        self._docs_since_halving = 0
        self._caps: dict[str, list[int]] = {}
        self._stories: dict[int, _Story] = {}
        self._by_name: dict[str, int] = {}
        self._postings: dict[str, set[int]] = {}
        self._doc_story: dict[str, int] = {}
        self._merged_into: dict[str, str] = {}
        self._merges: list[tuple[str, str]] = []
        self._next_key = 0
        self._latest: float | None = None
        self._arrivals = 0

    # ---- public interface -------------------------------------------------------------

    def add(self, doc: Doc) -> str:
        """Assigns the article to the best active story or a new one; returns the story id."""
        if doc.id in self._doc_story:
            return self._stories[self._doc_story[doc.id]].name
        features = self._features(doc)
        self._learn(features)
        vector = self._vectorise(features.tf)
        ranked = self._rank(vector, doc.published)
        story: _Story | None = None
        if ranked:
            best_score, best = ranked[0]
            if best_score >= self._join_threshold(best):
                story = best
        if story is None:
            story = self._new_story(self._fresh_name())
        self._attach(story, doc, features.tf, vector)
        if self.settings.merge_threshold is not None:
            self._merge_neighbours(story, ranked)
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

        Scores are similarity plus the recency bonus, clipped to [0, 1]; an article the
        clusterer already holds gets its own story first with 1.0.
        """
        features = self._features(doc)
        vector = self._vectorise(features.tf, features.caps)
        ranked = self._rank(vector, doc.published, rescore=limit)
        if doc.id in self._doc_story:
            own = self._doc_story[doc.id]
            ranked = [(1.0, self._stories[own])] + [r for r in ranked if r[1].key != own]
        return [
            (s.name, round(min(1.0, score), 4))
            for score, s in ranked[: max(0, limit)]
            if score >= self.settings.match_floor
        ]

    def restore(self, doc: Doc, story_id: str) -> None:
        """Puts an article back into a known story after a restart, learning from it as add() would."""
        story_id = self.resolve(story_id)
        if doc.id in self._doc_story:
            return
        features = self._features(doc)
        self._learn(features)
        key = self._by_name.get(story_id)
        story = self._stories[key] if key is not None else self._new_story(story_id)
        self._attach(story, doc, features.tf, self._vectorise(features.tf))

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

    def drain_merges(self) -> list[tuple[str, str]]:
        """Returns the (merged-away, surviving) pairs recorded since the last call."""
        merges, self._merges = self._merges, []
        return merges

    @property
    def active_stories(self) -> int:
        """How many stories are held in memory."""
        return len(self._stories)

    # ---- features -------------------------------------------------------------------

    def _term(self, word: str) -> str:
        if word[0].isdigit() or word[0] == "$":
            return _NUMBER_PREFIX + word.rstrip(".,").replace(",", "")
        return stem(word) if self.settings.use_stemming else word

    def _features(self, doc: Doc) -> _Features:
        settings = self.settings
        tf: dict[str, float] = {}
        caps: dict[str, list[int]] = {}
        bigrams = settings.bigram_weight
        title_caps_meaningful = not is_title_case(doc.title)
        for text, weight, caps_meaningful in (
            (_lead(doc.title, settings.lead_chars), settings.title_weight, title_caps_meaningful),
            (_lead(doc.text, settings.lead_chars), 1.0, True),
        ):
            run: list[str] = []
            previous = ""
            for token in tokens(text):
                if token.sentence_start:
                    previous = ""
                if not token.term:
                    self._add_phrases(tf, run, weight)
                    run = []
                    continue
                term = self._term(token.term)
                tf[term] = tf.get(term, 0.0) + weight
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
        return _Features(tf, caps)

    def _add_phrases(self, tf: dict[str, float], run: list[str], weight: float) -> None:
        if self.settings.phrase_weight <= 0 or len(run) < 2:
            return
        for first, second in zip(run, run[1:], strict=False):
            phrase = f"{_PHRASE_PREFIX}{first}_{second}"
            tf[phrase] = tf.get(phrase, 0.0) + weight * self.settings.phrase_weight

    def _learn(self, features: _Features) -> None:
        self._docs_seen += 1
        self._docs_since_halving += 1
        df = self._df
        for term in features.tf:
            df[term] = df.get(term, 0.0) + 1.0
        for term, (seen, upper) in features.caps.items():
            stats = self._caps.setdefault(term, [0, 0])
            stats[0] += seen
            stats[1] += upper
        if self._docs_since_halving >= self.settings.df_halving_docs:
            # Halving keeps the vocabulary bounded and lets the IDF follow what is news now.
            self._docs_since_halving = 0
            self._docs_seen /= 2
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

    def _vectorise(
        self, tf: dict[str, float], extra_caps: dict[str, list[int]] | None = None
    ) -> dict[str, float]:
        n = self._docs_seen + 1.0
        floor = self.settings.idf_floor
        power = self.settings.idf_power
        sublinear = self.settings.sublinear_tf
        df = self._df
        vector: dict[str, float] = {}
        norm2 = 0.0
        for term, count in tf.items():
            weight = (1.0 + math.log(count)) if count >= 1.0 and sublinear else count
            weight *= (math.log(n / (df.get(term, 0.0) + 1.0)) + floor) ** power * self._boost(
                term, extra_caps
            )
            if weight > 0:
                vector[term] = weight
                norm2 += weight * weight
        if norm2 <= 0:
            return {}
        scale = 1.0 / math.sqrt(norm2)
        return {t: w * scale for t, w in vector.items()}

    # ---- stories --------------------------------------------------------------------

    def _fresh_name(self) -> str:
        while f"s-{self._next_key}" in self._by_name or f"s-{self._next_key}" in self._merged_into:
            self._next_key += 1
        return f"s-{self._next_key}"

    def _new_story(self, name: str) -> _Story:
        key = self._next_key
        while key in self._stories:
            key += 1
        self._next_key = max(self._next_key, key + 1)
        story = _Story(key=key, name=name, built_at=int(self._docs_seen))
        self._stories[key] = story
        self._by_name[name] = key
        return story

    def _in_window(self, story: _Story, published: float | None) -> bool:
        if published is None or story.last is None or story.first is None:
            return True
        window = self.settings.window_seconds
        return published - story.last <= window and story.first - published <= window

    def _refresh(self, story: _Story) -> None:
        """Rebuilds a story's vectors with today's IDF once the corpus has grown enough."""
        growth = self.settings.refresh_growth
        if growth is None or self._docs_seen < growth * max(story.built_at, 20):
            return
        vectors = [self._vectorise(tf) for tf in story.member_features]
        story.member_vectors = vectors
        centroid: dict[str, float] = {}
        for vector in vectors:
            for term, weight in vector.items():
                centroid[term] = centroid.get(term, 0.0) + weight
        story.centroid = centroid
        story.norm2 = sum(w * w for w in centroid.values())
        story.built_at = int(self._docs_seen)

    def _rank(
        self, vector: dict[str, float], published: float | None, rescore: int = 0
    ) -> list[tuple[float, _Story]]:
        settings = self.settings
        if not vector:
            return []
        partial: dict[int, float] = {}
        stories = self._stories
        postings = self._postings
        limit = settings.posting_limit
        # Only the article's heaviest (rarest) terms look up candidates; a story sharing none
        # of them is too far to join, and skipping long postings keeps the cost per article flat.
        probes = heapq.nlargest(
            settings.query_terms,
            (
                (weight, term)
                for term, weight in vector.items()
                if 0 < len(postings.get(term, ())) <= limit
            ),
        )
        for weight, term in probes:
            for key in postings[term]:
                partial[key] = partial.get(key, 0.0) + weight * stories[key].centroid[term]
        shortlist = heapq.nlargest(
            settings.candidate_limit,
            partial.items(),
            key=lambda kv: (kv[1] / math.sqrt(stories[kv[0]].norm2 or 1.0), -kv[0]),
        )
        coarse: list[tuple[float, _Story]] = []
        for key, _ in shortlist:
            story = stories[key]
            if not self._in_window(story, published):
                continue
            self._refresh(story)
            centroid = _dot(vector, story.centroid) / math.sqrt(story.norm2) if story.norm2 else 0.0
            coarse.append((centroid, story))
        bonus = {s.key: self._recency(s, published) for _, s in coarse}
        coarse.sort(key=lambda cs: (-(cs[0] + bonus[cs[1].key]), cs[1].key))
        # Comparing with single members costs most, so only the front runners get it.
        ranked = [
            (self._blend(vector, story, centroid) + bonus[story.key], story)
            for centroid, story in coarse[: max(settings.rescore_limit, rescore)]
        ]
        ranked.sort(key=lambda sk: (-sk[0], sk[1].key))
        return ranked

    def _recency(self, story: _Story, published: float | None) -> float:
        """Bonus for being close in time: one event's articles appear within hours of each other."""
        bonus = self.settings.recency_bonus
        if not bonus or published is None or story.first is None or story.last is None:
            return 0.0
        gap = max(0.0, story.first - published, published - story.last)
        return bonus * math.exp(-gap / self.settings.recency_scale)

    def _blend(self, vector: dict[str, float], story: _Story, centroid: float) -> float:
        """Mixes centroid similarity with the nearest remembered member's."""
        share = self.settings.nearest_member_weight
        if share <= 0 or len(story.member_vectors) < 2:
            return centroid
        nearest = max(_dot(vector, m) for m in story.member_vectors)
        return (1 - share) * centroid + share * nearest

    def _join_threshold(self, story: _Story) -> float:
        size = story.size
        return self.settings.join_threshold * (
            1.0 - self.settings.size_relief * (1.0 - 1.0 / max(size, 1))
        )

    def _attach(
        self, story: _Story, doc: Doc, tf: dict[str, float], vector: dict[str, float]
    ) -> None:
        story.members.append(doc.id)
        story.member_features.append(tf)
        story.member_vectors.append(vector)
        self._arrivals += 1
        story.member_order.append(self._arrivals)
        story.size += 1
        centroid = story.centroid
        dot = 0.0
        for term, weight in vector.items():
            old = centroid.get(term)
            if old is None:
                centroid[term] = weight
                self._postings.setdefault(term, set()).add(story.key)
            else:
                dot += old * weight
                centroid[term] = old + weight
        story.norm2 += 2 * dot + sum(w * w for w in vector.values())
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
        # Forgotten articles keep answering story_of() until the story expires.
        story.past_members.extend(story.members[:excess])
        for vector in story.member_vectors[:excess]:
            for term, weight in vector.items():
                left = centroid.get(term, 0.0) - weight
                if left > 1e-9:
                    centroid[term] = left
                else:
                    centroid.pop(term, None)
                    posting = self._postings.get(term)
                    if posting is not None:
                        posting.discard(story.key)
                        if not posting:
                            del self._postings[term]
        del story.members[:excess]
        del story.member_order[:excess]
        del story.member_features[:excess]
        del story.member_vectors[:excess]
        story.norm2 = sum(w * w for w in centroid.values())

    def _merge_neighbours(self, story: _Story, ranked: list[tuple[float, _Story]]) -> None:
        threshold = self.settings.merge_threshold
        assert threshold is not None
        for _, other in ranked:
            if (
                other.key == story.key
                or other.key not in self._stories
                or story.key not in self._stories
            ):
                continue
            if not (self._in_window(other, story.first) and self._in_window(other, story.last)):
                continue
            if self._centroid_cosine(story, other) >= threshold:
                older, younger = (story, other) if story.key < other.key else (other, story)
                self._absorb(older, younger)
                story = older

    @staticmethod
    def _centroid_cosine(a: _Story, b: _Story) -> float:
        if a.norm2 <= 0 or b.norm2 <= 0:
            return 0.0
        return _dot(a.centroid, b.centroid) / math.sqrt(a.norm2 * b.norm2)

    def _absorb(self, older: _Story, younger: _Story) -> None:
        for term, weight in younger.centroid.items():
            if term in older.centroid:
                older.centroid[term] += weight
            else:
                older.centroid[term] = weight
                self._postings.setdefault(term, set()).add(older.key)
        older.norm2 = sum(w * w for w in older.centroid.values())
        # Members stay in arrival order so that trimming forgets the oldest of both stories.
        rows = sorted(
            zip(
                older.member_order + younger.member_order,
                older.members + younger.members,
                older.member_features + younger.member_features,
                older.member_vectors + younger.member_vectors,
                strict=True,
            ),
            key=lambda row: row[0],
        )
        older.member_order = [r[0] for r in rows]
        older.members = [r[1] for r in rows]
        older.member_features = [r[2] for r in rows]
        older.member_vectors = [r[3] for r in rows]
        older.size += younger.size
        for bound in (younger.first, younger.last):
            if bound is not None:
                older.first = bound if older.first is None else min(older.first, bound)
                older.last = bound if older.last is None else max(older.last, bound)
        older.past_members.extend(younger.past_members)
        for doc_id in younger.members + younger.past_members:
            self._doc_story[doc_id] = older.key
        self._unindex(younger)
        del self._stories[younger.key]
        del self._by_name[younger.name]
        self._merged_into[younger.name] = older.name
        self._merges.append((younger.name, older.name))
        self._trim(older)

    def _unindex(self, story: _Story) -> None:
        for term in story.centroid:
            posting = self._postings.get(term)
            if posting is not None:
                posting.discard(story.key)
                if not posting:
                    del self._postings[term]

    def _drop(self, story: _Story) -> None:
        self._unindex(story)
        for doc_id in story.members + story.past_members:
            if self._doc_story.get(doc_id) == story.key:
                del self._doc_story[doc_id]
        del self._stories[story.key]
        del self._by_name[story.name]
