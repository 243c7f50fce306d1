"""Build subjects, recent messages, joins and filled windows for rule tests.

Texts are built directly (``folded`` is the case-folded text and ``canonical`` equals it)
so these tests do not depend on the normalizer.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from bot.core.models import Attachment, Member, Message
from bot.core.refs import Ref
from policies._emoji import emoji_count
from policies.context import RecentJoin, RecentMessage, Subject, Text
from policies.windows import RecentWindows, fingerprint

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
"""The time of the event being judged, unless a test says otherwise."""

LONG_AGO = T0 - timedelta(days=400)
"""When established members joined and created their accounts."""

_ids = itertools.count(1)


def ref(name: str) -> Ref:
    """Return the local ref of a member, channel or message called ``name``."""
    return Ref("local", name)


def member(
    name: str = "alice",
    *,
    joined: datetime | None = LONG_AGO,
    account_created: datetime | None = LONG_AGO,
    roles: Iterable[str] = (),
) -> Member:
    """Return a member whose ref is ``Ref("local", name)``."""
    return Member(
        ref=ref(name),
        name=name,
        roles=frozenset(roles),
        joined_at=joined,
        account_created_at=account_created,
    )


def text_of(text: str, *, canonical: str | None = None) -> Text:
    """Return the text forms of a message: folded is case-folded, canonical defaults to it."""
    folded = text.casefold()
    return Text(original=text, folded=folded, canonical=folded if canonical is None else canonical)


def subject(
    text: str,
    *,
    author: str = "alice",
    channel: str = "general",
    at: datetime = T0,
    joined: datetime | None = LONG_AGO,
    account_created: datetime | None = LONG_AGO,
    staff: bool = False,
    scores: Mapping[str, float] | None = None,
    attachments: int = 0,
    mentions: Sequence[str] = (),
    canonical: str | None = None,
    language: str | None = None,
    model: str | None = None,
) -> Subject:
    """Return a subject: a real message by a real member, with its text forms."""
    author_member = member(author, joined=joined, account_created=account_created)
    message = Message(
        ref=ref(f"m{next(_ids)}"),
        channel=ref(channel),
        author=author_member,
        content=text,
        created_at=at,
        attachments=tuple(Attachment(filename=f"file{i}.png") for i in range(attachments)),
        mentions=tuple(ref(name) for name in mentions),
    )
    return Subject(
        message=message,
        member=author_member,
        text=text_of(text, canonical=canonical),
        is_staff=staff,
        scores=MappingProxyType(dict(scores or {})),
        language=language,
        model=model,
    )


def recent(
    author: str,
    channel: str,
    at: datetime,
    canonical: str,
    *,
    attachments: int = 0,
    emojis: int = 0,
) -> RecentMessage:
    """Return a kept message; ``canonical`` is stored as given (the windows' text key)."""
    return RecentMessage(
        message=ref(f"m{next(_ids)}"),
        channel=ref(channel),
        author=ref(author),
        at=at,
        canonical=canonical,
        attachments=attachments,
        emojis=emojis,
    )


def recorded(judged: Subject) -> RecentMessage:
    """Return what the guidelines cog keeps of a judged message (its fingerprint as text)."""
    message = judged.message
    return RecentMessage(
        message=message.ref,
        channel=message.channel,
        author=message.author.ref,
        at=message.created_at,
        canonical=fingerprint(judged.text.canonical),
        attachments=len(message.attachments),
        emojis=emoji_count(message.content),
    )


def join(name: str, at: datetime, *, account_created: datetime | None = LONG_AGO) -> RecentJoin:
    """Return a kept join of the member called ``name``."""
    return RecentJoin(member=ref(name), name=name, at=at, account_created=account_created)


def windows(
    now: datetime = T0,
    *,
    messages: Iterable[RecentMessage] = (),
    joins: Iterable[RecentJoin] = (),
    horizon: timedelta = timedelta(minutes=15),
    max_messages: int = 5_000,
    max_joins: int = 1_000,
) -> RecentWindows:
    """Return windows that saw these messages and joins in time order, moved to ``now``.

    Each item is recorded after moving the windows to its time, as the guidelines cog does.
    """
    kept = RecentWindows(horizon=horizon, max_messages=max_messages, max_joins=max_joins)
    events: list[RecentMessage | RecentJoin] = [*messages, *joins]
    for item in sorted(events, key=lambda e: e.at):
        kept.moved_to(item.at)
        if isinstance(item, RecentMessage):
            kept.record_message(item)
        else:
            kept.record_join(item)
    return kept.moved_to(now)
