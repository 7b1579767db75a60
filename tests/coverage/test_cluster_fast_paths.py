"""The clusterer's fast paths give exactly what the plain computations they replace give.

The candidate search reads centroid weights mirrored into the postings, skips terms no story
holds and remembers each term's IDF until the counts change; each is checked here, article by
article on a seeded stream that trims, refreshes, merges and expires stories, against the
straightforward computation (the code before the fast paths), to the last bit of every float.
"""

from __future__ import annotations

import copy
import heapq
import math
import random

from service.coverage.cluster import (
    _NUMBER_PREFIX,
    Clusterer,
    ClusterSettings,
    Doc,
    _Candidate,
    _dot,
    _Query,
)

HOUR = 3600.0
T0 = 1_700_000_000.0


def _words(rng: random.Random, count: int, low: int, high: int) -> list[str]:
    syllables = [a + b for a in "bdfgklmnprstvz" for b in "aeiou"]
    return [
        "".join(rng.choice(syllables) for _ in range(rng.randint(low, high))) for _ in range(count)
    ]


def stream(count: int, seed: int = 7) -> list[Doc]:
    """Events of a few articles each from several outlets over hours, sharing a common
    vocabulary (so postings and candidate lists are long) and an outlet line (boilerplate)."""
    rng = random.Random(seed)
    common = _words(rng, 300, 1, 2)
    names = [w.capitalize() for w in _words(rng, 400, 2, 3)]
    outlets = [f"outlet{i}.example" for i in range(6)]
    live: list[tuple[list[str], int]] = []
    docs: list[Doc] = []
    when = T0
    for i in range(count):
        when += rng.uniform(0, 1.5 * HOUR)
        if not live or rng.random() < 0.3:
            live.append((rng.sample(names, 3) + rng.sample(common, 2), rng.randint(2, 9)))
        index = rng.randrange(len(live))
        keys, left = live[index]
        outlet = outlets[rng.randrange(len(outlets))]
        filler = rng.choices(common, k=30)
        title = " ".join(rng.sample(keys, 3) + filler[:3] + [str(rng.randint(1, 40))])
        text = f"{outlet.split('.')[0].capitalize()} desk reports. " + " ".join(
            rng.sample(keys, 4) + filler[3:]
        )
        docs.append(Doc(f"d{i}", title, text, outlet=outlet, published=when))
        if left <= 1:
            live.pop(index)
        else:
            live[index] = (keys, left - 1)
    return docs


def plain_vectorise(c: Clusterer, tf: dict[str, float], language: str) -> dict[str, float]:
    """The TF-IDF vector computed term by term, nothing remembered."""
    settings = c.settings
    prior = c._prior(language)
    pseudo = settings.prior_docs if prior is not None else 0.0
    shares = prior.doc_share if prior is not None else {}
    unseen = prior.unseen_share if prior is not None else 0.0
    n = c._docs_by_language.get(language, 0.0) + pseudo + 1.0
    vector: dict[str, float] = {}
    norm2 = 0.0
    for term, count in tf.items():
        weight = (1.0 + math.log(count)) if count >= 1.0 and settings.sublinear_tf else count
        expected = c._df.get(term, 0.0) + pseudo * shares.get(term, unseen) + 1.0
        idf = math.log(n / expected) + settings.idf_floor
        weight *= idf * settings.number_boost if term[0] == _NUMBER_PREFIX else idf
        if weight > 0:
            vector[term] = weight
            norm2 += weight * weight
    if norm2 <= 0:
        return {}
    scale = 1.0 / math.sqrt(norm2)
    return {t: w * scale for t, w in vector.items()}


def plain_candidates(c: Clusterer, query: _Query) -> list[_Candidate]:
    """The candidate search read straight from the stories (the code before the fast paths)."""
    settings = c.settings
    vector, published = query.vector, query.published
    if not vector:
        return []
    stories = c._stories
    probes = heapq.nlargest(
        settings.query_terms,
        (
            (weight, term)
            for term, weight in vector.items()
            if 0 < len(c._postings.get(term, ())) <= settings.posting_limit
        ),
    )
    partial: dict[int, float] = {}
    for weight, term in probes:
        for key in sorted(c._postings[term]):
            partial[key] = partial.get(key, 0.0) + weight * stories[key].centroid[term]
    shortlist = heapq.nlargest(
        settings.candidate_limit,
        partial.items(),
        key=lambda kv: (kv[1] / math.sqrt(stories[kv[0]].norm2 or 1.0), -kv[0]),
    )
    coarse = []
    for key, _ in shortlist:
        story = stories[key]
        if story.language != query.language or not c._in_window(story, published):
            continue
        c._refresh(story)
        centroid = _dot(vector, story.centroid) / math.sqrt(story.norm2) if story.norm2 else 0.0
        coarse.append((centroid, c._recency(story, published), story))
    coarse.sort(key=lambda cs: (-(cs[0] + cs[1]), cs[2].key))
    share = settings.nearest_member_weight
    out = []
    for centroid, bonus, story in coarse[: settings.rescore_limit]:
        members = story.member_vectors
        nearest = centroid if len(members) == 1 else max(_dot(vector, m) for m in members)
        blend = (1 - share) * centroid + share * nearest if len(members) >= 2 else centroid
        out.append(_Candidate(story, centroid, nearest, blend, bonus))
    return out


def described(candidates: list[_Candidate]) -> list[tuple[str, float, float, float, float]]:
    return [(c.story.name, c.centroid, c.nearest, c.blend, c.bonus) for c in candidates]


def check_postings_mirror_centroids(c: Clusterer) -> None:
    held = {(term, key) for term, posting in c._postings.items() for key in posting}
    expected = {(term, s.key) for s in c._stories.values() for term in s.centroid}
    assert held == expected
    for story in c._stories.values():
        for term, weight in story.centroid.items():
            assert c._postings[term][story.key] == weight  # the same float, not a near one


def test_fast_candidate_search_and_vectors_equal_the_plain_ones_on_a_long_stream() -> None:
    # Small memories and a fast refresh so trims, refreshes and merges all happen often.
    settings = ClusterSettings(
        member_memory=3, refresh_growth=1.1, window_seconds=12 * HOUR, merge_threshold=0.3
    )
    c = Clusterer(settings)
    merges = compared = 0
    for i, doc in enumerate(stream(500)):
        if i % 4 == 0 and c.active_stories:
            features = c._without_boilerplate(doc, c._features(doc))
            query = c._query(doc, features)
            assert query.vector == plain_vectorise(c, features.tf, features.language)
            before = copy.deepcopy(c)
            assert described(c._candidates(query)) == described(plain_candidates(before, query))
            compared += 1
        c.add(doc)
        merges += len(c.drain_merges())
        if i % 50 == 49:
            c.expire(doc.published or 0.0)
        check_postings_mirror_centroids(c)
    assert compared > 100 and merges > 0
