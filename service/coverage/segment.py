"""Words of languages written without spaces (Chinese, Japanese, Thai, Khmer, Lao, Burmese), for
framing's terms.

Their letters run into their neighbours', so the summariser compares them by letter pairs, which
read as no word. Framing shows words found here instead, each a whole word of the text:
- Japanese: a run of katakana (loanwords and foreign names, "トランプ") or of two to eight kanji
  (nouns and their compounds, "首相", "社会保障"), bounded by a change of script, so never cut
  mid-word (no dictionary needed: the kana between them mark the breaks).
- Chinese: rjieba (the jieba dictionary's segmenter, MIT), its dictionary inside the wheel.
- Thai: PyThaiNLP's newmm (dictionary maximal matching, Apache-2.0), its word list inside the
  wheel, run in its read-only mode (it writes nothing at import).
- Khmer, Lao, Burmese: ICU's word break iterator (icu4py, MIT; ICU's dictionaries inside the
  wheel).
All are offline and loaded on the first such text, once, under a lock. A segmenter that cannot
be imported or that fails on a text gives no words (framing then shows points without terms).
"""

from __future__ import annotations

import functools
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
# Khmer's, Lao's and Burmese's function words and words of reporting (no stop-words list has
# them): the words ICU's breaker finds that say nothing of how a side saw a story ("បាន" did,
# "និង" and, "ថា" that; "ໄດ້", "ແລະ", "ວ່າ"; "သည်", "များ", "ကို"), nor the days and months.
# (Burmese's also bound _burmese_compounds: a particle missing here is joined to the syllables
# before it, "မြို့|ထဲ|မှာ" in the city, "ပြ|ဖို့" to show, "ဝင်|မယ်" will enter.)
_ICU_STOP = {
    "khmer": frozenset(
        """បាន នឹង និង ជា នៅ ក្នុង ពី ទៅ លើ ដែល នេះ នោះ ថា មាន ការ ឲ្យ អោយ ដើម្បី របស់ ផង ទៀត ហើយ
        ក៏ តែ ដោយ ចំពោះ សម្រាប់ ពួក គឺ ត្រូវ អ្នក លោក ខ្លួន យ៉ាង ណាស់ ដល់ ពេល ទេ មិន កាល
        ខណៈ ព្រោះ បើ ទោះ ជាមួយ រវាង តាម ប៉ុន្តែ ហើយ ផ្សេង ទាំង ជាង ដូច ម្នាក់ នាក់ និយាយ
        ប្រកាស ថ្លែង បញ្ជាក់ ឲ្យដឹង ដឹង ថ្ងៃ ខែ ឆ្នាំ ម៉ោង សប្តាហ៍ ចន្ទ អង្គារ ពុធ ព្រហស្បតិ៍ សុក្រ
        សៅរ៍ អាទិត្យ ម្សិលមិញ ថ្ងៃនេះ មួយ ពីរ បី បួន ប្រាំ ដប់ រយ ពាន់ ម៉ឺន សែន លាន""".split()
    ),
    "lao": frozenset(
        """ໄດ້ ແລະ ວ່າ ຂອງ ທີ່ ຈະ ເປັນ ມີ ການ ໃຫ້ ຢູ່ ຈາກ ໂດຍ ເພື່ອ ນີ້ ນັ້ນ ແຕ່ ກໍ ກໍ່ ຫຼື ໄປ ມາ ແລ້ວ
        ຍັງ ທ່ານ ໃນ ກັບ ຕໍ່ ແມ່ນ ຄື ຖ້າ ເຊິ່ງ ຊຶ່ງ ແຫ່ງ ບໍ່ ຫຼາຍ ຕາມ ເຖິງ ລົງ ຂຶ້ນ ອີກ ເຊັ່ນ ກັນ ກ່າວ
        ປະກາດ ເປີດເຜີຍ ວັນ ເດືອນ ປີ ອາທິດ ຈັນ ອັງຄານ ພຸດ ພະຫັດ ສຸກ ເສົາ ມື້ ມື້ນີ້ ນັບແຕ່ ນັບຕັ້ງແຕ່
        ເປັນຕົ້ນໄປ ເປັນຕົ້ນມາ ໜຶ່ງ ສອງ ສາມ
        ສີ່ ຫ້າ ສິບ ຮ້ອຍ ພັນ ລ້ານ""".split()
    ),
    "burmese": frozenset(
        """သည် များ ခဲ့ ကြ မည် ပြီး နှင့် တွင် ၌ မှ သို့ ကို ရန် အတွက် သော သည့် ဖြစ် ရှိ ၏ လည်း ဟု
        ပြော ကြောင်း နေ ပါ တစ် ထို ယင်း သူ က လျှင် ၍ သဖြင့် ကြောင့် သာ ပင် လာ ရ ဆို ပြောကြား
        ကြေညာ ထား ဟုဆို နေ့ လ နှစ် ရက် တနင်္လာ အင်္ဂါ ဗုဒ္ဓဟူး ကြာသပတေး သောကြာ စနေ
        တနင်္ဂနွေ ထားသည် ခဲ့သည် နေသည် ကြသည် ပါသည် ဖြစ်သည် သူများ နှစ် သုံး လေး ငါး ဆယ် ရာ
        ထောင် သောင်း သိန်း သန်း
        မှာ ထဲ ထံ ထံမှ အား ဖြင့် နဲ့ ရဲ့ တို့ တွေ ဖို့ လို့ မယ် တယ် ပြီ နိုင် နိုင်သည် ချင် မ ဤ ဒီ""".split()
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

# Chinese letters that stand alone as words in running text (grammar words, "里" in and "多"
# many among them: "森林|里" in the forest, "东西|多", and the one-letter names of countries:
# "对美关税", "中美"). Any other letter the segmenter leaves alone beside a
# word is most often a piece of a name its dictionary lacks, cut off that word: "泽|连斯基"
# (Zelensky), "布|林肯" (Blinken, read as "Lincoln"), "马克|龙" (Macron): the word is not shown.
_CHINESE_LONE = frozenset(
    """的 地 得 了 着 过 在 是 和 与 及 或 而 也 都 就 还 又 将 對 对 把 被 给 給 向 从 從 到 于 於 以 为
    為 因 由 比 让 讓 使 等 其 之 这 這 那 此 该 該 各 每 某 有 无 無 不 没 沒 很 更 最 太 再 已 曾 才 并
    並 但 却 卻 则 則 即 若 如 虽 雖 所 者 们 們 个 個 后 後 前 上 下 中 内 內 外 间 間 时 時 年 月 日
    人 说 說 称 稱 指 问 問 要 会 會 能 可 应 應 需 得 里 裡 裏 多 美 俄 日 韩 韓 英 法 德 乌 烏 以 台
    港 澳 欧 歐 印 朝 越 泰 菲 加 澳 新 巴 伊 沙 叙 敘 土 埃 副""".split()
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


# Letters of any script, with the vowel signs, tone marks and stackers of Thai, Lao, Khmer and
# Burmese (no \w: a run would end inside a word at each); no digit (Thai's "๑๒๓" either), space,
# punctuation or symbol.
_LETTER_RUN_RE = re.compile(
    r"(?:[\u0e01-\u0e3a\u0e40-\u0e4e\u0eb1-\u0ebc\u0ec8-\u0ecd"
    r"\u102b-\u103e\u1056-\u1059\u105e-\u1060\u1062-\u1064\u1067-\u106d\u1071-\u1074"
    r"\u1082-\u108d\u108f\u109a-\u109d\u17b4-\u17d3\u17dd]|[^\W\d_])+"
)
# Languages ICU's word breaker reads by its own dictionaries (icu4py bundles ICU's data):
# Khmer, Lao and Burmese, which no stop-words list or other segmenter here covers.
_ICU_LOCALES = {"khmer": "km", "lao": "lo", "burmese": "my"}

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

        kept = _ThaiRuns()  # (this segmenter's: a new one, as tests make, starts empty)

        def newmm(run: str) -> list[str]:
            found: list[str] = word_tokenize(run, engine="newmm", keep_whitespace=False)
            return found

        def thai(text: str) -> list[str]:
            # Each run of letters alone: a word holds nothing else, and newmm's time grows
            # with the square of a run of Thai digits (3,600 of them in a 50-word sentence:
            # 55 ms a text, 5.4 s a hostile story's digest).
            found: list[str] = []
            for run in _LETTER_RUN_RE.findall(text):
                found += _thai_run(run, newmm, kept)
            return found

        return thai
    if language in _ICU_LOCALES:
        try:
            from icu4py.breakers import WordBreaker
        except Exception:  # (ImportError, or a wheel that fails to load: no such words)
            return None
        locale = _ICU_LOCALES[language]

        def icu(text: str) -> list[str]:
            # ICU's dictionary break iterator, a run of letters at a time (as Thai's: a word
            # holds no digit, space or punctuation).
            found: list[str] = []
            for run in _LETTER_RUN_RE.findall(text):
                if language == "burmese":
                    found += _burmese_compounds(list(WordBreaker(run, locale)))
                else:
                    found += WordBreaker(run, locale)
            return found

        return icu
    return None


# newmm costs ~1.5 us a letter, six times what a whole English digest costs a character,
# and framing segments every sentence and title of a side's articles: the same runs come back
# in every outlet's copy of a wire story and in every digest of a refreshed story. A run is
# segmented once (its words kept while it is among THAI_RUNS_KEPT recent ones; a run of at most
# THAI_RUN_KEPT_CHARS letters), and a run without a Thai letter (English, digits' neighbours, Lao
# quoted) is one word as newmm gives it, never segmented. A run's words are kept as the length
# of each, one byte a word, and cut from the run again when asked: kept as a tuple of strings, a
# hostile text's runs of 64 letters in 32 two-letter words held 13.5 MB of a worker's memory
# (76 bytes a one- or two-letter string), as lengths 2.0 MB.
THAI_RUNS_KEPT = 8_192
THAI_RUN_KEPT_CHARS = 64
_THAI_RUN_LETTER_RE = re.compile(r"[\u0e01-\u0e4e]")


class _ThaiRuns:
    """The runs a Thai segmenter has cut, kept (see THAI_RUNS_KEPT); shared by threads."""

    def __init__(self) -> None:
        self.runs: dict[str, bytes] = {}  # (a run: the length of each of its words)
        self.lock = threading.Lock()


def _thai_run(run: str, newmm: Callable[[str], list[str]], kept: _ThaiRuns) -> list[str]:
    """A run of letters of a Thai text as newmm cuts it (see THAI_RUNS_KEPT): a new list."""
    if not _THAI_RUN_LETTER_RE.search(run):
        return [run]
    if len(run) > THAI_RUN_KEPT_CHARS:
        return newmm(run)
    lengths = kept.runs.get(run)
    if lengths is not None:
        found: list[str] = []
        start = 0
        for length in lengths:
            found.append(run[start : start + length])
            start += length
        return found
    found = newmm(run)
    if "".join(found) == run and all(found):  # (else its words are not the run's cut: not kept)
        with kept.lock:
            runs = kept.runs
            if len(runs) >= THAI_RUNS_KEPT:
                # (oldest first: a dict keeps its order of insertion)
                del runs[next(iter(runs))]
            runs[run] = bytes(map(len, found))  # (each at most THAI_RUN_KEPT_CHARS < 256)
    return found


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
            names: set[str] = set()
            found = _transliterated(_without_classifiers(found, cut))
            found = _whole_chinese(_everyday_names(found, joined=names), names)
        elif language in _ICU_STOP:
            stop = stop | _ICU_STOP[language]
            if language == "burmese":
                found = [w for w in found if _burmese_syllables(w) >= 2]
    skip = SKIP.get(language, frozenset())
    return [
        w
        for w in found
        if len(w) >= 2
        and w not in stop
        and w not in skip
        and _letters(w)
        and any(map(str.isalpha, w))  # (not marks alone: ICU gives a run of them as a word)
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


# The letters Chinese spells foreign names with, by sound (the transliteration tables of
# Xinhua's names dictionary, simplified and traditional): "马克龙" Macron, "泽连斯基" Zelensky,
# "布林肯" Blinken, "鲁比奥" Rubio, "斯塔默" Starmer. The dictionary holds a few such names
# whole ("特朗普", "普京") and cuts the rest into its words and lone letters ("马克|龙": "Mark"
# and "dragon"; "布|林肯": "cloth" and "Lincoln"), so the name was never shown, nor counted
# as one word.
_TRANSLITERATION = frozenset(
    """阿 埃 艾 爱 安 昂 奥 澳 巴 拔 白 拜 班 邦 包 保 堡 鲍 贝 本 比 彼 毕 边 宾 波 玻 伯 勃 博 卜 布
    蔡 查 察 柴 钦 楚 茨 达 黛 戴 丹 当 道 德 登 邓 迪 狄 蒂 帝 丁 东 杜 敦 顿 多 朵 厄 恩 尔 法 凡 范
    菲 费 芬 丰 冯 佛 夫 弗 伏 福 富 盖 甘 冈 高 戈 哥 格 葛 贡 古 瓜 圭 果 哈 海 亥 汉 豪 浩 赫 黑 亨
    洪 胡 华 怀 惠 霍 基 吉 加 迦 贾 简 杰 捷 金 晋 京 久 居 喀 卡 凯 坎 康 考 柯 科 可 克 肯 孔 库 夸
    奎 昆 拉 腊 莱 赖 兰 郎 朗 劳 勒 雷 蕾 黎 里 理 丽 利 莉 力 历 连 廉 良 列 林 琳 玲 刘 留 隆 卢 鲁
    陆 路 伦 罗 洛 吕 马 玛 迈 麦 曼 芒 毛 梅 美 门 蒙 孟 米 密 缅 明 摩 莫 默 姆 木 穆 纳 娜 南 内 尼
    妮 涅 宁 纽 努 诺 欧 帕 潘 庞 佩 彭 皮 珀 普 齐 奇 恰 乔 切 钦 琴 琼 丘 屈 让 热 瑞 若 撒 萨 塞 赛
    桑 瑟 森 沙 莎 山 尚 绍 舍 申 什 圣 施 史 舒 斯 松 苏 索 塔 泰 坦 汤 唐 陶 特 滕 提 蒂 图 土 托 瓦
    万 旺 威 韦 维 温 文 翁 沃 乌 吾 伍 武 西 希 锡 夏 肖 谢 辛 欣 休 修 许 薛 雅 亚 延 扬 杨 耶 叶 伊
    依 因 英 尤 于 宇 约 泽 扎 詹 兹 佐
    愛 貝 畢 賓 鮑 蔔 勃 達 黛 鄧 頓 爾 費 豐 馮 蓋 岡 貢 華 懷 賈 簡 傑 庫 誇 萊 賴 蘭 勞 雷 麗 歷 連
    廉 琳 劉 隆 盧 魯 陸 倫 羅 洛 呂 馬 瑪 邁 麥 門 夢 緬 納 寧 紐 諾 歐 龐 喬 瓊 薩 賽 紹 聖 蘇 湯 陶
    圖 萬 維 溫 錫 謝 許 亞 揚 楊 葉 約 澤 紮 詹 茲 龍 龙""".split()
)


# A joined name's letters at most: "泽连斯基" 4, "格奥尔基耶娃" (Georgieva) 6; a longer run of
# lone letters is no one name.
MAX_NAME_LETTERS = 8
# The dictionary's tags of a piece of a foreign name: a person's name ("nr", "nrt", "nrfg";
# "马克" Mark, "鲁" Lu, "斯塔" Sta), another proper name ("nz") or a letter that is no word
# alone ("z", "zg": "默", "贝", "佩"). The alphabet's letters are also everyday words ("多"
# many, "里" in, "山" hill, "修" mend; "东西" thing, "森林" forest, "修路" roadworks): a run
# of such words side by side ("东西|多" things are many, "森林|里" in the forest) is no name.
_NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "nz", "z", "zg"})


@functools.lru_cache(maxsize=4096)
def _dictionary_tag(piece: str) -> str:
    """The jieba dictionary's part of speech of a word of it ("" where rjieba is missing or
    the piece is not one word of it)."""
    try:
        import rjieba  # type: ignore[import-not-found,unused-ignore]

        tagged: list[tuple[str, str]] = rjieba.tag(piece, False)
    except Exception:  # (no tagger: no piece is known to be a name's)
        return ""
    return tagged[0][1] if len(tagged) == 1 and tagged[0][0] == piece else ""


def _transliterated(tokens: list[str], tag: Callable[[str], str] = _dictionary_tag) -> list[str]:
    """The segmenter's tokens with a foreign name it cut up joined again: a run of lone
    letters of the transliteration alphabet (_TRANSLITERATION), not grammar words or country
    letters (_CHINESE_LONE), with the token of two or three such letters written against it
    either side ("马克" + "龙"; "泽" + "连斯基"; "默" + "茨"); not before a number ("高|达 百分之五十",
    as high as 50%), at most MAX_NAME_LETTERS letters, and only where a piece of it is a
    name's by the dictionary's tag (`tag`, _NAME_TAGS): "东西|多" is no name."""

    def lone(t: str) -> bool:
        return len(t) == 1 and t in _TRANSLITERATION and t not in _CHINESE_LONE

    def sounds(t: str) -> bool:
        return 2 <= len(t) <= 3 and all(ch in _TRANSLITERATION for ch in t)

    n = len(tokens)
    out: list[str] = []
    i = 0
    while i < n:
        start = i + 1 if sounds(tokens[i]) and i + 1 < n and lone(tokens[i + 1]) else i
        end = start
        while end < n and lone(tokens[end]):
            end += 1
        lone_end = end
        if end < n and sounds(tokens[end]):
            end += 1
        if (
            end - i >= 2
            and end > start
            and not (end < n and _NUMBER_AFTER_RE.match(tokens[end]))
            and len("".join(tokens[i:end])) <= MAX_NAME_LETTERS
            and any(tag(t) in _NAME_TAGS for t in tokens[i:end])
        ):
            out.append("".join(tokens[i:end]))
            i = end
        else:
            # A start later in this run of lone letters has the same end and a part of its
            # pieces: it joins nothing either (looking again from each made a run of n lone
            # letters n^2 / 2 steps: 1,333 of them, Chinese's read limit, 0.25 s a text).
            stop = lone_end if start == i and lone_end > i else i + 1
            out.extend(tokens[i:stop])
            i = stop
    return out


# A foreign place or name whose letters are all everyday words by the dictionary: "里约" (Rio)
# is cut "里" (in, after a noun: "森林|里" in the forest) and "约" (about, before a count or
# "有": "这里|约有三百人"), and _transliterated wants a piece tagged a name's. Read by what
# stands around it instead: such a run of lone letters of the alphabet is a name where it opens
# the sentence or follows a verb or a preposition ("在|里|约|举行" held in Rio, "抵达|里|约"
# arrived in Rio), since a locative "里" follows a noun and "约" of "about" is followed by a
# count or a verb of quantity ("有" after it only where a noun stands before: "商场|里|约有", in
# the mall about; "里约有很多海滩" opens a sentence, Rio has many beaches). Not a run with a
# country's one letter ("访问|美|法", visited the US and France) or a grammar word's tag
# (prepositions, conjunctions, particles, pronouns, numerals, measure words: "于" of "举行于");
# at most MAX_EVERYDAY_NAME letters.
MAX_EVERYDAY_NAME = 4
_COUNTRY_LETTERS = frozenset(
    """美 俄 日 韩 韓 英 法 德 乌 烏 以 台 港 澳 欧 歐 印 朝 越 泰 菲 加 新 巴 伊 沙 叙 敘 土 埃 中""".split()
)
# (tag prefixes; and a verb's or an adjective's letter, "可" can, "高" high: in a run of lone
# letters they are most often the sentence's own words)
_GRAMMAR_TAGS = ("p", "c", "u", "r", "m", "q", "e", "y", "o", "v", "a")
_BEFORE_NAME_TAGS = ("v", "p", "t", "d")  # a verb, preposition, time word or adverb before it
# (and a verb's aspect particle, which stands between the verb and its object: "去|了|里约"
# went to Rio, "到|过|里约" has been to Rio; "增加|了|约|三成" is a count's "about")
_ASPECT_PARTICLES = frozenset("了 过 過 着".split())
_QUANTITY_AFTER = frozenset("占 达 達 为 為 合 计 計 近 余 多".split())
# "里" (in) after a one-letter noun is that noun's "inside" ("走进|门|里" walked in the door,
# "在|文|里" in the text, "在|门|里|约有十人" about ten people in the doorway): a verb or a
# preposition stands before such a noun as before a name, so the run is no name where a
# locative follows a letter the dictionary tags a common noun ("n", "ng"; "哈|里" Harry: "nr").
_LOCATIVES = frozenset("里 裡 裏 内 內".split())
_COMMON_NOUN_TAGS = frozenset({"n", "ng"})


def _everyday_names(
    tokens: list[str], tag: Callable[[str], str] = _dictionary_tag, joined: set[str] | None = None
) -> list[str]:
    """The tokens with a name of everyday letters joined (see MAX_EVERYDAY_NAME), each name
    joined added to `joined`."""

    def piece(t: str) -> bool:
        return (
            len(t) == 1
            and t in _TRANSLITERATION
            and t not in _COUNTRY_LETTERS
            and not tag(t).startswith(_GRAMMAR_TAGS)
        )

    n = len(tokens)
    out: list[str] = []
    i = 0
    while i < n:
        end = i
        while end < n and piece(tokens[end]):
            end += 1
        if end == i:
            out.append(tokens[i])
            i += 1
            continue
        before = tokens[i - 1] if i else ""
        after = tokens[end] if end < n else ""
        if (
            2 <= end - i <= MAX_EVERYDAY_NAME
            and (
                not before
                # (punctuation, not a count: "5|里|路" is five li of road, "里" a measure)
                or (not _letters(before) and not _NUMBER_AFTER_RE.match(before[-1]))
                or before in _ASPECT_PARTICLES
                or tag(before).startswith(_BEFORE_NAME_TAGS)
            )
            and not _NUMBER_AFTER_RE.match(after)
            and after not in _QUANTITY_AFTER
            and not tag(after).startswith(("m", "q"))
            and not any(
                tokens[k] in _LOCATIVES and tag(tokens[k - 1]) in _COMMON_NOUN_TAGS
                for k in range(i + 1, end)
            )
        ):
            name = "".join(tokens[i:end])
            out.append(name)
            if joined is not None:
                joined.add(name)
        else:
            out.extend(tokens[i:end])
        i = end
    return out


def _whole_chinese(tokens: list[str], names: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The segmenter's tokens without a word that stands beside a lone letter other than a
    grammar word or a country's (_CHINESE_LONE): most often the rest of a name cut in two.
    Not `names`, names _everyday_names joined: whole by its rule, and most often written after
    a verb of one letter ("去|里约", went to Rio)."""

    def lone(i: int) -> bool:
        if not 0 <= i < len(tokens):
            return False
        t = tokens[i]
        return len(t) == 1 and t.isalpha() and t not in _CHINESE_LONE

    return [
        t
        for i, t in enumerate(tokens)
        if len(t) < 2 or t in names or not (lone(i - 1) or lone(i + 1))
    ]


# A Burmese syllable starts at each consonant (or independent vowel) that is neither a
# syllable's final (the asat "်" after it, or the dot below and the asat: "င့်" of "မြင့်", high)
# nor stacked under another (the virama "္" before it).
_BURMESE_ONSET_RE = re.compile(r"(?<!\u1039)[\u1000-\u102a](?!\u1037?\u103a)")
# A Burmese compound ICU's dictionary lacks comes out a syllable at a time ("ပြတ်|တောက်" of
# "ပြတ်တောက်", cut off; "မြင့်|တက်" of "မြင့်တက်", rise), and a word of one syllable is not shown,
# so the compound was never a term. Burmese writes no space between words: syllables side by
# side in one run, none of them a function word (_ICU_STOP: the particles and endings "သည်",
# "များ", "ကို" stand between words), are one word, at most MAX_BURMESE_COMPOUND syllables.
MAX_BURMESE_COMPOUND = 4
_BURMESE_BEFORE_WORD = frozenset("မ ဤ ဒီ ထို ယင်း".split())


def _burmese_compounds(tokens: list[str]) -> list[str]:
    """ICU's tokens of one run of Burmese letters with its lone syllables joined (see
    MAX_BURMESE_COMPOUND)."""
    stop = _ICU_STOP["burmese"]
    out: list[str] = []
    run: list[str] = []
    # A function word of one syllable that opens the run of letters or follows a lone
    # syllable: a particle follows the word it marks, so there it is most often a syllable of
    # a word ICU cut ("ရန်|ကုန်|မြို့" Yangon city, "ရန်" to; "ဒီ|မို|က|ရေ|စီ" democracy, "က"
    # the subject's mark), and the syllables after it are no compound of their own. Not the
    # words that stand before theirs: "မ" not ("မ|ဖြေ|ရှင်း" cannot solve), "ဤ", "ဒီ", "ထို" this.
    cut_word = False

    def lone(t: str) -> bool:
        return _burmese_syllables(t) == 1 and _letters(t)

    def flush() -> None:
        if 2 <= len(run) <= MAX_BURMESE_COMPOUND and not cut_word:
            out.append("".join(run))
        else:
            out.extend(run)
        run.clear()

    for i, t in enumerate(tokens):
        if lone(t) and t not in stop:
            run.append(t)
        else:
            flush()
            out.append(t)
            cut_word = (
                t in stop
                and t not in _BURMESE_BEFORE_WORD
                and lone(t)
                and (i == 0 or lone(tokens[i - 1]))
            )
    flush()
    return out


def _burmese_syllables(word: str) -> int:
    """A Burmese word's syllables. ICU's dictionary lacks many compounds and gives their
    syllables one by one ("ပြတ်|တောက်" of "ပြတ်တောက်", cut off): a word of one syllable is
    not shown (as Thai's of two letters are not)."""
    return len(_BURMESE_ONSET_RE.findall(word))


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
