r"""Text SQLite can store: no lone surrogates.

JSON may carry a lone UTF-16 surrogate (``"\ud800"``), and Python's JSON readers (discord.py's,
bolt's, the scenario reader's) turn it into a ``str`` that UTF-8 cannot encode. SQLite
refuses such text: a member who put one in a message made the guidelines fail on it when
they stored its case, so the message went unjudged, and a modmail line or a moderator's
reason with one was lost. Storage stores U+FFFD in its place (``bot.storage.database``).

Events are not cleaned where they enter: walking every field of every event cost about
10 µs each, a third of the bus's time per event and a tenth of a judged Discord message's,
for text that the rules and the classifiers read as it is. What Steward posts of members'
words (``bot.core.quoting``) and prints (``steward simulate``) goes through
:func:`valid_text`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")

_SURROGATE = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


def valid_text(text: str) -> str:
    """Return the text with each lone surrogate replaced by U+FFFD (the same text if none)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_REPLACEMENT, text)


def valid_values(value: T) -> T:
    """Return ``value`` with :func:`valid_text` applied to every string inside it.

    Strings, and tuples, lists and mappings of them (a statement's bound values, a batch
    of them) are read; anything else is kept as it is.
    """
    return _valid(value)  # type: ignore[no-any-return]


def _valid(value: Any) -> Any:
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, tuple | list):
        return type(value)(_valid(item) for item in value)
    if isinstance(value, Mapping):
        return {key: _valid(item) for key, item in value.items()}
    return value
