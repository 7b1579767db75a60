"""A second, offline pass over a whole file of undated articles (`parallax cluster` only).

The online clusterer decides each article when it arrives, against the stories of the articles
before it and with the IDF of the articles seen so far; on an undated stream nothing (no time)
keeps same-topic events apart, so its larger stories are often unions of several events, and
reports worded apart stay split. A batch run has the whole file: this pass re-reads every
undated article with the final IDF and

1. splits each story whose articles are not one group by average link (UPGMA inside the story,
   stopping below `link`), and
2. joins the parts again by average link over a sparse graph of each article's nearest
   neighbours (found through an inverted index over the articles' rarer terms), merging the
   closest pair of groups while their average link is at least `link`.

Average link over a group's articles is what an offline clustering of the full similarity
matrix uses (docs/clustering.md, "Why stories-dev stays near 0.75"); the graph keeps the work
per article bounded (`probes` terms, each posting at most `posting_limit` long, `neighbours`
exact cosines), so the pass costs a bounded multiple of reading the file. Dated articles keep
the online answer (time separates their events, and the learned merge has its say there).
Same input, same output: every order and tie is fixed.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from .cluster import Clusterer, ClusterSettings, Doc, _dot, nearest_by_terms


@dataclass(frozen=True)
class RegroupSettings:
    """The pass's knobs; docs/clustering.md has the sweep behind the defaults."""

    link: float = 0.3
    # Where a story is cut apart (None: at `link`), and from how many articles: a story of
    # two to four articles is the learned match's answer against each of its articles, and
    # cutting it undid right joins on sparse streams (cold slices of stories-dev lost 0.03);
    # larger ones are where chains of same-topic joins collect (docs/clustering.md).
    split_link: float | None = None
    split_from: int = 5
    neighbours: int = 30
    probes: int = 10
    posting_limit: int = 300
    # A story larger than this is left whole (its inner links would cost its size squared).
    split_limit: int = 64


def batch_settings(settings: ClusterSettings | None = None) -> ClusterSettings:
    """The clusterer's settings for a run that ends in this pass: without the online regroup
    (ClusterSettings.regroup_link), which does this pass's work a round at a time with the IDF
    of the articles seen so far; run first, it left this pass less to gain than it took
    (stories-dev through cluster_jsonl: 0.7692 with this pass alone, 0.7642 with both;
    docs/clustering.md)."""
    return dataclasses.replace(settings or ClusterSettings(), regroup_link=None)


def regroup(
    clusterer: Clusterer,
    docs: Sequence[Doc],
    stories: Sequence[str],
    settings: RegroupSettings | None = None,
) -> list[str]:
    """New story ids for `docs` (their final online `stories`, in the same order): undated
    articles regrouped by average link with the clusterer's final IDF, dated ones as they were.
    A group keeps the id of the story its first article had."""
    settings = settings or RegroupSettings()
    out = list(stories)
    undated = [i for i, d in enumerate(docs) if d.published is None]
    if len(undated) < 2:
        return out
    vectors: list[dict[str, float]] = []
    languages: list[str] = []
    for i in undated:
        vector, language = clusterer.vector(docs[i])
        vectors.append(vector)
        languages.append(language)
    n = len(undated)
    edges = _neighbour_graph(vectors, languages, settings)
    # 1. Split each online story by average link among its own articles (exact cosines).
    by_story: dict[str, list[int]] = {}
    for local, i in enumerate(undated):
        by_story.setdefault(stories[i], []).append(local)
    group_of = list(range(n))
    split = settings.link if settings.split_link is None else settings.split_link
    for members in by_story.values():
        if len(members) < max(2, settings.split_from):
            for local in members:
                group_of[local] = members[0]
            continue
        if len(members) > settings.split_limit:
            for local in members:
                group_of[local] = members[0]
            continue
        for part in upgma_within(members, vectors, split):
            for local in part:
                group_of[local] = part[0]
    # Pairs inside one online story count in full (the split kept them together or apart on
    # exact cosines); between stories the graph's nearest-neighbour edges stand for the rest.
    for members in by_story.values():
        if 2 <= len(members) <= settings.split_limit:
            for x, a in enumerate(members):
                for b in members[x + 1 :]:
                    edges[(a, b)] = _dot(vectors[a], vectors[b])
    # 2. Join the parts by average link over the graph.
    final = _upgma_graph(group_of, edges, settings.link)
    names: dict[int, str] = {}
    for local, i in enumerate(undated):
        root = final[local]
        if root not in names:
            names[root] = stories[i]
    taken: set[str] = set()
    rename: dict[int, str] = {}
    counter = 0
    for local, i in enumerate(undated):
        root = final[local]
        if root not in rename:
            name = names[root]
            if name in taken:  # a part split off a story: a new id beside the old one
                while True:
                    counter += 1
                    candidate = f"{name}.{counter}"
                    if candidate not in taken:
                        name = candidate
                        break
            taken.add(name)
            rename[root] = name
        out[i] = rename[root]
    return out


def _neighbour_graph(
    vectors: list[dict[str, float]], languages: list[str], settings: RegroupSettings
) -> dict[tuple[int, int], float]:
    """(a, b) with a < b -> cosine, for each article's `neighbours` nearest among those sharing
    one of its `probes` heaviest terms (postings no longer than `posting_limit`)."""
    # term -> {article: its weight}, articles in file order.
    postings: dict[str, dict[int, float]] = {}
    for i, vector in enumerate(vectors):
        for term, weight in vector.items():
            postings.setdefault(term, {})[i] = weight
    edges: dict[tuple[int, int], float] = {}
    limit = settings.posting_limit
    for i, vector in enumerate(vectors):
        probes = heapq.nlargest(
            settings.probes, [(w, t) for t, w in vector.items() if len(postings[t]) <= limit]
        )
        # By score, then the earlier article first.
        for _, negative in nearest_by_terms(probes, postings, i, settings.neighbours):
            j = -negative
            if languages[j] != languages[i]:
                continue
            pair = (i, j) if i < j else (j, i)
            if pair not in edges:
                cosine = float(_dot(vector, vectors[j]))
                if cosine > 0:
                    edges[pair] = cosine
    return edges


def upgma_within(
    members: list[int], vectors: list[dict[str, float]], link: float
) -> list[list[int]]:
    """Average-link groups of a story's articles (exact cosines), merged while the closest
    pair's average link is at least `link`; each group in article order."""
    groups = [[m] for m in members]
    sums = {
        (x, y): float(_dot(vectors[members[x]], vectors[members[y]]))
        for x in range(len(members))
        for y in range(x + 1, len(members))
    }
    alive = list(range(len(members)))
    while len(alive) > 1:
        best = None
        for p, x in enumerate(alive):
            for y in alive[p + 1 :]:
                value = sums[(x, y)] / (len(groups[x]) * len(groups[y]))
                if best is None or value > best[0]:
                    best = (value, x, y)
        assert best is not None
        value, x, y = best
        if value < link:
            break
        groups[x] = sorted(groups[x] + groups[y])
        alive.remove(y)
        for z in alive:
            if z != x:
                a, b = (x, z) if x < z else (z, x)
                c, d = (y, z) if y < z else (z, y)
                sums[(a, b)] += sums[(c, d)]
    return [groups[x] for x in alive]


def _upgma_graph(
    group_of: list[int], edges: dict[tuple[int, int], float], link: float
) -> list[int]:
    """Average-link merging of the starting groups over a sparse graph (a missing edge counts
    0): the closest pair of groups merges while its average link is at least `link`. Returns
    each article's final group (the smallest starting group id of its merge)."""
    size: dict[int, int] = {}
    for g in group_of:
        size[g] = size.get(g, 0) + 1
    weight: dict[int, dict[int, float]] = {g: {} for g in size}
    for (a, b), cosine in edges.items():
        ga, gb = group_of[a], group_of[b]
        if ga != gb:
            weight[ga][gb] = weight[ga].get(gb, 0.0) + cosine
            weight[gb][ga] = weight[gb].get(ga, 0.0) + cosine
    parent = upgma_groups(size, weight, link)

    def root(g: int) -> int:
        while g in parent:
            g = parent[g]
        return g

    return [root(g) for g in group_of]


def upgma_groups(
    size: dict[int, int], weight: dict[int, dict[int, float]], link: float
) -> dict[int, int]:
    """Average-link merging of groups: `size` their article counts, `weight[a][b]` the sum of
    the cosines between their articles (symmetric; a missing pair counts 0). The closest pair
    merges while its average link (weight / (size a * size b)) is at least `link`; b joins a
    for a < b. Returns {merged-away group: the group it joined} (follow it to the root);
    `size` and `weight` are used up."""
    heap: list[tuple[float, int, int]] = []
    for a, row in weight.items():
        for b, total in row.items():
            if a < b:
                value = total / (size[a] * size[b])
                if value >= link:
                    heap.append((-value, a, b))
    heapq.heapify(heap)
    parent: dict[int, int] = {}
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a in parent or b in parent:
            continue
        current = weight[a].get(b)
        if current is None or abs(current / (size[a] * size[b]) + negative) > 1e-12:
            continue  # stale: a merge since changed this pair's link
        # b joins a (a < b): a's row takes b's edges, b's neighbours point at a.
        parent[b] = a
        size[a] += size.pop(b)
        row_b = weight.pop(b)
        row_a = weight[a]
        del row_a[b]
        for c, total_c in row_b.items():
            if c == a:
                continue
            row_a[c] = row_a.get(c, 0.0) + total_c
            row_c = weight[c]
            row_c[a] = row_c.get(a, 0.0) + row_c.pop(b)
        for c, total_c in row_a.items():
            value = total_c / (size[a] * size[c])
            if value >= link:
                heapq.heappush(heap, (-value, min(a, c), max(a, c)))
    return parent
