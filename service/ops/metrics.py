"""GET /metrics in Prometheus text format: requests, latency, cache hits, ingest, store size."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request

# Written by hand rather than with prometheus_client: gunicorn runs several worker processes,
# and prometheus_client's answer to that (its multiprocess mode) wants a process-wide registry
# and environment set before import, which fights the app factory and parallel tests. Here each
# app owns a registry, and workers pool their counts through small files in METRICS_DIR.

METRICS_EXTENSION = "parallax.metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A worker writes its counts at most this often; /metrics always writes before reading.
FLUSH_SECONDS = 2.0
STORE_SIZE_SECONDS = 15.0
RETIRED = "retired"  # the file holding the summed counts of workers that have exited

bp = Blueprint("metrics", __name__)

Labels = tuple[tuple[str, str], ...]


class Registry:
    """Counters and histograms of one process; thread-safe, merged across processes on read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[Labels, float]] = {}
        self.histograms: dict[str, dict[Labels, list[float]]] = {}  # bucket counts, sum, count

    def inc(self, name: str, labels: dict[str, str] | None = None, value: float = 1.0) -> None:
        self.inc_key(name, tuple(sorted((labels or {}).items())), value)

    def inc_key(self, name: str, key: Labels, value: float = 1.0) -> None:
        """`inc` with the labels already as a sorted tuple (for per-request counts)."""
        with self._lock:
            series = self.counters.setdefault(name, {})
            series[key] = series.get(key, 0.0) + value

    def observe(self, name: str, labels: dict[str, str], value: float) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self.histograms.setdefault(name, {})
            cells = series.get(key)
            if cells is None:
                cells = series[key] = [0.0] * (len(BUCKETS) + 2)
            for index, bound in enumerate(BUCKETS):
                if value <= bound:
                    cells[index] += 1
            cells[-2] += value
            cells[-1] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "counters": {
                    n: [[list(map(list, k)), v] for k, v in s.items()]
                    for n, s in self.counters.items()
                },
                "histograms": {
                    n: [[list(map(list, k)), list(v)] for k, v in s.items()]
                    for n, s in self.histograms.items()
                },
            }


def merge(snapshots: Iterable[dict[str, Any]]) -> Registry:
    """One registry holding the sums of several processes' snapshots."""
    total = Registry()
    for snap in snapshots:
        for name, series in snap.get("counters", {}).items():
            for labels, value in series:
                key = tuple(tuple(pair) for pair in labels)
                target = total.counters.setdefault(name, {})
                target[key] = target.get(key, 0.0) + float(value)
        for name, series in snap.get("histograms", {}).items():
            for labels, cells in series:
                key = tuple(tuple(pair) for pair in labels)
                target_h = total.histograms.setdefault(name, {})
                have = target_h.get(key)
                if have is None or len(have) != len(cells):
                    target_h[key] = [float(c) for c in cells]
                else:
                    for index, cell in enumerate(cells):
                        have[index] += float(cell)
    return total


HELP = {
    "parallax_http_requests_total": ("counter", "HTTP requests by route, method and status."),
    "parallax_http_request_duration_seconds": ("histogram", "Time to answer, by route."),
    "parallax_cache_requests_total": ("counter", "Response cache lookups by level and result."),
    "parallax_ingest_articles_total": ("counter", "Articles ingested, by outcome."),
    "parallax_ingest_batches_total": ("counter", "Ingest batches committed."),
    "parallax_ingest_errors_total": ("counter", "Ingest batches or feeds that failed."),
}


def _labels(key: Iterable[tuple[str, str]], extra: str = "") -> str:
    parts = [f'{k}="{_escape(v)}"' for k, v in key]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render(registry: Registry, gauges: dict[str, tuple[str, list[tuple[Labels, float]]]]) -> str:
    """The Prometheus text exposition of counters, histograms and the given gauges."""
    lines: list[str] = []
    for name in sorted(registry.counters):
        kind, text = HELP.get(name, ("counter", name))
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        for key, value in sorted(registry.counters[name].items()):
            lines.append(f"{name}{_labels(key)} {_number(value)}")
    for name in sorted(registry.histograms):
        _, text = HELP.get(name, ("histogram", name))
        lines += [f"# HELP {name} {text}", f"# TYPE {name} histogram"]
        for key, cells in sorted(registry.histograms[name].items()):
            for index, bound in enumerate(BUCKETS):
                le = _labels(key, 'le="' + str(bound) + '"')
                lines.append(f"{name}_bucket{le} {_number(cells[index])}")
            le = _labels(key, 'le="+Inf"')
            lines.append(f"{name}_bucket{le} {_number(cells[-1])}")
            lines.append(f"{name}_sum{_labels(key)} {repr(float(cells[-2]))}")
            lines.append(f"{name}_count{_labels(key)} {_number(cells[-1])}")
    for name in sorted(gauges):
        text, samples = gauges[name]
        lines += [f"# HELP {name} {text}", f"# TYPE {name} gauge"]
        for key, value in samples:
            lines.append(f"{name}{_labels(key)} {_number(value)}")
    return "\n".join(lines) + "\n"


class Metrics:
    """The app's registry, its share file in METRICS_DIR, and the gauges read at scrape time."""

    def __init__(self, directory: str) -> None:
        self.registry = Registry()
        self.directory = Path(directory) if directory else None
        self._last_flush = 0.0
        self._dirty = False
        self._flusher_pid = 0
        self._store_size: tuple[float, dict[str, int]] | None = None
        self.gauge_sources: list[
            Callable[[], dict[str, tuple[str, list[tuple[Labels, float]]]]]
        ] = []

    def flush(self, force: bool = False) -> None:
        """Writes this process's counts for the others to pool (atomically, by rename)."""
        if self.directory is None:
            return
        now = time.monotonic()
        if not force and now - self._last_flush < FLUSH_SECONDS:
            self._dirty = True
            self._start_flusher()
            return
        self._last_flush = now
        self._dirty = False
        target = self.directory / f"{os.getpid()}.json"
        temporary = target.with_suffix(".tmp")
        with contextlib.suppress(OSError):  # a full disk must not fail the request it follows
            temporary.write_text(json.dumps(self.registry.snapshot()), encoding="utf-8")
            temporary.replace(target)

    def _start_flusher(self) -> None:
        # Per process (gunicorn forks after the app is built): an idle worker still writes the
        # tail of its counts within FLUSH_SECONDS instead of at its next request.
        if self._flusher_pid == os.getpid():
            return
        self._flusher_pid = os.getpid()

        def loop() -> None:
            while True:
                time.sleep(FLUSH_SECONDS)
                if self._dirty:
                    self.flush(force=True)

        threading.Thread(target=loop, name="parallax-metrics-flush", daemon=True).start()

    def pooled(self) -> Registry:
        """This process's counts plus every other worker's latest file."""
        if self.directory is None:
            return merge([self.registry.snapshot()])
        self.flush(force=True)
        with contextlib.suppress(OSError):
            self.retire_dead()
        snapshots = []
        for path in sorted(self.directory.glob("*.json")):
            with contextlib.suppress(OSError, ValueError):
                snapshots.append(json.loads(path.read_text("utf-8")))
        return merge(snapshots)

    def retire_dead(self) -> int:
        """Folds the files of exited workers into one, so recycled workers (gunicorn's
        max_requests) neither lose their counts nor leave a file each behind."""
        assert self.directory is not None
        with (self.directory / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one folder at a time, or counts would double
            dead = [
                path
                for path in self.directory.glob("*.json")
                if path.stem.isdigit() and not _alive(int(path.stem))
            ]
            if not dead:
                return 0
            retired = self.directory / f"{RETIRED}.json"
            snapshots = []
            for path in [retired, *dead]:
                with contextlib.suppress(OSError, ValueError):
                    snapshots.append(json.loads(path.read_text("utf-8")))
            temporary = retired.with_suffix(".tmp")
            temporary.write_text(json.dumps(merge(snapshots).snapshot()), encoding="utf-8")
            temporary.replace(retired)
            for path in dead:
                path.unlink(missing_ok=True)
            return len(dead)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, just not ours to signal
    return True


def metrics_of(app: Flask | None = None) -> Metrics:
    found: Metrics = (app or current_app).extensions[METRICS_EXTENSION]
    return found


def _cache_labels(level: str, result: str) -> Labels:
    return (("level", level), ("result", result))


# Built once: the response cache counts every lookup of /v1/score.
_CACHE_LABELS = {
    (level, hit): _cache_labels(level, "hit" if hit else "miss")
    for level in ("l1", "l2")
    for hit in (True, False)
}


def count_cache(level: str, hit: bool) -> None:
    """Records one response-cache lookup (called by the response cache)."""
    key = _CACHE_LABELS.get((level, hit)) or _cache_labels(level, "hit" if hit else "miss")
    metrics_of().registry.inc_key("parallax_cache_requests_total", key)


def count_ingest(app: Flask, added: int, duplicates: int, syndicated: int, rejected: int) -> None:
    """Records one committed ingest batch."""
    registry = metrics_of(app).registry
    registry.inc("parallax_ingest_batches_total")
    for outcome, value in (
        ("added", added),
        ("duplicate", duplicates),
        ("syndicated", syndicated),
        ("rejected", rejected),
    ):
        if value:
            registry.inc("parallax_ingest_articles_total", {"outcome": outcome}, value)


def count_ingest_error(app: Flask) -> None:
    metrics_of(app).registry.inc("parallax_ingest_errors_total")


def instrument_engine(app: Flask, engine: Any) -> None:
    """Counts every batch the app's coverage engine ingests (once per engine)."""
    if getattr(engine, "_parallax_counted", False):
        return
    plain = engine.ingest

    def counted(*args: Any, **kwargs: Any) -> Any:
        try:
            result = plain(*args, **kwargs)
        except Exception:
            count_ingest_error(app)
            raise
        count_ingest(app, result.added, result.duplicates, result.syndicated, result.rejected)
        return result

    engine.ingest = counted
    engine._parallax_counted = True


def _store_gauges(app: Flask) -> dict[str, tuple[str, list[tuple[Labels, float]]]]:
    """Articles, stories and feed health from the store, at most every STORE_SIZE_SECONDS."""
    engine = app.extensions.get("parallax.coverage")
    if engine is None:
        return {}
    metrics = metrics_of(app)
    cached = metrics._store_size
    if cached is None or time.monotonic() - cached[0] > STORE_SIZE_SECONDS:
        try:
            # A full count(*) on a shared PostgreSQL every scrape would be a scan per host.
            sizes = dict(engine.store.estimated_counts())
            sizes.update({f"feeds_{k}": v for k, v in engine.store.feed_health().items()})
        except Exception:  # an unreachable store shows as missing gauges, not a failed scrape
            return {}
        metrics._store_size = cached = (time.monotonic(), sizes)
    sizes = cached[1]
    out: dict[str, tuple[str, list[tuple[Labels, float]]]] = {
        "parallax_store_rows": (
            "Rows in the coverage store.",
            [((("table", t),), float(sizes[t])) for t in ("articles", "stories") if t in sizes],
        )
    }
    feeds: list[tuple[Labels, float]] = [
        ((("state", s),), float(sizes[f"feeds_{s}"])) for s in ("ok", "error")
    ]
    out["parallax_feeds"] = ("Feeds by the outcome of their last pull.", feeds)
    return out


# The methods a request is counted under by name; any other is "OTHER": gunicorn passes any
# upper-case token as a method, and a label per invented one was a new series for good.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"  # unknown paths are one series, not N


@bp.get("/metrics")
def metrics() -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = metrics_of(app)
    gauges = _store_gauges(app)
    pooled = found.pooled()
    hits = sum(
        v
        for k, v in pooled.counters.get("parallax_cache_requests_total", {}).items()
        if ("result", "hit") in k
    )
    total = sum(pooled.counters.get("parallax_cache_requests_total", {}).values())
    no_labels: Labels = ()
    gauges["parallax_cache_hit_ratio"] = (
        "Share of response-cache lookups answered from a cache (any level).",
        [(no_labels, hits / total if total else 0.0)],
    )
    return Response(render(pooled, gauges), content_type=CONTENT_TYPE)


def init_app(app: Flask) -> None:
    directory = str(app.config.get("METRICS_DIR") or "")
    if directory:
        try:
            Path(directory).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(
                f"PARALLAX_METRICS_DIR={directory}: cannot create it ({exc.strerror})"
            ) from None
    found = Metrics(directory)
    app.extensions[METRICS_EXTENSION] = found
    app.register_blueprint(bp)
    app.extensions.setdefault("parallax.openapi_paths", {})["/metrics"] = {
        "get": {
            "summary": "Prometheus metrics (needs an API key when PARALLAX_API_KEYS is set)",
            "responses": {
                "200": {
                    "description": "Prometheus text exposition format 0.0.4",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "401": {
                    "description": "Error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
    }

    @app.before_request
    def _start() -> None:
        g.parallax_metrics_started = time.perf_counter()
        engine = app.extensions.get("parallax.coverage")
        if engine is not None:
            instrument_engine(app, engine)

    @app.after_request
    def _record(response: Response) -> Response:
        started = g.get("parallax_metrics_started")
        route = _route()
        found.registry.inc(
            "parallax_http_requests_total",
            {
                "route": route,
                "method": request.method if request.method in _METHODS else "OTHER",
                "status": str(response.status_code),
            },
        )
        if started is not None:
            found.registry.observe(
                "parallax_http_request_duration_seconds",
                {"route": route},
                time.perf_counter() - started,
            )
        found.flush()
        return response
