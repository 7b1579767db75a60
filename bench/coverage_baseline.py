"""A coverage engine of another checkout (the baseline), driven by bench.coverage_speed one step
at a time so both codes take turns on the same loaded machine.

Run by bench.coverage_speed as a script, never imported: `python bench/coverage_baseline.py SRC
MODE ...` puts the checkout SRC's `service` package first (ahead of this venv's editable install)
and answers JSON lines on stdin with JSON lines on stdout, each with the CPU time
(time.process_time) and wall time the step took in this process.

  ingest DB RATINGS ARTICLES [DELAY]  {"start": i, "end": j} -> ingests ARTICLES[i:j] (a JSON
                                list); {"finish": true} -> flushes the digests held back (DELAY:
                                its PARALLAX_DIGEST_DELAY, where the code has one)
  alone DB ARTICLES             {"start": i, "end": j} -> the clusterer alone (seeded with DB's
                                active window, as the engine would be) adds ARTICLES[i:j]
  related DATA_DIR RATINGS      {"query": {...}} -> GET /v1/related with that query string

The stores it is given are its own copies: it sets their schema version back to its code's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def _use_checkout(src: str) -> None:
    """Imports `service` from SRC: the venv's editable finder would hand back this checkout's."""
    sys.meta_path[:] = [
        finder
        for finder in sys.meta_path
        if "__editable__" not in getattr(finder, "__module__", "")
    ]
    sys.path.insert(0, str(Path(src).resolve()))
    for name in [m for m in sys.modules if m == "service" or m.startswith("service.")]:
        del sys.modules[name]


def _known_schema(db: str) -> None:
    """Sets this bench copy's schema version back to what the baseline's code knows: a newer
    checkout's migrations since then only added tables, columns and indexes, which older code
    never reads (a copy only: the newer code would migrate it again)."""
    import sqlite3

    from service.store.sqlite import MIGRATIONS

    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM schema_version WHERE version > ?", (len(MIGRATIONS),))


def _answer(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def _timed(step: Any) -> dict[str, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    extra = step()
    return {
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        **(extra or {}),
    }


def ingest(db: str, ratings: str, articles_path: str, delay: str = "0") -> None:
    from service.core.ratings import load_table
    from service.coverage.engine import Engine, RawArticle
    from service.store.sqlite import SQLiteStore

    articles = json.loads(Path(articles_path).read_text("utf-8"))
    _known_schema(db)
    # A digest delay only where the code has one (PARALLAX_DIGEST_DELAY); older code has none.
    extra: dict[str, Any] = {"digest_delay": float(delay)} if float(delay) > 0 else {}
    engine = Engine(SQLiteStore(db), load_table(Path(ratings)), **extra)
    _answer({"ready": True, "service": sys.modules["service"].__file__})
    for line in sys.stdin:
        ask = json.loads(line)
        if ask.get("finish"):
            # The digests it still holds back, made now (older code holds none back).
            flush = getattr(engine, "flush_all_digests", engine.flush_digests)
            _answer(_timed(lambda flush=flush: flush() and None))
            continue
        chunk = articles[ask["start"] : ask["end"]]
        raws = [
            RawArticle(title=a["title"], text=a["text"], url=a["url"], published=a["published"])
            for a in chunk
        ]

        def step(raws: list[Any] = raws) -> None:
            engine.ingest(raws)

        _answer(_timed(step))


def alone(db: str, articles_path: str) -> None:
    from service.core.ratings import RatingsTable
    from service.coverage.cluster import Clusterer, Doc
    from service.coverage.engine import Engine
    from service.store.sqlite import SQLiteStore

    articles = json.loads(Path(articles_path).read_text("utf-8"))
    _known_schema(db)
    clusterer = Clusterer()
    Engine(
        SQLiteStore(db), RatingsTable([], [], "none"), clusterer=clusterer
    )  # restores the window
    _answer({"ready": True, "service": sys.modules["service"].__file__})
    for line in sys.stdin:
        ask = json.loads(line)
        docs = [
            Doc(id=a["url"], title=a["title"], text=a["text"], published=a["published"])
            for a in articles[ask["start"] : ask["end"]]
        ]

        def step(docs: list[Any] = docs) -> None:
            for doc in docs:
                clusterer.add(doc)

        _answer(_timed(step))


def related(data_dir: str, ratings: str) -> None:
    from service.app import create_app

    _known_schema(str(Path(data_dir) / "parallax.sqlite3"))
    client = create_app(
        {
            "TESTING": True,
            "DATA_DIR": data_dir,
            "RATINGS_DIR": ratings,
            "INGEST_ENABLED": False,
            "RATE_LIMIT": "",
        }
    ).test_client()
    _answer({"ready": True, "service": sys.modules["service"].__file__})
    for line in sys.stdin:
        query = json.loads(line)["query"]

        def ask(query: dict[str, str] = query) -> dict[str, Any]:
            return {"status": client.get("/v1/related", query_string=query).status_code}

        _answer(_timed(ask))


def main() -> None:
    src, mode, *args = sys.argv[1:]
    _use_checkout(src)
    if mode == "ingest":
        ingest(*args)
    elif mode == "alone":
        alone(*args)
    else:
        related(*args)


if __name__ == "__main__":
    main()
