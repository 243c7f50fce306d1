"""The text, author and files of recent guild messages, for edits and deletions.

Discord's MESSAGE_UPDATE carries only the new text, and MESSAGE_DELETE only ids.
discord.py keeps recent ``Message`` objects for that, but the client translates guild
messages from their payloads without building those objects (see
:mod:`bot.adapters.discord.payloads`), so it keeps what an edit or a deletion needs
itself: the text, author and files of each message, the oldest forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from bot.core.models import Attachment, Member

RECENT_MESSAGES = 5_000
"""How many guild messages are kept (discord.py keeps 1,000 by default)."""


class Recent(NamedTuple):
    """What is kept of one message: its text, as last edited, who wrote it, its files."""

    text: str
    author: Member | None
    files: tuple[Attachment, ...] = ()


class RecentContents:
    """A bounded map of message id (as core refs write it) to what is kept, oldest first.

    Args:
        size: How many messages to keep.
    """

    def __init__(self, size: int = RECENT_MESSAGES) -> None:
        self._size = size
        # An OrderedDict forgets its oldest in constant time; a plain dict emptied from the
        # front makes each ``next(iter(...))`` step over the holes its deletions left.
        self._texts: OrderedDict[str, Recent] = OrderedDict()

    def __len__(self) -> int:
        """Return how many messages' text is kept."""
        return len(self._texts)

    def remember(
        self,
        message_id: str,
        text: str,
        author: Member | None = None,
        files: tuple[Attachment, ...] | None = None,
    ) -> None:
        """Keep a message's text, author and files (an edit's new text replaces the old).

        An author or files not given are kept from before (an edit tells neither).
        """
        texts = self._texts
        kept = texts.get(message_id)
        if kept is None and len(texts) >= self._size:
            texts.popitem(last=False)
        if kept is not None:
            author = author or kept.author
            files = kept.files if files is None else files
        texts[message_id] = Recent(text, author, files or ())

    def get(self, message_id: str) -> str | None:
        """Return a kept message's text, or ``None`` when it is not kept."""
        kept = self._texts.get(message_id)
        return kept.text if kept is not None else None

    def forget(self, message_id: str) -> Recent | None:
        """Return what was kept of a deleted message, and forget it."""
        return self._texts.pop(message_id, None)
