"""Steward through the real discord.py and the stand-in: the App, cogs and SQLite are real."""

from __future__ import annotations

from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import Lumen, Start

MESSAGE = "/channels/{channel_id}/messages/{message_id}"


async def test_spam_is_deleted_with_an_audit_reason(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        spam = await standin.post_message(lumen.general, lumen.alice, "join discord.gg/cryptogainz")
        fine = await standin.post_message(lumen.general, lumen.bob, "the new lamp is lovely")
        deleted = await standin.wait_for_request(
            "DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}"
        )
        await steward.settle()
    assert deleted.reason is not None and "case" in deleted.reason
    assert spam.id not in lumen.general.messages
    assert fine.id in lumen.general.messages
