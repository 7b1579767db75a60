"""What names a digest's code (service.coverage.digest_code): every module the digest runs, its
tables and its libraries, so a stored digest made by other code is redone."""

from __future__ import annotations

import ast
import functools
import shutil
from pathlib import Path

import pytest

from service.coverage import digest_code
from service.store import sql

SERVICE = digest_code.SERVICE


def _ast_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("service"))
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.startswith("service")
        ):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if digest_code.module_path(m) is not None}


@pytest.mark.parametrize(
    "path", sorted(SERVICE.rglob("*.py")), ids=lambda p: str(p.relative_to(SERVICE))
)
def test_the_line_scan_finds_the_imports_the_parser_finds(path: Path) -> None:
    assert digest_code.imported_modules(path.read_text(encoding="utf-8")) == _ast_imports(path)


def test_the_digest_modules_are_what_the_summary_reaches_and_no_more() -> None:
    names = {str(p.relative_to(SERVICE)) for p in digest_code.digest_modules()}
    for needed in (
        "coverage/summary.py",
        "coverage/spans.py",
        "coverage/segment.py",
        "coverage/evaluative.py",
        "coverage/weights.py",
        "coverage/keypoints/__init__.py",
        "coverage/keypoints/side_framing.py",
        "coverage/keypoints/language.py",
    ):
        assert needed in names
    assert "coverage/cluster.py" not in names
    assert not any(name.startswith("web/") for name in names)


@pytest.fixture
def service_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "service"
    shutil.copytree(SERVICE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(digest_code, "SERVICE", copy)
    return copy


@pytest.mark.parametrize(
    ("changed", "counts"),
    [
        ("coverage/spans.py", True),
        ("coverage/keypoints/side_framing.py", True),
        ("coverage/summary.py", True),
        ("coverage/tables/keypoint_model.json", True),
        ("coverage/tables/evaluative/news_opinion.tsv", True),
        ("coverage/cluster.py", False),
        ("web/pages/__init__.py", False),
    ],
)
def test_a_change_to_what_the_digest_runs_changes_its_fingerprint(
    service_copy: Path, changed: str, counts: bool
) -> None:
    before = digest_code.fingerprint()
    with (service_copy / changed).open("a", encoding="utf-8") as f:
        f.write("\n")
    assert (digest_code.fingerprint() != before) is counts


def test_another_version_of_a_language_library_changes_the_fingerprint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = digest_code.fingerprint()
    real = digest_code._version
    monkeypatch.setattr(
        digest_code, "_version", lambda lib: "9.9" if lib == "pythainlp" else real(lib)
    )
    assert digest_code.fingerprint() != before


def test_a_stored_digest_made_by_other_span_code_is_not_taken_for_current(
    service_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store names a digest's input by its sample and this fingerprint: before, only
    # keypoints.py was hashed, so a change to spans.py kept every stored digest.
    monkeypatch.setattr(
        sql, "_digest_code", functools.lru_cache(maxsize=1)(digest_code.fingerprint)
    )
    before = sql._signature([(1, False), (2, True)])
    with (service_copy / "coverage/spans.py").open("a", encoding="utf-8") as f:
        f.write("# another version\n")
    sql._digest_code.cache_clear()
    assert sql._signature([(1, False), (2, True)]) != before
