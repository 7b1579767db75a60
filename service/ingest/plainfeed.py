"""Reads plain, well-formed RSS 2.0 and Atom 1.0 documents with expat alone, giving exactly the
fields feedparser gives for them; every other document is left to feedparser (None).

Why: a feed worker parses every changed feed, and feedparser costs about a millisecond for a
three-item feed (encoding detection, its HTML sanitiser, dozens of date formats), nearly all
of it for things a plain feed does not use. This reader accepts only what it reads exactly as
feedparser 6 does, and gives up at the first thing it cannot:

- UTF-8 only: no byte-order mark but UTF-8's, no XML declaration naming another encoding;
- no document type declaration at all, so no entity is ever defined, let alone expanded (an
  undefined entity such as &nbsp; is a well-formedness error here, and feedparser decides);
- titles and summaries whose decoded text holds neither "<" nor "&", so feedparser's HTML
  sanitiser has nothing to change and strip_html nothing to unescape, and no C1 control
  character (feedparser maps those to Windows-1252);
- only the item elements listed below, each at most once, with no attributes but Atom's
  `type` (text or html); no xml:base; dates in the one strict RFC 822 or RFC 3339 form that
  feedparser reads to the same second.

Links are resolved against the feed's URL and tidied with feedparser's own steps (the same
urljoin, the same fix-ups of "&amp;"). The body is the fetched one, already bounded by the
fetch policy's max_bytes; past MAX_ITEMS items the document is left to feedparser."""

from __future__ import annotations

import calendar
import contextlib
import re
import urllib.parse
from dataclasses import dataclass, field
from xml.parsers import expat

ATOM = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_ITEMS = 500
# RSS 2.0 item elements read, and those feedparser uses for none of an entry's title, link,
# summary or dates (ignored here).
_RSS_FIELDS = frozenset({"title", "link", "description", "pubDate"})
_RSS_IGNORED = frozenset({"guid", "author", "category", "comments"})
_ATOM_FIELDS = frozenset({"title", "summary", "published", "updated"})
_ATOM_IGNORED = frozenset({"id", "author", "category", "rights"})
_ATOM_PERSON = frozenset({"name", "email", "uri"})
_ATOM_LINK_ATTRS = frozenset({"href", "rel", "type", "hreflang", "title", "length"})
_ATOM_RELS = frozenset({"alternate", "self", "related", "enclosure", "via", "replies", "edit"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text", "html"})
# The short names feedparser maps to media types before comparing a link's type.
_TYPE_ALIASES = {
    "text": "text/plain",
    "plain": "text/plain",
    "html": "text/html",
    "xhtml": "application/xhtml+xml",
}
_ENTRY_NAMES = frozenset({"item", "entry"})
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# "Fri, 04 Dec 2026 23:57:59 GMT" (feedparser ignores the weekday, and so does this).
_RFC822 = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:GMT|UT|Z|([+-])(\d{2})(\d{2}))\Z"
)
# "2026-12-04T23:57:59Z", "2026-12-04T23:57:59.5+01:00" (fractions dropped, as feedparser does).
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|([+-])(\d{2}):(\d{2}))\Z"
)
_XML_DECL = re.compile(rb"<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]*)[\"']")
# feedparser.urls._urifixer: extra slashes after "scheme://" are dropped.
_URI_FIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_ENTITY_LIKE = re.compile("&([A-Za-z0-9_]+);")
_C1 = re.compile("[\x80-\x9f]")


class _GiveUp(Exception):
    """The document is not one this reader reads exactly as feedparser would."""


@dataclass
class PlainEntry:
    """One item's fields as feedparser gives them (title and summary not yet stripped of HTML)."""

    title: str | None = None
    link: str | None = None
    summary: str | None = None
    published: float | None = None  # epoch seconds: RSS pubDate, Atom published
    updated: float | None = None  # Atom updated


@dataclass
class _State:
    kind: str = ""  # "rss" or "atom", from the root element
    depth: int = 0
    entries: list[PlainEntry] = field(default_factory=list)
    entry: PlainEntry | None = None
    entry_depth: int = 0
    seen: set[str] = field(default_factory=set)  # fields of the current entry
    text: list[str] | None = None  # the field whose text is being collected
    field_name: str = ""
    in_person: bool = False  # inside an Atom entry's author
    alternate_links: int = 0
    channels: int = 0


def _timestamp(parts: tuple[int, int, int, int, int, int], offset: int) -> float:
    year, month, day, hour, minute, second = parts
    if not 1970 <= year <= 2100 or not 1 <= month <= 12:
        raise _GiveUp
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise _GiveUp
    if hour > 23 or minute > 59 or second > 59:
        raise _GiveUp
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset)


def _offset(sign: str | None, hours: str | None, minutes: str | None) -> int:
    if not sign or hours is None or minutes is None:
        return 0
    if int(hours) > 23 or int(minutes) > 59:
        raise _GiveUp
    seconds = int(hours) * 3600 + int(minutes) * 60
    return seconds if sign == "+" else -seconds


def rfc822_time(value: str) -> float:
    """An RSS date in its one strict form as epoch seconds; _GiveUp for any other form."""
    match = _RFC822.match(value)
    if match is None:
        raise _GiveUp
    day, month, year, hour, minute, second, sign, oh, om = match.groups()
    parts = (int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
    return _timestamp(parts, _offset(sign, oh, om))


def rfc3339_time(value: str) -> float:
    """An Atom date in its strict form as epoch seconds; _GiveUp for any other form."""
    match = _RFC3339.match(value)
    if match is None:
        raise _GiveUp
    year, month, day, hour, minute, second, sign, oh, om = match.groups()
    parts = (int(year), int(month), int(day), int(hour), int(minute), int(second))
    return _timestamp(parts, _offset(sign, oh, om))


def _urljoin(base: str, uri: str) -> str:
    # feedparser.urls._urljoin, step for step.
    uri = _URI_FIXER.sub(r"\1\3", uri)
    try:
        return urllib.parse.urljoin(base, uri)
    except ValueError:
        return ""


def _as_feedparser_text(value: str) -> str:
    """What feedparser's pop() makes of an element's text, for the text read here."""
    value = value.strip()
    # feedparser "repairs" text that reads as UTF-8 taken for Latin-1; so must this.
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    if _C1.search(value):
        raise _GiveUp  # feedparser maps these to Windows-1252 characters
    return value


def _plain(value: str) -> str:
    # "<" or "&" would be markup or an entity to HTML: feedparser's sanitiser or strip_html
    # could change the text, so only text without them is read here.
    if "<" in value or "&" in value:
        raise _GiveUp
    return value


def _rss_link(value: str, base: str) -> str:
    # RSS <link>: pop() strips it, resolves it, repairs it, then undoes "&amp;" and "&x;".
    value = value.strip()
    if not value or "<" in value:
        raise _GiveUp
    value = _as_feedparser_text(_urljoin(base, value))
    value = value.replace("&amp;", "&")
    return _ENTITY_LIKE.sub(r"&\g<1>", value)


def parse_plain_feed(body: bytes, base: str) -> list[PlainEntry] | None:
    """The entries of a plain RSS 2.0 or Atom 1.0 document fetched from `base`, or None when
    feedparser must read it (not plain, not well-formed, not UTF-8, too many items)."""
    if body.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00")) or b"\x00" in body[:4]:
        return None  # UTF-16 or UTF-32
    head = body[:512].removeprefix(b"\xef\xbb\xbf")
    if head.startswith(b"<?xml"):
        closing = head.find(b"?>")
        if closing < 0:
            return None
        declaration = head[: closing + 2]
        declared = _XML_DECL.match(declaration)
        if declared is not None:
            if declared.group(1).lower() not in (b"utf-8", b"utf8"):
                return None
        elif b"encoding" in declaration:
            return None  # a declaration not read here
    state = _State()
    # The document's bytes are read as UTF-8 whatever it says (checked above); a byte that is
    # not UTF-8 is a well-formedness error, left to feedparser's encoding detection.
    parser = expat.ParserCreate("utf-8", namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def give_up(*_: object) -> None:
        raise _GiveUp

    def refuse_external(*_: object) -> int:
        raise _GiveUp

    # No DTD: no entity can be defined, so none is expanded, and none is ever fetched.
    parser.StartDoctypeDeclHandler = give_up
    parser.EntityDeclHandler = give_up
    parser.ExternalEntityRefHandler = refuse_external
    parser.SkippedEntityHandler = give_up

    def start(name: str, attrs: dict[str, str]) -> None:
        if state.text is not None:
            raise _GiveUp  # markup inside a text field (xhtml content, nested elements)
        for key in attrs:
            if key.startswith(XML_NS) and key.endswith(" base"):
                raise _GiveUp  # xml:base changes how feedparser resolves links
        depth = state.depth
        state.depth += 1
        namespace, _, local = name.rpartition(" ")
        if depth == 0:
            if name == "rss" and attrs.get("version") == "2.0":
                state.kind = "rss"
            elif name == f"{ATOM} feed":
                state.kind = "atom"
            else:
                raise _GiveUp
            return
        entry_depth = 2 if state.kind == "rss" else 1
        if state.entry is None:
            if local in _ENTRY_NAMES:
                wanted = name == "item" if state.kind == "rss" else name == f"{ATOM} entry"
                if depth != entry_depth or not wanted:
                    raise _GiveUp  # feedparser starts an entry at any depth
                if state.kind == "rss" and state.channels != 1:
                    raise _GiveUp
                _new_entry(depth)
            elif state.kind == "rss" and depth == 1:
                if name != "channel" or state.channels:
                    raise _GiveUp
                state.channels = 1
            # Anything else outside an entry is the feed's own (title, image, links ...).
            return
        if state.kind == "rss":
            _rss_element(name, attrs, depth)
        else:
            _atom_element(namespace, local, attrs, depth)

    def _rss_element(name: str, attrs: dict[str, str], depth: int) -> None:
        if depth != 3:
            raise _GiveUp
        if name in _RSS_FIELDS:
            if attrs:
                raise _GiveUp  # type= or mode= would change how feedparser reads it
            _field(name)
        elif name not in _RSS_IGNORED:
            raise _GiveUp

    def _atom_element(namespace: str, local: str, attrs: dict[str, str], depth: int) -> None:
        if namespace != ATOM:
            raise _GiveUp
        if depth == 3 and state.in_person and local in _ATOM_PERSON:
            _field(f"author {local}", collect=False)
            return
        if depth != 2:
            raise _GiveUp
        if local == "link":
            _atom_link(attrs)
        elif local in _ATOM_FIELDS:
            kind = attrs.get("type")
            if set(attrs) - {"type"} or (kind is not None and kind not in _TEXT_TYPES):
                raise _GiveUp
            _field(local)
        elif local in _ATOM_IGNORED:
            state.in_person = local == "author"
        else:
            raise _GiveUp

    def _atom_link(attrs: dict[str, str]) -> None:
        entry = state.entry
        assert entry is not None
        if set(attrs) - _ATOM_LINK_ATTRS or "href" not in attrs:
            raise _GiveUp
        rel = attrs.get("rel", "alternate")
        kind = attrs.get("type")
        if rel not in _ATOM_RELS or (kind is not None and kind != kind.lower()):
            raise _GiveUp  # feedparser lowercases these before comparing them
        if rel == "alternate" and (kind is None or _TYPE_ALIASES.get(kind, kind) in _HTML_TYPES):
            state.alternate_links += 1
            if state.alternate_links > 1:
                raise _GiveUp  # feedparser keeps the last one
            entry.link = _urljoin(base, attrs["href"])

    def _new_entry(depth: int) -> None:
        if len(state.entries) >= MAX_ITEMS:
            raise _Enough
        state.entry = PlainEntry()
        state.entries.append(state.entry)
        state.entry_depth = depth
        state.seen = set()
        state.alternate_links = 0
        state.in_person = False

    def _field(name: str, collect: bool = True) -> None:
        if name in state.seen:
            raise _GiveUp  # feedparser keeps the first of some, the last of others
        state.seen.add(name)
        if collect:
            state.text = []
            state.field_name = name

    def end(name: str) -> None:
        state.depth -= 1
        entry = state.entry
        if state.text is not None and entry is not None:
            value = "".join(state.text)
            state.text = None
            local = state.field_name
            if local == "title":
                entry.title = _plain(_as_feedparser_text(value))
            elif local in ("description", "summary"):
                entry.summary = _plain(_as_feedparser_text(value))
            elif local == "link":
                entry.link = _rss_link(value, base)
            elif local == "pubDate":
                entry.published = rfc822_time(_as_feedparser_text(value))
            elif local == "published":
                entry.published = rfc3339_time(_as_feedparser_text(value))
            elif local == "updated":
                entry.updated = rfc3339_time(_as_feedparser_text(value))
            return
        if entry is None:
            return
        if state.kind == "atom" and state.depth == 2 and name == f"{ATOM} author":
            state.in_person = False
        if state.depth == state.entry_depth:
            if entry.link is None:
                raise _GiveUp  # feedparser may take the guid, the id or another link
            state.entry = None

    def text(data: str) -> None:
        if state.text is not None:
            state.text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(body, True)
    except (_GiveUp, _Enough, expat.ExpatError, ValueError, RecursionError):
        # _Enough: past MAX_ITEMS the rest is never read here, and feedparser would read it
        # all (a broken tail would make it call the whole feed malformed).
        return None
    if not state.kind or (state.kind == "rss" and state.channels != 1):
        return None
    return state.entries


class _Enough(Exception):
    """More items than a feed is read for."""
