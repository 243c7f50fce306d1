"""Long texts split into pieces a platform takes in one message."""

from __future__ import annotations

import pytest

from bot.core.text_pieces import pieces


def test_a_text_within_the_limit_is_one_piece_and_an_empty_one_none() -> None:
    assert pieces("hello", 5) == ["hello"]
    assert pieces("", 5) == []


def test_pieces_end_at_a_paragraph_then_a_line_then_a_word() -> None:
    assert pieces("first part\n\nsecond\npart", 18) == ["first part", "second\npart"]
    assert pieces("one line here\nand another", 18) == ["one line here", "and another"]
    assert pieces("many words in a row", 12) == ["many words", "in a row"]


def test_a_break_too_early_is_not_taken_and_a_word_too_long_is_cut() -> None:
    # The only space would leave a piece of two characters: cut at the limit instead.
    assert pieces("ab " + "c" * 10, 8) == ["ab ccccc", "ccccc"]
    assert pieces("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_every_piece_is_within_the_limit_and_nothing_but_breaks_is_lost() -> None:
    lines = [f"/command{n} <member> - does thing number {n} for the moderators" for n in range(60)]
    text = "\n".join(lines)
    found = pieces(text, 2000)
    assert len(found) == 2
    assert all(len(piece) <= 2000 for piece in found)
    assert "\n".join(found) == text


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one character"):
        pieces("text", 0)
