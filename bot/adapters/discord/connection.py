"""Connect Steward to Discord: ``[discord]`` settings, login, intents, and the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord._dm_handoff import DirectMessageHandoff
from bot.adapters.discord._languages import unset_language_notes
from bot.adapters.discord.client import ShardedStewardClient, StewardClient
from bot.adapters.discord.gateway import DiscordGateway
from bot.adapters.discord.intents import (
    PRIVILEGED,
    MissingPrivilegedIntent,
    disabled_privileged,
    needed_intents,
)
from bot.adapters.discord.registration import completer_for, sync_automod, sync_commands
from bot.config import ConfigError, ConfigProblem, DiscordSection, LoadedConfig
from bot.core.events import Event
from bot.core.protocols import Clock
from bot.core.refs import Ref
from bot.serve import StartupRefused
from moderation.events import PolicyChanged

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)


def point_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST and gateway traffic elsewhere (a stand-in), process-wide.

    discord.py has no per-client base URL: the class attributes are the only knobs.
    """
    if api_base:
        Route.BASE = api_base.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url.rstrip("/") + "/")


def build_client(settings: DiscordSection, **options: object) -> StewardClient:
    """Return a client as configured (auto-sharded when ``sharded``)."""
    kind = ShardedStewardClient if settings.sharded else StewardClient
    if settings.sharded and settings.shard_count:
        options["shard_count"] = settings.shard_count
    if settings.sharded and settings.shard_ids:
        options["shard_ids"] = list(settings.shard_ids)
    return kind(intents=needed_intents(), catch_up=settings.catch_up, **options)


class DiscordConnection:
    """A logged-in Discord client and its gateway; :meth:`run` receives events.

    Args:
        client: The client, logged in.
        automod: Whether to keep the policy's AutoMod rules synced.
    """

    def __init__(self, client: StewardClient, *, automod: bool = True, split: bool = False) -> None:
        self.client = client
        self.automod = automod
        self.split = split
        """Whether other processes run some of the shards (DMs are handed between them)."""

    def _resync(self, app: App) -> Callable[[], Awaitable[None]]:
        async def resync() -> None:
            await sync_commands(self.client, app)
            if self.automod:
                await sync_automod(self.client, app)

        return resync

    def _follow_policy(self, app: App) -> Callable[[Event], Awaitable[None]]:
        async def follow(event: Event) -> None:
            # A rule shadowed or put on trial must stop blocking in AutoMod at once.
            if self.automod and event.community.platform == "discord":
                await sync_automod(self.client, app)

        return follow

    @property
    def gateway(self) -> DiscordGateway:
        """Return the gateway that applies actions on Discord."""
        return self.client.steward_gateway

    async def close(self) -> None:
        """Close the client (its gateway socket and HTTP session); again does nothing."""
        await self.client.close()

    async def connected(self) -> bool:
        """Return whether Discord's gateway is connected: every shard, once ready.

        discord.py reconnects by itself; between a dropped socket and its resume, no
        event arrives.
        """
        client = self.client
        if not client.is_ready() or client.is_closed():
            return False
        if isinstance(client, discord.AutoShardedClient):
            return all(not shard.is_closed() for shard in client.shards.values())
        socket = client.ws
        return socket is not None and socket.open

    async def run(self, app: App) -> None:
        """Receive events and hand them to ``app.ingest`` (deduplicated) until cancelled.

        Raises:
            MissingPrivilegedIntent: If Discord closes the connection for a privileged
                intent that is not enabled (close code 4014).
        """

        async def ingest(event: Event) -> bool:
            # A DM another process handed over: its author's language as known here.
            return await app.ingest(self.client.member_languages.applied(event), dedupe=True)

        async def ingest_many(events: Sequence[Event]) -> list[bool]:
            return await app.ingest_many(events, dedupe=True)

        handoff = self._handoff(app) if self.split else None
        self.client.attach(
            ingest_many, serves=app.serves, state=app.storage.cog_state, handoff=handoff
        )
        self.client.completer = completer_for(app)
        self.client.is_staff = app.is_staff
        await sync_commands(self.client, app)
        if self.automod:
            await sync_automod(self.client, app)
        resync = self._resync(app)
        app.reload_hooks.append(resync)
        followed = app.bus.subscribe(PolicyChanged, self._follow_policy(app), name="automod sync")
        taking = asyncio.create_task(handoff.run(ingest)) if handoff else None
        checking = asyncio.create_task(self._check_languages(app))
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired as error:
            flags = self.client.application_flags
            names = disabled_privileged(flags, self.client.intents)
            raise MissingPrivilegedIntent(names or list(PRIVILEGED), sure=bool(names)) from error
        finally:
            checking.cancel()
            if taking is not None:
                taking.cancel()
            await asyncio.gather(checking, *([taking] if taking else []), return_exceptions=True)
            app.reload_hooks.remove(resync)
            app.bus.unsubscribe(followed)
            await self.client.close()

    async def _check_languages(self, app: App) -> None:
        """Once the guilds are known, warn of communities that may miss their language."""
        await self.client.wait_until_ready()

        def preferred_locale(guild_id: int) -> object:
            guild = self.client.get_guild(guild_id)
            return guild.preferred_locale if guild is not None else None

        for note in unset_language_notes(app.loaded.config, preferred_locale):
            logger.warning("%s", note)

    def _handoff(self, app: App) -> DirectMessageHandoff:
        """Return the DM handoff between this process and those running the other shards."""

        def guilds(here: bool) -> list[int]:
            return [
                int(community.id)
                for community in app.loaded.config.communities.values()
                if community.platform == "discord"
                and app.serves(Ref("discord", community.id)) == here
            ]

        return DirectMessageHandoff(
            self.client,
            app.storage.handoffs,
            remote_guilds=lambda: guilds(here=False),
            local_guilds=lambda: guilds(here=True),
        )


async def open_connection(settings: DiscordSection, **options: object) -> DiscordConnection:
    """Log in to Discord and check the privileged intents before connecting.

    Raises:
        StartupRefused: If the token is missing or refused.
        MissingPrivilegedIntent: If the application lacks a privileged intent Steward needs.
    """
    token = settings.token()
    if token is None:
        raise StartupRefused(
            f"no Discord bot token: set the environment variable {settings.token_env} "
            "(or [discord] token_file) to the token from the Developer Portal > Bot"
        )
    point_at(settings.api_base, settings.gateway_url)
    client = build_client(settings, **options)
    try:
        await client.login(token.get_secret_value())
    except discord.LoginFailure as error:
        await client.close()
        raise StartupRefused(f"Discord refused the bot token: {error}") from error
    missing = disabled_privileged(client.application_flags, client.intents)
    if missing:
        await client.close()
        raise MissingPrivilegedIntent(missing)
    return DiscordConnection(client, automod=settings.automod, split=settings.split)


async def connect(loaded: LoadedConfig, clock: Clock) -> DiscordConnection:
    """Connect as ``[discord]`` says (the connector ``steward run`` uses).

    Discord stamps its own events, so ``clock`` is not needed here.

    Raises:
        ConfigError: If the Discord communities' ids are not guild ids.
    """
    problems = [
        ConfigProblem(
            loaded.source,
            f"communities.{key}.id",
            None,
            "a Discord community's id is its server (guild) id, a number",
        )
        for key, community in loaded.config.communities.items()
        if community.platform == "discord" and not community.id.isdigit()
    ]
    if problems:
        raise ConfigError(problems)
    return await open_connection(loaded.config.discord)
