"""Sync each served guild's application commands at start, and complete case and rule ids."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord.client import Completer, StewardClient
from bot.adapters.discord.commands import application_commands, autocompletes
from bot.core.refs import Ref
from moderation.store import store_for

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)

STATE_COG = "discord"
STATE_KEY = "commands_digest"
MAX_CHOICES = 25


async def sync_commands(client: StewardClient, app: App) -> list[str]:
    """Overwrite the commands of each served guild whose commands changed since last time.

    The digest of what was registered is kept in storage, so restarts send nothing when
    nothing changed. Returns the ids of the guilds that were synced.
    """
    synced = []
    application = client.application_id
    for runtime in app.runtimes.values():
        community = runtime.community.ref
        if community.platform != "discord" or application is None:
            continue
        commands = application_commands(b.spec for b in runtime.commands.values())
        client.aliases[int(community.id)] = commands.aliases
        state = app.storage.cog_state
        if await state.get(community, STATE_COG, STATE_KEY) == commands.digest:
            continue
        try:
            await client.http.bulk_upsert_guild_commands(
                application, int(community.id), commands.payload
            )
        except discord.HTTPException as error:
            logger.error(
                "could not register slash commands in guild %s (%s); invite the bot with the "
                "applications.commands scope",
                community.id,
                error,
            )
            continue
        await state.put(community, STATE_COG, STATE_KEY, commands.digest)
        synced.append(community.id)
    return synced


def completer_for(app: App) -> Completer:
    """Return the autocompletion of case numbers and rule ids for an app's communities."""

    async def complete(
        community: Ref, command: str, option: str, typed: str
    ) -> list[tuple[str, str | int]]:
        runtime = next((r for r in app.runtimes.values() if r.community.ref == community), None)
        bound = runtime.commands.get(command) if runtime else None
        spec_option = (
            next((o for o in bound.spec.options if o.name == option), None) if bound else None
        )
        if runtime is None or bound is None or spec_option is None:
            return []
        kind = autocompletes(bound.spec, spec_option)
        if kind == "rule":
            policy: Any = getattr(runtime.cogs.get("guidelines"), "policy", None)
            ids = [r.spec.id for r in getattr(policy, "rules", ())]
            return [(i, i) for i in ids if typed.lower() in i][:MAX_CHOICES]
        if kind == "case":
            cases = await store_for(app.storage).cases.recent(community, limit=MAX_CHOICES)
            wanted = typed.lstrip("#")
            return [
                (f"#{c.number} {c.member_name}: {c.rule or c.reason}", c.number)
                for c in cases
                if str(c.number).startswith(wanted)
            ]
        return []

    return complete
