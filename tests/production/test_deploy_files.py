"""The deployment files stay in step with the code: every setting they use exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from service.config import DEFAULTS, load_config

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
        assert key in DEFAULTS, f"docs/deploy.md names PARALLAX_{key}, which the code does not read"
