"""Measures coverage-engine speed: ingest+cluster rate, /v1/related latency, restore memory.

Run: python -m bench.coverage_speed            (full: 200,000 then 1,000,000 stored articles)
     python -m bench.coverage_speed --quick    (20,000 then 100,000; a few minutes less)

Every figure is printed beside a baseline measured in the same run on the same machine:
ingest into the big store vs the clusterer alone and vs an empty store; /v1/related at the big
store vs the small one; restored memory at the big store vs the small one. The articles are
synthetic (seeded), shaped like news: a Zipf vocabulary, named entities per event, 3-10 articles
per event from different outlets over a day, ~600 characters of text each.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.core.ratings import RatingsTable, load_table
from service.coverage.cluster import Clusterer, Doc
from service.coverage.engine import Engine, RawArticle, article_key
from service.ingest.jsonl import cluster_jsonl, parse_published
from service.store import sql
from service.store.base import Batch, NewArticle
from service.store.sqlite import SQLiteStore

SEED = 20251128
DAY = 86400.0
START = 1_600_000_000.0
PER_DAY = 2000  # articles a day: a few hundred feeds
LEANS = ["left", "lean-left", "center", "lean-right", "right", ""]
OUTLETS = [f"bench{i:02d}.com" for i in range(60)]


class Synth:
    """Deterministic news-like articles: events with their own names, told by several outlets."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        syllables = [a + b for a in "bcdfghjklmnprstvwz" for b in "aeiou"]
        self.common = [self._word(syllables, 1, 3) for _ in range(4000)]
        self.weights = [1.0 / (rank + 1) for rank in range(len(self.common))]
        self.cum = []
        total = 0.0
        for w in self.weights:
            total += w
            self.cum.append(total)
        self.names = [self._word(syllables, 2, 4).capitalize() for _ in range(80_000)]
        self.topics = [self._word(syllables, 2, 4) for _ in range(40_000)]
        self.clock = START
        self.event_seq = 0

    def _word(self, syllables: list[str], low: int, high: int) -> str:
        return "".join(self.rng.choice(syllables) for _ in range(self.rng.randint(low, high)))

    def event(self) -> dict[str, Any]:
        self.event_seq += 1
        rng = self.rng
        return {
            "id": f"e{self.event_seq}",
            "names": rng.sample(self.names, 3),
            "topic": rng.sample(self.topics, 4),
            "size": rng.randint(3, 10),
        }

    def article(self, event: dict[str, Any], n: int, when: float) -> dict[str, Any]:
        rng = self.rng
        filler = rng.choices(self.common, cum_weights=self.cum, k=90)
        key_words = event["names"] + event["topic"]
        title_words = rng.sample(key_words, 4) + filler[:5]
        rng.shuffle(title_words)
        text_words = filler[5:] + rng.choices(key_words, k=14)
        rng.shuffle(text_words)
        outlet = OUTLETS[(int(event["id"][1:]) * 13 + n * 7) % len(OUTLETS)]
        return {
            "title": " ".join(title_words).capitalize(),
            "text": " ".join(text_words).capitalize() + ".",
            "url": f"https://{outlet}/{event['id']}/{n}-{int(when)}",
            "published": when,
            "event": event["id"],
        }

    def stream(self, count: int) -> Iterator[dict[str, Any]]:
        """`count` articles in time order; events overlap, each spread over about a day."""
        live: list[tuple[dict[str, Any], int]] = []
        step = DAY / PER_DAY
        for _ in range(count):
            self.clock += step
            if not live or self.rng.random() < 0.25:
                live.append((self.event(), 0))
            index = self.rng.randrange(len(live))
            event, told = live[index]
            yield self.article(event, told, self.clock)
            told += 1
            if told >= event["size"]:
                live.pop(index)
            else:
                live[index] = (event, told)
            if len(live) > 400:  # events die out so the stream moves on
                live.pop(0)


def preload(store: SQLiteStore, synth: Synth, count: int) -> None:
    """Fills the store directly (as a past run would have): gold stories, no clusterer."""
    batch: list[NewArticle] = []
    for art in synth.stream(count):
        batch.append(
            NewArticle(
                key=article_key(art["url"]),
                title=art["title"],
                text=art["text"],
                url=art["url"],
                outlet_id=art["url"].split("/")[2],
                side="unrated",
                published=art["published"],
                first_seen=art["published"],
                story_id="pre-" + art["event"],
            )
        )
        if len(batch) >= 5000:
            store.commit(Batch(articles=batch))
            batch = []
    if batch:
        store.commit(Batch(articles=batch))


def ratings_dir(root: Path) -> Path:
    """A ratings table rating the synthetic outlets, so summaries have sides."""
    columns = (
        "id,name,aliases,kind,country,language,lean,lean_score,factuality,owner,"
        "owner_type,flags,basis,confidence,reviewed"
    )
    rows = []
    for i, outlet in enumerate(OUTLETS):
        lean = LEANS[i % len(LEANS)]
        basis = "benchmark fixture"
        rows.append(
            f"{outlet},Bench {i},,newspaper,US,en,{lean},,high,Owner {i},corporation,,"
            f"{basis},low,2025-01-01"
        )
    (root / "outlets").mkdir(parents=True, exist_ok=True)
    (root / "outlets" / "bench.csv").write_text("\n".join([columns, *rows]) + "\n", "utf-8")
    return root


def raw(art: dict[str, Any]) -> RawArticle:
    return RawArticle(
        title=art["title"], text=art["text"], url=art["url"], published=art["published"]
    )


def ingest_rates(
    runs: dict[str, Any], articles: list[dict[str, Any]], batch: int
) -> dict[str, float]:
    """Articles/s of each run; they take turns batch by batch, so machine load hits all alike."""
    spent = dict.fromkeys(runs, 0.0)
    gc.collect()
    for i in range(0, len(articles), batch):
        chunk = articles[i : i + batch]
        for name, run in runs.items():
            start = time.perf_counter()
            run(chunk)
            spent[name] += time.perf_counter() - start
    return {name: len(articles) / seconds for name, seconds in spent.items()}


def engine_run(engine: Engine) -> Any:
    return lambda chunk: engine.ingest([raw(a) for a in chunk])


_NO_DIGEST: dict[str, Any] = {"headline": "", "key_points": [], "framing": {}}


def without_digests(run: Any) -> Any:
    """The same run with the story digest (key points, headline, framing) switched off at each
    story refresh: what computing them at every change costs, measured batch by batch."""

    def wrapped(chunk: list[dict[str, Any]]) -> Any:
        names = vars(sql)  # the name the store's refresh calls
        kept = names["story_digest"]
        names["story_digest"] = lambda articles: _NO_DIGEST
        try:
            return run(chunk)
        finally:
            names["story_digest"] = kept

    return wrapped


def clusterer_run(store: SQLiteStore) -> Any:
    """The clusterer alone, seeded with the store's active window as the engine would be."""
    clusterer = Clusterer()
    Engine(store, RatingsTable([], [], "none"), clusterer=clusterer)  # restores the window

    def run(chunk: list[dict[str, Any]]) -> list[Any]:
        return [
            clusterer.add(Doc(id=a["url"], title=a["title"], text=a["text"], published=a["published"]))
            for a in chunk
        ]

    return run


def related_queries(store: SQLiteStore, synth: Synth, n: int) -> dict[str, list[dict[str, str]]]:
    """/v1/related queries: stored URLs, and unseen articles given a title (half of them new
    takes on the latest stored stories, half on events the store has never seen)."""
    rng = random.Random(SEED + n)
    top = store.max_article_id()
    stored: list[dict[str, str]] = []
    while len(stored) < n:
        found = next(store.articles_since(0, after_id=rng.randint(1, top) - 1), None)
        if found is not None and found.url:
            stored.append({"url": found.url})
    titled = [
        {"url": a["url"], "title": a["title"]}
        for a in (synth.article(synth.event(), 0, synth.clock) for _ in range(n // 2))
    ]
    latest = list(store.articles_since(0, after_id=max(top - (n - n // 2), 0)))
    for art in reversed(latest):
        titled.append({"url": f"{art.url}-other", "title": art.title})
    return {"stored": stored, "title": titled}


def related_latency(
    clients: dict[str, Any], queries: dict[str, dict[str, list[dict[str, str]]]]
) -> dict[str, dict[str, float]]:
    """p50/p95 in ms per client and kind; the clients take turns, query by query, so a busy
    machine slows both alike and the ratio between them stays fair."""
    times: dict[str, dict[str, list[float]]] = {c: {"stored": [], "title": []} for c in clients}
    for name, client in clients.items():  # opens each engine (restores its window) untimed
        client.get("/v1/related", query_string=queries[name]["stored"][0])
    for kind in ("stored", "title"):
        count = min(len(q[kind]) for q in queries.values())
        for i in range(count):
            for name, client in clients.items():
                start = time.perf_counter()
                response = client.get("/v1/related", query_string=queries[name][kind][i])
                times[name][kind].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.get_data(as_text=True)
    out: dict[str, dict[str, float]] = {}
    for name, kinds in times.items():
        out[name] = {}
        for kind, values in kinds.items():
            cuts = statistics.quantiles(values, n=100)
            out[name][f"{kind}_p50"] = cuts[49]
            out[name][f"{kind}_p95"] = cuts[94]
    return out


def real_text_rate(engine: Engine, path: Path, batch: int) -> tuple[int, float, float]:
    """(articles, engine rate, clusterer-alone rate) on real articles read in place."""
    real = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    real.sort(key=lambda r: r.get("published") or "")
    start = time.perf_counter()
    for _ in cluster_jsonl(json.dumps(r) for r in real):
        pass
    alone = len(real) / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(0, len(real), batch):
        engine.ingest(
            [
                RawArticle(
                    title=r["title"],
                    text=r.get("text", ""),
                    url=r.get("url"),
                    outlet=r.get("outlet"),
                    published=parse_published(r.get("published")),
                    ext_id=r["id"],
                )
                for r in real[i : i + batch]
            ]
        )
    return len(real), len(real) / (time.perf_counter() - start), alone


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def probe(db: str, ratings: str) -> None:
    """(Subprocess) opens an engine on a store and reports what restoring cost."""
    table = load_table(Path(ratings))
    store = SQLiteStore(db)
    gc.collect()
    before = rss_kb()
    start = time.perf_counter()
    engine = Engine(store, table, restore=False)
    restored = engine.restore()
    elapsed = time.perf_counter() - start
    gc.collect()
    print(
        json.dumps(
            {
                "restored_docs": restored,
                "active_stories": engine.clusterer.active_stories,
                "rss_growth_mb": (rss_kb() - before) / 1024,
                "restore_s": elapsed,
            }
        )
    )


def run_probe(db: Path, ratings: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--probe", str(db), str(ratings)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20k/100k stored instead of 200k/1M")
    parser.add_argument("--measure", type=int, default=5000, help="articles ingested and timed")
    parser.add_argument("--batch", type=int, default=100, help="articles per ingest batch")
    parser.add_argument("--queries", type=int, default=400, help="/v1/related requests per kind")
    parser.add_argument(
        "--real",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data" / "stories-dev-dated.jsonl",
        help="real articles (JSON lines) to time too, read in place; skipped when absent",
    )
    parser.add_argument("--dir", type=Path, default=None, help="keep the stores here")
    parser.add_argument(
        "--ingest-only", action="store_true", help="stop after the ingest figures (no 1M store)"
    )
    parser.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(*args.probe)
        return
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as specified
    small, big = (20_000, 100_000) if args.quick else (200_000, 1_000_000)
    root = args.dir or Path(tempfile.mkdtemp(prefix="parallax-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    ratings = ratings_dir(root / "ratings")
    table = load_table(ratings)
    synth = Synth(SEED)

    print(f"store: {root}  (one core; {args.measure} articles timed in batches of {args.batch})")
    store_path = root / "data" / "parallax.sqlite3"
    store = SQLiteStore(store_path)
    t = time.perf_counter()
    preload(store, synth, small)  # history goes in directly; only the timed articles pay the engine
    print(f"preloaded {small:,} articles in {time.perf_counter() - t:.0f} s")
    measured = list(synth.stream(args.measure))  # the next articles of the same timeline
    # The same store again, for the engine without story digests.
    twin_path = root / "twin.sqlite3"
    with sqlite3.connect(store_path) as source, sqlite3.connect(twin_path) as target:
        source.backup(target)
    twin = SQLiteStore(twin_path)

    empty = SQLiteStore(root / "empty.sqlite3")
    engine = Engine(store, table)
    window = engine.clusterer.active_stories
    rates = ingest_rates(
        {
            "alone": clusterer_run(store),
            "empty": engine_run(Engine(empty, table)),
            "full": engine_run(engine),
            "no digests": without_digests(engine_run(Engine(twin, table))),
        },
        measured,
        args.batch,
    )
    empty.close()
    twin.close()
    twin_path.unlink()
    rate_alone, rate_empty, rate_full = rates["alone"], rates["empty"], rates["full"]
    print(
        f"ingest+cluster, synthetic, store of {small:,} ({window:,} stories in the window): "
        f"{rate_full:6.0f} articles/s (target >= 500)"
    )
    print(
        f"  baselines: clusterer alone, same window {rate_alone:6.0f}/s "
        f"(engine+store cost x{rate_alone / rate_full:.2f}); "
        f"engine on an empty store {rate_empty:6.0f}/s (x{rate_empty / rate_full:.2f})"
    )
    print(
        f"  story key points, headline and framing at every story change: engine without them "
        f"{rates['no digests']:6.0f}/s (x{rates['no digests'] / rate_full:.2f})"
    )
    store.close()
    if args.ingest_only:
        return

    from service.app import create_app

    def app_for(data_dir: Path) -> Any:
        return create_app(
            {
                "TESTING": True,
                "DATA_DIR": str(data_dir),
                "RATINGS_DIR": str(ratings),
                "INGEST_ENABLED": False,
                "RATE_LIMIT": "",  # the bench is one client asking fast on purpose
            }
        )

    # Keep a copy of the small store, to measure it side by side with the big one.
    snapshot = root / "small" / "parallax.sqlite3"
    snapshot.parent.mkdir(exist_ok=True)
    with sqlite3.connect(store_path) as source, sqlite3.connect(snapshot) as target:
        source.backup(target)
    store = SQLiteStore(store_path)
    t = time.perf_counter()
    preload(store, synth, big - store.counts()["articles"])
    print(
        f"grew the store to {store.counts()['articles']:,} articles in "
        f"{time.perf_counter() - t:.0f} s"
    )
    store.close()
    small_store, big_store = SQLiteStore(snapshot), SQLiteStore(store_path)
    queries = {
        "small": related_queries(small_store, synth, args.queries),
        "big": related_queries(big_store, synth, args.queries),
    }
    clients = {
        "small": app_for(snapshot.parent).test_client(),
        "big": app_for(root / "data").test_client(),
    }
    latency = related_latency(clients, queries)
    lat_small, lat_big = latency["small"], latency["big"]
    probe_small = run_probe(snapshot, ratings)
    probe_big = run_probe(store_path, ratings)

    for kind, label in (("stored", "stored URL"), ("title", "unseen URL + title")):
        p95_big, p95_small = lat_big[f"{kind}_p95"], lat_small[f"{kind}_p95"]
        print(
            f"/v1/related {label:19s} at {big:,}: p50 {lat_big[f'{kind}_p50']:6.2f} ms  "
            f"p95 {p95_big:6.2f} ms (target <= 30)   at {small:,}: p95 {p95_small:6.2f} ms "
            f"-> x{p95_big / p95_small:.2f}"
        )
    print(
        f"restore at {big:,}: {probe_big['restored_docs']:,} docs, "
        f"{probe_big['active_stories']:,} stories, +{probe_big['rss_growth_mb']:.0f} MB RSS, "
        f"{probe_big['restore_s']:.1f} s   at {small:,}: {probe_small['restored_docs']:,} docs, "
        f"+{probe_small['rss_growth_mb']:.0f} MB -> x"
        f"{probe_big['rss_growth_mb'] / max(probe_small['rss_growth_mb'], 0.1):.2f} "
        f"for x{big / small:.0f} the articles"
    )

    if args.real.exists():
        # Last, because real 2021 dates move the stream clock past the synthetic history.
        store = SQLiteStore(store_path)
        n, rate_real, alone = real_text_rate(Engine(store, table), args.real, args.batch)
        print(
            f"ingest+cluster, real text ({args.real.name}, {n} articles) into the store of "
            f"{big:,}: {rate_real:6.0f} articles/s; clusterer alone {alone:6.0f}/s "
            f"(x{alone / rate_real:.2f})"
        )
        store.close()


if __name__ == "__main__":
    main()
