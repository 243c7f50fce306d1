"""What is done on Discord outside Steward becomes known to it, through the real discord.py.

Bans, unbans, kicks and timeouts made with Discord's own tools become cases: the stand-in
writes each to the guild's audit log and sends GUILD_AUDIT_LOG_ENTRY_CREATE, as Discord
does for a bot that may view the audit log. A message under review deleted on Discord
shows on its card.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.discord.translate import ref
from bot.standins.discord import DiscordStandin, Member
from bot.standins.discord._model import VIEW_AUDIT_LOG
from bot.standins.discord.server import HandAction
from moderation.bans import still_banned
from moderation.cases import BY_HAND, ActionStatus, Case
from moderation.store import store_for
from tests.bot.adapters.discord.conftest import (
    ORIGINAL,
    Lumen,
    Running,
    Start,
    cases_of,
    notice_for,
)

MESSAGES = "/channels/{channel_id}/messages"
AUDIT_LOG = "/guilds/{guild_id}/audit-logs"
SOON = 10.0
"""Seconds within which what should happen does (a guard, not a timing)."""


async def recorded(steward: Running, lumen: Lumen, member: Member, count: int) -> list[Case]:
    """Wait until the member has ``count`` cases; return them, newest first."""
    for _ in range(int(SOON / 0.02)):
        await steward.settle()
        cases = await cases_of(steward, lumen, member)
        if len(cases) >= count:
            return cases
        await asyncio.sleep(0.02)
    raise AssertionError(f"{count} case(s) never came")


async def test_a_ban_by_hand_becomes_a_case_with_the_moderator_and_reason(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    carl = standin.add_member(lumen.guild, "carl")
    async with start(modlog=str(lumen.modlog.id)) as steward:
        await standin.moderate_by_hand(
            lumen.guild, lumen.mona, HandAction.BAN, carl.user, reason="scam DMs"
        )
        (case,) = await recorded(steward, lumen, carl, 1)
        logged = await standin.wait_for_request(
            "POST", MESSAGES, where=lambda r: r.json and "banned" in r.json.get("content", "")
        )
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "history", {"member": str(carl.user.id)}
        )
        history = await standin.wait_for_request("PATCH", ORIGINAL)
    assert (case.member_name, case.actor, case.actor_name) == (
        "carl",
        str(ref(lumen.mona.user.id)),
        "mona",
    )
    assert case.reason == "scam DMs"
    assert case.evidence[BY_HAND] == "discord"
    (banned,) = case.actions
    assert (banned.kind, banned.status) == ("ban", ActionStatus.APPLIED)
    # Recorded, not done again: Steward sent Discord no ban of its own.
    assert standin.requests_to("PUT", "/guilds/{guild_id}/bans/{user_id}") == []
    assert logged.json["content"] == (
        f"mona banned carl | reason: scam DMs (by hand in Discord) | case {case.label}"
    )
    assert f"{case.label} " in history.json["content"]
    assert "ban by mona by hand in Discord (manual): scam DMs" in history.json["content"]


async def test_stewards_own_ban_is_one_case_not_two(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "ban", {"member": lumen.bob, "reason": "spam"}
        )
        await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
        # The audit log's entry (by the bot) came too; give it time to be wrongly recorded.
        await asyncio.sleep(0.2)
        await steward.settle()
        cases = await cases_of(steward, lumen, lumen.bob)
    assert [c.actor_name for c in cases] == ["mona"]
    assert BY_HAND not in cases[0].evidence


async def test_an_unban_kick_timeout_and_its_lift_by_hand_are_recorded_too(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    carl = standin.add_member(lumen.guild, "carl")
    until = datetime.now(UTC) + timedelta(hours=2)
    async with start() as steward:
        await standin.moderate_by_hand(
            lumen.guild, lumen.mona, HandAction.TIMEOUT, lumen.bob.user, until=until
        )
        (timed_out,) = await recorded(steward, lumen, lumen.bob, 1)
        # Discord told bob only that he is timed out: Steward tells him why and how to appeal.
        notice = await notice_for(standin, timed_out.number)
        await standin.moderate_by_hand(
            lumen.guild, lumen.mona, HandAction.UNTIMEOUT, lumen.bob.user, reason="calmed down"
        )
        lifted, _ = await recorded(steward, lumen, lumen.bob, 2)
        await standin.moderate_by_hand(
            lumen.guild, lumen.mona, HandAction.KICK, lumen.alice.user, reason="raid alt"
        )
        (kicked,) = await recorded(steward, lumen, lumen.alice, 1)
        await standin.moderate_by_hand(lumen.guild, lumen.mona, HandAction.BAN, carl.user)
        await recorded(steward, lumen, carl, 1)
        await standin.moderate_by_hand(
            lumen.guild, lumen.mona, HandAction.UNBAN, carl.user, reason="appeal by email"
        )
        unbanned, banned = await recorded(steward, lumen, carl, 2)
        # Nobody is left banned for ban evasion or /unban's completion to offer.
        banned_now = await still_banned(
            store_for(steward.storage).cases, ref(lumen.guild.id), datetime.now(UTC)
        )
    (timeout,) = timed_out.actions
    assert timeout.kind == "timeout" and timed_out.points == 1  # as /timeout counts
    assert "You are timed out for 2 hours." in notice.json["content"]
    assert f"appeal with /appeal open {timed_out.label}." in notice.json["content"]
    # Lifted by hand: a case of its own, as /untimeout opens one, and nothing to count.
    (lift,) = lifted.actions
    assert (lift.kind, lift.lifts_timeout, lifted.reason, lifted.points) == (
        "timeout",
        True,
        "calmed down",
        0,
    )
    assert lifted.evidence[BY_HAND] == "discord"
    assert timeout.payload["duration"] == 7200
    assert (kicked.actions[0].kind, kicked.reason) == ("kick", "raid alt")
    assert banned.reason == "no reason given"
    assert (unbanned.actions[0].kind, unbanned.member_name) == ("unban", "carl")
    assert banned_now == []


async def test_without_view_audit_log_nothing_is_recorded_and_the_operator_hears_why(
    standin: DiscordStandin, lumen: Lumen, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    standin.deny(lumen.guild, VIEW_AUDIT_LOG)
    async with start() as steward:
        await standin.moderate_by_hand(lumen.guild, lumen.mona, HandAction.KICK, lumen.alice.user)
        await asyncio.sleep(0.2)
        await steward.settle()
        assert await cases_of(steward, lumen, lumen.alice) == []
    assert "Steward may not view the audit log of Lumen" in caplog.text


async def test_a_ban_by_hand_while_steward_was_away_is_recorded_once_it_connects(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    carl = standin.add_member(lumen.guild, "carl")
    # Steward is not running: a deploy, a crash. The audit log keeps what happened.
    await standin.moderate_by_hand(
        lumen.guild, lumen.mona, HandAction.BAN, carl.user, reason="doxxing"
    )
    async with start() as steward:
        (case,) = await recorded(steward, lumen, carl, 1)
    # Connected again later: the same entry is read back, and dropped as heard before.
    async with start() as steward:
        await standin.wait_for_request("GET", AUDIT_LOG, count=2)
        await asyncio.sleep(0.2)  # what it read goes through the inbox to the app
        await steward.settle()
        again = await cases_of(steward, lumen, carl)
    assert (case.reason, case.actor_name, case.member_name) == (
        "doxxing",
        "mona",
        "carl",
    )
    assert [c.number for c in again] == [case.number]


async def test_a_ban_by_hand_outlasts_stewards_tempban_it_replaces(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        options = {"member": lumen.bob, "reason": "spam", "duration": "1d"}
        await standin.run_command(lumen.guild, lumen.modlog, lumen.mona, "ban", options)
        await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
        schedule = store_for(steward.storage).schedule
        community = ref(lumen.guild.id)
        assert await schedule.next_due(community) is not None, "the tempban's end is scheduled"
        # A moderator decides it is for good, in Discord's own menu.
        await standin.moderate_by_hand(
            lumen.guild, lumen.mona, HandAction.BAN, lumen.bob.user, reason="came back"
        )
        await recorded(steward, lumen, lumen.bob, 2)
        assert await schedule.next_due(community) is None


@pytest.mark.parametrize("bulk", [False, True], ids=["alone", "in-bulk"])
async def test_a_card_says_its_message_was_deleted_on_discord(
    standin: DiscordStandin, lumen: Lumen, start: Start, bulk: bool
) -> None:
    # Deleted in bulk (another bot's purge), Discord sends one event for all the messages.
    async with start() as steward:
        flagged = await standin.post_message(lumen.general, lumen.bob, "I want to kill myself")
        await standin.wait_for_request("POST", MESSAGES, count=2)  # the alert and its card
        await steward.settle()
        if bulk:
            other = await standin.post_message(lumen.general, lumen.alice, "morning all")
            await standin.bulk_delete_messages([flagged, other])
        else:
            await standin.delete_message(flagged)
        edited = await standin.wait_for_request(
            "PATCH", "/channels/{channel_id}/messages/{message_id}"
        )
        await steward.settle()
    assert "The message was deleted at " in edited.json["content"]
    assert "a decision still counts for its member." in edited.json["content"]


async def test_a_card_shows_what_its_member_edited_the_message_to_on_discord(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        flagged = await standin.post_message(lumen.general, lumen.bob, "I want to kill myself")
        await standin.wait_for_request("POST", MESSAGES, count=2)  # the alert and its card
        await steward.settle()
        await standin.edit_message(flagged, "sorry, bad day, I am ok now")
        edited = await standin.wait_for_request(
            "PATCH", "/channels/{channel_id}/messages/{message_id}"
        )
        await steward.settle()
    assert "> bob, edited at " in edited.json["content"]
    assert edited.json["content"].splitlines()[3].endswith(" to: sorry, bad day, I am ok now")


async def test_a_card_whose_rule_removed_the_message_is_not_told_it_is_gone(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # Discord reports Steward's own deletions too: a threat's rule removes the message and
    # asks for review, and its card must not read as if someone else had deleted it.
    async with start() as steward:
        await standin.post_message(lumen.general, lumen.bob, "i know where you live")
        await standin.wait_for_request("DELETE", "/channels/{channel_id}/messages/{message_id}")
        await notice_for(standin, 1)
        await steward.settle()
    cards = [r for r in standin.requests_to("POST", MESSAGES) if "Review needed" in str(r.json)]
    assert len(cards) == 1
    assert standin.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}") == []
