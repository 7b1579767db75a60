// The "My reading" page: the reading mirror's numbers for the last 7 / 30 / 90 days, its export
// and deletion. Everything is read from chrome.storage.local; this page makes no request.

import { clear, h } from "../lib/dom.js";
import { FACTUALITY_ORDER, OWNER_TYPE_ORDER, SIDE_TEXT, factualityText, ownerTypeText } from "../lib/format.js";
import { exportDocument, summarise } from "../lib/reading.js";
import { OutletIndex } from "../lib/resolve.js";
import { api, loadSettings, saveSettings } from "../lib/settings.js";
import { parseStoredTable } from "../lib/tables.js";
import { leanChip, mixList, servicePage, sideBar } from "../lib/views.js";

const summaryBox = /** @type {HTMLElement} */ (document.getElementById("summary"));
const status = /** @type {HTMLElement} */ (document.getElementById("data-status"));
const toggle = /** @type {HTMLInputElement} */ (document.getElementById("reading-on"));

const OTHER_SIDES = { left: "the center and the right", center: "the left and the right", right: "the left and the center" };

/** @type {OutletIndex | null} */
let index = null;
let serviceUrl = "";

function period() {
  const checked = /** @type {HTMLInputElement | null} */ (document.querySelector("input[name=days]:checked"));
  return Number(checked?.value ?? 30);
}

function outletName(id) {
  return index?.get(id)?.name ?? id;
}

async function render() {
  const { reading } = await api.storage.local.get("reading");
  const data = summarise(reading?.entries ?? [], (id) => index?.get(id) ?? null, period());
  clear(summaryBox);
  if (!data.articles) {
    summaryBox.append(h("p", { class: "empty", text: toggle.checked
      ? `Nothing kept for the last ${data.days} days yet: open an article of a rated outlet.`
      : "The reading mirror is off: nothing is kept. Turn it on above to start." }));
    return;
  }
  summaryBox.append(
    h("p", { class: "reading-count", text: `${data.articles} ${data.articles === 1 ? "article" : "articles"} from ${data.outlets} ${data.outlets === 1 ? "outlet" : "outlets"} in the last ${data.days} days` }),
    h("h2", { text: "Lean of what you read" }),
    h("h3", { text: "By articles" }), h("div", { class: "lean-articles" }, sideBar(data.leanByArticles)),
    h("h3", { text: "By outlets" }), h("div", { class: "lean-outlets" }, sideBar(data.leanByOutlets)),
  );
  for (const mix of [
    mixList("Factuality of the outlets", "factuality-mix", data.factuality, [...FACTUALITY_ORDER, "unrated"], (k) => (k === "unrated" ? "Not rated" : factualityText(k))),
    mixList("Who owns them", "owner-mix", data.ownerTypes, OWNER_TYPE_ORDER, ownerTypeText),
  ]) {
    if (mix) {
      // The mixes' titles are h4 inside the panel; here they sit under the page's h1.
      const title = mix.querySelector("h4");
      title?.replaceWith(h("h2", { text: title.textContent ?? "" }));
      summaryBox.append(mix);
    }
  }
  const top = h("ol", { class: "top-outlets" });
  for (const { id, count, outlet } of data.topOutlets) {
    top.append(h("li", { "data-outlet": id },
      h("span", { class: "top-name", text: outletName(id) }), " ",
      leanChip(outlet?.lean?.label ?? null), " ",
      h("span", { class: "muted top-count", text: `${count} ${count === 1 ? "article" : "articles"}` })));
  }
  summaryBox.append(h("h2", { text: "Outlets you read most" }), top);
  summaryBox.append(h("h2", { text: "Stories you saw from one side only" }));
  if (!data.oneSided.length) {
    summaryBox.append(h("p", { class: "muted", text: "None: every story you read, you read from more than one side (or its story is not known)." }));
    return;
  }
  const list = h("ul", { class: "one-sided" });
  for (const story of data.oneSided) {
    const page = servicePage(serviceUrl, "stories", story.id);
    list.append(h("li", { "data-story": story.id },
      h("span", { text: `Read only from the ${SIDE_TEXT[story.side].toLowerCase()} (${story.outlets.map(outletName).join(", ")}), last on ${story.last}. ` }),
      page ? h("a", { href: page, target: "_blank", rel: "noopener noreferrer", class: "other-side", text: `Coverage from ${OTHER_SIDES[story.side]}` }) : null));
  }
  summaryBox.append(list);
}

async function main() {
  const settings = await loadSettings();
  serviceUrl = settings.serviceUrl;
  toggle.checked = Boolean(settings.readingMirror);
  const { ratingsExport } = await api.storage.local.get("ratingsExport");
  const table = parseStoredTable(ratingsExport);
  index = table ? new OutletIndex(table) : null;
  toggle.addEventListener("change", async () => {
    await saveSettings({ readingMirror: toggle.checked });
    status.textContent = toggle.checked ? "The reading mirror is on." : "The reading mirror is off; what was kept stays until you delete it or it is 90 days old.";
    render();
  });
  for (const radio of document.querySelectorAll("input[name=days]")) radio.addEventListener("change", () => render());
  document.getElementById("export")?.addEventListener("click", async () => {
    const { reading } = await api.storage.local.get("reading");
    const blob = new Blob([JSON.stringify(exportDocument(reading?.entries ?? []), null, 1)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = h("a", { download: `parallax-reading-${new Date().toISOString().slice(0, 10)}.json` });
    link.setAttribute("href", url); // a blob: URL, which h() would refuse as a link to the web
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.textContent = "Exported.";
  });
  document.getElementById("delete")?.addEventListener("click", async () => {
    await api.storage.local.remove("reading");
    status.textContent = "Deleted: nothing of your reading is kept now.";
    render();
  });
  api.storage.onChanged.addListener((changes, area) => {
    if (area === "local" && changes.reading) render();
  });
  await render();
}

main();
