"""Bounds the document feedparser reads: at most its first items, within a byte budget.

Why: feedparser's CPU grows with the bytes it reads, about 2 s a megabyte for a feed of HTML
summaries or a malformed one (its sanitiser and loose parser are pure Python), so a hostile 5 MB
feed held a feed worker's thread for 10-15 s every pass. The plain reader (plainfeed) is tried
first on the whole document; what it leaves to feedparser is cut here after the last whole item
that ends within FEEDPARSER_MAX_BYTES (and after MAX_ITEMS items, as only those are kept), the
elements still open there closed, so feedparser sees a shorter well-formed document with the
same first items (a document in an encoding expat lacks is made UTF-8 first). A document that
cannot be cut so (not well-formed before its first item ends, an item larger than the budget,
bytes not in its declared encoding, entities declared in a DTD) and is over the budget is
refused with a message saying so."""

from __future__ import annotations

import codecs
import re
from xml.parsers import expat

# Bytes of a document feedparser reads at most: under 4 s of its CPU at worst (bench/feed_hostile.py:
# Atom XHTML content), and room for a legitimate 1 MB feed of 300 items with HTML summaries.
FEEDPARSER_MAX_BYTES = 1024 * 1024
_ITEM_NAMES = frozenset({"item", "entry"})
# Elements around a feed's own item at most (rss/channel/item is 2, rdf:RDF/item 1).
MAX_ITEM_DEPTH = 16


class _Stop(Exception):
    """Ends the scan: enough items, past the budget, or a document that cannot be cut."""


def bounded_for_feedparser(
    body: bytes, max_items: int, max_bytes: int = FEEDPARSER_MAX_BYTES
) -> bytes:
    """`body`, or its first items as a shorter well-formed document (see the module's doc);
    raises ValueError when it is over `max_bytes` and cannot be cut."""
    if len(body) <= max_bytes and body.count(b"<") <= max_items:
        return body  # cannot hold more items than it has tags: nothing to cut
    # Cut as UTF-8: expat reads few encodings itself (a Shift_JIS, GBK or UTF-16 feed was not
    # cut, so refused past the budget, where feedparser had read it).
    readable = as_utf8(body)
    cut = None if readable is None else _last_cut(readable, max_items, max_bytes)
    if readable is None or cut is None:
        if len(body) <= max_bytes:
            return body
        raise ValueError(
            f"the feed is {len(body):,} bytes and is not plain RSS or Atom, so it would be read "
            f"by the slow parser, which reads at most {max_bytes:,}; and it cannot be cut at an "
            "item before that (not well-formed XML, not in its declared encoding, entities "
            "declared in a DTD, or a first item that large): serve a shorter feed"
        )
    end, closers = cut
    if end >= len(readable) - 1:
        return body
    return readable[:end] + b"".join(b"</" + name.encode("ascii") + b">" for name in closers)


# Encodings expat reads itself (the bytes are cut as they are); any other is made UTF-8 first.
_EXPAT_NATIVE = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"})
_DECLARED = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([^\"']{1,40})[\"']"
)
_DECLARATION = re.compile(r"\A(\ufeff?\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"'])[^\"']{1,40}")
# A document's first bytes in UTF-16 or UTF-32 without a byte order mark ("<?" or "<r").
_WIDE_STARTS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def as_utf8(body: bytes) -> bytes | None:
    """The document in an encoding expat reads: as it is when it is one, else decoded by its
    byte order mark or declaration and written as UTF-8 (the declaration saying so); None when
    its bytes are not what it declares."""
    encoding: str | None = None
    if body.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif body.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = next((name for start, name in _WIDE_STARTS if body.startswith(start)), None)
    if encoding is None:
        declared = _DECLARED.match(body)
        if declared is None:
            return body  # UTF-8 (with or without its byte order mark)
        encoding = declared.group(1).decode("ascii", "replace").strip().lower()
        if encoding in _EXPAT_NATIVE:
            return body
    try:
        if not codecs.lookup(encoding)._is_text_encoding:
            return None  # "rot13", "hex": not a character encoding
        text = body.decode(encoding)
    except (LookupError, UnicodeError, ValueError):
        return None
    return _DECLARATION.sub(r"\1utf-8", text.removeprefix("\ufeff"), count=1).encode(
        "utf-8", "surrogatepass"
    )


def _last_cut(body: bytes, max_items: int, max_bytes: int) -> tuple[int, list[str]] | None:
    """(offset just past the last item end that can be kept, the elements open there, innermost
    first), or None when no item ends within the budget in a well-formed prefix."""
    if b"\x00" in body[:4]:
        return None  # (as_utf8 made UTF-16 and UTF-32 documents UTF-8 before)
    parser = expat.ParserCreate()
    # As plainfeed: no parameter entities, no external entity ever fetched; a DTD declaring
    # entities is not scanned at all (expansion is feedparser's business, bounded by bytes).
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[str] = []
    items = 0
    found: tuple[int, list[str]] | None = None

    def stop(*_: object) -> None:
        raise _Stop

    def refuse_external(*_: object) -> int:
        raise _Stop

    open_items = 0  # item elements open now: one inside another is in its content

    def start(name: str, attrs: object) -> None:
        nonlocal open_items
        stack.append(name)
        if name.rpartition(":")[2] in _ITEM_NAMES:
            open_items += 1

    def end(name: str) -> None:
        nonlocal items, found, open_items
        stack.pop()
        if name.rpartition(":")[2] not in _ITEM_NAMES:
            return
        open_items -= 1
        if open_items:
            return  # an item inside an item (in its content): not the feed's own
        closing = body.find(b">", parser.CurrentByteIndex)
        if closing < 0 or closing + 1 > max_bytes:
            raise _Stop
        if len(stack) > MAX_ITEM_DEPTH or not all(open_.isascii() for open_ in stack):
            # A feed's items sit two or three elements deep; copying a hostile depth at each
            # item was quadratic (100,000 wrappers and 500 items: 2.9 s).
            raise _Stop
        found = (closing + 1, list(reversed(stack)))
        items += 1
        if items >= max_items:
            raise _Stop

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = stop
    parser.ExternalEntityRefHandler = refuse_external
    try:
        # Past the budget nothing is kept, so expat never reads much beyond it.
        parser.Parse(body[: max_bytes + 64 * 1024], False)
    except (_Stop, expat.ExpatError):
        pass
    except (ValueError, LookupError, UnicodeError):
        return None  # an encoding expat cannot read: not cut
    return found
