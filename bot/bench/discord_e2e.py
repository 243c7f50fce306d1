"""The ``discord`` bench case: events/s through the real discord.py into Steward.

The stand-in runs in its own process (``steward standin discord``) and floods #general
with ordinary chat. A bare discord.py client that only counts sets the yardstick; then
Steward (the App, the default policy, SQLite deduplication) takes the same flood.
Target: Steward keeps at least 0.6 of the bare client's rate. A third run, Steward with
no cogs (the adapter, the ledger and the bus, but no judging), tells how the difference
divides between the platform's way in and the policy.

On a small shared machine one run of each can be off by a third, so the full bench runs
them in pairs, bare then Steward, several times, and reports the medians: the ratio is
the median of the pairs' ratios, each measured under the same conditions. The CPU time
the bench's process spends per event (the stand-in has its own process) is reported
beside it: it moves far less with the machine's load than the rate does.

Production builds compile the hot path (:mod:`bot.native`); the report says which build
ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import App, open_storage
from bot.bench import BenchOptions, BenchResult, case
from bot.config import parse_config
from bot.core.clock import SystemClock
from bot.core.events import MessageCreated
from bot.core.refs import Ref
from bot.gc_tuning import settle_after_start
from bot.native import build_summary

TARGET_RATIO = 0.6
ROUNDS = 7
"""Pairs of runs (bare, then Steward) in the full bench; the quick bench runs one."""
WARM_UP = 2_000
"""Messages to a bare client before the full bench measures anything."""
Flood = Callable[[], Awaitable[None]]
"""Starts the stand-in's flood of the bench's messages."""


@dataclass(frozen=True, slots=True)
class _Run:
    """One client's run through the flood.

    Attributes:
        rate: Events per second, wall clock, from the flood's start to the last event.
        cpu_per_event: CPU seconds of this process (all its threads) per event.
    """

    rate: float
    cpu_per_event: float


@contextlib.contextmanager
def _timed(count: int, runs: list[_Run]) -> Iterator[None]:
    """Time the block as one run of ``count`` events and append it to ``runs``."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    runs.append(_Run(count / wall, cpu / count))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def _standin_process(port: int) -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "standin",
        "discord",
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        await asyncio.wait_for(process.stdout.readline(), 60)  # its first line: listening
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()


@case("discord")
async def discord_throughput(options: BenchOptions) -> list[BenchResult]:
    """Measure Steward's events/s on Discord against a bare client's, in the same run."""
    try:
        from bot.adapters.discord.connection import point_at  # noqa: PLC0415 - discord extra
    except ImportError as error:
        return [BenchResult("discord", 0.0, "skipped", f"no discord extra: {error}")]
    count = 2_000 if options.quick else 20_000
    async with _standin_process(_free_port()) as base, aiohttp.ClientSession() as http:
        async with http.get(f"{base}/_standin/info") as answer:
            info = await answer.json()
        guild_id, guild = next(iter(info["guilds"].items()))
        channels = guild["channels"]

        async def flood(messages: int = count) -> None:
            body = {
                "guild_id": guild_id,
                "channel_id": channels["general"],
                "count": messages,
                "authors": count // 4 + 1,  # nobody floods: at most 4 messages each
            }
            async with http.post(f"{base}/_standin/flood", json=body) as answer:
                answer.raise_for_status()

        port = base.rsplit(":", 1)[1]
        point_at(f"{base}/api/v10", f"ws://127.0.0.1:{port}/gateway/")
        standin = _Standin(base, port, info["token"], guild_id, channels)
        if not options.quick:
            # Untimed: the flood's authors join the stand-in and both processes warm up,
            # so that the first pair is measured as the others are.
            await _bare_rate(info["token"], WARM_UP, lambda: flood(WARM_UP), [])
        bares: list[_Run] = []
        stewards: list[_Run] = []
        unjudged: list[_Run] = []
        for _ in range(1 if options.quick else ROUNDS):
            await _bare_rate(info["token"], count, flood, bares)
            await _steward_rate(options, standin, count, flood, stewards)
            await _steward_rate(options, standin, count, flood, unjudged, cogs=False)
    return _results(count, bares, stewards, unjudged)


def _results(
    count: int, bares: list[_Run], stewards: list[_Run], unjudged: list[_Run]
) -> list[BenchResult]:
    pairs = f"median of {len(bares)} run(s)"
    build = build_summary()
    ratios = [s.rate / b.rate for b, s in zip(bares, stewards, strict=True)]
    ratio = statistics.median(ratios)
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    cpu_ratios = [b.cpu_per_event / s.cpu_per_event for b, s in zip(bares, stewards, strict=True)]
    unjudged_ratio = statistics.median(
        u.rate / b.rate for b, u in zip(bares, unjudged, strict=True)
    )
    return [
        BenchResult(
            "discord.bare_events_per_second",
            statistics.median(b.rate for b in bares),
            "events/s",
            f"{count} MESSAGE_CREATE to a discord.py client that only counts; {pairs}",
        ),
        BenchResult(
            "discord.steward_events_per_second",
            statistics.median(s.rate for s in stewards),
            "events/s",
            f"the same {count} messages through discord.py, App.ingest_many (deduplicated "
            f"in SQLite) and the default policy; {pairs}; {build}",
        ),
        BenchResult(
            "discord.ratio",
            ratio,
            "ratio",
            f"Steward / bare client, {pairs} (from {min(ratios):.2f} to {max(ratios):.2f}); "
            f"{verdict} the target of {TARGET_RATIO}; {build}",
        ),
        BenchResult(
            "discord.cpu_ratio",
            statistics.median(cpu_ratios),
            "ratio",
            f"the bare client's CPU time per event / Steward's, {pairs} (from "
            f"{min(cpu_ratios):.2f} to {max(cpu_ratios):.2f}); {build}",
        ),
        BenchResult(
            "discord.steward_without_cogs_events_per_second",
            statistics.median(u.rate for u in unjudged),
            "events/s",
            f"the same messages through discord.py, App.ingest_many and the bus to a "
            f"community with no cogs: nothing judged; {pairs}",
        ),
        BenchResult(
            "discord.ratio_without_cogs",
            unjudged_ratio,
            "ratio",
            f"Steward with no cogs / bare client, {pairs}: the cost of the way in alone",
        ),
    ]


async def _bare_rate(token: str, count: int, flood: Flood, runs: list[_Run]) -> None:
    from bot.adapters.discord.counting import CountingClient  # noqa: PLC0415 - discord extra

    client = CountingClient(count, guild_ready_timeout=0.05)
    task = asyncio.create_task(client.start(token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 60)
        settle_after_start()  # the yardstick gets the same collector settings as Steward
        with _timed(count, runs):
            await flood()
            await asyncio.wait_for(client.done.wait(), 600)
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class _Standin:
    base: str
    port: str
    token: str
    guild_id: str
    channels: dict[str, Any]


async def _steward_rate(
    options: BenchOptions,
    standin: _Standin,
    count: int,
    flood: Flood,
    runs: list[_Run],
    *,
    cogs: bool = True,
) -> None:
    from bot.adapters.discord.connection import open_connection  # noqa: PLC0415

    base, port, token, guild_id, channels = (
        standin.base,
        standin.port,
        standin.token,
        standin.guild_id,
        standin.channels,
    )
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as scratch:
        token_file = Path(scratch) / "token"
        token_file.write_text(token, encoding="utf-8")
        text = f"""
[discord]
api_base = "{base}/api/v10"
gateway_url = "ws://127.0.0.1:{port}/gateway/"
token_file = "{token_file}"
catch_up = 0

[communities.bench]
platform = "discord"
id = "{guild_id}"
"""
        if cogs:
            text += f"""
[communities.bench.cogs.guidelines]
staff_channel = "{channels["mod-log"]}"
raid_channels = ["{channels["general"]}"]
"""
        else:  # the cogs that are on unless switched off
            text += "".join(
                f"\n[communities.bench.cogs.{name}]\nenabled = false\n"
                for name in options.registry.names()
            )
        loaded = parse_config(text, options.registry, source="<bench>")
        if not cogs and loaded.cogs["bench"]:
            raise RuntimeError(
                f"cogs still on in the run without cogs: {list(loaded.cogs['bench'])}"
            )
        clock = SystemClock()
        connection = await open_connection(loaded.config.discord, guild_ready_timeout=0.05)
        storage = await open_storage(Path(scratch) / "bench.db", clock)
        app = App(
            loaded,
            registry=options.registry,
            storage=storage,
            clock=clock,
            gateways={"discord": connection.gateway},
        )
        seen = 0
        done = asyncio.Event()

        async def counted(_: MessageCreated) -> None:
            nonlocal seen
            seen += 1
            if seen >= count:
                done.set()

        await app.start()
        app.bus.subscribe(MessageCreated, counted, community=Ref("discord", guild_id), name="bench")
        task = asyncio.create_task(connection.run(app))
        try:
            await asyncio.wait_for(connection.client.wait_until_ready(), 60)
            settle_after_start()  # as `steward run` does once connected
            with _timed(count, runs):
                await flood()
                await asyncio.wait_for(done.wait(), 600)
                await app.bus.join()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await app.stop()
            await storage.close()
