"""Decide which community a member's DM is for when they share several with the bot.

Discord DMs belong to no guild. A DM goes to one served guild the author shares with the
bot, so it opens one modmail thread and is routed once: the guild they last wrote in,
else the one they joined most recently. Modmail then continues a conversation the member
already has open, whichever guild it was for.

Where a member last wrote is kept in memory and, for members who share more than one
served guild with the bot, in storage too: it survives a restart, and several bot
processes sharing one database agree on it. Members of one served guild (nearly all) cost
no write.

Where processes split the shards, a process sees only its own guilds: it stores every
change it sees, and refreshes a member's entry at most every ``REFRESH_SECONDS`` while
they keep writing in the same guild, so that another process's later entry does not stand
for long. A DM's home is then read from storage, which every process shares.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
REFRESH_SECONDS = 600.0
"""Where processes split the shards: how stale a member's stored guild may grow."""


def _key(user_id: int) -> str:
    return f"last-wrote-in:{user_id}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A served guild the author of a DM is a member of.

    Attributes:
        guild_id: The guild.
        joined_at: When the author joined it, if known.
    """

    guild_id: int
    joined_at: datetime | None


class DirectMessageHomes:
    """Remember where members last wrote and choose the guild each DM is for.

    Args:
        remembered: How many members the memory holds.
        state: Where the choice is also kept; ``None`` keeps it in memory only.
        store_every_change: Store every change, not only for members of several served
            guilds, refresh it now and then, and choose from storage (where other
            processes run guilds this one cannot see).
        clock: Monotonic seconds, for the refreshes.
    """

    def __init__(
        self,
        remembered: int = _REMEMBERED,
        state: CogStateRepository | None = None,
        *,
        store_every_change: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._remembered = remembered
        self._last: OrderedDict[int, int] = OrderedDict()
        self._kept_at: dict[int, float] = {}
        self._clock = clock
        self.state = state
        self.store_every_change = store_every_change

    def wrote(self, user_id: int, guild_id: int) -> bool:
        """Note that a member wrote in a guild; return whether :meth:`keep` should store it.

        That is when their guild changed, or, storing every change, when this process
        stored it longer than ``REFRESH_SECONDS`` ago. This is all most messages cost.
        """
        changed = self._last.get(user_id) != guild_id
        self._remember(user_id, guild_id)
        if changed or not self.store_every_change:
            return changed
        return self._clock() - self._kept_at.get(user_id, -REFRESH_SECONDS) >= REFRESH_SECONDS

    def stores(self, guilds: int) -> bool:
        """Return whether a member who shares this many served guilds is worth storing.

        Asked before :meth:`keep`, so that a bot in one guild starts no task and looks
        through no guild when a member writes for the first time.
        """
        return self.state is not None and (guilds > 1 or self.store_every_change)

    async def keep(self, user_id: int, guild_id: int, shared: Sequence[discord.Guild]) -> None:
        """Store where a member last wrote, if they share more than one served guild.

        Args:
            user_id: The member.
            guild_id: Where they wrote.
            shared: The served guilds they share with the bot.
        """
        if self.state is None or not self.stores(len(shared)):
            return
        try:
            await self.state.put(STATE_PLACE, STATE_OWNER, _key(user_id), {"guild": guild_id})
            self._kept_at[user_id] = self._clock()
        except Exception:
            # Memory still has it: only a restart before the next message would lose it.
            logger.warning("could not store where member %s last wrote", user_id, exc_info=True)

    async def choose(self, user_id: int, shared: Sequence[Candidate]) -> int | None:
        """Return the guild a DM from ``user_id`` is for, among the served guilds they share.

        The guild they last wrote in wins; else the one they joined most recently.
        """
        last = self._last.get(user_id)
        if (last is None or self.store_every_change) and len(shared) > 1:
            last = await self._stored(user_id) or last
        if any(c.guild_id == last for c in shared):
            return last
        best = max(shared, key=lambda c: (c.joined_at or _NEVER, c.guild_id), default=None)
        return best.guild_id if best is not None else None

    def _remember(self, user_id: int, guild_id: int) -> None:
        self._last[user_id] = guild_id
        self._last.move_to_end(user_id)
        while len(self._last) > self._remembered:
            forgotten, _ = self._last.popitem(last=False)
            self._kept_at.pop(forgotten, None)

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
