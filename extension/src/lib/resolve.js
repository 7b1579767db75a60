// Resolve any URL a reader meets to the rated outlet behind it, locally, mirroring service/urls.py
// and service/ratings.py. Pure: no DOM, no extension APIs, so node --test runs it as-is.

export const MAX_URL_LENGTH = 4096;
const MAX_UNWRAP_DEPTH = 5;

// Query parameters that only track the reader; they never change which article is meant.
const TRACKING_PARAMS = new Set([
  "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
  "mc_cid", "mc_eid", "ocid", "igshid", "igsh", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
  "cmpid", "smid", "smtyp", "ncid", "soc_src", "soc_trk", "sr_share", "at_medium", "at_campaign",
  "guccounter", "guce_referrer", "guce_referrer_sig", "__twitter_impression", "s_cid", "spm",
]);
const TRACKING_PREFIXES = ["utm_", "pk_", "mtm_", "at_"];

export class URLInputError extends Error {
  /** @param {string} message what the person must fix */
  constructor(message) {
    super(message);
    this.name = "URLInputError";
  }
}

function isTrackingParam(name) {
  const lower = name.toLowerCase();
  return TRACKING_PARAMS.has(lower) || TRACKING_PREFIXES.some((p) => lower.startsWith(p));
}

/**
 * Turn what a person typed or a link's href into an absolute http(s) URL object, or throw.
 * @param {string} text
 * @returns {URL}
 */
export function parseInput(text) {
  if (typeof text !== "string") throw new URLInputError("Give the URL as text.");
  const trimmed = text.trim();
  if (!trimmed) throw new URLInputError("The URL is empty: paste the article's address.");
  if (trimmed.length > MAX_URL_LENGTH) {
    throw new URLInputError(`The URL is longer than ${MAX_URL_LENGTH} characters; paste the article's own address.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new URLInputError("The URL contains control characters (tabs, newlines or similar); remove them.");
  }
  if (/\s/.test(trimmed)) {
    throw new URLInputError("The URL contains spaces; encode them as %20 or remove them.");
  }
  let candidate = trimmed;
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed);
  if (trimmed.startsWith("//")) {
    candidate = "https:" + trimmed;
  } else if (schemeMatch && /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(trimmed)) {
    const scheme = schemeMatch[1].toLowerCase();
    if (scheme !== "http" && scheme !== "https") {
      throw new URLInputError(`Only http and https addresses can be rated, not ${scheme}:.`);
    }
  } else if (schemeMatch && !/^[^/?#]*\.[^/?#]*:\d/.test(trimmed) && !/^[^/?#:]+:\d+(?:[/?#]|$)/.test(trimmed)) {
    // "javascript:…", "mailto:…", "data:…": a scheme, not a host with a port.
    throw new URLInputError(`Only http and https addresses can be rated, not ${schemeMatch[1].toLowerCase()}:.`);
  } else {
    candidate = "https://" + trimmed;
  }
  let url;
  try {
    url = new URL(candidate);
  } catch {
    throw new URLInputError("This is not a valid web address; check the host name and the port.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new URLInputError(`Only http and https addresses can be rated, not ${url.protocol}.`);
  }
  const host = url.hostname.replace(/\.$/, "");
  if (!host) throw new URLInputError("The URL has no host name; it should look like https://example.com/story.");
  if (url.port === "0") throw new URLInputError("Port 0 is not a valid port; remove it or use the site's real port.");
  if (!host.includes(".") && !host.startsWith("[")) {
    throw new URLInputError(`"${host}" is not a public host name; give the full domain, such as nytimes.com.`);
  }
  return url;
}

function decodeBase64Url(text) {
  const normal = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = normal + "=".repeat((4 - (normal.length % 4)) % 4);
  try {
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

// news.google.com/articles/CBMi… is a protobuf: field 1 = 0x13, then field 4 (0x22) = the URL.
function googleNewsTarget(id) {
  const bytes = decodeBase64Url(id.split("?")[0]);
  if (!bytes || bytes.length < 4 || bytes[0] !== 0x08 || bytes[2] !== 0x22) return null;
  let length = 0;
  let shift = 0;
  let i = 3;
  for (; i < bytes.length && i < 8; i += 1) {
    length |= (bytes[i] & 0x7f) << shift;
    shift += 7;
    if ((bytes[i] & 0x80) === 0) { i += 1; break; }
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.slice(i, i + length));
  return /^https?:\/\//.test(text) ? text : null;
}

function bingTarget(u) {
  if (!u || !u.startsWith("a1")) return null;
  const bytes = decodeBase64Url(u.slice(2));
  if (!bytes) return null;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return /^https?:\/\//.test(text) ? text : null;
}

function hostPathTarget(scheme, rest) {
  // "HOST/PATH?query" taken from an AMP viewer or cache path.
  return rest && rest.includes(".") ? `${scheme}://${rest}` : null;
}

/**
 * One level of redirect-wrapper unwrapping; returns the wrapped URL text or null.
 * @param {URL} url
 * @returns {string | null}
 */
export function unwrapOnce(url) {
  const host = url.hostname.replace(/\.$/, "").replace(/^www\./, "");
  const params = url.searchParams;
  const pathAndQuery = url.pathname + url.search;
  if (/^google\.[a-z]{2,3}(\.[a-z]{2})?$/.test(host)) {
    if (url.pathname === "/url") return params.get("q") || params.get("url");
    const amp = /^\/amp\/(s\/)?(.+)$/.exec(pathAndQuery);
    if (amp) return hostPathTarget(amp[1] ? "https" : "http", amp[2]);
    return null;
  }
  if (host === "news.google.com") {
    const article = /^\/(?:rss\/)?articles\/([A-Za-z0-9_-]+)/.exec(url.pathname);
    return article ? googleNewsTarget(article[1]) : null;
  }
  if (host.endsWith(".cdn.ampproject.org") || host === "cdn.ampproject.org") {
    const amp = /^\/[cvi]\/(s\/)?(.+)$/.exec(pathAndQuery);
    return amp ? hostPathTarget(amp[1] ? "https" : "http", amp[2]) : null;
  }
  if (host === "l.facebook.com" || host === "lm.facebook.com") {
    return url.pathname === "/l.php" ? params.get("u") : null;
  }
  if (host === "out.reddit.com") return params.get("url");
  if (host === "bing.com" && url.pathname === "/ck/a") return bingTarget(params.get("u"));
  return null;
}

/**
 * The canonical form of an already-unwrapped URL: lower-case host, no trailing dot, no default
 * port, no fragment, no userinfo, no tracking parameters.
 * @param {URL} url
 * @returns {string}
 */
export function canonicalize(url) {
  const out = new URL(url.href);
  out.hash = "";
  out.username = "";
  out.password = "";
  out.hostname = out.hostname.replace(/\.$/, "");
  const kept = [];
  for (const [name, value] of out.searchParams) {
    if (!isTrackingParam(name)) kept.push([name, value]);
  }
  if (kept.length !== [...out.searchParams].length) {
    out.search = kept.length ? "?" + new URLSearchParams(kept).toString() : "";
  }
  return out.href;
}

/**
 * Validate, unwrap redirect wrappers and canonicalize; throws URLInputError on bad input.
 * @param {string} text
 * @returns {URL}
 */
export function canonicalURL(text) {
  let url = parseInput(text);
  for (let depth = 0; depth < MAX_UNWRAP_DEPTH; depth += 1) {
    const inner = unwrapOnce(url);
    if (!inner) break;
    let next;
    try {
      next = parseInput(inner);
    } catch {
      break; // a wrapper around garbage: rate the wrapper itself, not the garbage.
    }
    url = next;
  }
  return new URL(canonicalize(url));
}

/**
 * An index over the service's /v1/outlets/export document, for fast local lookups.
 */
export class OutletIndex {
  /** @param {any} exportDoc the parsed JSON of /v1/outlets/export */
  constructor(exportDoc) {
    const fields = Array.isArray(exportDoc?.fields) ? exportDoc.fields : [];
    this.version = String(exportDoc?.version ?? "");
    this.generated = String(exportDoc?.generated ?? "");
    /** @type {Map<string, any[]>} */
    this.rows = new Map();
    /** @type {Map<string, {path: string, id: string}[]>} host → path outlets, longest path first */
    this.pathOutlets = new Map();
    this.fieldIndex = Object.fromEntries(fields.map((name, i) => [name, i]));
    const idAt = this.fieldIndex.id ?? 0;
    for (const row of Array.isArray(exportDoc?.outlets) ? exportDoc.outlets : []) {
      if (!Array.isArray(row) || typeof row[idAt] !== "string") continue;
      const id = row[idAt].toLowerCase();
      this.rows.set(id, row);
      const slash = id.indexOf("/");
      if (slash > 0) {
        const host = id.slice(0, slash);
        const list = this.pathOutlets.get(host) ?? [];
        list.push({ path: id.slice(slash), id });
        list.sort((a, b) => b.path.length - a.path.length);
        this.pathOutlets.set(host, list);
      }
    }
    /** @type {Map<string, string>} */
    this.aliases = new Map();
    for (const [alias, id] of Object.entries(exportDoc?.aliases ?? {})) {
      if (typeof id === "string") this.aliases.set(alias.toLowerCase(), id.toLowerCase());
    }
    this.stopSuffixes = new Set((exportDoc?.stop_suffixes ?? []).map((s) => String(s).toLowerCase()));
    this.shorteners = new Set((exportDoc?.shorteners ?? []).map((s) => String(s).toLowerCase()));
  }

  get size() {
    return this.rows.size;
  }

  /**
   * The outlet with this id as a plain object shaped like the service's Outlet.to_json().
   * @param {string} id
   */
  get(id) {
    const row = this.rows.get(id);
    if (!row) return null;
    const f = (name) => (name in this.fieldIndex ? row[this.fieldIndex[name]] : null);
    const lean = f("lean");
    const factuality = f("factuality");
    const flags = f("flags");
    return {
      id,
      name: String(f("name") ?? id),
      domain: id,
      kind: f("kind") ?? null,
      country: f("country") ?? null,
      owner: f("owner") ?? null,
      owner_type: f("owner_type") ?? null,
      lean: lean ? { label: String(lean), score: typeof f("lean_score") === "number" ? f("lean_score") : null } : null,
      factuality: factuality ? { label: String(factuality) } : null,
      flags: Array.isArray(flags) ? flags.map(String) : typeof flags === "string" && flags ? flags.split(" ") : [],
    };
  }

  /**
   * Which outlet id a canonical URL belongs to, or null.
   * @param {URL} url
   * @returns {string | null}
   */
  matchId(url) {
    const host = url.hostname.toLowerCase().replace(/\.$/, "");
    const bareHost = host.replace(/^www\./, "");
    const pathOutlets = this.pathOutlets.get(bareHost) ?? this.pathOutlets.get(host);
    if (pathOutlets) {
      const path = url.pathname.toLowerCase();
      for (const candidate of pathOutlets) {
        const prefix = candidate.path.replace(/\/$/, "");
        if (path === prefix || path.startsWith(prefix + "/")) return candidate.id;
      }
    }
    const labels = host.split(".");
    for (let i = 0; i < labels.length - 1; i += 1) {
      const candidate = labels.slice(i).join(".");
      if (i > 0 && this.stopSuffixes.has(candidate)) return null;
      if (this.rows.has(candidate)) return candidate;
      const alias = this.aliases.get(candidate);
      if (alias && this.rows.has(alias)) return alias;
    }
    return null;
  }

  /**
   * Resolve any URL text to {input, resolved_url, host, shortener, outlet}; throws URLInputError.
   * @param {string} text
   */
  resolve(text) {
    const url = canonicalURL(text);
    const host = url.hostname;
    const shortener = this.shorteners.has(host) || this.shorteners.has(host.replace(/^www\./, ""));
    const id = shortener ? null : this.matchId(url);
    return { input: text, resolved_url: url.href, host, shortener, outlet: id ? this.get(id) : null };
  }

  /**
   * Like resolve() but never throws: null for anything that is not a rateable URL.
   * @param {string} text
   */
  tryResolve(text) {
    try {
      return this.resolve(text);
    } catch (error) {
      if (error instanceof URLInputError) return null;
      throw error;
    }
  }
}
