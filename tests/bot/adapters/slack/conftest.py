"""Steward's real App, cogs and a SQLite file, connected through slack-bolt to the stand-in."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.connection import SlackConnection, connect
from bot.app import App, open_storage
from bot.config import parse_config
from bot.core.clock import SystemClock
from bot.registry import CogRegistry
from bot.standins.slack import SlackStandin, Workspace

TEAM = "T0STEWARD"
GENERAL, MODLOG = "CGENERAL", "CMODLOG"
ALICE, MONA, MILO = "U0ALICE", "U0MONA", "U0MILO"


@dataclass
class Steward:
    """One running Steward process, as far as the tests need to see it."""

    app: App
    connection: SlackConnection
    task: asyncio.Task[None]

    async def settle(self) -> None:
        """Wait until every event handed over so far was handled by the cogs."""
        await self.app.bus.join()


Start = Callable[..., Awaitable[Steward]]


def config_text(
    standin: SlackStandin,
    database: Path,
    mode: str,
    extra: str = "",
    *,
    staff: str = MODLOG,
    raid: str = GENERAL,
    modlog: str = MODLOG,
    message_log: str = "",
    welcome: bool = False,
) -> str:
    """Return the test configuration; the channel settings as given (names or ids)."""
    return (
        f"""
[steward]
database = "{database}"

[slack]
api_base = "{standin.api_base}"
mode = "{mode}"
port = 0

[communities.acme]
platform = "slack"
id = "{TEAM}"
name = "Acme"
moderator_roles = ["moderators"]
moderator_ids = ["{MILO}"]

[communities.acme.cogs.guidelines]
staff_channel = "{staff}"
raid_channels = ["{raid}"]

[communities.acme.cogs.modlog]
channel = "{modlog}"
message_log = "{message_log}"

[communities.acme.cogs.welcome]
enabled = {str(welcome).lower()}
"""
        + extra
    )


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandin]:
    workspace = Workspace(team_id=TEAM, name="Acme")
    workspace.add_user(ALICE, "alice")
    workspace.add_user(MONA, "mona")
    workspace.add_user(MILO, "milo")
    workspace.add_usergroup("moderators", (MONA,))
    members = (ALICE, MONA, MILO, workspace.admin.id)
    workspace.add_channel("general", members=members, channel_id=GENERAL)
    workspace.add_channel("mod-log", members=(MONA, MILO), channel_id=MODLOG)
    server = SlackStandin(workspace)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def start_steward(
    standin: SlackStandin,
    tmp_path: Path,
    registry: CogRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Start]:
    """Return a coroutine that starts Steward (again, on the same database if asked)."""
    running: list[tuple[Steward, object]] = []

    async def start(
        *,
        admin: bool = True,
        mode: str = "events",
        extra: str = "",
        **options: Any,
    ) -> Steward:
        """Start Steward; ``options`` go to :func:`config_text` (channels, ``welcome``)."""
        monkeypatch.setenv("STEWARD_SLACK_BOT_TOKEN", standin.bot_token)
        monkeypatch.setenv("STEWARD_SLACK_SIGNING_SECRET", standin.signing_secret)
        monkeypatch.setenv("STEWARD_SLACK_APP_TOKEN", standin.app_token)
        if admin:
            monkeypatch.setenv("STEWARD_SLACK_USER_TOKEN", standin.user_token)
        else:
            monkeypatch.delenv("STEWARD_SLACK_USER_TOKEN", raising=False)
        text = config_text(standin, tmp_path / "steward.db", mode, extra, **options)
        loaded = parse_config(text, registry)
        clock = SystemClock()
        storage = await open_storage(tmp_path / "steward.db", clock)
        connection = await connect(loaded, clock)
        app = App(
            loaded,
            registry=registry,
            storage=storage,
            clock=clock,
            gateways={"slack": connection.gateway},
        )
        await app.start()
        task = asyncio.create_task(connection.run(app))
        async with asyncio.timeout(5):
            await connection.ready.wait()
        standin.events_url = connection.url
        steward = Steward(app, connection, task)
        running.append((steward, storage))
        return steward

    yield start
    for steward, storage in running:
        await stop(steward)
        await storage.close()  # type: ignore[attr-defined]


async def stop(steward: Steward) -> None:
    """Stop a Steward process (idempotent)."""
    if not steward.task.done():
        steward.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await steward.task
        await steward.app.stop()
