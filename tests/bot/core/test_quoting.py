"""Members' words quoted in Steward's posts keep their links' addresses in sight."""

from __future__ import annotations

import pytest

from bot.core.quoting import excerpt, quoted


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[free nitro](https://phish.example)", "[free nitro]\\(https://phish.example)"),
        ("[a](x) and [b](<https://y.example>)", "[a]\\(x) and [b]\\(<https://y.example>)"),
        ("[](https://empty.example)", "[]\\(https://empty.example)"),
        # Not links: left as written.
        ("**bold** [not a link] (later)", "**bold** [not a link] (later)"),
        ("[two\nlines](https://x.example)", "[two\nlines](https://x.example)"),
        # Nothing a platform should be sent.
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ],
)
def test_masked_links_are_shown_as_written(text: str, shown: str) -> None:
    assert quoted(text) == shown


def test_an_excerpt_is_one_line_cut_with_an_ellipsis_and_quoted() -> None:
    assert (
        excerpt("see\n\n[this](https://x.example)  now", 100)
        == "see [this]\\(https://x.example) now"
    )
    assert excerpt("a" * 10, 5) == "aaaa…"
    assert excerpt("", 5) == ""
