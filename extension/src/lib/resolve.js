// Resolve any URL a reader meets to the rated outlet behind it, locally, mirroring service/urls.py
// and service/ratings.py. Pure: no DOM, no extension APIs, so node --test runs it as-is.

import { flagText, qualityText } from "./format.js";

export const MAX_URL_LENGTH = 4096;
const MAX_UNWRAP_DEPTH = 5;

// Query parameters that only track the click; the same list as service/urls.py.
const TRACKING_PARAMS = new Set([
  "fbclid", "gclid", "dclid", "gbraid", "wbraid", "gclsrc", "msclkid", "yclid", "twclid",
  "mc_cid", "mc_eid", "ocid", "igshid", "igsh", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
  "smid", "smtyp", "cmpid", "cmp", "s_cid", "icid", "ito", "ref_src", "ref_url", "at_medium",
  "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4", "sr_share",
  "__twitter_impression", "rss", "taid", "spm", "ns_mchannel", "ns_source", "ns_campaign",
  "ns_linkname", "ns_fee", "mbid", "wt_mc", "wt.mc_id", "xtor", "guccounter",
  "guce_referrer", "guce_referrer_sig", "share", "fb_ref", "fb_source", "soc_src",
  "soc_trk", "si", "feature",
]);
const TRACKING_PREFIXES = ["utm_", "pk_", "mtm_", "hsa_", "oly_"];

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const HOST_AND_PORT_RE = /^[A-Za-z0-9.-]+:\d+(?:[/?#]|$)/;
const LABEL_RE = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const GOOGLE_HOST_RE = /^(?:www\.)?google(?:\.[a-z]{2,3}){1,2}$/;
const DEFAULT_PORTS = { http: "80", https: "443" };

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

function decodeKey(key) {
  if (!key.includes("%") && !key.includes("+")) return key;
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    return key; // a malformed escape: compare the key as written
  }
}

/**
 * Drops tracking parameters and empty segments; keeps the others exactly as written, so the
 * canonical URL never re-encodes anything (as clean_query in service/urls.py).
 * @param {string} query the query without its "?"
 */
export function cleanQuery(query) {
  return query.split("&").filter((segment) => segment && !isTrackingParam(decodeKey(segment.split("=", 1)[0]))).join("&");
}

/**
 * A validated, normalised http(s) URL split into the parts resolution needs; `query` is the
 * cleaned raw query string.
 * @typedef {{scheme: string, host: string, port: string, path: string, query: string, isIp: boolean}} ArticleURL
 */

/** @param {ArticleURL} url */
export function canonicalOf(url) {
  const netloc = (url.host.includes(":") ? `[${url.host}]` : url.host) + (url.port ? `:${url.port}` : "");
  return `${url.scheme}://${netloc}${url.path}${url.query ? "?" + url.query : ""}`;
}

/** The decoded value of the first query parameter called `name`. @param {ArticleURL} url @param {string} name */
function param(url, name) {
  return new URLSearchParams(url.query).get(name);
}

function validateHost(hostname) {
  if (!hostname) throw new URLInputError("url has no host: give http(s)://host/path");
  if (hostname.startsWith("[")) return { host: hostname.slice(1, -1), isIp: true };
  const host = hostname.replace(/\.+$/, "");
  if (!host) throw new URLInputError("url has no host: give http(s)://host/path");
  if (host.length > 253) throw new URLInputError("host name is longer than 253 characters");
  if (/^[0-9.]+$/.test(host)) return { host, isIp: true };
  for (const label of host.split(".")) {
    if (!LABEL_RE.test(label)) {
      throw new URLInputError(`host '${host}' is not valid: labels are letters, digits and hyphens, 1-63 characters, separated by single dots`);
    }
  }
  return { host, isIp: false };
}

/**
 * Validate and normalise a URL or a bare host such as `nytimes.com/x`; mirrors parse_article_url.
 * @param {unknown} input
 * @returns {ArticleURL}
 */
export function parseArticleURL(input) {
  if (typeof input !== "string") throw new URLInputError("url must be a string");
  let text = input.trim();
  if (!text) throw new URLInputError("url is empty: give an article URL such as https://example.com/news/1");
  if (text.length > MAX_URL_LENGTH) throw new URLInputError(`url is ${text.length} characters long; the limit is ${MAX_URL_LENGTH}`);
  // Browsers read a backslash as a slash in web URLs, so a link's real host is after it.
  text = text.replace(/\\/g, "/");
  const bad = /[\u0000-\u001f\u007f\s]/.exec(text);
  if (bad) throw new URLInputError(`url contains a space or control character at position ${bad.index}; percent-encode it (%20) or remove it`);
  const schemeMatch = SCHEME_RE.exec(text);
  if (schemeMatch && !HOST_AND_PORT_RE.test(text)) {
    const scheme = schemeMatch[1].toLowerCase();
    if (scheme !== "http" && scheme !== "https") {
      throw new URLInputError(`'${scheme}:' URLs are not articles; only http:// and https:// URLs can be scored`);
    }
    if (!text.slice(scheme.length + 1).startsWith("//")) throw new URLInputError(`url must look like ${scheme}://host/path`);
    // WHATWG would skip extra slashes and take the path as the host; an empty host is an error.
    if (/^[/?#]/.test(text.slice(scheme.length + 3)) || text.length === scheme.length + 3) {
      throw new URLInputError("url has no host: give http(s)://host/path");
    }
  } else if (text.startsWith("//")) {
    text = "https:" + text;
  } else {
    const head = text.split(/[/?#]/, 1)[0];
    if (!head.includes(".") && !head.startsWith("[")) {
      throw new URLInputError("url is not a web address: give http(s)://host/path or a host such as example.com/path");
    }
    text = "https://" + text;
  }
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new URLInputError("url has a bad host or port; ports are 1-65535");
  }
  if (url.port === "0") throw new URLInputError("url has port 0; ports are 1-65535");
  const scheme = url.protocol.slice(0, -1);
  const { host, isIp } = validateHost(url.hostname);
  const port = url.port && url.port !== DEFAULT_PORTS[scheme] ? url.port : "";
  const query = cleanQuery(url.search.slice(1));
  return withoutAmp({ scheme, host, port, path: url.pathname || "/", query, isIp });
}

const WRAPPER_HOSTS = new Set([
  "l.facebook.com", "lm.facebook.com", "l.messenger.com", "l.instagram.com", "out.reddit.com",
  "bing.com", "www.bing.com", "news.google.com", "cdn.ampproject.org",
]);

/** Cheap test that lets the common URL skip unwrapping (may_be_wrapped in service/core/urls.py). */
function mayBeWrapped(host) {
  return host.includes("google.") || WRAPPER_HOSTS.has(host) || host.endsWith(".cdn.ampproject.org");
}

const isAmpParam = (segment) => {
  const eq = segment.indexOf("=");
  const key = eq === -1 ? segment : segment.slice(0, eq);
  const value = eq === -1 ? "" : segment.slice(eq + 1);
  return key === "amp" || (key === "outputType" && value.toLowerCase() === "amp");
};

/**
 * The article an AMP variant is a copy of (without_amp in service/core/urls.py): a path segment
 * "amp" dropped, a ".amp" ending dropped, the amp and outputType=amp parameters dropped.
 * Wrapper hosts keep their paths. @param {ArticleURL} url @returns {ArticleURL}
 */
export function withoutAmp(url) {
  if (!url.path.includes("amp") && !url.query.includes("amp")) return url;
  if (mayBeWrapped(url.host)) return url;
  let path = url.path;
  const segments = path.split("/");
  const last = segments.lastIndexOf("amp");
  if (last >= 1) {
    path = [...segments.slice(0, last), ...segments.slice(last + 1)].join("/") || "/";
  } else if (path.endsWith(".amp.html")) {
    path = path.slice(0, -".amp.html".length) + ".html";
  } else if (path.endsWith(".amp")) {
    path = path.slice(0, -".amp".length) || "/";
  }
  let query = url.query;
  if (query.includes("amp")) query = query.split("&").filter((segment) => !isAmpParam(segment)).join("&");
  if (path === url.path && query === url.query) return url;
  return { ...url, path, query };
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

function utf8(bytes) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

const startsWithBytes = (bytes, text) => text.split("").every((ch, i) => bytes[i] === ch.charCodeAt(0));

// Old Google News ids are a protobuf whose field 4 (tag 0x22) holds the article URL.
function decodeGoogleNews(id) {
  const raw = decodeBase64Url(id);
  if (!raw || !raw.length) return null;
  for (let start = raw.indexOf(0x22); start !== -1; start = raw.indexOf(0x22, start + 1)) {
    let length = 0;
    let offset = start + 1;
    let shift = 0;
    while (offset < raw.length && shift < 28) {
      const byte = raw[offset];
      length += (byte & 0x7f) * 2 ** shift;
      offset += 1;
      shift += 7;
      if (!(byte & 0x80)) break;
    }
    const candidate = raw.slice(offset, offset + length);
    if ((startsWithBytes(candidate, "http://") || startsWithBytes(candidate, "https://")) && candidate.length === length) {
      return utf8(candidate);
    }
  }
  return null;
}

function decodeBing(value) {
  if (!value || !value.startsWith("a1")) return null;
  const raw = decodeBase64Url(value.slice(2));
  return raw ? utf8(raw) : null;
}

/**
 * One level of redirect-wrapper unwrapping; the wrapped URL text or null. Mirrors _unwrap_once.
 * @param {ArticleURL} url
 * @returns {string | null}
 */
export function unwrapOnce(url) {
  const { host, path } = url;
  if (GOOGLE_HOST_RE.test(host)) {
    if (path === "/url") return param(url, "q") || param(url, "url");
    if (path.startsWith("/amp/s/")) return "https://" + path.slice("/amp/s/".length);
    if (path.startsWith("/amp/") && path.length > "/amp/".length) return "http://" + path.slice("/amp/".length);
    return null;
  }
  if (host.endsWith(".cdn.ampproject.org") || host === "cdn.ampproject.org") {
    for (const [prefix, scheme] of [["/c/s/", "https"], ["/v/s/", "https"], ["/c/", "http"], ["/v/", "http"]]) {
      if (path.startsWith(prefix) && path.length > prefix.length) {
        return `${scheme}://${path.slice(prefix.length)}${url.query ? "?" + url.query : ""}`;
      }
    }
    return null;
  }
  if (["l.facebook.com", "lm.facebook.com", "l.messenger.com", "l.instagram.com"].includes(host)) {
    return path === "/l.php" || path === "/" ? param(url, "u") : null;
  }
  if (host === "out.reddit.com") return param(url, "url");
  if ((host === "bing.com" || host === "www.bing.com") && path === "/ck/a") return decodeBing(param(url, "u"));
  if (host === "news.google.com") {
    const match = GOOGLE_NEWS_ARTICLE_RE.exec(path);
    return match ? decodeGoogleNews(match[1]) : null;
  }
  return null;
}

// Google News article links: /articles/<id>, /rss/articles/<id> and /read/<id> (the current web form).
const GOOGLE_NEWS_ARTICLE_RE = /^\/(?:rss\/)?(?:articles|read)\/([A-Za-z0-9_-]+)/;

/**
 * Whether a resolved URL is a Google News article link whose id could not be decoded offline (the
 * newer opaque ids): only the page around the link can say whose article it is.
 * @param {{host: string, path: string}} url
 */
export function isOpaqueGoogleNews(url) {
  return url.host === "news.google.com" && GOOGLE_NEWS_ARTICLE_RE.test(url.path);
}

const MAX_SOURCE_NAME_LENGTH = 200;
const HOST_NAME_RE = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/;

/**
 * The key an outlet's displayed name is compared by: NFKC, lower case, every run of characters
 * that are not letters, marks or digits one space, a leading "the" dropped. Mirrors
 * source_name_key in service/resolver.py.
 * @param {unknown} name
 */
export function sourceNameKey(name) {
  if (typeof name !== "string") return "";
  // ASCII names (most of the table) take a cheaper path to the very same key.
  if (/^[\x20-\x7e]*$/.test(name)) {
    const ascii = name.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
    if (ascii[0] === "the" && ascii.length > 1) ascii.shift();
    return ascii.join(" ");
  }
  const words = name.normalize("NFKC").toLowerCase().split(/[^\p{L}\p{M}\p{N}]+/u).filter(Boolean);
  if (words[0] === "the" && words.length > 1) words.shift();
  return words.join(" ");
}

/**
 * Follow redirect and AMP wrappers offline, at most MAX_UNWRAP_DEPTH levels.
 * @param {ArticleURL} url
 */
export function unwrap(url) {
  let current = url;
  for (let depth = 0; depth < MAX_UNWRAP_DEPTH; depth += 1) {
    const inner = unwrapOnce(current);
    if (inner === null || inner === "") return current;
    try {
      current = parseArticleURL(inner);
    } catch (error) {
      if (error instanceof URLInputError) return current; // a wrapper around a non-web URL: rate the wrapper
      throw error;
    }
  }
  return current;
}

/**
 * The one canonical form of an article URL, wrappers removed; throws URLInputError.
 * @param {unknown} text
 */
export function canonicalURL(text) {
  return canonicalOf(unwrap(parseArticleURL(text)));
}

/**
 * An index over the service's /v1/outlets/export document, for fast local lookups.
 */
export class OutletIndex {
  /** @param {any} exportDoc the parsed JSON of /v1/outlets/export */
  constructor(exportDoc) {
    const fields = Array.isArray(exportDoc?.fields) ? exportDoc.fields : [];
    const text = (value) => (typeof value === "string" || typeof value === "number" ? String(value) : "");
    this.version = text(exportDoc?.version);
    this.generated = text(exportDoc?.generated);
    /** @type {Map<string, any[]>} */
    this.rows = new Map();
    /** @type {Map<string, {path: string, id: string}[]>} host → path outlets, longest path first */
    this.pathOutlets = new Map();
    this.fieldIndex = Object.fromEntries(fields.map((name, i) => [name, i]).filter(([name]) => typeof name === "string"));
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
        this.pathOutlets.set(host, list);
      }
    }
    // Sorted once at the end: sorting on every insert was quadratic in a host's path outlets,
    // and a service's table may hold any number of them.
    for (const list of this.pathOutlets.values()) list.sort((a, b) => b.path.length - a.path.length);
    /** @type {Map<string, string>} */
    this.aliases = new Map();
    // The table may come from a service: a field of the wrong type is treated as absent rather
    // than leaving the worker without any table (every page's badge and card failing).
    const list = (value) => (Array.isArray(value) ? value : []);
    const aliases = exportDoc?.aliases && typeof exportDoc.aliases === "object" && !Array.isArray(exportDoc.aliases) ? exportDoc.aliases : {};
    for (const [alias, id] of Object.entries(aliases)) {
      if (typeof id === "string") this.aliases.set(alias.toLowerCase(), id.toLowerCase());
    }
    this.stopSuffixes = new Set(list(exportDoc?.stop_suffixes).filter((s) => typeof s === "string").map((s) => s.toLowerCase()));
    /** @type {Map<string, string[]> | null} name key → outlet ids, built on first use */
    this.byName = null;
    this.shorteners = new Set(list(exportDoc?.shorteners).filter((s) => typeof s === "string").map((s) => s.toLowerCase()));
    /** @type {any[]} where each row's `quality_source` index points */
    this.qualitySources = Array.isArray(exportDoc?.quality_sources) ? exportDoc.quality_sources : [];
    /** @type {Record<string, string>} flag slug → words */
    this.flagLabels = exportDoc?.flag_labels && typeof exportDoc.flag_labels === "object" ? exportDoc.flag_labels : {};
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
    const flagList = Array.isArray(flags) ? flags.map(String) : typeof flags === "string" && flags ? flags.split(" ") : [];
    // The quality layer's fields, shaped like the service's Quality and DerivedFactuality JSON.
    const score = f("quality");
    const source = Number.isInteger(f("quality_source")) ? this.qualitySources[f("quality_source")] : undefined;
    const text = qualityText(score, source);
    const quality = text ? { score, text, source: source.short ?? null, year: source.year ?? null, terms: source.terms ?? null } : null;
    const derived = f("factuality_derived");
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
      flags: flagList,
      flag_labels: flagList.map((flag) => (typeof this.flagLabels[flag] === "string" ? this.flagLabels[flag] : flagText(flag))),
      quality,
      factuality_derived: quality && typeof derived === "string" && derived ? { label: derived, derived: true } : null,
    };
  }

  /**
   * Which outlet id an unwrapped URL belongs to, or null; mirrors resolve_url in service/resolver.py.
   * @param {ArticleURL} url
   * @returns {string | null}
   */
  matchId(url) {
    if (url.isIp) return null;
    const host = url.host;
    for (const candidate of host.startsWith("www.") ? [host, host.slice(4)] : [host]) {
      for (const entry of this.pathOutlets.get(candidate) ?? []) {
        if (url.path === entry.path || url.path.startsWith(entry.path + "/")) return entry.id;
      }
    }
    const labels = host.split(".");
    for (let i = 0; i < labels.length - 1; i += 1) {
      const candidate = labels.slice(i).join(".");
      // A hosting platform: its subdomains are each someone's own, unrated site.
      if (i > 0 && this.stopSuffixes.has(candidate)) return null;
      if (this.rows.has(candidate) && !candidate.includes("/")) return candidate;
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
    const url = unwrap(parseArticleURL(text));
    const id = this.matchId(url);
    const shortener = id === null && this.shorteners.has(url.host);
    return { input: text, resolved_url: canonicalOf(url), host: url.host, shortener, outlet: id ? this.get(id) : null };
  }

  /**
   * The outlet a displayed source name stands for, or null: a name that is a host name
   * ("Bloomberg.com") resolves as that host; otherwise the names of the table, and when several
   * outlets share the name, the one of `country` (the Google News edition) if exactly one is.
   * Never a guess between two outlets. Mirrors outlet_for_name in service/resolver.py.
   * @param {unknown} name @param {unknown} [country] ISO 3166-1 alpha-2
   */
  outletForName(name, country = null) {
    if (typeof name !== "string" || !name.trim() || name.length > MAX_SOURCE_NAME_LENGTH) return null;
    const bare = name.trim().normalize("NFKC").toLowerCase().replace(/\.$/, "");
    if (HOST_NAME_RE.test(bare) && /[a-z]/.test(bare.slice(bare.lastIndexOf(".") + 1))) {
      const id = this.matchId({ scheme: "https", host: bare, port: "", path: "/", query: "", isIp: false });
      return id ? this.get(id) : null;
    }
    if (this.byName === null) {
      this.byName = new Map();
      const nameAt = this.fieldIndex.name;
      if (nameAt !== undefined) {
        for (const [id, row] of this.rows) {
          const key = sourceNameKey(row[nameAt]);
          if (!key) continue;
          const ids = this.byName.get(key);
          if (ids) ids.push(id);
          else this.byName.set(key, [id]);
        }
      }
    }
    let ids = this.byName.get(sourceNameKey(name)) ?? [];
    if (ids.length > 1 && typeof country === "string" && /^[A-Za-z]{2}$/.test(country)) {
      const wanted = country.toUpperCase();
      const countryAt = this.fieldIndex.country;
      ids = countryAt === undefined ? [] : ids.filter((id) => this.rows.get(id)?.[countryAt] === wanted);
    }
    return ids.length === 1 ? this.get(ids[0]) : null;
  }

  /**
   * Like resolve(), for a link shown beside the name of its source (as Google News shows each
   * headline): a Google News link whose id cannot be decoded belongs to the outlet that name
   * stands for, or to none (the aggregator did not write it); any other link is what its URL
   * says, whatever the name. Throws URLInputError. Mirrors resolve_named in service/resolver.py.
   * @param {string} text @param {unknown} sourceName @param {unknown} [country]
   */
  resolveNamed(text, sourceName, country = null) {
    const url = unwrap(parseArticleURL(text));
    const resolution = this.resolve(text);
    if (!isOpaqueGoogleNews(url)) return resolution;
    return { ...resolution, shortener: false, outlet: this.outletForName(sourceName, country) };
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
