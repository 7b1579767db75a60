"""Fixtures that run the unpacked extension in Debian's Chromium against a real `parallax serve`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    ARTIFACTS,
    FIXTURES,
    REPO,
    Browser,
    Service,
    chromium_path,
    launch,
    parallax_command,
    serve_parallax,
    start_extension,
    stop_parallax,
)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip(
            "chromium is not installed (apt-get install -y chromium); "
            "the extension e2e tests need it"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip(
            "playwright for Python is not installed (pip install playwright); "
            "no browser download is needed"
        )
    return path


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`parallax serve` on a free port, its store seeded with the test stories, ingest off."""
    data_dir = tmp_path_factory.mktemp("parallax-data")
    env = {**os.environ, "PARALLAX_DATA_DIR": str(data_dir), "PARALLAX_INGEST_ENABLED": "0"}
    env.pop("PARALLAX_DATABASE_URL", None)
    seed = subprocess.run(
        [*parallax_command(), "ingest", "--file", str(FIXTURES / "seed-articles.jsonl")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert seed.returncode == 0, f"seeding the store failed:\n{seed.stdout}\n{seed.stderr}"
    process, url, log = serve_parallax(data_dir)
    yield Service(url=url, process=process)
    stop_parallax(process, log)


@pytest.fixture
def make_browser(
    chromium: str, service: Service, tmp_path: Path
) -> Iterator[Callable[..., Browser]]:
    """Launches a fresh profile with the extension (light or dark), synced with the test service."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        contexts: list[Any] = []

        def make(color_scheme: str = "light", *, standalone: bool = False) -> Browser:
            context = launch(
                playwright, chromium, tmp_path / f"profile-{len(contexts)}", color_scheme
            )
            contexts.append(context)
            return start_extension(context, None if standalone else service.url)

        yield make
        for context in contexts:
            context.close()


@pytest.fixture
def browser(make_browser: Callable[..., Browser]) -> Browser:
    return make_browser()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
