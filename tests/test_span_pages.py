"""Key points that are spans (service/coverage/spans.py) through the API and the story page:
verbatim in their articles as JSON, escaped as text in HTML, never markup."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from service.coverage.engine import RawArticle, article_key
from service.coverage.keypoints import clean
from service.coverage.runtime import engine

# Three reports of one event whose sentences carry characters HTML gives meaning to (quotes,
# ampersands, "<3", "a<b"), datelines and trailing clauses the span rules cut, and a script tag
# that must never become a point or reach the page as markup.
ARTICLES = [
    RawArticle(
        title="Harbor City closes O'Brien & Sons bridge after inspectors find cracks",
        text=(
            "WASHINGTON (AP) — Harbor City closed the O'Brien & Sons bridge on Tuesday after "
            'inspectors found cracks in two girders, officials said. The "temporary" closure '
            "sends 40,000 vehicles a day over the Dock Road crossing, which is 3<4 miles "
            "longer. <script>alert('x')</script> Mayor Ana Ruiz said repairs would take at "
            "least six weeks; crews start on Monday."
        ),
        url="https://www.nytimes.com/2025/10/26/nyregion/harbor-bridge.html",
    ),
    RawArticle(
        title="O'Brien & Sons bridge shut in Harbor City as cracks found in girders",
        text=(
            "Harbor City shut the O'Brien & Sons bridge on Tuesday after inspectors found "
            "cracks in two steel girders, according to a state report. Mayor Ana Ruiz said "
            'the "<3 of the city" would reopen in six weeks, the city said in a statement.'
        ),
        url="https://www.foxnews.com/us/harbor-city-bridge-cracks",
    ),
    RawArticle(
        title="Cracked girders close Harbor City's O'Brien & Sons bridge for six weeks",
        text=(
            "But inspectors found cracks in two girders of the O'Brien & Sons bridge in Harbor "
            "City, which closed it on Tuesday. Repairs will take at least six weeks & cost "
            "$4 million, Mayor Ana Ruiz said."
        ),
        url="https://www.reuters.com/world/us/harbor-city-bridge-2025-10-26/",
    ),
]


def test_span_points_are_verbatim_in_json_and_text_in_html(app: Flask, client: FlaskClient) -> None:
    eng = engine(app)
    eng.ingest(ARTICLES)
    texts = [clean(a.text or "") for a in ARTICLES]
    titles = [clean(a.title) for a in ARTICLES]
    row = eng.store.article_by_key(article_key(ARTICLES[0].url or ""))
    assert row is not None and row.story_id is not None
    story_id = row.story_id
    # Every report in the one story.
    for a in ARTICLES:
        other = eng.store.article_by_key(article_key(a.url or ""))
        assert other is not None and other.story_id == story_id
    answer = client.get(f"/v1/stories/{story_id}")
    assert answer.status_code == 200
    summary = answer.get_json()
    points = [p["text"] for p in summary["key_points"]]
    assert len(points) >= 3
    for point in points:
        assert point.strip()
        assert any(point in t for t in texts) or point in titles, point
        assert "<script" not in point
    # At least one is a span the rules cut (no dateline, no trailing attribution).
    sentences = {s for t in texts for s in t.replace("; ", ". ").split(". ")}
    assert any(p.rstrip(".") not in {s.rstrip(".") for s in sentences} for p in points), points
    assert summary["headline"] in titles or any(summary["headline"] in t for t in titles)

    page = client.get(f"/stories/{story_id}")
    body = page.data.decode()
    assert page.status_code == 200
    assert "<script>alert" not in body
    for point in points:
        # Escaped exactly as Jinja's autoescape writes it: the text reads as written.
        assert str(escape(point)) in body, point
        if any(ch in point for ch in "&<>\"'"):
            assert point not in body, point  # only its escaped form
    assert "O&#39;Brien &amp; Sons" in body


HOSTILE = [
    "\ud800 Bridge \u202e closes \x00 in \u0301 Harbor City, officials said; cracks found",
    "中文新闻：港城大桥因裂缝关闭。官员说修复需要六周。",
    "WASHINGTON (AP) — " + "Harbor bridge, " * 2_000,
    '"' * 500 + " — " + "\u200b" * 100,
    "A" * 10_000,
]


def test_hostile_titles_and_texts_give_stories_that_answer_200(
    app: Flask, client: FlaskClient
) -> None:
    eng = engine(app)
    raws = [
        RawArticle(title=title[:500], text=text, url=f"https://example{i}.org/a{j}")
        for i, title in enumerate(HOSTILE)
        for j, text in enumerate(HOSTILE)
    ]
    eng.ingest(raws)
    texts = {article_key(r.url or ""): (clean(r.text or ""), clean(r.title)) for r in raws}
    story_ids = set()
    for key in texts:
        row = eng.store.article_by_key(key)
        if row is not None and row.story_id is not None:
            story_ids.add(row.story_id)
    assert story_ids
    for story_id in sorted(story_ids):
        answer = client.get(f"/v1/stories/{story_id}")
        assert answer.status_code == 200
        for point in answer.get_json()["key_points"]:
            assert point["text"].strip()
            assert any(point["text"] in t or point["text"] in h for t, h in texts.values())
        assert client.get(f"/stories/{story_id}").status_code == 200
