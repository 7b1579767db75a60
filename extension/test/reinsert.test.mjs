// The panel's re-insertion policy (content/panel.js): at once a few times, then a doubling, capped delay.
import assert from "node:assert/strict";
import test from "node:test";

import { BACKOFF_MS, MAX_BACKOFF_MS, MAX_REATTACH, QUICK_REATTACH, reattachDelay } from "../src/content/panel.js";

test("a removed panel is put back at once the first times, then later and later, up to a cap", () => {
  const delays = Array.from({ length: MAX_REATTACH }, (_, i) => reattachDelay(i + 1));
  assert.deepEqual(delays.slice(0, QUICK_REATTACH), Array(QUICK_REATTACH).fill(0));
  assert.equal(delays[QUICK_REATTACH], BACKOFF_MS);
  for (let i = QUICK_REATTACH + 1; i < delays.length; i += 1) {
    assert.ok(delays[i] >= delays[i - 1] && delays[i] <= MAX_BACKOFF_MS, `delay ${i + 1}: ${delays[i]}`);
  }
  assert.equal(delays.at(-1), MAX_BACKOFF_MS);
  // Bounded: a page that removes it every time gets it back MAX_REATTACH times in under two minutes.
  assert.ok(delays.reduce((a, b) => a + b, 0) < 120_000);
});
