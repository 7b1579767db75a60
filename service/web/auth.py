"""Optional API keys: writes and admin endpoints need one when PARALLAX_API_KEYS is set."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, request

from service.web.errors import APIError

KEYS_EXTENSION = "parallax.api_keys"
# Endpoints that change state or reveal operations; a key is needed for them once keys exist.
ADMIN_ENDPOINTS = frozenset({"metrics.metrics"})


def parse_keys(raw: str) -> tuple[bytes, ...]:
    """The configured keys; raises ValueError for one too short to be a secret."""
    keys = tuple(k.strip() for k in str(raw or "").split(",") if k.strip())
    for index, key in enumerate(keys, start=1):
        if len(key) < 16:
            # The key itself is never echoed: only where it is in the list.
            raise ValueError(
                f"PARALLAX_API_KEYS: key {index} is shorter than 16 characters; "
                "use long random keys (python -c 'import secrets; print(secrets.token_urlsafe())')"
            )
    return tuple(k.encode() for k in keys)


def presented_key() -> str | None:
    """The key the request carries: Authorization: Bearer <key>, or X-API-Key."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


def key_is_valid(presented: str | None, keys: tuple[bytes, ...]) -> bool:
    """Constant-time check against every configured key (no early exit reveals which)."""
    if presented is None:
        return False
    given = presented.encode("utf-8", "surrogateescape")
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key)
    return matched


def key_fingerprint(presented: str) -> str:
    """A short non-reversible id of a key, for rate-limit buckets (never the key itself)."""
    return hashlib.sha256(presented.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def needs_key() -> bool:
    """Whether this request writes or administers, so that it must show a key."""
    if request.endpoint in ADMIN_ENDPOINTS:
        return True
    return (
        request.method == "POST"
        and request.endpoint == "coverage.articles"
        and bool(current_app.config.get("STORE_SUBMITTED_ARTICLES"))
    )


def init_app(app: Flask) -> None:
    keys = parse_keys(app.config.get("API_KEYS", ""))
    app.extensions[KEYS_EXTENSION] = keys

    @app.before_request
    def _require_key() -> None:
        if not keys or not needs_key():
            return
        presented = presented_key()
        if presented is None:
            raise APIError(
                401,
                "api_key_required",
                "this endpoint needs an API key: send Authorization: Bearer <key> or X-API-Key",
            )
        if not key_is_valid(presented, keys):
            raise APIError(403, "api_key_invalid", "the API key is not valid for this service")
