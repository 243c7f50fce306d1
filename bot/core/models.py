"""Describe members, messages and channels as platform-neutral, read-only values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.refs import Ref


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """A member of a community as the bot sees them at the time of an event.

    Attributes:
        ref: The member's id.
        name: The handle, unique in the community (``alice``).
        display_name: The name shown to others; may contain anything.
        roles: Role names (Discord) or group names (Slack) the member holds.
        joined_at: When they joined the community, if known.
        account_created_at: When their platform account was created, if known.
        lang: Their language as a BCP 47 tag, if known.
        is_bot: Whether the account is a bot.
        is_owner: Whether they own the community.
        rank: The position of their highest role where the platform orders roles
            (Discord); 0 where it does not. Higher outranks lower.
        timed_out_until: When a timeout the platform holds on them ends, if one was set
            (it may lie in the past: the timeout is over).
        pending: Whether they have yet to pass the community's membership screening.
        present: ``False`` for someone a command names who is not in the community now
            (they left or were banned): only their ref is known, and the name the
            platform still knows them by, if it does (``name`` is empty where not).
        avatar: The platform's name for the picture the member chose for themselves, a
            hash of the image (Discord's avatar hash, Slack's ``avatar_hash`` of a custom
            image): the same picture uploaded by another account carries the same one.
            Empty for the platform's default picture, or where it is not known.
    """

    ref: Ref
    name: str
    display_name: str = ""
    roles: frozenset[str] = frozenset()
    joined_at: datetime | None = None
    account_created_at: datetime | None = None
    lang: str | None = None
    is_bot: bool = False
    is_owner: bool = False
    rank: int = 0
    timed_out_until: datetime | None = None
    pending: bool = False
    present: bool = True
    avatar: str = ""

    @property
    def shown_name(self) -> str:
        """Return the display name, or the handle when there is none."""
        return self.display_name or self.name

    def timed_out_at(self, at: datetime) -> bool:
        """Return whether a platform timeout still holds them at a given time."""
        return self.timed_out_until is not None and self.timed_out_until > at


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A file attached to a message.

    Attributes:
        filename: The file's name.
        url: Where the platform serves it, if anywhere.
        size: Its size in bytes, if known.
        content_type: Its media type, if known.
    """

    filename: str
    url: str = ""
    size: int | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A message as posted in a channel or thread.

    Attributes:
        ref: The message's id.
        channel: The channel it was posted in (for a thread reply, the thread's parent).
        author: Who posted it.
        content: Its text; empty when the platform withheld it.
        created_at: When it was posted.
        thread: The thread it was posted in, if any.
        reply_to: The message it replies to, if any.
        attachments: Files attached to it.
        mentions: Members it mentions.
        role_mentions: Role names it mentions.
        mentions_everyone: Whether it pings everyone (``@everyone``/``@here``/``@channel``).
    """

    ref: Ref
    channel: Ref
    author: Member
    content: str
    created_at: datetime
    thread: Ref | None = None
    reply_to: Ref | None = None
    attachments: tuple[Attachment, ...] = ()
    mentions: tuple[Ref, ...] = ()
    role_mentions: tuple[str, ...] = ()
    mentions_everyone: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """A channel, or a thread inside one.

    Attributes:
        ref: The channel's id.
        name: Its name without a ``#``.
        parent: The parent channel when this is a thread.
        is_private: Whether only some members can see it.
        topics: Free-form tags a community gives the channel (``support``, ``staff``).
    """

    ref: Ref
    name: str
    parent: Ref | None = None
    is_private: bool = False
    topics: frozenset[str] = field(default_factory=frozenset)
