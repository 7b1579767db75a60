"""Second-round review of session 12's language work (review-lang): the Thai segmenter's run
cache, Chinese names of everyday letters, Burmese compounds. Invented texts only; each test
fails on the code before its fix."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from service.coverage import segment


def test_the_thai_run_cache_stays_small_for_runs_of_short_words() -> None:
    # A hostile feed's runs of 64 letters, each a string of two-letter words: kept as tuples
    # of strings, THAI_RUNS_KEPT of them held 23 MB here, 13.5 MB as newmm cuts them (the
    # comment said under ~4 MB); kept as the words' lengths ~2 MB.
    cut = segment.segmenter("thai")
    assert cut is not None
    short = sorted(w for w in segment._THAI_WORDS if len(w) == 2 and segment._letters(w))
    assert len(short) > 100
    rng = random.Random(12)
    runs = ["".join(rng.choices(short, k=segment.THAI_RUN_KEPT_CHARS // 2)) for _ in range(8_192)]
    kept = segment._ThaiRuns()

    def newmm(run: str) -> list[str]:  # (the cut newmm gives such a run: its short words)
        return [run[i : i + 2] for i in range(0, len(run), 2)]

    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for run in runs:
            segment._thai_run(run, newmm, kept)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(kept.runs) == segment.THAI_RUNS_KEPT
    assert after - before < 4_000_000
    # (and the words asked again are the run's, cut again from it)
    assert segment._thai_run(runs[5], newmm, kept) == newmm(runs[5])


def test_a_thai_run_cut_not_into_its_own_letters_is_not_kept_wrong() -> None:
    kept = segment._ThaiRuns()
    run = "ธนาคารทดสอบรีวิว"

    def newmm(run: str) -> list[str]:  # (a segmenter that changes a letter: never read back cut)
        return ["ธนาคาร", "ทดสอบ", "รีวิว!"]

    assert segment._thai_run(run, newmm, kept) == newmm(run)
    assert segment._thai_run(run, newmm, kept) == newmm(run)


@pytest.mark.parametrize(
    ("text", "not_a_name"),
    [
        ("他走进门里。", "门里"),  # he walked in the door
        ("他在文里写道。", "文里"),  # he wrote in the text
        ("在门里约有十人。", "门里约"),  # about ten people in the doorway
    ],
)
def test_a_one_letter_noun_and_its_inside_are_no_name(text: str, not_a_name: str) -> None:
    # "里" after a noun is "in", and a verb or preposition stands before such a noun as before
    # a name: the rule joining "在|里|约" (in Rio) joined "门|里" too.
    assert not_a_name not in segment.words(text, "chinese")


def test_a_name_ending_in_li_after_a_verb_is_still_one_word() -> None:
    assert "里约" in segment.words("他在门里等候，后来抵达里约。", "chinese")


@pytest.mark.parametrize(
    "text",
    [
        "他去了里约。",  # he went to Rio
        "代表团到过里约。",  # the delegation has been to Rio
    ],
)
def test_a_name_of_everyday_letters_after_a_verb_s_aspect_particle_is_one_word(text: str) -> None:
    # "了"/"过" stand between a verb and its object: the name after them was left in letters.
    assert "里约" in segment.words(text, "chinese")


def test_a_count_s_about_after_an_aspect_particle_is_no_name() -> None:
    assert "约三成" not in segment.words("出口增加了约三成。", "chinese")


@pytest.mark.parametrize(
    ("text", "wrong", "word"),
    [
        ("မြို့ထဲမှာ စစ်ဆေးမှုများ", "မြို့ထဲမှာ", "စစ်ဆေး"),  # checks in the city
        ("ကျောင်းသားတွေ ဆန္ဒပြဖို့ စုဝေးကြတယ်", "ပြဖို့", "စုဝေး"),  # students gathered to protest
        ("ဒီမိုကရေစီအတွက် တိုက်ပွဲဝင်မယ်", "ဝင်မယ်", "တိုက်ပွဲ"),  # will fight for democracy
        ("ဝန်ကြီးထံမှ စာရရှိသည်", "ထံမှ", "ရရှိ"),  # received a letter from the minister
        ("အစိုးရသည် ဤကိစ္စကို မဖြေရှင်းနိုင်ပါ", "မဖြေရှင်းနိုင်", "ဖြေရှင်း"),  # cannot solve it
    ],
)
def test_burmese_particles_are_not_joined_into_a_compound(text: str, wrong: str, word: str) -> None:
    # _burmese_compounds joins lone syllables that are no function word: a particle missing
    # from _ICU_STOP (at, inside, to, will, can, not) was joined to the syllables before it.
    found = segment.words(text, "burmese")
    assert wrong not in found and word in found, found


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("ရန်ကုန်မြို့မှာ မီးပြတ်တောက်မှု ပိုဆိုးလာတယ်", "ကုန်မြို့"),  # Yangon's power cuts worse
        ("ဒီမိုကရေစီအတွက် တိုက်ပွဲဝင်မယ်", "ရေစီ"),  # will fight for democracy
    ],
)
def test_the_syllables_after_a_word_icu_cut_at_a_particle_s_syllable_are_no_compound(
    text: str, wrong: str
) -> None:
    # ICU cut "ရန်ကုန်" (Yangon) and "ဒီမိုကရေစီ" (democracy) at a syllable that is also a
    # particle ("ရန်" to, "က"): the syllables after it were joined as a compound of their own.
    found = segment.words(text, "burmese")
    assert wrong not in found, found
    assert "မီးပြတ်တောက်မှု" in found or "တိုက်ပွဲ" in found


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--languages", "thia"], "no maker for thia"),
        (["--runs", "0"], "1 or more"),
        (["--articles", "0"], "1 or more"),
        (["--runs", "x"], "1 or more"),
    ],
)
def test_bench_lang_cost_refuses_what_it_cannot_measure(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # (a misspelt language was a KeyError's traceback, 0 runs a StatisticsError, 0 articles
    # a ZeroDivisionError)
    from bench import lang_cost

    with pytest.raises(SystemExit) as exit_:
        lang_cost.main(argv)
    assert exit_.value.code == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "not_a_name"),
    [
        ("他走了5里路。", "里路"),  # he walked 5 li
        ("距离市区10里路。", "里路"),  # 10 li from the city
    ],
)
def test_a_measure_after_a_count_is_no_name(text: str, not_a_name: str) -> None:
    # An Arabic count is no letter, so it stood before the run as punctuation does.
    assert not_a_name not in segment.words(text, "chinese")
