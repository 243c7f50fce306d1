"""Run one community's cogs: build them, wire them to the bus, route their commands.

A :class:`CommunityRuntime` owns the cog instances of one community. Reloading builds
the new instances first and swaps them in only when every one of them was built and
loaded; if anything fails, the old instances keep running and the error is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.bus import BurstSubscription, EventBus, Subscription
from bot.core.cog import Cog, CogContext, CogSettings, Storage
from bot.core.command_replies import command_reply
from bot.core.commands import CommandContext, CommandError, CommandSpec, parse_options
from bot.core.community import CommunityInfo, Permission
from bot.core.events import CommandInvoked
from bot.core.protocols import (
    NO_METER,
    Classifier,
    ClassifierSettings,
    Clock,
    Gateway,
    Meter,
    Timers,
)
from bot.registry import CogRegistry

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BoundCommand:
    """A command spec and the object whose method runs it."""

    spec: CommandSpec
    owner: object

    async def run(self, ctx: CommandContext, options: Mapping[str, Any]) -> None:
        """Call the handler with the parsed options."""
        handler: Callable[..., Awaitable[None]] = getattr(self.owner, self.spec.method)
        await handler(ctx, **options)


@dataclass(slots=True)
class _Loaded:
    cogs: dict[str, Cog] = field(default_factory=dict)
    subscriptions: list[Subscription | BurstSubscription] = field(default_factory=list)
    commands: dict[str, BoundCommand] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    """What every cog of a process shares; the runtime adds the per-community parts."""

    bus: EventBus
    clock: Clock
    timers: Timers
    storage: Storage
    classifier: Classifier | None = None
    classifier_settings: ClassifierSettings = field(default_factory=ClassifierSettings)
    meter: Meter = NO_METER


class CommunityRuntime:
    """The live cogs and commands of one community.

    Args:
        community: The community.
        gateway: Its platform connection.
        services: Shared services.
        registry: Known cogs.
        system_commands: Commands every community has (help, reload, status), bound.
    """

    def __init__(
        self,
        community: CommunityInfo,
        gateway: Gateway,
        services: Services,
        registry: CogRegistry,
        system_commands: Mapping[str, BoundCommand] = {},
    ) -> None:
        self.community = community
        self.gateway = gateway
        self._services = services
        self._registry = registry
        self._system = dict(system_commands)
        self._loaded = _Loaded()
        self._router: Subscription | None = None

    @property
    def cogs(self) -> Mapping[str, Cog]:
        """Return the running cog instances by name."""
        return self._loaded.cogs

    @property
    def commands(self) -> Mapping[str, BoundCommand]:
        """Return every command this community answers, by name."""
        return {**self._system, **self._loaded.commands}

    async def start(self, settings: Mapping[str, CogSettings]) -> None:
        """Build and load the enabled cogs, then start routing commands.

        Raises:
            Exception: Whatever a cog raised while loading; nothing is left running.
        """
        self._loaded = await self._build(self.community, settings)
        self._router = self._services.bus.subscribe(
            CommandInvoked,
            self._route,
            community=self.community.ref,
            name=f"commands:{self.community.key}",
        )

    async def reload(self, community: CommunityInfo, settings: Mapping[str, CogSettings]) -> None:
        """Replace every cog instance with one built from new settings.

        The new instances are built and loaded first; only then are the old ones
        unsubscribed and unloaded. On failure the old ones keep running.

        Raises:
            Exception: Whatever a new cog raised while loading.
        """
        fresh = await self._build(community, settings)
        old, self._loaded, self.community = self._loaded, fresh, community
        await self._teardown(old)

    async def stop(self) -> None:
        """Unload every cog and stop routing commands."""
        if self._router is not None:
            self._services.bus.unsubscribe(self._router)
            self._router = None
        await self._teardown(self._loaded)
        self._loaded = _Loaded()

    async def _build(
        self, community: CommunityInfo, settings: Mapping[str, CogSettings]
    ) -> _Loaded:
        loaded = _Loaded()
        bus = self._services.bus
        try:
            for name, cog_settings in settings.items():
                entry = self._registry.get(name)
                if entry is None:
                    raise LookupError(f"unknown cog {name!r}")
                cog = entry.cls(self._context(community, name, cog_settings, frozenset(settings)))
                await cog.on_load()
                loaded.cogs[name] = cog
                for spec in cog.commands():
                    if spec.name in loaded.commands or spec.name in self._system:
                        raise ValueError(f"command /{spec.name} of cog {name!r} is declared twice")
                    loaded.commands[spec.name] = BoundCommand(spec, cog)
        except BaseException:
            await self._teardown(loaded)
            raise
        for name, cog in loaded.cogs.items():
            wanted = [
                (bus.subscribe, event_type, method)
                for event_type, method in cog.listeners()
                if cog.listens(method)
            ] + [
                (bus.subscribe_bursts, event_type, method)
                for event_type, method in cog.burst_readers()
            ]
            for subscribe, event_type, method in wanted:
                loaded.subscriptions.append(
                    subscribe(
                        event_type,
                        getattr(cog, method),
                        community=community.ref,
                        name=f"{name}.{method}",
                    )
                )
        return loaded

    def _context(
        self,
        community: CommunityInfo,
        name: str,
        settings: CogSettings,
        cogs: frozenset[str],
    ) -> CogContext:
        return CogContext(
            community=community,
            settings=settings,
            gateway=self.gateway,
            clock=self._services.clock,
            timers=self._services.timers,
            storage=self._services.storage,
            publish=self._services.bus.publish,
            classifier=self._services.classifier,
            classifier_settings=self._services.classifier_settings,
            meter=self._services.meter,
            detach=self._services.bus.detach,
            log=logging.getLogger(f"steward.cogs.{name}"),
            cogs=cogs,
        )

    async def _teardown(self, loaded: _Loaded) -> None:
        for sub in loaded.subscriptions:
            self._services.bus.unsubscribe(sub)
        for name, cog in loaded.cogs.items():
            try:
                await cog.on_unload()
            except Exception:
                logger.exception("cog %s failed to unload in %s", name, self.community.key)

    def typed(self, name: str) -> str:
        """Return the command ``name`` as members type it here (``/steward warn`` on Slack)."""
        return self.gateway.capabilities.typed_command(name, paths=self.commands)

    async def _route(self, event: CommandInvoked) -> None:
        bound = self.commands.get(event.name)
        permission = self.community.permission_of(event.author)
        ctx = CommandContext(
            invocation=event, community=self.community, gateway=self.gateway, permission=permission
        )
        lang, typed = event.author.lang, self.typed(event.name)

        def reply(name: str, **values: str) -> str:
            return command_reply(name, lang, self.community.language, command=typed, **values)

        if bound is None:
            await ctx.reply(reply("no_command", help=self.typed("help")))
            return
        needed = bound.spec.permission
        if permission < needed:
            only = "admins_only" if needed is Permission.ADMIN else "moderators_only"
            await ctx.reply(reply(only))
            return
        try:
            options = await parse_options(
                bound.spec,
                event.options,
                platform=self.community.ref.platform,
                find_member=lambda ref: self.gateway.fetch_member(self.community.ref, ref),
                find_channel=lambda ref: self.gateway.fetch_channel(self.community.ref, ref),
                typed=typed,
            )
            await bound.run(ctx, options)
        except CommandError as error:
            await ctx.reply(str(error))
        except Exception:
            logger.exception("command /%s failed in %s", event.name, self.community.key)
            await ctx.reply(reply("failed"))
