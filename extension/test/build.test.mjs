// The build: one source tree gives a Chromium and a Firefox manifest, and valid zip archives.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { firefoxManifest } from "../build.mjs";
import { crc32, zip } from "../scripts/png.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));

test("the Firefox manifest uses background scripts and a gecko id", () => {
  const firefox = firefoxManifest(manifest);
  assert.deepEqual(firefox.background, { scripts: ["src/background.js"], type: "module" });
  assert.ok(firefox.browser_specific_settings.gecko.id.includes("@"));
  assert.ok(!("minimum_chrome_version" in firefox));
  assert.deepEqual(firefox.permissions, manifest.permissions);
  assert.equal(manifest.background.service_worker, "src/background.js", "the source manifest is untouched");
});

test("crc32 matches the standard check value", () => {
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
});

test("zip entries can be read back", () => {
  const data = Buffer.from("hello parallax ".repeat(50));
  const archive = zip([{ name: "a/b.txt", data }]);
  assert.equal(archive.readUInt32LE(0), 0x04034b50);
  const nameLength = archive.readUInt16LE(26);
  const compressedSize = archive.readUInt32LE(18);
  assert.equal(archive.subarray(30, 30 + nameLength).toString(), "a/b.txt");
  const body = archive.subarray(30 + nameLength, 30 + nameLength + compressedSize);
  assert.deepEqual(inflateRawSync(body), data);
  assert.equal(archive.readUInt32LE(14), crc32(data));
  assert.equal(archive.readUInt32LE(archive.length - 22), 0x06054b50);
});
