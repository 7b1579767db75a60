// Google News: the outlet of a headline whose link id cannot be decoded, read from the source
// name the page prints beside it (its class names change; the structure "a card holding a
// headline link and the source's name" does not).

// How far up from a link to look for its card, and how many elements of a card to read at most.
const MAX_CARD_DEPTH = 6;
const MAX_CARD_ELEMENTS = 80;
const MAX_NAME_CHARS = 80;
const CARD_SELECTOR = "article, [role='article'], li";

/**
 * The element holding one headline: the nearest article-like ancestor, or else the nearest
 * ancestor holding only this one link to an article (so a list of headlines is never taken for
 * one card).
 * @param {Element} link
 */
export function cardOf(link) {
  const card = link.closest(CARD_SELECTOR);
  if (card) return card;
  let node = link.parentElement;
  let best = null;
  for (let depth = 0; node && depth < MAX_CARD_DEPTH && node !== document.body; depth += 1) {
    if (node.querySelectorAll("a[href*='/articles/'], a[href*='/read/']").length > 1) break;
    best = node;
    node = node.parentElement;
  }
  return best;
}

/**
 * The short texts of a card other than the link's own, in document order: the source's name is
 * one of them ("The New York Times", "Reuters"), besides times and bylines.
 * @param {Element} card @param {Element} link
 */
export function cardTexts(card, link) {
  const texts = [];
  const walker = document.createTreeWalker(card, NodeFilter.SHOW_ELEMENT);
  let seen = 0;
  for (let node = walker.nextNode(); node && seen < MAX_CARD_ELEMENTS; node = walker.nextNode()) {
    seen += 1;
    const element = /** @type {Element} */ (node);
    if (element === link || link.contains(element) || element.tagName === "TIME" || element.tagName === "SCRIPT" || element.tagName === "STYLE") continue;
    let own = "";
    for (const child of element.childNodes) if (child.nodeType === Node.TEXT_NODE) own += child.nodeValue;
    own = own.trim();
    if (own && own.length <= MAX_NAME_CHARS) texts.push(own);
    const alt = element.tagName === "IMG" ? element.getAttribute("alt")?.trim() : "";
    if (alt && alt.length <= MAX_NAME_CHARS) texts.push(alt);
  }
  return texts;
}

/**
 * The Google News edition's country (`gl=US`, or `ceid=US:en`) from the page address, used to
 * tell apart outlets that share a name.
 * @param {string} href
 */
export function editionCountry(href) {
  try {
    const params = new URL(href).searchParams;
    const code = params.get("gl") ?? params.get("ceid")?.split(":")[0] ?? "";
    return /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
  } catch {
    return null;
  }
}
