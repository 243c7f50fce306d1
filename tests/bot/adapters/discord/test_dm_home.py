"""Where members last wrote: stored only for members of several served guilds, and once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import discord

from bot.adapters.discord._dm_home import STATE_OWNER, STATE_PLACE, DirectMessageHomes
from bot.app import open_storage
from bot.core.clock import SystemClock
from tests.bot.adapters.discord.conftest import CountingState


def guilds(count: int) -> list[discord.Guild]:
    """Stand for the served guilds a member shares (only their number matters here)."""
    return cast(list[discord.Guild], [object()] * count)


async def test_only_members_of_several_served_guilds_cost_a_write_and_only_on_a_change(
    tmp_path: Path,
) -> None:
    storage = await open_storage(tmp_path / "steward.db", SystemClock())
    try:
        state = CountingState(storage.cog_state)
        homes = DirectMessageHomes(state=state)
        moves = [homes.wrote(1, 100), homes.wrote(2, 100), homes.wrote(2, 100), homes.wrote(2, 200)]
        assert moves == [True, True, False, True], "only a change needs keeping"
        await homes.keep(1, 100, guilds(1))  # one served guild: memory is enough
        await homes.keep(2, 200, guilds(2))
        assert state.puts == 1
        assert await storage.cog_state.get(STATE_PLACE, STATE_OWNER, "last-wrote-in:2") == {
            "guild": 200
        }
        assert await storage.cog_state.get(STATE_PLACE, STATE_OWNER, "last-wrote-in:1") is None
    finally:
        await storage.close()


def test_only_a_member_of_several_served_guilds_is_worth_storing() -> None:
    # Asked before keep(): a bot in one guild starts no task for a member's first message.
    state = cast(Any, object())
    assert not DirectMessageHomes().stores(2), "without storage, memory is all there is"
    homes = DirectMessageHomes(state=state)
    assert [homes.stores(n) for n in (0, 1, 2, 3)] == [False, False, True, True]
    every = DirectMessageHomes(state=state, store_every_change=True)
    assert every.stores(1), "processes that split the shards store every change"
