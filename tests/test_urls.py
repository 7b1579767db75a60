"""The shared URL case table against the Python resolver, plus the URL parser's own rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.core.ratings import bundled_table
from service.core.urls import MAX_URL_LENGTH, URLInputError, canonical_url, parse_article_url
from tests.conftest import load_url_cases

CASES = load_url_cases()


def test_case_table_is_large_and_varied() -> None:
    assert len(CASES) >= 80
    assert sum(1 for c in CASES if c.get("error")) >= 15
    assert sum(1 for c in CASES if c["outlet"] is None and not c.get("error")) >= 15
    assert sum(1 for c in CASES if c.get("kind") == "platform") >= 5


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_url_case(case: dict[str, Any]) -> None:
    table = bundled_table()
    if case.get("error"):
        with pytest.raises(URLInputError) as info:
            table.resolve(case["input"])
        assert info.value.message
        return
    if "source_name" in case:
        # A link shown beside its source's name (Google News): see Resolver.resolve_named.
        result = table.resolver.resolve_named(
            case["input"], case["source_name"], case.get("country")
        )
    else:
        result = table.resolve(case["input"])
    assert (result.outlet.id if result.outlet else None) == case["outlet"]
    if "resolved_url" in case:
        assert result.resolved_url == case["resolved_url"]
    if "kind" in case:
        assert result.outlet is not None and result.outlet.kind == case["kind"]
    if "shortener" in case:
        assert result.shortener is case["shortener"]


def test_case_table_pins_google_news_source_names() -> None:
    named = [c for c in CASES if "source_name" in c]
    assert len(named) >= 10
    assert any(c["outlet"] is None for c in named) and any(c.get("country") for c in named)


def test_source_name_needs_an_opaque_google_news_link() -> None:
    resolver = bundled_table().resolver
    # No name at all for an opaque id: no outlet, never the aggregator or a guess.
    opaque = "https://news.google.com/read/CBMiAU_yqLNwbGFjZWhvbGRlcl9ub3RfYV91cmw"
    assert resolver.resolve_named(opaque, None).outlet is None
    assert resolver.resolve_named(opaque, 42).outlet is None
    with pytest.raises(URLInputError):
        resolver.resolve_named("javascript:alert(1)", "Fox News")


def test_error_messages_say_what_to_fix() -> None:
    with pytest.raises(URLInputError, match="only http:// and https://"):
        parse_article_url("ftp://example.com/x")
    with pytest.raises(URLInputError, match="limit is 4096"):
        parse_article_url("https://example.com/" + "a" * MAX_URL_LENGTH)
    with pytest.raises(URLInputError, match="position 25"):
        parse_article_url("https://www.example.com/a b")
    with pytest.raises(URLInputError, match="1-65535"):
        parse_article_url("https://example.com:70000/")


def test_non_string_input_is_refused() -> None:
    for value in (None, 5, ["https://example.com"], {"u": 1}):
        with pytest.raises(URLInputError):
            canonical_url(value)


def test_canonical_url_is_idempotent() -> None:
    for case in CASES:
        if case.get("error"):
            continue
        once = canonical_url(case["input"])
        assert canonical_url(once) == once


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_a_result_or_a_clear_error(text: str) -> None:
    try:
        result = bundled_table().resolve(text)
    except URLInputError as exc:
        assert exc.message
    else:
        assert result.resolved_url.startswith(("http://", "https://"))


URL_CHARS = st.sampled_from(
    list("abcxyz019-._~:/?#[]@!$&'()*+,;=%\\ \t\u00e9\u4e2d") + ["xn--", "..", "//"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "HTTPS://", "//", "", "javascript:", "ftp://"]),
    st.lists(URL_CHARS, max_size=60).map("".join),
    st.sampled_from(["nytimes.com", "bbc.co.uk", "x.blogspot.com", "127.0.0.1", "[::1]", "", "a"]),
    st.lists(URL_CHARS, max_size=60).map("".join),
)
def test_url_shaped_junk_gives_a_result_or_a_clear_error(
    scheme: str, pre: str, host: str, post: str
) -> None:
    text = scheme + pre + host + post
    try:
        result = bundled_table().resolve(text)
    except URLInputError as exc:
        assert exc.message
    else:
        again = canonical_url(result.resolved_url)
        assert again.startswith(("http://", "https://"))
