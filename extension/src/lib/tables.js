// Which ratings table the extension uses: the one built into the package or the service's, whichever
// is fresher. Pure: no extension APIs, so node --test runs it as-is.

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Whether `doc` is a ratings export the resolver can use (the body of `parallax ratings export`).
 * @param {any} doc
 */
export function isExport(doc) {
  return Boolean(doc) && typeof doc === "object" && Array.isArray(doc.outlets) && Array.isArray(doc.fields) && doc.fields.includes("id");
}

/**
 * The table as kept in chrome.storage.local: JSON text (reading one string back is several times
 * faster than a structure of 14,000 rows, and it is read on every page's first hover), or an
 * object as stored by earlier versions. Null for anything that is not an export.
 * @param {unknown} stored
 */
export function parseStoredTable(stored) {
  let doc = stored;
  if (typeof stored === "string") {
    try {
      doc = JSON.parse(stored);
    } catch {
      return null;
    }
  }
  return isExport(doc) ? doc : null;
}

/**
 * What identifies a table: its version (a digest of the rating files), its date (the newest review
 * in it, YYYY-MM-DD, or "" when the export has none) and its size.
 * @param {any} doc
 * @returns {{version: string, date: string, count: number}}
 */
export function tableInfo(doc) {
  const date = typeof doc?.date === "string" && DATE_RE.test(doc.date) ? doc.date : "";
  const version = typeof doc?.version === "string" || typeof doc?.version === "number" ? String(doc.version) : "";
  return { version, date, count: Array.isArray(doc?.outlets) ? doc.outlets.length : 0 };
}

/**
 * Whether the service's table should be used instead of the package's.
 * "same": the same version, so the same table; "service": the service's is newer, or as new (it
 * may carry ratings its operator imported); "package": the package's is newer, as after the
 * extension updated while the service still runs an older release.
 * @param {{version: string, date: string}} offered the service's table
 * @param {{version: string, date: string} | null | undefined} packaged the package's, if it has one
 * @returns {"same" | "service" | "package"}
 */
export function chooseTable(offered, packaged) {
  if (!packaged) return "service";
  if (offered.version && offered.version === packaged.version) return "same";
  // ISO dates compare as strings; a table without a date counts as older than any dated one.
  return offered.date >= packaged.date ? "service" : "package";
}

/**
 * One line for the options page: which table is in use and why.
 * @param {any} meta the worker's ratingsMeta
 */
export function describeTable(meta) {
  if (!meta?.version) {
    return meta?.packagedMissing
      ? "No ratings table yet: this copy of the extension was built without one (run `make extension-ratings`), and no service is connected."
      : "Loading the ratings table…";
  }
  const count = `${Number(meta.count ?? 0).toLocaleString("en")} outlets`;
  const dated = meta.date ? `, reviewed up to ${meta.date}` : "";
  const which = meta.source === "service"
    ? `the table from your Parallax service (version ${meta.version}${dated}, ${count})`
    : `the table built into the extension (version ${meta.version}${dated}, ${count})`;
  let why = "";
  if (meta.source === "service") why = " It is newer than the built-in one.";
  else if (meta.service?.version && meta.service.version === meta.version) why = " Your service has the same table.";
  else if (meta.service?.version) why = ` Your service's table (${meta.service.date || "undated"}) is older, so the built-in one is kept.`;
  return `Using ${which}.${why}`;
}
