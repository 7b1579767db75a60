// Build dist/parallax-chrome.zip and dist/parallax-firefox.zip from this one source tree (node, no npm packages).

import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { zip } from "./scripts/png.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, "..", "dist"));
// What the browser loads; tests, build scripts and docs stay out of the package.
const INCLUDE = ["manifest.json", "popup.html", "options.html", "reading.html", "icons", "src", "PRIVACY.md"];
const GECKO_ID = "parallax@parallax-news.org";

function walk(path) {
  if (statSync(path).isDirectory()) return readdirSync(path).sort().flatMap((name) => walk(join(path, name)));
  return [path];
}

/** The manifest for Firefox: event-page scripts instead of a service worker, and a gecko id. */
export function firefoxManifest(chrome) {
  const manifest = structuredClone(chrome);
  manifest.background = { scripts: [chrome.background.service_worker], type: "module" };
  delete manifest.minimum_chrome_version;
  manifest.browser_specific_settings = {
    gecko: {
      id: GECKO_ID,
      strict_min_version: "140.0", // the ESR that knows data_collection_permissions
      // Honest about PRIVACY.md: an article's URL and metadata go to the configured service.
      data_collection_permissions: { required: ["browsingActivity", "websiteContent"] },
    },
    gecko_android: { strict_min_version: "142.0" },
  };
  return manifest;
}

function build() {
  const manifest = JSON.parse(readFileSync(join(here, "manifest.json"), "utf8"));
  const files = INCLUDE.flatMap((entry) => walk(join(here, entry)))
    .map((path) => ({ name: relative(here, path).split("\\").join("/"), data: readFileSync(path) }));
  mkdirSync(outDir, { recursive: true });
  const targets = {
    chrome: manifest,
    firefox: firefoxManifest(manifest),
  };
  for (const [browser, browserManifest] of Object.entries(targets)) {
    const packaged = files.map((file) => (file.name === "manifest.json" ? { name: file.name, data: Buffer.from(JSON.stringify(browserManifest, null, 2) + "\n") } : file));
    const path = join(outDir, `parallax-${browser}-${manifest.version}.zip`);
    writeFileSync(path, zip(packaged));
    console.log(`${path}  (${packaged.length} files)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) build();
