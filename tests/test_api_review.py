"""Adversarial review of the server side (session 10, review-api): configuration values the
service accepted and then failed on, each test failing on the code before its fix."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from psycopg.conninfo import conninfo_to_dict

from service.config import ConfigError, load_config
from service.store.postgres import PostgresStore, drop_schema, split_database_url
from service.web.response_cache import L1_BYTES, ResponseCache
from tests.support.apps import make_app
from tests.support.stores import PG_URL, need_postgres


@pytest.mark.parametrize(
    ("url", "libpq"),
    [
        ("postgresql:///parallax", {"dbname": "parallax"}),
        (
            "postgresql:///parallax?host=/run/postgresql&schema=s1",
            {"dbname": "parallax", "host": "/run/postgresql"},
        ),
        ("postgresql://", {}),
        (
            "postgres://u@db.example:6543/p?sslmode=require",
            {
                "user": "u",
                "host": "db.example",
                "port": "6543",
                "dbname": "p",
                "sslmode": "require",
            },
        ),
    ],
)
def test_a_database_url_without_a_host_keeps_its_meaning_for_libpq(
    url: str, libpq: dict[str, str]
) -> None:
    # urlunsplit writes an empty host as "postgresql:/parallax" (the scheme is not one it
    # knows takes a host), which libpq cannot read: the local-socket forms libpq documents
    # started a service that answered every story request with a 500.
    conninfo, _ = split_database_url(url)
    assert conninfo_to_dict(conninfo) == libpq


def test_the_local_socket_form_of_the_database_url_opens_the_store() -> None:
    need_postgres()
    server = urlsplit(PG_URL)
    schema = f"parallax_test_{uuid.uuid4().hex[:12]}"
    query = f"host={server.hostname}&port={server.port or 5432}&user={server.username}"
    url = f"postgresql://{server.path}?{query}&schema={schema}"
    assert url.startswith("postgresql:///")
    store = PostgresStore(url)
    try:
        assert store.ping()[1]
    finally:
        store.close()
        drop_schema(PG_URL, schema)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        # a misspelt libpq parameter (sslmod for sslmode): psycopg refused it on every request
        (
            "postgresql://db.example/parallax?sslmod=require",
            'invalid URI query parameter: "sslmod"',
        ),
        ("postgresql://db.example/parallax?schema=Parallax-1", "schema='Parallax-1'"),
    ],
)
def test_a_database_url_libpq_cannot_read_stops_start_up(
    url: str, says: str, tmp_path: Path
) -> None:
    # Before, the service started and answered every story request and page with a 500
    # internal_error ("this is our bug"), the URL being read only when the store was opened.
    with pytest.raises(ConfigError, match=rf"^PARALLAX_DATABASE_URL: .*{re.escape(says)}"):
        load_config({"PARALLAX_DATABASE_URL": url, "PARALLAX_DATA_DIR": str(tmp_path)})


def test_a_redis_socket_address_the_settings_accept_starts_the_service(tmp_path: Path) -> None:
    # PARALLAX_REDIS_URL=unix:///path is accepted by the settings (and by redis-py), but the
    # rate limiter's storage names it redis+unix://: with the default PARALLAX_RATE_LIMIT the
    # app did not start ("unknown storage scheme : unix://..."). Nothing listens on the socket:
    # the limiter and the caches count and keep in process meanwhile.
    socket = tmp_path / "redis.sock"
    app = make_app(tmp_path, REDIS_URL=f"unix://{socket}", RATE_LIMIT="600/minute")
    response = app.test_client().get("/v1/score?url=https://www.bbc.co.uk/news/x")
    assert response.status_code == 200
    assert response.get_json()["outlet"]["id"] == "bbc.com"


@pytest.mark.parametrize(
    "value",
    [
        "https://*.example.com",  # read as a regular expression, anchored at its start only
        "app.example.com",  # no scheme: matched no Origin header ever
        "https://app.example.com/",  # a path: the same
        "https://app.example.com, https://app.example.com/news",
        "https://[::1",  # flask-cors's own error at start-up, naming no setting
    ],
)
def test_a_cors_origin_that_is_no_origin_stops_start_up(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^PARALLAX_CORS_ORIGINS: .* is not an origin"):
        load_config({"PARALLAX_CORS_ORIGINS": value})


def test_configured_cors_origins_grant_exactly_those_origins(tmp_path: Path) -> None:
    # flask-cors reads an origin holding "[" or "*" as a regular expression matched at the
    # start: "https://*.example.com" granted https://aexample.com.attacker.net (and no
    # subdomain), and an IPv6 origin granted http://1:8080 but not itself.
    configured = "https://news.example.com, http://[::1]:8080"
    app = make_app(tmp_path, CORS_ORIGINS=configured)
    client = app.test_client()

    def granted(origin: str) -> bool:
        response = client.get("/v1/score?url=bbc.co.uk/news/x", headers={"Origin": origin})
        return response.headers.get("Access-Control-Allow-Origin") == origin

    assert granted("https://news.example.com") and granted("http://[::1]:8080")
    assert granted("https://NEWS.example.com")  # an origin's host is case-insensitive
    for other in ("http://1:8080", "https://news.example.com.attacker.net", "https://example.com"):
        assert not granted(other), other
    assert granted("chrome-extension://" + "a" * 32)  # the extension's, always


def test_a_client_inventing_request_methods_adds_no_metric_series(tmp_path: Path) -> None:
    # The method label was the request's own: gunicorn passes any upper-case token as a method,
    # and each new one (FOOA, FOOB, ...) added a series to every worker's registry for good
    # (memory, the pooled file rewritten after every request, and /metrics' size).
    app = make_app(tmp_path, RATE_LIMIT="")
    client = app.test_client()
    client.get("/v1/score?url=bbc.co.uk/news/x")
    before = client.get("/metrics").get_data(as_text=True).count("parallax_http_requests_total{")
    for n in range(50):
        client.open("/v1/score?url=bbc.co.uk/news/x", method=f"ZZ{n:03d}")
    text = client.get("/metrics").get_data(as_text=True)
    assert "ZZ0" not in text
    assert text.count("parallax_http_requests_total{") <= before + 2  # an "other" 405 series
    assert 'method="OTHER"' in text and 'method="GET"' in text


def test_the_response_caches_own_level_is_bounded_in_bytes() -> None:
    # It was bounded at 20,000 answers of up to 256 KiB each (5 GiB a worker): distinct query
    # strings (/v1/stories?limit=200&x=1, &x=2 ...) are distinct keys, each a large answer kept.
    cache = ResponseCache(3600.0)
    body = b"x" * (200 * 1024)
    for n in range(2000):
        cache.set(f"parallax:resp:GET:/v1/stories:{n}", body)
    kept = sum(len(value) for value in cache._l1.values())
    assert kept <= L1_BYTES
    assert cache.get("parallax:resp:GET:/v1/stories:1999") == (body, "l1")  # the newest kept


def test_a_ratings_files_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    # The problems of `parallax ratings import/check` quote the file's own values: an escape
    # sequence in a field (a table from elsewhere) was printed as is, clearing or retitling the
    # operator's terminal (feeds' errors are escaped for the same reason: shown_error).
    from click.testing import CliRunner

    from service.cli import main

    header = (
        "id,name,aliases,kind,country,language,lean,lean_score,factuality,owner,owner_type,"
        "flags,basis,confidence,reviewed"
    )
    row = (
        "example-news.com,Example News,,newspaper,US,en,center,,high,Ex Co,corporation,,test,"
        "high,2025-01-01\x1b[2J\x1b]0;pwned\x07\x00"
    )
    table = tmp_path / "outlets.csv"
    table.write_text(f"{header}\n{row}\n", encoding="utf-8")
    result = CliRunner(env={"PARALLAX_DATA_DIR": str(tmp_path / "data")}).invoke(
        main, ["ratings", "import", str(table)]
    )
    assert result.exit_code == 1
    assert "must be a date YYYY-MM-DD" in result.output
    assert "\\x1b[2J\\x1b]0;pwned\\x07\\x00" in result.output
    assert not any(ord(c) < 32 and c != "\n" or 127 <= ord(c) < 160 for c in result.output)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        # 0 threads silently ran 4; 0 fetches at once silently allowed 1 (pages still fetched
        # where the operator meant none: PARALLAX_FETCH_PAGES=0 says that); 0 URLs a lookup
        # refused every POST /v1/lookup.
        ("PARALLAX_FEED_THREADS", "use 1 to 128"),
        ("PARALLAX_FETCH_CONCURRENCY", "PARALLAX_FETCH_PAGES=0"),
        ("PARALLAX_LOOKUP_MAX_URLS", "at least 1"),
    ],
)
def test_a_zero_the_service_would_replace_or_fail_on_stops_start_up(name: str, says: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{name}=0: .*{re.escape(says)}"):
        load_config({name: "0"})
    assert load_config({name: "1"})[name.removeprefix("PARALLAX_")] == 1


def test_an_empty_log_level_is_the_default_as_the_settings_read_it(tmp_path: Path) -> None:
    # validate() reads an empty PARALLAX_LOG_LEVEL (an env file's "PARALLAX_LOG_LEVEL=") as
    # INFO, but every `parallax` command and create_app then refused it ("log level ''").
    from click.testing import CliRunner

    from service.cli import main

    env = {"PARALLAX_LOG_LEVEL": "", "PARALLAX_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner(env=env).invoke(main, ["lookup", "https://www.bbc.co.uk/news/x"])
    assert result.exit_code == 0, result.output
    assert '"bbc.com"' in result.output
    assert make_app(tmp_path, LOG_LEVEL="").test_client().get("/healthz").status_code == 200


def test_parallax_lookup_reads_a_url_list_saved_with_a_byte_order_mark(tmp_path: Path) -> None:
    # A list saved by an editor that starts UTF-8 files with a BOM: its first URL was refused
    # as "url is not a web address", the mark being invisible (ingest --file strips it).
    from click.testing import CliRunner

    from service.cli import main

    urls = b"\xef\xbb\xbfhttps://www.bbc.co.uk/news/x\nhttps://www.bbc.co.uk/news/y\n"
    result = CliRunner(env={"PARALLAX_DATA_DIR": str(tmp_path / "data")}).invoke(
        main, ["lookup"], input=urls
    )
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["url"] for a in answers] == [
        "https://www.bbc.co.uk/news/x",
        "https://www.bbc.co.uk/news/y",
    ]
    assert all(a["outlet"]["id"] == "bbc.com" for a in answers)


def test_parallax_lookup_names_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    # A Latin-1 list (or any stray byte): under a strict UTF-8 locale (en_US.UTF-8, no UTF-8
    # mode) reading it raised UnicodeDecodeError with a traceback; elsewhere the byte became
    # a lone surrogate and the answer said "unpaired UTF-16 surrogate; send valid Unicode text".
    from click.testing import CliRunner

    from service.cli import main

    urls = b"https://www.bbc.co.uk/news/caf\xe9\nhttps://www.bbc.co.uk/news/y\n"
    result = CliRunner(env={"PARALLAX_DATA_DIR": str(tmp_path / "data")}).invoke(
        main, ["lookup"], input=urls
    )
    assert result.exit_code == 1 and "1 of 2 URLs could not be scored" in result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["url"] == "https://www.bbc.co.uk/news/caf\ufffd"
    assert first["error"]["message"] == (
        "line 1 is not UTF-8 text (byte 0xE9 at column 31): save the list as UTF-8"
    )
    assert second["outlet"]["id"] == "bbc.com"
