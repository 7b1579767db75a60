// The reading mirror's data: what is kept (day, outlet id, story id; never a URL or a title), how
// long (90 days), and the numbers the "My reading" page shows. Pure: node --test runs it as-is.

import { sideOf } from "./format.js";

export const KEEP_DAYS = 90;
export const PERIODS = [7, 30, 90];
// A reader of 200 articles a day for 90 days; beyond that the oldest go first.
export const MAX_ENTRIES = 18_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const ID_RE = /^[\w.:/-]{1,200}$/;

/** The reader's local calendar day, YYYY-MM-DD. @param {Date} [date] */
export function dayOf(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The first day still inside the last `days` days (today counts as one). @param {number} days @param {Date} [now] */
export function firstDay(days, now = new Date()) {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  return dayOf(start);
}

/**
 * One entry as stored, or null for anything malformed: [day, outletId, storyId | null].
 * @param {unknown} entry
 * @returns {[string, string, string | null] | null}
 */
export function validEntry(entry) {
  if (!Array.isArray(entry) || entry.length !== 3) return null;
  const [day, outlet, story] = entry;
  if (typeof day !== "string" || !DAY_RE.test(day)) return null;
  if (typeof outlet !== "string" || !ID_RE.test(outlet)) return null;
  if (story !== null && (typeof story !== "string" || !ID_RE.test(story))) return null;
  return [day, outlet, story];
}

/**
 * The entries kept: well-formed, inside the last KEEP_DAYS days, at most MAX_ENTRIES (newest).
 * @param {unknown} entries @param {Date} [now]
 */
export function prune(entries, now = new Date()) {
  const oldest = firstDay(KEEP_DAYS, now);
  const kept = (Array.isArray(entries) ? entries : []).map(validEntry).filter((e) => e !== null && e[0] >= oldest);
  return kept.length > MAX_ENTRIES ? kept.slice(kept.length - MAX_ENTRIES) : kept;
}

/** @param {Map<string, number>} counts */
function shares(counts) {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return Object.fromEntries([...counts].map(([key, n]) => [key, total ? n / total : 0]));
}

const bump = (map, key, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/**
 * What the page shows for the last `days` days.
 * @param {unknown} entries stored entries
 * @param {(id: string) => any} outletOf the outlet (shaped like OutletIndex.get) or null
 * @param {number} days
 * @param {Date} [now]
 */
export function summarise(entries, outletOf, days, now = new Date()) {
  const from = firstDay(days, now);
  const inPeriod = prune(entries, now).filter(([day]) => day >= from);
  const leanByArticles = new Map();
  const factuality = new Map();
  const ownerTypes = new Map();
  const perOutlet = new Map();
  const stories = new Map();
  for (const [day, id, story] of inPeriod) {
    const outlet = outletOf(id);
    const side = sideOf(outlet?.lean?.label);
    bump(leanByArticles, side);
    bump(perOutlet, id);
    if (story) {
      const seen = stories.get(story) ?? { sides: new Set(), outlets: new Set(), last: day };
      seen.sides.add(side);
      seen.outlets.add(id);
      if (day > seen.last) seen.last = day;
      stories.set(story, seen);
    }
  }
  const leanByOutlets = new Map();
  for (const id of perOutlet.keys()) {
    const outlet = outletOf(id);
    bump(leanByOutlets, sideOf(outlet?.lean?.label));
    bump(factuality, outlet?.factuality?.label ?? "unrated");
    bump(ownerTypes, outlet?.owner_type ?? "unknown");
  }
  const topOutlets = [...perOutlet]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([id, count]) => ({ id, count, outlet: outletOf(id) }));
  // A story read only from one side (left, center or right), newest first.
  const oneSided = [...stories]
    .filter(([, seen]) => seen.sides.size === 1 && !seen.sides.has("unrated"))
    .map(([id, seen]) => ({ id, side: [...seen.sides][0], outlets: [...seen.outlets].sort(), last: seen.last }))
    .sort((a, b) => b.last.localeCompare(a.last) || a.id.localeCompare(b.id));
  return {
    days,
    from,
    articles: inPeriod.length,
    outlets: perOutlet.size,
    leanByArticles: shares(leanByArticles),
    leanByOutlets: shares(leanByOutlets),
    factuality: shares(factuality),
    ownerTypes: shares(ownerTypes),
    topOutlets,
    oneSided,
  };
}

/** The export file's content: what is kept, as kept. @param {unknown} entries @param {Date} [now] */
export function exportDocument(entries, now = new Date()) {
  return {
    what: "Parallax reading mirror: the day, outlet id and story id of each article page you opened; no URLs, no titles. Kept only in this browser.",
    exported: now.toISOString(),
    keep_days: KEEP_DAYS,
    entries: prune(entries, now).map(([day, outlet, story]) => ({ day, outlet, story })),
  };
}
