"""Texts longer than Discord takes in one message arrive whole, in several.

The stand-in refuses content over 2,000 characters as Discord does (50035), so each of
these failed before Steward split its texts: a moderator's `/help` and a long modmail
relay were lost.
"""

from __future__ import annotations

import asyncio

from bot.adapters.discord.gateway import EPHEMERAL, MESSAGE_MAX
from bot.standins.discord import DiscordStandin
from bot.standins.discord._model import PUBLIC_THREAD
from tests.bot.adapters.discord.conftest import FOLLOWUP, MESSAGES, ORIGINAL, Lumen, Start


async def test_a_moderators_help_arrives_whole_in_several_private_messages(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # With modmail and discussions on, as in the example configuration, a moderator's
    # commands take about 2,600 characters to list.
    modmail = standin.add_channel(lumen.guild, "modmail")
    extra = (
        f'[communities.lumen.cogs.modmail]\nchannel = "{modmail.id}"\n'
        "[communities.lumen.cogs.discussions]\nenabled = true\n"
    )
    async with start(extra) as steward:
        await standin.run_command(lumen.guild, lumen.general, lumen.mona, "help")
        first = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
        rest = await standin.wait_for_request("POST", FOLLOWUP)
    followups = standin.requests_to("POST", FOLLOWUP)
    texts = [first.json["content"], *(r.json["content"] for r in followups)]
    assert rest in followups and first.status == 200
    assert all(r.status == 200 and r.json["flags"] & EPHEMERAL for r in followups)
    assert all(len(text) <= MESSAGE_MAX for text in texts)
    whole = "\n".join(texts)
    assert len(whole) > MESSAGE_MAX
    # The first command listed and the last both arrive.
    for name in ("/appeal", "/modmail close", "/prompt", "/warn <member> <reason>"):
        assert name in whole


async def test_a_long_dm_is_relayed_to_the_staff_thread_whole(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    modmail = standin.add_channel(lumen.guild, "modmail")
    extra = f'[communities.lumen.cogs.modmail]\nchannel = "{modmail.id}"\n'
    # As much as a member may send; with its "**bob:** " in front, more than a bot may.
    story = " ".join(f"Sentence {n} of why my lamp post was fine." for n in range(48))
    story = story[:MESSAGE_MAX].rstrip()
    async with start(extra) as steward:
        await standin.direct_message(lumen.bob.user, story)
        await standin.wait_for_request("POST", f"/channels/{modmail.id}/threads")
        await steward.settle()
        for _ in range(100):
            threads = [c for c in lumen.guild.channels.values() if c.type == PUBLIC_THREAD]
            if threads and len(threads[0].messages) >= 3:
                break
            await asyncio.sleep(0.02)
    (thread,) = threads
    relayed = [m.content for m in sorted(thread.messages.values(), key=lambda m: int(m.id))]
    refused = [r for r in standin.requests_to("POST", MESSAGES) if r.status != 200]
    assert refused == []
    assert relayed[0].startswith("Modmail from bob")
    assert "\n".join(relayed[1:]).replace("\n", " ") == f"**bob:** {story}"
    assert all(len(text) <= MESSAGE_MAX for text in relayed)
