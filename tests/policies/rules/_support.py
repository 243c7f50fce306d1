"""Build subjects and a still context for rule tests, from the real models."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import count

from bot.core.models import Member, Message
from bot.core.refs import Ref
from policies.context import Context, Subject, Text
from policies.windows import RecentWindows

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
CHANNEL = Ref("local", "general")
_ids = count(1)


# The real windows, empty, are the context of a message with no history.
CTX: Context = RecentWindows().moved_to(NOW)


def member(
    name: str = "alice",
    *,
    joined_hours_ago: float | None = 24 * 365,
    joined_at: datetime | None = None,
) -> Member:
    """Return a member who joined some hours before :data:`NOW` (``None``: unknown)."""
    if joined_at is None and joined_hours_ago is not None:
        joined_at = NOW - timedelta(hours=joined_hours_ago)
    return Member(ref=Ref("local", name), name=name, joined_at=joined_at)


def fold(text: str) -> str:
    """Return roughly what the normalizer gives as ``folded``: NFKC, case-folded, no invisibles."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def subject(
    content: str,
    *,
    author: Member | None = None,
    mentions: Sequence[Ref] = (),
    role_mentions: Sequence[str] = (),
    everyone: bool = False,
    is_staff: bool = False,
) -> Subject:
    """Return a subject for a message posted now in #general."""
    author = author or member()
    message = Message(
        ref=Ref("local", f"m{next(_ids)}"),
        channel=CHANNEL,
        author=author,
        content=content,
        created_at=NOW,
        mentions=tuple(mentions),
        role_mentions=tuple(role_mentions),
        mentions_everyone=everyone,
    )
    folded = fold(content)
    return Subject(
        message=message,
        member=author,
        text=Text(original=content, folded=folded, canonical=folded),
        is_staff=is_staff,
    )
