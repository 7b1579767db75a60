// The service worker module links and registers its listeners at the top level (a syntax or
// import slip would leave the extension silently dead: no table, no badge).

import assert from "node:assert/strict";
import { test } from "node:test";

test("background.js loads and registers every listener synchronously", async () => {
  const registered = [];
  const event = (name) => ({ addListener: () => registered.push(name) });
  globalThis.chrome = {
    runtime: { id: "test", onMessage: event("onMessage"), onInstalled: event("onInstalled"), onStartup: event("onStartup") },
    alarms: { onAlarm: event("onAlarm") },
    storage: { onChanged: event("onChanged") },
    tabs: { onRemoved: event("onRemoved") },
  };
  await import("../src/background.js");
  for (const name of ["onMessage", "onInstalled", "onStartup", "onAlarm", "onChanged"]) {
    assert.ok(registered.includes(name), `${name} listener missing`);
  }
});
