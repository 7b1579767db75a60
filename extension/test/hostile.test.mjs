// The worker against hostile senders and a hostile service: background.js's real message handler,
// run with an in-memory chrome.* and a local HTTP server that answers as badly as it can.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { ask, fakeChrome } from "./fakechrome.mjs";
import { OutletIndex } from "../src/lib/resolve.js";
import { linkTarget, linkQuestion } from "../src/content/links.js";

const chrome = fakeChrome();
globalThis.chrome = chrome;
await import("../src/background.js");

const PAGE = { id: chrome.runtime.id, url: chrome.runtime.getURL("options.html") };
const CONTENT = { id: chrome.runtime.id, url: "https://www.nytimes.com/2025/10/25/x.html", tab: { id: 7 }, frameId: 0 };

let nested = "0";
for (let i = 0; i < 5000; i += 1) nested = `{"a":[${nested}]}`;
const HOSTILE_EXPORT = JSON.stringify({ version: "hostile", date: "2099-12-31", fields: ["id", "name"], outlets: [["evil.example", "Evil"]], shorteners: "t.co", stop_suffixes: { a: 1 }, aliases: ["x"] });

/** @type {Record<string, (req: any, res: any) => void>} */
const ROUTES = {
  // A body without end: the worker must stop reading at its bound, not at the timeout.
  "/endless/version": (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => { while (!res.destroyed && res.write(chunk)); };
    res.on("drain", pump);
    pump();
  },
  "/declared/version": (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(50 * 1024 * 1024) });
    res.write("{");
  },
  "/deep/v1/score": (req, res) => {
    const related = Array.from({ length: 20000 }, (_, i) => ({ url: `https://example.org/${i}`, title: "<img src=x onerror=alert(1)>" }));
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(`{"outlet":null,"story":{"id":"s1","headline":"${"H".repeat(100000)}","related":${JSON.stringify(related)},"deep":${nested}}}`);
  },
  "/loud/v1/score": (req, res) => {
    res.writeHead(400, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: { code: "<b>x</b>", message: `Call 555-0100 now. ${"!".repeat(200000)}` } }));
  },
  "/emptytable/v1/outlets/export": (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ version: "empty", date: "2099-12-31", fields: ["id"], outlets: [[1], [null], "x"] }));
  },
  "/posted/v1/score": (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end('{"outlet":null,"story":null}');
  },
  "/posted/v1/articles": (req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      posted.push(JSON.parse(body));
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"story":null}');
    });
  },
  // Answers 200 with whatever the test puts in `shaped`: JSON of the wrong shape.
  "/shaped/v1/score": (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(shaped.body));
  },
  "/shaped/v1/articles": (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ story: null }));
  },
  "/oddversion/version": (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ratings_version: "r1", version: { major: 1 }, outlets: "many" }));
  },
  "/badtable/v1/outlets/export": (req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(HOSTILE_EXPORT);
  },
};

const posted = [];
const shaped = { body: /** @type {unknown} */ (null) };
let server;
let base = "";
before(async () => {
  server = createServer((req, res) => {
    const route = ROUTES[req.url.split("?")[0]];
    if (route) route(req, res);
    else { res.writeHead(404, { "Content-Type": "application/json" }); res.end('{"error":{"code":"not_found","message":"no"}}'); }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => { server.closeAllConnections(); server.close(); });

function depth(value) {
  if (!value || typeof value !== "object") return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depth));
}

test("messages that read other tabs, the settings or fetch a given address are for the extension's pages only", async () => {
  for (const message of [{ type: "getTabState", tabId: 3 }, { type: "getStatus" }, { type: "refreshRatings" }, { type: "testService", url: `${base}/endless` }]) {
    const reply = await ask(chrome, message, CONTENT);
    assert.equal(reply?.ok, false, message.type);
    assert.equal(reply.error.code, "forbidden", message.type);
  }
  assert.equal((await ask(chrome, { type: "getStatus" }, PAGE)).ok, true);
  assert.equal((await ask(chrome, { type: "getTabState", tabId: 3 }, PAGE)).ok, true);
  // Not a string type, or none: a clear refusal, never a throw.
  for (const message of [null, "pageSeen", { type: ["pageSeen"] }, { type: "__proto__" }, { type: "toString" }]) {
    const reply = await ask(chrome, message, CONTENT);
    assert.equal(reply?.error?.code, "unknown_message", JSON.stringify(message));
  }
});

// Before the bound, the endless answer was read until the worker ran out of memory or time.
test("an answer without end or declared huge is cut off at the bound", { timeout: 30_000 }, async () => {
  for (const path of ["/endless", "/declared"]) {
    const reply = await ask(chrome, { type: "testService", url: base + path }, PAGE);
    assert.equal(reply.ok, false, path);
    assert.equal(reply.error.code, "too_large", `${path}: ${JSON.stringify(reply.error)}`);
  }
});

test("a story nested thousands deep, with 20,000 articles and a 100,000-character headline, reaches the page bounded", async () => {
  chrome.storage.local.data.settings = { serviceUrl: `${base}/deep` };
  const reply = await ask(chrome, { type: "score", url: "https://www.nytimes.com/2025/10/25/x.html", page: {} }, CONTENT);
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  const story = reply.data.story;
  assert.equal(story.id, "s1");
  assert.ok(story.related.length <= 300, `${story.related.length} related`);
  assert.ok(story.headline.length <= 4000);
  assert.ok(depth(reply.data) <= 12, `depth ${depth(reply.data)}`);
  assert.ok(JSON.stringify(reply).length < 1_000_000);
  const kept = chrome.storage.session.data["tab:7"];
  assert.ok(kept.story.related.length <= 300);
});

test("a service's error message is one line of bounded length, its code a plain word", async () => {
  chrome.storage.local.data.settings = { serviceUrl: `${base}/loud` };
  const reply = await ask(chrome, { type: "score", url: "https://www.nytimes.com/2025/10/25/x.html", page: {} }, CONTENT);
  assert.equal(reply.ok, false);
  assert.ok(reply.error.message.length <= 300, `${reply.error.message.length} characters`);
  assert.ok(reply.error.message.startsWith("Call 555-0100 now."));
  assert.equal(reply.error.code, "http_400");
});

test("a service's table with fields of the wrong type still rates pages; one with no usable row is refused", async () => {
  chrome.storage.local.data.settings = { serviceUrl: `${base}/emptytable` };
  const refused = await ask(chrome, { type: "refreshRatings" }, PAGE);
  assert.equal(refused.ok, false);
  assert.match(refused.error.message, /not in the expected format/);
  chrome.storage.local.data.settings = { serviceUrl: `${base}/badtable` };
  const refreshed = await ask(chrome, { type: "refreshRatings" }, PAGE);
  assert.equal(refreshed.ok, true, JSON.stringify(refreshed));
  const seen = await ask(chrome, { type: "pageSeen", url: "https://evil.example/2025/10/25/x", isArticle: true }, CONTENT);
  assert.equal(seen.ok, true, JSON.stringify(seen));
  assert.equal(seen.outlet?.name, "Evil");
  const setup = await ask(chrome, { type: "badgeSetup", url: "https://evil.example/" }, CONTENT);
  assert.equal(setup.ok, true);
});

test("the resolver indexes a table whose optional fields have the wrong types", () => {
  const index = new OutletIndex({ version: { toString: 1 }, fields: [{ toString: 1 }, "id"], outlets: [[0, "a.example"]], shorteners: "t.co", stop_suffixes: 5, aliases: [1, 2] });
  assert.equal(index.size, 1);
  assert.equal(index.version, "");
});

test("a host's path outlets are matched longest path first, whatever the table's order", () => {
  const ids = ["site.example/a", "site.example/a/b/c", "site.example/a/b"];
  const index = new OutletIndex({ version: "1", fields: ["id", "name"], outlets: [["site.example", "Site"], ...ids.map((id) => [id, id])] });
  assert.equal(index.tryResolve("https://site.example/a/b/c/story-1")?.outlet?.id, "site.example/a/b/c");
  assert.equal(index.tryResolve("https://site.example/a/b/story-1")?.outlet?.id, "site.example/a/b");
  assert.equal(index.tryResolve("https://site.example/a/story-1")?.outlet?.id, "site.example/a");
});

test("a link whose href or expanded URL is enormous is not sent to the worker", () => {
  const shorteners = new Set(["t.co"]);
  const link = (href, { text = "x", attrs = {} } = {}) => ({ href, textContent: text, getAttribute: (name) => attrs[name] ?? null });
  const huge = `https://www.nytimes.com/${"a".repeat(2_000_000)}`;
  assert.equal(linkTarget(link(huge), shorteners), null);
  assert.equal(linkQuestion(link(huge), shorteners), null);
  assert.equal(linkTarget(link("https://t.co/abc", { attrs: { "data-expanded-url": huge } }), shorteners), "https://t.co/abc");
  assert.equal(linkTarget(link("https://t.co/abc", { text: `nytimes.com/${"a".repeat(100000)}` }), shorteners), "https://t.co/abc");
  assert.equal(linkTarget(link("https://www.nytimes.com/x"), shorteners), "https://www.nytimes.com/x");
});

test("what a content script asks the worker to send is cut to what a page's metadata may hold", async () => {
  chrome.storage.local.data.settings = { serviceUrl: `${base}/posted` };
  const page = { title: "T".repeat(1_000_000), description: "D".repeat(1_000_000), published: `2025-10-25T00:00:00Z${" ".repeat(100000)}` };
  const reply = await ask(chrome, { type: "score", url: "https://www.nytimes.com/2025/10/25/x.html", page }, CONTENT);
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  assert.equal(posted.length, 1);
  assert.equal(posted[0].title.length, 500);
  assert.equal(posted[0].description.length, 1000);
  assert.equal(posted[0].published, null);
  const long = await ask(chrome, { type: "score", url: `https://www.nytimes.com/${"a".repeat(10_000)}`, page: {} }, CONTENT);
  assert.equal(long.ok, false);
  assert.equal(long.error.code, "bad_url");
  assert.equal((await ask(chrome, { type: "score", url: { href: "x" }, page: {} }, CONTENT)).error.code, "bad_url");
});

test("a score answer of the wrong shape is named as such, and never replaces the table's rating with garbage", async () => {
  chrome.storage.local.data.settings = { serviceUrl: `${base}/shaped` };
  const score = () => ask(chrome, { type: "score", url: "https://www.nytimes.com/2025/10/25/x.html", page: {} }, CONTENT);
  // Not an object at all: the panel said "No other coverage of this story found yet".
  for (const body of [[], "text", 5, null, [{ outlet: null, story: null }]]) {
    shaped.body = body;
    const reply = await score();
    assert.equal(reply.ok, false, JSON.stringify(body));
    assert.equal(reply.error.code, "bad_response", JSON.stringify(reply.error));
    assert.match(reply.error.message, /not in the expected format/);
  }
  // An outlet or story that is no outlet or story: dropped, so the page keeps the rating of the
  // table it has (the panel showed "Unknown outlet", its tab "undefined · Not rated" or
  // "[object Object] · Not rated", and "0 articles from 0 sources" for a story that was a list).
  for (const [outlet, story] of [["nytimes.com", [1, 2]], [{}, "x"], [{ id: 7, name: { x: 1 } }, 5], [[{ id: "nytimes.com" }], { id: 3 }]]) {
    shaped.body = { outlet, story };
    const reply = await score();
    assert.equal(reply.ok, true, JSON.stringify(reply.error));
    assert.equal(reply.data.outlet, null, JSON.stringify(outlet));
    assert.equal(reply.data.story, null, JSON.stringify(story));
  }
  // A real answer passes as it is.
  const outlet = { id: "nytimes.com", name: "The New York Times", lean: { label: "lean-left" } };
  const story = { id: "s1", headline: "A story", related: [] };
  shaped.body = { outlet, story, resolved_url: "https://www.nytimes.com/2025/10/25/x.html" };
  const reply = await score();
  assert.deepEqual(reply.data.outlet, outlet);
  assert.deepEqual(reply.data.story, story);
});

test("a /version answer whose version and count are of the wrong type is not shown as '[object Object]' and 'NaN'", async () => {
  // The options page said "Reached Parallax [object Object] at ...: NaN outlets rated".
  const reply = await ask(chrome, { type: "testService", url: `${base}/oddversion` }, PAGE);
  assert.equal(reply.ok, true);
  assert.equal(reply.version, "");
  assert.equal(reply.outlets, null);
});
