"""Bounds the document feedparser reads: at most its first items, within a byte budget.

Why: feedparser's CPU grows with the bytes it reads, about 2 s a megabyte for a feed of HTML
summaries or a malformed one (its sanitiser and loose parser are pure Python), so a hostile 5 MB
feed held a feed worker's thread for 10-15 s every pass. The plain reader (plainfeed) is tried
first on the whole document; what it leaves to feedparser is cut here after the last whole item
that ends within FEEDPARSER_MAX_BYTES (and after MAX_ITEMS items, as only those are kept), the
elements still open there closed, so feedparser sees a shorter well-formed document with the
same first items (a document not in UTF-8 is decoded as feedparser decodes it and cut as UTF-8).
A document that cannot be cut so (not well-formed where it is read, an item larger than the
budget, bytes not in the encoding it declares, entities declared in a DTD) is given whole to
feedparser when within the budget (which decides, as before), refused with a message past it.

Bytes alone do not bound feedparser's CPU: its cost follows the markup it reads, about 25 us an
element, 13 us a tag of HTML inside a text (CDATA or escaped) and more for an element's
attributes, whose cost grows with their square (one element of 16,000 attributes: 2.5 s; of
60,000, within a megabyte: 40 s). So the cut counts markup too (FEEDPARSER_MAX_MARKUP): the
items kept are those that end within it, an element of more than MAX_ATTRIBUTES attributes ends
the items kept before it, and a feed whose first item alone is past either is refused, saying
so. A document expat cannot read through is given to feedparser only when a cheap upper bound of
its markup (counted bytes) is within the budget."""

from __future__ import annotations

import contextlib
import re
from typing import Any
from xml.parsers import expat

from feedparser.encodings import convert_to_utf8
from feedparser.exceptions import CharacterEncodingOverride, CharacterEncodingUnknown

# Bytes of a document feedparser reads at most: under 4 s of its CPU at worst (bench/feed_hostile.py:
# Atom XHTML content), and room for a legitimate 1 MB feed of 300 items with HTML summaries.
FEEDPARSER_MAX_BYTES = 1024 * 1024
# The media type feeds.py gives feedparser: it decides which encoding feedparser reads a
# document in, so the cut decodes it with the same one.
FEEDPARSER_CONTENT_TYPE = "application/xml"
# Markup feedparser reads at most, counted as 2 an element, 1 an attribute and 1 a "<" in a
# text (a tag of HTML its sanitiser parses; and 1 every AMPERSANDS_A_UNIT "&" there): under 1 s
# of its CPU at worst (bench/feed_hostile.py: Atom XHTML content, its costliest elements), and room for 500 items of ten
# elements with 20 HTML tags each, or 50 items with 380 (the items past it are not read).
FEEDPARSER_MAX_MARKUP = 40_000
# Characters an entity a feed's DTD declares may stand for: a character (&nbsp; as &#160;) or a
# short word; a longer one multiplies what is parsed (300 KB of "&a;" for 250 characters each:
# 25 MB of article text), and one naming another entity is how billion laughs nests.
MAX_ENTITY_CHARS = 16
# "&" inside a text counted as one unit of markup: feedparser's HTML parsers (the sanitiser and
# the relative links' resolver) take 2.4 to 4.8 us for each ("&" alone, "&#1;"), against about 22 us a unit.
AMPERSANDS_A_UNIT = 4
# Characters of an attribute's default value a feed's DTD may declare (<!ATTLIST ... "...">):
# expat gives it to every such element, so a long one multiplies what is parsed as an entity
# does; a namespace's address fits.
MAX_DEFAULT_CHARS = 256
# Attributes of one element at most (a feed's elements have a handful; feedparser's cost grows
# with their square).
MAX_ATTRIBUTES = 256
_ITEM_NAMES = frozenset({"item", "entry"})
# Elements around a feed's own item at most (rss/channel/item is 2, rdf:RDF/item 1).
MAX_ITEM_DEPTH = 16


class _Stop(Exception):
    """Ends the scan: enough items, past the budget, or a document that cannot be cut."""


class _Costly(str):
    """Why a document cannot be given to feedparser at all, whatever its size."""


def markup_bound(body: bytes) -> int:
    """An upper bound of the markup feedparser reads in `body` as FEEDPARSER_MAX_MARKUP counts
    it, from counted bytes (each element and tag has a "<", each attribute a "=", an escaped tag
    an "&"; entities are declared with at most MAX_ENTITY_CHARS characters and no "<")."""
    return 2 * body.count(b"<") + body.count(b"&") + body.count(b"=")


def attributes_bound(body: bytes) -> int:
    """An upper bound of the attributes of any one element in `body`: the most "=" between
    two "<" (each attribute has one). Not between two ">": an attribute's value may hold a ">"
    (a="&gt;" need not be escaped), so 20,000 attributes valued ">" counted 1 each and went to
    feedparser whole (4 s); a value holding "<" is not well-formed, and expat, which is where
    feedparser's cost grows with their square, never hands feedparser such an element."""
    total = body.count(b"=")
    if total <= MAX_ATTRIBUTES:
        return total
    return max(run.count(b"=") for run in body.split(b"<"))


def _cheaply_bounded(body: bytes, max_markup: int) -> bool:
    return markup_bound(body) <= max_markup and attributes_bound(body) <= MAX_ATTRIBUTES


def bounded_for_feedparser(
    body: bytes,
    max_items: int,
    max_bytes: int = FEEDPARSER_MAX_BYTES,
    max_markup: int = FEEDPARSER_MAX_MARKUP,
) -> bytes:
    """`body`, or its first items as a shorter well-formed document (see the module's doc);
    raises ValueError when it is over `max_bytes` or `max_markup` and cannot be cut, or
    declares an entity that can multiply it (see check_entities)."""
    if b"<!ENTITY" in body or b"<!ATTLIST" in body:
        check_entities(body)
    if (
        len(body) <= max_bytes
        and body.count(b"<") <= max_items
        and _cheaply_bounded(body, max_markup)
    ):
        return body  # cannot hold more items than it has tags, nor more markup: nothing to cut
    # Cut as UTF-8: expat reads few encodings itself (a Shift_JIS, GBK or UTF-16 feed was not
    # cut, so refused past the budget, where feedparser had read it).
    readable = as_utf8(body)
    cut: tuple[int, list[str]] | str = "bytes that are not in the encoding it declares"
    if readable is not None:
        cut = _last_cut(readable, max_items, max_bytes, max_markup)
    if isinstance(cut, _Costly):
        raise ValueError(f"{cut}: serve fewer or shorter items (summaries, not whole articles)")
    if isinstance(cut, str) or readable is None:
        if len(body) <= max_bytes and _cheaply_bounded(body, max_markup):
            return body  # feedparser reads it whole, as before there was a cut (and decides)
        if len(body) <= max_bytes:
            # Not counted by expat past what it read: the bytes' bound decides.
            raise ValueError(
                f"the feed is not plain RSS or Atom, so it would be read by the slow parser, "
                f"and it may hold more markup than that reads (up to {markup_bound(body):,} "
                f"counted, at most {max_markup:,}; up to {attributes_bound(body):,} attributes "
                f"on one element, at most {MAX_ATTRIBUTES}); and it cannot be cut at an item "
                f"({cut}): serve well-formed XML, or fewer items"
            )
        raise ValueError(
            f"the feed is {len(body):,} bytes and is not plain RSS or Atom, so it would be read "
            f"by the slow parser, which reads at most {max_bytes:,}; and it cannot be cut at an "
            f"item before that ({cut}): serve a shorter feed"
        )
    end, closers = cut
    if end >= len(readable) - 1:
        return body
    return readable[:end] + b"".join(b"</" + name.encode("utf-8") + b">" for name in closers)


def check_entities(body: bytes) -> None:
    """Raises ValueError naming the first entity the document's DTD declares that could
    multiply it: one standing for more than MAX_ENTITY_CHARS characters, for markup or another
    entity (nested, as billion laughs does), an external or a parameter entity; or an
    attribute's default of more than MAX_DEFAULT_CHARS (copied into every such element). A DTD of short
    character entities (<!ENTITY nbsp "&#160;">, as feeds written for HTML readers declare) is
    safe to read: at most MAX_ENTITY_CHARS characters for every 3 bytes of reference."""
    readable = as_utf8(body)
    if readable is None:
        return  # decided where it is read (feedparser keeps only entities of plain text)
    parser = expat.ParserCreate("utf-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    unsafe: list[str] = []
    long_default: list[str] = []

    def declared(
        name: str,
        is_parameter: int,
        value: str | None,
        base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation: str | None,
    ) -> None:
        shown = f"{'%' if is_parameter else '&'}{name[:40]};"
        if is_parameter:
            unsafe.append(f"a parameter entity {shown}")
        elif value is None:
            unsafe.append(f"{shown} as an external entity")
        elif "<" in value or "&" in value:
            unsafe.append(f"{shown} as markup or another entity (nested entities: billion laughs)")
        elif len(value) > MAX_ENTITY_CHARS:
            unsafe.append(f"{shown} as {len(value):,} characters")
        if unsafe:
            raise _Stop

    def attribute_declared(
        element: str, attribute: str, kind: str | None, default: str | None, required: int
    ) -> None:
        # A default is copied into every such element: 900 KB for <b> and 13,300 <b/> cost
        # the cut's scan and feedparser 2.1 s, and is no entity.
        if default is not None and len(default) > MAX_DEFAULT_CHARS:
            long_default.append(
                f"a default of {len(default):,} characters for the attribute "
                f"{attribute[:40]} of <{element[:40]}> (at most {MAX_DEFAULT_CHARS})"
            )
            raise _Stop

    def prolog_ends(*_: object) -> None:
        raise _Stop  # every declaration comes before the root element

    parser.EntityDeclHandler = declared
    parser.AttlistDeclHandler = attribute_declared
    parser.StartElementHandler = prolog_ends
    with contextlib.suppress(_Stop, expat.ExpatError, ValueError, LookupError, UnicodeError):
        parser.Parse(readable, True)
    if unsafe:
        raise ValueError(
            f"the feed's DTD declares {unsafe[0]}: a feed's entities are read only when each "
            f"stands for at most {MAX_ENTITY_CHARS} characters of text (as &#160; for &nbsp;), "
            "since longer or nested ones multiply what is parsed (billion laughs): write the "
            "text out, or as character references, and declare no such entity"
        )
    if long_default:
        raise ValueError(
            f"the feed's DTD declares {long_default[0]}: every such element would carry it, "
            "which multiplies what is parsed: write the attribute where it is used, or "
            "declare no DTD"
        )


# An XML declaration's encoding (at the start, after a UTF-8 byte order mark).
_DECLARED = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([^\"']{1,40})[\"']"
)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
# A byte order mark of UTF-16 or UTF-32, or such a document's first bytes without one ("<?").
_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\x00\x00\x00<", b"\x00<", b"<\x00")


def is_wide(body: bytes) -> bool:
    """Whether the document is UTF-16 or UTF-32 (by its byte order mark or first bytes)."""
    return body.startswith(_WIDE_STARTS)


def as_utf8(body: bytes) -> bytes | None:
    """The document in UTF-8, decoded as feedparser decodes it (its own function): as it is
    when it is UTF-8 already; None when its bytes are not in the encoding it declares.

    feedparser reads a document whose bytes are not UTF-8 and that declares no other encoding
    as Windows-1252 (then ISO-8859-2); so must the cut, else it stopped at the first such byte
    and kept only the items before it (a 100-item feed of an old CMS: 3 articles)."""
    declared = _DECLARED.match(body)
    name = None if declared is None else declared.group(1).decode("ascii", "replace").lower()
    if (name is None or name.strip() in _UTF8_NAMES) and not body.startswith(_WIDE_STARTS):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return body
    result: dict[str, Any] = {}
    try:
        data = convert_to_utf8({"content-type": FEEDPARSER_CONTENT_TYPE}, body, result)
    except (LookupError, UnicodeError, ValueError):
        return None
    error = result.get("bozo_exception")
    if isinstance(error, CharacterEncodingUnknown) or not isinstance(data, bytes):
        return None
    declared_other = name is not None and name.strip() not in _UTF8_NAMES
    if isinstance(error, CharacterEncodingOverride) and declared_other:
        # Declared Shift_JIS (say) and not: feedparser falls back to Windows-1252, whose text
        # is nonsense; not cut (refused past the budget, as before).
        return None
    return data


# The rest of a start, end or empty-element tag: a ">" inside a quoted attribute value does not
# end it. Each byte belongs to one branch, so matching is linear.
_TAG_REST = re.compile(rb"[^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>")


def _last_cut(
    body: bytes, max_items: int, max_bytes: int, max_markup: int = FEEDPARSER_MAX_MARKUP
) -> tuple[int, list[str]] | str:
    """(offset just past the last item end that can be kept, the elements open there, innermost
    first), or why the document cannot be cut (a _Costly one when its first item is past the
    markup budget)."""
    if b"\x00" in body[:4]:
        return "not XML"  # (as_utf8 made UTF-16 and UTF-32 documents UTF-8 before)
    parser = expat.ParserCreate("utf-8")
    # As plainfeed: no parameter entities, no external entity ever fetched. Entities a DTD
    # declares were checked first (check_entities): each stands for a few characters of text,
    # so a feed of HTML character entities is cut as any other (it was refused past the budget).
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[str] = []
    items = 0
    found: tuple[int, list[str]] | None = None
    why = f"no item ends within its first {max_bytes:,} bytes"

    def refuse(reason: str) -> None:
        nonlocal why, found
        why, found = reason, None
        raise _Stop

    def refuse_external(*_: object) -> int:
        refuse("an external entity")
        return 0

    open_items = 0  # item elements open now: one inside another is in its content
    markup = 0

    def too_much(reason: str) -> None:
        # Past the markup budget: the items that ended before are kept (as past the bytes);
        # none did, and the feed is refused, saying so.
        nonlocal why
        if found is None:
            why = _Costly(f"the feed {reason} before its first item ends")
        raise _Stop

    item_start = 0  # offset of the open item's start tag

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal open_items, item_start, markup
        if len(attrs) > MAX_ATTRIBUTES:
            too_much(
                f"has an element <{name[:40]}> of {len(attrs):,} attributes "
                f"(at most {MAX_ATTRIBUTES} are read)"
            )
        markup += 2 + len(attrs)
        if markup > max_markup:
            too_much(_over(max_markup))
        stack.append(name)
        if name.rpartition(":")[2] in _ITEM_NAMES:
            open_items += 1
            if open_items == 1:
                item_start = parser.CurrentByteIndex

    def end(name: str) -> None:
        nonlocal items, found, open_items
        stack.pop()
        if name.rpartition(":")[2] not in _ITEM_NAMES:
            return
        open_items -= 1
        if open_items:
            return  # an item inside an item (in its content): not the feed's own
        # The end of "</item>", or of an empty "<item a='>'/>" (expat tells the offset past
        # it, so the first ">" from there ended the next tag: the cut held an "<item>" left
        # open, and feedparser refused the whole feed; a ">" in a quoted value ends nothing).
        tag = _TAG_REST.match(body, item_start + 1)
        if tag is not None and not tag.group().endswith(b"/>"):
            tag = _TAG_REST.match(body, parser.CurrentByteIndex + 1)
        if tag is None or tag.end() > max_bytes:
            raise _Stop
        if len(stack) > MAX_ITEM_DEPTH:
            # A feed's items sit two or three elements deep; copying a hostile depth at each
            # item was quadratic (100,000 wrappers and 500 items: 2.9 s).
            refuse(f"items more than {MAX_ITEM_DEPTH} elements deep")
        found = (tag.end(), list(reversed(stack)))
        items += 1
        if items >= max_items:
            raise _Stop

    amps = 0  # "&" in texts not yet counted as markup (AMPERSANDS_A_UNIT make one)

    def text(data: str) -> None:
        nonlocal markup, amps
        markup += data.count("<")  # a tag of HTML (from CDATA or escaped) feedparser parses
        # A reference feedparser's HTML parsers try to read (from CDATA or escaped): no tag,
        # so not counted above, yet a megabyte of "&" in CDATA cost it 2.35 s, of "&a" 1.5 s.
        amps += data.count("&")
        markup += amps // AMPERSANDS_A_UNIT
        amps %= AMPERSANDS_A_UNIT
        if markup > max_markup:
            too_much(_over(max_markup))

    parser.buffer_text = True  # one call a run of text, not one a line or a reference
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.ExternalEntityRefHandler = refuse_external
    try:
        # Past the budget nothing is kept, so expat never reads much beyond it.
        parser.Parse(body[: max_bytes + 64 * 1024], False)
    except _Stop:
        pass
    except expat.ExpatError as error:
        # Not well-formed where it was read: cutting before the error kept the items before it
        # and dropped the rest unsaid (an "&nbsp;" in item 3 of 100: 2 articles, no error);
        # feedparser reads it whole within the budget (and says what is wrong), else refused.
        return f"not well-formed XML: {error}"
    except (ValueError, LookupError, UnicodeError):
        return "an encoding expat cannot read"
    return why if found is None else found


def _over(max_markup: int) -> str:
    return (
        f"holds more markup than is read (more than {max_markup:,} counted: 2 an element, "
        f'1 an attribute, 1 an HTML tag inside a text, 1 every {AMPERSANDS_A_UNIT} "&" there)'
    )
