"""Channels in posts are links on Discord: the greeting points to #rules and #introductions."""

from __future__ import annotations

from bot.adapters.discord.gateway import shown
from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import Lumen, Start


async def test_a_newcomer_is_greeted_with_links_to_the_named_channels(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await standin.join(lumen.guild, "carl")
        greeting = await standin.wait_for_request(
            "POST",
            f"/channels/{lumen.general.id}/messages",
            where=lambda r: r.reason == "welcome",
        )
        await steward.settle()
    content = greeting.json["content"]
    assert content.startswith("Welcome to lumen, carl!")
    assert f"guidelines in <#{lumen.rules.id}>," in content
    assert f"introduce yourself in <#{lumen.introductions.id}>." in content


def test_only_a_channel_id_after_a_hash_becomes_a_link() -> None:
    snowflake = "1577157603698409480"
    assert shown(f"read #{snowflake} first") == f"read <#{snowflake}> first"
    unchanged = [f"<#{snowflake}>", "case #12", f"&#{snowflake};", f"tag#{snowflake}"]
    assert [shown(text) for text in unchanged] == unchanged
