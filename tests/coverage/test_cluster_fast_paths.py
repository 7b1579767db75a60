"""The clusterer's fast paths give exactly what the plain computations they replace give.

The candidate search reads centroid weights mirrored into the postings, skips terms no story
holds and remembers each term's IDF until the counts change; each is checked here, article by
article on a seeded stream that trims, refreshes, merges and expires stories, against the
straightforward computation (the code before the fast paths), to the last bit of every float.
Likewise the tokeniser's and the word counting's shortcuts against their plain reading.
"""

from __future__ import annotations

import copy
import heapq
import math
import random
import unicodedata

from service.coverage import text
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


def plain_dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The sparse dot product over the smaller side's common terms, as a Python loop."""
    if len(a) > len(b):
        a, b = b, a
    return sum([w * b[t] for t, w in a.items() if t in b])


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
    # The best candidate_limit stories that can be joined (same language, inside the window).
    ranked = sorted(
        partial.items(),
        key=lambda kv: (kv[1] / math.sqrt(stories[kv[0]].norm2 or 1.0), -kv[0]),
        reverse=True,
    )
    joinable = [
        stories[key]
        for key, _ in ranked
        if stories[key].language == query.language and c._in_window(stories[key], published)
    ]
    coarse = []
    for story in joinable[: settings.candidate_limit]:
        c._refresh(story)
        centroid = (
            plain_dot(vector, story.centroid) / math.sqrt(story.norm2) if story.norm2 else 0.0
        )
        coarse.append((centroid, c._recency(story, published), story))
    coarse.sort(key=lambda cs: (-(cs[0] + cs[1]), cs[2].key))
    share = settings.nearest_member_weight
    out = []
    for centroid, bonus, story in coarse[: settings.rescore_limit]:
        members = story.member_vectors
        nearest = centroid if len(members) == 1 else max(plain_dot(vector, m) for m in members)
        blend = (1 - share) * centroid + share * nearest if len(members) >= 2 else centroid
        out.append(_Candidate(story, centroid, nearest, blend, bonus))
    return out


def test_dot_gives_the_plain_sum_bit_for_bit() -> None:
    rng = random.Random(3)
    words = [f"w{i}" for i in range(60)]
    for _ in range(2000):
        a = {w: rng.random() ** 3 for w in rng.sample(words, rng.randint(0, 30))}
        b = {w: rng.random() ** 3 for w in rng.sample(words, rng.randint(0, 30))}
        for x, y in ((a, b), (b, a)):
            fast, plain = _dot(x, y), plain_dot(x, y)
            assert (fast, type(fast)) == (plain, type(plain))


def described(candidates: list[_Candidate]) -> list[tuple[str, float, float, float, float]]:
    return [(c.story.name, c.centroid, c.nearest, c.blend, c.bonus) for c in candidates]


def check_mirrors(c: Clusterer) -> None:
    held = {(term, key) for term, posting in c._postings.items() for key in posting}
    expected = {(term, s.key) for s in c._stories.values() for term in s.centroid}
    assert held == expected
    for story in c._stories.values():
        for term, weight in story.centroid.items():
            assert c._postings[term][story.key] == weight  # the same float, not a near one
        assert c._roots[story.key] == math.sqrt(story.norm2 or 1.0)
    assert c._roots.keys() == c._stories.keys()


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
        check_mirrors(c)
    assert compared > 100 and merges > 0


def plain_tokens(value: str, language: str = "en") -> list[tuple[str, bool, bool]]:
    """text.tokens as it read before its fast paths: translate() folding and a regex search of
    every gap between words for a sentence end."""
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    value = value.translate(text._FOLD)
    stop = text.stopwords_for(language)
    out: list[tuple[str, bool, bool]] = []
    previous_end = 0
    for i, match in enumerate(
        (text._ASCII_TOKEN if value.isascii() else text._TOKEN).finditer(value)
    ):
        starts = i == 0 or bool(text._SENTENCE_END.search(value[previous_end : match.start()]))
        previous_end = match.end()
        raw = match.group()
        assert not text._IS_UNSPACED.search(raw), "a text of spaced scripts only, please"
        term = raw.lower().strip("'-")
        out.append(
            ("", False, starts) if not term or term in stop else (term, raw[0].isupper(), starts)
        )
    return out


WRITTEN = [
    "Orlov met Vance. Then `Helsinki` talks: 'treaty' (signed) [draft] \"quoted\" - done!",
    "The council's vote;  two  spaces  and\ta tab.\nA new line? Yes: $4,500 and 12% of 3.5",
    "Kerry’s “quote” — and the dash – here; Zoë and Ærø. Москва заявила: «договор».",
    "",
    "   leading spaces. x y z",
]


def test_tokens_and_fold_fast_paths_give_what_the_plain_reading_gives() -> None:
    for value in WRITTEN:
        if value.isascii():
            assert text.fold(value) == value.translate(text._FOLD)
        assert [tuple(t) for t in text.tokens(value)] == plain_tokens(value)


def test_default_word_counting_equals_the_general_loop() -> None:
    # The general loop of _features counts phrases too; with a phrase weight it adds "~" terms
    # and nothing else, so without them both loops must count the same.
    fast = Clusterer()
    general = Clusterer(ClusterSettings(phrase_weight=1e-9))
    for doc in stream(120) + [Doc(f"w{i}", t.split(".")[0], t) for i, t in enumerate(WRITTEN)]:
        mine, theirs = fast._features(doc), general._features(doc)
        assert mine.tf == {t: w for t, w in theirs.tf.items() if not t.startswith("~")}
        assert list(mine.tf) == [t for t in theirs.tf if not t.startswith("~")]
        assert mine.title_tf == theirs.title_tf and mine.caps == theirs.caps
        assert mine.names == theirs.names and mine.language == theirs.language
        fast._learn(mine)
        general._learn(theirs)
    assert list(fast._df.items()) == [(t, n) for t, n in general._df.items() if t[0] != "~"]
    assert fast._caps == general._caps and fast._docs_seen == general._docs_seen


def test_ascii_words_are_the_token_matches_with_the_text_before_each() -> None:
    # The clusterer's ASCII word counting reads (gap, word) pairs from one findall; they must
    # be exactly the finditer matches of the ASCII token pattern and the text between them.
    rng = random.Random(11)
    pieces = ["Word", "it's", "--", "x", "$", "$4,500", "12%", "3.5.", " ", "  ", ". ", "?", "`a`"]
    samples = [value for value in WRITTEN if value.isascii()]
    samples += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    for value in samples:
        folded = text.fold(value)
        expected, end = [], 0
        for match in text._ASCII_TOKEN.finditer(folded):
            expected.append((folded[end : match.start()], match.group()))
            end = match.end()
        assert text.ascii_words(value) == expected
