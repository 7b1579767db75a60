// Inline badges: a small lean/factuality dot after each rated news link on the pages that list
// links (search results, Google News, Reddit, X, Facebook, Hacker News, and sites the reader adds).
// One pass over the page, then one MutationObserver for what infinite scroll adds; the worker
// resolves each batch against its in-memory table (no network per link), and the dots take no
// room (no layout shift of the page's text).

import { factualityText, leanColour, leanText, LEAN_STEPS, UNRATED_COLOUR } from "../lib/format.js";
import { editionCountry } from "./googlenews.js";
import { linkQuestion } from "./links.js";

export const DOT_TAG = "parallax-dot";
// A light and a dark ring around every dot: one of them stands out at 3:1 on any page colour.
export const DOT_RING_INNER = "#ffffff";
export const DOT_RING_OUTER = "#1b1b1f";
const LOW_FACTUALITY = new Set(["low", "very-low"]);
// Links handled per slice of the rest of the page after the first screen, between idle periods.
const SLICE = 400;
// Bounded work per page, however many links it has or keeps adding (a page can append links
// forever): at most this many links are asked about, and at most this many dots drawn.
export const MAX_ASKED_PER_PAGE = 5000;
export const MAX_DOTS_PER_PAGE = 2000;

/**
 * The dots' stylesheet. The dot is absolutely positioned at its static place (right after the
 * link's last word), so it adds no box to the line and moves no text; `all: initial` keeps the
 * page's own CSS off it. A low-factuality outlet's dot is a diamond: its shape says so, not colour.
 * Its gap is on the inline start: after the last word of a right-to-left link is on its left.
 */
export function dotCss() {
  const colours = [...LEAN_STEPS.map((step) => [step, leanColour(step)]), ["unrated", UNRATED_COLOUR]]
    .map(([step, colour]) => `${DOT_TAG}[data-lean="${step}"] { background: ${colour} !important; }`).join("\n");
  return `${DOT_TAG} {
  all: initial !important; position: absolute !important; display: inline-block !important;
  width: 7px !important; height: 7px !important; margin: -0.15em 0 0 0 !important; margin-inline-start: 3px !important; border-radius: 50% !important;
  box-shadow: 0 0 0 1px ${DOT_RING_INNER}, 0 0 0 2px ${DOT_RING_OUTER} !important; pointer-events: none !important;
}
${DOT_TAG}[data-low] { border-radius: 1px !important; transform: rotate(45deg) scale(0.9) !important; }
${colours}`;
}

/** The words of a dot's tooltip. @param {{id: string, name?: string, lean?: string | null, factuality?: string | null}} outlet */
export function dotTitle(outlet) {
  return `${outlet.name ?? outlet.id}: ${leanText(outlet.lean).toLowerCase()}, factuality ${factualityText(outlet.factuality).toLowerCase()}`;
}

/**
 * Start the inline badges; everything goes when `signal` aborts. The links are resolved by the
 * worker against the table it keeps in memory (a message per batch, not per link, and never the
 * network), so a page pays neither for reading nor for indexing the whole table.
 * @param {{signal: AbortSignal, send: (message: any) => Promise<any>, perfMarks: boolean}} options
 */
export async function startInlineBadges({ signal, send, perfMarks }) {
  const marks = document.documentElement.dataset;
  const setup = await send({ type: "badgeSetup", url: location.href });
  if (!setup?.ok || signal.aborted) return;
  const shorteners = new Set(setup.shorteners ?? []);
  const country = editionCountry(location.href);
  /** @type {WeakSet<Element>} links already looked at */
  const seen = new WeakSet();
  /** @type {Map<string, any>} target → outlet (or null): feeds repeat links */
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

  let askedTotal = 0;

  function addDot(link, outlet) {
    if (dots.size >= MAX_DOTS_PER_PAGE) return false;
    const dot = document.createElement(DOT_TAG);
    dot.dataset.lean = outlet.lean ?? "unrated";
    if (LOW_FACTUALITY.has(outlet.factuality)) dot.dataset.low = "";
    dot.title = dotTitle(outlet);
    // Visual only: keyboard and screen-reader users get the same words from the hover card,
    // which the link's focus opens and describes (aria-describedby).
    dot.setAttribute("aria-hidden", "true");
    link.append(dot);
    dots.add(dot);
    return true;
  }

  /**
   * Dots for these links. Returns the main-thread time it took (the wait for the worker is not
   * main-thread time) and how many dots it added.
   * @param {ArrayLike<Element>} links
   */
  async function badge(links) {
    let busy = performance.now();
    const ready = [];
    const asked = [];
    const questions = [];
    for (let i = 0; i < links.length; i += 1) {
      if (dots.size + ready.length >= MAX_DOTS_PER_PAGE || askedTotal + questions.length >= MAX_ASKED_PER_PAGE) break;
      const link = /** @type {HTMLAnchorElement} */ (links[i]);
      if (seen.has(link) || !(link instanceof HTMLAnchorElement)) continue;
      seen.add(link);
      // A link with no words (an overlay over a whole card, an icon) would put a dot nowhere useful.
      if (!link.textContent?.trim()) continue;
      const question = linkQuestion(link, shorteners);
      if (!question) continue;
      if (!question.names && memo.has(question.target)) {
        const known = memo.get(question.target);
        if (known) ready.push([link, known]);
        continue;
      }
      asked.push(link);
      questions.push(question);
    }
    let added = 0;
    for (const [link, outlet] of ready) if (addDot(link, outlet)) added += 1;
    busy = performance.now() - busy;
    if (!questions.length) return { busy, added };
    askedTotal += questions.length;
    const reply = await send({ type: "resolveLinks", items: questions, country });
    if (signal.aborted || !reply?.ok || !Array.isArray(reply.outlets)) return { busy, added };
    const t = performance.now();
    reply.outlets.forEach((answer, i) => {
      // A site's links to itself would only repeat the toolbar badge.
      const outlet = answer && answer.id !== setup.own ? answer : null;
      if (!questions[i].names) memo.set(questions[i].target, outlet);
      if (outlet && addDot(asked[i], outlet)) added += 1;
    });
    busy += performance.now() - t;
    return { busy, added };
  }

  const anchorsIn = (node) => (node instanceof HTMLAnchorElement ? [node] : node.querySelectorAll ? node.querySelectorAll("a[href]") : []);

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
    if (!links.length || askedTotal >= MAX_ASKED_PER_PAGE || dots.size >= MAX_DOTS_PER_PAGE) return;
    const collect = performance.now() - t0;
    badge(links).then(({ busy, added }) => {
      if (!perfMarks) return;
      batches += 1;
      marks.parallaxBadgeBatchMs = (collect + busy).toFixed(3);
      marks.parallaxBadgeBatchLinks = String(links.length);
      marks.parallaxBadgeBatchDots = String(added);
      marks.parallaxBadgeBatches = String(batches);
    });
  });

  signal.addEventListener("abort", () => {
    observer.disconnect();
    for (const dot of dots) dot.remove();
    dots.clear();
    if (styleElement) styleElement.remove();
    else document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  }, { once: true });

  // After the page's first frame its layout is done, so finding the first screen costs no
  // forced layout; that screen is badged first, the rest of the page in idle slices.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  if (signal.aborted) return;
  observer.observe(document.body ?? document.documentElement, { childList: true, subtree: true });
  const started = performance.now();
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
  const scan = performance.now() - started;
  const first = await badge(Array.prototype.slice.call(all, 0, firstScreenEnd));
  if (perfMarks) {
    marks.parallaxBadgeFirstMs = (scan + first.busy).toFixed(2);
    marks.parallaxBadgeFirstWallMs = (performance.now() - started).toFixed(2);
    marks.parallaxBadgeFirstLinks = String(firstScreenEnd);
  }
  const idle = globalThis.requestIdleCallback ?? ((fn) => setTimeout(fn, 1));
  for (let next = firstScreenEnd; next < all.length && !signal.aborted && askedTotal < MAX_ASKED_PER_PAGE && dots.size < MAX_DOTS_PER_PAGE; next += SLICE) {
    await new Promise((resolve) => idle(resolve));
    await badge(Array.prototype.slice.call(all, next, next + SLICE));
  }
  if (perfMarks) marks.parallaxBadgeAllMs = (performance.now() - started).toFixed(2);

}
