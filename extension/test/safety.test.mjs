// Enforce the extension's ground rules on its source: no HTML sinks, no eval, no remote code,
// only the worker on the network, least-privilege manifest, strict CSP.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SKIP = new Set(["test", "node_modules", "dist", "scripts"]);

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIP.has(name)) files(path, out);
    } else if (/\.(m?js|html|json)$/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

const sources = files(root).map((path) => ({ path: relative(root, path), text: readFileSync(path, "utf8") }));
const scripts = sources.filter((s) => /\.m?js$/.test(s.path));

// Comments may name the forbidden APIs (to explain why they are absent); code may not.
const stripComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

test("the source tree has the expected files", () => {
  const names = sources.map((s) => s.path);
  for (const expected of ["manifest.json", "popup.html", "options.html", "src/background.js", "src/content/loader.js", "src/lib/resolve.js"]) {
    assert.ok(names.includes(expected), `${expected} missing`);
  }
});

const FORBIDDEN = [
  [/\binnerHTML\b/, "innerHTML"],
  [/\bouterHTML\b/, "outerHTML"],
  [/\binsertAdjacentHTML\b/, "insertAdjacentHTML"],
  [/\beval\s*\(/, "eval("],
  [/\bnew\s+Function\s*\(/, "new Function("],
  [/\bdocument\.write(ln)?\s*\(/, "document.write"],
  [/\bsetTimeout\s*\(\s*["'`]/, "setTimeout with a string"],
  [/\bsetInterval\s*\(\s*["'`]/, "setInterval with a string"],
  [/\.srcdoc\b/, "srcdoc"],
  [/createContextualFragment|DOMParser|parseFromString/, "HTML parsing"],
  [/import\s*\(\s*["'`]https?:/, "remote import"],
];

for (const { path, text } of scripts) {
  test(`${path} uses no HTML sinks, eval or remote code`, () => {
    const code = stripComments(text);
    for (const [pattern, name] of FORBIDDEN) {
      assert.doesNotMatch(code, pattern, `${path} uses ${name}; build DOM with createElement and textContent`);
    }
  });
}

test("the lint itself catches a violation", () => {
  const code = stripComments("el.innerHTML = x; // fine comment innerHTML");
  assert.match(code, FORBIDDEN[0][0]);
  assert.doesNotMatch(stripComments("// innerHTML only in a comment"), FORBIDDEN[0][0]);
});

test("only the service worker makes network requests", () => {
  const offenders = scripts
    .filter(({ path }) => path !== "src/background.js")
    .filter(({ text }) => /\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon/.test(stripComments(text)))
    .map(({ path }) => path);
  assert.deepEqual(offenders, []);
});

test("HTML pages load only local scripts and styles, nothing inline", () => {
  for (const { path, text } of sources.filter((s) => s.path.endsWith(".html"))) {
    assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/i, `${path} has an inline script`);
    assert.doesNotMatch(text, /<style/i, `${path} has an inline style element`);
    assert.doesNotMatch(text, /\son[a-z]+\s*=/i, `${path} has an inline event handler`);
    assert.doesNotMatch(text, /\b(src|href)=["']https?:/i, `${path} loads something remote`);
  }
});

test("the manifest asks for the least it needs", () => {
  const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
  assert.equal(manifest.manifest_version, 3);
  assert.deepEqual([...manifest.permissions].sort(), ["alarms", "storage"]);
  for (const origin of manifest.host_permissions) {
    assert.match(origin, /^http:\/\/(127\.0\.0\.1|localhost)\/\*$/, `unexpected host permission ${origin}`);
  }
  assert.ok(!JSON.stringify(manifest.permissions).includes("<all_urls>"));
  assert.ok(!manifest.permissions.includes("tabs") && !manifest.permissions.includes("scripting"));
  const csp = manifest.content_security_policy.extension_pages;
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /object-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|wasm-unsafe-eval|https?:\/\/[^ ;]*\.js/);
  assert.equal(manifest.background.type, "module");
});

test("the panel's shortcut takes no character a reader types", () => {
  const { commands } = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
  const keys = commands["toggle-panel"].suggested_key;
  // On a Mac, Alt is Option, which types letters: Option+Shift+Y is "Á" on a US keyboard, and a
  // browser command takes its keys before the page, so that letter could no longer be typed.
  assert.ok(keys.mac, "a Mac key of its own, not Option+Shift+Y from the default");
  assert.doesNotMatch(keys.mac, /\bAlt\b|Option/);
  for (const key of Object.values(keys)) {
    // Ctrl+Alt is AltGr, which types characters on many European layouts.
    assert.ok(!(/\bCtrl\b/.test(key) && /\bAlt\b/.test(key)), key);
    assert.match(key, /^(Alt|Ctrl|Command|MacCtrl)\+/, key);
  }
});

test("every UI lives in an open shadow root", () => {
  const attach = scripts.flatMap(({ text }) => [...text.matchAll(/attachShadow\(\s*\{([^}]*)\}/g)].map((m) => m[1]));
  assert.ok(attach.length >= 1, "no shadow roots found");
  for (const options of attach) assert.match(options, /mode:\s*"open"/);
});
