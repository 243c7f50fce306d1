"""Read a guild's recent messages for ``steward history export``, over Discord's REST API.

No gateway connection is opened: the export reads what Discord keeps (each text
channel's messages back to a time, newest first, a hundred a request, and those of its
threads, open or archived since then, private ones too where the bot may manage threads;
a forum's posts are threads) and asks
Discord for each author's roles, so that staff are known as staff in the replay. Discord's rate
limits are waited out by discord.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import datetime
from typing import Any

import discord

from bot.adapters.discord.connection import point_at
from bot.config import DiscordSection
from bot.history_export import ExportedMember, ExportedMessage, History, UnknownChannels
from bot.serve import StartupRefused

logger = logging.getLogger(__name__)

_FORUM = 15
_READ_CHANNELS = {0, 5, _FORUM}
"""Channel types read: text and announcement channels (their threads too), forums' posts."""
_THREADS_PAGE = 100
"""Archived threads asked for at once (the most Discord hands in one page)."""
_MEMBER_MESSAGES = {0, 19}
"""Message types members write: plain messages and replies (not joins, pins, boosts)."""
_PAGE = 100
"""The most messages Discord returns to one request."""


async def read_discord_history(
    settings: DiscordSection,
    guild_id: str,
    *,
    channels: Collection[str],
    since: datetime,
    limit: int,
) -> History:
    """Return a guild's messages since a time, and their authors with their roles.

    Args:
        settings: How to reach Discord (the token, a stand-in's address).
        guild_id: The guild's id.
        channels: The names of the channels to read; empty reads every text channel.
        since: The oldest message's time.
        limit: The most messages read from one channel (its latest).

    Raises:
        StartupRefused: If there is no token or Discord refuses it.
        UnknownChannels: If a channel asked for is no text channel of the guild.
    """
    token = settings.token()
    if token is None:
        raise StartupRefused(f"no Discord bot token: set {settings.token_env}")
    point_at(settings.api_base, settings.gateway_url)
    client = discord.Client(intents=discord.Intents(guilds=True))  # no gateway: REST only
    try:
        try:
            await client.login(token.get_secret_value())
        except discord.LoginFailure as error:
            raise StartupRefused(f"Discord refused the bot token: {error}") from error
        return await _read(client.http, guild_id, set(channels), since, limit)
    finally:
        await client.close()


async def _read(
    http: discord.http.HTTPClient,
    guild_id: str,
    wanted: set[str],
    since: datetime,
    limit: int,
) -> History:
    listed = await http.get_all_guild_channels(guild_id)
    chosen = [
        c for c in listed if c["type"] in _READ_CHANNELS and (not wanted or c["name"] in wanted)
    ]
    missing = wanted - {str(c["name"]) for c in chosen}
    if missing:
        raise UnknownChannels(f"no text or forum channel named {', '.join(sorted(missing))}")
    roles = {str(r["id"]): str(r["name"]) for r in await http.get_roles(guild_id)}
    threads = await _threads_of(http, guild_id, chosen, since)
    messages: list[ExportedMessage] = []
    authors: dict[str, Mapping[str, Any]] = {}
    read: list[str] = []
    for channel in chosen:
        # A forum's posts are its threads: it has no messages of its own to read.
        own = [] if channel["type"] == _FORUM else await _messages_of(http, channel, since, limit)
        if own is None:
            continue
        read.append(str(channel["name"]))
        found: list[tuple[Mapping[str, Any], str | None]] = [(raw, None) for raw in own]
        for thread in threads.get(str(channel["id"]), ()):
            in_thread = await _messages_of(http, thread, since, limit)
            found += [(raw, str(thread["id"])) for raw in in_thread or ()]
        for raw, thread_id in found:
            author = raw["author"]
            authors[str(author["id"])] = author
            messages.append(
                ExportedMessage(
                    at=datetime.fromisoformat(raw["timestamp"]),
                    id=str(raw["id"]),
                    channel=str(channel["name"]),
                    author=str(author["username"]),
                    content=str(raw.get("content") or ""),
                    attachments=tuple(str(a["filename"]) for a in raw.get("attachments") or ()),
                    thread=thread_id,
                )
            )
    members = [await _member(http, guild_id, author, roles) for author in authors.values()]
    return History(
        channels=tuple(read),
        members=tuple(members),
        messages=tuple(messages),
    )


async def _threads_of(
    http: discord.http.HTTPClient,
    guild_id: str,
    channels: list[Mapping[str, Any]],
    since: datetime,
) -> dict[str, list[Mapping[str, Any]]]:
    """Return the threads of the channels, active or archived since a time, by parent.

    A forum's posts and a busy channel's side conversations live in threads, which
    Discord archives after a day or a week of quiet: both kinds are read, public and
    private (private ones where the bot may manage threads).
    """
    parents = {str(c["id"]) for c in channels}
    active = (await http.get_active_threads(guild_id)).get("threads", [])
    found: dict[str, list[Mapping[str, Any]]] = {}
    for thread in active:
        if str(thread.get("parent_id")) in parents:
            found.setdefault(str(thread["parent_id"]), []).append(thread)
    for parent in parents:
        for read in (http.get_public_archived_threads, http.get_private_archived_threads):
            found.setdefault(parent, []).extend(await _archived_since(read, parent, since))
    return found


async def _archived_since(
    read: Callable[..., Awaitable[Mapping[str, Any]]], parent: str, since: datetime
) -> list[Mapping[str, Any]]:
    """Return a channel's threads of one kind archived since a time, page after page.

    Discord lists them latest archived first, so reading stops at the first one older.
    """
    found: list[Mapping[str, Any]] = []
    before: str | None = None
    while True:
        try:
            page = await read(parent, before=before, limit=_THREADS_PAGE)
        except discord.Forbidden:
            # The channel itself is left out with a warning when it is read; private
            # threads need Manage Threads, which a bot that only reads may lack.
            return found
        threads = page.get("threads", [])
        for thread in threads:
            closed = (thread.get("thread_metadata") or {}).get("archive_timestamp")
            if closed is not None and datetime.fromisoformat(closed) < since:
                return found
            found.append(thread)
        if not page.get("has_more") or not threads:
            return found
        before = (threads[-1].get("thread_metadata") or {}).get("archive_timestamp")
        if before is None:
            return found


async def _messages_of(
    http: discord.http.HTTPClient, channel: Mapping[str, Any], since: datetime, limit: int
) -> list[Mapping[str, Any]] | None:
    """Return a channel's members' messages since a time, at most ``limit``, newest first.

    ``None`` for a channel the bot may not read.
    """
    found: list[Mapping[str, Any]] = []
    before: str | None = None
    while len(found) < limit:
        try:
            page = await http.logs_from(channel["id"], min(_PAGE, limit - len(found)), before)
        except discord.Forbidden:
            logger.warning("#%s cannot be read by the bot: left out", channel["name"])
            return None
        for raw in page:
            if datetime.fromisoformat(raw["timestamp"]) < since:
                return found
            if raw.get("type", 0) in _MEMBER_MESSAGES:
                found.append(raw)
        if len(page) < _PAGE:
            return found
        before = str(page[-1]["id"])
    return found


async def _member(
    http: discord.http.HTTPClient,
    guild_id: str,
    author: Mapping[str, Any],
    roles: Mapping[str, str],
) -> ExportedMember:
    """Return an author with the roles they hold now; one who left has none."""
    user_id = int(author["id"])
    created = discord.utils.snowflake_time(user_id)
    try:
        member = await http.get_member(guild_id, user_id)
    except discord.NotFound:
        return ExportedMember(name=str(author["username"]), account_created=created)
    joined = member.get("joined_at")
    return ExportedMember(
        name=str(author["username"]),
        roles=tuple(roles[str(r)] for r in member.get("roles", ()) if str(r) in roles),
        joined=datetime.fromisoformat(joined) if joined else None,
        account_created=created,
    )
