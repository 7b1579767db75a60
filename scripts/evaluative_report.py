"""Figures for evaluative wording (issue #16): headlines and key points holding one, before/after.

Run: parallax summarize DATA > BEFORE.jsonl   (with the old code; then the new one > AFTER.jsonl)
     python scripts/evaluative_report.py DATA BEFORE.jsonl AFTER.jsonl
     python scripts/evaluative_report.py DATA BEFORE.jsonl AFTER.jsonl --audit OUT.md --key K.json
     python scripts/evaluative_report.py DATA BEFORE.jsonl AFTER.jsonl --key K.json --verdicts V

Prints counts only, never the data's texts (they belong to their publishers): the share of
headlines and of key points holding an evaluative word, counted as the summariser counts them
(keypoints._evaluative: English words, reporting words out) at two strengths (2 and 3), by two
word lists: VADER's lexicon alone, and the lexicon with our supplement (news_opinion.tsv, whose
words count at every strength, as the headline counts them), so a change is not graded only by
the list it added. `--audit` writes up to 20 stories whose headline
changed, the two headlines in a random order as A and B (texts: keep the file outside the
repository) and the order to `--key`; `--verdicts` (a line per story: its id, then A or B for the
more loaded headline, or = ) is unblinded against the key and counted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.framing_report import tally_verdicts  # noqa: E402
from service.coverage import keypoints as kp  # noqa: E402
from service.coverage.keypoints import language as kp_language  # noqa: E402
from service.coverage.keypoints import sentences as kp_sentences  # noqa: E402

AUDIT_STORIES = 20
SEED = 16  # the number: the same stories every run
STRENGTHS = (2.0, 3.0)


def load(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return {d["story"]: d for d in map(json.loads, handle) if d}


def strengths(text: str, supplement: bool) -> list[float]:
    """The strengths of a text's evaluative words, as the summariser reads them (its language
    detected as at parse time), with or without our supplement's words (which count whatever
    their strength: as 4 here)."""
    language = kp.detect_language(text)
    sentence = kp_sentences._sentence(text, 1, kp_language._languages().terms(language))
    ours = kp_sentences._supplement_words()
    return [
        4.0 if word in ours else strength
        for word, _, strength in sentence.evaluative
        if supplement or word not in ours
    ]


def shares(out: dict[str, dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """(count holding a word, total) per measure."""
    tally: dict[str, list[int]] = {}
    items = [("headlines", d["headline"]) for d in out.values()]
    items += [("key points", p["text"]) for d in out.values() for p in d["key_points"]]
    for kind, text in items:
        for supplement in (False, True):
            found = strengths(text, supplement)
            for floor in STRENGTHS:
                name = f"{kind} with a word >= {floor:g} ({'lexicon + ours' if supplement else 'lexicon'})"
                counts = tally.setdefault(name, [0, 0])
                counts[0] += any(s >= floor for s in found)
                counts[1] += 1
    return {name: (c[0], c[1]) for name, c in sorted(tally.items())}


def audit(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], out: Path, key: Path
) -> None:
    changed = sorted(
        s for s in before if s in after and before[s]["headline"] != after[s]["headline"]
    )
    rng = random.Random(SEED)
    chosen = rng.sample(changed, min(AUDIT_STORIES, len(changed)))
    order: dict[str, str] = {}
    lines = ["# Blind headline audit (texts of the dev set: not for the repository)", ""]
    lines += ["Judge per story which headline is MORE loaded (A, B, or = for neither).", ""]
    for story in chosen:
        first = rng.choice(("before", "after"))
        order[story] = first
        second = "after" if first == "before" else "before"
        lines.append(f"## {story}")
        for label, which in (("A", first), ("B", second)):
            lines.append(
                f"- {label}: {(before if which == 'before' else after)[story]['headline']}"
            )
        lines.append("")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    key.write_text(json.dumps(order, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"audit of {len(chosen)} of {len(changed)} changed headlines written (outside the repo)")


def unblind(key: Path, verdicts: Path) -> None:
    counts = tally_verdicts(key, verdicts)
    print(
        f"blind audit, the more loaded headline: before in {counts['before']}, after in "
        f"{counts['after']}, neither in {counts['same']} (of {sum(counts.values())})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the set summarised (named in the output only)")
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--audit", type=Path, help="write the blind audit here (outside the repo)")
    parser.add_argument("--key", type=Path, help="the audit's order (before/after per story)")
    parser.add_argument("--verdicts", type=Path, help="judged audit: 'STORY A|B|=' a line")
    args = parser.parse_args()
    before, after = load(args.before), load(args.after)
    print(f"{args.data.name}: {len(before)} stories before, {len(after)} after")
    b, a = shares(before), shares(after)
    for name in b:
        (bn, bt), (an, at) = b[name], a[name]
        print(
            f"{name}: {100 * bn / max(bt, 1):.1f} % ({bn} of {bt}) -> "
            f"{100 * an / max(at, 1):.1f} % ({an} of {at})"
        )
    changed = sum(1 for s in before if s in after and before[s]["headline"] != after[s]["headline"])
    points = sum(
        1 for s in before if s in after and before[s]["key_points"] != after[s]["key_points"]
    )
    print(f"headlines changed: {changed}; stories whose key points changed: {points}")
    if args.audit and args.key:
        audit(before, after, args.audit, args.key)
    if args.verdicts and args.key:
        unblind(args.key, args.verdicts)


if __name__ == "__main__":
    sys.exit(main())
