// The collapsible side panel beside an article: the outlet's rating and the story's coverage.

import { clear, h, shadowHost } from "../lib/dom.js";
import { leanColour, leanText } from "../lib/format.js";
import { api } from "../lib/settings.js";
import { outletDetails, storySummary } from "../lib/views.js";
import { PANEL_CSS } from "./styles.js";

const PANEL_WIDTH = 360;
const GUTTER = 8;

/**
 * Show the panel; returns an object to feed it data. Everything is removed when `signal` aborts.
 * @param {{host: string, outlet: any, tableLoaded: boolean, open: boolean, signal: AbortSignal, onDismiss: () => void, onToggle: (open: boolean) => void, serviceUrl?: string}} options
 */
export function mountPanel({ host: siteHost, outlet, tableLoaded, open, signal, onDismiss, onToggle, serviceUrl = "" }) {
  const { host, root } = shadowHost("parallax-panel", PANEL_CSS);
  const surface = h("div", { class: "surface-wrap" });
  const dot = h("span", { class: "dot", "aria-hidden": "true" });
  const tabLabel = h("span", { class: "tab-label", text: "Parallax" });
  const tab = h("button", { class: "tab surface", type: "button", "aria-expanded": "false", "aria-controls": "parallax-panel", title: "Show where this news comes from" }, dot, tabLabel);
  const collapse = h("button", { type: "button", class: "collapse", "aria-label": "Collapse the Parallax panel", text: "›" });
  const dismiss = h("button", { type: "button", class: "dismiss", text: `Hide on ${siteHost}` });
  const outletSection = h("section", { class: "outlet", "aria-live": "polite" });
  const storySection = h("section", { class: "coverage-section", "aria-live": "polite" });
  const optionsLink = h("button", { type: "button", class: "options-link", text: "Options" });
  optionsLink.style.cssText = "background:none;border:0;padding:0;color:var(--accent);";
  const panel = h("aside", { id: "parallax-panel", class: "panel surface", role: "complementary", "aria-label": "Parallax: where this news comes from", hidden: true },
    h("header", {}, h("h2", { text: "Parallax" }), dismiss, collapse),
    outletSection,
    storySection,
    h("footer", { class: "muted" }, "Ratings are summaries of public evidence, not verdicts. ", optionsLink));
  surface.append(tab, panel);
  root.append(surface);
  // Inside <body>, where accessibility tools (and axe-core) look for a page's content.
  (document.body ?? document.documentElement).append(host);

  let shifted = false;
  let previousMargin = "";
  // Never cover the article: if the text reaches into the panel's place, make room beside it.
  function makeRoom(wanted) {
    if (wanted && !shifted) {
      const article = document.querySelector("article, [itemprop='articleBody'], main") ?? document.body;
      const right = article ? article.getBoundingClientRect().right : window.innerWidth;
      if (window.innerWidth - right < PANEL_WIDTH + GUTTER) {
        previousMargin = document.documentElement.style.marginRight;
        document.documentElement.style.marginRight = `${PANEL_WIDTH}px`;
        shifted = true;
      }
    } else if (!wanted && shifted) {
      document.documentElement.style.marginRight = previousMargin;
      shifted = false;
    }
  }

  function setOpen(value, { focus = false, remember = true } = {}) {
    panel.hidden = !value;
    tab.hidden = value;
    tab.setAttribute("aria-expanded", String(value));
    makeRoom(value);
    if (focus) (value ? collapse : tab).focus();
    if (remember) onToggle(value);
  }

  tab.addEventListener("click", () => setOpen(true, { focus: true }), { signal });
  collapse.addEventListener("click", () => setOpen(false, { focus: true }), { signal });
  dismiss.addEventListener("click", () => { onDismiss(); }, { signal });
  optionsLink.addEventListener("click", () => { api.runtime.sendMessage({ type: "openOptions" }); }, { signal });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) setOpen(false, { focus: true });
  }, { signal });
  signal.addEventListener("abort", () => { makeRoom(false); host.remove(); });

  function showOutlet(value) {
    clear(outletSection);
    const lean = value?.lean?.label ?? null;
    dot.style.backgroundColor = leanColour(lean);
    tabLabel.textContent = value ? `${value.name ?? value.id} · ${leanText(lean)}` : "Parallax · not rated";
    if (value) {
      outletSection.append(outletDetails(value, { serviceUrl }));
    } else {
      outletSection.append(h("p", { class: "notice unrated", text: tableLoaded
        ? `${siteHost} is not in the Parallax ratings yet.`
        : "The ratings have not been downloaded yet: the Parallax service has not been reachable since the extension was installed." }));
    }
  }

  showOutlet(outlet);
  storySection.append(h("p", { class: "muted loading", text: "Looking for other coverage of this story…" }));
  setOpen(open, { remember: false });

  return {
    host,
    root,
    setOpen,
    /** @param {{outlet?: any, story?: any, currentUrl?: string}} data */
    showScore({ outlet: scored, story, currentUrl }) {
      tableLoaded = true; // the service answered, so "not rated" now means not rated
      if (scored !== undefined) showOutlet(scored ?? outlet);
      clear(storySection);
      storySection.append(h("h4", { text: "Coverage of this story" }));
      if (story && typeof story === "object") {
        storySection.append(storySummary(story, { currentUrl, serviceUrl }));
      } else {
        storySection.append(h("p", { class: "muted no-story", text: "No other coverage of this story found yet." }));
      }
    },
    /** @param {{code?: string, message?: string}} error */
    showError(error) {
      clear(storySection);
      const unreachable = error?.code === "unreachable" || error?.code === "timeout";
      storySection.append(h("p", { class: "notice error service-error", role: "status",
        text: unreachable
          ? `${error.message ?? "The Parallax service is not reachable."} Coverage of this story cannot be shown until it is back.`
          : `Coverage could not be loaded: ${error?.message ?? "unknown error"}` }));
    },
  };
}
