// Resolve URLs read one per line on stdin with the JS resolver; print JSON lines. A line is a JSON
// string (a URL) or {"url", "name", "country"} (a link beside a source name: resolveNamed).
// Used by tests/e2e/test_resolver_parity.py to compare with the Python resolver.

import { readFileSync } from "node:fs";
import { OutletIndex, URLInputError } from "../src/lib/resolve.js";

const [exportPath] = process.argv.slice(2);
if (!exportPath) {
  console.error("usage: node resolve-cli.mjs EXPORT.json < urls.jsonl");
  process.exit(2);
}
const index = new OutletIndex(JSON.parse(readFileSync(exportPath, "utf8")));
const lines = readFileSync(0, "utf8").split("\n").filter(Boolean);
const out = [];
for (const line of lines) {
  const input = JSON.parse(line);
  try {
    const r = typeof input === "string" ? index.resolve(input) : index.resolveNamed(input.url, input.name, input.country ?? null);
    out.push(JSON.stringify({ outlet: r.outlet?.id ?? null, resolved_url: r.resolved_url, shortener: r.shortener, error: false }));
  } catch (error) {
    if (!(error instanceof URLInputError)) throw error;
    out.push(JSON.stringify({ outlet: null, resolved_url: null, shortener: false, error: true }));
  }
}
process.stdout.write(out.join("\n") + "\n");
