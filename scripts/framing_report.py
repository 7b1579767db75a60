"""Figures for per-side framing (issue #16): what its terms and points are made of, before/after.

Run: parallax summarize DATA > BEFORE.jsonl   (with the old code; then the new one > AFTER.jsonl)
     python scripts/framing_report.py DATA BEFORE.jsonl AFTER.jsonl
     python scripts/framing_report.py DATA BEFORE.jsonl AFTER.jsonl --audit OUT.md --key KEY.json
     python scripts/framing_report.py DATA BEFORE.jsonl AFTER.jsonl --key KEY.json --verdicts V
     python scripts/framing_report.py DATA --speed      (framing's cost on a 500-article story)

Prints figures only, never the data's texts (they belong to their publishers): per side, the
share of terms that are name fragments (capitalised in every occurrence in the side's articles and
beside a capitalised word the other sides also write), calendar or number words, and words found
in only one sentence or title of the side's articles; the share of framing points that are also
key points; mean terms per side; whether headline and key points are byte-identical between the
two outputs. `--audit` writes, for 30 random stories with framing in both, the two framings in a
random order as A and B (texts: keep the file outside the repository) and the order to `--key`;
`--verdicts` (one line per story: its id, then A, B or = for the one that says more about how
each side framed the story) is unblinded against the key and counted.
The measures here are written independently of service/coverage/keypoints/ (plain regular
expressions), so the code is not graded by its own rules.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from service.cli.coverage import grouped_sources
from service.core.ratings import bundled_table
from service.coverage import keypoints
from service.coverage.keypoints import Source, digest, lead_baseline, split_sentences
from service.coverage.keypoints import points as kp_points

SIDES = ("left", "center", "right")
AUDIT_STORIES = 30
SEED = 16  # the number: the same 30 stories every run
CALENDAR = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday day days week weeks weekend month months year years today tonight yesterday
    tomorrow morning afternoon evening night""".split()
)
NUMBERS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred thousand million billion trillion dozen first second third percent""".split()
)
WORD = re.compile(r"[\w’'-]+")


def load(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return {d["story"]: d for d in map(json.loads, handle) if d}


def sentences_of(src: Source) -> list[str]:
    text = keypoints.clean(src.text)
    return [keypoints.clean(src.title), *(s for _, s in split_sentences(text))]


def title_cased(text: str) -> bool:
    """A title that capitalises most of its words: its case tells nothing of names."""
    long = [w for w in text.split() if len(w) > 3 and w[:1].isalpha()]
    return len(long) >= 2 and sum(w[:1].isupper() for w in long) > len(long) / 2


def cased(sentences: Sequence[str]) -> list[str]:
    """The sentences whose case tells which words are names (title-case titles left out)."""
    return [s for s in sentences if not title_cased(s)]


def words_of(text: str) -> list[str]:
    return [w.strip("’'-") for w in WORD.findall(text)]


def is_name_fragment(word: str, mine: Sequence[str], others: Sequence[str]) -> bool:
    """Capitalised in every occurrence in the side's sentences, and each beside a capitalised
    word the other sides also write (capitalised). Titles in title case are not read."""
    mine, others = cased(mine), cased(others)
    other_caps = {w for s in others for w in words_of(s) if w[:1].isupper()}
    seen = False
    for sentence in mine:
        ws = words_of(sentence)
        for k, w in enumerate(ws):
            base = re.sub(r"[’']s$", "", w)
            if base.lower() != word.lower():
                continue
            seen = True
            if not base[:1].isupper():
                return False
            beside = [ws[j] for j in (k - 1, k + 1) if 0 <= j < len(ws)]
            if not any(b[:1].isupper() and re.sub(r"[’']s$", "", b) in other_caps for b in beside):
                return False
    return seen


def is_calendar_or_number(word: str) -> bool:
    w = word.lower()
    return w in CALENDAR or w in NUMBERS or bool(re.search(r"\d", w))


def sentences_with(term: str, mine: Sequence[str]) -> int:
    pattern = re.compile(r"(?<![\w])" + re.escape(term.lower()) + r"(?![\w])")
    return sum(1 for s in mine if pattern.search(s.lower()))


def measure(
    out: dict[str, dict[str, Any]], stories: dict[str, list[Source]]
) -> dict[str, dict[str, float]]:
    """Per side (and "all"): counts of terms, fragments, calendar/number, one-sentence terms,
    points, points that are key points."""
    tally: dict[str, dict[str, float]] = {
        s: dict.fromkeys(
            ("sides", "terms", "fragment", "calendar", "single", "body", "points", "kp"), 0
        )
        for s in (*SIDES, "all")
    }
    for story, result in out.items():
        sources = stories.get(story, [])
        key = {k["text"] for k in result["key_points"]}
        for side, framing in result.get("framing", {}).items():
            mine = [s for src in sources if src.side == side for s in sentences_of(src)]
            others = [
                s for src in sources if src.side not in (side, "unrated") for s in sentences_of(src)
            ]
            for t in (tally[side], tally["all"]):
                t["sides"] += 1
                t["terms"] += len(framing["terms"])
                t["points"] += len(framing["points"])
                t["kp"] += sum(
                    1
                    for p in framing["points"]
                    if any(p["text"] in k or k in p["text"] for k in key)
                )
            for term in framing["terms"]:
                parts = term.split()
                fragment = any(is_name_fragment(w, mine, others) for w in parts)
                calendar = any(is_calendar_or_number(w) for w in parts)
                single = sentences_with(term, mine) <= 1
                titles = [keypoints.clean(src.title) for src in sources if src.side == side]
                body = single and not sentences_with(term, titles)
                for t in (tally[side], tally["all"]):
                    t["fragment"] += fragment
                    t["calendar"] += calendar
                    t["single"] += single
                    t["body"] += body
    return tally


def table(name: str, tally: dict[str, dict[str, float]]) -> Iterable[str]:
    yield f"## {name}"
    yield (
        "| side | sides framed | mean terms | name fragments | calendar/number "
        "| in one sentence or title | of which not a title | points that are key points |"
    )
    yield "| --- | --- | --- | --- | --- | --- | --- | --- |"
    for side, t in tally.items():
        terms = max(t["terms"], 1)
        yield (
            f"| {side} | {t['sides']:.0f} | {t['terms'] / max(t['sides'], 1):.2f} "
            f"| {t['fragment'] / terms:.3f} | {t['calendar'] / terms:.3f} "
            f"| {t['single'] / terms:.3f} | {t['body'] / terms:.3f} "
            f"| {t['kp'] / max(t['points'], 1):.3f} "
            f"({t['kp']:.0f}/{t['points']:.0f}) |"
        )


def identical(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> str:
    same = sum(
        1
        for s in before
        if s in after
        and json.dumps([before[s]["headline"], before[s]["key_points"]])
        == json.dumps([after[s]["headline"], after[s]["key_points"]])
    )
    return (
        f"headline and key points byte-identical: {same}/{len(before)} stories ({len(after)} after)"
    )


def audit(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], out: Path, key: Path
) -> None:
    both = sorted(s for s in before if before[s].get("framing") and after.get(s, {}).get("framing"))
    rng = random.Random(SEED)
    chosen = rng.sample(both, min(AUDIT_STORIES, len(both)))
    order: dict[str, str] = {}
    lines = ["# Blind framing audit (texts of the dev set: not for the repository)", ""]
    for story in chosen:
        first = rng.choice(("before", "after"))
        order[story] = first
        second = "after" if first == "before" else "before"
        lines += [f"## {story}: {after[story]['headline']}", ""]
        for label, which in (("A", first), ("B", second)):
            framing = (before if which == "before" else after)[story]["framing"]
            lines.append(f"### {label}")
            for side in SIDES:
                if side in framing:
                    f = framing[side]
                    lines.append(f"- {side} terms: {', '.join(f['terms'])}")
                    lines += [f"  - {side} point: {p['text']}" for p in f["points"]]
            lines.append("")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    key.write_text(json.dumps(order, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"audit of {len(chosen)} stories written (texts outside the repository)")


def tally_verdicts(key: Path, verdicts: Path) -> dict[str, int]:
    """A blind audit's verdicts ('STORY A|B|=' a line) unblinded by its key (the story's order,
    which of before/after was shown as A): how often each was chosen, and neither."""
    order = json.loads(key.read_text(encoding="utf-8"))
    counts = {"after": 0, "before": 0, "same": 0}
    for line in verdicts.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0] not in order:
            continue
        if parts[1] == "=":
            counts["same"] += 1
            continue
        first = order[parts[0]]
        other = "after" if first == "before" else "before"
        counts[first if parts[1] == "A" else other] += 1
    return counts


def unblind(key: Path, verdicts: Path) -> None:
    counts = tally_verdicts(key, verdicts)
    print(
        f"blind audit: after says more in {counts['after']}, before in {counts['before']}, "
        f"neither in {counts['same']} (of {sum(counts.values())})"
    )


def speed(stories: dict[str, list[Source]]) -> None:
    """CPU of digest() on a 500-article story of rated articles (the dev set's, sides as
    rated), cold and warm, against the lead baseline in the same run."""
    sources = [s for group in stories.values() for s in group if s.side != "unrated"][:500]
    sources = [
        Source(s.article_id, s.title, s.text, f"{s.outlet}{n % 30}", s.side, s.url)
        for n, s in enumerate(sources)
    ]

    def cpu(fn: Any, cold: bool) -> float:
        times = []
        for _ in range(9):
            if cold:
                kp_points._PARSED.items.clear()
            started = time.process_time()
            fn(sources)
            times.append((time.process_time() - started) * 1000)
        return statistics.median(times)

    digest(sources)
    lead = cpu(lead_baseline, True)
    cold = cpu(digest, True)
    digest(sources)
    warm = cpu(digest, False)
    story = kp_points._Story(sources)
    started = time.process_time()
    for _ in range(20):
        keypoints.framing(story)
    framing_ms = (time.process_time() - started) * 1000 / 20
    print(
        f"500 rated articles ({len(set(s.side for s in sources))} sides): lead {lead:.1f} ms, "
        f"digest cold {cold:.1f} ms ({cold / lead:.2f}x), warm {warm:.1f} ms ({warm / lead:.2f}x), "
        f"framing alone {framing_ms:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="stories-dev-dated.jsonl")
    parser.add_argument("before", type=Path, nargs="?")
    parser.add_argument("after", type=Path, nargs="?")
    parser.add_argument("--audit", type=Path, help="write the blind audit here (outside the repo)")
    parser.add_argument("--key", type=Path, help="the audit's order (before/after per story)")
    parser.add_argument("--verdicts", type=Path, help="judged audit: 'STORY A|B|=' a line")
    parser.add_argument("--speed", action="store_true")
    args = parser.parse_args()
    with args.data.open(encoding="utf-8") as handle:
        stories = grouped_sources(handle, bundled_table())
    if args.speed:
        speed(stories)
    if not (args.before and args.after):
        return
    before, after = load(args.before), load(args.after)
    for name, out in (("before", before), ("after", after)):
        for row in table(name, measure(out, stories)):
            print(row)
        print()
    print(identical(before, after))
    if args.audit and args.key:
        audit(before, after, args.audit, args.key)
    if args.verdicts and args.key:
        unblind(args.key, args.verdicts)


if __name__ == "__main__":
    sys.exit(main())
