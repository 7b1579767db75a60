// What a link on a page points at, and what to ask the worker about it: shared by the hover
// cards and the inline badges, so both say the same thing about the same link.

import { isOpaqueGoogleNews, MAX_URL_LENGTH, parseArticleURL, unwrap } from "../lib/resolve.js";
import { cardOf, cardTexts } from "./googlenews.js";

// At most this many texts of a Google News card are sent to be tried as its source's name.
const MAX_NAMES = 12;

/**
 * The URL a link really points at. For t.co the href says nothing, so the page's expanded URL or
 * the link's visible text (which X shows as "nytimes.com/2025/…") stands in for it.
 * @param {HTMLAnchorElement} link
 * @param {Set<string>} shorteners
 */
export function linkTarget(link, shorteners) {
  const href = link.href;
  if (typeof href !== "string" || !/^https?:/i.test(href)) return null; // javascript:, mailto:, SVG links
  // The resolver refuses longer URLs anyway; sending a page's megabyte-long hrefs to the worker
  // would only make a batch's message too large to send, and lose its other links with it.
  if (href.length > MAX_URL_LENGTH) return null;
  let host;
  try {
    host = new URL(href).hostname.replace(/^www\./, "");
  } catch {
    return null;
  }
  if (host !== "t.co" && !shorteners.has(host)) return href;
  const expanded = link.getAttribute("data-expanded-url") ?? link.getAttribute("data-full-url") ?? link.getAttribute("title");
  if (expanded && expanded.length <= MAX_URL_LENGTH && /^https?:\/\//i.test(expanded.trim())) return expanded.trim();
  const text = link.textContent ?? "";
  if (text.length > MAX_URL_LENGTH) return href;
  const visible = text.trim().replace(/[…\u2026]+$/, "").replace(/\.\.\.$/, "");
  if (/^(https?:\/\/)?[a-z0-9-]+(\.[a-z0-9-]+)+(\/\S*)?$/i.test(visible)) return visible;
  return href; // the shortener itself: resolves as a shortener, with no rating
}

/**
 * What to ask the worker about one link: its target, and for a Google News headline whose id
 * holds no URL, the short texts of its card (one of them is the source's name).
 * @param {HTMLAnchorElement} link @param {Set<string>} shorteners
 * @returns {{target: string, names?: string[]} | null}
 */
export function linkQuestion(link, shorteners) {
  const target = linkTarget(link, shorteners);
  if (!target) return null;
  if (!target.includes("news.google.com")) return { target };
  try {
    if (!isOpaqueGoogleNews(unwrap(parseArticleURL(target)))) return { target };
  } catch {
    return null;
  }
  const card = cardOf(link);
  return { target, names: card ? cardTexts(card, link).slice(0, MAX_NAMES) : [] };
}
