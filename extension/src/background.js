// The service worker: the only part that talks to the network; answers the pages' messages and keeps the badge.

import { MAX_URL_LENGTH, OutletIndex } from "./lib/resolve.js";
import { api, DEFAULT_SETTINGS, hasService, isSiteDisabled, loadSettings, migratedServiceUrl, normaliseServiceUrl, sanitizeSettings, saveSettings } from "./lib/settings.js";
import { chooseTable, isExport, parseStoredTable, tableInfo } from "./lib/tables.js";
import { leanBadge, leanColour, leanText, factualityText, UNRATED_COLOUR } from "./lib/format.js";
import { dayOf, prune, validEntry } from "./lib/reading.js";

const RATINGS_ALARM = "parallax-refresh-ratings";
const READING_ALARM = "parallax-prune-reading";
const RATINGS_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 8000;
const RETRY_AFTER_MS = 60 * 1000;
// The export is a few hundred kilobytes; anything far larger is not our service.
const MAX_EXPORT_BYTES = 16 * 1024 * 1024;
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
// Bounds on what a page may ask to be resolved in one message (inline badges).
const MAX_LINKS_PER_MESSAGE = 5000;
const MAX_NAMES_PER_LINK = 12;
const MAX_NAME_CHARS = 200;
// What article.js keeps of a page's metadata (the service itself refuses titles over 1,000).
const MAX_PAGE_TITLE = 500;
const MAX_PAGE_DESCRIPTION = 1000;
// The ratings built into the package by build.mjs: read from the extension itself, never the network.
const PACKAGED_TABLE = "data/ratings.json";

// A memo of the parsed table, keyed by its version; the truth stays in chrome.storage.local,
// because the worker can be stopped at any moment and this variable with it.
let indexMemo = { version: "", index: /** @type {OutletIndex | null} */ (null) };

async function ratingsIndex() {
  const { ratingsMeta } = await api.storage.local.get("ratingsMeta");
  const version = ratingsMeta?.version ? `${ratingsMeta.source}:${ratingsMeta.version}` : "";
  if (indexMemo.index && indexMemo.version === version) return indexMemo.index;
  const { ratingsExport } = await api.storage.local.get("ratingsExport");
  const table = parseStoredTable(ratingsExport);
  const index = table ? new OutletIndex(table) : null;
  indexMemo = { version, index };
  return index;
}

/** Whether the resolver can index `doc` and finds outlets in it: a service's table must, before it replaces ours. @param {any} doc */
function usableTable(doc) {
  try {
    return new OutletIndex(doc).size > 0;
  } catch {
    return false;
  }
}

/** The table in use; the very first page after install can arrive before onInstalled stored it. */
async function tableIndex() {
  const index = await ratingsIndex();
  if (index) return index;
  await ensureTable();
  return ratingsIndex();
}

/** The export built into the package as {text, body}, or null when this copy was built without one. */
async function packagedExport() {
  try {
    const response = await fetch(api.runtime.getURL(PACKAGED_TABLE));
    if (!response.ok) return null;
    const text = await response.text();
    const body = parseStoredTable(text);
    return body ? { text, body } : null;
  } catch {
    return null; // a development checkout where `make extension-ratings` has not run yet
  }
}

/** @type {Promise<any> | null} */
let ensuring = null;

/**
 * Make sure a table is in storage: the package's, unless a connected service gave a fresher one.
 * Runs on install, update and browser start-up, and when a page arrives before any table.
 */
function ensureTable() {
  ensuring ??= (async () => {
    const settings = await loadSettings();
    const { ratingsMeta = {} } = await api.storage.local.get("ratingsMeta");
    const built = await packagedExport();
    if (!built) {
      const meta = { ...ratingsMeta, packaged: null, packagedMissing: true };
      await api.storage.local.set({ ratingsMeta: meta });
      return meta;
    }
    const packaged = tableInfo(built.body);
    const keepService = ratingsMeta.source === "service" && hasService(settings)
      && chooseTable({ version: ratingsMeta.version ?? "", date: ratingsMeta.date ?? "" }, packaged) !== "package";
    const current = ratingsMeta.source === "package" && ratingsMeta.version === packaged.version;
    if (keepService || current) {
      const meta = { ...ratingsMeta, packaged, packagedMissing: false };
      await api.storage.local.set({ ratingsMeta: meta });
      return meta;
    }
    const meta = { ...ratingsMeta, source: "package", ...packaged, packaged, packagedMissing: false };
    await api.storage.local.set({ ratingsExport: built.text, ratingsMeta: meta });
    return meta;
  })().finally(() => {
    ensuring = null;
  });
  return ensuring;
}

class ServiceError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const NO_SERVICE = "Related coverage needs a Parallax service; connect one in the options.";

const TOO_LARGE = "The service sent more data than expected.";

/**
 * The body as text, read chunk by chunk and given up as soon as it passes `limit` bytes: a
 * service that streams without end (or declares gigabytes) is cut off at the bound instead of
 * filling the worker's memory until the timeout.
 * @param {Response} response @param {number} limit @param {string} serviceUrl
 */
async function readText(response, limit, serviceUrl) {
  const declared = response.headers.get("Content-Length");
  if (declared && /^\d+$/.test(declared) && (declared.length > 15 || Number(declared) > limit)) {
    response.body?.cancel().catch(() => {});
    throw new ServiceError("too_large", TOO_LARGE);
  }
  const decoder = new TextDecoder();
  if (!response.body) return "";
  const reader = response.body.getReader();
  let size = 0;
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        reader.cancel().catch(() => {});
        throw new ServiceError("too_large", TOO_LARGE);
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    const timedOut = error?.name === "TimeoutError";
    throw new ServiceError(timedOut ? "timeout" : "unreachable", timedOut
      ? `The Parallax service at ${serviceUrl} did not answer in time.`
      : `The Parallax service at ${serviceUrl} broke off its answer.`);
  }
  return text + decoder.decode();
}

/** @param {Response} response @param {number} limit @param {string} serviceUrl */
async function readJson(response, limit, serviceUrl) {
  const text = await readText(response, limit, serviceUrl);
  try {
    return JSON.parse(text);
  } catch {
    throw new ServiceError("bad_response", "The service answered with something that is not JSON; check the service address in the options.");
  }
}

// A service's own error message is shown to the reader as it is: a line, not a page.
const MAX_ERROR_CHARS = 300;

/**
 * GET or POST against a Parallax service, with a timeout and plain-language errors.
 * @param {string} serviceUrl
 * @param {string} path
 * @param {RequestInit} [init]
 * @param {number} [limit]
 */
async function request(serviceUrl, path, init = {}, limit = MAX_RESPONSE_BYTES) {
  // The network is reached over http(s) only, whatever ended up in the settings.
  if (!/^https?:\/\//i.test(serviceUrl)) throw new ServiceError("bad_address", "The service address must start with http:// or https://.");
  let response;
  try {
    response = await fetch(serviceUrl + path, {
      ...init,
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error?.name === "TimeoutError";
    throw new ServiceError(
      timedOut ? "timeout" : "unreachable",
      timedOut
        ? `The Parallax service at ${serviceUrl} did not answer in time.`
        : `The Parallax service at ${serviceUrl} is not reachable. Check that it is running, or change its address in the options.`,
    );
  }
  if (response.status === 304) return { status: 304, body: null, response };
  const body = await readJson(response, limit, serviceUrl);
  if (!response.ok) {
    const given = typeof body?.error?.message === "string" ? body.error.message.replace(/\s+/g, " ").trim() : "";
    const message = given ? (given.length > MAX_ERROR_CHARS ? `${given.slice(0, MAX_ERROR_CHARS - 1)}…` : given) : `The service answered ${response.status}.`;
    const code = typeof body?.error?.code === "string" && /^[a-z0-9_]{1,40}$/.test(body.error.code) ? body.error.code : "http_" + response.status;
    throw new ServiceError(code, message);
  }
  return { status: response.status, body, response };
}

/**
 * A request to the configured service; with none configured, an error and no request at all.
 * @param {string} path @param {RequestInit} [init] @param {number} [limit]
 */
async function callService(path, init = {}, limit = MAX_RESPONSE_BYTES) {
  const settings = await loadSettings();
  if (!hasService(settings)) throw new ServiceError("no_service", NO_SERVICE);
  return request(settings.serviceUrl, path, init, limit);
}

/**
 * Fetch the service's /v1/outlets/export unless the copy seen last is still current (ETag), and
 * use it if it is fresher than the package's. Standalone (no service): nothing, ever.
 */
async function syncRatings({ force = false } = {}) {
  if (!hasService(await loadSettings())) return (await api.storage.local.get("ratingsMeta")).ratingsMeta ?? {};
  let { ratingsMeta = {} } = await api.storage.local.get("ratingsMeta");
  if (!ratingsMeta.version) ratingsMeta = await ensureTable();
  const fresh = ratingsMeta.lastSync && Date.now() - Date.parse(ratingsMeta.lastSync) < RATINGS_MAX_AGE_MS;
  if (fresh && !force && !ratingsMeta.lastError) return ratingsMeta;
  // After a failure, pages retry the sync at most once a minute, not once per page view.
  const retriedRecently = ratingsMeta.lastAttempt && Date.now() - Date.parse(ratingsMeta.lastAttempt) < RETRY_AFTER_MS;
  if (!force && retriedRecently) return ratingsMeta;
  await api.storage.local.set({ ratingsMeta: { ...ratingsMeta, lastAttempt: new Date().toISOString() } });
  const headers = ratingsMeta.etag && ratingsMeta.service ? { "If-None-Match": ratingsMeta.etag } : {};
  try {
    const { status, body, response } = await callService("/v1/outlets/export", { headers }, MAX_EXPORT_BYTES);
    const now = new Date().toISOString();
    const synced = { lastSync: now, lastFinished: now, lastStatus: status, lastError: null };
    if (status === 304) {
      const meta = { ...ratingsMeta, ...synced };
      await api.storage.local.set({ ratingsMeta: meta });
      return meta;
    }
    if (!isExport(body) || !usableTable(body)) {
      throw new ServiceError("bad_export", "The service's ratings export is not in the expected format; update the service.");
    }
    const offered = tableInfo(body);
    const seen = { ...synced, etag: response.headers.get("ETag"), service: offered };
    const choice = chooseTable(offered, ratingsMeta.packaged);
    if (choice === "service") {
      const meta = { ...ratingsMeta, ...seen, source: "service", ...offered };
      await api.storage.local.set({ ratingsExport: JSON.stringify(body), ratingsMeta: meta });
      return meta;
    }
    const meta = { ...ratingsMeta, ...seen };
    await api.storage.local.set({ ratingsMeta: meta });
    // A service table kept from before that is now older than the package's gives way to it.
    return ratingsMeta.source === "service" && choice === "package" ? await ensureTable() : meta;
  } catch (error) {
    const failedAt = new Date().toISOString();
    const meta = { ...ratingsMeta, lastAttempt: failedAt, lastFinished: failedAt, lastError: error instanceof ServiceError ? error.message : String(error) };
    await api.storage.local.set({ ratingsMeta: meta });
    return meta;
  }
}

/** @param {number} tabId @param {any} outlet @param {boolean} isNews */
async function setBadge(tabId, outlet, isNews) {
  const { badge } = await loadSettings();
  if (!badge || (!outlet && !isNews)) {
    await api.action.setBadgeText({ tabId, text: "" });
    await api.action.setTitle({ tabId, title: "Parallax" });
    return;
  }
  const label = outlet?.lean?.label ?? null;
  await api.action.setBadgeText({ tabId, text: outlet ? leanBadge(label) : "?" });
  await api.action.setBadgeBackgroundColor({ tabId, color: outlet ? leanColour(label) : UNRATED_COLOUR });
  if (api.action.setBadgeTextColor) await api.action.setBadgeTextColor({ tabId, color: "#ffffff" });
  const title = outlet
    ? `${outlet.name}: ${leanText(label)}; factuality ${factualityText(outlet.factuality?.label).toLowerCase()}`
    : "A news site Parallax has not rated";
  await api.action.setTitle({ tabId, title });
}

const tabKey = (tabId) => `tab:${tabId}`;

async function saveTabState(tabId, changes) {
  const key = tabKey(tabId);
  const stored = await api.storage.session.get(key);
  await api.storage.session.set({ [key]: { ...(stored[key] ?? {}), ...changes } });
}

// What a service's answer may be before it is handed to a page or kept in session storage: a
// story is a few levels deep, its lists a few dozen items, its texts a few sentences. Anything
// beyond (a hostile or broken service: nesting thousands deep, 100,000 related articles) is cut
// here, once, so no page, popup or storage quota has to cope with it.
const ANSWER_BOUNDS = { depth: 10, items: 300, keys: 100, chars: 4000 };

/**
 * A copy of a JSON value within ANSWER_BOUNDS: deeper values become null, longer lists, objects
 * and strings are cut, and non-finite numbers are dropped.
 * @param {unknown} value @param {number} [depth]
 * @returns {unknown}
 */
export function boundedJson(value, depth = 0) {
  if (typeof value === "string") return value.length > ANSWER_BOUNDS.chars ? value.slice(0, ANSWER_BOUNDS.chars) : value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean" || value === null) return value;
  if (typeof value !== "object" || depth >= ANSWER_BOUNDS.depth) return null;
  if (Array.isArray(value)) return value.slice(0, ANSWER_BOUNDS.items).map((item) => boundedJson(item, depth + 1));
  /** @type {Record<string, unknown>} */
  const copy = {};
  let kept = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (kept++ >= ANSWER_BOUNDS.keys) break;
    copy[key] = boundedJson(/** @type {any} */ (value)[key], depth + 1);
  }
  return copy;
}

const BAD_SHAPE = "The Parallax service's answer is not in the expected format; check the service address in the options, or update the service.";

/** A JSON object (not a list). @param {unknown} value @returns {value is Record<string, any>} */
const isRecord = (value) => Boolean(value) && typeof value === "object" && !Array.isArray(value);

/**
 * An outlet the pages can show: an object with a string id (and name, when it has one). Anything
 * else from a service is dropped, and the page keeps the rating of its own table: it showed
 * "Unknown outlet", its tab "undefined · Not rated".
 * @param {unknown} value
 */
const usableOutlet = (value) => isRecord(value) && typeof value.id === "string" && value.id !== ""
  && (value.name === undefined || typeof value.name === "string");

/** A story the pages can show: an object with a string id (a list showed "0 articles from 0 sources"). @param {unknown} value */
const usableStory = (value) => isRecord(value) && typeof value.id === "string" && value.id !== "";

/** Whether the message comes from one of our own pages (popup, options, welcome), not a content script. */
function fromExtensionPage(sender) {
  return typeof sender?.url === "string" && sender.url.startsWith(api.runtime.getURL(""));
}

// Messages only our own pages may send: they read other tabs' state, the settings, or make the
// worker fetch an address given in the message. A content script lives in pages the web controls.
const EXTENSION_PAGES_ONLY = new Set(["getTabState", "getStatus", "refreshRatings", "testService"]);

function errorReply(error) {
  if (error instanceof ServiceError) return { ok: false, error: { code: error.code, message: error.message } };
  return { ok: false, error: { code: "internal", message: "Parallax hit an unexpected problem; see the extension's console." } };
}

/** One handler per named message type; each returns a JSON-able reply. */
const handlers = {
  /** A content script reports the page it runs on: badge it, remember it for the popup. */
  async pageSeen(message, sender) {
    const tabId = sender.tab?.id;
    const settings = await loadSettings();
    const index = await tableIndex();
    const service = hasService(settings);
    if (service) syncRatings(); // not awaited; at most daily, or once a minute after a failure
    const resolution = index?.tryResolve(String(message.url ?? "")) ?? null;
    const outlet = resolution?.outlet ?? null;
    const isNews = Boolean(outlet) || Boolean(message.isArticle);
    const disabled = resolution ? isSiteDisabled(settings.disabledSites, resolution.host) : false;
    if (tabId !== undefined && tabId >= 0 && sender.frameId === 0) {
      await setBadge(tabId, disabled ? null : outlet, !disabled && isNews);
      await saveTabState(tabId, { url: resolution?.resolved_url ?? (String(message.url ?? "").split("#")[0] || null), outlet, isNews, story: null, error: null, scored: false });
    }
    // Without a table, say why: one is on its way from the service, or there is none to be had.
    const tableState = index ? "ready" : service ? "loading" : "missing";
    return { ok: true, outlet, isNews, tableLoaded: Boolean(index), tableState, service, resolvedUrl: resolution?.resolved_url ?? null };
  },

  /** Score the page being read, and find its story: the page URL goes to the service, nowhere else. */
  async score(message, sender) {
    // Content scripts speak for their own tab; only the popup (no tab) may name one.
    const tabId = sender.tab ? sender.tab.id : Number.isInteger(message.tabId) ? message.tabId : undefined;
    const url = typeof message.url === "string" ? message.url : "";
    try {
      if (!url || url.length > MAX_URL_LENGTH) throw new ServiceError("bad_url", "This page's address cannot be looked up.");
      const answer = await callService("/v1/score?url=" + encodeURIComponent(url));
      const body = /** @type {any} */ (boundedJson(answer.body));
      // JSON that is no score (a list, a string: another service at the address) is said to be
      // so; it read as "no other coverage found".
      if (!isRecord(body)) throw new ServiceError("bad_response", BAD_SHAPE);
      const outlet = usableOutlet(body.outlet) ? body.outlet : null;
      let story = usableStory(body.story) ? body.story : null;
      const page = message.page ?? {};
      if (!story && typeof page.title === "string" && page.title) {
        try {
          const posted = await callService("/v1/articles", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            // The content script cuts the page's metadata to these lengths; the worker does not
            // rely on it (a page's megabyte of og:title would only get the post refused).
            body: JSON.stringify({
              url,
              title: page.title.slice(0, MAX_PAGE_TITLE),
              description: typeof page.description === "string" ? page.description.slice(0, MAX_PAGE_DESCRIPTION) : "",
              // Pages write dates every which way; an unparseable one would only get the post refused.
              published: typeof page.published === "string" && page.published.length <= 64 && !Number.isNaN(Date.parse(page.published)) ? page.published : null,
            }),
          });
          const postedStory = /** @type {any} */ (boundedJson(posted.body))?.story;
          story = usableStory(postedStory) ? postedStory : null;
        } catch {
          // The score itself arrived; a missing story is shown as "no coverage found".
        }
      }
      const data = { ...body, outlet, story };
      if (tabId !== undefined && tabId >= 0) await saveTabState(tabId, { outlet, story, error: null, scored: true });
      return { ok: true, data };
    } catch (error) {
      const reply = errorReply(error);
      if (tabId !== undefined && tabId >= 0) await saveTabState(tabId, { error: reply.error, scored: true });
      return reply;
    }
  },

  /** The popup asks what the content script found on its tab. */
  async getTabState(message) {
    const key = tabKey(Number(message.tabId));
    const stored = await api.storage.session.get(key);
    return { ok: true, state: stored[key] ?? null };
  },

  async refreshRatings() {
    const meta = await syncRatings({ force: true });
    return { ok: !meta.lastError, meta, error: meta.lastError ? { code: "sync_failed", message: meta.lastError } : null };
  },

  async getStatus() {
    const { ratingsMeta = null } = await api.storage.local.get("ratingsMeta");
    return { ok: true, meta: ratingsMeta, settings: await loadSettings() };
  },

  /** Inline badges and hover cards start: the shorteners (for link targets) and the page's own outlet. */
  async badgeSetup(message) {
    const index = await tableIndex();
    if (!index) return { ok: false, error: { code: "no_table", message: "This copy of the extension has no ratings table and no service is reachable." } };
    const own = index.tryResolve(String(message.url ?? ""))?.outlet?.id ?? null;
    return { ok: true, shorteners: [...index.shorteners], own };
  },

  /**
   * Inline badges and hover cards: the outlets of a batch of links, from the table in memory (no
   * network). An item with `names` is a Google News headline whose id holds no URL: the first of
   * its card's texts that names an outlet decides (resolveNamed). Badges get the few fields a dot
   * needs; with `detail` (a hover card) each answer is {outlet, host, named} with the whole outlet.
   */
  async resolveLinks(message) {
    const index = await tableIndex();
    if (!index) return { ok: false, error: { code: "no_table", message: "This copy of the extension has no ratings table and no service is reachable." } };
    const items = Array.isArray(message.items) ? message.items.slice(0, MAX_LINKS_PER_MESSAGE) : [];
    const country = typeof message.country === "string" ? message.country : null;
    const detail = message.detail === true;
    const outlets = items.map((item) => {
      // The resolver refuses longer URLs; cut here before any work on them.
      const target = typeof item?.target === "string" && item.target.length <= MAX_URL_LENGTH ? item.target : "";
      let resolution = null;
      const named = Array.isArray(item?.names);
      if (named) {
        for (const name of item.names.slice(0, MAX_NAMES_PER_LINK)) {
          if (typeof name !== "string" || name.length > MAX_NAME_CHARS) continue;
          try {
            resolution = index.resolveNamed(target, name, country);
          } catch {
            break; // not a URL at all
          }
          if (resolution?.outlet) break;
        }
      } else {
        resolution = index.tryResolve(target);
      }
      const outlet = resolution?.outlet ?? null;
      if (!outlet) return null;
      if (detail) return { outlet, host: resolution.host ?? "", named };
      return { id: outlet.id, name: outlet.name, lean: outlet.lean?.label ?? null, factuality: outlet.factuality?.label ?? null };
    });
    return { ok: true, outlets };
  },

  /** The reader pressed "Test" on an address: one GET /version there, nothing about any page. */
  async testService(message) {
    let serviceUrl;
    try {
      serviceUrl = normaliseServiceUrl(String(message.url ?? ""));
    } catch (error) {
      return { ok: false, error: { code: "bad_address", message: error.message } };
    }
    try {
      const { body } = await request(serviceUrl, "/version");
      if (typeof body?.ratings_version !== "string") {
        throw new ServiceError("not_parallax", `${serviceUrl} answered, but not as a Parallax service; check the address.`);
      }
      // Shown to the reader as words: a version or count of another type ("[object Object]",
      // NaN) is left out rather than shown.
      const version = typeof body.version === "string" || typeof body.version === "number" ? String(body.version).slice(0, 64) : "";
      const outlets = typeof body.outlets === "number" && Number.isSafeInteger(body.outlets) && body.outlets >= 0 ? body.outlets : null;
      return { ok: true, serviceUrl, version, outlets };
    } catch (error) {
      return errorReply(error);
    }
  },

  /**
   * The reading mirror: note that the reader opened an article page of this outlet (and story)
   * today. Only the day, the outlet id and the story id are kept, in chrome.storage.local; the
   * page's URL is used only to count a page once per tab, in this tab's session state.
   */
  async recordReading(message, sender) {
    const { readingMirror } = await loadSettings();
    if (!readingMirror) return { ok: false, error: { code: "off", message: "The reading mirror is off." } };
    const tabId = sender.tab?.id;
    const index = await ratingsIndex();
    const outlet = typeof message.outlet === "string" ? index?.get(message.outlet) : null;
    if (!outlet) return { ok: false, error: { code: "unknown_outlet", message: "Only rated outlets are kept." } };
    const entry = validEntry([dayOf(), outlet.id, typeof message.story === "string" ? message.story : null]);
    if (!entry) return { ok: false, error: { code: "bad_entry", message: "Not a valid reading entry." } };
    if (tabId !== undefined && tabId >= 0) {
      const key = tabKey(tabId);
      // The article, not its address: a reload after the site stripped its own ?smid= from the
      // address (replaceState) is the same read.
      const url = String(message.url ?? "");
      const page = index?.tryResolve(url)?.resolved_url ?? url.split("#")[0];
      const state = (await api.storage.session.get(key))[key] ?? {};
      if (state.readingKept === page) return { ok: true, kept: false }; // a reload, not a new read
      await saveTabState(tabId, { readingKept: page });
    }
    const { reading } = await api.storage.local.get("reading");
    const entries = prune([...(Array.isArray(reading?.entries) ? reading.entries : []), entry]);
    await api.storage.local.set({ reading: { v: 1, entries } });
    return { ok: true, kept: true };
  },

  async openOptions() {
    await api.runtime.openOptionsPage();
    return { ok: true };
  },
};

// All listeners are registered synchronously at the top level, so a woken worker sees the event.
api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Only our own pages and content scripts may ask; web pages cannot reach onMessage at all.
  if (sender.id !== api.runtime.id) return false;
  const type = typeof message?.type === "string" ? message.type : "";
  const handler = Object.hasOwn(handlers, type) ? handlers[type] : null;
  if (!handler) {
    sendResponse({ ok: false, error: { code: "unknown_message", message: `No handler for ${type.slice(0, 40) || "this message"}.` } });
    return false;
  }
  if (EXTENSION_PAGES_ONLY.has(type) && !fromExtensionPage(sender)) {
    sendResponse({ ok: false, error: { code: "forbidden", message: `${type} is answered for the extension's own pages only.` } });
    return false;
  }
  handler(message, sender).then(sendResponse, (error) => sendResponse(errorReply(error)));
  return true; // the reply is asynchronous
});

api.runtime.onInstalled.addListener(async ({ reason }) => {
  const { settings, ratingsMeta } = await api.storage.local.get(["settings", "ratingsMeta"]);
  if (!settings) await api.storage.local.set({ settings: { ...DEFAULT_SETTINGS } });
  else if (reason === "update" && migratedServiceUrl(settings, ratingsMeta) !== settings.serviceUrl) await saveSettings({ serviceUrl: "" });
  await api.alarms.create(RATINGS_ALARM, { periodInMinutes: 24 * 60, delayInMinutes: 24 * 60 });
  await api.alarms.create(READING_ALARM, { periodInMinutes: 24 * 60, delayInMinutes: 60 });
  // On update too: a newer extension brings a newer built-in table.
  await ensureTable();
  if (reason === "install") await api.tabs.create({ url: api.runtime.getURL("welcome.html") });
  await syncRatings({ force: true });
});

api.runtime.onStartup.addListener(async () => {
  pruneReading();
  await ensureTable();
  await syncRatings();
});

/** Drop reading entries older than 90 days (daily, at start-up, and on every write). */
async function pruneReading() {
  const { reading } = await api.storage.local.get("reading");
  if (!reading) return;
  const entries = prune(reading.entries);
  if (entries.length !== (reading.entries?.length ?? 0)) await api.storage.local.set({ reading: { v: 1, entries } });
}

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RATINGS_ALARM) syncRatings({ force: true });
  if (alarm.name === READING_ALARM) pruneReading();
});

api.storage.onChanged.addListener((changes, area) => {
  if (area !== "local" || !changes.settings) return;
  const before = sanitizeSettings(changes.settings.oldValue).serviceUrl;
  const after = sanitizeSettings(changes.settings.newValue).serviceUrl;
  if (before === after) return;
  // A different service may rate differently: forget what the old one offered, then ask the new
  // one (or, with no service left, go back to the package's table).
  api.storage.local.get("ratingsMeta").then(async ({ ratingsMeta = {} }) => {
    // The old service's table is no longer anyone's choice: back to the package's until the new one answers.
    const source = ratingsMeta.source === "service" ? "previous-service" : ratingsMeta.source;
    await api.storage.local.set({ ratingsMeta: { ...ratingsMeta, source, etag: null, service: null, lastSync: null, lastAttempt: null, lastError: null } });
    await ensureTable();
    if (after) await syncRatings({ force: true });
  });
});

// The keyboard shortcut (manifest "commands": Alt+Shift+Y, Control+Shift+Y on a Mac, unless the
// reader set another): the tab's content script opens or closes its panel and moves focus into it. Messaging a tab by the
// id the command gives needs no "tabs" permission; a tab without our panel has no one to answer.
api.commands?.onCommand.addListener((command, tab) => {
  if (command !== "toggle-panel" || typeof tab?.id !== "number" || tab.id < 0) return;
  api.tabs.sendMessage(tab.id, { type: "togglePanel" }).catch(() => {});
});

api.tabs.onRemoved.addListener((tabId) => {
  api.storage.session.remove(tabKey(tabId));
});
