"""The composition root: config, storage, bus, timers, cogs and platform gateways.

``App`` owns one bus, one timer wheel and one storage for the whole process, and one
:class:`~bot.runtime.CommunityRuntime` per configured community. Adapters hand events to
:meth:`App.ingest`; cogs answer through the community's gateway, wrapped so that every
action is audited.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.audited import AuditedGateway
from bot.channel_settings import resolve_named_settings
from bot.classifier import ModelLoader, configured_classifier
from bot.config import ConfigError, LoadedConfig
from bot.core.bus import EventBus
from bot.core.cog import CogSettings, Storage
from bot.core.commands import commands_of
from bot.core.community import CommunityInfo
from bot.core.events import Event, Tick
from bot.core.models import Member
from bot.core.protocols import Classifier, ClassifierSettings, Clock, Gateway, SeenEvent
from bot.core.refs import Ref
from bot.core.timers import TimerWheel
from bot.housekeeping import PLACE as HOUSEKEEPING
from bot.housekeeping import Housekeeping
from bot.member_data import member_data_holders
from bot.metrics import ProcessMetrics
from bot.registry import CogRegistry
from bot.runtime import BoundCommand, CommunityRuntime, Services
from bot.storage import SqliteStorage
from bot.system import SystemCommands
from cogs._discussion_store import DISCUSSION_MIGRATIONS
from cogs._modmail_store import MODMAIL_MIGRATIONS
from moderation.store import MIGRATIONS as MODERATION_MIGRATIONS

logger = logging.getLogger(__name__)


async def open_storage(path: Path | str, clock: Clock) -> SqliteStorage:
    """Open the database with every package's tables migrated (core, moderation, cogs)."""
    return await SqliteStorage.open(
        path,
        extra_sources=(*MODERATION_MIGRATIONS, DISCUSSION_MIGRATIONS, MODMAIL_MIGRATIONS),
        clock=clock,
    )


@dataclass(slots=True)
class ReloadReport:
    """What a reload did.

    Attributes:
        ok: Whether the new configuration is now in force everywhere.
        reloaded: Communities now running the new configuration.
        errors: Why the rest kept their old state.
        warnings: What runs but needs fixing (a channel the platform does not have).
    """

    ok: bool
    reloaded: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return one readable paragraph for a moderator."""
        notes = "".join(f"\n{w}" for w in self.warnings)
        if self.ok:
            return f"Reloaded: {', '.join(self.reloaded) or 'no communities'}.{notes}"
        kept = "Nothing changed; the previous configuration keeps running."
        if self.reloaded:
            kept = f"Reloaded {', '.join(self.reloaded)}; the others keep their previous state."
        return "Reload refused:\n" + "\n".join(self.errors) + "\n" + kept + notes


class App:
    """One Steward process.

    Args:
        loaded: The validated configuration.
        registry: Known cogs.
        storage: The storage backend, already opened and migrated.
        gateways: One gateway per platform name the configured communities use.
        clock: The clock (system or virtual).
        load_config: Reads the configuration again, for reloads; ``None`` disables them.
        bus: The event bus; built from the config when not given.
        classifier: A text classifier to use (the caller closes it). When ``None``, the
            app loads the model the ``[classifier]`` section names, if any, serves it to
            every community and closes it on :meth:`stop`.
        model_loader: Loads that model's directory (the ml extra's loader by default).

    Raises:
        ConfigError: If the configured model cannot be loaded.
    """

    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        registry: CogRegistry,
        storage: Storage,
        gateways: Mapping[str, Gateway],
        clock: Clock,
        load_config: Callable[[], LoadedConfig] | None = None,
        bus: EventBus | None = None,
        classifier: Classifier | None = None,
        model_loader: ModelLoader | None = None,
    ) -> None:
        settings = loaded.config.bus
        self.loaded = loaded
        # Which shards this process connected with decides which communities it runs.
        self._shards = loaded.config.discord
        self.registry = registry
        self.storage = storage
        self.clock = clock
        self.bus = bus or EventBus(
            workers=settings.workers,
            capacity=settings.capacity,
            handler_timeout=settings.handler_timeout,
        )
        self.timers = TimerWheel(self.bus, clock)
        self.metrics = ProcessMetrics()
        """What cogs count as they work, for ``/metrics``."""
        self.started_at = clock.now()
        self.runtimes: dict[str, CommunityRuntime] = {}
        self._by_ref: dict[Ref, str] = {}
        self._gateways = dict(gateways)
        self._load_config = load_config
        self.reload_hooks: list[Callable[[], Awaitable[None]]] = []
        """Called after each reload (adapters re-register commands and AutoMod rules)."""
        # One model in memory and one worker thread for every community of the process.
        self._own_classifier = (
            configured_classifier(loaded, model_loader) if classifier is None else None
        )
        scoring = loaded.config.classifier
        self._services = Services(
            bus=self.bus,
            clock=clock,
            timers=self.timers,
            storage=storage,
            classifier=self._own_classifier if classifier is None else classifier,
            classifier_settings=ClassifierSettings(
                timeout=scoring.timeout,
                on_timeout=scoring.on_timeout,
                unscored_reviews_per_hour=scoring.unscored_reviews_per_hour,
            ),
            meter=self.metrics,
        )
        self.housekeeping = Housekeeping(
            storage,
            clock,
            self.timers,
            # Members' words live in the SQLite tables; another backend brings its own.
            holders=member_data_holders(storage.db) if isinstance(storage, SqliteStorage) else [],
            communities=lambda: [runtime.community.ref for runtime in self.runtimes.values()],
            keep_texts_days=loaded.config.steward.keep_texts_days,
        )
        system = SystemCommands(self)
        self._system = {
            spec.name: BoundCommand(spec, system) for spec in commands_of(SystemCommands)
        }

    async def start(self) -> None:
        """Start the bus and every community's cogs."""
        self.started_at = self.clock.now()
        await self.bus.start()
        for key in self._run_here(self.loaded):
            await self._start_community(self.loaded, key)
        self.bus.subscribe(
            Tick, self.housekeeping.on_tick, community=HOUSEKEEPING, name="housekeeping"
        )
        self.housekeeping.arm()

    def _run_here(self, loaded: LoadedConfig) -> list[str]:
        """Return the keys of the communities this process runs (all, unless shards split)."""
        config = loaded.config
        return [k for k in config.communities if config.runs_here(k, self._shards)]

    @property
    def classifier(self) -> Classifier | None:
        """Return the text classifier every community shares, if there is one."""
        return self._services.classifier

    def is_staff(self, community: Ref, member: Member) -> bool:
        """Return whether a member moderates a community this app serves.

        Adapters ask before opening a form that only moderators should see.
        """
        key = self._by_ref.get(community)
        runtime = self.runtimes.get(key) if key is not None else None
        return runtime is not None and runtime.community.is_staff(member)

    async def stop(self) -> None:
        """Drain the bus, unload every cog and close the classifier the app loaded."""
        await self.bus.join()
        for runtime in self.runtimes.values():
            await runtime.stop()
        self.runtimes.clear()
        self._by_ref.clear()
        await self.bus.close()
        if self._own_classifier is not None:
            self._own_classifier.close()

    def serves(self, community: Ref) -> bool:
        """Return whether this process runs a community (adapters choose where a DM goes)."""
        return community in self._by_ref

    async def ingest(self, event: Event, *, dedupe: bool = False) -> bool:
        """Hand an event from an adapter to the bus.

        Args:
            event: The translated event.
            dedupe: Drop the event if its id was handled before (platforms that redeliver).

        Returns:
            Whether the event was published.
        """
        (published,) = await self.ingest_many([event], dedupe=dedupe)
        return published

    async def ingest_many(self, events: Sequence[Event], *, dedupe: bool = False) -> list[bool]:
        """Hand a burst of events from an adapter to the bus, in order.

        With ``dedupe``, the whole burst is looked up in the ledger at once: one wait for
        storage instead of one per event.

        Args:
            events: The translated events, in the order they came.
            dedupe: Drop each event whose id was handled before (platforms that redeliver).

        Returns:
            For each event, whether it was published.
        """
        fresh = [event.community in self._by_ref for event in events]
        for event, served in zip(events, fresh, strict=True):
            if not served:
                logger.debug("dropping %s for unserved community %s", event.kind, event.community)
        checked = [i for i, event in enumerate(events) if dedupe and fresh[i] and event.id]
        if checked:
            seen = [SeenEvent(events[i].community, events[i].id, events[i].at) for i in checked]
            for i, first in zip(
                checked, await self.storage.ledger.first_seen_many(seen), strict=True
            ):
                if not first:
                    logger.info("dropping redelivered %s %s", events[i].kind, events[i].id)
                fresh[i] = first
        await self.bus.publish_many(
            [event for event, publish in zip(events, fresh, strict=True) if publish]
        )
        return fresh

    async def reload(self, loaded: LoadedConfig | None = None) -> ReloadReport:
        """Apply a new configuration without restarting.

        An invalid configuration changes nothing. Communities whose new cogs fail to load
        keep their old cogs; the report says which and why.
        """
        if loaded is None:
            if self._load_config is None:
                return ReloadReport(
                    ok=False, errors=["this process cannot reload its configuration"]
                )
            try:
                loaded = self._load_config()
            except ConfigError as error:
                return ReloadReport(ok=False, errors=[str(p) for p in error.problems])
        report = ReloadReport(ok=True)
        self._warn_of_restart_only_changes(loaded)
        new_keys = self._run_here(loaded)
        for key in list(self.runtimes):
            if key not in new_keys:
                await self._stop_community(key)
        for key in new_keys:
            try:
                runtime = self.runtimes.get(key)
                if runtime is not None and runtime.community.ref == loaded.community(key).ref:
                    cogs = await self._resolved_cogs(loaded, key, report.warnings)
                    await runtime.reload(loaded.community(key), cogs)
                else:
                    # New, or moved to another platform id: events route by ref, so start afresh.
                    if runtime is not None:
                        await self._stop_community(key)
                    await self._start_community(loaded, key, report.warnings)
            except Exception as error:
                logger.exception("reload of %s failed", key)
                report.ok = False
                report.errors.append(f"{key}: {type(error).__name__}: {error}")
            else:
                report.reloaded.append(key)
        self.loaded = loaded
        self.housekeeping.keep_texts_days = loaded.config.steward.keep_texts_days
        await self._after_reload(report)
        return report

    def _warn_of_restart_only_changes(self, loaded: LoadedConfig) -> None:
        if loaded.config.classifier != self.loaded.config.classifier:
            logger.warning("the [classifier] section changed: it takes effect on a restart")
        if loaded.config.discord.shard_ids != self._shards.shard_ids:
            logger.warning("[discord] shard_ids changed: it takes effect on a restart")

    async def _after_reload(self, report: ReloadReport) -> None:
        for hook in self.reload_hooks:
            try:
                await hook()
            except Exception as error:
                logger.exception("a reload hook failed")
                report.errors.append(f"after reload: {type(error).__name__}: {error}")

    async def _stop_community(self, key: str) -> None:
        await self.runtimes.pop(key).stop()
        self._by_ref = {ref: k for ref, k in self._by_ref.items() if k != key}

    def _gateway_of(self, info: CommunityInfo) -> Gateway:
        platform = info.ref.platform
        if platform not in self._gateways:
            raise LookupError(
                f"community {info.key!r} is on {platform}, which this process does not connect to"
            )
        return self._gateways[platform]

    async def _resolved_cogs(
        self, loaded: LoadedConfig, key: str, warnings: list[str] | None = None
    ) -> dict[str, CogSettings]:
        """Return a community's cog settings with channel ids and role mentions for names."""
        info = loaded.community(key)
        resolved = await resolve_named_settings(
            loaded, info, loaded.cogs[key], self._gateway_of(info)
        )
        if warnings is not None:
            warnings.extend(str(problem) for problem in resolved.problems)
        return resolved.cogs

    async def _start_community(
        self, loaded: LoadedConfig, key: str, warnings: list[str] | None = None
    ) -> None:
        info = loaded.community(key)
        gateway = AuditedGateway(
            self._gateway_of(info),
            self.storage.audit,
            self.clock,
            self.bus.publish,
            counted=functools.partial(self.metrics.acted, key),
        )
        cogs = await self._resolved_cogs(loaded, key, warnings)
        runtime = CommunityRuntime(info, gateway, self._services, self.registry, self._system)
        await runtime.start(cogs)
        self.runtimes[key] = runtime
        self._by_ref[info.ref] = key
