// Connecting a Parallax service, shared by the welcome page and the options: the address, a test
// button, what will be sent, connect and disconnect. Without a service nothing is sent anywhere.

import { h } from "../lib/dom.js";
import { api, hasService, loadSettings, normaliseServiceUrl, saveSettings, SUGGESTED_SERVICE_URL } from "../lib/settings.js";

// What PRIVACY.md says leaves the browser once a service is set, in the reader's words.
export const SENT_WHEN_CONNECTED = [
  "the address of each article page you open while the panel is on, without its #fragment and tracking parameters, to find the story's coverage;",
  "if the service does not know that story yet, the page's headline, description and date from its metadata;",
  "once a day, a request for the ratings table (nothing about you).",
];
export const NEVER_SENT = "Never sent: the links you hover, pages that are not articles, cookies or passwords. Nothing goes to anyone but the service you set.";
// Firefox asks the reader's consent for these before data leaves (manifest data_collection_permissions).
const DATA_COLLECTION = ["browsingActivity", "websiteContent"];

// Chromium now has a `browser` namespace too; the extension's own URL scheme tells them apart.
const isFirefox = api.runtime.getURL("").startsWith("moz-extension:");

/** permissions.request that answers false instead of throwing (some throw synchronously). @param {any} wanted */
function ask(wanted) {
  try {
    return Promise.resolve(api.permissions.request(wanted));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Ask for what reaching `origin` needs; must run inside the click, before any await.
 * @param {string} origin
 */
function requestAccess(origin) {
  const wanted = { origins: [`${origin}/*`] };
  if (!isFirefox) return ask(wanted).catch(() => false);
  return ask({ ...wanted, data_collection: DATA_COLLECTION })
    // Firefox before 142 does not know data_collection in requests; the host is still asked for.
    .catch(() => ask(wanted))
    .catch(() => false);
}

/** A link to the packaged PRIVACY.md (an extension URL, which h() rightly refuses for data). */
export function privacyLink() {
  const link = h("a", { target: "_blank", text: "Privacy in full" });
  link.href = api.runtime.getURL("PRIVACY.md");
  return link;
}

/**
 * The "Coverage from a Parallax service" section, wired to storage and the worker.
 * @param {{headingLevel?: string, onChange?: (serviceUrl: string) => void}} [options]
 */
export function serviceSection({ headingLevel = "h2", onChange = () => {} } = {}) {
  const state = h("p", { id: "service-state", role: "status" });
  const input = h("input", {
    id: "service-url", name: "serviceUrl", type: "url", inputmode: "url", autocomplete: "off", spellcheck: "false",
    placeholder: SUGGESTED_SERVICE_URL, "aria-describedby": "service-help service-error",
  });
  const error = h("p", { id: "service-error", class: "error", role: "alert", hidden: true });
  const result = h("p", { id: "service-result", class: "muted", role: "status" });
  const test = h("button", { type: "button", id: "test-service", text: "Test" });
  const connect = h("button", { type: "button", id: "connect-service", class: "primary", text: "Connect" });
  const disconnect = h("button", { type: "button", id: "disconnect-service", text: "Use no service" });
  const sent = h("ul", { id: "service-sent" }, ...SENT_WHEN_CONNECTED.map((line) => h("li", { text: line })));
  const section = h("section", { id: "service-section", "aria-labelledby": "service-heading" },
    h(headingLevel, { id: "service-heading", text: "Coverage from a Parallax service (optional)" }),
    state,
    h("p", { id: "service-help", class: "muted" },
      "Ratings work without one. A Parallax service adds the story's coverage across the spectrum: run your own (",
      h("code", { text: "parallax serve" }), `, usually at ${SUGGESTED_SERVICE_URL}) or use one you trust.`),
    h("label", { for: "service-url", text: "Service address" }),
    input,
    h("p", { class: "sent-heading", text: "Once connected, the extension sends that service, and only it:" }),
    sent,
    h("p", { class: "muted", text: NEVER_SENT }, " ", privacyLink()),
    h("p", { class: "buttons" }, test, " ", connect, " ", disconnect),
    error,
    result);

  function showState(serviceUrl) {
    state.textContent = serviceUrl
      ? `Connected to ${serviceUrl}: ratings, hover cards and the story's coverage.`
      : "Standalone: ratings and hover cards from the table built into the extension. Nothing is sent anywhere.";
    state.className = serviceUrl ? "state connected" : "state standalone";
    disconnect.hidden = !serviceUrl;
  }

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
    result.textContent = "";
    input.focus();
  }

  /** The typed address, normalised, or null after saying what to fix. */
  function address() {
    error.hidden = true;
    result.textContent = "";
    try {
      return normaliseServiceUrl(input.value || SUGGESTED_SERVICE_URL);
    } catch (problem) {
      fail(problem.message);
      return null;
    }
  }

  // Each press supersedes those before it: a slow service's late answer to an earlier Connect
  // saved its address after the reader had connected another one or chosen no service (and the
  // extension then sent that service every article's address).
  let pressed = 0;

  /**
   * Permission first (inside the click), then one GET /version through the worker; null when
   * it failed (said) or a later press superseded this one (`press`).
   * @param {string} serviceUrl @param {number} press
   */
  async function reach(serviceUrl, press) {
    const granted = await requestAccess(new URL(serviceUrl).origin);
    if (press !== pressed) return null;
    if (!granted) {
      fail(`Parallax needs your permission to reach ${new URL(serviceUrl).origin}; allow it to use this service.`);
      return null;
    }
    result.textContent = `Testing ${serviceUrl}…`;
    const reply = await api.runtime.sendMessage({ type: "testService", url: serviceUrl });
    if (press !== pressed) return null;
    if (!reply?.ok) {
      fail(reply?.error?.message ?? "The service could not be tested.");
      return null;
    }
    return reply;
  }

  /** "Parallax 1.2", or "Parallax" for a service that gives no version. @param {unknown} version */
  const named = (version) => (typeof version === "string" && version ? `Parallax ${version}` : "Parallax");

  test.addEventListener("click", async () => {
    const press = ++pressed;
    const serviceUrl = address();
    if (!serviceUrl) return;
    const reply = await reach(serviceUrl, press);
    if (reply) {
      const rated = typeof reply.outlets === "number" ? `: ${reply.outlets.toLocaleString("en")} outlets rated` : "";
      result.textContent = `Reached ${named(reply.version)} at ${reply.serviceUrl}${rated}. Press Connect to use it.`;
    }
  });

  connect.addEventListener("click", async () => {
    const press = ++pressed;
    const serviceUrl = address();
    if (!serviceUrl) return;
    const reply = await reach(serviceUrl, press);
    if (!reply) return;
    await saveSettings({ serviceUrl });
    input.value = serviceUrl;
    showState(serviceUrl);
    result.textContent = `Connected to ${named(reply.version)} at ${serviceUrl}. The panel now shows each story's coverage.`;
    onChange(serviceUrl);
  });

  disconnect.addEventListener("click", async () => {
    pressed += 1;
    error.hidden = true;
    await saveSettings({ serviceUrl: "" });
    showState("");
    result.textContent = "No service: nothing is sent anywhere. Ratings keep working from the built-in table.";
    onChange("");
  });

  loadSettings().then((settings) => {
    input.value = settings.serviceUrl;
    showState(hasService(settings) ? settings.serviceUrl : "");
  });
  return section;
}
