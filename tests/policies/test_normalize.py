from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.normalize import (
    HOMOGLYPHS,
    MAX_COMBINING,
    UNSPACED_RANGES,
    canonicalize,
    fold,
    has_unspaced,
    normalize,
    strip_marks,
    to_latin,
    unleet,
)

# Every character, lone surrogates included.
ANY_TEXT = st.text(st.characters(exclude_categories=()))

# Characters that interact: marks (one that folds to a letter, one that decomposes in
# two, kana voicing), Greek and Cyrillic letters and capitals, compatibility forms,
# invisible characters, leet symbols, digits, CJK, Hangul, a lone surrogate.
TRICKY = st.text(
    st.sampled_from(
        list(
            "aAeEiIoOsSltTkK019345!$@|_-.* \n"
            "\u0300\u0301\u0308\u0316\u0327\u0338\u0344\u0345\u034f\u20e3\u3099\u309a"
            "αΑιΙσςΣυΥΐᾳΩеЕоОсСкКіІйЁё"
            "ＦＵＣＫａ１！ﾊﾞｶﬁﬀßẞİǅ℡㍿ﷺ"
            "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u2066\ufe0f\U000e0041\u3164"
            "が か バ カ ー 死 한 ก ि न"
            "\ud800\x00😂"
        )
    ),
    max_size=40,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Hello World", "hello world"),
        ("ＦＵＣＫ", "fuck"),
        ("𝐟𝐮𝐜𝐤", "fuck"),
        ("ⓕⓤⓒⓚ", "fuck"),
        ("fu\u200bck", "fuck"),
        ("f\u200cu\u200dc\u2060k\ufeff", "fuck"),
        ("fu\u00adck", "fuck"),
        ("\u202eabc\u202c", "abc"),
        ("\u2066x\u2069", "x"),
        ("f\u3164uck", "fuck"),
        ("❤\ufe0f", "❤"),
        ("Straße", "strasse"),
        ("Crétin", "crétin"),
        ("СУКА", "сука"),
        ("ﾊﾞｶ", "バカ"),
        ("a\ud800b", "a\ufffdb"),
        ("nul\x00byte", "nul\x00byte"),
    ],
)
def test_folded_is_nfkc_casefolded_and_visible(text: str, folded: str) -> None:
    assert normalize(text).folded == folded


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("École Crétin", "ecole cretin"),
        ("f̸̢u̵c̷k̴", "fuck"),
        ("z̷̧̛̙̞͇̈́͌a̸̘̓l̶̝͆g̵̣̈o̴͚͝", "zalgo"),
        ("fück shït", "fuck shit"),
        ("ѕһіt", "shit"),
        ("сосk", "cock"),
        ("ΑΣΣ αѕѕ", "aoo ass"),
        ("ⅰdiot", "idiot"),
        ("ᴄᴏᴄk", "cock"),
        ("Ꮃ", "Ꮃ"),
        ("がぎぐパ", "がぎぐパ"),
        ("नमस्ते", "नमस्ते"),
        ("Ř̸", "r"),
        ("pedał røv", "pedał røv"),
    ],
)
def test_canonical_resolves_marks_and_homoglyphs(text: str, canonical: str) -> None:
    assert normalize(text).canonical == canonical


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("sh1t", "shit"),
        ("$hit", "shit"),
        ("a$$", "ass"),
        ("a$$hole", "asshole"),
        ("4ss", "ass"),
        ("f4gg0t", "faggot"),
        ("n00b", "noob"),
        ("1d10t", "idiot"),
        ("b@stard", "bastard"),
        ("sh!t", "shit"),
        ("sh!!!t", "shiiit"),
        ("he||o", "hello"),
        ("h3ll0 w0rld", "hello world"),
        ("@$hit", "@shit"),
        # Left alone: no letter, or symbols at the edge of a word, or too few letters.
        ("2026", "2026"),
        ("100%", "100%"),
        ("$5 or 5$ or $1,000", "$5 or 5$ or $1,000"),
        ("@alice", "@alice"),
        ("!ban @bob", "!ban @bob"),
        ("idiot!!!", "idiot!!!"),
        ("||spoiler||", "||spoiler||"),
        ("Galaxy A55", "galaxy a55"),
        ("4k 24h s23 b2b", "4k 24h s23 b2b"),
        ("12/05 v2.3.1 covid-19", "12/05 v2.3.1 covid-19"),
        ("!!! ??? ...", "!!! ??? ..."),
        # The price of the rule: a digit glued to two letters is read too.
        ("3pm", "epm"),
        # Scripts without spaces end words: the exclamation mark stays.
        ("ございます!新しい", "ございます!新しい"),
    ],
)
def test_leetspeak_is_read_only_inside_words(text: str, canonical: str) -> None:
    assert normalize(text).canonical == canonical


def test_repeats_and_separators_are_kept_for_the_matcher() -> None:
    assert normalize("fuuuuck as f.u.c.k f u c k").canonical == "fuuuuck as f.u.c.k f u c k"


def test_homoglyph_table_comes_from_the_package_data() -> None:
    assert len(HOMOGLYPHS) > 50
    assert {
        "а": "a",
        "о": "o",
        "ѕ": "s",
        "ο": "o",
        "ν": "v",
        "к": "k",
    }.items() <= HOMOGLYPHS.items()
    for source, target in HOMOGLYPHS.items():
        assert len(source) == 1 and not source.isascii() and source.isalpha()
        assert len(target) == 1 and target.isascii() and target.islower()
        assert fold(source) == source
        assert not has_unspaced(source)


def test_keep_leaves_letters_of_their_own() -> None:
    assert canonicalize(fold("Når"), keep="åæø") == "når"
    assert canonicalize(fold("Når"), keep="") == "nar"
    assert to_latin("año", keep="ñ") == "año"
    assert to_latin("año") == "ano"


def test_unspaced_scripts() -> None:
    assert has_unspaced("お前はバカだ") and has_unspaced("死") and has_unspaced("ภาษาไทย")
    assert not has_unspaced("hello мир 안녕")
    assert all(a <= b for a, b in UNSPACED_RANGES)


def test_combining_runs_are_cut_to_the_stream_safe_limit() -> None:
    folded = normalize("e" + "\u0316" * 10_000).folded
    assert folded == "e" + "\u0316" * MAX_COMBINING


@settings(max_examples=300)
@given(ANY_TEXT)
def test_normalize_is_total_and_idempotent(text: str) -> None:
    t = normalize(text)
    assert t.original == text
    assert normalize(t.folded).folded == t.folded
    assert normalize(t.canonical).canonical == t.canonical
    assert fold(t.canonical) == t.canonical
    t.canonical.encode("utf-8")  # no lone surrogate is left


@settings(max_examples=500)
@given(TRICKY)
def test_tricky_mixtures_are_idempotent(text: str) -> None:
    t = normalize(text)
    assert fold(t.folded) == t.folded
    assert normalize(t.canonical).canonical == t.canonical
    assert unleet(t.canonical) == t.canonical


@settings(max_examples=300)
@given(st.one_of(TRICKY, st.text(st.characters(max_codepoint=0x52F)), ANY_TEXT))
def test_the_fast_paths_agree_with_the_steps(text: str) -> None:
    folded = fold(text)
    assert canonicalize(folded) == unleet(to_latin(strip_marks(folded)))


@settings(max_examples=300)
@given(st.one_of(ANY_TEXT, TRICKY))
def test_output_length_is_bounded(text: str) -> None:
    t = normalize(text)
    # NFKC expands one character to at most 18 (U+FDFA); canonical only removes.
    assert len(t.folded) <= 18 * len(text)
    assert len(t.canonical) <= len(t.folded)


@settings(max_examples=200)
@given(TRICKY)
def test_normalize_agrees_with_unicode_on_what_it_keeps(text: str) -> None:
    t = normalize(text)
    assert unicodedata.is_normalized("NFKC", t.folded)
    assert not any(unicodedata.category(c) == "Cf" for c in t.folded)


HOSTILE = [
    "a" + "\u0301" * 10_000,  # one letter under 10,000 marks
    "\u0301\u0316" * 5_000,  # marks in the order that makes canonical sorting quadratic
    "\u202e\u2066" * 5_000 + "kcuf",  # bidi overrides and isolates
    "\ud800\udfff\udc00" * 3_000,  # lone surrogates
    "\x00" * 10_000,  # NUL bytes
    "a1" * 5_000,  # one long word full of digits
    "a!" * 5_000 + "!",  # interior symbols
    "@" * 10_000 + "a",
    "$" * 10_000,
    "a" * 10_000 + "1",  # a long word that ends in a digit
    "1" * 10_000,
    "ѕ" * 10_000,
    "é" * 10_000,
    "\U0001d173a\u0301" * 3_000,  # exotic invisible characters and marks
    "ございます!" * 2_000,
    "\ufdfa" * 1_000,  # the longest NFKC expansion
]


@settings(max_examples=40, deadline=timedelta(seconds=5))
@given(st.sampled_from(HOSTILE), st.integers(min_value=1, max_value=10))
def test_hostile_inputs_up_to_100_kb_stay_linear(piece: str, times: int) -> None:
    text = (piece * times)[:100_000]
    t = normalize(text)
    assert normalize(t.canonical).canonical == t.canonical
    assert len(t.canonical) <= len(t.folded) <= 18 * len(text)
