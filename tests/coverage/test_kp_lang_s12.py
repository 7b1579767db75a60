"""Session 12's language work (lang): Chinese names of everyday letters ("里约" Rio), Burmese
compounds ICU's dictionary lacks, and the Thai segmenter's cost per character. Invented
texts only; each test fails on the code before its fix."""

from __future__ import annotations

import pytest

from service.coverage import segment
from service.coverage.keypoints import digest
from tests.coverage.test_kp_lang import _sources


@pytest.mark.parametrize(
    "text",
    [
        "二十国集团峰会在里约举行。",  # the G20 summit was held in Rio
        "代表团抵达里约后会见了卢拉。",  # after arriving in Rio, the delegation met Lula
        "奥巴马访问里约。",  # Obama visited Rio
        "峰会举行于里约。",  # the summit was held in Rio
        "里约市长表示欢迎。",  # Rio's mayor welcomed it
        "里约有很多海滩。",  # Rio has many beaches ("约有" is "about" only after a noun)
        "他去里约。",  # he went to Rio (beside the lone verb "去", the name was dropped)
    ],
)
def test_a_chinese_name_of_everyday_letters_is_one_word(text: str) -> None:
    # "里" (in) and "约" (about) are each tagged an everyday word, so no rule joined them:
    # Rio was never a term, and the words beside it were dropped as beside a lone letter.
    assert "里约" in segment.words(text, "chinese")


@pytest.mark.parametrize(
    ("text", "not_a_name"),
    [
        ("他在森林里约了朋友。", "里约"),  # in the forest he arranged to meet a friend
        ("这里约有三百人。", "约有"),  # about three hundred people here
        ("商场里约有百家店。", "里约"),  # about a hundred shops in the mall
        ("总统访问美法两国。", "美法"),  # the president visited the US and France
        ("峰会举行于里约。", "于里约"),  # a preposition is no piece of the name
    ],
)
def test_everyday_letters_in_their_everyday_use_are_not_joined(text: str, not_a_name: str) -> None:
    assert not_a_name not in segment.words(text, "chinese")


def test_a_name_of_everyday_letters_keeps_the_word_beside_it() -> None:
    # "市长" (mayor) stood beside the lone "约" and was dropped with it.
    assert "市长" in segment.words("里约市长表示欢迎。", "chinese")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("ရေနံဈေးနှုန်း မြင့်တက်", "မြင့်တက်"),  # oil prices rise: "rise"
        ("လျှပ်စစ်ဓာတ်အား ပြတ်တောက်ခဲ့သည်", "ပြတ်တောက်"),  # power was cut off: "cut off"
    ],
)
def test_a_burmese_compound_icu_gives_by_syllables_is_one_word(text: str, word: str) -> None:
    # ICU's dictionary lacks the compound and gives its syllables one by one; a one-syllable
    # word is not shown, so the compound never was ("မြင့်" was shown alone: the dot below
    # before the asat counted its final as a second syllable).
    found = segment.words(text, "burmese")
    assert word in found, found
    assert not any(w != word and w in word for w in found), found


def test_burmese_function_words_are_not_joined_into_a_compound() -> None:
    # "ခဲ့" (past), "သည်" (sentence end) stand between words: never part of one.
    cut = segment.segmenter("burmese")
    assert cut is not None
    found = cut("လျှပ်စစ်ဓာတ်အား ပြတ်တောက်ခဲ့သည်")
    assert "ခဲ့" in found and "သည်" in found, found


def test_a_burmese_side_shows_the_compound_it_stressed() -> None:
    terms = digest(_sources("my-power")).framing["right"].terms
    assert any("ပြတ်တောက်" in t for t in terms), terms  # (power) cuts


def test_a_run_without_a_thai_letter_is_not_segmented_and_a_thai_run_once() -> None:
    # newmm costs ~1.5 us a letter (a whole English digest ~0.24 us a character): a run of
    # Latin letters in a Thai text is one word as newmm gives it, and a run the story's
    # outlets all write is segmented once.
    asked: list[str] = []

    def newmm(run: str) -> list[str]:
        asked.append(run)
        return [run[:3], run[3:]]

    kept = segment._ThaiRuns()
    assert segment._thai_run("OPEC", newmm, kept) == ["OPEC"]
    run = "ธนาคารแห่งประเทศไทยทดสอบ"  # (a run no other test segments)
    first = segment._thai_run(run, newmm, kept)
    assert segment._thai_run(run, newmm, kept) == first == [run[:3], run[3:]]
    assert asked == [run]
    long = "ก" * (segment.THAI_RUN_KEPT_CHARS + 1)
    segment._thai_run(long, newmm, kept)
    segment._thai_run(long, newmm, kept)
    assert asked == [run, long, long]  # (a long run is not kept: the cache stays small)


def test_thai_words_are_the_same_with_the_run_cache() -> None:
    text = "ธนาคารแห่งประเทศไทยปรับลดอัตราดอกเบี้ยนโยบาย OPEC ลดกำลังผลิต"
    cut = segment.segmenter("thai")
    assert cut is not None
    first = cut(text)
    assert cut(text) == first and "OPEC" in first and "ธนาคารแห่งประเทศไทย" in first
