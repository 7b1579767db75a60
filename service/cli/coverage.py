"""The `parallax ingest`, `cluster`, `summarize`, `worker` and `prune` commands: coverage work
from the command line."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click
import psycopg

from service.config import base_url_problem, parse_duration, served_url
from service.core.ratings import RatingsError
from service.core.times import iso
from service.coverage.cluster import Clusterer, Doc
from service.coverage.engine import Engine, article_key, key_variants
from service.coverage.keypoints import Source
from service.coverage.regroup import batch_settings, regroup
from service.coverage.runtime import CoverageContext, context_for_app, context_from_environment
from service.ingest.feeds import FeedRun, FeedSource, ingest_lines
from service.ingest.fetch import FEED_POLICY, PRIVATE_FEED_POLICY
from service.ingest.jsonl import FileFormatError, read_articles, read_story_articles
from service.ingest.shared import feed_ingester
from service.store import open_store
from service.store.base import Batch, PruneResult, SharedStore
from service.store.postgres import StoreUnavailable
from service.store.sql import PRUNE_BATCH
from service.store.sqlite import SQLiteStore

log = logging.getLogger(__name__)


def _context() -> CoverageContext:
    """Inside the service (a Flask app context, as the tests use) its app; otherwise the
    configuration and ratings straight from the environment, without building the web app."""
    from flask import current_app

    try:
        return context_for_app(current_app._get_current_object())  # type: ignore[attr-defined]
    except RuntimeError:
        pass
    try:
        return context_from_environment(os.environ)
    except (ValueError, RatingsError) as exc:
        raise click.ClickException(f"cannot start: {exc}") from None


def _store_failure(exc: Exception) -> click.ClickException:
    """One line for an unreachable or failing store: the operator's fix, not a traceback."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return click.ClickException(f"the coverage store cannot be used: {first}")


STORE_ERRORS: tuple[type[Exception], ...] = (StoreUnavailable, psycopg.Error, sqlite3.Error)


def _data_dir_failure(ctx: CoverageContext, exc: OSError) -> click.ClickException:
    """One line for a data directory SQLite cannot be made in (missing parent, read-only)."""
    from service.ops.resilience import describe_os_error

    return click.ClickException(
        f"the coverage store cannot be opened: PARALLAX_DATA_DIR={ctx.config['DATA_DIR']}: "
        f"{describe_os_error(exc)}"
    )


def _engine(ctx: CoverageContext) -> Engine:
    try:
        return ctx.engine
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    except STORE_ERRORS as exc:
        raise _store_failure(exc) from None
    except OSError as exc:  # SQLite's directory could not be made: a traceback said so before
        raise _data_dir_failure(ctx, exc) from None


def _feeds(ctx: CoverageContext) -> list[FeedSource]:
    return [FeedSource(f.outlet_id, f.url) for f in ctx.ratings.feeds]


def run_feeds_once(ctx: CoverageContext, stop: threading.Event | None = None) -> FeedRun:
    """One pass over every feed in ratings/feeds.csv; logs its one summary line and returns
    what it did."""
    # Feeds on private addresses are refused unless the operator says they are theirs.
    policy = PRIVATE_FEED_POLICY if ctx.config.get("FEEDS_ALLOW_PRIVATE") else FEED_POLICY
    # On a shared store (PostgreSQL) each feed is claimed first, so several workers never pull
    # the same feed twice; on SQLite this is the plain ingester.
    ingester = feed_ingester(
        _engine(ctx),
        interval=float(ctx.config["INGEST_INTERVAL"]),
        policy=policy,
        stop=stop,
        workers=int(ctx.config.get("FEED_THREADS") or 4),
    )
    run = ingester.run(_feeds(ctx))
    log.info("%s", run.summary_line())
    return run


def _cursor_path(path: Path) -> str:
    """The file's path as its cursor names it: the path itself, or its SHA-256 where the path
    is not UTF-8 (a name with byte 0xFF: no store takes the surrogates Python reads it with)
    or too long for PostgreSQL's index on cursor names (~2,700 bytes)."""
    raw = os.fsencode(path.resolve())
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and len(raw) <= 1000:
        return text
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


@click.command("ingest")
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="Load articles from a JSON-lines file, or - for standard input. One article per line: "
    '{"id"?, "url"?, "title", "text"?, "outlet"?, "published"?}. An article without an id is '
    "known by its URL (one of the two is needed); one without a title but with a text gets a "
    "headline from its first sentence.",
)
@click.option(
    "--batch",
    default=500,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Articles per transaction (--file).",
)
def ingest(file_: Path | None, batch: int) -> None:
    """Ingest every feed in ratings/feeds.csv once, or the articles of --file.

    Exits 1 when every feed failed, with one line saying why (no network, no DNS …)."""
    ctx = _context()
    eng = _engine(ctx)
    if file_ is None:
        run = run_feeds_once(ctx)
        click.echo(json.dumps(run.to_json(), indent=2))
        why = run.all_failed()
        if why is not None:
            raise click.ClickException(why)
        return
    untitled: list[int] = []
    from_stdin = str(file_) == "-"
    shown = "standard input" if from_stdin else str(file_)
    try:
        if from_stdin:
            # A pipe cannot be resumed after a crash: no cursor, duplicates are skipped anyway.
            stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
            result = ingest_lines(eng, stdin, batch_size=batch, untitled=untitled)
        else:
            stat = file_.stat()
            # The cursor names this exact file version: a changed file starts over.
            cursor = f"file:{_cursor_path(file_)}:{stat.st_size}:{stat.st_mtime_ns}"
            with file_.open(encoding="utf-8") as handle:
                if sys.stdout.isatty():
                    total = _count_lines(file_)
                    with click.progressbar(length=total, label="ingesting", file=sys.stderr) as bar:
                        result = ingest_lines(
                            eng,
                            handle,
                            cursor_name=cursor,
                            batch_size=batch,
                            progress=bar.update,
                            untitled=untitled,
                        )
                else:
                    result = ingest_lines(
                        eng, handle, cursor_name=cursor, batch_size=batch, untitled=untitled
                    )
    except FileFormatError as exc:
        raise click.ClickException(f"{shown}: {exc}") from None
    except UnicodeDecodeError:
        raise click.ClickException(
            f"{shown}: not UTF-8 text; save it as UTF-8 JSON lines"
        ) from None
    except STORE_ERRORS as exc:  # the store went away mid-file: what was committed stays
        raise _store_failure(exc) from None
    counts = eng.store.counts()
    click.echo(
        json.dumps(
            {
                "added": result.added,
                "duplicates": result.duplicates,
                "syndicated": result.syndicated,
                "rejected": result.rejected,
                "untitled": len(untitled),
                "articles_stored": counts["articles"],
                "stories_stored": counts["stories"],
            }
        )
    )


@click.command("cluster")
@click.argument(
    "file_", metavar="FILE.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def cluster(file_: Path) -> None:
    """Cluster a JSON-lines file through the engine over a throwaway store; print {id, story}.

    An article with a text but no title is clustered on its text; a warning at the end counts them.
    An article the engine cannot take (a javascript: URL, say) prints {id, story: null, error}
    with the reason, and a warning at the end counts those too."""
    from service.core.ratings import RatingsError, RatingsTable, bundled_table
    from service.core.urls import URLInputError

    try:
        table = bundled_table()
    except RatingsError as exc:
        # Clustering reads only text; outlets only add syndication and sides, so carry on.
        click.echo(
            f"warning: ratings not loaded ({len(exc.problems)} problems); "
            "outlets are treated as unrated",
            err=True,
        )
        table = RatingsTable([], [], "none")
    with tempfile.TemporaryDirectory(prefix="parallax-cluster-") as tmp:
        store = SQLiteStore(Path(tmp) / "cluster.sqlite3")
        try:
            # The batch pass at the end regroups the undated articles with the whole file's
            # IDF: the engine's online regroup is left to the online entrances (regroup.py).
            eng = Engine(store, table, Clusterer(batch_settings()), restore=False)
            order: list[tuple[str, str, str]] = []
            docs: list[Doc] = []
            try:
                with file_.open(encoding="utf-8") as handle:
                    lines = list(handle)

                seen: set[str] = set()
                untitled: list[int] = []
                # line number and reason of each article the engine cannot take (a javascript:
                # URL, a key too long to store): said on its own line and counted at the end,
                # rather than a bare null the reader has to guess at
                refused: dict[str, tuple[int, str]] = {}
                now = time.time()
                for number, raw in read_articles(lines, untitled=untitled):
                    shown = raw.ext_id or raw.url or str(number)
                    if shown in seen:
                        raise FileFormatError(f"line {number}: id {shown!r} appears twice")
                    seen.add(shown)
                    order.append((shown, raw.ext_id or "", raw.url or ""))
                    try:
                        eng.prepare(raw, now)
                    except (URLInputError, ValueError) as exc:
                        refused[shown] = (number, str(exc))
                    docs.append(
                        Doc(shown, raw.title, raw.text, outlet=raw.outlet, published=raw.published)
                    )
                result = ingest_lines(eng, lines, batch_size=500, untitled=[])
            except FileFormatError as exc:
                raise click.ClickException(f"{file_}: {exc}") from None
            except UnicodeDecodeError:
                raise click.ClickException(f"{file_}: not UTF-8 text") from None
            by_ext = store.story_ids_by_ext_id(ext for _, ext, _ in order if ext)
            stories: list[str | None] = []
            for shown, ext_id, url in order:
                if shown in refused:
                    stories.append(None)
                    continue
                story = by_ext.get(ext_id) if ext_id else None
                if story is None:
                    story = _story_of_key(eng, url, ext_id, result.aliases)
                stories.append(story)
            # A batch has the whole file: undated articles get a second, offline pass
            # (service/coverage/regroup.py; the online entrances keep their stories).
            undated = [
                n for n, doc in enumerate(docs) if doc.published is None and stories[n] is not None
            ]
            again = regroup(
                eng.clusterer, [docs[n] for n in undated], [str(stories[n]) for n in undated]
            )
            for n, story in zip(undated, again, strict=True):
                stories[n] = story
            for (shown, _, _), story in zip(order, stories, strict=True):
                if shown in refused:
                    click.echo(json.dumps({"id": shown, "story": None, "error": refused[shown][1]}))
                else:
                    click.echo(json.dumps({"id": shown, "story": story}))
            if refused:
                numbers = sorted(number for number, _ in refused.values())
                click.echo(
                    f"warning: {len(refused)} article{'s were' if len(refused) != 1 else ' was'} not "
                    f"clustered (lines {_first_lines(numbers)}); each one's line says why",
                    err=True,
                )
            if untitled:
                click.echo(
                    f"warning: {len(untitled)} articles had no title and were clustered on their "
                    f"text (lines {_first_lines(untitled)})",
                    err=True,
                )
        finally:
            store.close()


def _first_lines(numbers: list[int]) -> str:
    """Line numbers as a warning names them: the first ten, then "..."."""
    return ", ".join(map(str, numbers[:10])) + (", ..." if len(numbers) > 10 else "")


def _story_of_key(eng: Engine, url: str, ext_id: str, aliases: dict[str, str]) -> str | None:
    from service.core.urls import URLInputError, canonical_url

    key = f"id:{ext_id}"
    if url:
        with contextlib.suppress(URLInputError):
            key = article_key(canonical_url(url))
    key = aliases.get(key, key)
    art = eng.store.article_by_keys(key_variants(key))
    return art.story_id if art else None


# The worker prunes at most this often; the time of the last prune is a cursor in the store, so
# restarts and several workers still prune once a day.
PRUNE_EVERY = 86400.0
PRUNE_CURSOR = "retention:last_prune"


def daily_prune(
    ctx: CoverageContext, stop: threading.Event, now: float | None = None
) -> PruneResult | None:
    """With PARALLAX_PRUNE_OLDER_THAN set, removes the older articles when the last prune is a
    day old; None when it was not due (or another worker is pruning)."""
    setting = str(ctx.config.get("PRUNE_OLDER_THAN") or "")
    if not setting:
        return None
    keep = parse_duration(setting)  # validated at start-up
    store = _engine(ctx).store
    now = time.time() if now is None else now

    def due() -> bool:
        try:
            return now - float(store.cursor(PRUNE_CURSOR) or 0) >= PRUNE_EVERY
        except ValueError:  # an unreadable cursor: prune, and write a good one
            return True

    if not due():
        return None
    guard: contextlib.AbstractContextManager[None] = (
        store.exclusive("prune", wait=0.0)
        if isinstance(store, SharedStore)
        else contextlib.nullcontext()
    )
    try:
        with guard:
            if not due():  # another worker pruned while this one waited for the lock
                return None
            result = store.prune_articles(now - keep, stop=stop.is_set)
            if not stop.is_set():  # an interrupted prune resumes at the next start
                store.commit(Batch(cursors=[(PRUNE_CURSOR, repr(now))]))
                if result.articles:
                    store.reclaim()  # the next days' articles reuse the space
    except StoreUnavailable:
        return None  # another worker holds the prune lock
    log.info(
        "retention: removed %d articles older than %s (%s) from %d stories in %d batches",
        result.articles,
        setting,
        iso(now - keep),
        result.stories,
        result.batches,
    )
    return result


def flush_left_digests(ctx: CoverageContext) -> None:
    """Story digests a process left due when it died (older than ORPHAN_DIGEST_SECONDS) are
    computed after every pass, even one that stored nothing (the engine logs a failure)."""
    ctx.engine.flush_digests()


def ingest_loop(ctx: CoverageContext, stop: threading.Event, interval: float) -> None:
    """Pulls every feed (and prunes once a day, when asked to), then waits `interval` seconds,
    until `stop` is set."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            run = run_feeds_once(ctx, stop)  # logs the pass's one summary line
            why = run.all_failed()
            if why is not None:
                log.warning("%s; retrying in %g s", why, interval)
        except Exception:  # one bad pass must not end the loop
            log.exception("ingest pass failed")
        flush_left_digests(ctx)
        try:
            daily_prune(ctx, stop)
        except Exception:  # nor a failed prune: the next day tries again
            log.exception("retention prune failed")
        # Passes start `interval` apart (a pass that overran is followed at once), so each
        # feed is read once an interval, not once per interval plus the length of a pass.
        stop.wait(max(0.0, interval - (time.monotonic() - started)))


@click.command("prune")
@click.option(
    "--older-than",
    "older_than",
    required=True,
    metavar="DURATION",
    help="Remove articles published (or first seen) longer ago than this: whole days or "
    "hours, e.g. 90d or 12h.",
)
@click.option(
    "--batch",
    default=PRUNE_BATCH,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Articles removed per transaction.",
)
@click.option(
    "--vacuum/--no-vacuum",
    default=True,
    show_default=True,
    help="Afterwards make the freed space reusable and refresh statistics (PostgreSQL VACUUM "
    "ANALYZE; nothing on SQLite).",
)
def prune(older_than: str, batch: int, vacuum: bool) -> None:
    """Remove old articles in short transactions; stories keep their headline and counts.

    Readers are never blocked; stopping it half-way keeps every batch already done."""
    try:
        keep = parse_duration(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from None
    ctx = _context()
    # The store alone: pruning needs no clusterer, whose window a large store takes minutes
    # to restore.
    try:
        store = open_store(ctx.config["DATA_DIR"], ctx.config.get("DATABASE_URL", ""))
    except STORE_ERRORS as exc:
        raise _store_failure(exc) from None
    except OSError as exc:
        raise _data_dir_failure(ctx, exc) from None
    cutoff = time.time() - keep
    started = time.monotonic()
    try:
        result = store.prune_articles(cutoff, batch=batch)
        pruned_s = time.monotonic() - started
        if result.articles and vacuum:
            store.reclaim()
    except STORE_ERRORS as exc:
        raise _store_failure(exc) from None
    finally:
        store.close()
    click.echo(
        json.dumps(
            {
                "removed": result.articles,
                "stories": result.stories,
                "batches": result.batches,
                "before": iso(cutoff),
                "seconds": round(pruned_s, 3),
                "reclaim_seconds": round(time.monotonic() - started - pruned_s, 3),
            }
        )
    )


@click.command("worker")
@click.option(
    "--interval",
    type=click.IntRange(1, 86400),
    default=None,
    help="Seconds between passes (default: INGEST_INTERVAL).",
)
def worker(interval: int | None) -> None:
    """Ingest the feeds on a schedule until stopped (SIGTERM or Ctrl-C)."""
    ctx = _context()
    _engine(ctx)
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    every = float(interval if interval is not None else ctx.config.get("INGEST_INTERVAL", 900))
    click.echo(f"ingesting {len(_feeds(ctx))} feeds every {every:g} s; Ctrl-C stops", err=True)
    ingest_loop(ctx, stop, every)


@click.command("demo")
@click.option("--clear", is_flag=True, help="Remove the demo articles (and only those).")
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="ISO-8601",
    help="Date the demo as if it were this time (default: now), e.g. for stable screenshots.",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="The service's address to show (default: from PARALLAX_HOST and PARALLAX_PORT, as "
    "`parallax serve` and scripts/run use them: http://127.0.0.1:8000/).",
)
def demo(clear: bool, now_text: str | None, base_url: str | None) -> None:
    """Load the demo set: invented articles on five invented events, from real rated outlets,
    marked as demo wherever they show. Then open the service's address it prints to see them."""
    import time

    from service.coverage.demo import clear_demo, load_demo

    address = _base_url(base_url)
    ctx = _context()
    eng = _engine(ctx)
    if clear:
        removed = clear_demo(eng.store)
        click.echo(f"removed {removed} demo articles; every other article is untouched")
        return
    now = time.time()
    if now_text is not None:
        from service.ingest.jsonl import parse_published

        try:
            now = parse_published(now_text) or now
        except ValueError as exc:
            # parse_published's words name an article's field: this is the option's value.
            raise click.BadParameter(
                str(exc).removeprefix("published "), param_hint="--now"
            ) from None
    result = load_demo(eng, now)
    if result.added == 0 and result.already:
        click.echo(f"the demo is already loaded ({result.already} articles)")
    else:
        click.echo(f"loaded {result.added} invented demo articles in {len(result.stories)} stories")
    for event, story_id in result.stories.items():
        click.echo(f"  {event:<10} {address}stories/{story_id}")
    if result.split_events:
        click.echo(
            "warning: these demo events did not group into one story each: "
            + ", ".join(result.split_events),
            err=True,
        )
    click.echo(f"see them at {address} (parallax demo --clear removes them)")


def _base_url(given: str | None) -> str:
    """The address to send the reader to: --base-url, else the one `parallax serve` uses here."""
    if given is None:
        try:
            return served_url(os.environ)
        except ValueError as exc:
            raise click.ClickException(f"{exc}, or pass --base-url") from None
    url = given.strip()
    problem = base_url_problem(url)
    if problem is not None:
        raise click.BadParameter(
            f"{problem}; give the address readers open, e.g. http://127.0.0.1:8000/ or "
            "https://news.example/",
            param_hint="--base-url",
        )
    return url if url.endswith("/") else url + "/"


@click.command("feeds")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.option(
    "--state",
    type=click.Choice(["ok", "failing", "never"]),
    default=None,
    help="Only the feeds in this state.",
)
def feeds(as_json: bool, state: str | None) -> None:
    """Each feed's last status, last success, items and error in words (failing ones first)."""
    from service.ingest.feeds import feed_statuses

    ctx = _context()
    statuses = feed_statuses(_feeds(ctx), _engine(ctx).store.feed_states())
    shown = [s for s in statuses if state is None or s.state == state]
    if as_json:
        for status in shown:
            click.echo(json.dumps(status.to_json(), ensure_ascii=False))
        return
    counts = {
        name: sum(1 for s in statuses if s.state == name) for name in ("failing", "never", "ok")
    }
    click.echo(
        f"{len(statuses)} feeds: {counts['failing']} failing, {counts['never']} not fetched yet, "
        f"{counts['ok']} working"
    )
    for status in shown:
        record = status.to_json()
        success = record["last_success"] or "never"
        entries = "-" if status.entries is None else str(status.entries)
        click.echo(f"{status.outlet_id}  {status.url}")
        click.echo(f"    {status.status_text}; last success {success}; items {entries}")
        if record["next_attempt"]:
            click.echo(f"    {status.retrying_words(record['next_attempt'])}")


MAX_NAMED_PROBLEMS = 20  # bad lines `parallax summarize` names one by one


@click.command("summarize")
@click.argument(
    "file_", metavar="FILE.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--baseline",
    is_flag=True,
    help="Print the lead baseline instead (each article's first sentence, the first title).",
)
def summarize(file_: Path, baseline: bool) -> None:
    """Key points, neutral headline and framing of already grouped articles; one JSON line per
    story, in the order stories first appear.

    Each line of FILE.jsonl is an article with a `story` field naming its group, an `id` (or
    `url`), a `title`, a `text`, and optionally `outlet` (its name) and `published`. Outlets
    are looked up in the ratings for their side; an article with a text but no title is
    summarised under its first sentence. A line that cannot be used (not JSON, not UTF-8, a
    field of the wrong type, an id seen before) is named on standard error and skipped, the
    other stories are still printed, and the exit status is then 1."""
    from service.core.ratings import RatingsTable, bundled_table

    try:
        table = bundled_table()
    except RatingsError as exc:
        click.echo(
            f"warning: ratings not loaded ({len(exc.problems)} problems); sides are unrated, "
            "so there is no framing",
            err=True,
        )
        table = RatingsTable([], [], "none")
    problems: list[str] = []
    # Read line by line: a line that is not UTF-8 is named and skipped (its bytes come through as
    # lone surrogates, which the reader refuses), like any other line that cannot be used.
    with file_.open(encoding="utf-8", errors="surrogateescape") as handle:
        stories = grouped_sources(handle, table, problems)
    # A screenful of bad lines named (a binary or wrong file is thousands), then their count.
    for problem in problems[:MAX_NAMED_PROBLEMS]:
        click.echo(f"{file_}: {problem}; skipped", err=True)
    if len(problems) > MAX_NAMED_PROBLEMS:
        click.echo(
            f"{file_}: ... and {len(problems) - MAX_NAMED_PROBLEMS} more lines skipped", err=True
        )
    if not stories and not problems:
        click.echo(f"{file_}: no articles, so no stories to summarize", err=True)
    # JSON lines are UTF-8 whatever the console's or locale's encoding (Latin-1 could not print
    # a Chinese story): written as bytes where standard output has them.
    binary = getattr(sys.stdout, "buffer", None)
    for line in summarize_stories(stories, baseline=baseline):
        text = json.dumps(line, ensure_ascii=False) + "\n"
        if binary is not None:
            binary.write(text.encode("utf-8"))
        else:
            sys.stdout.write(text)
    if binary is not None:
        binary.flush()
    if problems:
        lines = [int(p.split(":", 1)[0].removeprefix("line ")) for p in problems]
        raise click.ClickException(
            f"{file_}: {len(problems)} line{'s' if len(problems) != 1 else ''} skipped "
            f"(lines {_first_lines(lines)}), named above; the other stories are summarized"
        )


def grouped_sources(
    lines: Iterable[str], table: Any, problems: list[str] | None = None
) -> dict[str, list[Source]]:
    """The articles of a grouped JSON-lines file by story, in the order stories first appear,
    each story's earliest first (undated after, in file order). A line that cannot be used
    raises FileFormatError, or with a `problems` list is skipped and its message added there."""
    sides = _SideLookup(table)
    stories: dict[str, list[tuple[float, int, Source]]] = {}
    seen: set[str] = set()
    for number, story, raw in read_story_articles(lines, untitled=[], problems=problems):
        # JSON's "\ud800" parses to a lone surrogate no UTF-8 writer can print: U+FFFD instead.
        story = _printable(story)
        shown = _printable(raw.ext_id or raw.url or str(number))
        if shown in seen:
            problem = f"line {number}: id {shown!r} appears twice"
            if problems is None:
                raise FileFormatError(problem)
            problems.append(problem)
            continue
        seen.add(shown)
        outlet, side = sides.of(raw.outlet and _printable(raw.outlet), raw.url)
        when = raw.published if raw.published is not None else float("inf")
        stories.setdefault(story, []).append(
            (when, number, Source(shown, raw.title, raw.text, outlet, side))
        )
    return {
        story: [m[2] for m in sorted(members, key=lambda m: (m[0], m[1]))]
        for story, members in stories.items()
    }


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _printable(value: str) -> str:
    return value if value.isascii() else _SURROGATE_RE.sub("\ufffd", value)


def summarize_stories(
    stories: dict[str, list[Source]], *, baseline: bool = False
) -> Iterator[dict[str, Any]]:
    """`parallax summarize`'s lines: {"story", "headline", "key_points", "framing"}."""
    from service.coverage.keypoints import digest, lead_baseline

    make = lead_baseline if baseline else digest
    for story, sources in stories.items():
        yield {"story": story, **make(sources).to_json()}


class _SideLookup:
    """An article's outlet name and side from the ratings: by the outlet it names (id, name or
    host), else by its URL; unrated when neither is known."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.by_name = {o.name.casefold(): o for o in table.outlets.values()}

    def of(self, outlet: str | None, url: str | None) -> tuple[str | None, str]:
        from service.coverage.summary import side_of

        rated = None
        if outlet:
            name = outlet.strip()
            rated = (
                self.table.get(name.lower())
                or self.by_name.get(name.casefold())
                or self.table.outlet_for_host(name.lower().removeprefix("www."))
            )
        if rated is None and url:
            with contextlib.suppress(Exception):
                rated = self.table.resolve(url).outlet
        if rated is None:
            return outlet, "unrated"
        return outlet or rated.name, side_of(rated.lean)
