"""Reads a shipped linear model's file (feature names, weights, intercept): one checked format
for every learned model in tables/, each error naming the file and how to fix it."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TypeGuard


def _finite_number(value: object) -> TypeGuard[int | float]:
    # JSON true/false are ints to Python, not weights; an integer too big for a float is not
    # finite as a weight (math.isfinite would raise OverflowError on it).
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def read_model_file(path: Path, *, what: str, error: type[ValueError]) -> dict[str, object]:
    """The JSON object of the model file at `path`, read once, or `error` saying why not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError, JSONDecodeError, too many digits
        raise error(f"{path}: cannot read the {what} ({exc})") from None
    except RecursionError:
        raise error(f"{path}: cannot read the {what} (nested too deeply)") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a JSON object")
    return data


def read_linear_model(
    path: Path,
    features: Sequence[str],
    *,
    what: str,
    reader: str,
    script: str,
    error: type[ValueError],
) -> tuple[tuple[float, ...], float]:
    """(weights, intercept) of the model file at `path` fitted over `features`, or `error`
    saying what is wrong: `what` names the model, `reader` the code that uses it and `script`
    the one that writes it."""
    data = read_model_file(path, what=what, error=error)
    found = linear_section(
        data, path, features, what=what, reader=reader, script=script, error=error, section=None
    )
    assert found is not None  # the top level is never missing
    return found


def linear_section(
    data: dict[str, object],
    path: Path,
    features: Sequence[str],
    *,
    what: str,
    reader: str,
    script: str,
    error: type[ValueError],
    section: str | None,
) -> tuple[tuple[float, ...], float] | None:
    """As read_linear_model, over a file already read (read_model_file): the weights and
    intercept of the object under the key `section` (None when the file has no such key; the
    top level's when `section` is None)."""
    names, weights, intercept = data.get("features"), data.get("weights"), data.get("intercept")
    if section is not None:
        if section not in data:
            return None
        part = data[section]
        if not isinstance(part, dict):
            raise error(f"{path}: {section!r} must be an object holding weights and an intercept")
        weights, intercept = part.get("weights"), part.get("intercept")
    if names != list(features):
        raise error(
            f"{path}: its features {names} are not the {reader}'s {list(features)}; "
            f"retrain with {script}"
        )
    if (
        not isinstance(weights, list)
        or len(weights) != len(features)
        or not all(_finite_number(w) for w in weights)
        or not _finite_number(intercept)
    ):
        where = f" ({section})" if section is not None else ""
        raise error(
            f"{path}: weights{where} must be {len(features)} finite numbers and an intercept"
        )
    return tuple(float(w) for w in weights), float(intercept)


def logistic(weights: Sequence[float], intercept: float, features: Sequence[float]) -> float:
    """The logistic model's probability for `features`, without overflow at either end."""
    z = intercept + sum(w * x for w, x in zip(weights, features, strict=True))
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
