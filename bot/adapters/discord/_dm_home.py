"""Decide which community a member's DM is for when they share several with the bot.

Discord DMs belong to no guild. A DM goes to one served guild the author shares with the
bot, so it opens one modmail thread and is routed once: the guild they last wrote in (as
this process saw it), else the one they joined most recently. Modmail then continues a
conversation the member already has open, whichever guild it was for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime

import discord

_REMEMBERED = 50_000
"""How many members' latest guild are kept (least recently active forgotten first)."""
_NEVER = datetime.min.replace(tzinfo=UTC)


class DirectMessageHomes:
    """Remember where members last wrote and choose the guild each DM is for."""

    def __init__(self, remembered: int = _REMEMBERED) -> None:
        self._remembered = remembered
        self._last: OrderedDict[int, int] = OrderedDict()

    def wrote(self, user_id: int, guild_id: int) -> None:
        """Note that a member wrote in a guild."""
        self._last[user_id] = guild_id
        self._last.move_to_end(user_id)
        while len(self._last) > self._remembered:
            self._last.popitem(last=False)

    def choose(self, user_id: int, guilds: Iterable[discord.Guild]) -> discord.Guild | None:
        """Return the guild a DM from ``user_id`` is for, among the served guilds they share."""
        shared = [g for g in guilds if g.get_member(user_id) is not None]
        last = self._last.get(user_id)
        for guild in shared:
            if guild.id == last:
                return guild

        def joined(guild: discord.Guild) -> tuple[datetime, int]:
            member = guild.get_member(user_id)
            return (member.joined_at if member and member.joined_at else _NEVER, guild.id)

        return max(shared, key=joined, default=None)
