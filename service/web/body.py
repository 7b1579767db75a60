"""Request bodies as strict JSON: read within a byte bound however they arrive (chunked too),
nesting bounded, NaN and Infinity refused, each problem a 400 or 413 that says what to fix."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import g, request

from service.web.errors import APIError

# Deeper than any body the API documents (3 levels) by far, shallow enough for any code to walk.
MAX_DEPTH = 32
_CACHE_ATTR = "_parallax_json_body"
_REFUSED_ATTR = "_parallax_json_body_refused"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity, which JSON cannot say
        raise ValueError(f"the number {text[:30]} is too large")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # {"title": "a", "title": "b"} is read differently by different parsers (first or last
    # wins): a proxy or a client library may have checked the other one. Refused, named.
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key[:40]!r} is given twice in one object")
        found[key] = value
    return found


def _depth(value: Any) -> int:
    """How deeply `value` nests (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            level += 1
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            stack.extend((child, level) for child in item)
    return deepest


def read_body(limit: int) -> bytes:
    """The request body, at most `limit` bytes: 413 past it, counted on the bytes read (a chunked
    body declares no length)."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise APIError(413, "body_too_large", f"send at most {limit} bytes of JSON")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise APIError(413, "body_too_large", f"send at most {limit} bytes of JSON")
    return data


def json_body(limit: int, usage: str) -> Any:
    """The body parsed as JSON (read once per request, its refusal too); `usage` is the 400's
    hint of what to send."""
    cached = getattr(g, _CACHE_ATTR, None)
    if cached is not None:
        return cached[0]
    refused = getattr(g, _REFUSED_ATTR, None)
    if refused is not None:
        # The rate limiter reads a lookup's body first (its cost): the stream is spent, and the
        # view read nothing, answering "Expecting value" whatever was wrong with it.
        raise refused
    try:
        return _parsed_body(limit, usage)
    except APIError as exc:
        setattr(g, _REFUSED_ATTR, exc)
        raise


def _parsed_body(limit: int, usage: str) -> Any:
    if not request.is_json:
        raise APIError(400, "invalid_body", f"send {usage} with Content-Type: application/json")
    data = read_body(limit)
    try:
        value = json.loads(
            # A UTF-8 byte order mark is ignored, as RFC 8259 lets a parser do (some clients
            # and editors write one); "Unexpected UTF-8 BOM" sent them to Python's codecs.
            data.decode("utf-8").removeprefix("\ufeff"),
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except UnicodeDecodeError:
        raise APIError(400, "invalid_body", f"the body is not UTF-8 text; send {usage}") from None
    except RecursionError:
        raise APIError(
            400, "invalid_body", f"the JSON nests deeper than {MAX_DEPTH} levels; send {usage}"
        ) from None
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise APIError(
            400, "invalid_body", f"the body is not valid JSON ({reason}); send {usage}"
        ) from None
    if _depth(value) > MAX_DEPTH:
        raise APIError(
            400, "invalid_body", f"the JSON nests deeper than {MAX_DEPTH} levels; send {usage}"
        )
    setattr(g, _CACHE_ATTR, (value,))
    return value
