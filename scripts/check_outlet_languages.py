"""Outlets whose stated language disagrees with the evidence we hold offline, with the counts.

Run: python scripts/check_outlet_languages.py [ARTICLES.jsonl ...] [--unsupported] [--ratings DIR]
     (default articles: ../shared/data/*.jsonl; read in place, nothing is written)

A row's `language` (ratings/outlets/*.csv) marks its titles' `lang` on story pages and, when it
is one language, is taken as its articles' when stories are grouped (stemmer, stop words, which
stories they may join; several are detected per article, as key points always are), so a wrong
one is worse than none. Most rows of
quality-domains.csv had theirs inferred from the domain alone (thenational.ae was 'ar' for .ae,
721b43d). Three kinds of evidence are weighed here, each printed with its counts:

- titles: the articles of an outlet (a JSON object a line with `url` or `outlet`, `title` and
  `text`), each read by the product's own detector (detect_language: the script, then function
  words); an outlet with at least MIN_ARTICLES articles disagrees when no stated language is the
  language of at least half of them.
- feeds: a language named in a feed's address (`en.`/`english.` hosts, a first path segment of
  two letters, `lang=`, `rss-en-all`, `news_eng`); disagrees when the named language is not
  stated.
- name: language subdomains of the id (`en.radiovaticana.va`, `french.peopledaily.com.cn`),
  and words of one language in the id or the name (`notizie`, `nachrichten`, `les`, `the`); a
  row disagrees when words of another language are found and none of a stated one. Weak on its
  own (English words are everywhere in domain names): a reviewer decides.

`--unsupported` also lists the rows whose language rests on the domain alone (their basis says
"Inferred from the domain alone") and which no evidence here confirms.
The last line counts the rows checked and those that disagree, by kind of evidence.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MIN_ARTICLES = 3  # fewer articles than this say too little about an outlet's language

# stop-words' list names (what detect_language answers) -> ISO 639-1 (the ratings' codes).
ISO_OF = {
    "arabic": "ar", "bengali": "bn", "bulgarian": "bg", "burmese": "my", "catalan": "ca",
    "chinese": "zh", "croatian": "hr", "czech": "cs", "danish": "da", "dutch": "nl",
    "english": "en", "finnish": "fi", "french": "fr", "german": "de", "greek": "el",
    "gujarati": "gu", "hebrew": "he", "hindi": "hi", "hungarian": "hu", "indonesian": "id",
    "italian": "it", "japanese": "ja", "khmer": "km", "korean": "ko", "lao": "lo",
    "latvian": "lv", "lithuanian": "lt", "malaysian": "ms", "marathi": "mr", "norwegian": "no",
    "persian": "fa", "polish": "pl", "portuguese": "pt", "romanian": "ro", "russian": "ru",
    "slovak": "sk", "slovenian": "sl", "spanish": "es", "swedish": "sv", "thai": "th",
    "turkish": "tr", "ukrainian": "uk", "urdu": "ur", "vietnamese": "vi",
}  # fmt: skip

# Languages named in hosts and paths by name rather than code.
LANGUAGE_NAMES = {
    "english": "en", "eng": "en", "french": "fr", "francais": "fr", "arabic": "ar",
    "spanish": "es", "espanol": "es", "german": "de", "deutsch": "de", "russian": "ru",
    "chinese": "zh", "portuguese": "pt", "japanese": "ja", "korean": "ko", "persian": "fa",
    "farsi": "fa", "turkish": "tr", "urdu": "ur", "hindi": "hi", "italian": "it",
}  # fmt: skip
# Two-letter codes taken as a language where a host label or first path segment is exactly one
# (not every ISO code: 'de' or 'it' are common, 'tv', 'us', 'uk' (Ukrainian) are not languages
# in addresses as often as they are other things, so they are left out).
LANGUAGE_CODES = frozenset(
    "ar bg cs da de el en es fa fi fr he hi hu id it ja ko nl no pl pt ro ru sk sr sv th tr ur vi"
    " zh".split()
)

# Words of one language that news domains and names are made of (four letters or more, so a
# word is not found by chance inside another; none shared by two of these languages).
NAME_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("news", "daily", "times", "truth", "report", "weekly", "today", "herald", "world",
           "freedom", "patriot", "liberty", "american", "review", "insider", "citizen", "voice",
           "the "),
    "it": ("notizie", "giornale", "informazione", "italia", "oggi", "quotidiano", "mattino",
           "verita", "stampa", "aliena", "evidenza", "rassegna", "patria", "fatto", "stelle",
           "gazzett", "milano", "24ore", "tg24"),
    "fr": ("actu", "nouvelles", "observateur", "republicain", "mondialisation", "sante",
           "savoir", "aimer", "liberte", "francais", "verite", "quotidien", "monde", "les ",
           "le "),
    "de": ("nachrichten", "zeitung", "spiegel", "blick", "allgemeine", "wahrheit", "kurier",
           "deutsch", "heute", "politik", "aktuell", "der ", "die ", "das "),
    "es": ("noticias", "actualidad", "periodico", "verdad"),
    "pt": ("jornal", "folha", "brasil", "noticia "),
    "nl": ("nieuws", "krant", "het "),
    "ru": ("novosti", "pravda"),
}  # fmt: skip
# Words of other languages that hold one of NAME_WORDS without being it, taken out of a name
# before its words are looked for: 'projectveritas' is Latin, not Italian 'verità'; 'blogging'
# holds Italian 'oggi', 'denverite' French 'vérité', 'factual' French 'actu', 'disclaimer'
# French 'aimer', 'expatriate' Italian 'patria', 'alienation' Italian 'aliena'. Each would
# otherwise point an English row to another language (or confirm a wrong one).
_NOT_NAME_WORDS = re.compile(
    r"veritas|[bl]?logging|jogging|doggie|f?actual(?!i[dt])|denverite|claimer|expatria|alienat"
)
# Words a feed's file or path names itself with, beside a language code.
_FEED_WORDS = frozenset(
    "rss feed feeds atom rdf xml json all news articles article latest top headlines home main"
    " full index default site world".split()
)
_SECOND_LEVEL = frozenset("co com org net gov ac edu or ne go gob nic".split())


def iso(name: str) -> str | None:
    """The ISO 639-1 code of a stop-words list name; None for 'unknown' or an unlisted one."""
    return ISO_OF.get(name)


def feed_languages(url: str) -> set[str]:
    """Languages a feed's address names: a host label or first path segment that is a language
    code or name, a `lang=` parameter, or a code between dashes or underscores of a path
    segment (`rss-en-all`, `news_eng`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    found: set[str] = set()
    host = (parts.hostname or "").lower()
    labels = host.split(".")[:-2]  # the registered domain's own labels are its name
    segments = [s for s in parts.path.lower().split("/") if s]
    # ('/id/100003114/' is an identifier far more often than Indonesian)
    candidates = labels + [s for s in segments[:1] if s != "id"]
    for segment in segments:
        tokens = [t for t in re.split(r"[-_.]", segment) if t]
        # A code among a feed's own words ('rss-en-all', 'news_eng', 'nl.rss.articles.xml'),
        # not a slug's words: French 'une-de-la-presse', Spanish 'lo-mas-visto-en-portada'
        # hold 'de' and 'en' as prepositions.
        others = [t for t in tokens if t not in LANGUAGE_CODES and t not in LANGUAGE_NAMES]
        if len(tokens) > 1 and all(t in _FEED_WORDS or t.isdigit() for t in others):
            candidates += tokens
    for token in candidates:
        if token in LANGUAGE_CODES:
            found.add(token)
        elif token in LANGUAGE_NAMES:
            found.add(LANGUAGE_NAMES[token])
    for value in parse_qs(parts.query).get("lang", []) + parse_qs(parts.query).get("hl", []):
        code = value.lower()[:2]
        if code in LANGUAGE_CODES:
            found.add(code)
    return found


def _domain_words(outlet_id: str) -> tuple[list[str], str]:
    """The subdomain labels of an id, and its name part as one string (suffixes dropped)."""
    host = outlet_id.split("/", 1)[0]
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-2]
    elif len(labels) >= 2:
        labels = labels[:-1]
    subdomains, name = labels[:-1], labels[-1] if labels else ""
    # (blogspot.it, wordpress.com: the blog's own label is the name)
    if name in ("blogspot", "wordpress", "tumblr", "substack", "mastertopforum") and subdomains:
        name = subdomains[-1]
        subdomains = subdomains[:-1]
    return subdomains, name


def name_languages(outlet_id: str, name: str) -> Counter[str]:
    """Languages the id and the name point to, with the number of hints for each: a subdomain
    naming a language counts 3 (`en.radiovaticana.va`), each word of NAME_WORDS found 1."""
    counts: Counter[str] = Counter()
    subdomains, domain_name = _domain_words(outlet_id)
    for label in subdomains:
        if label in LANGUAGE_CODES:
            counts[label] += 3
        elif label in LANGUAGE_NAMES:
            counts[LANGUAGE_NAMES[label]] += 3
    if counts:  # an edition's language: its words ('fr.blastingnews.com') are the brand's
        return counts
    # The name when it is the outlet's own (not the domain again), spaced words lower-cased;
    # trailing space so "the " matches a last word too.
    own_name = "" if name.lower() in (outlet_id, outlet_id.split("/", 1)[0]) else name
    spaced = " " + re.sub(r"[^a-z0-9]+", " ", _fold(own_name.lower())) + " "
    spaced = _NOT_NAME_WORDS.sub("|", spaced)
    joined = _NOT_NAME_WORDS.sub("|", re.sub(r"[^a-z0-9]+", "", _fold(domain_name.lower())))
    for language, words in NAME_WORDS.items():
        for word in words:
            if word.endswith(" "):  # a function word: only a word of a spaced name
                if f" {word}" in spaced:
                    counts[language] += 1
            elif word in joined or f" {word}" in spaced:
                counts[language] += 1
    return counts


def _fold(text: str) -> str:
    """Accents dropped (santé -> sante), so names and domains are compared alike."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def text_languages(texts: Iterable[str], detect: object = None) -> Counter[str]:
    """How many of the texts read as each language (ISO codes; 'unknown' counted as '?')."""
    if detect is None:
        from service.coverage.keypoints.language import detect_language as detect
    counts: Counter[str] = Counter()
    for text in texts:
        counts[iso(detect(text)) or "?"] += 1  # type: ignore[operator]
    return counts


@dataclass
class Finding:
    """A row whose stated language the evidence of one kind disagrees with."""

    outlet_id: str
    stated: str
    kind: str  # 'titles', 'feeds' or 'name'
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        shown = " ".join(f"{k}={v}" for k, v in sorted(self.counts.items(), key=lambda x: -x[1]))
        return f"{self.outlet_id}\tstated '{self.stated}'\t{self.kind}: {shown}"


def titles_disagree(stated: Sequence[str], counts: Mapping[str, int]) -> bool:
    """True when an outlet's articles (at least MIN_ARTICLES read as a language) show none of
    its stated languages in at least half of them."""
    known = sum(n for lang, n in counts.items() if lang != "?")
    if known < MIN_ARTICLES:
        return False
    return not any(counts.get(lang, 0) * 2 >= known for lang in stated)


def titles_agree(stated: Sequence[str], counts: Mapping[str, int]) -> bool:
    """True when at least MIN_ARTICLES of an outlet's articles read as a language and a stated
    one is that of at least half of them. Texts no language could be read from ('?') confirm
    nothing, nor do two English titles of an 'ar' row with a third unreadable: too few to
    disagree is not agreement."""
    known = sum(n for lang, n in counts.items() if lang != "?")
    return known >= MIN_ARTICLES and any(counts.get(lang, 0) * 2 >= known for lang in stated)


# Languages written in Latin letters, whose sites name themselves in English words as often as
# in their own ('milanotoday.it', 'news38.de'): English words say nothing against them where the
# row's country and language came from a country-code domain.
LATIN_LANGUAGES = frozenset(
    "ca cs da de en es et fi fr ga hr hu id is it lt lv ms mt nl no pl pt ro sk sl sq sv tr vi".split()
)


def name_disagrees(stated: Sequence[str], counts: Mapping[str, int], basis: str = "") -> bool:
    """True when the id or name points to some language and to none of the stated ones. English
    words alone (no language subdomain) do not count against a Latin-script language read from a
    country-code domain."""
    hints = {lang: n for lang, n in counts.items() if n}
    if (
        set(hints) == {"en"}
        and hints["en"] < 3
        and "country-code domain" in basis
        and all(lang in LATIN_LANGUAGES for lang in stated)
    ):
        return False
    return bool(hints) and not any(hints.get(lang, 0) for lang in stated)


def domain_inferred(basis: str) -> bool:
    """Whether a row's language rests on the domain alone: its basis says its values were
    inferred so, and no reviewed evidence for the language ("Language 'xx': ...") leads it."""
    return "inferred from the domain alone" in basis.lower() and not basis.startswith("Language '")


@dataclass(frozen=True)
class Row:
    """What the checker reads of an outlet row."""

    id: str
    name: str
    language: str
    basis: str


def check(
    rows: Iterable[Row],
    articles: Mapping[str, Counter[str]],
    feeds: Mapping[str, list[str]],
) -> tuple[list[Finding], list[Row], int]:
    """The findings for every row, the domain-inferred rows nothing here confirms, and the
    number of rows checked. `articles` maps an outlet id to its texts' language counts (as
    text_languages gives), `feeds` an outlet id to its feed addresses."""
    findings: list[Finding] = []
    unsupported: list[Row] = []
    checked = 0
    for row in rows:
        checked += 1
        stated = row.language.split()
        confirmed = False
        counts = articles.get(row.id)
        if counts:
            if titles_disagree(stated, counts):
                findings.append(Finding(row.id, row.language, "titles", dict(counts)))
            elif titles_agree(stated, counts):
                confirmed = True
        named: Counter[str] = Counter()
        for url in feeds.get(row.id, []):
            named.update(feed_languages(url))
        if named:
            if any(lang not in stated for lang in named):
                findings.append(Finding(row.id, row.language, "feeds", dict(named)))
            else:
                confirmed = True
        hints = name_languages(row.id, row.name)
        if not domain_inferred(row.basis):
            # A reviewer chose this row's language knowing the outlet: only a language
            # subdomain of its id is worth a second look, not words of its name.
            hints = Counter({lang: n for lang, n in hints.items() if n >= 3})
        if name_disagrees(stated, hints, row.basis):
            findings.append(Finding(row.id, row.language, "name", dict(hints)))
        elif any(hints.get(lang, 0) for lang in stated):
            confirmed = True
        if not confirmed and domain_inferred(row.basis):
            unsupported.append(row)
    return findings, unsupported, checked


class InputError(Exception):
    """An articles file or ratings directory that cannot be read; the message says which and
    what to fix."""


def _article(path: Path, number: int, raw: bytes) -> dict[str, object] | None:
    """A JSONL line's article (None for a blank line or a JSON value that is not an object)."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}:{number}: not UTF-8 text ({error.reason} at byte {error.start} of the line)"
        ) from None
    if not line.strip():
        return None
    try:
        item = json.loads(line)
    except ValueError as error:  # (JSONDecodeError)
        raise InputError(
            f"{path}:{number}: not a JSON object ({error}); one article a line"
        ) from None
    except RecursionError:
        raise InputError(f"{path}:{number}: JSON nested too deep") from None
    return item if isinstance(item, dict) else None


def read_articles(paths: Iterable[Path], outlet_of: object) -> dict[str, Counter[str]]:
    """Language counts of each outlet's articles (title and text read together), the outlet
    found by `outlet_of(url, outlet_name)` (an id or None). Each article is read as it comes
    (only the counts are kept, whatever the files' size); a line that is not JSON, a file that
    is not UTF-8 or cannot be opened raises InputError naming the file and line."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for path in paths:
        try:
            with path.open("rb") as handle:  # (decoded a line at a time: errors name the line)
                for number, raw in enumerate(handle, 1):
                    item = _article(path, number, raw)
                    if item is None:
                        continue
                    outlet = outlet_of(item.get("url"), item.get("outlet"))  # type: ignore[operator]
                    if outlet:
                        text = f"{item.get('title') or ''}\n{item.get('text') or ''}"
                        counts[outlet].update(text_languages([text]))
        except OSError as error:
            raise InputError(f"{path}: cannot be read ({error.strerror or error})") from None
    return dict(counts)


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from service.core.ratings import RatingsError, load_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="*", type=Path)
    parser.add_argument("--unsupported", action="store_true")
    parser.add_argument("--ratings", type=Path, default=None, help="a ratings/ directory")
    args = parser.parse_args(argv)
    paths = args.articles or sorted((root.parent / "shared" / "data").glob("*.jsonl"))
    try:
        table = load_table(args.ratings)
    except RatingsError as error:
        print(f"check_outlet_languages: {error}", file=sys.stderr)
        return 2

    def outlet_of(url: object, name: object) -> str | None:
        if isinstance(url, str) and url:
            try:
                resolution = table.resolve(url)
            except ValueError:  # (URLInputError) an address no outlet can have: not counted
                return None
            if resolution.outlet is not None:
                return resolution.outlet.id
        return None

    try:
        articles = read_articles(paths, outlet_of)
    except InputError as error:
        print(f"check_outlet_languages: {error}", file=sys.stderr)
        return 2
    feeds: dict[str, list[str]] = defaultdict(list)
    for feed in table.feeds:
        feeds[feed.outlet_id].append(feed.url)
    rows = [
        Row(o.id, o.name, o.language, o.basis or "")
        for o in sorted(table.outlets.values(), key=lambda o: o.id)
    ]
    findings, unsupported, checked = check(rows, articles, feeds)
    for finding in findings:
        print(finding)
    if args.unsupported:
        for row in unsupported:
            print(f"{row.id}\tstated '{row.language}'\tunsupported: the domain alone")
    by_kind = Counter(f.kind for f in findings)
    print(
        f"checked {checked} rows ({len(articles)} with articles in {len(paths)} files, "
        f"{len(feeds)} with feeds); {len({f.outlet_id for f in findings})} disagree "
        f"(titles {by_kind['titles']}, feeds {by_kind['feeds']}, name {by_kind['name']}); "
        f"{len(unsupported)} inferred from the domain alone with no evidence here"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
