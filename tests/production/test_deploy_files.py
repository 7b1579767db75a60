"""The deployment files stay in step with the code: every setting they use exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from service.config import DEFAULTS, SERVE_NAMES, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_compose_uses_only_known_settings_and_splits_roles() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "api", "worker", "lb"} <= set(services)
    for name in ("api", "worker"):
        env = services[name]["environment"]
        for key in env:
            if key.startswith("PARALLAX_"):
                assert key.removeprefix("PARALLAX_") in DEFAULTS, f"{name}: unknown {key}"
        assert env["PARALLAX_DATABASE_URL"].startswith("postgresql://")
        assert env["PARALLAX_REDIS_URL"].startswith("redis://")
        # The values parse as the service would parse them.
        plain = {k: str(v) for k, v in env.items() if "${" not in str(v)}
        load_config(plain)
    assert services["api"]["environment"]["PARALLAX_INGEST_ENABLED"] == "0"
    assert services["worker"]["command"] == ["parallax", "worker"]


def test_docs_name_only_existing_settings() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    for key in set(re.findall(r"PARALLAX_([A-Z_]+)", text)):
        if f"PARALLAX_{key} is not a Parallax setting" in " ".join(text.split()):
            continue  # the docs' example of a misspelt name being refused
        assert key in DEFAULTS or key in SERVE_NAMES, (
            f"docs/deploy.md names PARALLAX_{key}, which the code does not read"
        )


# -- issue 14: the container serves and ingests, with a volume (no Docker here: the Dockerfile is
# read, and its command line run as it would run inside) -----------------------------------


def dockerfile() -> dict[str, list[str]]:
    """Each instruction of the final stage, with continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text("utf-8").replace("\\\n", " ")
    stages = text.split("\nFROM ")
    found: dict[str, list[str]] = {}
    for line in stages[-1].splitlines()[1:]:
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.setdefault(word.upper(), []).append(rest.strip())
    return found


def test_the_container_serves_and_ingests_with_a_declared_volume() -> None:
    import json as json_module

    final = dockerfile()
    command = json_module.loads(final["CMD"][-1])
    assert command[:2] == ["parallax", "serve"] and "--no-ingest" not in command
    assert "0.0.0.0" in command
    env = " ".join(final["ENV"])
    data_dir = re.search(r"PARALLAX_DATA_DIR=(\S+)", env)
    assert data_dir is not None
    assert json_module.loads(final["VOLUME"][-1]) == [data_dir.group(1)]
    assert final["USER"] == ["parallax"] and final["HEALTHCHECK"]
    for key in re.findall(r"PARALLAX_([A-Z_]+)=", env):
        assert key in DEFAULTS
    assert "constraints.txt" in (ROOT / "Dockerfile").read_text("utf-8")


def test_the_containers_command_serves_ingests_and_pools_metrics(tmp_path: Path) -> None:
    """The image's CMD, run here with the image's environment (the data directory moved to a
    temporary one and the port to a free one; feeds from a local server)."""
    import json as json_module
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.coverage.conftest import FEEDS, LocalServer
    from tests.coverage.conftest import write_ratings as write_feed_ratings
    from tests.support.net import free_port, wait_for_port

    command = json_module.loads(dockerfile()["CMD"][-1])
    port = free_port()
    command[command.index("--port") + 1] = str(port)
    command[command.index("--host") + 1] = "127.0.0.1"  # loopback only on this machine
    feeds = LocalServer()
    feeds.add("/rss.xml", body=(FEEDS / "rss2.xml").read_bytes())
    ratings = write_feed_ratings(
        tmp_path / "ratings", [("leftpaper.com", feeds.url("/rss.xml", "localhost"))]
    )
    env = {
        **os.environ,
        "PARALLAX_DATA_DIR": str(tmp_path / "volume"),
        "PARALLAX_RATINGS_DIR": str(ratings),
        "PARALLAX_FEEDS_ALLOW_PRIVATE": "1",
        "PARALLAX_INGEST_INTERVAL": "3600",
    }
    env.pop("PARALLAX_METRICS_DIR", None)
    binary = Path(sys.executable).parent / command[0]
    server = subprocess.Popen(
        [str(binary), *command[1:]],
        cwd=tmp_path,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for_port(port, timeout=60)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        stories: list[object] = []
        while time.monotonic() < deadline and not stories:
            with urllib.request.urlopen(base + "/v1/stories", timeout=10) as answer:
                stories = json_module.loads(answer.read())["stories"]
            time.sleep(0.5)
        assert stories, "the container's feed worker stored nothing"
        assert (tmp_path / "volume" / "parallax.sqlite3").exists()
        for _ in range(40):
            urllib.request.urlopen(base + "/healthz", timeout=10).read()
        # Pooled over every worker: all forty probes are counted, whichever worker took them
        # (each worker writes its share to the directory `parallax serve` made; within 2 s).
        counted = 0
        deadline = time.monotonic() + 20
        while counted < 40 and time.monotonic() < deadline:
            with urllib.request.urlopen(base + "/metrics", timeout=10) as answer:
                metrics = answer.read().decode()
            found = re.search(
                r'parallax_http_requests_total\{method="GET",route="/healthz",status="200"\} (\d+)',
                metrics,
            )
            counted = int(found.group(1)) if found else 0
            time.sleep(0.5)
        assert counted >= 40, metrics[:2000]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        feeds.close()


def _audit_module() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("parallax_audit", ROOT / "scripts" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_dependency_audit_never_passes_having_checked_nothing() -> None:
    verdict = _audit_module().verdict  # type: ignore[attr-defined]
    skipped = {
        "name": "flask",
        "version": "3.1.3",
        "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.3)",
    }
    clean = {"name": "click", "version": "8.1.0", "vulns": []}
    bad = {
        "name": "jinja2",
        "version": "3.1.2",
        "vulns": [{"id": "GHSA-x", "fix_versions": ["3.1.3"]}],
    }
    assert verdict({"dependencies": [skipped, skipped]})[0] == 2
    assert (
        "DEPENDENCY AUDIT INCOMPLETE: 2 of 2" in verdict({"dependencies": [skipped, skipped]})[1][0]
    )
    assert verdict({"dependencies": []})[0] == 2
    assert verdict({"dependencies": [clean, skipped]})[0] == 2
    assert verdict({"dependencies": [clean, bad]}) == (
        1,
        [
            "dependency audit: 2 of 2 packages checked",
            "  VULNERABLE jinja2 3.1.2: GHSA-x (fixed in 3.1.3)",
        ],
    )
    assert verdict({"dependencies": [clean]})[0] == 0


def test_every_install_uses_the_lock_file() -> None:
    pinned = [
        line
        for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert all("==" in line for line in pinned) and len(pinned) > 20
    names = {line.split("==")[0].lower().replace("_", "-") for line in pinned}
    for dependency in (
        "flask",
        "gunicorn",
        "psycopg",
        "flask-limiter",
        "pytest",
        "schemathesis",
        "pip-audit",
    ):
        assert dependency in names
    for script in ("scripts/test", "scripts/run"):
        assert "-c constraints.txt" in (ROOT / script).read_text("utf-8"), script
