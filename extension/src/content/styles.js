// The CSS of the panel and hover card, adopted into their shadow roots so the page's styles never apply.

// A page's stylesheet reaches the host element (display: none, a transform, opacity, a clip...),
// and an !important there beats our inline style. An !important :host rule beats the page's own
// !important (in the cascade, the shadow tree's important rules win over the outer tree's), so
// each property that could hide, move, shrink or cover the UI is pinned here. Text properties are
// left alone: a reader's own !important text spacing must still apply (WCAG 1.4.12).
const HOST_GUARD = [
  "display: inline", "position: static", "visibility: visible", "opacity: 1", "transform: none",
  "translate: none", "scale: none", "rotate: none", "filter: none", "backdrop-filter: none",
  "clip-path: none", "mask: none", "contain: none", "content-visibility: visible",
  // (1 / the page's own zoom on our ancestors: dom.js undoPageZoom)
  "zoom: var(--parallax-unzoom, 1)",
  "pointer-events: auto", "overflow: visible", "perspective: none", "will-change: auto",
  "mix-blend-mode: normal", "isolation: auto", "float: none", "margin: 0", "padding: 0",
].map((rule) => `${rule} !important;`).join(" ");

// The collapsed tab's longest: every name in the ratings table fits (the longest, 61 letters
// and "Lean right", takes ~550 px; "The New York Times · Lean left" 262 px); a longer one from a
// feed ends in an ellipsis, as does any name in a window too short for it.
export const TAB_MAX_HEIGHT = 600;

const BASE = `
:host { all: initial; ${HOST_GUARD} }
/* The host is a popover in the top layer (dom.js raiseToTopLayer): a page's own ::backdrop rule
   for its dialogs must not tint the whole page behind our panel or card. */
:host::backdrop { display: none !important; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.surface {
  --bg: #ffffff; --fg: #1b1b1f; --muted: #5c5c66; --line: #d9d9e0; --accent: #3a3aa8; --chip-fg: #ffffff;
  --danger: #b3261e; --step-edge: #ffffff; --shadow: 0 4px 18px rgba(0, 0, 0, 0.18);
  font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  .surface { --bg: #1e1f24; --fg: #ececf1; --muted: #a8a8b3; --line: #3a3b44; --accent: #a9a9ff; --danger: #ffb4ab; --step-edge: #8c8c99; --shadow: 0 4px 18px rgba(0, 0, 0, 0.6); }
}
a { color: var(--accent); text-decoration: none; }
a:hover, a:focus-visible { text-decoration: underline; }
button { font: inherit; color: inherit; cursor: pointer; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.chip { display: inline-block; padding: 0 6px; border-radius: 9px; color: var(--chip-fg); font-size: 11px; font-weight: 600; line-height: 18px; white-space: nowrap; }
.muted { color: var(--muted); }
.row { display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
/* The labels' column takes at most 40 % of the width: a long label ("Factuality (derived from
   the quality score)") wraps rather than push every value out of the 280 px card. */
dl { display: grid; grid-template-columns: fit-content(40%) minmax(0, 1fr); gap: 2px 10px; margin: 8px 0 0; }
dt { color: var(--muted); overflow-wrap: anywhere; }
dd { margin: 0; overflow-wrap: anywhere; }
.flags { color: var(--danger); font-weight: 600; }
.not-rated { margin: 6px 0 0; }
.outlet-page, .story-page { margin: 8px 0 0; }
/* The lean scale: every step in full colour with an edge that shows on dark backgrounds; the
   outlet's step is taller and outlined (not colour alone). */
.scale { display: grid; grid-template-columns: repeat(7, 1fr); gap: 3px; margin: 8px 0 2px; align-items: center; height: 16px; }
.scale span { height: 8px; border-radius: 2px; box-shadow: 0 0 0 1px var(--step-edge); }
.scale span.on { height: 14px; outline: 2px solid var(--fg); outline-offset: 1px; }
.scale-labels { display: flex; justify-content: space-between; font-size: 11px; color: var(--muted); }
/* Forced colours (Windows High Contrast) blank backgrounds and shadows: the lean scale's steps,
   the coverage bar and the tab's dot would vanish, so they keep their colours (the text beside
   them says the same in words). */
.scale span, .bar span, .tab .dot { forced-color-adjust: none; }
`;

export const PANEL_CSS = BASE + `
.tab {
  position: fixed; right: 0; top: 30vh; z-index: 2147483646;
  writing-mode: vertical-rl; padding: 10px 5px; border: 1px solid var(--line); border-right: 0;
  border-radius: 8px 0 0 8px; background: var(--bg); box-shadow: var(--shadow);
  display: flex; gap: 6px; align-items: center; font-weight: 600;
}
.tab .dot { width: 10px; height: 10px; border-radius: 50%; flex: none; }
/* A long outlet name would run the vertical tab down past the window's bottom: the tab is at
   most TAB_MAX_HEIGHT tall (less in a short window, panel.js) and its words end in an ellipsis;
   its accessible name keeps them all. */
.tab { max-height: ${TAB_MAX_HEIGHT}px; }
.tab-label { min-inline-size: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.panel {
  position: fixed; top: 0; right: 0; bottom: 0; width: 360px; z-index: 2147483647;
  overflow-y: auto; overscroll-behavior: contain; padding: 12px 14px 20px;
  border-left: 1px solid var(--line); box-shadow: var(--shadow); background: var(--bg);
}
.panel[hidden], .tab[hidden] { display: none; }
/* Names, titles and addresses from feeds can be one long word (an article without a title shows
   its URL): they wrap anywhere rather than make the panel or card scroll sideways (WCAG 1.4.10). */
.panel, .card { overflow-wrap: anywhere; }
header { display: flex; align-items: center; gap: 6px; margin-bottom: 8px; }
header h2 { font-size: 14px; margin: 0; flex: 1 0 auto; letter-spacing: 0.02em; }
header button { background: none; border: 1px solid var(--line); border-radius: 6px; padding: 2px 8px; }
h3 { font-size: 16px; margin: 4px 0; }
h4 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); margin: 14px 0 6px; }
section + section { border-top: 1px solid var(--line); margin-top: 12px; padding-top: 4px; }
.bar { display: flex; height: 14px; border-radius: 7px; overflow: hidden; background: var(--line); margin: 8px 0 4px; box-shadow: 0 0 0 1px var(--step-edge); }
.bar span { display: block; height: 100%; }
.legend { display: flex; gap: 10px; flex-wrap: wrap; font-size: 12px; }
.notice { padding: 8px 10px; border-radius: 6px; background: color-mix(in srgb, var(--accent) 10%, transparent); margin: 8px 0; }
.notice.error { background: color-mix(in srgb, #d33 14%, transparent); }
.blindspot { font-weight: 600; }
ul { list-style: none; padding: 0; margin: 0; }
li { padding: 6px 0; border-bottom: 1px solid var(--line); }
li .headline { display: block; margin-top: 2px; font-weight: 500; }
footer { margin-top: 14px; font-size: 12px; }
.mix li { display: grid; grid-template-columns: 1fr auto; gap: 0 8px; padding: 3px 0; border-bottom: 0; }
.mix-track { grid-column: 1 / -1; height: 4px; border-radius: 2px; background: var(--line); overflow: hidden; }
.mix-meter { display: block; height: 100%; background: var(--muted); }
/* A story's headline and key point are text from feeds: any length, maybe no spaces. They wrap
   anywhere and are clamped to a few lines (the whole point is on the story page). */
.story-headline { font-weight: 600; margin: 4px 0; overflow-wrap: anywhere; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; line-clamp: 3; overflow: hidden; }
.key-point-text { margin: 6px 0 4px; padding: 0; padding-inline-start: 10px; border-inline-start: 3px solid var(--line); overflow-wrap: anywhere; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 6; line-clamp: 6; overflow: hidden; }
.key-point-source { margin: 0; font-size: 12px; }
.key-point-more { margin: 6px 0 0; }
button.options-link { background: none; border: 0; padding: 0; color: var(--accent); text-decoration: underline; }
.panel[data-mode="overlay"] { box-shadow: -8px 0 24px rgba(0, 0, 0, 0.35); }
`;

export const CARD_CSS = BASE + `
.card {
  position: fixed; z-index: 2147483647; width: 280px; padding: 10px 12px; border-radius: 10px;
  border: 1px solid var(--line); box-shadow: var(--shadow);
  overflow-y: auto; overscroll-behavior: contain;
}
.card[hidden] { display: none; }
.outlet-name { font-weight: 700; font-size: 14px; margin: 0; }
.more { margin-top: 8px; background: none; border: 1px solid var(--line); border-radius: 6px; padding: 2px 8px; }
.hint { margin: 6px 0 0; font-size: 12px; }
`;
