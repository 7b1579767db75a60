"""The shipped term table: how common each term is in each language, and its stop words.

Built once by scripts/build_term_table.py from the wordfreq package's word frequencies (never
fetched at run time); tables/terms/README.md gives the source, version and licence. The clusterer
blends these prior document frequencies with its own counts, so a cold store weighs its first
articles as it will weigh its millionth. Each language's table is read on first use, once,
under a lock, and checked line by line: a bad file names its file and line.
"""

from __future__ import annotations

import gzip
import math
import threading
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "tables" / "terms"
FORMAT = "parallax-terms"


class TermTableError(ValueError):
    """A shipped term table that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class TermTable:
    """One language's terms with the share of news leads expected to contain each."""

    language: str
    source: str
    doc_share: dict[str, float]
    unseen_share: float


_lock = threading.Lock()
_tables: dict[str, TermTable | None] = {}
_stopwords: dict[str, frozenset[str]] | None = None


def doc_share(zipf: float, lead_tokens: float) -> float:
    """The chance that a lead of `lead_tokens` words contains a word of this Zipf frequency
    (log10 of occurrences per billion words): 1 - (1 - f)^n, as if words fell independently."""
    per_token = 10.0 ** (zipf - 9.0)
    return -math.expm1(lead_tokens * math.log1p(-min(per_token, 0.999999)))


def _header(path: Path, line: str, version: int) -> dict[str, str]:
    if not line.startswith("#"):
        raise TermTableError(f"{path}:1: expected a '# {FORMAT} ...' header line")
    fields = dict(part.split("=", 1) for part in line[1:].split() if "=" in part)
    if line[1:].split()[:1] != [FORMAT]:
        raise TermTableError(f"{path}:1: not a {FORMAT} file")
    if fields.get("terms") != str(version):
        raise TermTableError(
            f"{path}:1: built for terms v{fields.get('terms')}, the code makes v{version}; "
            "rebuild it with scripts/build_term_table.py"
        )
    for key in ("language", "lead_tokens", "source"):
        if key not in fields:
            raise TermTableError(f"{path}:1: the header lacks {key}=")
    return fields


def read_table(path: Path, version: int, prefix: str = "") -> TermTable:
    """Reads and checks one language's table; `prefix` goes before every term."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    if not lines:
        raise TermTableError(f"{path}:1: empty file")
    fields = _header(path, lines[0], version)
    lead_tokens = float(fields["lead_tokens"])
    shares: dict[str, float] = {}
    previous = ""
    lowest = 9.0
    for number, line in enumerate(lines[1:], start=2):
        term, tab, value = line.partition("\t")
        if not tab or not term or not value.isdigit():
            raise TermTableError(f"{path}:{number}: expected 'term<TAB>zipf x 100', got {line!r}")
        if term <= previous:
            raise TermTableError(f"{path}:{number}: {term!r} is out of order or repeated")
        previous = term
        zipf = int(value) / 100.0
        if not 0.0 < zipf < 9.0:
            raise TermTableError(f"{path}:{number}: Zipf frequency {zipf} is outside 0-9")
        lowest = min(lowest, zipf)
        shares[prefix + term] = doc_share(zipf, lead_tokens)
    # A term missing from the table is rarer than its rarest entry.
    return TermTable(
        fields["language"], fields["source"], shares, doc_share(lowest - 0.5, lead_tokens)
    )


def table(language: str, version: int, prefix: str = "") -> TermTable | None:
    """The table of a language, read on first use; None when none is shipped for it."""
    if language in _tables:
        return _tables[language]
    with _lock:
        if language not in _tables:
            path = DATA / f"{language}.tsv.gz"
            _tables[language] = read_table(path, version, prefix) if path.exists() else None
    return _tables[language]


def stopwords() -> dict[str, frozenset[str]]:
    """Stop words by language: each shipped language's most frequent words."""
    global _stopwords
    if _stopwords is not None:
        return _stopwords
    with _lock:
        if _stopwords is None:
            _stopwords = read_stopwords(DATA / "stopwords.tsv")
    return _stopwords


def read_stopwords(path: Path) -> dict[str, frozenset[str]]:
    """Reads and checks the stop-word file ('language<TAB>word' lines, sorted)."""
    found: dict[str, set[str]] = {}
    previous: tuple[str, str] = ("", "")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if line.startswith("#") or not line:
                continue
            language, tab, word = line.partition("\t")
            if not tab or not language or not word or word != word.lower():
                raise TermTableError(f"{path}:{number}: expected 'language<TAB>lower-case word'")
            if (language, word) <= previous:
                raise TermTableError(f"{path}:{number}: {line!r} is out of order or repeated")
            previous = (language, word)
            found.setdefault(language, set()).add(word)
    return {language: frozenset(words) for language, words in found.items()}


def shipped_languages() -> list[str]:
    """Languages with a shipped table."""
    return sorted(p.name.removesuffix(".tsv.gz") for p in DATA.glob("*.tsv.gz"))
