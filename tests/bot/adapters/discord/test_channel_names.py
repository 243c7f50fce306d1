"""Channels named in the config become the server's channel ids, through real discord.py."""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from bot.adapters.discord.gateway import DiscordGateway
from bot.adapters.discord.translate import ref
from bot.app import App
from bot.core.events import Tick
from bot.registry import CogRegistry
from bot.standins.discord import Channel, DiscordStandin
from cogs._moderation_base import GuidelinesSettings
from cogs.modlog import ModLogSettings
from tests.bot.adapters._cog_config import cog_settings
from tests.bot.adapters.discord.conftest import Lumen, Running, Start, look_up_twice

FORUM = 15
WEEKLY = "discussions:weekly"


def by_name(
    start: Start, *, modlog: str = "mod-log", policy: str | None = None
) -> AbstractAsyncContextManager[Running]:
    """Start Steward on a configuration that names every channel instead of giving its id."""
    return start(staff="mod-log", raid="#general", modlog=modlog, policy=policy)


def guidelines_of(app: App) -> GuidelinesSettings:
    return cog_settings(app, "lumen", "guidelines", GuidelinesSettings)


def modlog_of(app: App) -> ModLogSettings:
    return cog_settings(app, "lumen", "modlog", ModLogSettings)


async def test_a_raid_slows_the_named_channel_and_alerts_the_named_staff_channel(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with by_name(start) as running:
        settings = guidelines_of(running.app)
        assert (settings.staff_channel, settings.raid_channels) == (
            lumen.modlog.id,
            [lumen.general.id],
        )
        for number in range(5):
            await standin.join(lumen.guild, f"raider{number}")
        slowed = await standin.wait_for_request("PATCH", f"/channels/{lumen.general.id}")
        alert = await standin.wait_for_request(
            "POST",
            f"/channels/{lumen.modlog.id}/messages",
            where=lambda r: (r.reason or "").startswith("alert"),
        )
        await running.settle()
    assert slowed.json["rate_limit_per_user"] == 30
    assert lumen.general.rate_limit_per_user == 30
    assert "raid" in alert.json["content"].lower()


async def test_an_unknown_channel_is_logged_with_its_key_and_the_rest_works(
    standin: DiscordStandin, lumen: Lumen, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.channel_settings"):
        async with by_name(start, modlog="audit") as running:
            assert modlog_of(running.app).channel == "audit", "kept as written"
            spam = await standin.post_message(lumen.general, lumen.alice, "join discord.gg/abc")
            await standin.wait_for_request(
                "DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}"
            )
            await running.settle()
    assert [r.getMessage() for r in caplog.records] == [
        "<test>: communities.lumen.cogs.modlog.channel: no channel 'audit' on Discord server "
        f"{lumen.guild.id}; create it or use the channel id"
    ]


async def test_a_channel_made_later_is_found_on_reload(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with by_name(start, modlog="Audit") as running:
        loaded = running.app.loaded
        refused = await running.app.reload(loaded)
        audit = standin.add_channel(lumen.guild, "audit")
        report = await running.app.reload(loaded)
        moved = modlog_of(running.app).channel
        spam = await standin.post_message(lumen.general, lumen.alice, "join discord.gg/abc")
        logged = await standin.wait_for_request("POST", f"/channels/{audit.id}/messages")
        await running.settle()
    assert refused.ok and "no channel 'Audit'" in refused.summary(), "reload says what is missing"
    assert report.ok and report.warnings == []
    assert moved == audit.id
    assert logged.reason == "mod log" and spam.id not in lumen.general.messages


async def test_the_gateway_resolves_by_name_case_and_hash_aside_with_or_without_the_cache(
    standin: DiscordStandin, lumen: Lumen, registry: CogRegistry, start: Start
) -> None:
    forum = standin.add_channel(lumen.guild, "Ideas")
    forum.type = FORUM
    year = standin.add_channel(lumen.guild, "2024")
    names = ["#General", "mod-log", "ideas", "2024", lumen.general.id, "nowhere"]
    expected = {
        "#General": lumen.general.id,
        "mod-log": lumen.modlog.id,
        "ideas": forum.id,
        "2024": year.id,
        lumen.general.id: lumen.general.id,
        "nowhere": None,
    }

    def as_discord_py_caches_it() -> None:
        forum.type = 0  # discord.py's cache gets it as a text channel from GUILD_CREATE

    found = await look_up_twice(
        standin,
        lumen,
        registry,
        start,
        look_up=DiscordGateway.resolve_channels,
        names=names,
        path="/guilds/{guild_id}/channels",
        between=as_discord_py_caches_it,
    )
    assert found.uncached == expected
    assert found.uncached_requests == 1
    assert found.cached == {k: v for k, v in expected.items() if k != "nowhere"}
    assert found.cached_requests == 0, "the guild cache answers once the gateway sent the guild"


async def test_a_library_prompt_kept_for_a_named_channel_goes_to_that_channel(
    standin: DiscordStandin, lumen: Lumen, start: Start, tmp_path: Path
) -> None:
    library = tmp_path / "prompts.toml"
    library.write_text(
        '[[prompts]]\ntext = "Staff only: what went well?"\ntopics = ["lamps"]\n'
        'channel = "mod-log"\n\n'
        '[[prompts]]\ntext = "Show us your lamp!"\ntopics = ["lamps"]\nchannel = "General"\n',
        encoding="utf-8",
    )
    extra = (
        f'[communities.lumen.cogs.discussions]\nlibrary = "{library}"\n'
        "[[communities.lumen.cogs.discussions.schedules]]\n"
        'name = "weekly"\ncron = "* * * * *"\nchannel = "#general"\ntopics = ["lamps"]\n'
        "thread = false\n"
    )
    async with start(extra) as running:
        await running.app.bus.publish(
            Tick(community=ref(lumen.guild.id), at=running.app.clock.now(), timer=WEEKLY)
        )
        posted = await standin.wait_for_request(
            "POST", f"/channels/{lumen.general.id}/messages", where=lambda r: r.reason != "welcome"
        )
        await running.settle()
    assert posted.json["content"] == "Show us your lamp!"


SPOILERS = """
[policy]
name = "lumen"
extends = "default"

[[rules]]
id = "no-spoilers"
type = "keywords"
guideline = "No spoilers in the general channel"
channels = ["#General", "lounge"]
actions = ["delete"]
[rules.params.words]
en = ["spoiler*"]
"""


async def test_a_policy_rule_scoped_to_a_named_channel_applies_there_only(
    standin: DiscordStandin,
    lumen: Lumen,
    start: Start,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    policy = tmp_path / "lumen.toml"
    policy.write_text(SPOILERS, encoding="utf-8")
    offtopic = standin.add_channel(lumen.guild, "offtopic")
    with caplog.at_level(logging.ERROR, logger="steward.cogs.guidelines"):
        async with by_name(start, policy=str(policy)) as running:
            await check_spoilers(standin, lumen, running, offtopic)
    assert [r.getMessage() for r in caplog.records] == [
        "policy lumen, rule no-spoilers: no channel 'lounge' in community lumen; create it or "
        "use the channel id"
    ]


async def check_spoilers(
    standin: DiscordStandin, lumen: Lumen, running: Running, offtopic: Channel
) -> None:
    """Post a spoiler in #offtopic and in #general: only the second is removed."""
    elsewhere = await standin.post_message(offtopic, lumen.alice, "spoilers: the lamp dims")
    here = await standin.post_message(lumen.general, lumen.alice, "spoilers: the lamp dims")
    deleted = await standin.wait_for_request(
        "DELETE", f"/channels/{lumen.general.id}/messages/{here.id}"
    )
    await running.settle()
    assert deleted.reason is not None and "no-spoilers" in deleted.reason
    assert elsewhere.id in offtopic.messages
    assert standin.requests_to("DELETE", f"/channels/{offtopic.id}/messages/{elsewhere.id}") == []
