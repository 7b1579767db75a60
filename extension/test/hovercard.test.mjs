// Where the hover card goes: never over the link it describes, while the window has room for it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { cardPlacement } from "../src/content/hovercard.js";

const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const box = (spot, height) => ({ left: spot.left, top: spot.top, right: spot.left + 280, bottom: spot.top + (spot.maxHeight ?? height) });

test("below the link when it fits, above when only that fits", () => {
  const view = { width: 1280, height: 800 };
  assert.deepEqual(cardPlacement({ left: 100, top: 100, right: 180, bottom: 120 }, 300, view), { left: 100, top: 126, maxHeight: null });
  assert.deepEqual(cardPlacement({ left: 100, top: 700, right: 180, bottom: 720 }, 300, view), { left: 100, top: 394, maxHeight: null });
});

test("a short window (640 x 360, 200 % zoom): beside the link, not over it", () => {
  const view = { width: 640, height: 360 };
  const link = { left: 196, top: 169, right: 274, bottom: 190 };
  const spot = cardPlacement(link, 302, view);
  assert.equal(overlaps(box(spot, 302), link), false, JSON.stringify(spot));
  assert.ok(spot.top >= 8 && spot.top + 302 <= 352 && spot.left >= 8 && spot.left + 280 <= 632, JSON.stringify(spot));
});

test("no room on any side (360 px wide and short): the taller side, shortened to fit", () => {
  const view = { width: 360, height: 400 };
  const link = { left: 40, top: 150, right: 320, bottom: 170 };
  const spot = cardPlacement(link, 302, view);
  assert.deepEqual(spot, { left: 40, top: 176, maxHeight: 216 });
  assert.equal(overlaps(box(spot, 302), link), false);
});
