"""One Discord staff guild serving two community guilds' modmail, through the real discord.py."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.adapters.discord.translate import ref
from bot.core.events import MessageCreated
from bot.standins.discord import Channel, DiscordStandin, Guild, Member
from bot.standins.discord._model import PUBLIC_THREAD
from tests.bot.adapters.discord.conftest import Lumen, Running, Start


@dataclass
class StaffSpace:
    """Nova (a second community) and HQ (the staff guild with its modmail channel)."""

    nova: Guild
    nova_general: Channel
    hq: Guild
    modmail: Channel
    hq_mona: Member
    carol: Member
    dan_in_lumen: Member
    dan_in_nova: Member


def staff_space(standin: DiscordStandin, lumen: Lumen) -> StaffSpace:
    """Build Nova and HQ; Dan is a member of both Lumen and Nova, Mona moderates in HQ."""
    nova = standin.add_guild("Nova", owner="nora")
    hq = standin.add_guild("HQ", owner="hank")
    moderators = standin.add_role(hq, "moderator", position=5)
    dan = standin.add_member(lumen.guild, "dan")
    return StaffSpace(
        nova=nova,
        nova_general=standin.add_channel(nova, "general"),
        hq=hq,
        modmail=standin.add_channel(hq, "modmail"),
        hq_mona=standin.add_member(hq, "mona", roles=[moderators], user=lumen.mona.user),
        carol=standin.add_member(nova, "carol"),
        dan_in_lumen=dan,
        dan_in_nova=standin.add_member(nova, "dan", user=dan.user),
    )


def config(space: StaffSpace) -> str:
    """Return Nova's and HQ's configuration, and Lumen's modmail, all threads in HQ."""
    served = f'channel = "{space.modmail.id}"\nstaff_community = "{space.hq.id}"\n'
    return (
        f"[communities.lumen.cogs.modmail]\n{served}"
        f'[communities.nova]\nplatform = "discord"\nid = "{space.nova.id}"\nname = "Nova"\n'
        f"[communities.nova.cogs.modmail]\n{served}"
        f'[communities.hq]\nplatform = "discord"\nid = "{space.hq.id}"\nname = "HQ"\n'
        'moderator_roles = ["moderator"]\n'
        f'[communities.hq.cogs.modmail]\nchannel = "{space.modmail.id}"\n'
    )


async def threads_opened(standin: DiscordStandin, steward: Running, count: int) -> list[Channel]:
    """Wait until ``count`` modmail threads opened in HQ and their headers are posted."""
    await standin.wait_for_request("POST", "/channels/{channel_id}/threads", count=count)
    await steward.settle()
    space = next(g for g in standin.world.guilds.values() if g.name == "HQ")
    threads = [c for c in space.channels.values() if c.type == PUBLIC_THREAD]
    async with asyncio.timeout(10):
        while any(len(t.messages) < 2 for t in threads):  # header, then the member's words
            await standin.wait_for_request(
                "POST", "/channels/{channel_id}/messages", count=len(standin.requests) + 1
            )
    return threads


async def dan_writes_in_nova_then_lumen(
    standin: DiscordStandin,
    steward: Running,
    lumen: Lumen,
    space: StaffSpace,
) -> None:
    """Have Dan write in Nova (where he joined last), then in Lumen; wait until both are handled."""
    arrived = asyncio.Event()

    async def seen(event: MessageCreated) -> None:
        if event.message.content == "Morning, Lumen!":
            arrived.set()

    steward.app.bus.subscribe(MessageCreated, seen, community=ref(lumen.guild.id), name="seen")
    await standin.post_message(space.nova_general, space.dan_in_nova, "Anyone here from Nova?")
    await standin.post_message(lumen.general, space.dan_in_lumen, "Morning, Lumen!")
    await asyncio.wait_for(arrived.wait(), 10)
    await steward.settle()


async def test_two_guilds_share_one_staff_guild_and_answers_reach_the_right_member(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    space = staff_space(standin, lumen)
    async with start(config(space)) as steward:
        await standin.direct_message(lumen.bob.user, "Why was my post removed?")
        await standin.direct_message(space.carol.user, "Can I host an event in Nova?")
        threads = await threads_opened(standin, steward, 2)
        headers = sorted(next(iter(t.messages.values())).content for t in threads)
        (carol_thread,) = [t for t in threads if "carol" in t.name]
        await standin.post_message(carol_thread, space.hq_mona, "Yes, go ahead!")
        await steward.settle()
        await standin.wait_for_request(
            "POST", "/channels/{channel_id}/messages", where=lambda r: "go ahead" in str(r.json)
        )
    assert headers[0].startswith("Modmail from bob in lumen")
    assert headers[1].startswith("Modmail from carol in Nova")
    dm_to_carol = standin.world.dm_channel(space.carol.user)
    assert [m.content for m in dm_to_carol.messages.values()][-1] == "**mona:** Yes, go ahead!"


async def test_a_member_of_both_guilds_gets_one_thread_for_where_they_last_wrote(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    space = staff_space(standin, lumen)
    async with start(config(space)) as steward:
        # Nova is where Dan joined last, but Lumen is where he last wrote: the DM is Lumen's.
        await dan_writes_in_nova_then_lumen(standin, steward, lumen, space)
        await standin.direct_message(space.dan_in_nova.user, "Is the lamp meetup still on?")
        (thread,) = await threads_opened(standin, steward, 1)
        await standin.run_command(
            space.hq, thread, space.hq_mona, "modmail close", {"reason": "answered in #events"}
        )
        closed = await standin.wait_for_request(
            "POST", "/channels/{channel_id}/messages", where=lambda r: "closed" in str(r.json)
        )
        await steward.settle()
    assert next(iter(thread.messages.values())).content.startswith("Modmail from dan in lumen")
    assert len(standin.requests_to("POST", "/channels/{channel_id}/threads")) == 1
    assert closed.json["content"].startswith(
        "Your conversation with the lumen moderators is closed: answered in #events"
    )


async def test_where_a_member_of_both_guilds_last_wrote_outlives_a_restart(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    space = staff_space(standin, lumen)
    async with start(config(space)) as steward:
        await dan_writes_in_nova_then_lumen(standin, steward, lumen, space)
    # The same database, a new process: its memory is empty, storage is not.
    async with start(config(space)) as steward:
        await standin.direct_message(space.dan_in_nova.user, "Is the lamp meetup still on?")
        (thread,) = await threads_opened(standin, steward, 1)
    assert next(iter(thread.messages.values())).content.startswith("Modmail from dan in lumen"), (
        "without storage the DM would go to Nova, where Dan joined last"
    )
