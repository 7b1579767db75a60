"""Loads, validates and indexes the outlet ratings table; read-only once loaded."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from service.core.quality import (
    NO_FACTUALITY_KINDS,
    NO_QUALITY_KINDS,
    Assignment,
    DerivedFactuality,
    Quality,
    QualityLayer,
    check_domain,
    derive_factuality,
    factuality_distance,
    parse_score,
    pick_assignments,
    read_manifest,
)
from service.core.ratings_schema import (
    FACTUALITY,
    FEED_COLUMNS,
    FLAG_LABELS,
    KIND_LABELS,
    OUTLET_COLUMNS,
    REDUNDANT_HOST_PREFIXES,
    Outlet,
    RowProblems,
    is_valid_host,
    parse_outlet_row,
)
from service.core.resolver import (
    Resolution,
    Resolver,
    is_public_suffix,
    match_path,
    registered_domain,
)
from service.core.urls import SHORTENERS, URLInputError, parse_article_url

MAX_PROBLEMS_SHOWN = 25
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        # Messages quote the file's own values: a control character (an escape sequence in a
        # table from elsewhere) is written out as \xNN, never sent to the operator's terminal.
        message = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", self.message)
        return f"{self.path}:{self.line}: {message}"


class RatingsError(Exception):
    """The ratings files are invalid; `problems` name file, line and fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        suffix = f"\n… and {more} more problems" if more > 0 else ""
        super().__init__(f"{len(problems)} problem(s) in the ratings:\n{shown}{suffix}")


@dataclass(frozen=True)
class Feed:
    outlet_id: str
    url: str


def default_ratings_dir() -> Path:
    """`ratings/` beside the package in a checkout, else the copy inside the installed wheel."""
    package = Path(__file__).resolve().parents[1]  # service/, above service/core/
    for candidate in (package.parent / "ratings", package / "data" / "ratings"):
        if (candidate / "outlets").is_dir():
            return candidate
    return package.parent / "ratings"


def _read_csv(
    path: Path, header: tuple[str, ...], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yields (line number, row); format problems (encoding, CR, header) go to `problems`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, 0, f"cannot read the file: {exc.strerror}"))
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(path, line, "not valid UTF-8: save the file as UTF-8"))
        return
    if text.startswith("\ufeff"):
        problems.append(
            Problem(path, 1, "starts with a byte-order mark: save as UTF-8 without BOM")
        )
        text = text[1:]
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        problems.append(Problem(path, line, "has a CR line ending: use LF line endings only"))
    if text and not text.endswith("\n"):
        problems.append(
            Problem(path, text.count("\n") + 1, "the last line must end with a newline")
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader, None)
        if first is None or tuple(first) != header:
            problems.append(Problem(path, 1, f"header must be exactly: {','.join(header)}"))
            return
        for row in reader:
            line = reader.line_num
            if not row:
                problems.append(Problem(path, line, "blank line: remove it"))
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(
                        path,
                        line,
                        f"has {len(row)} columns, expected {len(header)} "
                        "(quote a field that contains a comma)",
                    )
                )
                continue
            yield line, dict(zip(header, row, strict=True))
    except csv.Error as exc:
        problems.append(Problem(path, reader.line_num, f"CSV syntax error: {exc}"))


def _sort_key(value: str) -> str:
    return value.lower()


def _read_outlets(path: Path, source: str, problems: list[Problem]) -> list[tuple[int, Outlet]]:
    rows: list[tuple[int, Outlet]] = []
    previous_key: str | None = None
    seen_rows: set[tuple[str, ...]] = set()
    for line, row in _read_csv(path, OUTLET_COLUMNS, problems):
        raw = tuple(row[c] for c in OUTLET_COLUMNS)
        if raw in seen_rows:
            problems.append(Problem(path, line, "duplicate row: delete one copy"))
            continue
        seen_rows.add(raw)
        key = _sort_key(row["id"])
        if previous_key is not None and key < previous_key:
            problems.append(
                Problem(
                    path,
                    line,
                    f"rows are not sorted by id: '{row['id']}' comes after "
                    f"'{previous_key}'; sort the file by its first column",
                )
            )
        previous_key = key
        row_problems = RowProblems()
        host = row["id"].strip().split("/", 1)[0]
        if is_valid_host(host) and not registered_domain(host) and not is_public_suffix(host):
            row_problems.add(
                f"'{host}' has no known public suffix (check the spelling of its top-level domain)"
            )
        outlet = parse_outlet_row(row, row_problems, source)
        for message in row_problems.messages:
            problems.append(Problem(path, line, message))
        if outlet is not None:
            for alias in outlet.aliases:
                if alias in SHORTENERS:
                    problems.append(
                        Problem(
                            path,
                            line,
                            f"alias '{alias}' is a link shortener that points "
                            "anywhere, not a host of this outlet; remove it",
                        )
                    )
            rows.append((line, outlet))
    return rows


MAX_FEED_URL_BYTES = 2000


def _read_feeds(path: Path, problems: list[Problem]) -> list[tuple[int, Feed]]:
    feeds: list[tuple[int, Feed]] = []
    previous: tuple[str, str] | None = None
    for line, row in _read_csv(path, FEED_COLUMNS, problems):
        feed = Feed(row["outlet_id"].strip(), row["url"].strip())
        key = (_sort_key(feed.outlet_id), feed.url)
        if previous is not None and key <= previous:
            what = "duplicate feed" if key == previous else "feeds are not sorted by outlet_id, url"
            problems.append(Problem(path, line, f"{what}: sort the file and remove duplicates"))
        previous = key
        try:
            parsed = parse_article_url(feed.url)
            if not feed.url.lower().startswith(("http://", "https://")):
                raise URLInputError("the feed URL must be absolute, starting with http(s)://")
            if parsed.is_ip:
                raise URLInputError("the feed URL must use a host name, not an IP address")
            if len(feed.url.encode("utf-8")) > MAX_FEED_URL_BYTES:
                # It keys the feed's state in the store: PostgreSQL's index refuses ~2,700 bytes.
                raise URLInputError(f"the feed URL is longer than {MAX_FEED_URL_BYTES} bytes")
        except URLInputError as exc:
            shown = feed.url if len(feed.url) <= 200 else feed.url[:200] + "…"
            problems.append(Problem(path, line, f"url '{shown}': {exc.message}"))
            continue
        feeds.append((line, feed))
    return feeds


REVIEW_COLUMNS = ("id", "factuality", "decision", "note", "reviewed")
REVIEW_DECISIONS = ("keep",)


@dataclass(frozen=True)
class Review:
    """A person's decision on a disagreement between our factuality and the derived one."""

    outlet_id: str
    factuality: str
    decision: str
    note: str
    reviewed: str


def _read_reviews(
    path: Path, outlets: Mapping[str, Outlet], problems: list[Problem]
) -> dict[str, Review]:
    reviews: dict[str, Review] = {}
    previous: str | None = None
    for line, row in _read_csv(path, REVIEW_COLUMNS, problems):
        review = Review(*(row[c].strip() for c in REVIEW_COLUMNS))
        outlet = outlets.get(review.outlet_id)
        if outlet is None:
            problems.append(
                Problem(path, line, f"id '{review.outlet_id[:100]}' is not an id in outlets/*.csv")
            )
            continue
        if review.factuality not in FACTUALITY:
            problems.append(
                Problem(
                    path,
                    line,
                    f"factuality '{review.factuality[:30]}' is not one of: {', '.join(FACTUALITY)}",
                )
            )
        if review.decision not in REVIEW_DECISIONS:
            problems.append(
                Problem(
                    path,
                    line,
                    f"decision '{review.decision[:30]}' is not one of: {', '.join(REVIEW_DECISIONS)} "
                    "(to change the label, edit the outlet's row instead)",
                )
            )
        if not review.note:
            problems.append(Problem(path, line, "note is empty: say why our label stands"))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", review.reviewed):
            problems.append(
                Problem(path, line, f"reviewed '{review.reviewed[:20]}' must be a date YYYY-MM-DD")
            )
        if previous is not None and _sort_key(review.outlet_id) <= previous:
            problems.append(Problem(path, line, "rows must be sorted by id, one row per id"))
        previous = _sort_key(review.outlet_id)
        reviews[review.outlet_id] = review
    return reviews


def read_quality_layer(path: Path, problems: list[Problem]) -> QualityLayer | None:
    """Reads `NAME.csv` and its manifest `NAME.json`; problems name file, line and fix."""
    manifest_path = path.with_suffix(".json")
    if not manifest_path.exists():
        problems.append(
            Problem(
                manifest_path,
                0,
                "missing: a quality layer needs its manifest "
                "(source, year, terms; see ratings/SCHEMA.md)",
            )
        )
        return None
    source, manifest_problems = read_manifest(manifest_path)
    problems.extend(Problem(manifest_path, 1, m) for m in manifest_problems)
    if source is None:
        return None
    scores: dict[str, float] = {}
    previous: str | None = None
    for line, row in _read_csv(path, ("domain", source.score_column), problems):
        domain, raw = row["domain"].strip(), row[source.score_column].strip()
        problem = check_domain(domain)
        score = parse_score(raw)
        if problem is not None:
            problems.append(Problem(path, line, problem))
            continue
        if score is None:
            problems.append(
                Problem(
                    path, line, f"{source.score_column} '{raw[:40]}' must be a number in [0, 1]"
                )
            )
            continue
        if domain in scores:
            problems.append(Problem(path, line, f"domain '{domain}' is listed twice; keep one row"))
            continue
        if previous is not None and _sort_key(domain) < previous:
            problems.append(
                Problem(
                    path,
                    line,
                    f"rows are not sorted by domain: '{domain}' comes "
                    f"after '{previous}'; sort the file by its first column",
                )
            )
        previous = _sort_key(domain)
        scores[domain] = score
    return QualityLayer(source, scores)


class RatingsTable:
    """The outlets, indexed by host and by host+path, with memoised URL resolution."""

    def __init__(
        self,
        outlets: Iterable[Outlet],
        feeds: Iterable[Feed],
        version: str,
        quality_layers: Iterable[QualityLayer] = (),
    ) -> None:
        self.outlets: dict[str, Outlet] = {o.id: o for o in outlets}
        self.feeds: list[Feed] = list(feeds)
        self.version = version
        self.quality_layers = list(quality_layers)
        self.row_files: dict[str, str] = {}
        self.reviews: dict[str, Review] = {}
        self._index()
        if self.quality_layers:
            self.outlets = self._apply_quality()
            self._index(self.stop_suffixes)  # same hosts: the suffix check need not run again

    def _index(self, stop_suffixes: frozenset[str] | None = None) -> None:
        self.by_host: dict[str, Outlet] = {}
        self.by_path: dict[str, list[tuple[str, Outlet]]] = {}
        for outlet in self.outlets.values():
            if "/" in outlet.id:
                host, path = outlet.id.split("/", 1)
                self.by_path.setdefault(host, []).append(("/" + path, outlet))
            else:
                self.by_host[outlet.id] = outlet
            for alias in outlet.aliases:
                self.by_host[alias] = outlet
        for entries in self.by_path.values():
            entries.sort(key=lambda entry: len(entry[0]), reverse=True)
        self.stop_suffixes = (
            frozenset(h for h in self.by_host if is_public_suffix(h))
            if stop_suffixes is None
            else stop_suffixes
        )
        self.resolver = Resolver(self)
        # The table's one entry point for URLs: the resolver reads the indexes above.
        self.resolve: Callable[[object], Resolution] = self.resolver.resolve

    def _apply_quality(self) -> dict[str, Outlet]:
        """The outlets with their quality and, where they have no factuality, the derived one.

        Each layer's domains are matched to outlets (the outlet's id, then an alias, then a sub-host
        or path that resolves to it); a later layer replaces an earlier one's value.
        """
        assigned: dict[str, Quality] = {}
        for layer in self.quality_layers:
            candidates: list[Assignment] = []
            for domain, score in layer.scores.items():
                outlet, rank = self._outlet_for_domain(domain)
                if outlet is not None and outlet.kind not in NO_QUALITY_KINDS:
                    order = outlet.aliases.index(domain) if rank == 1 else 0
                    candidates.append(
                        Assignment(outlet.id, Quality(score, domain, layer.source), rank, order)
                    )
            assigned.update(pick_assignments(candidates))
        result: dict[str, Outlet] = {}
        for outlet_id, outlet in self.outlets.items():
            quality = assigned.get(outlet_id)
            derived = None
            if (
                quality is not None
                and outlet.factuality is None
                and outlet.kind not in NO_FACTUALITY_KINDS
            ):
                label = derive_factuality(quality.score, quality.source.cut_points)
                derived = None if label is None else DerivedFactuality(label, quality)
            result[outlet_id] = (
                outlet
                if quality is None
                else replace(outlet, quality=quality, factuality_derived=derived)
            )
        return result

    def _outlet_for_domain(self, domain: str) -> tuple[Outlet | None, int]:
        """The outlet a layer's domain belongs to, and how closely (0 id, 1 alias, 2 below it)."""
        host, slash, path = domain.partition("/")
        if slash:
            outlet = match_path(host, "/" + path, self)
            if outlet is not None:
                return outlet, 0 if outlet.id == domain else 2
        else:
            outlet = self.by_host.get(host)
            if outlet is not None:
                return outlet, 0 if outlet.id == host else 1
        try:
            outlet = self.resolve(domain).outlet
        except URLInputError:
            return None, 0
        return outlet, 2

    def disagreements(self, min_levels: int = 2) -> list[tuple[Outlet, str, int]]:
        """Outlets whose own factuality and the one their quality score gives differ by at least
        `min_levels` steps, most-read first: (outlet, label from the score, steps apart).

        Readership is approximated by what the table knows: outlets whose feeds we ingest, then
        by confidence (long-rated outlets are the widely read ones), then by name.
        """
        with_feeds = {f.outlet_id for f in self.feeds}
        found: list[tuple[Outlet, str, int]] = []
        for outlet in self.outlets.values():
            if outlet.quality is None or outlet.factuality is None:
                continue
            label = derive_factuality(outlet.quality.score, outlet.quality.source.cut_points)
            if label is None:
                continue
            steps = factuality_distance(outlet.factuality, label)
            if steps >= min_levels:
                found.append((outlet, label, steps))
        rank = {"high": 0, "medium": 1, "low": 2}
        found.sort(
            key=lambda x: (x[0].id not in with_feeds, rank[x[0].confidence], x[0].name.casefold())
        )
        return found

    def quality_reach(self) -> dict[str, tuple[int, int]]:
        """Per layer: (domains whose link resolves to an outlet showing a quality, all domains)."""
        reach: dict[str, tuple[int, int]] = {}
        for layer in self.quality_layers:
            shown = 0
            for domain in layer.scores:
                try:
                    outlet = self.resolve(domain).outlet
                except URLInputError:
                    outlet = None
                shown += outlet is not None and outlet.quality is not None
            reach[layer.source.id] = (shown, len(layer.scores))
        return reach

    def __len__(self) -> int:
        return len(self.outlets)

    def get(self, outlet_id: str) -> Outlet | None:
        return self.outlets.get(outlet_id)

    def outlet_for_host(self, host: str) -> Outlet | None:
        """The outlet of a bare host name (an id or an alias), without walking up."""
        return self.by_host.get(host)

    def export(self) -> dict[str, Any]:
        """The compact whole table the extension caches and resolves against locally."""
        # Fields are only ever appended, so that a client reading by name keeps working.
        fields = [
            "id",
            "name",
            "kind",
            "country",
            "lean",
            "lean_score",
            "factuality",
            "owner",
            "owner_type",
            "flags",
            "quality",
            "quality_source",
            "factuality_derived",
        ]
        source_index = {layer.source.id: i for i, layer in enumerate(self.quality_layers)}
        rows = [
            [
                o.id,
                o.name,
                o.kind,
                o.country,
                o.lean,
                o.lean_score,
                o.factuality,
                o.owner or None,
                o.owner_type or None,
                " ".join(o.flags) or None,
                None if o.quality is None else round(o.quality.score, 2),
                None if o.quality is None else source_index[o.quality.source.id],
                None if o.factuality_derived is None else o.factuality_derived.label,
            ]
            for o in sorted(self.outlets.values(), key=lambda o: o.id)
        ]
        aliases = {a: o.id for o in self.outlets.values() for a in o.aliases}
        return {
            "version": self.version,
            # The newest review in the table: with the version, lets the extension keep the fresher
            # of its built-in table and a service's. Read from the data, so the export stays a pure
            # function of the rating files.
            "date": max((o.reviewed for o in self.outlets.values()), default=""),
            "fields": fields,
            "outlets": rows,
            "aliases": dict(sorted(aliases.items())),
            "stop_suffixes": sorted(self.stop_suffixes),
            "shorteners": sorted(SHORTENERS),
            "strip_prefixes": list(REDUNDANT_HOST_PREFIXES),
            "quality_sources": [layer.source.to_json() for layer in self.quality_layers],
            "flag_labels": FLAG_LABELS,
            "kind_labels": KIND_LABELS,
        }

    def stats(self) -> dict[str, Counter[str]]:
        def count(values: Iterable[str | None]) -> Counter[str]:
            return Counter(v or "(none)" for v in values)

        outlets = list(self.outlets.values())
        return {
            "country": count(o.country for o in outlets),
            "kind": count(o.kind for o in outlets),
            "lean": count(o.lean for o in outlets),
            "factuality": count(o.factuality for o in outlets),
            "confidence": count(o.confidence for o in outlets),
            "owner_type": count(o.owner_type for o in outlets),
            "source": count(o.source for o in outlets),
            "quality": count(
                None
                if o.quality is None
                else f"{o.quality.source.id} {_quality_band(o.quality.score)}"
                for o in outlets
            ),
            "factuality_derived": count(
                None if o.factuality_derived is None else o.factuality_derived.label
                for o in outlets
            ),
        }


def _quality_band(score: float) -> str:
    low = min(int(score * 5), 4) / 5
    return f"[{low:.1f}, {low + 0.2:.1f}{']' if low >= 0.8 else ')'}"


def _utf8_name(path: Path, problems: list[Problem]) -> bool:
    """Whether a file's name is UTF-8 (its stem names the rows' source, and the table's version
    hashes it); a name with byte 0xFF crashed every start-up with a UnicodeEncodeError."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.name.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        problems.append(
            Problem(
                path.with_name(shown),
                0,
                "the file name is not UTF-8: rename it with letters, digits, - and _",
            )
        )
        return False
    return True


def check_ratings(
    directory: Path, overrides: Iterable[Path] = (), quality_overrides: Iterable[Path] = ()
) -> tuple[RatingsTable | None, list[Problem]]:
    """Reads and cross-checks every file; returns the table (None if unusable) and problems."""
    problems: list[Problem] = []
    outlet_dir = directory / "outlets"
    files = sorted(outlet_dir.glob("*.csv")) if outlet_dir.is_dir() else []
    if not files:
        problems.append(Problem(outlet_dir, 0, "no outlets/*.csv files found"))
    digest = hashlib.sha256()
    outlets: dict[str, tuple[Path, int, Outlet]] = {}
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        for line, outlet in _read_outlets(path, "parallax", problems):
            if outlet.id in outlets:
                first = outlets[outlet.id]
                problems.append(
                    Problem(
                        path,
                        line,
                        f"id '{outlet.id}' is already used at {first[0]}:{first[1]}; keep one row",
                    )
                )
                continue
            outlets[outlet.id] = (path, line, outlet)
    for override in overrides:
        if not _utf8_name(override, problems):
            continue
        digest.update(override.name.encode() + b"\0" + override.read_bytes())
        for line, outlet in _read_outlets(override, override.stem, problems):
            outlets[outlet.id] = (override, line, outlet)
    claimed: dict[str, tuple[Path, int, str]] = {}
    for path, line, outlet in outlets.values():
        hosts = [outlet.id] if "/" not in outlet.id else []
        for host in [*hosts, *outlet.aliases]:
            if host in claimed and claimed[host][2] != outlet.id:
                other = claimed[host]
                problems.append(
                    Problem(
                        path,
                        line,
                        f"host '{host}' is also claimed by '{other[2]}' "
                        f"at {other[0]}:{other[1]}; one host, one outlet",
                    )
                )
            claimed[host] = (path, line, outlet.id)
    feeds: list[Feed] = []
    feeds_path = directory / "feeds.csv"
    if feeds_path.exists():
        digest.update(feeds_path.read_bytes())
        for line, feed in _read_feeds(feeds_path, problems):
            if feed.outlet_id not in outlets:
                problems.append(
                    Problem(
                        feeds_path,
                        line,
                        f"outlet_id '{feed.outlet_id}' is not an id in outlets/*.csv",
                    )
                )
                continue
            feeds.append(feed)
    layers: list[QualityLayer] = []
    quality_dir = directory / "quality"
    layer_files = sorted(
        p
        for p in (quality_dir.glob("*.csv") if quality_dir.is_dir() else [])
        if p.name != "review.csv"
    )
    seen_ids: dict[str, Path] = {}
    for path in [*layer_files, *quality_overrides]:
        if not _utf8_name(path, problems):
            continue
        manifest = path.with_suffix(".json")
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        if manifest.exists():
            digest.update(manifest.read_bytes())
        layer = read_quality_layer(path, problems)
        if layer is None:
            continue
        if layer.source.id in seen_ids and seen_ids[layer.source.id].parent == path.parent:
            problems.append(
                Problem(
                    manifest,
                    1,
                    f"id '{layer.source.id}' is already used by "
                    f"{seen_ids[layer.source.id]}; give each layer its own id",
                )
            )
            continue
        seen_ids[layer.source.id] = path
        # An override layer with the id of a bundled one replaces it (a newer release).
        layers = [x for x in layers if x.source.id != layer.source.id] + [layer]
    review_path = quality_dir / "review.csv"
    reviews: dict[str, Review] = {}
    if review_path.exists():
        digest.update(review_path.read_bytes())
        reviews = _read_reviews(review_path, {k: v[2] for k, v in outlets.items()}, problems)
    table = RatingsTable(
        (o for _, _, o in outlets.values()), feeds, digest.hexdigest()[:20], layers
    )
    table.row_files = {k: v[0].name for k, v in outlets.items()}
    table.reviews = reviews
    return table, problems


def load_table(
    directory: Path | None = None,
    overrides: Iterable[Path] = (),
    quality_overrides: Iterable[Path] = (),
) -> RatingsTable:
    """Loads and validates the table; raises RatingsError naming file and line on any problem."""
    table, problems = check_ratings(
        directory or default_ratings_dir(), list(overrides), list(quality_overrides)
    )
    if problems or table is None:
        raise RatingsError(problems)
    return table


_bundled: RatingsTable | None = None
_bundled_lock = threading.Lock()


def bundled_table() -> RatingsTable:
    """The bundled table, loaded once on first use (thread-safe), then shared read-only."""
    global _bundled
    if _bundled is None:
        with _bundled_lock:
            if _bundled is None:
                _bundled = load_table()
    return _bundled


def table_for_config(config: Mapping[str, Any]) -> RatingsTable:
    """The table a process runs with: the bundled one, or RATINGS_DIR and the operator's
    overrides (DATA_DIR/ratings-overrides/*.csv, and quality layers in its quality/) when there
    are any."""
    ratings_dir = config.get("RATINGS_DIR") or ""
    override_dir = Path(config["DATA_DIR"]) / "ratings-overrides"
    overrides = sorted(override_dir.glob("*.csv"))
    quality_overrides = sorted((override_dir / "quality").glob("*.csv"))
    if ratings_dir or overrides or quality_overrides:
        return load_table(Path(ratings_dir) if ratings_dir else None, overrides, quality_overrides)
    return bundled_table()


def export_json(table: RatingsTable) -> bytes:
    return json.dumps(table.export(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
