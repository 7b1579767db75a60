"""Story key points, neutral headline and framing (service/coverage/keypoints/)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from service.cli.coverage import summarize
from service.coverage import keypoints as kp
from service.coverage.keypoints import (
    MAX_POINT_WORDS,
    MAX_POINTS,
    MAX_WORDS,
    NEAR_DUPLICATE,
    Source,
    clean,
    detect_language,
    digest,
    lead_baseline,
    split_sentences,
    word_budget,
    word_count,
)
from service.coverage.keypoints import language as kp_language
from service.coverage.keypoints import points as kp_points
from service.coverage.keypoints import sentences as kp_sentences

# A made-up event told by four outlets: what happened, who and where, then reactions.
BRIDGE = [
    Source(
        "c1",
        "Harbor City closes Main Street bridge after inspectors find cracks",
        "Harbor City closed the Main Street bridge on Tuesday after state inspectors found "
        "cracks in two of its steel girders. The bridge carries about 40,000 vehicles a day "
        "across the Kessel River. Mayor Ana Ruiz said repairs would take at least six weeks. "
        "Detours will send traffic over the Dock Road crossing.",
        "Center Wire",
        "center",
    ),
    Source(
        "l1",
        "Cracked girders shut Main Street bridge as commuters face six weeks of detours",
        "State inspectors found cracks in two steel girders of the Main Street bridge, and "
        "Harbor City closed it on Tuesday. Commuters who cross the Kessel River face at least "
        "six weeks of detours, Mayor Ana Ruiz said. Transit advocates said the closure showed "
        "years of deferred maintenance.",
        "Left Paper",
        "left",
    ),
    Source(
        "r1",
        "Mayor Ruiz shuts bridge, blames state for years of delay",
        "Harbor City shut the Main Street bridge on Tuesday after inspectors found cracked "
        "girders. Mayor Ana Ruiz blamed the state for delaying a $12 million repair grant. "
        "Local business owners warned the six-week closure would cost them customers.",
        "Right Daily",
        "right",
    ),
    Source(
        "c2",
        "Main Street bridge closed for repairs",
        "The Main Street bridge in Harbor City closed Tuesday after inspectors found cracks in "
        "two girders. About 40,000 vehicles use the bridge each day.",
        "Center Wire 2",
        "center",
    ),
]


def _article_of(sources: list[Source], article_id: str) -> Source:
    return next(s for s in sources if s.article_id == article_id)


def _assert_attributed(sources: list[Source], points: tuple[kp.KeyPoint, ...]) -> None:
    for point in points:
        source = _article_of(sources, point.article_id)
        assert point.outlet == source.outlet and point.side == source.side
        # Verbatim: the sentence occurs in the article it names (whitespace collapsed).
        assert point.text in clean(source.text) or point.text == clean(source.title), point.text


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3}


def test_key_points_are_verbatim_attributed_and_bounded() -> None:
    result = digest(BRIDGE)
    assert 3 <= len(result.key_points) <= MAX_POINTS
    _assert_attributed(BRIDGE, result.key_points)
    assert sum(word_count(p.text) for p in result.key_points) <= MAX_WORDS
    # More than one outlet speaks: the points are the coverage's, not one article's.
    assert len({p.article_id for p in result.key_points}) >= 2
    # The event itself (the closure and its cause) is among the points.
    joined = " ".join(p.text for p in result.key_points).lower()
    assert "cracks" in joined or "cracked" in joined
    assert "bridge" in joined


def test_word_budget_follows_how_much_the_coverage_says() -> None:
    assert word_budget(0) == kp.MIN_BUDGET_WORDS == 60
    assert word_budget(150) == 75
    assert word_budget(10_000) == MAX_WORDS
    # Short texts: the points stay within the smaller budget; long ones may use up to 100.
    short = digest(BRIDGE[:2])
    texts = sum(word_count(clean(s.text)) for s in BRIDGE[:2])
    assert sum(word_count(p.text) for p in short.key_points) <= word_budget(texts) < MAX_WORDS
    filler = (
        " Crews from three counties joined the state inspectors on the bridge deck on Wednesday."
        " Engineers tested every girder of the Main Street bridge with ultrasound scanners."
        " The Kessel River crossing opened in 1962 and was last rebuilt in 1994."
    )
    long = [replace(s, text=s.text + filler * 4) for s in BRIDGE]
    points = digest(long).key_points
    words = sum(word_count(p.text) for p in points)
    # About 60-100 words where the sentences allow it (the short story's budget is below 60).
    assert kp.MIN_SET_WORDS <= words <= MAX_WORDS
    assert 3 <= len(points) <= MAX_POINTS


def test_points_carry_what_the_coverage_shares_over_an_aside() -> None:
    # Every article tells of the closure; one leads with an aside no one else mentions: the
    # points open with the closure, and the aside (if words are left for it) comes after.
    aside = "A local bakery handed out free coffee to drivers stuck in the long morning queues."
    sources = [replace(BRIDGE[0], text=aside + " " + BRIDGE[0].text), *BRIDGE[1:]]
    points = [p.text for p in digest(sources).key_points]
    assert aside not in points[:3]
    assert any("cracks" in p or "cracked" in p for p in points[:2])


def test_no_duplicate_or_near_duplicate_points() -> None:
    # A wire story carried by three outlets with trivial edits, plus one original report.
    wire = (
        "The central bank raised its main interest rate by half a point to 4.5 percent on "
        "Thursday, its third increase this year. Governor Lena Park said inflation remained "
        "too high. Markets had expected the move."
    )
    sources = [
        Source("w1", "Central bank raises rates to 4.5%", wire, "Wire A"),
        Source(
            "w2",
            "Central bank raises interest rate again",
            wire.replace("Thursday", "Thursday"),
            "Wire B",
        ),
        Source(
            "w3",
            "Bank lifts rate half a point",
            wire.replace("The central bank", "The country's central bank"),
            "Wire C",
        ),
        Source(
            "o1",
            "Rate rise squeezes first-time buyers",
            "Mortgage lenders began repricing fixed-rate deals within hours of the decision. "
            "Brokers said first-time buyers would be hit hardest by the higher rates.",
            "Own Reporting",
        ),
    ]
    result = digest(sources)
    texts = [p.text for p in result.key_points]
    assert len(texts) == len(set(texts))
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            wa, wb = _content_words(a), _content_words(b)
            assert len(wa & wb) / min(len(wa), len(wb)) <= max(NEAR_DUPLICATE, 0.6), (a, b)


def test_one_article_story() -> None:
    only = [BRIDGE[0]]
    result = digest(only)
    assert result.headline == BRIDGE[0].title
    assert 3 <= len(result.key_points) <= MAX_POINTS
    _assert_attributed(only, result.key_points)
    assert result.framing == {}
    # What happened comes first.
    assert result.key_points[0].text.startswith("Harbor City closed the Main Street bridge")


def test_titles_only_story_uses_distinct_titles() -> None:
    sources = [Source(s.article_id, s.title, "", s.outlet, s.side) for s in BRIDGE]
    sources.append(Source("dup", BRIDGE[0].title, "", "Copycat"))
    result = digest(sources)
    assert result.headline in {s.title for s in sources}
    assert 1 <= len(result.key_points) <= MAX_POINTS
    texts = [p.text for p in result.key_points]
    assert len(set(texts)) == len(texts)
    for point in result.key_points:
        assert point.text == _article_of(sources, point.article_id).title


def test_a_title_too_long_to_keep_whole_is_cut_at_a_word_end() -> None:
    words = " ".join(f"Harbor{i} council" for i in range(60))  # about 900 characters
    sources = [Source("a", words, "", "Center Wire"), Source("b", words + " again", "", "Left")]
    result = digest(sources)
    shown = [result.headline, *(p.text for p in result.key_points)]
    assert all(shown)
    for text in shown:
        assert len(text) <= kp.MAX_TITLE_CHARS
        assert words.startswith(text)
        # The character after the shown part is a space: no word is split.
        assert words[len(text)] == " "
    # Text written without spaces is cut at the limit, still a prefix of the title.
    spaceless = "橋" * 1000
    head = digest([Source("c", spaceless, "", "Paper")]).headline
    assert head and spaceless.startswith(head) and len(head) <= kp.MAX_TITLE_CHARS


def test_empty_and_blank_stories() -> None:
    assert digest([]).to_json() == {"headline": "", "key_points": [], "framing": {}}
    blank = digest([Source("x", "   ", "  \n ")])
    assert blank.headline == "" and blank.key_points == ()


def test_headline_is_representative_and_not_loaded_not_simply_the_first() -> None:
    sources = [
        Source(
            "a",
            "OUTRAGE: Mayor SLAMS state as bridge disaster leaves city stranded!",
            BRIDGE[2].text,
            "A",
            "right",
        ),
        *BRIDGE[:2],
        BRIDGE[3],
    ]
    result = digest(sources)
    assert result.headline != sources[0].title
    # One of the plain titles, or a tighter span of one (its trailing clause cut).
    assert any(result.headline in s.title for s in BRIDGE), result.headline
    assert result.headline.startswith(("Harbor City closes", "Main Street", "Cracked girders"))
    # A question or an opinion kicker is not the headline when a plain report exists.
    sources = [
        Source("q", "Is Harbor City's bridge closure the end of Main Street?", BRIDGE[1].text),
        Source(
            "p", "Opinion: Main Street bridge closure shows we neglected bridges", BRIDGE[2].text
        ),
        Source("n", "Harbor City closes Main Street bridge after cracks found", BRIDGE[0].text),
    ]
    # (the plain report, or its span without the trailing "after ..." clause)
    assert digest(sources).headline.startswith("Harbor City closes Main Street bridge")


def test_headline_prefers_the_words_the_other_titles_share() -> None:
    # The first title repeats what every text says; the others agree on what the story is
    # (a budget deal signed by the governor): the headline is one of theirs.
    texts = (
        "Teacher pay rises and property taxes fall for homeowners under the plan signed on "
        "Friday by Governor Dana Holt.",
        "Governor Dana Holt signed the plan on Friday: teacher pay rises by four percent and "
        "property taxes fall for homeowners.",
        "Homeowners see property taxes fall and teacher pay rises under the plan Governor Dana "
        "Holt signed on Friday.",
    )
    sources = [
        Source("a", "Teacher pay rises as property taxes fall for homeowners", texts[0]),
        Source("b", "Holt signs budget deal with legislature", texts[1]),
        Source("c", "Governor signs budget deal", texts[2]),
        Source("d", "Budget deal signed by governor", texts[1]),
    ]
    assert digest(sources).headline == "Governor signs budget deal"


def test_framing_per_side_with_sources_and_nothing_for_one_side() -> None:
    result = digest(BRIDGE)
    assert set(result.framing) == {"left", "center", "right"}
    right = result.framing["right"]
    assert right.articles == 1
    assert right.points and all(p.side == "right" for p in right.points)
    _assert_attributed(BRIDGE, right.points)
    assert any(
        t in ("blamed", "grant", "state", "business", "delay", "delaying") for t in right.terms
    )
    left = result.framing["left"]
    assert all(p.side == "left" for p in left.points)
    # Terms read as words (or a two-word phrase), not stems.
    assert all(
        re.fullmatch(r"[\w$'’.-]+(?: [\w$'’.-]+)?", t)
        for side in result.framing.values()
        for t in side.terms
    )
    # One side only, or no rated side: no framing at all; a side without coverage is absent.
    assert digest([s for s in BRIDGE if s.side == "center"]).framing == {}
    two = digest([s for s in BRIDGE if s.side != "right"])
    assert set(two.framing) == {"left", "center"}


def test_non_english_stories() -> None:
    french = [
        Source(
            "f1",
            "Le pont de la rue Principale fermé après la découverte de fissures",
            "La ville de Port-Havre a fermé mardi le pont de la rue Principale après que des "
            "inspecteurs ont découvert des fissures dans deux poutres. Environ 40 000 véhicules "
            "l'empruntent chaque jour. Les travaux dureront au moins six semaines, selon la maire.",
            "Le Quotidien",
        ),
        Source(
            "f2",
            "Fissures sur le pont : la rue Principale fermée six semaines",
            "Des fissures dans deux poutres du pont de la rue Principale ont conduit la ville à le "
            "fermer mardi. La maire Ana Ruiz a annoncé six semaines de travaux. Les commerçants "
            "craignent une baisse de fréquentation.",
            "L'Hebdo",
        ),
    ]
    german = [
        Source(
            "g1",
            "Brücke in der Hauptstraße nach Rissen gesperrt",
            "Die Stadt hat am Dienstag die Brücke in der Hauptstraße gesperrt, nachdem Prüfer "
            "Risse in zwei Stahlträgern gefunden hatten. Täglich fahren etwa 40.000 Fahrzeuge "
            "über die Brücke. Die Reparatur dauert nach Angaben der Bürgermeisterin sechs Wochen.",
        )
    ]
    chinese = [
        Source(
            "z1",
            "主街大桥发现裂缝后封闭",
            "市政府周二封闭了主街大桥。检查人员在两根钢梁上发现了裂缝。维修工作将持续至少六周。",
        ),
        Source(
            "z2",
            "主街大桥因钢梁裂缝封闭六周",
            "检查人员在主街大桥的两根钢梁上发现裂缝后，市政府周二宣布封闭大桥。每天约有四万辆车通过该桥。",
        ),
    ]
    russian = [
        Source(
            "r1",
            "Мост на Главной улице закрыт из-за трещин",
            "Городские власти во вторник закрыли мост на Главной улице после того, как "
            "инспекторы обнаружили трещины в двух стальных балках. Ремонт займет не менее "
            "шести недель.",
        )
    ]
    assert detect_language(french[0].text) == "french"
    assert detect_language(german[0].text) == "german"
    assert detect_language(chinese[0].text) == "chinese"
    assert detect_language(russian[0].text) == "russian"
    assert detect_language(BRIDGE[0].text) == "english"
    for sources in (french, german, chinese, russian):
        result = digest(sources)
        assert result.key_points, sources[0].title
        assert result.headline in {s.title for s in sources}
        _assert_attributed(sources, result.key_points)
        assert sum(word_count(p.text) for p in result.key_points) <= MAX_WORDS
    # Chinese splits on its own full stops, without spaces.
    assert [s for _, s in split_sentences(chinese[0].text)] == [
        "市政府周二封闭了主街大桥。",
        "检查人员在两根钢梁上发现了裂缝。",
        "维修工作将持续至少六周。",
    ]


def test_sentence_splitting_keeps_abbreviations_and_initials() -> None:
    text = (
        "Sen. John F. Kerry met U.S. officials on Jan. 5 in Washington. "
        "The talks ended at 5 p.m. without a deal. Mr. Kerry left."
    )
    assert [s for _, s in split_sentences(text)] == [
        "Sen. John F. Kerry met U.S. officials on Jan. 5 in Washington.",
        "The talks ended at 5 p.m. without a deal.",
        "Mr. Kerry left.",
    ]
    for start, sentence in split_sentences(text):
        assert text[start : start + len(sentence)] == sentence


def test_hostile_text_markup_huge_and_unbroken() -> None:
    markup = Source(
        "m",
        "Bridge closed <b>after</b> cracks",
        "<script>alert('x')</script> Harbor City closed the <a href='x'>Main Street</a> bridge "
        "on Tuesday. &lt;b&gt; Inspectors found cracks in two girders of the old bridge. "
        "The bridge carries 40,000 vehicles a day across the Kessel River.",
    )
    result = digest([markup, BRIDGE[0]])
    for point in result.key_points:
        assert "<" not in point.text and "&lt;" not in point.text
    _assert_attributed([markup, BRIDGE[0]], result.key_points)

    huge_text = " ".join(
        f"Sentence {i} of the report says the bridge inspection found item {i}." for i in range(800)
    )  # ~10,000 words
    assert len(huge_text.split()) >= 9_000
    huge = Source("h", "Bridge report runs to ten thousand words", huge_text)
    result = digest([huge, BRIDGE[1]])
    assert result.key_points and sum(word_count(p.text) for p in result.key_points) <= MAX_WORDS
    _assert_attributed([huge, BRIDGE[1]], result.key_points)

    unbroken = Source("u", "A wall of words", " ".join(["bridge closure detour"] * 4000))
    result = digest([unbroken])
    # No sentence of readable length exists, so the title stands in; nothing longer is shown.
    assert [p.text for p in result.key_points] == ["A wall of words"]
    result = digest([unbroken, BRIDGE[0]])
    assert all(word_count(p.text) <= MAX_POINT_WORDS for p in result.key_points)
    assert all(p.article_id == "c1" for p in result.key_points)

    weird = Source(
        "w",
        "Control\x00 characters\x1b and \ud800 lone surrogates",
        "Harbor\x00 City closed the bridge \ud800 on Tuesday after cracks were found. " * 3,
    )
    result = digest([weird, BRIDGE[0]])
    encoded = json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")
    assert b"\x00" not in encoded
    _assert_attributed([weird, BRIDGE[0]], result.key_points)


def test_large_story_is_bounded_and_deterministic() -> None:
    sources = [
        Source(f"a{i}", s.title, s.text, f"{s.outlet} {i % 40}", s.side)
        for i in range(130)
        for s in BRIDGE[i % 4 : i % 4 + 1]
    ]
    first = digest(sources)
    again = digest(list(sources))
    assert first == again
    assert len(first.key_points) <= MAX_POINTS
    assert sum(word_count(p.text) for p in first.key_points) <= MAX_WORDS
    _assert_attributed(sources, first.key_points)


def test_lead_baseline_is_first_sentences_and_first_title() -> None:
    result = lead_baseline(BRIDGE[:2])
    assert result.headline == BRIDGE[0].title
    assert [p.text for p in result.key_points] == [
        split_sentences(clean(s.text))[0][1] for s in BRIDGE[:2]
    ]


# -- parallax summarize --------------------------------------------------------------------


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for source in BRIDGE:
        rows.append(
            {"story": "bridge", "id": source.article_id, "title": source.title, "text": source.text}
        )
    rows.append(
        {
            "story": "orchestra",
            "id": "o1",
            "title": "Orchestra cancels twelve-city spring tour",
            "text": "The state orchestra cancelled its spring tour after an arts grant fell "
            "through. Ticket holders will get refunds within 30 days.",
            "outlet": "Left Paper",
            "url": "https://leftpaper.com/orchestra",
            "published": "2025-03-04T10:30:00Z",
        }
    )
    return rows


def test_summarize_prints_one_line_per_story(tmp_path: Path) -> None:
    result = CliRunner().invoke(summarize, [str(_write(tmp_path / "a.jsonl", _rows()))])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["story"] for line in lines] == ["bridge", "orchestra"]
    bridge = lines[0]
    assert set(bridge) == {"story", "headline", "key_points", "framing"}
    assert 3 <= len(bridge["key_points"]) <= MAX_POINTS
    for point in bridge["key_points"]:
        assert {"text", "outlet", "article_id"} <= set(point)
        assert point["text"] in clean(_article_of(BRIDGE, point["article_id"]).text)
    assert lines[1]["key_points"][0]["outlet"] == "Left Paper"
    baseline = CliRunner().invoke(
        summarize, ["--baseline", str(_write(tmp_path / "a.jsonl", _rows()))]
    )
    assert baseline.exit_code == 0
    assert json.loads(baseline.stdout.splitlines()[0])["headline"] == BRIDGE[0].title


def test_summarize_reports_bad_files(tmp_path: Path) -> None:
    rows = _rows()
    del rows[2]["story"]
    result = CliRunner().invoke(summarize, [str(_write(tmp_path / "a.jsonl", rows))])
    assert result.exit_code == 1
    assert "line 3: 'story' must be a non-empty string" in result.output
    rows = _rows()
    rows[1]["published"] = "last Tuesday"
    result = CliRunner().invoke(summarize, [str(_write(tmp_path / "b.jsonl", rows))])
    assert result.exit_code == 1 and "line 2: published" in result.output
    dup = _rows()
    dup[1]["id"] = dup[0]["id"]
    result = CliRunner().invoke(summarize, [str(_write(tmp_path / "c.jsonl", dup))])
    assert result.exit_code == 1 and "appears twice" in result.output
    (tmp_path / "d.jsonl").write_bytes(b'{"story": "s", "id": "x", "title": "\xff"}\n')
    result = CliRunner().invoke(summarize, [str(tmp_path / "d.jsonl")])
    assert result.exit_code == 1 and "not UTF-8" in result.output


def _detect_by_counting_every_letter(text: str) -> str:
    """detect_language as it was before its Latin-only shortcut: every letter's script counted."""
    from collections import Counter

    sample = text[:600]
    foreign = kp_language._NON_LATIN_RE.findall(sample)
    latin = len(kp_language._LATIN_LETTER_RE.findall(sample))
    scripts: Counter[str] = Counter(kp_language._script(ch) for ch in foreign if ch.isalpha())
    if latin:
        scripts["LATIN"] += latin
    if not scripts:
        return "unknown"
    script, _ = scripts.most_common(1)[0]
    if "HIRAGANA" in scripts or "KATAKANA" in scripts:
        return "japanese"
    if script == "CJK":
        return "chinese"
    if script in kp_language._SCRIPT_LANGUAGE:
        return kp_language._SCRIPT_LANGUAGE[script]
    langs = kp_language._languages()
    words = kp_language._WORD_RE.findall(sample.lower())[:60]
    if script == "LATIN":
        english = langs.stopwords["english"]
        hits = sum(1 for w in words[:40] if w in english)
        if hits >= 3 and hits * 4 >= min(len(words), 40):
            return "english"
    votes: dict[str, float] = {}
    for word in words:
        hit = langs.index.get(word)
        if hit is not None:
            names, share = hit
            for name in names:
                votes[name] = votes.get(name, 0.0) + share
    if not votes:
        return "english" if script == "LATIN" else "unknown"
    return min(votes, key=lambda name: (-votes[name], name != "english", name))


def test_the_latin_only_shortcut_detects_as_counting_every_letter() -> None:
    texts = [
        "", "1234 5678 — 90 %", "The council voted on Tuesday to close the harbor.",
        "Le conseil a voté mardi la fermeture du port — « enfin », dit-il.",
        "Der Rat hat am Dienstag über den Hafen abgestimmt.",
        "El consejo votó el martes el cierre del puerto €5.",
        "Совет проголосовал во вторник. The council voted.",
        "Το συμβούλιο ψήφισε την Τρίτη.", "東京都の議会は火曜日に投票した。",
        "市议会周二投票。 Council vote.", "Ünïcödé ñame, Zoë and Łukasz — ½ “quoted” ™.",
        "x" * 700 + " Совет", "Совет " + "the council and the harbor " * 30,
    ]  # fmt: skip
    for text in texts:
        assert detect_language(text) == _detect_by_counting_every_letter(text), text


_DIGEST_UNDER_SEED = """
import hashlib, json, sys
from collections import defaultdict
from bench.coverage_speed import Synth
from service.coverage.keypoints import Source, digest

stories = defaultdict(list)
for i, art in enumerate(Synth(7).stream(2500)):
    side = ("left", "center", "right")[i % 3]
    stories[art["event"]].append(
        Source(str(i), art["title"], art["text"], art["url"].split("/")[2], side)
    )
out = []
for sid in sorted(stories):
    d = digest(stories[sid])
    framing = sorted((side, repr(f)) for side, f in d.framing.items())
    out.append([sid, d.headline, [k.text for k in d.key_points], framing])
print(hashlib.sha256(json.dumps(out).encode()).hexdigest())
"""


def test_digest_is_the_same_in_every_process() -> None:
    """Two processes with different hash seeds store the same digest for a story: sums over a
    set of terms must not depend on the set's iteration order (close titles once swapped)."""
    root = Path(__file__).resolve().parents[2]
    answers = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _DIGEST_UNDER_SEED],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        answers.add(done.stdout.strip())
    assert len(answers) == 1


# -- the learned sentence model and how points are chosen --------------------------------------


def _long_lead_story() -> list[Source]:
    """Three outlets whose leads run 40-50 words each, then shorter sentences: two leads fill
    90 words, so three points fit only with a shorter sentence among them."""
    leads = [
        "The city council of Northbridge voted seven to two on Saturday evening to remove the "
        "century-old Calder River dam, ending a decade of disputes between anglers, farmers and "
        "the utility that owns it, after engineers warned the spillway could fail in a major flood.",
        "Northbridge will tear down the Calder River dam after its council approved the removal "
        "on Saturday in a seven to two vote, a decision that follows years of warnings from state "
        "engineers about the aging spillway and lawsuits from anglers seeking salmon runs again.",
        "Council members in Northbridge approved on Saturday a plan to demolish the Calder River "
        "dam, which the local utility has operated since 1921, despite objections from farmers who "
        "rely on its reservoir to irrigate about 12,000 acres of orchards in the valley below.",
    ]
    rest = [
        "Demolition is set to begin next spring. The removal will cost $40 million.",
        "Salmon last spawned above the dam in 1920. Anglers cheered the vote.",
        "Farmers said they would appeal. The utility did not comment.",
    ]
    return [
        Source(
            f"d{i}",
            f"Northbridge council votes to remove Calder River dam ({i})",
            f"{lead} {more}",
            f"Outlet {i}",
            side,
        )
        for i, (lead, more, side) in enumerate(
            zip(leads, rest, ("left", "center", "right"), strict=True)
        )
    ]


def test_three_points_even_when_leads_run_40_to_50_words() -> None:
    sources = _long_lead_story()
    assert all(40 <= word_count(split_sentences(clean(s.text))[0][1]) <= 50 for s in sources)
    result = digest(sources)
    assert 3 <= len(result.key_points) <= MAX_POINTS
    assert sum(word_count(p.text) for p in result.key_points) <= MAX_WORDS
    _assert_attributed(sources, result.key_points)


def test_points_follow_the_model_they_are_valued_by() -> None:
    """The same story under two models: one valuing numbers, one valuing reported speech."""
    sources = _long_lead_story()
    names = list(kp.SENTENCE_FEATURES)

    def model(**weights: float) -> kp.SentenceModel:
        return kp.SentenceModel(tuple(weights.get(n, 0.0) for n in names), 0.1)

    numbers = digest(sources, model(digits=1.0, short=0.5))
    assert sum(1 for p in numbers.key_points if re.search(r"\d", p.text)) >= 3, numbers.key_points
    leads = digest(sources, model(lead=1.0))
    assert any(word_count(p.text) >= 40 for p in leads.key_points), leads.key_points
    assert [p.text for p in numbers.key_points] != [p.text for p in leads.key_points]


def test_sentence_features_are_what_the_model_reads() -> None:
    story = kp_points._Story(BRIDGE)
    for s in story.candidates:
        features = kp.sentence_features(story, s)
        assert len(features) == len(kp.SENTENCE_FEATURES)
        assert all(isinstance(x, float) and x == x for x in features)
        named = dict(zip(kp.SENTENCE_FEATURES, features, strict=True))
        assert named["lead"] == (1.0 if s.position == 1 else 0.0)
        assert named["center"] == (1.0 if BRIDGE[s.source].side == "center" else 0.0)
        assert 0.0 <= named["shared_terms"] <= 1.0


def test_shipped_sentence_model_names_how_it_was_trained() -> None:
    data = json.loads(kp.MODEL_PATH.read_text(encoding="utf-8"))
    assert data["features"] == list(kp.SENTENCE_FEATURES)
    root = Path(__file__).resolve().parents[2]
    assert (root / data["trained_by"]).is_file()
    assert set(data["trained_on"]) == {
        "stories-dev.jsonl",
        "stories-dev-dated.jsonl",
        "stories-dev-summaries.jsonl",
    }
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in data["trained_on"].values())
    model = kp.sentence_model()
    assert model.weights == tuple(data["weights"]) and model.intercept == data["intercept"]
    # Shared wording is what a roundup repeats: the model must value it.
    assert model.weights[kp.SENTENCE_FEATURES.index("shared_terms")] > 0


def test_a_bad_sentence_model_file_says_what_to_fix(tmp_path: Path) -> None:
    good = json.loads(kp.MODEL_PATH.read_text(encoding="utf-8"))
    n = len(kp.SENTENCE_FEATURES)
    cases: list[tuple[str, str]] = [
        ("{not json", "cannot read"),
        ("[1, 2]", "JSON object"),
        (json.dumps({**good, "features": good["features"][:-1]}), "retrain"),
        (json.dumps({**good, "weights": [0.1] * (n - 1)}), "finite numbers"),
        (json.dumps({**good, "weights": [True] * n}), "finite numbers"),
        (json.dumps({**good, "weights": [0.1] * (n - 1) + ["x"]}), "finite numbers"),
        (json.dumps({**good, "intercept": None}), "finite numbers"),
        (json.dumps({**good, "weights": [0.1] * (n - 1) + [1e999]}), "finite numbers"),
    ]
    for i, (text, said) in enumerate(cases):
        path = tmp_path / f"model{i}.json"
        path.write_text(text, encoding="utf-8")
        try:
            kp.read_sentence_model(path)
        except kp.SentenceModelError as exc:
            assert said in str(exc) and str(path) in str(exc), (text, exc)
        else:
            raise AssertionError(f"accepted {text[:60]}")
    try:
        kp.read_sentence_model(tmp_path / "missing.json")
    except kp.SentenceModelError as exc:
        assert "cannot read" in str(exc)
    else:
        raise AssertionError("accepted a missing file")


def test_a_big_story_reads_at_most_max_articles_one_per_outlet_first() -> None:
    # 190 articles, 150 of them from one prolific outlet first: the 50 read include every one
    # of the 41 outlets.
    sources = [
        Source(f"p{i}", BRIDGE[0].title, BRIDGE[0].text, "Prolific", "center") for i in range(150)
    ] + [
        Source(f"o{i}", s.title, s.text, f"Outlet {i}", s.side)
        for i, s in enumerate(BRIDGE[1:] * 14)
    ][:40]
    story = kp_points._Story(sources)
    assert len(story.read) == kp.MAX_ARTICLES
    outlets = {sources[i].outlet for i in story.read}
    assert len(outlets) == len({s.outlet for s in sources})


def _scored(source: int, terms: list[str], score: float, words: int = 20) -> kp_sentences._Sentence:
    text = " ".join(terms) + "."
    s = kp_sentences._Sentence(
        text=text,
        source=source,
        position=1,
        words=words,
        terms=frozenset(terms),
        pairs=frozenset(),
        facts=0,
        opinion=False,
        reaction=False,
    )
    s.score = score
    return s


def test_a_point_repeating_half_of_another_is_worth_less_than_news() -> None:
    """Two leads telling the same core (half their words shared, under the near-duplicate
    line) and a third sentence telling something else, a little less valuable alone: the set
    says the core once and adds the news."""
    core = [f"core{i}" for i in range(5)]
    first = _scored(0, [*core, *(f"a{i}" for i in range(5))], 0.5)
    again = _scored(1, [*core, *(f"b{i}" for i in range(5))], 0.5)
    news = _scored(2, [f"n{i}" for i in range(10)], 0.42)
    assert kp_points._overlap(first.terms, again.terms) <= kp.NEAR_DUPLICATE  # not a near-duplicate
    chosen = kp_points._best_set([first, again, news], 2, 40, None, 40.0)
    assert [s.source for s in chosen] == [0, 2]
    # Sentences that share nothing keep their own values: the more valuable pair wins.
    other = _scored(1, [f"o{i}" for i in range(10)], 0.5)
    assert [s.source for s in kp_points._best_set([first, other, news], 2, 40, None, 40.0)] == [
        0,
        1,
    ]


def test_a_story_with_more_to_tell_is_weighed_against_a_longer_roundup() -> None:
    """The set's worth is ROUGE F1's shape against a roundup whose length grows with the text
    read: a third, less valuable point joins where there is more to tell, not where there is
    little."""
    assert kp.roundup_words(60) < kp.roundup_words(300) <= MAX_WORDS
    assert kp.roundup_words(0) > 0 and kp.roundup_words(100_000) == MAX_WORDS
    top = [
        _scored(0, [f"a{i}" for i in range(10)], 0.5, words=15),
        _scored(1, [f"b{i}" for i in range(10)], 0.5, words=15),
        _scored(2, [f"c{i}" for i in range(10)], 0.2, words=15),
    ]
    little = kp_points._best_set(top, 2, 100, None, kp.roundup_words(60))
    more = kp_points._best_set(top, 2, 100, None, kp.roundup_words(300))
    assert [s.source for s in little] == [0, 1]
    assert [s.source for s in more] == [0, 1, 2]


# ASCII text is read with cheaper patterns and a shortcut for clean(); on every ASCII string they
# must find exactly what the general ones find (whitespace, control characters, quotes, stops).
_ASCII_PIECES = st.lists(
    st.sampled_from(list("aZ9_ .!?\"')]-[(,;:'\t\n\r\x0b\x0c\x1c\x1f\x00\x7f") + ["  ", "U.S."]),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(_ASCII_PIECES, max_size=4).map("".join))
def test_the_ascii_patterns_find_what_the_general_ones_find(text: str) -> None:
    assert text.isascii()
    ends = [(m.start(), m.end()) for m in kp_sentences._SENTENCE_END_RE.finditer(text)]
    assert [
        (m.start(), m.end()) for m in kp_sentences._SENTENCE_END_ASCII_RE.finditer(text)
    ] == ends
    assert kp_language._WORD_ASCII_RE.findall(text) == kp_language._WORD_RE.findall(text)
    assert kp_language._WORD_ASCII_RE.findall(text.lower()) == kp_language._WORD_RE.findall(
        text.lower()
    )
    assert (
        kp.clean(text)
        == kp_sentences._SPACE_RE.sub(" ", kp_sentences._CONTROL_RE.sub(" ", text)).strip()
    )
