"""The stand-in's world: users, guilds and DM channels, and the JSON they render to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.standins.discord._model import (
    ALL_PERMISSIONS,
    DM_CHANNEL,
    Channel,
    Guild,
    Member,
    Role,
    Snowflakes,
    StoredMessage,
    User,
    iso,
)

BOT_ROLE_POSITION = 10
APPLICATION_FLAGS = {
    "presences": 1 << 12,
    "members": 1 << 14,
    "message_content": 1 << 18,
}


@dataclass(slots=True)
class World:
    """Everything the stand-in knows, by id."""

    ids: Snowflakes = field(default_factory=Snowflakes)
    users: dict[str, User] = field(default_factory=dict)
    guilds: dict[str, Guild] = field(default_factory=dict)
    dm_channels: dict[str, Channel] = field(default_factory=dict)
    bot: User = field(init=False)
    application_id: str = field(init=False)
    denied: dict[str, int] = field(default_factory=dict)
    """Per guild id, permission bits the bot lacks there (for 403 / 50013 tests)."""

    def __post_init__(self) -> None:
        self.bot = self.add_user("Steward", bot=True)
        self.application_id = self.bot.id

    def add_user(
        self,
        name: str,
        *,
        bot: bool = False,
        dms_open: bool = True,
        locale: str = "en-US",
        avatar: str | None = None,
    ) -> User:
        """Create an account (``avatar``: the hash of its picture, if it has one)."""
        user = User(self.ids.next(), name, bot=bot, dms_open=dms_open, locale=locale, avatar=avatar)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, owner: User, *, shard: tuple[int, int] | None = None) -> Guild:
        """Create a guild owned by ``owner``, with @everyone, the bot and its role.

        Args:
            name: The guild's name.
            owner: Its owner.
            shard: ``(shard_id, shard_count)``: give it an id whose events go to that shard.
        """
        ident = self.ids.next()
        if shard is not None:
            shard_id, count = shard
            # Discord's shard of a guild is its id's time part modulo the count.
            millis = int(ident) >> 22
            millis += (shard_id - millis) % count
            ident = str((millis << 22) | (int(ident) & 0x3FFFFF))
        guild = Guild(ident, name, owner.id)
        guild.roles[guild.id] = Role(guild.id, "@everyone", 0, permissions=1 << 11 | 1 << 10)
        bot_role = Role(self.ids.next(), "Steward", BOT_ROLE_POSITION, ALL_PERMISSIONS)
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(owner)
        guild.members[self.bot.id] = Member(self.bot, roles=[bot_role.id])
        self.guilds[guild.id] = guild
        return guild

    def channel(self, channel_id: str) -> tuple[Guild | None, Channel] | None:
        """Return a channel and its guild (``None`` for a DM channel), if it exists."""
        if channel_id in self.dm_channels:
            return None, self.dm_channels[channel_id]
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild, guild.channels[channel_id]
        return None

    def dm_channel(self, user: User) -> Channel:
        """Return the DM channel between the bot and a user, opening it if needed."""
        for channel in self.dm_channels.values():
            if channel.recipient is not None and channel.recipient.id == user.id:
                return channel
        channel = Channel(self.ids.next(), "", DM_CHANNEL, recipient=user)
        self.dm_channels[channel.id] = channel
        return channel

    def bot_permissions(self, guild: Guild) -> int:
        """Return what the bot may do in a guild."""
        return guild.permissions_of(self.bot.id) & ~self.denied.get(guild.id, 0)

    def outranks(self, guild: Guild, actor: str, target: str) -> bool:
        """Return whether ``actor`` may act on ``target`` by role hierarchy."""
        if target == guild.owner_id:
            return False
        return actor == guild.owner_id or guild.top_position(actor) > guild.top_position(target)

    @staticmethod
    def _attachment(message: StoredMessage, index: int, filename: str) -> dict[str, Any]:
        """Return a file attached to a message, served from the stand-in's own CDN name."""
        ident = f"{message.id}{index}"  # the same in every payload of the message
        url = f"https://cdn.discord.invalid/attachments/{message.channel_id}/{ident}/{filename}"
        return {
            "id": ident,
            "filename": filename,
            "size": 1024,
            "url": url,
            "proxy_url": url,
            "content_type": "image/png" if filename.endswith(".png") else None,
        }

    def message_payload(self, message: StoredMessage) -> dict[str, Any]:
        """Return the message object, with the author's member data in a guild."""
        data: dict[str, Any] = {
            "id": message.id,
            "channel_id": message.channel_id,
            "author": message.author.payload(),
            "content": message.content,
            "timestamp": iso(message.created_at),
            "edited_timestamp": iso(message.edited_at),
            "tts": False,
            "mention_everyone": "@everyone" in message.content or "@here" in message.content,
            "mentions": [u.payload() for u in message.mentions],
            "mention_roles": [],
            "attachments": [
                self._attachment(message, index, name) for index, name in enumerate(message.files)
            ],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": message.flags,
            "components": message.components,
        }
        if message.poll is not None:
            data["poll"] = message.poll
        if message.guild_id is not None:
            data["guild_id"] = message.guild_id
            member = self.guilds[message.guild_id].members.get(message.author.id)
            if member is not None:
                data["member"] = member.payload(with_user=False)
        return data

    def ready_payload(
        self, session_id: str, shard: tuple[int, int], resume_url: str
    ) -> dict[str, Any]:
        """Return the READY payload."""
        return {
            "v": 10,
            "user": self.bot.payload() | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [
                {"id": g.id, "unavailable": True}
                for g in self.guilds.values()
                if (int(g.id) >> 22) % shard[1] == shard[0]
            ],
            "session_id": session_id,
            "resume_gateway_url": resume_url,
            "shard": list(shard),
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    def application_payload(self, privileged: set[str]) -> dict[str, Any]:
        """Return the application object, its flags saying which privileged intents are on."""
        flags = 0
        for name in privileged:
            flags |= APPLICATION_FLAGS.get(name, 0)
        owner = next(iter(self.guilds.values())).owner_id if self.guilds else self.bot.id
        return {
            "id": self.application_id,
            "name": "Steward",
            "icon": None,
            "description": "",
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.users[owner].payload(),
            "flags": flags,
            "bot": self.bot.payload(),
        }

    def now(self) -> datetime:
        """Return the current time (the stand-in runs on real time)."""
        return datetime.now(UTC)
