// Hover cards on news links: one delegated listener; the worker resolves each hovered link against
// the table it keeps in memory (one message, no network request per hover, no table in the page).
// Reachable by keyboard: a focused link shows its card too, Alt+Down moves into it, Escape
// returns; while a card shows, its link is described by the card's text (aria-describedby).

import { clampTextSpacing, h, modalAround, raiseToTopLayer, shadowHost, undoPageZoom } from "../lib/dom.js";
import { factualityText, leanText } from "../lib/format.js";

/** The card's factuality for a screen reader; a derived one says where it comes from. @param {any} outlet */
function factualityWords(outlet) {
  const own = outlet.factuality?.label;
  const derived = outlet.factuality_derived?.label;
  if (!own && derived) return `${factualityText(derived).toLowerCase()} (derived from the news-quality score)`;
  return factualityText(own).toLowerCase();
}
import { outletDetails } from "../lib/views.js";
import { editionCountry } from "./googlenews.js";
import { linkQuestion } from "./links.js";
import { CARD_CSS } from "./styles.js";

export { linkTarget } from "./links.js";

export const HOVER_DELAY_MS = 300;
const HIDE_GRACE_MS = 250;
const CARD_WIDTH = 280;
const KEY_HINT = "Alt+Down arrow moves into this card; Escape returns to the link.";

const EDGE = 8;
const GAP = 6;
// Below this much height a card shortened to fit is no use; it keeps its size (and the link,
// then larger than the room around it, stays partly in view).
const MIN_SCROLLED_CARD = 96;

/**
 * Where the card goes for a link at `rect`: below it, else above, else beside it, never over the
 * link it describes (WCAG 2.4.11: a card that opens on focus must not hide the focused link, as
 * it did in a short window, 640 x 360 at 200 % zoom, where it fitted neither below nor above).
 * With room on no side, it goes on the taller side, shortened to fit (it scrolls).
 * @param {{left: number, top: number, right: number, bottom: number}} rect the link's box
 * @param {number} height the card's natural height
 * @param {{width: number, height: number}} view the viewport
 * @returns {{left: number, top: number, maxHeight: number | null}}
 */
export function cardPlacement(rect, height, view) {
  const left = Math.max(EDGE, Math.min(rect.left, view.width - CARD_WIDTH - EDGE));
  const roomBelow = view.height - EDGE - (rect.bottom + GAP);
  const roomAbove = rect.top - GAP - EDGE;
  if (height <= roomBelow) return { left, top: rect.bottom + GAP, maxHeight: null };
  if (height <= roomAbove) return { left, top: rect.top - GAP - height, maxHeight: null };
  // Beside the link, as high as the window lets it be, level with the link where it can.
  const top = Math.max(EDGE, Math.min(rect.top, view.height - EDGE - height));
  const fitsHigh = height <= view.height - 2 * EDGE;
  if (fitsHigh && rect.right + GAP + CARD_WIDTH <= view.width - EDGE) return { left: rect.right + GAP, top, maxHeight: null };
  if (fitsHigh && rect.left - GAP - CARD_WIDTH >= EDGE) return { left: rect.left - GAP - CARD_WIDTH, top, maxHeight: null };
  const room = Math.max(roomBelow, roomAbove);
  if (room < MIN_SCROLLED_CARD) return { left, top: Math.max(EDGE, Math.min(rect.bottom + GAP, view.height - EDGE - height)), maxHeight: null };
  return roomBelow >= roomAbove
    ? { left, top: rect.bottom + GAP, maxHeight: roomBelow }
    : { left, top: EDGE, maxHeight: roomAbove };
}

/**
 * Whether `node` is inside `ancestor`, across shadow roots (a link in a web component).
 * @param {Node} ancestor @param {Node} node
 */
function holds(ancestor, node) {
  for (let at = /** @type {Node | null} */ (node); at; at = at.parentNode ?? (at instanceof ShadowRoot ? at.host : null)) {
    if (at === ancestor) return true;
  }
  return false;
}

/**
 * Where a link is drawn. An image map's <area> has no box of its own (a zero box at the page's
 * corner: its card opened at the window's top left, far from the region it was for); its shape
 * on the image is used, from its coords (CSS pixels from the image's corner), or the whole image.
 * @param {Element} link
 * @returns {{left: number, top: number, right: number, bottom: number}}
 */
export function linkBox(link) {
  const own = link.getBoundingClientRect();
  if (!(link instanceof HTMLAreaElement) || own.width > 0 || own.height > 0) return own;
  const name = link.closest("map")?.getAttribute("name");
  const image = name ? document.querySelector(`img[usemap="#${CSS.escape(name)}"]`) : null;
  if (!image) return own;
  const box = image.getBoundingClientRect();
  const numbers = (link.getAttribute("coords") ?? "").split(/\s*,\s*|\s+/).filter(Boolean).map(Number);
  const shape = (link.getAttribute("shape") ?? "rect").toLowerCase();
  let xs = [];
  let ys = [];
  if (numbers.every(Number.isFinite)) {
    if ((shape === "circle" || shape === "circ") && numbers.length >= 3) {
      xs = [numbers[0] - numbers[2], numbers[0] + numbers[2]];
      ys = [numbers[1] - numbers[2], numbers[1] + numbers[2]];
    } else if (shape !== "default" && numbers.length >= 4) {
      xs = numbers.filter((_, i) => i % 2 === 0);
      ys = numbers.filter((_, i) => i % 2 === 1);
    }
  }
  if (!xs.length) return box;
  const clampX = (x) => Math.min(Math.max(x, 0), box.width);
  const clampY = (y) => Math.min(Math.max(y, 0), box.height);
  return {
    left: box.left + clampX(Math.min(...xs)), right: box.left + clampX(Math.max(...xs)),
    top: box.top + clampY(Math.min(...ys)), bottom: box.top + clampY(Math.max(...ys)),
  };
}

/** True for the key that moves from a link into its card. @param {KeyboardEvent} event */
export function isIntoCardKey(event) {
  return event.key === "ArrowDown" && event.altKey && !event.ctrlKey && !event.metaKey;
}

/**
 * Start hover cards on the document.
 * @param {{signal: AbortSignal, send: (message: any) => Promise<any>, perfMarks: boolean, serviceUrl?: string}} options
 */
export function startHoverCards({ signal, send, perfMarks, serviceUrl = "" }) {
  /** @type {HTMLAnchorElement | null} */
  let pending = null;
  let showTimer = 0;
  let hideTimer = 0;
  /** @type {ReturnType<typeof buildCard> | null} */
  let card = null;
  /** @type {HTMLAnchorElement | null} */
  let shownFor = null;
  /** The link's own aria-describedby, restored when the card goes. */
  let describedBefore = /** @type {string | null} */ (null);
  /** A link the reader just came back to with Escape: no card again until it loses focus. */
  let quietLink = /** @type {Element | null} */ (null);
  const descriptionId = `parallax-card-description-${Math.random().toString(36).slice(2, 10)}`;
  /** @type {Promise<{shorteners: Set<string>, own: string | null} | null> | null} */
  let setup = null;

  /** The shorteners (for link targets) and this page's own outlet, asked of the worker once. */
  function getSetup() {
    setup ??= send({ type: "badgeSetup", url: location.href }).then((reply) => {
      if (reply?.ok) return { shorteners: new Set(reply.shorteners ?? []), own: reply.own ?? null };
      setup = null; // no table yet: ask again on the next hover
      return null;
    });
    return setup;
  }

  function buildCard() {
    const { host, root } = shadowHost("parallax-hovercard", CARD_CSS);
    // English, left to right, on any page (see panel.js): the host inherits the page's own.
    const body = h("div", { class: "card surface", role: "dialog", "aria-label": "Parallax", lang: "en", dir: "ltr", hidden: true });
    root.append(body);
    // The link's description lives in the light DOM (IDs do not cross into a shadow root); with
    // no slot in the shadow root it is never drawn, only read by assistive technology.
    const description = h("span", { id: descriptionId, lang: "en" });
    host.append(description);
    (document.body ?? document.documentElement).append(host);
    undoPageZoom(host);
    raiseToTopLayer(host);
    body.addEventListener("pointerenter", () => clearTimeout(hideTimer), { signal });
    body.addEventListener("pointerleave", () => scheduleHide(), { signal });
    body.addEventListener("focusin", () => clearTimeout(hideTimer), { signal });
    body.addEventListener("focusout", (event) => {
      const next = event.relatedTarget;
      if (!(next instanceof Node && body.contains(next)) && next !== shownFor) scheduleHide();
    }, { signal });
    body.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        backToLink();
        return;
      }
      if (event.key !== "Tab") return;
      // Tabbing past either end of the card goes back to its link, where the page's order resumes.
      const focusable = [...body.querySelectorAll("a[href], button:not([hidden])")].filter((el) => !el.closest("[hidden]"));
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const active = root.activeElement;
      if ((event.shiftKey && active === first) || (!event.shiftKey && active === last)) {
        event.preventDefault();
        backToLink();
      }
    }, { signal });
    signal.addEventListener("abort", () => { restoreDescribedBy(); host.remove(); });
    return { host, root, body, description };
  }

  function restoreDescribedBy() {
    if (!shownFor) return;
    if (describedBefore === null) shownFor.removeAttribute("aria-describedby");
    else shownFor.setAttribute("aria-describedby", describedBefore);
  }

  function hide() {
    clearTimeout(hideTimer);
    restoreDescribedBy();
    if (card) {
      card.body.hidden = true;
      while (card.body.firstChild) card.body.firstChild.remove();
      card.description.textContent = "";
    }
    shownFor = null;
  }

  function backToLink() {
    const link = shownFor;
    hide();
    if (link) {
      quietLink = link;
      link.focus();
    }
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, HIDE_GRACE_MS);
  }

  function place(body, link) {
    body.style.removeProperty("max-height");
    const spot = cardPlacement(linkBox(link), body.offsetHeight, { width: window.innerWidth, height: window.innerHeight });
    if (spot.maxHeight !== null) body.style.maxHeight = `${spot.maxHeight}px`;
    body.style.left = `${spot.left}px`;
    body.style.top = `${spot.top}px`;
  }

  function render(link, found, startedAt) {
    card ??= buildCard();
    const { body, description } = card;
    if (shownFor && shownFor !== link) restoreDescribedBy();
    while (body.firstChild) body.firstChild.remove();
    const outlet = found.outlet;
    const details = outletDetails(outlet, { scale: false, heading: "p", serviceUrl });
    const extra = h("dl", { class: "extra", hidden: true },
      h("dt", { text: "Kind" }), h("dd", { text: String(outlet.kind ?? "").replace(/-/g, " ") || "Unknown" }),
      h("dt", { text: "Site" }), h("dd", { text: found.named ? `named beside the link (${found.host})` : found.host }));
    const more = h("button", { type: "button", class: "more", "aria-expanded": "false", text: "More about this outlet" });
    more.addEventListener("click", () => {
      const opening = extra.hidden;
      extra.hidden = !opening;
      more.setAttribute("aria-expanded", String(opening));
      more.textContent = opening ? "Less" : "More about this outlet";
    }); // no signal: the button is replaced on the next card, and the signal would keep it alive
    body.setAttribute("aria-label", `Parallax: ${outlet.name ?? outlet.id}`);
    body.append(details, extra, more, h("p", { class: "hint muted", text: KEY_HINT }));
    body.hidden = false;
    // A link in a modal dialog the page shows (a consent form's partners, a lightbox): the card
    // goes into that dialog, drawn above it and not inert (it was drawn under it, out of reach
    // of Alt+Down); any other link's card lives in <body>. Moving the host closes its popover.
    const home = modalAround(link) ?? document.body ?? document.documentElement;
    if (card.host.parentNode !== home) {
      home.append(card.host);
      undoPageZoom(card.host);
    }
    raiseToTopLayer(card.host); // (not done while a page's modal dialog was open)
    clampTextSpacing(body);
    place(body, link);
    description.textContent = `Parallax: ${outlet.name ?? outlet.id}, ${leanText(outlet.lean?.label).toLowerCase()}, factuality ${factualityWords(outlet)}. ${KEY_HINT}`;
    if (shownFor !== link) describedBefore = link.getAttribute("aria-describedby");
    // IDs do not cross a shadow root: a link inside a web component could only point at nothing
    // (a broken reference on the page's own link). It keeps its attribute; Alt+Down still works.
    if (link.getRootNode() === document) {
      link.setAttribute("aria-describedby", describedBefore ? `${describedBefore} ${descriptionId}` : descriptionId);
    }
    shownFor = link;
    if (perfMarks) {
      requestAnimationFrame(() => {
        document.documentElement.dataset.parallaxHoverMs = (performance.now() - startedAt).toFixed(2);
      });
    }
  }

  async function showFor(link) {
    const startedAt = performance.now();
    if (pending !== link) return false;
    const ready = await getSetup();
    const question = ready && pending === link ? linkQuestion(link, ready.shorteners) : null;
    const reply = question ? await send({ type: "resolveLinks", items: [question], country: editionCountry(location.href), detail: true }) : null;
    if (pending !== link) return false;
    const found = reply?.ok && Array.isArray(reply.outlets) ? reply.outlets[0] : null;
    // A site's links to itself (navigation, related stories) would only repeat the badge.
    if (!found?.outlet || found.outlet.id === ready?.own) {
      // Benchmarks and tests need to know the hover was handled and found nothing to show.
      if (perfMarks) document.documentElement.dataset.parallaxHoverMs = "none";
      return false;
    }
    render(link, found, startedAt);
    return true;
  }

  /**
   * The link an event happened on. The event's path, not its target: a link inside a web
   * component's open shadow root (Reddit's posts, many comment widgets) reaches a document
   * listener retargeted to the component, and would never get a card. Our own panel and card
   * are not the page's links.
   * @param {Event} event
   */
  function linkFrom(event) {
    const path = event.composedPath();
    if (path.some((node) => node instanceof Element && (node.localName === "parallax-hovercard" || node.localName === "parallax-panel"))) return null;
    const link = path.find((node) => (node instanceof HTMLAnchorElement || node instanceof HTMLAreaElement) && node.hasAttribute("href"));
    return link ? /** @type {HTMLAnchorElement} */ (link) : null;
  }

  function arm(link) {
    if (link === pending || link === quietLink) return;
    clearTimeout(showTimer);
    pending = link;
    getSetup(); // during the hover delay, so the card needs one round trip to the worker
    showTimer = setTimeout(() => showFor(link), HOVER_DELAY_MS);
  }

  function disarm(link) {
    if (link !== pending) return;
    clearTimeout(showTimer);
    pending = null;
    if (shownFor === link) scheduleHide();
  }

  function focusCard() {
    const target = card?.body.querySelector("a[href], button");
    if (target instanceof HTMLElement) {
      clearTimeout(hideTimer);
      target.focus();
    }
  }

  // One delegated listener each: links a page adds later (infinite feeds) need no extra wiring.
  document.addEventListener("pointerover", (event) => {
    const link = linkFrom(event);
    if (link) arm(link);
  }, { passive: true, capture: true, signal });
  document.addEventListener("pointerout", (event) => {
    const link = linkFrom(event);
    if (link && !(event.relatedTarget instanceof Node && link.contains(event.relatedTarget))) disarm(link);
  }, { passive: true, capture: true, signal });
  document.addEventListener("focusin", (event) => {
    const link = linkFrom(event);
    if (link) arm(link);
  }, { signal });
  document.addEventListener("focusout", (event) => {
    const link = linkFrom(event);
    if (link === quietLink) quietLink = null;
    if (link) disarm(link);
  }, { signal });
  document.addEventListener("keydown", (event) => {
    if (card && event.composedPath().includes(card.body)) return; // the card's own keys, above
    if (event.key === "Escape" && shownFor) {
      hide();
      return;
    }
    if (!isIntoCardKey(event)) return;
    const link = linkFrom(event);
    if (!link) return;
    if (shownFor === link) {
      event.preventDefault();
      focusCard();
    } else {
      // Asked for before the hover delay ran out, after Escape, or after the pointer passing
      // over the focused link hid its card (Alt+Down then did nothing): show it now, then go in.
      // The key came from the link, so it has focus.
      event.preventDefault();
      clearTimeout(showTimer);
      quietLink = null;
      pending = link;
      showFor(link).then((shown) => { if (shown) focusCard(); });
    }
  }, { capture: true, signal });
  // A scroll that moves the card's link: of the window, or of an element holding the link (many
  // sites scroll their feed in a column, not the window: the card stayed where it was while a
  // focused link scrolled away under it). A ticker scrolling elsewhere leaves it; scrolls inside
  // our own card do not leave its shadow root.
  document.addEventListener("scroll", (event) => {
    if (!shownFor || (card && card.body.contains(card.root.activeElement))) return;
    const scrolled = event.target;
    if (scrolled === document || (scrolled instanceof Node && holds(scrolled, shownFor))) hide();
  }, { passive: true, capture: true, signal });
}
