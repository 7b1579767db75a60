"""How our leans compare with the outlet leans in the shared dated set (AllSides, 2021).

Resolves each article's URL to our outlet and compares our lean, folded to AllSides' 5-point
scale, with the lean the roundup gave the outlet. Prints coverage, exact agreement and
within-one-step agreement (the ratings issue asks for >= 70% exact and >= 95% within one step
against a held-out rater). Caveat: the set's leans are from 2021 and cover ~100 US outlets.

usage: python -m bench.ratings_agreement [../shared/data/stories-dev-dated.jsonl]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from service.core.ratings import bundled_table
from service.core.urls import URLInputError

REPO = Path(__file__).resolve().parent.parent

FIVE = {
    "far-left": 0,
    "left": 0,
    "lean-left": 1,
    "center": 2,
    "lean-right": 3,
    "right": 4,
    "far-right": 4,
}
THEIRS = {
    "left": 0,
    "lean left": 1,
    "lean-left": 1,
    "center": 2,
    "lean right": 3,
    "lean-right": 3,
    "right": 4,
}


def _name_key(name: str) -> str:
    name = name.casefold().replace("(online)", "").replace("(opinion)", "").replace("the ", "")
    return " ".join(name.replace(".com", "").split())


def main() -> None:
    path = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else REPO.parent / "shared/data/stories-dev-dated.jsonl"
    )
    table = bundled_table()
    by_name = {_name_key(o.name): o for o in table.outlets.values()}
    outlets: dict[str, tuple[str | None, int | None]] = {}
    unresolved: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if not row.get("url") or not row.get("lean"):
                continue
            # The set sometimes pairs an outlet with another site's URL (a roundup linking to a wire
            # copy), so the URL's outlet counts only when its name matches the outlet named.
            try:
                outlet = table.resolve(row["url"]).outlet
            except URLInputError:
                outlet = None
            named = _name_key(row.get("outlet") or "")
            if outlet is not None and not (
                named and (named in _name_key(outlet.name) or _name_key(outlet.name) in named)
            ):
                outlet = by_name.get(named)
            if outlet is None:
                unresolved.add(row.get("outlet") or row["url"])
                continue
            theirs = THEIRS.get(str(row["lean"]).lower())
            outlets[outlet.id] = (outlet.lean, theirs)
    rated = {k: v for k, v in outlets.items() if v[0] is not None and v[1] is not None}
    exact = sum(1 for ours, theirs in rated.values() if FIVE[str(ours)] == theirs)
    within = sum(
        1 for ours, theirs in rated.values() if abs(FIVE[str(ours)] - int(theirs or 0)) <= 1
    )
    print(
        json.dumps(
            {
                "outlets_in_set_resolved": len(outlets),
                "unresolved_outlets": sorted(unresolved)[:20],
                "both_rate_lean": len(rated),
                "exact_5_point": round(exact / max(1, len(rated)), 3),
                "within_one_step": round(within / max(1, len(rated)), 3),
                "disagreements": sorted(
                    f"{k}: ours {v[0]}, theirs {v[1]}"
                    for k, v in rated.items()
                    if FIVE[v[0]] != v[1]  # type: ignore[index]
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
