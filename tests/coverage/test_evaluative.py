"""Evaluative wording in key points and headlines (service/coverage/evaluative.py and its use
in service/coverage/keypoints/). Invented texts only."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from service.coverage import evaluative
from service.coverage import keypoints as kp
from service.coverage.evaluative import (
    LexiconError,
    opinion_supplement,
    read_lexicon,
    read_supplement,
    valence_lexicon,
)
from service.coverage.keypoints import Source, digest
from service.coverage.keypoints import headline as kp_headline
from service.coverage.keypoints import language as kp_language
from service.coverage.keypoints import points as kp_points
from service.coverage.keypoints import sentences as kp_sentences


def test_the_shipped_lexicon_loads_once_read_only() -> None:
    lexicon = valence_lexicon()
    assert lexicon is valence_lexicon()  # read once, shared
    assert lexicon["horrific"] <= -kp.EVALUATIVE_MIN
    assert lexicon["brilliant"] >= kp.TITLE_EVALUATIVE_MIN
    assert "bridge" not in lexicon
    with pytest.raises(TypeError):
        lexicon["bridge"] = 1.0  # type: ignore[index]
    # Sorted by word, as the house style asks of shipped tables.
    words = [
        line.split("\t", 1)[0]
        for line in evaluative.LEXICON_PATH.read_text(encoding="utf-8").splitlines()
    ]
    assert words == sorted(words, key=lambda w: w.encode("utf-8"))
    assert len(words) == len(set(words)) == len(lexicon)


GOOD = "bad\t-2.5\t0.6\t[-2, -3, -2, -3, -2, -3, -2, -3, -2, -3]\n"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("awful\t-3.1\t0.5\n", "3 tab-separated fields"),
        ("awful\tvery\t0.5\t[-3, -3]\n", "not a number"),
        ("awful\t-9.0\t0.5\t[-3, -3]\n", "outside -4..4"),
        ("awful\tnan\t0.5\t[-3, -3]\n", "outside -4..4"),
        ("awful\t-3.0\t-1\t[-3, -3]\n", "spread"),
        ("awful\t-3.0\t0.5\t-3 -3\n", "ratings"),
        ("\t-3.0\t0.5\t[-3, -3]\n", "empty word"),
        ("bad\t-2.0\t0.5\t[-2, -2]\n", "listed twice"),
    ],
)
def test_a_malformed_lexicon_line_is_refused_naming_file_and_line(
    tmp_path: Path, line: str, says: str
) -> None:
    path = tmp_path / "lexicon.txt"
    path.write_text(GOOD + "calm\t1.0\t0.5\t[1, 1]\n" + line, encoding="utf-8")
    with pytest.raises(LexiconError) as caught:
        read_lexicon(path)
    assert f"{path}:3:" in str(caught.value)
    assert says in str(caught.value)


def test_an_unreadable_lexicon_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        read_lexicon(tmp_path / "missing.txt")
    path = tmp_path / "latin1.txt"
    path.write_bytes(GOOD.encode() + b"caf\xe9\t1.0\t0.5\t[1, 1]\n")
    with pytest.raises(LexiconError, match=r"latin1\.txt:2: not UTF-8"):
        read_lexicon(path)
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(LexiconError, match="no words"):
        read_lexicon(empty)
    ok = tmp_path / "ok.txt"
    ok.write_text(GOOD, encoding="utf-8")
    assert dict(read_lexicon(ok)) == {"bad": -2.5}


def test_the_shipped_supplement_loads_once_read_only_and_adds_only_missing_words() -> None:
    supplement = opinion_supplement()
    assert supplement is opinion_supplement()
    assert supplement["baseless"] < 0 < supplement["phenomenal"]
    with pytest.raises(TypeError):
        supplement["bridge"] = 1.0  # type: ignore[index]
    assert supplement.keys().isdisjoint(valence_lexicon())
    lines = evaluative.SUPPLEMENT_PATH.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and any("Licence" in line for line in lines if line[:1] == "#")
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    words = [row[0] for row in rows]
    assert words == sorted(words, key=lambda w: w.encode("utf-8"))
    assert len(words) == len(set(words)) == len(supplement)
    # Small on purpose, and every word with the basis of its valence.
    assert len(words) <= 100
    assert all(len(row) == 3 and row[2].strip() for row in rows)


SUPPLEMENT_GOOD = "# a comment\nbaseless\t-2.0\tcalls a claim groundless\n"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("debacle\t-2.4\n", "2 tab-separated fields"),
        ("Debacle\t-2.4\tbasis\n", "not a lower-case word"),
        ("debacle\tvery\tbasis\n", "not a number"),
        ("debacle\t-5\tbasis\n", "outside -4..4"),
        ("debacle\t0\tbasis\n", "outside -4..4 or 0"),
        ("debacle\t-2.4\t \n", "no basis"),
        ("baseless\t-2.0\tagain\n", "listed twice"),
        ("abysmal\t-2.6\tbasis\n", "out of order"),
        ("calm\t-2.0\tbasis\n", "in the lexicon already"),
    ],
)
def test_a_malformed_supplement_line_is_refused_naming_file_and_line(
    tmp_path: Path, line: str, says: str
) -> None:
    path = tmp_path / "opinion.tsv"
    path.write_text(SUPPLEMENT_GOOD + line, encoding="utf-8")
    with pytest.raises(LexiconError) as caught:
        read_supplement(path, {"calm": 1.0})
    assert f"{path}:3:" in str(caught.value)
    assert says in str(caught.value)


def test_an_unreadable_supplement_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        read_supplement(tmp_path / "missing.tsv", {})
    path = tmp_path / "latin1.tsv"
    path.write_bytes(SUPPLEMENT_GOOD.encode() + b"caf\xe9\t1.0\tbasis\n")
    with pytest.raises(LexiconError, match=r"latin1\.tsv:3: not UTF-8"):
        read_supplement(path, {})
    empty = tmp_path / "empty.tsv"
    empty.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="no words"):
        read_supplement(empty, {})
    ok = tmp_path / "ok.tsv"
    ok.write_text(SUPPLEMENT_GOOD, encoding="utf-8")
    assert dict(read_supplement(ok, {})) == {"baseless": -2.0}


def test_supplement_words_load_titles_and_framing_but_not_the_sentence_model() -> None:
    terms_of = kp_language._languages().terms("english")
    found = kp_sentences._evaluative(
        "a baseless claim and an egregiously draconian rule".split(), terms_of
    )
    assert [w for w, *_ in found] == ["baseless", "egregiously", "draconian"]
    # "heinous" is rated past EVALUATIVE_MIN, yet the model's features (fitted on the
    # lexicon's words) do not count it: a lexicon word of that strength they do.
    assert opinion_supplement()["heinous"] <= -kp.EVALUATIVE_MIN
    for word, counted in (("heinous", 0.0), ("horrific", 1.0)):
        story = _story_with(f"A spillway gate of the Lake Orrin dam failed in {word} rain.")
        (lead,) = [c for c in story.candidates if c.source == 0 and c.position == 1 and c.whole]
        features = dict(zip(kp.SENTENCE_FEATURES, kp.sentence_features(story, lead), strict=True))
        assert features["evaluative"] * lead.words == pytest.approx(counted)
        assert features["evaluative_own"] * lead.words == pytest.approx(counted)


@pytest.mark.parametrize("word", ["Draconian", "Baffling"])
def test_a_title_with_a_supplement_word_loses_the_headline_to_a_plain_one(word: str) -> None:
    # "baffling" is rated under TITLE_EVALUATIVE_MIN: a supplement word counts whatever its
    # strength, as each is listed for being an opinion word.
    assert word != "Baffling" or abs(opinion_supplement()["baffling"]) < kp.TITLE_EVALUATIVE_MIN
    judged = Source(
        "j",
        f"{word} spillway closure empties Lake Orrin reservoir",
        "Engineers inspected the dam on Monday. The county ordered households to leave.",
        "Outlet J",
        "left",
    )
    plain = Source(
        "p",
        "Sudden spillway closure empties Lake Orrin reservoir",
        "Engineers inspected the dam on Monday. The county ordered households to leave.",
        "Outlet P",
        "left",
    )
    story = kp_points._Story([judged, plain, *OTHERS])
    assert kp_headline._title_evaluative(story, story.title_sentences[0]) > 0.0
    assert word not in digest([judged, plain, *OTHERS]).headline


# An invented story: a dam's spillway gate fails; three outlets report it.
OTHERS = [
    Source(
        "b",
        "Engineers inspect Lake Orrin dam after spillway gate fails",
        "Engineers inspected the Lake Orrin dam on Monday after a spillway gate failed "
        "during heavy rain. The county ordered 300 households downstream to leave. Water "
        "levels fell by evening, officials said.",
        "Outlet B",
        "center",
    ),
    Source(
        "c",
        "County orders 300 households to leave below Lake Orrin dam",
        "The county ordered 300 households below the Lake Orrin dam to leave on Monday after "
        "a spillway gate failed in heavy rain. Engineers said the dam itself was sound.",
        "Outlet C",
        "right",
    ),
]


def _story_with(sentence: str) -> kp_points._Story:
    lead = Source(
        "a",
        "Spillway gate failure empties part of Lake Orrin",
        f"{sentence} Residents watched from the hills above the valley road.",
        "Outlet A",
        "left",
    )
    return kp_points._Story([lead, *OTHERS])


def _lead_value(story: kp_points._Story) -> float:
    (lead,) = [c for c in story.candidates if c.source == 0 and c.position == 1 and c.whole]
    return kp_points._value(story, lead)


def test_a_factual_sentence_is_worth_more_than_an_evaluative_one_saying_the_same() -> None:
    # The same sentence with one word swapped: a plain one, or a judgement ("horrific", -3.4
    # in the lexicon, not in the hand list). Every other feature is equal.
    typed = "A spillway gate of the Lake Orrin dam failed on Monday after weeks of steady rain."
    judged = "A spillway gate of the Lake Orrin dam failed on Monday after weeks of horrific rain."
    assert _lead_value(_story_with(typed)) > _lead_value(_story_with(judged))
    s_typed = _story_with(typed)
    s_judged = _story_with(judged)
    f_typed = kp.sentence_features(s_typed, s_typed.candidates[0])
    f_judged = kp.sentence_features(s_judged, s_judged.candidates[0])
    changed = [
        name for name, a, b in zip(kp.SENTENCE_FEATURES, f_typed, f_judged, strict=True) if a != b
    ]
    assert changed == ["evaluative", "evaluative_own"]


def test_key_points_choose_the_report_over_the_judgement() -> None:
    # Two outlets lead with the same facts, one word apart: a plain description or a judgement.
    # The judging outlet comes first (ties go to the earlier article); the points carry the
    # facts in the plain outlet's words.
    def lead(word: str) -> str:
        return (
            f"The county ordered 300 households below the {word} Lake Orrin dam to leave on Monday."
        )

    sources = [
        Source("j", "Lake Orrin dam gate fails", lead("horrific"), "Judging Daily", "left"),
        Source("p", "Lake Orrin dam gate fails", lead("earthen"), "Plain Wire", "left"),
        *OTHERS,
    ]
    points = [p.text for p in digest(sources).key_points]
    assert any("earthen" in p for p in points), points
    assert not any("horrific" in p for p in points), points


def test_the_headline_prefers_a_plain_title_over_an_evaluative_one_as_central() -> None:
    # Two titles with the same shared words, one word apart, neither word used by any other
    # title or text: the plain one is the headline although the evaluative one comes first
    # (ties go to the earlier article).
    judged = Source(
        "j",
        "Horrific spillway failure empties Lake Orrin reservoir",
        "Engineers inspected the dam on Monday. The county ordered households to leave.",
        "Outlet J",
        "left",
    )
    plain = Source(
        "p",
        "Sudden spillway failure empties Lake Orrin reservoir",
        "Engineers inspected the dam on Monday. The county ordered households to leave.",
        "Outlet P",
        "left",
    )
    result = digest([judged, plain, *OTHERS])
    assert "Horrific" not in result.headline
    story = kp_points._Story([judged, plain, *OTHERS])
    assert kp_headline._title_evaluative(story, story.title_sentences[0]) > 0.0
    assert kp_headline._title_evaluative(story, story.title_sentences[1]) == 0.0
    # A word every title shares names the event: not a penalty.
    shared = [
        replace_title(s, s.title.replace("Lake Orrin", "horrific Lake Orrin"))
        for s in (judged, plain, *OTHERS)
    ]
    story = kp_points._Story(shared)
    assert all(
        kp_headline._title_evaluative(story, t) == 0.0 for t in story.title_sentences.values()
    )


def test_a_listicle_title_is_not_the_headline() -> None:
    listicle = Source(
        "l",
        "Spillway Gate Fails, And 3 Other Takeaways From Lake Orrin",
        OTHERS[0].text,
        "Outlet L",
        "center",
    )
    assert kp_headline._title_loaded(listicle.title) >= kp.LISTICLE_PENALTY > 0
    assert "Takeaways" not in digest([listicle, *OTHERS]).headline


def test_words_that_report_an_event_are_not_evaluative() -> None:
    # "killed", "riot", "Supreme" rate strongly in the lexicon (rated out of context), but news
    # uses them to report; "shameful" judges.
    terms_of = kp_language._languages().terms("english")
    words = "the supreme court heard the riot case after two were killed".split()
    assert kp_sentences._evaluative(words, terms_of) == ()
    assert [w for w, *_ in kp_sentences._evaluative(["a", "shameful", "ruling"], terms_of)] == [
        "shameful"
    ]
    # Forms the lexicon lists only as a base ("dishonesty" -> "dishonest").
    assert [w for w, *_ in kp_sentences._evaluative(["its", "dishonesty"], terms_of)] == [
        "dishonesty"
    ]
    # A reporting word's forms report too, and are no judgement; nor is a name made of one
    # ("Carey" is not "care" + y, "Handy" not "hand" + y).
    words = "he entered illegally and was criminally charged, carey and handy said".split()
    assert kp_sentences._evaluative(words, terms_of) == ()
    # The lexicon's chat slang is no English word here: numbers ("187", "143"), letters ("l",
    # "nh") and abbreviations a report writes ("KIA" the carmaker, "VIP", "NFC").
    words = "kia recalls 143 cars in nh as vip fans of the nfc watch 187 l ly".split()
    assert kp_sentences._evaluative(words, terms_of) == ()
    assert [w for w, *_ in kp_sentences._evaluative(["a", "self-confident", "wtf"], terms_of)] == [
        "self-confident"
    ]


def replace_title(source: Source, title: str) -> Source:
    return Source(source.article_id, title, source.text, source.outlet, source.side)


SPANISH = [
    Source(
        "e1",
        "Terrible tormenta deja sin luz a la ciudad de Valdemora",
        "Una tormenta terrible dejó sin luz a la ciudad de Valdemora el lunes. Los bomberos "
        "atendieron más de 200 llamadas durante la noche. El alcalde pidió calma a los vecinos.",
        "Diario Uno",
        "left",
    ),
    Source(
        "e2",
        "Valdemora sin luz tras la tormenta del lunes",
        "La ciudad de Valdemora quedó sin luz tras la tormenta del lunes, que fue horrible y "
        "brillante según los vecinos. Los bomberos atendieron más de 200 llamadas.",
        "Diario Dos",
        "right",
    ),
]


def test_non_english_stories_are_unchanged_by_the_lexicon(monkeypatch: pytest.MonkeyPatch) -> None:
    # "terrible" and "horrible" are English lexicon words too: in Spanish they count for nothing.
    story = kp_points._Story(SPANISH)
    sentences = [*story.candidates, *story.title_sentences.values()]
    assert sentences and all(s.evaluative == () for s in sentences)
    with_lexicon = digest(SPANISH)
    kp_points._PARSED.items.clear()
    # (the lexicon's words are built once: rebuilt from the empty one, then from the shipped)
    monkeypatch.setattr(kp_sentences, "valence_lexicon", lambda: types.MappingProxyType({}))
    monkeypatch.setattr(kp_sentences, "opinion_supplement", lambda: types.MappingProxyType({}))
    kp_sentences._evaluative_words.cache_clear()
    try:
        assert kp_sentences._evaluative_words() == {}
        assert digest(SPANISH) == with_lexicon
    finally:
        kp_sentences._evaluative_words.cache_clear()
        kp_points._PARSED.items.clear()


def test_hostile_text_is_bounded_and_verbatim() -> None:
    # Markup, emoticons that are lexicon entries, a 10,000-word run of evaluative words without
    # a sentence break, control characters: the digest still holds verbatim, markup-free points.
    rant = " ".join(["horrific shameful brilliant <3 :) lousy"] * 1700)
    sources = [
        Source("h1", "<b>Horrific</b> :) gate <3 fails", f"<script>x</script> {rant}", "H", "left"),
        Source("h2", "Gate fails \x00 at dam", "\x07Brilliant!!! " * 500, "H2", "right"),
        *OTHERS,
    ]
    result = digest(sources)
    assert result.headline
    texts = {s.article_id: kp.clean(s.text) for s in sources}
    for point in result.key_points:
        assert point.text in texts[point.article_id]
        assert "<" not in point.text and "\x00" not in point.text
    assert all(p.article_id in {"b", "c"} for p in result.key_points)


def test_an_evaluative_stop_word_is_not_counted_as_one_outlets_own() -> None:
    # "great" (3.1) and "best" (3.2) are stop words: no count of the story says which articles
    # use them, so every title of "Great Lakes" read as the only one saying "great".
    titles = [
        "Great Lakes water levels hit record high",
        "Record high water on the Great Lakes",
        "Great Lakes shoreline towns brace for record water",
    ]
    sources = [
        Source(f"g{i}", title, OTHERS[0].text, f"Outlet {i}", side)
        for i, (title, side) in enumerate(zip(titles, ("left", "center", "right"), strict=True))
    ]
    story = kp_points._Story(sources)
    assert all(
        kp_headline._title_evaluative(story, t) == 0.0 for t in story.title_sentences.values()
    )
    terms_of = kp_language._languages().terms("english")
    assert kp_sentences._evaluative("the great lakes had their best year".split(), terms_of) == ()


@pytest.mark.parametrize(
    "title",
    [
        "Don't let the Lake Orrin dam fail again",
        "Yes, the Lake Orrin spillway gate failed",
        "The Lake Orrin spillway failure sure sounds like neglect",
        "Why the Lake Orrin dam actually held",
        "The county really ordered 300 households to leave",
    ],
)
def test_a_title_that_argues_is_loaded(title: str) -> None:
    assert kp_headline._title_loaded(title) >= kp.OPINION_FORM_PENALTY > 0


@pytest.mark.parametrize(
    "title",
    [
        "County orders 300 households to leave below Lake Orrin dam",
        "Engineers make sure Lake Orrin dam is sound",
        "Stormy weather empties Lake Orrin",
        "Donna Stop, 54, leads the dam inspection",
    ],
)
def test_a_title_that_reports_is_not_loaded_by_its_form(title: str) -> None:
    assert kp_headline._title_loaded(title) == 0.0


def test_the_headline_prefers_a_report_to_an_argument_with_the_same_words() -> None:
    # The argued title comes first and, without its loading, would be the headline.
    argued = Source(
        "a", "Lake Orrin dam spillway gate really failed", OTHERS[0].text, "Outlet A", "left"
    )
    plain = Source("p", "Spillway gate of Lake Orrin dam fails", OTHERS[0].text, "Outlet P", "left")
    assert digest([argued, plain, *OTHERS]).headline == plain.title
