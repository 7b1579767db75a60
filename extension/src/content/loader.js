// Classic content script whose one job is to import the ES-module content code (MV3 cannot declare module content scripts).
(() => {
  const startedAt = performance.now();
  const api = globalThis.browser ?? globalThis.chrome;
  import(api.runtime.getURL("src/content/main.js"))
    .then((module) => module.start(startedAt))
    .catch((error) => {
      // A broken extension must never break the page; say why once, quietly.
      console.debug("Parallax could not start on this page:", error);
    });
})();
