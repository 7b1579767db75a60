"""The structure drawn from the imports: the pure rooms import no Flask and nothing above them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[1] / "service"

# Rooms that must run without the web layer: their modules may import each other downwards only.
PURE_ROOMS = {
    "core": {"service.core"},
    "coverage": {"service.core", "service.coverage", "service.store"},
    "store": {"service.core", "service.coverage", "service.store"},
    "ingest": {"service.core", "service.coverage", "service.store", "service.ingest"},
}
# Modules of a pure room that are allowed above it (the process lifecycle joins the layers).
EXEMPT = {"service/coverage/runtime.py"}
FORBIDDEN_ALWAYS = ("flask", "werkzeug", "gunicorn", "flask_limiter", "flask_cors")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _room_modules() -> list[tuple[str, Path]]:
    return [
        (room, path)
        for room in PURE_ROOMS
        for path in sorted((SERVICE / room).rglob("*.py"))
        if str(path.relative_to(SERVICE.parent)) not in EXEMPT
    ]


@pytest.mark.parametrize(
    ("room", "path"), _room_modules(), ids=lambda v: str(v).rsplit("service/", 1)[-1]
)
def test_pure_rooms_import_no_flask_and_nothing_above(room: str, path: Path) -> None:
    allowed = PURE_ROOMS[room]
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN_ALWAYS, f"{path.name} imports {name}"
        if name.startswith("service.") or name == "service":
            parts = name.split(".")
            prefix = ".".join(parts[:2])
            assert name == "service" or prefix in allowed, (
                f"{path.name} imports {name} (above {room})"
            )


def test_importing_the_core_and_engine_loads_no_flask() -> None:
    code = (
        "import sys\n"
        "import service.core.urls, service.core.resolver, service.core.ratings, service.core.scoring\n"
        "import service.coverage.engine, service.coverage.cluster, service.coverage.summary\n"
        "import service.store.sqlite, service.store.postgres, service.ingest.feeds\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=SERVICE.parent
    )
    assert out.stdout.strip() == ""
