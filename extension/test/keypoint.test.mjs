// The panel's key point: what it takes from /v1/score's story, and that hostile text stays text.

import assert from "node:assert/strict";
import { test } from "node:test";
import { keyPoint, keyPointLead, MAX_HEADLINE_CHARS, MAX_POINT_CHARS, shorten } from "../src/content/keypoint.js";
import { storySummary } from "../src/lib/views.js";

const SERVICE = "http://127.0.0.1:8000/";
const NYT = { id: "nytimes.com", name: "The New York Times", lean: { label: "lean-left", score: -0.3 } };
const FOX = { id: "foxnews.com", name: "Fox News", lean: { label: "right", score: 0.6 } };
const point = (text, outlet = NYT, article_id = "a1") => ({ text, outlet, article_id, url: "https://www.nytimes.com/x", side: "left" });
const story = (over = {}) => ({ id: "st-1", headline: "Northbridge votes to remove Calder River dam", key_points: [point("Residents voted on Saturday.")], framing: {}, ...over });

// Just enough of a DOM for dom.js's h(): elements keep attributes, children and text; no parser,
// so a test can see whether anything was built from markup.
class FakeNode {
  constructor(tag, text = "") { this.tagName = tag; this.attributes = {}; this.childNodes = []; this.text = text; this.style = { setProperty() {} }; this.parent = null; }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  getAttribute(name) { return this.attributes[name] ?? null; }
  set textContent(value) { this.childNodes = [new FakeNode("#text", String(value))]; }
  get textContent() { return this.tagName === "#text" ? this.text : this.childNodes.map((c) => c.textContent).join(""); }
  append(...nodes) { for (const n of nodes) { const node = typeof n === "string" ? new FakeNode("#text", n) : n; node.parent = this; this.childNodes.push(node); } }
  addEventListener() {}
  remove() { if (this.parent) this.parent.childNodes = this.parent.childNodes.filter((c) => c !== this); this.parent = null; }
  all() { return [this, ...this.childNodes.flatMap((c) => c.all())]; }
  find(cls) { return this.all().find((n) => (n.attributes.class ?? "").split(" ").includes(cls)) ?? null; }
}
globalThis.document ??= { createElement: (tag) => new FakeNode(tag), createTextNode: (text) => new FakeNode("#text", text) };

test("the first key point, its outlet and the story page's link come from the story", () => {
  const shown = keyPoint(story({ key_points: [point("First point."), point("Second point.", FOX, "a2")] }), SERVICE);
  assert.deepEqual(shown, {
    headline: "Northbridge votes to remove Calder River dam",
    text: "First point.",
    outlet: "The New York Times",
    lean: "lean-left",
    href: "http://127.0.0.1:8000/stories/st-1",
    more: "More key points on the story page",
  });
});

test("no key points, no lead: missing, empty, or only malformed entries", () => {
  for (const value of [undefined, null, [], "text", [null, 3, { text: "" }, { text: "   " }, { outlet: NYT }]]) {
    assert.equal(keyPoint(story({ key_points: value }), SERVICE), null, JSON.stringify(value));
  }
  assert.equal(keyPoint(null, SERVICE), null);
  assert.equal(keyPointLead(story({ key_points: [] }), { serviceUrl: SERVICE, signal: new AbortController().signal }), null);
});

test("malformed entries before the first usable point are skipped, not shown", () => {
  const shown = keyPoint(story({ key_points: [{ text: 42 }, "a string", point("Usable.", FOX)] }), SERVICE);
  assert.equal(shown?.text, "Usable.");
  assert.equal(shown?.outlet, "Fox News");
  assert.equal(shown?.more, "", "one usable point and no framing: nothing more to link to");
});

test("the link says what is behind it, and is there only with a service and something more", () => {
  const framed = story({ framing: { left: { terms: ["salmon"], points: [], articles: 2 } } });
  assert.equal(keyPoint(framed, SERVICE)?.more, "How each side framed it, on the story page");
  assert.equal(keyPoint(framed, SERVICE)?.href, "http://127.0.0.1:8000/stories/st-1");
  assert.equal(keyPoint(story(), SERVICE)?.more, "");
  assert.equal(keyPoint(story(), SERVICE)?.href, "");
  const empty = { terms: [], points: [], articles: 1 };
  const nothing = story({ framing: { left: empty, right: { terms: ["  "], points: [{ text: "" }], articles: 1 } } });
  assert.equal(keyPoint(nothing, SERVICE)?.more, "", "framing with no term or point: no link to it");
  const pointOnly = story({ framing: { left: empty, right: { terms: [], points: [point("Said.")], articles: 1 } } });
  assert.equal(keyPoint(pointOnly, SERVICE)?.more, "How each side framed it, on the story page");
  const two = story({ key_points: [point("One."), point("Two.")] });
  assert.deepEqual([keyPoint(two, "")?.more, keyPoint(two, "")?.href], ["", ""], "no service address, no link");
  assert.equal(keyPoint({ ...two, id: 7 }, SERVICE)?.href, "", "an id that is not a string makes no link");
});

test("an outlet the service does not rate is named by its id, with no lean", () => {
  const shown = keyPoint(story({ key_points: [point("Text.", { id: "gazette.example", name: null, lean: null })] }), SERVICE);
  assert.equal(shown?.outlet, "gazette.example");
  assert.equal(shown?.lean, null);
  assert.equal(keyPoint(story({ key_points: [point("Text.", null)] }), SERVICE)?.outlet, "Unknown outlet");
});

test("long text is cut at a word with an ellipsis; text with no spaces is cut too", () => {
  const words = Array.from({ length: 10_000 }, (_, i) => `word${i}`).join(" ");
  const shown = keyPoint(story({ headline: words, key_points: [point(words)] }), SERVICE);
  assert.ok(shown && shown.text.length <= MAX_POINT_CHARS && shown.text.endsWith("…"), shown?.text);
  assert.match(shown.text, /^word0 word1 .* word\d+…$/, "cut between words");
  assert.ok(shown.headline.length <= MAX_HEADLINE_CHARS && shown.headline.endsWith("…"));
  const run = "x".repeat(50_000);
  assert.equal(shorten(run, 100), `${"x".repeat(99)}…`);
  assert.equal(shorten("  spaced \n\t out  ", 100), "spaced out");
  assert.equal(shorten(undefined, 10), "");
});

test("a cut never splits a character written as two UTF-16 units (emoji, rare CJK)", () => {
  // 98 letters then an emoji: a cut at 99 units would keep half of it, shown as U+FFFD.
  const shown = shorten(`${"x".repeat(98)}\u{1F309}${"y".repeat(10)}`, 100);
  assert.equal(shown, `${"x".repeat(98)}…`);
  const cjk = shorten("\u{20BB7}".repeat(400), MAX_POINT_CHARS);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cjk), "a lone high surrogate is left");
  assert.ok(cjk.endsWith("…") && cjk.length <= MAX_POINT_CHARS);
});

test("markup in the story is shown as text: no element is made from it", () => {
  const hostile = '<img src=x onerror=alert(1)><script>window.__pwned=1</script> crack found';
  const lead = keyPointLead(
    story({ headline: hostile, key_points: [point(hostile, { id: "x", name: "<b onmouseover=alert(2)>Outlet</b>", lean: { label: "<i>" } }), point("Two.")] }),
    { serviceUrl: SERVICE, signal: new AbortController().signal });
  assert.ok(lead);
  const tags = lead.all().map((n) => n.tagName).filter((t) => t !== "#text");
  assert.deepEqual([...new Set(tags)].sort(), ["a", "blockquote", "div", "p", "span", "strong"]);
  assert.equal(lead.find("story-headline").textContent, hostile);
  assert.equal(lead.find("key-point-text").textContent, hostile);
  assert.equal(lead.find("key-point-outlet").textContent, "<b onmouseover=alert(2)>Outlet</b>");
  const link = lead.find("key-point-link");
  assert.equal(link.getAttribute("href"), "http://127.0.0.1:8000/stories/st-1");
  assert.equal(link.getAttribute("target"), "_blank");
  assert.match(link.getAttribute("rel"), /\bnoopener\b/);
  assert.equal(link.textContent, "More key points on the story page");
});

test("a javascript: service address never becomes a link", () => {
  const lead = keyPointLead(story({ key_points: [point("One."), point("Two.")] }), { serviceUrl: "javascript:alert(1)//", signal: new AbortController().signal });
  assert.equal(lead?.find("key-point-link")?.getAttribute("href") ?? null, null);
});

test("the lead goes when its signal aborts", () => {
  const controller = new AbortController();
  const parent = document.createElement("section");
  const lead = keyPointLead(story(), { serviceUrl: SERVICE, signal: controller.signal });
  parent.append(lead);
  assert.equal(parent.childNodes.length, 1);
  controller.abort();
  assert.equal(parent.childNodes.length, 0);
});

test("the lead is the first point from another article than the page being read", () => {
  const here = "https://www.nytimes.com/2026/12/05/us/dam.html";
  const own = { ...point("The page's own sentence."), url: here };
  const other = { ...point("Another outlet's sentence.", FOX, "a2"), url: "https://www.foxnews.com/us/dam" };
  const later = { ...point("A third sentence.", FOX, "a3"), url: "https://www.foxnews.com/us/dam-2" };
  const shown = keyPoint(story({ key_points: [own, other, later] }), SERVICE, here);
  assert.equal(shown?.text, "Another outlet's sentence.");
  assert.equal(shown?.outlet, "Fox News");
  assert.equal(shown?.more, "More key points on the story page");
  // The same address written another way (no www., a fragment, a trailing slash) is the same page.
  for (const alias of ["https://nytimes.com/2026/12/05/us/dam.html", `${here}#comments`, `${here}/`, "http://WWW.NYTIMES.COM/2026/12/05/us/dam.html"]) {
    assert.equal(keyPoint(story({ key_points: [own, other] }), SERVICE, alias)?.text, "Another outlet's sentence.", alias);
  }
  // Another article of the same outlet is another article.
  const sibling = { ...point("The outlet's other article."), url: "https://www.nytimes.com/2026/12/04/us/dam.html" };
  assert.equal(keyPoint(story({ key_points: [own, sibling] }), SERVICE, here)?.text, "The outlet's other article.");
  // And the lead's DOM says the same.
  const lead = keyPointLead(story({ key_points: [own, other] }), { serviceUrl: SERVICE, currentUrl: here, signal: new AbortController().signal });
  assert.equal(lead?.find("key-point-text").textContent, "Another outlet's sentence.");
});

test("the lead falls back to the first point when every point is the page's, or nothing is known", () => {
  const here = "https://www.nytimes.com/2026/12/05/us/dam.html";
  const own = { ...point("The page's own sentence."), url: here };
  const ownToo = { ...point("The page's second sentence."), url: `${here}#x` };
  assert.equal(keyPoint(story({ key_points: [own, ownToo] }), SERVICE, here)?.text, "The page's own sentence.");
  const other = { ...point("Another outlet's sentence.", FOX, "a2"), url: "https://www.foxnews.com/us/dam" };
  for (const unknown of ["", "not a url", undefined, 42]) {
    assert.equal(keyPoint(story({ key_points: [own, other] }), SERVICE, /** @type {any} */ (unknown))?.text, "The page's own sentence.", String(unknown));
  }
  // Points without a URL (or with a malformed one) are never taken for the page's own.
  const bare = { ...point("No address."), url: null };
  const junk = { ...point("Junk address."), url: "::::" };
  assert.equal(keyPoint(story({ key_points: [bare, other] }), SERVICE, here)?.text, "No address.");
  assert.equal(keyPoint(story({ key_points: [junk, other] }), SERVICE, here)?.text, "Junk address.");
});

test("a point and headline in a right-to-left script read in their own direction", () => {
  const arabic = "أغلقت المدينة الجسر يوم الثلاثاء بعد أن وجد المفتشون تشققات.";
  const lead = keyPointLead(story({ headline: arabic, key_points: [point(arabic)] }),
    { serviceUrl: SERVICE, signal: new AbortController().signal });
  assert.ok(lead);
  // dir="auto": the browser takes the direction from the text's first strong letter, so the
  // full stop ends the Arabic sentence on its left, and an English point stays left to right.
  assert.equal(lead.find("key-point-text").getAttribute("dir"), "auto");
  assert.equal(lead.find("story-headline").getAttribute("dir"), "auto");
});

test("without key points, the coverage's headline and article titles read in their own direction too", () => {
  // The panel (a story with no key points) and the popup show the headline in storySummary, and
  // both list the articles' titles: text from feeds in any script, laid out left to right before.
  const arabic = "أغلقت المدينة الجسر يوم الثلاثاء بعد أن وجد المفتشون تشققات.";
  const related = { url: "https://www.aljazeera.net/news/1", title: arabic, outlet: { id: "aljazeera.com", name: "Al Jazeera", lean: { label: "lean-left" } } };
  const view = storySummary(story({ headline: arabic, key_points: [], articles_by_side: { left: [related] } }), { serviceUrl: SERVICE });
  for (const cls of ["story-headline", "headline"]) {
    const node = view.find(cls);
    assert.ok(node, cls);
    assert.equal(node.textContent, arabic);
    assert.equal(node.getAttribute("dir"), "auto", cls);
    assert.equal(node.getAttribute("lang"), "", `${cls}: the feed's language is not known`);
  }
});

test("an outlet whose lean or factuality label is no known label reads as not rated, with why", async () => {
  const { outletDetails } = await import("../src/lib/views.js");
  // A service's answer with labels of the wrong type or unknown words: the chip said "Not rated",
  // but the sentence saying why was left out (a label was there), and the scale's data said 5.
  for (const label of [5, true, { a: 1 }, "constructor", "somewhat-left"]) {
    const node = outletDetails({ id: "x.example", name: "X", lean: { label }, factuality: { label } });
    const text = node.textContent;
    assert.match(text, /No lean rating/, String(label));
    assert.doesNotMatch(text, /\[object|function|native code/, String(label));
    assert.equal(node.find("lean-chip").attributes["data-lean"], "unrated", String(label));
  }
});
