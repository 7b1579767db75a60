// The options page: the service (connect, test, what is sent), feature switches, the panel's open
// state, sites, and which ratings table is in use.

import { api, loadSettings, saveSettings } from "../lib/settings.js";
import { describeTable } from "../lib/tables.js";
import { serviceSection } from "./connect.js";

const form = /** @type {HTMLFormElement} */ (document.getElementById("options-form"));
const field = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const saved = /** @type {HTMLElement} */ (document.getElementById("saved"));
const tableStatus = /** @type {HTMLElement} */ (document.getElementById("table-status"));
const syncStatus = /** @type {HTMLElement} */ (document.getElementById("sync-status"));
const refresh = /** @type {HTMLButtonElement} */ (document.getElementById("refresh"));

/** @param {string} text */
function siteList(text) {
  return [...new Set(text.split(/[\s,]+/).map((s) => s.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "")).filter(Boolean))];
}

function showStatus(meta, serviceUrl) {
  tableStatus.textContent = describeTable(meta);
  refresh.hidden = !serviceUrl;
  if (!serviceUrl) {
    syncStatus.textContent = "";
    return;
  }
  const when = meta?.lastSync ? new Date(meta.lastSync).toLocaleString() : "never";
  syncStatus.textContent = `Last sync with ${serviceUrl}: ${when}.` + (meta?.lastError ? ` Last attempt failed: ${meta.lastError}` : "");
}

async function refreshStatus() {
  const status = await api.runtime.sendMessage({ type: "getStatus" });
  showStatus(status?.meta ?? null, status?.settings?.serviceUrl ?? "");
}

async function load() {
  const settings = await loadSettings();
  field("badge").checked = settings.badge;
  field("panel").checked = settings.panel;
  field("hover-cards").checked = settings.hoverCards;
  field("inline-badges").checked = settings.inlineBadges;
  field("reading-mirror").checked = settings.readingMirror;
  field("inline-badge-sites").value = (settings.inlineBadgeSites ?? []).join("\n");
  field("inline-badge-off-sites").value = (settings.inlineBadgeOffSites ?? []).join("\n");
  field("panel-default-open").checked = settings.panelDefaultOpen;
  field("panel-open-sites").value = Object.entries(settings.panelOpenSites ?? {}).filter(([, open]) => open).map(([site]) => site).join("\n");
  field("disabled-sites").value = settings.disabledSites.join("\n");
  field("panel-hidden-sites").value = (settings.panelHiddenSites ?? []).join("\n");
  await refreshStatus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  saved.textContent = "";
  const current = await loadSettings();
  // Sites listed open; sites the reader collapsed the panel on stay remembered as closed.
  const open = siteList(field("panel-open-sites").value).map((site) => site.replace(/^www\./, ""));
  const closed = Object.entries(current.panelOpenSites ?? {}).filter(([site, isOpen]) => !isOpen && !open.includes(site));
  await saveSettings({
    badge: field("badge").checked,
    panel: field("panel").checked,
    hoverCards: field("hover-cards").checked,
    inlineBadges: field("inline-badges").checked,
    readingMirror: field("reading-mirror").checked,
    inlineBadgeSites: siteList(field("inline-badge-sites").value),
    inlineBadgeOffSites: siteList(field("inline-badge-off-sites").value),
    panelDefaultOpen: field("panel-default-open").checked,
    panelOpenSites: Object.fromEntries([...closed, ...open.map((site) => [site, true])]),
    disabledSites: siteList(field("disabled-sites").value),
    panelHiddenSites: siteList(field("panel-hidden-sites").value),
  });
  saved.textContent = "Saved.";
});

refresh.addEventListener("click", async () => {
  syncStatus.textContent = "Refreshing…";
  await api.runtime.sendMessage({ type: "refreshRatings" });
  await refreshStatus();
});

document.getElementById("service-slot")?.replaceWith(serviceSection({ onChange: refreshStatus }));
// The table changes when a sync or an update lands: keep the line current.
api.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && (changes.ratingsMeta || changes.settings)) refreshStatus();
});

load();
