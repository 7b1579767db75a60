"""Tighter spans of sentences and titles (service/coverage/spans.py): each rule, and that every
span is a verbatim, readable part of what it came from, whatever the input."""

from __future__ import annotations

import random
import string

import pytest

from service.coverage import keypoints as kp
from service.coverage.keypoints import Source, clean, digest, word_count
from service.coverage.keypoints import sentences as kp_sentences
from service.coverage.spans import (
    MAX_SPANS,
    MIN_SPAN_WORDS,
    MIN_TITLE_WORDS,
    english_head,
    english_spans,
    english_title_spans,
    spans,
    title_sentence_end,
    title_spans,
    without_lead_in,
)

_BROKEN_ENDS = (",", ";", ":", "—", "–", "-", "(", "“", "‘")


def _assert_readable(span: str, whole: str, least: int = MIN_SPAN_WORDS) -> None:
    assert span and span == span.strip()
    assert span in whole  # verbatim
    assert len(span.split()) >= least
    first = span.lstrip('"“‘«')[:1]
    assert first.isupper() or first.isdigit(), span
    assert not span.endswith(_BROKEN_ENDS), span
    assert span.count("(") == span.count(")") and span.count("“") == span.count("”"), span
    assert span.count('"') % 2 == 0, span
    last = span.rstrip(".!?\"”’')]»").rsplit(" ", 1)[-1].lower()
    assert last not in {"the", "a", "and", "of", "to", "said", "according"}, span


def _check(sentence: str) -> list[str]:
    out = english_spans(sentence)
    for span in out:
        _assert_readable(span, sentence)
        assert span != sentence
    assert len(out) == len(set(out)) <= MAX_SPANS
    return out


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Datelines and wire credits.
        (
            "WASHINGTON (AP) — The Senate passed the harbor bill on Tuesday by 60 votes to 38.",
            "The Senate passed the harbor bill on Tuesday by 60 votes to 38.",
        ),
        (
            "MONSEY, N.Y. (AP) — A storm flooded the village streets and closed two schools.",
            "A storm flooded the village streets and closed two schools.",
        ),
        (
            "(CNN)Harbor City closed its main bridge after inspectors found cracks on Tuesday.",
            "Harbor City closed its main bridge after inspectors found cracks on Tuesday.",
        ),
        (
            "Washington (CNN) -- The mayor signed the repair order for the bridge on Friday.",
            "The mayor signed the repair order for the bridge on Friday.",
        ),
        (
            "NEW YORK — Transit officials said the subway line would reopen by Monday morning.",
            "Transit officials said the subway line would reopen by Monday morning.",
        ),
        # A leading connective before a capitalised word.
        (
            "But Mayor Ana Ruiz said the repairs would take at least six more weeks.",
            "Mayor Ana Ruiz said the repairs would take at least six more weeks.",
        ),
        (
            "Meanwhile, Las Vegas matched its record high of 117 degrees on Saturday.",
            "Las Vegas matched its record high of 117 degrees on Saturday.",
        ),
        # A trailing attribution.
        (
            "The unemployment rate rose slightly to 5.9% in June, the Bureau of Labor "
            "Statistics reported Friday.",
            "The unemployment rate rose slightly to 5.9% in June",
        ),
        (
            "The city will close the bridge for six weeks of repairs, officials said on Monday.",
            "The city will close the bridge for six weeks of repairs",
        ),
        (
            "The company paid the hackers a ransom of $4.4 million, according to a report.",
            "The company paid the hackers a ransom of $4.4 million",
        ),
        # Both: the attribution off, then the clause before it.
        (
            "Eight people were shot at a warehouse in Harbor City on Tuesday, before the "
            "gunman fled, police said.",
            "Eight people were shot at a warehouse in Harbor City on Tuesday",
        ),
        # A trailing clause that adds to what the sentence says.
        (
            "The governor signed the budget on Friday, which raises teacher pay by four percent.",
            "The governor signed the budget on Friday",
        ),
        (
            "Police arrested two men in the robbery on Sunday, citing video from a nearby store.",
            "Police arrested two men in the robbery on Sunday",
        ),
        # A leading phrase before a capitalised subject.
        (
            "On Wednesday, President Ruiz signed the bridge repair order in Harbor City.",
            "President Ruiz signed the bridge repair order in Harbor City.",
        ),
        # Clauses at a semicolon or a dash.
        (
            "The House passed the bill by 364 votes to 62; every vote against it came from "
            "Republicans.",
            "The House passed the bill by 364 votes to 62",
        ),
        (
            "The House passed the bill by 364 votes to 62; Republicans voted against it as a bloc.",
            "Republicans voted against it as a bloc.",
        ),
        (
            "Why it matters: The closure sends 40,000 vehicles a day over the Dock Road crossing.",
            "The closure sends 40,000 vehicles a day over the Dock Road crossing.",
        ),
        (
            "The outgoing governor pardoned 428 people -- including some violent offenders -- "
            "in his last month in office.",
            "The outgoing governor pardoned 428 people",
        ),
    ],
)
def test_each_rule_gives_a_readable_verbatim_span(sentence: str, expected: str) -> None:
    # A dateline or leading connective goes from the sentence itself (english_head); a cut
    # gives a span beside it.
    assert expected == english_head(sentence) or expected in _check(sentence)
    assert english_head(sentence) in sentence


@pytest.mark.parametrize(
    "sentence",
    [
        # Cutting would break a quotation, leave a bare name or a fragment.
        '"We will rebuild the bridge before winter comes," he said.',
        "Chairman Bennie Thompson, D-Miss., and Rep. John Katko of New York, who lead the panel.",
        "He left, according to aides.",  # what is left is too short to stand
        "the mayor said the bridge would close, officials said.",  # no capital start
        "The vote was 50 to 50; and then the vice president broke the tie in the chamber.",
        "Sen. Joe Manchin, D-W.Va., and others unveiled the bill on Tuesday.",
        # A leading phrase without the clause it leads into.
        "By injecting campaign rhetoric into the holiday visit with troops -- his first trip "
        "to a war zone -- President Ruiz broke with custom.",
        # A quotation after a colon would lose who said it.
        'The mayor said: "The bridge will reopen before the winter comes."',
        # The clause cut off is an aside: what is before it is only the subject.
        "The sweeping bill backed by Democrats, which the Senate now takes up, would expand "
        "voting by mail.",
    ],
)
def test_no_broken_spans(sentence: str) -> None:
    for span in _check(sentence):
        assert not span.startswith(("and ", "then")), span
        assert span not in {"Sen. Joe Manchin, D-W.Va.", "He left"}
    assert _check('"We will rebuild the bridge before winter comes," he said.') == []
    assert _check('The mayor said: "The bridge will reopen before the winter comes."') == []
    assert (
        english_spans(
            "Chairman Bennie Thompson, D-Miss., and Rep. John Katko of New York, who lead the panel."
        )
        == []
    )


def test_a_sentence_that_needs_no_trimming_has_no_spans() -> None:
    assert _check("Harbor City closed the Main Street bridge on Tuesday.") == []


def test_spans_are_english_only() -> None:
    sentence = "WASHINGTON (AP) — The Senate passed the harbor bill on Tuesday, officials said."
    assert english_spans(sentence) and english_head(sentence) != sentence
    # The same text in an article read as German keeps its whole sentence.
    assert spans(sentence, "german") == []
    assert without_lead_in(sentence, "german") == sentence
    assert without_lead_in(sentence, "english") == english_head(sentence)
    assert spans(sentence, "english") == english_spans(sentence)
    assert title_spans("Biden signs the harbor bill: what it means", "spanish") == []
    assert title_spans("Biden signs the harbor bill: what it means", "english")


def test_lead_in_is_removed_only_where_the_rest_reads_whole() -> None:
    assert english_head("But Mayor Ruiz said the bridge would reopen in six weeks.") == (
        "Mayor Ruiz said the bridge would reopen in six weeks."
    )
    # "But the ..." would start in lower case; "(CNN) Short." would be too short to stand.
    kept = "But the mayor said the bridge would reopen in six weeks."
    assert english_head(kept) == kept
    assert english_head("(CNN) Storm hits.") == "(CNN) Storm hits."
    assert english_head("") == ""


def test_hostile_inputs_give_verbatim_spans_or_none() -> None:
    rng = random.Random(16)
    alphabet = string.ascii_letters + string.digits + " ,;:.-—–()\"“”'’!?<>&—|\u00e9\u4e2d\x00"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        _check(text)
        assert english_head(text) in text
        for span in english_title_spans(text):
            _assert_readable(span, text, MIN_TITLE_WORDS)
    assert english_spans("") == [] and english_title_spans("") == []
    assert english_spans(", , , ; — —") == []
    # Long runs without a break and many cut points stay bounded and verbatim.
    unbroken = " ".join(["Bridge closure detour, officials said"] * 2000)
    for span in _check(unbroken):
        assert span in unbroken
    assert len(english_title_spans("Harbor: " * 200)) <= 400
    # Thousands of cut points: a bounded number tried, every span still verbatim and whole.
    many = "; ".join(["The mayor closed the old bridge on Tuesday"] * 500)
    assert _check(many) == ["The mayor closed the old bridge on Tuesday"]
    many = "The mayor closed the old bridge" + ", according to the city" * 300 + "."
    assert all(span in many for span in _check(many))
    # (an aside the sentence resumes after, 300 times: no cut is safe)
    assert _check("The mayor closed the old bridge" + ", which was cracked" * 300 + ".") == []
    markup = "<b>The mayor</b> closed the bridge on Tuesday, <i>officials said</i>."
    for span in _check(markup):
        assert span in markup


def test_title_spans() -> None:
    assert "US adds 559,000 jobs in May" in english_title_spans(
        "US adds 559,000 jobs in May as fears of hiring slowdown fade"
    )
    assert "Job openings soar to record high 9.3 million" in english_title_spans(
        "Job openings soar to record high 9.3 million, raising fears of labor shortage"
    )
    # A kicker or an outlet's name around the headline proper.
    assert "Biden is wrong about the border" in english_title_spans(
        "Opinion: Biden is wrong about the border"
    )
    assert "Harbor City closes its main bridge" in english_title_spans(
        "Harbor City closes its main bridge | Harbor Daily News"
    )
    # Never a span holding a second break, and never one that ends hanging; the first of two
    # sentences ("X. Here's what we know.": a deck) is offered whole, without its full stop.
    spans_ = english_title_spans(
        "Eric Adams is leading, but the race for mayor isn't decided. Here's what we know."
    )
    assert spans_ == [
        "Eric Adams is leading",
        "Eric Adams is leading, but the race for mayor isn't decided",
    ]
    for title in (
        "Rockets kill 2 Israelis; 28 die in Gaza as Israel hits Hamas",
        "Senate passes bill to counter China",
        "Biden: The vote on the bill will be close",
    ):
        for span in english_title_spans(title):
            _assert_readable(span, title, MIN_TITLE_WORDS)


def test_points_made_of_spans_stay_verbatim_in_their_articles() -> None:
    sources = [
        Source(
            "a",
            "Harbor City closes Main Street bridge as inspectors find cracks",
            "WASHINGTON (AP) — Harbor City closed the Main Street bridge on Tuesday, officials "
            "said. Inspectors found cracks in two steel girders of the bridge, according to a "
            "state report. But Mayor Ana Ruiz said repairs would take at least six weeks; "
            "Detours will send traffic over the Dock Road crossing.",
            "Wire",
            "center",
        ),
        Source(
            "b",
            "Main Street bridge shut after cracks found",
            "Harbor City shut the Main Street bridge on Tuesday after inspectors found cracks "
            "in two steel girders, which carry the deck. Mayor Ana Ruiz said repairs would take "
            "six weeks, the city said in a statement.",
            "Left Paper",
            "left",
        ),
        Source(
            "c",
            "Cracked girders close Harbor City bridge for six weeks",
            "Inspectors found cracks in two girders of the Main Street bridge in Harbor City, "
            "which closed it on Tuesday. Repairs will take at least six weeks, Mayor Ana Ruiz "
            "said.",
            "Right Daily",
            "right",
        ),
    ]
    result = digest(sources)
    assert 3 <= len(result.key_points) <= kp.MAX_POINTS
    for point in result.key_points:
        article = next(s for s in sources if s.article_id == point.article_id)
        assert point.text in clean(article.text), point.text
        assert not point.text.startswith(("WASHINGTON", "But ", "(")), point.text
        assert not point.text.endswith(_BROKEN_ENDS), point.text
    assert any(result.headline in s.title for s in sources)
    # At least one point is a tighter span than its sentence (the rules do reach the points).
    sentences = {s for src in sources for _, s in kp.split_sentences(clean(src.text))}
    assert any(p.text not in sentences for p in result.key_points)


def test_cut_off_and_long_sentences_give_only_whole_clauses() -> None:
    # An excerpt's last sentence is cut mid-clause; another runs past a point's length. Spans
    # before a comma of either can be points, but never the cut-off end.
    cut_off = (
        "Harbor City closed the Main Street bridge on Tuesday, which carries 40,000 vehicles "
        "a day; Commuters now face long detours over the Dock Road crossing while state crews"
    )
    long = (
        "State inspectors found cracks in two steel girders of the Main Street bridge in "
        "Harbor City on Monday, prompting a closure that officials said could last six weeks "
        "while crews from three counties replace the girders, reinforce the deck and rebuild "
        "the approach ramps that were damaged in the winter storms of the last two years."
    )
    assert word_count(long) > kp.MAX_POINT_WORDS
    sources = [
        Source("a", "Main Street bridge closed", "The bridge is old. " + cut_off, "A", "center"),
        Source("b", "Cracks close bridge", long, "B", "left"),
        Source(
            "c",
            "Bridge shut for six weeks",
            "The Main Street bridge in Harbor City "
            "closed on Tuesday after cracks were found in two girders.",
            "C",
            "right",
        ),
    ]
    texts = {s.article_id: clean(s.text) for s in sources}
    parsed = [kp_sentences._parse(s.title, s.text) for s in sources]
    spans_a = [c.text for c in parsed[0].candidates if not c.whole]
    spans_b = [c.text for c in parsed[1].candidates if not c.whole]
    assert "Harbor City closed the Main Street bridge on Tuesday" in spans_a
    assert not any(cut_off.endswith(t) for t in spans_a)
    assert all(word_count(t) <= kp.MAX_POINT_WORDS for t in spans_a + spans_b)
    assert (
        "State inspectors found cracks in two steel girders of the Main Street bridge in "
        "Harbor City on Monday" in spans_b
    )
    for point in digest(sources).key_points:
        assert point.text in texts[point.article_id]
        assert not cut_off.endswith(point.text) and point.text != long


def test_a_title_of_two_sentences_offers_its_first() -> None:
    assert "Inflation is up again" in english_title_spans("Inflation is up again. Here is why.")
    assert "The county closed the Main Street bridge" in english_title_spans(
        "The county closed the Main Street bridge. Here's how to get around."
    )
    # Abbreviations and initials end no sentence.
    for title in (
        "Former Va. Sen. Ada Holm dies at 94 in Norfolk",
        "Justice Dept. IG to review the Harbor City bridge contract",
        "George H.W. Bush library opens new wing in College Station",
    ):
        assert title_sentence_end(title) is None, title


def test_a_title_cut_after_a_verb_of_saying_gives_neither_part() -> None:
    # "Mayor Tells Council" has lost what was said; "Bridge Will Reopen in May" who said it.
    spans_ = english_title_spans(
        "Harbor City Mayor Tells Council: Main Street Bridge Will Reopen in May"
    )
    assert "Harbor City Mayor Tells Council" not in spans_
    assert "Main Street Bridge Will Reopen in May" not in spans_
    # A colon after a topic is still cut (the part after it stands).
    assert "Main Street bridge will reopen in May" in english_title_spans(
        "Harbor City repairs: Main Street bridge will reopen in May"
    )


def test_a_question_title_gives_no_head_cut_before_its_end() -> None:
    spans_ = english_title_spans("Did the Mayor Say the Bridge Was Safe, Weeks Before It Cracked?")
    assert "Did the Mayor Say the Bridge Was Safe" not in spans_


def test_a_claim_after_its_source_and_colon_is_not_offered_alone() -> None:
    # Stated alone, the claim would read as the headline's fact.
    for title in (
        "Ada Holm: Main Street bridge will reopen in May",
        "Sen. Ada Holm: The bridge repairs are going to be late",
        "DOT: Kessel River bridge cracks were missed in 2019",
        "Report: Harbor City paid inspectors twice for one visit",
        "‘We will rebuild’: Mayor says at the bridge on Tuesday",
    ):
        tail = title.split(": ", 1)[1]
        assert tail not in english_title_spans(title), title
    # A desk's label is no source either.
    for title in (
        "AP FACT CHECK: Harbor City mayor's bridge figures",
        "Scoop: Harbor City to name new bridge inspector",
    ):
        assert title.split(": ", 1)[1] in english_title_spans(title), title
    # A topic before the colon is no source: the headline after it stands alone.
    assert "Council votes to close the Main Street bridge" in english_title_spans(
        "Bridge report: Council votes to close the Main Street bridge"
    )
    assert "Six hurt as storm hits Harbor City" in english_title_spans(
        "Harbor City storm: Six hurt as storm hits Harbor City"
    )
