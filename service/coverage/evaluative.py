"""Evaluative wording: VADER's valence lexicon (English) and our supplement of news-opinion
words it lacks, each read once, validated, read-only.

A word a reader rates strongly positive or negative ("disgraceful", "brilliant", "worse") is
evaluative: the summariser uses its valence to prefer sentences and titles that report over ones
that judge. The lexicon is vendored data (tables/evaluative/, MIT, provenance in its README);
the supplement (news_opinion.tsv: "baseless", "debacle", "draconian") is Parallax's own, each
word with a valence we set and its basis. Nothing is fetched. Loaded on first use under a lock,
so a process that never summarises English never reads them, and shared by every thread as
immutable mappings.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

LEXICON_PATH = Path(__file__).resolve().parent / "tables" / "evaluative" / "vader_lexicon.txt"
SUPPLEMENT_PATH = LEXICON_PATH.with_name("news_opinion.tsv")
MAX_VALENCE = 4.0  # VADER's scale: -4 (extremely negative) to +4 (extremely positive)
MAX_LEXICON_BYTES = 4_000_000  # the shipped file is 0.4 MB: anything far larger is not it
# The fourth field: the ten raters' integer scores, as "[-1, 0, 2, ...]".
_RATINGS_RE = re.compile(r"^\[-?\d(?:, -?\d)*\]$")
# A supplement word: lower-case letters, hyphenated parts allowed ("so-called"), as the
# summariser compares words (lowered, punctuation stripped).
_SUPPLEMENT_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)*")
MAX_SUPPLEMENT_BYTES = 100_000  # a few hundred words at most: it is meant to stay small


# (a CR left on a line's last field: a valence or basis that is not what it reads, or a
# ratings field the lexicon's pattern refuses with a message that misleads)
_CRLF = "a Windows line end (CR LF): save the file with LF line ends"


class LexiconError(ValueError):
    """The lexicon file is missing, unreadable or has a malformed line."""


def read_lexicon(path: Path) -> Mapping[str, float]:
    """word (as listed; lower case for words) -> mean valence, from a VADER-format file: one
    `word<TAB>mean<TAB>std<TAB>[ratings]` a line. Any malformed line is an error naming the file
    and line, so a damaged table never scores a sentence."""
    text = _read_table(path, MAX_LEXICON_BYTES, "a lexicon", "the evaluative lexicon")
    out: dict[str, float] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue  # the final newline
        if line.endswith("\r"):
            raise LexiconError(f"{path}:{number}: {_CRLF}")
        fields = line.split("\t")
        if len(fields) != 4:
            raise LexiconError(f"{path}:{number}: {len(fields)} tab-separated fields, expected 4")
        word, mean, std, ratings = fields
        if not word or word != word.strip():
            raise LexiconError(f"{path}:{number}: empty word or spaces around it")
        try:
            valence = float(mean)
            spread = float(std)
        except ValueError:
            raise LexiconError(f"{path}:{number}: valence or spread is not a number") from None
        if not (math.isfinite(valence) and -MAX_VALENCE <= valence <= MAX_VALENCE):
            raise LexiconError(f"{path}:{number}: valence {mean} outside -4..4")
        if not (math.isfinite(spread) and spread >= 0.0):
            raise LexiconError(f"{path}:{number}: spread {std} is not a non-negative number")
        if not _RATINGS_RE.match(ratings):
            raise LexiconError(f"{path}:{number}: ratings are not a bracketed list of integers")
        if word in out:
            raise LexiconError(f"{path}:{number}: {word!r} listed twice")
        out[word] = valence
    if not out:
        raise LexiconError(f"{path}: no words")
    return MappingProxyType(out)


def _read_table(path: Path, limit: int, kind: str, name: str) -> str:
    """A table file's text: refused, naming the file (and the line of a byte that is not
    UTF-8), when it cannot be read, is larger than `limit` bytes or is not UTF-8."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise LexiconError(f"{path}: {size} bytes, more than {kind} ({limit})")
        data = path.read_bytes()
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read {name} ({exc.strerror})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LexiconError(f"{path}:{line}: not UTF-8") from exc


def read_supplement(path: Path, lexicon: Mapping[str, float]) -> Mapping[str, float]:
    """word -> valence from our supplement: `word<TAB>valence<TAB>basis` a line, "#" comments.
    Refused, naming the file and line: a word not in lower-case letters, a valence that is not
    a number within -4..4 or is 0, an empty basis, a word out of order or listed twice, or one
    the lexicon already rates (the supplement adds words; it never overrides a rating)."""
    text = _read_table(path, MAX_SUPPLEMENT_BYTES, "a supplement", "the supplement")
    out: dict[str, float] = {}
    previous = b""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            raise LexiconError(f"{path}:{number}: {_CRLF}")
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise LexiconError(f"{path}:{number}: {len(fields)} tab-separated fields, expected 3")
        word, mean, basis = fields
        if not _SUPPLEMENT_WORD_RE.fullmatch(word):
            raise LexiconError(f"{path}:{number}: {word!r} is not a lower-case word")
        try:
            valence = float(mean)
        except ValueError:
            raise LexiconError(f"{path}:{number}: valence {mean!r} is not a number") from None
        if not (math.isfinite(valence) and -MAX_VALENCE <= valence <= MAX_VALENCE) or not valence:
            raise LexiconError(f"{path}:{number}: valence {mean} outside -4..4 or 0")
        if not basis.strip():
            raise LexiconError(f"{path}:{number}: no basis given for {word!r}")
        if word in out:
            raise LexiconError(f"{path}:{number}: {word!r} listed twice")
        if word.encode("utf-8") < previous:
            raise LexiconError(f"{path}:{number}: {word!r} out of order (sort by word)")
        if word in lexicon:
            raise LexiconError(f"{path}:{number}: {word!r} is in the lexicon already")
        previous = word.encode("utf-8")
        out[word] = valence
    if not out:
        raise LexiconError(f"{path}: no words")
    return MappingProxyType(out)


_LEXICON: Mapping[str, float] | None = None
_SUPPLEMENT: Mapping[str, float] | None = None
_LOCK = threading.Lock()


def valence_lexicon() -> Mapping[str, float]:
    """The shipped lexicon, read and checked once (thread-safe), shared read-only."""
    global _LEXICON
    if _LEXICON is None:
        with _LOCK:
            if _LEXICON is None:
                _LEXICON = read_lexicon(LEXICON_PATH)
    return _LEXICON


def opinion_supplement() -> Mapping[str, float]:
    """Our news-opinion words, read and checked against the lexicon once (thread-safe),
    shared read-only."""
    global _SUPPLEMENT
    if _SUPPLEMENT is None:
        lexicon = valence_lexicon()  # (before taking the lock: it takes it too)
        with _LOCK:
            if _SUPPLEMENT is None:
                _SUPPLEMENT = read_supplement(SUPPLEMENT_PATH, lexicon)
    return _SUPPLEMENT
