// The options page: service address (with its host permission), feature switches, sites, ratings refresh.

import { api, DEFAULT_SERVICE_URL, loadSettings, normaliseServiceUrl, saveSettings } from "../lib/settings.js";

const form = /** @type {HTMLFormElement} */ (document.getElementById("options-form"));
const field = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const serviceError = /** @type {HTMLElement} */ (document.getElementById("service-error"));
const saved = /** @type {HTMLElement} */ (document.getElementById("saved"));
const syncStatus = /** @type {HTMLElement} */ (document.getElementById("sync-status"));

/** @param {string} text */
function siteList(text) {
  return [...new Set(text.split(/[\s,]+/).map((s) => s.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "")).filter(Boolean))];
}

function showSync(meta) {
  if (!meta) {
    syncStatus.textContent = "The ratings have not been downloaded yet.";
    return;
  }
  const when = meta.lastSync ? new Date(meta.lastSync).toLocaleString() : "never";
  const count = typeof meta.count === "number" ? `${meta.count} outlets` : "no outlets";
  syncStatus.textContent = `Last sync: ${when} (${count}${meta.version ? `, version ${meta.version}` : ""}).` + (meta.lastError ? ` Last attempt failed: ${meta.lastError}` : "");
}

async function load() {
  const settings = await loadSettings();
  field("service-url").value = settings.serviceUrl;
  field("badge").checked = settings.badge;
  field("panel").checked = settings.panel;
  field("hover-cards").checked = settings.hoverCards;
  field("inline-badges").checked = settings.inlineBadges;
  field("reading-mirror").checked = settings.readingMirror;
  field("inline-badge-sites").value = (settings.inlineBadgeSites ?? []).join("\n");
  field("inline-badge-off-sites").value = (settings.inlineBadgeOffSites ?? []).join("\n");
  field("disabled-sites").value = settings.disabledSites.join("\n");
  field("panel-hidden-sites").value = (settings.panelHiddenSites ?? []).join("\n");
  const status = await api.runtime.sendMessage({ type: "getStatus" });
  showSync(status?.meta ?? null);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  serviceError.hidden = true;
  saved.textContent = "";
  let serviceUrl;
  try {
    serviceUrl = normaliseServiceUrl(field("service-url").value || DEFAULT_SERVICE_URL);
  } catch (error) {
    serviceError.textContent = error.message;
    serviceError.hidden = false;
    field("service-url").focus();
    return;
  }
  const { origin, hostname, protocol } = new URL(serviceUrl);
  // http://127.0.0.1 and http://localhost (any port) come with the extension; any other host is
  // asked for only now, for exactly that origin. No await may come first: the browser wants the
  // request inside the click's user gesture.
  const bundled = protocol === "http:" && (hostname === "127.0.0.1" || hostname === "localhost");
  if (!bundled) {
    const granted = await api.permissions.request({ origins: [`${origin}/*`] }).catch(() => false);
    if (!granted) {
      serviceError.textContent = `Parallax needs permission to reach ${origin}; allow it, or keep the default address.`;
      serviceError.hidden = false;
      return;
    }
  }
  await saveSettings({
    serviceUrl,
    badge: field("badge").checked,
    panel: field("panel").checked,
    hoverCards: field("hover-cards").checked,
    inlineBadges: field("inline-badges").checked,
    readingMirror: field("reading-mirror").checked,
    inlineBadgeSites: siteList(field("inline-badge-sites").value),
    inlineBadgeOffSites: siteList(field("inline-badge-off-sites").value),
    disabledSites: siteList(field("disabled-sites").value),
    panelHiddenSites: siteList(field("panel-hidden-sites").value),
  });
  field("service-url").value = serviceUrl;
  saved.textContent = "Saved.";
});

document.getElementById("refresh")?.addEventListener("click", async () => {
  syncStatus.textContent = "Refreshing…";
  const reply = await api.runtime.sendMessage({ type: "refreshRatings" });
  showSync(reply?.meta ?? null);
});

load();
