"""Fingerprints everything the clusterer and the engine decide, to show a speed change decides
nothing differently.

Run: python -m bench.cluster_identity [--data ../shared/data] [--synth 5000]

Prints one sha256 per stream and kind, to be compared before and after a change (run it in both
checkouts): every assignment, merge and expiry, every `match()` answer and every
`candidate_features()` row (floats by repr, so bit for bit) of the clusterer alone over
stories-dev and stories-dev-dated (the order bench.cluster_quality uses) and over seeded
synthetic articles (bench.coverage_speed.Synth, 60 outlets: outlet boilerplate, trims, merges,
refreshes and expiries all happen); then the engine with a SQLite store over the synthetic
articles and stories-dev-dated, batch by batch: each article's story and every story's row
(counts, sides, headline, key points and framing). Only hashes are printed: no dev-set text
leaves the process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.cluster_quality import DATA, load, ordered_docs
from bench.coverage_speed import Synth, ratings_dir, raw_of_record
from service.core.ratings import load_table
from service.coverage.cluster import Clusterer, Doc
from service.coverage.engine import Engine, RawArticle
from service.store.sqlite import SQLiteStore

KINDS = ("assign", "merge", "expire", "match", "features")
PROBE_EVERY = 3  # match() and candidate_features() asked before every third add()


def synth_docs(count: int) -> list[Doc]:
    return [
        Doc(
            id=a["url"],
            title=a["title"],
            text=a["text"],
            outlet=a["url"].split("/")[2],
            published=a["published"],
        )
        for a in Synth(20251205).stream(count)
    ]


def clusterer_hashes(docs: Iterable[Doc]) -> dict[str, str]:
    """sha256 per kind over the clusterer's every decision on the stream."""
    sums = {kind: hashlib.sha256() for kind in KINDS}
    clusterer = Clusterer()
    for n, doc in enumerate(docs):
        if n % PROBE_EVERY == 0:
            sums["match"].update(repr(clusterer.match(doc, 5)).encode())
            sums["features"].update(repr(clusterer.candidate_features(doc, 5)).encode())
        sums["assign"].update(f"{doc.id}\t{clusterer.add(doc)}\n".encode())
        sums["merge"].update(repr(clusterer.drain_merges()).encode())
        if n % 500 == 499 and clusterer._latest is not None:
            sums["expire"].update(repr(clusterer.expire(clusterer._latest)).encode())
    return {kind: s.hexdigest()[:16] for kind, s in sums.items()}


def _without_sample(value: Any) -> Any:
    """A stored digest (JSON) without its "sample" name."""
    if not isinstance(value, str):
        return value
    data = json.loads(value)
    if isinstance(data, dict):
        data.pop("sample", None)
    return json.dumps(data, sort_keys=True)


def engine_hashes(raws: list[RawArticle], batch: int = 50) -> dict[str, str]:
    """sha256 of each article's story and of every story row after ingesting in batches."""
    with tempfile.TemporaryDirectory(prefix="parallax-identity-") as tmp:
        table = load_table(ratings_dir(Path(tmp) / "ratings"))
        path = Path(tmp) / "store.sqlite3"
        store = SQLiteStore(path)
        engine = Engine(store, table, clock=lambda: 1_700_000_000.0)
        for i in range(0, len(raws), batch):
            engine.ingest(raws[i : i + batch])
        store.close()
        with sqlite3.connect(path) as db:
            articles = db.execute("SELECT key, story_id FROM articles ORDER BY id").fetchall()
            columns = [
                c[1]
                for c in db.execute("PRAGMA table_info(stories)").fetchall()
                if c[1] not in ("first_seen", "last_updated")  # the stream's clock, not a choice
            ]
            rows = db.execute(
                f"SELECT {', '.join(columns)} FROM stories ORDER BY id"  # noqa: S608 (our names)
            ).fetchall()
    # A digest's "sample" names its articles and the digest code's hash (so a stored one is
    # redone when the code changes): a new name for the same digest, not a different choice.
    digest = columns.index("digest")
    stories = [(*row[:digest], _without_sample(row[digest]), *row[digest + 1 :]) for row in rows]
    out = {
        "articles": hashlib.sha256(repr(articles).encode()).hexdigest()[:16],
        "stories": hashlib.sha256(repr(stories).encode()).hexdigest()[:16],
    }
    out["count"] = f"{len(articles)} articles, {len(stories)} stories"
    return out


def dated_raws(records: list[dict[str, Any]]) -> list[RawArticle]:
    records = sorted(records, key=lambda r: (r.get("published") or "", r["id"]))
    return [raw_of_record(r) for r in records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--synth", type=int, default=5000, help="synthetic articles")
    parser.add_argument("--skip-engine", action="store_true")
    args = parser.parse_args()
    start = time.process_time()
    streams: dict[str, list[Doc]] = {"synthetic": synth_docs(args.synth)}
    dated: list[dict[str, Any]] = []
    for name in ("stories-dev", "stories-dev-dated"):
        path = args.data / f"{name}.jsonl"
        if path.exists():
            records = load(path)
            streams[name] = ordered_docs(records)
            if name == "stories-dev-dated":
                dated = records
    for name, docs in streams.items():
        hashes = clusterer_hashes(docs)
        print(
            f"clusterer {name:18s} ({len(docs)}): "
            + " ".join(f"{k}={v}" for k, v in hashes.items())
        )
    if not args.skip_engine:
        synth = [
            RawArticle(title=a["title"], text=a["text"], url=a["url"], published=a["published"])
            for a in Synth(20251205).stream(min(args.synth, 3000))
        ]
        for name, raws in (("synthetic", synth), ("stories-dev-dated", dated_raws(dated))):
            if raws:
                hashes = engine_hashes(raws)
                print(f"engine    {name:18s}: " + " ".join(f"{k}={v}" for k, v in hashes.items()))
    print(f"({time.process_time() - start:.0f} s CPU)")


if __name__ == "__main__":
    main()
