// Content-script entry: decide what this page gets (panel, hover cards) and start each feature.

import { OutletIndex } from "../lib/resolve.js";
import { api, isSiteDisabled, loadSettings, saveSettings } from "../lib/settings.js";
import { looksLikeArticleUrl, readArticle } from "./article.js";
import { startHoverCards } from "./hovercard.js";
import { mountPanel } from "./panel.js";

/** @type {Promise<OutletIndex | null> | null} */
let indexPromise = null;

/** The locally cached ratings table, read from storage once per page and only when first needed. */
function getIndex() {
  indexPromise ??= api.storage.local.get("ratingsExport").then(
    ({ ratingsExport }) => (ratingsExport ? new OutletIndex(ratingsExport) : null),
    () => null,
  );
  return indexPromise;
}

function send(message) {
  return api.runtime.sendMessage(message).catch((error) => ({ ok: false, error: { code: "extension", message: String(error?.message ?? error) } }));
}

/**
 * @param {number} startedAt performance.now() when the loader began
 */
export async function start(startedAt) {
  const controller = new AbortController();
  const { signal } = controller;
  // Main-thread time spent by us, excluding waits for storage and the worker: the start-up cost.
  let busy = 0;
  let mark = performance.now();
  const pause = () => { busy += performance.now() - mark; };
  const resume = () => { mark = performance.now(); };
  pause();
  const settings = await loadSettings();
  resume();
  const report = (phase) => {
    pause();
    if (settings.perfMarks) {
      document.documentElement.dataset.parallaxStartupMs = busy.toFixed(2);
      document.documentElement.dataset.parallaxReadyMs = (performance.now() - startedAt).toFixed(2);
      document.documentElement.dataset.parallaxPhase = phase;
    }
  };
  const pageHost = location.hostname.toLowerCase();
  if (window.top !== window || !/^https?:$/.test(location.protocol) || isSiteDisabled(settings.disabledSites, pageHost)) {
    return;
  }
  if (settings.hoverCards) startHoverCards({ signal, getIndex, perfMarks: settings.perfMarks });

  // Article detection reads the page's metadata; it waits until the document is parsed.
  if (document.readyState === "loading") {
    pause();
    await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
    resume();
  }
  const page = readArticle(document);
  pause();
  const seen = await send({ type: "pageSeen", url: location.href, isArticle: page.isArticle });
  resume();
  const outlet = seen?.outlet ?? null;
  const isArticle = page.isArticle || (outlet !== null && looksLikeArticleUrl(location.href));
  const hiddenHere = isSiteDisabled(settings.panelHiddenSites ?? [], pageHost);
  if (!settings.panel || !isArticle || hiddenHere) {
    report("no-panel");
    return;
  }

  const panel = mountPanel({
    host: pageHost.replace(/^www\./, ""),
    outlet,
    tableLoaded: Boolean(seen?.tableLoaded),
    open: Boolean(settings.panelOpen),
    signal,
    onDismiss: async () => {
      const current = await loadSettings();
      const site = pageHost.replace(/^www\./, "");
      await saveSettings({ panelHiddenSites: [...new Set([...(current.panelHiddenSites ?? []), site])] });
      controller.abort();
    },
    onToggle: (open) => { saveSettings({ panelOpen: open }); },
  });
  report("panel");
  const reply = await send({ type: "score", url: location.href, page });
  if (reply?.ok) {
    panel.showScore({ outlet: reply.data?.outlet ?? outlet, story: reply.data?.story ?? null, currentUrl: reply.data?.resolved_url ?? seen?.resolvedUrl ?? "" });
  } else {
    panel.showError(reply?.error ?? {});
  }
}
