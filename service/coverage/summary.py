"""A story's summary, pure: lean, factuality and ownership mix, blindspot, the listed headline,
and its digest (key points, headline, framing) with the ratings it was made under."""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from service.core.text import storable
from service.core.times import iso
from service.coverage import digest_code, keypoints
from service.coverage.keypoints.sentences import _cut_at_word as cut_at_word
from service.store.base import SIDES, Article, StoryRow

# Folding the seven lean labels into the three sides a story's coverage is shown by.
SIDE_OF_LEAN: dict[str, str] = {
    "far-left": "left",
    "left": "left",
    "lean-left": "left",
    "center": "center",
    "lean-right": "right",
    "right": "right",
    "far-right": "right",
}

# Blindspot rule (documented in docs/coverage.md): among the outlets with a lean rating, at least
# BLINDSPOT_MIN_RATED outlets cover the story, one side holds at least BLINDSPOT_SHARE of them and
# the opposite side at most BLINDSPOT_OPPOSITE_MAX. Centre outlets count in the denominator, so
# a story the centre covers widely is not a blindspot.
BLINDSPOT_MIN_RATED = 3
BLINDSPOT_SHARE = 0.70
BLINDSPOT_OPPOSITE_MAX = 0.10
OPPOSITE = {"left": "right", "right": "left"}

MAX_HEADLINE_CHARS = 300
# Titles a story's headline is chosen from: its oldest originals (then by id), as the store picks
# the listed headline, so a list and the story page name a story alike. Choosing is quadratic in
# the titles: every title of a 500-article story took ~1 s per summary.
HEADLINE_SAMPLE = 40
# Articles of `parallax demo` (service/coverage/demo.py): invented, and marked so wherever shown.
DEMO_ID_PREFIX = "parallax-demo:"  # their ext_id prefix, reserved for the demo
DEMO_KEY_PREFIX = "id:" + DEMO_ID_PREFIX
_WORD_RE = re.compile(r"\w+", re.UNICODE)


class RatedOutlet(Protocol):
    """The part of ratings.Outlet a summary reads (read-only: outlets are frozen)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def lean(self) -> str | None: ...
    @property
    def factuality(self) -> str | None: ...
    @property
    def owner_type(self) -> str | None: ...

    def to_json(self) -> dict[str, Any]: ...


OutletLookup = Callable[[str], "RatedOutlet | None"]


def side_of(lean: str | None) -> str:
    """The side a lean label folds into; "unrated" for none or an unknown label."""
    return SIDE_OF_LEAN.get(lean or "", "unrated")


def blindspot_side(outlets_by_side: Mapping[str, int]) -> str | None:
    """The side ("left"/"right") that covered a story overwhelmingly, or None."""
    rated = sum(outlets_by_side.get(s, 0) for s in ("left", "center", "right"))
    if rated < BLINDSPOT_MIN_RATED:
        return None
    for side, other in OPPOSITE.items():
        share = outlets_by_side.get(side, 0) / rated
        opposite = outlets_by_side.get(other, 0) / rated
        if share >= BLINDSPOT_SHARE and opposite <= BLINDSPOT_OPPOSITE_MAX:
            return side
    return None


def shares(counts: Mapping[str, int], keys: Iterable[str] | None = None) -> dict[str, float]:
    """Each count's share of the total, rounded to 4 places (all zero when the total is)."""
    names = list(keys) if keys is not None else list(counts)
    total = sum(counts.get(k, 0) for k in names)
    return {k: round(counts.get(k, 0) / total, 4) if total else 0.0 for k in names}


def representative_headline(titles: Sequence[str]) -> str:
    """The title sharing the most words with the others (the medoid); the earliest on ties."""
    cleaned = [" ".join(t.split())[:MAX_HEADLINE_CHARS] for t in titles if t and t.strip()]
    if not cleaned:
        return ""
    if len(cleaned) <= 2:
        return cleaned[0]
    words = [set(_WORD_RE.findall(t.lower())) for t in cleaned]
    best, best_score = 0, -1.0
    for i, mine in enumerate(words):
        score = 0.0
        for j, theirs in enumerate(words):
            if i != j and mine and theirs:
                score += len(mine & theirs) / len(mine | theirs)
        if score > best_score:
            best, best_score = i, score
    return cleaned[best]


def outlet_json(outlet_id: str | None, lookup: OutletLookup) -> dict[str, Any] | None:
    """The outlet as the API shows it: its rating when rated, else just what we know."""
    if not outlet_id:
        return None
    outlet = lookup(outlet_id)
    if outlet is not None:
        return outlet.to_json()
    return {"id": outlet_id, "name": outlet_id, "lean": None, "factuality": None, "rated": False}


# An article's excerpt (article_json): its text's first sentences up to this many words and
# characters, else its first words cut there. Only this much of the text is read for it.
EXCERPT_WORDS = 30
EXCERPT_CHARS = 240
# A text written without spaces (Chinese, Japanese, Thai...) says in 90 characters about what
# 30 words say.
EXCERPT_DENSE_CHARS = 90
_EXCERPT_READ = EXCERPT_CHARS + 100
# Anything shaped like a tag, in a text a file or a client gave (feeds' text is plain already):
# an inline one is left out within its words, any other parts them.
_TAG_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)[^<>]{0,300}>")
_INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code em i mark q s small span strong sub sup u".split()
)


# What a page or file holds that no reader is meant to read: a script's or style's code, a
# comment (CDATA's brackets are left out within the words). The text read is at most
# _EXCERPT_READ long, so the lazy scans are bounded.
_HIDDEN_RE = re.compile(
    r"<(script|style)\b[^<>]{0,300}>.*?(?:</\1\s*>|$)|<!--.*?(?:-->|$)", re.S | re.I
)
# A character reference (&amp; &#8217; &eacute;) in a text a file or client gave as HTML.
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Invisible characters that join or split nothing a reader sees (zero-width space, word
# joiner, byte order mark, soft hyphen); the zero-width (non-)joiner shapes Persian, Indic
# scripts and emoji, and is kept.
_INVISIBLE_RE = re.compile("[\u200b\u2060\ufeff\u00ad]")


def _untagged(text: str) -> str:
    """`text` without markup: hidden parts and tags out, character references read, invisible
    characters out (control and bidi characters are clean's)."""
    if "<" in text or "]]>" in text:
        text = _HIDDEN_RE.sub(" ", text).replace("<![CDATA[", "").replace("]]>", "")
        text = _TAG_RE.sub(lambda m: "" if m.group(1).lower() in _INLINE_TAGS else " ", text)
    if "&" in text:
        text = _ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), text)
    return _INVISIBLE_RE.sub("", text)


def excerpt(text: str, title: str = "") -> str | None:
    """A short plain-text excerpt of an article's text (_excerpt), read from its start only.
    Articles never change, and a story's summary is made again at each of its changes: the
    last few thousand are kept (~30 us each to make)."""
    return _excerpt(text[:_EXCERPT_READ], title, len(text) > _EXCERPT_READ)


_LETTER_OR_DIGIT_RE = re.compile(r"[^\W_]")


@functools.lru_cache(maxsize=4096)
def _excerpt(text: str, title: str, cut: bool) -> str | None:
    """A short plain-text excerpt of an article's text: its whole first sentences within
    EXCERPT_WORDS words and EXCERPT_CHARS characters, else its first words (cut at a word's
    end, or at the limit for a script written without spaces) and an ellipsis. Tags, control
    characters, bidi overrides and lone surrogates are left out, whitespace collapsed; None
    when there is no text, or it only repeats the title."""
    # (clean drops control characters, bidi controls and lone surrogates)
    cleaned = keypoints.clean(_untagged(text))
    if not cleaned or not _LETTER_OR_DIGIT_RE.search(cleaned):
        return None
    # Only the start is read (`cut`: the text goes on): its last piece read may end
    # mid-sentence or mid-word, and is never shown as if whole.
    limit = EXCERPT_CHARS if " " in cleaned[:EXCERPT_CHARS] else EXCERPT_DENSE_CHARS
    shown = ""
    # (only what fits is split into sentences: the space after a stop at the limit included)
    window = cleaned[: limit + 2]
    cut = cut or len(window) < len(cleaned)
    for start, sentence in keypoints.split_sentences(window):
        end = start + len(sentence)
        longer = window[:end].strip()  # (as written: no space added)
        if (cut and end >= len(window)) or (
            len(longer.split()) > EXCERPT_WORDS or len(longer) > limit
        ):
            break
        shown = longer
    if not shown:  # the first sentence alone is longer: its first words
        words = cleaned.split()
        if cut and len(words) <= EXCERPT_WORDS:
            words = words[:-1] or words
        first = " ".join(words[:EXCERPT_WORDS])
        shown = cut_at_word(first, limit).rstrip(" ,;:–—-") + "…"
    elif len(shown) < len(cleaned) and not _ends_sentence(shown):
        shown += "…"
    if _bare(shown) == _bare(title):
        return None
    return shown


def _bare(text: str) -> str:
    """A text as compared with its title: words folded, without the stop or ellipsis a feed's
    summary adds to a title it repeats ('Bridge closed.', 'Bridge closed …')."""
    return " ".join(text.split()).rstrip(" .…!?。！？").casefold()


def _ends_sentence(text: str) -> bool:
    return text[-1:] in ".!?。！？؟۔।॥။។\"'”’»)」』]"


def article_json(article: Article, lookup: OutletLookup) -> dict[str, Any]:
    """One article as the API shows it."""
    outlet = lookup(article.outlet_id) if article.outlet_id else None
    return {
        "id": article.ext_id or article.key,
        "url": article.url,
        "title": article.title,
        "excerpt": excerpt(article.text, article.title),
        "published": iso(article.published),
        "first_seen": iso(article.first_seen),
        "outlet": outlet_json(article.outlet_id, lookup),
        "side": side_of(outlet.lean) if outlet is not None else "unrated",
        "syndicated": article.syndicated_of is not None,
        "demo": article.key.startswith(DEMO_KEY_PREFIX),
    }


# Articles a story's key points are chosen from: its oldest originals, as the headline sample;
# the summariser reads keypoints.MAX_ARTICLES of them, one per outlet first, so a prolific outlet
# among the oldest cannot crowd the others out.
DIGEST_SAMPLE = 100
DIGEST_TEXT_CHARS = keypoints.MAX_ARTICLE_CHARS


@dataclass(frozen=True)
class DigestRatings:
    """The ratings a digest is made under: their version and each outlet's side by them. The
    framing's sides, the key points' balance of sides and the headline's preference for the
    centre all read the sides, so a digest made under other ratings may name a side wrongly."""

    version: str
    lookup: OutletLookup

    def side(self, outlet_id: str | None) -> str:
        """The side an outlet's articles count for under these ratings."""
        outlet = self.lookup(outlet_id) if outlet_id else None
        return side_of(outlet.lean) if outlet is not None else "unrated"

    def holds(self, digest: Mapping[str, Any]) -> bool:
        """Whether a stored digest reads the same under these ratings: it names the sides it
        read (story_digest's "sides") and every outlet there has the same side now. One made
        before digests named them, or holding anything else there, does not."""
        sides = digest.get("sides")
        if not isinstance(sides, dict):
            return False
        if digest.get("ratings") == self.version:
            return True
        return all(isinstance(s, str) and self.side(o) == s for o, s in sides.items())


def story_digest(
    articles: Iterable[Article], ratings: DigestRatings | None = None
) -> dict[str, Any]:
    """A story's key points, neutral headline and framing from its articles (oldest first;
    wire copies left out while there are originals), as the store keeps them: outlets by id.
    With `ratings`, each article's side is its outlet's under them (not the one stored with
    the article at ingest). The digest names the side it read for each outlet ("sides") and,
    with `ratings`, their version ("ratings"): what DigestRatings.holds checks; and the code
    that made it ("code", digest_code): a reader remakes one another version made."""
    sample = list(articles)
    originals = [a for a in sample if a.syndicated_of is None] or sample[:1]
    sources = [
        keypoints.Source(
            article_id=a.ext_id or a.key,
            title=a.title,
            text=a.text,
            outlet=a.outlet_id,
            side=ratings.side(a.outlet_id)
            if ratings is not None
            else (a.side if a.side in SIDES else "unrated"),
            url=a.url,
        )
        for a in originals[:DIGEST_SAMPLE]
    ]
    made = keypoints.digest(sources).to_json()
    made["sides"] = {s.outlet: s.side for s in sources if s.outlet}
    made["code"] = digest_code.current()
    if ratings is not None:
        made["ratings"] = ratings.version
    return made


def _shown(text: str) -> str:
    """A stored digest's text as shown: what an older digest kept that no UTF-8 response can
    carry (a lone surrogate: U+FFFD) or that misleads (controls, bidi overrides: as
    keypoints.clean leaves them out now) made safe; new digests' text is unchanged."""
    return " ".join(keypoints.clean(storable(text)).split())


def _point_json(point: Any, lookup: OutletLookup) -> dict[str, Any] | None:
    if not isinstance(point, dict) or not isinstance(point.get("text"), str):
        return None
    text = _shown(point["text"])
    if not text:
        return None
    outlet_id = point.get("outlet") if isinstance(point.get("outlet"), str) else None
    outlet_id = storable(outlet_id) if outlet_id else None
    outlet = lookup(outlet_id) if outlet_id else None
    article_id = point.get("article_id")
    url = point.get("url")
    return {
        "text": text,
        # An id is a string or a number (a file's "id": 7); anything else was never one.
        "article_id": storable(str(article_id))
        if isinstance(article_id, (str, int)) and not isinstance(article_id, bool)
        else "",
        # A link to the article: a web address only (never javascript: or data:).
        "url": storable(url)
        if isinstance(url, str) and url[:8].lower().startswith(("http://", "https://"))
        else None,
        "outlet": outlet_json(outlet_id, lookup),
        "side": side_of(outlet.lean) if outlet is not None else "unrated",
    }


def digest_json(digest: Any, lookup: OutletLookup) -> dict[str, Any]:
    """The stored digest as the API shows it: each point's outlet with its current rating.
    Anything malformed is left out rather than failing the story."""
    digest = digest if isinstance(digest, dict) else {}
    key_points = _points_json(digest.get("key_points"), lookup)
    framing: dict[str, Any] = {}
    raw_framing = digest.get("framing")
    for side in ("left", "center", "right"):
        entry = raw_framing.get(side) if isinstance(raw_framing, dict) else None
        if not isinstance(entry, dict):
            continue
        terms = entry.get("terms")
        articles = entry.get("articles")
        framing[side] = {
            "terms": [_shown(t) for t in terms if isinstance(t, str) and _shown(t)]
            if isinstance(terms, list)
            else [],
            "points": _points_json(entry.get("points"), lookup),
            # A count: a non-negative whole number (JSON may hold 1e308, "many", a list).
            "articles": articles
            if isinstance(articles, int) and not isinstance(articles, bool) and articles >= 0
            else 0,
        }
    return {"key_points": key_points, "framing": framing}


def _points_json(points: Any, lookup: OutletLookup) -> list[dict[str, Any]]:
    """A stored list of points as the API shows them; anything but a list holds none."""
    if not isinstance(points, list):
        return []
    return [p for p in (_point_json(x, lookup) for x in points) if p]


def summarize(
    story: StoryRow,
    articles: Sequence[Article],
    lookup: OutletLookup,
    *,
    include_articles: bool = True,
) -> dict[str, Any]:
    """A story's summary from its articles and the current ratings."""
    outlet_side: dict[str, str] = {}
    outlet_fact: dict[str, str] = {}
    outlet_owner: dict[str, str] = {}
    article_sides: Counter[str] = Counter()
    first: Article | None = None
    for art in articles:
        # An article with no known outlet is its own source: it cannot be merged with others.
        source = art.outlet_id or f"url:{art.key}"
        outlet = lookup(art.outlet_id) if art.outlet_id else None
        side = side_of(outlet.lean) if outlet is not None else "unrated"
        outlet_side[source] = side
        outlet_fact[source] = (outlet.factuality if outlet is not None else None) or "unrated"
        outlet_owner[source] = (outlet.owner_type if outlet is not None else None) or "unknown"
        article_sides[side] += 1
        if first is None or (art.when, art.id) < (first.when, first.id):
            first = art
    outlet_sides = Counter(outlet_side.values())
    blind = blindspot_side(outlet_sides)
    # Stored at each change of the story; a story stored before digests existed gets one from
    # the articles at hand (their sides by the ratings in force) until it next changes.
    digest = (
        story.digest
        if story.digest is not None
        else story_digest(articles, DigestRatings("", lookup))
    )
    summary: dict[str, Any] = {
        "id": story.id,
        "headline": (digest.get("headline") if story.digest is None else story.headline)
        or story.headline,
        "first_seen": iso(min((a.when for a in articles), default=story.first_seen)),
        "last_updated": iso(max((a.when for a in articles), default=story.last_updated)),
        "article_count": len(articles),
        "outlet_count": len(outlet_side),
        "syndicated_count": sum(1 for a in articles if a.syndicated_of is not None),
        "lean": {
            "by_outlets": shares(outlet_sides, SIDES),
            "by_articles": shares(article_sides, SIDES),
            "outlets": {s: outlet_sides.get(s, 0) for s in SIDES},
            "articles": {s: article_sides.get(s, 0) for s in SIDES},
        },
        "factuality": shares(Counter(outlet_fact.values())),
        "owner_types": shares(Counter(outlet_owner.values())),
        "blindspot": blindspot_json(blind),
        "first_reported_by": None,
        "demo": any(a.key.startswith(DEMO_KEY_PREFIX) for a in articles),
        **digest_json(digest, lookup),
    }
    if first is not None:
        summary["first_reported_by"] = {
            "outlet": outlet_json(first.outlet_id, lookup),
            "url": first.url,
            "title": first.title,
            "published": iso(first.when),
        }
    if include_articles:
        grouped: dict[str, list[dict[str, Any]]] = {s: [] for s in SIDES}
        for art in articles:
            item = article_json(art, lookup)
            grouped[item["side"]].append(item)
        summary["articles_by_side"] = grouped
    return summary


def blindspot_json(side: str | None) -> dict[str, str] | None:
    """The blindspot as the API shows it."""
    if side is None:
        return None
    return {"side": side, "covered_by": side, "missed_by": OPPOSITE[side]}


def listing_json(story: StoryRow, demo_ids: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A story in a list, from its stored aggregates alone (no article reads); `demo_ids` are
    the stories `parallax demo` filed its invented articles under (demo.demo_story_ids)."""
    counts = {s: story.outlets_by_side.get(s, 0) for s in SIDES}
    return {
        "id": story.id,
        "headline": story.headline,
        "first_seen": iso(story.first_seen),
        "last_updated": iso(story.last_updated),
        "article_count": story.article_count,
        "outlet_count": story.outlet_count,
        "lean": {"by_outlets": shares(counts, SIDES), "outlets": counts},
        "blindspot": blindspot_json(story.blindspot),
        "demo": story.id in demo_ids,
    }
