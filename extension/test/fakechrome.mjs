// An in-memory stand-in for the chrome.* APIs the service worker and the settings use, so
// node --test can run background.js's message handlers against a local server.

export function fakeChrome({ id = "parallax-test", local = {} } = {}) {
  const listeners = {};
  const event = (name) => ({ addListener: (fn) => { (listeners[name] ??= []).push(fn); }, removeListener() {} });
  const area = (data) => ({
    data,
    async get(keys) {
      const names = keys === null || keys === undefined ? Object.keys(data) : Array.isArray(keys) ? keys : [keys];
      return Object.fromEntries(names.filter((k) => Object.hasOwn(data, k)).map((k) => [k, structuredClone(data[k])]));
    },
    async set(items) { Object.assign(data, structuredClone(items)); },
    async remove(key) { delete data[key]; },
  });
  const chrome = {
    listeners,
    runtime: {
      id,
      getURL: (path) => `chrome-extension://${id}/${path}`,
      onMessage: event("onMessage"), onInstalled: event("onInstalled"), onStartup: event("onStartup"),
      openOptionsPage: async () => {},
    },
    alarms: { onAlarm: event("onAlarm"), create: async () => {} },
    storage: { onChanged: event("onChanged"), local: area({ ...local }), session: area({}) },
    tabs: { onRemoved: event("onRemoved"), create: async () => {} },
    action: { setBadgeText: async () => {}, setTitle: async () => {}, setBadgeBackgroundColor: async () => {}, setBadgeTextColor: async () => {} },
  };
  return chrome;
}

/** Sends `message` to the worker's onMessage listener as `sender` and resolves with its reply. */
export function ask(chrome, message, sender) {
  return new Promise((resolve) => {
    const listener = chrome.listeners.onMessage[0];
    const async = listener(message, sender, resolve);
    if (async !== true) setTimeout(() => resolve(undefined), 0);
  });
}
