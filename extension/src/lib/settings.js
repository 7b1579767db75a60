// The extension's settings: defaults, reading and writing them in chrome.storage.local.

export const api = globalThis.browser ?? globalThis.chrome;

export const DEFAULT_SERVICE_URL = "http://127.0.0.1:8000";

/** @type {{serviceUrl: string, badge: boolean, panel: boolean, hoverCards: boolean, disabledSites: string[], panelHiddenSites: string[], panelOpen: boolean, perfMarks: boolean}} */
export const DEFAULT_SETTINGS = Object.freeze({
  serviceUrl: DEFAULT_SERVICE_URL,
  badge: true,
  panel: true,
  hoverCards: true,
  disabledSites: [],
  // Sites where the reader dismissed the panel; badge and hover cards still work there.
  panelHiddenSites: [],
  panelOpen: false,
  // Benchmarks only: writes timings to a data- attribute the page could read, so it is off by default.
  perfMarks: false,
});

/** @returns {Promise<typeof DEFAULT_SETTINGS>} */
export async function loadSettings() {
  const stored = await api.storage.local.get("settings");
  return { ...DEFAULT_SETTINGS, ...(stored.settings ?? {}) };
}

/** @param {Partial<typeof DEFAULT_SETTINGS>} changes */
export async function saveSettings(changes) {
  const current = await loadSettings();
  const next = { ...current, ...changes };
  await api.storage.local.set({ settings: next });
  return next;
}

/**
 * Normalise what a person typed as the service address; returns the origin or throws with a fix.
 * @param {string} text
 */
export function normaliseServiceUrl(text) {
  const trimmed = String(text ?? "").trim().replace(/\/+$/, "");
  let url;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error("Enter the service address with its scheme, such as http://127.0.0.1:8000.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error("The service address must start with http:// or https://.");
  }
  if (url.username || url.password) throw new Error("Leave user names and passwords out of the service address.");
  const path = url.pathname.replace(/\/+$/, "");
  return url.origin + path;
}

/**
 * Whether the extension is switched off on this host by the reader.
 * @param {string[]} disabledSites
 * @param {string} host
 */
export function isSiteDisabled(disabledSites, host) {
  const bare = host.toLowerCase().replace(/^www\./, "");
  return disabledSites.some((site) => {
    const s = site.toLowerCase().replace(/^www\./, "");
    return bare === s || bare.endsWith("." + s);
  });
}
