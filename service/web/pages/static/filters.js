// Filters a story's articles by side and factuality in place, without reloading. Optional: the
// form works without it (the server filters the same way from ?side= and ?factuality=).
"use strict";
(function () {
  const form = document.querySelector("[data-filter-form]");
  if (!form) return;
  const side = form.elements.namedItem("side");
  const factuality = form.elements.namedItem("factuality");
  const status = document.querySelector("[data-filter-status]");
  const empty = document.querySelector("[data-filter-empty]");
  const apply = () => {
    let shown = 0;
    let total = 0;
    for (const group of document.querySelectorAll("[data-side-group]")) {
      let inGroup = 0;
      for (const item of group.querySelectorAll("[data-side]")) {
        const keep = (!side.value || item.dataset.side === side.value) &&
          (!factuality.value || item.dataset.factuality === factuality.value);
        item.hidden = !keep;
        total += 1;
        if (keep) inGroup += 1;
      }
      group.hidden = inGroup === 0;
      shown += inGroup;
    }
    if (empty) empty.hidden = shown > 0;
    if (status) {
      status.textContent = side.value || factuality.value ? `Showing ${shown} of ${total} articles.` : "";
    }
    const url = new URL(window.location.href);
    for (const [name, field] of [["side", side], ["factuality", factuality]]) {
      if (field.value) url.searchParams.set(name, field.value);
      else url.searchParams.delete(name);
    }
    window.history.replaceState(null, "", url);
  };
  side.addEventListener("change", apply);
  factuality.addEventListener("change", apply);
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
})();
