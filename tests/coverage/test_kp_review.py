"""An adversarial review of issue #16's story digest end to end: hostile files given to
`parallax summarize`, hostile articles and odd stored digests through the store, the API and
the story page on both backends, and the digest's determinism across threads (across hash
seeds: test_keypoints.py::test_digest_is_the_same_in_every_process)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from bench.coverage_speed import Synth
from service.cli.coverage import summarize
from service.coverage import digest_code
from service.coverage import keypoints as kp
from service.coverage.engine import RawArticle
from service.coverage.keypoints import Source, digest
from service.coverage.keypoints import points as kp_points
from service.coverage.keypoints import sentences as kp_sentences
from service.coverage.keypoints import side_framing as kp_framing
from service.coverage.runtime import engine

GOOD = [
    {
        "story": "bridge",
        "id": "b1",
        "title": "Harbor City closes Main Street bridge after inspectors find cracks",
        "text": "Harbor City closed the Main Street bridge on Tuesday after state inspectors "
        "found cracks in two of its steel girders. Mayor Ana Ruiz said repairs would take "
        "at least six weeks.",
    },
    {
        "story": "orchestra",
        "id": "o1",
        "title": "Orchestra cancels twelve-city spring tour",
        "text": "The state orchestra cancelled its spring tour after an arts grant fell "
        "through. Ticket holders will get refunds within 30 days.",
    },
]


def _line(row: Mapping[str, object]) -> bytes:
    return json.dumps(row).encode() + b"\n"


def _stories(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_summarize_names_each_bad_line_and_still_summarises_the_others(tmp_path: Path) -> None:
    bad = [
        b'{"story": "bridge", "id": \n',  # 2: cut short
        b"[1, 2]\n",  # 3: not an object
        _line({"story": 5.5, "id": "x1", "title": "A title", "text": "T."}),  # 4
        _line({"story": ["a"], "id": "x2", "title": "A title", "text": "T."}),  # 5
        _line({"story": None, "id": "x3", "title": "A title", "text": "T."}),  # 6
        _line({"story": "bridge", "id": "x4", "title": "A title", "text": {"a": 1}}),  # 7
        _line({"story": "bridge", "id": "x5", "title": 12, "text": "T."}),  # 8
        _line(GOOD[0]),  # 9: id b1 again
        b'{"story": "bridge", "id": "x6", "title": "caf\xe9", "text": "T."}\n',  # 10: Latin-1
        b'{"story": "bridge", "id": "x7", "title": ' + b"[" * 100_000 + b"}\n",  # 11
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_line(GOOD[0]) + b"".join(bad) + _line(GOOD[1]))
    result = CliRunner().invoke(summarize, [str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    # Something was wrong with the file, so the exit says so; but nothing good was lost.
    assert result.exit_code == 1
    assert [s["story"] for s in _stories(result.stdout)] == ["bridge", "orchestra"]
    for number, says in [
        (2, "not valid JSON"),
        (3, "expected a JSON object"),
        (4, "'story' must be"),
        (5, "'story' must be"),
        (6, "'story' must be"),
        (7, "'text' must be a string"),
        (8, "'title' must be a string"),
        (9, "id 'b1' appears twice"),
        (10, "not UTF-8"),
        (11, "not valid JSON"),
    ]:
        assert f"line {number}: {says}" in result.stderr, (number, result.stderr)
    assert "10 lines skipped" in result.stderr


def test_summarize_reads_a_utf8_file_that_starts_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + _line(GOOD[0]) + _line(GOOD[1]))
    result = CliRunner().invoke(summarize, [str(path)])
    assert result.exit_code == 0, result.output
    assert [s["story"] for s in _stories(result.stdout)] == ["bridge", "orchestra"]


def test_summarize_writes_lone_surrogates_it_was_given_as_replacement_characters(
    tmp_path: Path,
) -> None:
    # JSON's "\ud800" is a lone surrogate once parsed: no UTF-8 writer can print it.
    path = tmp_path / "surrogates.jsonl"
    path.write_text(
        '{"story": "s\\ud800", "id": "x\\udc00", "outlet": "Paper \\ud83d", '
        '"title": "Bridge \\udfff closes", "text": "The bridge closed \\ud800 on Tuesday."}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(summarize, [str(path)])
    assert result.exit_code == 0, result.output
    (story,) = _stories(result.stdout)
    assert story["story"] == "s\ufffd"
    points = story["key_points"]
    assert isinstance(points, list) and points
    assert points[0]["article_id"] == "x\ufffd" and points[0]["outlet"] == "Paper \ufffd"
    result.stdout.encode("utf-8")


def test_summarize_of_an_empty_file_prints_nothing_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"\n  \n")
    result = CliRunner().invoke(summarize, [str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "no articles" in result.stderr


# -- a stored digest always reads back -------------------------------------------------------

ODD_DIGESTS: list[object] = [
    {"key_points": 5},
    {"key_points": [{"text": "Kept point.", "article_id": {"a": 1}, "outlet": 7, "url": 3}]},
    {"framing": {"left": {"points": 5, "terms": "abc", "articles": "many"}}},
    {"framing": {"right": {"articles": [1], "points": [{"text": 3}]}}},
    {"framing": {"center": {"articles": 1e308, "points": True}}},
    {"framing": {"left": {"articles": -4}}, "headline": 12},
    {"key_points": {"text": "a dict, not a list"}, "framing": "words"},
]


def _bridge_story(
    app: Flask,
    hosts: tuple[str, ...],
    text: str = "Harbor City closed the Main Street bridge on Tuesday after inspectors found "
    "cracks in two girders. Repairs will take six weeks, the mayor said.",
) -> tuple[Any, Any]:
    """The app's engine with one story of a bridge closing, an article from each host (the
    first is leftpaper.com), and that first article as stored (in its story)."""
    eng = engine(app)
    eng.ingest(
        [
            RawArticle(
                f"Main Street bridge closes after girder cracks ({host})",
                text,
                f"https://{host}/bridge",
                published=1_741_000_000.0 + n * 600,
            )
            for n, host in enumerate(hosts)
        ]
    )
    stored = eng.store.article_by_key("https://leftpaper.com/bridge")
    assert stored is not None and stored.story_id is not None
    return eng, stored


def _stamp(eng: Any) -> dict[str, Any]:
    """What a digest made under the engine's ratings carries (summary.DigestRatings)."""
    return {"ratings": eng.ratings.version, "sides": {}}


@pytest.mark.backends("sqlite", "postgresql")
@pytest.mark.parametrize("odd", ODD_DIGESTS)
def test_a_stored_digest_with_odd_values_still_reads_back(coverage_app: Flask, odd: object) -> None:
    eng, stored = _bridge_story(coverage_app, ("leftpaper.com", "rightdaily.com", "centerwire.com"))
    store: Any = eng.store
    conn = store._conn()
    # Stamped as made under the ratings in force, so it is shown as stored, not made again.
    stamped = {**odd, **_stamp(eng)} if isinstance(odd, dict) else odd
    with store._writing(conn):
        store._run(
            conn,
            "UPDATE stories SET digest = ? WHERE id = ?",
            (store._json(stamped), stored.story_id),
        )
    client = coverage_app.test_client()
    for path in (
        f"/v1/stories/{stored.story_id}",
        "/v1/score?url=https://leftpaper.com/bridge",
        f"/stories/{stored.story_id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    body = client.get(f"/v1/stories/{stored.story_id}").get_json()
    assert all(isinstance(p["text"], str) for p in body["key_points"])
    for entry in body["framing"].values():
        assert isinstance(entry["articles"], int) and entry["articles"] >= 0
        assert all(isinstance(p["text"], str) for p in entry["points"])
        assert all(isinstance(t, str) for t in entry["terms"])
    for point in body["key_points"]:
        # A stored id that was no id (an object) is no id, not its Python repr.
        assert isinstance(point["article_id"], str) and "{" not in point["article_id"]


# -- what a digest shows cannot reorder what stands beside it --------------------------------

# Embeddings, overrides and isolates: one left open in a point reverses what follows it on the
# line, the outlet named after the point included.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_no_bidi_control_reaches_a_point_the_headline_or_framing() -> None:
    sources = [
        Source(
            f"{side}{n}",
            f"Harbor bridge \u202eswen xof\u202c closes {side} {n}",
            "Harbor City closed the Main Street bridge on Tuesday after inspectors found "
            "cracks. The mayor said \u202e)sweN xoF( repairs would take six weeks. "
            f"Critics of the {side} said the \u2067closure\u2069 was long overdue.",
            f"{side.title()} Paper",
            side,
        )
        for n in range(2)
        for side in ("left", "center", "right")
    ]
    shown = digest(sources).to_json()
    texts = [shown["headline"], *(p["text"] for p in shown["key_points"])]
    for entry in shown["framing"].values():
        texts += entry["terms"] + [p["text"] for p in entry["points"]]
    assert len(texts) > 3
    for text in texts:
        assert not set(text) & set(BIDI_CONTROLS), text
    assert any("six weeks" in t for t in texts[1:])


def test_a_title_with_markup_is_read_without_it() -> None:
    # Titles only (a feed of headlines), some carrying unescaped HTML: the titles stand in as
    # points, the headline is one of them, and each side's framing reads its titles.
    titles = {
        ("l1", "left"): "<script>document.title='pwned'</script> Harbor bridge closes",
        ("l2", "left"): "Harbor bridge closes &amp; commuters face detours",
        ("c1", "center"): "Harbor bridge closes after inspectors find cracks",
        ("c2", "center"): "<b>Harbor</b> bridge closure: inspectors find cracks",
        ("r1", "right"): '<img src=x onerror="alert(1)"> Harbor bridge closes, mayor blamed',
        ("r2", "right"): "Mayor blamed as Harbor bridge closes &lt;b&gt;",
    }
    sources = [
        Source(article, title, "", f"{side.title()} Paper {article}", side)
        for (article, side), title in titles.items()
    ]
    shown = digest(sources).to_json()
    assert shown["key_points"] and shown["framing"]
    texts = [shown["headline"], *(p["text"] for p in shown["key_points"])]
    terms: list[str] = []
    for entry in shown["framing"].values():
        texts += [p["text"] for p in entry["points"]]
        terms += entry["terms"]
    for text in texts:
        assert not re.search(r"[<>]|&\w+;|pwned", text), text
    markup_words = {"script", "document", "pwned", "img", "src", "onerror", "alert", "amp", "lt"}
    assert not markup_words & {w for t in terms for w in t.split()}, terms
    # What the titles say is still read: "&amp;" is an ampersand.
    assert any("&" in t or "detours" in t for t in texts + terms)


def test_a_title_tag_with_a_long_address_is_read_as_markup() -> None:
    # A feed's headline wrapped in a link to a long address: its tag runs past the 200
    # characters a sentence's markup pattern allows, and was shown (escaped) as the headline.
    address = "https://news.example/2026/12/06/harbor-bridge?" + "utm_source=feed&amp;x=" * 12
    title = f'<a href="{address}" class="headline">Harbor bridge closes</a> after cracks found'
    assert len(address) > 200
    sources = [
        Source("a1", title, "", "Left Paper", "left"),
        Source(
            "a2", "Harbor bridge closes after inspectors find cracks", "", "Right Paper", "right"
        ),
    ]
    shown = digest(sources).to_json()
    texts = [shown["headline"], *(p["text"] for p in shown["key_points"])]
    for entry in shown["framing"].values():
        texts += [p["text"] for p in entry["points"]]
    assert any(t == "Harbor bridge closes after cracks found" for t in texts), texts
    for text in texts:
        assert not re.search(r"[<>]|href|utm_source|https?:", text), text


def test_a_stored_digest_with_lone_surrogates_and_controls_reads_back(coverage_app: Flask) -> None:
    """SQLite keeps a digest as JSON text, which can hold what no UTF-8 response can carry
    (PostgreSQL's JSONB refuses it when written): every surface still answers, with text."""
    eng, stored = _bridge_story(
        coverage_app,
        ("leftpaper.com", "rightdaily.com"),
        "Harbor City closed the bridge on Tuesday after inspectors found cracks.",
    )
    odd = (
        '{"key_points": [{"text": "Point \\ud800 one\\u0000 \\u202e two", "outlet": '
        '"leftpaper.com\\udc00", "article_id": "x\\ud800", "url": "javascript:alert(1)"}], '
        '"framing": {"left": {"terms": ["t\\ud800"], "points": [{"text": "F \\udfff"}], '
        '"articles": 1}, "right": {"terms": [], "points": [], "articles": 1}}, '
        f'"ratings": "{eng.ratings.version}", "sides": {{}}, '
        f'"code": "{digest_code.current()}"}}'  # (made by this version: read as stored)
    )
    store: Any = eng.store
    conn = store._conn()
    with store._writing(conn):
        store._run(conn, "UPDATE stories SET digest = ? WHERE id = ?", (odd, stored.story_id))
    client = coverage_app.test_client()
    for path in (
        f"/v1/stories/{stored.story_id}",
        "/v1/score?url=https://leftpaper.com/bridge",
        f"/stories/{stored.story_id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        response.get_data().decode("utf-8")
    body = client.get(f"/v1/stories/{stored.story_id}").get_json()
    (point,) = body["key_points"]
    assert point["text"] == "Point \ufffd one two"
    assert point["article_id"] == "x\ufffd"
    # Only a web address is given as the point's article link.
    assert point["url"] is None
    assert body["framing"]["left"]["terms"] == ["t\ufffd"]
    assert body["framing"]["left"]["points"][0]["text"] == "F \ufffd"


# -- hostile articles through the store, the API and the page, on both backends ---------------

HOSTILE_ARTICLES = {
    "leftpaper.com": (
        "<script>alert('t')</script> Bridge <b>closes</b> &amp; \u202eSWEN XOF",
        "Harbor City closed the Main Street bridge on Tuesday <img src=x onerror=alert(1)>. "
        "Inspectors found cracks\u200b in two girders \U0001f309. Mayor Ana Ruiz said "
        "\u202e)sweN xoF( repairs would take six weeks.",
    ),
    "rightdaily.com": (
        "جسر الميناء يغلق بعد اكتشاف تشققات Bridge closes",
        "أغلقت مدينة الميناء الجسر يوم الثلاثاء بعد أن وجد المفتشون تشققات. Harbor City "
        "closed the bridge on Tuesday after inspectors found cracks in two girders.",
    ),
    "centerwire.com": (
        "Main Street bridge closes after cracks " + "x" * 3000,
        " ".join(f"word{i % 50}" for i in range(10_000)),
    ),
    "righttimes.com": (
        "港口城市关闭大桥 สะพานปิด Bridge closes after cracks",
        "港口城市周二关闭了主街大桥。检查人员发现两根大梁有裂缝。สะพานถนนสายหลักปิดในวันอังคาร "
        "Harbor City closed the bridge on Tuesday after inspectors found cracks.",
    ),
    "farleft.org": (
        "Bridge\x01 closes\x7f after \ufeff cracks\x00",
        "Harbor City\x07 closed the bridge\x1b[31m on Tuesday after inspectors found cracks "
        "in two girders. " + "A" * 20_000 + ". The mayor said repairs take weeks.",
    ),
}


@pytest.mark.backends("sqlite", "postgresql")
def test_hostile_articles_come_back_out_of_the_store_as_text(coverage_app: Flask) -> None:
    eng = engine(coverage_app)
    result = eng.ingest(
        [
            RawArticle(title, text, f"https://{host}/bridge", published=1_741_000_000.0 + n * 60)
            for n, (host, (title, text)) in enumerate(HOSTILE_ARTICLES.items())
        ]
    )
    assert result.added == len(HOSTILE_ARTICLES)
    client = coverage_app.test_client()
    stories = set()
    for host in HOSTILE_ARTICLES:
        stored = eng.store.article_by_key(f"https://{host}/bridge")
        assert stored is not None and stored.story_id is not None
        stories.add(stored.story_id)
    shown_points = 0
    for story_id in stories:
        for path in (f"/v1/stories/{story_id}", f"/stories/{story_id}"):
            response = client.get(path)
            assert response.status_code == 200, path
        body = client.get(f"/v1/stories/{story_id}").get_json()
        texts = {a["id"]: a for side in body["articles_by_side"].values() for a in side}
        shown = [body["headline"], *(p["text"] for p in body["key_points"])]
        for entry in body["framing"].values():
            shown += entry["terms"] + [p["text"] for p in entry["points"]]
        for text in shown:
            assert not set(text) & set(BIDI_CONTROLS + "\x00\x01\x07\x1b\x7f"), text
            assert not re.search(r"<\s*/?\s*(script|img|b)\b|&amp;|onerror", text), text
        shown_points += len(body["key_points"])
        page = client.get(f"/stories/{story_id}").get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert len(texts) == body["article_count"]
    assert shown_points >= 2
    assert client.get("/v1/score?url=https://leftpaper.com/bridge").status_code == 200


def test_two_texts_alike_in_their_first_characters_are_not_one_parse() -> None:
    """The parse cache's key must hold all of a text the parse reads: it reads up to twice
    MAX_ARTICLE_CHARS of raw text (runs of whitespace collapse), so two articles that differ
    only past MAX_ARTICLE_CHARS raw characters are two parses, each attributed its own words."""
    pad = "\n" * kp.MAX_ARTICLE_CHARS  # a page's blank lines: nothing once collapsed
    first = Source(
        "a",
        "Bridge closes",
        pad + "The mayor of Harbor City resigned on Tuesday after inspectors found cracks.",
        "A Paper",
        "left",
    )
    second = replace(
        first,
        article_id="b",
        text=pad + "The council of Harbor City approved new repair funds on Tuesday evening.",
    )
    for source in (first, second):
        points = digest([source]).key_points
        assert points
        for point in points:
            assert point.text in kp.clean(source.text), (source.article_id, point.text)


# -- the digest is the same whichever thread computes it, in whatever order ------------------


def test_digests_are_the_same_from_many_threads_with_caches_evicting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parse cache, the framing-term verdicts and the sides' kept words are shared by the
    threads of a process (ingest workers, web requests): tiny bounds make them evict and refill
    while other threads read them, and every thread's digests equal one thread's."""
    by_event: dict[str, list[Source]] = defaultdict(list)
    for i, art in enumerate(Synth(11).stream(240)):
        side = ("left", "center", "right", "unrated")[i % 4]
        by_event[art["event"]].append(
            Source(str(i), art["title"], art["text"], art["url"].split("/")[2], side)
        )
    stories = [by_event[k] for k in sorted(by_event)]
    expected = [digest(s).to_json() for s in stories]
    monkeypatch.setattr(kp_points, "_PARSED", kp_sentences._ParseCache(5))
    monkeypatch.setattr(kp_framing, "MAX_SKIP_CACHE", 40)
    monkeypatch.setattr(kp_framing, "_SKIP_CACHE", (set(), set()))
    if hasattr(kp, "_SideWordsCache"):
        monkeypatch.setattr(kp_framing, "_SIDE_WORDS", kp_framing._SideWordsCache(12))
    found: dict[int, list[object]] = {}
    failed: list[BaseException] = []

    def work(seed: int) -> None:
        order = list(range(len(stories))) * 2
        random.Random(seed).shuffle(order)
        try:
            answers: list[object] = [None] * len(stories)
            for n in order:
                answers[n] = digest(stories[n]).to_json()
            found[seed] = answers
        except BaseException as exc:  # noqa: BLE001 - reported below, with the thread's seed
            failed.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failed, failed
    assert len(stories) >= 10 and any(e["framing"] for e in expected)
    for answers in found.values():
        assert answers == expected


def test_summarize_prints_utf8_json_lines_whatever_the_terminal_encoding(tmp_path: Path) -> None:
    # JSON lines are UTF-8; a console or locale set to Latin-1 made printing a Chinese story
    # a UnicodeEncodeError traceback.
    path = tmp_path / "cjk.jsonl"
    row = {
        "story": "港",
        "id": "a",
        "title": "港口城市关闭大桥",
        "text": "港口城市周二关闭了主街大桥。",
    }
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "summarize", str(path)],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONIOENCODING": "latin-1"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    (story,) = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert story["story"] == "港" and story["headline"]


def test_summarize_of_a_file_of_junk_names_a_few_lines_and_counts_the_rest(tmp_path: Path) -> None:
    # A binary or wrong file is thousands of bad lines: a screenful of them, then the count.
    path = tmp_path / "junk.jsonl"
    path.write_bytes(_line(GOOD[0]) + b"\xff\xfe junk\n" * 5_000 + _line(GOOD[1]))
    result = CliRunner().invoke(summarize, [str(path)])
    assert result.exit_code == 1
    assert [s["story"] for s in _stories(result.stdout)] == ["bridge", "orchestra"]
    named = [line for line in result.stderr.splitlines() if line.endswith("; skipped")]
    assert 1 <= len(named) <= 20 and "line 2: not UTF-8" in named[0]
    assert "5000 lines skipped" in result.stderr


@pytest.mark.backends("sqlite", "postgresql")
def test_a_stored_digest_nested_too_deeply_to_decode_still_reads_back(
    coverage_app: Flask, backend: str
) -> None:
    """JSON nested deeper than Python's decoder recurses (a digest written by hand or by a
    broken tool): the story is read as one without a digest, made from its articles."""
    eng, stored = _bridge_story(coverage_app, ("leftpaper.com", "rightdaily.com"))
    deep = '{"key_points": ' + "[" * 5_000 + "]" * 5_000 + "}"
    store: Any = eng.store
    conn = store._conn()
    with store._writing(conn):
        cast = "CAST(? AS JSONB)" if backend == "postgresql" else "?"
        store._run(
            conn, f"UPDATE stories SET digest = {cast} WHERE id = ?", (deep, stored.story_id)
        )
    client = coverage_app.test_client()
    for path in (
        f"/v1/stories/{stored.story_id}",
        "/v1/score?url=https://leftpaper.com/bridge",
        f"/stories/{stored.story_id}",
        "/v1/stories",
        "/",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    body = client.get(f"/v1/stories/{stored.story_id}").get_json()
    assert body["key_points"]  # made from its articles, as for a story stored before digests
