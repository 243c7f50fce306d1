"""Serve the stand-in with a small demo guild: ``steward standin discord``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.standins.discord._model import KICK_MEMBERS, MODERATE_MEMBERS, Guild
from bot.standins.discord.server import DiscordStandin


def demo_guild(standin: DiscordStandin) -> Guild:
    """Build the demo guild: its channels, a moderator and two members.

    The channels are #general, #support, #mod-log, and the #rules and #introductions that
    the welcome cog's greeting links by default.
    """
    guild = standin.add_guild("Lumen Lamps", owner="olga")
    moderators = standin.add_role(
        guild, "moderator", position=5, permissions=KICK_MEMBERS | MODERATE_MEMBERS
    )
    for name in ("general", "support", "mod-log", "rules", "introductions"):
        standin.add_channel(guild, name)
    standin.add_member(guild, "mona", roles=[moderators])
    standin.add_member(guild, "alice")
    standin.add_member(guild, "bob")
    return guild


async def serve(port: int, say: Callable[[str], None], stop: asyncio.Event | None = None) -> None:
    """Serve the demo guild on 127.0.0.1 until ``stop`` is set (forever by default)."""
    async with DiscordStandin(port=port, control=True) as standin:
        guild = demo_guild(standin)
        say(f"Discord stand-in on {standin.api_base} (gateway {standin.gateway_url})")
        say(f"token: {standin.token}   guild: {guild.name} ({guild.id})")
        say("Point Steward at it with [discord] api_base and gateway_url.")
        await (stop or asyncio.Event()).wait()
