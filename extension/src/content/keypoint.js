// The panel's lead for a story: its neutral headline, its first key point with the outlet that
// wrote it, and a link to the rest on the service's story page. The data is the story in
// /v1/score's answer, which the worker fetched; nothing here touches the network.

import { h } from "../lib/dom.js";
import { leanChip, servicePage } from "../lib/views.js";

// A key point is one sentence (the service keeps all of them to about 100 words). Text far
// longer than that (an article with no sentence breaks, a hostile feed) is cut at a word here
// and clamped to a few lines by the CSS, so the panel never becomes a wall of one quote.
export const MAX_POINT_CHARS = 360;
export const MAX_HEADLINE_CHARS = 200;
const SIDES = ["left", "center", "right"];

const str = (value) => (typeof value === "string" ? value : "");

/**
 * `text` with its whitespace runs collapsed, cut to at most `limit` characters (at a word when
 * one ends in the last 40% of the limit) with an ellipsis when it was longer.
 * @param {unknown} text @param {number} limit
 */
export function shorten(text, limit) {
  const flat = str(text).replace(/\s+/g, " ").trim();
  if (flat.length <= limit) return flat;
  // (not between the two halves of a character written as a surrogate pair: an emoji, a rare
  // CJK letter; half of one is shown as U+FFFD)
  const cut = flat.slice(0, /[\ud800-\udbff]/.test(flat[limit - 2]) ? limit - 2 : limit - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space >= limit * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, "")}…`;
}

/** @param {any} point */
const usable = (point) => Boolean(point && typeof point === "object" && str(point.text).trim());
// A side's framing the story page shows: a term or a point (a side whose words all sides share,
// or a language written without spaces, has an entry with neither: nothing to link to).
const showsFraming = (entry) => Boolean(entry && typeof entry === "object" && (
  (Array.isArray(entry.terms) && entry.terms.some((term) => typeof term === "string" && term.trim()))
  || (Array.isArray(entry.points) && entry.points.some(usable))));

/**
 * A URL in the form two addresses of one article share: no fragment, no "www.", no trailing
 * slash, the host in lower case, http and https alike; "" for no or an unparsable URL.
 * @param {unknown} value
 */
export function sameArticleKey(value) {
  const raw = str(value).trim();
  if (!raw) return "";
  try {
    const url = new URL(raw);
    const host = url.hostname.toLowerCase().replace(/^www\./, "");
    return `${host}${url.port ? `:${url.port}` : ""}${url.pathname.replace(/\/+$/, "")}${url.search}`;
  } catch {
    return "";
  }
}

/**
 * The point the panel leads with: the first one from another article than the page being read
 * (quoting the reader's own article back tells them nothing new), else the first one.
 * @param {any[]} points usable points, in the service's order
 * @param {string} currentUrl the page's address ("" when unknown)
 */
export function leadPoint(points, currentUrl) {
  const here = sameArticleKey(currentUrl);
  if (!here) return points[0];
  return points.find((point) => sameArticleKey(point.url) !== here) ?? points[0];
}

/**
 * What the panel shows of a story's key points, or null when it has none (then the panel shows
 * what it always did). `more` is the link's words: the other key points when there are some,
 * else each side's framing when the story has it, else "" (no link).
 * @param {any} story a Story of the service's API, possibly partial or hostile
 * @param {string} serviceUrl
 * @param {string} [currentUrl] the page being read: a point from another article leads
 * @returns {{headline: string, text: string, outlet: string, lean: string | null, href: string, more: string} | null}
 */
export function keyPoint(story, serviceUrl, currentUrl = "") {
  const points = Array.isArray(story?.key_points) ? story.key_points.filter(usable) : [];
  if (!points.length) return null;
  const first = leadPoint(points, str(currentUrl));
  const outlet = first.outlet && typeof first.outlet === "object" ? first.outlet : {};
  const framing = story?.framing && typeof story.framing === "object" ? story.framing : {};
  const framed = SIDES.some((side) => showsFraming(framing[side]));
  const href = servicePage(serviceUrl, "stories", str(story?.id));
  let more = "";
  if (href && points.length > 1) more = "More key points on the story page";
  else if (href && framed) more = "How each side framed it, on the story page";
  return {
    headline: shorten(story?.headline, MAX_HEADLINE_CHARS),
    text: shorten(first.text, MAX_POINT_CHARS),
    outlet: shorten(str(outlet.name) || str(outlet.id) || str(first.outlet), 80) || "Unknown outlet",
    lean: str(outlet.lean?.label) || null,
    href: more ? href : "",
    more,
  };
}

/**
 * Builds the lead for `story` (null when it has no key points); it is removed when `signal`
 * aborts, with the panel it sits in.
 * @param {any} story @param {{serviceUrl?: string, currentUrl?: string, signal: AbortSignal}} options
 */
export function keyPointLead(story, { serviceUrl = "", currentUrl = "", signal }) {
  const point = keyPoint(story, serviceUrl, currentUrl);
  if (!point) return null;
  const lead = h("div", { class: "key-point" },
    // (dir="auto": a point in Arabic or Hebrew reads right to left, its full stop on its left;
    // lang="": the feed's language is not known, so the panel's "en" must not claim it)
    point.headline ? h("p", { class: "story-headline", lang: "", dir: "auto", text: point.headline }) : null,
    h("blockquote", { class: "key-point-text", lang: "", dir: "auto", text: point.text }),
    h("p", { class: "key-point-source row" },
      h("span", { class: "muted", text: "Key point from" }),
      h("strong", { class: "key-point-outlet", text: point.outlet }),
      point.lean ? leanChip(point.lean) : null),
    point.more
      ? h("p", { class: "key-point-more" }, h("a", { class: "key-point-link", href: point.href, target: "_blank", rel: "noopener noreferrer", text: point.more }))
      : null);
  signal.addEventListener("abort", () => lead.remove(), { once: true });
  return lead;
}
