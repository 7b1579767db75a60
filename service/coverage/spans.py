"""Tighter spans of a sentence that still read as sentences: key-point candidates.

A key point need only occur verbatim in its article, so it may be part of a sentence: without
the dateline ("WASHINGTON (AP) —"), a leading connective ("But", "Meanwhile,"), a trailing
attribution (", according to officials.", ", he said."), or a trailing clause (", which ...",
", citing ..."), without a leading phrase before its subject ("On Friday, President Biden ..."), or
cut at a semicolon, dash or colon into a clause that stands alone. Editors' roundups are short factual sentences; a tight span says the
same in fewer words, leaving room for more of what happened within a point budget.

Every span is a verbatim substring of the sentence (so of the article), begins with a capital
letter, digit or opening quote before one, ends on a word, number or balanced closing quote or
bracket (never on a comma, a dangling "and"/"the"/"of", or an open quotation), and has at least
MIN_SPAN_WORDS words. The rules are English: other languages keep whole sentences.
"""

from __future__ import annotations

import itertools
import re

MIN_SPAN_WORDS = 6
MAX_SPANS = 6  # variants of one sentence (besides the sentence itself) at most
MAX_CUTS = 8  # cut points tried in one clause: a run of commas costs no more than a sentence

# A dateline or wire credit before the story proper: "WASHINGTON (AP) — ", "NEW YORK -- ",
# "MONSEY, N.Y. (AP) — ", "(CNN) — ", "(CNN)", "Washington (CNN) -- ", "LONDON (Reuters) - ",
# "BEIJING/HOUSTON (Reuters) - ", "WASHINGTON, May 20 (Reuters) ― ", "New York (CNN Business)".
_WIRE = r"(?:CNN(?: [A-Z][a-z]+)?|AP|AFP|Reuters|UPI|CNBC|Xinhua|Bloomberg|dpa|EFE|TASS|ANSA)"
_DASH = r"(?:—|–|―|--|-)"
_DATELINE_RE = re.compile(
    r"^(?:"
    # An upper-case place (or places: "BEIJING/HOUSTON"), with an optional ", N.Y." or
    # ", Calif." and an optional date ("May 20"), optional credit, a dash.
    r"[A-Z][A-Z.'/\-]*(?: [A-Z][A-Z.'/\-]*){0,3}"
    r"(?:, [A-Z][A-Za-z.]{1,12}(?: [A-Z][A-Za-z.]{1,12})?)?(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})?"
    r"(?: ?\([A-Za-z][A-Za-z .&]{0,24}\))? ?" + _DASH + r" ?"
    # A place in title case followed by a wire credit in brackets, optional dash.
    # ("Nashua, New Hampshire (CNN) - ": a place, its state)
    r"|[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}(?:, [A-Z][a-z]+(?: [A-Z][a-z]+)?)?,? ?\("
    + _WIRE
    + r"\) ?(?:"
    + _DASH
    + r" ?)?"
    # A bare wire credit.
    r"|\(" + _WIRE + r"\) ?(?:" + _DASH + r" ?)?"
    r")(?=[\"“‘']?[A-Z0-9])"
)
# A connective that leans on the sentence before it, before a capitalised word.
_LEADING_RE = re.compile(
    r"^(?:But|And|Yet|So|Still|Meanwhile|However|Also|Now|Instead|Moreover|Furthermore|"
    r"Additionally|In addition|Separately|Elsewhere|Indeed|Nonetheless|Nevertheless|Further|"
    r"At the same time|On the other hand|In the meantime),? (?=[\"“]?[A-Z0-9])"
)
# Where a sentence may be cut, keeping what comes before: a trailing attribution or a clause
# that adds to what the sentence already says.
_TRAIL_RE = re.compile(
    r", (?:according to|citing|saying|adding|who|which|amid|as|after|following|while|"
    r"despite|before|a move|in a move|marking|prompting|sparking|where|when|though|although|"
    r"even as)\b"
)
# A leading phrase of time, place or circumstance before a capitalised subject: "On Friday,
# President Biden signed ..." also gives "President Biden signed ...".
_LEADING_PHRASE_RE = re.compile(
    r"^(?:On|In|At|After|Before|During|Earlier|Later|Last|This|Since|Following|With|Amid|As|"
    r"Under|Despite|For|By|Speaking|Late|Early|Hours|Days|Weeks|Months|Years|Two|Three)"
    r"\b[^,;\"“”]{1,60}, (?=[\"“]?[A-Z])"
)
# ", he said." / ", the Pentagon said Friday." / ", Reuters reported." at the end: cut too.
_WHEN = (
    r"(?: (?:on |late |early |last |this |in a |in an )?(?:Monday|Tuesday|Wednesday|Thursday|"
    r"Friday|Saturday|Sunday|yesterday|today|tonight|week|month|night|morning|afternoon|"
    r"evening|statement|interview|news conference|press conference|briefing|report))*"
)
_SAID_RE = re.compile(
    r", (?:[^,;\"“”]{1,60} )?(?:said|says|told (?:[A-Z][\w.'’]*(?: [A-Z][\w.'’]*){0,3}|reporters)|"
    r"reported|reports|announced|added|wrote|tweeted|noted|stated|explained)" + _WHEN + r"\.$"
)
# A sentence resuming after an aside: a comma, then a verb.
_RESUMES_RE = re.compile(
    r", (?:[a-z]+ )?(?:is|are|was|were|has|have|had|will|would|can|could|may|might|must|"
    r"should|said|says|[a-z]{3,}ed)\b"
)
# Clauses that may stand alone: split at a semicolon, a spaced dash, or a colon before a
# capitalised word ("Why it matters: The letter ..."; not before a quotation, which would lose
# who said it).
_CLAUSE_RE = re.compile(r"; | (?:—|–|--) |: (?=[A-Z])")
# Words a span must not end on: it would read as broken off.
_BAD_END = frozenset(
    """a an the and or but nor of to in on at by for with from as than that which who whom
    whose this these those its his her their our your my is are was were be been being has
    have had will would can could should may might must do does did not no said says told
    according into onto over under about after before while when where if because since
    including such like via per mr mrs ms dr sen rep gov st""".split()
)
_MODALS = frozenset({"may", "will", "can", "must"})
_WORD_END_RE = re.compile(r"[\w%$]$")
_OPEN_QUOTE = '"“‘«'


def _balanced(text: str) -> bool:
    """Quotes and brackets opened in the span close in it (straight quotes pair up)."""
    if text.count("(") != text.count(")") or text.count("[") != text.count("]"):
        return False
    if text.count("“") != text.count("”") or text.count('"') % 2:
        return False
    return text.count("«") == text.count("»")


def _starts_and_ends_clean(span: str) -> bool:
    """A capital (or digit) start, possibly after an opening quote; an end on a word, number or
    closing quote or bracket, not on a word that leaves the reader hanging; balanced quotes."""
    first = span.lstrip(_OPEN_QUOTE)[:1]
    if not first or not (first.isupper() or first.isdigit()):
        return False
    end = span.rstrip(".!?\"”’')]»")
    # (searched from the last two characters: "$" is the end or a last newline before it, so
    # no match starts earlier; the pattern scanned the whole span for one)
    if not end or not _WORD_END_RE.search(end, max(0, len(end) - 2)):
        return False
    last = end.rsplit(" ", 1)[-1].strip("\"“”‘’'(")
    # "May" the month, "Will" a name: a capitalised modal is not the dangling one.
    if last.lower() in _BAD_END and not (last[:1].isupper() and last.lower() in _MODALS):
        return False
    return _balanced(span)


def _opens_whole(rest: str) -> bool:
    """Whether the rest of a sentence, its opening cut, stands as a sentence: long enough, a
    capital start, balanced quotes and brackets (its end is the sentence's)."""
    first = rest.lstrip(_OPEN_QUOTE)[:1]
    return (
        len(rest.split()) >= MIN_SPAN_WORDS
        and (first.isupper() or first.isdigit())
        and _balanced(rest)
    )


_SUBORDINATE = frozenset(
    """by when after if although though while as because since before with in on at during
    despite following amid under without unless until once for from to of whether""".split()
)


def _reads_whole(span: str) -> bool:
    """Whether a span can be shown as a point on its own: long enough, a capital start, a clean
    end, balanced quotes and brackets."""
    if len(span.split()) < MIN_SPAN_WORDS:
        return False
    opener = span.split(" ", 1)[0].lower()
    if opener in _SUBORDINATE and ", " not in span:
        # "By injecting rhetoric into the visit" (cut at a dash): the phrase that leads into
        # a clause, without the clause.
        return False
    return _starts_and_ends_clean(span) and _has_verb(span)


# Words that make a clause of a noun phrase: auxiliaries and common reporting verbs; any other
# lower-case word ending in -ed or -s counts too (a past tense, a present third person; plural
# nouns pass as well, which only lets a few noun phrases through).
_VERBS = frozenset(
    """is are was were be been being am has have had will would can could should may might must
    do does did won lost met led made took gave got set put ran cut hit let came went saw told
    said says say grew fell rose paid sent left held kept began wrote spoke""".split()
)


def _has_verb(span: str) -> bool:
    """Whether a span likely holds a verb, so it is a clause and not a bare name or appositive
    ("Chairman Bennie Thompson, D-Miss., and Rep. John Katko of New York")."""
    for word in span.split()[1:]:
        w = word.strip("\"“”‘’'(),.;:!?")
        if not w or not w.isalpha() or not w.islower():
            continue
        if w in _VERBS or (
            len(w) > 3 and (w.endswith("ed") or (w.endswith("s") and not w.endswith("ss")))
        ):
            return True
    return False


def leads_with_dateline(sentence: str) -> bool:
    """Whether an English sentence still opens with a dateline or wire credit (one whose rest
    is too short to stand as a sentence keeps it): no point can be shown so."""
    return _DATELINE_RE.match(sentence) is not None


def english_head(sentence: str) -> str:
    """An English sentence without its dateline or wire credit and without a leading connective
    that leans on the sentence before ("But", "Meanwhile,"), where what is left reads whole;
    else the sentence itself. A reader loses nothing: the point is shown in its place."""
    head = sentence
    for pattern in (_DATELINE_RE, _LEADING_RE):
        match = pattern.match(head)
        if match and _opens_whole(head[match.end() :]):
            head = head[match.end() :]
    return head


def english_spans(sentence: str, head: str | None = None) -> list[str]:
    """The tighter spans of an English sentence (after english_head) that read whole, longest
    first, without the head itself; [] when none. Each is a verbatim substring of `sentence`.
    `head`: english_head(sentence), where the caller has it."""
    if head is None:
        head = english_head(sentence)
    pieces = [head]
    # Clauses at semicolons and dashes: the first, and each later one that starts a sentence
    # of its own (a capital letter, checked with the rest below).
    parts = _CLAUSE_RE.split(head, maxsplit=MAX_CUTS)
    if len(parts) > MAX_CUTS:
        parts.pop()  # the unsplit rest: more clauses than are tried
    if len(parts) > 1:
        pieces.extend(p for p in parts if p)
    out: list[str] = []
    for piece in list(pieces):
        match = _LEADING_PHRASE_RE.match(piece)
        if match:
            pieces.append(piece[match.end() :])
    for piece in pieces:
        variants = [piece]
        said = _SAID_RE.search(piece)
        if said:
            # The attribution off first, so the cuts below see the sentence without it.
            piece = piece[: said.start()]
            variants.append(piece)
        for cut in itertools.islice(_TRAIL_RE.finditer(piece), MAX_CUTS):
            # Not where the clause cut off is an aside the sentence resumes after ("The bill,
            # which the Senate takes up, would ..."): what is before it is only the subject.
            if not _RESUMES_RE.search(piece, cut.end()):
                variants.append(piece[: cut.start()])
        for v in variants:
            v = v.strip()
            if v not in (sentence, head) and v not in out and _reads_whole(v) and v in sentence:
                out.append(v)
    out.sort(key=lambda v: -len(v))
    return out[:MAX_SPANS]


def without_lead_in(sentence: str, language: str) -> str:
    """A sentence as a point opens it: without a dateline or leading connective (English);
    other languages keep the sentence as it is."""
    if language != "english":
        return sentence
    return english_head(sentence)


def spans(sentence: str, language: str, head: str | None = None) -> list[str]:
    """A sentence's tighter spans in its language ([] where there are no rules for it);
    `head`: without_lead_in(sentence, language), where the caller has it."""
    if language != "english":
        return []
    return english_spans(sentence, head)


# A title's parts: before a clause that adds to what it says (", raising fears ...", " as ...",
# ", but ..."), either side of a colon, a dash or a bar (a kicker, an outlet's name).
_TITLE_TRAIL_RE = re.compile(
    r"(?:,| —| –| --|;)? (?:as|amid|after|while|but|raising|sparking|prompting|saying|despite|"
    r"following|ahead of|in a)\b|, | (?:—|–|--|-|\|) |: |; "
)


def english_title_spans(title: str) -> list[str]:
    """Tighter spans of an English title that read as a headline: a prefix cut before a
    trailing clause or at a comma, colon or dash; the part after a colon, dash or bar; the
    first sentence of a title of two ("X. Here's how."), without its full stop. Neither part of
    a title cut at a colon or dash after a verb of saying ("Trump Tells Rally Crowd: ..."): one
    has lost what was said, the other who said it."""
    out: list[str] = []
    question = title.rstrip("\"'”’)").endswith("?")
    label = _LABEL_RE.match(title)
    if label:
        # The headline after a desk's label, whole (its own commas and all).
        rest = title[label.end() :].strip()
        if len(rest.split()) >= MIN_TITLE_WORDS and _starts_and_ends_clean(rest):
            out.append(rest)
    for cut in itertools.islice(_TITLE_TRAIL_RE.finditer(title), MAX_CUTS * 2):
        head = title[: cut.start()].strip()
        tail = title[cut.end() :].strip()
        # (the start of a question cut inside it is no headline: it has lost its question
        # mark, and reads as a statement: "Did Trump Say He Hoped George Floyd, ...?"; a topic
        # before a colon or dash is not part of the question)
        between = cut.group().strip() in (":", "—", "–", "--", "-", "|", ";")
        pieces = [head] if between or not question else []
        if between:
            if _SAYS_RE.search(head):
                # Neither part alone: the head has lost what was said, the tail who said it.
                continue
            # Not the claim after a colon without who makes it ("Mick Mulvaney: Trump to
            # secure border ...", "Report: Trump lawyer paid ...": it would be stated as
            # fact), nor a speaker without what was said ("'We want unity': Trump says in
            # speech").
            attributed = cut.group().strip() == ":" and (
                _source_head(head) or _SAID_TAIL_RE.search(tail) is not None
            )
            if not attributed:
                pieces.append(tail)
        for piece in pieces:
            if (
                len(piece.split()) >= MIN_TITLE_WORDS
                and not _TITLE_BREAK_RE.search(piece)
                and piece not in out
                and piece != title
                and _starts_and_ends_clean(piece)
            ):
                out.append(piece)
    end = title_sentence_end(title)
    if end is not None:
        first = title[:end].rstrip(".")
        if (
            len(first.split()) >= MIN_TITLE_WORDS
            and first not in out
            and _starts_and_ends_clean(first)
        ):
            out.append(first)
    return out


# A desk's label before a colon or dash ("BREAKING:", "It begins:", "Another one:"): it tells
# how the outlet files the story, not what happened. (Words that are also news, "Update",
# "Video", only as such a label.)
_LABEL_RE = re.compile(
    r"^\s*(?:breaking(?: news)?|latest|exclusive|scoop|just in|update[ds]?|video|photos|"
    r"explainer|(?:ap |reality )?fact[- ]check|reality check|perspectives?|it begins|another one|on second thought|wake[- ]up call|"
    r"must[- ]read|developing)\s*(?::|\||—|–|--| -)\s",
    re.IGNORECASE,
)


def title_label(title: str) -> bool:
    """Whether a title opens with a desk's label ("BREAKING: ...")."""
    return _LABEL_RE.match(title) is not None


# Who makes a claim, before a colon: a source ("Report", "Officials", "Police") or a name (its
# words capitalised: "Mick Mulvaney", "Sen. John McCain", "CDC"), not a topic ("Jobs report",
# "Christchurch shootings", "Chauvin Trial").
_SOURCE_NOUNS = frozenset(
    """report reports source sources official officials expert experts police poll study records
    documents witness witnesses analyst analysts aide aides insider insiders prosecutors
    investigators""".split()
)
_TOPIC_NOUNS = frozenset(
    """trial mess funeral shooting shootings attack attacks vote election report crisis war
    hearing hearings debate case scandal probe inquiry impeachment crash storm fire fires
    disappearance outbreak protests summit deal plan bill""".split()
)
_KICKER_WORDS = frozenset("opinion editorial analysis commentary column watch live".split())
_NAME_WORD_RE = re.compile(r"(?:[A-Z][\w'’.-]*|[A-Z]{2,}|of|the|de|van|von|al|bin)")
# What follows the colon is only its speaker: "Trump Says in Salute to America Speech".
_SAID_TAIL_RE = re.compile(
    r"\b(?:says?|said|tells?|told|warns?|asks?)(?: (?:in|at|on|to|during|after|before|while|as)"
    r"\b[^,;:]*)?$",
    re.IGNORECASE,
)


def _source_head(head: str) -> bool:
    """Whether what comes before a title's colon names who makes the claim after it."""
    words = head.split()
    if not 1 <= len(words) <= 5 or title_label(head + ": "):
        return False
    if len(words) == 1 and words[0].lower().strip("'’") in _SOURCE_NOUNS:
        return True
    if words[0].lower() in _KICKER_WORDS:
        return False
    return (
        words[0][:1].isupper()
        and all(_NAME_WORD_RE.fullmatch(w) for w in words)
        and words[-1].lower() not in _TOPIC_NOUNS
        and words[-1].lower() not in _SOURCE_NOUNS
    )


# A verb of saying, then at most a few words (who was told): what was said is still to come.
_SAYS_RE = re.compile(
    r"\b(?:tells?|told|says?|said|warns?|asks?|urges?|insists?|declares?|claims?|vows?)"
    r"(?: [\w.'’-]+){0,4}$",
    re.IGNORECASE,
)
# A full stop ends a title's sentence after a word that is no abbreviation ("Dept.", "Calif.")
# nor an initial or a capitalised pair of letters ("H.W.", "Va.", "St.", "U.S."): "up." does.
_TITLE_STOP_RE = re.compile(r"([\w%’'”)-]+)([.!?]) (?=[\"“‘']?[A-Z0-9])")
_TITLE_ABBREVIATIONS = frozenset(
    """dept gov sen sens rep reps gen col lt sgt capt cmdr adm prof pres rev hon calif colo conn
    mass mich minn tenn wash penn fla ala ariz okla nev neb kan wis ore corp inc ltd univ jan feb
    mar apr jun jul aug sep sept oct nov dec blvd ave est approx""".split()
)


_PARTY_STATE_RE = re.compile(r"[DRI]-[A-Z][a-z]{1,4}")


def title_sentence_end(title: str) -> int | None:
    """Where the first of a title's sentences ends (just after its stop), when another
    follows; None for a title of one sentence."""
    for match in _TITLE_STOP_RE.finditer(title):
        word = match.group(1).strip("’'”)")
        if match.group(2) == "." and (
            len(word) < 2
            or (len(word) == 2 and not word.islower())
            or word.lower() in _TITLE_ABBREVIATIONS
            # (a party and state: "Sen. Ed Markey, D-Mass. Says ...")
            or _PARTY_STATE_RE.fullmatch(word) is not None
        ):
            continue
        return match.end(2)
    return None


MIN_TITLE_WORDS = 4
# A span holds no break of its own: it is one part of the title, not two.
_TITLE_BREAK_RE = re.compile(r", |: |; | (?:—|–|--|-|\|) |[.!?] ")


def title_spans(title: str, language: str) -> list[str]:
    """A title's tighter spans in its language ([] where there are no rules for it)."""
    if language != "english":
        return []
    return english_title_spans(title)
