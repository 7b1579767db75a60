// The JS resolver must agree with the Python one on every case of tests/url_cases.json.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { OutletIndex, URLInputError } from "../src/lib/resolve.js";

const repo = resolvePath(dirname(fileURLToPath(import.meta.url)), "..", "..");
const exportPath = resolvePath(repo, process.env.PARALLAX_EXPORT ?? join("build", "outlets-export.json"));
const casesPath = join(repo, "tests", "url_cases.json");

if (!existsSync(exportPath)) {
  throw new Error(`No ratings export at ${exportPath}: run \`.venv/bin/parallax ratings export --out build/outlets-export.json\` first, or set PARALLAX_EXPORT.`);
}
const index = new OutletIndex(JSON.parse(readFileSync(exportPath, "utf8")));
const { cases } = JSON.parse(readFileSync(casesPath, "utf8"));

test("the export loads into a non-empty index", () => {
  assert.ok(index.size > 100, `only ${index.size} outlets in ${exportPath}`);
  assert.ok(index.shorteners.has("t.co"));
});

test("the case table is not empty", () => {
  assert.ok(cases.length >= 20);
});

for (const [i, c] of cases.entries()) {
  test(`case ${i}: ${c.note ?? c.input}`, () => {
    if (c.error) {
      assert.throws(() => index.resolve(c.input), URLInputError, `expected an input error for ${JSON.stringify(c.input)}`);
      return;
    }
    // A link shown beside its source's name (Google News): see OutletIndex.resolveNamed.
    const got = "source_name" in c ? index.resolveNamed(c.input, c.source_name, c.country ?? null) : index.resolve(c.input);
    assert.equal(got.outlet?.id ?? null, c.outlet, `outlet of ${JSON.stringify(c.input)}`);
    if ("shortener" in c) assert.equal(got.shortener, c.shortener, `shortener flag of ${c.input}`);
    if ("resolved_url" in c) assert.equal(got.resolved_url, c.resolved_url, `resolved URL of ${c.input}`);
    if ("kind" in c && got.outlet) assert.equal(got.outlet.kind, c.kind, `kind of ${c.input}`);
  });
}
