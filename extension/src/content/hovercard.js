// Hover cards on news links: one delegated listener, local resolution, no network request per hover.

import { h, shadowHost } from "../lib/dom.js";
import { outletDetails } from "../lib/views.js";
import { CARD_CSS } from "./styles.js";

export const HOVER_DELAY_MS = 300;
const HIDE_GRACE_MS = 250;
const CARD_WIDTH = 280;

/**
 * The URL a link really points at. For t.co the href says nothing, so the page's expanded URL or
 * the link's visible text (which X shows as "nytimes.com/2025/…") stands in for it.
 * @param {HTMLAnchorElement} link
 * @param {Set<string>} shorteners
 */
export function linkTarget(link, shorteners) {
  const href = link.href;
  if (typeof href !== "string" || !/^https?:/i.test(href)) return null; // javascript:, mailto:, SVG links
  let host;
  try {
    host = new URL(href).hostname.replace(/^www\./, "");
  } catch {
    return null;
  }
  if (host !== "t.co" && !shorteners.has(host)) return href;
  const expanded = link.getAttribute("data-expanded-url") ?? link.getAttribute("data-full-url") ?? link.getAttribute("title");
  if (expanded && /^https?:\/\//i.test(expanded.trim())) return expanded.trim();
  const visible = (link.textContent ?? "").trim().replace(/[…\u2026]+$/, "").replace(/\.\.\.$/, "");
  if (/^(https?:\/\/)?[a-z0-9-]+(\.[a-z0-9-]+)+(\/\S*)?$/i.test(visible)) return visible;
  return href; // the shortener itself: resolves as a shortener, with no rating
}

/**
 * Start hover cards on the document.
 * @param {{signal: AbortSignal, getIndex: () => Promise<any>, perfMarks: boolean}} options
 */
export function startHoverCards({ signal, getIndex, perfMarks }) {
  /** @type {HTMLAnchorElement | null} */
  let pending = null;
  let showTimer = 0;
  let hideTimer = 0;
  /** @type {ReturnType<typeof buildCard> | null} */
  let card = null;
  /** @type {HTMLAnchorElement | null} */
  let shownFor = null;

  function buildCard() {
    const { host, root } = shadowHost("parallax-hovercard", CARD_CSS);
    const body = h("div", { class: "card surface", role: "tooltip", id: "parallax-card", hidden: true });
    root.append(body);
    document.documentElement.append(host);
    body.addEventListener("pointerenter", () => clearTimeout(hideTimer), { signal });
    body.addEventListener("pointerleave", () => scheduleHide(), { signal });
    signal.addEventListener("abort", () => host.remove());
    return { host, root, body };
  }

  function hide() {
    clearTimeout(hideTimer);
    if (card) {
      card.body.hidden = true;
      while (card.body.firstChild) card.body.firstChild.remove();
    }
    shownFor = null;
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, HIDE_GRACE_MS);
  }

  function place(body, link) {
    const rect = link.getBoundingClientRect();
    const height = body.offsetHeight;
    const left = Math.min(Math.max(8, rect.left), window.innerWidth - CARD_WIDTH - 8);
    const below = rect.bottom + 6;
    const top = below + height > window.innerHeight - 8 ? Math.max(8, rect.top - height - 6) : below;
    body.style.left = `${left}px`;
    body.style.top = `${top}px`;
  }

  function render(link, resolution, startedAt) {
    card ??= buildCard();
    const { body } = card;
    while (body.firstChild) body.firstChild.remove();
    const outlet = resolution.outlet;
    const details = outletDetails(outlet, { scale: false });
    const extra = h("dl", { class: "extra", hidden: true },
      h("dt", { text: "Kind" }), h("dd", { text: String(outlet.kind ?? "") || "Unknown" }),
      h("dt", { text: "Site" }), h("dd", { text: resolution.host }));
    const more = h("button", { type: "button", class: "more", "aria-expanded": "false", text: "More about this outlet" });
    more.addEventListener("click", () => {
      const opening = extra.hidden;
      extra.hidden = !opening;
      more.setAttribute("aria-expanded", String(opening));
      more.textContent = opening ? "Less" : "More about this outlet";
    }); // no signal: the button is replaced on the next card, and the signal would keep it alive
    body.append(details, extra, more);
    body.hidden = false;
    place(body, link);
    shownFor = link;
    if (perfMarks) {
      requestAnimationFrame(() => {
        document.documentElement.dataset.parallaxHoverMs = (performance.now() - startedAt).toFixed(2);
      });
    }
  }

  async function showFor(link) {
    const startedAt = performance.now();
    if (pending !== link) return;
    const index = await getIndex();
    if (pending !== link) return;
    const target = index ? linkTarget(link, index.shorteners) : null;
    const resolution = target ? index.tryResolve(target) : null;
    // A site's links to itself (navigation, related stories) would only repeat the badge.
    const ownOutlet = index?.tryResolve(location.href)?.outlet?.id ?? null;
    if (!resolution?.outlet || resolution.outlet.id === ownOutlet) {
      // Benchmarks and tests need to know the hover was handled and found nothing to show.
      if (perfMarks) document.documentElement.dataset.parallaxHoverMs = "none";
      return;
    }
    render(link, resolution, startedAt);
  }

  function linkFrom(target) {
    if (!(target instanceof Element)) return null;
    const link = target.closest("a[href], area[href]");
    return link instanceof HTMLAnchorElement || link instanceof HTMLAreaElement ? /** @type {HTMLAnchorElement} */ (link) : null;
  }

  function arm(link) {
    if (link === pending) return;
    clearTimeout(showTimer);
    pending = link;
    getIndex(); // warm the table during the hover delay so the card is instant
    showTimer = setTimeout(() => showFor(link), HOVER_DELAY_MS);
  }

  function disarm(link) {
    if (link !== pending) return;
    clearTimeout(showTimer);
    pending = null;
    if (shownFor === link) scheduleHide();
  }

  // One delegated listener each: links a page adds later (infinite feeds) need no extra wiring.
  document.addEventListener("pointerover", (event) => {
    const link = linkFrom(event.target);
    if (link) arm(link);
  }, { passive: true, capture: true, signal });
  document.addEventListener("pointerout", (event) => {
    const link = linkFrom(event.target);
    if (link && !(event.relatedTarget instanceof Node && link.contains(event.relatedTarget))) disarm(link);
  }, { passive: true, capture: true, signal });
  document.addEventListener("focusin", (event) => {
    const link = linkFrom(event.target);
    if (link) arm(link);
  }, { signal });
  document.addEventListener("focusout", (event) => {
    const link = linkFrom(event.target);
    if (link) disarm(link);
  }, { signal });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && shownFor) hide();
  }, { signal });
  window.addEventListener("scroll", () => { if (shownFor) hide(); }, { passive: true, signal });
}
