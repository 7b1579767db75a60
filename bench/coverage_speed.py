"""Measures coverage-engine speed: ingest+cluster rate, /v1/related latency, restore memory.

Run: python -m bench.coverage_speed            (full: 200,000 then 1,000,000 stored articles)
     python -m bench.coverage_speed --quick    (20,000 then 100,000; a few minutes less)
     python -m bench.coverage_speed --measure 3000 --baseline /tmp/base
         (also times another checkout's engine, e.g. `git worktree add /tmp/base af3b068`,
          on copies of the same stores, step by step in turn with this one)

Every figure is printed beside a baseline measured in the same run on the same machine:
ingest into the big store vs the clusterer alone, vs an empty store, vs the same engine without
story digests and (with --baseline) vs the other checkout's engine; /v1/related at the big store
vs the small one (and vs the other checkout at the big one); restored memory at the big store vs
the small one. Ingest rates are per CPU second of this process (time.process_time: the machine's
cores are shared, so wall time measures the neighbours), with the wall rate beside them.

The articles are synthetic (seeded), shaped like news: a Zipf vocabulary, named entities per
event, 3-10 articles per event from different outlets over a day, ~600 characters of text each.
The history goes into the store directly, as a past run would have left it (story rows, no
clustering, no digests: a story's digest is recomputed whole when an article joins it, so the
stored one is never read by ingest); with --dir the stores are kept and reused by the next run.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import pickle
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from service.config import DEFAULTS
from service.core.ratings import RatingsTable, load_table
from service.coverage import digest_code, keypoints
from service.coverage.cluster import Clusterer, Doc
from service.coverage.engine import Engine, RawArticle, article_key
from service.coverage.keypoints import points as kp_points
from service.coverage.keypoints import sentences as kp_sentences
from service.coverage.summary import side_of
from service.ingest.jsonl import cluster_jsonl, parse_published
from service.store import sql
from service.store.base import Batch, NewArticle
from service.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]  # this checkout
SEED = 20251128
DAY = 86400.0
START = 1_600_000_000.0
PER_DAY = 2000  # articles a day: a few hundred feeds
LEANS = ["left", "lean-left", "center", "lean-right", "right", ""]
OUTLETS = [f"bench{i:02d}.com" for i in range(60)]
# Each outlet's side under ratings_dir's table, as a past run would have stored it with its
# articles (stored as "unrated", the engine's first batch would re-side the whole history).
SIDE_OF_OUTLET = {o: side_of(LEANS[i % len(LEANS)]) for i, o in enumerate(OUTLETS)}


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


@contextmanager
def no_digests() -> Iterator[None]:
    """The store's story refresh with the digest (key points, headline, framing) switched off."""
    names = vars(sql)  # the name the store's refresh calls
    kept = names["story_digest"]
    names["story_digest"] = lambda articles, *ratings: _NO_DIGEST
    try:
        yield
    finally:
        names["story_digest"] = kept


def raw_of_record(r: dict[str, Any]) -> RawArticle:
    """An evaluation-set line (id, title, text and optionally url, outlet, published) as the
    engine's input."""
    return RawArticle(
        title=r["title"],
        text=r.get("text", ""),
        url=r.get("url"),
        outlet=r.get("outlet"),
        published=parse_published(r.get("published")),
        ext_id=r["id"],
    )


def save_synth(synth: Synth, path: Path) -> None:
    """The generator's state, so a later run continues the same timeline."""
    path.write_bytes(pickle.dumps(vars(synth)))


def load_synth(path: Path) -> Synth:
    synth = Synth.__new__(Synth)
    vars(synth).update(pickle.loads(path.read_bytes()))
    return synth


def preload(store: SQLiteStore, synth: Synth, count: int) -> None:
    """Fills the store directly (as a past run would have): gold stories, no clusterer, no
    digests (ingest recomputes a story's whole digest when an article joins it)."""
    with no_digests():
        _preload(store, synth, count)


def _preload(store: SQLiteStore, synth: Synth, count: int) -> None:
    batch: list[NewArticle] = []
    for art in synth.stream(count):
        batch.append(
            NewArticle(
                key=article_key(art["url"]),
                title=art["title"],
                text=art["text"],
                url=art["url"],
                outlet_id=art["url"].split("/")[2],
                side=SIDE_OF_OUTLET.get(art["url"].split("/")[2], "unrated"),
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


# A run ingests a chunk of articles; a run in another process says what the chunk cost there.
Run = Callable[[int, int], "dict[str, float] | None"]


def ingest_rates(
    runs: dict[str, Run],
    count: int,
    batch: int,
    finish: dict[str, Callable[[], dict[str, float] | None]] | None = None,
) -> dict[str, dict[str, float]]:
    """Articles per CPU second and per wall second of each run; they take turns batch by batch,
    so machine load hits all alike. A run's `finish` step (the digests it still holds back,
    PARALLAX_DIGEST_DELAY) is timed after its last batch and counted in its time."""
    finish = finish or {}
    cpu = dict.fromkeys(runs, 0.0)
    wall = dict.fromkeys(runs, 0.0)
    # Each engine of this process parses the articles its digests read into its own cache, as
    # an engine alone would: sharing one, the engine timed second found every article already
    # parsed by the first (the "empty" run ingests the same articles just before "full").
    shared_cache = kp_points._PARSED
    caches = {name: kp_sentences._ParseCache(keypoints.PARSE_CACHE_ARTICLES) for name in runs}
    gc.collect()
    for i in range(0, count, batch):
        for name, run in runs.items():
            kp_points._PARSED = caches[name]
            start_cpu, start = time.process_time(), time.perf_counter()
            reported = run(i, min(i + batch, count))
            if reported is None:
                reported = {
                    "cpu": time.process_time() - start_cpu,
                    "wall": time.perf_counter() - start,
                }
            cpu[name] += reported["cpu"]
            wall[name] += reported["wall"]
    for name, step in finish.items():
        kp_points._PARSED = caches[name]
        start_cpu, start = time.process_time(), time.perf_counter()
        reported = step()
        if reported is None:
            reported = {"cpu": time.process_time() - start_cpu, "wall": time.perf_counter() - start}
        cpu[name] += reported["cpu"]
        wall[name] += reported["wall"]
    kp_points._PARSED = shared_cache
    return {
        name: {"cpu": count / max(cpu[name], 1e-9), "wall": count / max(wall[name], 1e-9)}
        for name in runs
    }


def engine_run(engine: Engine, articles: list[dict[str, Any]]) -> Run:
    def run(start: int, end: int) -> None:
        engine.ingest([raw(a) for a in articles[start:end]])

    return run


# Read no side ("sides" empty), so it holds under any ratings (summary.DigestRatings.holds), as
# the digests a past run of this code stored hold under the ratings they were made with.
_NO_DIGEST: dict[str, Any] = {"headline": "", "key_points": [], "framing": {}, "sides": {}}


def without_digests_step(step: Callable[[], None]) -> Callable[[], None]:
    def wrapped() -> None:
        with no_digests():
            step()

    return wrapped


def without_digests(run: Run) -> Run:
    """The same run with the story digest (key points, headline, framing) switched off at each
    story refresh: what computing them at every change costs, measured batch by batch."""

    def wrapped(start: int, end: int) -> dict[str, float] | None:
        with no_digests():
            return run(start, end)

    return wrapped


class Baseline:
    """Another checkout's engine in a subprocess (bench/coverage_baseline.py), one step a call."""

    def __init__(self, src: Path, mode: str, *args: str) -> None:
        script = Path(__file__).with_name("coverage_baseline.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(src), mode, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._read()
        self.service = str(ready.get("service", "?"))

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the baseline process ended (exit {self.process.wait()})")
        return dict(json.loads(line))

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def baseline_run(baseline: Baseline) -> Run:
    def run(start: int, end: int) -> dict[str, float]:
        return baseline.ask({"start": start, "end": end})

    return run


def baseline_finish(baseline: Baseline) -> Callable[[], dict[str, float]]:
    """The other process's engine flushes every digest it holds back (none before
    PARALLAX_DIGEST_DELAY)."""

    def finish() -> dict[str, float]:
        return baseline.ask({"finish": True})

    return finish


def engine_finish(engine: Engine) -> Callable[[], None]:
    def finish() -> None:
        engine.flush_all_digests()

    return finish


def clusterer_run(store: SQLiteStore, articles: list[dict[str, Any]]) -> Run:
    """The clusterer alone, seeded with the store's active window as the engine would be."""
    clusterer = Clusterer()
    Engine(store, RatingsTable([], [], "none"), clusterer=clusterer)  # restores the window

    def run(start: int, end: int) -> None:
        for a in articles[start:end]:
            clusterer.add(
                Doc(id=a["url"], title=a["title"], text=a["text"], published=a["published"])
            )

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


# A /v1/related client: asks one query, returns (wall ms, CPU ms) of the request.
Ask = Callable[[dict[str, str]], "tuple[float, float]"]


def local_client(client: Any) -> Ask:
    def ask(query: dict[str, str]) -> tuple[float, float]:
        cpu, start = time.process_time(), time.perf_counter()
        response = client.get("/v1/related", query_string=query)
        wall = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.get_data(as_text=True)
        return wall, (time.process_time() - cpu) * 1000

    return ask


def baseline_client(baseline: Baseline) -> Ask:
    def ask(query: dict[str, str]) -> tuple[float, float]:
        answer = baseline.ask({"query": query})
        assert answer["status"] == 200, answer
        return answer["wall"] * 1000, answer["cpu"] * 1000

    return ask


def related_latency(
    clients: dict[str, Ask], queries: dict[str, dict[str, list[dict[str, str]]]]
) -> dict[str, dict[str, float]]:
    """p50/p95 in ms (wall, and CPU) per client and kind; the clients take turns, query by
    query, so a busy machine slows all alike and the ratios between them stay fair."""
    walls: dict[str, dict[str, list[float]]] = {c: {"stored": [], "title": []} for c in clients}
    cpus: dict[str, dict[str, list[float]]] = {c: {"stored": [], "title": []} for c in clients}
    for name, ask in clients.items():  # opens each engine (restores its window) untimed
        ask(queries[name]["stored"][0])
    for kind in ("stored", "title"):
        count = min(len(queries[name][kind]) for name in clients)
        for i in range(count):
            for name, ask in clients.items():
                wall, cpu = ask(queries[name][kind][i])
                walls[name][kind].append(wall)
                cpus[name][kind].append(cpu)
    out: dict[str, dict[str, float]] = {}
    for name in clients:
        out[name] = {}
        for kind in ("stored", "title"):
            cuts = statistics.quantiles(walls[name][kind], n=100)
            out[name][f"{kind}_p50"] = cuts[49]
            out[name][f"{kind}_p95"] = cuts[94]
            out[name][f"{kind}_cpu_p95"] = statistics.quantiles(cpus[name][kind], n=100)[94]
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
        engine.ingest([raw_of_record(r) for r in real[i : i + batch]])
    return len(real), len(real) / (time.perf_counter() - start), alone


def digests_hash(path: Path) -> tuple[int, str]:
    """(stories with a digest, sha256 of their digests): the digests a run's ingest wrote, as
    stored (JSON with sorted keys) but without what names the code that made them ("code",
    digest_code's hash of the digest's source files, which any edit changes, and "sample", the
    store's signature of the input, which holds that hash), in the order of their text (story
    ids are not compared), so two checkouts that make the same digests print the same hash."""
    with sqlite3.connect(path) as conn:
        texts = sorted(
            _without_code(str(row[0]))
            for row in conn.execute("SELECT digest FROM stories WHERE digest IS NOT NULL")
        )
    return len(texts), hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def _without_code(stored: str) -> str:
    """A stored digest's JSON without its "code" and "sample", written as the store writes it."""
    digest = json.loads(stored)
    if isinstance(digest, dict):
        digest.pop("code", None)
        digest.pop("sample", None)
    return json.dumps(digest, sort_keys=True)


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


def copy_store(source: Path, target: Path) -> Path:
    """A copy of a SQLite store (its WAL folded in), for a run that will write to it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(target.name + "*"):
        stale.unlink()
    with sqlite3.connect(source) as a, sqlite3.connect(target) as b:
        a.backup(b)
    return target


def history(root: Path, name: str, make: Callable[[Path], None]) -> Path:
    """A preloaded store kept under `root` (made once, reused by later runs with --dir)."""
    path = root / f"{name}.sqlite3"
    if not path.exists():
        building = root / f"{name}.building.sqlite3"
        for stale in root.glob(building.name + "*"):
            stale.unlink()
        make(building)
        copy_store(building, path)
        for done in root.glob(building.name + "*"):
            done.unlink()
    return path


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
    parser.add_argument(
        "--dir", type=Path, default=None, help="keep the preloaded stores here and reuse them"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a checkout of other code (e.g. main) whose engine is timed in turn with this one",
    )
    parser.add_argument(
        "--ingest-only", action="store_true", help="stop after the ingest figures (no 1M store)"
    )
    parser.add_argument(
        "--digest-delay",
        type=int,
        default=DEFAULTS["DIGEST_DELAY"],
        help="this code's PARALLAX_DIGEST_DELAY, seconds (default: the setting's default); the "
        "digests still held back at the end are made and counted",
    )
    parser.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(*args.probe)
        return
    if args.baseline is not None and not (args.baseline / "service" / "__init__.py").exists():
        parser.error(f"--baseline {args.baseline}: not a checkout (no service/__init__.py there)")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as specified
    small, big = (20_000, 100_000) if args.quick else (200_000, 1_000_000)
    root = args.dir or Path(tempfile.mkdtemp(prefix="parallax-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    ratings = ratings_dir(root / "ratings")
    table = load_table(ratings)

    print(f"store: {root}  (one core; {args.measure} articles timed in batches of {args.batch})")
    # The synthetic timeline: `small` articles of history, then the measured ones, then more
    # history up to `big`; the generator's state is kept beside the stores it made.
    tag = f"{small}-{args.measure}"
    state = root / f"timeline-{tag}.pickle"
    measured_path = root / f"measured-{tag}.json"
    t = time.perf_counter()
    kept = (state, measured_path, root / f"history-{small}.sqlite3")
    if not all(path.exists() for path in kept):
        synth = Synth(SEED)

        def fill(path: Path) -> None:
            fresh = SQLiteStore(path)
            preload(fresh, synth, small)
            fresh.close()

        (root / f"history-{small}.sqlite3").unlink(missing_ok=True)
        small_history = history(root, f"history-{small}", fill)
        measured = list(synth.stream(args.measure))  # the next articles of the same timeline
        measured_path.write_text(json.dumps(measured), "utf-8")
        save_synth(synth, state)
    else:
        small_history = history(root, f"history-{small}", lambda p: None)
        measured = json.loads(measured_path.read_text("utf-8"))
        synth = load_synth(state)
    print(f"history of {small:,} articles ready in {time.perf_counter() - t:.0f} s")
    # A past run of this code under these ratings left the store at them (Store.rerate's
    # cursor): the measured engines do not pay that run's one-off pass (its cost, once per
    # ratings version: docs/coverage.md, When ratings change).
    # So did its writers' remaking of the digests another code made (Store.flush_digests:
    # the preloaded stories' stand-ins name no code, and would be remade 50 a flush).
    with sqlite3.connect(small_history) as conn:
        conn.executemany(
            "INSERT INTO cursors (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [
                (sql.RATINGS_CURSOR, table.version),
                (sql.RECODE_CURSOR, digest_code.current()),
                (sql.RECODED_CURSOR, digest_code.current()),
            ],
        )
    work = root / "work"
    store_path = copy_store(small_history, work / "data" / "parallax.sqlite3")
    store = SQLiteStore(store_path)
    twin_path = copy_store(small_history, work / "twin.sqlite3")
    twin = SQLiteStore(twin_path)
    for stale in work.glob("empty.sqlite3*"):
        stale.unlink()
    empty = SQLiteStore(work / "empty.sqlite3")

    delay = float(args.digest_delay)
    print(f"this code's digest delay (PARALLAX_DIGEST_DELAY): {args.digest_delay} s")
    engine = Engine(store, table, digest_delay=delay)
    window = engine.clusterer.active_stories
    engines = {
        "empty": Engine(empty, table, digest_delay=delay),
        "full": engine,
        "no digests": Engine(twin, table, digest_delay=delay),
    }
    runs: dict[str, Run] = {
        "alone": clusterer_run(store, measured),
        "empty": engine_run(engines["empty"], measured),
        "full": engine_run(engine, measured),
        "no digests": without_digests(engine_run(engines["no digests"], measured)),
    }
    finish: dict[str, Callable[[], dict[str, float] | None]] = {
        "empty": engine_finish(engines["empty"]),
        "full": engine_finish(engine),
    }
    # (the "no digests" run's held ones are stand-ins, flushed without digests as it ran)
    finish["no digests"] = without_digests_step(engine_finish(engines["no digests"]))
    ingest_baseline: Baseline | None = None
    alone_pair: dict[str, Baseline] = {}
    if args.baseline is not None:
        base_path = copy_store(small_history, work / "baseline.sqlite3")
        ingest_baseline = Baseline(
            args.baseline, "ingest", str(base_path), str(ratings), str(measured_path)
        )
        runs["baseline"] = baseline_run(ingest_baseline)
        finish["baseline"] = baseline_finish(ingest_baseline)
        # This code's engine and clusterer alone, and the baseline's clusterer alone, each in a
        # process of its own started the same way as the baseline's engine: a process's own heap
        # and start-up made x1.13 of difference between two runs of the same code (2026-12-05),
        # which an in-process run against a subprocess would count as a gain.
        here_path = copy_store(small_history, work / "ingest-here.sqlite3")
        ingest_here = Baseline(
            ROOT, "ingest", str(here_path), str(ratings), str(measured_path), str(delay)
        )
        alone_pair["ingest here"] = ingest_here
        runs["ingest here"] = baseline_run(ingest_here)
        finish["ingest here"] = baseline_finish(ingest_here)
        for name, src in (("alone here", ROOT), ("alone baseline", args.baseline)):
            path = copy_store(small_history, work / f"{name.replace(' ', '-')}.sqlite3")
            alone_pair[name] = Baseline(src, "alone", str(path), str(measured_path))
            runs[name] = baseline_run(alone_pair[name])
    rates = ingest_rates(runs, len(measured), args.batch, finish)
    for process in [ingest_baseline, *alone_pair.values()]:
        if process is not None:
            process.close()
    empty.close()
    twin.close()
    full, alone = rates["full"], rates["alone"]
    print(
        f"ingest+cluster, synthetic, store of {small:,} ({window:,} stories in the window), "
        f"story digests on: {full['cpu']:6.0f} articles per CPU second (target >= 500); "
        f"wall {full['wall']:6.0f}/s"
    )
    print(
        f"  baselines: clusterer alone, same window {alone['cpu']:6.0f}/s "
        f"(engine+store cost x{alone['cpu'] / full['cpu']:.2f}); "
        f"engine on an empty store {rates['empty']['cpu']:6.0f}/s "
        f"(x{rates['empty']['cpu'] / full['cpu']:.2f})"
    )
    print(
        f"  story key points, headline and framing at every story change: engine without them "
        f"{rates['no digests']['cpu']:6.0f}/s (x{rates['no digests']['cpu'] / full['cpu']:.2f})"
    )
    if ingest_baseline is not None:
        base = rates["baseline"]
        print(
            f"  baseline code ({ingest_baseline.service}): {base['cpu']:6.0f}/s CPU, "
            f"wall {base['wall']:6.0f}/s -> this code x{full['cpu'] / base['cpu']:.2f} "
            f"(wall x{full['wall'] / base['wall']:.2f})"
        )
        here, there = rates["ingest here"], base
        print(
            f"  engine, each code in a process of its own: this code {here['cpu']:6.0f}/s "
            f"({1000 / here['cpu']:.2f} ms CPU per article), baseline code {there['cpu']:6.0f}/s "
            f"({1000 / there['cpu']:.2f} ms) -> this code x{here['cpu'] / there['cpu']:.2f}"
        )
        here, there = rates["alone here"], rates["alone baseline"]
        print(
            f"  clusterer alone, each code in a process of its own: this code {here['cpu']:6.0f}/s "
            f"({1000 / here['cpu']:.2f} ms CPU per article), baseline code {there['cpu']:6.0f}/s "
            f"({1000 / there['cpu']:.2f} ms) -> this code x{here['cpu'] / there['cpu']:.2f}"
        )
    store.close()
    stored, digest_sha = digests_hash(store_path)
    print(f"  story digests in this code's store after ingest: {stored:,}, sha256 {digest_sha}")
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

    # The small store as the ingest left it, and the big one grown from it (kept for reuse).
    snapshot = copy_store(store_path, work / "small" / "parallax.sqlite3")
    big_state = root / f"timeline-{tag}-{big}.pickle"
    t = time.perf_counter()

    def grow(path: Path) -> None:
        copy_store(store_path, path)
        grown = SQLiteStore(path)
        preload(grown, synth, big - grown.counts()["articles"])
        grown.close()
        save_synth(synth, big_state)

    big_history = history(root, f"history-{tag}-{big}", grow)
    if big_state.exists():
        synth = load_synth(big_state)
    big_path = copy_store(big_history, work / "big" / "parallax.sqlite3")
    small_store, big_store = SQLiteStore(snapshot), SQLiteStore(big_path)
    print(
        f"store of {big_store.counts()['articles']:,} articles ready in "
        f"{time.perf_counter() - t:.0f} s"
    )
    queries = {
        "small": related_queries(small_store, synth, args.queries),
        "big": related_queries(big_store, synth, args.queries),
    }
    clients = {
        "small": local_client(app_for(snapshot.parent).test_client()),
        "big": local_client(app_for(big_path.parent).test_client()),
    }
    related_baseline: Baseline | None = None
    if args.baseline is not None:
        # The same big store (a copy of its own) and queries, in the other code.
        base_big = copy_store(big_path, work / "baseline-big" / "parallax.sqlite3")
        related_baseline = Baseline(args.baseline, "related", str(base_big.parent), str(ratings))
        queries["baseline"] = queries["big"]
        clients["baseline"] = baseline_client(related_baseline)
    latency = related_latency(clients, queries)
    if related_baseline is not None:
        related_baseline.close()
    lat_small, lat_big = latency["small"], latency["big"]
    probe_small = run_probe(snapshot, ratings)
    probe_big = run_probe(big_path, ratings)

    for kind, label in (("stored", "stored URL"), ("title", "unseen URL + title")):
        p95_big, p95_small = lat_big[f"{kind}_p95"], lat_small[f"{kind}_p95"]
        line = (
            f"/v1/related {label:19s} at {big:,}: p50 {lat_big[f'{kind}_p50']:6.2f} ms  "
            f"p95 {p95_big:6.2f} ms (target <= 30; CPU p95 {lat_big[f'{kind}_cpu_p95']:5.2f} ms)"
            f"   at {small:,}: p95 {p95_small:6.2f} ms -> x{p95_big / p95_small:.2f}"
        )
        if related_baseline is not None:
            base = latency["baseline"]
            line += (
                f"   baseline code at {big:,}: p95 {base[f'{kind}_p95']:6.2f} ms "
                f"(CPU p95 {base[f'{kind}_cpu_p95']:5.2f} ms) -> this code "
                f"x{p95_big / base[f'{kind}_p95']:.2f}"
            )
        print(line)
    print(
        f"restore at {big:,}: {probe_big['restored_docs']:,} docs, "
        f"{probe_big['active_stories']:,} stories, +{probe_big['rss_growth_mb']:.0f} MB RSS, "
        f"{probe_big['restore_s']:.1f} s   at {small:,}: {probe_small['restored_docs']:,} docs, "
        f"+{probe_small['rss_growth_mb']:.0f} MB -> x"
        f"{probe_big['rss_growth_mb'] / max(probe_small['rss_growth_mb'], 0.1):.2f} "
        f"for x{big / small:.0f} the articles"
    )
    small_store.close()
    big_store.close()

    if args.real.exists():
        # Last, because real 2021 dates move the stream clock past the synthetic history.
        store = SQLiteStore(big_path)
        n, rate_real, real_alone = real_text_rate(Engine(store, table), args.real, args.batch)
        print(
            f"ingest+cluster, real text ({args.real.name}, {n} articles) into the store of "
            f"{big:,}: {rate_real:6.0f} articles/s; clusterer alone {real_alone:6.0f}/s "
            f"(x{real_alone / rate_real:.2f})"
        )
        store.close()
    if args.dir is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
