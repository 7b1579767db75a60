"""Configuration as a pure function of the environment: defaults, then PARALLAX_* variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "PARALLAX_"

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "./data",
    "RATINGS_DIR": "",  # empty: the bundled ratings
    "DATABASE_URL": "",  # empty: SQLite at DATA_DIR/parallax.sqlite3
    "REDIS_URL": "",
    "INGEST_ENABLED": True,
    "INGEST_INTERVAL": 900,
    "FETCH_PAGES": False,
    "FEEDS_ALLOW_PRIVATE": False,  # feeds on private addresses are refused unless this is on
    "STORE_SUBMITTED_ARTICLES": False,
    "CORS_ORIGINS": "",  # extra origins, comma-separated; the extension's are always allowed
    "LOOKUP_MAX_URLS": 1000,
    "LOG_LEVEL": "INFO",
    # Production (service/web/limits.py, auth.py, metrics.py, redis_cache.py):
    "API_KEYS": "",  # comma-separated; when set, writes and admin endpoints need one
    "RATE_LIMIT": "600/minute;20000/hour",  # per client, flask-limiter syntax; empty: no limit
    "PROXY_HOPS": 0,  # trusted proxies in front (X-Forwarded-For) for the client's address
    "MAX_QUERY_BYTES": 8192,
    "RESPONSE_CACHE_SECONDS": 0,  # seconds read answers may be reused (L1 + Redis); 0: off
    "METRICS_DIR": "",  # set under gunicorn: workers pool their /metrics counts here
}


class ConfigError(ValueError):
    """A PARALLAX_* variable holds a value that cannot be used."""


def _convert(key: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{PREFIX}{key}={raw!r}: use 1/0, true/false, yes/no or on/off")
    if isinstance(default, int):
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{PREFIX}{key}={raw!r}: must be a whole number") from None
        if value < 0:
            raise ConfigError(f"{PREFIX}{key}={raw!r}: must not be negative")
        return value
    return raw


def load_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """Defaults overlaid with every PARALLAX_<KEY> in `environ`; unknown keys are an error."""
    config = dict(DEFAULTS)
    for name, raw in environ.items():
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX):]
        if key in DEFAULTS:
            config[key] = _convert(key, raw, DEFAULTS[key])
    return config
