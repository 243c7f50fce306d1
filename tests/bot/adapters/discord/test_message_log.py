"""The message log through the real discord.py: members' edits and deletions copied."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import MESSAGES, Lumen, Start

DELETE = "/channels/{channel_id}/messages/{message_id}"


async def test_a_members_deletion_and_edit_are_copied_and_stewards_own_deletion_is_not(
    standin: DiscordStandin, lumen: Lumen, start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The grace that lets Steward hear of its own deletions first, short for the test.
    monkeypatch.setattr("cogs.modlog.DELETION_GRACE", timedelta(seconds=0.3))
    log = standin.add_channel(lumen.guild, "message-log")

    def to_log(request: object) -> bool:
        return getattr(request, "path", "") == f"/channels/{log.id}/messages"

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
    copies = [r.json["content"] for r in standin.requests_to("POST", MESSAGES) if to_log(r)]
    assert first.json["content"] == (
        f"alice edited message {said.id} in <#{lumen.general.id}>:\n"
        "> before: the lamp ships monday\n"
        "> now: the lamp ships friday"
    )
    assert second.json["content"] == (
        f"bob's message {gone.id} in <#{lumen.general.id}> was deleted:\n> you are all sheep"
    )
    assert len(copies) == 2, copies
