// Stored settings are data the extension reads on every page: a corrupted or hostile value must
// fall back to the default, never break the popup, the options or the content scripts, and the
// service address must be http(s) or none.

import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeChrome } from "./fakechrome.mjs";

const chrome = fakeChrome();
globalThis.chrome = chrome;
const { DEFAULT_SETTINGS, badgesOn, isSiteDisabled, loadSettings, sanitizeSettings, saveSettings } = await import("../src/lib/settings.js");

const CORRUPT = [
  null, "settings", 42, [], [1, 2],
  { disabledSites: "nytimes.com", badge: "yes", panel: null, inlineBadgeSites: { a: 1 }, inlineBadgeOffSites: 7, panelOpenSites: "x", panelHiddenSites: [null, 3, {}], serviceUrl: 12 },
  { disabledSites: null, panelOpenSites: [true], readingMirror: 1, hoverCards: "false" },
];

test("a corrupted settings value falls back to the defaults, type by type", async () => {
  for (const stored of CORRUPT) {
    chrome.storage.local.data.settings = stored;
    const settings = await loadSettings();
    for (const [key, fallback] of Object.entries(DEFAULT_SETTINGS)) {
      assert.equal(typeof settings[key], typeof fallback, `${key} of ${JSON.stringify(stored)}`);
      assert.equal(Array.isArray(settings[key]), Array.isArray(fallback), `${key} of ${JSON.stringify(stored)}`);
    }
    // What the popup, the options and every page do with them must not throw.
    assert.equal(isSiteDisabled(settings.disabledSites, "www.nytimes.com"), false);
    assert.equal(typeof badgesOn(settings, "www.google.com"), "boolean");
    assert.equal(typeof settings.disabledSites.join("\n"), "string");
    assert.equal(typeof Object.entries(settings.panelOpenSites).length, "number");
  }
});

test("good stored values are kept and bad items of a list dropped", () => {
  const settings = sanitizeSettings({ badge: false, disabledSites: ["nytimes.com", 5, "", "x".repeat(300)], panelOpenSites: { "a.com": true, "b.com": "yes" }, serviceUrl: "http://127.0.0.1:8000/" });
  assert.equal(settings.badge, false);
  assert.deepEqual(settings.disabledSites, ["nytimes.com"]);
  assert.deepEqual(settings.panelOpenSites, { "a.com": true });
  assert.equal(settings.serviceUrl, "http://127.0.0.1:8000");
});

test("a stored service address that is not http(s) means no service", async () => {
  for (const serviceUrl of ["javascript:alert(1)", "file:///etc/passwd", "data:text/plain,x", "chrome-extension://x/y", "ftp://example.org", "not a url", "https://u:p@example.org"]) {
    chrome.storage.local.data.settings = { serviceUrl };
    assert.equal((await loadSettings()).serviceUrl, "", serviceUrl);
  }
});

test("saving a change over corrupted storage writes clean settings", async () => {
  chrome.storage.local.data.settings = { disabledSites: "nytimes.com", badge: "no" };
  await saveSettings({ panel: false });
  const stored = chrome.storage.local.data.settings;
  assert.deepEqual(stored.disabledSites, []);
  assert.equal(stored.badge, true);
  assert.equal(stored.panel, false);
});
