"""Run a local community on a virtual clock: the engine of simulate, demo, console and bench.

A :class:`LocalSession` composes the real app (config, storage, bus, cogs) with the local
platform and a virtual clock. Events are delivered one at a time through a single bus
worker and the clock moves only when told to, so the same scenario always yields the same
actions, and a scripted month takes as long as the CPU needs, not a month.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.local.community import LocalCommunity, PostRefused
from bot.adapters.local.driver import LocalDriver, member_from
from bot.adapters.local.gateway import Applied, LocalPlatform
from bot.adapters.local.scenario import (
    AdvanceLine,
    ByHandLine,
    ClickLine,
    CommandLine,
    CommunityLine,
    DeleteLine,
    DmLine,
    EditLine,
    EventLine,
    JoinLine,
    LeaveLine,
    MemberSpec,
    MessageLine,
    ReactionLine,
    RenameLine,
    ScenarioError,
    event_time,
    parse_community,
    read_events,
)
from bot.app import App, open_storage
from bot.config import Config, LoadedConfig, parse_config
from bot.core.bus import EventBus
from bot.core.clock import VirtualClock, as_utc
from bot.core.merge import merge
from bot.core.models import Member
from bot.core.protocols import Classifier
from bot.core.refs import Ref
from bot.core.valid_text import valid_text
from bot.registry import CogRegistry
from bot.storage.sqlite import SqliteStorage
from moderation.review_cards import card_target
from moderation.store import store_for

_TOP_LEVEL = set(Config.model_fields) - {"communities"}


def community_overrides(community: CommunityLine) -> dict[str, Any]:
    """Turn a scenario's community line into config overrides.

    Keys of ``config`` that name a top-level section (``bus``, ``steward``...) override
    that section; every other key overrides the community's own table.
    """
    top = {k: v for k, v in community.config.items() if k in _TOP_LEVEL}
    own = {k: v for k, v in community.config.items() if k not in _TOP_LEVEL}
    own = merge(own, {"platform": "local", "id": community.name})
    return {**top, "communities": {community.name: own}}


def load_for_scenario(
    community: CommunityLine,
    registry: CogRegistry,
    config_text: str = "",
    source: str = "<defaults>",
    *,
    others: Sequence[CommunityLine] = (),
) -> LoadedConfig:
    """Validate the config a scenario runs with: the file plus overrides, these communities only.

    Args:
        community: The scenario's community.
        registry: Known cogs.
        config_text: The TOML config to start from.
        source: Its name, for error messages.
        others: More local communities served by the same process (a shared staff space).

    Raises:
        bot.config.ConfigError: If the merged configuration is invalid.
    """
    overrides: dict[str, Any] = {}
    for line in (community, *others):
        overrides = merge(overrides, community_overrides(line))
    loaded = parse_config(config_text, registry, source=source, overrides=overrides)
    names = [line.name for line in (community, *others)]
    config = loaded.config.model_copy(
        update={"communities": {name: loaded.config.communities[name] for name in names}}
    )
    cogs = {name: loaded.cogs[name] for name in names}
    return LoadedConfig(config=config, cogs=cogs, source=loaded.source)


def action_record(applied: Applied) -> dict[str, Any]:
    """Describe an applied action as one JSON-compatible object (the ``simulate`` output).

    Refs become their local ids, which are the scenario's names and message ids;
    durations become seconds. Empty optional fields are left out.
    """
    action = applied.action
    record: dict[str, Any] = {"at": iso_time(applied.at), "action": action.kind}
    for spec in fields(action):
        if spec.name in {"community", "actor", "reason", "rule", "case"}:
            continue
        value = _plain(getattr(action, spec.name))
        if value not in (None, "", (), []):
            record[spec.name] = value
    if applied.result.ref is not None:
        record["created"] = applied.result.ref.id
    if action.actor != "bot":
        record["actor"] = Ref.parse(action.actor).id if ":" in action.actor else action.actor
    for key in ("reason", "rule", "case"):
        value = getattr(action, key)
        if value:
            record[key] = value
    if not applied.result.ok:
        record["ok"] = False
        record["error"] = applied.result.error
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, Ref):
        return value.id
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):  # a button: its empty fields left out too
        plain = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        return {k: v for k, v in plain.items() if v not in (None, "", [])}
    return value


def iso_time(when: datetime) -> str:
    """Write a time as the ``simulate`` output does (``2026-03-02T09:00:00Z``)."""
    return as_utc(when).isoformat().replace("+00:00", "Z")


class LocalSession:
    """The app serving a local community (and any others of the same process) on a virtual clock.

    Use :meth:`open`; call :meth:`close` when done. :attr:`driver` acts in the first
    community; :attr:`drivers` holds one driver per community, by name.
    """

    def __init__(
        self,
        *,
        app: App,
        platform: LocalPlatform,
        community: LocalCommunity,
        drivers: dict[str, LocalDriver],
        clock: VirtualClock,
        storage: SqliteStorage,
        scratch: tempfile.TemporaryDirectory[str] | None,
        database: Path,
        rebuild: Callable[[SqliteStorage], App],
    ) -> None:
        self.app = app
        self.platform = platform
        self.community = community
        self.drivers = drivers
        self.clock = clock
        self._storage = storage
        self._scratch = scratch
        self._database = database
        self._rebuild = rebuild

    @classmethod
    async def open(
        cls,
        line: CommunityLine,
        loaded: LoadedConfig,
        registry: CogRegistry,
        *,
        start: datetime,
        database: Path | None = None,
        workers: int = 1,
        reload: Callable[[], LoadedConfig] | None = None,
        classifier: Classifier | None = None,
        others: Sequence[CommunityLine] = (),
    ) -> LocalSession:
        """Build the communities, open storage, start the app.

        Args:
            line: The scenario's community line.
            loaded: The validated config (see :func:`load_for_scenario`).
            registry: Known cogs.
            start: Where the virtual clock starts.
            database: The SQLite file to use; a temporary one when ``None``.
            workers: Bus workers; one keeps the output deterministic.
            reload: Reads the configuration again for ``/steward reload`` and SIGHUP.
            classifier: The text classifier for ``classifier`` rules; when ``None``, the
                app loads the model the configuration names, if any.
            others: More communities on the same local platform (``loaded`` must hold
                them too: see :func:`load_for_scenario`).

        Raises:
            bot.config.ConfigError: If the configured model cannot be loaded.
        """
        clock = VirtualClock(start)
        scratch = None
        if database is None:
            scratch = tempfile.TemporaryDirectory(prefix="steward-sim-")
            database = Path(scratch.name) / "steward.db"
        storage = await open_storage(database, clock)
        platform = LocalPlatform(clock)
        places = [_community(each, clock.now()) for each in (line, *others)]
        for place in places:
            platform.add_community(place)

        def build(opened: SqliteStorage) -> App:
            settings = loaded.config.bus
            bus = EventBus(
                workers=workers,
                capacity=settings.capacity,
                handler_timeout=settings.handler_timeout,
            )
            return App(
                loaded,
                registry=registry,
                storage=opened,
                gateways={"local": platform},
                clock=clock,
                bus=bus,
                load_config=reload,
                classifier=classifier,
            )

        try:
            app = build(storage)
        except BaseException:  # the configured model could not load: leave nothing open
            await storage.close()
            if scratch is not None:
                scratch.cleanup()
            raise
        try:
            await app.start()
        except BaseException:  # a cog refused to load: stop what started, leave nothing open
            await app.stop()
            await storage.close()
            if scratch is not None:
                scratch.cleanup()
            raise
        drivers = {
            place.name: LocalDriver(
                platform, place, loaded.community(place.name), clock, app.ingest
            )
            for place in places
        }
        return cls(
            app=app,
            platform=platform,
            community=places[0],
            drivers=drivers,
            clock=clock,
            storage=storage,
            scratch=scratch,
            database=database,
            rebuild=build,
        )

    async def restart(self) -> None:
        """Stop the bot and start it again on the same database, as a redeploy would.

        The platform carries on meanwhile: its members, messages and the buttons on the
        bot's posts stay, as they do on Discord and Slack.
        """
        await self.app.stop()
        await self._storage.close()
        self._storage = await open_storage(self._database, self.clock)
        self.app = self._rebuild(self._storage)
        await self.app.start()
        self.drivers = {
            name: LocalDriver(self.platform, old.community, old.info, self.clock, self.app.ingest)
            for name, old in self.drivers.items()
        }

    @property
    def driver(self) -> LocalDriver:
        """Return the driver of the first community (the scenario's)."""
        return self.drivers[self.community.name]

    async def close(self) -> None:
        """Stop the app and release storage."""
        await self.app.stop()
        await self._storage.close()
        if self._scratch is not None:
            self._scratch.cleanup()

    async def advance(self, to: datetime) -> None:
        """Move the clock, firing due timers in order, and wait for what they caused."""
        if as_utc(to) > self.clock.now():
            await self.app.timers.advance(self.clock, to)
        await self.app.bus.join()

    async def play(self, line: EventLine) -> str | None:
        """Play one scenario event at its time and wait for everything it caused.

        Returns:
            Why the platform refused the event, or ``None`` when it happened.
        """
        await self.advance(event_time(line))
        try:
            await self._dispatch(line)
        except PostRefused as refusal:
            return str(refusal)
        finally:
            await self.app.bus.join()
        return None

    async def _dispatch(self, line: EventLine) -> None:
        driver = self.driver
        match line:
            case MessageLine():
                await driver.say(
                    line.author,
                    line.channel,
                    line.content,
                    message_id=line.id,
                    reply_to=line.reply_to,
                    attachments=tuple(line.attachments),
                    thread=line.thread,
                )
            case EditLine():
                await driver.edit(line.id, line.content)
            case DeleteLine():
                await driver.delete(line.id, by=line.by)
            case JoinLine():
                await driver.join(_member(line.member, line.at))
            case LeaveLine():
                await driver.leave(line.member)
            case ReactionLine():
                await driver.react(line.author, line.message, line.emoji)
            case CommandLine():
                await driver.command(line.author, line.channel, line.name, line.options)
            case ClickLine():
                target = await self._card_of(line.target)
                await driver.click(line.author, target, line.choice, reason=line.reason)
            case DmLine():
                await driver.direct_message(
                    line.author, line.content, attachments=tuple(line.attachments)
                )
            case ByHandLine():
                await driver.by_hand(
                    line.moderator,
                    line.action,
                    line.member,
                    reason=line.reason,
                    duration=line.duration,
                )
            case RenameLine():
                await driver.rename(line.member, line.display_name)
            case AdvanceLine():
                pass  # the clock already moved to line.to

    async def _card_of(self, target: str) -> str:
        """Return the target of the review card about a member's message, given its id.

        A scenario clicks a card by the message it is about; a target that names no
        reviewed message is returned as it is (``review:3``, another cog's button).
        """
        if target in self.platform.buttons:
            return target
        items = await store_for(self._storage).reviews.about_message(
            self.community.ref, Ref(self.community.ref.platform, target)
        )
        carded = [item for item in items if item.card is not None]
        # The card still waiting for a decision first, else the latest one.
        waiting = [item for item in carded if item.waiting]
        chosen = (waiting or carded)[-1:] if carded else []
        return card_target(chosen[0].id) if chosen else target


def _community(line: CommunityLine, now: datetime) -> LocalCommunity:
    place = LocalCommunity(line.name)
    for channel in line.channels:
        place.add_channel(channel)
    for spec in line.members:
        place.add_member(_member(spec, now))
    return place


def _member(spec: MemberSpec, now: datetime) -> Member:
    joined = as_utc(spec.joined) if spec.joined else now
    created = as_utc(spec.account_created) if spec.account_created else None
    return member_from(
        spec.name,
        roles=spec.roles,
        display_name=spec.display_name,
        joined=joined,
        account_created=created,
        lang=spec.lang,
        bot=spec.bot,
        owner=spec.owner,
        avatar=spec.avatar,
    )


@dataclass(frozen=True, slots=True)
class Refusal:
    """An input event the platform refused (a timed-out member posting, say)."""

    line: int
    reason: str


async def simulate(
    lines: Iterable[str],
    registry: CogRegistry,
    *,
    config_text: str = "",
    config_source: str = "<defaults>",
    on_action: Callable[[dict[str, Any]], None],
    on_refusal: Callable[[Refusal], None] = lambda _: None,
    on_event: Callable[[int, EventLine], None] = lambda _n, _e: None,
    database: Path | None = None,
) -> int:
    """Replay a scenario, reporting every action the bot takes as it takes it.

    Args:
        lines: The scenario, one JSON object per line.
        registry: Known cogs.
        config_text: The TOML config to start from (empty: defaults).
        config_source: Its name, for error messages.
        on_action: Receives each action as a ``simulate`` output record.
        on_refusal: Receives each input event the platform refused.
        on_event: Receives each input event before it is played (for transcripts).
        database: A SQLite file to keep; a temporary one when ``None``.

    Returns:
        How many events were played.

    Raises:
        ScenarioError: If the scenario is malformed.
        bot.config.ConfigError: If the config or the scenario's overrides are invalid.
    """
    iterator = iter(lines)
    number, first = _first_line(iterator)
    community = parse_community(first, number)
    loaded = load_for_scenario(community, registry, config_text, config_source)
    events = read_events(iterator, first_line=number + 1)
    pending = next(events, None)
    start = community.start or (event_time(pending[1]) if pending else datetime.now(UTC))
    session = await LocalSession.open(
        community, loaded, registry, start=as_utc(start), database=database
    )
    session.platform.observe(lambda applied: on_action(action_record(applied)))
    played = 0
    try:
        while pending is not None:
            number, line = pending
            await session.advance(event_time(line))  # timers due before the event fire first
            on_event(number, line)
            refusal = await session.play(line)
            if refusal is not None:
                on_refusal(Refusal(number, refusal))
            played += 1
            pending = next(events, None)
    finally:
        await session.close()
    return played


def _first_line(lines: Iterator[str]) -> tuple[int, str]:
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if text and not text.startswith("//"):
            return number, text
    raise ScenarioError("line 1: the scenario is empty")


def write_json_line(out: TextIO) -> Callable[[Mapping[str, Any]], None]:
    """Return a callback that writes each record as a JSON line to ``out``."""

    def write(record: Mapping[str, Any]) -> None:
        # A lone surrogate a scenario wrote could not be printed: U+FFFD stands in.
        out.write(valid_text(json.dumps(record, ensure_ascii=False, sort_keys=False)) + "\n")

    return write
