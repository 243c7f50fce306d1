"""The message log through the real discord.py: members' edits and deletions copied."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.standins.discord import Channel, DiscordStandin
from tests.bot.adapters.discord.conftest import MESSAGES, Lumen, Start

DELETE = "/channels/{channel_id}/messages/{message_id}"


@dataclass(frozen=True)
class MessageLog:
    """The guild's #message-log, and which of Steward's requests post to it."""

    channel: Channel

    def __call__(self, request: object) -> bool:
        return getattr(request, "path", "") == f"/channels/{self.channel.id}/messages"

    def copies(self, standin: DiscordStandin) -> list[str]:
        """Return what Steward posted to it, in order."""
        return [r.json["content"] for r in standin.requests_to("POST", MESSAGES) if self(r)]


@pytest.fixture
def message_log(
    standin: DiscordStandin, lumen: Lumen, monkeypatch: pytest.MonkeyPatch
) -> MessageLog:
    """Add #message-log; shorten the grace that lets Steward hear of its own deletions."""
    monkeypatch.setattr("cogs.modlog.DELETION_GRACE", timedelta(seconds=0.3))
    return MessageLog(standin.add_channel(lumen.guild, "message-log"))


async def test_a_members_deletion_and_edit_are_copied_and_stewards_own_deletion_is_not(
    standin: DiscordStandin, lumen: Lumen, start: Start, message_log: MessageLog
) -> None:
    log, to_log = message_log.channel, message_log
    async with start(modlog=lumen.modlog.id, message_log=log.id) as steward:
        timers = asyncio.create_task(steward.app.timers.run())  # as `steward run` does
        said = await standin.post_message(lumen.general, lumen.alice, "the lamp ships monday")
        await standin.edit_message(said, "the lamp ships friday")
        first = await standin.wait_for_request("POST", MESSAGES, where=to_log)
        # Steward removes a message (Discord reports that deletion too): not a copy.
        await standin.post_message(lumen.general, lumen.bob, "what the fuck is this")
        await standin.wait_for_request("DELETE", DELETE)
        gone = await standin.post_message(lumen.general, lumen.bob, "you are all sheep")
        await standin.delete_message(gone)
        second = await standin.wait_for_request("POST", MESSAGES, where=to_log, count=2)
        await steward.settle()
        timers.cancel()
    copies = message_log.copies(standin)
    assert first.json["content"] == (
        f"alice edited message {said.id} in <#{lumen.general.id}>:\n"
        "> before: the lamp ships monday\n"
        "> now: the lamp ships friday"
    )
    assert second.json["content"] == (
        f"bob's message {gone.id} in <#{lumen.general.id}> was deleted:\n> you are all sheep"
    )
    assert len(copies) == 2, copies


async def test_a_moderators_deletion_by_hand_is_copied_with_their_name_from_the_audit_log(
    standin: DiscordStandin, lumen: Lumen, start: Start, message_log: MessageLog
) -> None:
    log, to_log = message_log.channel, message_log
    async with start(modlog=lumen.modlog.id, message_log=log.id) as steward:
        timers = asyncio.create_task(steward.app.timers.run())
        first = await standin.post_message(lumen.general, lumen.bob, "buy followers here")
        second = await standin.post_message(lumen.general, lumen.bob, "and here")
        await standin.delete_message_by_hand(first, lumen.mona)
        await standin.wait_for_request("POST", MESSAGES, where=to_log)
        # Discord counts a second deletion of bob's messages there on the same entry and
        # says nothing new: the copy cannot name who, and does not guess.
        await standin.delete_message_by_hand(second, lumen.mona)
        await standin.wait_for_request("POST", MESSAGES, where=to_log, count=2)
        await steward.settle()
        timers.cancel()
    copies = message_log.copies(standin)
    where = f"<#{lumen.general.id}>"
    assert copies == [
        f"bob's message {first.id} in {where} was deleted by mona:\n> buy followers here",
        f"bob's message {second.id} in {where} was deleted:\n> and here",
    ]
    entries = [e for e in lumen.guild.audit_log if e["action_type"] == 72]
    assert [e["options"]["count"] for e in entries] == ["2"]


async def test_a_purge_by_another_tool_is_copied_in_one_post(
    standin: DiscordStandin, lumen: Lumen, start: Start, message_log: MessageLog
) -> None:
    # Discord tells a bulk deletion in one event; the copy is one post, a line a message.
    async with start(modlog=lumen.modlog.id, message_log=message_log.channel.id) as steward:
        timers = asyncio.create_task(steward.app.timers.run())
        said = [
            await standin.post_message(lumen.general, lumen.bob, "join my server"),
            await standin.post_message(
                lumen.general, lumen.bob, "free nitro here", files=["nitro.png"]
            ),
        ]
        await standin.bulk_delete_messages(said)
        await standin.wait_for_request("POST", MESSAGES, where=message_log)
        await steward.settle()
        timers.cancel()
    first, second = (m.id for m in said)
    assert message_log.copies(standin) == [
        f"2 messages in <#{lumen.general.id}> were deleted:\n"
        f"> bob (message {first}): join my server\n"
        f"> bob (message {second}): free nitro here 📎 nitro.png"
    ]


async def test_threads_are_named_and_skipped_channels_with_their_threads_left_out(
    standin: DiscordStandin, lumen: Lumen, start: Start, message_log: MessageLog
) -> None:
    vip = standin.add_channel(lumen.guild, "vip")
    help_thread = standin.add_thread(lumen.general, "lamp help", owner=lumen.bob)
    vip_thread = standin.add_thread(vip, "launch plans", owner=lumen.alice)
    log = message_log.channel.id
    async with start(modlog=lumen.modlog.id, message_log=log, message_log_skip=["vip"]) as steward:
        timers = asyncio.create_task(steward.app.timers.run())
        private = await standin.post_message(vip, lumen.alice, "the launch is on the 3rd")
        await standin.edit_message(private, "the launch is on the 4th")
        await standin.delete_message(private)
        planned = await standin.post_message(vip_thread, lumen.alice, "price: 49 dollars")
        await standin.delete_message(planned)
        # Discord's audit log names the thread, its deletion event too: they still meet.
        asked = await standin.post_message(help_thread, lumen.bob, "my lamp is broken, please help")
        await standin.delete_message_by_hand(asked, lumen.mona)
        await standin.wait_for_request("POST", MESSAGES, where=message_log)
        await steward.settle()
        timers.cancel()
    assert message_log.copies(standin) == [
        f"bob's message {asked.id} in <#{help_thread.id}> was deleted by mona:\n"
        "> my lamp is broken, please help"
    ]
