// Unit tests of the small pure helpers: link targets (t.co), lean folding, times, settings parsing.

import assert from "node:assert/strict";
import { test } from "node:test";
import { linkTarget } from "../src/content/links.js";
import { leanBadge, percent, sideOf, timeAgo } from "../src/lib/format.js";
import { isSiteDisabled, normaliseServiceUrl } from "../src/lib/settings.js";
import { readArticle, looksLikeArticleUrl } from "../src/content/article.js";

const shorteners = new Set(["t.co", "bit.ly"]);
const link = (href, { text = "", attrs = {} } = {}) => ({ href, textContent: text, getAttribute: (name) => attrs[name] ?? null });

test("a plain link's target is its href", () => {
  assert.equal(linkTarget(link("https://www.nytimes.com/x"), shorteners), "https://www.nytimes.com/x");
});

test("javascript: and mailto: links have no target", () => {
  assert.equal(linkTarget(link("javascript:alert(1)"), shorteners), null);
  assert.equal(linkTarget(link("mailto:a@b.c"), shorteners), null);
});

test("t.co links use the expanded URL, else the visible text", () => {
  assert.equal(linkTarget(link("https://t.co/abc", { attrs: { "data-expanded-url": "https://www.foxnews.com/politics/x" } }), shorteners), "https://www.foxnews.com/politics/x");
  assert.equal(linkTarget(link("https://t.co/abc", { text: "nytimes.com/2025/10/25/wor…" }), shorteners), "nytimes.com/2025/10/25/wor");
  assert.equal(linkTarget(link("https://t.co/abc", { text: "read this" }), shorteners), "https://t.co/abc");
});

test("lean labels fold into story sides", () => {
  assert.deepEqual(["far-left", "left", "lean-left", "center", "lean-right", "right", "far-right", null].map(sideOf),
    ["left", "left", "left", "center", "right", "right", "right", "unrated"]);
  assert.equal(leanBadge("lean-right"), "LR");
  assert.equal(leanBadge(undefined), "?");
});

test("times and shares are formatted defensively", () => {
  const now = Date.parse("2025-10-26T12:00:00Z");
  assert.equal(timeAgo("2025-10-26T09:00:00Z", now), "3 h ago");
  assert.equal(timeAgo("2025-10-20T12:00:00Z", now), "6 d ago");
  assert.equal(timeAgo("not a date", now), "");
  assert.equal(timeAgo(undefined, now), "");
  assert.equal(percent(0.426), 43);
  assert.equal(percent("x"), 0);
  assert.equal(percent(7), 100);
});

test("the service address is normalised or refused with a fix", () => {
  assert.equal(normaliseServiceUrl(" http://127.0.0.1:8000/ "), "http://127.0.0.1:8000");
  assert.equal(normaliseServiceUrl("https://parallax.example.org/api/"), "https://parallax.example.org/api");
  assert.throws(() => normaliseServiceUrl("javascript:alert(1)"), /http/);
  assert.throws(() => normaliseServiceUrl("127.0.0.1:8000x"), /scheme|http/);
  assert.throws(() => normaliseServiceUrl("https://user:pw@example.org"), /passwords/);
});

test("disabled sites cover their subdomains only", () => {
  assert.equal(isSiteDisabled(["nytimes.com"], "www.nytimes.com"), true);
  assert.equal(isSiteDisabled(["nytimes.com"], "cooking.nytimes.com"), true);
  assert.equal(isSiteDisabled(["nytimes.com"], "nytimes.com.evil.example"), false);
  assert.equal(isSiteDisabled([], "nytimes.com"), false);
});

test("article pages are recognised from Open Graph and JSON-LD", () => {
  const doc = (metaType, ld) => ({
    title: "Doc title",
    querySelector: (sel) => (sel.includes("og:type") && metaType ? { getAttribute: () => metaType } : null),
    querySelectorAll: () => (ld ? [{ textContent: ld }] : []),
  });
  assert.equal(readArticle(doc("article", null)).isArticle, true);
  assert.equal(readArticle(doc("website", null)).isArticle, false);
  const ld = JSON.stringify({ "@context": "https://schema.org", "@graph": [{ "@type": "WebPage" }, { "@type": ["NewsArticle"], headline: "H", datePublished: "2025-10-25" }] });
  const page = readArticle(doc(null, ld));
  assert.equal(page.isArticle, true);
  assert.equal(page.title, "H");
  assert.equal(page.published, "2025-10-25");
  assert.equal(readArticle(doc(null, "{not json")).isArticle, false);
  assert.equal(looksLikeArticleUrl("https://www.nytimes.com/2025/10/25/world/x.html"), true);
  assert.equal(looksLikeArticleUrl("https://www.nytimes.com/"), false);
  assert.equal(looksLikeArticleUrl("https://www.nytimes.com/section/world"), false);
});

test("flags and countries are words, never slugs or codes", async () => {
  const { countryName, flagText, notRatedText } = await import("../src/lib/format.js");
  assert.equal(flagText("questionable-sourcing"), "questionable sourcing");
  assert.equal(flagText("state-affiliated"), "state-affiliated");
  assert.equal(flagText("some-new-flag"), "some new flag");
  assert.equal(countryName("US"), "United States");
  assert.equal(countryName("DE"), "Germany");
  assert.equal(countryName("XX"), "", "no home country: nothing rather than XX");
  assert.equal(countryName("us"), "");
  assert.equal(countryName(undefined), "");
  assert.equal(countryName("ZZ"), "", "a code the browser cannot name is not shown");
  assert.match(notRatedText({ kind: "aggregator" }), /aggregator/);
  assert.match(notRatedText({ kind: "newspaper" }), /evidence/);
  assert.match(notRatedText(null), /No lean rating/);
});

test("service pages keep an outlet id's path and encode the rest", async () => {
  const { servicePage } = await import("../src/lib/views.js").catch(() => ({ servicePage: null }));
  if (!servicePage) return; // views.js needs a DOM only when called; the import itself is pure
  assert.equal(servicePage("http://127.0.0.1:8000/", "outlets", "nytimes.com"), "http://127.0.0.1:8000/outlets/nytimes.com");
  assert.equal(servicePage("http://x", "outlets", "theathletic.com/x y"), "http://x/outlets/theathletic.com/x%20y");
  assert.equal(servicePage("http://x", "stories", "s 1?"), "http://x/stories/s%201%3F");
  assert.equal(servicePage("", "stories", "s1"), "");
  assert.equal(servicePage("http://x", "stories", null), "");
});

test("inline badges: off by default, the usual link lists once on, any site by choice", async () => {
  const { DEFAULT_SETTINGS, badgeSiteChange, badgesOn, isLinkListSite } = await import("../src/lib/settings.js");
  assert.equal(badgesOn(DEFAULT_SETTINGS, "news.google.com"), false);
  const on = { ...DEFAULT_SETTINGS, inlineBadges: true };
  for (const host of ["www.google.com", "www.google.co.uk", "news.google.com", "old.reddit.com", "x.com", "news.ycombinator.com", "www.bing.com", "duckduckgo.com"]) {
    assert.equal(badgesOn(on, host), true, host);
  }
  assert.equal(isLinkListSite("google.evil.example"), false);
  assert.equal(badgesOn(on, "www.nytimes.com"), false);
  const mine = { ...DEFAULT_SETTINGS, ...badgeSiteChange(DEFAULT_SETTINGS, "www.lobste.rs", true) };
  assert.deepEqual(mine.inlineBadgeSites, ["lobste.rs"]);
  assert.equal(badgesOn(mine, "lobste.rs"), true);
  const off = { ...on, ...badgeSiteChange(on, "x.com", false) };
  assert.deepEqual(off.inlineBadgeOffSites, ["x.com"]);
  assert.equal(badgesOn(off, "x.com"), false);
  const back = { ...off, ...badgeSiteChange(off, "x.com", true) };
  assert.deepEqual([back.inlineBadgeSites, back.inlineBadgeOffSites], [[], []], "back to the default, no stale entries");
  assert.equal(badgesOn(back, "x.com"), true);
});

test("labels named like an object's own properties are not ratings: no function text, no crash", async () => {
  const { factualityText, leanColour, leanText, leanTextColour, ownerTypeText, derivedFactualityText, flagText } = await import("../src/lib/format.js");
  // A service (or a table from one) answering {"lean": {"label": "constructor"}}: the lookups
  // returned Object's own function, shown as "function Object() { [native code] }" and, in the
  // hover card's description, a TypeError (no toLowerCase) that left the card blank.
  for (const label of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) {
    assert.equal(leanText(label), "Not rated", label);
    assert.equal(factualityText(label), "Not rated", label);
    assert.equal(typeof leanColour(label), "string", label);
    assert.equal(typeof leanTextColour(label), "string", label);
    assert.equal(derivedFactualityText(label), "", label);
    assert.equal(ownerTypeText(label), label);
    assert.equal(typeof flagText(label), "string", label);
    assert.doesNotThrow(() => leanText(label).toLowerCase());
  }
});
