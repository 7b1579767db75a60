// Words, colours and short texts for lean, factuality and time, shared by every UI surface.

export const LEAN_STEPS = ["far-left", "left", "lean-left", "center", "lean-right", "right", "far-right"];

const LEAN_TEXT = {
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
  "far-left": "#0b3d91",
  left: "#1f5fbf",
  "lean-left": "#5b8fd9",
  center: "#7a5ea8",
  "lean-right": "#d9705b",
  right: "#bf3a1f",
  "far-right": "#8a1c0b",
};
export const UNRATED_COLOUR = "#6b6b6b";

const FACTUALITY_TEXT = {
  "very-high": "Very high",
  high: "High",
  "mostly-factual": "Mostly factual",
  mixed: "Mixed",
  low: "Low",
  "very-low": "Very low",
};

const OWNER_TYPE_TEXT = {
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

export const SIDES = ["left", "center", "right", "unrated"];
export const SIDE_TEXT = { left: "Left", center: "Center", right: "Right", unrated: "Unrated" };
export const SIDE_COLOUR = { left: "#1f5fbf", center: "#7a5ea8", right: "#bf3a1f", unrated: "#9a9a9a" };

/** @param {string | null | undefined} label */
export function leanText(label) {
  return (label && LEAN_TEXT[label]) || "Not rated";
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
