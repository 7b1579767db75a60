"""Paging the front page and /v1/stories by the store's keyset cursor past 5,000 stories of one
instant, forward and back, on SQLite and PostgreSQL; a bad cursor is a 400 saying what to give."""

from __future__ import annotations

import base64
import html
import re
import uuid
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from service.coverage.runtime import engine
from service.store.base import Batch, NewArticle
from service.store.postgres import drop_schema
from service.web.api.stories import encode_cursor
from tests.support.apps import close_store, make_app
from tests.support.stores import BACKENDS, PG_URL, need_postgres

HTML = {"Accept": "text/html"}
T0 = 1_760_000_000.0
TIED = 5_050  # the front page read an instant's stories whole, up to 5,000: the rest were lost


@pytest.fixture(scope="module", params=[BACKENDS["sqlite"], BACKENDS["postgresql"]])
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FlaskClient, list[str]]]:
    """An app whose store holds 10 newer stories, TIED of one instant and 10 older, and their
    ids in the listing's order (one bulk commit through the store's own API)."""
    schema = f"parallax_test_{uuid.uuid4().hex[:12]}"
    if request.param == "postgresql":
        need_postgres()
    database_url = f"{PG_URL}?schema={schema}" if request.param == "postgresql" else ""
    app = make_app(tmp_path_factory.mktemp("paging"), DATABASE_URL=database_url)
    times = [T0 + 100 + i for i in range(10)] + [T0] * TIED + [T0 - 100 + i for i in range(10)]
    store = engine(app).store
    store.commit(
        Batch(
            articles=[
                NewArticle(key=f"id:p-{i}", title=f"Harbor story {i}", side="unrated",
                           published=t, first_seen=t, story_id=f"st-{i % 5}-{i:05d}")
                for i, t in enumerate(times)
            ]
        )
    )  # fmt: skip
    order = [r.id for r in store.stories(limit=len(times) + 1, digests=False)]
    assert len(order) == len(times)
    yield app.test_client(), order
    close_store(app)
    if database_url:
        drop_schema(PG_URL, schema)


def _listed(body: str) -> list[str]:
    return re.findall(r'<a href="/stories/(st-[\d-]+)">', body)


def _link(body: str, rel: str, words: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)">{words}</a>', body)
    return html.unescape(found.group(1)) if found else None


def test_the_front_page_pages_through_every_story_of_one_instant_forward_and_back(
    filled: tuple[FlaskClient, list[str]],
) -> None:
    client, order = filled
    forward: list[tuple[str, list[str]]] = []
    path: str | None = "/"
    while path is not None:
        assert len(forward) < 200
        body = client.get(path, headers=HTML).data.decode()
        forward.append((path, _listed(body)))
        path = _link(body, "next", "Older stories")
    listed = [story for _, page in forward for story in page]
    assert listed == order  # each story once, none left out, in the listing's order
    assert all(len(page) == 30 for _, page in forward[:-1])
    # Back from the last page by its 'Newer stories' links: the same pages, in reverse.
    back: list[list[str]] = []
    path = forward[-1][0]
    while path is not None:
        assert len(back) < 200
        body = client.get(path, headers=HTML).data.decode()
        back.append(_listed(body))
        path = _link(body, "prev", "Newer stories")
    assert back[::-1] == [page for _, page in forward]
    assert "Newer stories" not in client.get("/", headers=HTML).data.decode()


def test_the_api_pages_through_every_story_with_its_cursors_forward_and_back(
    filled: tuple[FlaskClient, list[str]],
) -> None:
    client, order = filled
    pages: list[list[str]] = []
    answer = client.get("/v1/stories?limit=200").get_json()
    assert answer["prev"] is None
    while True:
        assert len(pages) < 60
        pages.append([s["id"] for s in answer["stories"]])
        assert answer["count"] == len(answer["stories"])
        if answer["next"] is None:
            break
        answer = client.get(f"/v1/stories?limit=200&cursor={answer['next']}").get_json()
    assert [i for page in pages for i in page] == order
    back = [pages[-1]]
    while answer["prev"] is not None:
        assert len(back) < 60
        answer = client.get(f"/v1/stories?limit=200&cursor={answer['prev']}").get_json()
        back.append([s["id"] for s in answer["stories"]])
    assert back[::-1] == pages
    # A cursor keeps the filters given with it: within the instant, from a story of it.
    tied = client.get(f"/v1/stories?since={T0}&until={T0}&limit=200").get_json()
    assert {s["last_updated"] for s in tied["stories"]} == {"2025-10-09T08:53:20Z"}
    more = client.get(f"/v1/stories?since={T0}&until={T0}&cursor={tied['next']}").get_json()
    assert [s["id"] for s in more["stories"]] == order[210:260]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "a" * 300,
        "abc",  # not base64 of anything
        _b64("o|1760000000.0"),  # two parts
        _b64("x|1760000000.0|st-1"),  # no such direction
        _b64("o|nan|st-1"),
        _b64("o|inf|st-1"),
        _b64("o|1e999|st-1"),
        _b64("o|1760000000.0|<b>"),
        _b64("o|1760000000.0|st-1|more"),
        _b64("o|１７６|st-1"),
        base64.urlsafe_b64encode(b"o|1|\xff\xfe").decode().rstrip("="),
        # times no stored story has (before 1970, past the year 9999) and times or ids
        # encode_cursor never writes: each was a 200 with an empty or wrong page
        _b64("o|-1.0|st-1"),
        _b64("n|-1e+300|st-1"),
        _b64("n|1e+300|st-1"),
        _b64("o|253402300800.0|st-1"),
        _b64("o| 1760000000.0 |st-1"),
        _b64("o|1_760_000_000.0|st-1"),
        _b64("n|-0.0|st-1"),
        _b64("o|1760000000|st-1"),
        _b64("o|1760000000.0|st-1\n"),
    ],
)
def test_a_bad_cursor_is_a_400_saying_what_to_give(
    filled: tuple[FlaskClient, list[str]], cursor: str
) -> None:
    client, _ = filled  # (SQLite and PostgreSQL)
    response = client.get("/v1/stories", query_string={"cursor": cursor})
    assert response.status_code == 400, cursor
    error = response.get_json()["error"]
    assert error["code"] == "invalid_cursor"
    assert "next or prev value of an earlier /v1/stories answer" in error["message"]


def test_a_cursor_given_twice_is_a_400(client: FlaskClient) -> None:
    response = client.get(f"/v1/stories?cursor={_b64('o|1.0|a')}&cursor={_b64('o|2.0|b')}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "newer=1",  # without than
        "than=st-1",  # without newer
        "newer=nan&than=st-1",
        "newer=1&than=%3Cb%3E",
        "newer=1&than=st-1&than=st-2",
        "newer=1&than=st-1&before=2",
    ],
)
def test_a_bad_newer_cursor_is_a_400_page(client: FlaskClient, query: str) -> None:
    response = client.get(f"/?{query}", headers=HTML)
    assert response.status_code == 400, query
    assert b"Newer stories" in response.data or b"newer" in response.data


def test_a_page_links_the_other_way_only_where_a_story_lies(
    filled: tuple[FlaskClient, list[str]],
) -> None:
    """next/prev and the pager's links lead only to a page with stories: a cursor's own page may
    be gone since (its stories updated, merged, removed) or the cursor made up."""
    client, order = filled
    api = "/v1/stories?limit=50&cursor="
    # Older than a time past every story: the latest 50, and nothing newer.
    top = client.get(api + encode_cursor("o", T0 + 10**6, "zz")).get_json()
    assert [s["id"] for s in top["stories"]] == order[:50]
    assert top["prev"] is None and top["next"] is not None
    # Newer than a time before every story: the oldest 50, and nothing older.
    bottom = client.get(api + encode_cursor("n", 1.0, "a")).get_json()
    assert [s["id"] for s in bottom["stories"]] == order[-50:]
    assert bottom["next"] is None and bottom["prev"] is not None
    # Older than every story: an empty page whose prev leads back to the oldest stories.
    empty = client.get(api + encode_cursor("o", 1.0, "a")).get_json()
    assert empty["stories"] == [] and empty["next"] is None
    back = client.get(api + empty["prev"]).get_json()
    assert [s["id"] for s in back["stories"]] == order[-50:]
    # The front page likewise.
    body = client.get(f"/?before={T0 + 10**6!r}", headers=HTML).data.decode()
    assert _listed(body) == order[:30]
    assert _link(body, "prev", "Newer stories") is None
    assert _link(body, "next", "Older stories") is not None
    body = client.get(f"/?newer={T0 - 1000!r}&than=a", headers=HTML).data.decode()
    assert _listed(body) == order[-30:]
    assert _link(body, "next", "Older stories") is None
    assert _link(body, "prev", "Newer stories") is not None
