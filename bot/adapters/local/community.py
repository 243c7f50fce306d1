"""The state of an in-process community: channels, members, messages, threads, DMs.

It behaves like a real platform where that matters to a bot: a banned, kicked or
timed-out member cannot post, slowmode holds members back, and a ban can sweep a
member's recent messages.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.models import Channel, Member, Message
from bot.core.refs import Ref

PLATFORM = "local"
BOT_NAME = "steward"
_MAX_MESSAGES = 50_000  # keep memory bounded in long simulations; oldest go first


def ref(ident: str) -> Ref:
    """Return a local ref; local ids are the names scenarios use."""
    return Ref(PLATFORM, ident)


@dataclass(slots=True)
class LocalMember:
    """A member and what the platform knows about them right now."""

    member: Member
    present: bool = True
    banned: bool = False
    timed_out_until: datetime | None = None
    last_post: dict[str, datetime] = field(default_factory=dict)

    def muted_until(self, now: datetime) -> datetime | None:
        """Return the end of an active timeout, or ``None``."""
        if self.timed_out_until is not None and self.timed_out_until > now:
            return self.timed_out_until
        return None


@dataclass(slots=True)
class LocalChannel:
    """A channel or thread and its recent messages."""

    channel: Channel
    slowmode: int = 0
    locked: bool = False
    messages: deque[Ref] = field(default_factory=lambda: deque(maxlen=1000))


class PostRefused(Exception):
    """The platform would not accept a member's message; the text says why."""


class LocalCommunity:
    """One in-process community.

    Args:
        name: Its name; also its id.
        owner: The name of its owner, if any.
    """

    def __init__(self, name: str) -> None:
        self.ref = ref(name)
        self.name = name
        self.members: dict[str, LocalMember] = {}
        self.channels: dict[str, LocalChannel] = {}
        self.messages: OrderedDict[str, Message] = OrderedDict()
        self.dms: list[tuple[datetime, str, str, str]] = []
        self._counters: dict[str, int] = {}
        self.add_member(
            Member(ref=ref(BOT_NAME), name=BOT_NAME, display_name="Steward", is_bot=True)
        )

    def next_id(self, prefix: str) -> str:
        """Return a fresh id such as ``b1``, ``t2`` (deterministic, per prefix)."""
        count = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = count
        return f"{prefix}{count}"

    def add_channel(
        self, name: str, *, parent: str | None = None, private: bool = False
    ) -> LocalChannel:
        """Create a channel (or a thread when ``parent`` is given) unless it exists."""
        existing = self.channels.get(name)
        if existing is not None:
            return existing
        channel = LocalChannel(
            Channel(
                ref=ref(name), name=name, parent=ref(parent) if parent else None, is_private=private
            )
        )
        self.channels[name] = channel
        return channel

    def add_member(self, member: Member) -> LocalMember:
        """Add a member, or bring a departed one back; a banned member is refused.

        Raises:
            PostRefused: If the member is banned.
        """
        existing = self.members.get(member.name)
        if existing is not None and existing.banned:
            raise PostRefused(f"{member.name} is banned from {self.name}")
        entry = LocalMember(member)
        if existing is not None:
            entry.timed_out_until = existing.timed_out_until
        self.members[member.name] = entry
        return entry

    def member(self, name: str) -> LocalMember | None:
        """Return a member by name (their local id), if known."""
        return self.members.get(name)

    def check_can_post(
        self, author: LocalMember, channel: LocalChannel, now: datetime, staff: bool
    ) -> None:
        """Refuse a post the platform would refuse.

        Raises:
            PostRefused: If the author is absent, banned, timed out or held by slowmode.
        """
        name = author.member.name
        if author.banned or not author.present:
            raise PostRefused(f"{name} is not a member of {self.name}")
        muted = author.muted_until(now)
        if muted is not None:
            raise PostRefused(f"{name} is timed out until {muted.isoformat()}")
        if channel.locked and not staff:
            raise PostRefused(f"#{channel.channel.name} is locked")
        last = author.last_post.get(channel.channel.name)
        if channel.slowmode and not staff and last is not None:
            wait = last + timedelta(seconds=channel.slowmode)
            if now < wait:
                where = channel.channel.name
                raise PostRefused(
                    f"slowmode: {name} may post in #{where} again at {wait.isoformat()}"
                )

    def store(self, message: Message) -> None:
        """Keep a message, forgetting the oldest beyond a bound."""
        self.messages[message.ref.id] = message
        home = message.thread.id if message.thread else message.channel.id
        self.channels[home].messages.append(message.ref)
        author = self.members.get(message.author.name)
        if author is not None:
            author.last_post[home] = message.created_at
        while len(self.messages) > _MAX_MESSAGES:
            self.messages.popitem(last=False)

    def remove_message(self, ident: str) -> Message | None:
        """Delete a message; return it, or ``None`` if it was not there."""
        return self.messages.pop(ident, None)
