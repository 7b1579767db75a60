#!/usr/bin/env python3
"""Builds the shipped term table (service/coverage/tables/terms/) from the wordfreq package.

Run once when the tokeniser or stemmers change (text.TERMS_VERSION), never at run time:
    pip install 'wordfreq==3.1.1' && python scripts/build_term_table.py
For every language of the ratings table that wordfreq covers (and that is written with spaces)
it writes <language>.tsv.gz: the clusterer's terms (the same tokeniser and stemmer as the
engine) of the language's most frequent words with their summed Zipf frequency, and
stopwords.tsv: each language's most frequent words. Output is sorted and deterministic.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import math
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.coverage import lexicon, text  # noqa: E402

# Words kept per language: enough to know every word a news lead shares with many others.
TOP_WORDS = {"en": 30_000}
TOP_WORDS_DEFAULT = 10_000
STOPWORD_COUNT = 100
# Words of a news lead the clusterer reads (title twice and about 1,500 characters of text):
# turns a word's share of all words into the share of leads that contain it.
LEAD_TOKENS = 120
# Written without spaces: the clusterer compares character pairs, which wordfreq does not count.
UNSPACED = {"zh", "ja", "th", "lo", "km", "my"}


def table_languages() -> set[str]:
    """ISO 639-1 codes used by the outlets of the bundled ratings table."""
    found: set[str] = set()
    for path in sorted((ROOT / "ratings" / "outlets").glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for code in (row.get("language") or "").split():
                    normal = text.language_code(code)
                    if normal:
                        found.add(normal)
    return found


def wordfreq_code(language: str, available: set[str]) -> str | None:
    """wordfreq's code for a language ('nb' for Norwegian), or None when it has none."""
    for code in (language, {"no": "nb"}.get(language, "")):
        if code and code in available:
            return code
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=lexicon.DATA)
    args = parser.parse_args(argv)
    import wordfreq

    version = metadata.version("wordfreq")
    available = set(wordfreq.available_languages("best"))
    languages = sorted(
        lang for lang in table_languages() - UNSPACED if wordfreq_code(lang, available) is not None
    )
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.tsv.gz"):
        old.unlink()
    source = f"wordfreq-{version}"
    stop_rows: list[tuple[str, str]] = []
    for lang in languages:
        code = wordfreq_code(lang, available)
        assert code is not None
        words = [
            w
            for w in wordfreq.top_n_list(code, STOPWORD_COUNT * 2, wordlist="best")
            if any(c.isalpha() for c in w)
        ]
        stop_rows.extend((lang, text.fold(w).lower()) for w in words[:STOPWORD_COUNT])
    with (args.out / "stopwords.tsv").open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(
            f"# each language's {STOPWORD_COUNT} most frequent words; from {source} "
            "(CC BY-SA 4.0), built by scripts/build_term_table.py\n"
        )
        for lang, word in sorted(set(stop_rows)):
            handle.write(f"{lang}\t{word}\n")
    # The tokeniser reads the stop words just written.
    lexicon._stopwords = None
    for lang in languages:
        code = wordfreq_code(lang, available)
        assert code is not None
        count = TOP_WORDS.get(lang, TOP_WORDS_DEFAULT)
        per_term: dict[str, float] = {}
        # The raw frequency list: word_frequency() would re-tokenise (and needs MeCab for Korean).
        frequencies = wordfreq.get_frequency_dict(code, wordlist="best")
        top = sorted(frequencies.items(), key=lambda kv: (-kv[1], kv[0]))[:count]
        for word, share in top:
            for token in text.tokens(word, lang):
                if token.term:
                    term = text.term_of(token.term, lang)
                    # A stemmer can strip a short word to nothing: such a term never occurs.
                    if term and not any(c in term for c in "\t\n\r"):
                        per_term[term] = per_term.get(term, 0.0) + share
        path = args.out / f"{lang}.tsv.gz"
        # mtime=0 keeps the file byte-identical from build to build.
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as zipped,
        ):
            lines = [
                f"# {lexicon.FORMAT} terms={text.TERMS_VERSION} language={lang} "
                f"lead_tokens={LEAD_TOKENS} source={source} licence=CC-BY-SA-4.0 "
                f"words={count}\n"
            ]
            for term in sorted(per_term):
                zipf = math.log10(per_term[term]) + 9.0
                value = round(zipf * 100)
                if value > 0:
                    lines.append(f"{term}\t{value}\n")
            zipped.write("".join(lines).encode("utf-8"))
        print(f"{lang}: {len(per_term)} terms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
