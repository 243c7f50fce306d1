"""Hold the stand-in's guilds, channels, roles, members and messages, and render them as JSON.

The payloads carry the fields discord.py 2.7 reads; the contract test fails when a
library upgrade needs more.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits the stand-in checks (Discord's numbering).
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
VIEW_AUDIT_LOG = 1 << 7
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
MANAGE_ROLES = 1 << 28
MANAGE_THREADS = 1 << 34
MODERATE_MEMBERS = 1 << 40
ALL_PERMISSIONS = (1 << 50) - 1

PERMISSION_NAMES = {
    KICK_MEMBERS: "KICK_MEMBERS",
    BAN_MEMBERS: "BAN_MEMBERS",
    MANAGE_CHANNELS: "MANAGE_CHANNELS",
    MANAGE_GUILD: "MANAGE_GUILD",
    SEND_MESSAGES: "SEND_MESSAGES",
    MANAGE_MESSAGES: "MANAGE_MESSAGES",
    MANAGE_ROLES: "MANAGE_ROLES",
    MANAGE_THREADS: "MANAGE_THREADS",
    MODERATE_MEMBERS: "MODERATE_MEMBERS",
}

TEXT_CHANNEL = 0
DM_CHANNEL = 1
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREADS = frozenset({PUBLIC_THREAD, PRIVATE_THREAD})


class Snowflakes:
    """Issue Discord-style ids: milliseconds since 2015 in the high bits, a counter below."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self, at: datetime | None = None) -> str:
        """Return a new id whose embedded time is ``at`` (now by default)."""
        when = at or datetime.now(UTC)
        millis = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
        return str((millis << 22) | (next(self._counter) & 0x3FFFFF))


def snowflake_time(ident: str) -> datetime:
    """Return the time embedded in a snowflake."""
    return datetime.fromtimestamp(((int(ident) >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def iso(at: datetime | None) -> str | None:
    """Return Discord's ISO 8601 form of a time."""
    return at.isoformat() if at is not None else None


@dataclass(slots=True)
class User:
    """An account: a person or a bot."""

    id: str
    name: str
    bot: bool = False
    dms_open: bool = True
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=400))
    global_name: str | None = None
    locale: str = "en-US"
    """The language of their Discord client, which interactions carry (never messages)."""
    avatar: str | None = None
    """The hash of the picture they uploaded; ``None`` shows Discord's default picture."""

    def payload(self) -> dict[str, Any]:
        """Return the user object."""
        return {
            "id": self.id,
            "username": self.name,
            "global_name": self.global_name or self.name,
            "discriminator": "0",
            "avatar": self.avatar,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(slots=True)
class Role:
    """A guild role; a higher position outranks a lower one."""

    id: str
    name: str
    position: int
    permissions: int = 0

    def payload(self) -> dict[str, Any]:
        """Return the role object."""
        return {
            "id": self.id,
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(slots=True)
class Member:
    """A user's membership of a guild."""

    user: User
    roles: list[str] = field(default_factory=list)
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=30))
    nick: str | None = None
    communication_disabled_until: datetime | None = None
    pending: bool = False

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        """Return the guild member object (without ``user`` inside a message)."""
        data: dict[str, Any] = {
            "roles": list(self.roles),
            "nick": self.nick,
            "avatar": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": self.pending,
            "flags": 0,
            "communication_disabled_until": iso(self.communication_disabled_until),
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass(slots=True)
class StoredMessage:
    """A message kept by the stand-in."""

    id: str
    channel_id: str
    author: User
    content: str
    guild_id: str | None = None
    components: list[Any] = field(default_factory=list)
    poll: dict[str, Any] | None = None
    edited_at: datetime | None = None
    mentions: list[User] = field(default_factory=list)
    flags: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def created_at(self) -> datetime:
        """Return when it was posted (from its id)."""
        return snowflake_time(self.id)


@dataclass(slots=True)
class Channel:
    """A text channel, thread or DM channel."""

    id: str
    name: str
    type: int = TEXT_CHANNEL
    guild_id: str | None = None
    parent_id: str | None = None
    rate_limit_per_user: int = 0
    overwrites: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    recipient: User | None = None
    owner_id: str | None = None
    archived: bool = False
    archived_at: datetime | None = None
    """When a thread was archived (or last opened or closed); ``None``: now."""

    def payload(self) -> dict[str, Any]:
        """Return the channel object."""
        if self.type == DM_CHANNEL:
            return {
                "id": self.id,
                "type": DM_CHANNEL,
                "last_message_id": None,
                "recipients": [self.recipient.payload()] if self.recipient else [],
            }
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": 0,
            "permission_overwrites": list(self.overwrites.values()),
            "nsfw": False,
            "parent_id": self.parent_id,
            "rate_limit_per_user": self.rate_limit_per_user,
            "topic": None,
            "last_message_id": None,
        }
        if self.type in THREADS:
            data |= {
                "owner_id": self.owner_id,
                "member_count": 1,
                "message_count": 0,
                "thread_metadata": {
                    "archived": self.archived,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso(self.archived_at or datetime.now(UTC)),
                    "locked": False,
                },
            }
        return data


@dataclass(slots=True)
class Guild:
    """A guild and everything in it."""

    id: str
    name: str
    owner_id: str
    roles: dict[str, Role] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    bans: dict[str, str] = field(default_factory=dict)
    automod_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    preferred_locale: str = "en-US"
    audit_log: list[dict[str, Any]] = field(default_factory=list)
    """Entries of what was done to members, oldest first (without the guild's id)."""

    @property
    def everyone(self) -> Role:
        """Return the @everyone role (its id is the guild's)."""
        return self.roles[self.id]

    def top_position(self, user_id: str) -> int:
        """Return the position of a member's highest role (0 for @everyone only)."""
        member = self.members.get(user_id)
        if member is None:
            return 0
        return max((self.roles[r].position for r in member.roles if r in self.roles), default=0)

    def active_threads(self) -> list[Channel]:
        """Return the threads that are not archived."""
        return [c for c in self.channels.values() if c.type in THREADS and not c.archived]

    def permissions_of(self, user_id: str) -> int:
        """Return a member's guild-wide permissions (the owner and admins have all)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        if member is None:
            return 0
        bits = self.everyone.permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role is not None:
                bits |= role.permissions
        return ALL_PERMISSIONS if bits & ADMINISTRATOR else bits

    def payload(self) -> dict[str, Any]:
        """Return the GUILD_CREATE payload: the guild with its members and channels."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [r.payload() for r in self.roles.values()],
            "large": False,
            "unavailable": False,
            "joined_at": iso(datetime.now(UTC)),
            "member_count": len(self.members),
            "members": [m.payload() for m in self.members.values()],
            "channels": [c.payload() for c in self.channels.values() if c.type not in THREADS],
            "threads": [c.payload() for c in self.active_threads()],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
