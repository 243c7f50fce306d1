"""/policy replay through the real discord.py: a channel's history, its staff known as staff."""

from __future__ import annotations

from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import ORIGINAL, Lumen, Start


async def test_a_rule_is_replayed_on_a_channels_history_read_from_discord(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # Written before Steward connected: it reads them back from Discord, as it would a week's.
    await standin.post_message(lumen.general, lumen.alice, "THIS UPDATE IS THE BEST ONE YET!!!")
    await standin.post_message(lumen.general, lumen.mona, "PLEASE READ THE PINNED RULES FIRST")
    await standin.post_message(lumen.general, lumen.bob, "agreed, it is great")
    async with start() as steward:
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "policy replay",
            {"rule": "caps", "channel": lumen.general},
        )
        reply = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
    said = reply.json["content"].splitlines()
    assert said[0].startswith("caps on the latest 3 message(s) of ")
    assert "1 match(es) by 1 member(s)" in said[0], "mona moderates: her capitals are hers"
    assert said[2].endswith("alice: THIS UPDATE IS THE BEST ONE YET!!! (100% capitals)")
