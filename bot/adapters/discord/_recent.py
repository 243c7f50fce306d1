"""The text of recent guild messages, so an edit can say what it replaced.

Discord's MESSAGE_UPDATE carries only the new text. discord.py keeps recent ``Message``
objects for that, but the client translates guild messages from their payloads without
building those objects (see :mod:`bot.adapters.discord.payloads`), so it keeps the text
itself: a string per message, the oldest forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict

RECENT_MESSAGES = 5_000
"""How many guild messages' text is kept for edits (discord.py keeps 1,000 by default)."""


class RecentContents:
    """A bounded map of message id (as core refs write it) to text, oldest forgotten first.

    Args:
        size: How many messages to keep.
    """

    def __init__(self, size: int = RECENT_MESSAGES) -> None:
        self._size = size
        # An OrderedDict forgets its oldest in constant time; a plain dict emptied from the
        # front makes each ``next(iter(...))`` step over the holes its deletions left.
        self._texts: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        """Return how many messages' text is kept."""
        return len(self._texts)

    def remember(self, message_id: str, text: str) -> None:
        """Keep a message's text (an edit's new text replaces the old one)."""
        texts = self._texts
        if message_id not in texts and len(texts) >= self._size:
            texts.popitem(last=False)
        texts[message_id] = text

    def get(self, message_id: str) -> str | None:
        """Return a kept message's text, or ``None`` when it is not kept."""
        return self._texts.get(message_id)
