"""Count emoji the way members see them, on every platform."""

from __future__ import annotations

import re

import emoji

_CUSTOM = re.compile(r"<a?:\w{2,32}:\d+>|(?<![\w<]):[a-z][a-z0-9_+-]{1,31}:(?!\d)")


# Every emoji the emoji package knows has a character from these ranges (the emoji
# blocks, and the older symbols it also counts); text without one needs no full scan.
_MAYBE_EMOJI = re.compile(
    "[\u00a9\u00ae\u203c\u2049\u20e3\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u25fe"
    "\u2600-\u27bf\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff]"
)


def emoji_count(text: str) -> int:
    """Count emoji: Unicode ones, Discord custom ones (``<:name:id>``), Slack codes (``:tada:``)."""
    custom = len(_CUSTOM.findall(text)) if ":" in text else 0
    if text.isascii() or _MAYBE_EMOJI.search(text) is None:
        return custom
    return emoji.emoji_count(text) + custom


def emoji_upper_bound(text: str) -> int:
    """Return a quick number no smaller than :func:`emoji_count` of the text.

    Every emoji holds at least one character of the emoji ranges, so counting those
    characters (and custom emoji) bounds the count without the slow exact scan.
    """
    custom = len(_CUSTOM.findall(text)) if ":" in text else 0
    if text.isascii():
        return custom  # the emoji ranges are all beyond ASCII
    return len(_MAYBE_EMOJI.findall(text)) + custom
