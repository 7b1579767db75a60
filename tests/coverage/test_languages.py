"""Per-language text: stemming, stop words, detection, one language per story, the term table."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from service.coverage import lexicon
from service.coverage.cluster import Clusterer, Doc
from service.coverage.text import (
    TERMS_VERSION,
    detect_language,
    language_code,
    stem_in,
    tokens,
)

T0 = 1_700_000_000.0
HOUR = 3600.0

# Made-up articles: two reports of one event and an unrelated one, in each language.
FRENCH = [
    Doc(
        "fr1",
        "Grève des contrôleurs aériens : des centaines de vols annulés à Marseille",
        "Les contrôleurs aériens de l'aéroport de Marseille sont en grève depuis lundi matin. "
        "La direction a annoncé l'annulation de plusieurs centaines de vols.",
        published=T0,
    ),
    Doc(
        "fr2",
        "Marseille : la grève des contrôleurs aériens annule des vols par centaines",
        "À l'aéroport de Marseille, la grève des contrôleurs aériens a provoqué lundi "
        "l'annulation de centaines de vols, selon la direction.",
        published=T0 + HOUR,
    ),
    Doc(
        "fr3",
        "Le musée du Louvre prolonge son exposition consacrée à la peinture flamande",
        "Devant le succès de l'exposition, le musée a décidé de la prolonger jusqu'en septembre.",
        published=T0 + 2 * HOUR,
    ),
]
GERMAN = [
    Doc(
        "de1",
        "Hochwasser in Passau: Altstadt wird evakuiert",
        "Wegen des steigenden Hochwassers der Donau hat die Stadt Passau am Dienstag die "
        "Evakuierung der Altstadt angeordnet.",
        published=T0,
    ),
    Doc(
        "de2",
        "Passau evakuiert Altstadt wegen Donau-Hochwasser",
        "Die Donau steigt weiter: Passau lässt die Altstadt räumen, die Evakuierung begann am "
        "Dienstagabend.",
        published=T0 + HOUR,
    ),
    Doc(
        "de3",
        "Bundesliga: Freiburg gewinnt knapp gegen Bochum",
        "Der SC Freiburg hat am Samstag mit einem späten Tor gegen den VfL Bochum gewonnen.",
        published=T0 + 2 * HOUR,
    ),
]
SPANISH = [
    Doc(
        "es1",
        "Un incendio forestal obliga a desalojar tres pueblos en Valencia",
        "El incendio forestal declarado el domingo en la sierra de Valencia ha obligado a "
        "desalojar a los vecinos de tres pueblos.",
        published=T0,
    ),
    Doc(
        "es2",
        "Desalojados tres pueblos de Valencia por un incendio forestal",
        "Los bomberos luchan contra el incendio forestal en la sierra valenciana; los vecinos "
        "de tres pueblos fueron desalojados el domingo.",
        published=T0 + HOUR,
    ),
    Doc(
        "es3",
        "El Gobierno aprueba la subida del salario mínimo",
        "El Consejo de Ministros aprobó el martes una subida del salario mínimo interprofesional.",
        published=T0 + 2 * HOUR,
    ),
]


@pytest.mark.parametrize(("docs", "language"), [(FRENCH, "fr"), (GERMAN, "de"), (SPANISH, "es")])
@pytest.mark.parametrize("given", [True, False], ids=["outlet language", "detected"])
def test_a_story_in_another_language_groups_its_reports_and_leaves_the_rest(
    docs: list[Doc], language: str, given: bool
) -> None:
    clusterer = Clusterer()
    stories = [
        clusterer.add(
            Doc(d.id, d.title, d.text, published=d.published, language=language if given else None)
        )
        for d in docs
    ]
    assert stories[0] == stories[1] != stories[2]


def test_stories_stay_within_one_language() -> None:
    clusterer = Clusterer()
    english = Doc(
        "en1",
        "Air traffic controllers strike in Marseille, hundreds of flights cancelled",
        "Air traffic controllers at Marseille airport went on strike on Monday; the airport "
        "cancelled hundreds of flights.",
        published=T0,
        language="en",
    )
    first = clusterer.add(english)
    french = clusterer.add(FRENCH[0])
    assert first != french
    # The French report is not offered as a match for an English article, nor the reverse.
    assert all(
        s != french for s, _ in clusterer.match(Doc("q", english.title, english.text, published=T0))
    )


def test_detection_reads_the_language_of_a_lead() -> None:
    assert detect_language(FRENCH[0].title + " " + FRENCH[0].text) == "fr"
    assert detect_language(GERMAN[0].title + " " + GERMAN[0].text) == "de"
    assert detect_language(SPANISH[0].title + " " + SPANISH[0].text) == "es"
    assert detect_language("The senate passed the bill on Tuesday after a long debate.") == "en"
    assert detect_language("東京都の知事が記者会見を開いた") == "ja"
    assert detect_language("12345 67") is None
    # Made-up words that happen to include a stop word or two are no language.
    assert detect_language("Bakuda seta mivo da lorupe kanti velu basora nikeda tovi rampu") is None


def test_language_codes_and_stems() -> None:
    assert language_code("fr-CA") == "fr" and language_code("en fr") == "en"
    assert language_code("nb") == "no" and language_code("") is None and language_code("1x") is None
    assert stem_in("contrôleurs", "fr") == stem_in("contrôleur", "fr")
    assert stem_in("evakuierung", "de") == stem_in("evakuierungen", "de")
    assert stem_in("pueblos", "es") == stem_in("pueblo", "es")
    # No stemmer for the language: the word is its own term.
    assert stem_in("知事", "ja") == "知事"


def test_stop_words_and_unspaced_scripts() -> None:
    assert [t.term for t in tokens("la grève des contrôleurs", "fr") if t.term] == [
        "grève",
        "contrôleurs",
    ]
    # A script written without spaces is compared by overlapping character pairs.
    assert [t.term for t in tokens("東京都", "ja")] == ["東京", "京都"]
    # Decomposed accents read as the composed ones.
    assert [t.term for t in tokens("Ame\u0301lie", "fr")] == ["amélie"]


def test_the_term_table_ships_for_the_tested_languages_and_reads_cleanly() -> None:
    for language in ("en", "fr", "de", "es"):
        table = lexicon.table(language, TERMS_VERSION)
        assert table is not None and table.doc_share
        assert 0 < table.unseen_share < min(table.doc_share.values())
    english = lexicon.table("en", TERMS_VERSION)
    assert english is not None
    # Common words are in most leads, names of the day in few.
    assert (
        english.doc_share["year"]
        > english.doc_share["senator"]
        > english.doc_share.get("hodgkin", english.unseen_share)
    )
    assert {"la", "der", "el", "the"} <= set().union(*lexicon.stopwords().values())


def test_every_shipped_table_reads_cleanly() -> None:
    languages = lexicon.shipped_languages()
    assert len(languages) >= 30
    for language in languages:
        table = lexicon.read_table(lexicon.DATA / f"{language}.tsv.gz", TERMS_VERSION)
        assert table.language == language and len(table.doc_share) > 1000
    assert set(lexicon.stopwords()) == set(languages)


def test_a_bad_term_table_names_its_file_and_line(tmp_path: Path) -> None:
    def write(lines: list[str]) -> Path:
        path = tmp_path / "xx.tsv.gz"
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
        return path

    header = f"# {lexicon.FORMAT} terms={TERMS_VERSION} language=xx lead_tokens=120 source=test"
    assert lexicon.read_table(write([header, "a\t500", "b\t300"]), TERMS_VERSION).doc_share
    with pytest.raises(lexicon.TermTableError, match=r"xx.tsv.gz:3: 'a' is out of order"):
        lexicon.read_table(write([header, "b\t500", "a\t300"]), TERMS_VERSION)
    with pytest.raises(lexicon.TermTableError, match=r"xx.tsv.gz:2: expected 'term<TAB>zipf"):
        lexicon.read_table(write([header, "a 500"]), TERMS_VERSION)
    with pytest.raises(lexicon.TermTableError, match=r"xx.tsv.gz:1: built for terms v0"):
        lexicon.read_table(
            write([header.replace(f"terms={TERMS_VERSION}", "terms=0")]), TERMS_VERSION
        )


def test_the_prior_weighs_a_cold_stores_words_like_a_warm_one() -> None:
    """With the table, a word common in the language is weak from the first article on; without
    it, a cold store takes every word of its first articles for rare."""
    warm = Clusterer()
    cold = Clusterer(warm.settings.__class__(prior_docs=0))
    doc = Doc("x", "Senator says the year ahead will be hard", "")
    for clusterer in (warm, cold):
        clusterer.add(Doc("a", "Harbor council approves flood barrier", ""))
    weights = {}
    for name, clusterer in (("warm", warm), ("cold", cold)):
        features = clusterer._features(doc)
        vector = clusterer._vectorise(features.tf, features.language)
        weights[name] = vector["year"] / vector["senator"]
    assert weights["warm"] < 0.8 < weights["cold"]
