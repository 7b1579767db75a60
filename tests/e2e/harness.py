"""Helpers for the extension e2e tests: fixture routing, the service, a browser with it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import pytest

from tests.support.net import free_port as free_port  # the e2e tests import it from here

# Lets Playwright report requests made by the extension's service worker (the request log that
# proves standalone mode sends nothing); must be set before Playwright starts its driver.
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

REPO = Path(__file__).resolve().parents[2]
EXTENSION_DIR = REPO / "extension"
# The ratings built into the package (extension/build.mjs writes the same bytes; not committed).
SNAPSHOT = EXTENSION_DIR / "data" / "ratings.json"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = FIXTURES / "pages"
ARTIFACTS = REPO / "test-artifacts" / "extension"
SERVICE_START_TIMEOUT_S = 60.0
SYNC_TIMEOUT_S = 20.0

# Each fixture page is served at the real URL of the outlet it imitates, so content scripts run
# exactly as they would for a reader of that outlet.
ROUTED_PAGES: dict[str, str] = {
    "https://www.nytimes.com/2025/10/25/us/northbridge-dam-vote.html": "nyt-article.html",
    "https://www.theguardian.com/us-news/2025/oct/26/eastport-harbor-bridge-closed-crack": (
        "hostile.html"
    ),
    "https://www.foxnews.com/": "plain-home.html",
    "https://www.theguardian.com/world/2025/oct/27/strict-csp-page": "strict-csp.html",
    "https://www.foxnews.com/politics/millbrook-county-clerk-resigns-missing-ballot-boxes-audit": (
        "fox-blindspot.html"
    ),
    "https://www.northbridge-gazette.example/2025/10/25/dam-vote": "unrated-article.html",
    "https://apnews.com/article/northbridge-dam-vote-fixed-column-0a1b2c3d4e": "fixed-column.html",
    "https://www.theguardian.com/us-news/2025/oct/28/harbor-bridge-reopens-styles": (
        "hostile-styles.html"
    ),
    "https://www.theguardian.com/us-news/2025/oct/28/harbor-bridge-reopens-globals": (
        "hostile-globals.html"
    ),
    "https://www.theguardian.com/us-news/2025/oct/28/harbor-bridge-shadow-links": (
        "shadow-links.html"
    ),
    "https://www.haaretz.co.il/news/2025-10-28/ty-article/harbor-bridge-closed": (
        "rtl-article.html"
    ),
    "https://www.theguardian.com/us-news/2025/oct/29/harbor-bridge-reopens-transformed": (
        "transformed-body.html"
    ),
    "https://www.theguardian.com/us-news/2025/oct/30/harbor-bridge-tolls-consent": (
        "modal-consent.html"
    ),
    "https://www.theguardian.com/us-news/2025/oct/31/harbor-bridge-inspection-zoomed": (
        "zoomed-root.html"
    ),
}
ROUTED_ORIGINS = sorted(
    {url.split("/", 3)[0] + "//" + url.split("/", 3)[2] for url in ROUTED_PAGES}
)

# Pages served with a Content-Security-Policy as strict as any site sends: our UI must still work.
STRICT_CSP = (
    "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'"
)
ROUTED_HEADERS: dict[str, dict[str, str]] = {
    "https://www.theguardian.com/world/2025/oct/27/strict-csp-page": {
        "Content-Security-Policy": STRICT_CSP
    },
}
STRICT_CSP_ARTICLE = "https://www.theguardian.com/world/2025/oct/27/strict-csp-page"

NYT_ARTICLE = "https://www.nytimes.com/2025/10/25/us/northbridge-dam-vote.html"
HOSTILE_STYLES_ARTICLE = (
    "https://www.theguardian.com/us-news/2025/oct/28/harbor-bridge-reopens-styles"
)
SHADOW_LINKS_ARTICLE = "https://www.theguardian.com/us-news/2025/oct/28/harbor-bridge-shadow-links"
HOSTILE_GLOBALS_ARTICLE = (
    "https://www.theguardian.com/us-news/2025/oct/28/harbor-bridge-reopens-globals"
)
HOSTILE_ARTICLE = (
    "https://www.theguardian.com/us-news/2025/oct/26/eastport-harbor-bridge-closed-crack"
)
# body { transform }: the containing block of every fixed element inside it.
TRANSFORMED_BODY_ARTICLE = (
    "https://www.theguardian.com/us-news/2025/oct/29/harbor-bridge-reopens-transformed"
)
# A consent form open as a modal dialog (the top layer) when the article loads.
MODAL_CONSENT_ARTICLE = (
    "https://www.theguardian.com/us-news/2025/oct/30/harbor-bridge-tolls-consent"
)
# html { zoom: 0.5 }: a page scaled down with CSS zoom.
ZOOMED_ARTICLE = "https://www.theguardian.com/us-news/2025/oct/31/harbor-bridge-inspection-zoomed"
# A Hebrew article (html lang="he" dir="rtl") on a rated outlet's site.
RTL_ARTICLE = "https://www.haaretz.co.il/news/2025-10-28/ty-article/harbor-bridge-closed"
UNRATED_ARTICLE = "https://www.northbridge-gazette.example/2025/10/25/dam-vote"
FIXED_COLUMN_ARTICLE = "https://apnews.com/article/northbridge-dam-vote-fixed-column-0a1b2c3d4e"
FOX_HOME = "https://www.foxnews.com/"
FOX_BLINDSPOT = (
    "https://www.foxnews.com/politics/millbrook-county-clerk-resigns-missing-ballot-boxes-audit"
)


def same_article(url: object) -> str:
    """A URL as keypoint.js's sameArticleKey compares it (no fragment, "www." or trailing slash;
    http and https alike)."""
    if not isinstance(url, str) or "://" not in url:
        return ""
    parts = urllib.parse.urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{parts.path.rstrip('/')}{query}"


def lead_index(story: dict[str, Any], page_url: str) -> int:
    """Which key point the panel leads with on page_url: the first from another article."""
    here = same_article(page_url)
    for i, point in enumerate(story["key_points"]):
        if same_article(point.get("url")) != here:
            return i
    return 0


@cache
def ratings_export() -> bytes:
    """The bytes `parallax ratings export` prints (without its final newline)."""
    from service.core.ratings import check_ratings, default_ratings_dir, export_json

    table, problems = check_ratings(default_ratings_dir())
    assert table is not None and not problems, problems
    return export_json(table)


def ensure_snapshot() -> None:
    """Puts the current ratings into the unpacked extension, as `make extension-ratings` does."""
    body = ratings_export()
    if SNAPSHOT.is_file() and SNAPSHOT.read_bytes() == body:
        return
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    temporary = SNAPSHOT.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(body)
    temporary.replace(SNAPSHOT)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def parallax_command() -> list[str]:
    script = Path(sys.executable).with_name("parallax")
    return [str(script)] if script.exists() else [sys.executable, "-m", "service.cli"]


def http_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - 127.0.0.1 only
        return json.loads(response.read().decode("utf-8"))


@dataclass
class Service:
    """A running `parallax serve` on 127.0.0.1."""

    url: str
    process: subprocess.Popen[bytes]

    def score(self, article_url: str) -> Any:
        return http_json(f"{self.url}/v1/score?url={urllib.parse.quote(article_url, safe='')}")


def serve_parallax(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, IO[bytes]]:
    """`parallax serve` over `data_dir` on a free loopback port (ingest off, one worker) once it
    answers /healthz: (process, its URL, its log, data_dir/serve.log). Fails the test, showing
    the log, when it exits or does not answer within SERVICE_START_TIMEOUT_S."""
    env = {**os.environ, "PARALLAX_DATA_DIR": str(data_dir), "PARALLAX_INGEST_ENABLED": "0"}
    env.pop("PARALLAX_DATABASE_URL", None)
    port = free_port()
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            *parallax_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ingest",
            "--workers",
            "1",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVICE_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            log.close()
            pytest.fail(
                f"parallax serve exited with {process.returncode}:\n"
                + (data_dir / "serve.log").read_text()
            )
        try:
            http_json(f"{url}/healthz", timeout=1.0)
            return process, url, log
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                stop_parallax(process, log)
                pytest.fail(
                    f"parallax serve did not answer on {url}:\n"
                    + (data_dir / "serve.log").read_text()
                )
            time.sleep(0.2)


def stop_parallax(process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    """Stops a serve_parallax() service (killed if it takes over 15 s) and closes its log."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


class FakeService:
    """A minimal stand-in for a Parallax service on 127.0.0.1: `/version` and
    `/v1/outlets/export` from `export` (with its ETag and 304), and, when `score` is set, that
    body for every `/v1/score` (a story shaped as a test needs it: no key points, hostile ones)."""

    def __init__(self, export: dict[str, Any], score: dict[str, Any] | None = None) -> None:
        self.score = score
        fake = self
        body = json.dumps(export).encode()
        version = json.dumps(
            {
                "version": "fake",
                "ratings_version": export["version"],
                "outlets": len(export["outlets"]),
            }
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                path = self.path.split("?")[0]
                etag = f'"{export["version"]}"'
                if path == "/v1/outlets/export" and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                payload = {"/version": version, "/v1/outlets/export": body}.get(path)
                if path == "/v1/score" and fake.score is not None:
                    payload = json.dumps(fake.score).encode()
                self.send_response(200 if payload else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(payload or b'{"error": {"code": "not_found", "message": "no"}}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def route_fixture_pages(context: Any) -> None:
    """Serves the fixture pages at their outlets' real URLs; the rest of those hosts is a 404."""

    def handler(route: Any) -> None:
        url = route.request.url.split("#", 1)[0]
        name = ROUTED_PAGES.get(url)
        if name is None:
            route.fulfill(
                status=404,
                content_type="text/html",
                body="<!doctype html><title>Not found</title><p>Not found",
            )
            return
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers=ROUTED_HEADERS.get(url, {}),
            body=(PAGES / name).read_text("utf-8"),
        )

    for origin in ROUTED_ORIGINS:
        context.route(f"{origin}/**", handler)


@dataclass
class Browser:
    """A Chromium profile with the unpacked extension, configured for the test service (or none)."""

    context: Any
    worker: Any
    extension_id: str
    service_url: str | None
    # Every request the profile made since launch: (url, whether the extension's worker made it).
    requests: list[tuple[str, bool]] = field(default_factory=list)

    def network_requests_by_extension(self) -> list[str]:
        """Requests by the extension that leave the browser (its own files are not the network)."""
        return [
            url
            for url, from_worker in self.requests
            if not url.startswith("chrome-extension://")
            and (from_worker or url.startswith(("http://127.0.0.1", "http://localhost")))
        ]

    def storage(self, key: str) -> Any:
        return self.worker.evaluate(
            f"chrome.storage.local.get({json.dumps(key)}).then(r => r[{json.dumps(key)}] ?? null)"
        )

    def set_settings(self, **changes: Any) -> None:
        self.worker.evaluate(
            "changes => chrome.storage.local.get('settings')"
            ".then(r => chrome.storage.local.set({settings: {...r.settings, ...changes}}))",
            changes,
        )

    def wait_for_sync(self, since_ms: float) -> dict[str, Any]:
        """Waits until the worker has attempted a ratings sync after `since_ms` (epoch ms)."""
        deadline = time.monotonic() + SYNC_TIMEOUT_S
        while time.monotonic() < deadline:
            meta = self.storage("ratingsMeta") or {}
            finished = meta.get("lastFinished")
            if finished and _epoch_ms(finished) >= since_ms:
                return dict(meta)
            time.sleep(0.1)
        raise AssertionError(
            f"the extension did not sync its ratings in {SYNC_TIMEOUT_S}s: "
            f"{self.storage('ratingsMeta')}"
        )

    def page_url(self, name: str) -> str:
        return f"chrome-extension://{self.extension_id}/{name}"

    def active_tab_id(self) -> int:
        tab_id: int = self.worker.evaluate(
            "chrome.tabs.query({active: true, lastFocusedWindow: true}).then(t => t[0].id)"
        )
        return tab_id


# Every line box of visible text under a selector, as [left, top, right, bottom] (viewport pixels).
TEXT_BOXES_JS = """selector => {
  const root = document.querySelector(selector) ?? document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const boxes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || node.parentElement?.closest('script, style, noscript, template')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const b of range.getClientRects()) if (b.width > 0 && b.height > 0) boxes.push([b.left, b.top, b.right, b.bottom]);
  }
  return boxes;
}"""


def text_boxes(page: Any, selector: str = "body") -> list[tuple[float, float, float, float]]:
    """Where the page's text is drawn: what our panel and tab must never cover."""
    return [tuple(box) for box in page.evaluate(TEXT_BOXES_JS, selector)]


def _epoch_ms(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000


def launch(playwright: Any, chromium_exe: str, profile: Path, color_scheme: str = "light") -> Any:
    ensure_snapshot()
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=chromium_exe,
        headless=True,
        color_scheme=color_scheme,
        viewport={"width": 1280, "height": 800},
        args=[
            "--headless=new",
            "--no-sandbox",
            f"--disable-extensions-except={EXTENSION_DIR}",
            f"--load-extension={EXTENSION_DIR}",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    )


def start_extension(context: Any, service_url: str | None) -> Browser:
    """Waits for the extension's worker and its built-in table, then (unless `service_url` is None,
    for standalone mode) connects it to `service_url` and waits for the service's table."""
    requests: list[tuple[str, bool]] = []
    # The worker's own requests show up thanks to PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS.
    context.on(
        "request", lambda request: requests.append((request.url, bool(request.service_worker)))
    )
    worker = (
        context.service_workers[0]
        if context.service_workers
        else context.wait_for_event("serviceworker", timeout=15000)
    )
    extension_id = worker.url.split("/")[2]
    browser = Browser(
        context=context,
        worker=worker,
        extension_id=extension_id,
        service_url=service_url,
        requests=requests,
    )
    # onInstalled writes the default settings and stores the built-in table; wait for it so our
    # settings are not overwritten.
    deadline = time.monotonic() + SYNC_TIMEOUT_S
    while not (browser.storage("ratingsMeta") or {}).get("version"):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the extension never stored its built-in table: {browser.storage('ratingsMeta')}"
            )
        time.sleep(0.1)
    route_fixture_pages(context)
    if service_url is None:
        return browser
    since = time.time() * 1000
    browser.set_settings(serviceUrl=service_url)
    meta = browser.wait_for_sync(since)
    assert not meta.get("lastError"), meta
    assert meta.get("count", 0) > 100, meta
    return browser


# Shared by the e2e test modules: open pages and reach into our shadow roots.
WAIT_MS = 10_000
PANEL_READY = "parallax-panel .coverage-section h4, parallax-panel .service-error"


def shadow(page: Any, host: str, script: str) -> Any:
    """Evaluates `script` (a function of the shadow root) inside our UI's shadow root."""
    return page.locator(host).evaluate(f"h => ({script})(h.shadowRoot)")


def open_article(browser: Browser, url: str) -> Any:
    """A new tab on `url`, once the panel has its coverage (or its error)."""
    page = browser.context.new_page()
    page.goto(url)
    page.wait_for_selector(PANEL_READY, state="attached", timeout=WAIT_MS)
    return page


def hover_result(page: Any, selector: str) -> str:
    """Hovers a link and returns the card's outlet name, or '' when the extension showed nothing."""
    page.mouse.move(1, 1)
    page.evaluate("delete document.documentElement.dataset.parallaxHoverMs")
    page.hover(selector)
    page.wait_for_function(
        "document.documentElement.dataset.parallaxHoverMs !== undefined", timeout=WAIT_MS
    )
    if page.evaluate("document.documentElement.dataset.parallaxHoverMs") == "none":
        return ""
    card = page.locator("parallax-hovercard .card")
    card.wait_for(state="visible", timeout=WAIT_MS)
    name: str = card.locator(".outlet-name").inner_text()
    return name


def open_panel(page: Any) -> None:
    """Opens the panel from its tab, unless it opened by itself."""
    if page.locator("parallax-panel .panel").is_visible():
        return
    page.locator("parallax-panel .tab").click()
    page.wait_for_selector("parallax-panel .panel", state="visible", timeout=WAIT_MS)


# Removes our panel each time it appears, `limit` times (or for ever), counting in __removals:
# a page that fights the panel (test_ext_reinsert, test_ext_shortcut).
REMOVER_JS = """limit => {
  window.__removals = 0;
  const take = () => {
    const host = document.querySelector('parallax-panel');
    if (host && window.__removals < limit) { window.__removals += 1; host.remove(); }
  };
  new MutationObserver(take).observe(document.body, { childList: true });
  take();
}"""
