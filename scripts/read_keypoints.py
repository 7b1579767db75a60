"""Prints story digests for an editor's read, and counts what a reader would notice in them.

Run: python scripts/read_keypoints.py SUMMARIES.jsonl [MORE.jsonl ...] [--sample N --seed S]

SUMMARIES: what `parallax summarize` prints (one story a line). With --sample, N stories of
each file, drawn with a seeded random generator (the same stories for two outputs of the same
file, so before and after read alike), are printed with their headline, points and framing
terms. Then, for every file, the count of each defect class over all its stories, found by
patterns written apart from the summariser's own rules (service/coverage/keypoints/readable.py)
so they check it rather than repeat it. The patterns only flag: a read decides (a point that
opens "This was ..." right after its article's sentence before it reads well, and is flagged).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

_CONNECTIVE = re.compile(
    r"^[\"“]?(?:But|And|Also|However|Yet|Still|So|Meanwhile|Instead|Moreover|Furthermore|"
    r"Additionally|Nonetheless|Nevertheless|Plus|Or|Thus|Therefore|Indeed)\b(?!-)"
)
_PRONOUN = re.compile(
    r"^[\"“]?(?:[A-Z][^,]{0,60}, )?(?:He|She|It|They|This|That|These|Those|His|Her|Its|Their|"
    r"he|she|it|they|his|her|its|their)\b(?! (?:week|weekend|year|month|morning|afternoon|"
    r"evening|summer|spring|fall|winter|time|is why))"
)
_PERSON = re.compile(
    r"\b(?:I|I'm|I’m|I've|I’ve|I'd|me|my|we|We|our|Our|us|you|You|your|Your|we're|We're|"
    r"we’re|We’re|let's|Let's)\b"
)
_DATELINE = re.compile(
    r"\((?:AP|CNN[^)]*|Reuters|AFP|UPI|Xinhua|CNBC)\)|^[A-Z][A-Z .,'/]{2,}(?:\([^)]*\))? ?"
    r"(?:—|–|―|--|-) "
)
_BOILERPLATE = re.compile(
    r"(?i)sign up|read more|related:|click here|subscribe|getty images|\(photo|photo:|credit:|"
    r"newsletter|this episode|radio hour|podcast|follow us|updated \d|published \d"
    r"|\b\d{1,2}:\d{2} ?(?:a\.m\.|p\.m\.|am|pm)? ?(?:ET|EST|EDT|GMT)\b"
)
_TICKER = re.compile(r"\b[A-Z]{2,5} [+\-−]?\d+\.\d+%")
_KICKER = re.compile(r"^([^:]{1,25}): ")
_SAYS_END = re.compile(r"\b(?:[Tt]ells|[Ww]arns|[Aa]sks|[Uu]rges)(?: [A-Z]\w*){0,3}$")
_TWO_SENTENCES = re.compile(r"[a-z0-9%’'”]{3}[.!?] [A-Z]")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def _all_caps(text: str) -> bool:
    words = re.findall(r"[A-Za-z]{4,}", text)
    return bool(words) and sum(w.isupper() for w in words) >= max(3, len(words) // 2)


def point_defects(text: str) -> list[str]:
    """The defect classes a point's text is flagged for."""
    found = []
    if _CONNECTIVE.match(text):
        found.append("opens with a connective")
    if _PRONOUN.match(text):
        found.append("opens with a pronoun")
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        found.append("quotation fragment")
    if text.rstrip("\"'”’)").endswith("?"):
        found.append("question")
    if _PERSON.search(_QUOTED.sub(" ", text)):
        found.append("first or second person")
    if _DATELINE.search(text):
        found.append("dateline or wire credit")
    if _BOILERPLATE.search(text) or _TICKER.search(text) or "\u200b" in text:
        found.append("boilerplate or junk")
    if _all_caps(text):
        found.append("all caps")
    return found


def headline_defects(headline: str) -> list[str]:
    """The defect classes a headline is flagged for."""
    found = []
    if not headline:
        found.append("headline: none")
    if "?" in headline:
        found.append("headline: question")
    kicker = _KICKER.match(headline)
    if kicker and len(kicker.group(1).split()) <= 3:
        found.append("headline: label or speaker before a colon")
    if _TWO_SENTENCES.search(headline):
        found.append("headline: two sentences")
    if _SAYS_END.search(headline):
        found.append("headline: ends on a verb of saying")
    if _all_caps(headline):
        found.append("headline: all caps")
    return found


def count(stories: list[dict[str, Any]]) -> Counter[str]:
    """Defects over every story: points and headlines flagged, stories with fewer than 3."""
    found: Counter[str] = Counter()
    for story in stories:
        points = story.get("key_points") or []
        for k, point in enumerate(points):
            flagged = point_defects(point["text"])
            if k and points[k - 1]["article_id"] == point["article_id"]:
                # Right after a point of its own article: what it leans on may be there.
                flagged = [
                    f"{d} (after its article)" if d.startswith("opens") else d for d in flagged
                ]
            found.update(flagged)
        found.update(headline_defects(story.get("headline") or ""))
        if len(points) < 3:
            found["fewer than 3 points"] += 1
    return found


def show(story: dict[str, Any]) -> str:
    lines = [f"=== {story['story']}", f"H: {story['headline']}"]
    for k, point in enumerate(story.get("key_points") or [], 1):
        lines.append(f"  {k}. {point['text']}  [{point.get('outlet')}|{point['article_id']}]")
    for side, framed in (story.get("framing") or {}).items():
        lines.append(f"  framing {side}: {framed.get('terms')}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+", help="parallax summarize output")
    parser.add_argument("--sample", type=int, default=0, help="stories of each file to print")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    for path in args.files:
        stories = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        if args.sample:
            for story in random.Random(args.seed).sample(stories, min(args.sample, len(stories))):
                print(show(story))
        points = sum(len(s.get("key_points") or []) for s in stories)
        print(f"{path}: {len(stories)} stories, {points} points")
        for name, n in sorted(count(stories).items()):
            print(f"  {name:45} {n:5}")


if __name__ == "__main__":
    main()
