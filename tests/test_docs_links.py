"""The documentation leads somewhere: every relative `[text](path)` and image in the
repository's Markdown resolves (a `#heading` to a heading of the file it names), every
repository path a current doc names in code exists, and the README lists every `parallax`
command and the docs name only settings the service knows."""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Not the repository's own documents: environments, dependencies, generated output.
SKIPPED_DIRS = {".git", ".venv", "node_modules", "data", "dist", "build", ".pytest_cache"}

# [text](target) and ![alt](target), an optional "title" after the target.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
# A repository path in code, e.g. `service/coverage/keypoints/points.py`, `docs/` or
# `pytest tests/production/test_retention.py::name`.
REPO_PATH = re.compile(
    r"(?<![\w./-])((?:service|docs|tests|scripts|bench|extension|ratings|deploy)/[\w./*-]*[\w*/])"
)
# Documents a newcomer reads as describing the code as it is now. docs/benchmarks.md is a
# dated record of runs, naming files as they were then.
CURRENT_DOCS = (
    "README.md",
    "docs/coverage.md",
    "docs/deploy.md",
    "docs/clustering.md",
    "docs/extension.md",
    "extension/README.md",
    "ratings/README.md",
)
# Paths made by a command rather than kept in the repository (named so a reader knows them).
GENERATED = ("extension/data", "ratings/quality/NAME.csv")


def markdown_files() -> list[Path]:
    """Every Markdown file of the repository, not descending into SKIPPED_DIRS at all."""
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRS)
        found.extend(Path(directory) / name for name in files if name.endswith(".md"))
    return sorted(found)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to
    hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    kept = "".join(
        ch for ch in text if ch in " -" or unicodedata.category(ch)[0] in "LN" or ch == "_"
    )
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for line in text.splitlines():
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = slug(heading.group(1))
            name, n = base, 1
            while name in found:  # GitHub numbers repeated headings: x, x-1, x-2
                name, n = f"{base}-{n}", n + 1
            found.add(name)
    return found


def broken_links(path: Path) -> list[str]:
    """Each relative link of one Markdown file that leads nowhere, with its line."""
    source = path.read_text(encoding="utf-8")
    # Fenced blocks and code spans are shown as code, not followed: blank them, keeping lines.
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    text = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
    problems = []
    for match in LINK.finditer(text):
        target = match.group(1)
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
            continue  # http:, https:, mailto: — outside the repository
        line = text.count("\n", 0, match.start()) + 1
        where, _, fragment = target.partition("#")
        resolved = (path.parent / where).resolve() if where else path
        if not resolved.exists():
            problems.append(f"{path.relative_to(ROOT)}:{line}: {target} (no such file)")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {target} (no such heading)")
    return problems


def missing_paths(path: Path) -> list[str]:
    """Each repository path a document names in code that is not in the repository: a path from
    the repository's root, or (in a document below it) from the document's own directory, as
    extension/README.md names `src/content/panel.js`."""
    own = sorted(d.name for d in path.parent.iterdir() if d.is_dir() and d.name not in SKIPPED_DIRS)
    local = (
        re.compile(rf"(?<![\w./-])((?:{'|'.join(map(re.escape, own))})/[\w./*-]*[\w*/])")
        if path.parent != ROOT and own
        else None
    )
    problems = []
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        # A code block is code throughout (the README's layout, its commands); prose only in
        # its code spans.
        code = line if fenced else " ".join(s.group(0).strip("`") for s in CODE_SPAN.finditer(line))
        found = [(ROOT, m.group(1)) for m in REPO_PATH.finditer(code)]
        if local is not None:
            found += [(path.parent, m.group(1)) for m in local.finditer(code)]
        for base, named in found:
            in_repo = (base / named).relative_to(ROOT).as_posix()
            if any(in_repo == g or in_repo.startswith(g + "/") for g in GENERATED):
                continue
            if not any(_exists(where, named) for where in {base, ROOT}):
                problems.append(f"{path.relative_to(ROOT)}:{number}: `{named}`")
    return problems


def _exists(base: Path, named: str) -> bool:
    return any(base.glob(named)) if "*" in named else (base / named).exists()


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    assert broken_links(path) == []


@pytest.mark.parametrize("name", CURRENT_DOCS)
def test_every_repository_path_named_exists(name: str) -> None:
    assert missing_paths(ROOT / name) == []


def test_the_checks_catch_what_they_are_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link to a file that is not there, a heading that is not there and a stale path are each
    named; links inside code, external links and good ones are not."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# A Heading: with `code`\n\n## Twice\n## Twice\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/there.md) [ok](docs/there.md#a-heading-with-code) [ok](#title)\n"
        "[ok](docs/there.md#twice-1) ![ok](https://example.org/x.png) [ok](mailto:a@b)\n"
        "`[not a link](nowhere.md)`\n```\n[not a link](nowhere.md)\n```\n"
        "# Title\n[gone](docs/gone.md)\n![gone](docs/shot.png)\n[no heading](docs/there.md#nope)\n"
        "`docs/there.md` `service/coverage/keypoints.py` `extension/data/ratings.json`\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "README.md:8: docs/gone.md (no such file)",
        "README.md:9: docs/shot.png (no such file)",
        "README.md:10: docs/there.md#nope (no such heading)",
    ]
    assert missing_paths(page) == ["README.md:11: `service/coverage/keypoints.py`"]


def readme_command_lines() -> list[str]:
    """The README's command list: the lines starting `parallax ` in its code blocks."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(block.group(0) for block in FENCE.finditer(text))
    return [line for line in blocks.splitlines() if line.startswith("parallax ")]


def test_every_command_and_ratings_tool_is_in_the_readme_list() -> None:
    """A newcomer finds every `parallax` command (and ratings tool) in the README's list."""
    import click

    from service.cli import main

    lines = readme_command_lines()
    listed = {line.split()[1] for line in lines}
    assert sorted(set(main.commands) - listed) == []
    ratings = main.commands["ratings"]
    assert isinstance(ratings, click.Group)
    ratings_line = " ".join(line for line in lines if line.split()[1] == "ratings")
    tools = set(re.findall(r"[a-z][a-z-]*", ratings_line))
    assert sorted(set(ratings.commands) - tools) == []


# A name the docs quote as the misspelling the service refuses (docs/deploy.md, Operating).
QUOTED_MISSPELLINGS = {"API_KEY"}


def test_every_setting_named_is_one_the_service_knows() -> None:
    """A PARALLAX_* variable a current doc names is a setting of service/config.py or one of the
    tools' names: the service refuses to start on any other, so a doc naming one sends the
    reader into that refusal."""
    from service import config

    known = set(config.DEFAULTS) | config.TOOL_NAMES | QUOTED_MISSPELLINGS
    unknown = []
    for name in CURRENT_DOCS:
        for number, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), 1):
            for setting in re.findall(r"PARALLAX_([A-Z][A-Z0-9_]*[A-Z0-9])", line):
                if setting not in known and not setting.startswith(config.TOOL_PREFIX):
                    unknown.append(f"{name}:{number}: PARALLAX_{setting}")
    assert unknown == []
