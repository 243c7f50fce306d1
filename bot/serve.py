"""Serve the configured communities until stopped: ``steward run``.

Platform connections plug in through :data:`CONNECTORS`, keyed by platform name; the
Discord and Slack adapters register theirs. The local platform has no network side, so a
configuration with only local communities is pointed at ``steward console`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import importlib.util
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Protocol

from bot.app import App, open_storage
from bot.config import (
    ConfigError,
    ConfigProblem,
    LoadedConfig,
    host_and_port,
    load_config,
    locate_in,
    with_shard_ids,
)
from bot.core.clock import SystemClock
from bot.core.protocols import Clock, Gateway
from bot.gc_tuning import settle_after_start
from bot.native import build_summary
from bot.registry import CogRegistry
from bot.status_server import StatusServer

logger = logging.getLogger(__name__)


class Connection(Protocol):
    """A live connection to one platform."""

    @property
    def gateway(self) -> Gateway:
        """Return the gateway that applies actions on this platform."""
        ...

    async def run(self, app: App) -> None:
        """Receive events and hand them to ``app.ingest`` until cancelled."""
        ...

    async def connected(self) -> bool:
        """Return whether events can arrive from the platform now (for ``/healthz``)."""
        ...

    async def close(self) -> None:
        """Let go of the platform (its sockets and sessions); closing twice does nothing."""
        ...


class StartupRefused(Exception):
    """A platform refused to let Steward start; the message says what to change."""


Connector = Callable[[LoadedConfig, Clock], Awaitable[Connection]]


async def _connect_discord(loaded: LoadedConfig, clock: Clock) -> Connection:
    # Imported only when a Discord community is configured: discord.py is an extra.
    from bot.adapters.discord.connection import connect  # noqa: PLC0415

    return await connect(loaded, clock)


async def _connect_slack(loaded: LoadedConfig, clock: Clock) -> Connection:
    # Imported on use: Steward without the slack extra still runs everything else.
    from bot.adapters.slack.connection import connect  # noqa: PLC0415

    return await connect(loaded, clock)


CONNECTORS: dict[str, Connector] = {
    platform: connector
    for platform, sdk, connector in (
        ("discord", "discord", _connect_discord),
        ("slack", "slack_bolt", _connect_slack),
    )
    # Without its extra a platform is missing, and `steward run` says which extra to install.
    if importlib.util.find_spec(sdk) is not None
}
"""Platform name to a coroutine that connects to it, for the platforms whose SDK is installed."""


def pid_file(database: Path, shard_ids: Sequence[int] = ()) -> Path:
    """Return where a running ``steward run`` records its process id.

    Processes that split the shards share the database; each names its own shards.
    """
    shards = "".join(f".shard-{i}" for i in sorted(shard_ids))
    return database.with_name(f"{database.name}{shards}.pid")


def signal_reload(database: Path) -> list[int]:
    """Send SIGHUP to every ``steward run`` that uses ``database``.

    Returns:
        The process ids signalled.

    Raises:
        LookupError: If no running process is recorded.
    """
    signalled, problems = [], []
    name = glob.escape(database.name)
    recorded = [*database.parent.glob(f"{name}.pid"), *database.parent.glob(f"{name}.shard-*.pid")]
    for path in sorted(recorded):
        try:
            pid = int(path.read_text(encoding="utf-8").strip())
            os.kill(pid, signal.SIGHUP)
        except (OSError, ValueError) as error:
            problems.append(f"{path}: {error}")
        else:
            signalled.append(pid)
    if not signalled:
        found = "; ".join(problems) or f"no {pid_file(database)}"
        raise LookupError(f"no running steward for {database} ({found})")
    return signalled


def install_reload_signal(app: App) -> None:
    """Reload the configuration whenever the process receives SIGHUP."""
    loop = asyncio.get_running_loop()

    def on_hangup() -> None:
        task = loop.create_task(_reload(app))
        _background.add(task)
        task.add_done_callback(_background.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hangup)


_background: set[asyncio.Task[None]] = set()


async def _reload(app: App) -> None:
    report = await app.reload()
    log = logger.info if report.ok else logger.error
    log("SIGHUP reload: %s", report.summary())


def _reread(file: Path, registry: CogRegistry, shard_ids: Sequence[int] | None) -> LoadedConfig:
    """Read the configuration again for a reload, keeping the shards given at start."""
    loaded = load_config(file, registry)
    return loaded if shard_ids is None else with_shard_ids(loaded, shard_ids)


def _connectors(loaded: LoadedConfig) -> dict[str, Connector]:
    platforms = {c.platform for c in loaded.config.communities.values()}
    problems = []
    if not platforms:
        problems.append(
            ConfigProblem(loaded.source, "communities", None, "no community is configured")
        )
    problems.extend(
        ConfigProblem(
            loaded.source,
            f"communities.{key}.platform",
            locate_in(loaded, ("communities", key, "platform")),
            "local communities have no network side; run them with `steward console` or `simulate`",
        )
        for key, community in loaded.config.communities.items()
        if community.platform == "local"
    )
    problems.extend(
        ConfigProblem(
            loaded.source,
            "communities",
            None,
            f"no {name} adapter is installed: pip install 'steward[{name}]'",
        )
        for name in sorted(platforms - {"local"} - set(CONNECTORS))
    )
    # Where processes split Discord's shards, each connects only where its communities are:
    # a Slack connection in every process would take Slack's events away from the one
    # that runs those communities.
    config = loaded.config
    here = {c.platform for key, c in config.communities.items() if config.runs_here(key)}
    if "discord" in platforms and config.discord.runs_elsewhere:
        here.add("discord")  # shard 0 takes every DM, even with no guild of its own
    if platforms and not here:
        problems.append(
            ConfigProblem(
                loaded.source,
                "discord.shard_ids",
                locate_in(loaded, ("discord", "shard_ids")),
                f"no configured community is on shards {config.discord.shard_ids}: "
                "this process would have nothing to run",
            )
        )
    if problems:
        raise ConfigError(problems)
    return {name: CONNECTORS[name] for name in here - {"local"}}


async def serve(
    loaded: LoadedConfig,
    registry: CogRegistry,
    config_file: Path | None,
    *,
    shard_ids: Sequence[int] | None = None,
    status_address: str | None = None,
) -> None:
    """Connect, start the cogs, and run until SIGINT or SIGTERM.

    Args:
        loaded: The configuration.
        registry: The known cogs.
        config_file: Where a reload reads the configuration again.
        shard_ids: The Discord shards this process runs, over the configuration's.
        status_address: Where to serve ``/healthz`` and ``/metrics`` (``HOST:PORT``),
            over the configuration's ``status_address``; empty serves them nowhere.

    Raises:
        ConfigError: If no configured community can be served.
    """
    if shard_ids is not None:
        loaded = with_shard_ids(loaded, shard_ids)
    connectors = _connectors(loaded)
    clock = SystemClock()
    database = loaded.config.steward.database
    # Connect first: a refused login or intent must not leave the database open.
    connections = {name: await connect(loaded, clock) for name, connect in connectors.items()}
    storage = await open_storage(database, clock)
    reload = (lambda: _reread(config_file, registry, shard_ids)) if config_file else None
    app = App(
        loaded,
        registry=registry,
        storage=storage,
        clock=clock,
        load_config=reload,
        gateways={name: c.gateway for name, c in connections.items()},
    )
    pid = pid_file(database, loaded.config.discord.shard_ids)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.start()
    install_reload_signal(app)
    pid.write_text(str(os.getpid()), encoding="utf-8")
    platforms = [
        asyncio.create_task(c.run(app), name=f"platform:{n}") for n, c in connections.items()
    ]
    for task in platforms:
        # A platform that stops (a refused intent, a revoked token) stops the process.
        task.add_done_callback(lambda _: stop.set())
    tasks = [asyncio.create_task(app.timers.run(), name="timers"), *platforms]
    address = loaded.config.steward.status_address if status_address is None else status_address
    status = StatusServer(app, connections, *host_and_port(address)) if address else None
    settle_after_start()
    logger.info("started (%s)", build_summary())
    try:
        if status is not None:
            try:
                await status.start()
            except OSError as refused:  # the port is taken, or the host is not this machine's
                raise StartupRefused(
                    f"cannot serve /healthz and /metrics on {address}: "
                    f"{refused.strerror or refused}; choose another status_address "
                    "(or --status-address)"
                ) from refused
        await stop.wait()
    finally:
        if status is not None:
            await status.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # A platform's task cancelled before it ran never reached its own clean-up.
        for connection in connections.values():
            await connection.close()
        await app.stop()
        await storage.close()
        with contextlib.suppress(OSError):
            pid.unlink()
    for task in platforms:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error
