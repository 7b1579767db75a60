"""Whether a sentence reads on its own as a key point, shown apart from its article under its
outlet's name: not a fragment of a longer quotation, not a question, not the writer's own voice,
no dateline or show blurb left in it; and whether it leans on the sentence before it in its
article ("But ...", "He ...", "This was ...").

Read as an editor reads a story page (session 11, a seeded sample of 60 stories of both dev
sets): these were the points a reader could not follow. English rules; other languages pass.
"""

from __future__ import annotations

import functools
import re

from service.coverage.spans import leads_with_dateline

# A connective that carries on from the sentence before: shown alone it answers nothing.
# ("Then-President ..." and "So far, ..." do not lean back.)
_CONNECTIVE_RE = re.compile(
    r"^[\"“‘']?(?:But|And|Or|Nor|Yet|Still|Also|However|Meanwhile|Instead|Moreover|Furthermore|"
    r"Additionally|Nonetheless|Nevertheless|Plus|Then|Thus|Therefore|Hence|Indeed|Besides|"
    r"Likewise|Similarly|Otherwise|So(?! far\b))(?![\w'’-])"
)
# A pronoun or demonstrative opening the sentence, or opening its clause after a leading phrase
# ("At 9.3 million new positions, it was ..."): who or what it is was said before.
_PRONOUN = r"(?:[Hh]e|[Ss]he|[Ii]t|[Tt]hey|[Tt]his|[Tt]hat|[Tt]hese|[Tt]hose|[Hh]is|[Hh]er|[Ii]ts|[Tt]heir|[Hh]im|[Tt]hem)"
# (a leading phrase of time, place or circumstance: "Sen. Smith, his voice rising, ..." is an
# aside after a name, which says who)
_LEADING = (
    r"(?:On|In|At|After|Before|During|Earlier|Later|Last|Since|Following|With|Amid|As|Under|"
    r"Despite|For|By|Speaking|Late|Early|When|While|Although|Though|Because|If|Once|Until|"
    r"Asked|Like|Unlike|Now|Today|Yesterday|Over|Within|Without|Among|Across|Through|Upon|"
    r"Instead|Still|Yet|But|And|So|However|Meanwhile|Also|Then|Rather|\d"
    r"|The (?:following|next|previous|same) )[^,;:\"“”()]{0,60}, "
)
_ANAPHOR_RE = re.compile(
    r"^[\"“‘']?(?:" + _LEADING + r")?" + _PRONOUN + r"(?=[\s'’,.;:!?]|$)"
    # "This week ...", "That morning ...": a time, not a reference. "Those who ...": anyone.
    r"(?! (?:week|weekend|year|month|morning|afternoon|evening|night|summer|spring|fall|autumn|"
    r"winter|season|past|coming|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
    r"(?! who\b)"
)
# A leading phrase about "its" or "their" something, then "the ..." or a pronoun: "In its first
# action on Monday, the countries will ...", whose "its" and "the countries" were said before.
# ("In his first speech, Biden said ...": the name after the comma says whose.)
_POSSESSIVE_LEAD_RE = re.compile(
    r"^(?:In|On|At|After|Before|During|With|Under|For|By|Since|Following|Amid|Despite)"
    r" (?:its|his|her|their) [^,;:\"“”()]{1,60}, (?:the|he|she|it|they|this|these|those)\b"
)
# "It is unclear whether ...", "It's not easy to ...": an expletive it, which points nowhere
# (not "It's a plan that ...", whose "it" is the plan said before).
_EXPLETIVE_IT_RE = re.compile(
    r"^It(?:'s|’s| is| was| remains| has been| will be| would be| seems| appears)"
    r"(?: (?:not|also|still|now|too|so|very|far|already|increasingly|hardly|no longer))?"
    r" (?!a |an |the |just |only )[a-z]+ (?:whether|that|to|how|if|when|what|who|why)\b"
)
# The writer's own voice, or the reader addressed, outside quotation marks: under an outlet's
# name "I" and "you" are nobody a reader can place (an op-ed, a teaser, a quotation split at a
# sentence break).
_PERSON_RE = re.compile(
    r"(?<!War )(?<!Phase )(?<!Title )(?<!Class )(?<!Part )(?<!Type )(?<!Stage )"
    r"\b(?:I|I'm|I’m|I've|I’ve|I'd|I’d|I'll|I’ll|me|my|mine|myself|[Ww]e|[Ww]e're|[Ww]e’re|"
    r"[Ww]e've|[Ww]e’ve|[Ww]e'll|[Ww]e’ll|us|[Oo]ur|ours|ourselves|[Yy]ou|[Yy]ou're|[Yy]ou’re|"
    r"[Yy]ou've|[Yy]ou’ve|[Yy]our|yours|yourself|[Ll]et's|[Ll]et’s)(?![\w'’-])"
)
# (single quotes too, as titles and British outlets quote: "Judge blasts Flynn: 'You sold your
# country out'", "‘We’ll keep asking’"; an apostrophe inside a word opens and closes nothing)
_QUOTED_RE = re.compile(
    r"“[^“”]*”|\"[^\"]*\"|(?<![\w'‘’])‘[^‘]*?’(?![\w‘’])|(?<![\w'‘’])'(?:[^']|'(?=\w))*?'(?![\w'])"
)
# (Speed, same answers: _PERSON_RE begins with lookbehinds, so the engine tries it at every
# position, ~50 µs a sentence. Any match of it starts with one of these words, followed by no
# word character ("I'm" by its "'"); each alternative here opening with a letter, the engine
# scans for those letters, and _PERSON_RE is asked only where one of the words ends.)
_PERSON_SCAN_RE = re.compile(
    r"(?:I|me|my|mine|myself|We|we|us|Our|our|ours|ourselves|You|you|Your|your|yours|yourself|"
    r"Let|let)(?!\w)"
)
# A show's or video's blurb, not a report: "X joins Y to discuss ...", "On this episode of ...";
# a page's furniture left in the text.
_BLURB_RE = re.compile(
    r"\bjoins?\b[^.]{0,120}\bto (?:discuss|talk about|break down)\b"
    r"|\b(?:[Oo]n|[Ii]n) (?:this|today['’]s|the latest|this week['’]s) (?:episode|edition)\b"
    # A page's link text or a quote box run into the text ("... longtime friend and adviser
    # Read more It may also ..."), and a stock ticker with the day's move after a company's
    # name ("Apple Inc. AAPL 0.45% said ...", "Nike Inc. (NKE -0.53%)").
    r"|\b(?:Read more|Read More|Sign up|Click here|Subscribe now)\b"
    r"|(?:Inc|Corp|Co|Ltd|Plc)\.,? \(?[A-Z]{1,5} [+\-−]?\d+(?:\.\d+)?%"
)


def quote_fragment(text: str) -> bool:
    """Whether a quotation opens in the text and never closes, or closes without opening: a
    sentence of a longer quotation, whose speaker is in another sentence."""
    return text.count('"') % 2 == 1 or text.count("“") != text.count("”")


def question(text: str) -> bool:
    """Whether the text ends as a question (after closing quotes or brackets). A question
    quoted after its speaker ('... a video that asks "Will brave win?"') is reported: a
    statement."""
    body = text.rstrip("\"'”’»)]")
    if not body.endswith(("?", "？", "؟")):
        return False
    if body == text:
        return True
    opened = max(body.rfind('"'), body.rfind("“"))
    return opened <= 0 or not body[:opened].strip()


# _QUOTED_RE's parts, for _unquoted: the quotations of the other marks, where one opens.
_QUOTE_MARK_RE = re.compile("[“\"‘']")
_MARKED_QUOTED_RE = re.compile(r"“[^“”]*”|\"[^\"]*\"|(?<![\w'‘’])‘[^‘]*?’(?![\w‘’])")
_APOSTROPHE_OPENS_RE = re.compile(r"(?<![\w'‘’])'")
_APOSTROPHE_ENDS_RE = re.compile(r"'(?!\w)")


def _unquoted(text: str) -> str:
    """_QUOTED_RE.sub(" ", text), in time linear in the text's length. The pattern's
    single-quote part looks from each apostrophe that can open a quotation to the first one
    no letter follows (an apostrophe before a letter is inside a word), so an opening
    apostrophe never closed looked to the text's end, and a run of them ("-'a-'a-'a ...", or
    "'a 'b 'c ...") took time growing with its square (8,000 of them: 3 s). Every opener
    before that first apostrophe meets the same one, so one look answers them all."""
    out: list[str] = []
    copied = at = 0
    dead = 0  # an apostrophe opening before this closes nothing
    while (mark := _QUOTE_MARK_RE.search(text, at)) is not None:
        start = mark.start()
        end = -1
        if text[start] != "'":
            quoted = _MARKED_QUOTED_RE.match(text, start)
            if quoted is not None:
                end = quoted.end()
        elif start >= dead and _APOSTROPHE_OPENS_RE.match(text, start) is not None:
            close = _APOSTROPHE_ENDS_RE.search(text, start + 1)
            if close is None:
                dead = len(text)
            elif text.startswith("'", close.end()):  # ("''": neither closes nor goes on)
                dead = close.start()
            else:
                end = close.end()
        if end < 0:
            at = start + 1
            continue
        out.append(text[copied:start])
        out.append(" ")
        copied = at = end
    out.append(text[copied:])
    return "".join(out)


def own_voice(text: str) -> bool:
    """Whether the writer speaks as "I" or "we", or to the reader as "you", outside quotes."""
    if '"' in text or "“" in text or "'" in text or "‘" in text:
        text = _unquoted(text)
    found = _PERSON_SCAN_RE.search(text)
    while found is not None:
        start = found.start()
        if _PERSON_RE.match(text, start) is not None:  # (its lookbehinds see text before start)
            return True
        found = _PERSON_SCAN_RE.search(text, start + 1)
    return False


def blurb(text: str) -> bool:
    """Whether the text is a show's blurb or holds a page's furniture (_BLURB_RE)."""
    return (
        "join" in text
        or "episode" in text
        or "edition" in text
        or "%" in text
        or "Read more" in text
        or "Read More" in text
        or "Sign up" in text
        or "Click here" in text
        or "Subscribe now" in text
    ) and _BLURB_RE.search(text) is not None


# A story's candidates are asked at every refresh of it: the answers are kept (a sentence's
# text is held by the parse cache anyway; its hash is cached on the string).
_KEPT = 65_536


@functools.lru_cache(maxsize=_KEPT)
def stands_alone(text: str, language: str) -> bool:
    """Whether a sentence can be shown as a point at all: whole quotations and brackets, a
    statement, in the report's voice, opening as a sentence does, without a dateline or a
    show's blurb. Leaning on the sentence before
    (leans_back) is another matter: it reads right after that sentence."""
    if quote_fragment(text) or question(text) or text.count("(") != text.count(")"):
        # (a bracket left open: a text cut off inside it, "... Bill Cassidy (La.")
        return False
    if language != "english":
        return True
    first = text.lstrip("\"“‘'")[:1]
    if not (first.isupper() or first.isdigit()):
        # A sentence's start lost to the splitter or a feed's markup ("), Majority Whip ...",
        # "► The ...", "ederal laws ...", "the president tweeted ..."): no sentence.
        return False
    return not (own_voice(text) or leads_with_dateline(text) or blurb(text))


@functools.lru_cache(maxsize=_KEPT)
def leans_back(text: str, language: str) -> bool:
    """Whether a sentence opens with a connective or a pronoun that refers to the sentence
    before it in its article ("But ...", "He said ...", "This was ...", "At noon, it ...")."""
    if language != "english":
        return False
    if _CONNECTIVE_RE.match(text) or _POSSESSIVE_LEAD_RE.match(text):
        return True
    return _ANAPHOR_RE.match(text) is not None and _EXPLETIVE_IT_RE.match(text) is None


# A definite reference to something the sentence does not name, as its opener ("The measure
# passed 257-150", "The company on Tuesday said ...") or as who said it without a name before
# ("..., the group wrote", "said the officials"): shown apart from its article, the reader must
# have met it in a point before. Each noun with the words that introduce what it refers to.
_REFERENTS: dict[str, frozenset[str]] = {}
for _nouns, _introduced in (
    ("bill measure legislation", "bill bills measure legislation act law resolution"),
    ("lawsuit suit complaint", "lawsuit suit sued sue sues suing complaint filed"),
    ("order", "order orders signed"),
    ("ruling court judge panel", "court judge judges ruled ruling decision justices panel"),
    (
        "plan proposal program policy",
        "plan plans proposal proposed program policy package unveiled",
    ),
    ("company firm", "company firm maker giant inc corp"),
    ("group organization", "group organization coalition association"),
    ("agency department", "agency department administration"),
    (
        "official officials spokesman spokeswoman spokesperson source sources",
        "official officials spokesman spokeswoman spokesperson source sources",
    ),
    ("report study letter statement", "report reported study survey analysis letter statement"),
    ("campaign", "campaign candidate presidential"),
    ("country countries", "country countries nation nations"),
    ("senator lawmaker lawmakers", "senator sen senators lawmaker lawmakers congressman"),
    ("allegations accusations claims", "alleged allegation allegations accused accusation claims"),
):
    for _noun in _nouns.split():
        _REFERENTS[_noun] = frozenset(_introduced.split())
_REFERENT_NOUNS = "|".join(sorted(_REFERENTS, key=len, reverse=True))
# (not "The group of senators ...", "The company behind Fortnite ...": those say which)
# (after a desk's label, "Why it matters: The letter ..."; not "The official apparel company
# ...", "The court records ...", where the noun is a modifier)
_DEFINITE_OPENER_RE = re.compile(
    r"^(?:[A-Z][\w'’ ]{0,25}: )?The (" + _REFERENT_NOUNS + r")(?:['’]s)?(?![\w'’-])"
    r"(?! (?:of|behind|that|which|who|in|at|for|from|with|to)\b)"
    r"(?<!official)(?! (?:records?|filings?|documents?|packing|system|fight|battle|cases?)\b)"
    r"|^(?:[A-Z][\w'’ ]{0,25}: )?The (official)(?=,| said| says| told| added)"
)
_DEFINITE_SPEAKER_RE = re.compile(
    r", the (" + _REFERENT_NOUNS + r") (?:said|says|wrote|writes|added|told|announced|noted|"
    r"argued|claimed|stated)\b|\b(?:said|says|wrote|added|according to) the ("
    + _REFERENT_NOUNS
    + r")(?![\w'’-])"
    # (not a modifier: "according to the official figures", "said the report card")
    r"(?! (?!(?:in|on|at|who|that|which|to|of|for|with|after|before|during|and|but|last|this)\b)"
    r"[a-z])"
)
_NAME_BEFORE_RE = re.compile(r"\s[A-Z]")


@functools.lru_cache(maxsize=_KEPT)
def unreferenced(text: str, language: str) -> frozenset[str] | None:
    """The words that would introduce what a sentence's definite reference points to ("The
    measure ..." -> bill, measure, act, ...), where it opens with one or names its speaker by
    one without a name before; None where it has none (other languages: none read)."""
    if language != "english":
        return None
    opener = _DEFINITE_OPENER_RE.match(text)
    if opener is not None:
        return _REFERENTS[opener.group(1) or opener.group(2)]
    speaker = _DEFINITE_SPEAKER_RE.search(text)
    if speaker is None or _NAME_BEFORE_RE.search(text, 0, speaker.start()):
        return None
    return _REFERENTS[speaker.group(1) or speaker.group(2)]
