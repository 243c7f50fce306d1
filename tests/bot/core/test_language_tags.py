"""Language tags: checked and standardised when read, matched whatever their case."""

from __future__ import annotations

import pytest

from bot.core.language_tags import standard_language_tag, standard_or_empty
from bot.core.templates import pick_language


@pytest.mark.parametrize(
    ("typed", "standard"),
    [("da", "da"), (" EN ", "en"), ("pt_br", "pt-BR"), ("fr-ca", "fr-CA"), ("iw", "he")],
)
def test_a_tag_is_standardised(typed: str, standard: str) -> None:
    assert standard_language_tag(typed) == standard


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("Danish", "is not a language tag"),
        ("", "is not a language tag"),
        ("d@", "is not a language tag"),
        ("dk", "names no known language or region"),
        ("xx", "names no known language or region"),
    ],
)
def test_what_is_no_tag_is_refused_with_examples(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as refused:
        standard_language_tag(typed)
    assert "such as en, da, fr-CA or pt-BR" in str(refused.value)


def test_empty_may_mean_the_communitys() -> None:
    assert standard_or_empty("  ") == ""
    assert standard_or_empty("NL") == "nl"


def test_templates_are_picked_whatever_the_case_of_their_tags() -> None:
    texts = {"pt-br": "Olá", "fr": "Bonjour", "en": "Hello"}
    assert pick_language(texts, "pt-BR") == "Olá"
    assert pick_language(texts, None, "PT-BR") == "Olá"
    # A regional community language falls back to its primary language's templates.
    assert pick_language(texts, None, "fr-CA") == "Bonjour"
    assert pick_language(texts, "de", "fr-CA") == "Bonjour"
    assert pick_language(texts, "de", "ja") == "Hello"
    assert pick_language({"ja": "こんにちは"}, "de", "nl") == "こんにちは"
    assert pick_language({}, "de") == ""
