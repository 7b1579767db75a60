// Draw the toolbar icons (three bars: left, center, right coverage) into extension/icons/.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodePng } from "./png.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "icons");
mkdirSync(out, { recursive: true });

const BARS = [[0x1f, 0x5f, 0xbf], [0x7a, 0x5e, 0xa8], [0xbf, 0x3a, 0x1f]];
const HEIGHTS = [0.55, 0.8, 0.65];

for (const size of [16, 32, 48, 128]) {
  const rgba = new Uint8Array(size * size * 4);
  const radius = size * 0.2;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const i = (y * size + x) * 4;
      // Rounded-square background.
      const dx = Math.max(radius - x, x - (size - 1 - radius), 0);
      const dy = Math.max(radius - y, y - (size - 1 - radius), 0);
      if (dx * dx + dy * dy > radius * radius) continue;
      let colour = [0xf4, 0xf4, 0xf8];
      const inner = size * 0.16;
      const barWidth = (size - 2 * inner) / 3;
      const column = Math.floor((x - inner) / barWidth);
      if (x >= inner && x < size - inner && column >= 0 && column < 3) {
        const top = size - inner - (size - 2 * inner) * HEIGHTS[column];
        const gap = (x - inner) % barWidth > barWidth * 0.82;
        if (y >= top && y < size - inner && !gap) colour = BARS[column];
      }
      rgba.set([...colour, 255], i);
    }
  }
  writeFileSync(join(out, `icon-${size}.png`), encodePng(size, size, rgba));
}
console.log(`icons written to ${out}`);
