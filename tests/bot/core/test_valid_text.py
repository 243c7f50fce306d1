"""Text with a lone surrogate, which SQLite cannot store, is made valid for storage."""

from __future__ import annotations

from bot.core.valid_text import valid_text, valid_values


def test_a_lone_surrogate_becomes_the_replacement_character() -> None:
    assert valid_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    valid = "plain, héllo, 😀"
    assert valid_text(valid) is valid
    assert valid_text("pair 😀 kept").encode("utf-8")


def test_every_text_among_bound_values_is_made_valid_and_the_rest_kept() -> None:
    assert valid_values(("a\ud800", 3, None, b"\xff")) == ("a\ufffd", 3, None, b"\xff")
    assert valid_values([{"writer": "b\udfff", "n": 2}]) == [{"writer": "b\ufffd", "n": 2}]
    assert valid_values({"text": "fine"}) == {"text": "fine"}
