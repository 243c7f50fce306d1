"""Serve REST v10: the routes the bot uses, answering as Discord does, errors included.

Every answer carries ``Content-Type: application/json`` exactly: with a charset suffix
discord.py would read the body as text.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bot.standins.discord._model import (
    BAN_MEMBERS,
    KICK_MEMBERS,
    MANAGE_CHANNELS,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MANAGE_ROLES,
    MANAGE_THREADS,
    MODERATE_MEMBERS,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    SEND_MESSAGES,
    THREADS,
    VIEW_AUDIT_LOG,
    Channel,
    Guild,
    Member,
    StoredMessage,
    User,
    snowflake_time,
)
from bot.standins.discord._world import World

EPHEMERAL = 1 << 6
MAX_TIMEOUT = timedelta(days=28)
BULK_DELETE_MAX_AGE = timedelta(days=14)
MAX_CONTENT = 2000
"""The most characters of content Discord takes in a bot's message."""
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BODY: web.RequestKey[Any] = web.RequestKey("json_body", object)
"""The request's JSON body, parsed once by the recording middleware (``None`` if none)."""


class ApiError(Exception):
    """An error answer: HTTP status, Discord's error code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def reply(data: Any, status: int = 200) -> web.Response:
    """Return a JSON answer with Discord's exact content type."""
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def no_content() -> web.Response:
    """Return an empty 204 answer."""
    return web.Response(status=204)


def _missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


MEMBER_KICK = 20
MEMBER_BAN_ADD = 22
MEMBER_BAN_REMOVE = 23
MEMBER_UPDATE = 24
"""Audit log action types of what is done to members."""
MESSAGE_DELETE = 72
"""The audit log action type of a message deleted by someone other than its author."""
MESSAGE_DELETE_MERGED = timedelta(minutes=5)
"""How long Discord counts a moderator's further deletions of one member's messages in
one channel on the entry it wrote for the first, sending no new entry."""


def audit_entry(
    world: World,
    action_type: int,
    user_id: str,
    target_id: str,
    *,
    reason: str = "",
    timed_out_until: datetime | None = None,
) -> dict[str, Any]:
    """Return an audit log entry as GUILD_AUDIT_LOG_ENTRY_CREATE carries it (no guild id)."""
    entry: dict[str, Any] = {
        "id": world.ids.next(),
        "user_id": user_id,
        "target_id": target_id,
        "action_type": action_type,
    }
    if reason:
        entry["reason"] = reason
    if action_type == MEMBER_UPDATE:
        until = timed_out_until.isoformat() if timed_out_until else None
        entry["changes"] = [{"key": "communication_disabled_until", "new_value": until}]
    return entry


def message_deletion_entry(
    world: World, guild: Guild, user_id: str, message: StoredMessage
) -> dict[str, Any] | None:
    """Write the deletion of someone else's message to the audit log, as Discord does.

    Returns the new entry to announce, or ``None`` when the deletion was counted on the
    entry of the same moderator's deletion of that member's messages there a moment ago.
    """
    since = world.now() - MESSAGE_DELETE_MERGED
    for entry in reversed(guild.audit_log):
        if snowflake_time(entry["id"]) < since:
            break
        if (
            entry["action_type"] == MESSAGE_DELETE
            and entry["user_id"] == user_id
            and entry["target_id"] == message.author.id
            and entry["options"]["channel_id"] == message.channel_id
        ):
            entry["options"]["count"] = str(int(entry["options"]["count"]) + 1)
            return None
    entry = audit_entry(world, MESSAGE_DELETE, user_id, message.author.id)
    entry["options"] = {"channel_id": message.channel_id, "count": "1"}
    return entry


MODAL = 9
"""The interaction callback type that answers with a form (a modal)."""
MODAL_SUBMIT = 5
"""The interaction type of a submitted form."""


@dataclass(slots=True)
class Interactions:
    """Interactions sent to the bot, by id, so their callbacks can be answered."""

    pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    def by_token(self, token: str) -> dict[str, Any]:
        """Return an interaction by its token."""
        for interaction in self.pending.values():
            if interaction["token"] == token:
                return interaction
        raise ApiError(404, 10015, "Unknown Webhook")


class RestApi:
    """The REST routes over a world.

    Args:
        world: What the stand-in knows.
        interactions: Interactions it sent, to answer their callbacks.
        gateway_url: The websocket URL ``GET /gateway/bot`` names.
        privileged: The privileged intents enabled for the application.
        shards: The shard count ``GET /gateway/bot`` recommends.
        thread_created: Told of each thread opened over REST, to announce it on the
            gateway (``THREAD_CREATE``) as Discord does.
        member_updated: Told of each member changed over REST (a timeout), to announce
            it on the gateway (``GUILD_MEMBER_UPDATE``) as Discord does.
        member_removed: Told of each member kicked or banned over REST, to announce it on
            the gateway (``GUILD_MEMBER_REMOVE``) as Discord does.
        audited: Told of each audit log entry an action over REST writes.
        deleted: Told of the messages each deletion over REST took, to announce them on the
            gateway (``MESSAGE_DELETE``, or ``MESSAGE_DELETE_BULK`` for a bulk delete) as
            Discord does, the bot's own deletions included.
        posted: Told of each message the bot posts, which Discord echoes on the gateway
            (``MESSAGE_CREATE``).
        edited: Told of each message the bot edits, which Discord echoes on the gateway
            (``MESSAGE_UPDATE``).
    """

    def __init__(
        self,
        world: World,
        interactions: Interactions,
        gateway_url: Callable[[], str],
        privileged: set[str],
        *,
        shards: int = 1,
        thread_created: Callable[[Channel], Awaitable[None]] | None = None,
        member_updated: Callable[[Guild, Member], Awaitable[None]] | None = None,
        member_removed: Callable[[Guild, Member], Awaitable[None]] | None = None,
        audited: Callable[[Guild, dict[str, Any]], Awaitable[None]] | None = None,
        deleted: Callable[[list[StoredMessage]], Awaitable[None]] | None = None,
        posted: Callable[[StoredMessage], Awaitable[None]] | None = None,
        edited: Callable[[StoredMessage], Awaitable[None]] | None = None,
    ) -> None:
        self.world = world
        self._deleted = deleted
        self._posted = posted
        self._edited = edited
        self._audited = audited
        self.interactions = interactions
        self._gateway_url = gateway_url
        self._privileged = privileged
        self.shards = shards
        self._thread_created = thread_created
        self._member_updated = member_updated
        self._member_removed = member_removed

    def routes(self) -> list[tuple[str, str, Handler]]:
        """Return (method, path template, handler) for every route, relative to /api/v10."""
        return [
            ("GET", "/users/@me", self.me),
            ("GET", "/oauth2/applications/@me", self.application),
            ("GET", "/applications/@me", self.application),
            ("GET", "/gateway", self.gateway),
            ("GET", "/gateway/bot", self.gateway),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("PATCH", "/channels/{channel_id}", self.edit_channel),
            ("GET", "/channels/{channel_id}/messages", self.history),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_on),
            ("POST", "/channels/{channel_id}/threads", self.thread),
            ("PUT", "/channels/{channel_id}/permissions/{target_id}", self.put_overwrite),
            ("DELETE", "/channels/{channel_id}/permissions/{target_id}", self.delete_overwrite),
            ("POST", "/users/@me/channels", self.open_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("PATCH", "/guilds/{guild_id}/members/{user_id}", self.edit_member),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}", self.kick),
            ("PUT", "/guilds/{guild_id}/bans/{user_id}", self.ban),
            ("DELETE", "/guilds/{guild_id}/bans/{user_id}", self.unban),
            ("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            ("GET", "/guilds/{guild_id}/audit-logs", self.audit_logs),
            ("GET", "/guilds/{guild_id}/roles", self.roles),
            ("GET", "/guilds/{guild_id}/threads/active", self.active_threads),
            ("GET", "/channels/{channel_id}/threads/archived/public", self.archived_threads),
            (
                "GET",
                "/channels/{channel_id}/threads/archived/private",
                self.archived_private_threads,
            ),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self.get_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self.put_commands),
            ("GET", "/guilds/{guild_id}/auto-moderation/rules", self.automod_rules),
            ("POST", "/guilds/{guild_id}/auto-moderation/rules", self.automod_create),
            ("PATCH", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", self.automod_edit),
            ("DELETE", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", self.automod_delete),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.callback),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/@original", self.edit_original),
            ("POST", "/webhooks/{app_id}/{token}", self.followup),
        ]

    # -- lookups ----------------------------------------------------------------------

    def _channel(self, request: web.Request) -> tuple[Guild | None, Channel]:
        found = self.world.channel(request.match_info["channel_id"])
        if found is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return found

    def _guild(self, request: web.Request) -> Guild:
        guild = self.world.guilds.get(request.match_info["guild_id"])
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    def _message(self, channel: Channel, message_id: str) -> StoredMessage:
        message = channel.messages.get(message_id)
        if message is None:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def _require(self, guild: Guild | None, bit: int) -> None:
        if guild is not None and not self.world.bot_permissions(guild) & bit:
            raise _missing_permissions()

    def _user(self, user_id: str) -> User:
        user = self.world.users.get(user_id)
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return user

    def _target_member(self, guild: Guild, user_id: str) -> None:
        if user_id not in guild.members:
            raise ApiError(404, 10007, "Unknown Member")
        if not self.world.outranks(guild, self.world.bot.id, user_id):
            raise _missing_permissions()

    # -- identity -----------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        """Return the bot user."""
        return reply(self.world.bot.payload() | {"verified": True, "mfa_enabled": False})

    async def application(self, request: web.Request) -> web.Response:
        """Return the application, its flags naming the enabled privileged intents."""
        return reply(self.world.application_payload(self._privileged))

    async def gateway(self, request: web.Request) -> web.Response:
        """Return where the gateway is."""
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 16}
        return reply(
            {"url": self._gateway_url(), "shards": self.shards, "session_start_limit": limit}
        )

    # -- channels and messages ------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        """Return a channel."""
        return reply(self._channel(request)[1].payload())

    async def edit_channel(self, request: web.Request) -> web.Response:
        """Change a channel's slowmode or name."""
        guild, channel = self._channel(request)
        self._require(guild, MANAGE_CHANNELS)
        body = request[BODY] or {}
        if "rate_limit_per_user" in body:
            seconds = int(body["rate_limit_per_user"])
            if not 0 <= seconds <= 21_600:
                raise ApiError(400, 50035, "Invalid Form Body")
            channel.rate_limit_per_user = seconds
        channel.name = body.get("name", channel.name)
        return reply(channel.payload())

    async def history(self, request: web.Request) -> web.Response:
        """Return a channel's latest messages, newest first."""
        _, channel = self._channel(request)
        limit = min(int(request.query.get("limit", "50")), 100)
        before = request.query.get("before")
        messages = sorted(channel.messages.values(), key=lambda m: int(m.id), reverse=True)
        if before:
            messages = [m for m in messages if int(m.id) < int(before)]
        return reply([self.world.message_payload(m) for m in messages[:limit]])

    async def create_message(self, request: web.Request) -> web.Response:
        """Post a message as the bot; a DM Discord would not deliver is refused.

        Discord delivers a bot's DM only to a user who shares a server with it (a banned
        or kicked member shares none) and has not closed their DMs.
        """
        guild, channel = self._channel(request)
        self._require(guild, SEND_MESSAGES)
        recipient = channel.recipient
        if recipient is not None and (
            not recipient.dms_open
            or not any(recipient.id in g.members for g in self.world.guilds.values())
        ):
            raise ApiError(403, 50007, "Cannot send messages to this user")
        _check_content(request[BODY])
        posted = self.post_as_bot(guild, channel, request[BODY])
        if self._posted is not None:
            await self._posted(posted)
        return reply(self.world.message_payload(posted))

    def post_as_bot(
        self, guild: Guild | None, channel: Channel, body: dict[str, Any] | None
    ) -> StoredMessage:
        """Store a message the bot posts."""
        body = body or {}
        message = StoredMessage(
            id=self.world.ids.next(),
            channel_id=channel.id,
            author=self.world.bot,
            content=str(body.get("content") or ""),
            guild_id=guild.id if guild else None,
            components=list(body.get("components") or []),
            poll=_poll(body.get("poll"), self.world.now()),
            flags=int(body.get("flags") or 0),
        )
        channel.messages[message.id] = message
        return message

    async def get_message(self, request: web.Request) -> web.Response:
        """Return one message."""
        _, channel = self._channel(request)
        message = self._message(channel, request.match_info["message_id"])
        return reply(self.world.message_payload(message))

    async def edit_message(self, request: web.Request) -> web.Response:
        """Edit a message the bot posted."""
        _, channel = self._channel(request)
        message = self._message(channel, request.match_info["message_id"])
        if message.author.id != self.world.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        _check_content(request[BODY])
        _apply_edit(message, request[BODY] or {}, self.world.now())
        if self._edited is not None:
            await self._edited(message)
        return reply(self.world.message_payload(message))

    async def delete_message(self, request: web.Request) -> web.Response:
        """Delete a message (others' need Manage Messages)."""
        guild, channel = self._channel(request)
        message = self._message(channel, request.match_info["message_id"])
        if message.author.id != self.world.bot.id:
            self._require(guild, MANAGE_MESSAGES)
        del channel.messages[message.id]
        if self._deleted is not None:
            await self._deleted([message])
        if (
            guild is not None
            and message.author.id != self.world.bot.id
            and self._audited is not None
        ):
            entry = message_deletion_entry(self.world, guild, self.world.bot.id, message)
            if entry is not None:
                await self._audited(guild, entry)
        return no_content()

    async def bulk_delete(self, request: web.Request) -> web.Response:
        """Delete 2 to 100 messages younger than 14 days at once."""
        guild, channel = self._channel(request)
        self._require(guild, MANAGE_MESSAGES)
        ids = [str(i) for i in (request[BODY] or {}).get("messages", [])]
        if not 2 <= len(ids) <= 100:
            raise ApiError(400, 50035, "Invalid Form Body")
        oldest = self.world.now() - BULK_DELETE_MAX_AGE
        for ident in ids:
            message = channel.messages.get(ident)
            if message is not None and message.created_at < oldest:
                raise ApiError(
                    400, 50034, "You can only bulk delete messages that are under 14 days old."
                )
        gone = [m for m in (channel.messages.pop(ident, None) for ident in ids) if m is not None]
        if gone and self._deleted is not None:
            await self._deleted(gone)
        return no_content()

    async def thread_on(self, request: web.Request) -> web.Response:
        """Open a thread on a message."""
        return await self.thread(request)

    async def thread(self, request: web.Request) -> web.Response:
        """Open a thread in a channel."""
        guild, channel = self._channel(request)
        if guild is None:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        body = request[BODY] or {}
        thread = Channel(
            self.world.ids.next(),
            str(body.get("name") or "thread"),
            PUBLIC_THREAD,
            guild_id=guild.id,
            parent_id=channel.id,
            owner_id=self.world.bot.id,
        )
        guild.channels[thread.id] = thread
        if self._thread_created is not None:
            await self._thread_created(thread)
        return reply(thread.payload(), status=201)

    async def active_threads(self, request: web.Request) -> web.Response:
        """Return a guild's threads that are not archived (the bot's membership unsaid)."""
        guild = self._guild(request)
        return reply({"threads": [t.payload() for t in guild.active_threads()], "members": []})

    async def archived_threads(self, request: web.Request) -> web.Response:
        """Return a page of a channel's archived public threads, latest archived first."""
        return self._archived(request, PUBLIC_THREAD)

    async def archived_private_threads(self, request: web.Request) -> web.Response:
        """Return a page of a channel's archived private threads (needs Manage Threads)."""
        return self._archived(request, PRIVATE_THREAD)

    def _archived(self, request: web.Request, kind: int) -> web.Response:
        """Return a page of archived threads of one kind, archived before ``before``."""
        guild, channel = self._channel(request)
        if guild is None:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        if kind == PRIVATE_THREAD:
            self._require(guild, MANAGE_THREADS)
        before = request.query.get("before")
        limit = max(2, min(int(request.query.get("limit", "50")), 100))
        now = self.world.now()
        threads = sorted(
            (
                t
                for t in guild.channels.values()
                if t.type == kind
                and t.archived
                and t.parent_id == channel.id
                and (before is None or (t.archived_at or now) < datetime.fromisoformat(before))
            ),
            key=lambda t: t.archived_at or now,
            reverse=True,
        )
        page = [t.payload() for t in threads[:limit]]
        return reply({"threads": page, "members": [], "has_more": len(threads) > limit})

    async def put_overwrite(self, request: web.Request) -> web.Response:
        """Set a role's or member's permission overwrite on a channel."""
        guild, channel = self._channel(request)
        self._require(guild, MANAGE_ROLES)
        body = request[BODY] or {}
        target = request.match_info["target_id"]
        channel.overwrites[target] = {
            "id": target,
            "type": int(body.get("type", 0)),
            "allow": str(body.get("allow", "0")),
            "deny": str(body.get("deny", "0")),
        }
        return no_content()

    async def delete_overwrite(self, request: web.Request) -> web.Response:
        """Remove a permission overwrite."""
        guild, channel = self._channel(request)
        self._require(guild, MANAGE_ROLES)
        channel.overwrites.pop(request.match_info["target_id"], None)
        return no_content()

    async def open_dm(self, request: web.Request) -> web.Response:
        """Open (or return) the DM channel with a user."""
        user = self._user(str((request[BODY] or {}).get("recipient_id")))
        return reply(self.world.dm_channel(user).payload())

    # -- members --------------------------------------------------------------------------

    async def get_member(self, request: web.Request) -> web.Response:
        """Return a member."""
        guild = self._guild(request)
        member = guild.members.get(request.match_info["user_id"])
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return reply(member.payload())

    async def edit_member(self, request: web.Request) -> web.Response:
        """Time a member out (or lift it); at most 28 days ahead."""
        guild = self._guild(request)
        user_id = request.match_info["user_id"]
        body = request[BODY] or {}
        if "communication_disabled_until" in body:
            self._require(guild, MODERATE_MEMBERS)
            self._target_member(guild, user_id)
            until = body["communication_disabled_until"]
            when = datetime.fromisoformat(until) if until else None
            if when is not None and when > self.world.now() + MAX_TIMEOUT + timedelta(minutes=1):
                raise ApiError(400, 50035, "Invalid Form Body")
            guild.members[user_id].communication_disabled_until = when
            await self._audit(request, guild, MEMBER_UPDATE, user_id, timed_out_until=when)
        member = guild.members.get(user_id)
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        if body and self._member_updated is not None:
            await self._member_updated(guild, member)
        return reply(member.payload())

    async def kick(self, request: web.Request) -> web.Response:
        """Remove a member."""
        guild = self._guild(request)
        self._require(guild, KICK_MEMBERS)
        user_id = request.match_info["user_id"]
        self._target_member(guild, user_id)
        await self._remove(guild, user_id)
        await self._audit(request, guild, MEMBER_KICK, user_id)
        return no_content()

    async def ban(self, request: web.Request) -> web.Response:
        """Ban a user, deleting their recent messages when asked."""
        guild = self._guild(request)
        self._require(guild, BAN_MEMBERS)
        user_id = request.match_info["user_id"]
        self._user(user_id)
        if user_id in guild.members:
            self._target_member(guild, user_id)
        seconds = int((request[BODY] or {}).get("delete_message_seconds", 0))
        if not 0 <= seconds <= 604_800:
            raise ApiError(400, 50035, "Invalid Form Body")
        # discord.py sends the reason URL-encoded; Discord keeps it decoded.
        guild.bans[user_id] = unquote(request.headers.get("X-Audit-Log-Reason", ""))
        await self._remove(guild, user_id)
        await self._audit(request, guild, MEMBER_BAN_ADD, user_id)
        since = self.world.now() - timedelta(seconds=seconds)
        for channel in guild.channels.values():
            for ident, message in list(channel.messages.items()):
                if seconds and message.author.id == user_id and message.created_at >= since:
                    del channel.messages[ident]
        return no_content()

    async def _remove(self, guild: Guild, user_id: str) -> None:
        member = guild.members.pop(user_id, None)
        if member is not None and self._member_removed is not None:
            await self._member_removed(guild, member)

    async def unban(self, request: web.Request) -> web.Response:
        """Lift a ban."""
        guild = self._guild(request)
        self._require(guild, BAN_MEMBERS)
        user_id = request.match_info["user_id"]
        if guild.bans.pop(user_id, None) is None:
            raise ApiError(404, 10026, "Unknown Ban")
        await self._audit(request, guild, MEMBER_BAN_REMOVE, user_id)
        return no_content()

    async def _audit(
        self,
        request: web.Request,
        guild: Guild,
        action_type: int,
        target: str,
        *,
        timed_out_until: datetime | None = None,
    ) -> None:
        """Write the bot's action to the guild's audit log, as Discord does."""
        if self._audited is not None:
            reason = unquote(request.headers.get("X-Audit-Log-Reason", ""))
            entry = audit_entry(
                self.world,
                action_type,
                self.world.bot.id,
                target,
                reason=reason,
                timed_out_until=timed_out_until,
            )
            await self._audited(guild, entry)

    async def audit_logs(self, request: web.Request) -> web.Response:
        """Return audit log entries: after an id oldest first, else newest first."""
        guild = self._guild(request)
        self._require(guild, VIEW_AUDIT_LOG)
        query = request.query
        limit = min(int(query.get("limit", "50")), 100)
        entries = guild.audit_log
        if "action_type" in query:
            entries = [e for e in entries if e["action_type"] == int(query["action_type"])]
        if "after" in query:
            chosen = [e for e in entries if int(e["id"]) > int(query["after"])][:limit]
        else:
            before = int(query.get("before", 2**63))
            chosen = [e for e in reversed(entries) if int(e["id"]) < before][:limit]
        named = {e[key] for e in chosen for key in ("user_id", "target_id")}
        users = [self.world.users[u].payload() for u in named if u in self.world.users]
        empty: list[Any] = []
        return reply(
            {
                "audit_log_entries": chosen,
                "users": users,
                "integrations": empty,
                "webhooks": empty,
                "guild_scheduled_events": empty,
                "threads": empty,
                "application_commands": empty,
                "auto_moderation_rules": empty,
            }
        )

    async def get_user(self, request: web.Request) -> web.Response:
        """Return a user, in a guild or not."""
        return reply(self._user(request.match_info["user_id"]).payload())

    async def guild_channels(self, request: web.Request) -> web.Response:
        """Return a guild's channels; threads are not among them, as on Discord."""
        guild = self._guild(request)
        return reply([c.payload() for c in guild.channels.values() if c.type not in THREADS])

    async def roles(self, request: web.Request) -> web.Response:
        """Return a guild's roles."""
        return reply([r.payload() for r in self._guild(request).roles.values()])

    # -- application commands and AutoMod -------------------------------------------------

    async def get_commands(self, request: web.Request) -> web.Response:
        """Return a guild's application commands."""
        return reply(self._guild(request).commands)

    async def put_commands(self, request: web.Request) -> web.Response:
        """Replace a guild's application commands."""
        guild = self._guild(request)
        commands = [
            command
            | {
                "id": self.world.ids.next(),
                "application_id": self.world.application_id,
                "guild_id": guild.id,
                "version": self.world.ids.next(),
            }
            for command in request[BODY] or []
        ]
        guild.commands = commands
        return reply(commands)

    async def automod_rules(self, request: web.Request) -> web.Response:
        """Return a guild's AutoMod rules."""
        return reply(list(self._guild(request).automod_rules.values()))

    async def automod_create(self, request: web.Request) -> web.Response:
        """Create an AutoMod rule within Discord's limits."""
        guild = self._guild(request)
        self._require(guild, MANAGE_GUILD)
        body = request[BODY] or {}
        _check_automod(body, guild)
        rule = body | {
            "id": self.world.ids.next(),
            "guild_id": guild.id,
            "creator_id": self.world.bot.id,
            "exempt_roles": body.get("exempt_roles", []),
            "exempt_channels": body.get("exempt_channels", []),
            "enabled": body.get("enabled", True),
        }
        guild.automod_rules[rule["id"]] = rule
        return reply(rule)

    async def automod_edit(self, request: web.Request) -> web.Response:
        """Change an AutoMod rule."""
        guild = self._guild(request)
        self._require(guild, MANAGE_GUILD)
        rule = guild.automod_rules.get(request.match_info["rule_id"])
        if rule is None:
            raise ApiError(404, 10066, "Unknown auto moderation rule")
        rule.update(request[BODY] or {})
        return reply(rule)

    async def automod_delete(self, request: web.Request) -> web.Response:
        """Delete an AutoMod rule."""
        guild = self._guild(request)
        self._require(guild, MANAGE_GUILD)
        if guild.automod_rules.pop(request.match_info["rule_id"], None) is None:
            raise ApiError(404, 10066, "Unknown auto moderation rule")
        return no_content()

    # -- interactions ---------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        """Answer an interaction; with ``?with_response=1`` say what was created."""
        interaction = self.interactions.pending.get(request.match_info["interaction_id"])
        if interaction is None or interaction["token"] != request.match_info["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if interaction.get("answered"):
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = request[BODY] or {}
        kind = int(body.get("type", 4))
        data = body.get("data") or {}
        if kind == MODAL and interaction["type"] == MODAL_SUBMIT:
            raise ApiError(400, 50035, "Invalid Form Body: a form cannot answer a form")
        _check_content(data)
        interaction["answered"] = True
        if kind == MODAL:
            interaction["form"] = data
        found = self.world.channel(interaction["channel_id"])
        resource: dict[str, Any] = {"type": kind}
        ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        message_id = None
        if found is not None and kind == 4:
            guild, channel = found
            message = self.post_as_bot(guild, channel, data)
            interaction["response"] = message.id
            message_id = message.id
            resource["message"] = self.world.message_payload(message)
        elif found is not None and kind == 7 and interaction.get("message_id"):
            _, channel = found
            message = self._message(channel, interaction["message_id"])
            _apply_edit(message, data, self.world.now())
            message_id = message.id
            resource["message"] = self.world.message_payload(message)
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        return reply(
            {
                "interaction": {
                    "id": interaction["id"],
                    "type": interaction["type"],
                    "response_message_id": message_id,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": ephemeral,
                },
                "resource": resource,
            }
        )

    async def edit_original(self, request: web.Request) -> web.Response:
        """Edit the message an interaction's answer created (after a deferral)."""
        interaction = self.interactions.by_token(request.match_info["token"])
        _check_content(request[BODY])
        found = self.world.channel(interaction["channel_id"])
        if found is None:
            raise ApiError(404, 10003, "Unknown Channel")
        guild, channel = found
        ident = interaction.get("response")
        if ident is None or ident not in channel.messages:
            message = self.post_as_bot(guild, channel, request[BODY])
            interaction["response"] = message.id
        else:
            message = channel.messages[ident]
            _apply_edit(message, request[BODY] or {}, self.world.now())
        return reply(self.world.message_payload(message))

    async def followup(self, request: web.Request) -> web.Response:
        """Send a follow-up message to an interaction."""
        interaction = self.interactions.by_token(request.match_info["token"])
        _check_content(request[BODY])
        found = self.world.channel(interaction["channel_id"])
        if found is None:
            raise ApiError(404, 10003, "Unknown Channel")
        guild, channel = found
        return reply(self.world.message_payload(self.post_as_bot(guild, channel, request[BODY])))


def _check_content(body: Any) -> None:
    """Refuse content longer than Discord takes, as Discord does."""
    content = body.get("content") if isinstance(body, dict) else None
    if content is not None and len(str(content)) > MAX_CONTENT:
        raise ApiError(
            400, 50035, f"Invalid Form Body (content: Must be {MAX_CONTENT} or fewer in length.)"
        )


def _apply_edit(message: StoredMessage, body: dict[str, Any], now: datetime) -> None:
    if "content" in body:
        message.content = str(body["content"] or "")
    if "components" in body:
        message.components = list(body["components"] or [])
    message.edited_at = now


def _poll(body: Any, now: datetime) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    hours = int(body.get("duration", 24))
    answers = [
        {"answer_id": n, "poll_media": a.get("poll_media", {})}
        for n, a in enumerate(body.get("answers", []), 1)
    ]
    return {
        "question": body.get("question", {}),
        "answers": answers,
        "expiry": (now + timedelta(hours=hours)).isoformat(),
        "allow_multiselect": bool(body.get("allow_multiselect", False)),
        "layout_type": int(body.get("layout_type", 1)),
        "results": {"is_finalized": False, "answer_counts": []},
    }


KEYWORD_RULES_MAX = 6
KEYWORDS_MAX = 1000
REGEX_PATTERNS_MAX = 10
KEYWORD_TRIGGER = 1


def _check_automod(body: dict[str, Any], guild: Guild) -> None:
    metadata = body.get("trigger_metadata") or {}
    if len(metadata.get("keyword_filter", [])) > KEYWORDS_MAX:
        raise ApiError(400, 50035, "Invalid Form Body (keyword_filter: too many keywords)")
    if len(metadata.get("regex_patterns", [])) > REGEX_PATTERNS_MAX:
        raise ApiError(400, 50035, "Invalid Form Body (regex_patterns: too many patterns)")
    keyword_rules = [r for r in guild.automod_rules.values() if r.get("trigger_type") == 1]
    if body.get("trigger_type") == KEYWORD_TRIGGER and len(keyword_rules) >= KEYWORD_RULES_MAX:
        raise ApiError(400, 20035, "Maximum number of keyword rules reached")
