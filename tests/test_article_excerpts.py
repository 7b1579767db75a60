"""Each article's excerpt: in /v1/stories/<id> and under its link on the story page, short, at a
sentence or word boundary, plain text (no markup, no control character), with its language."""

from __future__ import annotations

import pytest
from flask import Flask

from service.coverage.runtime import engine
from service.coverage.summary import EXCERPT_CHARS, EXCERPT_WORDS, excerpt
from service.store.base import Batch, NewArticle

HTML = {"Accept": "text/html"}
LEAD = (
    "The harbor bridge closed on Monday after inspectors found a crack in a main girder. "
    "The city said repairs would take at least six weeks."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LEAD + " Traffic was diverted to the tunnel, which was jammed all day long.", LEAD),
        (LEAD, LEAD),  # the whole text, when it is short
        ("Mr. Smith went to Washington. He met the president.",
         "Mr. Smith went to Washington. He met the president."),  # no cut at "Mr."
        ("<p>The bridge <b>closed</b>.</p><p>Repairs start soon.</p>",
         "The bridge closed. Repairs start soon."),
        ("The bridge\x00 closed\u202e today.\x1b Repairs\tstart\n\nsoon.",
         "The bridge closed today. Repairs start soon."),
        ("", None),
        ("  \n\x00 ", None),
        ("<br><hr>", None),
        ("Harbor bridge closes", None),  # only the title again
        # a script's code, a comment, CDATA, character references and zero-width characters
        # are no words a reader sees
        ("<script>alert(1)</script><style>p{}</style> The bridge closed.", "The bridge closed."),
        ("<!-- teaser --> The bridge <![CDATA[closed]]>.", "The bridge closed."),
        ("<script>var a = '", None),
        ("Tom &amp; Jerry&#8217;s bridge &eacute;t&#xE9; closed &lt;today&gt;. &bogus; AT&T",
         "Tom & Jerry’s bridge été closed <today>. &bogus; AT&T"),
        ("The\u200b bridge\u2060 closed\ufeff to\u00adday.", "The bridge closed today."),
        ("\u200b\u200b", None),
        ("نمی\u200cخواهم.", "نمی\u200cخواهم."),  # (a Persian word's joiner stays)
        ("Harbor bridge closes.", None),  # ... with a stop, as feeds' summaries repeat it
        ("Harbor  bridge closes …", None),
        ("HARBOR BRIDGE CLOSES!", None),
    ],
)  # fmt: skip
def test_an_excerpt_is_whole_first_sentences_in_plain_text(text: str, expected: str | None) -> None:
    assert excerpt(text, "Harbor bridge closes") == expected


def test_a_long_first_sentence_is_cut_at_a_word_with_an_ellipsis() -> None:
    words = [f"word{i}" for i in range(80)]
    shown = excerpt(" ".join(words) + ".")
    assert shown == " ".join(words[:EXCERPT_WORDS]) + "…"
    long_words = excerpt(" ".join("x" * 40 for _ in range(20)))
    assert long_words is not None and len(long_words) <= EXCERPT_CHARS + 1
    assert long_words.endswith("x…") and " x…" not in long_words  # whole words only


def test_text_without_spaces_is_bounded_too() -> None:
    shown = excerpt("東京都は月曜日、新しい橋を開通させた。" * 40)
    assert shown is not None and shown.endswith("。") and len(shown) <= 90
    assert excerpt("东京" * 5000) == "东京" * 45 + "…"


@pytest.mark.parametrize("size", [10, 10_000, 20_000])
def test_any_text_gives_a_bounded_excerpt(size: int) -> None:
    for text in ("a" * size, ("word " * size)[:size], ("<b>" * size)[:size], "\u202e" * size):
        shown = excerpt(text)
        assert shown is None or (len(shown) <= EXCERPT_CHARS + 1 and shown.isprintable())


def test_the_story_api_and_page_show_each_articles_excerpt(app: Flask) -> None:
    german = "Die Brücke im Hafen ist seit Montag gesperrt. Die Reparatur dauert Wochen."
    engine(app).store.commit(
        Batch(
            articles=[
                NewArticle(key="id:ex-1", title="Harbor bridge closes", text=LEAD + " Traffic was diverted to the tunnel all day.",
                           url="https://www.nytimes.com/2025/10/26/harbor.html",
                           outlet_id="nytimes.com", side="left", published=1.76e9,
                           first_seen=1.76e9, story_id="st-ex"),
                NewArticle(key="id:ex-2", title="Hafenbrücke gesperrt",
                           text=f"<p>{german}</p>\x07",
                           url="https://www.abendblatt.de/hamburg/hafen.html",
                           outlet_id="abendblatt.de", side="unrated", published=1.76e9 + 1,
                           first_seen=1.76e9 + 1, story_id="st-ex"),
                NewArticle(key="id:ex-3", title="Bridge", text="", url="https://www.bbc.com/b",
                           outlet_id="bbc.com", side="center", published=1.76e9 + 2,
                           first_seen=1.76e9 + 2, story_id="st-ex"),
            ]
        )
    )  # fmt: skip
    client = app.test_client()
    story = client.get("/v1/stories/st-ex").get_json()
    excerpts = {
        a["title"]: a["excerpt"] for side in story["articles_by_side"].values() for a in side
    }
    assert excerpts == {"Harbor bridge closes": LEAD, "Hafenbrücke gesperrt": german,
                        "Bridge": None}  # fmt: skip
    page = client.get("/stories/st-ex", headers=HTML).data.decode()
    assert f'<p class="excerpt" dir="auto">{LEAD}</p>' in page
    assert f'<p class="excerpt" dir="auto" lang="de">{german}</p>' in page
    assert page.count('class="excerpt"') == 2
