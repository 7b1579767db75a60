"""French, German and Spanish stories through every entrance that stores or matches an
article: a feed, `parallax ingest --file`, POST /v1/articles, /v1/related and `parallax cluster`.
Each hands the clusterer the outlet's language (or leaves it to be detected), and the two reports
of one event make one story apart from the third article, as the clusterer alone groups them
(tests/coverage/test_languages.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from service.cli.coverage import cluster, ingest
from service.coverage import lexicon
from service.coverage.cluster import Clusterer, Doc
from service.coverage.engine import Engine, article_key
from service.coverage.match import MatchModel
from service.coverage.runtime import engine as app_engine
from service.ingest.feeds import FeedIngester, FeedSource
from service.ingest.fetch import FetchResult
from tests.coverage.conftest import OUTLET_COLUMNS
from tests.coverage.test_languages import FRENCH, GERMAN, SPANISH
from tests.support.apps import close_store, make_app
from tests.support.ratings import write_ratings

# Two outlets per language (one each side), rated as publishing in it.
OUTLETS = {
    "fr": ("gauche.example.fr", "droite.example.fr"),
    "de": ("links.example.de", "rechts.example.de"),
    "es": ("izquierda.example.es", "derecha.example.es"),
}
ROWS = sorted(
    f"{host},{host},,newspaper,{lang.upper()},{lang},{lean},,high,Owner,corporation,,test fixture,"
    "high,2025-01-01"
    for lang, pair in OUTLETS.items()
    for host, lean in zip(pair, ("lean-left", "lean-right"), strict=True)
)
LANGUAGES = [pytest.param(FRENCH, "fr", id="fr"), pytest.param(GERMAN, "de", id="de"),
             pytest.param(SPANISH, "es", id="es")]  # fmt: skip


def _url(doc: Doc, language: str) -> str:
    return f"https://{OUTLETS[language][int(doc.id[-1]) % 2]}/{doc.id}"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    ratings = write_ratings(tmp_path / "ratings", "\n".join([OUTLET_COLUMNS, *ROWS]) + "\n")
    made = make_app(tmp_path, RATINGS_DIR=str(ratings), STORE_SUBMITTED_ARTICLES=True)
    yield made
    close_store(made)


@dataclass
class Seen:
    """What the clusterer was handed and used while a test ran."""

    languages: dict[str, str | None] = field(default_factory=dict)  # doc id -> Doc.language
    priors: set[str] = field(default_factory=set)  # languages whose shipped term table was read
    learned: int = 0  # decisions the learned (calibrated) match model made


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Seen:
    record = Seen()
    add = Clusterer.add
    probability = MatchModel.probability
    table = lexicon.table

    def spy_add(self: Clusterer, doc: Doc) -> str:
        record.languages[doc.id] = doc.language
        return add(self, doc)

    def spy_probability(self: MatchModel, features: list[float]) -> float:
        record.learned += 1
        return probability(self, features)

    def spy_table(language: str, *args: Any, **kwargs: Any) -> lexicon.TermTable | None:
        found = table(language, *args, **kwargs)
        if found is not None:
            record.priors.add(language)
        return found

    monkeypatch.setattr(Clusterer, "add", spy_add)
    monkeypatch.setattr(MatchModel, "probability", spy_probability)
    monkeypatch.setattr(lexicon, "table", spy_table)
    return record


def _assert_engine_used(seen: Seen, language: str, *, given: bool = True) -> None:
    """The per-language text (the outlet's language handed over, or detected), the shipped
    prior of that language and the learned match all took part."""
    if given:
        assert set(seen.languages.values()) == {language}
    assert language in seen.priors, seen.priors
    assert seen.learned > 0


def _stories(eng: Engine, docs: list[Doc], language: str) -> list[str | None]:
    rows = [eng.store.article_by_key(article_key(_url(d, language))) for d in docs]
    return [r.story_id if r else None for r in rows]


def _assert_grouped(stories: list[str | None]) -> None:
    assert stories[0] is not None and stories[2] is not None
    assert stories[0] == stories[1] != stories[2], stories


@pytest.mark.parametrize(("docs", "language"), LANGUAGES)
def test_a_feed(app: Flask, docs: list[Doc], language: str, seen: Seen) -> None:
    items = "".join(
        f"<item><title>{d.title}</title><link>{_url(d, language)}</link>"
        f"<description>{d.text}</description></item>"
        for d in docs
    )
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{items}</channel></rss>'
    )

    def fetcher(url: str, policy: Any, headers: Any = None) -> FetchResult:
        return FetchResult(url=url, status=200, headers={}, body=body.encode())

    eng = app_engine(app)
    feed = FeedSource(OUTLETS[language][0], "https://feeds.example/rss")
    run = FeedIngester(eng, politeness=0, fetcher=fetcher).run([feed])
    assert run.added == 3, run.to_json()
    _assert_grouped(_stories(eng, docs, language))
    _assert_engine_used(seen, language)


def _write(path: Path, docs: list[Doc], language: str, *, outlet: bool = True) -> Path:
    rows = [
        {"id": d.id, "title": d.title, "text": d.text, "published": d.published}
        | ({"url": _url(d, language)} if outlet else {})
        for d in docs
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(("docs", "language"), LANGUAGES)
def test_ingest_file(
    app: Flask,
    tmp_path: Path,
    docs: list[Doc],
    language: str,
    seen: Seen,
) -> None:
    path = _write(tmp_path / "articles.jsonl", docs, language)
    with app.app_context():
        result = CliRunner().invoke(ingest, ["--file", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == 3
    _assert_grouped(_stories(app_engine(app), docs, language))
    _assert_engine_used(seen, language)


@pytest.mark.parametrize(("docs", "language"), LANGUAGES)
def test_the_api_stores_and_matches(app: Flask, docs: list[Doc], language: str, seen: Seen) -> None:
    client = app.test_client()
    for d in docs:
        answer = client.post(
            "/v1/articles",
            json={"url": _url(d, language), "title": d.title, "description": d.text,
                  "published": d.published},
        )  # fmt: skip
        assert answer.status_code == 200 and answer.get_json()["stored"], answer.get_json()
    stories = _stories(app_engine(app), docs, language)
    _assert_grouped(stories)
    _assert_engine_used(seen, language)
    # An article not stored: /v1/related offers the first two reports' story first.
    other = docs[1]
    answer = client.get(
        "/v1/related",
        query_string={"url": f"https://{OUTLETS[language][0]}/again", "title": other.title,
                      "text": other.text, "published": str(other.published)},
    )  # fmt: skip
    body = answer.get_json()
    assert answer.status_code == 200 and body["match"] == "similar", body
    assert body["candidates"][0]["story"]["id"] == stories[0]


@pytest.mark.parametrize(("docs", "language"), LANGUAGES)
def test_the_cluster_command(tmp_path: Path, docs: list[Doc], language: str, seen: Seen) -> None:
    # No URL, so no outlet: the language is detected from the text.
    path = _write(tmp_path / "articles.jsonl", docs, language, outlet=False)
    result = CliRunner().invoke(cluster, [str(path)])
    assert result.exit_code == 0, result.output
    story = {r["id"]: r["story"] for r in map(json.loads, result.stdout.splitlines())}
    _assert_grouped([story[d.id] for d in docs])
    assert len(seen.languages) == 3
    _assert_engine_used(seen, language, given=False)
