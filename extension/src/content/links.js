// What a link on a page points at and which rated outlet that is, locally: shared by the hover
// cards and the inline badges, so both say the same thing about the same link.

import { isOpaqueGoogleNews, parseArticleURL, unwrap } from "../lib/resolve.js";
import { editionCountry, outletNamedBeside } from "./googlenews.js";

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
 * The rated outlet behind a link, as {outlet, host, named} (named: the outlet came from the
 * source name printed beside a Google News headline), or null for a link to no rated outlet.
 * @param {HTMLAnchorElement} link
 * @param {import("../lib/resolve.js").OutletIndex} index
 */
export function linkOutlet(link, index) {
  const target = linkTarget(link, index.shorteners);
  if (!target) return null;
  const resolution = index.tryResolve(target);
  if (!resolution) return null;
  if (resolution.host === "news.google.com") {
    let url;
    try {
      url = unwrap(parseArticleURL(target));
    } catch {
      return null;
    }
    if (isOpaqueGoogleNews(url)) {
      // Whose article it is, only the page says: the source name beside the headline.
      const found = outletNamedBeside(link, index, editionCountry(location.href));
      return found ? { outlet: found.outlet, host: resolution.host, named: true } : null;
    }
  }
  return resolution.outlet ? { outlet: resolution.outlet, host: resolution.host, named: false } : null;
}
