"""Per-side framing (keypoints/side_framing.py framing()): words that carry a side's emphasis,
not its house style. Invented stories only."""

from __future__ import annotations

import re

import pytest

from service.coverage.keypoints import (
    MAX_FRAMING_POINTS,
    MAX_FRAMING_TERMS,
    MAX_TERM_CHARS,
    Source,
    clean,
    digest,
)

# A made-up story: the governor closes a chemical plant. The left article writes "Abigail
# Okafor" where the others write "Okafor" and stresses a "national emergency" and pollution; the
# right one stresses jobs and the closure.
PLANT = [
    Source(
        "l1",
        "Abigail Okafor declares national emergency over river pollution",
        "Abigail Okafor declared a national emergency over pollution in the Teal River. The "
        "national emergency lets the state shut the chemical plant upstream. Abigail Okafor "
        "said the pollution had poisoned wells along the river.",
        "Left Paper",
        "left",
    ),
    Source(
        "c1",
        "Governor Okafor orders chemical plant closed after contamination found",
        "Governor Okafor ordered the chemical plant on the Teal River closed after tests found "
        "contamination in local wells. Okafor said the plant would stay closed until the state "
        "finished its tests. The plant employs 400 workers.",
        "Center Wire",
        "center",
    ),
    Source(
        "c2",
        "Teal River plant shut by governor's order",
        "The state closed a chemical plant on the Teal River after Governor Okafor cited "
        "contamination. Workers at the plant were sent home.",
        "Center Wire Two",
        "center",
    ),
    Source(
        "r1",
        "Okafor's plant closure costs 400 jobs",
        "Governor Okafor shut the chemical plant, and its 400 workers lost their jobs. Plant "
        "owners said the closure was unlawful and vowed to sue the state. Business groups said "
        "the closure would drive jobs out of the state.",
        "Right Daily",
        "right",
    ),
]

CALENDAR = {
    "april", "august", "monday", "tuesday", "march", "day", "days", "week", "weeks", "month",
    "year", "years", "today", "three", "two", "million", "percent",
}  # fmt: skip


def _terms(side: str, sources: list[Source] = PLANT) -> list[str]:
    return list(digest(sources).framing[side].terms)


def _words(terms: list[str]) -> set[str]:
    return {w.lower() for t in terms for w in t.split()}


def test_a_first_name_the_others_leave_out_is_no_term() -> None:
    left = _terms("left")
    # "Abigail" only ever stands before "Okafor", which the other sides write on its own.
    assert "abigail" not in _words(left), left
    assert left, "the left side still has its own words"


def test_a_phrase_is_shown_as_the_phrase() -> None:
    left = _terms("left")
    assert "national emergency" in left, left
    # Its words are not repeated beside it.
    assert "national" not in left and "emergency" not in left
    assert "pollution" in left


def test_a_side_with_one_article_gets_the_words_it_repeats() -> None:
    right = _terms("right")
    assert {"jobs", "closure"} <= set(right), right
    # Each is in two of its sentences or in its title: no stray word of one sentence.
    article = PLANT[3]
    sentences = [article.title.lower(), *(s.lower() for s in article.text.split(". "))]
    for term in right:
        assert term in sentences[0] or sum(term in s for s in sentences) >= 2, term
    # No word of the story every side uses, no stop word, no outlet name.
    assert not _words(right) & {"plant", "chemical", "state", "the", "and", "right", "daily"}


def test_calendar_words_and_numbers_are_no_terms() -> None:
    sources = [
        Source(
            "l1",
            "Dockworkers strike at Port Elm",
            "Dockworkers at Port Elm began a strike in April over pay. The strike has halted "
            "three ships a day since August 2025. Union leaders said the strike would go on "
            "for weeks, and 12 percent more pay was their demand.",
            "Left Paper",
            "left",
        ),
        Source(
            "r1",
            "Port Elm shipping halted as dockworkers walk out",
            "Shipping at Port Elm was halted after dockworkers walked out over pay. Shippers "
            "said cargo was piling up at the port.",
            "Right Daily",
            "right",
        ),
    ]
    left = _terms("left", sources)
    assert "strike" in left, left
    assert not _words(left) & CALENDAR, left
    assert not any(re.search(r"\d", t) for t in left), left


def test_no_framing_for_one_side_and_sides_without_coverage_absent() -> None:
    assert digest([s for s in PLANT if s.side == "center"]).framing == {}
    two = digest([s for s in PLANT if s.side != "right"]).framing
    assert set(two) == {"left", "center"}


def test_points_are_the_sides_own_sentences_and_read_as_sentences() -> None:
    result = digest(PLANT)
    for side, framing in result.framing.items():
        assert len(framing.points) <= MAX_FRAMING_POINTS
        for point in framing.points:
            assert point.side == side
            source = next(s for s in PLANT if s.article_id == point.article_id)
            assert point.text in clean(source.text) or point.text == clean(source.title)
    right = result.framing["right"]
    assert any("closure" in p.text or "jobs" in p.text for p in right.points)


def test_the_same_framing_every_time() -> None:
    first = digest(PLANT).to_json()["framing"]
    assert all(digest(list(PLANT)).to_json()["framing"] == first for _ in range(3))


def test_hostile_texts_give_bounded_framing() -> None:
    huge = " ".join(f"word{i % 997} lorem ipsum" for i in range(10_000))
    sources = [
        Source("a", "<script>alert(1)</script> Bridge <b>closed</b>", "<p>" + huge + "</p>",
               "Left <Paper>", "left"),
        Source("b", "Bridge closed " * 200, "no sentence break " * 3000, "Center", "center"),
        Source("c", "Le pont est fermé", "Le pont de la ville est fermé depuis mardi. Les "
               "inspecteurs ont trouvé des fissures. Les fissures sont graves.", "Droite", "right"),
        Source("d", "橋が閉鎖された", "市は火曜日に橋を閉鎖した。点検で亀裂が見つかった。", "Sha", "right"),
        Source("e", "", "", None, "left"),
    ]  # fmt: skip
    result = digest(sources)
    assert set(result.framing) <= {"left", "center", "right"}
    for framing in result.framing.values():
        assert len(framing.terms) <= MAX_FRAMING_TERMS
        assert len(framing.points) <= MAX_FRAMING_POINTS
        for term in framing.terms:
            assert term and len(term) <= 2 * MAX_TERM_CHARS + 1
            assert "<" not in term and ">" not in term


def test_a_name_spelled_with_or_without_accents_is_one_name() -> None:
    sources = [
        Source(
            "l1",
            "Harbour vote goes to Vasquez",
            "Voters in Montréal backed Vasquez for the harbour board. The port of Montréal will "
            "get cleaner water, she said. Critics called the plan reckless and far too costly. "
            "Her reckless budget worries the port's owners.",
            "Left Paper",
            "left",
        ),
        Source(
            "r1",
            "Vasquez elected to harbour board",
            "Montreal voters elected Vasquez to the harbour board. Montreal's port thanked her.",
            "Right Daily",
            "right",
        ),
    ]
    framing = digest(sources).framing
    words = _words(list(framing["left"].terms) + list(framing["right"].terms))
    assert not words & {"montréal", "montreal"}, framing
    assert "reckless" in framing["left"].terms


def test_at_most_one_title_among_a_sides_points() -> None:
    for side in digest(PLANT).framing.values():
        titles = {s.title for s in PLANT}
        assert sum(p.text in titles for p in side.points) <= 1


def test_an_evaluative_word_said_once_is_still_a_term() -> None:
    sources = [
        Source(
            "l1",
            "Transit levy passes despite commuter protest",
            "The council passed the transit levy after a commuter protest outside city hall. "
            "Commuter groups said the levy would raise fares for the poorest riders. The levy "
            "vote followed a disastrous winter of cancelled trains, one protest leader said. "
            "Commuter groups plan another protest at the next council meeting.",
            "Left Paper",
            "left",
        ),
        Source(
            "r1",
            "Council approves transit levy",
            "The council approved a transit levy on Tuesday. Members said the money would pay "
            "for new trains and repairs to stations.",
            "Right Daily",
            "right",
        ),
    ]
    left = digest(sources).framing["left"].terms
    assert "disastrous" in left, left
    assert "protest" in left or "commuter" in " ".join(left), left


def test_a_term_spelled_case_does_not_clash_with_the_articles_kept_case() -> None:
    # "Casé" folds to the term "case", the key its article's capitals were once kept under: its
    # spellings overwrote them, and every later digest of the article failed.
    sources = [
        Source(
            "l1",
            "Casé under fire over flooding",
            "Critics blamed Casé for the flooding in the valley. The flooding forced thousands "
            "from their homes. At a press conference, minister Casé defended the dam plan.",
            "Left Paper",
            "left",
        ),
        Source(
            "r1",
            "Valley floods after heavy rain",
            "Heavy rain flooded the valley on Monday. Rescue teams reached stranded families by "
            "boat.",
            "Right Daily",
            "right",
        ),
    ]
    first = digest(sources).framing["left"].terms
    assert "Casé" in first, first
    assert digest(sources).framing["left"].terms == first


def test_framing_caches_keep_no_long_text() -> None:
    # A hostile "word" of thousands of letters (an article is read up to 4,000 characters): the
    # module's caches of skipped terms and foldings, and an article's kept spellings, stay
    # bounded in what they hold, not only in how many.
    from service.coverage.keypoints import points as kp_points
    from service.coverage.keypoints import side_framing as kp_framing

    long_word = "é" * 3_000 + "x"
    assert kp_framing._skip_term(long_word)
    assert kp_framing._framing_terms(frozenset([long_word, "plant"])) == frozenset(["plant"])
    assert long_word not in kp_framing._SKIP_CACHE[0]
    before = (
        kp_framing._folded_term.cache_info().currsize
        + kp_framing._folded_text.cache_info().currsize
    )
    assert kp_framing._fold(long_word) == "e" * 3_000 + "x"
    after = (
        kp_framing._folded_term.cache_info().currsize
        + kp_framing._folded_text.cache_info().currsize
    )
    assert after == before

    words = [f"wordform{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(120)]
    text = ". ".join(" ".join(words[k : k + 8]) for k in range(0, 120, 8)) + "."
    parsed = kp_points._PARSED.get("Framing cache test title", text)
    article = kp_framing._article_words(parsed)
    for term in list(article.used)[:100]:
        article.spellings(term)
    assert len(article.lazy) <= 40


def test_a_term_named_like_the_case_cache_is_framed() -> None:
    # "casings" stems to "case", the word an article's case was once kept under: its spellings
    # overwrote the article's case and the digest failed.
    sources = [
        Source(
            "l1",
            "Police find shell casings near the school",
            "Police found dozens of shell casings near the school. The casings were sent to a "
            "lab. Neighbors said the casings lay on the sidewalk for hours.",
            "Left Paper",
            "left",
        ),
        Source(
            "l2",
            "Shell casings found after the shooting",
            "Officers collected shell casings after the shooting. Investigators say the casings "
            "match a rifle. The school stayed closed as the casings were examined.",
            "Left Daily",
            "left",
        ),
        Source(
            "r1",
            "Sheriff says suspect in school shooting arrested",
            "The sheriff said a suspect was arrested after the shooting near the school. The "
            "sheriff praised the deputies. The school will reopen next week.",
            "Right Times",
            "right",
        ),
    ]
    first = digest(sources)
    assert "casings" in first.framing["left"].terms, first.framing["left"].terms
    assert digest(sources) == first  # (the second time from the kept parse and case)


def test_an_outlet_named_by_its_host_is_no_term() -> None:
    # The store names outlets by host ("cnn.com", "foxnews.com"), the CLI by name: either way
    # an outlet's name in its own articles ("CNN reported", "told Fox News") is no framing term.
    def story(left: str, right: str) -> list[Source]:
        return [
            Source(
                "l1",
                "CNN: Senate passes border bill after all-night session",
                "The Senate passed the border bill after an all-night session, CNN reported. Two "
                "senators told CNN the vote was close. The border bill now goes to the House, "
                "where CNN expects a fight.",
                left,
                "left",
            ),
            Source(
                "r1",
                "Fox News: Senate approves border package",
                "The Senate approved the border package on Tuesday, Fox News learned. "
                "Republicans told Fox News the package was too weak. The border package goes to "
                "the House next.",
                right,
                "right",
            ),
        ]

    by_name = digest(story("CNN", "Fox News")).framing
    by_host = digest(story("cnn.com", "www.foxnews.com")).framing
    for framing in (by_name, by_host):
        words = _words([t for side in framing.values() for t in side.terms])
        assert not words & {"cnn", "fox", "news"}, framing
    assert {s: f.terms for s, f in by_host.items()} == {s: f.terms for s, f in by_name.items()}


def test_the_skip_cache_filling_up_lets_no_skipped_term_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # When the cache of skip verdicts is full it starts again empty: a term judged (skipped)
    # before must still be skipped in the sentence that fills it.
    from service.coverage.keypoints import side_framing as kp_framing

    monkeypatch.setattr(kp_framing, "MAX_SKIP_CACHE", 3)
    monkeypatch.setattr(kp_framing, "_SKIP_CACHE", (set(), set()))
    assert kp_framing._framing_terms(frozenset(["said"])) == frozenset()
    kept = kp_framing._framing_terms(frozenset(["said", "plant", "river", "closur", "monday"]))
    assert kept == frozenset(["plant", "river", "closur"])
