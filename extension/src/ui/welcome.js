// The page opened once on install: what the badge, panel and cards mean, and (optionally) connecting
// a Parallax service. Works from the built-in table; the only request it can make is the reader's Test.

import { h } from "../lib/dom.js";
import { LEAN_STEPS, leanBadge, leanColour, leanText } from "../lib/format.js";
import { OutletIndex } from "../lib/resolve.js";
import { api } from "../lib/settings.js";
import { parseStoredTable, tableInfo } from "../lib/tables.js";
import { outletDetails } from "../lib/views.js";
import { serviceSection } from "./connect.js";

// Well-known outlets to show a sample card for; the first one the table has is used.
const SAMPLE_URLS = ["https://www.reuters.com/", "https://apnews.com/", "https://www.bbc.com/news"];

function badgeLegend() {
  const list = /** @type {HTMLElement} */ (document.getElementById("badge-legend"));
  for (const step of [...LEAN_STEPS, null]) {
    // The badge's colour as a swatch beside its letters, so the letters keep the page's contrast.
    const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.backgroundColor = leanColour(step);
    list.append(h("li", {}, swatch, h("strong", { class: "badge-letters", text: leanBadge(step) }),
      h("span", { text: ` ${step ? leanText(step) : "a news site not rated yet"}` })));
  }
}

async function readyLine() {
  const line = /** @type {HTMLElement} */ (document.getElementById("ready-line"));
  // The worker stores the built-in table on install; a moment after, it is there.
  let table = null;
  for (let attempt = 0; attempt < 20 && !table; attempt += 1) {
    const { ratingsExport } = await api.storage.local.get("ratingsExport");
    table = parseStoredTable(ratingsExport);
    if (!table) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!table) {
    line.textContent = "The ratings table is not there yet: this copy was built without one. Run `make extension-ratings`, or connect a Parallax service below.";
    return;
  }
  const info = tableInfo(table);
  line.textContent = `It works on its own: ratings of ${info.count.toLocaleString("en")} news outlets are built in${info.date ? ` (reviewed up to ${info.date})` : ""}, and nothing you read is sent anywhere.`;
  const index = new OutletIndex(table);
  const outlet = SAMPLE_URLS.map((url) => index.tryResolve(url)?.outlet).find(Boolean);
  if (outlet) document.getElementById("card-sample")?.append(outletDetails(outlet, { scale: false }));
}

badgeLegend();
document.getElementById("service-slot")?.replaceWith(serviceSection());
readyLine();
