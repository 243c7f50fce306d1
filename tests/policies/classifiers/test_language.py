"""Language detection: clear sentences get their language, ambiguous scraps get None."""

from __future__ import annotations

import pytest

pytest.importorskip("lingua")

from policies.classifiers.language import DEFAULT_LANGUAGES, LanguageDetector

CLEAR = {
    "en": "Could someone explain how to move a lamp from one room to another in the app?",
    "fr": "Est-ce que quelqu'un sait pourquoi ma lampe ne se connecte plus au hub depuis hier ?",
    "nl": "Weet iemand waarom mijn lamp sinds gisteren geen verbinding meer maakt met de hub?",
    "da": "Er der nogen, der ved, hvorfor min lampe ikke længere forbinder til hubben?",
    "pl": "Czy ktoś wie, dlaczego moja lampa od wczoraj nie łączy się z hubem?",
    "ja": "昨日からランプがハブにつながらなくなったのですが、原因が分かる方はいますか？",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize("lang", sorted(CLEAR))
def test_a_clear_sentence_gets_its_language(detector: LanguageDetector, lang: str) -> None:
    assert detector.detect(CLEAR[lang]) == lang


@pytest.mark.parametrize("text", ["lol", "ok", "haha", "👍", "+1", "???", "E27", ""])
def test_a_scrap_without_a_clear_language_gets_none(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_links_and_mentions_do_not_decide_the_language(detector: LanguageDetector) -> None:
    assert detector.detect("https://lumen.example/support/pairing") is None
    assert detector.detect("<@123456789> @lumen_team https://lumen.example/x") is None
    sentence = f"<@42> {CLEAR['pl']} https://lumen.example/pomoc"
    assert detector.detect(sentence) == "pl"


def test_short_greetings_in_a_distinctive_language_are_still_recognised(
    detector: LanguageDetector,
) -> None:
    assert detector.detect("merci beaucoup") == "fr"
    assert detector.detect("dziękuję bardzo") == "pl"
    assert detector.detect("ありがとう") == "ja"


def test_japanese_mixing_kana_and_kanji_is_japanese(detector: LanguageDetector) -> None:
    # lingua's low-accuracy models give no answer for this line; its kana decide.
    assert detector.detect("配送に三週間もかかって本当に腹が立つ。") == "ja"
    assert LanguageDetector(["en", "fr"]).detect("配送に三週間もかかった。") is None


def test_detect_many_answers_in_order(detector: LanguageDetector) -> None:
    texts = [CLEAR["da"], "lol", CLEAR["en"], CLEAR["ja"]]
    assert detector.detect_many(texts) == ["da", None, "en", "ja"]
    assert detector.detect_many([]) == []


def test_the_languages_are_configurable() -> None:
    two = LanguageDetector(["EN", "fr"])
    assert two.languages == ("en", "fr")
    assert two.detect(CLEAR["fr"]) == "fr"
    assert "nb" in DEFAULT_LANGUAGES
    with pytest.raises(ValueError, match="at least two"):
        LanguageDetector(["en"])
