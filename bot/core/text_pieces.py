"""Split a long text into pieces a platform takes in one message.

Discord takes at most 2,000 characters in a bot's message, and a moderator's `/help`, a
modmail transcript or a long `/history` runs past that. Sending such a text as several
messages keeps all of it; cutting it would lose the end, and sending it whole fails.
"""

from __future__ import annotations

_BREAKS = ("\n\n", "\n", " ")
"""Where a piece prefers to end, best first: a paragraph, a line, a word."""


def pieces(text: str, limit: int) -> list[str]:
    """Return the text in pieces of at most ``limit`` characters, in order.

    Each piece ends at the last paragraph break, else line break, else space, that keeps
    it within the limit and past half of it (so that no piece is needlessly short);
    failing those, at the limit itself. The break itself is dropped: each piece is a
    message of its own.

    Args:
        text: The text.
        limit: The most characters a piece may have (at least 1).

    Returns:
        The pieces; a text within the limit is one piece, an empty text none.

    Raises:
        ValueError: If ``limit`` is less than 1.
    """
    if limit < 1:
        raise ValueError(f"a piece holds at least one character, not {limit}")
    found: list[str] = []
    rest = text
    while len(rest) > limit:
        end, skip = _end_of_piece(rest, limit)
        found.append(rest[:end])
        rest = rest[end + skip :]
    if rest:
        found.append(rest)
    return found


def _end_of_piece(text: str, limit: int) -> tuple[int, int]:
    """Return where the first piece of ``text`` ends, and how many break characters follow."""
    for brk in _BREAKS:
        at = text.rfind(brk, 0, limit + len(brk))
        if at > limit // 2:
            return at, len(brk)
    return limit, 0
