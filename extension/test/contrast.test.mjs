// WCAG 2.2 AA contrast of every text and graphic colour pair the UI draws, in light and dark mode:
// text 4.5:1, graphics and focus rings 3:1 (1.4.3, 1.4.11). The rendered pages are audited by
// axe-core in the browser tests; this covers the graphics axe does not measure.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DOT_RING_INNER, DOT_RING_OUTER } from "../src/content/badges.js";
import { LEAN_COLOUR, LEAN_STEPS, LEAN_TEXT_COLOUR, SIDE_COLOUR, UNRATED_COLOUR, UNRATED_TEXT_COLOUR } from "../src/lib/format.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function luminance(hex) {
  const value = hex.replace("#", "");
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(value.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The custom properties of `.surface` in light mode and in the dark-mode media block. */
function schemes(css) {
  const vars = (block) => Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2].toLowerCase()]));
  const darkAt = css.indexOf("@media (prefers-color-scheme: dark)");
  assert.ok(darkAt > 0, "no dark-mode block");
  const light = vars(css.slice(0, darkAt));
  return { light, dark: { ...light, ...vars(css.slice(darkAt, css.indexOf("}", css.indexOf("{", darkAt) + 1) + 1)) } };
}

const sheets = {
  "content UI (styles.js)": schemes(readFileSync(join(root, "src/content/styles.js"), "utf8")),
  "popup and options (pages.css)": schemes(readFileSync(join(root, "src/ui/pages.css"), "utf8")),
};

const TEXT = ["fg", "muted", "accent", "danger"];

for (const [sheet, { light, dark }] of Object.entries(sheets)) {
  for (const [scheme, p] of Object.entries({ light, dark })) {
    test(`${sheet}, ${scheme}: text colours read at 4.5:1 on the background`, () => {
      for (const name of TEXT) {
        assert.ok(p[name] && p.bg, `--${name} or --bg missing`);
        const ratio = contrast(p[name], p.bg);
        assert.ok(ratio >= 4.5, `--${name} ${p[name]} on --bg ${p.bg}: ${ratio.toFixed(2)}:1`);
      }
    });
    test(`${sheet}, ${scheme}: every lean step shows at 3:1 (its colour or its edge), the marked step's outline too`, () => {
      for (const step of [...LEAN_STEPS.map((s) => LEAN_COLOUR[s]), ...Object.values(SIDE_COLOUR)]) {
        const best = Math.max(contrast(step, p.bg), contrast(p["step-edge"], p.bg));
        assert.ok(best >= 3, `${step} on ${p.bg}: ${best.toFixed(2)}:1 even with the edge ${p["step-edge"]}`);
      }
      assert.ok(contrast(p.fg, p.bg) >= 3, "the outline of the marked step");
      assert.ok(contrast(p.accent, p.bg) >= 3, "the focus ring");
    });
  }
}

test("every lean chip's text reads at 4.5:1 on its colour", () => {
  for (const step of LEAN_STEPS) {
    const ratio = contrast(LEAN_TEXT_COLOUR[step], LEAN_COLOUR[step]);
    assert.ok(ratio >= 4.5, `${step}: ${LEAN_TEXT_COLOUR[step]} on ${LEAN_COLOUR[step]} is ${ratio.toFixed(2)}:1`);
  }
  assert.ok(contrast(UNRATED_TEXT_COLOUR, UNRATED_COLOUR) >= 4.5);
});

test("an inline badge dot shows at 3:1 on any page: a light and a dark ring", () => {
  for (const page of ["#ffffff", "#000000", "#808080", "#1e1f24", "#f4f4f4", "#0b3d91", "#ffcc00"]) {
    const best = Math.max(contrast(DOT_RING_INNER, page), contrast(DOT_RING_OUTER, page));
    assert.ok(best >= 3, `on ${page}: ${best.toFixed(2)}:1`);
  }
});

test("the contrast arithmetic is right", () => {
  assert.equal(contrast("#ffffff", "#000000").toFixed(1), "21.0");
  assert.equal(contrast("#ffffff", "#5b8fd9").toFixed(2), "3.29");
});
