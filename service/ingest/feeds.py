"""Pulls the feeds in ratings/feeds.csv (and JSON-lines files) into the coverage engine."""

from __future__ import annotations

import calendar
import contextlib
import heapq
import logging
import math
import random
import re
import threading
import time
import xml.sax
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from service.core.times import plausible_or_none
from service.coverage.engine import Engine, IngestResult, RawArticle
from service.ingest.feedtrim import (
    FEEDPARSER_CONTENT_TYPE,
    as_utf8,
    bounded_for_feedparser,
    is_wide,
)
from service.ingest.fetch import FEED_POLICY, FetchError, FetchPolicy, fetch
from service.ingest.jsonl import read_articles
from service.ingest.pagemeta import parse_time, strip_html
from service.ingest.plainfeed import parse_plain_feed
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
    status: str  # "ok", "not-modified", "error", "backing-off" or "claimed-elsewhere"
    entries: int = 0
    # What the commit carrying its articles did; several feeds share one commit, whose counts
    # are on the first of them (so a run's sums are exact).
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
            return (
                f"all {total} feeds failed: no feed host could be resolved (no network, or no DNS?)"
            )
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
            "backing_off": sum(1 for o in self.outcomes if o.status == "backing-off"),
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
        tried = sum(1 for o in self.outcomes if o.status in _REQUESTED)
        waiting = sum(1 for o in self.outcomes if o.status == "backing-off")
        return (
            f"feed pass: {tried} feeds tried, {self.added} new articles, "
            f"{len(self.errors)} failed"
            + (f" ({failed})" if failed else "")
            + (f", {waiting} failing feeds backing off" if waiting else "")
        )


def parse_feed(body: bytes, feed_url: str, outlet_id: str | None) -> list[RawArticle]:
    """The articles of an RSS/Atom document; raises ValueError when it is not a usable feed.

    A plain, well-formed UTF-8 feed is read by plainfeed (the same articles, at a fraction of
    feedparser's CPU); every other document by feedparser."""
    if is_wide(body):
        # UTF-16 or UTF-32: made UTF-8 as feedparser makes it (its own function), so the
        # references below can be found (and the cut need not convert it again).
        body = as_utf8(body) or body
    if b"&#" in body:
        # Before both readers and the cut: expat refuses a surrogate's reference, so the cut
        # stopped there (keeping only the items before it, or refusing a feed past the budget)
        # where feedparser, given the joined document, reads every item.
        body = _joined_surrogate_refs(body)
    plain = parse_plain_feed(body, feed_url)
    if plain is None:
        # feedparser's CPU grows with the bytes it reads: only the items kept, within a budget.
        bounded = bounded_for_feedparser(body, MAX_ENTRIES_PER_FEED)
        if bounded is not body:
            plain = parse_plain_feed(bounded, feed_url)  # past plainfeed's MAX_ITEMS before
        if plain is None:
            return parse_feed_with_feedparser(bounded, feed_url, outlet_id)
    articles: list[RawArticle] = []
    for entry in plain[:MAX_ENTRIES_PER_FEED]:
        # As below: the published time, else the updated one, each read to the second.
        stamp = entry.published if entry.published is not None else entry.updated
        article = _article(entry.title, entry.link, entry.summary, stamp, None, outlet_id)
        if article is not None:
            articles.append(article)
    return articles


def parse_feed_with_feedparser(
    body: bytes, feed_url: str, outlet_id: str | None
) -> list[RawArticle]:
    """parse_feed by feedparser alone: any document it can read, in any encoding."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        # Else reported as "malformed XML: ... syntax error", which sends one to mend XML.
        raise ValueError(
            "the document is JSON (a JSON Feed?), not RSS or Atom: list the outlet's RSS or "
            "Atom feed in ratings/feeds.csv"
        )
    if body.startswith(b"\x1f\x8b"):
        # Else "not well-formed (invalid token)" at line 1, column 0.
        raise ValueError(
            "the document is gzip-compressed data, not RSS or Atom: the server compresses the "
            "feed without saying so (no Content-Encoding: gzip), or serves a .gz file"
        )
    if b"&#" in body:
        body = _joined_surrogate_refs(body)
    # Bytes only: given a string that looks like a URL, feedparser would fetch it itself.
    try:
        parsed = feedparser.parse(
            body,
            response_headers={
                "content-location": feed_url,
                "content-type": FEEDPARSER_CONTENT_TYPE,
            },
        )
    except Exception as exc:
        # feedparser's own bugs on hostile bytes (&#99999999999; raises OverflowError in its
        # chr(), &#xD800; UnicodeEncodeError): a bad feed, never a failed pass.
        raise ValueError(f"unreadable feed ({type(exc).__name__}: {exc})") from None
    if parsed.bozo and isinstance(parsed.get("bozo_exception"), xml.sax.SAXException):
        raise ValueError(_malformed(str(parsed.bozo_exception), body))
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"not a feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version") and not parsed.entries:
        raise ValueError("not an RSS or Atom feed")
    articles: list[RawArticle] = []
    for entry in parsed.entries[:MAX_ENTRIES_PER_FEED]:
        summary = entry.get("summary") or ""
        if not summary and entry.get("content"):
            summary = entry["content"][0].get("value", "")
        if entry.get("published_parsed"):
            stamp, text = entry.get("published_parsed"), entry.get("published")
        elif entry.get("updated_parsed"):
            stamp, text = entry.get("updated_parsed"), entry.get("updated")
        else:
            stamp, text = None, entry.get("published") or entry.get("updated")
        article = _article(
            entry.get("title"),
            entry.get("link"),
            summary,
            _feedparser_time(stamp, text),
            None,  # read above, an impossible date included
            outlet_id,
        )
        if article is not None:
            articles.append(article)
    return articles


# expat's words for a document not well-formed: "<unknown>:LINE:COLUMN: what".
_SAX_WHERE = re.compile(r"<unknown>:(\d+):(\d+): (.*)", re.DOTALL)
# Control characters XML 1.0 does not allow, as bytes (the same in UTF-8 and every 8-bit code).
_FORBIDDEN_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _malformed(error: str, body: bytes) -> str:
    """feedparser's error for a document not well-formed, in words: where, and when the token
    refused is a control character XML does not allow (a NUL, an escape), which one and where
    ("not well-formed (invalid token)" alone sent one looking for a tag)."""
    where = _SAX_WHERE.fullmatch(error)
    words = error if where is None else f"line {where[1]}, column {where[2]}: {where[3]}"
    control = _FORBIDDEN_CONTROL.search(body) if "invalid token" in words else None
    if control is not None and not is_wide(body):
        at = control.start()
        line = body.count(b"\n", 0, at) + 1
        column = at - (body.rfind(b"\n", 0, at) + 1)
        words += (
            f" (the feed holds a control character, U+{control.group()[0]:04X} at line {line}, "
            f"byte {column} of it, which XML does not allow: the feed must drop it)"
        )
    return f"malformed XML: {words}{_declared_wrongly(body)}"


# An XML declaration in ASCII bytes, and the encoding it names.
_ASCII_DECLARATION = re.compile(
    rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']"
)


def _declared_wrongly(body: bytes) -> str:
    """When a document written in ASCII bytes declares an encoding its own declaration is not
    in (encoding="utf-16" on UTF-8 bytes, an EBCDIC code page), words saying so: feedparser
    decodes it in that encoding and reports only "line 2, column 0: not well-formed"."""
    declared = _ASCII_DECLARATION.match(body)
    if declared is None:
        return ""
    name = declared.group(1).decode("ascii")
    try:
        same = "<?xml".encode(name) == b"<?xml"
    except (LookupError, UnicodeError):
        return ""  # an encoding Python does not know: feedparser reads it as UTF-8 and says so
    if same:
        return ""
    return (
        f' (the feed declares encoding="{name}", but its own declaration is not written in '
        f"{name}: it is ASCII or UTF-8; the feed must declare the encoding it is in, or none "
        "for UTF-8)"
    )


# A numeric character reference, and the one right after it (not consumed). Leading zeros
# are any number ("&#x00000000D83D;" is a surrogate too: feedparser lost the whole feed on it).
_CHAR_REF = re.compile(
    rb"&#([xX]0*[0-9a-fA-F]{1,8}|0*[0-9]{1,10});(?=&#([xX]0*[0-9a-fA-F]{1,8}|0*[0-9]{1,10});)?"
)


def _ref_value(digits: bytes) -> int:
    # Without its leading zeros: int() refuses more than 4,300 decimal digits.
    if digits[:1] in (b"x", b"X"):
        return int(digits[1:].lstrip(b"0") or b"0", 16)
    return int(digits.lstrip(b"0") or b"0")


def _joined_surrogate_refs(body: bytes) -> bytes:
    """The document with UTF-16 surrogates written as character references ("&#xD83D;&#xDE00;",
    what some publishing systems make of an emoji) joined into the one character they spell,
    and a lone one made U+FFFD: feedparser raised UnicodeEncodeError on either, losing every
    item of the feed. Other references are left as they are."""
    skip_at = -1

    def fix(match: re.Match[bytes]) -> bytes:
        nonlocal skip_at
        if match.start() == skip_at:
            return b""  # the low half of a pair written out with its high half
        value = _ref_value(match.group(1))
        if not 0xD800 <= value <= 0xDFFF:
            return match.group()
        following = match.group(2)
        if value <= 0xDBFF and following is not None:
            low = _ref_value(following)
            if 0xDC00 <= low <= 0xDFFF:
                skip_at = match.end()
                return b"&#x%X;" % (0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00))
        return b"&#xFFFD;"

    return _CHAR_REF.sub(fix, body)


# A date whose fields no calendar has: feedparser carries them over ("2025-13-04" read as
# 2026-01-04, "02-30" as 03-02, hour 25 as the next day, an offset of +25:00 or -9999 applied),
# giving a wrong, plausible date; an impossible date is no date. The day, the hour and minute,
# and a trailing numeric offset are checked.
_ISO_FIELDS = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}))?")
_OFFSET = re.compile(r"[+-](\d{2}):?(\d{2})\s*$")
# A zone named at the end of an ISO 8601 text ("2026-12-04 10:00:00 EST"), with RFC 822's offsets
# for its names: feedparser reads such a text as the day's midnight, its time and zone dropped.
_ZONE_OFFSETS = {
    "GMT": "+00:00", "UTC": "+00:00", "UT": "+00:00", "EST": "-05:00", "EDT": "-04:00",
    "CST": "-06:00", "CDT": "-05:00", "MST": "-07:00", "MDT": "-06:00", "PST": "-08:00",
    "PDT": "-07:00",
}  # fmt: skip
_ZONE_NAME = re.compile(r"\s*\b(" + "|".join(_ZONE_OFFSETS) + r")$", re.IGNORECASE)
# Characters of a date's text at most: RFC 822's longest form ("Wednesday, 04 December 2026
# 23:57:59.123 +0100") is under 50, but JavaScript's Date.toString(), which feeds made by Node
# servers carry, names the zone in the server's language and feedparser reads it: "Fri Dec 04
# 2026 10:00:00 GMT+1100 (Australian Eastern Daylight Time)" is 68, "(heure normale d'Europe
# centrale)" 67 (64 refused both). A longer text is no date, and reading one cost time growing
# with its square (a pubDate of 8,000 spaces: 0.9 s; of 500,000, within a feed's budget, an hour).
MAX_DATE_CHARS = 96
# ISO 8601's truncated and reduced forms, for which feedparser supplies what the text leaves out:
# "--12-04" this year's 4 December, "-0001-01-01" 2000-01-01, "26-12-04" and "261204" 2026 (or
# 26 December 2004?), "2026" 1 January, "2026-12" the 1st. Also forms feedparser reads only
# the start of: a year then "/" or "." ("2026/12/04 10:00:00" and "2026.12.04" as 1 December,
# "2026/1/4" as this month's 1st), and a time first ("10:00 04/12/2026", "10:00 4 Dec 2026"
# as today at 10:00); plainfeed's parse_time reads none of these either. A date made up is no
# date.
_TRUNCATED = re.compile(
    r"-|\d{2}-?\d{2}-?\d{2}(?:[Tt ]|$)|\d{4}(?:-\d{2})?$|\d{4}[/.]|\d{1,2}:\d{2}"
)


def _feedparser_time(stamp: Any, text: str | None) -> float | None:
    """The epoch seconds of feedparser's reading of a date, checked against its text: one past
    MAX_DATE_CHARS, or in a truncated or reduced ISO 8601 form (no year or century, no day), is
    no date; an ISO 8601 text Python reads (week dates, the basic form, which feedparser misreads) is read
    so; one with impossible fields, or any text with an offset beyond a day, is no date; one
    feedparser could not read is read as parse_time reads it."""
    if not isinstance(text, str) or not text.strip():
        return float(calendar.timegm(stamp)) if stamp else None
    raw = text.strip()
    if len(raw) > MAX_DATE_CHARS or _TRUNCATED.match(raw):
        return None
    try:
        moment = datetime.fromisoformat(
            _ZONE_NAME.sub(lambda zone: _ZONE_OFFSETS[zone.group(1).upper()], raw)
        )
    except ValueError:
        pass
    else:
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        with contextlib.suppress(OverflowError, ValueError, OSError):
            return float(math.floor(moment.timestamp()))  # to the second, as feedparser reads
        return None
    offset = _OFFSET.search(raw)
    if offset is not None and (int(offset.group(1)) > 23 or int(offset.group(2)) > 59):
        return None
    fields = _ISO_FIELDS.match(raw)
    if fields is not None:
        year, month, day, hour, minute = fields.groups()
        try:
            date(int(year), int(month), int(day))
        except ValueError:
            return None
        if hour is not None and (int(hour) > 24 or int(minute) > 59):
            return None
    return float(calendar.timegm(stamp)) if stamp else parse_time(raw)


def _article(
    title: str | None,
    link: str | None,
    summary: str | None,
    published: float | None,
    published_text: str | None,
    outlet_id: str | None,
) -> RawArticle | None:
    """A feed entry's article, None without a link or a title."""
    title = strip_html(title or "")
    if not link or not title:
        return None
    if published is None:
        published = parse_time(published_text)
    return RawArticle(
        title=title,
        text=strip_html(summary or ""),
        url=link,
        outlet=outlet_id,
        # A date outside 1990 .. now + 2 days is a feed's error: the item is kept with no date.
        published=plausible_or_none(published),
    )


# A failing feed waits before its next try: the pass interval times 2^(failures - 1), capped at
# a day; a feed that is gone (404, 410) 4^failures intervals, capped at a week. Jitter (the
# wait times 0.75..1) spreads the retries of feeds that failed together over the pass.
BACKOFF_CAP = 86400.0
GONE_BACKOFF_CAP = 7 * 86400.0
GONE_STATUSES = (404, 410)
BACKOFF_JITTER = (0.75, 1.0)
# Hosts one thread keeps in turn: a host waits POLITENESS_DELAY between requests without
# holding a thread, so a thread serves several hosts.
HOSTS_PER_THREAD = 4
# Hosts claimed in one round trip at most, and feed states written in one transaction.
CLAIM_BATCH = 32
STATE_BATCH = 500
# Seconds between renewals of the leases of the hosts a pass holds (a lease is 300 s).
RENEW_EVERY = 60.0
# Articles in one locked commit at most (several feeds' worth): bounds a batch's transaction.
GROUP_COMMIT_ARTICLES = 2000
# Statuses of a pull that sent a request (so the host's politeness delay follows it).
_REQUESTED = ("ok", "not-modified", "error")


def retry_delay(failures: int, status: int | None, interval: float, rng: random.Random) -> float:
    """Seconds before a feed that failed `failures` times in a row is tried again."""
    base = max(1.0, interval)
    if status in GONE_STATUSES:
        delay = min(GONE_BACKOFF_CAP, base * 4.0 ** min(failures, 20))
    else:
        delay = min(BACKOFF_CAP, base * 2.0 ** min(max(0, failures - 1), 40))
    return delay * rng.uniform(*BACKOFF_JITTER)


def backing_off(state: FeedState | None, now: float | None = None) -> bool:
    """Whether a failing feed is still waiting for its next try."""
    if state is None or state.next_attempt is None:
        return False
    return state.next_attempt > (time.time() if now is None else now)


@dataclass
class _Pending:
    """One feed's articles and state waiting for a group commit."""

    articles: list[RawArticle]
    state: FeedState
    on_done: Callable[[_Pending], None] | None = None
    done: bool = False
    result: IngestResult = field(default_factory=IngestResult)
    error: BaseException | None = None


class GroupCommit:
    """Several feeds' new articles in one commit.

    On a shared store every commit takes the cluster-wide ingest lock, so one commit per feed
    made that lock the bottleneck, and a fetching thread waiting for its commit fetched
    nothing meanwhile. With a committer thread (start()), a feed's articles are handed over
    and its thread goes on fetching; the committer takes everything waiting (up to
    `max_articles`) into one ingest call. Without one, the thread that finds no commit running
    commits what waits and the others wait for it. Articles of one call are clustered in
    order, as one call per feed would, so the stories are the same; each feed's state commits
    with its articles, so a crash or a failed commit leaves the old validators and the next
    pass fetches the same items again."""

    def __init__(
        self,
        ingest: Callable[..., IngestResult],
        max_articles: int = GROUP_COMMIT_ARTICLES,
        max_waiting: int = 4 * GROUP_COMMIT_ARTICLES,
    ) -> None:
        self._ingest = ingest
        self.max_articles = max(1, max_articles)
        self.max_waiting = max(self.max_articles, max_waiting)
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._waiting_articles = 0
        self._busy = False
        self._thread: threading.Thread | None = None
        self._closing = False
        self.commits = 0

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Commits from a thread of its own until close()."""
        with self._cond:
            if self._thread is None:
                self._closing = False
                self._thread = threading.Thread(target=self._loop, name="feed-commit", daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Commits everything waiting, then stops the committer thread."""
        with self._cond:
            thread, self._closing = self._thread, True
            self._cond.notify_all()
        if thread is not None:
            thread.join()
        with self._cond:
            self._thread = None

    def submit(
        self,
        articles: list[RawArticle],
        state: FeedState,
        on_done: Callable[[_Pending], None] | None = None,
    ) -> _Pending:
        """Hands a feed's articles and state over; with a committer thread, returns at once
        (waiting only while `max_waiting` articles are already queued) and `on_done` is called
        after the commit; without one, commits before returning."""
        mine = _Pending(articles, state, on_done)
        with self._cond:
            while self._thread is not None and self._waiting_articles >= self.max_waiting:
                self._cond.wait()
            self._queue.append(mine)
            self._waiting_articles += len(articles)
            self._cond.notify_all()
            threaded = self._thread is not None
        if not threaded:
            self._lead_until(mine)
        return mine

    def commit(self, articles: list[RawArticle], state: FeedState) -> IngestResult:
        """Commits a feed's articles with its state (with whatever else is waiting); returns
        what the commit did, counted on the first feed of a group (so sums stay exact); raises
        what the commit raised."""
        mine = self.submit(articles, state)
        with self._cond:
            while not mine.done:
                self._cond.wait()
        if mine.error is not None:
            raise mine.error
        return mine.result

    def _take(self) -> list[_Pending]:
        group: list[_Pending] = []
        size = 0
        while self._queue and (
            not group or size + len(self._queue[0].articles) <= self.max_articles
        ):
            group.append(self._queue.pop(0))
            size += len(group[-1].articles)
        self._waiting_articles -= size
        self._busy = True
        return group

    def _lead_until(self, mine: _Pending) -> None:
        while True:
            with self._cond:
                while self._busy and not mine.done:
                    self._cond.wait()
                if mine.done or mine not in self._queue:
                    if mine.done:
                        return
                    continue
                group = self._take()
            self._commit(group)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    return
                group = self._take()
            self._commit(group)

    def _commit(self, group: list[_Pending]) -> None:
        try:
            group[0].result = self._ingest(
                [a for p in group for a in p.articles], feed_states=[p.state for p in group]
            )
            self.commits += 1
        except BaseException as exc:  # every feed of the group learns it failed
            log.warning("committing %d feeds' articles failed: %s", len(group), exc)
            for pending in group:
                pending.error = exc
        finally:
            for pending in group:
                if pending.on_done is not None:
                    try:
                        pending.on_done(pending)
                    except Exception:  # a report that failed must not stop the committer
                        log.exception("after a feed commit")
            with self._cond:
                for pending in group:
                    pending.done = True
                self._busy = False
                self._cond.notify_all()


@dataclass
class _Host:
    """A host's feeds still to pull in this pass, their states as read when it was claimed,
    and when it may get its next request."""

    name: str
    feeds: list[FeedSource]
    states: dict[str, FeedState] = field(default_factory=dict)
    ready_at: float = 0.0
    seq: int = 0

    def __lt__(self, other: _Host) -> bool:
        return (self.ready_at, self.seq) < (other.ready_at, other.seq)


@dataclass
class _Lease:
    """What a pass's lease thread does next (guarded by the pass's condition)."""

    states: list[FeedState] = field(default_factory=list)  # to write
    finished: list[tuple[str, bool]] = field(default_factory=list)  # (host, done) to release
    claiming: int = 0  # hosts taken from `waiting` whose claim is under way
    closing: bool = False  # the fetching threads are gone: flush, release, end


class FeedIngester:
    """One pass over a list of feeds: conditional GETs, per-host politeness, failing feeds
    backing off, feed states written in batches on their own and new articles committed in
    groups.

    The fetching threads never touch the store: one lease thread per pass claims hosts in
    batches (with their feeds' states, read in one query), writes the states that 304s and
    failures leave, and gives finished hosts back; a committer thread stores new articles. So a
    worker holds three database connections however many threads fetch."""

    def __init__(
        self,
        engine: Engine,
        *,
        policy: FetchPolicy = FEED_POLICY,
        politeness: float = POLITENESS_DELAY,
        workers: int = FEED_WORKERS,
        fetcher: Callable[..., Any] = fetch,
        stop: threading.Event | None = None,
        retry_base: float = 900.0,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.politeness = politeness
        self.workers = max(1, workers)
        self.fetcher = fetcher
        self.stop = stop or threading.Event()
        self.retry_base = retry_base
        self.rng = rng or random.Random()
        self.commits = GroupCommit(engine.ingest)
        self._lease: _Lease | None = None
        self._lease_cond = threading.Condition()
        self.pass_started = 0.0  # time.time() at the start of the current (or last) pass

    def run(self, feeds: Sequence[FeedSource]) -> FeedRun:
        """Pulls every feed once; a feed that fails is logged and skipped.

        Threads take whichever held host is due next; a host waits out its politeness delay
        in a queue, not in a thread, so HOSTS_PER_THREAD hosts per thread are pulled at once,
        each one request at a time."""
        self.pass_started = time.time()
        by_host: dict[str, list[FeedSource]] = {}
        for feed in feeds:
            # Without a politeness delay there is no per-host limit to keep: each feed is a
            # "host" of its own, and a host's feeds are pulled side by side.
            host = (urlsplit(feed.url).hostname or "").lower() if self.politeness > 0 else feed.url
            by_host.setdefault(host, []).append(feed)
        waiting = list(by_host.items())
        waiting.reverse()  # popped from the end, in the list's order
        # Hosts claimed too soon after another worker finished them: name -> (monotonic time
        # they may be claimed again, feeds), tried again then if the pass still runs.
        deferred: dict[str, tuple[float, list[FeedSource]]] = {}
        run = FeedRun()
        cond = self._lease_cond
        lease = _Lease()
        self._lease = lease
        due: list[_Host] = []  # held hosts, by when they may be asked again
        held: dict[str, _Host] = {}
        busy = 0
        seq = 0
        max_held = self.workers * HOSTS_PER_THREAD
        horizon = time.monotonic() + self.retry_base  # deferred hosts wait no longer than this
        failures: list[BaseException] = []

        def next_task() -> _Host | None:
            nonlocal busy
            with cond:
                while not self.stop.is_set():
                    now = time.monotonic()
                    if due and due[0].ready_at <= now:
                        busy += 1
                        return heapq.heappop(due)
                    if (
                        not due
                        and not waiting
                        and not deferred
                        and not lease.claiming
                        and busy == 0
                    ):
                        return None
                    cond.wait(max(0.0, due[0].ready_at - now) if due else 1.0)
                return None

        def work() -> None:
            nonlocal busy, seq
            while (host := next_task()) is not None:
                feed = host.feeds.pop(0)
                outcome: FeedOutcome | None = None
                try:
                    outcome = self.pull(feed, host.states.get(feed.url))
                except Exception as exc:  # a store failure, not a feed's: the pass re-raises it
                    failures.append(exc)
                more = bool(host.feeds) and outcome is not None
                requested = outcome is not None and outcome.status in _REQUESTED
                with cond:
                    busy -= 1
                    if outcome is not None:
                        run.outcomes.append(outcome)
                    if more:
                        seq += 1
                        delay = self.politeness if requested else 0.0
                        host.ready_at, host.seq = time.monotonic() + delay, seq
                        heapq.heappush(due, host)
                    else:
                        # Every feed seen (or the store failing): the host goes back.
                        held.pop(host.name, None)
                        lease.finished.append((host.name, outcome is not None))
                    cond.notify_all()

        def claim_batch() -> list[tuple[str, list[FeedSource]]]:
            """Under cond: the hosts to claim next (due deferred ones first), or none."""
            room = max_held - len(held) - lease.claiming
            # Claims go in batches (one round trip for up to CLAIM_BATCH hosts), unless the
            # threads have nothing to do.
            if room <= 0 or (room < min(CLAIM_BATCH, max_held) // 2 and due):
                return []
            now = time.monotonic()
            batch = [
                (name, host_feeds)
                for name, (at, host_feeds) in list(deferred.items())[:CLAIM_BATCH]
                if at <= now
            ][:room]
            for name, _ in batch:
                del deferred[name]
            while waiting and len(batch) < min(room, CLAIM_BATCH):
                batch.append(waiting.pop())
            lease.claiming += len(batch)
            return batch

        renew_at = [time.monotonic() + RENEW_EVERY]

        def lease_loop() -> None:
            while True:
                with cond:
                    while True:
                        batch = [] if self.stop.is_set() or lease.closing else claim_batch()
                        renew = time.monotonic() >= renew_at[0]
                        if batch or lease.states or lease.finished or lease.closing or renew:
                            break
                        # Also woken when it is time to renew: a worker whose threads all
                        # wait for its commits sends nothing else for minutes.
                        wake = min((at for at, _ in deferred.values()), default=renew_at[0])
                        cond.wait(max(0.01, min(wake, renew_at[0]) - time.monotonic()))
                    states, lease.states = lease.states, []
                    finished, lease.finished = lease.finished, []
                    closing = lease.closing
                    if closing:  # stopped part-way: the rest of these hosts is not done
                        finished += [(name, False) for name in held]
                        held.clear()
                # States first: a host given back has its feeds' states written. Each step
                # on its own: a host not given back would wait for its lease to run out, and
                # then be pulled again by another worker.
                steps: list[tuple[Callable[..., None], tuple[Any, ...], dict[str, Any]]] = [
                    (self._write_states, (states,), {}),
                    (self.release_hosts, ([n for n, d in finished if d],), {"done": True}),
                    (self.release_hosts, ([n for n, d in finished if not d],), {"done": False}),
                ]
                for step, args, kwargs in steps:
                    try:
                        step(*args, **kwargs)
                    except Exception as exc:  # the store failed: the pass reports it at its end
                        log.warning("feed pass: the store failed: %s", exc)
                        failures.append(exc)
                if batch:
                    claim(batch)
                if closing:
                    return
                if renew:
                    # Held hosts keep their lease however long the commits make them wait.
                    renew_at[0] = time.monotonic() + RENEW_EVERY
                    with cond:
                        holding = list(held)
                    try:
                        self.renew_hosts(holding)
                    except Exception as exc:
                        log.warning("feed pass: renewing host leases failed: %s", exc)
                        failures.append(exc)

        def claim(batch: list[tuple[str, list[FeedSource]]]) -> None:
            nonlocal seq
            claimed: set[str] = set()
            later: dict[str, float] = {}
            states: dict[str, FeedState] = {}
            try:
                claimed, later = self.claim_hosts([name for name, _ in batch])
                urls = [f.url for name, host_feeds in batch if name in claimed for f in host_feeds]
                states = self.engine.store.feed_states_of(urls) if urls else {}
            except Exception as exc:  # the store failed: the pass reports it at its end
                failures.append(exc)
                claimed, later = set(), {}
            now = time.monotonic()
            with cond:
                lease.claiming -= len(batch)
                for name, host_feeds in batch:
                    if name in claimed:
                        seq += 1
                        host = _Host(name, list(host_feeds), states, now, seq)
                        held[name] = host
                        heapq.heappush(due, host)
                    elif name in later and now + later[name] <= horizon and not self.stop.is_set():
                        # Another worker finished it less than min_interval ago: its turn in
                        # this pass comes when that has passed.
                        deferred[name] = (now + later[name], host_feeds)
                    else:
                        # Another worker is on this host: it pulls them, one at a time.
                        run.outcomes.extend(
                            FeedOutcome(f.url, "claimed-elsewhere") for f in host_feeds
                        )
                cond.notify_all()

        threads = [
            threading.Thread(target=work, name=f"feed-{n}", daemon=True)
            for n in range(self.workers)
        ]
        leaser = threading.Thread(target=lease_loop, name="feed-lease", daemon=True)
        self.commits.start()
        leaser.start()
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
                    if self.stop.is_set():
                        with cond:
                            cond.notify_all()
        finally:
            self.commits.close()  # every fetched feed's articles committed (or reported failed)
            with cond:
                lease.closing = True
                if self.stop.is_set():
                    for _, host_feeds in deferred.values():
                        run.outcomes.extend(
                            FeedOutcome(f.url, "claimed-elsewhere") for f in host_feeds
                        )
                    deferred.clear()
                cond.notify_all()
            leaser.join()
            self._lease = None
        if failures:
            raise failures[0]
        return run

    def claim_hosts(self, hosts: Sequence[str]) -> tuple[set[str], dict[str, float]]:
        """The hosts of `hosts` this worker pulls now (all of them, alone; see the shared
        one), and for those finished elsewhere too recently, the seconds until they may be."""
        return set(hosts), {}

    def release_hosts(self, hosts: Sequence[str], *, done: bool) -> None:
        """Gives hosts back (`done`: every one of their feeds was seen to this pass)."""

    def renew_hosts(self, hosts: Sequence[str]) -> None:
        """Extends the lease of hosts still held (see the shared one)."""

    def _save_state(self, state: FeedState) -> None:
        """A feed state with no articles (a 304, a failure, an empty feed): written by the
        pass's lease thread in its next batch, or at once outside a pass."""
        lease = self._lease
        if lease is None:
            self.engine.store.save_feed_states([state])
            return
        with self._lease_cond:
            lease.states.append(state)
            self._lease_cond.notify_all()

    def _write_states(self, states: list[FeedState]) -> None:
        # A feed may appear twice (pulled twice in one batch's time): its last state wins.
        latest = list({s.url: s for s in states}.values())
        for start in range(0, len(latest), STATE_BATCH):
            batch = latest[start : start + STATE_BATCH]
            try:
                self.engine.store.save_feed_states(batch)
            except Exception:
                if len(batch) == 1:
                    raise
                # One state the store refuses must not lose the others: each on its own.
                for state in batch:
                    try:
                        self.engine.store.save_feed_states([state])
                    except Exception as exc:
                        log.warning("the state of feed %s was not written: %s", state.url, exc)

    def pull(self, feed: FeedSource, state: FeedState | None) -> FeedOutcome:
        """Fetches and stores one feed (`state`: its state when its host was claimed); never
        raises for a bad feed."""
        if backing_off(state):
            return FeedOutcome(feed.url, "backing-off")
        return self.fetch_and_store(feed, state)

    def fetch_and_store(self, feed: FeedSource, state: FeedState | None) -> FeedOutcome:
        """One conditional GET of a feed and what follows from it."""
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
            # The address a refused feed's name resolved to goes to the operator's log only:
            # the stored error is shown on /feeds and by `parallax feeds` to whoever can read
            # them, and an internal address there maps the operator's network.
            log.debug("feed %s skipped: %s", feed.url, exc.detail)
            self._remember(state, feed.url, fetched_at, exc.status, exc.message)
            return FeedOutcome(feed.url, "error", error=shown_error(exc.message), code=exc.code)
        if response.status == 304:
            new_state = FeedState(
                url=feed.url,
                etag=_validator(response.headers.get("etag")) or (state.etag if state else None),
                last_modified=_validator(response.headers.get("last-modified"))
                or (state.last_modified if state else None),
                last_fetched=fetched_at,
                last_status=304,
                last_success=fetched_at,
                entries=state.entries if state else None,
            )
            # Nothing to cluster: the state is written on its own, outside the ingest lock.
            self._save_state(new_state)
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
            etag=_validator(response.headers.get("etag")),
            last_modified=_validator(response.headers.get("last-modified")),
            last_fetched=fetched_at,
            last_status=response.status,
            last_success=fetched_at,
            entries=len(articles),
        )
        if not articles:
            self._save_state(new_state)
            return FeedOutcome(feed.url, "ok")
        # The feed's validators commit with its articles, so a crash cannot skip unstored items.
        log.debug("feed %s: %d entries", feed.url, len(articles))
        outcome = FeedOutcome(feed.url, "ok", entries=len(articles))
        if not self.commits.running:
            outcome.result = self.commits.commit(articles, new_state)
            return outcome

        def stored(pending: _Pending) -> None:  # in the committer thread, before run() returns
            if pending.error is not None:
                outcome.status, outcome.code = "error", "store"
                outcome.error = f"its articles were not stored: {pending.error}"
            else:
                outcome.result = pending.result

        self.commits.submit(articles, new_state, stored)
        return outcome

    def _remember(
        self, state: FeedState | None, url: str, at: float, status: int | None, error: str
    ) -> None:
        # Keep the old validators (the next try should still be a conditional GET) and the
        # last success, so the feeds page can say how long a feed has been failing.
        failures = (state.failures if state else 0) + 1
        failed = FeedState(
            url=url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
            last_fetched=at,
            last_status=status,
            last_error=shown_error(error),
            last_success=state.last_success if state else None,
            entries=state.entries if state else None,
            failures=failures,
            next_attempt=at + retry_delay(failures, status, self.retry_base, self.rng),
        )
        self._save_state(failed)


# A validator longer than this is not kept: sent back with every later request of the feed, a
# 60 KB ETag is one the server (or a proxy before it) may refuse for good, and failures keep it.
MAX_VALIDATOR_CHARS = 1024


# No ETag or HTTP date holds a control character; http.client reads header bytes as Latin-1,
# NUL included, and PostgreSQL text cannot hold NUL: the state commits with the feed's articles,
# so such a validator lost them all (and the group's), at every pass.
_VALIDATOR_CONTROLS = re.compile("[\x00-\x1f\x7f]")


def _validator(value: str | None) -> str | None:
    """A response's ETag or Last-Modified as kept for the next conditional GET, or None."""
    if not value or len(value) > MAX_VALIDATOR_CHARS or _VALIDATOR_CONTROLS.search(value):
        return None
    return value


# C0 and C1 control characters: a feed server's own bytes reach an error message (http.client's
# BadStatusLine holds the status line as sent), and from there `parallax feeds`'s terminal.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


# A refusal as stored before its address was kept out of it: "refused to fetch HOST: 10.1.2.3 is
# a private address" (fetch.refusal's words). Such rows are still in feed_state until the feed
# is fetched again, and read without the address.
_OLD_REFUSAL = re.compile(
    r"refused to fetch (?P<host>\S+): \S+ (?:is (?P<kind>an? [\w-]+ address|not a public "
    r"address|not an IP address)|(?P<tunnel>tunnels to an IPv4 address))"
)


def _old_refusal(match: re.Match[str]) -> str:
    kind = match.group("kind")
    if match.group("tunnel"):
        kind = "an address tunnelling to IPv4"
    elif kind == "not a public address":
        kind = "a non-public address"
    elif kind == "not an IP address":
        kind = "an unreadable address"
    return f"refused to fetch {match.group('host')}: not a public address (it resolves to {kind})"


def shown_error(error: str) -> str:
    """A feed's error as stored and shown: control characters written out as \\xNN (an escape
    sequence from a hostile server must not reach the operator's terminal), a refused address
    left out (stored by older versions), at most 500."""
    error = _OLD_REFUSAL.sub(_old_refusal, error)
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", error)[:500]


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
    failures: int = 0  # failed fetches in a row
    next_attempt: float | None = None  # a failing feed's next try (backoff)

    def failures_words(self) -> str:
        """ "1 failure in a row", "3 failures in a row"."""
        return f"{self.failures} failure{'s' if self.failures != 1 else ''} in a row"

    def retrying_words(self, when: str) -> str:
        """A failing feed's backoff in words, its next try given as `when` (a time as the
        page or the terminal shows it): "retrying after …, 3 failures in a row"."""
        return f"retrying after {when}, {self.failures_words()}"

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
            "failures": self.failures,
            "next_attempt": iso(self.next_attempt),
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
                FeedStatus(
                    feed.outlet_id, feed.url, "never", "not fetched yet", None, None, None, None
                )
            )
            continue
        if state.last_error:
            code = f"HTTP {state.last_status}: " if state.last_status else ""
            # (Errors stored before shown_error existed are cleaned here too.)
            error = shown_error(state.last_error)
            # How many times in a row is said once, beside the next try (retrying_words).
            words = f"failing: {code}{error}"
            out.append(
                FeedStatus(
                    feed.outlet_id,
                    feed.url,
                    "failing",
                    words,
                    state.last_fetched,
                    state.last_success,
                    state.entries,
                    error,
                    failures=max(1, state.failures),
                    next_attempt=state.next_attempt,
                )
            )
            continue
        words = "not modified since the last fetch" if state.last_status == 304 else "ok"
        out.append(
            FeedStatus(
                feed.outlet_id,
                feed.url,
                "ok",
                words,
                state.last_fetched,
                state.last_success or state.last_fetched,
                state.entries,
                None,
            )
        )
    rank = {name: i for i, name in enumerate(("failing", "never", "ok"))}
    out.sort(key=lambda f: (rank[f.state], f.url))
    return out
