"""Issue 14's hostile inputs, each on SQLite and on PostgreSQL: impossible times, nesting, NUL,
lone surrogates, NaN, chunked bodies past the limit, and stored values no read may fail on."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.coverage.engine import RawArticle
from service.coverage.runtime import engine

from .conftest import make_app

ARTICLE = {"url": "https://leftpaper.com/harbor", "title": "Harbor council approves flood barrier"}
BAD_TIMES: list[Any] = [
    1e12,
    1e18,
    -1e18,
    -62135596801,
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "1970-01-01T00:00:00Z",
    "2999-01-01",
    10**400,
]


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    database_url = request.getfixturevalue("pg_url") if request.param == "postgresql" else ""
    return make_app(
        tmp_path,
        TESTING=False,  # an unexpected exception must show as the 500 a client would get
        RATE_LIMIT="",
        STORE_SUBMITTED_ARTICLES=True,
        DATABASE_URL=database_url,
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def post_raw(client: FlaskClient, path: str, body: str | bytes) -> Any:
    return client.post(path, data=body, content_type="application/json")


def assert_reads_answer(client: FlaskClient) -> None:
    """The story endpoints all answer (and with valid JSON) whatever is stored."""
    listing = client.get("/v1/stories")
    assert listing.status_code == 200, listing.get_data(as_text=True)
    json.loads(listing.get_data(as_text=True))  # strict: no NaN
    for story in listing.get_json()["stories"]:
        one = client.get(f"/v1/stories/{story['id']}")
        assert one.status_code == 200, one.get_data(as_text=True)
    related = client.get("/v1/related?url=https://leftpaper.com/harbor")
    assert related.status_code == 200, related.get_data(as_text=True)


# -- finding 1: times ----------------------------------------------------------------------


@pytest.mark.parametrize("published", BAD_TIMES, ids=repr)
def test_an_impossible_published_time_is_a_400_naming_it_and_stores_nothing(
    client: FlaskClient, published: Any
) -> None:
    body = json.dumps({**ARTICLE, "published": published})
    answer = post_raw(client, "/v1/articles", body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_published"
    assert "published" in error["message"] and "1990-01-01" in error["message"]
    assert client.get("/v1/stories").get_json()["count"] == 0
    assert_reads_answer(client)


@pytest.mark.parametrize("published", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_times_are_refused(client: FlaskClient, published: str) -> None:
    body = (
        '{"url": "https://leftpaper.com/harbor", "title": "Harbor", "published": ' + published + "}"
    )
    answer = post_raw(client, "/v1/articles", body)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_body"
    assert client.get("/v1/stories").get_json()["count"] == 0


def test_a_plausible_time_is_stored(client: FlaskClient) -> None:
    answer = client.post("/v1/articles", json={**ARTICLE, "published": "2025-03-04T10:00:00Z"})
    assert answer.status_code == 200 and answer.get_json()["stored"] is True
    story = answer.get_json()["story"]
    assert story["first_reported_by"]["published"] == "2025-03-04T10:00:00Z"


@pytest.mark.parametrize("published", ["1e18", "nan", "9999-12-31", "-62135596801"])
def test_related_refuses_an_impossible_published_parameter(
    client: FlaskClient, published: str
) -> None:
    answer = client.get(
        f"/v1/related?url=https://leftpaper.com/x&title=Harbor&published={published}"
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_published"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_story_filters_must_be_finite(client: FlaskClient, value: str) -> None:
    for name in ("since", "until"):
        answer = client.get(f"/v1/stories?{name}={value}")
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == f"invalid_{name}"


@pytest.mark.parametrize(
    "value", [1e18, -1e18, 1e300, math.inf, -math.inf, math.nan, 253402300800.0, -62135596801.0]
)
def test_reads_survive_any_stored_time(app: Flask, client: FlaskClient, value: float) -> None:
    """Rows written before the entrances checked times (or by hand) must not break a read."""
    eng = engine(app)
    eng.ingest(
        [
            RawArticle(
                title="Harbor council approves flood barrier", url="https://leftpaper.com/harbor"
            ),
            RawArticle(title="Harbor council passes flood barrier", url="https://rightdaily.com/b"),
        ]
    )
    store: Any = eng.store
    conn = store._conn()
    sqlite = "sqlite" in type(store).__name__.lower()
    marker = "?" if sqlite else "%s"
    conn.execute(f"UPDATE articles SET published = {marker}", (value,))
    if not (sqlite and math.isnan(value)):  # SQLite stores NaN as NULL, which these refuse
        conn.execute(f"UPDATE articles SET first_seen = {marker}", (value,))
        conn.execute(
            f"UPDATE stories SET first_seen = {marker}, last_updated = {marker}", (value, value)
        )
    if hasattr(conn, "commit"):
        conn.commit()
    if hasattr(app, "extensions") and "parallax.response_cache" in app.extensions:
        app.extensions["parallax.response_cache"].clear()
    assert_reads_answer(client)
    score = client.get("/v1/score?url=https://leftpaper.com/harbor")
    assert score.status_code == 200


# -- finding 5: bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/lookup", "/v1/articles"])
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_json_is_a_400(client: FlaskClient, path: str, opener: str) -> None:
    # As deep as fits the endpoint's size limit (64 KiB for articles): far past any recursion limit.
    depth = 100_000 if path == "/v1/lookup" else 60_000 // len(opener)
    answer = post_raw(client, path, opener * depth)
    assert answer.status_code == 400, answer.get_data(as_text=True)[:200]
    assert answer.get_json()["error"]["code"] == "invalid_body"
    # Nesting that parses but is deeper than any documented body: refused too.
    deep: Any = "x"
    for _ in range(40):
        deep = [deep]
    answer = client.post(path, json={"urls": deep})
    assert answer.status_code == 400 and "nests deeper" in answer.get_json()["error"]["message"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_lookup_refuses_nan_and_infinity_rather_than_echo_invalid_json(
    client: FlaskClient, constant: str
) -> None:
    answer = post_raw(client, "/v1/lookup", '{"urls": [' + constant + ', "leftpaper.com/a"]}')
    assert answer.status_code == 400
    json.loads(answer.get_data(as_text=True))  # strict JSON
    assert answer.get_json()["error"]["code"] == "invalid_body"


def test_nul_in_a_title_is_stripped_alike_on_both_backends(client: FlaskClient) -> None:
    answer = client.post("/v1/articles", json={**ARTICLE, "title": "Harbor\x00 council\x00 votes"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["stored"] is True
    assert answer.get_json()["story"]["headline"] == "Harbor council votes"
    related = client.get("/v1/related?url=https://leftpaper.com/other&title=Harbor%00council")
    assert related.status_code == 200
    assert_reads_answer(client)


def test_lone_surrogates_are_replaced_not_a_500(client: FlaskClient) -> None:
    body = '{"url": "https://leftpaper.com/s", "title": "Harbor \\ud800 council", "description": "\\udfff"}'
    answer = post_raw(client, "/v1/articles", body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["story"]["headline"] == "Harbor \ufffd council"
    bad_url = post_raw(
        client, "/v1/articles", '{"url": "https://leftpaper.com/\\ud800", "title": "x"}'
    )
    assert bad_url.status_code == 400 and bad_url.get_json()["error"]["code"] == "invalid_url"
    lookup = post_raw(client, "/v1/lookup", '{"urls": ["https://leftpaper.com/\\ud800"]}')
    assert lookup.status_code == 200
    assert lookup.get_json()["results"][0]["error"]["code"] == "invalid_url"


def test_a_chunked_body_is_bounded_on_the_bytes_read(client: FlaskClient) -> None:
    def post_chunked(article: dict[str, Any]) -> Any:
        """POSTs the article as a chunked body (no Content-Length), as gunicorn hands it on."""
        return client.post(
            "/v1/articles",
            input_stream=io.BytesIO(json.dumps(article).encode()),
            content_type="application/json",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    answer = post_chunked({**ARTICLE, "description": "x" * 200_000})
    assert answer.status_code == 413, answer.get_data(as_text=True)[:200]
    assert answer.get_json()["error"]["code"] == "body_too_large"
    assert client.get("/v1/stories").get_json()["count"] == 0
    answer = post_chunked(ARTICLE)
    assert answer.status_code == 200 and answer.get_json()["stored"] is True


# -- the hostile-input property suite: every case above, generated ---------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HOSTILE_CASES = int(__import__("os").environ.get("PARALLAX_FUZZ_EXAMPLES", "200")) * 3

_bad_number = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([1e12, 1e18, -1e18, -62135596801, 253402300800, 0, -1, 10**400]),
)
_bad_date = st.one_of(
    st.sampled_from(
        [
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            "1970-01-01",
            "2999-01-01",
            "",
            "now",
        ]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
    st.text(max_size=30),
)
_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"), st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e"])
    ),
    max_size=80,
)
_json_scalar = st.one_of(st.none(), st.booleans(), _bad_number, _text)


def _raw_constant() -> st.SearchStrategy[str]:
    return st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])


@st.composite
def hostile_bodies(draw: st.DrawFn) -> tuple[str, bytes, bool]:
    """(path, body bytes, send chunked) — nested, NUL, NaN, out-of-range dates, oversize."""
    path = draw(st.sampled_from(["/v1/articles", "/v1/lookup"]))
    kind = draw(st.sampled_from(["nested", "constant", "dated", "text", "oversize", "junk"]))
    if kind == "nested":
        depth = draw(st.integers(min_value=30, max_value=60_000))
        opener = draw(st.sampled_from(["[", '{"a":', '{"urls":[']))
        body = opener * depth
    elif kind == "constant":
        field = "published" if path == "/v1/articles" else "urls"
        constant = draw(_raw_constant())
        value = constant if field == "published" else f"[{constant}]"
        body = '{"url": "https://leftpaper.com/c", "title": "Harbor", "%s": %s}' % (field, value)  # noqa: UP031
    elif kind == "dated":
        published = draw(st.one_of(_bad_number, _bad_date))
        body = json.dumps(
            {"url": "https://leftpaper.com/d", "title": draw(_text) or "t", "published": published}
        )
    elif kind == "text":
        record = {
            "url": draw(st.one_of(_text, st.just("https://leftpaper.com/t"))),
            "title": draw(_text),
            "description": draw(_text),
            "canonical_url": draw(_json_scalar),
        }
        body = json.dumps(
            {"urls": [draw(_json_scalar) for _ in range(3)]} if path == "/v1/lookup" else record
        )
    elif kind == "oversize":
        body = json.dumps(
            {
                "url": "https://leftpaper.com/o",
                "title": "t",
                "description": "x" * draw(st.integers(60_000, 1_200_000)),
            }
        )
    else:
        body = draw(st.text(max_size=200))
    return path, body.encode("utf-8", "surrogatepass"), draw(st.booleans())


def test_no_hostile_body_gets_a_5xx_or_breaks_a_later_read(client: FlaskClient) -> None:
    ran = 0

    @settings(
        max_examples=HOSTILE_CASES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=hostile_bodies())
    def run(case: tuple[str, bytes, bool]) -> None:
        nonlocal ran
        ran += 1
        path, body, chunked = case
        extra: dict[str, Any] = {}
        if chunked:
            extra = {
                "input_stream": io.BytesIO(body),
                "headers": {"Transfer-Encoding": "chunked"},
                "environ_overrides": {"wsgi.input_terminated": True},
            }
        else:
            extra = {"data": body}
        answer = client.post(path, content_type="application/json", **extra)
        assert answer.status_code < 500, (path, body[:200], answer.get_data(as_text=True)[:300])
        json.loads(answer.get_data(as_text=True))  # strict JSON: no NaN echoed

    run()
    assert_reads_answer(client)
    print(f"hostile bodies: {ran} cases, no 5xx")
    assert ran >= HOSTILE_CASES // 2


@settings(
    max_examples=HOSTILE_CASES // 2,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(
    name=st.sampled_from(["published", "since", "until", "title", "text", "url", "hours", "limit"]),
    value=st.one_of(_text, _bad_date, _bad_number.map(str), _raw_constant()),
)
def test_no_hostile_query_parameter_gets_a_5xx(client: FlaskClient, name: str, value: str) -> None:
    for path, base in (
        ("/v1/related", {"url": "https://leftpaper.com/q", "title": "Harbor"}),
        ("/v1/stories", {}),
    ):
        answer = client.get(path, query_string={**base, name: value})
        assert answer.status_code < 500, (path, name, value, answer.get_data(as_text=True)[:300])
        json.loads(answer.get_data(as_text=True))
