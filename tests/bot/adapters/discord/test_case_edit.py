"""/case edit through the real discord.py: a timeout's new length reaches Discord."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import ORIGINAL, Lumen, Start, cases_of

MEMBER = "/guilds/{guild_id}/members/{user_id}"


async def test_a_shortened_timeout_is_set_again_on_discord(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "timeout",
            {"member": lumen.bob, "duration": "2h", "reason": "spam"},
        )
        first = await standin.wait_for_request("PATCH", MEMBER)
        await standin.wait_for_request("PATCH", ORIGINAL)
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "case edit", {"number": 1, "duration": "30m"}
        )
        again = await standin.wait_for_request("PATCH", MEMBER, count=2)
        reply = await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        await steward.settle()
        (case,) = await cases_of(steward, lumen, lumen.bob)
    before, after = (
        datetime.fromisoformat(request.json["communication_disabled_until"])
        for request in (first, again)
    )
    # Thirty minutes from the timeout's start, not from the edit.
    assert abs(before - after - timedelta(minutes=90)) < timedelta(seconds=1)
    assert lumen.guild.members[lumen.bob.user.id].communication_disabled_until == after
    assert reply.json["content"].startswith("Case #1: it now lasts 30m, until ")
    assert case.actions[0].payload["duration"] == 1800
