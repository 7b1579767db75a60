// Same-document navigations (pushState, replaceState, back and forward): which the panel follows.
//
// Chromium has the Navigation API: `navigatesuccess` fires after every one of them. Browsers
// without it (Firefox before 147, Firefox ESR 140 and 115, Safari before 26) fire nothing on
// pushState or replaceState: the old article's panel stayed when the reader went on to the next.
// Without it, the address is checked when something suggests it changed: popstate and hashchange,
// the reader's clicks and keys (a router pushes in the handler, or once the next page's data is
// in: checked again a little later), and a change of the document's title (routers set it); and,
// as a bound on what all of these miss, once a second while the tab is visible (a string
// comparison). The worker's webNavigation.onHistoryStateUpdated would be exact, but asks for the
// "webNavigation" permission (a warning that the extension reads the browsing history) for what
// the content script can see itself.

// How often the address is compared with the one last seen, without the Navigation API.
export const POLL_MS = 1000;
// After a click or key, when to look again (a router that pushes once its fetch is done).
export const RECHECK_MS = [0, 150, 600];

/**
 * Calls `onChange` after each same-document navigation, until `signal` aborts. `navigation` is
 * the browser's Navigation API object, or null to follow history without it (as in Firefox).
 * `onChange` may be called when nothing changed (popstate to the same address): it compares.
 * @param {() => void} onChange
 * @param {{signal: AbortSignal, navigation?: any}} options
 */
export function watchNavigation(onChange, { signal, navigation = globalThis.navigation ?? null }) {
  // popstate: back and forward, and the routers that dispatch it themselves after a pushState.
  window.addEventListener("popstate", onChange, { signal });
  if (navigation && typeof navigation.addEventListener === "function") {
    navigation.addEventListener("navigatesuccess", onChange, { signal });
    return "navigation";
  }
  let seen = location.href;
  const check = () => {
    if (signal.aborted || location.href === seen) return;
    seen = location.href;
    onChange();
  };
  window.addEventListener("hashchange", check, { signal });
  /** @type {ReturnType<typeof setTimeout>[]} */
  let rechecks = [];
  const soon = () => {
    for (const timer of rechecks) clearTimeout(timer);
    rechecks = RECHECK_MS.map((delay) => setTimeout(check, delay));
  };
  // Capture, passive: seen before the page's own handlers can stop the event, and never delayed.
  document.addEventListener("click", soon, { capture: true, passive: true, signal });
  document.addEventListener("keyup", soon, { capture: true, passive: true, signal });
  const titles = new MutationObserver(check);
  titles.observe(document.head ?? document.documentElement, { childList: true, subtree: true, characterData: true });
  const poll = setInterval(() => {
    if (document.visibilityState === "visible") check();
  }, POLL_MS);
  signal.addEventListener("abort", () => {
    clearInterval(poll);
    for (const timer of rechecks) clearTimeout(timer);
    titles.disconnect();
  }, { once: true });
  return "history";
}
