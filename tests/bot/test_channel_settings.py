"""Resolving channel and role names: local names are ids, roles ``@name``; failures are logged."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pytest

from bot.adapters.local.gateway import LocalPlatform
from bot.channel_settings import resolve_named_settings
from bot.config import parse_config
from bot.core.clock import SystemClock
from bot.core.refs import Ref
from bot.registry import CogRegistry
from cogs._moderation_base import GuidelinesSettings

CONFIG = """
[communities.acme]
id = "acme"

[communities.acme.cogs.guidelines]
staff_channel = "#mod-log"
raid_channels = ["general", "#lobby"]
escalation_role = "mods"

[communities.acme.cogs.guidelines.review_sla]
on_call = "@on-call"
escalate_to = "<@&42>"
"""


class Unreachable(LocalPlatform):
    """A platform that cannot be asked for its channels right now."""

    async def resolve_channels(
        self, community: Ref, names: Sequence[str]
    ) -> Mapping[str, str | None]:
        raise ConnectionError("the platform did not answer")

    async def resolve_roles(self, community: Ref, names: Sequence[str]) -> Mapping[str, str | None]:
        raise ConnectionError("the platform still did not answer")


async def test_local_channels_are_their_names_without_the_hash(registry: CogRegistry) -> None:
    loaded = parse_config(CONFIG, registry, source="<test>")
    platform = LocalPlatform(SystemClock())
    resolved = await resolve_named_settings(
        loaded, loaded.community("acme"), loaded.cogs["acme"], platform
    )
    guidelines = resolved.cogs["guidelines"]
    assert isinstance(guidelines, GuidelinesSettings)
    assert (guidelines.staff_channel, guidelines.raid_channels) == ("mod-log", ["general", "lobby"])
    assert guidelines.escalation_role == "@mods"
    sla = guidelines.review_sla
    assert (sla.on_call, sla.escalate_to) == ("@on-call", "<@&42>"), "a mention stays as written"
    assert resolved.problems == []


async def test_a_failed_lookup_is_logged_once_and_the_settings_stay_as_written(
    registry: CogRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    loaded = parse_config(CONFIG, registry, source="<test>")
    with caplog.at_level(logging.ERROR, logger="bot.channel_settings"):
        resolved = await resolve_named_settings(
            loaded, loaded.community("acme"), loaded.cogs["acme"], Unreachable(SystemClock())
        )
    assert resolved.cogs == dict(loaded.cogs["acme"])
    channels, roles = resolved.problems
    assert str(channels) == (
        "<test>: communities.acme: cannot look up channel names on the local community acme "
        "(ConnectionError: the platform did not answer); the cogs keep them as written until "
        "a reload"
    )
    assert str(roles).startswith(
        "<test>: communities.acme: cannot look up role names on the local community acme "
    )
    assert [r.getMessage() for r in caplog.records] == [str(channels), str(roles)]
