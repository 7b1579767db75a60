// Same-document navigations (pushState, replaceState, back and forward): which the panel follows.
//
// Chromium has the Navigation API: `navigatesuccess` fires after every one of them. Browsers
// without it (Firefox before 147, Firefox ESR 140 and 115, Safari before 26) fire nothing on
// pushState or replaceState: the old article's panel stayed when the reader went on to the next.
// Without it, the address is checked when something suggests it changed: popstate and hashchange,
// the reader's clicks and keys (a router pushes in the handler, or once the next page's data is
// in: checked again a little later), and a change of the document's title (routers set it); and,
// as a bound on what all of these miss, once a second while the tab is visible (a string
// comparison; no timer at all while it is hidden). The worker's
// webNavigation.onHistoryStateUpdated would be exact, but asks for the "webNavigation" permission
// (a warning that the extension reads the browsing history) for what
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
  // (An abort event never comes again: the timer below would run for the life of the tab.)
  if (signal.aborted) return "aborted";
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
  // The timer runs only while the tab is visible: a hidden tab (dozens of them, for days) was
  // woken every second to find nothing to do. Shown again, the address is checked at once: a
  // router that moved on while the tab was in the background is seen without waiting a beat.
  /** @type {ReturnType<typeof setInterval> | 0} */
  let poll = 0;
  const follow = () => {
    const visible = document.visibilityState === "visible";
    if (visible && !poll) {
      check();
      poll = setInterval(check, POLL_MS);
    } else if (!visible && poll) {
      clearInterval(poll);
      poll = 0;
    }
  };
  document.addEventListener("visibilitychange", follow, { signal });
  follow();
  signal.addEventListener("abort", () => {
    clearInterval(poll);
    for (const timer of rechecks) clearTimeout(timer);
    titles.disconnect();
  }, { once: true });
  return "history";
}
