"""Every endpoint of the spine and every error path: JSON in, JSON out, never a 500."""

from __future__ import annotations

import gzip
import json
import logging
import re
import sys
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.core.ratings import check_ratings, default_ratings_dir
from service.ops.logs import JSONFormatter


def test_score_resolves_an_article(client: FlaskClient) -> None:
    response = client.get(
        "/v1/score", query_string={"url": "https://edition.cnn.com/2025/x?utm_source=a"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["resolved_url"] == "https://edition.cnn.com/2025/x"
    outlet = body["outlet"]
    assert outlet["id"] == "cnn.com"
    assert set(outlet) >= {"id", "name", "domain", "kind", "country", "owner", "lean", "factuality"}
    assert outlet["lean"]["label"] in {
        "far-left",
        "left",
        "lean-left",
        "center",
        "lean-right",
        "right",
        "far-right",
    }
    assert -1 <= outlet["lean"]["score"] <= 1


def test_score_of_an_unrated_site_has_a_null_outlet(client: FlaskClient) -> None:
    body = client.get("/v1/score?url=https://unrated-site.example/x").get_json()
    assert body["outlet"] is None and body["shortener"] is False


def test_score_of_a_shortener_says_so(client: FlaskClient) -> None:
    body = client.get("/v1/score?url=https://t.co/abc").get_json()
    assert body["shortener"] is True and body["outlet"] is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "missing_url"),
        ("?url=", "invalid_url"),
        ("?url=javascript:alert(1)", "invalid_url"),
        ("?url=a&url=b", "too_many_urls"),
        ("?url=https://x.com:99999/", "invalid_url"),
    ],
)
def test_score_errors_are_json_with_a_message(client: FlaskClient, query: str, code: str) -> None:
    response = client.get("/v1/score" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and len(error["message"]) > 10


def test_lookup_answers_in_order_with_errors_inline(client: FlaskClient) -> None:
    urls = ["https://www.bbc.co.uk/news/x", "ftp://bad", "https://www.foxnews.com/x", 42]
    response = client.post("/v1/lookup", json={"urls": urls})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r.get("outlet", {}) and r["outlet"]["id"] for r in results[::2]] == [
        "bbc.com",
        "foxnews.com",
    ]
    assert results[1]["error"]["code"] == "invalid_url"
    assert results[3]["error"]["code"] == "invalid_url" and results[3]["url"] == 42


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"data": "not json", "content_type": "application/json"}, "invalid_body"),
        ({"json": ["https://x.com"]}, "invalid_body"),
        ({"json": {"urls": "https://x.com"}}, "invalid_body"),
        ({"json": {"urls": ["https://x.com"] * 1001}}, "too_many_urls"),
    ],
)
def test_lookup_refuses_bad_bodies(
    client: FlaskClient, kwargs: dict[str, object], code: str
) -> None:
    response = client.post("/v1/lookup", **kwargs)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_oversized_body_is_a_json_413(client: FlaskClient) -> None:
    response = client.post(
        "/v1/lookup", data=b"x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"]


def test_outlet_by_id_and_unknown_id(client: FlaskClient) -> None:
    assert client.get("/v1/outlets/nytimes.com").get_json()["name"] == "The New York Times"
    response = client.get("/v1/outlets/no-such-outlet.example")
    assert response.status_code == 404
    assert "search" in response.get_json()["error"]["message"]


def test_outlet_search_filters_and_pages(client: FlaskClient) -> None:
    body = client.get("/v1/outlets?q=times&country=US&per_page=5").get_json()
    assert body["total"] >= 2 and len(body["outlets"]) <= 5
    assert all(o["country"] == "US" for o in body["outlets"])
    lean = client.get("/v1/outlets?lean=center&kind=wire-service").get_json()
    assert lean["total"] >= 1
    assert all(
        o["lean"]["label"] == "center" and o["kind"] == "wire-service" for o in lean["outlets"]
    )
    page2 = client.get("/v1/outlets?per_page=3&page=2").get_json()
    page1 = client.get("/v1/outlets?per_page=3&page=1").get_json()
    assert {o["id"] for o in page1["outlets"]}.isdisjoint(o["id"] for o in page2["outlets"])


@pytest.mark.parametrize(
    "query",
    [
        "lean=leftish",
        "factuality=great",
        "country=USA",
        "kind=blogger",
        "page=0",
        "per_page=1000",
        "page=x",
    ],
)
def test_outlet_search_refuses_bad_filters(client: FlaskClient, query: str) -> None:
    response = client.get("/v1/outlets?" + query)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_export_is_gzipped_with_a_strong_etag_and_304(client: FlaskClient) -> None:
    response = client.get("/v1/outlets/export", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in response.headers["Cache-Control"]
    assert (
        len(response.data) <= 350 * 1024
    )  # the extension's budget for the cached export (issue 10)
    body = json.loads(gzip.decompress(response.data))
    assert body["version"] and body["fields"][0] == "id"
    # The table's date is its newest review: what the extension compares with its built-in table.
    table, _ = check_ratings(default_ratings_dir())
    assert table is not None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["date"])
    assert body["date"] == max(o.reviewed for o in table.outlets.values())
    ids = {row[0] for row in body["outlets"]}
    assert "nytimes.com" in ids and body["aliases"]["edition.cnn.com"] == "cnn.com"
    assert "blogspot.com" in body["stop_suffixes"]
    again = client.get("/v1/outlets/export", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    plain = client.get("/v1/outlets/export")
    assert (
        "Content-Encoding" not in plain.headers
        and json.loads(plain.data)["version"] == body["version"]
    )


def test_health_ready_version(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["ratings"]["ok"] is True
    version = client.get("/version").get_json()
    assert version["outlets"] > 0 and version["ratings_version"]


def test_readyz_is_503_when_a_dependency_fails(app: Flask) -> None:
    def database() -> tuple[str, bool, str]:
        raise ConnectionError("down")

    app.extensions["parallax.readiness"].append(database)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False


def test_flask_404_and_405_are_json(client: FlaskClient) -> None:
    missing = client.get("/nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete("/v1/score")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["message"]
    assert "GET" in wrong.headers["Allow"]


def test_unexpected_errors_are_json_without_a_trace(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "internal_error"


def test_cors_allows_the_extension_and_not_everyone(client: FlaskClient) -> None:
    origin = "chrome-extension://" + "a" * 32
    ok = client.get("/v1/score?url=nytimes.com", headers={"Origin": origin})
    assert ok.headers.get("Access-Control-Allow-Origin") == origin
    other = client.get("/v1/score?url=nytimes.com", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    firefox = "moz-extension://12345678-1234-1234-1234-123456789abc"
    preflight = client.options(
        "/v1/lookup", headers={"Origin": firefox, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") == firefox


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ("/healthz", "/nope", "/v1/score"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_one_structured_log_line_per_request_without_the_url(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="parallax.request")
    response = client.get("/v1/score?url=https://www.nytimes.com/secret-reading")
    formatter = JSONFormatter()
    lines = [
        json.loads(formatter.format(r)) for r in caplog.records if r.name == "parallax.request"
    ]
    assert len(lines) == 1
    line = lines[0]
    assert line["path"] == "/v1/score" and line["status"] == 200 and line["ms"] >= 0
    assert line["level"] == "info" and line["logger"] == "parallax.request"
    assert datetime.fromisoformat(line["time"]).tzinfo is not None
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert "secret-reading" not in caplog.text
    assert "secret-reading" not in json.dumps(lines)


def test_a_plain_client_request_id_is_kept_and_a_hostile_one_replaced(client: FlaskClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-Id": "edge-7f3a.1"})
    assert kept.headers["X-Request-Id"] == "edge-7f3a.1"
    replaced = client.get("/healthz", headers={"X-Request-Id": "<script>" + "x" * 100})
    assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["X-Request-Id"])
    errors = client.get("/v1/score")  # a 400 carries its id too
    assert errors.status_code == 400 and errors.headers["X-Request-Id"]


def test_every_log_line_is_json_with_time_level_logger(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "parallax.x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info()
        )
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "failed here" and line["level"] == "error"
    assert line["logger"] == "parallax.x" and line["error"] == "ValueError: boom"


def test_docs_page_is_html_and_escapes(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b"/v1/score" in page.data


@pytest.mark.parametrize(
    "url", ["https://www.nytimes.com/x", "https://t.co/a", "https://unrated.example/\u00e9"]
)
def test_score_fast_path_equals_the_plain_answer(app: Flask, client: FlaskClient, url: str) -> None:
    from service.core.scoring import score_url
    from service.web.api import ratings_table, story_lookup

    with app.app_context():
        expected = score_url(ratings_table(app), url, story_lookup(app))
    assert client.get("/v1/score", query_string={"url": url}).get_json() == expected


@pytest.mark.parametrize(
    "path", ["/v1/score", "/v1/stories", "/v1/related", "/v1/outlets", "/outlets"]
)
def test_a_query_string_that_is_not_utf8_is_a_400_naming_it(client: FlaskClient, path: str) -> None:
    # gunicorn refuses such a request line itself, but a WSGI server may hand the raw bytes on
    # (PEP 3333: QUERY_STRING as latin-1); werkzeug's request.args then raised in the view.
    response = client.get(path, environ_overrides={"QUERY_STRING": "url=\xff&q=\xfe"})
    assert response.status_code == 400
    if path.startswith("/v1/"):
        assert response.get_json()["error"]["code"] == "invalid_query"
    assert "UTF-8" in response.get_data(as_text=True)
