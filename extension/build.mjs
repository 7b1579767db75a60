// Build dist/parallax-chrome.zip and dist/parallax-firefox.zip from this one source tree (node, no npm
// packages), each with the ratings table built in; or, with --snapshot-only, just put that table
// into the unpacked extension/ folder used in development.
//
//   node extension/build.mjs [OUT_DIR] [--ratings EXPORT.json] [--snapshot-only]

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { zip } from "./scripts/png.mjs";
import { isExport, tableInfo } from "./src/lib/tables.js";

const here = dirname(fileURLToPath(import.meta.url));
// What the browser loads; tests, build scripts and docs stay out of the package.
const INCLUDE = ["manifest.json", "popup.html", "options.html", "reading.html", "welcome.html", "icons", "src", "PRIVACY.md"];
const GECKO_ID = "parallax@parallax-news.org";
// Where the worker reads the built-in table (src/background.js PACKAGED_TABLE); not committed.
export const SNAPSHOT_NAME = "data/ratings.json";
export const SNAPSHOT_PATH = join(here, SNAPSHOT_NAME);
// Store listings and readers on slow links: each package stays under a megabyte.
export const MAX_PACKAGE_BYTES = 1024 * 1024;

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
      // Honest about PRIVACY.md: standalone (the default) sends nothing; only once the reader
      // connects a service do an article's URL and metadata go to it, and the options ask then.
      data_collection_permissions: { required: ["none"], optional: ["browsingActivity", "websiteContent"] },
    },
    gecko_android: { strict_min_version: "142.0" },
  };
  return manifest;
}

/**
 * The bytes of `parallax ratings export` (exactly what the service serves at /v1/outlets/export,
 * so the snapshot follows the table and whatever layers the export gains).
 * @param {string | undefined} fromFile an export written earlier, instead of running the command
 */
export function ratingsSnapshot(fromFile) {
  let bytes;
  if (fromFile) {
    bytes = readFileSync(fromFile);
  } else {
    const candidates = [process.env.PARALLAX_BIN, join(here, "..", ".venv", "bin", "parallax"), "parallax"].filter(Boolean);
    for (const command of candidates) {
      if (command.includes("/") && !existsSync(command)) continue;
      try {
        bytes = execFileSync(command, ["ratings", "export"], { maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
        break;
      } catch (error) {
        if (error.code === "ENOENT") continue;
        throw new Error(`\`${command} ratings export\` failed: ${String(error.stderr ?? error.message).trim()}`);
      }
    }
    if (!bytes) {
      throw new Error("cannot find the `parallax` command to export the ratings: install the service (python3 -m venv .venv && .venv/bin/pip install -e .), set PARALLAX_BIN, or pass --ratings EXPORT.json");
    }
  }
  // The command ends its output with a newline; the file is the export itself, as --out writes it.
  const text = bytes.toString("utf8").replace(/\n$/, "");
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("the ratings export is not JSON; run `parallax ratings check`");
  }
  if (!isExport(doc) || !doc.version) throw new Error("the ratings export has no outlets, fields or version; update the service");
  return { bytes: Buffer.from(text, "utf8"), info: tableInfo(doc) };
}

/** Write the snapshot into the unpacked folder, only if it changed, atomically. @param {Buffer} bytes */
export function writeSnapshot(bytes) {
  if (existsSync(SNAPSHOT_PATH) && readFileSync(SNAPSHOT_PATH).equals(bytes)) return false;
  mkdirSync(dirname(SNAPSHOT_PATH), { recursive: true });
  const temporary = `${SNAPSHOT_PATH}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, SNAPSHOT_PATH);
  return true;
}

function describe({ version, date, count }) {
  return `ratings ${version}, reviewed up to ${date || "(no date)"}, ${count} outlets`;
}

function build(args) {
  const flag = (name) => args.includes(name);
  const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const positional = args.filter((arg, i) => !arg.startsWith("--") && args[i - 1] !== "--ratings");
  const snapshot = ratingsSnapshot(option("--ratings"));
  const changed = writeSnapshot(snapshot.bytes);
  console.log(`${SNAPSHOT_PATH}  (${describe(snapshot.info)}${changed ? "" : ", unchanged"})`);
  if (flag("--snapshot-only")) return;

  const outDir = resolve(positional[0] ?? join(here, "..", "dist"));
  const manifest = JSON.parse(readFileSync(join(here, "manifest.json"), "utf8"));
  const files = INCLUDE.flatMap((entry) => walk(join(here, entry)))
    .map((path) => ({ name: relative(here, path).split("\\").join("/"), data: readFileSync(path) }));
  files.push({ name: SNAPSHOT_NAME, data: snapshot.bytes });
  mkdirSync(outDir, { recursive: true });
  const targets = {
    chrome: manifest,
    firefox: firefoxManifest(manifest),
  };
  for (const [browser, browserManifest] of Object.entries(targets)) {
    const packaged = files.map((file) => (file.name === "manifest.json" ? { name: file.name, data: Buffer.from(JSON.stringify(browserManifest, null, 2) + "\n") } : file));
    const path = join(outDir, `parallax-${browser}-${manifest.version}.zip`);
    const archive = zip(packaged);
    if (archive.length > MAX_PACKAGE_BYTES) {
      throw new Error(`${path} would be ${archive.length} bytes, over the ${MAX_PACKAGE_BYTES}-byte limit`);
    }
    writeFileSync(path, archive);
    console.log(`${path}  (${packaged.length} files, ${(archive.length / 1024).toFixed(0)} KiB)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    build(process.argv.slice(2));
  } catch (error) {
    console.error(`build.mjs: ${error.message}`);
    process.exit(1);
  }
}
