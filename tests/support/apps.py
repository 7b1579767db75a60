"""The app as tests make it: the factory with the test defaults, and its store closed after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from service.app import create_app


def make_app(tmp_path: Path, **config: Any) -> Flask:
    """create_app in testing mode, its data under tmp_path/data and no feed worker; `config`
    on top (any of these included)."""
    settings: dict[str, Any] = {
        "TESTING": True,
        "DATA_DIR": str(tmp_path / "data"),
        "INGEST_ENABLED": False,
        **config,
    }
    return create_app(settings)


def close_store(app: Flask) -> None:
    """Closes the store the app's engine opened, if it opened one: a PostgreSQL test schema is
    dropped after the test, and open connections would hold it."""
    found: Any = app.extensions.get("parallax.coverage")
    if found is not None:
        found.close()  # its idle turn (PARALLAX_DIGEST_DELAY) first: it would reopen one
        found.store.close()
