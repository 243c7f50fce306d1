"""Channels named in the config become the workspace's channel ids, through real bolt."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from bot.core.refs import Ref
from bot.standins.slack import SlackStandin, payloads
from cogs._moderation_base import GuidelinesSettings
from cogs.modlog import ModLogSettings
from tests.bot.adapters._cog_config import cog_settings
from tests.bot.adapters.slack.conftest import ALICE, GENERAL, MODLOG, TEAM, Start

SPAM = "claim now <https://bit.ly/fr33-g1ft>"


def guidelines_of(app: App) -> GuidelinesSettings:
    return cog_settings(app, "acme", "guidelines", GuidelinesSettings)


def modlog_of(app: App) -> ModLogSettings:
    return cog_settings(app, "acme", "modlog", ModLogSettings)


async def post_spam(standin: SlackStandin) -> str:
    general = standin.workspace.conversations[GENERAL]
    event = payloads.member_posts(standin.workspace, ALICE, general, SPAM)
    assert (await standin.send_event(event)).status == 200
    return str(event["ts"])


async def test_names_in_the_config_become_channel_ids_and_staff_get_the_card(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(admin=False, staff="#mod-log", raid="General", modlog="mod-log")
    guidelines = guidelines_of(steward.app)
    assert (guidelines.staff_channel, guidelines.raid_channels) == (MODLOG, [GENERAL])
    assert modlog_of(steward.app).channel == MODLOG
    assert len(standin.calls_to("conversations.list")) == 1, "one listing serves every name"
    await post_spam(standin)
    card = await standin.wait_for_call(
        "chat.postMessage", lambda c: "Please act on case" in str(c.args.get("text"))
    )
    await steward.settle()
    assert card.args["channel"] == MODLOG


async def test_an_unknown_channel_is_logged_with_its_key_and_the_rest_works(
    standin: SlackStandin, start_steward: Start, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.channel_settings"):
        steward = await start_steward(admin=True, modlog="audit")
    assert [r.getMessage() for r in caplog.records] == [
        "<config>: communities.acme.cogs.modlog.channel: no channel 'audit' on Slack workspace "
        f"{TEAM}; create it (invite Steward to it if it is private) or use the channel id"
    ]
    assert modlog_of(steward.app).channel == "audit", "kept as written"
    ts = await post_spam(standin)
    delete = await standin.wait_for_call("chat.delete")
    await steward.settle()
    assert delete.args["ts"] == ts, "the guidelines cog acts as ever"


async def test_names_are_found_across_pages_and_among_private_channels(
    standin: SlackStandin, start_steward: Start
) -> None:
    for number in range(250):
        standin.workspace.add_channel(f"room-{number:03d}")
    hidden = standin.workspace.add_channel("staff-only", private=True)
    steward = await start_steward(modlog="#staff-only", raid="room-249")
    assert modlog_of(steward.app).channel == hidden.id
    assert guidelines_of(steward.app).raid_channels == [
        standin.workspace.channel_named("room-249").id
    ]
    pages = standin.calls_to("conversations.list")
    assert len(pages) >= 2 and pages[1].args.get("cursor")


async def test_a_channel_made_later_is_found_on_reload(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(modlog="audit")
    assert modlog_of(steward.app).channel == "audit"
    audit = standin.workspace.add_channel("audit")
    report = await steward.app.reload(steward.app.loaded)
    assert report.ok and report.warnings == []
    assert modlog_of(steward.app).channel == audit.id
    again = await steward.app.reload(steward.app.loaded)
    assert again.ok and len(standin.calls_to("conversations.list")) == 2, (
        "names already listed are not listed again"
    )


async def test_ids_stay_names_of_any_case_resolve_and_unknown_names_do_not(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    hidden = "G0NOTINVITED"
    found = await steward.connection.gateway.resolve_channels(
        Ref("slack", TEAM), ["GENERAL", "#Mod-Log", MODLOG, hidden, "nowhere"]
    )
    assert found == {
        "GENERAL": GENERAL,
        "#Mod-Log": MODLOG,
        MODLOG: MODLOG,
        hidden: hidden,
        "nowhere": None,
    }, "an id Steward cannot list (a private channel) is trusted; a name must exist"
