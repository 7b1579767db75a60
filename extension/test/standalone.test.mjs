// Standalone mode's pure parts: which ratings table wins, the per-site panel state, the build's snapshot.

import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseTable, describeTable, isExport, tableInfo } from "../src/lib/tables.js";
import { DEFAULT_SETTINGS, hasService, panelOpenOn, withPanelSite } from "../src/lib/settings.js";

const packaged = { version: "aaa", date: "2026-11-28" };

test("a fresh install has no service: nothing is sent until the reader connects one", () => {
  assert.equal(DEFAULT_SETTINGS.serviceUrl, "");
  assert.equal(hasService(DEFAULT_SETTINGS), false);
  assert.equal(hasService({ serviceUrl: "http://127.0.0.1:8000" }), true);
});

test("the fresher table wins: by version, then by date", () => {
  assert.equal(chooseTable({ version: "aaa", date: "2026-11-28" }, packaged), "same");
  assert.equal(chooseTable({ version: "bbb", date: "2026-12-01" }, packaged), "service");
  assert.equal(chooseTable({ version: "bbb", date: "2026-11-28" }, packaged), "service", "as new: the service's may carry its operator's ratings");
  assert.equal(chooseTable({ version: "bbb", date: "2026-10-01" }, packaged), "package");
  assert.equal(chooseTable({ version: "bbb", date: "" }, packaged), "package", "an undated table is older than a dated one");
  assert.equal(chooseTable({ version: "bbb", date: "" }, null), "service", "no built-in table: the service's");
});

test("tableInfo reads version, date and size, and refuses malformed dates", () => {
  assert.deepEqual(tableInfo({ version: "v1", date: "2026-01-02", outlets: [[1], [2]] }), { version: "v1", date: "2026-01-02", count: 2 });
  assert.equal(tableInfo({ version: "v1", date: "<b>", outlets: [] }).date, "");
  assert.equal(isExport({ fields: ["id"], outlets: [] }), true);
  assert.equal(isExport({ fields: ["name"], outlets: [] }), false);
  assert.equal(isExport(null), false);
});

test("the options say which table is in use", () => {
  const base = { version: "aaa", date: "2026-11-28", count: 5286 };
  assert.match(describeTable({ ...base, source: "package" }), /built into the extension \(version aaa, reviewed up to 2026-11-28, 5,286 outlets\)/);
  assert.match(describeTable({ ...base, source: "service" }), /from your Parallax service/);
  assert.match(describeTable({ ...base, source: "package", service: { version: "old", date: "2026-01-01" } }), /is older, so the built-in one is kept/);
  assert.match(describeTable({ packagedMissing: true }), /make extension-ratings/);
});

test("the panel's open state is per site, with a global default", () => {
  const settings = { panelDefaultOpen: false, panelOpenSites: { "nytimes.com": true, "foxnews.com": false } };
  assert.equal(panelOpenOn(settings, "nytimes.com"), true);
  assert.equal(panelOpenOn(settings, "theguardian.com"), false);
  assert.equal(panelOpenOn({ ...settings, panelDefaultOpen: true }, "theguardian.com"), true);
  assert.equal(panelOpenOn({ ...settings, panelDefaultOpen: true }, "foxnews.com"), false, "the reader's choice on a site beats the default");
  assert.equal(panelOpenOn({ panelOpenSites: { ["__proto__"]: true } }, "constructor"), false);
});

test("the remembered sites are bounded, the oldest dropped first", () => {
  let sites = {};
  for (let i = 0; i < 6; i += 1) sites = withPanelSite(sites, `site${i}.com`, true, 4);
  assert.deepEqual(Object.keys(sites), ["site2.com", "site3.com", "site4.com", "site5.com"]);
  sites = withPanelSite(sites, "site2.com", false, 4);
  assert.deepEqual(Object.entries(sites).at(-1), ["site2.com", false]);
});

test("the manifest's description fits the stores' 132 characters", async () => {
  const { readFileSync } = await import("node:fs");
  const manifest = JSON.parse(readFileSync(new URL("../manifest.json", import.meta.url), "utf8"));
  assert.ok(manifest.description.length <= 132, manifest.description);
});

test("the stored table is JSON text (fast to read back); objects from older versions still load", async () => {
  const { parseStoredTable } = await import("../src/lib/tables.js");
  const doc = { version: "v", fields: ["id"], outlets: [["a.com"]] };
  assert.deepEqual(parseStoredTable(JSON.stringify(doc)), doc);
  assert.deepEqual(parseStoredTable(doc), doc);
  assert.equal(parseStoredTable("{broken"), null);
  assert.equal(parseStoredTable('{"outlets": 1}'), null);
  assert.equal(parseStoredTable(undefined), null);
});

test("an update leaves the old default address only if a service ever answered there", async () => {
  const { migratedServiceUrl } = await import("../src/lib/settings.js");
  const old = { serviceUrl: "http://127.0.0.1:8000" };
  assert.equal(migratedServiceUrl(old, null), "", "never reached: standalone");
  assert.equal(migratedServiceUrl(old, { lastSync: null, lastError: "not reachable" }), "");
  assert.equal(migratedServiceUrl(old, { lastSync: "2026-12-01T00:00:00Z" }), "http://127.0.0.1:8000");
  assert.equal(migratedServiceUrl({ serviceUrl: "https://parallax.example.org" }, null), "https://parallax.example.org", "a chosen address stays");
});
