// Build DOM from data safely: elements via createElement, text only via textContent, links only to http(s).

/**
 * Create an element. Strings among the children become text nodes, never markup.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") {
      element.textContent = String(value);
    } else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    } else if (name === "href") {
      const safe = safeHref(String(value));
      if (safe) element.setAttribute("href", safe);
    } else if (/^on/i.test(name) || name === "style" || name === "srcdoc" || name === "src") {
      // Event-handler attributes and inline styles from data are never set: CSP and safety.
      continue;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

/**
 * The URL if it is an absolute http(s) URL, else null (no javascript:, data:, relative tricks).
 * @param {string} href
 */
export function safeHref(href) {
  try {
    const url = new URL(href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * A host element with an open shadow root holding our styles, isolated from the page's CSS.
 * @param {string} tag custom element name used as the host (unknown tags are inert)
 * @param {string} cssText
 */
export function shadowHost(tag, cssText) {
  const host = document.createElement(tag);
  // The page's styles must not reach in; CSSOM writes are not blocked by a page's style-src CSP.
  // Not !important: a reader's own !important text-spacing styles must still apply (WCAG 1.4.12).
  host.style.setProperty("all", "initial");
  const root = host.attachShadow({ mode: "open" });
  try {
    // Constructed sheets are exempt from the page's CSP, unlike a <style> element.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(cssText);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement("style");
    style.textContent = cssText;
    root.append(style);
  }
  return { host, root };
}

/**
 * Put a connected host in the top layer (a manual popover). Its fixed-position UI then sits on
 * the viewport whatever the page does to its ancestors: a transform, filter or contain on <body>
 * makes body the containing block of fixed descendants, and the panel scrolled away with the
 * page (1,500 px down, its tab was at y = -1,260). The top layer also draws over any z-index.
 * Browsers without popovers keep the fixed position as before.
 * @param {HTMLElement} host connected
 */
export function raiseToTopLayer(host) {
  try {
    // Not over a modal dialog the page has open (a consent form): ours would draw over it, inert.
    // It stays under it, as before, and is raised the next time it is shown. A host inside a
    // modal dialog (a hover card for one of its links) is part of it, and goes above it: any of
    // them, not only the first in the document's order (a dialog opened from another, a consent
    // form's partners list, left the card under it, clipped by its box).
    if (host.matches(":popover-open")) return;
    const modals = document.querySelectorAll(":modal");
    if (modals.length && ![...modals].some((modal) => modal.contains(host))) return;
    host.setAttribute("popover", "manual");
    host.showPopover();
  } catch {
    host.removeAttribute("popover");
  }
}

/**
 * Cancel a zoom the page puts on its root or body (`html { zoom: 0.5 }`): zoom multiplies down
 * the tree, so our px-sized UI was drawn at half size (a 15 px tab, 6.5 px text) whatever the
 * host's own zoom. The host takes the inverse of its parent's effective zoom.
 * @param {HTMLElement} host connected
 */
export function undoPageZoom(host) {
  const zoom = /** @type {any} */ (host.parentElement)?.currentCSSZoom;
  if (typeof zoom === "number" && Number.isFinite(zoom) && zoom > 0 && Math.abs(zoom - 1) > 0.001) {
    host.style.setProperty("--parallax-unzoom", String(1 / zoom));
  } else {
    host.style.removeProperty("--parallax-unzoom"); // (a host moved to where nothing is zoomed)
  }
}

/**
 * The modal dialog `node` is in (across shadow roots), or null. Everything outside an open modal
 * dialog is inert and drawn under it.
 * @param {Node} node
 * @returns {Element | null}
 */
export function modalAround(node) {
  for (let at = /** @type {Node | null} */ (node); at;) {
    if (at instanceof Element && at.localName === "dialog" && at.matches(":modal")) return at;
    at = at.parentNode ?? (at instanceof ShadowRoot ? at.host : null);
  }
  return null;
}

/** Remove every child of a node. */
export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

// A reader's own text spacing reaches our UI through the host (WCAG 1.4.12 asks for up to 0.12em
// between letters and 0.16em between words); a page that sets far more on every element would
// spread our words past the card's edge. Beyond these bounds the spacing is brought back to them.
const MAX_LETTER_SPACING_EM = 0.25;
const MAX_WORD_SPACING_EM = 0.5;

/**
 * Bound the letter and word spacing `element` inherits, keeping any spacing within the bounds.
 * @param {HTMLElement} element a surface inside one of our shadow roots, already connected
 */
export function clampTextSpacing(element) {
  element.style.removeProperty("letter-spacing");
  element.style.removeProperty("word-spacing");
  const style = getComputedStyle(element);
  const size = parseFloat(style.fontSize) || 13;
  const letters = parseFloat(style.letterSpacing);
  const words = parseFloat(style.wordSpacing);
  if (Number.isFinite(letters) && Math.abs(letters) > size * MAX_LETTER_SPACING_EM) {
    element.style.setProperty("letter-spacing", `${Math.sign(letters) * MAX_LETTER_SPACING_EM}em`, "important");
  }
  if (Number.isFinite(words) && Math.abs(words) > size * MAX_WORD_SPACING_EM) {
    element.style.setProperty("word-spacing", `${Math.sign(words) * MAX_WORD_SPACING_EM}em`, "important");
  }
}
