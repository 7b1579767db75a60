"""Differential test: the extension's JS resolver and the service's Python resolver agree on many URLs."""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from service.core.ratings import RatingsTable, load_table
from service.core.urls import URLInputError
from tests.e2e.harness import EXTENSION_DIR

SEED = 20251025
URLS_PER_OUTLET = 3
MAX_OUTLETS = 1200
NAMED_OUTLETS = 600


def _variants(rng: random.Random, host: str, path: str) -> list[str]:
    """Ways a link to `host` shows up in the wild, including the tricky ones."""
    article = f"https://{host}{path}"
    quoted = urllib.parse.quote(article, safe="")
    bing = "a1" + base64.urlsafe_b64encode(article.encode()).decode().rstrip("=")
    return [
        article,
        f"https://www.{host}{path}?utm_source=x&id=7&fbclid=abc#section",
        f"http://{host.upper()}{path}",
        f"{host}{path}",
        f"//{host}{path}",
        f"https://{host}.{path.strip('/').split('/')[0] or 'x'}.example/",
        f"https://m.{host}{path}?a=1&&b=%20c+d",
        f"https://news.{host}:443{path}",
        f"https://{host}:8443{path}",
        f"https://user:pw@{host}{path}",
        f"https://evil.example/{host}{path}",
        f"https://{host}@evil.example{path}",
        f"https://evil.example\\@{host}{path}",
        f"https://www.google.com/url?q={quoted}&sa=D",
        f"https://www.google.co.uk/url?url={quoted}",
        f"https://www.google.com/amp/s/{host}{path}",
        f"https://{host.replace('.', '-')}.cdn.ampproject.org/c/s/{host}{path}?amp=1",
        f"https://l.facebook.com/l.php?u={quoted}&h=AT0",
        f"https://out.reddit.com/t3_x?url={quoted}&token=y",
        f"https://www.bing.com/ck/a?!&&p=abc&u={bing}&ntb=1",
        f"https://{host}./{path.lstrip('/')}",
        f"https://{host}{path}?q=caf\u00e9&x='y'",
        f"https://{host}{path.rstrip('/')}/caf\u00e9",
        f"javascript:alert('{host}')",
        f"https://{host}:0{path}",
        f"https://{host}:99999{path}",
        f"https://-{host}/",
        f"https://{host}{path} with space",
    ] + [f"https://{rng.choice(['a', 'b', 'www', 'edition'])}.{host}{path}"]


def _cases(table: RatingsTable) -> list[str]:
    rng = random.Random(SEED)
    outlets = sorted(table.outlets)
    chosen = rng.sample(outlets, min(MAX_OUTLETS, len(outlets)))
    aliases = sorted({a for o in table.outlets.values() for a in o.aliases})
    urls: list[str] = []
    for outlet_id in chosen + rng.sample(aliases, min(200, len(aliases))):
        host, _, sub = outlet_id.partition("/")
        for _ in range(URLS_PER_OUTLET):
            path = (
                "/"
                + (sub + "/" if sub else "")
                + f"2025/10/{rng.randint(1, 28)}/story-{rng.randint(1, 999)}"
            )
            urls.append(rng.choice(_variants(rng, host, path)))
    for shortener in ("t.co", "bit.ly", "trib.al"):
        urls.append(f"https://{shortener}/AbC123")
    for platform in ("someone.blogspot.com", "x.substack.com", "a.b.medium.com"):
        urls.append(f"https://{platform}/p/post")
    return urls


# Google News links whose ids hold no URL; only the source name beside them says whose they are.
OPAQUE_GOOGLE_NEWS = (
    "https://news.google.com/read/CBMiAU_yqLNwbGFjZWhvbGRlcl9ub3RfYV91cmw?hl=en-US&gl=US&ceid=US:en",
    "https://news.google.com/rss/articles/CBMiAU_yqLNwbGFjZWhvbGRlcl9ub3RfYV91cmw?oc=5",
    "https://news.google.com/articles/CBMiWkFVX3lxTE1hYmNkZWZnaGlqa2xtbm9w0gEA",
)


def _named_cases(table: RatingsTable) -> list[dict[str, Any]]:
    """Source names as pages print them: exact, shouted, with "The", by host, unknown."""
    rng = random.Random(SEED + 1)
    outlets = sorted(table.outlets.values(), key=lambda o: o.id)
    cases: list[dict[str, Any]] = []
    for outlet in rng.sample(outlets, min(NAMED_OUTLETS, len(outlets))):
        name = rng.choice(
            [
                outlet.name,
                outlet.name.upper(),
                "The " + outlet.name,
                f" {outlet.name}. ",
                outlet.id.split("/")[0],
                outlet.name + " Weekly",
            ]
        )
        country = rng.choice([None, outlet.country, "US", "gb", "XYZ"])
        url = rng.choice(OPAQUE_GOOGLE_NEWS + ("https://www.example.org/x",))
        cases.append({"url": url, "name": name, "country": country})
    return cases


def _python(table: RatingsTable, url: str | dict[str, Any]) -> dict[str, Any]:
    try:
        if isinstance(url, dict):
            resolution = table.resolver.resolve_named(url["url"], url["name"], url["country"])
        else:
            resolution = table.resolve(url)
    except URLInputError:
        return {"outlet": None, "resolved_url": None, "shortener": False, "error": True}
    return {
        "outlet": resolution.outlet.id if resolution.outlet else None,
        "resolved_url": resolution.resolved_url,
        "shortener": resolution.shortener,
        "error": False,
    }


def test_js_and_python_resolvers_agree(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the extension's resolver runs on node")
    table = load_table()
    export = tmp_path / "export.json"
    export.write_text(json.dumps(table.export()), "utf-8")
    urls: list[str | dict[str, Any]] = [*_cases(table), *_named_cases(table)]
    run = subprocess.run(
        [node, str(EXTENSION_DIR / "scripts" / "resolve-cli.mjs"), str(export)],
        input="\n".join(json.dumps(u) for u in urls) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    js = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(js) == len(urls)
    mismatches = []
    for url, got in zip(urls, js, strict=True):
        expected = _python(table, url)
        if got != expected:
            mismatches.append({"url": url, "python": expected, "js": got})
    assert len(urls) > 3000
    assert not mismatches, f"{len(mismatches)} of {len(urls)} differ, e.g.:\n" + "\n".join(
        json.dumps(m) for m in mismatches[:10]
    )
