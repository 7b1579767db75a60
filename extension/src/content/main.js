// Content-script entry: decide what this page gets (panel, hover cards) and start each feature.

import { canonicalURL } from "../lib/resolve.js";
import { api, badgesOn, isSiteDisabled, loadSettings, panelOpenOn, sanitizeSettings, saveSettings, withPanelSite } from "../lib/settings.js";
import { looksLikeArticleUrl, readArticle } from "./article.js";
import { startInlineBadges } from "./badges.js";
import { startHoverCards } from "./hovercard.js";
import { watchNavigation } from "./navwatch.js";
import { mountPanel } from "./panel.js";

let perfMarks = false;
// The panel on the page now (null: none), for the keyboard shortcut.
/** @type {ReturnType<typeof mountPanel> | null} */
let shownPanel = null;

// How long the address must stay put after a same-document navigation before the new page gets
// its panel and the service is asked about it. A router that rewrites the address as the reader
// scrolls, or a hostile page twenty times a second, cost a /v1/score request and a posted
// article per change (30 pushes 50 ms apart: 52 requests); a burst now costs one.
export const SETTLE_MS = 400;

/**
 * The article an address is: its canonical form (no fragment, no tracking parameters), so a
 * site that strips its own ?smid= or utm_ parameters with replaceState is still on one article.
 * @param {string} href
 */
export function articleKey(href) {
  try {
    return canonicalURL(href);
  } catch {
    return href.split("#")[0];
  }
}

function send(message) {
  return api.runtime.sendMessage(message).catch((error) => ({ ok: false, error: { code: "extension", message: String(error?.message ?? error) } }));
}

/**
 * Badge and panel for the document's current URL; `signal` removes the panel when the page
 * navigates away within the same document or the reader dismisses it.
 * @param {typeof import("../lib/settings.js").DEFAULT_SETTINGS} settings
 * @param {AbortController} controller
 * @param {{pause: () => void, resume: () => void, report: (phase: string) => void}} timing
 */
async function showPage(settings, controller, timing) {
  const { signal } = controller;
  const pageHost = location.hostname.toLowerCase();
  const pageUrl = location.href;
  const page = readArticle(document);
  timing.pause();
  const seen = await send({ type: "pageSeen", url: pageUrl, isArticle: page.isArticle });
  timing.resume();
  if (signal.aborted) return;
  const outlet = seen?.outlet ?? null;
  const isArticle = page.isArticle || (outlet !== null && looksLikeArticleUrl(pageUrl));
  const hiddenHere = isSiteDisabled(settings.panelHiddenSites ?? [], pageHost);
  // The reading mirror (when on) notes an article of a rated outlet, with its story when known.
  const noteReading = (story) => {
    if (settings.readingMirror && isArticle && outlet?.id) send({ type: "recordReading", outlet: outlet.id, story, url: pageUrl });
  };
  if (!settings.panel || !isArticle || hiddenHere) {
    timing.report("no-panel");
    noteReading(null);
    return;
  }
  const site = pageHost.replace(/^www\./, "");
  const panel = mountPanel({
    host: site,
    outlet,
    tableLoaded: Boolean(seen?.tableLoaded),
    tableState: seen?.tableState,
    open: panelOpenOn(settings, site),
    serviceUrl: settings.serviceUrl,
    signal,
    onDismiss: async () => {
      const current = await loadSettings();
      await saveSettings({ panelHiddenSites: [...new Set([...(current.panelHiddenSites ?? []), site])] });
      settings.panelHiddenSites = [...(settings.panelHiddenSites ?? []), site];
      controller.abort();
    },
    onToggle: async (open) => {
      // Remembered for this site only; other sites keep their own state or the default.
      const current = await loadSettings();
      settings.panelOpenSites = withPanelSite(current.panelOpenSites, site, open);
      await saveSettings({ panelOpenSites: settings.panelOpenSites });
    },
  });
  shownPanel = panel;
  signal.addEventListener("abort", () => { if (shownPanel === panel) shownPanel = null; }, { once: true });
  timing.report("panel");
  if (!seen?.service) {
    // Standalone: the rating came from the built-in table; nothing is sent for coverage.
    panel.showNoService();
    panel.host.dataset.parallaxFor = pageUrl;
    return;
  }
  // Send the canonical form: no fragment, no tracking parameters; the service needs no more.
  const scoreUrl = seen?.resolvedUrl ?? pageUrl.split("#")[0];
  const reply = await send({ type: "score", url: scoreUrl, page });
  if (signal.aborted) return;
  noteReading(typeof reply?.data?.story?.id === "string" ? reply.data.story.id : null);
  if (reply?.ok) {
    panel.showScore({ outlet: reply.data?.outlet ?? outlet, story: reply.data?.story ?? null, currentUrl: reply.data?.resolved_url ?? seen?.resolvedUrl ?? "" });
  } else {
    panel.showError(reply?.error ?? {});
  }
  panel.host.dataset.parallaxFor = pageUrl;
}

/**
 * @param {number} startedAt performance.now() when the loader began
 */
export async function start(startedAt) {
  // Main-thread time spent by us, excluding waits for storage and the worker: the start-up cost.
  let busy = 0;
  let mark = performance.now();
  let reported = false;
  const pause = () => { busy += performance.now() - mark; };
  const resume = () => { mark = performance.now(); };
  pause();
  const settings = await loadSettings();
  resume();
  perfMarks = Boolean(settings.perfMarks);
  const report = (phase) => {
    if (reported) return;
    reported = true;
    pause();
    if (perfMarks) {
      document.documentElement.dataset.parallaxStartupMs = busy.toFixed(2);
      document.documentElement.dataset.parallaxReadyMs = (performance.now() - startedAt).toFixed(2);
      document.documentElement.dataset.parallaxPhase = phase;
    }
  };
  const pageHost = location.hostname.toLowerCase();
  if (window.top !== window || !/^https?:$/.test(location.protocol) || isSiteDisabled(settings.disabledSites, pageHost)) {
    return;
  }
  const features = new AbortController();
  if (settings.hoverCards) startHoverCards({ signal: features.signal, send, perfMarks, serviceUrl: settings.serviceUrl });

  // Article detection reads the page's metadata; it waits until the document is parsed.
  if (document.readyState === "loading") {
    pause();
    await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
    resume();
  }
  // Inline badges, started and stopped as the reader switches them for this site.
  let badges = /** @type {AbortController | null} */ (null);
  const syncBadges = (current) => {
    const wanted = badgesOn(current, pageHost);
    if (wanted && !badges) {
      badges = new AbortController();
      features.signal.addEventListener("abort", () => badges?.abort(), { once: true });
      startInlineBadges({ signal: badges.signal, send, perfMarks });
    } else if (!wanted && badges) {
      badges.abort();
      badges = null;
    }
  };
  syncBadges(settings);

  let pageController = new AbortController();
  let shownKey = articleKey(location.href);
  const timing = { pause, resume, report };

  // Sites that change article without reloading (pushState) get the new article's badge and panel.
  let settleTimer = 0;
  const onNavigated = () => {
    // The same article (a fragment, a tracking parameter the site strips): the panel stays as it
    // is. It was rebuilt, collapsed where the reader had opened it and asked about again.
    const key = articleKey(location.href);
    if (key === shownKey) return;
    shownKey = key;
    pageController.abort();
    const controller = new AbortController();
    pageController = controller;
    const idle = { pause() {}, resume() {}, report() {} };
    // This navigation's own controller: two navigations in one frame (a router that pushes a URL
    // then dispatches popstate, twice) ran two showPage calls on the latest one, and two panels.
    // Shown once the address has settled (SETTLE_MS), then on the next frame: the new document
    // state (title, metadata) settles after the URL.
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      requestAnimationFrame(() => {
        if (!controller.signal.aborted) showPage(settings, controller, idle);
      });
    }, SETTLE_MS);
  };
  // The Navigation API where the browser has one, else the history fallback (navwatch.js); the
  // setting noNavigationApi makes Chromium follow history as Firefox does (tests, diagnosis).
  watchNavigation(onNavigated, { signal: features.signal, navigation: settings.noNavigationApi ? null : globalThis.navigation ?? null });
  // Switched off for this site (from the popup or the options): leave the page at once.
  const onSettings = (changes, area) => {
    if (area !== "local" || !changes.settings?.newValue) return;
    const next = sanitizeSettings(changes.settings.newValue);
    if (!isSiteDisabled(next.disabledSites, pageHost)) {
      syncBadges(next);
      return;
    }
    pageController.abort();
    features.abort();
    api.storage.onChanged.removeListener(onSettings);
  };
  api.storage.onChanged.addListener(onSettings);
  // The shortcut, relayed by the worker (only it: a message from a content script or a page of
  // ours has no business here).
  const onMessage = (message, sender) => {
    if (sender?.id !== api.runtime.id || sender.tab || message?.type !== "togglePanel") return;
    shownPanel?.toggle();
  };
  api.runtime.onMessage.addListener(onMessage);
  features.signal.addEventListener("abort", () => api.runtime.onMessage.removeListener(onMessage), { once: true });
  // Only now, with the listeners above in place: a navigation while the first page's coverage
  // is on its way (a slow service) went unheard, and the first article's panel stayed for good.
  await showPage(settings, pageController, timing);
}
