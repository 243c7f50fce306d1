"""Roles named in the config become their mentions, through real discord.py."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.discord.connection import open_connection
from bot.adapters.discord.translate import ref
from bot.registry import CogRegistry
from bot.standins.discord import DiscordStandin
from cogs._moderation_base import GuidelinesSettings
from tests.bot.adapters.discord.conftest import Lumen, steward
from tests.bot.adapters.discord.test_channel_names import named_config

ROLES_PATH = "/guilds/{guild_id}/roles"


async def test_the_gateway_finds_roles_by_name_case_and_at_aside_with_or_without_the_cache(
    standin: DiscordStandin, lumen: Lumen, registry: CogRegistry, tmp_path: Path
) -> None:
    on_call = standin.add_role(lumen.guild, "On-Call", position=2)
    # Two roles of one name: the higher one is meant.
    standin.add_role(lumen.guild, "leads", position=3)
    leads = standin.add_role(lumen.guild, "Leads", position=4)
    names = ["@on-call", "LEADS", on_call.id, "nobody"]
    expected = {
        "@on-call": f"<@&{on_call.id}>",
        "LEADS": f"<@&{leads.id}>",
        on_call.id: f"<@&{on_call.id}>",
        "nobody": None,
    }
    loaded = named_config(standin, lumen, registry)
    connection = await open_connection(loaded.config.discord, guild_ready_timeout=0.05)
    try:
        uncached = await connection.gateway.resolve_roles(ref(lumen.guild.id), names)
    finally:
        await connection.client.close()
    assert uncached == expected
    async with steward(loaded, registry, tmp_path / "steward.db") as running:
        asked = len(standin.requests_to("GET", ROLES_PATH))
        cached = await running.connection.gateway.resolve_roles(ref(lumen.guild.id), names[:-1])
    assert cached == {k: v for k, v in expected.items() if k != "nobody"}
    assert len(standin.requests_to("GET", ROLES_PATH)) == asked, (
        "the guild cache answers once the gateway sent the guild"
    )


async def test_an_unknown_role_is_logged_with_its_key_and_stays_as_written(
    standin: DiscordStandin,
    lumen: Lumen,
    registry: CogRegistry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    named = named_config(standin, lumen, registry)
    section = named.cogs["lumen"]["guidelines"]
    assert isinstance(section, GuidelinesSettings)
    unknown = section.model_copy(update={"escalation_role": "@night-shift"})
    loaded = replace(named, cogs={"lumen": {**named.cogs["lumen"], "guidelines": unknown}})
    with caplog.at_level(logging.ERROR, logger="bot.channel_settings"):
        async with steward(loaded, registry, tmp_path / "steward.db") as running:
            settings = running.app.runtimes["lumen"].cogs["guidelines"].ctx.settings
    assert isinstance(settings, GuidelinesSettings)
    assert settings.escalation_role == "@night-shift"
    assert [r.getMessage() for r in caplog.records] == [
        "<test>: communities.lumen.cogs.guidelines.escalation_role: no role '@night-shift' "
        f"on Discord server {lumen.guild.id}; create it or write its mention, <@&ROLE_ID>"
    ]
