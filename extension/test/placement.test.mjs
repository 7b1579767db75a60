// The panel's placement plan: beside the text when there is room, pushing or overlaying when not,
// clear of the page's fixed controls, and a collapsed tab that keeps off the text.

import assert from "node:assert/strict";
import { test } from "node:test";
import { dock, FIXED_PROBE_BUDGET_MS, fixedObstacles, MIN_AUTO_OPEN_ARTICLE, PANEL_WIDTH, planPlacement } from "../src/content/placement.js";

const tab = { width: 26, height: 180 };
const centred = (width, textWidth) => ({ left: (width - textWidth) / 2, right: (width + textWidth) / 2 });

test("a wide window with margins: the panel sits beside the text and may open by itself", () => {
  const plan = planPlacement({ width: 1600, height: 900, obstacles: [], text: centred(1600, 640), tab });
  assert.equal(plan.panel.mode, "beside");
  assert.equal(plan.panel.right, 0);
  assert.equal(plan.autoOpen, true);
  assert.equal(plan.tab.push, 0);
});

test("text reaching under the panel is pushed aside; open by itself only if the article keeps 600 px", () => {
  const wide = planPlacement({ width: 1280, height: 800, obstacles: [], text: centred(1280, 640), tab });
  assert.equal(wide.panel.mode, "push");
  assert.equal(wide.autoOpen, true);
  const medium = planPlacement({ width: 900, height: 800, obstacles: [], text: centred(900, 640), tab });
  assert.equal(medium.panel.mode, "push", "the reader may still open it: the article keeps 508 px");
  assert.equal(medium.autoOpen, false, `never by itself below ${MIN_AUTO_OPEN_ARTICLE} px`);
});

test("a narrow window: the panel overlays when the reader opens it, never by itself", () => {
  const plan = planPlacement({ width: 400, height: 800, obstacles: [], text: { left: 16, right: 384 }, tab });
  assert.equal(plan.panel.mode, "overlay");
  assert.equal(plan.autoOpen, false);
  assert.ok(plan.panel.width <= 360 && plan.panel.width < 400);
});

test("the collapsed tab keeps a gutter of its own instead of covering text", () => {
  const plan = planPlacement({ width: 400, height: 800, obstacles: [], text: { left: 16, right: 384 }, tab });
  assert.equal(plan.tab.left, 400 - tab.width);
  assert.ok(plan.tab.push >= 384 - (400 - tab.width), `push ${plan.tab.push}`);
});

test("a fixed right column: the panel and tab dock to its left, never over its buttons", () => {
  const column = { left: 1040, top: 0, right: 1280, bottom: 800 };
  const plan = planPlacement({ width: 1280, height: 800, obstacles: [column], text: { left: 180, right: 860 }, tab });
  assert.equal(plan.panel.right, 240 + 8);
  assert.ok(plan.panel.left + plan.panel.width <= column.left);
  assert.ok(plan.tab.left + tab.width <= column.left);
  assert.equal(plan.panel.mode, "push");
});

test("a fixed top bar: the panel starts below it", () => {
  const bar = { left: 0, top: 0, right: 400, bottom: 52 };
  const plan = planPlacement({ width: 400, height: 800, obstacles: [bar], text: { left: 16, right: 384 }, tab });
  assert.equal(plan.panel.top, 60);
  assert.ok(plan.tab.top >= 60);
  assert.equal(plan.panel.right, 0);
});

test("a floating button at the bottom right: the panel ends above it", () => {
  const bubble = { left: 1200, top: 720, right: 1260, bottom: 780 };
  const result = dock(1280, 800, [bubble], PANEL_WIDTH);
  assert.deepEqual([result.right, result.top, result.bottom, result.clear], [0, 0, 800 - 720 + 8, true]);
});

test("no room beside a column that fills the window: the right edge, below any header", () => {
  const column = { left: 200, top: 0, right: 400, bottom: 800 };
  const result = dock(400, 800, [column], 360);
  assert.equal(result.clear, false);
  assert.equal(result.right, 0);
});

/**
 * A fake window and document whose right strip is covered by `depth` nested boxes (a page that
 * nests thousands of elements), with a fixed header `header` px tall at the top. Each hit test
 * moves the fake clock by `costMs`, as a hit test over a deep tree costs real time.
 */
function deepPage({ depth, header = 0, costMs = 0 }) {
  let now = 0;
  const counts = { hitTests: 0, styles: 0 };
  const body = { tagName: "BODY", parentElement: null };
  const html = { tagName: "HTML", parentElement: null };
  body.parentElement = html;
  const chain = [];
  let parent = body;
  for (let i = 0; i < depth; i += 1) {
    const node = { tagName: "DIV", parentElement: parent, position: "static" };
    chain.unshift(node);
    parent = node;
  }
  const bar = { tagName: "HEADER", parentElement: body, position: "fixed", rect: { left: 0, top: 0, right: 1280, bottom: header, width: 1280, height: header } };
  const button = { tagName: "BUTTON", parentElement: bar, position: "static" };
  const win = {
    innerWidth: 1280, innerHeight: 800,
    performance: { now: () => now },
    getComputedStyle: (node) => { counts.styles += 1; return { position: node.position, visibility: "visible", opacity: "1" }; },
  };
  for (const node of [...chain, bar, button]) node.getBoundingClientRect = () => node.rect ?? { left: 0, top: 0, right: 1280, bottom: 4000, width: 1280, height: 4000 };
  const doc = {
    body, documentElement: html,
    elementsFromPoint: (x, y) => {
      counts.hitTests += 1;
      now += costMs;
      return y < header ? [button, bar, body, html] : [...chain, body, html];
    },
  };
  return { win, doc, counts };
}

test("finding the page's fixed controls is bounded work on a page nesting thousands of boxes", () => {
  // Hit tests that cost 2 ms each (a deep tree): the probing stops at its budget, not after ~440.
  const slow = deepPage({ depth: 8000, header: 60, costMs: 2 });
  const found = fixedObstacles(slow.win, slow.doc);
  assert.ok(slow.counts.hitTests <= FIXED_PROBE_BUDGET_MS / 2 + 1, `${slow.counts.hitTests} hit tests`);
  // The top row is probed first: the header band is found before the budget runs out.
  assert.deepEqual(found, [{ left: 0, top: 0, right: 1280, bottom: 60 }]);
  // Free hit tests: every point is probed, but each looks at a few hits and ancestors, not 8,000.
  const deep = deepPage({ depth: 8000, header: 60 });
  assert.deepEqual(fixedObstacles(deep.win, deep.doc), [{ left: 0, top: 0, right: 1280, bottom: 60 }]);
  assert.ok(deep.counts.hitTests > 300, `${deep.counts.hitTests} hit tests`);
  assert.ok(deep.counts.styles < 1000, `${deep.counts.styles} styles read`);
});

test("a slow machine still finds the page's footer band: the probing covers the window's height first, then refines", () => {
  // An ordinary page (a fixed header and a cookie bar at the bottom) on a machine whose hit tests
  // take 0.5 ms (a CI runner under load): 80 hit tests fit in the budget. Probing rows top down
  // stopped near y = 180, so the bar was never seen and the panel ran over it, differently on
  // every run; the edges and a coarse grid over the whole height come first now.
  const page = (costMs) => {
    let now = 0;
    const body = { tagName: "BODY", parentElement: null };
    const html = { tagName: "HTML", parentElement: null };
    body.parentElement = html;
    const box = (tagName, position, rect) => ({ tagName, parentElement: body, position, getBoundingClientRect: () => ({ ...rect, width: rect.right - rect.left, height: rect.bottom - rect.top }) });
    const header = box("HEADER", "fixed", { left: 0, top: 0, right: 1280, bottom: 60 });
    const consent = box("DIV", "fixed", { left: 0, top: 740, right: 1280, bottom: 800 });
    const text = box("MAIN", "static", { left: 0, top: 0, right: 1280, bottom: 4000 });
    const win = {
      innerWidth: 1280, innerHeight: 800,
      performance: { now: () => now },
      getComputedStyle: (node) => ({ position: node.position, visibility: "visible", opacity: "1" }),
    };
    const doc = {
      body, documentElement: html,
      elementsFromPoint: (x, y) => {
        now += costMs;
        return [y < 60 ? header : y >= 740 ? consent : text, body, html];
      },
    };
    return { win, doc };
  };
  const bands = [{ left: 0, top: 0, right: 1280, bottom: 60 }, { left: 0, top: 740, right: 1280, bottom: 800 }];
  const byTop = (boxes) => [...boxes].sort((a, b) => a.top - b.top);
  const fast = page(0);
  assert.deepEqual(byTop(fixedObstacles(fast.win, fast.doc)), bands);
  const slow = page(0.5);
  assert.deepEqual(byTop(fixedObstacles(slow.win, slow.doc)), bands);
});

test("every row of the grid is probed once, whatever the window's height", async () => {
  const { probeRows } = await import("../src/content/placement.js");
  for (const height of [0, 5, 24, 25, 256, 640, 800, 1023]) {
    const rows = probeRows(height);
    const expected = [];
    for (let y = 4; y < height; y += 20) expected.push(y);
    assert.deepEqual([...rows].sort((a, b) => a - b), expected, `height ${height}`);
    if (expected.length > 1) assert.deepEqual(rows.slice(0, 2), [expected[0], expected.at(-1)]);
  }
});
