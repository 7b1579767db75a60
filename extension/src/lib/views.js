// DOM views of an outlet and of a story's coverage, shared by the panel, the hover card and the popup.

import { h } from "./dom.js";
import {
  FACTUALITY_ORDER, LEAN_STEPS, OWNER_TYPE_ORDER, SIDES, SIDE_COLOUR, SIDE_TEXT, countryName, derivedFactualityText, factualityText, flagText, leanColour, leanText, leanTextColour, notRatedText,
  ownerTypeText, percent, qualityText, sideOf, timeAgo,
} from "./format.js";

const str = (value) => (typeof value === "string" ? value : "");
const num = (value) => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** A coloured chip with the lean's words. @param {string | null | undefined} label */
export function leanChip(label) {
  const chip = h("span", { class: "chip lean-chip", "data-lean": label ?? "unrated", text: leanText(label) });
  chip.style.backgroundColor = leanColour(label);
  chip.style.color = leanTextColour(label);
  return chip;
}

/**
 * The service's page for an outlet or a story: `/outlets/<id>`, `/stories/<id>`. An outlet id may
 * hold a path (`theathletic.com/x`): each segment is encoded, the slashes kept.
 * @param {string} serviceUrl @param {"outlets" | "stories"} kind @param {unknown} id
 */
export function servicePage(serviceUrl, kind, id) {
  if (!serviceUrl || typeof id !== "string" || !id) return "";
  return `${serviceUrl.replace(/\/+$/, "")}/${kind}/${id.split("/").map(encodeURIComponent).join("/")}`;
}

/** The 7-step lean scale with the outlet's step marked. @param {string | null | undefined} label */
export function leanScale(label) {
  const scale = h("div", { class: "scale", role: "img", "aria-label": `Lean: ${leanText(label)} on a seven-step scale from far left to far right` });
  // Every step keeps its full colour (and an edge that shows on a dark background); the outlet's
  // step is taller and outlined, so the mark does not depend on colour alone.
  for (const step of LEAN_STEPS) {
    const cell = h("span", { class: step === label ? "on" : "", title: leanText(step) });
    cell.style.backgroundColor = leanColour(step);
    scale.append(cell);
  }
  return h("div", {}, scale, h("div", { class: "scale-labels", "aria-hidden": "true" }, h("span", { text: "Far left" }), h("span", { text: "Center" }), h("span", { text: "Far right" })));
}

/**
 * The quality sentence of an outlet's `quality` (service answer or local index): its `text` when
 * it has one, else built from the score and source.
 * @param {any} quality
 */
function outletQualityText(quality) {
  if (!quality || typeof quality !== "object") return "";
  if (typeof quality.text === "string" && quality.text.startsWith("news-quality score ")) return quality.text;
  return qualityText(quality.score, { description: quality.description, year: quality.year });
}

/**
 * The outlet's name, lean, factuality, news quality, owner and country.
 * @param {any} outlet an Outlet JSON object, possibly partial
 * @param {{scale?: boolean, heading?: string, serviceUrl?: string}} [options] `heading` is the
 *   tag of the outlet's name, so each surface keeps its heading order; with `serviceUrl` the
 *   name links to the outlet's page on the service.
 */
export function outletDetails(outlet, { scale = true, heading = "h3", serviceUrl = "" } = {}) {
  // Only the known labels: anything else from a service (a number, an unknown word) is no
  // rating, and the reader is told why there is none.
  const lean = LEAN_STEPS.includes(outlet?.lean?.label) ? outlet.lean.label : null;
  const factuality = FACTUALITY_ORDER.includes(outlet?.factuality?.label) ? outlet.factuality.label : null;
  const owner = str(outlet?.owner);
  const ownerType = str(outlet?.owner_type);
  const flags = Array.isArray(outlet?.flags) ? outlet.flags.filter((f) => typeof f === "string" && f) : [];
  // The service and the local index both give the flags in words; older answers only the slugs.
  const flagWords = Array.isArray(outlet?.flag_labels) && outlet.flag_labels.length === flags.length && outlet.flag_labels.every((f) => typeof f === "string" && f)
    ? outlet.flag_labels : flags.map(flagText);
  const country = countryName(outlet?.country);
  // A factuality derived from the quality score only stands in where we have none of our own,
  // and says so in its label and its words.
  const derived = factuality ? "" : derivedFactualityText(outlet?.factuality_derived?.label);
  const quality = outletQualityText(outlet?.quality);
  const list = h("dl", {},
    h("dt", { text: "Lean" }), h("dd", { class: "lean" }, leanChip(lean)),
    ...(derived
      ? [h("dt", { text: "Factuality (derived from the quality score)" }), h("dd", { class: "factuality factuality-derived", text: derived })]
      : [h("dt", { text: "Factuality" }), h("dd", { class: "factuality", text: factualityText(factuality) })]),
  );
  if (quality) list.append(h("dt", { text: "News quality" }), h("dd", { class: "quality", text: quality }));
  list.append(
    h("dt", { text: "Owner" }), h("dd", { class: "owner", text: owner ? `${owner} (${ownerTypeText(ownerType)})` : ownerType ? ownerTypeText(ownerType) : "Unknown" }),
  );
  // XX means no home country (a global platform): say nothing rather than a code.
  if (country) list.append(h("dt", { text: "Country" }), h("dd", { class: "country", text: country }));
  if (flags.length) list.append(h("dt", { text: "Flags" }), h("dd", { class: "flags", text: flagWords.join(", ") }));
  // The service's answer carries why the rating is what it is; the local table does not.
  const basis = str(outlet?.basis);
  if (basis) {
    const confidence = str(outlet?.confidence);
    const reviewed = str(outlet?.reviewed);
    list.append(h("dt", { text: "Based on" }), h("dd", { class: "basis", text: basis }));
    if (confidence || reviewed) {
      list.append(h("dt", { text: "Confidence" }), h("dd", { class: "confidence", text: [confidence, reviewed && `reviewed ${reviewed}`].filter(Boolean).join(", ") }));
    }
  }
  const name = str(outlet?.name) || str(outlet?.id) || "Unknown outlet";
  const page = servicePage(serviceUrl, "outlets", str(outlet?.id));
  return h("div", { class: "outlet-details" },
    h(heading, { class: "outlet-name", text: name }),
    scale ? leanScale(lean) : null,
    lean ? null : h("p", { class: "not-rated muted", text: notRatedText(outlet) }),
    list,
    page ? h("p", { class: "outlet-page" }, h("a", { class: "outlet-link", href: page, target: "_blank", rel: "noopener noreferrer", text: `${name} on Parallax: ratings and their evidence` })) : null,
  );
}

/** The left/center/right(/unrated) bar with percentages. @param {any} shares */
export function sideBar(shares) {
  const bar = h("div", { class: "bar", role: "img" });
  const legend = h("div", { class: "legend" });
  const words = [];
  for (const side of SIDES) {
    const value = percent(shares?.[side]);
    if (side === "unrated" && value === 0) continue;
    const segment = h("span", { class: `side-${side}`, title: `${SIDE_TEXT[side]} ${value}%` });
    segment.style.width = `${value}%`;
    segment.style.backgroundColor = SIDE_COLOUR[side];
    bar.append(segment);
    legend.append(h("span", { class: `legend-${side}`, "data-side": side, text: `${SIDE_TEXT[side]} ${value}%` }));
    words.push(`${SIDE_TEXT[side]} ${value}%`);
  }
  bar.setAttribute("aria-label", `Coverage by side: ${words.join(", ")}`);
  return h("div", { class: "side-bar" }, bar, legend);
}

function outletName(value) {
  if (typeof value === "string") return value;
  return str(value?.name) || str(value?.id) || "Unknown outlet";
}

/**
 * The story's articles grouped by side: `articles_by_side` when the service gives it, else
 * its `related` list folded by each outlet's lean.
 * @param {any} story
 * @returns {Record<string, any[]>}
 */
export function articlesBySide(story) {
  const given = story?.articles_by_side;
  if (given && typeof given === "object" && Object.values(given).some(Array.isArray)) return given;
  const grouped = { left: [], center: [], right: [], unrated: [] };
  for (const item of Array.isArray(story?.related) ? story.related : []) {
    if (!item || typeof item !== "object") continue;
    const side = SIDES.includes(item.side) ? item.side : sideOf(item.outlet?.lean?.label);
    grouped[side].push(item);
  }
  return grouped;
}

/** One "N articles from M sources" line. @param {any} story */
export function storyCount(story) {
  const articles = num(story?.article_count);
  const outlets = num(story?.outlet_count);
  return `${articles} ${articles === 1 ? "article" : "articles"} from ${outlets} ${outlets === 1 ? "source" : "sources"}`;
}

/**
 * The service's `blindspot` names the side that covered the story almost alone, so readers of
 * the other side are the ones likely to miss it.
 * @param {any} story
 */
export function blindspotText(story) {
  const value = story?.blindspot;
  // Either a side name or {side, covered_by, missed_by}, depending on the service's version.
  const side = typeof value === "string" ? value : value?.covered_by ?? value?.side ?? null;
  if (side === "left") return "Blindspot for the right: covered almost only by left-leaning sources";
  if (side === "right") return "Blindspot for the left: covered almost only by right-leaning sources";
  return "";
}

/**
 * A share list ("Very high 40%") in a fixed order, for the story's factuality and ownership mix;
 * keys outside the order (a newer service) follow, worded by `words`.
 * @param {string} title @param {string} cls @param {unknown} shares @param {string[]} order
 * @param {(key: string) => string} words
 */
export function mixList(title, cls, shares, order, words) {
  if (!shares || typeof shares !== "object") return null;
  const entries = Object.entries(shares).filter(([, v]) => percent(v) > 0);
  if (!entries.length) return null;
  entries.sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const list = h("ul", { class: `mix ${cls}` });
  for (const [key, value] of entries) {
    const meter = h("span", { class: "mix-meter", "aria-hidden": "true" });
    meter.style.width = `${percent(value)}%`;
    list.append(h("li", { "data-key": key },
      h("span", { class: "mix-label", text: words(key) }),
      h("span", { class: "mix-value", text: `${percent(value)}%` }),
      h("span", { class: "mix-track", "aria-hidden": "true" }, meter)));
  }
  return h("div", { class: `mix-block ${cls}-block` }, h("h4", { text: title }), list);
}

/**
 * The story's coverage: count, bar, blindspot, first reported by, and (if wanted) the factuality
 * and ownership mix of its sources and its articles by side.
 * @param {any} story
 * @param {{articles?: boolean, currentUrl?: string, now?: number, serviceUrl?: string, headline?: boolean}} [options]
 *   `headline: false` leaves the headline to a lead drawn above (the panel's key point).
 */
export function storySummary(story, { articles = true, currentUrl = "", now = Date.now(), serviceUrl = "", headline: withHeadline = true } = {}) {
  const section = h("div", { class: "story" });
  const headline = withHeadline ? str(story?.headline) : "";
  // Titles come from feeds in any script: each takes its direction from its own text (an Arabic
  // title's full stop on its left), and says its language is not known (not the panel's "en").
  if (headline) section.append(h("p", { class: "story-headline", lang: "", dir: "auto", text: headline }));
  section.append(h("p", { class: "story-count", text: storyCount(story) }));
  section.append(sideBar(story?.lean?.by_outlets ?? story?.lean?.by_articles ?? {}));
  const blindspot = blindspotText(story);
  if (blindspot) section.append(h("p", { class: "blindspot", text: blindspot }));
  const first = story?.first_reported_by;
  if (first) {
    const when = timeAgo(str(first.published) || str(first.outlet?.published), now);
    section.append(h("p", { class: "first-reported" },
      h("span", { class: "muted", text: "First reported by " }),
      h("strong", { text: outletName(first.outlet ?? first) }),
      when ? h("span", { class: "muted", text: ` · ${when}` }) : null));
  }
  const page = servicePage(serviceUrl, "stories", str(story?.id));
  if (page) section.append(h("p", { class: "story-page" }, h("a", { class: "story-link", href: page, target: "_blank", rel: "noopener noreferrer", text: "The whole story on Parallax: every source, side by side" })));
  if (!articles) return section;
  for (const mix of [
    mixList("Factuality of the sources", "factuality-mix", story?.factuality, [...FACTUALITY_ORDER, "unrated"], (k) => (k === "unrated" ? "Not rated" : factualityText(k))),
    mixList("Who owns the sources", "owner-mix", story?.owner_types, OWNER_TYPE_ORDER, ownerTypeText),
  ]) {
    if (mix) section.append(mix);
  }
  const bySide = articlesBySide(story);
  for (const side of SIDES) {
    const items = Array.isArray(bySide[side]) ? bySide[side] : [];
    const others = items.filter((item) => str(item?.url) && str(item?.url) !== currentUrl);
    if (!others.length) continue;
    const list = h("ul", { class: `coverage coverage-${side}` });
    for (const item of others.slice(0, 30)) {
      const outlet = item.outlet ?? {};
      const lean = outlet?.lean?.label ?? null;
      const when = timeAgo(str(item.published), now);
      list.append(h("li", { class: "article" },
        h("div", { class: "row" },
          h("strong", { class: "article-outlet", text: outletName(outlet) }),
          leanChip(lean),
          when ? h("span", { class: "muted when", text: when }) : null,
          item.syndicated === true ? h("span", { class: "muted syndicated", text: "syndicated copy" }) : null),
        h("a", { class: "headline", href: str(item.url), target: "_blank", rel: "noopener noreferrer", lang: "", dir: "auto", text: str(item.title) || str(item.url) })));
    }
    section.append(h("h4", { class: `side-heading side-heading-${side}`, text: `${SIDE_TEXT[side]} (${others.length})` }), list);
  }
  return section;
}
