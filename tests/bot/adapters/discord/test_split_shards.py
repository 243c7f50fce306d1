"""Several bot processes that split the shards, through the real discord.py.

Two Stewards share one SQLite file, as two processes on one machine would: one holds
shard 0, the other shard 1, of two. Each runs only the guild on its shard; Discord (the
stand-in) sends every DM to shard 0, which hands the DMs for the other guild over
through storage.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.discord._dm_handoff import DirectMessageHandoff
from bot.adapters.discord._dm_home import (
    REFRESH_SECONDS,
    STATE_OWNER,
    STATE_PLACE,
    Candidate,
    DirectMessageHomes,
)
from bot.adapters.discord.client import StewardClient
from bot.adapters.discord.connection import point_at
from bot.adapters.discord.intents import needed_intents
from bot.app import open_storage
from bot.config import parse_config
from bot.core.clock import SystemClock
from bot.core.refs import Ref
from bot.registry import CogRegistry
from bot.standins.discord import Channel, DiscordStandin, Guild, Member
from bot.standins.discord._model import PUBLIC_THREAD
from tests.bot.adapters.discord.conftest import MESSAGE, MODERATOR_PERMISSIONS, Running, steward


@dataclass
class Side:
    """One guild of the pair: its channels and its moderator."""

    guild: Guild
    general: Channel
    modlog: Channel
    modmail: Channel
    mod: Member


@dataclass
class Pair:
    """A guild on shard 0 (north), one on shard 1 (south), and who is in which."""

    north: Side
    south: Side
    bob: Member
    """A member of south only."""
    carol_north: Member
    carol_south: Member
    """The same account, a member of both."""


def side(standin: DiscordStandin, name: str, shard: int) -> Side:
    guild = standin.add_guild(name, owner=f"{name}-owner", shard=(shard, 2))
    moderators = standin.add_role(guild, "moderator", position=5, permissions=MODERATOR_PERMISSIONS)
    for welcome in ("rules", "introductions"):  # the welcome cog's channels
        standin.add_channel(guild, welcome)
    return Side(
        guild=guild,
        general=standin.add_channel(guild, "general"),
        modlog=standin.add_channel(guild, "mod-log"),
        modmail=standin.add_channel(guild, "modmail"),
        mod=standin.add_member(guild, f"{name}-mod", roles=[moderators]),
    )


@pytest.fixture
def pair(standin: DiscordStandin) -> Pair:
    standin.rest.shards = 2
    north, south = side(standin, "north", 0), side(standin, "south", 1)
    carol = standin.add_member(north.guild, "carol")
    return Pair(
        north=north,
        south=south,
        bob=standin.add_member(south.guild, "bob"),
        carol_north=carol,
        carol_south=standin.add_member(south.guild, "carol", user=carol.user),
    )


def community(key: str, s: Side) -> str:
    return f"""
[communities.{key}]
platform = "discord"
id = "{s.guild.id}"

[communities.{key}.cogs.guidelines]
staff_channel = "{s.modlog.id}"
raid_channels = ["{s.general.id}"]

[communities.{key}.cogs.modmail]
channel = "{s.modmail.id}"
"""


def config_text(standin: DiscordStandin, pair: Pair, shard_ids: str) -> str:
    return f"""
[discord]
api_base = "{standin.api_base}"
gateway_url = "{standin.gateway_url}"
catch_up = 0
sharded = true
shard_count = 2
shard_ids = {shard_ids}
{community("north", pair.north)}{community("south", pair.south)}"""


@contextlib.asynccontextmanager
async def processes(
    standin: DiscordStandin, pair: Pair, registry: CogRegistry, database: Path
) -> AsyncIterator[tuple[Running, Running]]:
    """Start the process of shard 0 and the process of shard 1 on one database."""
    first = parse_config(config_text(standin, pair, "[0]"), registry, source="<shard 0>")
    second = parse_config(config_text(standin, pair, "[1]"), registry, source="<shard 1>")
    async with (
        steward(first, registry, database) as zero,
        steward(second, registry, database) as one,
    ):
        yield zero, one


def threads_in(s: Side) -> list[Channel]:
    return [c for c in s.guild.channels.values() if c.type == PUBLIC_THREAD]


async def until(check: object, *, within: float = 10.0) -> None:
    """Wait until ``check()`` is true (the other process acts a poll later)."""
    for _ in range(int(within / 0.05)):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("gave up waiting")


async def test_each_process_runs_the_guilds_of_its_own_shards_and_acts_once(
    standin: DiscordStandin, pair: Pair, registry: CogRegistry, tmp_path: Path
) -> None:
    async with processes(standin, pair, registry, tmp_path / "steward.db") as (zero, one):
        assert set(zero.app.runtimes) == {"north"}
        assert set(one.app.runtimes) == {"south"}
        spam = await standin.post_message(pair.south.general, pair.bob, "join discord.gg/abc")
        await standin.wait_for_request(
            "DELETE", f"/channels/{pair.south.general.id}/messages/{spam.id}"
        )
        await zero.settle()
        await one.settle()
    deletes = standin.requests_to("DELETE", MESSAGE)
    assert [r.path for r in deletes].count(
        f"/channels/{pair.south.general.id}/messages/{spam.id}"
    ) == 1


async def test_a_dm_for_a_guild_run_elsewhere_reaches_its_modmail_through_storage(
    standin: DiscordStandin, pair: Pair, registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with processes(standin, pair, registry, database) as (zero, one):
        await standin.direct_message(
            pair.bob.user, "Why was my post removed?", files=["my-post.png"]
        )
        await until(lambda: threads_in(pair.south))
        await until(
            lambda: any(
                "my-post.png" in m.content for m in threads_in(pair.south)[0].messages.values()
            )
        )
        await zero.settle()
        await one.settle()
        assert zero.app.runtimes["north"]  # still running, and it opened nothing
        assert await zero.storage.handoffs.waiting([Ref("discord", pair.south.guild.id)]) == []
    assert threads_in(pair.north) == []
    (thread,) = threads_in(pair.south)
    relayed = [m.content for m in thread.messages.values()]
    # The file travelled with the DM from the process that heard it.
    question, file = relayed[1].split("\n")
    assert question == "**bob:** Why was my post removed?"
    assert file.startswith("📎 my-post.png https://cdn.discord.invalid/attachments/")


async def test_a_dm_handed_over_is_answered_in_the_language_the_members_client_told(
    standin: DiscordStandin, pair: Pair, registry: CogRegistry, tmp_path: Path
) -> None:
    pair.bob.user.locale = "fr"
    async with processes(standin, pair, registry, tmp_path / "steward.db") as (zero, one):
        # Bob's command reaches the process of his guild's shard, which learns his language.
        await standin.run_command(pair.south.guild, pair.south.general, pair.bob, "history")
        await standin.wait_for_request("PATCH", "/webhooks/{app_id}/{token}/messages/@original")
        await standin.direct_message(pair.bob.user, "Pourquoi mon message a disparu ?")
        answer = await standin.wait_for_request(
            "POST",
            "/channels/{channel_id}/messages",
            where=lambda r: "modérateurs" in str((r.json or {}).get("content")),
        )
        await zero.settle()
        await one.settle()
    assert answer.json["content"].startswith("Merci d'avoir écrit aux modérateurs")


async def test_a_member_of_both_guilds_is_answered_where_they_last_wrote(
    standin: DiscordStandin, pair: Pair, registry: CogRegistry, tmp_path: Path
) -> None:
    # Carol joined north last, so north would be chosen if where she wrote were unknown.
    pair.carol_north.joined_at = datetime.now(UTC) - timedelta(days=1)
    async with processes(standin, pair, registry, tmp_path / "steward.db") as (zero, one):
        # Shard 1's process sees this message; shard 0's process gets the DM.
        await standin.post_message(pair.south.general, pair.carol_south, "the south hub is great")
        stored = f"last-wrote-in:{pair.carol_south.user.id}"
        for _ in range(200):
            if await one.storage.cog_state.get(STATE_PLACE, STATE_OWNER, stored):
                break
            await asyncio.sleep(0.05)
        await standin.direct_message(pair.carol_north.user, "a question about my order")
        await until(lambda: threads_in(pair.south))
        await zero.settle()
        await one.settle()
    assert threads_in(pair.north) == []


async def test_a_dm_left_while_its_process_is_down_is_handled_when_it_starts(
    standin: DiscordStandin, pair: Pair, registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    first = parse_config(config_text(standin, pair, "[0]"), registry, source="<shard 0>")
    async with steward(first, registry, database) as zero:
        await standin.direct_message(pair.bob.user, "is anyone there?")
        south = Ref("discord", pair.south.guild.id)
        await until(lambda: standin.requests_to("GET", "/guilds/{guild_id}/members/{user_id}"))
        for _ in range(100):
            if await zero.storage.handoffs.waiting([south]):
                break
            await asyncio.sleep(0.05)
        (waiting,) = await zero.storage.handoffs.waiting([south])
        assert waiting.payload["content"] == "is anyone there?"
    assert threads_in(pair.south) == []
    async with processes(standin, pair, registry, database) as (_, one):
        await until(lambda: threads_in(pair.south))
        await one.settle()
        assert await one.storage.handoffs.waiting([south]) == []
    (thread,) = threads_in(pair.south)
    assert "**bob:** is anyone there?" in [m.content for m in thread.messages.values()]


async def test_split_processes_refresh_where_a_member_wrote_now_and_then(tmp_path: Path) -> None:
    now = [0.0]
    storage = await open_storage(tmp_path / "steward.db", SystemClock())
    try:
        homes = DirectMessageHomes(
            state=storage.cog_state, store_every_change=True, clock=lambda: now[0]
        )
        assert homes.wrote(7, 100), "the first message in a guild is stored"
        await homes.keep(7, 100, [])
        now[0] += REFRESH_SECONDS / 2
        assert not homes.wrote(7, 100), "the same guild soon after costs nothing"
        now[0] += REFRESH_SECONDS
        assert homes.wrote(7, 100), "but is stored again after a while"
        # Another process stored a later guild: the DM follows storage, not this memory.
        other = DirectMessageHomes(state=storage.cog_state, store_every_change=True)
        other.wrote(7, 200)
        await other.keep(7, 200, [])
        shared = [Candidate(100, None), Candidate(200, None)]
        assert await homes.choose(7, shared) == 200
    finally:
        await storage.close()


async def test_a_malformed_handoff_is_dropped_and_the_next_still_handled(
    standin: DiscordStandin, pair: Pair, registry: CogRegistry, tmp_path: Path
) -> None:
    south = Ref("discord", pair.south.guild.id)
    async with processes(standin, pair, registry, tmp_path / "steward.db") as (zero, one):
        await zero.storage.handoffs.put(south, "dm:broken", {"user": "not a number"})
        await standin.direct_message(pair.bob.user, "still there?")
        await until(lambda: threads_in(pair.south))
        for _ in range(100):
            if not await one.storage.handoffs.waiting([south]):
                break
            await asyncio.sleep(0.05)
        assert await one.storage.handoffs.waiting([south]) == []
        await one.settle()


async def test_dms_left_for_a_process_wait_until_its_client_knows_its_guilds(
    standin: DiscordStandin, pair: Pair, tmp_path: Path
) -> None:
    storage = await open_storage(tmp_path / "steward.db", SystemClock())
    client = StewardClient(intents=needed_intents())
    south = Ref("discord", pair.south.guild.id)
    payload = {
        "user": str(pair.bob.user.id),
        "content": "hi",
        "message": "1",
        "at": "2026-01-01T00:00:00+00:00",
    }
    point_at(standin.api_base, standin.gateway_url)
    try:
        await client.login(standin.token)  # logged in, not yet connected: no guilds known
        await storage.handoffs.put(south, "dm:1", payload)
        handoff = DirectMessageHandoff(
            client,
            storage.handoffs,
            remote_guilds=list,
            local_guilds=lambda: [int(south.id)],
            poll_seconds=0.05,
        )
        taking = asyncio.create_task(handoff.run(lambda _: asyncio.sleep(0, True)))
        await asyncio.sleep(0.3)
        assert not taking.done()
        taking.cancel()
        assert len(await storage.handoffs.waiting([south])) == 1, "not dropped as unknown"
    finally:
        await client.close()
        await storage.close()
