"""Framing for languages written without spaces (Chinese, Japanese, Thai): points for every one
of them, and terms only where they read as whole words of the text (Japanese script runs,
Chinese and Thai segmenters' words), never letter pairs cut from a word. Invented stories only
(written for these tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.coverage import keypoints as kp
from service.coverage import segment
from service.coverage.keypoints import Source, clean, digest
from service.coverage.keypoints import points as kp_points
from service.coverage.keypoints import side_framing as kp_framing

# A made-up tax story: the left outlets stress the protest and households' burden, the right
# ones the budget repair and social security.
JAPANESE = [
    Source(
        "l1",
        "政府の増税案に市民団体が抗議",
        "政府は来年度から消費税を引き上げる増税案を閣議決定した。市民団体は増税が家計を圧迫すると"
        "抗議した。野党も増税案の撤回を求めている。",
        "左新聞",
        "left",
    ),
    Source(
        "l2",
        "増税案に抗議集会、家計圧迫を懸念",
        "東京都内で増税案に反対する抗議集会が開かれた。参加者は家計の負担が増えると訴えた。"
        "政府は消費税の引き上げを予定している。",
        "左日報",
        "left",
    ),
    Source(
        "r1",
        "政府、財政再建へ消費税引き上げ決定",
        "政府は財政再建のため消費税の引き上げを閣議決定した。首相は社会保障の財源確保が必要だと"
        "説明した。経済界は財政再建の姿勢を評価した。",
        "右新聞",
        "right",
    ),
    Source(
        "r2",
        "首相、社会保障財源の確保を強調",
        "首相は記者会見で社会保障の財源確保を強調した。財政再建に向けた消費税の引き上げは"
        "避けられないと述べた。経済界からは評価する声が出た。",
        "右日報",
        "right",
    ),
]

CHINESE = [
    Source(
        "l1",
        "政府增税方案引发市民团体抗议",
        "政府决定从明年起提高消费税。市民团体抗议增税加重家庭负担。反对党也要求撤回增税方案。",
        "左报",
        "left",
    ),
    Source(
        "l2",
        "增税方案遭到抗议",
        "数千人在首都举行抗议集会反对增税。参加者表示家庭负担将进一步加重。政府计划提高消费税。",
        "左日报",
        "left",
    ),
    Source(
        "r1",
        "政府为财政重建决定提高消费税",
        "政府为了财政重建决定提高消费税。总理说明确保社会保障财源是必要的。经济界对财政重建的姿态"
        "表示肯定。",
        "右报",
        "right",
    ),
    Source(
        "r2",
        "总理强调确保社会保障财源",
        "总理在记者会上强调确保社会保障财源。他说为财政重建提高消费税是不可避免的。经济界对此表示肯定。",
        "右日报",
        "right",
    ),
]

THAI = [
    Source(
        "l1",
        "ประชาชนประท้วงแผนขึ้นภาษี",
        "รัฐบาลประกาศขึ้นภาษีมูลค่าเพิ่มในปีหน้า กลุ่มประชาชนประท้วงว่าภาษีเพิ่มภาระครัวเรือน "
        "ฝ่ายค้านเรียกร้องให้ยกเลิกแผนขึ้นภาษี",
        "ซ้าย",
        "left",
    ),
    Source(
        "l2",
        "ชุมนุมประท้วงภาษีในกรุงเทพ",
        "ประชาชนหลายพันคนชุมนุมประท้วงการขึ้นภาษีในกรุงเทพ ผู้ชุมนุมกล่าวว่าภาระครัวเรือนจะเพิ่มขึ้น รัฐบาลยืนยันแผนขึ้นภาษี",
        "ซ้ายรายวัน",
        "left",
    ),
    Source(
        "r1",
        "รัฐบาลขึ้นภาษีเพื่อฟื้นฟูการคลัง",
        "รัฐบาลตัดสินใจขึ้นภาษีเพื่อฟื้นฟูการคลัง นายกรัฐมนตรีกล่าวว่าจำเป็นต้องหารายได้เพื่อสวัสดิการสังคม "
        "ภาคธุรกิจชื่นชมการฟื้นฟูการคลัง",
        "ขวา",
        "right",
    ),
    Source(
        "r2",
        "นายกฯย้ำความจำเป็นของสวัสดิการสังคม",
        "นายกรัฐมนตรีย้ำว่าสวัสดิการสังคมต้องมีรายได้ที่มั่นคง การฟื้นฟูการคลังเป็นสิ่งที่หลีกเลี่ยงไม่ได้ ภาคธุรกิจชื่นชมนโยบายนี้",
        "ขวารายวัน",
        "right",
    ),
]


def _verbatim(sources: list[Source], framing: dict[str, kp.SideFraming]) -> None:
    texts = {s.article_id: (clean(s.title), clean(s.text)) for s in sources}
    for side, f in framing.items():
        for point in f.points:
            title, text = texts[point.article_id]
            assert point.text == title or point.text in text
            assert point.side == side


def test_japanese_framing_shows_whole_words_of_each_side() -> None:
    framing = digest(JAPANESE).framing
    assert set(framing) == {"left", "right"}
    left, right = framing["left"].terms, framing["right"].terms
    assert {"増税案", "抗議", "家計"} <= set(left), left
    assert {"財政再建", "首相", "社会保障"} <= set(right), right
    # Each term is a whole run of its script in a text of its side: never a pair cut from a
    # word ("財政" of "財政再建" is, there, half a run; "統領" never shows).
    for side, terms in (("left", left), ("right", right)):
        texts = [f"{s.title}。{s.text}" for s in JAPANESE if s.side == side]
        for term in terms:
            assert any(term in kp_framing._word_terms(t, "japanese") for t in texts), term
    assert "財政" not in right and "社会" not in right and "保障" not in right
    # Dates and reporting words are never terms ("来年度" holds no date word alone; "記者会見" is).
    assert not {"記者会見", "会見", "記者"} & set(right)
    assert all(len(f.points) >= 1 for f in framing.values())
    _verbatim(JAPANESE, framing)


def test_katakana_keeps_its_voicing_marks() -> None:
    # Folding accents would turn "ドナルド" into "トナルト": a script without spaces keeps its marks.
    assert kp_framing._fold("ドナルド") == "ドナルド"
    assert kp_framing._fold("Moïse") == "Moise"
    left = [
        Source(
            "l1",
            "ドナルド氏の演説にデモ隊が抗議",
            "ドナルド氏の演説に対しデモ隊が抗議した。デモ隊は広場に集まった。",
            "左",
            "left",
        ),
        Source(
            "l2",
            "デモ隊が広場で抗議",
            "デモ隊が広場で抗議を続けた。ドナルド氏は演説を終えた。",
            "左二",
            "left",
        ),
    ]
    right = [
        Source(
            "r1",
            "ドナルド氏が経済政策を演説",
            "ドナルド氏は経済政策について演説した。経済政策は雇用を重視する。",
            "右",
            "right",
        ),
    ]
    terms = digest(left + right).framing["left"].terms
    assert "デモ隊" in terms or "デモ" in terms, terms
    assert all("ト" not in t or "ド" in t for t in terms), terms


def test_chinese_and_thai_framing_shows_whole_words_and_points() -> None:
    # Their words run into each other: the terms are the dictionary segmenters' words, never a
    # letter pair cut from one ("政重" of "财政重建"), and the points are the sides' own.
    for language in ("chinese", "thai"):
        assert segment.segmenter(language) is not None, (
            f"no {language} segmenter: install the dependencies again "
            "(pip install -e '.[dev]' -c constraints.txt: rjieba, pythainlp)"
        )
    expected = {
        "chinese": ({"增税", "抗议"}, {"财政", "总理", "社会保障"}),
        # (Thai read as one sentence an article until session 10: "ภาษี", tax, which both sides
        # write, counted as the left's; split at its sentences' spaces, the left's words are its
        # protest and the households' burden)
        "thai": ({"ประท้วง", "ครัวเรือน"}, {"การคลัง", "ฟื้นฟู"}),
    }
    for language, sources in (("chinese", CHINESE), ("thai", THAI)):
        framing = digest(sources).framing
        assert set(framing) == {"left", "right"}
        left, right = expected[language]
        assert left <= set(framing["left"].terms), framing["left"].terms
        assert right <= set(framing["right"].terms), framing["right"].terms
        for side, f in framing.items():
            texts = [f"{s.title} {s.text}" for s in sources if s.side == side]
            for term in f.terms:
                assert any(term in kp_framing._word_terms(t, language) for t in texts), term
            assert 1 <= len(f.points) <= kp.MAX_FRAMING_POINTS
        _verbatim(sources, framing)
    framing = digest(CHINESE).framing
    assert any("抗议" in p.text or "增税" in p.text for p in framing["left"].points)
    assert any("财政重建" in p.text or "社会保障" in p.text for p in framing["right"].points)


def test_without_a_segmenter_the_points_stay_and_no_pair_is_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A segmenter that is not installed (or fails on every text): no term can be trusted to be
    # a word, so none is shown, but each side still has its points.
    def broken(text: str) -> list[str]:
        raise RuntimeError("segmenter failed")

    kp_framing._word_terms.cache_clear()
    kp_points._PARSED.items.clear()
    monkeypatch.setattr(segment, "_SEGMENTERS", {"chinese": None, "thai": broken})
    try:
        assert segment.words("政府增税", "chinese") == []
        assert segment.words("ภาษี", "thai") == []
        for sources in (CHINESE, THAI):
            framing = digest(sources).framing
            for f in framing.values():
                assert f.terms == ()
                assert 1 <= len(f.points) <= kp.MAX_FRAMING_POINTS
            _verbatim(sources, framing)
    finally:
        kp_framing._word_terms.cache_clear()
        kp_points._PARSED.items.clear()


def test_segmented_words_are_whole_words_without_dates_or_reporting_words() -> None:
    words = segment.words("总理在记者会上表示，今天确保社会保障财源。", "chinese")
    assert "社会保障" in words and "总理" in words
    assert not {"记者会", "表示", "今天", "。", "在"} & set(words)
    assert segment.words("首相は昨年の記者会見で社会保障を強調した。", "japanese") == [
        "首相",
        "社会保障",
        "強調",
    ]
    assert "กล่าวว่า" not in segment.words("นายกรัฐมนตรีกล่าวว่าภาษีจะเพิ่มขึ้น", "thai")
    assert segment.words("anything", "korean") == []


def test_thai_segmenter_writes_nothing_at_import(tmp_path: Path) -> None:
    # PyThaiNLP makes ~/pythainlp-data at import unless read-only: segment.py asks read-only,
    # so a service whose home is not writable still frames Thai stories.
    code = (
        "from service.coverage import segment; "
        "print(segment.words('รัฐบาลขึ้นภาษีเพื่อฟื้นฟูการคลัง', 'thai'))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHAINLP")}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "ภาษี" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_letter_pairs_are_never_shown_in_a_mixed_story() -> None:
    # English articles beside Japanese ones: the English words show as before, no letter pair.
    english = [
        Source(
            "e1",
            "Protesters rally against the tax rise in Tokyo",
            "Protesters rallied against the planned tax rise in Tokyo on Sunday. Protesters said "
            "households would suffer.",
            "Left Wire",
            "left",
        ),
    ]
    framing = digest(english + JAPANESE).framing
    for f in framing.values():
        for term in f.terms:
            assert (
                " " in term
                or not kp_framing._spaceless_script(term)
                or len(term) > 2
                or any(
                    term in kp_framing._word_terms(f"{s.title}。{s.text}", "japanese")
                    for s in JAPANESE
                )
            ), term


def test_spaceless_framing_is_the_same_every_time() -> None:
    for sources in (JAPANESE, CHINESE, THAI):
        first = digest(sources).framing
        kp_points._PARSED.items.clear()
        assert digest(list(reversed(sources))).framing.keys() == first.keys()
        assert digest(sources).framing == first


def test_hostile_spaceless_texts_give_bounded_framing() -> None:
    # One 10,000-letter run of kanji, katakana without a break, markup, and a Thai text without
    # a sentence end: the digest holds, every term short and every point verbatim.
    sources = [
        Source("h1", "増税" * 200, "<b>増税</b>" + "財政" * 5000, "H1", "left"),
        Source("h2", "デモ" * 300, "ー" * 3000 + "デモ隊が抗議した。", "H2", "left"),
        Source("h3", "ภาษี" * 500, "ภาษี" * 2500, "H3", "right"),
        *JAPANESE,
    ]
    framing = digest(sources).framing
    assert set(framing) == {"left", "right"}
    for f in framing.values():
        assert all(len(t) <= kp.MAX_TERM_CHARS for t in f.terms)
        assert all("<" not in p.text for p in f.points)
    _verbatim(sources, framing)


# Lao, Khmer and Burmese: scripts without spaces between words, no language list naming them;
# read by ICU's word breaker since session 11 (before: no segmenter, no term). Invented sentences
# on a tax rise.
NO_SEGMENTER = {
    "khmer": "រដ្ឋាភិបាលបានសម្រេចដំឡើងពន្ធ។ ប្រជាពលរដ្ឋតវ៉ាប្រឆាំងនឹងពន្ធថ្មី។ ក្រុមប្រឆាំងទាមទារឱ្យលុបចោលពន្ធ។",
    "lao": "ລັດຖະບານຕັດສິນໃຈຂຶ້ນພາສີ. ປະຊາຊົນປະທ້ວງຕໍ່ຕ້ານພາສີໃໝ່. ຝ່າຍຄ້ານຮຽກຮ້ອງໃຫ້ຍົກເລີກພາສີ.",
    "burmese": "အစိုးရက အခွန်တိုးရန် ဆုံးဖြတ်ခဲ့သည်။ ပြည်သူများက အခွန်သစ်ကို ဆန့်ကျင်ဆန္ဒပြခဲ့ကြသည်။",
}


@pytest.mark.parametrize("name", sorted(NO_SEGMENTER))
def test_scripts_read_by_icu_show_its_words_and_no_cut_words(name: str) -> None:
    # Before session 10, their words split at every vowel sign showed as terms ("ດຖະບານຕ ດສ",
    # "រដ"): pieces of words; session 10 showed none. Now each term is a word ICU's breaker
    # finds in the side's own titles and texts (the titles here are cut mid-word: their first
    # word is a piece of the text's, as written), and each side still has its points.
    text = NO_SEGMENTER[name]
    cut = segment.segmenter(name)
    assert cut is not None
    sources = [
        Source("a", text[:20], text, "A", "left"),
        Source("b", text[5:25], text, "B", "right"),
        Source("c", text[:15], f"{text} {text}", "C", "left"),
    ]
    framing = digest(sources).framing
    assert set(framing) == {"left", "right"}
    for side, f in framing.items():
        words = {w for s in sources if s.side == side for w in cut(f"{s.title} {s.text}")}
        assert set(f.terms) <= words, (side, f.terms)
    # (the right's text is the left's, its title a piece of theirs: since Khmer's "។" and
    # Burmese's "။" end sentences (session 10) its sentences are all the left's, and a side
    # with nothing of its own may show no point; the Burmese right shows none)
    assert framing["left"].points
    _verbatim(sources, framing)


# Korean is written with spaces, but its particles are written on their words: a side writing
# "증세안에" (to the tax plan) and "증세안" (the tax plan) showed the one term twice.
KOREAN = [
    Source(
        "l1",
        "정부 증세안에 시민단체 항의",
        "정부는 내년부터 소비세를 인상하는 증세안을 결정했다. 시민단체는 증세가 가계에 부담이 된다고 "
        "항의했다. 야당도 증세안 철회를 요구했다.",
        "좌",
        "left",
    ),
    Source(
        "l2",
        "증세안 반대 집회 열려",
        "서울에서 증세안에 반대하는 항의 집회가 열렸다. 참가자들은 가계 부담이 늘어난다고 "
        "호소했다. 정부는 소비세 인상을 예정하고 있다.",
        "좌일보",
        "left",
    ),
    Source(
        "r1",
        "정부 재정 건전화 위해 소비세 인상",
        "정부는 재정 건전화를 위해 소비세 인상을 결정했다. 총리는 사회보장 재원 확보가 필요하다고 "
        "설명했다. 경제계는 재정 건전화 노력을 평가했다.",
        "우",
        "right",
    ),
    Source(
        "r2",
        "총리 사회보장 재원 확보 강조",
        "총리는 기자회견에서 사회보장 재원 확보를 강조했다. 재정 건전화를 위한 소비세 인상은 "
        "불가피하다고 말했다. 경제계는 이를 평가했다.",
        "우일보",
        "right",
    ),
]


def test_a_korean_word_is_not_shown_twice_with_and_without_its_particle() -> None:
    framing = digest(KOREAN).framing
    left, right = framing["left"].terms, framing["right"].terms
    assert "증세안" in left and "증세안에" not in left, left
    assert "건전화" in right and "건전화를" not in right, right
    assert "사회보장" in right
    # A word with a particle whose bare form the side never writes stays as written.
    assert kp_framing._readable("총리는", kp_framing._side_words(kp_framing._SideWords([])))
    _verbatim(KOREAN, framing)
