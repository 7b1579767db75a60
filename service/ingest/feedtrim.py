"""Bounds the document feedparser reads: at most its first items, within a byte budget.

Why: feedparser's CPU grows with the bytes it reads, about 2 s a megabyte for a feed of HTML
summaries or a malformed one (its sanitiser and loose parser are pure Python), so a hostile 5 MB
feed held a feed worker's thread for 10-15 s every pass. The plain reader (plainfeed) is tried
first on the whole document; what it leaves to feedparser is cut here after the last whole item
that ends within FEEDPARSER_MAX_BYTES (and after MAX_ITEMS items, as only those are kept), the
elements still open there closed, so feedparser sees a shorter well-formed document with the
same first items. A document that cannot be cut so (not well-formed before its first item ends,
an item larger than the budget, UTF-16, entities declared in a DTD) and is over the budget is
refused with a message saying so."""

from __future__ import annotations

from xml.parsers import expat

# Bytes of a document feedparser reads at most: under 4 s of its CPU at worst (bench/feed_hostile.py:
# Atom XHTML content), and room for a legitimate 1 MB feed of 300 items with HTML summaries.
FEEDPARSER_MAX_BYTES = 1024 * 1024
_ITEM_NAMES = frozenset({"item", "entry"})


class _Stop(Exception):
    """Ends the scan: enough items, past the budget, or a document that cannot be cut."""


def bounded_for_feedparser(
    body: bytes, max_items: int, max_bytes: int = FEEDPARSER_MAX_BYTES
) -> bytes:
    """`body`, or its first items as a shorter well-formed document (see the module's doc);
    raises ValueError when it is over `max_bytes` and cannot be cut."""
    if len(body) <= max_bytes and body.count(b"<") <= max_items:
        return body  # cannot hold more items than it has tags: nothing to cut
    cut = _last_cut(body, max_items, max_bytes)
    if cut is None:
        if len(body) <= max_bytes:
            return body
        raise ValueError(
            f"the feed is {len(body):,} bytes and is not plain RSS or Atom, so it would be read "
            f"by the slow parser, which reads at most {max_bytes:,}; and it cannot be cut at an "
            "item before that (not well-formed XML, UTF-16, entities declared in a DTD, or a "
            "first item that large): serve a shorter feed"
        )
    end, closers = cut
    if end >= len(body) - 1:
        return body
    return body[:end] + b"".join(b"</" + name.encode("ascii") + b">" for name in closers)


def _last_cut(body: bytes, max_items: int, max_bytes: int) -> tuple[int, list[str]] | None:
    """(offset just past the last item end that can be kept, the elements open there, innermost
    first), or None when no item ends within the budget in a well-formed prefix."""
    if body.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00")) or b"\x00" in body[:4]:
        return None  # UTF-16 or UTF-32: closing tags appended as ASCII would not fit
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

    def start(name: str, attrs: object) -> None:
        stack.append(name)

    def end(name: str) -> None:
        nonlocal items, found
        stack.pop()
        if name.rpartition(":")[2] not in _ITEM_NAMES:
            return
        if any(open_.rpartition(":")[2] in _ITEM_NAMES for open_ in stack):
            return  # an item inside an item (in its content): not the feed's own
        closing = body.find(b">", parser.CurrentByteIndex)
        if closing < 0 or closing + 1 > max_bytes:
            raise _Stop
        if not all(open_.isascii() for open_ in stack):
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
