"""Measures ingest through the cluster-wide ingest lock: several worker processes on one
PostgreSQL schema, each storing its share of one synthetic stream through the shared engine
(SerialisedEngine, as `parallax worker` does), and where their time goes.

Run: python -m bench.shared_ingest                       (4 workers, 6,000 articles, batches of 200)
     python -m bench.shared_ingest --baseline /tmp/base  (another checkout's engine, e.g.
         `git worktree add --detach /tmp/base <commit>`, in a schema of its own at the same time)

Printed per code: articles per second of wall time (the workers start together and the figure is
the stream over the slowest worker's span), CPU per article of all workers, and the CPU spent
while holding the ingest lock per article (the serial part: what caps the workers' rate whatever
their number); with --baseline, each as a ratio to the other code's, both measured at the same
time on the same machine, so load hits them alike. The articles are bench.coverage_speed's
synthetic news (seeded), in time order, dealt to the workers batch by batch.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

PG_URL = os.environ.get("PARALLAX_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def as_worker(
    src: str,
    url: str,
    ratings: str,
    articles_path: str,
    index: int,
    workers: int,
    batch: int,
    start_at: float,
) -> None:
    """(Subprocess) one worker: its share of the stream through the shared ingest path."""
    if src:
        from bench.coverage_baseline import _use_checkout

        _use_checkout(src)
    from service.core.ratings import load_table
    from service.coverage.engine import Engine, RawArticle
    from service.ingest.shared import serialised
    from service.store.postgres import PostgresStore

    articles = json.loads(Path(articles_path).read_text("utf-8"))
    chunks = [articles[i : i + batch] for i in range(0, len(articles), batch)][index::workers]
    engine = Engine(PostgresStore(url), load_table(Path(ratings)))
    shared = serialised(engine)
    plain_turn = shared.turn
    spent = {"wait": 0.0, "hold": 0.0, "hold_cpu": 0.0}

    @contextlib.contextmanager
    def turn() -> Iterator[None]:
        asked = time.perf_counter()
        with plain_turn():
            got, cpu = time.perf_counter(), time.process_time()
            spent["wait"] += got - asked
            try:
                yield
            finally:
                spent["hold"] += time.perf_counter() - got
                spent["hold_cpu"] += time.process_time() - cpu

    shared.turn = turn  # type: ignore[method-assign]
    while time.time() < start_at:  # every worker (of both codes) starts together
        time.sleep(0.01)
    cpu, wall = time.process_time(), time.perf_counter()
    added = 0
    for chunk in chunks:
        raws = [
            RawArticle(title=a["title"], text=a["text"], url=a["url"], published=a["published"])
            for a in chunk
        ]
        added += shared.ingest(raws).added
    print(
        json.dumps(
            {
                "added": added,
                "wall": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
                **spent,
            }
        ),
        flush=True,
    )
    engine.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--articles", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=200, help="articles per ingest call")
    parser.add_argument("--database-url", default=PG_URL, help="PostgreSQL database (no schema)")
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to compare")
    if len(sys.argv) > 1 and sys.argv[1] == "--as-worker":
        src, url, table, path, index, workers, batch, start = sys.argv[2:10]
        as_worker(src, url, table, path, int(index), int(workers), int(batch), float(start))
        return
    args = parser.parse_args()
    for name in ("workers", "articles", "batch"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.baseline is not None and not (args.baseline / "service" / "__init__.py").exists():
        parser.error(f"--baseline {args.baseline}: not a checkout (no service/__init__.py there)")
    from bench.coverage_speed import SEED, Synth, ratings_dir
    from service.store.postgres import PostgresStore, drop_schema

    tmp = Path(tempfile.mkdtemp(prefix="parallax-shared-ingest-"))
    ratings = ratings_dir(tmp / "ratings")
    articles_path = tmp / "articles.json"
    articles_path.write_text(json.dumps(list(Synth(SEED).stream(args.articles))), "utf-8")
    codes = {"this code": ""}
    if args.baseline is not None:
        codes["baseline"] = str(args.baseline.resolve())
    schemas = {name: f"parallax_shared_{uuid.uuid4().hex[:10]}" for name in codes}
    urls = {name: f"{args.database_url}?schema={schema}" for name, schema in schemas.items()}
    PostgresStore(urls["this code"]).close()  # the baseline's workers migrate their own
    start_at = time.time() + 5 + 2 * args.workers
    procs: dict[str, list[subprocess.Popen[str]]] = {}
    print(
        f"{args.workers} workers per code, {args.articles} articles in batches of {args.batch}, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    try:
        for name, src in codes.items():
            procs[name] = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.shared_ingest",
                        "--as-worker",
                        src,
                        urls[name],
                        str(ratings),
                        str(articles_path),
                        str(i),
                        str(args.workers),
                        str(args.batch),
                        str(start_at),
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=Path(__file__).resolve().parents[1],  # this checkout's bench package
                )
                for i in range(args.workers)
            ]
        results: dict[str, dict[str, float]] = {}
        for name, group in procs.items():
            reports = []
            for proc in group:
                out, _ = proc.communicate(timeout=3600)
                if proc.returncode != 0:
                    raise SystemExit(f"a {name} worker failed (exit {proc.returncode})")
                reports.append(json.loads(out.strip().splitlines()[-1]))
            added = sum(int(r["added"]) for r in reports)
            span = max(float(r["wall"]) for r in reports)
            results[name] = {
                "added": added,
                "per_second": added / span,
                "cpu_ms": 1000 * sum(float(r["cpu"]) for r in reports) / max(added, 1),
                "hold_cpu_ms": 1000 * sum(float(r["hold_cpu"]) for r in reports) / max(added, 1),
                "held_share": sum(float(r["hold"]) for r in reports) / span,
            }
    finally:
        for group in procs.values():
            for proc in group:
                if proc.poll() is None:
                    proc.kill()
        for schema in schemas.values():
            drop_schema(args.database_url, schema)
    print(f"load average after {os.getloadavg()[0]:.1f}")
    for name, r in results.items():
        line = (
            f"{name:9s}: {r['added']:,} articles, {r['per_second']:6.1f} articles/s wall; "
            f"CPU {r['cpu_ms']:.2f} ms an article, {r['hold_cpu_ms']:.2f} ms of it holding the "
            f"ingest lock; the lock held {100 * r['held_share']:.0f} % of the run"
        )
        if name != "this code" and "this code" in results:
            mine = results["this code"]
            line += (
                f" -> this code x{mine['per_second'] / r['per_second']:.2f} articles/s, "
                f"x{mine['hold_cpu_ms'] / r['hold_cpu_ms']:.2f} CPU holding the lock"
            )
        print(line)


if __name__ == "__main__":
    main()
