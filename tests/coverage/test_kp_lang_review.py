"""Adversarial review of the non-English key points and framing of session 10 (kp-lang): what a
feed in another language, or an English feed beside one, could get wrong. Invented texts only."""

from __future__ import annotations

import pytest

from service.coverage import keypoints as kp
from service.coverage.keypoints import Source, digest, split_sentences

# Marathi ends its sentences with the full stop, most often after a short verb ("आहे." is,
# "केले." did, "होती." was); so does much Hindi written on the web ("है.", "था.").
MARATHI = (
    "मुंबई महानगरपालिकेच्या निवडणुकीची तारीख आज जाहीर करण्यात आली आहे. "
    "राज्य निवडणूक आयोगाने पत्रकार परिषदेत ही माहिती दिली. "
    "मतदान पुढील महिन्याच्या पंधरा तारखेला होणार आहे. "
    "सर्व पक्षांनी उमेदवारांची यादी तयार करण्यास सुरुवात केली आहे. "
    "विरोधी पक्षांनी या निर्णयाचे स्वागत केले. "
    "मागील निवडणूक तीन वर्षांपूर्वी झाली होती."
)
HINDI_FULL_STOPS = (
    "मुंबई में आज भारी बारिश के कारण कई इलाकों में पानी भर गया है. "
    "मौसम विभाग ने अगले दो दिनों के लिए चेतावनी जारी की है. "
    "स्कूल और कॉलेज बंद रहेंगे, प्रशासन ने यह फैसला सुबह लिया था. "
    "लोकल ट्रेन सेवाएं भी प्रभावित हुई हैं. "
    "नगर निगम ने लोगों से घरों में रहने की अपील की है."
)


def test_devanagari_written_with_full_stops_ends_its_sentences_there() -> None:
    assert len(split_sentences(MARATHI)) == 6
    assert len(split_sentences(HINDI_FULL_STOPS)) == 5
    # A title before a name is still no sentence's end, with full stops or dandas.
    text = "मुख्यमंत्री ने डॉ. आंबेडकर को श्रद्धांजलि दी. सभा शाम को खत्म हुई."
    assert [s for _, s in split_sentences(text)] == [
        "मुख्यमंत्री ने डॉ. आंबेडकर को श्रद्धांजलि दी.",
        "सभा शाम को खत्म हुई.",
    ]


def test_a_story_in_devanagari_with_full_stops_has_points_from_its_sentences() -> None:
    for text in (MARATHI, HINDI_FULL_STOPS):
        sources = [
            Source(f"a{i}", f"शीर्षक {i} बातमी", text, f"Outlet {i}", side)
            for i, side in enumerate(("left", "center", "right"))
        ]
        points = digest(sources).key_points
        assert len(points) >= 3, [p.text for p in points]
        sentences = {s for _, s in split_sentences(text)}
        assert all(p.text in sentences for p in points)


def test_a_russian_sentence_ending_on_a_unit_abbreviation_ends_there() -> None:
    # Financial news ends sentences on "руб." (roubles), "млрд" (billion), "гг." (years):
    # each is a sentence of its own; before a lower-case word the abbreviation runs on.
    text = (
        "Чистая прибыль банка за девять месяцев выросла на 12% и составила 1,2 трлн руб. "
        "Выручка компании в третьем квартале достигла 450 млрд руб. "
        "Инвестиционная программа рассчитана на 2025-2027 гг. "
        "Дивиденды за год составят около 300 млн долл. "
        "Акции подорожали на 3%, до 78 руб. за бумагу."
    )
    ends = [
        "1,2 трлн руб.",
        "450 млрд руб.",
        "2025-2027 гг.",
        "300 млн долл.",
        "78 руб. за бумагу.",
    ]
    sentences = [s for _, s in split_sentences(text)]
    assert len(sentences) == len(ends), sentences
    assert all(s.endswith(end) for s, end in zip(sentences, ends, strict=True)), sentences


# English titles without "the" or "and" (the words only English's list holds), as a feed item
# without a text gives them: each has one word another language's list holds alone ("war" and
# "dies" German's, "total" and "los" Spanish's).
ENGLISH_TITLES = [
    "Harbor City mayor is a loser in trade war",
    "Steelmaker is a winner in tariff war",
    "Ortiz, a pioneer of jazz in Harbor City, dies at 91",
    "Hospital workers to strike in Los Angeles over pay",
    "Shipments fell by a total of 12% in March",
]


@pytest.mark.parametrize("title", ENGLISH_TITLES)
def test_an_english_title_without_a_text_is_read_as_english(title: str) -> None:
    assert kp.detect_language(f"{title}. ") == "english"
    parsed = kp._parse(title, "")
    assert parsed.language == "english"
    # its words are English's: "war" is a word of the title, not German's "was"
    assert parsed.title is not None
    assert {"war", "die", "total", "los", "strike"} & parsed.title.terms


@pytest.mark.parametrize(
    ("title", "language"),
    [
        ("El Congreso aprueba la ley de vivienda con el apoyo de los socios", "spanish"),
        ("Il governo approva la manovra con il voto di fiducia alla Camera", "italian"),
        ("De regering wil de belasting op benzine verhogen in het nieuwe jaar", "dutch"),
    ],
)
def test_a_short_title_of_another_latin_language_is_still_read_as_it(
    title: str, language: str
) -> None:
    # (3c151cc's gain, which the English titles above must not undo)
    assert kp.detect_language(f"{title}. ") == language
