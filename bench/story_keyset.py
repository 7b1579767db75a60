"""Measures a page of the story listing from a keyset mark among many stories of one instant.

Run: python -m bench.story_keyset --database-url postgresql://host/db?schema=NAME [--stories 200000]

The schema is filled with `--stories` stories, the newer half last updated at one instant (a
file of undated articles) and the rest one a second; then pages of 51 from marks 1 %, 25 %, 45 %
and 75 % down the listing are read both ways by SQLStore.stories(older_than=, newer_than=) and
by the single predicate it used before (last_updated < ? OR (last_updated = ? AND id > ?)),
alternated in one run; medians and their ratios. The schema is left for a next run (dropped with
--drop).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from service.store.postgres import PostgresStore, drop_schema

_OLD = {
    False: "(last_updated < ? OR (last_updated = ? AND id > ?)) ORDER BY last_updated DESC, id",
    True: "(last_updated > ? OR (last_updated = ? AND id < ?)) ORDER BY last_updated, id DESC",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--stories", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    store = PostgresStore(args.database_url)
    conn: Any = store._conn()
    n = args.stories
    if conn.execute("SELECT count(*) FROM stories").fetchone()[0] != n:
        conn.execute("DELETE FROM stories")
        columns = "id, first_seen, last_updated, article_count, outlet_count, headline"
        with conn.cursor().copy(f"COPY stories ({columns}) FROM STDIN") as copy:
            for i in range(n):
                when = 1_700_000_000.0 if i < n // 2 else 1_600_000_000.0 + i
                copy.write_row((f"s{i:07d}", when, when, 1, 1, f"story {i}"))
        conn.execute("ANALYZE stories")
        conn.commit()
    order = conn.execute("SELECT last_updated, id FROM stories ORDER BY last_updated DESC, id")
    listing = [(float(t), str(i)) for t, i in order.fetchall()]
    conn.commit()
    for share in (0.01, 0.25, 0.45, 0.75):
        mark = listing[int(len(listing) * share)]
        for newer in (False, True):
            times: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(args.rounds):
                start = time.perf_counter()
                old = store._run(
                    conn,
                    f"SELECT id FROM stories WHERE {_OLD[newer]} LIMIT 51",
                    [mark[0], mark[0], mark[1]],
                )
                times["before"].append(time.perf_counter() - start)
                start = time.perf_counter()
                kw = {"newer_than" if newer else "older_than": mark}
                now = store.stories(limit=51, digests=False, **kw)  # type: ignore[arg-type]
                times["now"].append(time.perf_counter() - start)
                conn.commit()
                got = [r.id for r in now]
                assert sorted(got) == sorted(str(r[0]) for r in old), "different pages"
            before, after = (statistics.median(times[k]) * 1000 for k in ("before", "now"))
            print(
                f"{'newer' if newer else 'older'} than {share:.0%} down: before {before:.2f} ms,"
                f" now {after:.2f} ms (x{after / before:.3f})"
            )
    store.close()
    if args.drop:
        url, _, schema = args.database_url.partition("?schema=")
        drop_schema(url, schema)


if __name__ == "__main__":
    main()
