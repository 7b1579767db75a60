"""Words of languages written without spaces (Chinese, Japanese, Thai), for framing's terms.

Their letters run into their neighbours', so the summariser compares them by letter pairs, which
read as no word. Framing shows words found here instead, each a whole word of the text:
- Japanese: a run of katakana (loanwords and foreign names, "トランプ") or of two to eight kanji
  (nouns and their compounds, "首相", "社会保障"), bounded by a change of script, so never cut
  mid-word (no dictionary needed: the kana between them mark the breaks).
- Chinese: rjieba (the jieba dictionary's segmenter, MIT), its dictionary inside the wheel.
- Thai: PyThaiNLP's newmm (dictionary maximal matching, Apache-2.0), its word list inside the
  wheel, run in its read-only mode (it writes nothing at import).
Both are offline and loaded on the first such text, once, under a lock. A segmenter that cannot
be imported or that fails on a text gives no words (framing then shows points without terms).
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable

_KATAKANA_RUN_RE = re.compile(r"[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff]+")
# (with "〇", the kanji zero: "二〇二四年" is one run, a date, not "二" and a cut "二四年")
_KANJI_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3007]+")
MAX_KANJI_RUN = 8  # a longer run is a clause written without kana, not a term
# Kana that end the word their kanji begin (okurigana): after a run they make "見通し"
# (outlook), "手続き", "面白い" of "見通", "手続", "面白", so such a run is cut and not shown.
# A noun is followed by a particle or the copula instead; "し" also follows a noun used as a
# verb ("参加した", "参加して", "参加します", "合意し、"), and is okurigana before anything else.
_OKURIGANA_RE = re.compile(r"[いうえきくけげじちっつてみむめりるれろ]|し(?![たてま、])")

# Titles written after a name without a break of script ("植田和男総裁" Governor Kazuo Ueda,
# "岸田首相", "筒井義信会長", "加藤財務相"): the run holds two words. Where two kanji or more stand
# before the title (a name, or an institution: "日銀総裁"), each is a word of its own; "米大統領"
# (the US president) and "副大統領" stay whole.
_JAPANESE_TITLE_RE = re.compile(
    "(?:大統領|副大統領|首相|総理大臣|総理|総裁|副総裁|会長|社長|議長|委員長|幹事長|理事長|知事|市長|町長|"
    "村長|区長|大臣|長官|次官|代表|党首|監督|教授|容疑者|被告|選手|外相|財務相|防衛相|経産相|"
    "厚労相|文科相|国交相|法相|農相|環境相|官房長官|氏)$"
)

# Dates and times, and words of reporting ("said", "reported", "reporter", "press conference"):
# every outlet writes them, none says how a side saw the story (as framing skips them in
# English). Chinese in simplified and traditional characters.
SKIP = {
    "japanese": frozenset(
        """今日 昨日 明日 今年 昨年 去年 来年 今月 先月 来月 今週 先週 来週 午前 午後 今回 前回 同日 当日
        月曜 火曜 水曜 木曜 金曜 土曜 日曜 月曜日 火曜日 水曜日 木曜日 金曜日 土曜日 日曜日 現地時間
        日本時間 発表 報道 関係者 記者 会見 記者会見 明らか 一方 以上 以下 可能性 場合 問題
        記者団 取材 政府関係者 インタビュー コメント ニュース
        今朝 今夜 昨夜 本日 先日 翌日 前日 未明 早朝 深夜 夕方 週末 来週末 今週末 年末 年始 年内
        月末 今後 今年度 来年度 昨年度 年度 同氏 同社 同党 同国 同省 同市""".split()
    ),
    "chinese": frozenset(
        """今天 昨天 明天 今年 去年 明年 本月 上月 下月 本周 上周 下周 星期 周一 周二 周三 周四 周五
        周六 周日 上午 下午 晚上 目前 日前 近日 当天 当地时间 表示 报道 報導 报导 記者 记者 指出
        据悉 據悉 称 認為 认为 透露 发布 發布 宣布 消息 记者会 記者會 新闻 新聞 此外 同时 同時 其中
        以及 已经 已經 进行 進行 没有 沒有 一个 一個 这个 這個 他们 他們 我们 我們 可以 因为 因為
        所以 但是 如果 就是 还是 還是 这些 這些 那些 以上 以下 今晨 凌晨 早上 中午 今晚 昨晚 明晚
        晚间 晚間 夜间 夜間 周末 週末 昨日 今日 明日 早前 此前 随后 隨後 之后 之後 之前 当时 當時
        此时 此時 期间 期間 时间 時間 年初 年底 月初 月底 当日 當日 以来 以來 然而 由于 由於 此次
        对此 對此 不过 不過 而且 因此 虽然 雖然 并且 並且 另外 今后 今後 对于 對於 关于 關於 根据
        根據 通过 通過 为了 為了 其他 一些 许多 許多 很多 非常 说 說""".split()
    ),
    "thai": frozenset(
        """วันนี้ เมื่อวาน พรุ่งนี้ ปีนี้ ปีที่แล้ว ปีหน้า เดือนนี้ สัปดาห์ วันจันทร์ วันอังคาร วันพุธ
        วันพฤหัสบดี วันศุกร์ วันเสาร์ วันอาทิตย์ กล่าว กล่าวว่า รายงาน ระบุ ระบุว่า เปิดเผย เปิดเผยว่า
        แถลง ขณะที่ ทั้งนี้ อย่างไรก็ตาม นอกจากนี้ โดย มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม
        มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม จันทร์ อังคาร พุธ พฤหัสบดี พฤหัส
        ศุกร์ เสาร์ อาทิตย์ วันที่ เดือน เช้า เย็น เมื่อคืน คืนนี้ ที่ผ่านมา ล่าสุด ขณะนี้ ปัจจุบัน
        ต่อมา ก่อนหน้านี้ ดังนั้น อย่างไรก็ดี""".split()
    ),
}
# A date, time or count written in the numerals of Chinese and Japanese ("十二月", "五日", "三千人",
# "二〇二四年", "三时", "星期一", "周五"): framing leaves them out as it leaves out "December 5" in
# English (a segmenter gives them as words; the kanji runs hold them whole).
_NUMERALS = "〇零一二三四五六七八九十百千万萬亿億两兩廿卅"
_DATE_RE = re.compile(
    rf"(?:[{_NUMERALS}]+[年月日号號时時点點分秒周週岁歲人名件回円元倍]?)+"
    r"|(?:星期|礼拜|禮拜|周|週)[一二三四五六日天末]"
)

# Chinese letters that stand alone as words in running text (grammar words, and the one-letter
# names of countries: "对美关税", "中美"). Any other letter the segmenter leaves alone beside a
# word is most often a piece of a name its dictionary lacks, cut off that word: "泽|连斯基"
# (Zelensky), "布|林肯" (Blinken, read as "Lincoln"), "马克|龙" (Macron): the word is not shown.
_CHINESE_LONE = frozenset(
    """的 地 得 了 着 过 在 是 和 与 及 或 而 也 都 就 还 又 将 對 对 把 被 给 給 向 从 從 到 于 於 以 为
    為 因 由 比 让 讓 使 等 其 之 这 這 那 此 该 該 各 每 某 有 无 無 不 没 沒 很 更 最 太 再 已 曾 才 并
    並 但 却 卻 则 則 即 若 如 虽 雖 所 者 们 們 个 個 后 後 前 上 下 中 内 內 外 间 間 时 時 年 月 日
    人 说 說 称 稱 指 问 問 要 会 會 能 可 应 應 需 得 美 俄 日 韩 韓 英 法 德 乌 烏 以 台 港 澳 欧 歐
    印 朝 越 泰 菲 加 澳 新 巴 伊 沙 叙 敘 土 埃 副""".split()
)

# A Chinese person's name the dictionary lacks is left as single letters ("王|毅" Wang Yi, "何|立|峰"
# He Lifeng, "潘|功|胜" Pan Gongsheng), each a lone letter beside its neighbours, so the name and
# the words beside it ("外交部长王毅" the foreign minister) went unshown. jieba's tagger, its
# HMM on, tags such a run as a person's name ("nr"); it is taken as one word where it is two or
# three letters, the first a common surname, each a lone letter of the dictionary's cut, and no
# number follows ("高|达 百分之五十", "as high as 50%", is tagged a name too).
_SURNAMES = frozenset(
    """王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾
    肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦
    付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔
    向 汤 蓝 常 温 易 赖 习 温 栗 傅 岳 翟 施 欧 柯 殷 易 陳 張 劉 楊 黃 趙 吳 孫 馬 鄭 謝 許 韓 馮 鄧
    蕭 蔣 葉 蘇 呂 盧 鍾 譚 陸 賈 韋 鄒 閆 龍 賀 顧 龔 萬 錢 嚴 湯 藍 賴""".split()
)
_NUMBER_AFTER_RE = re.compile(r"[\d〇零一二三四五六七八九十百千万萬亿億两兩]")


def _chinese_names(tokens: list[str], tagged: list[tuple[str, str]]) -> list[str]:
    """The dictionary's tokens with the runs of lone letters the tagger names a person
    (see _SURNAMES) joined into one word: the longest such run where two names start at one
    letter ("王毅峰" where the text also names "王毅")."""
    names = {
        word
        for word, tag in tagged
        if tag.startswith("nr") and 2 <= len(word) <= 3 and word[0] in _SURNAMES
    }
    if not names:
        return tokens
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        joined = None
        if len(tokens[i]) == 1:
            # (longest first, by position: the set's order, which the hash seed sets, chose
            # between "王毅峰" and "王毅" at one letter, so workers framed a story differently)
            for k in (3, 2):
                run = tokens[i : i + k]
                name = "".join(run)
                if (
                    len(name) == k == len(run)
                    and name in names
                    and not (i + k < n and _NUMBER_AFTER_RE.match(tokens[i + k]))
                ):
                    joined = name
                    break
        if joined is not None:
            out.append(joined)
            i += len(joined)
        else:
            out.append(tokens[i])
            i += 1
    return out


# Letters of any script, with Thai's vowel and tone marks; no digit (Thai's "๑๒๓" either),
# space, punctuation or symbol.
_LETTER_RUN_RE = re.compile(r"(?:[\u0e01-\u0e3a\u0e40-\u0e4e]|[^\W\d_])+")

_LOCK = threading.Lock()
_SEGMENTERS: dict[str, Callable[[str], list[str]] | None] = {}
_THAI_STOP: frozenset[str] = frozenset()
_THAI_WORDS: frozenset[str] = frozenset()


def _load(language: str) -> Callable[[str], list[str]] | None:
    """The language's segmenter (None where none is installed), imported once."""
    global _THAI_STOP, _THAI_WORDS
    if language == "chinese":
        try:
            import rjieba  # type: ignore[import-not-found,unused-ignore]
        except Exception:  # (ImportError, or a wheel that fails to load: no Chinese words)
            return None

        def chinese(text: str) -> list[str]:
            # Dictionary words only: jieba's HMM joins the letters its dictionary lacks into
            # guessed words, most of them no word ("称泽" of "称泽连斯基", Zelensky after "said").
            # Save a person's name (_chinese_names), which the dictionary leaves in letters.
            found: list[str] = rjieba.cut(text, False)
            if any(len(a) == len(b) == 1 for a, b in zip(found, found[1:], strict=False)):
                tagged: list[tuple[str, str]] = rjieba.tag(text, True)
                found = _chinese_names(found, tagged)
            return found

        return chinese
    if language == "thai":
        # PyThaiNLP would make ~/pythainlp-data at import (and fail where the home is not
        # writable); its read-only mode writes nothing, and newmm needs only its wheel's data.
        os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
        try:
            from pythainlp.corpus import (  # type: ignore[import-not-found,unused-ignore]
                thai_stopwords,
                thai_words,
            )
            from pythainlp.tokenize import word_tokenize  # type: ignore[import-not-found,unused-ignore]

            # (in the try: its word list unreadable is no Thai words, not an error per digest)
            _THAI_STOP = frozenset(thai_stopwords())
            _THAI_WORDS = thai_words()  # (newmm's own dictionary, read by it anyway)
        except Exception:  # (ImportError, or an OSError of its data path: no Thai words)
            return None

        def thai(text: str) -> list[str]:
            # Each run of letters alone: a word holds nothing else, and newmm's time grows
            # with the square of a run of Thai digits (3,600 of them in a 50-word sentence:
            # 55 ms a text, 5.4 s a hostile story's digest).
            found: list[str] = []
            for run in _LETTER_RUN_RE.findall(text):
                found += word_tokenize(run, engine="newmm", keep_whitespace=False)
            return found

        return thai
    return None


def segmenter(language: str) -> Callable[[str], list[str]] | None:
    """The segmenter of Chinese or Thai, loaded on first use (thread-safe); None otherwise."""
    if language in _SEGMENTERS:
        return _SEGMENTERS[language]
    with _LOCK:
        if language not in _SEGMENTERS:
            _SEGMENTERS[language] = _load(language)
    return _SEGMENTERS[language]


def _letters(word: str) -> bool:
    """A word of letters (and the vowel and tone marks of scripts such as Thai): no digit,
    space or punctuation."""
    return all(ch.isalpha() or unicodedata.category(ch)[0] == "M" for ch in word)


def words(text: str, language: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """A text's words that can be framing terms, in order: whole words of at least two
    letters, not `stop` words (the language's function words) nor dates or reporting words;
    [] for a language without a way to find them."""
    if language == "japanese":
        found = [m for m in _KATAKANA_RUN_RE.findall(text) if len(m.strip("ー")) >= 2]
        for m in _KANJI_RUN_RE.finditer(text):
            run = m.group()
            if not 2 <= len(run) <= MAX_KANJI_RUN or _OKURIGANA_RE.match(text, m.end()):
                continue
            title = _JAPANESE_TITLE_RE.search(run)
            if title is not None and title.start() >= 2:
                # A name and the title written on it: two words, so one person is one term
                # however the side titles him ("植田和男総裁", "植田総裁", "植田氏").
                found += [run[: title.start()], title.group()]
            else:
                found.append(run)
    else:
        cut = segmenter(language)
        if cut is None:
            return []
        try:
            found = cut(text)
        except Exception:  # (a library's failure on one text: that text gives no terms)
            return []
        if language == "thai":
            stop = stop | _THAI_STOP
            found = _whole_thai(found)
        elif language == "chinese":
            found = _whole_chinese(_without_classifiers(found, cut))
    skip = SKIP.get(language, frozenset())
    return [
        w
        for w in found
        if len(w) >= 2
        and w not in stop
        and w not in skip
        and _letters(w)
        and not _DATE_RE.fullmatch(w)
    ]


# Measure words a count takes ("160架飞机" 160 aircraft): the dictionary holds some joined to their
# noun ("架飞机"), which framing showed as a word; after a count the noun is the word ("飞机").
_CLASSIFIERS = frozenset("个架名位家项条件辆台艘座只张次起吨枚颗批所")
_COUNT_RE = re.compile(rf"[\d{_NUMERALS}]+")
_DETERMINERS = frozenset("这 那 每 几 该 此 這 該 幾".split())


def _without_classifiers(tokens: list[str], cut: Callable[[str], list[str]]) -> list[str]:
    """The segmenter's tokens, a token that joins a count's measure word to its noun cut to
    the noun where a count or a determiner ("这架飞机" this aircraft) stands before it and the
    rest is a word of the dictionary (`cut`, the segmenter, leaves it whole). Many a word
    opens with a measure word's letter ("该起诉书" the indictment, "每个体户" each sole trader,
    "该项目组" the project team): cut, they read as no word ("诉书", "体户", "目组")."""
    out = list(tokens)
    for i in range(1, len(out)):
        t = out[i]
        before = tokens[i - 1]
        if (
            len(t) >= 3
            and t[0] in _CLASSIFIERS
            and (_COUNT_RE.fullmatch(before) or before in _DETERMINERS)
            and cut(t[1:]) == [t[1:]]
        ):
            out[i] = t[1:]
    return out


def _whole_chinese(tokens: list[str]) -> list[str]:
    """The segmenter's tokens without a word that stands beside a lone letter other than a
    grammar word or a country's (_CHINESE_LONE): most often the rest of a name cut in two."""

    def lone(i: int) -> bool:
        if not 0 <= i < len(tokens):
            return False
        t = tokens[i]
        return len(t) == 1 and t.isalpha() and t not in _CHINESE_LONE

    return [t for i, t in enumerate(tokens) if len(t) < 2 or not (lone(i - 1) or lone(i + 1))]


def _whole_thai(tokens: list[str]) -> list[str]:
    """newmm's tokens that are words of its dictionary, of three letters or more (vowel and
    tone marks not counted), none beside a run of Thai letters it lacks: such a run is letters
    it could not place ("พลัสลด" of "โอเปกพลัสลดกำลังผลิต", "ขฐฌผฐฑใฃฤภเธ"), and the words beside
    it may hold some of them. Two-letter words are most often a syllable of a name cut up
    ("เซ" of "เซเลนสกี", Zelensky) and seldom say how a side saw a story."""

    def unknown(i: int) -> bool:
        return 0 <= i < len(tokens) and tokens[i] not in _THAI_WORDS and _letters(tokens[i])

    return [
        t
        for i, t in enumerate(tokens)
        if t in _THAI_WORDS
        and sum(1 for ch in t if unicodedata.category(ch)[0] != "M") >= 3
        and not (unknown(i - 1) or unknown(i + 1))
    ]
