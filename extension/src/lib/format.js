// Words, colours and short texts for lean, factuality and time, shared by every UI surface.

export const LEAN_STEPS = ["far-left", "left", "lean-left", "center", "lean-right", "right", "far-right"];

// Every table read with a label from a service or a feed has no prototype: "constructor" or
// "toString" as a label found Object's own functions, shown as their source text and breaking the
// hover card (a function has no toLowerCase).
const LEAN_TEXT = {
  __proto__: null,
  "far-left": "Far left",
  left: "Left",
  "lean-left": "Lean left",
  center: "Center",
  "lean-right": "Lean right",
  right: "Right",
  "far-right": "Far right",
};

// Badge text has room for about four characters.
const LEAN_BADGE = {
  __proto__: null,
  "far-left": "FL",
  left: "L",
  "lean-left": "LL",
  center: "C",
  "lean-right": "LR",
  right: "R",
  "far-right": "FR",
};

// Blue for left, purple for center, red for right, as the public raters draw it; darker = further.
export const LEAN_COLOUR = {
  __proto__: null,
  "far-left": "#0b3d91",
  left: "#1f5fbf",
  "lean-left": "#5b8fd9",
  center: "#7a5ea8",
  "lean-right": "#d9705b",
  right: "#bf3a1f",
  "far-right": "#8a1c0b",
};
export const UNRATED_COLOUR = "#6b6b6b";

// Text on a lean chip: white on the dark steps, near-black on the two light ones, so every chip
// reads at WCAG AA (4.5:1) whatever the page's or the system's colour scheme.
const DARK_TEXT = "#1b1b1f";
const LIGHT_TEXT = "#ffffff";
export const LEAN_TEXT_COLOUR = {
  __proto__: null,
  "far-left": LIGHT_TEXT,
  left: LIGHT_TEXT,
  "lean-left": DARK_TEXT,
  center: LIGHT_TEXT,
  "lean-right": DARK_TEXT,
  right: LIGHT_TEXT,
  "far-right": LIGHT_TEXT,
};
export const UNRATED_TEXT_COLOUR = LIGHT_TEXT;

export const FACTUALITY_ORDER = ["very-high", "high", "mostly-factual", "mixed", "low", "very-low"];

const FACTUALITY_TEXT = {
  __proto__: null,
  "very-high": "Very high",
  high: "High",
  "mostly-factual": "Mostly factual",
  mixed: "Mixed",
  low: "Low",
  "very-low": "Very low",
};

const OWNER_TYPE_TEXT = {
  __proto__: null,
  independent: "Independent",
  corporation: "Corporation",
  conglomerate: "Media conglomerate",
  billionaire: "Billionaire-owned",
  family: "Family-owned",
  "private-equity": "Private equity",
  nonprofit: "Nonprofit",
  trust: "Trust",
  cooperative: "Cooperative",
  government: "Government",
  "public-broadcaster": "Public broadcaster",
  "political-party": "Political party",
  religious: "Religious organisation",
  unknown: "Unknown",
};

export const OWNER_TYPE_ORDER = Object.keys(OWNER_TYPE_TEXT);

// The words for the ratings data's flags (service/ratings_schema.py FLAGS).
const FLAG_TEXT = {
  __proto__: null,
  satire: "satire",
  "state-affiliated": "state-affiliated",
  conspiracy: "promotes conspiracy theories",
  pseudoscience: "promotes pseudoscience",
  "questionable-sourcing": "questionable sourcing",
  propaganda: "propaganda",
  hate: "hate speech",
};

// What a kind of site is, for saying why such a site has no lean (service/ratings_schema.py KINDS).
const UNLEANED_KINDS = {
  __proto__: null,
  aggregator: "an aggregator: it shows other outlets' stories, so each story's own outlet is the one to rate",
  platform: "a platform: what it carries is written by its users, not by an outlet",
  "fact-checker": "a fact-checker",
  satire: "satire",
};

export const SIDES = ["left", "center", "right", "unrated"];
export const SIDE_TEXT = { left: "Left", center: "Center", right: "Right", unrated: "Unrated" };
export const SIDE_COLOUR = { left: "#1f5fbf", center: "#7a5ea8", right: "#bf3a1f", unrated: "#858585" };

/** @param {string | null | undefined} label */
export function leanText(label) {
  return (label && LEAN_TEXT[label]) || "Not rated";
}

/** @param {string | null | undefined} label */
export function leanTextColour(label) {
  return (label && LEAN_TEXT_COLOUR[label]) || UNRATED_TEXT_COLOUR;
}

/**
 * A flag's words; an unknown flag is shown with its hyphens as spaces rather than dropped.
 * @param {string} flag
 */
export function flagText(flag) {
  return FLAG_TEXT[flag] ?? String(flag).replace(/-/g, " ");
}

/** @type {Intl.DisplayNames | null | undefined} */
let regionNames;

/**
 * A country's name in the reader's language from its ISO 3166-1 alpha-2 code; "" for XX (no home
 * country), a malformed code, or a code the browser cannot name.
 * @param {unknown} code
 */
export function countryName(code) {
  // XX is the ratings' "no home country"; ZZ is CLDR's "Unknown Region".
  if (typeof code !== "string" || !/^[A-Z]{2}$/.test(code) || code === "XX" || code === "ZZ") return "";
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(undefined, { type: "region", fallback: "none" });
    } catch {
      regionNames = null;
    }
  }
  try {
    const name = regionNames?.of(code);
    return name && name !== code ? name : "";
  } catch {
    return "";
  }
}

/**
 * Why an outlet has no lean rating, in a sentence.
 * @param {any} outlet
 */
export function notRatedText(outlet) {
  const kind = typeof outlet?.kind === "string" ? outlet.kind : "";
  if (UNLEANED_KINDS[kind]) return `No lean rating: this is ${UNLEANED_KINDS[kind]}.`;
  return "No lean rating: Parallax rates lean only where there is published evidence for it, and has none for this outlet yet.";
}

/** @param {string | null | undefined} label */
export function leanBadge(label) {
  return (label && LEAN_BADGE[label]) || "?";
}

/** @param {string | null | undefined} label */
export function leanColour(label) {
  return (label && LEAN_COLOUR[label]) || UNRATED_COLOUR;
}

/** @param {string | null | undefined} label */
export function factualityText(label) {
  return (label && FACTUALITY_TEXT[label]) || "Not rated";
}

/** @param {string | null | undefined} value */
export function ownerTypeText(value) {
  return (value && OWNER_TYPE_TEXT[value]) || (value ? String(value) : "Unknown");
}

/**
 * Which side of a story's coverage a lean label counts towards.
 * @param {string | null | undefined} label
 */
export function sideOf(label) {
  if (label === "far-left" || label === "left" || label === "lean-left") return "left";
  if (label === "center") return "center";
  if (label === "lean-right" || label === "right" || label === "far-right") return "right";
  return "unrated";
}

/**
 * "3 h ago", "2 d ago"; empty for a missing or unparseable date.
 * @param {string | null | undefined} iso
 * @param {number} now milliseconds since the epoch
 */
export function timeAgo(iso, now = Date.now()) {
  if (!iso) return "";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 60) return `${days} d ago`;
  return new Date(then).toISOString().slice(0, 10);
}

/**
 * Share 0..1 as a whole percentage; shares that are not numbers count as 0.
 * @param {unknown} share
 */
export function percent(share) {
  const n = typeof share === "number" && Number.isFinite(share) ? share : 0;
  return Math.round(Math.min(1, Math.max(0, n)) * 100);
}

/**
 * The news-quality score in a reader's words, as the service says it (service/core/quality.py
 * QualitySource.text): "news-quality score 0.87 of 1, aggregate of six rating sets, 2023".
 * "" for a score outside 0..1 or a source without a description: a half sentence would mislead.
 * @param {unknown} score @param {any} source one of the export's `quality_sources`
 */
export function qualityText(score, source) {
  if (typeof score !== "number" || !Number.isFinite(score) || score < 0 || score > 1) return "";
  const description = typeof source?.description === "string" ? source.description.trim() : "";
  if (!description) return "";
  const year = typeof source?.year === "number" || typeof source?.year === "string" ? String(source.year) : "";
  return `news-quality score ${score.toFixed(2)} of 1, ${description}${year ? `, ${year}` : ""}`;
}

/**
 * A factuality derived from the quality score, worded so it never reads as Parallax's own rating.
 * @param {string | null | undefined} label
 */
export function derivedFactualityText(label) {
  return label && FACTUALITY_TEXT[label] ? `${FACTUALITY_TEXT[label]} (derived from the news-quality score, not a Parallax rating)` : "";
}
