// Inline badges: a small lean/factuality dot after each rated news link on the pages that list
// links (search results, Google News, Reddit, X, Facebook, Hacker News, and sites the reader adds).
// One pass over the page, then one MutationObserver for what infinite scroll adds; resolution is
// local (no network per link) and the dots take no room (no layout shift of the page's text).

import { factualityText, leanColour, leanText, LEAN_STEPS, UNRATED_COLOUR } from "../lib/format.js";
import { linkOutlet } from "./links.js";

export const DOT_TAG = "parallax-dot";
// A light and a dark ring around every dot: one of them stands out at 3:1 on any page colour.
export const DOT_RING_INNER = "#ffffff";
export const DOT_RING_OUTER = "#1b1b1f";
const LOW_FACTUALITY = new Set(["low", "very-low"]);
// Links handled per slice of the rest of the page after the first screen, between idle periods.
const SLICE = 400;

/**
 * The dots' stylesheet. The dot is absolutely positioned at its static place (right after the
 * link's last word), so it adds no box to the line and moves no text; `all: initial` keeps the
 * page's own CSS off it. A low-factuality outlet's dot is a diamond: its shape says so, not colour.
 */
export function dotCss() {
  const colours = [...LEAN_STEPS.map((step) => [step, leanColour(step)]), ["unrated", UNRATED_COLOUR]]
    .map(([step, colour]) => `${DOT_TAG}[data-lean="${step}"] { background: ${colour} !important; }`).join("\n");
  return `${DOT_TAG} {
  all: initial !important; position: absolute !important; display: inline-block !important;
  width: 7px !important; height: 7px !important; margin: -0.15em 0 0 3px !important; border-radius: 50% !important;
  box-shadow: 0 0 0 1px ${DOT_RING_INNER}, 0 0 0 2px ${DOT_RING_OUTER} !important; pointer-events: none !important;
}
${DOT_TAG}[data-low] { border-radius: 1px !important; transform: rotate(45deg) scale(0.9) !important; }
${colours}`;
}

/** The words of a dot's tooltip. @param {any} outlet */
export function dotTitle(outlet) {
  return `${outlet.name ?? outlet.id}: ${leanText(outlet.lean?.label).toLowerCase()}, factuality ${factualityText(outlet.factuality?.label).toLowerCase()}`;
}

/**
 * Start the inline badges; everything goes when `signal` aborts.
 * @param {{signal: AbortSignal, getIndex: () => Promise<any>, perfMarks: boolean}} options
 */
export async function startInlineBadges({ signal, getIndex, perfMarks }) {
  const index = await getIndex();
  if (!index || signal.aborted) return;
  const started = performance.now();
  const ownOutlet = index.tryResolve(location.href)?.outlet?.id ?? null;
  /** @type {WeakSet<Element>} links already looked at */
  const seen = new WeakSet();
  /** @type {Map<string, any>} href → outlet (or null): feeds repeat links */
  const memo = new Map();
  const dots = new Set();

  const sheet = new CSSStyleSheet();
  sheet.replaceSync(dotCss());
  /** @type {HTMLStyleElement | null} */
  let styleElement = null;
  try {
    // A constructed sheet: a page's style-src CSP does not apply to it.
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {
    // Where a content script may not adopt sheets into the page (older Firefox): a <style>.
    styleElement = document.createElement("style");
    styleElement.textContent = dotCss();
    (document.head ?? document.documentElement).append(styleElement);
  }

  /** @param {HTMLAnchorElement} link */
  function outletOf(link) {
    const href = link.href;
    if (memo.has(href)) return memo.get(href);
    const found = linkOutlet(link, index);
    // A Google News headline's outlet comes from its card, not its href: never memoised.
    if (!found?.named) memo.set(href, found?.outlet ?? null);
    return found?.outlet ?? null;
  }

  /** Dots for these links: all reads and look-ups first, then all writes, so layout runs once. */
  function badge(links) {
    const pending = [];
    for (const link of links) {
      if (seen.has(link)) continue;
      seen.add(link);
      // A link with no words (an overlay over a whole card, an icon) would put a dot nowhere useful.
      if (!link.textContent?.trim()) continue;
      const outlet = outletOf(link);
      if (!outlet || outlet.id === ownOutlet) continue;
      pending.push([link, outlet]);
    }
    for (const [link, outlet] of pending) {
      const dot = document.createElement(DOT_TAG);
      dot.dataset.lean = outlet.lean?.label ?? "unrated";
      if (LOW_FACTUALITY.has(outlet.factuality?.label)) dot.dataset.low = "";
      dot.title = dotTitle(outlet);
      // Visual only: keyboard and screen-reader users get the same words from the hover card,
      // which the link's focus opens and describes (aria-describedby).
      dot.setAttribute("aria-hidden", "true");
      link.append(dot);
      dots.add(dot);
    }
    return pending.length;
  }

  const anchorsIn = (node) => (node instanceof HTMLAnchorElement ? [node] : node.querySelectorAll ? node.querySelectorAll("a[href]") : []);

  // The first screen at once; the rest of the page in slices when the browser is idle.
  const all = document.querySelectorAll("a[href]");
  const bottom = window.innerHeight;
  let firstScreenEnd = all.length;
  for (let i = 0; i < all.length; i += 1) {
    // Document order is screen order nearly everywhere; the first link below the fold ends it.
    if (all[i].getBoundingClientRect().top > bottom) {
      firstScreenEnd = i;
      break;
    }
  }
  badge(Array.prototype.slice.call(all, 0, firstScreenEnd));
  if (perfMarks) {
    document.documentElement.dataset.parallaxBadgeFirstMs = (performance.now() - started).toFixed(2);
    document.documentElement.dataset.parallaxBadgeFirstLinks = String(firstScreenEnd);
  }
  const idle = globalThis.requestIdleCallback ?? ((fn) => setTimeout(fn, 1));
  let next = firstScreenEnd;
  const rest = () => {
    if (signal.aborted) return;
    badge(Array.prototype.slice.call(all, next, next + SLICE));
    next += SLICE;
    if (next < all.length) idle(rest);
    else if (perfMarks) document.documentElement.dataset.parallaxBadgeAllMs = (performance.now() - started).toFixed(2);
  };
  if (next < all.length) idle(rest);
  else if (perfMarks) document.documentElement.dataset.parallaxBadgeAllMs = (performance.now() - started).toFixed(2);

  // One observer for everything the page adds later (infinite scroll, "more" buttons).
  let batches = 0;
  const observer = new MutationObserver((records) => {
    const t0 = performance.now();
    const links = [];
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE || node.nodeName === "PARALLAX-DOT") continue;
        for (const link of anchorsIn(node)) links.push(link);
      }
    }
    if (!links.length) return;
    const added = badge(links);
    if (perfMarks) {
      batches += 1;
      const root = document.documentElement.dataset;
      root.parallaxBadgeBatchMs = (performance.now() - t0).toFixed(3);
      root.parallaxBadgeBatchLinks = String(links.length);
      root.parallaxBadgeBatches = String(batches);
      root.parallaxBadgeBatchDots = String(added);
    }
  });
  observer.observe(document.body ?? document.documentElement, { childList: true, subtree: true });

  signal.addEventListener("abort", () => {
    observer.disconnect();
    for (const dot of dots) dot.remove();
    dots.clear();
    if (styleElement) styleElement.remove();
    else document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  }, { once: true });
}
