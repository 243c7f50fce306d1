"""The built-in benchmark cases."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.local.gateway import LocalPlatform
from bot.app import App, open_storage
from bot.bench import BenchOptions, BenchResult, case
from bot.config import parse_config
from bot.core.clock import VirtualClock
from bot.core.cog import Cog, CogContext, listener
from bot.core.events import MessageCreated
from bot.core.models import Member, Message
from bot.core.refs import Ref
from bot.registry import CogEntry, CogRegistry
from bot.simulation import simulate


class _NoOp(Cog):
    """A cog that listens to every message and does nothing."""

    name = "bench_noop"

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.seen = 0

    @listener(MessageCreated)
    async def on_message(self, _: MessageCreated) -> None:
        self.seen += 1


@case("bus")
async def bus_throughput(options: BenchOptions) -> list[BenchResult]:
    """Measure events per second through the app's bus to one no-op cog."""
    count = 20_000 if options.quick else 200_000
    registry = CogRegistry([CogEntry(_NoOp, "bench")])
    loaded = parse_config("[communities.bench.cogs.bench_noop]\n", registry, source="<bench>")
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as scratch:
        clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
        storage = await open_storage(Path(scratch) / "bench.db", clock)
        app = App(
            loaded,
            registry=registry,
            storage=storage,
            gateways={"local": LocalPlatform(clock)},
            clock=clock,
        )
        await app.start()
        cog = app.runtimes["bench"].cogs["bench_noop"]
        assert isinstance(cog, _NoOp)
        event = _event(Ref("local", "bench"), 0)
        started = time.perf_counter()
        for _ in range(count):
            await app.ingest(event)
        await app.bus.join()
        elapsed = time.perf_counter() - started
        await app.stop()
        await storage.close()
    if cog.seen != count:
        raise RuntimeError(f"the no-op cog saw {cog.seen} of {count} events")
    workers = loaded.config.bus.workers
    return [
        BenchResult(
            "bus.events_per_second",
            count / elapsed,
            "events/s",
            f"{count} events through App.ingest and the bus ({workers} workers) to a no-op cog",
        )
    ]


def _event(community: Ref, index: int) -> MessageCreated:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    author = Member(ref=Ref("bench", "u"), name="u")
    message = Message(
        ref=Ref("bench", str(index)),
        channel=Ref("bench", "ch"),
        author=author,
        content="hi",
        created_at=now,
    )
    return MessageCreated(community=community, at=now, message=message)


def generated_scenario(messages: int, *, members: int = 200, channels: int = 8) -> Iterator[str]:
    """Yield a scenario of ordinary chat: ``messages`` messages over about a month."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    names = [f"member{i}" for i in range(members)]
    rooms = [f"channel{i}" for i in range(channels)]
    community = {
        "type": "community",
        "name": "bench",
        "channels": rooms,
        "members": [
            {"name": n, "joined": "2025-01-01T00:00:00Z", "account_created": "2020-01-01T00:00:00Z"}
            for n in names
        ],
    }
    yield json.dumps(community)
    step = timedelta(days=30) / messages
    phrases = [
        "good morning",
        "has anyone tried the new release?",
        "thanks, that fixed it",
        "what a lovely photo",
        "see you at the meetup",
    ]
    for index in range(messages):
        at = (start + step * index).isoformat().replace("+00:00", "Z")
        line = {
            "type": "message",
            "at": at,
            "id": f"m{index}",
            "channel": rooms[index % channels],
            "author": names[(index * 7) % members],
            "content": f"{phrases[index % len(phrases)]} #{index}",
        }
        yield json.dumps(line)


@case("simulate")
async def simulate_throughput(options: BenchOptions) -> list[BenchResult]:
    """Measure events per second of ``simulate`` on a generated month of chat."""
    count = 10_000 if options.quick else 100_000
    actions = 0

    def on_action(_: object) -> None:
        nonlocal actions
        actions += 1

    started = time.perf_counter()
    played = await simulate(generated_scenario(count), options.registry, on_action=on_action)
    elapsed = time.perf_counter() - started
    return [
        BenchResult(
            "simulate.events_per_second",
            played / elapsed,
            "events/s",
            f"{played} messages over a virtual month with the default cogs; {actions} bot actions",
        ),
        BenchResult("simulate.seconds", elapsed, "s", f"wall time for {played} events"),
    ]
