"""Names what computes a story's digest: the service modules the digest runs, the tables it reads,
the language libraries' versions and Python's Unicode tables, so that a stored digest made by
anything else is redone.

The modules are found by following the `service` imports from the digest's entry point, read
when the store first asks (a few files, a line scan: no parse; not at import), so a module added
to the digest's code is counted without anyone remembering to list it.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[1]  # the `service` package
ENTRY = "service.coverage.summary"  # what the store calls to digest a story
# Data a digest reads beside its code (the clusterer's tables are not among them).
TABLES = ("coverage/tables/keypoint_model.json", "coverage/tables/evaluative")
# Libraries whose answers are part of a digest: stemming, stop words, word segmentation
# (every library a digest module imports: tests/coverage/test_review_store.py checks).
LIBRARIES = ("PyStemmer", "stop-words", "rjieba", "pythainlp", "icu4py")


def module_path(module: str) -> Path | None:
    """The source file of a `service` module or package, or None for a name that is no module
    (an attribute imported from one)."""
    parts = module.split(".")[1:]
    if not parts:
        return SERVICE / "__init__.py"
    relative = Path(*parts)
    for path in (SERVICE / relative.with_suffix(".py"), SERVICE / relative / "__init__.py"):
        if path.is_file():
            return path
    return None


def _import_statements(source: str) -> Iterator[str]:
    """Each import statement of a module's source, a parenthesised one joined into one line."""
    lines = iter(source.splitlines())
    for line in lines:
        statement = line.strip()
        if not statement.startswith(("from service", "import service")):
            continue
        while "(" in statement and ")" not in statement:
            statement += " " + next(lines, ")").strip()
        yield statement


def imported_modules(source: str) -> set[str]:
    """The `service` modules a source imports, with `from service.x import y` giving both
    service.x and, where y is a module, service.x.y."""
    found: set[str] = set()
    for statement in _import_statements(source):
        words = statement.replace("(", " ").replace(")", " ").replace(",", " ").split()
        if words[0] == "import":
            found.update(w for w in words[1:] if w.startswith("service"))
            continue
        package = words[1]
        found.add(package)
        names = [w for w in words[3:] if w != "as"]
        found.update(f"{package}.{name}" for name in names)
    return {m for m in found if module_path(m) is not None}


def digest_modules(entry: str = ENTRY) -> list[Path]:
    """The source files of every `service` module the entry point reaches by import."""
    seen: dict[str, Path] = {}
    todo = [entry]
    while todo:
        module = todo.pop()
        path = module_path(module)
        if module in seen or path is None:
            continue
        seen[module] = path
        todo.extend(imported_modules(path.read_text(encoding="utf-8")))
    return sorted(set(seen.values()))


def _table_files() -> list[Path]:
    files: list[Path] = []
    for name in TABLES:
        path = SERVICE / name
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return files


def _version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "absent"


def fingerprint() -> str:
    """A short hash of the digest's code, tables and libraries."""
    hasher = hashlib.blake2b(digest_size=8)
    for path in (*digest_modules(), *_table_files()):
        hasher.update(str(path.relative_to(SERVICE)).encode())
        hasher.update(path.read_bytes())
    for library in LIBRARIES:
        hasher.update(f"{library}=={_version(library)}".encode())
    # The Unicode tables of this Python: normalisation, letter classes (`re`'s \w too) and
    # scripts, which split words and sentences, change with them (Python 3.11: 14.0, 3.13: 15.1).
    hasher.update(f"unicode=={unicodedata.unidata_version}".encode())
    return hasher.hexdigest()


@functools.cache
def current() -> str:
    """This process's fingerprint, taken once (it reads the digest's sources: ~30 ms)."""
    return fingerprint()
