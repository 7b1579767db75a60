"""Which language an article is written in, and each language's rules for reading its words.

Scripts and function-word counts name the language (detect_language); stop-word lists
(stop-words) and Snowball stemmers (PyStemmer) make its comparable terms (_Terms); and the rules
some languages need to be read at all: Thai ends a sentence at a space, Korean writes particles
on the word, Vietnamese, Russian and Devanagari abbreviate in their own ways, and scripts written
without spaces count their letters as words.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import unicodedata
from collections import Counter
from typing import Any

import Stemmer  # type: ignore[import-not-found,unused-ignore]

# A word's letters: what \w counts, and the combining marks \w leaves out that words are
# written with: the vowel signs of Devanagari and the other Indic scripts ("सर्वसम्मति" was read as
# "सर", "वसम", "मत": framing showed such pieces), Arabic's harakat, Hebrew's points, Cyrillic's
# and Latin's combining accents. (Not the dandas "।" "॥", which end sentences; Thai, Lao, Khmer
# and Burmese are read by letter pairs or segment.py, not as spaced words.)
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
    "\u0900-\u0963\u0966-\u0dff"
)
_WORD_RE = re.compile(rf"[\w{_MARKS}]+(?:['’.\-][\w{_MARKS}]+)*", re.UNICODE)
# The same pattern for ASCII text (most articles), where it finds the same matches: \w is
# [A-Za-z0-9_], and a character class to start with is scanned for by table (as
# sentences._SENTENCE_END_ASCII_RE is for sentence ends).
_WORD_ASCII_RE = re.compile(r"[A-Za-z0-9_]+(?:['.\-][A-Za-z0-9_]+)*")
# Abbreviations of other languages before a capitalised word: Russian's "им. Ленина" (named
# after), "ул." (street), "проф."; Vietnamese's "TP. Hồ Chí Minh" (city), "TS." (doctor), "PGS."
# (associate professor), "ThS." (master). Only those written before a name: the ones written
# after a number or a name ("450 млрд руб." roubles, "2025-2027 гг." years, "Московской обл.")
# end many a sentence, and run on before a lower-case word as any abbreviation does. The
# Vietnamese ones only in a text with a Vietnamese letter: English writes them too, at a
# sentence's end ("Overland Park, KS.", "the report by GS.").
_FOREIGN_ABBREVIATIONS = frozenset("""им ул пр просп пер пл акад проф доц тов""".split())
_VIETNAMESE_ABBREVIATIONS = frozenset("""tp ts ths pgs gs bs ks""".split())
# Letters Vietnamese writes and English does not: ă â đ ê ô ơ ư, and the tone-marked vowels.
_VIETNAMESE_LETTER_RE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")
# Thai writes a full stop only after an abbreviation ("กนง." the monetary policy committee,
# "พ.ศ."): its sentences end at a space (split_sentences' _thai_sentences). (Not Lao: much Lao
# ends its sentences with the full stop, and its abbreviations are dotted letters, "ສ.ປ.ປ.",
# which the general rule keeps joined.)
_THAI_LETTER_END_RE = re.compile(r"[\u0e01-\u0e4e]")
# Devanagari's sentences end with the danda "।" in most Hindi: there a full stop after a word of
# one or two letters is an abbreviation ("डॉ." Dr., "प्रो." Prof., "रु." rupees), not a sentence's
# end. But Marathi, and much Hindi on the web, end sentences with the full stop, most often after
# a short verb ("आहे." is, "केले." did, "है." is, "था." was): in a text without a danda, only the
# titles written before a name are abbreviations.
_DEVANAGARI_ABBREVIATION_RE = re.compile(r"[\u0900-\u097f]+")
_DEVANAGARI_TITLES = frozenset({"डॉ", "प्रो"})
SPACELESS_LANGUAGES = frozenset({"chinese", "japanese", "thai", "khmer", "lao", "burmese"})
# Languages read by letter pairs whose words hold vowel signs and stackers that \w leaves out
# (Khmer's coeng, Burmese's medials): a pair is taken of the whole written word, marks and all.
# (Thai, read so before, is read as it was: its pairs are the letters between its marks.)
_MARKED_SPACELESS = frozenset({"khmer", "lao", "burmese"})
_MARKED_WORD_RE = re.compile(
    r"(?:[\u0e81-\u0ebc\u0ec0-\u0ecd\u1000-\u103f\u1050-\u109d\u1780-\u17d3\u17dd]|\w)+"
)
_NO_SPACE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR")
_NON_LATIN_RE = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u206f]")
_LATIN_LETTER_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")


# stop-words' list names -> Snowball algorithm names (None: no stemmer for that language).
_STEMMER_OF = {
    "arabic": "arabic", "catalan": "catalan", "czech": "czech", "danish": "danish",
    "dutch": "dutch", "english": "english", "finnish": "finnish", "french": "french",
    "german": "german", "greek": "greek", "hindi": "hindi", "hungarian": "hungarian",
    "indonesian": "indonesian", "italian": "italian", "norwegian": "norwegian",
    "persian": "persian", "polish": "polish", "portuguese": "portuguese",
    "romanian": "romanian", "russian": "russian", "spanish": "spanish", "swedish": "swedish",
    "turkish": "turkish", "malaysian": "indonesian",
}  # fmt: skip


class _Languages:
    """Stop-word lists and stemmers, loaded once on first use and shared read-only."""

    def __init__(self) -> None:
        from stop_words import AVAILABLE_LANGUAGES, get_stop_words

        self.stopwords: dict[str, frozenset[str]] = {}
        for name in sorted(set(AVAILABLE_LANGUAGES)):
            words = frozenset(w.strip().lower() for w in get_stop_words(name) if w.strip())
            if words:
                self.stopwords[name] = words
        if "english" not in self.stopwords:
            raise RuntimeError("stop-words has no English list; reinstall the stop-words package")
        # One lookup per token while detecting: word -> the languages listing it. A word in
        # many lists says little, so each list it is in gets 1/len(lists) of a vote.
        index: dict[str, list[str]] = {}
        for name, words in self.stopwords.items():
            for word in words:
                index.setdefault(word, []).append(name)
        self.index = {w: (tuple(names), 1.0 / len(names)) for w, names in index.items()}
        # English's list (1,333 words) holds Spanish, Italian and French ones too ("la", "de",
        # "que", "con", "y"): a quarter of a Spanish lead's words were "English". The words of
        # no other language's list tell English apart ("the", "and", "which").
        self.english_only = frozenset(w for w in self.stopwords["english"] if len(index[w]) == 1)
        self._local = threading.local()

    def terms(self, language: str) -> _Terms:
        """This thread's term maker for a language (PyStemmer objects are not thread-safe);
        each keeps its cache of words seen across stories."""
        makers: dict[str, _Terms] | None = getattr(self._local, "makers", None)
        if makers is None:
            makers = self._local.makers = {}
        maker = makers.get(language)
        if maker is None:
            algorithm = _STEMMER_OF.get(language)
            stemmer = Stemmer.Stemmer(algorithm, 0) if algorithm else None
            stop = self.stopwords.get(language, frozenset()) | self.stopwords["english"]
            maker = makers[language] = _Terms(language, stop, stemmer)
        return maker


_LANGUAGES: _Languages | None = None
_LANGUAGES_LOCK = threading.Lock()


def _languages() -> _Languages:
    global _LANGUAGES
    if _LANGUAGES is None:
        with _LANGUAGES_LOCK:
            if _LANGUAGES is None:
                _LANGUAGES = _Languages()
    return _LANGUAGES


@functools.lru_cache(maxsize=8192)
def _script(ch: str) -> str:
    """The Unicode script of a letter, as the first word of its name ("LATIN", "CJK")."""
    if ch < "\u0250":
        return "LATIN"
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


ENGLISH_ONLY_HITS = 2  # words of English's list alone a lead needs to be English at once


# Scripts that name one language outright; the rest are told apart by function words.
_SCRIPT_LANGUAGE = {
    "HIRAGANA": "japanese", "KATAKANA": "japanese", "HANGUL": "korean", "GREEK": "greek",
    "HEBREW": "hebrew", "GUJARATI": "gujarati", "THAI": "thai", "DEVANAGARI": "hindi",
    "KHMER": "khmer", "LAO": "lao", "MYANMAR": "burmese",
}  # fmt: skip


_GROUP = re.Match.group  # a match's text


def detect_language(text: str) -> str:
    """The article's language as a stop-words list name (e.g. "english"), or "unknown".

    The dominant script decides where it names one language; otherwise the language whose
    function words occur most among the first words (Latin, Cyrillic and Arabic scripts)."""
    sample = text[:600]
    # (ASCII text has no letter outside the Latin ranges: nothing to look for)
    foreign = (
        [] if sample.isascii() else [ch for ch in _NON_LATIN_RE.findall(sample) if ch.isalpha()]
    )
    scripts: Counter[str] = Counter()
    if not foreign:
        # Latin letters only (most articles): no letter needs counting to know the script.
        if not _LATIN_LETTER_RE.search(sample):
            return "unknown"
        script = "LATIN"
    else:
        scripts.update(_script(ch) for ch in foreign)
        latin = len(_LATIN_LETTER_RE.findall(sample))
        if latin:
            scripts["LATIN"] += latin
        script, _ = scripts.most_common(1)[0]
    if "HIRAGANA" in scripts or "KATAKANA" in scripts:
        return "japanese"
    if script == "CJK":
        return "chinese"
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script]
    langs = _languages()
    lowered = sample.lower()
    # The first 60 words, read only as far as needed: the first 40 decide most texts.
    found = (_WORD_ASCII_RE if lowered.isascii() else _WORD_RE).finditer(lowered)
    words = list(map(_GROUP, itertools.islice(found, 40)))
    english_like = False
    if script == "LATIN":
        # Most news here is English: a text where a quarter of the words are English function
        # words is English, without counting the other 30 lists.
        english = langs.stopwords["english"]
        hits = sum(map(english.__contains__, words))  # (bools summed: the same count)
        if hits >= 3 and hits * 4 >= len(words):  # (len(words) <= 40)
            if sum(map(langs.english_only.__contains__, words)) >= ENGLISH_ONLY_HITS:
                return "english"
            # (a Spanish lead's "la", "de", "que" are on English's list; so are a short
            # English title's "to", "in", "of", without a word of English's alone)
            english_like = True
    words += map(_GROUP, itertools.islice(found, 20))
    index = langs.index
    votes: dict[str, float] = {}
    # (the listed words in order: the same sums, added in the same order)
    for names, share in filter(None, map(index.get, words)):
        for name in names:
            votes[name] = votes.get(name, 0.0) + share
    if not votes:
        return "english" if script == "LATIN" else "unknown"
    # Ties go to English, then to the alphabetically first list: the same answer every time.
    best = min(votes, key=lambda name: (-votes[name], name != "english", name))
    if english_like and best != "english":
        # A text that reads as English's function words is another language's only where
        # that language shows words of its own, as English had to (ENGLISH_ONLY_HITS): one
        # such word is a name or an English word ("war" and "dies" are German's, "total" and
        # "los" Spanish's, "Otto" Italian's), and English titles of a text-less feed item were
        # read as German or Spanish, stemmed so and kept out of their English stories.
        own = langs.stopwords[best]
        english = langs.stopwords["english"]
        if sum(1 for w in words if w in own and w not in english) < ENGLISH_ONLY_HITS:
            return "english"
    return best


# Letters of a script a reader's word holds, on average, where words are not spaced (or, in
# Korean, are spaced with their particles and endings on): a sentence is counted as the words
# it would take in English. Measured on the news stories of tests/fixtures/stories against
# their English renderings: Chinese and Japanese ~2 characters a word (26 characters, "French
# President Macron held talks with Chinese President Xi Jinping in Beijing on Wednesday", 14
# words); Thai ~4 (its vowel and tone marks not counted; 68 letters, 17 words: newmm finds 17
# words there, characters / 2 made it 34); Korean ~2 syllables (a spaced "word" holds a noun and
# its particle: 9 of them say what 17 English words do, 35 syllables and digits).
# Khmer and Burmese ~3 (their vowel signs and stackers not counted; the fixture's Khmer lead of
# 102 letters says what 29 English words do, its Burmese one of 56 letters 19: / 2 made them
# 51 and 28).
_LETTERS_PER_WORD = {"THAI": 4, "LAO": 4, "HANGUL": 2, "KHMER": 3, "MYANMAR": 3}
_DEFAULT_LETTERS_PER_WORD = 2  # (CJK, kana)


def _letters_per_word(text: str) -> int:
    """How many letters of a text make a reader's word where its script does not space words
    (or spaces them with their particles, Korean); 0 where a word is what spaces delimit."""
    if text.isascii() or not _NON_LATIN_RE.search(text, 0, 200):
        # Latin letters and punctuation only (most articles): no letter needs its script named.
        return 0
    letters = [ch for ch in text[:200] if ch.isalpha()]
    if not letters:
        return 0
    scripts = Counter(map(_script, letters))
    spaceless = sum(scripts[s] for s in _NO_SPACE_SCRIPTS)
    if spaceless * 2 > len(letters):
        script = max(_NO_SPACE_SCRIPTS, key=lambda s: (scripts[s], s))
        return _LETTERS_PER_WORD.get(script, _DEFAULT_LETTERS_PER_WORD)
    if scripts["HANGUL"] * 2 > len(letters):
        return _LETTERS_PER_WORD["HANGUL"]
    return 0


# A text's reader's words, script by script (words_end): a run of Thai or Lao is its characters
# over 4, of Khmer or Burmese over 3, of Chinese or Japanese over 2 (_LETTERS_PER_WORD); a run
# of letters or digits of any other script is one word (English in a Thai article, "2024").
# (Chinese's and Japanese's punctuation, "，" "。", counted with their letters, as before.)
_READ_RUN_RE = re.compile(
    r"(?P<four>[\u0e01-\u0e5b\u0e81-\u0edf]+)"
    r"|(?P<three>[\u1000-\u109f\u1780-\u17dd\u17e0-\u17e9]+)"
    r"|(?P<two>[\u3001-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff65]+)"
    r"|(?P<one>[^\W\u0e01-\u0e5b\u0e81-\u0edf\u1000-\u109f\u1780-\u17e9"
    r"\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3007]+)"
)
_READ_RUN_LETTERS = {"four": 4, "three": 3, "two": 2, "one": 0}


def words_end(text: str, words: float) -> int | None:
    """Where a text written (at least partly) without spaces holds `words` reader's words,
    each script's run counted by its own letters a word (_READ_RUN_RE), not by the script of
    the text's start: a Thai article opening with 200 characters of English, digits or emoji
    was read to every one of MAX_ARTICLE_CHARS's characters, and English quoted in a Thai
    one was cut at Thai's characters. None where the text holds fewer."""
    total = 0.0
    for m in _READ_RUN_RE.finditer(text):
        per = _READ_RUN_LETTERS[m.lastgroup or "one"]
        size = (m.end() - m.start()) / per if per else 1.0
        if total + size > words:
            return m.start() + int((words - total) * per) if per else m.start()
        total += size
    return None


def _thai(sentence: str) -> bool:
    """Whether a sentence is written in Thai: most of its letters Thai's (its vowel and tone
    marks not counted). Only such a sentence ends at a space: an English one quoting a Thai
    phrase ("... a statement สวัสดีครับ ยินดีต้อนรับ ...") was cut in the phrase, and each half
    could be a point."""
    thai = len(_THAI_LETTER_RE.findall(sentence))
    if not thai or thai * 2 > len(sentence):  # (then more than half its letters, uncounted)
        return bool(thai)
    return thai * 2 > sum(map(str.isalpha, sentence))


def _foreign_abbreviation(word: str, danda: bool) -> bool:
    """Whether a word before a full stop (lower case, not ASCII) is an abbreviation of a
    language other than English: a Thai word (Thai ends sentences without one),
    a Devanagari title ("डॉ.") or, in a text whose sentences end with the danda (`danda`), a
    Devanagari word of at most two letters, or a listed Russian one."""
    if word in _FOREIGN_ABBREVIATIONS or _THAI_LETTER_END_RE.match(word[-1:]):
        return True
    if _DEVANAGARI_ABBREVIATION_RE.fullmatch(word):
        if word in _DEVANAGARI_TITLES:
            return True
        return danda and sum(1 for ch in word if unicodedata.category(ch) == "Lo") <= 2
    return False


# Thai writes no full stop: a sentence ends at a space. But a space also stands between a name
# and a surname ("นายสักกะภพ พันธ์ยานุกูล"), around numbers ("ลดลง 0.25% จาก 1.75%"), before an
# apposition ("เลขานุการ กนง.") and between clauses ("ต่อปี มีผลทันที", effective immediately).
# A space is taken as a sentence's end where the sentence so far holds THAI_MIN_SENTENCE
# characters, it follows a Thai letter or a per cent sign (a count's number runs on), and what
# follows is a clause of its own: a run of THAI_MIN_OPENING characters or more, or a person's
# title ("นาย" Mr, "ดร." Dr), not opening with a word that joins it to what came before ("และ"
# and, "โดย" by, "ซึ่ง" which, "เพื่อ" so as to ...), and not after a title and given name.
THAI_MIN_SENTENCE = 30
THAI_MIN_OPENING = 12
_THAI_TEXT_RE = re.compile(r"[\u0e01-\u0e4e]")
_THAI_LETTER_RE = re.compile(r"[\u0e01-\u0e30\u0e32\u0e33\u0e40-\u0e46]")  # (letters, not marks)
_THAI_SPACE_RE = re.compile(r"(?<=[\u0e01-\u0e4e%]) (?=[\u0e01-\u0e4e])")
_THAI_TITLES = (
    "นาย", "นาง", "น.ส.", "ดร.", "พล.", "พ.ต.", "ร.ต.", "ศ.", "รศ.", "ผศ.", "ม.ร.ว.", "ม.ล.",
)  # fmt: skip
_THAI_JOINING = (
    "และ", "หรือ", "แต่", "โดย", "ซึ่ง", "ที่", "เพื่อ", "จาก", "เหลือ", "ต่อ", "ของ", "ใน",
    "กับ", "ให้", "ว่า", "หลัง", "ก่อน", "เมื่อ", "ตาม", "ถึง", "จน", "จึง", "แล้ว", "ด้วย",
    "อย่าง", "เป็น", "คือ", "ก็", "ทั้ง", "รวม", "พร้อม", "นับ", "สำหรับ", "ยัง", "จะ",
)  # fmt: skip


def _thai_sentences(start: int, sentence: str) -> list[tuple[int, str]]:
    """A Thai sentence as split_sentences found it (between full stops), cut at the spaces
    that end a sentence (see THAI_MIN_SENTENCE); (start offset, sentence) each."""
    out: list[tuple[int, str]] = []
    begin = 0
    for match in _THAI_SPACE_RE.finditer(sentence):
        at = match.start()
        if at - begin < THAI_MIN_SENTENCE:
            continue
        # The words either side of the space, found from it (a slice of the rest of the
        # sentence at every space was quadratic: 400,000 letters of 3-letter words, 5.5 s).
        after = sentence.find(" ", at + 1)
        following = sentence[at + 1 : after if after >= 0 else len(sentence)]
        before = sentence[max(begin, sentence.rfind(" ", begin, at) + 1) : at]
        titled = following.startswith(_THAI_TITLES)
        if (len(following) < THAI_MIN_OPENING and not titled) or (
            not titled and following.startswith(_THAI_JOINING)
        ):
            continue
        if before.startswith(_THAI_TITLES) and len(before) <= THAI_MIN_OPENING + 8:
            continue  # a given name, its surname after the space ("นายกรัฐมนตรี" PM is no name)
        out.append((start + begin, sentence[begin:at]))
        begin = at + 1
    out.append((start + begin, sentence[begin:]))
    return out


# Korean writes its particles on the word they follow ("국회는" the assembly + topic, "예산안을"
# the budget + object): a word and its particle are the word, for the points' shared words and
# for framing, which showed "국회는", "감액에", "경제부총리는". A particle is taken off where
# the syllable before it can take it ("은", "이", "을", "과", "으로" after a final consonant;
# "는", "가", "를", "와", "라고" after a vowel), two syllables of the word remain, and the ending
# is not a word's own ("주의" of "민주주의", "도로" road, "이" of "어린이" child, "길이" length).
# "도" (also) and "만" (only) are left on: too many words end so ("경기도" the province, "내년도"
# next fiscal year). Longest first.
_KOREAN_PARTICLES_NFC = (
    ("에서는", ""), ("에서도", ""), ("으로는", "C"), ("이라고", "C"), ("에게서", ""),
    ("에서", ""), ("에게", ""), ("으로", "C"), ("부터", ""), ("까지", ""), ("께서", ""),
    ("보다", ""), ("처럼", ""), ("에는", ""), ("라고", "V"), ("은", "C"), ("는", "V"),
    ("이", "C"), ("가", "V"), ("을", "C"), ("를", "V"), ("과", "C"), ("와", "V"), ("의", ""),
    ("에", ""), ("로", "VL"),
)  # fmt: skip
_KOREAN_OWN_ENDINGS = ("주의", "도로", "린이", "놀이", "길이", "높이", "넓이", "깊이", "먹이")
# A verbal noun with 하다/되다 written on it ("가결했다" passed, "가결됐다" was passed, "감액된"
# reduced): one word, the noun ("가결"), however its ending runs. Not "한", which ends nouns
# too ("시한" deadline, "최대한" at most). Longest first.
_KOREAN_VERB_ENDINGS = tuple(
    sorted(
        """했다 됐다 하였다 되었다 한다 된다 하는 되는 하고 되고 하며 되며 하면서 되면서 했고 됐고
        했으며 됐으며 했다며 됐다며 했다고 됐다고 한다고 된다고 하겠다 하겠다고 되겠다 해야 하기
        되기 하자 된 할 될""".split(),
        key=len,
        reverse=True,
    )
)


# The particles another is written after ("미국과의", "서울에서의", "북한과는", "정부까지도"):
# under a particle, one of these is taken off too. Not "이", "가", "을", "를", "은", "는", "의"
# (no particle follows them: under one they are a noun's own syllable, the "이" of "고양이를"),
# nor "로", "에" (roads and nouns end so: "세종대로에서", "원자로의").
_KOREAN_INNER_PARTICLES = frozenset(
    {"과", "와", "에서", "에게", "으로", "까지", "부터", "보다", "처럼", "께서"}
)


def korean_stem(word: str, nouns: frozenset[str] = frozenset()) -> str:
    """A Korean word (as written, composed) without the particle written on it, where one can
    be told (see _KOREAN_PARTICLES_NFC), or a verbal noun without its 하다/되다 ending
    (_KOREAN_VERB_ENDINGS); the word itself otherwise, and always where it is one of `nouns`
    (the words its text writes with a particle after them: korean_nouns)."""
    if not word or not "\uac00" <= word[-1] <= "\ud7a3" or word.endswith(_KOREAN_OWN_ENDINGS):
        return word
    if word in nouns:
        return word
    verbal = _korean_verb_stem(word)
    if verbal is not None:
        return verbal
    stem, particle = _korean_particle_stem(word)
    if particle and stem not in nouns:
        # (under the particle, a verbal noun's ending or a particle of its own: "증가했다는"
        # that it increased -> "증가", "미국과의" with the US -> "미국")
        verbal = _korean_verb_stem(stem)
        if verbal is not None:
            return verbal
        inner_stem, inner = _korean_particle_stem(stem)
        if inner in _KOREAN_INNER_PARTICLES:
            return inner_stem
    return stem


def _korean_verb_stem(word: str) -> str | None:
    """A verbal noun without its 하다/되다 ending (korean_stem's verb rule); None where the word
    has none."""
    for ending in _KOREAN_VERB_ENDINGS:
        if word.endswith(ending):
            stem = word[: -len(ending)]
            if len(stem) >= 2 and all("\uac00" <= ch <= "\ud7a3" for ch in stem):
                return stem
            return None
    return None


def _korean_particle_stem(word: str) -> tuple[str, str]:
    """A Korean word without the particle written on it (korean_stem's particle rule), and
    that particle ("" where none is taken off)."""
    for particle, after in _KOREAN_PARTICLES_NFC:
        if not word.endswith(particle):
            continue
        stem = word[: -len(particle)]
        if len(stem) < 2 or not all("\uac00" <= ch <= "\ud7a3" for ch in stem):
            return word, ""
        final = (ord(stem[-1]) - 0xAC00) % 28  # its final consonant (0: none, 8: ㄹ)
        if (
            (after == "C" and not final)
            or (after == "V" and final)
            or (after == "VL" and final not in (0, 8))
        ):
            return word, ""
        return stem, particle
    return word, ""


# A noun's own last syllable can be a particle's ("고양이" cat: "이" could be the subject
# particle after "양", and "고양" is a city; "도로" road, "놀이" play, "길이" length): no rule of
# the word alone tells them apart (_KOREAN_OWN_ENDINGS lists the commonest). Its text does: a
# noun is written with particles of its own ("고양이가", "고양이를", "고양이는": "가", "를", "는"
# after a vowel), so a word the text writes with a particle after it is a word whole, and
# nothing at its end is a particle. (A text that writes such a noun only bare still loses
# the syllable.) But what is left of a word once its last particle is off is not always a
# noun: particles stack ("미국과의" with the US: "과" and then "의"; "서울에서의", "북한과는"),
# and "는" also ends a verb's reported form ("증가했다는" that it increased). Left in, "미국과"
# and "증가했다" were "nouns", and the text's bare "미국과 중국" (the US and China) and
# "증가했다" (increased) lost no particle or ending: terms apart from "미국", "증가".
_KOREAN_WORD_RE = re.compile(r"[\uac00-\ud7a3]+")


def korean_nouns(text: str) -> frozenset[str]:
    """The words a Korean text writes with a particle after them (each such word as the
    particle rule finds it: "고양이가" -> "고양이"): nouns, whatever their last syllable; the
    noun under two particles ("미국과의" -> "미국"), and no verb's form ("증가했다는")."""
    out = set()
    for word in set(_KOREAN_WORD_RE.findall(text)):
        if not word.endswith(_KOREAN_OWN_ENDINGS):
            stem, _ = _korean_particle_stem(word)
            if stem == word or _korean_verb_stem(stem) is not None:
                continue
            inner_stem, inner = _korean_particle_stem(stem)
            if inner in _KOREAN_INNER_PARTICLES:
                stem = inner_stem  # (a particle under the last one: "과" of "미국과의")
            out.add(stem)
    return frozenset(out)


# Arabic's alef with a hamza written as the bare alef: stop-words' Arabic list writes its words
# so ("الى", "ان", "او"), news writes "إلى", "أن", "أو", which framing then showed as a side's.
_ARABIC_HAMZA_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})


class _Terms:
    """Turns text into comparable terms for one language: content words stemmed (stop words
    dropped), and the word pairs ("concepts") that say more than either word alone."""

    MAX_CACHE = 200_000

    def __init__(self, language: str, stop: frozenset[str], stemmer: Any) -> None:
        self.language = language
        self.stop = stop
        self.stemmer = stemmer
        self.spaceless = language in SPACELESS_LANGUAGES
        # word as written -> (compared form, is a content word); bounded, cleared when full.
        self.cache: dict[str, tuple[str, bool]] = {}

    def words(self, text: str) -> list[tuple[str, bool]]:
        """Every word in order as (compared form, is a content word)."""
        cache = self.cache
        found = (_WORD_ASCII_RE if text.isascii() else _WORD_RE).findall(text)
        if not self.spaceless:
            # (the common case: the cache's answers by a C map, the few words it lacks learnt
            # after; a known word's pair is never empty)
            forms: list[tuple[str, bool]] = list(map(cache.get, found))  # type: ignore[arg-type]
            if None in forms:
                learn = self._learn
                forms = [form or learn(raw) for form, raw in zip(forms, found, strict=True)]
            return forms
        if self.language in _MARKED_SPACELESS and not text.isascii():
            found = _MARKED_WORD_RE.findall(text)
        # (letter pairs: one term a letter, where English has one a word; each step here is
        # paid per letter, so the loop keeps to C calls: a list, not a generator, extended)
        out: list[tuple[str, bool]] = []
        append = out.append
        extend = out.extend
        learn = self._learn
        for raw in found:
            known = cache.get(raw) or learn(raw)
            term, content = known
            if content and len(term) > 2 and not term.isascii():
                extend([(term[i : i + 2], True) for i in range(len(term) - 1)])
            else:
                append(known)
        return out

    def __call__(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """(content terms, concepts): concepts are the content terms and the adjacent pairs
        holding at least one content word ("prime minister", "of Iran" -> "of iran")."""
        words = self.words(text)
        terms = frozenset([t for t, content in words if content])
        pairs = {f"{a} {b}" for (a, ca), (b, cb) in zip(words, words[1:], strict=False) if ca or cb}
        return terms, frozenset(pairs)

    def feed(self, text: str, into: set[str]) -> None:
        """Adds the text's content terms and concepts, as __call__ gives them, to `into` (a
        sentence that only feeds an article's counts: no sets of its own made)."""
        words = self.words(text)
        into.update([t for t, content in words if content])
        into.update(
            [f"{a} {b}" for (a, ca), (b, cb) in zip(words, words[1:], strict=False) if ca or cb]
        )

    def _learn(self, raw: str) -> tuple[str, bool]:
        """A word's (compared form, is a content word), kept in the bounded cache."""
        if len(self.cache) >= self.MAX_CACHE:
            self.cache.clear()
        known = self.cache[raw] = self._term(raw)
        return known

    def with_nouns(self, nouns: frozenset[str]) -> _Terms:
        """This maker reading one Korean text whose `nouns` (korean_nouns) keep their last
        syllable; itself where there are none."""
        return _KoreanTextTerms(self, nouns) if nouns else self

    def _term(self, raw: str) -> tuple[str, bool]:
        word = raw.lower().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if word in self.stop or (len(word) < 2 and not word.isdigit()):
            return word, False
        if self.language == "arabic" and word.translate(_ARABIC_HAMZA_FOLD) in self.stop:
            return word, False  # ("إلى", to: the list writes "الى")
        if self.language == "korean":
            word = korean_stem(word)  # ("예산안을", "예산안이", "예산안은": one word, 예산안)
            if word in self.stop:
                return word, False
        if self.stemmer is not None and word.isalpha():
            stemmed: str = self.stemmer.stemWord(word)
            return stemmed, True
        return word, True


class _KoreanTextTerms(_Terms):
    """A Korean maker's terms for one text: its nouns (korean_nouns) are words whole, their
    last syllable no particle ("고양이", cat, where the text writes "고양이가"); every other word
    as the maker reads it (its cache shared: a word's form there needs no text)."""

    def __init__(self, maker: _Terms, nouns: frozenset[str]) -> None:
        super().__init__(maker.language, maker.stop, maker.stemmer)
        self.cache = maker.cache
        self._maker = maker
        self.nouns = nouns

    def words(self, text: str) -> list[tuple[str, bool]]:
        forms = self._maker.words(text)
        nouns = self.nouns
        found = _WORD_RE.findall(text)
        if len(found) != len(forms) or nouns.isdisjoint(found):
            return forms
        return [
            (raw, raw not in self.stop) if raw in nouns else form
            for raw, form in zip(found, forms, strict=True)
        ]
