// content/navwatch.js without the Navigation API: its timers (none in a hidden tab, none after
// teardown) and what it reports. The browser's globals are small fakes; the timers are counted.
import assert from "node:assert/strict";
import test from "node:test";

import { POLL_MS, watchNavigation } from "../src/content/navwatch.js";

/** A fake tab: window, document, location, MutationObserver and timers that are only listed. */
function fakeTab() {
  const timers = new Map();
  let next = 1;
  const observers = new Set();
  const doc = Object.assign(new EventTarget(), { head: {}, documentElement: {}, visibilityState: "visible" });
  globalThis.window = new EventTarget();
  globalThis.document = doc;
  globalThis.location = { href: "https://news.example/a/1" };
  globalThis.MutationObserver = class {
    constructor(fn) { this.fn = fn; }
    observe() { observers.add(this); }
    disconnect() { observers.delete(this); }
  };
  globalThis.setInterval = (fn, ms) => { timers.set(next, { fn, ms, repeat: true }); return next++; };
  globalThis.setTimeout = (fn, ms) => { timers.set(next, { fn, ms, repeat: false }); return next++; };
  globalThis.clearInterval = globalThis.clearTimeout = (id) => { timers.delete(id); };
  return {
    timers,
    observers,
    intervals: () => [...timers.values()].filter((t) => t.repeat),
    /** Fires every live timer once, as time passing would. */
    tick() {
      for (const [id, t] of [...timers]) {
        if (!t.repeat) timers.delete(id);
        t.fn();
      }
    },
    show(state) {
      doc.visibilityState = state;
      doc.dispatchEvent(new Event("visibilitychange"));
    },
  };
}

const saved = Object.fromEntries(["window", "document", "location", "MutationObserver", "setInterval", "setTimeout", "clearInterval", "clearTimeout"].map((k) => [k, globalThis[k]]));
test.afterEach(() => Object.assign(globalThis, saved));

test("the address is polled while the tab is visible, and not at all while it is hidden", () => {
  const tab = fakeTab();
  let changes = 0;
  const controller = new AbortController();
  assert.equal(watchNavigation(() => { changes += 1; }, { signal: controller.signal, navigation: null }), "history");
  assert.equal(tab.intervals().length, 1);
  assert.equal(tab.intervals()[0].ms, POLL_MS);
  location.href = "https://news.example/a/2";
  tab.tick();
  assert.equal(changes, 1, "a pushState seen by the poll");

  tab.show("hidden");
  assert.deepEqual(tab.intervals(), [], "no timer wakes a hidden tab");
  location.href = "https://news.example/a/3"; // the router moves on in the background
  tab.show("visible");
  assert.equal(changes, 2, "seen at once when the tab is shown again");
  assert.equal(tab.intervals().length, 1, "one poll again, not two");
  tab.show("visible"); // (a second event while visible starts no second timer)
  assert.equal(tab.intervals().length, 1);
  controller.abort();
});

test("teardown leaves no timer, observer or listener behind", () => {
  const tab = fakeTab();
  let changes = 0;
  const controller = new AbortController();
  watchNavigation(() => { changes += 1; }, { signal: controller.signal, navigation: null });
  document.dispatchEvent(new Event("click")); // three rechecks pending
  assert.ok(tab.timers.size >= 4);
  assert.equal(tab.observers.size, 1);
  controller.abort();
  assert.equal(tab.timers.size, 0);
  assert.equal(tab.observers.size, 0);
  location.href = "https://news.example/a/2";
  tab.show("hidden");
  tab.show("visible");
  window.dispatchEvent(new Event("popstate"));
  window.dispatchEvent(new Event("hashchange"));
  document.dispatchEvent(new Event("click"));
  assert.equal(tab.timers.size, 0);
  assert.equal(changes, 0);
});

test("a signal already aborted starts nothing (its abort event will not come again)", () => {
  const tab = fakeTab();
  const controller = new AbortController();
  controller.abort();
  watchNavigation(() => {}, { signal: controller.signal, navigation: null });
  assert.equal(tab.timers.size, 0);
  assert.equal(tab.observers.size, 0);
});

test("with the Navigation API, no timer at all", () => {
  const tab = fakeTab();
  const navigation = new EventTarget();
  let changes = 0;
  const controller = new AbortController();
  assert.equal(watchNavigation(() => { changes += 1; }, { signal: controller.signal, navigation }), "navigation");
  assert.equal(tab.timers.size, 0);
  navigation.dispatchEvent(new Event("navigatesuccess"));
  assert.equal(changes, 1);
  controller.abort();
  navigation.dispatchEvent(new Event("navigatesuccess"));
  assert.equal(changes, 1);
});
