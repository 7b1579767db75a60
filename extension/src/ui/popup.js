// The toolbar popup: the current tab's outlet and story summary, and a way to the options.

import { clear, h } from "../lib/dom.js";
import { api, badgeSiteChange, badgesOn, loadSettings, saveSettings } from "../lib/settings.js";
import { outletDetails, storySummary } from "../lib/views.js";

const content = /** @type {HTMLElement} */ (document.getElementById("content"));

/**
 * A button that switches Parallax off on the tab's site, at once and for the future.
 * @param {string} url @param {number} tabId
 */
function turnOffButton(url, tabId) {
  let site;
  try {
    site = new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return null;
  }
  const button = h("button", { type: "button", id: "turn-off", text: `Turn off on ${site}` });
  button.addEventListener("click", async () => {
    const { disabledSites } = await loadSettings();
    await saveSettings({ disabledSites: [...new Set([...disabledSites, site])] });
    await api.action.setBadgeText({ tabId, text: "" });
    button.replaceWith(h("p", { class: "muted", text: `Parallax is off on ${site}. Undo it in the options.` }));
  });
  return button;
}

/**
 * The switch for dots after news links on the tab's site; the page follows it at once.
 * @param {string} url
 */
function badgeSwitch(url) {
  let site;
  try {
    const parsed = new URL(url);
    if (!/^https?:$/.test(parsed.protocol)) return null;
    site = parsed.hostname.replace(/^www\./, "");
  } catch {
    return null;
  }
  // Disabled until the stored setting is read: a click before that would be overwritten by it.
  const box = h("input", { type: "checkbox", id: "badge-site", disabled: true });
  const label = h("label", { class: "check", for: "badge-site" }, box, ` Dots after news links on ${site}`);
  loadSettings().then((settings) => {
    box.checked = badgesOn(settings, site);
    box.disabled = false;
  });
  box.addEventListener("change", async () => {
    const settings = await loadSettings();
    await saveSettings(badgeSiteChange(settings, site, box.checked));
  });
  return h("div", { class: "badge-site" }, label);
}

/**
 * @param {any} state what the worker stored for this tab @param {number | null} [tabId]
 * @param {string} [serviceUrl] where the outlet and story pages live
 */
export function renderState(state, tabId = null, serviceUrl = "") {
  clear(content);
  if (!state || (!state.outlet && !state.isNews)) {
    content.append(h("p", { class: "muted", text: "This page is not a news site Parallax knows." }));
    if (state?.url) content.append(badgeSwitch(state.url) ?? "");
    return;
  }
  if (state.outlet) {
    content.append(outletDetails(state.outlet, { heading: "h2", serviceUrl }));
  } else {
    content.append(h("p", { class: "notice", text: "A news site Parallax has not rated yet." }));
  }
  if (state.noService) {
    // Standalone: the rating above is from the built-in table; coverage needs a service.
    content.append(h("p", { class: "muted no-service", text: "Related coverage needs a Parallax service; connect one in the options." }));
  } else if (state.error) {
    content.append(h("p", { class: "notice error", text: String(state.error.message ?? "The service could not be reached.") }));
  } else if (state.story) {
    content.append(h("h2", { text: "This story" }), storySummary(state.story, { articles: false, serviceUrl }));
  } else if (state.isNews && !state.scored) {
    content.append(h("p", { class: "muted looking", text: "Looking for other coverage of this story…" }));
  } else if (state.isNews) {
    content.append(h("p", { class: "muted", text: "No other coverage of this story found yet." }));
  }
  if (state.url) content.append(badgeSwitch(state.url) ?? "");
  if (state.url && tabId !== null) content.append(turnOffButton(state.url, tabId) ?? "");
}

async function main() {
  document.getElementById("open-options")?.addEventListener("click", () => {
    api.runtime.openOptionsPage();
    window.close();
  });
  // Tests and screenshots open the popup as a page and name the tab it describes.
  const forced = Number(new URLSearchParams(location.search).get("tab"));
  let tabId = Number.isInteger(forced) && forced > 0 ? forced : null;
  if (tabId === null) {
    const [tab] = await api.tabs.query({ active: true, currentWindow: true });
    tabId = tab?.id ?? null;
  }
  if (tabId === null) {
    renderState(null);
    return;
  }
  const { serviceUrl } = await loadSettings();
  const reply = await api.runtime.sendMessage({ type: "getTabState", tabId });
  const service = Boolean(serviceUrl);
  const state = reply?.state ? { ...reply.state, noService: !service } : null;
  renderState(state, tabId, serviceUrl);
  if (!service) return;
  // With the panel off nobody asked the service about this page yet; opening the popup is the
  // reader asking, for this one page.
  if (state?.isNews && !state.scored && state.url) {
    const scored = await api.runtime.sendMessage({ type: "score", url: state.url, tabId });
    renderState({ ...state, scored: true, ...(scored?.ok ? { outlet: scored.data?.outlet ?? state.outlet, story: scored.data?.story ?? null } : { error: scored?.error }) }, tabId, serviceUrl);
  }
}

main();
