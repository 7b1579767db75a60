"""What a story in a script without spaces costs per character against English, in the same run.

Run: python -m bench.lang_cost                 (hostile Thai and hostile Chinese against English)
     python -m bench.lang_cost --runs 9 --articles 60

Each story is 60 invented articles of ~4,800 characters over three sides: English of random
common words, and "hostile" text of each other script (Thai letters and vowel signs at random,
runs of 20-60 between spaces: no dictionary word is found where newmm looks; Chinese of random
common letters). One cold digest (nothing parsed before: a new story each run, so no cache of an
earlier run is reused) is timed in CPU seconds; the figure is each language's median CPU time per
character divided by English's, the runs alternated so load on a shared machine falls on both.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from service.coverage.keypoints import Source, digest

ARTICLE_CHARS = 4_800
_ENGLISH = """the government said on monday that its plan would cut prices for families across the
country while critics warned the budget left hospitals and schools short of money and that
officials had ignored the warnings of economists about inflation rates wages rents and jobs in
cities where workers protested outside parliament as ministers met business leaders""".split()
# Thai consonants, then vowel and tone marks written on them.
_THAI_CONSONANTS = [chr(c) for c in range(0x0E01, 0x0E2F)]
_THAI_MARKS = [chr(c) for c in (0x0E31, 0x0E34, 0x0E35, 0x0E36, 0x0E37, 0x0E38, 0x0E48, 0x0E49)]
_THAI_LEADING = [chr(c) for c in range(0x0E40, 0x0E45)]
_CHINESE = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
    ""
)


def _english(rng: random.Random) -> str:
    words: list[str] = []
    size = 0
    while size < ARTICLE_CHARS:
        sentence = [rng.choice(_ENGLISH) for _ in range(rng.randint(12, 24))]
        text = " ".join(sentence).capitalize() + "."
        words.append(text)
        size += len(text) + 1
    return " ".join(words)


def _thai(rng: random.Random) -> str:
    runs: list[str] = []
    size = 0
    while size < ARTICLE_CHARS:
        run = []
        for _ in range(rng.randint(20, 60)):
            if rng.random() < 0.1:
                run.append(rng.choice(_THAI_LEADING))
            run.append(rng.choice(_THAI_CONSONANTS))
            if rng.random() < 0.3:
                run.append(rng.choice(_THAI_MARKS))
        runs.append("".join(run))
        size += len(runs[-1]) + 1
    return " ".join(runs)


def _chinese(rng: random.Random) -> str:
    sentences: list[str] = []
    size = 0
    while size < ARTICLE_CHARS:
        sentence = "".join(rng.choice(_CHINESE) for _ in range(rng.randint(20, 50))) + "。"
        sentences.append(sentence)
        size += len(sentence)
    return "".join(sentences)


MAKERS: dict[str, Callable[[random.Random], str]] = {
    "english": _english,
    "thai": _thai,
    "chinese": _chinese,
}


def _story(language: str, seed: int, articles: int) -> list[Source]:
    rng = random.Random(f"{language}:{seed}")
    make = MAKERS[language]
    sides = ("left", "center", "right")
    return [
        Source(f"{language}-{seed}-{i}", make(rng)[:120], make(rng), f"O{i % 3}", sides[i % 3])
        for i in range(articles)
    ]


def _cpu(sources: list[Source]) -> tuple[float, int]:
    chars = sum(len(s.text) + len(s.title) for s in sources)
    start = time.process_time()
    digest(sources)
    return time.process_time() - start, chars


def _positive(text: str) -> int:
    """A count of 1 or more (0 runs had no median, 0 articles no characters to divide by)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=_positive, default=5, help="cold digests per language")
    parser.add_argument("--articles", type=_positive, default=60, help="articles per story")
    parser.add_argument("--languages", default="thai,chinese", help="compared with English")
    args = parser.parse_args(argv)
    languages = ["english", *[x for x in args.languages.split(",") if x and x != "english"]]
    unknown = [x for x in languages if x not in MAKERS]
    if unknown:  # (a name misspelt was a KeyError's traceback after the warm-up)
        parser.error(f"--languages: no maker for {', '.join(unknown)}; use some of thai,chinese")
    for language in languages:  # (warm the imports, segmenters and stop lists: not timed)
        digest(_story(language, -1, 6))
    per_char: dict[str, list[float]] = {x: [] for x in languages}
    for run in range(args.runs):
        for language in languages:
            seconds, chars = _cpu(_story(language, run, args.articles))
            per_char[language].append(seconds / chars)
    english = statistics.median(per_char["english"])
    print(f"english: {english * 1e6:.2f} us CPU per character (median of {args.runs})")
    for language in languages[1:]:
        mine = statistics.median(per_char[language])
        print(f"{language}: {mine * 1e6:.2f} us CPU per character, x{mine / english:.2f} English")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
