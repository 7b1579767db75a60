// Where the panel and its collapsed tab sit on a page: beside the article, clear of the page's own
// fixed controls (a sign-in bar, a fixed right column), pushing the page aside only when its text
// would run under them, and overlaying only a window too narrow to push.

export const PANEL_WIDTH = 360;
export const GUTTER = 8;
// The panel never opens by itself when the article would be left narrower than this.
export const MIN_AUTO_OPEN_ARTICLE = 600;
// A panel the reader opens pushes the page down to this article width; below it, it overlays.
export const MIN_PUSHED_ARTICLE = 320;
// Fixed boxes ending in the top 40 % of the window are a header band: the panel starts below them;
// boxes starting in the bottom 40 % are a footer band; anything else is a column to dock beside.
const TOP_BAND = 0.4;
const BOTTOM_BAND = 0.6;

/** @typedef {{left: number, top: number, right: number, bottom: number}} Box */
/** @typedef {{top: number, bottom: number, right: number}} Dock */

/**
 * Where a strip `width` wide can sit at the right edge without covering any obstacle: beside
 * fixed columns (docked to their left), between a header band and a footer band.
 * @param {number} viewWidth @param {number} viewHeight @param {Box[]} obstacles @param {number} width
 * @returns {Dock & {clear: boolean}}
 */
export function dock(viewWidth, viewHeight, obstacles, width) {
  let right = 0;
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const left = viewWidth - right - width;
    const hits = obstacles.filter((box) => box.right > left && box.left < viewWidth - right && box.bottom > 0 && box.top < viewHeight);
    const columns = hits.filter((box) => box.bottom > viewHeight * TOP_BAND && box.top < viewHeight * BOTTOM_BAND);
    if (columns.length === 0) {
      const top = Math.max(0, ...hits.filter((box) => box.bottom <= viewHeight * TOP_BAND).map((box) => box.bottom + GUTTER));
      const bottom = Math.max(0, ...hits.filter((box) => box.top >= viewHeight * BOTTOM_BAND).map((box) => viewHeight - box.top + GUTTER));
      return { top, bottom, right, clear: true };
    }
    right = viewWidth - Math.min(...columns.map((box) => box.left)) + GUTTER;
    if (right + width > viewWidth) break; // no room left of the column
  }
  // Nowhere clear: the right edge, below any header band, is the least bad place.
  const top = Math.max(0, ...obstacles.filter((box) => box.right > viewWidth - width && box.bottom <= viewHeight * TOP_BAND).map((box) => box.bottom + GUTTER));
  return { top, bottom: 0, right: 0, clear: false };
}

/**
 * The plan for a page, from plain numbers (so node --test can check it).
 * @param {{width: number, height: number, obstacles: Box[], text: {left: number, right: number}, tab: {width: number, height: number}}} page
 *   `text` is where the article's text runs with the page unpushed; `tab` the collapsed tab's size.
 */
export function planPlacement({ width, height, obstacles, text, tab }) {
  const panelWidth = Math.min(PANEL_WIDTH, width - 40);
  const panelDock = dock(width, height, obstacles, panelWidth);
  const panelLeft = width - panelDock.right - panelWidth;
  const room = panelLeft - GUTTER; // what the page keeps on the left of the panel
  const textWidth = Math.max(0, text.right - text.left);
  // Pushing narrows the page: a centred article loses its margins first, then its width.
  const articleAfter = Math.min(textWidth, room - Math.min(Math.max(text.left, 0), 24));
  let mode = "beside";
  if (text.right > room) mode = articleAfter >= MIN_PUSHED_ARTICLE ? "push" : "overlay";
  const autoOpen = mode === "beside" || (mode === "push" && articleAfter >= MIN_AUTO_OPEN_ARTICLE);

  const tabDock = dock(width, height, obstacles, tab.width);
  const tabTop = Math.min(Math.max(Math.round(height * 0.3), tabDock.top), Math.max(tabDock.top, height - tabDock.bottom - tab.height));
  const tabLeft = width - tabDock.right - tab.width;
  // The tab keeps a gutter of its own rather than sit over the text (narrow windows).
  const tabPush = text.right > tabLeft - 2 && text.right - (tabLeft - 2) <= tab.width + 16 ? Math.ceil(text.right - (tabLeft - 2)) : 0;
  return {
    panel: { top: panelDock.top, bottom: panelDock.bottom, right: panelDock.right, width: panelWidth, left: panelLeft, mode, room },
    tab: { top: tabTop, right: tabDock.right, left: tabLeft, push: tabPush },
    autoOpen,
  };
}

const OWN_HOSTS = /^PARALLAX-/;
// Bounded work on any page. A page nesting 8,000 boxes over the right strip made each layout
// (mount, open, every resize frame) cost ~500 ms: each of ~440 hit tests walks the deep tree
// (1,776 ms for 440 elementsFromPoint there, against a 14 ms resize without the panel), and we
// then walked 8,000 hits at each point. The probing stops after FIXED_PROBE_BUDGET_MS (the top and
// bottom rows first, then a grid refined over the whole height: see probeRows); of what lies under a point, the topmost few elements
// are looked at, each up through at most MAX_ANCESTORS ancestors (a fixed control sits at or just
// above what is hit, and the hit's ancestors come next in the list).
export const FIXED_PROBE_BUDGET_MS = 40;
const MAX_HITS_PER_POINT = 12;
const MAX_ANCESTORS = 40;

/**
 * The rows probed for fixed controls, every 20 px, in the order they are probed: the top and bottom
 * rows (header and footer bands), then the middle of each gap, halving until every row is done.
 * Rows top down ran out of budget on a slow or loaded machine (80 hit tests: down to y = 180) and a
 * footer band, a cookie bar, went unseen, the panel over it, on some runs and not others; a budget
 * cut now leaves a coarser grid over the whole height.
 * @param {number} height
 */
export function probeRows(height) {
  const rows = [];
  for (let y = 4; y < height; y += 20) rows.push(y);
  if (rows.length < 3) return rows;
  const order = [rows[0], rows[rows.length - 1]];
  let gaps = [[0, rows.length - 1]];
  while (gaps.length) {
    const next = [];
    for (const [low, high] of gaps) {
      if (high - low < 2) continue;
      const middle = (low + high) >> 1;
      order.push(rows[middle]);
      next.push([low, middle], [middle, high]);
    }
    gaps = next;
  }
  return order;
}

/**
 * The page's own fixed and sticky boxes near the right edge, found by hit-testing a grid over the
 * panel's strip (cheap: no walk over every element of a large page).
 * @param {Window} win @param {Document} doc
 * @returns {Box[]}
 */
export function fixedObstacles(win, doc) {
  const width = win.innerWidth;
  const height = win.innerHeight;
  /** @type {Map<Element, Box>} */
  const found = new Map();
  const seen = new Set();
  const clock = win.performance ?? performance;
  const deadline = clock.now() + FIXED_PROBE_BUDGET_MS;
  for (const y of probeRows(height)) {
    for (let x = width - 3; x > width - PANEL_WIDTH - 40 && x > 0; x -= 36) {
      if (clock.now() > deadline) return [...found.values()];
      const hits = doc.elementsFromPoint(x, y);
      for (let i = 0, looked = 0; i < hits.length && looked < MAX_HITS_PER_POINT; i += 1) {
        const hit = hits[i];
        if (OWN_HOSTS.test(hit.tagName)) continue; // (our tab and panel: what is under them counts)
        looked += 1;
        let steps = 0;
        for (let node = hit; node && node !== doc.body && node !== doc.documentElement && steps < MAX_ANCESTORS; node = node.parentElement, steps += 1) {
          if (seen.has(node)) break;
          seen.add(node);
          if (OWN_HOSTS.test(node.tagName)) break;
          const style = win.getComputedStyle(node);
          if (style.position !== "fixed" && style.position !== "sticky") continue;
          const rect = node.getBoundingClientRect();
          const visible = rect.width > 0 && rect.height > 0 && style.visibility !== "hidden" && Number(style.opacity) > 0;
          // A box over (nearly) the whole window is a dialog or an app shell, not a control to avoid.
          const wholeWindow = rect.width >= width * 0.9 && rect.height >= height * 0.9;
          if (visible && !wholeWindow) found.set(node, { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom });
          break;
        }
      }
    }
  }
  return [...found.values()];
}

/**
 * Where the article's text runs: the content boxes of its text blocks (not its padding), else of
 * the article, main element or body.
 * @param {Window} win @param {Document} doc
 */
export function textExtent(win, doc) {
  const article = doc.querySelector("article, [itemprop='articleBody'], main") ?? doc.body;
  if (!article) return { left: 0, right: 0 };
  let left = Infinity;
  let right = -Infinity;
  const blocks = article.querySelectorAll("p, h1, h2, h3, h4, li, blockquote, figcaption, pre, dd");
  for (let i = 0; i < blocks.length && i < 120; i += 1) {
    const box = contentBox(win, blocks[i]);
    if (box.right - box.left < 1) continue;
    left = Math.min(left, box.left);
    right = Math.max(right, box.right);
  }
  return Number.isFinite(right) ? { left, right } : contentBox(win, article);
}

/** @param {Window} win @param {Element} element */
function contentBox(win, element) {
  const rect = element.getBoundingClientRect();
  const style = win.getComputedStyle(element);
  const px = (value) => Number.parseFloat(value) || 0;
  return {
    left: rect.left + px(style.borderLeftWidth) + px(style.paddingLeft),
    right: rect.right - px(style.borderRightWidth) - px(style.paddingRight),
  };
}

/**
 * Push the page's content left by setting the root's right margin, measuring until the text ends
 * at `limit` (a centred article moves by half of what it is pushed, a fluid one by all of it).
 * Returns the margin used, to undo with `margin(original)`.
 * @param {Window} win @param {Document} doc @param {number} limit the text's rightmost allowed x
 * @param {number} maxPush
 */
export function pushUntil(win, doc, limit, maxPush) {
  const root = doc.documentElement;
  // On top of whatever right margin the page gives its root itself.
  const base = Number.parseFloat(win.getComputedStyle(root).marginRight) || 0;
  let push = 0;
  let over = textExtent(win, doc).right - limit;
  let ratio = 1;
  for (let attempt = 0; attempt < 5 && over > 0.5 && push < maxPush; attempt += 1) {
    const step = Math.min(maxPush - push, Math.ceil(over / ratio));
    push += step;
    root.style.setProperty("margin-right", `${base + push}px`, "important");
    const next = textExtent(win, doc).right - limit;
    const moved = over - next;
    if (moved <= 0.5) {
      // The text does not move with the page (a fixed-width layout): pushing would not help.
      push -= step;
      root.style.setProperty("margin-right", `${base + push}px`, "important");
      break;
    }
    ratio = Math.min(1, Math.max(0.25, moved / step));
    over = next;
  }
  return push;
}
