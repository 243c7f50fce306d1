"""Shape rules: capitals, zalgo and walls of lines, in many scripts."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from policies.rules.shape import (
    CapsParams,
    CapsRule,
    NewlinesParams,
    NewlinesRule,
    ZalgoParams,
    ZalgoRule,
)
from tests.policies.rules._builders import subject, windows

ACUTE, GRAVE, TILDE, RING, DOT_BELOW = "\u0301", "\u0300", "\u0303", "\u030a", "\u0323"


def caps(**params: int | float) -> CapsRule:
    return CapsRule("caps", CapsParams.model_validate(params))


def zalgo(**params: int) -> ZalgoRule:
    return ZalgoRule("zalgo", ZalgoParams.model_validate(params))


def newlines(**params: int) -> NewlinesRule:
    return NewlinesRule("walls", NewlinesParams.model_validate(params))


# Capitals


@pytest.mark.parametrize("text", ["OK", "LOL", "USA!!", "WHAT?! NO WAY", "OMG 😱 WOW", "A B C D"])
def test_short_shouting_is_never_flagged(text: str) -> None:
    assert caps(min_letters=15).evaluate(subject(text), windows()) is None


def test_the_letter_minimum_counts_cased_letters_only() -> None:
    rule = caps(min_letters=15)
    fourteen = "ABCDEFG HIJKLMN 1234567890 !!!"
    assert rule.evaluate(subject(fourteen), windows()) is None
    fifteen = "ABCDEFG HIJKLMNO 123"
    assert rule.evaluate(subject(fifteen), windows()) is not None


@pytest.mark.parametrize(
    "text",
    [
        "これは本当に素晴らしい製品です。皆さんに強くおすすめしたいと思います！！！",
        "新しいアップデートはいつ来ますか？早く使ってみたいです。",
        "这是一个非常好的产品，我强烈推荐给大家！！！",
        "정말 좋은 제품입니다 모두에게 강력히 추천합니다",
        "هذا منتج رائع جدا وأنصح به الجميع",
    ],
)
def test_scripts_without_case_are_never_flagged(text: str) -> None:
    assert caps(min_letters=1, max_ratio=0.01).evaluate(subject(text), windows()) is None


def test_a_few_acronyms_in_japanese_are_not_shouting() -> None:
    text = "これはテストです NASA と JAXA の発表を待っています"
    assert caps().evaluate(subject(text), windows()) is None


def test_the_ratio_must_be_exceeded() -> None:
    rule = caps(min_letters=15, max_ratio=0.75)
    at_ratio = "ABCDEFGHIJKLMNO" + "pqrst"  # 15 of 20: 0.75
    assert rule.evaluate(subject(at_ratio), windows()) is None
    over = "ABCDEFGHIJKLMNOP" + "qrst"  # 16 of 20: 0.8
    hit = rule.evaluate(subject(over), windows())
    assert hit is not None
    assert hit.reason == "80% capitals"
    assert dict(hit.evidence) == {"ratio": 0.8}


@pytest.mark.parametrize(
    "text",
    [
        "THIS PRODUCT IS ABSOLUTELY TERRIBLE!!!",
        "WHY IS NOBODY ANSWERING MY TICKET",
        "ПОЧЕМУ НИКТО НЕ ОТВЕЧАЕТ НА МОЙ ВОПРОС",
        "ΓΙΑΤΙ ΚΑΝΕΙΣ ΔΕΝ ΑΠΑΝΤΑΕΙ ΣΤΟ ΜΗΝΥΜΑ",
        "DLACZEGO NIKT NIE ODPOWIADA ŻÓŁĆ",
        "ＦＵＬＬＷＩＤＴＨ ＳＨＯＵＴＩＮＧ ＨＥＲＥ",
    ],
)
def test_shouting_in_any_cased_script_is_flagged(text: str) -> None:
    assert caps().evaluate(subject(text), windows()) is not None


@pytest.mark.parametrize(
    "text",
    [
        "This is a perfectly normal sentence about the NASA launch.",
        "I think the new update from ACME is great, thanks!",
        "Hello everyone, welcome to the server",
    ],
)
def test_ordinary_sentences_are_not_flagged(text: str) -> None:
    assert caps().evaluate(subject(text), windows()) is None


def test_caps_reads_the_message_as_posted_not_the_folded_text() -> None:
    shouting = subject("WHY IS NOBODY ANSWERING MY TICKET")
    assert shouting.text.folded.islower()
    assert caps().evaluate(shouting, windows()) is not None


# Zalgo


@pytest.mark.parametrize(
    "text",
    [
        "Tiếng Việt có rất nhiều dấu: người, được, những, thượng, nhiễu, ặ, ỗ, ự.",
        "Mình rất thích sản phẩm này, cảm ơn các bạn nhiều lắm!",
        "Où est la bibliothèque ? Ça m'étonne, c'est très élégant, naïve, Noël, cœur.",
        "Zażółć gęślą jaźń. Źdźbło, żółw, łódź, Łęczyca, Gdańsk.",
        "Příliš žluťoučký kůň úpěl ďábelské ódy.",
        "Ærøskøbing, Smørrebrød, Ålborg; São Paulo; Straße; İstanbul; Dvořák.",
    ],
)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_real_diacritics_are_never_zalgo(text: str, form: str) -> None:
    posted = unicodedata.normalize(form, text)  # type: ignore[arg-type]
    assert zalgo(min_stacked=1).evaluate(subject(posted), windows()) is None


def test_vietnamese_decomposed_carries_two_marks_on_a_letter() -> None:
    # The reason max_marks_per_letter defaults to 2; one more and a message would be zalgo.
    decomposed = unicodedata.normalize("NFD", "ệ ặ ỗ")
    assert zalgo(min_stacked=1).evaluate(subject(decomposed), windows()) is None
    assert (
        zalgo(min_stacked=1, max_marks_per_letter=1).evaluate(subject(decomposed), windows())
        is not None
    )


def test_stacked_marks_are_zalgo() -> None:
    rule = zalgo(max_marks_per_letter=2, min_stacked=3)
    three = ACUTE + GRAVE + TILDE
    two_stacked = f"h{three}e{three}llo"
    assert rule.evaluate(subject(two_stacked), windows()) is None
    three_stacked = f"h{three}e{three}l{three}lo"
    hit = rule.evaluate(subject(three_stacked), windows())
    assert hit is not None
    assert dict(hit.evidence) == {"marks": 9}
    assert hit.reason == "9 combining marks stacked on 3 characters"


def test_a_tall_stack_on_one_letter_counts_as_one_character() -> None:
    rule = zalgo(max_marks_per_letter=2, min_stacked=2)
    tower = "a" + (ACUTE + GRAVE + TILDE + RING + DOT_BELOW) * 10
    assert rule.evaluate(subject(f"{tower} hi"), windows()) is None
    assert rule.evaluate(subject(f"{tower} {tower}"), windows()) is not None


def test_classic_zalgo_text_is_flagged() -> None:
    marks = [chr(c) for c in range(0x0300, 0x036F)]
    zalgo_text = "".join(
        ch + "".join(marks[(i * 7) % 100 :][:6]) for i, ch in enumerate("HE COMES")
    )
    assert zalgo().evaluate(subject(zalgo_text), windows()) is not None


# Walls of lines


def test_lines_up_to_the_limit_pass_and_one_more_is_flagged() -> None:
    rule = newlines(max_lines=20)
    assert rule.evaluate(subject("\n".join(f"line {i}" for i in range(20))), windows()) is None
    hit = rule.evaluate(subject("\n".join(f"line {i}" for i in range(21))), windows())
    assert hit is not None
    assert hit.reason == "21 lines"
    assert dict(hit.evidence) == {"lines": 21}


def test_windows_line_endings_count_once() -> None:
    rule = newlines(max_lines=20)
    assert rule.evaluate(subject("\r\n".join(f"line {i}" for i in range(20))), windows()) is None


def test_blank_runs_up_to_the_limit_pass_and_one_more_is_flagged() -> None:
    rule = newlines(max_blank_run=4, max_lines=100)
    four = "\n".join(["top", "", "", "", "", "bottom"])
    assert rule.evaluate(subject(four), windows()) is None
    five = "\n".join(["top", "", "  ", "\t", "", "", "bottom"])  # whitespace-only is blank
    hit = rule.evaluate(subject(five), windows())
    assert hit is not None
    assert hit.reason == "5 blank lines in a row"
    assert dict(hit.evidence) == {"blank_run": 5}


def test_separate_short_blank_runs_do_not_add_up() -> None:
    rule = newlines(max_blank_run=2, max_lines=100)
    text = "\n".join(["a", "", "", "b", "", "", "c", "", "", "d"])
    assert rule.evaluate(subject(text), windows()) is None


def test_an_ordinary_paragraph_is_not_a_wall() -> None:
    text = "Hi all,\n\nthe release is out.\nSee the notes.\n\nThanks!"
    assert newlines().evaluate(subject(text), windows()) is None


# Parameters and robustness


@pytest.mark.parametrize(
    ("params_type", "params"),
    [
        (CapsParams, {"min_letters": 0}),
        (CapsParams, {"max_ratio": 0}),
        (CapsParams, {"max_ratio": 1.5}),
        (ZalgoParams, {"max_marks_per_letter": 0}),
        (ZalgoParams, {"min_stacked": 0}),
        (NewlinesParams, {"max_lines": 0}),
        (NewlinesParams, {"max_blank_run": 0}),
        (NewlinesParams, {"max_linez": 3}),
    ],
)
def test_invalid_params_are_refused(
    params_type: type[CapsParams | ZalgoParams | NewlinesParams], params: dict[str, float]
) -> None:
    with pytest.raises(ValidationError):
        params_type.model_validate(params)


@settings(max_examples=100, deadline=None)
@given(text=st.text())
def test_caps_never_raises(text: str) -> None:
    hit = caps(min_letters=1, max_ratio=0.5).evaluate(subject(text), windows())
    assert hit is None or hit.reason


@settings(max_examples=100, deadline=None)
@given(text=st.text())
def test_zalgo_never_raises(text: str) -> None:
    hit = zalgo(max_marks_per_letter=1, min_stacked=1).evaluate(subject(text), windows())
    assert hit is None or hit.reason


@settings(max_examples=100, deadline=None)
@given(text=st.text())
def test_newlines_never_raise(text: str) -> None:
    hit = newlines(max_lines=1, max_blank_run=1).evaluate(subject(text), windows())
    assert hit is None or hit.reason
