"""Adversarial review of the day's new summariser code (segment.py's words, the headline's
opinion form, the evaluative supplement): what a reader would see wrong. Invented texts only."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from service.coverage import keypoints as kp
from service.coverage import segment
from service.coverage.evaluative import LexiconError, read_lexicon, read_supplement
from service.coverage.keypoints import Source, digest
from service.coverage.keypoints import headline as kp_headline
from service.coverage.keypoints import sentences as kp_sentences
from service.coverage.keypoints import side_framing as kp_framing

# Dates, times and connectives as Chinese, Japanese and Thai write them: every outlet writes
# them; none is how a side saw a story (framing leaves out "December 5", "however" in English).
DATES_AND_CONNECTIVES = {
    "chinese": (
        "十二月五日星期一凌晨，政府宣布增税方案。然而，由于此次抗议，对此不过周末早上晚间昨晚今晨"
        "去年十月以来，二〇二四年。",
        {"政府", "增税", "方案", "抗议"},
    ),
    "japanese": (
        "十二月五日、政府は増税案を発表した。昨夜、今朝、先日、本日、今後、来週末、二〇二四年。同氏は"
        "抗議した。",
        {"政府", "増税案", "抗議"},
    ),
    "thai": (
        "เมื่อวันที่ 5 ธันวาคม รัฐบาลประกาศขึ้นภาษี เดือนมกราคม เมื่อวันจันทร์ที่ผ่านมา ช่วงเช้า "
        "เมื่อคืน อย่างไรก็ดี ดังนั้น ประชาชนประท้วง",
        {"รัฐบาล", "ภาษี", "ประท้วง"},
    ),
}


@pytest.mark.parametrize("language", sorted(DATES_AND_CONNECTIVES))
def test_no_date_time_word_or_connective_is_a_framing_word(language: str) -> None:
    text, content = DATES_AND_CONNECTIVES[language]
    words = segment.words(text, language)
    assert content <= set(words)
    # Every word left is one of the content words: no date (in numerals of the script or by
    # name), time of day, "however", "therefore", "the said person", nor a piece of a date.
    assert set(words) <= content | {"ประกาศ", "ประชาชน", "ขึ้น"}, words


def test_a_side_writing_the_date_does_not_frame_the_story_by_it() -> None:
    # The left's articles alone give the day and hour: the right's coverage is the same story.
    left = [
        Source(
            "l1",
            "政府增税方案引发抗议",
            "十二月五日凌晨，市民团体抗议增税方案。然而政府坚持。",
            "左报",
            "left",
        ),
        Source(
            "l2",
            "增税方案遭到抗议",
            "十二月五日凌晨，数千人抗议增税。然而政府表示不变。",
            "左日报",
            "left",
        ),
    ]
    right = [
        Source(
            "r1",
            "政府决定财政重建",
            "政府为了财政重建决定增税。总理强调社会保障。",
            "右报",
            "right",
        ),
        Source(
            "r2",
            "总理强调社会保障财源",
            "总理强调社会保障财源。财政重建不可避免。",
            "右日报",
            "right",
        ),
    ]
    kp_framing._word_terms.cache_clear()
    terms = digest([*left, *right]).framing["left"].terms
    shown = {part for term in terms for part in term.split(" ")}
    assert not shown & {"十二月", "五日", "十二月五日", "凌晨", "然而"}, terms


@pytest.mark.parametrize(
    "title",
    [
        "Mayor says the Lake Orrin flood did 'really serious' damage",
        "‘Frankly alarming’: engineers inspect the Lake Orrin dam",
        "Don't go near the Lake Orrin spillway, county sheriff says",
        "Engineer: ‘We’re truly worried’ about the Lake Orrin dam",
        'Inspector calls the Lake Orrin gate "clearly unsafe"',
        "Lake Orrin gate was clearly cracked before the flood, inspector says",
    ],
)
def test_a_title_reporting_what_someone_said_is_not_loaded_as_an_argument(title: str) -> None:
    # The adverb or imperative is the speaker's, quoted or attributed: the title reports it.
    # (A quotation still counts as a quotation, less than an argument's form.)
    assert kp_headline._title_loaded(title) < kp.OPINION_FORM_PENALTY


def test_a_title_arguing_beside_a_quotation_is_still_loaded() -> None:
    title = "The county's 'plan' for Lake Orrin really is no plan"
    assert kp_headline._title_loaded(title) >= kp.OPINION_FORM_PENALTY


def test_a_word_whose_first_sense_reports_is_no_opinion_word() -> None:
    # "stellar" in an astronomy story says of the stars, not how good: no judging word there.
    parsed = kp_sentences._parse(
        "Astronomers measure the stellar winds of Proxima Centauri",
        "The stellar flare was seen by the telescope on Monday. It was the largest on record.",
    )
    assert parsed.title is not None and parsed.title.evaluative == ()
    assert all(c.evaluative == () for c in parsed.candidates)


def test_a_segmenter_failing_to_load_gives_no_words_not_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # PyThaiNLP importable but its stop-word list unreadable (a damaged install), rjieba's
    # wheel failing to load: no terms for those languages, never an exception out of a digest.
    def thai_stopwords() -> frozenset[str]:
        raise OSError("stopwords_th.txt: No such file or directory")

    corpus = types.ModuleType("pythainlp.corpus")
    corpus.thai_stopwords = thai_stopwords  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pythainlp.corpus", corpus)
    (tmp_path / "rjieba.py").write_text("raise OSError('rjieba.abi3.so: cannot open')\n")
    monkeypatch.delitem(sys.modules, "rjieba", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(segment, "_SEGMENTERS", {})
    kp_framing._word_terms.cache_clear()
    try:
        assert segment.words("รัฐบาลขึ้นภาษีเพื่อฟื้นฟูการคลัง", "thai") == []
        assert segment.words("政府宣布新的增税方案", "chinese") == []
    finally:
        kp_framing._word_terms.cache_clear()


def test_segmenters_give_the_same_words_from_many_threads_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # First use from eight threads at once (the load under the lock), then again warm.
    thai = "การประท้วงต่อต้านภาษีใหม่ของรัฐบาลในกรุงเทพมหานครการคลังฟื้นฟูเศรษฐกิจนายกรัฐมนตรี"
    chinese = "政府宣布新的增税方案引发抗议财政重建总理社会保障改革反对党批评市民游行"
    texts = [(thai[i % 17 :] + thai[: i % 5], "thai") for i in range(40)]
    texts += [(chinese[i % 13 :] + chinese[: i % 7], "chinese") for i in range(40)]
    monkeypatch.setattr(segment, "_SEGMENTERS", {})
    with ThreadPoolExecutor(8) as pool:
        cold = list(pool.map(lambda t: segment.words(*t), texts))
    alone = [segment.words(*t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        warm = list(pool.map(lambda t: segment.words(*t), reversed(texts)))[::-1]
    assert cold == alone == warm
    assert all(alone)


def test_segmenting_touches_no_network_and_writes_no_home(tmp_path: Path) -> None:
    # Sockets refused in a fresh process whose home does not exist: both segmenters still
    # give their words, and nothing makes the home (PyThaiNLP's data directory).
    home = tmp_path / "no-home"
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise RuntimeError('network touched')\n"
        "socket.socket = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
        "from service.coverage import segment\n"
        "print(segment.words('รัฐบาลขึ้นภาษีเพื่อฟื้นฟูการคลัง', 'thai'))\n"
        "print(segment.words('政府宣布新的增税方案', 'chinese'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHAINLP")}
    env["HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "ภาษี" in done.stdout and "增税" in done.stdout
    assert not home.exists()


def test_a_table_saved_with_windows_line_ends_is_refused_saying_so(tmp_path: Path) -> None:
    # The supplement took "basis\r" as a basis (and a valence field last would be read as its
    # number); the lexicon refused its ratings with a message that named the wrong fault.
    supplement = tmp_path / "opinion.tsv"
    supplement.write_bytes(b"# words\r\nbaseless\t-2.0\tcalls a claim groundless\r\n")
    with pytest.raises(LexiconError, match=r"opinion\.tsv:1: .*LF line ends"):
        read_supplement(supplement, {})
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_bytes(b"bad\t-2.5\t0.5\t[-2, -3]\r\n")
    with pytest.raises(LexiconError, match=r"lexicon\.txt:1: .*LF line ends"):
        read_lexicon(lexicon)
    # Blank lines and comments are no error; the words are read.
    supplement.write_bytes(b"# words\n\nbaseless\t-2.0\tcalls a claim groundless\n\n")
    assert dict(read_supplement(supplement, {})) == {"baseless": -2.0}


def test_a_chinese_name_the_dictionary_lacks_gives_no_piece_of_it_as_a_word() -> None:
    # Zelensky, Blinken and Macron as Chinese writes them: the segmenter's dictionary lacks
    # them and cut each in two ("连斯基", "林肯": Lincoln, "马克": Mark) or glued a piece to
    # the word before ("称泽"); no piece may be shown as a side's word. (Since session 11 the
    # pieces are joined again by their letters, which spell sounds: each name is one word.)
    text = "外交部称泽连斯基会见了代表团。布林肯访问北京，马克龙批评关税。"
    words = segment.words(text, "chinese")
    assert {"外交部", "代表团", "访问", "北京", "关税"} <= set(words)
    assert not {"连斯基", "称泽", "泽连", "林肯", "称布", "马克"} & set(words), words
    assert {"泽连斯基", "布林肯", "马克龙"} <= set(words), words
    # A name the dictionary holds stays whole, and a grammar word or a country's one letter
    # beside a word does not hide it.
    assert {"特朗普", "关税"} <= set(segment.words("特朗普对美关税", "chinese"))


def test_a_thai_run_the_dictionary_lacks_gives_no_piece_of_it_as_a_word() -> None:
    # "OPEC+ cut output": newmm glued "plus" to "cut" ("พลัสลด"), a run of letters it could
    # not place; "Zelensky" came out as the syllables "เซ|เลน|สกี".
    words = segment.words("ราคาน้ำมันพุ่งสูงขึ้นหลังโอเปกพลัสลดกำลังผลิต", "thai")
    assert {"ราคา", "น้ำมัน"} <= set(words)
    assert not {"พลัสลด", "พลัส", "กำลังผลิต", "โอเปก"} & set(words), words
    words = segment.words("นายกรัฐมนตรีพบกับเซเลนสกีที่เคียฟ", "thai")
    assert {"นายกรัฐมนตรี", "เคียฟ"} <= set(words)
    assert not {"เซ", "สกี"} & set(words), words


def test_a_korean_side_is_not_framed_by_its_days_or_reporting_verbs() -> None:
    # The left gives the weekday and "said"/"reported" more; the right "stressed": neither is
    # how a side saw the tax plan.
    left = [
        Source(
            "l1",
            "정부 증세안에 시민단체 반발",
            "정부는 월요일 증세안을 발표했다고 밝혔다. 시민단체는 지난해 가계 부담이 커졌다고 "
            "말했다. 야당은 현지시간 월요일 증세안 철회를 요구했다고 전했다.",
            "좌일보",
            "left",
        ),
        Source(
            "l2",
            "증세안 반대 집회 열려",
            "시민단체는 월요일 서울에서 증세안 반대 집회를 열었다고 밝혔다. 참가자들은 지난해 가계 "
            "부담을 말했다. 정부는 지난달 계획을 전했다.",
            "좌신문",
            "left",
        ),
    ]
    right = [
        Source(
            "r1",
            "정부 재정건전화 위해 증세 결정",
            "정부는 재정건전화를 위해 증세를 결정했다. 총리는 사회보장 재원 확보가 필요하다고 "
            "강조했다. 경제계는 재정건전화 노력을 평가했다.",
            "우일보",
            "right",
        ),
        Source(
            "r2",
            "총리 사회보장 재원 확보 강조",
            "총리는 사회보장 재원 확보를 강조했다. 재정건전화를 위한 증세는 불가피하다고 "
            "설명했다. 경제계는 평가했다.",
            "우신문",
            "right",
        ),
    ]
    framing = digest([*left, *right]).framing
    shown = {w for f in framing.values() for term in f.terms for w in term.split(" ")}
    assert "증세안" in framing["left"].terms and "재정건전화" in framing["right"].terms
    said = {
        "월요일",
        "지난해",
        "지난달",
        "현지시간",
        "밝혔다",
        "말했다",
        "전했다",
        "강조했다",
        "설명했다",
    }
    assert not shown & said, shown


def test_thai_digits_never_reach_the_segmenter(monkeypatch: pytest.MonkeyPatch) -> None:
    # newmm's time grows with the square of a run of Thai digits: a 50-word sentence holding
    # 3,600 of them made a hostile 500-article story's digest take seconds. Only runs of
    # letters are segmented (no word holds anything else), so the words are the same.
    tokenize = pytest.importorskip("pythainlp.tokenize")
    asked: list[str] = []
    real = tokenize.word_tokenize

    def spy(text: str, **kwargs: object) -> list[str]:
        asked.append(text)
        return list(real(text, **kwargs))

    monkeypatch.setattr(tokenize, "word_tokenize", spy)
    monkeypatch.setattr(segment, "_SEGMENTERS", {})
    text = "รัฐบาลประกาศขึ้นภาษี " + "๑๒๓๔" * 900 + " ประชาชนประท้วง 2567."
    words = segment.words(text, "thai")
    assert {"รัฐบาล", "ภาษี", "ประชาชน", "ประท้วง"} <= set(words)
    assert asked and all(len(t) <= 40 for t in asked), [len(t) for t in asked]
    assert not any(ch.isdigit() for t in asked for ch in t)


@pytest.mark.parametrize(
    "title",
    [
        "Enough signatures gathered for Lake Orrin recall vote",
        "Stop & Shop workers strike across New England",
        "Stop and Shop closes its Lake Orrin store",
    ],
)
def test_a_title_opening_with_a_word_retorts_use_is_not_argued(title: str) -> None:
    assert kp_headline._title_loaded(title) == 0.0


@pytest.mark.parametrize(
    "title", ["Enough is enough: fix the Lake Orrin dam", "Enough, Mr. Mayor: fix the dam"]
)
def test_a_retort_is_still_argued(title: str) -> None:
    assert kp_headline._title_loaded(title) >= kp.OPINION_FORM_PENALTY


def test_a_japanese_kanji_run_cut_from_its_kana_ending_is_not_a_word() -> None:
    # "見通し" (outlook), "手続き" (procedure), "面白い" (interesting): their kanji alone are no
    # word; a noun used as a verb ("参加した", "合意し、") keeps its kanji as the word.
    text = (
        "来週にも閣議決定する見通しだ。手続きは面白い。三千人が参加した。両国は合意し、協議します。"
    )
    words = segment.words(text, "japanese")
    assert not {"見通", "手続", "面白"} & set(words), words
    assert {"閣議決定", "参加", "合意", "協議"} <= set(words)
    assert "三千人" not in words  # (a count, as "3,000" is no framing word in English)
    # Reporting words in kana and kanji are not a side's framing either.
    said = segment.words("記者団の取材に応じ、インタビューでコメントした。", "japanese")
    assert not {"記者団", "取材", "インタビュー", "コメント"} & set(said), said
