// The collapsible side panel beside an article: the outlet's rating and the story's coverage.

import { clampTextSpacing, clear, h, raiseToTopLayer, shadowHost, undoPageZoom } from "../lib/dom.js";
import { leanColour, leanText } from "../lib/format.js";
import { api } from "../lib/settings.js";
import { outletDetails, storySummary } from "../lib/views.js";
import { keyPointLead } from "./keypoint.js";
import { fixedObstacles, GUTTER, MIN_PUSHED_ARTICLE, planPlacement, pushUntil, textExtent } from "./placement.js";
import { PANEL_CSS, TAB_MAX_HEIGHT } from "./styles.js";

// A panel the page removed is put back (see the keeper in mountPanel): at once the first
// QUICK_REATTACH times (a client-rendered site writing its body a few times as it starts), then
// after a delay that doubles from BACKOFF_MS up to MAX_BACKOFF_MS, at most MAX_REATTACH times in
// a row. A panel that stayed STABLE_MS since it was last put back starts afresh, and so does one
// removed within READER_MS of the reader's own click or key (once per click or key): a
// single-page site that redraws its body at each of the reader's clicks keeps it for good, however
// fast the reader clicks, while a page that removes it every time by itself costs at most a
// handful of insertions a second, then none.
export const QUICK_REATTACH = 3;
export const MAX_REATTACH = 12;
export const BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 8_000;
export const STABLE_MS = 10_000;
export const READER_MS = 2_000;

/** How long to wait before putting the panel back the `n`th time in a row (1-based). @param {number} n */
export function reattachDelay(n) {
  return n <= QUICK_REATTACH ? 0 : Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** (n - QUICK_REATTACH - 1));
}

/** Puts `host` first in <body> (first in the Tab order). @param {HTMLElement} host */
function insertFirst(host) {
  const parent = document.body ?? document.documentElement;
  parent.insertBefore(host, parent.firstChild);
}

/** A button that opens the options page, written like a link. @param {string} text @param {AbortSignal} signal */
function optionsButton(text, signal) {
  const button = h("button", { type: "button", class: "options-link", text });
  button.addEventListener("click", () => { api.runtime.sendMessage({ type: "openOptions" }); }, { signal });
  return button;
}

/**
 * Show the panel; returns an object to feed it data. Everything is removed when `signal` aborts.
 * `open` is the reader's wish for this site: honoured only when the window leaves the article room.
 * @param {{host: string, outlet: any, tableLoaded: boolean, tableState?: string, open: boolean, signal: AbortSignal, onDismiss: () => void, onToggle: (open: boolean) => void, serviceUrl?: string}} options
 */
export function mountPanel({ host: siteHost, outlet, tableLoaded, tableState = tableLoaded ? "ready" : "loading", open, signal, onDismiss, onToggle, serviceUrl = "" }) {
  const { host, root } = shadowHost("parallax-panel", PANEL_CSS);
  // English words laid out left to right, whatever the page's own language and direction: the
  // host inherits both (\`all: initial\` leaves direction alone, and lang is no CSS), so on a Hebrew
  // or Arabic page the lean scale was mirrored and the words read with the page's voice.
  const surface = h("div", { class: "surface-wrap", lang: "en", dir: "ltr" });
  const dot = h("span", { class: "dot", "aria-hidden": "true" });
  const tabLabel = h("span", { class: "tab-label", text: "Parallax" });
  const tab = h("button", { class: "tab surface", type: "button", "aria-expanded": "false", "aria-controls": "parallax-panel", title: "Show where this news comes from" }, dot, tabLabel);
  const collapse = h("button", { type: "button", class: "collapse", "aria-label": "Collapse the Parallax panel", text: "›" });
  const dismiss = h("button", { type: "button", class: "dismiss", text: `Hide on ${siteHost}` });
  const outletSection = h("section", { class: "outlet", "aria-live": "polite" });
  const storySection = h("section", { class: "coverage-section", "aria-live": "polite" });
  const optionsLink = optionsButton("Options", signal);
  const panel = h("aside", { id: "parallax-panel", class: "panel surface", role: "complementary", "aria-label": "Parallax: where this news comes from", hidden: true },
    h("header", {}, h("h2", { text: "Parallax" }), dismiss, collapse),
    outletSection,
    storySection,
    h("footer", { class: "muted" }, "Ratings are summaries of public evidence, not verdicts. ", optionsLink));
  surface.append(tab, panel);
  root.append(surface);
  // Inside <body>, where accessibility tools (and axe-core) look for a page's content, and first
  // in it: appended last, the tab was the page's last stop in the Tab order, reached by a
  // keyboard user only after every link of the article and its footer. First, it is a skip-style
  // stop (one Tab from the top of the page; Tab again goes on to the page's own first control).
  // The host is fixed and in the top layer, so where it stands in the tree moves nothing on screen.
  insertFirst(host);
  undoPageZoom(host);
  raiseToTopLayer(host);
  clampTextSpacing(tab);
  clampTextSpacing(panel);

  // The page's own inline right margin, put back whenever we stop pushing the page aside.
  const rootStyle = document.documentElement.style;
  const ownMargin = [rootStyle.getPropertyValue("margin-right"), rootStyle.getPropertyPriority("margin-right")];
  let pushed = false;
  let givenUp = false; // the page removed the panel for good (see the keeper below)
  let tabSize = { width: 26, height: 160 };
  /** @type {ReturnType<typeof planPlacement> | null} */
  let plan = null;

  function unpush() {
    if (!pushed) return;
    if (ownMargin[0]) rootStyle.setProperty("margin-right", ownMargin[0], ownMargin[1]);
    else rootStyle.removeProperty("margin-right");
    pushed = false;
  }

  // Place the tab and panel for the page as it is now: clear of its fixed controls, and push the
  // page aside only as far as its text needs (for the open panel, or a narrow window's tab).
  function layout() {
    if (givenUp || !host.isConnected) return; // (removed by the page: nothing to place, nothing to push for)
    unpush();
    plan = planPlacement({
      width: window.innerWidth,
      height: window.innerHeight,
      obstacles: fixedObstacles(window, document),
      text: textExtent(window, document),
      tab: tabSize,
    });
    tab.style.top = `${plan.tab.top}px`;
    // (in a window shorter than the tab, 1,280 x 1,024 at 400 % zoom, it ends above the bottom)
    tab.style.maxHeight = `${Math.max(48, Math.min(TAB_MAX_HEIGHT, window.innerHeight - plan.tab.top - GUTTER))}px`;
    tab.style.right = `${plan.tab.right}px`;
    panel.style.top = `${plan.panel.top}px`;
    panel.style.bottom = `${plan.panel.bottom}px`;
    panel.style.right = `${plan.panel.right}px`;
    panel.style.width = `${plan.panel.width}px`;
    panel.dataset.mode = plan.panel.mode;
    if (!panel.hidden && plan.panel.mode === "push") {
      pushed = true;
      pushUntil(window, document, plan.panel.room, window.innerWidth - MIN_PUSHED_ARTICLE);
    } else if (panel.hidden && plan.tab.push > 0) {
      pushed = true;
      pushUntil(window, document, plan.tab.left - 2, plan.tab.push + 8);
    }
  }

  // Where the reader was when the keyboard shortcut opened the panel: closing it goes back there.
  // Sent to the tab instead (the page's first Tab stop), a reader halfway down an article was
  // thrown back to the top of the page's Tab order by Alt+Shift+Y pressed twice.
  /** @type {HTMLElement | null} */
  let returnTo = null;

  function setOpen(value, { focus = false, remember = true } = {}) {
    if (value) raiseToTopLayer(host); // (not done while a page's modal dialog was open)
    panel.hidden = !value;
    tab.hidden = value;
    tab.setAttribute("aria-expanded", String(value));
    layout();
    if (focus && value) collapse.focus();
    else if (focus) {
      const back = returnTo;
      if (back?.isConnected) back.focus();
      if (!back?.isConnected || document.activeElement !== back) tab.focus();
    }
    if (!value) returnTo = null;
    if (remember) onToggle(value);
  }

  let frame = 0;
  window.addEventListener("resize", () => {
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      layout();
    });
  }, { passive: true, signal });

  tab.addEventListener("click", () => { returnTo = null; setOpen(true, { focus: true }); }, { signal });
  collapse.addEventListener("click", () => setOpen(false, { focus: true }), { signal });
  dismiss.addEventListener("click", () => { onDismiss(); }, { signal });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) setOpen(false, { focus: true });
  }, { signal });
  // A panel over the article (a narrow window) would hide whatever the keyboard reaches next
  // in the page (WCAG 2.4.11): focus moving to something under it closes it, as Escape would.
  // The page's controls it docks around (a site's search) stay usable with it open; beside or
  // pushing the page it covers no text. Checked on the next frame, once the browser has
  // scrolled the focused element into view.
  document.addEventListener("focusin", (event) => {
    const path = event.composedPath();
    const target = path[0];
    if (path.includes(host) || !(target instanceof Element)) return;
    requestAnimationFrame(() => {
      if (panel.hidden || plan?.panel.mode !== "overlay" || !target.isConnected) return;
      const under = target.getBoundingClientRect();
      const over = panel.getBoundingClientRect();
      const covered = under.right > over.left && under.left < over.right && under.bottom > over.top && under.top < over.bottom;
      if (covered) setOpen(false, { remember: false });
    });
  }, { capture: true, signal });
  // A client-rendered site that writes its whole body after load (document.body.innerHTML, or a
  // new <body> swapped in without a new address) took the panel and its tab with it, for good.
  // They are put back, sooner or later by the policy above (three times and no more, the panel
  // was lost on a site that redraws its body a fourth time as the reader uses it).
  let reattached = 0;
  let lastPut = performance.now();
  // The reader's last click or key (trusted: a page cannot fake one). A site that redraws its
  // body at each click counted each redraw against the same twelve: a reader clicking through it
  // faster than every 10 s lost the panel for 8 s after each click from the ninth, and for good
  // after the twelfth.
  let lastInput = -Infinity;
  const onInput = (/** @type {Event} */ event) => { if (event.isTrusted) lastInput = performance.now(); };
  document.addEventListener("pointerdown", onInput, { capture: true, passive: true, signal });
  document.addEventListener("keydown", onInput, { capture: true, passive: true, signal });
  let pending = 0;
  /** @type {Element | null} */
  let watchedBody = null;
  const putBack = () => {
    pending = 0;
    if (signal.aborted || givenUp || host.isConnected) return;
    insertFirst(host);
    undoPageZoom(host);
    raiseToTopLayer(host);
    lastPut = performance.now();
    layout();
  };
  const keeper = new MutationObserver(() => {
    if (document.body && document.body !== watchedBody) {
      watchedBody = document.body;
      keeper.observe(watchedBody, { childList: true });
    }
    if (host.isConnected || pending || givenUp) return;
    const now = performance.now();
    const afterReader = lastInput > lastPut && now - lastInput <= READER_MS;
    if (now - lastPut >= STABLE_MS || afterReader) reattached = 0;
    // Gone, for now: the page is not left pushed aside for a panel that is not there (a blank
    // strip where it had been, pushed again at every resize).
    cancelAnimationFrame(frame);
    frame = 0;
    unpush();
    if (reattached >= MAX_REATTACH) {
      // The page won: it is left as it was.
      givenUp = true;
      keeper.disconnect();
      return;
    }
    reattached += 1;
    const delay = reattachDelay(reattached);
    if (delay === 0) putBack();
    else pending = setTimeout(putBack, delay);
  });
  const keep = () => {
    keeper.observe(document.documentElement, { childList: true });
    watchedBody = document.body;
    if (watchedBody) keeper.observe(watchedBody, { childList: true });
  };
  keep();
  // The reader asked for the panel (the shortcut) while the page had it out: back at once, with
  // a fresh budget, even from a page that had won. (It did nothing: for up to 8 s while a put-back
  // waited, and for good once the page had won.)
  const comeBack = () => {
    if (host.isConnected || signal.aborted) return;
    clearTimeout(pending);
    pending = 0;
    reattached = 0;
    if (givenUp) {
      givenUp = false;
      keep();
    }
    putBack();
  };
  signal.addEventListener("abort", () => { keeper.disconnect(); clearTimeout(pending); cancelAnimationFrame(frame); unpush(); host.remove(); });

  function showOutlet(value) {
    clear(outletSection);
    const lean = value?.lean?.label ?? null;
    dot.style.backgroundColor = leanColour(lean);
    const loading = !value && !tableLoaded && tableState === "loading";
    tabLabel.textContent = value ? `${value.name ?? value.id} · ${leanText(lean)}` : loading ? "Parallax · loading ratings…" : "Parallax · not rated";
    // Announced alone, a rated site's tab was only "The New York Times · Lean left" to a
    // screen reader: whose button? Its name says, and keeps its visible words (label in name).
    if (value) tab.setAttribute("aria-label", `Parallax: ${tabLabel.textContent}`);
    else tab.removeAttribute("aria-label");
    if (value) {
      outletSection.append(outletDetails(value, { serviceUrl }));
    } else if (tableLoaded) {
      outletSection.append(h("p", { class: "notice unrated", text: `${siteHost} is not in the Parallax ratings yet: nobody has reviewed its lean and factuality against public evidence. That says nothing, good or bad, about the site.` }));
    } else if (loading) {
      outletSection.append(h("p", { class: "notice loading-ratings", role: "status", text: "Loading ratings…" }));
    } else if (tableState === "unreachable") {
      outletSection.append(h("p", { class: "notice no-table", role: "status" },
        "Ratings not loaded: the Parallax service is not reachable. ", optionsButton("Set it in Options", signal)));
    } else {
      outletSection.append(h("p", { class: "notice no-table", role: "status" },
        "No ratings table: this copy of the extension was built without one, and no Parallax service is set. ",
        optionsButton("Set a service in Options", signal)));
    }
  }

  showOutlet(outlet);
  storySection.append(h("p", { class: "muted loading", text: "Looking for other coverage of this story…" }));
  // Measure the collapsed tab once, then open only if the reader wants it here and the page has room.
  const measured = tab.getBoundingClientRect();
  if (measured.width > 0) tabSize = { width: Math.ceil(measured.width), height: Math.ceil(measured.height) };
  layout();
  if (open && plan?.autoOpen) setOpen(true, { remember: false });

  return {
    host,
    root,
    setOpen,
    /** The keyboard shortcut: open with focus on its first control; close back to where the reader was (else the tab). */
    toggle() {
      comeBack();
      if (!host.isConnected) return;
      // Under a page's modal dialog (a consent form) the panel would open inert, drawn under it,
      // with focus left in the dialog: nothing the reader could use, and open once it closed.
      if (panel.hidden && [...document.querySelectorAll(":modal")].some((modal) => !modal.contains(host))) return;
      if (panel.hidden) {
        const active = document.activeElement;
        returnTo = active instanceof HTMLElement && active !== host && active !== document.body ? active : null;
      }
      setOpen(panel.hidden, { focus: true });
    },
    /** @param {{outlet?: any, story?: any, currentUrl?: string}} data */
    showScore({ outlet: scored, story, currentUrl }) {
      tableLoaded = true; // the service answered, so "not rated" now means not rated
      if (scored !== undefined) showOutlet(scored ?? outlet);
      clear(storySection);
      storySection.append(h("h4", { text: "Coverage of this story" }));
      if (story && typeof story === "object") {
        const lead = keyPointLead(story, { serviceUrl, currentUrl, signal });
        if (lead) storySection.append(lead);
        storySection.append(storySummary(story, { currentUrl, serviceUrl, headline: !lead }));
      } else {
        storySection.append(h("p", { class: "muted no-story", text: "No other coverage of this story found yet." }));
      }
    },
    /** @param {{code?: string, message?: string}} error */
    showError(error) {
      clear(storySection);
      const unreachable = error?.code === "unreachable" || error?.code === "timeout";
      if (unreachable && !tableLoaded && tableState === "loading") {
        tableState = "unreachable";
        showOutlet(outlet);
      }
      // An answer that is not a Parallax service's (JSON of the wrong shape, not JSON, too large,
      // no such path) says to check the address in the options: the way there goes with it.
      // "not_found" is a Parallax service's own 404 (an address with a path it is not under):
      // /v1/score itself never answers 404.
      const wrongAddress = ["bad_response", "too_large", "http_404", "not_found", "not_parallax"].includes(String(error?.code));
      storySection.append(h("p", { class: "notice error service-error", role: "status",
        text: unreachable
          ? `${error.message ?? "The Parallax service is not reachable."} Coverage of this story cannot be shown until it is back. `
          : `Coverage could not be loaded: ${error?.message ?? "unknown error"} ` },
        unreachable ? optionsButton("Set it in Options", signal)
          : wrongAddress ? optionsButton("Check the address in Options", signal) : null));
    },
    /** Standalone: the rating is all there is; coverage needs a service, one line says so. */
    showNoService() {
      clear(storySection);
      storySection.append(h("p", { class: "muted no-service" }, "Related coverage needs a Parallax service. ", optionsButton("Connect one in Options", signal)));
    },
    /** The table arrived after the panel was drawn. @param {any} value */
    showRating(value) {
      tableLoaded = true;
      showOutlet(value);
    },
  };
}
