"""Catch-up after a start, sharding, floods and failures: nothing missed, nothing done twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.adapters.discord import translate
from bot.adapters.discord.client import ShardedStewardClient
from bot.adapters.discord.translate import ref
from bot.core.events import MessageCreated, MessageEdited
from bot.core.protocols import LEDGER_KEPT
from bot.standins.discord import DiscordStandin
from bot.standins.discord._model import StoredMessage
from bot.standins.discord._world import World
from bot.standins.discord.server import RecordedRequest
from tests.bot.adapters.discord.conftest import MESSAGE, Lumen, Running, Start, cases_of


async def shadow_cases(steward: Running, lumen: Lumen) -> int:
    cases = await cases_of(steward, lumen, lumen.alice)
    return sum(c.rule == "mild-swearing" for c in cases)


async def test_catch_up_judges_what_came_while_away_and_nothing_twice(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start(catch_up=10) as steward:
        await standin.post_message(lumen.general, lumen.alice, "shit, I forgot the hub")
        marker = await standin.post_message(lumen.general, lumen.bob, "see discord.gg/first")
        await standin.wait_for_request(
            "DELETE", f"/channels/{lumen.general.id}/messages/{marker.id}"
        )
        await steward.settle()
    # While Steward is away: spam, which the next start must catch.
    spam = await standin.post_message(lumen.general, lumen.bob, "join discord.gg/cryptogainz")
    async with start(catch_up=10) as steward:
        await standin.wait_for_request("DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}")
        await steward.settle()
        shadowed = await shadow_cases(steward, lumen)
    history = standin.requests_to("GET", "/channels/{channel_id}/messages")
    assert {r.query["limit"] for r in history} == {"10"}
    assert shadowed == 1  # the swearing was seen live, then again by the catch-up: one case
    assert len(standin.requests_to("DELETE", MESSAGE)) == 2  # the marker, then the spam


async def test_catch_up_reads_back_no_further_than_the_ledger_remembers(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # The ledger forgets event ids after LEDGER_KEPT; a quiet channel's latest messages
    # may be older than that, and were judged when they were written.
    long_ago = discord.utils.utcnow() - LEDGER_KEPT - timedelta(days=5)
    old = await standin.post_message(
        lumen.general, lumen.bob, "join discord.gg/longago", at=long_ago
    )
    spam = await standin.post_message(lumen.general, lumen.bob, "join discord.gg/cryptogainz")
    async with start(catch_up=10) as steward:
        await standin.wait_for_request("DELETE", MESSAGE, where=ending(spam.id))
        await steward.settle()
    deleted = [r.path for r in standin.requests_to("DELETE", MESSAGE)]
    assert deleted == [f"/channels/{lumen.general.id}/messages/{spam.id}"]
    assert old.id in lumen.general.messages


async def test_catch_up_reads_the_active_threads_of_those_channels_too(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    thread = standin.add_thread(lumen.general, "lamp help", owner=lumen.alice)
    closed = standin.add_thread(lumen.general, "old news", owner=lumen.alice, archived=True)
    async with start(catch_up=10) as steward:
        await standin.post_message(thread, lumen.alice, "shit, I forgot the hub")
        marker = await standin.post_message(thread, lumen.bob, "see discord.gg/first")
        await standin.wait_for_request("DELETE", MESSAGE, where=ending(marker.id))
        await steward.settle()
    # While Steward is away: spam in the thread, and in an archived one it leaves alone.
    spam = await standin.post_message(thread, lumen.bob, "join discord.gg/cryptogainz")
    old = await standin.post_message(closed, lumen.bob, "join discord.gg/archived")
    async with start(catch_up=10) as steward:
        await standin.wait_for_request("DELETE", MESSAGE, where=ending(spam.id))
        await steward.settle()
        shadowed = await shadow_cases(steward, lumen)
    history = standin.requests_to("GET", "/channels/{channel_id}/messages")
    read = {r.path for r in history}
    assert f"/channels/{thread.id}/messages" in read
    assert f"/channels/{closed.id}/messages" not in read
    assert {r.query["limit"] for r in history} == {"10"}
    assert len(standin.requests_to("GET", "/guilds/{guild_id}/threads/active")) == 2
    assert shadowed == 1  # the swearing was seen live, then again by the catch-up: one case
    assert len(standin.requests_to("DELETE", MESSAGE)) == 2  # the marker, then the spam
    assert old.id in closed.messages


def ending(ident: str) -> Callable[[RecordedRequest], bool]:
    """Match a request whose path ends with an id."""
    return lambda request: request.path.endswith(f"/{ident}")


async def test_a_sharded_client_connects_every_shard(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    standin.rest.shards = 2
    async with start("sharded = true") as steward:
        assert isinstance(steward.connection.client, ShardedStewardClient)
        shards = sorted(s.shard for s in standin.gateway.sessions.values())
        spam = await standin.post_message(lumen.general, lumen.alice, "join discord.gg/abc")
        await standin.wait_for_request("DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}")
        await steward.settle()
    assert shards == [(0, 2), (1, 2)]
    assert standin.requests_to("GET", "/gateway/bot")


async def test_a_raid_is_answered_with_bounded_concurrency(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    raiders = [standin.add_member(lumen.guild, f"raider{n}") for n in range(24)]
    standin.latency = 0.01  # answers take a moment, so bursts would overlap
    async with start() as steward:
        for raider in raiders:
            await standin.post_message(lumen.general, raider, "free nitro discord.gg/raid")
        await standin.wait_for_request("DELETE", MESSAGE, count=len(raiders))
        await steward.settle()
    assert lumen.general.messages == {}
    assert 1 < standin.max_in_flight <= 8


async def test_a_flood_reaches_the_app_in_order_once_each_and_wait_for_still_works(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    count = 300
    async with start() as steward:
        heard: list[str] = []
        all_heard = asyncio.Event()

        async def record(event: MessageCreated) -> None:
            heard.append(event.message.content)
            if len(heard) == count:
                all_heard.set()

        steward.app.bus.subscribe(MessageCreated, record, community=ref(lumen.guild.id), name="rec")
        # Guild messages skip discord.py's task per event, but not a caller that waits for one.
        waited = asyncio.ensure_future(
            steward.connection.client.wait_for("message", check=lambda m: m.content.endswith("#7"))
        )
        await standin.flood(lumen.guild, lumen.general, count, authors=count // 4)
        await asyncio.wait_for(all_heard.wait(), 30)
        await steward.settle()
        assert (await asyncio.wait_for(waited, 5)).content.endswith("#7")
    assert [int(text.rsplit("#", 1)[1]) for text in heard] == list(range(count))


async def poison_then_spam(
    standin: DiscordStandin, lumen: Lumen, steward: Running
) -> StoredMessage:
    """Post "poison", then spam; return the poison once the spam was deleted and all settled."""
    poison = await standin.post_message(lumen.general, lumen.bob, "poison")
    spam = await standin.post_message(lumen.general, lumen.bob, "join discord.gg/cryptogainz")
    await standin.wait_for_request("DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}")
    await steward.settle()
    return poison


async def test_a_malformed_message_is_logged_and_the_next_still_judged(
    standin: DiscordStandin,
    lumen: Lumen,
    start: Start,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    payload_of = World.message_payload

    def malformed(world: World, message: StoredMessage) -> dict[str, Any]:
        data = payload_of(world, message)
        if message.content == "poison":
            data["author"] = {"id": "not-a-snowflake", "username": "bob"}
        return data

    monkeypatch.setattr(World, "message_payload", malformed)
    async with start() as steward:
        poison = await poison_then_spam(standin, lumen, steward)
    assert f"could not hear message {poison.id}" in caplog.text
    assert "malformed MESSAGE_CREATE payload" in caplog.text


async def test_a_message_discord_py_parsed_that_fails_to_translate_is_logged_and_skipped(
    standin: DiscordStandin,
    lumen: Lumen,
    start: Start,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(message: discord.Message) -> MessageCreated | None:
        if message.content == "poison":
            raise ValueError("cannot translate this")
        return translated(message)

    translated = translate.message_created
    monkeypatch.setattr(translate, "message_created", broken)
    async with start() as steward:
        # While someone waits for a message, discord.py parses guild messages too.
        waiting = asyncio.ensure_future(
            steward.connection.client.wait_for("message", check=lambda _: False)
        )
        poison = await poison_then_spam(standin, lumen, steward)
        waiting.cancel()
    assert f"could not hear message {poison.id}" in caplog.text
    assert "cannot translate this" in caplog.text


async def test_stewards_own_posts_and_edits_echoed_by_discord_are_not_heard(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # Discord echoes every message the bot posts or edits; each would otherwise be one more
    # event through every cog, by an author whose messages Steward never judges.
    async with start() as steward:
        created: list[MessageCreated] = []
        edited: list[MessageEdited] = []

        async def on_created(event: MessageCreated) -> None:
            created.append(event)

        async def on_edited(event: MessageEdited) -> None:
            edited.append(event)

        steward.app.bus.subscribe(MessageCreated, on_created, name="created")
        steward.app.bus.subscribe(MessageEdited, on_edited, name="edited")
        flagged = await standin.post_message(lumen.general, lumen.bob, "I want to kill myself")
        await standin.wait_for_request("POST", "/channels/{channel_id}/messages", count=2)
        await steward.settle()
        await standin.delete_message(flagged)  # the card is edited to say so
        await standin.wait_for_request("PATCH", "/channels/{channel_id}/messages/{message_id}")
        await steward.settle()
    assert [e.message.author.name for e in created] == ["bob"], "the card, the alert: not heard"
    assert edited == []
