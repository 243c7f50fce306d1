"""The cog base class: a community-switchable plugin of listeners and commands.

A cog declares what it listens to with :func:`listener` (and, to prepare for a burst of
events at once, :func:`burst_reader`) and what it offers moderators with
:func:`~bot.core.commands.command`; both stay platform-neutral. Its settings are a
pydantic model, validated from the community's ``[communities.<key>.cogs.<name>]`` table,
with defaults registered on the model. One instance runs per community that enables it,
built from a :class:`CogContext` that carries everything it may touch.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, cast

from pydantic import BaseModel, ConfigDict
from typing_extensions import TypeVar

from bot.core.actions import ActionResult, PostMessage, ReplyEphemeral
from bot.core.bus import Handler
from bot.core.clock import wall_clock
from bot.core.commands import CommandSpec, attribute_names, commands_of
from bot.core.community import CommunityInfo
from bot.core.events import ComponentClicked, Event
from bot.core.protocols import (
    NO_METER,
    AuditLogRepository,
    Classifier,
    ClassifierSettings,
    Clock,
    CogStateRepository,
    EventLedgerRepository,
    Gateway,
    HandoffRepository,
    Meter,
    Timers,
)
from bot.core.refs import Ref

LISTENER_ATTR = "__steward_listens_to__"
BURST_READER_ATTR = "__steward_reads_bursts_of__"


class CogSettings(BaseModel):
    """Base of a cog's settings; unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True

    def privacy_topics(self) -> frozenset[str]:
        """Return what more of members' data these settings have kept, as topics by name.

        A member's ``/privacy`` names each (see
        :attr:`~bot.core.community.CommunityInfo.privacy_topics`): a member can only ask
        for what they know is kept. None by default.
        """
        return frozenset()


class Storage(Protocol):
    """The repositories every storage backend provides to cogs."""

    @property
    def backend(self) -> str:
        """Return the backend's name (``"sqlite"``)."""
        ...

    @property
    def audit(self) -> AuditLogRepository:
        """Return the audit log."""
        ...

    @property
    def ledger(self) -> EventLedgerRepository:
        """Return the ledger of handled event ids."""
        ...

    @property
    def cog_state(self) -> CogStateRepository:
        """Return the per-cog key-value store."""
        ...

    @property
    def handoffs(self) -> HandoffRepository:
        """Return the events left between bot processes that split the shards."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CogContext:
    """Everything a cog instance may use; given to its constructor.

    Attributes:
        community: The community this instance serves.
        settings: The cog's validated settings (an instance of its ``Settings`` model).
        gateway: The platform connection for this community.
        clock: The clock (virtual in simulations).
        timers: Schedules ``Tick`` events for this cog.
        storage: The storage backend.
        publish: Puts a derived event on the bus.
        classifier: The text classifier, when one is configured.
        classifier_settings: How long to wait for its scores, and what to do without them.
        meter: Counts what the cog does for the process's metrics: how the classifier
            served the community's messages, rules' matches, moderators' decisions.
        detach: Runs ``handler(event)`` outside the bus's workers (see
            :meth:`~bot.core.bus.EventBus.detach`), for work that waits on something slow;
            ``None`` where there is no bus, and the cog awaits such work in place.
        log: A logger named after the cog.
        cogs: The names of the cogs this community runs (a cog may point staff to what
            another offers, such as modmail's ``/modmail open``).
    """

    community: CommunityInfo
    settings: CogSettings
    gateway: Gateway
    clock: Clock
    timers: Timers
    storage: Storage
    publish: Callable[[Event], Awaitable[None]]
    classifier: Classifier | None = None
    classifier_settings: ClassifierSettings = field(default_factory=ClassifierSettings)
    meter: Meter = NO_METER
    detach: Callable[[Handler, Event, str], None] | None = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("steward.cog"))
    cogs: frozenset[str] = frozenset()


def listener(*event_types: type[Event]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a cog method as the handler of one or more event types.

    Args:
        *event_types: The events to receive; subclasses are included.

    Returns:
        The decorator, which marks the method and otherwise leaves it unchanged.
    """
    return _marker(LISTENER_ATTR, "listener", event_types)


def burst_reader(*event_types: type[Event]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a plain cog method that sees each burst's events of some types at once.

    It runs before any event of the burst is handled (see
    :meth:`~bot.core.bus.EventBus.subscribe_bursts`), for work that costs less done for many
    events together; the listeners still get every event, with or without it.

    Args:
        *event_types: The events to read; subclasses are included.

    Returns:
        The decorator, which marks the method and otherwise leaves it unchanged.
    """
    return _marker(BURST_READER_ATTR, "burst_reader", event_types)


def _marker(
    attr: str, decorator: str, event_types: tuple[type[Event], ...]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return a decorator that marks a method with the event types it takes."""
    if not event_types:
        raise ValueError(f"{decorator}() needs at least one event type")

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        setattr(func, attr, event_types)
        return func

    return mark


SettingsT = TypeVar("SettingsT", bound=CogSettings, default=CogSettings)


class Cog(Generic[SettingsT]):
    """Base class of every cog.

    Subclasses set ``name`` (unique, lowercase), ``description`` and, when they have
    options, ``Settings``, naming the same model as the type argument
    (``class Welcome(Cog[WelcomeSettings])``) so that :attr:`settings` is typed.
    ``on_load`` and ``on_unload`` bracket the instance's life: schedule timers and
    restore state in the first, flush in the second.

    Args:
        ctx: What the cog may use.

    Raises:
        TypeError: If ``ctx.settings`` is not an instance of the cog's ``Settings``.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Settings: ClassVar[type[CogSettings]] = CogSettings
    enabled_by_default: ClassVar[bool] = False

    def __init__(self, ctx: CogContext) -> None:
        if not isinstance(ctx.settings, self.Settings):
            given = type(ctx.settings).__name__
            raise TypeError(f"cog {self.name!r} needs {self.Settings.__name__}, got {given}")
        self.ctx = ctx
        self.log = ctx.log

    @property
    def settings(self) -> SettingsT:
        """Return this instance's validated settings."""
        return cast(SettingsT, self.ctx.settings)

    def typed(self, path: str) -> str:
        """Return the command ``path`` as people type it here (``/steward review list``).

        Texts that tell someone which command to run must name what their platform has:
        on Slack every command runs under the app's one slash command.
        """
        paths = (spec.name for spec in self.commands())
        return self.ctx.gateway.capabilities.typed_command(path, paths=paths)

    def wall_clock(self, when: datetime, layout: str = "%Y-%m-%d %H:%M") -> str:
        """Return a time as this community's staff read their clocks, its zone named."""
        return wall_clock(when, self.ctx.community.timezone, layout)

    def channel(self, ident: str) -> Ref:
        """Return a ref to a channel of this cog's community by its platform id."""
        return Ref(self.ctx.community.ref.platform, ident)

    async def post(self, channel: str, content: str, *, reason: str = "") -> ActionResult:
        """Post a message in a channel of this community, given by its platform id."""
        return await self.ctx.gateway.apply(
            PostMessage(
                community=self.ctx.community.ref,
                channel=self.channel(channel),
                content=content,
                reason=reason,
            )
        )

    async def look_up_channels(self, names: Iterable[str]) -> dict[str, str | None] | None:
        """Return the platform's id of each channel name (``None`` for an unknown one).

        For names the cog reads from elsewhere than its settings (a library, a policy
        file); the app already resolved the settings. Returns ``None``, logged, when the
        platform cannot answer now.
        """
        wanted = sorted(set(names))
        if not wanted:
            return {}
        try:
            found = await self.ctx.gateway.resolve_channels(self.ctx.community.ref, wanted)
        except Exception:
            self.log.warning("cannot look up channels %s", ", ".join(wanted), exc_info=True)
            return None
        return {name: found.get(name) for name in wanted}

    async def answer_click(self, event: ComponentClicked, content: str) -> ActionResult:
        """Answer a button click so that only the member who clicked sees the answer."""
        return await self.ctx.gateway.apply(
            ReplyEphemeral(
                community=self.ctx.community.ref,
                interaction=event.interaction,
                channel=event.channel,
                member=event.author.ref,
                content=content,
            )
        )

    async def on_load(self) -> None:
        """Prepare the instance once it is wired to the bus (restore state, arm timers)."""

    async def on_unload(self) -> None:
        """Release what the instance holds before it is replaced or stopped."""

    @classmethod
    def listeners(cls) -> list[tuple[type[Event], str]]:
        """Return ``(event type, method name)`` for every declared listener."""
        return cls._marked(LISTENER_ATTR)

    @classmethod
    def burst_readers(cls) -> list[tuple[type[Event], str]]:
        """Return ``(event type, method name)`` for every declared burst reader."""
        return cls._marked(BURST_READER_ATTR)

    @classmethod
    def _marked(cls, mark: str) -> list[tuple[type[Event], str]]:
        found: list[tuple[type[Event], str]] = []
        for attr in attribute_names(cls):
            method = getattr(cls, attr, None)
            found.extend((event_type, attr) for event_type in getattr(method, mark, ()))
        return found

    def listens(self, method: str) -> bool:
        """Return whether this instance wants the listener ``method`` subscribed.

        Every declared listener is subscribed by default. A cog whose settings switch a
        feature off can say so here, so events it would ignore are not queued for it at
        all (on a busy community every message costs each listener a run).
        """
        return True

    @classmethod
    def commands(cls) -> list[CommandSpec]:
        """Return every declared command."""
        return commands_of(cls)
