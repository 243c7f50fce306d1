"""Helpers for policy tests: subjects built from the real models and the real normalizer.

Import them: ``from tests.policies.conftest import CTX, subject``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import count

from bot.core.models import Member, Message
from bot.core.refs import Ref
from policies.context import Context, RecentJoin, RecentMessage, Subject
from policies.normalize import normalize

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNEL = Ref("local", "general")
_ids = count(1)


class EmptyContext:
    """A context at a fixed time with nothing recent in it."""

    def __init__(self, now: datetime = NOW) -> None:
        self._now = now

    @property
    def now(self) -> datetime:
        """Return the fixed time."""
        return self._now

    def by_member(self, member: Ref, since: datetime) -> Sequence[RecentMessage]:
        """Return no messages."""
        return ()

    def in_channel(self, channel: Ref, since: datetime) -> Sequence[RecentMessage]:
        """Return no messages."""
        return ()

    def with_text(self, canonical: str, since: datetime) -> Sequence[RecentMessage]:
        """Return no messages."""
        return ()

    def recent_messages(self, since: datetime) -> Sequence[RecentMessage]:
        """Return no messages."""
        return ()

    def joins(self, since: datetime) -> Sequence[RecentJoin]:
        """Return no joins."""
        return ()


CTX: Context = EmptyContext()


def subject(text: str, lang: str | None = None) -> Subject:
    """Return a subject for a message posted now in #general by ``alice``.

    Args:
        text: The message's content, normalized with :func:`policies.normalize.normalize`.
        lang: The author's language, if known.
    """
    author = Member(ref=Ref("local", "alice"), name="alice", lang=lang, joined_at=NOW)
    message = Message(
        ref=Ref("local", f"m{next(_ids)}"),
        channel=CHANNEL,
        author=author,
        content=text,
        created_at=NOW,
    )
    return Subject(message=message, member=author, text=normalize(text))
