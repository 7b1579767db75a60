"""Pulls the feeds in ratings/feeds.csv (and JSON-lines files) into the coverage engine."""

from __future__ import annotations

import calendar
import logging
import threading
import time
import xml.sax
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import feedparser

from service.core.times import plausible_or_none
from service.coverage.engine import Engine, IngestResult, RawArticle
from service.ingest.fetch import FEED_POLICY, FetchError, FetchPolicy, fetch
from service.ingest.jsonl import read_articles
from service.ingest.pagemeta import parse_time, strip_html
from service.store.base import FeedState

log = logging.getLogger(__name__)

MAX_ENTRIES_PER_FEED = 500
# Seconds between two requests to the same host: feeds of one publisher share its servers.
POLITENESS_DELAY = 1.0
FEED_WORKERS = 4
FILE_BATCH = 500


@dataclass(frozen=True)
class FeedSource:
    """One feed to pull: the outlet it belongs to and its URL."""

    outlet_id: str
    url: str


@dataclass
class FeedOutcome:
    """What pulling one feed did."""

    url: str
    status: str  # "ok", "not-modified", "error" or "claimed-elsewhere"
    entries: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    error: str | None = None
    code: str | None = None  # FetchError's code, "parse" for a bad document


@dataclass
class FeedRun:
    """What one pass over the feeds did."""

    outcomes: list[FeedOutcome] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(o.result.added for o in self.outcomes)

    @property
    def errors(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.status == "error"]

    def all_failed(self) -> str | None:
        """When every feed pulled failed, one line saying why (the likeliest cause first);
        None when any worked or none was pulled."""
        errors = self.errors
        if not errors or len(errors) < len(self.outcomes):
            return None
        codes = {o.code for o in errors}
        total = len(errors)
        if codes <= {"dns_failed"}:
            return f"all {total} feeds failed: no feed host could be resolved (no network, or no DNS?)"
        if codes <= {"dns_failed", "network", "timeout"}:
            return f"all {total} feeds failed: no feed host could be reached (no network, a firewall or a proxy?)"
        if codes <= {"forbidden_address"}:
            return (
                f"all {total} feeds failed: their hosts resolve to private addresses "
                "(feeds on your own network need PARALLAX_FEEDS_ALLOW_PRIVATE=1)"
            )
        return f"all {total} feeds failed; the first: {errors[0].url}: {errors[0].error}"

    def failures_by_reason(self) -> dict[str, int]:
        """How many feeds failed for each reason, most common first."""
        counts: dict[str, int] = {}
        for outcome in self.errors:
            reason = outcome.code or "error"
            counts[reason] = counts.get(reason, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def to_json(self) -> dict[str, Any]:
        return {
            "feeds": len(self.outcomes),
            "ok": sum(1 for o in self.outcomes if o.status == "ok"),
            "not_modified": sum(1 for o in self.outcomes if o.status == "not-modified"),
            "failed": len(self.errors),
            "failures_by_reason": self.failures_by_reason(),
            "errors": [{"url": o.url, "code": o.code, "error": o.error} for o in self.errors],
            "added": self.added,
            "duplicates": sum(o.result.duplicates for o in self.outcomes),
            "syndicated": sum(o.result.syndicated for o in self.outcomes),
        }

    def summary_line(self) -> str:
        """The one log line of a pass: feeds tried, new articles, failures by reason."""
        failures = self.failures_by_reason()
        failed = ", ".join(f"{n} {reason}" for reason, n in failures.items())
        tried = sum(1 for o in self.outcomes if o.status != "claimed-elsewhere")
        return (
            f"feed pass: {tried} feeds tried, {self.added} new articles, "
            f"{len(self.errors)} failed" + (f" ({failed})" if failed else "")
        )


def parse_feed(body: bytes, feed_url: str, outlet_id: str | None) -> list[RawArticle]:
    """The articles of an RSS/Atom document; raises ValueError when it is not a usable feed."""
    # Bytes only: given a string that looks like a URL, feedparser would fetch it itself.
    parsed = feedparser.parse(
        body, response_headers={"content-location": feed_url, "content-type": "application/xml"}
    )
    if parsed.bozo and isinstance(parsed.get("bozo_exception"), xml.sax.SAXException):
        raise ValueError(f"malformed XML: {parsed.bozo_exception}")
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"not a feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version") and not parsed.entries:
        raise ValueError("not an RSS or Atom feed")
    articles: list[RawArticle] = []
    for entry in parsed.entries[:MAX_ENTRIES_PER_FEED]:
        link = entry.get("link") or ""
        title = strip_html(entry.get("title") or "")
        if not link or not title:
            continue
        summary = entry.get("summary") or ""
        if not summary and entry.get("content"):
            summary = entry["content"][0].get("value", "")
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = float(calendar.timegm(stamp)) if stamp else None
        if published is None:
            published = parse_time(entry.get("published") or entry.get("updated"))
        # A date outside 1990 .. now + 2 days is a feed's error: the item is kept with no date.
        published = plausible_or_none(published)
        articles.append(
            RawArticle(
                title=title,
                text=strip_html(summary),
                url=link,
                outlet=outlet_id,
                published=published,
            )
        )
    return articles


class FeedIngester:
    """One pass over a list of feeds: conditional GETs, per-host politeness, one batch per feed."""

    def __init__(
        self,
        engine: Engine,
        *,
        policy: FetchPolicy = FEED_POLICY,
        politeness: float = POLITENESS_DELAY,
        workers: int = FEED_WORKERS,
        fetcher: Callable[..., Any] = fetch,
        stop: threading.Event | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.politeness = politeness
        self.workers = max(1, workers)
        self.fetcher = fetcher
        self.stop = stop or threading.Event()

    def run(self, feeds: Sequence[FeedSource]) -> FeedRun:
        """Pulls every feed once; a feed that fails is logged and skipped."""
        by_host: dict[str, list[FeedSource]] = {}
        for feed in feeds:
            by_host.setdefault((urlsplit(feed.url).hostname or "").lower(), []).append(feed)
        run = FeedRun()
        lock = threading.Lock()

        def pull_host(host: str, host_feeds: list[FeedSource]) -> None:
            with self.host_turn(host) as mine:
                if not mine:  # another worker is on this host: it pulls them, one at a time
                    with lock:
                        run.outcomes.extend(FeedOutcome(f.url, "claimed-elsewhere") for f in host_feeds)
                    return
                last_request: float | None = None
                for feed in host_feeds:
                    if self.stop.is_set():
                        return
                    # Politeness between requests, not between feeds another worker pulled.
                    if last_request is not None and self.politeness > 0:
                        pause = self.politeness - (time.monotonic() - last_request)
                        if pause > 0 and self.stop.wait(pause):
                            return
                    outcome = self.pull(feed)
                    if outcome.status != "claimed-elsewhere":
                        last_request = time.monotonic()
                    with lock:
                        run.outcomes.append(outcome)

        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="feed") as pool:
            list(pool.map(pull_host, by_host.keys(), by_host.values()))
        return run

    def host_turn(self, host: str) -> AbstractContextManager[bool]:
        """Whether this worker pulls the host's feeds now (always, alone; see the shared one)."""
        return nullcontext(True)

    def pull(self, feed: FeedSource) -> FeedOutcome:
        """Fetches and stores one feed; never raises for a bad feed."""
        store = self.engine.store
        state = store.feed_state(feed.url)
        headers: dict[str, str] = {
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
        }
        if state is not None and state.etag:
            headers["If-None-Match"] = state.etag
        if state is not None and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        fetched_at = time.time()
        # Per-feed detail is debug: a pass logs one summary line (FeedRun.summary_line) and
        # `parallax feeds` and /feeds show each feed's last state.
        try:
            response = self.fetcher(feed.url, self.policy, headers=headers)
        except FetchError as exc:
            # The operator's own feeds: the full detail (the address a name resolved to) helps.
            log.debug("feed %s skipped: %s", feed.url, exc.detail)
            self._remember(state, feed.url, fetched_at, None, exc.detail)
            return FeedOutcome(feed.url, "error", error=exc.detail, code=exc.code)
        if response.status == 304:
            new_state = FeedState(
                url=feed.url,
                etag=response.headers.get("etag") or (state.etag if state else None),
                last_modified=response.headers.get("last-modified")
                or (state.last_modified if state else None),
                last_fetched=fetched_at,
                last_status=304,
                last_success=fetched_at,
                entries=state.entries if state else None,
            )
            self.engine.ingest([], feed_states=[new_state])
            log.debug("feed %s: not modified", feed.url)
            return FeedOutcome(feed.url, "not-modified")
        try:
            articles = parse_feed(response.body, response.url, feed.outlet_id)
        except ValueError as exc:
            log.debug("feed %s skipped: %s", feed.url, exc)
            self._remember(state, feed.url, fetched_at, response.status, str(exc))
            return FeedOutcome(feed.url, "error", error=str(exc), code="parse")
        new_state = FeedState(
            url=feed.url,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            last_fetched=fetched_at,
            last_status=response.status,
            last_success=fetched_at,
            entries=len(articles),
        )
        # The feed's validators commit with its articles, so a crash cannot skip unstored items.
        result = self.engine.ingest(articles, feed_states=[new_state])
        log.debug("feed %s: %d entries, %d new", feed.url, len(articles), result.added)
        return FeedOutcome(feed.url, "ok", entries=len(articles), result=result)

    def _remember(
        self, state: FeedState | None, url: str, at: float, status: int | None, error: str
    ) -> None:
        # Keep the old validators (the next try should still be a conditional GET) and the
        # last success, so the feeds page can say how long a feed has been failing.
        failed = FeedState(
            url=url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
            last_fetched=at,
            last_status=status,
            last_error=error[:500],
            last_success=state.last_success if state else None,
            entries=state.entries if state else None,
        )
        self.engine.ingest([], feed_states=[failed])


def ingest_lines(
    engine: Engine,
    lines: Iterable[str],
    *,
    cursor_name: str | None = None,
    batch_size: int = FILE_BATCH,
    progress: Callable[[int], None] | None = None,
    untitled: list[int] | None = None,
) -> IngestResult:
    """Ingests JSON-lines articles in batches; with `cursor_name`, resumes after a crash.

    `untitled` is read_articles'."""
    start = int(engine.store.cursor(cursor_name) or 0) if cursor_name else 0
    total = IngestResult()
    pending: list[RawArticle] = []
    last_line = start

    def flush() -> None:
        cursor = (cursor_name, str(last_line)) if cursor_name else None
        total.__iadd__(engine.ingest(pending, cursor=cursor))
        if progress is not None:
            progress(len(pending))
        pending.clear()

    for number, raw in read_articles(lines, start, untitled):
        pending.append(raw)
        last_line = number
        if len(pending) >= batch_size:
            flush()
    if pending:
        flush()
    return total


@dataclass(frozen=True)
class FeedStatus:
    """One feed's last state in words, for `parallax feeds` and the /feeds page."""

    outlet_id: str
    url: str
    state: str  # "ok", "failing" or "never" (not fetched yet)
    status_text: str
    last_fetched: float | None
    last_success: float | None
    entries: int | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        from service.core.times import iso

        return {
            "outlet": self.outlet_id,
            "url": self.url,
            "state": self.state,
            "status": self.status_text,
            "last_fetched": iso(self.last_fetched),
            "last_success": iso(self.last_success),
            "entries": self.entries,
            "error": self.error,
        }


FEED_STATES = ("ok", "failing", "never")


def feed_statuses(feeds: Sequence[FeedSource], states: Iterable[FeedState]) -> list[FeedStatus]:
    """Every configured feed with what its last fetch left behind: failing feeds first, then
    those never fetched, then the working ones, each by URL."""
    by_url = {s.url: s for s in states}
    out: list[FeedStatus] = []
    for feed in feeds:
        state = by_url.get(feed.url)
        if state is None or state.last_fetched is None:
            out.append(
                FeedStatus(feed.outlet_id, feed.url, "never", "not fetched yet", None, None, None, None)
            )
            continue
        if state.last_error:
            code = f"HTTP {state.last_status}: " if state.last_status else ""
            words = f"failing: {code}{state.last_error}"
            out.append(
                FeedStatus(
                    feed.outlet_id, feed.url, "failing", words, state.last_fetched,
                    state.last_success, state.entries, state.last_error,
                )
            )
            continue
        words = "not modified since the last fetch" if state.last_status == 304 else "ok"
        out.append(
            FeedStatus(
                feed.outlet_id, feed.url, "ok", words, state.last_fetched,
                state.last_success or state.last_fetched, state.entries, None,
            )
        )
    rank = {name: i for i, name in enumerate(("failing", "never", "ok"))}
    out.sort(key=lambda f: (rank[f.state], f.url))
    return out
