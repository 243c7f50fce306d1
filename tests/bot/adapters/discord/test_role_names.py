"""Roles named in the config become their mentions, through real discord.py."""

from __future__ import annotations

import logging

import pytest

from bot.adapters.discord.gateway import DiscordGateway
from bot.registry import CogRegistry
from bot.standins.discord import DiscordStandin
from cogs._moderation_base import GuidelinesSettings
from tests.bot.adapters._cog_config import cog_settings
from tests.bot.adapters.discord.conftest import Lumen, Start, look_up_twice


async def test_the_gateway_finds_roles_by_name_case_and_at_aside_with_or_without_the_cache(
    standin: DiscordStandin, lumen: Lumen, registry: CogRegistry, start: Start
) -> None:
    on_call = standin.add_role(lumen.guild, "On-Call", position=2)
    # Two roles of one name: the higher one is meant.
    standin.add_role(lumen.guild, "leads", position=3)
    leads = standin.add_role(lumen.guild, "Leads", position=4)
    expected = {
        "@on-call": f"<@&{on_call.id}>",
        "LEADS": f"<@&{leads.id}>",
        on_call.id: f"<@&{on_call.id}>",
        "nobody": None,
    }
    found = await look_up_twice(
        standin,
        lumen,
        registry,
        start,
        look_up=DiscordGateway.resolve_roles,
        names=list(expected),
        path="/guilds/{guild_id}/roles",
    )
    assert found.uncached == expected
    assert found.uncached_requests == 1
    assert found.cached == {k: v for k, v in expected.items() if k != "nobody"}
    assert found.cached_requests == 0, "the guild cache answers once the gateway sent the guild"


async def test_an_unknown_role_is_logged_with_its_key_and_stays_as_written(
    lumen: Lumen, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    extra = '[communities.lumen.cogs.guidelines.review_sla]\non_call = "@night-shift"\n'
    with caplog.at_level(logging.ERROR, logger="bot.channel_settings"):
        async with start(extra) as running:
            settings = cog_settings(running.app, "lumen", "guidelines", GuidelinesSettings)
    assert settings.review_sla.on_call == "@night-shift"
    assert [r.getMessage() for r in caplog.records] == [
        "<test>: communities.lumen.cogs.guidelines.review_sla.on_call: no role '@night-shift' "
        f"on Discord server {lumen.guild.id}; create it or write its mention, <@&ROLE_ID>"
    ]
