"""Decide which community a member's DM is for when they share several with the bot.

Discord DMs belong to no guild. A DM goes to one served guild the author shares with the
bot, so it opens one modmail thread and is routed once: the guild they last wrote in,
else the one they joined most recently. Modmail then continues a conversation the member
already has open, whichever guild it was for.

Where a member last wrote is kept in memory and, for members who share more than one
served guild with the bot, in storage too: it survives a restart, and several bot
processes sharing one database agree on it. Members of one served guild (nearly all) cost
no write.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import discord

from bot.core.protocols import CogStateRepository
from bot.core.refs import Ref

logger = logging.getLogger(__name__)

_REMEMBERED = 50_000
"""How many members' latest guild are kept in memory (least recently active forgotten first)."""
_NEVER = datetime.min.replace(tzinfo=UTC)
STATE_PLACE = Ref("discord", "direct-messages")
"""Where the kept guilds live in the cog state store: no one community owns them."""
STATE_OWNER = "discord-adapter"


def _key(user_id: int) -> str:
    return f"last-wrote-in:{user_id}"


class DirectMessageHomes:
    """Remember where members last wrote and choose the guild each DM is for.

    Args:
        remembered: How many members the memory holds.
        state: Where the choice is also kept; ``None`` keeps it in memory only.
    """

    def __init__(
        self, remembered: int = _REMEMBERED, state: CogStateRepository | None = None
    ) -> None:
        self._remembered = remembered
        self._last: OrderedDict[int, int] = OrderedDict()
        self.state = state

    def wrote(self, user_id: int, guild_id: int) -> bool:
        """Note that a member wrote in a guild; return whether that changed their guild.

        Only a change may need :meth:`keep`: this is all most messages cost.
        """
        changed = self._last.get(user_id) != guild_id
        self._remember(user_id, guild_id)
        return changed

    async def keep(self, user_id: int, guild_id: int, shared: Sequence[discord.Guild]) -> None:
        """Store where a member last wrote, if they share more than one served guild.

        Args:
            user_id: The member.
            guild_id: Where they wrote.
            shared: The served guilds they share with the bot.
        """
        if self.state is None or len(shared) < 2:
            return
        try:
            await self.state.put(STATE_PLACE, STATE_OWNER, _key(user_id), {"guild": guild_id})
        except Exception:
            # Memory still has it: only a restart before the next message would lose it.
            logger.warning("could not store where member %s last wrote", user_id, exc_info=True)

    async def choose(self, user_id: int, guilds: Iterable[discord.Guild]) -> discord.Guild | None:
        """Return the guild a DM from ``user_id`` is for, among the served guilds they share."""
        shared = [g for g in guilds if g.get_member(user_id) is not None]
        last = self._last.get(user_id)
        if last is None and len(shared) > 1:
            last = await self._stored(user_id)
        for guild in shared:
            if guild.id == last:
                return guild

        def joined(guild: discord.Guild) -> tuple[datetime, int]:
            member = guild.get_member(user_id)
            return (member.joined_at if member and member.joined_at else _NEVER, guild.id)

        return max(shared, key=joined, default=None)

    def _remember(self, user_id: int, guild_id: int) -> None:
        self._last[user_id] = guild_id
        self._last.move_to_end(user_id)
        while len(self._last) > self._remembered:
            self._last.popitem(last=False)

    async def _stored(self, user_id: int) -> int | None:
        if self.state is None:
            return None
        try:
            found = await self.state.get(STATE_PLACE, STATE_OWNER, _key(user_id))
        except Exception:
            logger.warning("could not read where member %s last wrote", user_id, exc_info=True)
            return None
        if not isinstance(found, dict) or not isinstance(found.get("guild"), int):
            return None
        self._remember(user_id, found["guild"])
        return int(found["guild"])
