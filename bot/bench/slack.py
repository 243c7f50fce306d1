"""The ``slack`` benchmark case: signed events per second through bolt into Steward.

The stand-in Slack signs and posts Events API callbacks to Steward's bolt listener,
which verifies each signature, translates the event, records its id in the ledger and
hands it to the cogs; the figure counts until every cog has handled every event. The
stand-in runs in the same process and on the same cores, so the figures are a floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.bench import BenchOptions, BenchResult, case

if TYPE_CHECKING:
    from bot.standins.slack import Workspace

_IN_FLIGHT = 16  # concurrent deliveries, as Slack sends them
_TEAM, _GENERAL, _MODLOG = "T0BENCH", "CBENCHGEN", "CBENCHLOG"
_CONFIG = """
[steward]
database = "{database}"
[slack]
api_base = "{api_base}"
port = 0
[communities.bench]
platform = "slack"
id = "{team}"
[communities.bench.cogs.guidelines]
staff_channel = "{modlog}"
raid_channels = []
[communities.bench.cogs.modlog]
channel = "{modlog}"
[communities.bench.cogs.welcome]
enabled = false
"""


@case("slack")
async def slack_throughput(options: BenchOptions) -> list[BenchResult]:
    """Measure signed Events API deliveries per second, end to end through bolt."""
    if importlib.util.find_spec("slack_bolt") is None:
        return [BenchResult("slack", 0, "skipped", "the slack extra is not installed")]
    chat = 300 if options.quick else 3000
    spam = 50 if options.quick else 500
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as scratch:
        return await _measure(options, Path(scratch) / "bench.db", chat, spam)


def _workspace(workspace: Workspace, members: list[str]) -> Workspace:
    """Fill the bench's workspace: its members, #general, #mod-log and the greeting's channels."""
    for user in members:
        workspace.add_user(user, user.lower())
    workspace.add_channel("general", members=(*members, workspace.admin.id), channel_id=_GENERAL)
    workspace.add_channel("mod-log", channel_id=_MODLOG)
    for name in ("rules", "introductions"):  # linked by the welcome cog's greeting
        workspace.add_channel(name)
    return workspace


async def _measure(
    options: BenchOptions, database: Path, chat: int, spam: int
) -> list[BenchResult]:
    # Imported here: the bench command lists cases without the slack extra.
    from bot.adapters.slack.connection import connect  # noqa: PLC0415
    from bot.app import App, open_storage  # noqa: PLC0415
    from bot.config import parse_config  # noqa: PLC0415
    from bot.core.clock import SystemClock  # noqa: PLC0415
    from bot.standins.slack import SlackStandin, Workspace, payloads  # noqa: PLC0415

    # Few enough messages per member that the flood rule (6 in 10 s) stays quiet on chat.
    members = [f"U0BENCH{i:04d}" for i in range(max(chat // 3, spam))]
    workspace = _workspace(Workspace(team_id=_TEAM, name="Bench"), members)
    standin = SlackStandin(workspace)
    await standin.start()
    clock = SystemClock()
    storage = await open_storage(database, clock)
    tokens = {
        "STEWARD_SLACK_BOT_TOKEN": standin.bot_token,
        "STEWARD_SLACK_USER_TOKEN": standin.user_token,
        "STEWARD_SLACK_SIGNING_SECRET": standin.signing_secret,
    }
    try:
        text = _CONFIG.format(
            database=database, api_base=standin.api_base, team=_TEAM, modlog=_MODLOG
        )
        loaded = parse_config(text, options.registry, source="<bench>")
        with _environment(tokens):
            connection = await connect(loaded, clock)
        app = App(
            loaded,
            registry=options.registry,
            storage=storage,
            clock=clock,
            gateways={"slack": connection.gateway},
        )
        await app.start()
        runner = asyncio.create_task(connection.run(app))
        await connection.ready.wait()
        standin.events_url = connection.url
        general = workspace.conversations[_GENERAL]
        gate = asyncio.Semaphore(_IN_FLIGHT)

        async def deliver(index: int, content: str) -> None:
            text = content or _chat_line(index)
            event = payloads.member_posts(workspace, members[index % len(members)], general, text)
            async with gate:
                delivery = await standin.send_event(event)
            if delivery.status != 200:
                raise RuntimeError(f"Steward answered {delivery.status}: {delivery.body}")

        async def timed(count: int, content: str) -> float:
            started = time.perf_counter()
            await asyncio.gather(*(deliver(i, content) for i in range(count)))
            await app.bus.join()
            return time.perf_counter() - started

        # Warm up (bolt's auth.test, member lookups) before timing.
        await timed(len(members), "")
        chat_seconds = await timed(chat, "")
        before = len(standin.calls_to("chat.delete"))
        spam_seconds = await timed(spam, "claim now <https://bit.ly/fr33-g1ft>")
        deleted = len(standin.calls_to("chat.delete")) - before
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await app.stop()
    finally:
        await storage.close()
        await standin.close()
    return [
        BenchResult(
            "slack.events_per_second",
            chat / chat_seconds,
            "events/s",
            f"{chat} signed message events ({_IN_FLIGHT} in flight) verified by bolt, "
            "deduplicated and judged by the default cogs; stand-in in the same process",
        ),
        BenchResult(
            "slack.spam_events_per_second",
            spam / spam_seconds,
            "events/s",
            f"{spam} spam events, each ending in chat.delete, a DM notice and a mod-log post "
            f"({deleted} deletes seen)",
        ),
    ]


_WORDS = [
    "lamp",
    "colour",
    "preset",
    "firmware",
    "app",
    "update",
    "bedroom",
    "warm",
    "light",
    "evening",
    "timer",
    "scene",
    "battery",
    "bridge",
    "remote",
    "dimmer",
    "kitchen",
    "garden",
    "schedule",
    "sunrise",
    "bulb",
    "strip",
    "desk",
]


def _chat_line(index: int) -> str:
    """Return an ordinary, varied chat line (no rule should act on it)."""
    picks = [_WORDS[(index * step + step * step) % len(_WORDS)] for step in (3, 5, 7, 11)]
    return f"my {picks[0]} and {picks[1]} work well with the {picks[2]} {picks[3]}, day {index}"


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a moment (the tokens ``connect`` reads)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
