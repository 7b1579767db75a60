// Decide whether the page is a news article and read its headline, description and date from its metadata.

const ARTICLE_TYPES = new Set([
  "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
  "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle", "satiricalarticle", "liveblogposting",
]);
// JSON-LD blocks are bounded so a hostile page cannot make us parse megabytes.
const MAX_JSON_LD_CHARS = 200_000;
const MAX_JSON_LD_BLOCKS = 10;

function meta(doc, selector) {
  const value = doc.querySelector(selector)?.getAttribute("content");
  return typeof value === "string" ? value.trim().slice(0, 1000) : "";
}

function typesOf(node) {
  const type = node?.["@type"];
  return (Array.isArray(type) ? type : [type]).filter((t) => typeof t === "string").map((t) => t.toLowerCase());
}

function findArticleNode(value, depth = 0) {
  if (!value || typeof value !== "object" || depth > 4) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findArticleNode(item, depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (typesOf(value).some((t) => ARTICLE_TYPES.has(t))) return value;
  return findArticleNode(value["@graph"], depth + 1);
}

function jsonLdArticle(doc) {
  const blocks = doc.querySelectorAll('script[type="application/ld+json"]');
  for (let i = 0; i < blocks.length && i < MAX_JSON_LD_BLOCKS; i += 1) {
    const text = blocks[i].textContent ?? "";
    if (text.length > MAX_JSON_LD_CHARS) continue;
    try {
      const found = findArticleNode(JSON.parse(text));
      if (found) return found;
    } catch {
      // Broken JSON-LD is common; the page is simply not described by it.
    }
  }
  return null;
}

/**
 * What the page says about itself.
 * @param {Document} doc
 * @returns {{isArticle: boolean, title: string, description: string, published: string | null}}
 */
export function readArticle(doc) {
  const ogType = meta(doc, 'meta[property="og:type"]').toLowerCase();
  const ld = jsonLdArticle(doc);
  const isArticle = ogType === "article" || ARTICLE_TYPES.has(ogType) || Boolean(ld);
  const title = (typeof ld?.headline === "string" && ld.headline) || meta(doc, 'meta[property="og:title"]') || doc.title || "";
  const description = (typeof ld?.description === "string" && ld.description) || meta(doc, 'meta[property="og:description"]') || meta(doc, 'meta[name="description"]');
  const published = (typeof ld?.datePublished === "string" && ld.datePublished) || meta(doc, 'meta[property="article:published_time"]') || null;
  return { isArticle, title: title.slice(0, 500), description: description.slice(0, 1000), published };
}

/**
 * Whether a URL on a rated outlet looks like one article rather than a section front or home page.
 * @param {string} href
 */
export function looksLikeArticleUrl(href) {
  try {
    const { pathname } = new URL(href);
    const segments = pathname.split("/").filter(Boolean);
    const last = segments[segments.length - 1] ?? "";
    return /\/(19|20)\d\d\/\d{1,2}\//.test(pathname) || /\.s?html?$/.test(last) || (segments.length >= 2 && last.split("-").length >= 4);
  } catch {
    return false;
  }
}
