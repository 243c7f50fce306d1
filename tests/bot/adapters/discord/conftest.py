"""Run the real App, cogs and a temp SQLite file against the Discord stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord.connection import DiscordConnection, open_connection
from bot.adapters.discord.gateway import DiscordGateway
from bot.adapters.discord.translate import ref
from bot.app import App, open_storage
from bot.config import LoadedConfig, parse_config
from bot.core.clock import SystemClock
from bot.core.protocols import CogStateRepository
from bot.core.refs import Ref
from bot.registry import CogRegistry
from bot.standins.discord import Channel, DiscordStandin, Guild, Member, RecordedRequest, Role
from bot.standins.discord._model import (
    BAN_MEMBERS,
    KICK_MEMBERS,
    MANAGE_MESSAGES,
    MODERATE_MEMBERS,
)
from bot.storage import SqliteStorage
from moderation.cases import Case
from moderation.store import store_for

MODERATOR_PERMISSIONS = KICK_MEMBERS | BAN_MEMBERS | MANAGE_MESSAGES | MODERATE_MEMBERS


# Routes of Discord's REST API, as the stand-in records requests to them.
CALLBACK = "/interactions/{interaction_id}/{token}/callback"
ORIGINAL = "/webhooks/{app_id}/{token}/messages/@original"
FOLLOWUP = "/webhooks/{app_id}/{token}"
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"


class CountingState:
    """The real SQLite cog state, counting the writes."""

    def __init__(self, inner: CogStateRepository) -> None:
        self.inner = inner
        self.puts = 0

    async def get(self, community: Ref, cog: str, key: str) -> Any | None:
        return await self.inner.get(community, cog, key)

    async def put(self, community: Ref, cog: str, key: str, value: Any) -> None:
        self.puts += 1
        await self.inner.put(community, cog, key, value)

    async def delete(self, community: Ref, cog: str, key: str) -> None:
        await self.inner.delete(community, cog, key)

    async def recent(self, community: Ref, cog: str, limit: int) -> list[tuple[str, Any]]:
        return await self.inner.recent(community, cog, limit)


@dataclass
class Lumen:
    """The test guild: #general, #mod-log, #rules and #introductions, a moderator, two members."""

    guild: Guild
    general: Channel
    modlog: Channel
    rules: Channel
    introductions: Channel
    moderators: Role
    mona: Member
    alice: Member
    bob: Member


@pytest.fixture
async def standin(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordStandin]:
    """Serve a stand-in; discord.py's process-wide URLs are restored afterwards."""
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with DiscordStandin() as server:
        monkeypatch.setenv("STEWARD_DISCORD_TOKEN", server.token)
        yield server


@pytest.fixture
def lumen(standin: DiscordStandin) -> Lumen:
    """Build the test guild on the stand-in."""
    guild = standin.add_guild("Lumen", owner="olga")
    moderators = standin.add_role(guild, "moderator", position=5, permissions=MODERATOR_PERMISSIONS)
    general = standin.add_channel(guild, "general")
    modlog = standin.add_channel(guild, "mod-log")
    return Lumen(
        guild=guild,
        general=general,
        modlog=modlog,
        rules=standin.add_channel(guild, "rules"),
        introductions=standin.add_channel(guild, "introductions"),
        moderators=moderators,
        mona=standin.add_member(guild, "mona", roles=[moderators]),
        alice=standin.add_member(guild, "alice"),
        bob=standin.add_member(guild, "bob"),
    )


def config_for(
    standin: DiscordStandin,
    lumen: Lumen,
    registry: CogRegistry,
    extra: str = "",
    *,
    catch_up: int = 0,
    staff: str | None = None,
    raid: str | None = None,
    modlog: str | None = None,
    message_log: str | None = None,
    message_log_skip: list[str] | None = None,
    policy: str | None = None,
) -> LoadedConfig:
    """Return a configuration serving the test guild through the stand-in.

    The guidelines' staff and raid channels default to #mod-log's and #general's ids;
    ``staff``, ``raid`` and ``modlog`` may name them instead. The mod log (and its message
    log) and the policy are written only when given.
    """
    policy_line = f'policy = "{policy}"\n' if policy is not None else ""
    modlog_section = (
        f'[communities.lumen.cogs.modlog]\nchannel = "{modlog}"\n' if modlog is not None else ""
    )
    if message_log is not None:
        modlog_section += f'message_log = "{message_log}"\n'
    if message_log_skip is not None:
        modlog_section += f"message_log_skip = {json.dumps(message_log_skip)}\n"

    text = f"""
[discord]
api_base = "{standin.api_base}"
gateway_url = "{standin.gateway_url}"
catch_up = {catch_up}
{extra}

[communities.lumen]
platform = "discord"
id = "{lumen.guild.id}"
moderator_roles = ["moderator"]

[communities.lumen.cogs.guidelines]
{policy_line}staff_channel = "{staff or lumen.modlog.id}"
raid_channels = ["{raid or lumen.general.id}"]

{modlog_section}"""
    return parse_config(text, registry, source="<test>")


@dataclass
class Running:
    """A connected Steward: its app, connection and storage."""

    app: App
    connection: DiscordConnection
    storage: SqliteStorage

    async def settle(self) -> None:
        """Wait until every event handed to the app has been handled."""
        await self.app.bus.join()


async def cases_of(steward: Running, lumen: Lumen, member: Member) -> list[Case]:
    """Return the cases Steward recorded for a member of the test guild, oldest first."""
    return await store_for(steward.storage).cases.for_member(
        ref(lumen.guild.id), ref(member.user.id)
    )


async def departed(standin: DiscordStandin, lumen: Lumen, name: str) -> Member:
    """Return a member who joined and left before anyone acted: a user, no longer a member."""
    member = await standin.join(lumen.guild, name)
    await standin.leave(lumen.guild, member)
    return member


async def notice_for(standin: DiscordStandin, case: int) -> RecordedRequest:
    """Wait for the notice Steward posts a member about case number ``case``; return it."""
    return await standin.wait_for_request(
        "POST",
        "/channels/{channel_id}/messages",
        where=lambda r: r.reason == f"notice (case #{case})",
    )


@contextlib.asynccontextmanager
async def steward(
    loaded: LoadedConfig, registry: CogRegistry, database: Path
) -> AsyncIterator[Running]:
    """Connect Steward to the stand-in; stop and close everything afterwards."""
    clock = SystemClock()
    connection = await open_connection(loaded.config.discord, guild_ready_timeout=0.05)
    storage = await open_storage(database, clock)
    app = App(
        loaded,
        registry=registry,
        storage=storage,
        clock=clock,
        gateways={"discord": connection.gateway},
    )
    await app.start()
    task = asyncio.create_task(connection.run(app))
    try:
        await asyncio.wait_for(connection.client.wait_until_ready(), 10)
        await asyncio.wait_for(connection.client.caught_up.wait(), 10)
        yield Running(app, connection, storage)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await app.stop()
        await storage.close()


Start = Callable[..., contextlib.AbstractAsyncContextManager[Running]]


def weekly_prompts(lumen: Lumen, cron: str) -> str:
    """Return the configuration of discussions posting to #general on ``cron`` as "weekly"."""
    return (
        "[communities.lumen.cogs.discussions]\n"
        "[[communities.lumen.cogs.discussions.schedules]]\n"
        f'name = "weekly"\ncron = "{cron}"\nchannel = "{lumen.general.id}"\n'
    )


@pytest.fixture
def start(standin: DiscordStandin, lumen: Lumen, registry: CogRegistry, tmp_path: Path) -> Start:
    """Return a function that starts Steward on the test guild (its arguments as ``config_for``'s)."""

    def run(extra: str = "", **options: Any) -> contextlib.AbstractAsyncContextManager[Running]:
        loaded = config_for(standin, lumen, registry, extra, **options)
        return steward(loaded, registry, tmp_path / "steward.db")

    return run


NameLookUp = Callable[[DiscordGateway, Ref, Sequence[str]], Awaitable[Mapping[str, str | None]]]
"""A gateway method that looks names up in a guild: ``DiscordGateway.resolve_roles``."""


@dataclass(frozen=True)
class LookedUp:
    """A gateway's answers for names, without discord.py's guild cache and with it.

    Attributes:
        uncached: The answer before the gateway sent the guild (from the REST API).
        cached: The answer once Steward runs, for the known names only.
        uncached_requests: How many requests to the listing path the first answer sent.
        cached_requests: How many the cached answer sent.
    """

    uncached: Mapping[str, str | None]
    cached: Mapping[str, str | None]
    uncached_requests: int
    cached_requests: int


async def look_up_twice(
    standin: DiscordStandin,
    lumen: Lumen,
    registry: CogRegistry,
    start: Start,
    *,
    look_up: NameLookUp,
    names: Sequence[str],
    path: str,
    between: Callable[[], object] | None = None,
) -> LookedUp:
    """Ask ``look_up`` for ``names`` before discord.py has the guild, then for the known ones after.

    ``path`` is the REST route that lists what the names name (counted for the cached
    answer); ``between`` runs after the first answer, before Steward starts.
    """
    discord = config_for(standin, lumen, registry).config.discord
    connection = await open_connection(discord, guild_ready_timeout=0.05)
    try:
        uncached = await look_up(connection.gateway, ref(lumen.guild.id), names)
    finally:
        await connection.client.close()
    uncached_requests = len(standin.requests_to("GET", path))
    known = [name for name in names if uncached.get(name) is not None]
    if between is not None:
        between()
    async with start() as running:
        listed = len(standin.requests_to("GET", path))
        cached = await look_up(running.connection.gateway, ref(lumen.guild.id), known)
        cached_requests = len(standin.requests_to("GET", path)) - listed
    return LookedUp(uncached, cached, uncached_requests, cached_requests)
