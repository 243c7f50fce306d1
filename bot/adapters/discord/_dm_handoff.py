"""Hand DMs between bot processes that split the shards.

Discord sends every DM to shard 0. Where several processes split the shards (``[discord]
shard_ids``), each runs only the guilds of its own shards, so the process holding shard 0
may receive a DM for a guild another process runs. It asks Discord (REST works for any
guild) which configured guilds the author is a member of, chooses one as usual, and
leaves the DM in storage for the process that runs it. That process polls storage, turns
the DM into the same event a local DM gives, hands it to the app (deduplicated by the
DM's id, so a crash between handling and deleting acts once) and deletes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import discord

from bot.adapters.discord import translate
from bot.adapters.discord._dm_home import Candidate
from bot.core.events import DirectMessageReceived, Event
from bot.core.models import Attachment
from bot.core.protocols import Handoff, HandoffRepository

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""How often a process looks for DMs left for its guilds."""
BATCH = 50
"""The most handoffs taken per look."""


class DirectMessageHandoff:
    """Find remote homes for DMs, leave DMs there, and take the DMs left for this process.

    Args:
        client: The connected client (its REST session and its cache).
        store: Where DMs wait between processes (one database for every process).
        remote_guilds: Returns the configured guilds that other processes run (asked at
            each DM, so a reload that adds a community counts at once).
        local_guilds: Returns the guilds this process runs, whose DMs it takes.
        poll_seconds: How often to look for DMs left for this process.
    """

    def __init__(
        self,
        client: discord.Client,
        store: HandoffRepository,
        remote_guilds: Callable[[], Sequence[int]],
        local_guilds: Callable[[], Sequence[int]],
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._client = client
        self._store = store
        self._remote_guilds = remote_guilds
        self._local_guilds = local_guilds
        self._poll_seconds = poll_seconds

    async def remote_candidates(self, user_id: int) -> list[Candidate]:
        """Return the guilds run elsewhere that the user is a member of.

        A guild Discord cannot answer for now is left out (logged): the DM then goes to
        a guild the user shares here, if any, rather than wait.
        """
        found = []
        for guild_id in self._remote_guilds():
            try:
                member = await self._client.http.get_member(guild_id, user_id)
            except discord.NotFound:
                continue
            except discord.HTTPException as error:
                logger.warning(
                    "could not ask whether %s is in guild %s: %s", user_id, guild_id, error
                )
                continue
            joined = member.get("joined_at")
            found.append(
                Candidate(
                    guild_id, datetime.fromisoformat(joined) if isinstance(joined, str) else None
                )
            )
        return found

    async def leave(self, message: discord.Message, guild_id: int) -> None:
        """Leave a DM for the process that runs ``guild_id``."""
        payload = {
            "user": str(message.author.id),
            "content": message.content,
            "message": str(message.id),
            "at": message.created_at.isoformat(),
            "attachments": [
                {"filename": a.filename, "url": a.url, "size": a.size, "type": a.content_type}
                for a in translate.attachments_of(message)
            ],
        }
        await self._store.put(translate.ref(guild_id), f"dm:{message.id}", payload)

    async def run(self, send: Callable[[Event], Awaitable[bool]]) -> None:
        """Take the DMs left for this process's guilds until cancelled.

        Args:
            send: Hands an event to the app (with deduplication); returns whether it was
                handed on or dropped as handled before.
        """
        # Until the client is ready its guilds are unknown, and a DM for one of them would
        # be dropped as if the bot were not in that guild.
        await self._client.wait_until_ready()
        while True:
            try:
                await self.take(send)
            except Exception:
                # Storage busy or a platform error: the handoffs stay for the next look.
                logger.warning("taking the DMs left for this process failed", exc_info=True)
            await asyncio.sleep(self._poll_seconds)

    async def take(self, send: Callable[[Event], Awaitable[bool]]) -> int:
        """Hand the waiting DMs of this process's guilds to the app; return how many."""
        # The guilds this process runs, not every guild the bot is in: few, and bounded.
        local = [translate.ref(guild_id) for guild_id in self._local_guilds()]
        handled = 0
        for handoff in await self._store.waiting(local, limit=BATCH):
            event = await self._event(handoff)
            if event is not None:
                await send(event)
                handled += 1
            await self._store.done(handoff)
        return handled

    async def _event(self, handoff: Handoff) -> DirectMessageReceived | None:
        """Rebuild the DM as a local one would be; ``None`` (logged) if it cannot be."""
        payload: Any = handoff.payload
        try:
            guild = self._client.get_guild(int(handoff.community.id))
            user_id = int(payload["user"])
            message_id = int(payload["message"])
            at = datetime.fromisoformat(str(payload["at"]))
            content = str(payload["content"])
            # Left by a process from before attachments travelled: none.
            attachments = tuple(
                Attachment(
                    filename=str(f["filename"]),
                    url=str(f.get("url") or ""),
                    size=int(f["size"]) if f.get("size") is not None else None,
                    content_type=str(f["type"]) if f.get("type") else None,
                )
                for f in payload.get("attachments") or ()
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.error("dropping a malformed DM handoff %s: %r", handoff.id, payload)
            return None
        if guild is None:
            logger.error("dropping a DM handoff for %s, not run here", handoff.community)
            return None
        author: discord.Member | discord.User | None = guild.get_member(user_id)
        if author is None:
            # Left the guild meanwhile: the DM still deserves an answer.
            try:
                author = await self._client.fetch_user(user_id)
            except discord.NotFound:
                logger.error("dropping a DM handoff from user %s, who no longer exists", user_id)
                return None
        return DirectMessageReceived(
            community=translate.ref(guild.id),
            at=at,
            id=handoff.event_id,
            author=translate.member_of(author, guild),
            content=content,
            message=translate.ref(message_id),
            attachments=attachments,
        )
