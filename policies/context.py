"""What a rule may look at besides the message: recent activity, read-only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Literal, Protocol

from bot.core.models import Member, Message
from bot.core.refs import Ref

TextForm = Literal["original", "folded", "canonical"]
"""A form of a message's text: the name of a :class:`Text` field."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """One message's text in the forms rules compare.

    Attributes:
        original: As posted.
        folded: NFKC, case-folded, invisible characters removed; still readable.
        canonical: ``folded`` with homoglyphs, leetspeak and combining marks resolved;
            what keyword and duplicate rules compare.
    """

    original: str
    folded: str
    canonical: str

    def form(self, name: TextForm) -> str:
        """Return the text in one of its forms."""
        form: str = getattr(self, name)
        return form


@dataclass(frozen=True, slots=True, kw_only=True)
class Subject:
    """What is being judged: a message, its author and its text.

    Attributes:
        message: The message.
        member: Its author as known now.
        text: Its text, normalized once for every rule.
        is_staff: Whether the author moderates this community.
        scores: Classifier scores per label, when a classifier ran on it.
        language: The language the classifier judged the text in, when it said.
        model: The model and version that gave the scores (``id@version``), when known.
    """

    message: Message
    member: Member
    text: Text
    is_staff: bool = False
    scores: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    language: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecentMessage:
    """A message kept in the recent window.

    Attributes:
        message: Its id.
        channel: Where.
        author: Who.
        at: When.
        canonical: Its canonical text (for duplicate detection).
        attachments: How many files it carried.
        emojis: How many emoji it carried.
        author_joined: When its author joined the community, if known.
    """

    message: Ref
    channel: Ref
    author: Ref
    at: datetime
    canonical: str
    attachments: int = 0
    emojis: int = 0
    author_joined: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecentJoin:
    """A member who joined recently (``avatar``: their picture's hash, empty for a default)."""

    member: Ref
    name: str
    at: datetime
    account_created: datetime | None = None
    avatar: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BannedMember:
    """Someone whose ban still holds, as the community's cases keep them.

    Attributes:
        member: Their account.
        name: The name their case keeps.
        banned_at: When the ban was applied.
        case: The number of the case that banned them.
        avatar: The hash of the picture they showed then; empty for a default picture.
    """

    member: Ref
    name: str
    banned_at: datetime
    case: int
    avatar: str = ""


class Context(Protocol):
    """Recent activity in a community, bounded in time and size, read-only to rules."""

    @property
    def now(self) -> datetime:
        """Return the time of the event being judged."""
        ...

    def by_member(self, member: Ref, since: datetime) -> Sequence[RecentMessage]:
        """Return a member's messages since a time, oldest first (the current one excluded)."""
        ...

    def in_channel(self, channel: Ref, since: datetime) -> Sequence[RecentMessage]:
        """Return a channel's messages since a time, oldest first (the current one excluded)."""
        ...

    def with_text(self, canonical: str, since: datetime) -> Sequence[RecentMessage]:
        """Return messages since a time whose canonical text equals this one."""
        ...

    def recent_messages(self, since: datetime) -> Sequence[RecentMessage]:
        """Return every kept message since a time, oldest first."""
        ...

    def joins(self, since: datetime) -> Sequence[RecentJoin]:
        """Return members who joined since a time, oldest first."""
        ...

    def banned(self) -> Sequence[BannedMember]:
        """Return the members whose ban still holds, latest first (read before a join)."""
        ...

    def staff(self) -> Sequence[str]:
        """Return the names the community's staff go by, as far as Steward has seen them."""
        ...
