"""Every kind of gateway event reaches Steward as the core event it stands for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.adapters.discord.translate import ref
from bot.core.events import (
    DirectMessageReceived,
    Event,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionAdded,
)
from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import Lumen, Running, Start

KINDS: tuple[type[Event], ...] = (
    DirectMessageReceived,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionAdded,
)


def listen(steward: Running) -> tuple[list[Event], Callable[[int], asyncio.Task[bool]]]:
    heard: list[Event] = []
    changed = asyncio.Condition()

    async def record(event: Event) -> None:
        async with changed:
            heard.append(event)
            changed.notify_all()

    for kind in KINDS:
        steward.app.bus.subscribe(kind, record, name=f"test.{kind.__name__}")

    async def until(count: int) -> bool:
        async with changed:
            return await changed.wait_for(lambda: len(heard) >= count)

    return heard, lambda count: asyncio.create_task(asyncio.wait_for(until(count), 10))


async def test_gateway_events_become_core_events(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        heard, until = listen(steward)
        posted = await standin.post_message(lumen.general, lumen.alice, "hello")
        await standin.edit_message(posted, "hello there")
        await standin.react(posted, lumen.bob, "👍")
        await standin.delete_message(posted)
        carl = await standin.join(lumen.guild, "carl")
        await standin.leave(lumen.guild, carl)
        await standin.direct_message(lumen.alice.user, "can I appeal?")
        await until(7)
    by_kind = {type(e): e for e in heard}
    assert set(by_kind) == set(KINDS)
    created = by_kind[MessageCreated]
    assert isinstance(created, MessageCreated)
    assert created.id == posted.id and created.message.author.name == "alice"
    assert created.community == ref(lumen.guild.id)
    edited = by_kind[MessageEdited]
    assert isinstance(edited, MessageEdited) and edited.message.content == "hello there"
    assert edited.before == "hello"
    reaction = by_kind[ReactionAdded]
    assert isinstance(reaction, ReactionAdded) and reaction.emoji == "👍"
    joined = by_kind[MemberJoined]
    assert isinstance(joined, MemberJoined) and joined.member.name == "carl"
    dm = by_kind[DirectMessageReceived]
    assert isinstance(dm, DirectMessageReceived) and dm.content == "can I appeal?"
    assert dm.author.ref == ref(lumen.alice.user.id)
