"""The discussions cog through the real discord.py: a prompt, its thread and its replies."""

from __future__ import annotations

import asyncio

from bot.adapters.discord.translate import ref
from bot.core.events import Tick
from bot.standins.discord import DiscordStandin
from bot.standins.discord._model import PUBLIC_THREAD
from cogs._discussion_store import discussion_store_for
from tests.bot.adapters.discord.conftest import Lumen, Start, weekly_prompts


async def test_a_scheduled_prompt_opens_a_thread_and_its_replies_are_counted(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    extra = weekly_prompts(lumen, "* * * * *")
    async with start(extra) as steward:
        # The timer wheel fires on the real clock; publish its tick now instead of waiting.
        await steward.app.bus.publish(
            Tick(
                community=ref(lumen.guild.id),
                at=steward.app.clock.now(),
                timer="discussions:weekly",
            )
        )
        await standin.wait_for_request("POST", f"/channels/{lumen.general.id}/messages")
        await steward.settle()
        for _ in range(100):  # the thread is opened on the prompt right after it is posted
            threads = [c for c in lumen.guild.channels.values() if c.type == PUBLIC_THREAD]
            if threads:
                break
            await asyncio.sleep(0.02)
        (thread,) = threads
        await standin.post_message(thread, lumen.alice, "I fixed my desk lamp this week!")
        await standin.post_message(thread, lumen.bob, "Mine finally follows the sunrise.")
        store = discussion_store_for(steward.storage)
        (post,) = await store.posts(ref(lumen.guild.id), status="posted")
        for _ in range(100):  # the replies come back over the gateway a moment later
            await steward.settle()
            figures = (await store.engagement(ref(lumen.guild.id)))[post.id]
            if figures.replies == 2:
                break
            await asyncio.sleep(0.02)
    assert post.message is not None
    prompt = lumen.general.messages[post.message.id]
    assert prompt.content.startswith("What's one thing you made or fixed this week")
    assert post.thread == ref(thread.id)
    assert (figures.replies, figures.participants) == (2, 2)
