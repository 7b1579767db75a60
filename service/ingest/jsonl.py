"""The one reader of JSON-lines article files (`ingest --file`, `cluster`, the benchmarks):
one article per line, {id?, url?, title, text?, outlet?, published?}, each problem named with its
line and the fix."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

from service.core.times import TimeInputError, article_time
from service.coverage.cluster import Clusterer, ClusterSettings, Doc
from service.coverage.engine import RawArticle
from service.coverage.regroup import RegroupSettings, batch_settings, regroup
from service.coverage.summary import DEMO_ID_PREFIX

T = TypeVar("T")


def parse_published(value: object) -> float | None:
    """Reads an ISO 8601 date or epoch number into epoch seconds; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"published must be an ISO 8601 string, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"published {value!r} is not an ISO 8601 date such as 2021-07-19T18:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class FileFormatError(ValueError):
    """A line of an articles file that cannot be used; the message names the line and the fix."""


# A headline made from an untitled article's text stops at its first sentence or this length.
UNTITLED_HEADLINE_CHARS = 160
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s")


def headline_from_text(text: str) -> str:
    """A stand-in title for an article that has only a body: its first sentence, cut short."""
    flat = " ".join(text.split())
    first = _SENTENCE_RE.split(flat, maxsplit=1)[0]
    if len(first) <= UNTITLED_HEADLINE_CHARS:
        return first
    cut = first.rfind(" ", 0, UNTITLED_HEADLINE_CHARS)
    return first[: cut if cut > 0 else UNTITLED_HEADLINE_CHARS]


def read_articles(
    lines: Iterable[str],
    start_line: int = 0,
    untitled: list[int] | None = None,
    problems: list[str] | None = None,
) -> Iterator[tuple[int, RawArticle]]:
    """(line number, article) for each JSON line after `start_line`; raises FileFormatError.

    With an `untitled` list, an article with a text but no title is kept under a headline made
    from its text, and its line number is added to the list; without one it is an error. With a
    `problems` list, a line that cannot be used is skipped and its message added there instead.
    """
    yield from _each(lines, start_line, problems, lambda n, r: _article(n, r, untitled))


def _each(
    lines: Iterable[str],
    start_line: int,
    problems: list[str] | None,
    read: Callable[[int, dict[str, object]], T],
) -> Iterator[tuple[int, T]]:
    """(line number, what `read` makes of the line's record) for each line; a line `read`
    refuses (FileFormatError) is skipped with its message added to `problems` where there is
    such a list, else the error is raised."""
    for number, record in _records(lines, start_line, problems):
        try:
            made = read(number, record)
        except FileFormatError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
            continue
        yield number, made


# Bytes that were not UTF-8, as a file opened with errors="surrogateescape" reads them.
_UNDECODED_RE = re.compile("[\udc80-\udcff]")


def _records(
    lines: Iterable[str], start_line: int, problems: list[str] | None
) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, JSON object) for each non-blank line after `start_line`."""
    for number, line in enumerate(lines, start=1):
        if number <= start_line or not line.strip():
            continue
        if number == 1:
            # A byte order mark: some editors start UTF-8 files with one.
            line = line.removeprefix("\ufeff")
        try:
            record = _record(number, line)
        except FileFormatError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
            continue
        yield number, record


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # {"title": "a", "title": "b"}: which one a reader keeps differs (json keeps the last), so
    # the line is refused, named, rather than read one way here and another way elsewhere.
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def _record(number: int, line: str) -> dict[str, object]:
    if not line.isascii() and (bad := _UNDECODED_RE.search(line)) is not None:
        # json.loads would read the stray byte as a lone surrogate inside a string.
        raise FileFormatError(
            f"line {number}: not UTF-8 text (byte 0x{ord(bad.group()) - 0xDC00:02X} at column "
            f"{bad.start() + 1}); save the file as UTF-8"
        )
    try:
        record = json.loads(line, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise FileFormatError(
            f"line {number}: the key {exc.key[:40]!r} is given twice in one object; keep one"
        ) from None
    except json.JSONDecodeError as exc:
        # Some of json's messages end in "at" already ("Invalid control character at").
        reason = exc.msg.removesuffix(" at")
        raise FileFormatError(
            f"line {number}: not valid JSON ({reason} at column {exc.colno})"
        ) from None
    except RecursionError:
        # "[[[[...]]]]" thousands deep: json's decoder recurses once per level.
        raise FileFormatError(
            f"line {number}: not valid JSON (nested too deeply); give one flat object"
        ) from None
    except ValueError:
        # An integer of more digits than Python converts (sys.get_int_max_str_digits).
        raise FileFormatError(
            f"line {number}: not valid JSON (a number too long to read)"
        ) from None
    if not isinstance(record, dict):
        raise FileFormatError(f"line {number}: expected a JSON object with id and title")
    return record


def _article(number: int, record: dict[str, object], untitled: list[int] | None) -> RawArticle:
    """The article of one line's JSON object; raises FileFormatError."""
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        raise FileFormatError(f"line {number}: 'title' must be a string")
    ext_id = record.get("id")
    if ext_id is not None and (isinstance(ext_id, bool) or not isinstance(ext_id, (str, int))):
        raise FileFormatError(f"line {number}: 'id' must be a string")
    url = record.get("url")
    if url is not None and not isinstance(url, str):
        raise FileFormatError(f"line {number}: 'url' must be a string")
    if ext_id in (None, "") and not url:
        raise FileFormatError(f"line {number}: give the article an 'id' or a 'url'")
    if str(ext_id or "").startswith(DEMO_ID_PREFIX):
        raise FileFormatError(
            f"line {number}: ids starting with {DEMO_ID_PREFIX!r} are reserved for "
            "`parallax demo` (its --clear removes them); choose another id"
        )
    text = record.get("text") or record.get("description") or ""
    if not isinstance(text, str):
        raise FileFormatError(f"line {number}: 'text' must be a string")
    titled = bool(title and title.strip())
    if not titled and (untitled is None or not text.strip()):
        raise FileFormatError(f"line {number}: 'title' must be a non-empty string")
    outlet = record.get("outlet")
    if outlet is not None and not isinstance(outlet, str):
        raise FileFormatError(f"line {number}: 'outlet' must be a string")
    try:
        # The same window as every other entrance: a file cannot store what the API refuses.
        published = article_time(record.get("published"))
    except TimeInputError as exc:
        raise FileFormatError(f"line {number}: {exc}") from None
    if not titled and untitled is not None:
        # Counted only once the line is known to be used.
        title = headline_from_text(text)
        untitled.append(number)
    return RawArticle(
        title=str(title),
        text=text,
        url=url or None,
        outlet=outlet or None,
        published=published,
        ext_id=str(ext_id) if ext_id not in (None, "") else None,
    )


def read_story_articles(
    lines: Iterable[str], untitled: list[int] | None = None, problems: list[str] | None = None
) -> Iterator[tuple[int, str, RawArticle]]:
    """(line number, story, article) for each line of an already grouped file: the rules of
    `read_articles` plus a `story` field naming the article's group; with a `problems` list a
    bad line is skipped and its message added there, else it raises FileFormatError."""

    def read(number: int, record: dict[str, object]) -> tuple[str, RawArticle]:
        story = record.get("story")
        if isinstance(story, bool) or not isinstance(story, (str, int)) or str(story) == "":
            raise FileFormatError(
                f"line {number}: 'story' must be a non-empty string naming the article's story"
            )
        return str(story), _article(number, record, untitled)

    for number, (story, raw) in _each(lines, 0, problems, read):
        yield number, story, raw


# The batch pass's defaults (docs/clustering.md).
_REGROUP = RegroupSettings()


def cluster_jsonl(
    lines: Iterable[str],
    settings: ClusterSettings | None = None,
    untitled: list[int] | None = None,
    regrouping: RegroupSettings | None = _REGROUP,
) -> Iterator[dict[str, str]]:
    """Clusters JSON-lines articles in file order with the clusterer alone (no store) and yields
    {"id", "story"} with final story ids; the id is the line's `id`, else its `url`. Undated
    articles then get the batch pass of service/coverage/regroup.py (`regrouping`), which takes
    the online regroup's place (batch_settings); None: the online answer, online regroup
    included."""
    clusterer = Clusterer(batch_settings(settings) if regrouping is not None else settings)
    assigned: list[tuple[str, str]] = []
    # The undated articles, for the batch pass (dated ones are not read again).
    undated: list[tuple[int, Doc]] = []
    merged: dict[str, str] = {}
    moved: dict[str, str | None] = {}
    seen_ids: set[str] = set()
    for number, raw in read_articles(lines, untitled=untitled):
        doc_id = raw.ext_id or raw.url or str(number)
        if doc_id in seen_ids:
            raise FileFormatError(f"line {number}: id {doc_id!r} appears twice; ids must be unique")
        seen_ids.add(doc_id)
        doc = Doc(
            id=doc_id, title=raw.title, text=raw.text, outlet=raw.outlet, published=raw.published
        )
        assigned.append((doc_id, clusterer.add(doc)))
        if regrouping is not None and doc.published is None:
            undated.append((len(assigned) - 1, doc))
        if number % 1000 == 0:
            merged.update(clusterer.drain_merges())
            moved.update((d, clusterer.story_of(d)) for d in clusterer.drain_moves())
            if clusterer._latest is not None:
                clusterer.expire(clusterer._latest)
    clusterer.consolidate()
    merged.update(clusterer.drain_merges())
    moved.update((d, clusterer.story_of(d)) for d in clusterer.drain_moves())
    # An article the online regroup moved is in the story it was moved to (then merges).
    assigned = [(d, moved.get(d) or story) for d, story in assigned]

    def final(story: str) -> str:
        hops = 0
        while story in merged and hops < len(merged) + 1:
            story = merged[story]
            hops += 1
        return story

    if undated and regrouping is not None:
        docs = [doc for _, doc in undated]
        stories = regroup(clusterer, docs, [final(assigned[n][1]) for n, _ in undated], regrouping)
        for (n, _), story in zip(undated, stories, strict=True):
            assigned[n] = (assigned[n][0], story)
    for doc_id, story in assigned:
        yield {"id": doc_id, "story": final(story)}
