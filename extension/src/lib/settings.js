// The extension's settings: defaults, reading and writing them in chrome.storage.local.

export const api = globalThis.browser ?? globalThis.chrome;

// No service: a fresh install works alone from the ratings built into the package and sends nothing.
export const DEFAULT_SERVICE_URL = "";
// What the address field suggests: a service on this computer, as `parallax serve` starts it.
export const SUGGESTED_SERVICE_URL = "http://127.0.0.1:8000";
// The per-site open state is the reader's own choice on each site; bounded so storage stays small.
export const MAX_PANEL_SITES = 500;

/** @type {{serviceUrl: string, badge: boolean, panel: boolean, hoverCards: boolean, disabledSites: string[], panelHiddenSites: string[], panelDefaultOpen: boolean, panelOpenSites: Record<string, boolean>, inlineBadges: boolean, inlineBadgeSites: string[], inlineBadgeOffSites: string[], readingMirror: boolean, perfMarks: boolean, noNavigationApi: boolean}} */
export const DEFAULT_SETTINGS = Object.freeze({
  serviceUrl: DEFAULT_SERVICE_URL,
  badge: true,
  panel: true,
  hoverCards: true,
  disabledSites: [],
  // Sites where the reader dismissed the panel; badge and hover cards still work there.
  panelHiddenSites: [],
  // Whether the panel opens by itself on a site where the reader has not opened or closed it yet.
  panelDefaultOpen: false,
  // site -> open, remembered when the reader opens or collapses the panel there.
  panelOpenSites: {},
  // Inline badges: dots after news links on the usual link lists (LINK_LIST_SITES), off until
  // the reader turns them on; and per site, on (inlineBadgeSites) or off (inlineBadgeOffSites).
  inlineBadges: false,
  inlineBadgeSites: [],
  inlineBadgeOffSites: [],
  // The reading mirror (day, outlet id, story id of each article page opened, kept only in
  // this browser): off until the reader turns it on.
  readingMirror: false,
  // Benchmarks only: writes timings to a data- attribute the page could read, so it is off by default.
  perfMarks: false,
  // Tests and diagnosis only: follow same-document navigations without the Navigation API, as in
  // a browser that has none (content/navwatch.js). Not in the options.
  noNavigationApi: false,
});

// Bounds on what a stored site list may hold: storage written by an older or broken version (or
// by hand in the devtools) must not make every page walk a huge list.
const MAX_SITES = 2000;
const MAX_SITE_CHARS = 253;

/** The strings of a stored site list, or [] for anything that is not a list. @param {unknown} value */
function siteListOf(value) {
  if (!Array.isArray(value)) return [];
  return value.filter((site) => typeof site === "string" && site !== "" && site.length <= MAX_SITE_CHARS).slice(0, MAX_SITES);
}

/**
 * The settings as every part of the extension may rely on them: each stored value of the wrong
 * type falls back to its default (a corrupted value must not break the popup, the options or
 * every page), and a service address that is not http(s) is no service at all, so nothing is
 * ever fetched from a file:, data: or javascript: address.
 * @param {unknown} stored what chrome.storage.local holds under "settings"
 * @returns {typeof DEFAULT_SETTINGS}
 */
export function sanitizeSettings(stored) {
  const given = stored && typeof stored === "object" && !Array.isArray(stored) ? /** @type {Record<string, unknown>} */ (stored) : {};
  /** @type {Record<string, any>} */
  const settings = { ...DEFAULT_SETTINGS };
  for (const [key, fallback] of Object.entries(DEFAULT_SETTINGS)) {
    if (!Object.hasOwn(given, key)) continue;
    const value = given[key];
    if (typeof fallback === "boolean") settings[key] = typeof value === "boolean" ? value : fallback;
    else if (Array.isArray(fallback)) settings[key] = siteListOf(value);
  }
  settings.serviceUrl = "";
  if (typeof given.serviceUrl === "string" && given.serviceUrl !== "") {
    try {
      settings.serviceUrl = normaliseServiceUrl(given.serviceUrl);
    } catch {
      // Not an http(s) address: standalone, as if none were set.
    }
  }
  const sites = given.panelOpenSites;
  settings.panelOpenSites = sites && typeof sites === "object" && !Array.isArray(sites)
    ? Object.fromEntries(Object.entries(sites).filter(([site, open]) => typeof open === "boolean" && site.length <= MAX_SITE_CHARS).slice(-MAX_PANEL_SITES))
    : {};
  return /** @type {typeof DEFAULT_SETTINGS} */ (settings);
}

/** @returns {Promise<typeof DEFAULT_SETTINGS>} */
export async function loadSettings() {
  const stored = await api.storage.local.get("settings");
  return sanitizeSettings(stored?.settings);
}

/** @param {Partial<typeof DEFAULT_SETTINGS>} changes */
export async function saveSettings(changes) {
  const current = await loadSettings();
  const next = { ...current, ...changes };
  await api.storage.local.set({ settings: next });
  return next;
}

/** Whether a Parallax service is set; without one the extension makes no network request. @param {{serviceUrl?: string}} settings */
export function hasService(settings) {
  return typeof settings?.serviceUrl === "string" && settings.serviceUrl !== "";
}

/**
 * On update from a version that defaulted to http://127.0.0.1:8000: a reader who never reached a
 * service there only had the old default, not a choice, and goes standalone (nothing sent). A
 * service that answered at least once stays.
 * @param {{serviceUrl?: string}} settings @param {{lastSync?: string | null} | null | undefined} meta
 */
export function migratedServiceUrl(settings, meta) {
  const url = settings?.serviceUrl ?? "";
  return url === SUGGESTED_SERVICE_URL && !meta?.lastSync ? "" : url;
}

/**
 * Whether the panel should start open on `site`: the reader's choice there, else the default.
 * @param {{panelOpenSites?: Record<string, boolean>, panelDefaultOpen?: boolean}} settings @param {string} site
 */
export function panelOpenOn(settings, site) {
  const sites = settings?.panelOpenSites;
  if (sites && typeof sites === "object" && Object.hasOwn(sites, site)) return sites[site] === true;
  return settings?.panelDefaultOpen === true;
}

/**
 * The per-site map with `site` set to `open`, most recent last, the oldest dropped beyond the bound.
 * @param {Record<string, boolean> | undefined} sites @param {string} site @param {boolean} open
 */
export function withPanelSite(sites, site, open, limit = MAX_PANEL_SITES) {
  const entries = Object.entries(sites && typeof sites === "object" ? sites : {}).filter(([name]) => name !== site);
  entries.push([site, open]);
  return Object.fromEntries(entries.slice(-limit));
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

// Pages that are lists of links to other sites' news: search results, Google News, Reddit, X,
// Facebook, Hacker News. Google's search hosts are matched by pattern (google.co.uk, google.de…).
export const LINK_LIST_SITES = [
  "news.google.com", "bing.com", "duckduckgo.com", "search.brave.com", "reddit.com", "x.com",
  "twitter.com", "facebook.com", "news.ycombinator.com",
];
const GOOGLE_SEARCH_HOST = /^(?:www\.)?google(?:\.[a-z]{2,3}){1,2}$/;

/** @param {string} host */
export function isLinkListSite(host) {
  return GOOGLE_SEARCH_HOST.test(host.toLowerCase()) || isSiteDisabled(LINK_LIST_SITES, host);
}

/**
 * Whether inline badges show on this host: a site the reader turned them on or off for decides;
 * otherwise the usual link lists, once the reader has turned badges on for them.
 * @param {Partial<typeof DEFAULT_SETTINGS>} settings @param {string} host
 */
export function badgesOn(settings, host) {
  if (isSiteDisabled(settings.inlineBadgeOffSites ?? [], host)) return false;
  if (isSiteDisabled(settings.inlineBadgeSites ?? [], host)) return true;
  return Boolean(settings.inlineBadges) && isLinkListSite(host);
}

/**
 * The settings change that turns badges on or off for one site (the popup's switch).
 * @param {Partial<typeof DEFAULT_SETTINGS>} settings @param {string} site a bare host
 * @param {boolean} on
 */
export function badgeSiteChange(settings, site, on) {
  const bare = site.toLowerCase().replace(/^www\./, "");
  const without = (list) => (list ?? []).filter((s) => s.toLowerCase().replace(/^www\./, "") !== bare);
  const next = { inlineBadgeSites: without(settings.inlineBadgeSites), inlineBadgeOffSites: without(settings.inlineBadgeOffSites) };
  if (badgesOn({ ...settings, ...next }, bare) !== on) {
    if (on) next.inlineBadgeSites.push(bare);
    else next.inlineBadgeOffSites.push(bare);
  }
  return next;
}
