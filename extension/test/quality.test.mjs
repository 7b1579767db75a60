// The ratings quality layer in the extension: the reader's sentence for a news-quality score, a
// derived factuality worded as derived, and the local index building both from the export's rows.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { derivedFactualityText, qualityText } from "../src/lib/format.js";
import { OutletIndex } from "../src/lib/resolve.js";

const SOURCE = { short: "Lin et al.", description: "aggregate of six rating sets", year: 2023, terms: "CC BY 4.0" };

test("the quality sentence is the service's, with the score to two places", () => {
  assert.equal(qualityText(0.8666, SOURCE), "news-quality score 0.87 of 1, aggregate of six rating sets, 2023");
  assert.equal(qualityText(0, SOURCE), "news-quality score 0.00 of 1, aggregate of six rating sets, 2023");
  assert.equal(qualityText(1, SOURCE), "news-quality score 1.00 of 1, aggregate of six rating sets, 2023");
});

test("no sentence for a score that is not 0..1 or a source without a description", () => {
  for (const score of [null, undefined, "0.5", Number.NaN, -0.1, 1.2, Infinity]) assert.equal(qualityText(score, SOURCE), "");
  assert.equal(qualityText(0.5, undefined), "");
  assert.equal(qualityText(0.5, { year: 2023 }), "");
  assert.equal(qualityText(0.5, { description: "  " }), "");
});

test("a derived factuality says it is derived and not ours", () => {
  const text = derivedFactualityText("high");
  assert.match(text, /^High \(derived from the news-quality score, not a Parallax rating\)$/);
  assert.equal(derivedFactualityText("made-up"), "");
  assert.equal(derivedFactualityText(null), "");
});

const FIELDS = ["id", "name", "kind", "country", "lean", "lean_score", "factuality", "owner", "owner_type", "flags", "quality", "quality_source", "factuality_derived"];
const doc = {
  version: "t",
  fields: FIELDS,
  outlets: [
    ["derived.example", "Derived", "outlet", "US", null, null, null, null, null, "propaganda", 0.91, 0, "high"],
    ["ours.example", "Ours", "outlet", "US", "center", 0, "mixed", null, null, null, 0.4, 0, null],
    ["bad-source.example", "Bad", "outlet", "US", null, null, null, null, null, null, 0.5, 7, "mixed"],
    ["plain.example", "Plain", "outlet", "US", "left", -2, "high", null, null, null, null, null, null],
  ],
  quality_sources: [SOURCE],
  flag_labels: { propaganda: "publishes propaganda" },
};

test("the local index gives each row its quality, derived factuality and flags in words", () => {
  const index = new OutletIndex(doc);
  const derived = index.get("derived.example");
  assert.equal(derived.quality.text, "news-quality score 0.91 of 1, aggregate of six rating sets, 2023");
  assert.deepEqual(derived.factuality_derived, { label: "high", derived: true });
  assert.equal(derived.factuality, null);
  assert.deepEqual(derived.flag_labels, ["publishes propaganda"]);
  const ours = index.get("ours.example");
  assert.equal(ours.factuality.label, "mixed");
  assert.equal(ours.factuality_derived, null);
  assert.equal(ours.quality.text, "news-quality score 0.40 of 1, aggregate of six rating sets, 2023");
  // A source index the export does not hold: no quality and nothing derived from it.
  const bad = index.get("bad-source.example");
  assert.equal(bad.quality, null);
  assert.equal(bad.factuality_derived, null);
  assert.equal(index.get("plain.example").quality, null);
});

test("an export from before the quality layer still reads", () => {
  const old = new OutletIndex({ ...doc, fields: FIELDS.slice(0, 10), outlets: doc.outlets.map((r) => r.slice(0, 10)), quality_sources: undefined, flag_labels: undefined });
  const outlet = old.get("derived.example");
  assert.equal(outlet.quality, null);
  assert.equal(outlet.factuality_derived, null);
  assert.deepEqual(outlet.flag_labels, ["propaganda"]);
});

// The real export: every row with a quality score gets a sentence, and every derived factuality
// comes with one (so it is never shown without the score it comes from).
const repo = resolvePath(dirname(fileURLToPath(import.meta.url)), "..", "..");
const exportPath = resolvePath(repo, process.env.PARALLAX_EXPORT ?? join("build", "outlets-export.json"));

test("the built export's quality rows all read as sentences", { skip: !existsSync(exportPath) && "no build/outlets-export.json" }, () => {
  const exported = JSON.parse(readFileSync(exportPath, "utf8"));
  const index = new OutletIndex(exported);
  const at = index.fieldIndex;
  assert.ok("quality" in at, "the export has no quality field: rebuild it with `.venv/bin/parallax ratings export --out build/outlets-export.json`");
  let scored = 0;
  let derived = 0;
  for (const [id, row] of index.rows) {
    const outlet = index.get(id);
    if (row[at.quality] !== null) {
      scored += 1;
      assert.match(outlet.quality?.text ?? "", /^news-quality score [01]\.\d\d of 1, .+, \d{4}$/, id);
    }
    if (outlet.factuality_derived) {
      derived += 1;
      assert.equal(outlet.factuality, null, `${id} has a derived factuality beside its own`);
      assert.notEqual(derivedFactualityText(outlet.factuality_derived.label), "", id);
    }
  }
  assert.ok(scored > 0 && derived > 0, `scored ${scored}, derived ${derived}`);
});
