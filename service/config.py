"""Configuration as a pure function of the environment: defaults, then PARALLAX_* variables."""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

PREFIX = "PARALLAX_"

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "./data",
    "RATINGS_DIR": "",  # empty: the bundled ratings
    "DATABASE_URL": "",  # empty: SQLite at DATA_DIR/parallax.sqlite3
    "REDIS_URL": "",
    "INGEST_ENABLED": True,
    "INGEST_INTERVAL": 900,
    # Hosts one worker process pulls feeds from at once (one thread and one database connection
    # each); a host's own feeds are always pulled one at a time, POLITENESS_DELAY apart.
    "FEED_THREADS": 4,
    "FETCH_PAGES": False,
    # Pages one process fetches at once (/v1/related?url= with FETCH_PAGES); more are refused
    # with 503 at once. Below gunicorn's threads per worker (4), so scoring always has a thread.
    "FETCH_CONCURRENCY": 2,
    "FEEDS_ALLOW_PRIVATE": False,  # feeds on private addresses are refused unless this is on
    "STORE_SUBMITTED_ARTICLES": False,
    # Extra origins, comma-separated, each exactly scheme://host[:port] (* any); the
    # extension's are always allowed.
    "CORS_ORIGINS": "",
    "LOOKUP_MAX_URLS": 1000,
    "LOG_LEVEL": "INFO",
    # Production (service/web/limits.py, auth.py, metrics.py, redis_cache.py):
    "API_KEYS": "",  # comma-separated; when set, writes and admin endpoints need one
    "RATE_LIMIT": "600/minute;20000/hour",  # per client, flask-limiter syntax; empty: no limit
    "PROXY_HOPS": 0,  # trusted proxies in front (X-Forwarded-For) for the client's address
    "MAX_QUERY_BYTES": 8000,  # below gunicorn's request-line ceiling (8190), so this 414 is seen
    "RESPONSE_CACHE_SECONDS": 0,  # seconds read answers may be reused (L1 + Redis); 0: off
    "METRICS_DIR": "",  # set under gunicorn: workers pool their /metrics counts here
    # Retention: `parallax worker` removes articles older than this once a day (90d, 12h);
    # empty: never (`parallax prune --older-than` does it by hand).
    "PRUNE_OLDER_THAN": "",
    # Seconds a changed story's digest (key points, headline, framing) may wait, so a story
    # that changes again meanwhile is digested once; its previous digest is shown meanwhile.
    # 0: made after every batch that changes the story (off: docs/benchmarks.md has why).
    "DIGEST_DELAY": 0,
}


# PARALLAX_* names read by the tools around the service, not by it: the address `parallax serve`
# and scripts/run listen on (and `parallax demo` prints), the extension tests' export path, test
# and benchmark knobs (PARALLAX_TEST_* is theirs too).
# The served address: read by `parallax serve` and `parallax demo` (served_url), not by the app.
SERVE_NAMES = frozenset({"HOST", "PORT"})
TOOL_NAMES = SERVE_NAMES | {"EXPORT", "BIN", "FUZZ_EXAMPLES"}
TOOL_PREFIX = "TEST_"
DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Where `parallax serve` listens unless --host/--port or PARALLAX_HOST/PARALLAX_PORT say otherwise.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# A listen-everywhere address is not one a browser should be sent to: the loopback one serves too.
_ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}
_HOST_RE = re.compile(r"^\[?[A-Za-z0-9._:%-]{1,253}\]?$")


# An Origin header's value: scheme://host[:port], no path; the host a name or a bracketed IPv6.
_ORIGIN_RE = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.\-]*://(?:[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
    r"(?::[0-9]{1,5})?$"
)


def cors_origins(raw: object) -> list[str]:
    """The origins of PARALLAX_CORS_ORIGINS ("*": any); raises ConfigError for an entry that is
    no origin (flask-cors reads one holding "*" or "[" as a regular expression matched at its
    start, so "https://*.example.com" granted https://aexample.com.attacker.net)."""
    origins = [part.strip() for part in str(raw or "").split(",") if part.strip()]
    for origin in origins:
        if origin != "*" and not _ORIGIN_RE.match(origin):
            raise ConfigError(
                f"{PREFIX}CORS_ORIGINS: {origin[:80]!r} is not an origin: write each as "
                "scheme://host[:port] with no path, slash or wildcard (https://news.example.com), "
                "comma-separated; * allows any origin"
            )
    return origins


# Retention shorter than this is a typo (90m for 90d?), not a policy.
MIN_RETENTION_SECONDS = 3600
MAX_DIGEST_DELAY = 30
MAX_RETENTION_DAYS = 36_500
_DURATION_UNITS = {"d": 86400, "h": 3600}


def parse_duration(text: str) -> float:
    """Seconds in a retention period written as a whole number of days or hours ("90d",
    "12h"); raises ValueError saying what to write instead."""
    raw = text.strip().lower()
    number, unit = raw[:-1], raw[-1:]
    if unit not in _DURATION_UNITS or not number.isascii() or not number.isdigit():
        raise ValueError(
            f"{text!r} is not a duration: write a whole number of days or hours, e.g. 90d or 12h"
        )
    seconds = int(number) * _DURATION_UNITS[unit]
    if seconds < MIN_RETENTION_SECONDS:
        raise ValueError(f"{text!r} is shorter than an hour: retention keeps at least 1h")
    if seconds > MAX_RETENTION_DAYS * 86400:
        raise ValueError(f"{text!r} is more than {MAX_RETENTION_DAYS} days")
    return float(seconds)


class ConfigError(ValueError):
    """A PARALLAX_* variable holds a value that cannot be used, or names no setting."""


# One label of a host name: letters, digits, hyphens inside (underscores too: container names).
_LABEL_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


def host_problem(host: str) -> str | None:
    """What is wrong with a host to listen on or to put in an address (a name, an IPv4 address
    or an IPv6 one, bracketed or not), or None when it is usable."""
    if not host or len(host) > 253:
        return "give a host name or an IP address"
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if "[" in bare or "]" in bare:
        return "brackets go around a whole IPv6 address, e.g. [::1]"
    if ":" in bare:
        try:
            ipaddress.IPv6Address(bare)
        except ValueError:
            return f"{bare[:60]!r} is not an IPv6 address"
        return None
    if bare.startswith("[") or bare != host:
        return "only an IPv6 address is written in brackets"
    if not bare.isascii():
        try:
            bare = bare.encode("idna").decode("ascii")
        except UnicodeError:
            return f"{bare[:60]!r} is not a host name"
    labels = bare[:-1].split(".") if bare.endswith(".") else bare.split(".")
    if not all(_LABEL_RE.match(label) for label in labels):
        return f"{bare[:60]!r} is not a host name (letters, digits, hyphens and dots)"
    return None


def base_url_problem(url: str) -> str | None:
    """What is wrong with an address readers are sent to (http or https, a host, an optional
    port and path; no user, query or fragment), or None when it is usable."""
    if not url.lower().startswith(("http://", "https://")):
        return "it must start with http:// or https://"
    if len(url) > 2000:
        return "it is longer than 2,000 characters"
    if any(c.isspace() or not c.isprintable() for c in url):
        return "it holds a space or a control character"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"it is not a URL ({exc})"
    if parts.username is not None or parts.password is not None:
        return "it must not hold a user name or password"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "it must not hold a query (?) or fragment (#): pages are added after its path"
    if port == 0:
        return "its port must be 1 to 65535"
    host = parts.netloc.rpartition("@")[2]
    if port is not None or host.endswith(":"):
        host = host.rpartition(":")[0]
    if not host:
        return "it has no host"
    problem = host_problem(host)
    return None if problem is None else f"its host: {problem}"


def served_url(environ: Mapping[str, str]) -> str:
    """The address a reader opens for the service `parallax serve` runs in this environment
    (PARALLAX_HOST and PARALLAX_PORT, which serve and scripts/run read), e.g.
    "http://127.0.0.1:8000/"; raises ConfigError naming the variable to fix."""
    host = (environ.get(PREFIX + "HOST") or DEFAULT_HOST).strip()
    if not _HOST_RE.match(host) or (problem := host_problem(host)) is not None:
        why = "give a host name or an IP address" if not _HOST_RE.match(host) else problem
        raise ConfigError(f"{PREFIX}HOST={host[:60]!r}: {why}")
    raw_port = (environ.get(PREFIX + "PORT") or str(DEFAULT_PORT)).strip()
    if not (
        raw_port.isascii()
        and raw_port.isdigit()
        and len(raw_port) <= 5
        and 1 <= int(raw_port) <= 65535
    ):
        raise ConfigError(f"{PREFIX}PORT={raw_port[:20]!r}: use a port number from 1 to 65535")
    host = _ANY_ADDRESS.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal in a URL is bracketed
    return f"http://{host}:{int(raw_port)}/"


def _unknown(name: str) -> ConfigError:
    key = name[len(PREFIX) :]
    close = difflib.get_close_matches(key, list(DEFAULTS), n=1, cutoff=0.6)
    hint = (
        f"did you mean {PREFIX}{close[0]}?"
        if close
        else "the settings are " + ", ".join(PREFIX + k for k in DEFAULTS)
    )
    return ConfigError(f"{name} is not a Parallax setting, so it would be ignored: {hint}")


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
        key = name[len(PREFIX) :]
        if key in DEFAULTS:
            config[key] = _convert(key, raw, DEFAULTS[key])
        elif key not in TOOL_NAMES and not key.startswith(TOOL_PREFIX):
            # A misspelt setting silently left at its default (PARALLAX_API_KEY leaving writes
            # open) is worse than not starting.
            raise _unknown(name)
    validate(config)
    return config


def validate(config: Mapping[str, Any]) -> None:
    """Raises ConfigError for a value the service could only fail on later, naming the fix.
    The app factory runs it again after test overrides."""
    # An empty directory is the process's working directory: the store, the rate-limit counts
    # and the imported overrides would land wherever the service happened to be started.
    data_dir = config.get("DATA_DIR")
    if not isinstance(data_dir, str | os.PathLike) or not str(data_dir).strip():
        raise ConfigError(
            f"{PREFIX}DATA_DIR is empty: give the directory for the store and the service's "
            "state (./data when unset), or unset it"
        )
    database_url = str(config.get("DATABASE_URL") or "")
    if database_url and not database_url.startswith(DATABASE_SCHEMES):
        scheme = database_url.split(":", 1)[0][:20]
        raise ConfigError(
            f"{PREFIX}DATABASE_URL: {scheme!r} databases are not supported; leave it empty for "
            "SQLite in PARALLAX_DATA_DIR, or give postgresql://user@host:5432/db or "
            "sqlite:///path/to/file.sqlite3"
        )
    redis_url = str(config.get("REDIS_URL") or "")
    if redis_url and not redis_url.startswith(REDIS_SCHEMES):
        raise ConfigError(
            f"{PREFIX}REDIS_URL must start with redis://, rediss:// or unix:// "
            "(redis://host:6379/0), or be empty"
        )
    # An address that cannot be parsed ("postgresql://[::1", a port "abc" or 99999) failed
    # only when first used: every story request a 500, or a bare "Invalid IPv6 URL".
    for key, url, example in (
        ("DATABASE_URL", database_url, "postgresql://user@host:5432/db"),
        ("REDIS_URL", redis_url, "redis://host:6379/0"),
    ):
        if url.startswith(("postgresql://", "postgres://", "redis://", "rediss://")):
            try:
                urlsplit(url).port  # noqa: B018 (read to check it: raises ValueError)
            except ValueError as exc:
                raise ConfigError(f"{PREFIX}{key}: {exc}; write it as {example}") from None
    if database_url.startswith(("postgresql://", "postgres://")):
        # Read as the store will read it: a parameter libpq does not know (sslmod=) or a bad
        # schema= failed only when the store was opened, every story request a 500.
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        from service.store.postgres import split_database_url

        try:
            conninfo_to_dict(split_database_url(database_url)[0])
        except (ValueError, psycopg.ProgrammingError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"{PREFIX}DATABASE_URL: {reason}; write it as "
                "postgresql://user@host:5432/db?schema=name (libpq's parameters only)"
            ) from None
    # As `parallax worker --interval`: 0 ran passes back to back (every feed re-read at once,
    # forever), and past ~1e11 s the wait between passes raised OverflowError in the worker.
    interval = config.get("INGEST_INTERVAL")
    if (
        not isinstance(interval, int | float)
        or isinstance(interval, bool)
        or not 1 <= interval <= 86400
    ):
        raise ConfigError(
            f"{PREFIX}INGEST_INTERVAL={interval!r}: use 1 to 86400 seconds between feed passes"
        )
    # Past ORPHAN_DIGEST_SECONDS (60) the other processes would take a held digest for one a
    # dead process left, and make it too.
    delay = config.get("DIGEST_DELAY", 0)
    if not isinstance(delay, int) or isinstance(delay, bool) or not 0 <= delay <= MAX_DIGEST_DELAY:
        raise ConfigError(
            f"{PREFIX}DIGEST_DELAY={delay!r}: use 0 to {MAX_DIGEST_DELAY} whole seconds a "
            "changed story's digest may wait (0: made at once)"
        )
    # A 0 here was replaced silently (4 feed threads, 1 fetch at once: pages still fetched) or
    # refused every lookup.
    threads = config.get("FEED_THREADS", 4)
    if not isinstance(threads, int) or not 1 <= threads <= 128:
        raise ConfigError(f"{PREFIX}FEED_THREADS={threads}: use 1 to 128")
    fetches = config.get("FETCH_CONCURRENCY", 2)
    if not isinstance(fetches, int) or fetches < 1:
        raise ConfigError(
            f"{PREFIX}FETCH_CONCURRENCY={fetches}: use 1 or more pages fetched at once "
            f"({PREFIX}FETCH_PAGES=0 turns page fetching off)"
        )
    lookup = config.get("LOOKUP_MAX_URLS", 1000)
    if not isinstance(lookup, int) or lookup < 1:
        raise ConfigError(f"{PREFIX}LOOKUP_MAX_URLS={lookup}: allow at least 1 URL a lookup")
    retention = str(config.get("PRUNE_OLDER_THAN") or "")
    if retention:
        try:
            parse_duration(retention)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}PRUNE_OLDER_THAN: {exc}") from None
    cors_origins(config.get("CORS_ORIGINS"))
    level = str(config.get("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"{PREFIX}LOG_LEVEL={level!r}: use one of {', '.join(LOG_LEVELS)}")
    rate = str(config.get("RATE_LIMIT") or "")
    if rate:
        from limits import parse_many

        for part in rate.split(";"):
            try:
                items = parse_many(part.strip()) if part.strip() else []
            except ValueError:
                raise ConfigError(
                    f"{PREFIX}RATE_LIMIT: {part.strip()!r} is not a limit; write "
                    "COUNT/PERIOD pairs joined by ';', e.g. 600/minute;20000/hour"
                ) from None
            # "0/minute" started a service that refused every request (429) for good.
            if any(item.amount < 1 or item.get_expiry() < 1 for item in items):
                raise ConfigError(
                    f"{PREFIX}RATE_LIMIT: {part.strip()!r} allows no request or counts over no "
                    "time; give at least 1 per period of at least a second, e.g. 600/minute"
                )
