// The reading mirror's data rules and numbers: what is kept, for how long, and what the page shows.

import assert from "node:assert/strict";
import { test } from "node:test";
import { KEEP_DAYS, MAX_ENTRIES, dayOf, exportDocument, firstDay, prune, summarise, validEntry } from "../src/lib/reading.js";

const now = new Date(2026, 11, 5, 12, 0, 0); // 5 December 2026, local time
const outlets = {
  "nytimes.com": { id: "nytimes.com", name: "The New York Times", lean: { label: "lean-left" }, factuality: { label: "high" }, owner_type: "corporation" },
  "foxnews.com": { id: "foxnews.com", name: "Fox News", lean: { label: "right" }, factuality: { label: "mixed" }, owner_type: "conglomerate" },
  "reuters.com": { id: "reuters.com", name: "Reuters", lean: { label: "center" }, factuality: { label: "very-high" }, owner_type: "corporation" },
  "news.google.com": { id: "news.google.com", name: "Google News", lean: null, factuality: null, owner_type: null },
};
const outletOf = (id) => outlets[id] ?? null;

test("days are the reader's local calendar days", () => {
  assert.equal(dayOf(now), "2026-12-05");
  assert.equal(firstDay(7, now), "2026-11-29");
  assert.equal(firstDay(1, now), "2026-12-05");
  assert.equal(firstDay(90, new Date(2026, 2, 1)), "2025-12-02");
});

test("only well-formed entries are kept: a day, an outlet id, a story id or null", () => {
  assert.deepEqual(validEntry(["2026-12-05", "nytimes.com", "s-12"]), ["2026-12-05", "nytimes.com", "s-12"]);
  assert.deepEqual(validEntry(["2026-12-05", "theathletic.com/x", null]), ["2026-12-05", "theathletic.com/x", null]);
  for (const bad of [null, [], ["2026-12-05", "nytimes.com"], ["yesterday", "nytimes.com", null], ["2026-12-05", "https://x.example/a b", null],
    ["2026-12-05", "nytimes.com", 5], ["2026-12-05", "<b>", null], ["2026-12-05", "a".repeat(201), null], { day: "2026-12-05" }]) {
    assert.equal(validEntry(bad), null, JSON.stringify(bad));
  }
});

test("entries older than 90 days go, and at most MAX_ENTRIES stay (the newest)", () => {
  const kept = prune([["2026-09-06", "nytimes.com", null], ["2026-09-07", "nytimes.com", null], ["2026-12-05", "foxnews.com", null], "junk"], now);
  assert.equal(KEEP_DAYS, 90);
  assert.deepEqual(kept.map((e) => e[0]), ["2026-09-07", "2026-12-05"]);
  const many = Array.from({ length: MAX_ENTRIES + 5 }, (_, i) => ["2026-12-05", "nytimes.com", `s-${i}`]);
  const bounded = prune(many, now);
  assert.equal(bounded.length, MAX_ENTRIES);
  assert.equal(bounded[0][2], "s-5");
  assert.deepEqual(prune(undefined, now), []);
});

test("the page's numbers: lean by articles and by outlets, factuality, owners, top outlets, one-sided stories", () => {
  const entries = [
    ["2026-12-05", "nytimes.com", "s-1"],
    ["2026-12-05", "nytimes.com", "s-2"],
    ["2026-12-04", "nytimes.com", "s-1"],
    ["2026-12-04", "foxnews.com", "s-2"],
    ["2026-12-03", "reuters.com", null],
    ["2026-12-01", "foxnews.com", "s-3"],
    ["2026-11-01", "foxnews.com", "s-4"], // outside 7 and 30 days
    ["2026-12-02", "news.google.com", "s-5"], // no lean: counts as unrated, never one-sided
  ];
  const week = summarise(entries, outletOf, 7, now);
  assert.equal(week.articles, 7);
  assert.equal(week.outlets, 4);
  assert.deepEqual(week.leanByArticles, { left: 3 / 7, right: 2 / 7, center: 1 / 7, unrated: 1 / 7 });
  assert.deepEqual(week.leanByOutlets, { left: 1 / 4, right: 1 / 4, center: 1 / 4, unrated: 1 / 4 });
  assert.deepEqual(week.factuality, { high: 0.25, mixed: 0.25, "very-high": 0.25, unrated: 0.25 });
  assert.deepEqual(week.ownerTypes, { corporation: 0.5, conglomerate: 0.25, unknown: 0.25 });
  assert.deepEqual(week.topOutlets.map((t) => [t.id, t.count]), [["nytimes.com", 3], ["foxnews.com", 2], ["news.google.com", 1], ["reuters.com", 1]]);
  // s-2 was read from both sides; s-1 only from the left, s-3 only from the right.
  assert.deepEqual(week.oneSided.map((s) => [s.id, s.side, s.outlets, s.last]), [["s-1", "left", ["nytimes.com"], "2026-12-05"], ["s-3", "right", ["foxnews.com"], "2026-12-01"]]);
  assert.equal(summarise(entries, outletOf, 90, now).articles, 8);
  assert.equal(summarise([], outletOf, 30, now).articles, 0);
});

test("the export is what is kept, as kept, and says so", () => {
  const doc = exportDocument([["2026-12-05", "nytimes.com", "s-1"], ["1999-01-01", "nytimes.com", null]], now);
  assert.deepEqual(doc.entries, [{ day: "2026-12-05", outlet: "nytimes.com", story: "s-1" }]);
  assert.match(doc.what, /no URLs, no titles/);
  assert.equal(doc.keep_days, 90);
});
