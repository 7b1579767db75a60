"""One rate-limit budget per client across every endpoint (flask-limiter's application limits),
heavier requests costing more, counted once per host (a shared file) or per fleet (Redis);
the query-size bound; 429 as JSON."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, current_app, request
from flask_limiter import HeaderNames, Limiter
from flask_limiter.errors import RateLimitExceeded
from werkzeug.middleware.proxy_fix import ProxyFix

from service.web.auth import KEYS_EXTENSION, key_fingerprint, key_is_valid, presented_key
from service.web.errors import APIError, error_response

log = logging.getLogger(__name__)

LIMITER_EXTENSION = "parallax.limiter"
# Probes come from the operator's own machines, often many per second. /metrics is exempt only
# for a valid key (or when no keys are set): guessing its key spends the guesser's budget.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/version"})
# What one request costs from the budget, where it is heavier than one scored URL.
LOOKUP_URLS_PER_COST = 10  # POST /v1/lookup: one per 10 URLs (1,000 URLs cost 100)
FETCH_COST = 5  # GET /v1/related that may fetch the page (FETCH_PAGES, no title given)


def client_key() -> str:
    """Whom a request is counted against: its API key when it shows a valid one, else its
    address (so guessing keys cannot buy a fresh budget per guess)."""
    presented = presented_key()
    keys = current_app.extensions.get(KEYS_EXTENSION, ())
    if presented and key_is_valid(presented, keys):
        return "key:" + key_fingerprint(presented)
    return "ip:" + (request.remote_addr or "unknown")


def _exempt() -> bool:
    if request.path in EXEMPT_PATHS or request.method == "OPTIONS":
        return True
    if request.path == "/metrics":
        keys = current_app.extensions.get(KEYS_EXTENSION, ())
        return not keys or key_is_valid(presented_key(), keys)
    return False


def request_cost() -> int:
    """This request's cost from the client's budget (see the table in docs/deploy.md)."""
    endpoint = request.endpoint
    if endpoint == "score.lookup":
        from service.web.api.score import LOOKUP_USAGE
        from service.web.body import json_body

        try:
            body = json_body(int(current_app.config["MAX_CONTENT_LENGTH"]), LOOKUP_USAGE)
        except APIError:
            return 1  # the view answers the same 400 or 413
        urls = body.get("urls") if isinstance(body, dict) else None
        if isinstance(urls, list):
            return max(1, math.ceil(len(urls) / LOOKUP_URLS_PER_COST))
        return 1
    if (
        endpoint == "coverage.related"
        and current_app.config.get("FETCH_PAGES")
        and not request.args.get("title")
    ):
        return FETCH_COST
    return 1


def storage_uri(app: Flask) -> str:
    """Redis when PARALLAX_REDIS_URL is set, so every host shares one count; otherwise a file
    in the data directory that every worker process of this host shares."""
    redis_url = str(app.config.get("REDIS_URL") or "")
    if redis_url.startswith("unix://"):
        # A socket address as redis-py and the settings write it; the limits library names
        # that scheme redis+unix:// and refused to start on unix:// ("unknown storage scheme").
        return "redis+" + redis_url
    if redis_url:
        return redis_url
    try:
        from service.web.limit_store import SharedFileStorage
        from service.web.limit_store import storage_uri as file_uri

        uri = file_uri(app.config["DATA_DIR"])
        SharedFileStorage(uri)  # fails here, not on a request, if the file cannot be made
        return uri
    except OSError as exc:
        log.warning(
            "rate-limit counts kept per process (%s): %s cannot hold the shared file",
            exc,
            app.config["DATA_DIR"],
        )
        return "memory://"


def init_app(app: Flask) -> None:
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        # Behind a load balancer the peer is the balancer; trust exactly `hops` X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    max_query = int(app.config.get("MAX_QUERY_BYTES") or 0)

    @app.before_request
    def _bound_query() -> None:
        if max_query and len(request.query_string) > max_query:
            raise APIError(
                414,
                "query_too_long",
                f"the query string is over {max_query} bytes; send large inputs as a JSON body",
            )
        # Werkzeug decodes request.args as strict UTF-8 on first use: a raw byte such as 0xFF
        # (where %FF was meant) raised UnicodeDecodeError in whichever view read a parameter.
        try:
            request.query_string.decode("utf-8")
        except UnicodeDecodeError:
            raise APIError(
                400,
                "invalid_query",
                "the query string is not UTF-8: percent-encode each parameter (é as %C3%A9)",
            ) from None

    limits = [part.strip() for part in str(app.config.get("RATE_LIMIT") or "").split(";")]
    limits = [part for part in limits if part]
    limiter = Limiter(
        client_key,
        app=app,
        # Application limits are one budget across every endpoint (default limits would give
        # each endpoint its own).
        application_limits=limits,  # type: ignore[arg-type]
        application_limits_exempt_when=_exempt,
        application_limits_cost=request_cost,
        storage_uri=storage_uri(app) if limits else "memory://",
        # Two counters per client and window (O(1)); a moving window keeps one timestamp per
        # request, which for 10,000 clients at 600/minute is millions of entries.
        strategy="sliding-window-counter",
        headers_enabled=True,
        # flask-limiter would send Retry-After on every answer, where it only misleads; the
        # 429 handler below sets the real one.
        header_name_mapping={HeaderNames.RETRY_AFTER: "X-RateLimit-Retry-After"},
        # A Redis outage must not take the API down: count in memory until it is back.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        key_prefix="parallax",
        enabled=bool(limits),
    )
    app.extensions[LIMITER_EXTENSION] = limiter

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded) -> Response:
        retry_after = _retry_after(limiter)
        response = error_response(
            429,
            "rate_limited",
            f"too many requests from this client (limit {exc.description}); "
            f"retry after {retry_after} s",
        )
        response.headers["Retry-After"] = str(retry_after)
        return response


def _retry_after(limiter: Limiter) -> int:
    """Seconds until the breached window frees a request (at least 1)."""
    window = getattr(limiter, "current_limit", None)
    if window is not None and getattr(window, "reset_at", None):
        wait = math.ceil(window.reset_at - time.time())
        # reset_at is rounded up to the next whole second; never say more than the window.
        return int(max(1, min(wait, int(window.limit.get_expiry()))))
    return 1


def limiter_of(app: Flask | None = None) -> Limiter:
    """The app's limiter (tests reset it between cases)."""
    found: Limiter = (app or current_app).extensions[LIMITER_EXTENSION]
    return found
