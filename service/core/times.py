"""Article times: reading ISO 8601 or epoch values and the plausible window every stored time
must fall in (1990-01-01 to now + 2 days), so no stored time can break a later read."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

# The web (and so any article a reader can be shown) starts after this; older dates are typos,
# zero-ish epochs or hostile input.
EARLIEST = 631_152_000.0  # 1990-01-01T00:00:00Z
# Time zones and clock drift put honest "published" times up to a day ahead; more is an error.
FUTURE_SLACK = 2 * 86400.0
WINDOW_TEXT = "between 1990-01-01 and 2 days from now"


class TimeInputError(ValueError):
    """A time that cannot be used; the message says what is wrong and what is accepted."""


def parse_iso(value: str) -> float | None:
    """An ISO 8601 time (a bare date too) as epoch seconds, UTC when it names no zone; None
    when it cannot be read. Never raises, whatever the year or zone."""
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.timestamp()
    except (OverflowError, ValueError, OSError):
        return None


def plausible(ts: float | None, now: float | None = None) -> bool:
    """Whether `ts` is a finite epoch time inside the window an article's time can have."""
    if ts is None or isinstance(ts, bool) or not isinstance(ts, int | float):
        return False
    if not math.isfinite(ts):
        return False
    latest = (time.time() if now is None else now) + FUTURE_SLACK
    return EARLIEST <= ts <= latest


def plausible_or_none(ts: float | None, now: float | None = None) -> float | None:
    """`ts` as a float when plausible, else None (feeds and pages: an impossible date is no date)."""
    return float(ts) if ts is not None and plausible(ts, now) else None


def article_time(value: object, name: str = "published", now: float | None = None) -> float | None:
    """A client's or a file's time (ISO 8601 string or epoch seconds) as epoch seconds; None when
    absent. Raises TimeInputError naming `name` for anything unreadable or outside the window."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            ts: float | None = float(value)
        except OverflowError:  # an int too big for a float
            ts = math.inf
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
    elif isinstance(value, str):
        ts = parse_iso(value)
        shown = repr(value[:40] + ("…" if len(value) > 40 else ""))
        if ts is None:
            raise TimeInputError(
                f"{name} {shown} is not an ISO 8601 date (2025-01-31T12:00:00Z) or epoch seconds"
            )
    else:
        raise TimeInputError(
            f"{name} must be an ISO 8601 string or epoch seconds, not {type(value).__name__}"
        )
    if not plausible(ts, now):
        raise TimeInputError(
            f"{name} {shown} is outside the plausible window: give a time {WINDOW_TEXT}"
        )
    return ts


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with a Z; None for none and for any value no calendar can
    show (NaN, infinities, years past 9999): a bad stored time must never break a read."""
    if ts is None:
        return None
    try:
        if not math.isfinite(ts):
            return None
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError, TypeError):
        return None
