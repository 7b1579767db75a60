"""Small ratings directories for tests and benchmarks: a few outlets of every side, and feeds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_ratings(directory: Path, outlets_csv: str, feeds: Sequence[tuple[str, str]] = ()) -> Path:
    """A ratings directory with `outlets_csv` as its one outlets file and the given
    (outlet_id, url) feeds; returns `directory`."""
    (directory / "outlets").mkdir(parents=True, exist_ok=True)
    (directory / "outlets" / "test.csv").write_text(outlets_csv, encoding="utf-8")
    if feeds:
        rows = "".join(f"{o},{u}\n" for o, u in sorted(feeds))
        (directory / "feeds.csv").write_text("outlet_id,url\n" + rows, encoding="utf-8")
    return directory
