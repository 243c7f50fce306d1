"""Resolving a community's channel settings: locally names are ids; a failed lookup is logged."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pytest

from bot.adapters.local.gateway import LocalPlatform
from bot.channel_settings import resolve_channel_settings
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
"""


class Unreachable(LocalPlatform):
    """A platform that cannot be asked for its channels right now."""

    async def resolve_channels(
        self, community: Ref, names: Sequence[str]
    ) -> Mapping[str, str | None]:
        raise ConnectionError("the platform did not answer")


async def test_local_channels_are_their_names_without_the_hash(registry: CogRegistry) -> None:
    loaded = parse_config(CONFIG, registry, source="<test>")
    platform = LocalPlatform(SystemClock())
    resolved = await resolve_channel_settings(
        loaded, loaded.community("acme"), loaded.cogs["acme"], platform
    )
    guidelines = resolved.cogs["guidelines"]
    assert isinstance(guidelines, GuidelinesSettings)
    assert (guidelines.staff_channel, guidelines.raid_channels) == ("mod-log", ["general", "lobby"])
    assert resolved.problems == []


async def test_a_failed_lookup_is_logged_once_and_the_settings_stay_as_written(
    registry: CogRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    loaded = parse_config(CONFIG, registry, source="<test>")
    with caplog.at_level(logging.ERROR, logger="bot.channel_settings"):
        resolved = await resolve_channel_settings(
            loaded, loaded.community("acme"), loaded.cogs["acme"], Unreachable(SystemClock())
        )
    assert resolved.cogs == dict(loaded.cogs["acme"])
    (problem,) = resolved.problems
    assert str(problem) == (
        "<test>: communities.acme: cannot look up channel names on the local community acme "
        "(ConnectionError: the platform did not answer); the cogs keep them as written until "
        "a reload"
    )
    assert [r.getMessage() for r in caplog.records] == [str(problem)]
