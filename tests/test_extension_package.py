"""The extension packages carry the ratings built in: the same bytes `parallax ratings export`
prints, in both the Chromium and the Firefox zip, each under a megabyte; Firefox is told that
standalone mode collects nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "extension" / "build.mjs"
SNAPSHOT_NAME = "data/ratings.json"
MAX_PACKAGE_BYTES = 1024 * 1024


@pytest.fixture(scope="module")
def exported() -> bytes:
    """What `parallax ratings export` prints, without its final newline."""
    from click.testing import CliRunner

    from service.cli import main

    result = CliRunner().invoke(main, ["ratings", "export"])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.removesuffix(b"\n")


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the extension build needs it")
    out = tmp_path_factory.mktemp("dist")
    run = subprocess.run(
        [node, str(BUILD), str(out)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return {
        browser: next(out.glob(f"parallax-{browser}-*.zip")) for browser in ("chrome", "firefox")
    }


@pytest.mark.parametrize("browser", ["chrome", "firefox"])
def test_each_package_carries_the_ratings_export(
    browser: str, packages: dict[str, Path], exported: bytes
) -> None:
    with zipfile.ZipFile(packages[browser]) as archive:
        assert archive.testzip() is None
        snapshot = archive.read(SNAPSHOT_NAME)
        names = set(archive.namelist())
    assert snapshot == exported, "the built-in table differs from `parallax ratings export`"
    table = json.loads(snapshot)
    assert table["version"] and table["date"] and len(table["outlets"]) > 1000
    assert {"welcome.html", "src/background.js", "src/lib/tables.js", "PRIVACY.md"} <= names
    assert not any(name.startswith(("test/", "scripts/")) for name in names)


@pytest.mark.parametrize("browser", ["chrome", "firefox"])
def test_each_package_stays_under_a_megabyte(browser: str, packages: dict[str, Path]) -> None:
    assert packages[browser].stat().st_size <= MAX_PACKAGE_BYTES


def test_the_unpacked_folder_gets_the_same_table(
    packages: dict[str, Path], exported: bytes
) -> None:
    # The build (like `make extension-ratings`) writes the same file into extension/ for Load unpacked.
    assert (REPO / "extension" / SNAPSHOT_NAME).read_bytes() == exported


def test_firefox_is_told_standalone_mode_collects_nothing(packages: dict[str, Path]) -> None:
    with zipfile.ZipFile(packages["firefox"]) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    collection = manifest["browser_specific_settings"]["gecko"]["data_collection_permissions"]
    assert collection == {"required": ["none"], "optional": ["browsingActivity", "websiteContent"]}


def test_a_build_without_the_service_says_how_to_fix_it(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    broken = tmp_path / "export.json"
    broken.write_text('{"outlets": "not a list"}', "utf-8")
    run = subprocess.run(
        [node, str(BUILD), str(tmp_path / "out"), "--ratings", str(broken)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "build.mjs: the ratings export has no outlets" in run.stderr
    assert not (tmp_path / "out").exists()
