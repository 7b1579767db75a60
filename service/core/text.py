"""Text from any entrance made storable on every backend: PostgreSQL cannot hold NUL, and no
UTF-8 encoder can write a lone surrogate (which JSON's "\\ud800" produces)."""

from __future__ import annotations

import re

# NUL and the other C0 controls except tab, newline and carriage return: never part of a title.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def storable(value: str) -> str:
    """`value` without control characters, lone surrogates replaced by U+FFFD."""
    if value.isascii():
        return _CONTROL_RE.sub("", value) if not value.isprintable() else value
    return _SURROGATE_RE.sub("\ufffd", _CONTROL_RE.sub("", value))


def storable_or_none(value: str | None) -> str | None:
    return storable(value) if value is not None else None
