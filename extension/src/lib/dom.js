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

/** Remove every child of a node. */
export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}
