"""The timer wheel on a virtual clock: order, replacement, cancellation, chained timers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.bus import EventBus
from bot.core.clock import VirtualClock
from bot.core.events import Tick
from bot.core.refs import Ref
from bot.core.timers import TimerWheel

ACME = Ref("local", "acme")
GLOBEX = Ref("local", "globex")
T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)


@dataclass(frozen=True, slots=True)
class Fired:
    """What a Tick handler saw: the clock when it ran, the tick's time and name."""

    now: datetime
    at: datetime
    timer: str
    community: Ref


@dataclass(slots=True)
class Rig:
    clock: VirtualClock
    bus: EventBus
    wheel: TimerWheel
    fired: list[Fired] = field(default_factory=list)


@contextlib.asynccontextmanager
async def rig(*, workers: int = 1) -> AsyncIterator[Rig]:
    clock = VirtualClock(T0)
    bus = EventBus(workers=workers, capacity=16, handler_timeout=5.0)
    wheel = TimerWheel(bus, clock)
    r = Rig(clock=clock, bus=bus, wheel=wheel)

    async def record(tick: Tick) -> None:
        r.fired.append(Fired(clock.now(), tick.at, tick.timer, tick.community))

    bus.subscribe(Tick, record)
    await bus.start()
    try:
        yield r
    finally:
        await asyncio.wait_for(bus.close(), timeout=2.0)


async def test_timers_fire_in_time_order_at_their_own_times() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "late", T0 + 3 * HOUR)
        r.wheel.schedule(ACME, "early", T0 + 1 * HOUR)
        r.wheel.schedule(GLOBEX, "middle", T0 + 2 * HOUR)
        fired = await r.wheel.advance(r.clock, T0 + 5 * HOUR)

    assert fired == 3
    assert [f.timer for f in r.fired] == ["early", "middle", "late"]
    for f, hours in zip(r.fired, (1, 2, 3), strict=True):
        assert f.at == T0 + hours * HOUR
        assert f.now == f.at, "the clock must stand at the timer's time when its Tick runs"
    assert [f.community for f in r.fired] == [ACME, GLOBEX, ACME]
    assert r.clock.now() == T0 + 5 * HOUR
    assert r.wheel.scheduled(ACME) == {}
    assert r.wheel.next_due() is None


async def test_advance_stops_at_its_target() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "soon", T0 + HOUR)
        r.wheel.schedule(ACME, "exactly", T0 + 2 * HOUR)
        r.wheel.schedule(ACME, "later", T0 + 2 * HOUR + timedelta(seconds=1))
        fired = await r.wheel.advance(r.clock, T0 + 2 * HOUR)

        assert fired == 2
        assert [f.timer for f in r.fired] == ["soon", "exactly"]
        assert r.clock.now() == T0 + 2 * HOUR
        assert r.wheel.scheduled(ACME) == {"later": T0 + 2 * HOUR + timedelta(seconds=1)}


async def test_rescheduling_a_name_replaces_the_old_timer() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "post", T0 + HOUR)
        r.wheel.schedule(ACME, "post", T0 + 3 * HOUR)
        r.wheel.schedule(ACME, "reminder", T0 + 4 * HOUR)
        r.wheel.schedule(ACME, "reminder", T0 + 2 * HOUR)
        assert r.wheel.scheduled(ACME) == {"post": T0 + 3 * HOUR, "reminder": T0 + 2 * HOUR}
        assert r.wheel.next_due() == T0 + 2 * HOUR
        fired = await r.wheel.advance(r.clock, T0 + 5 * HOUR)

    assert fired == 2
    assert [(f.timer, f.at) for f in r.fired] == [
        ("reminder", T0 + 2 * HOUR),
        ("post", T0 + 3 * HOUR),
    ]


async def test_same_name_in_two_communities_are_two_timers() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "weekly", T0 + HOUR)
        r.wheel.schedule(GLOBEX, "weekly", T0 + 2 * HOUR)
        r.wheel.cancel(ACME, "weekly")
        assert r.wheel.scheduled(ACME) == {}
        assert r.wheel.scheduled(GLOBEX) == {"weekly": T0 + 2 * HOUR}
        await r.wheel.advance(r.clock, T0 + 3 * HOUR)

    assert [(f.community, f.timer) for f in r.fired] == [(GLOBEX, "weekly")]


async def test_cancel_prevents_firing() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "doomed", T0 + HOUR)
        r.wheel.schedule(ACME, "kept", T0 + 2 * HOUR)
        r.wheel.cancel(ACME, "doomed")
        r.wheel.cancel(ACME, "never-scheduled")  # harmless
        assert r.wheel.scheduled(ACME) == {"kept": T0 + 2 * HOUR}
        assert r.wheel.next_due() == T0 + 2 * HOUR
        fired = await r.wheel.advance(r.clock, T0 + 3 * HOUR)

    assert fired == 1
    assert [f.timer for f in r.fired] == ["kept"]


async def test_cancel_then_schedule_again_fires_once_at_the_new_time() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "t", T0 + HOUR)
        r.wheel.cancel(ACME, "t")
        r.wheel.schedule(ACME, "t", T0 + HOUR)
        fired = await r.wheel.advance(r.clock, T0 + 2 * HOUR)

    assert fired == 1
    assert [f.at for f in r.fired] == [T0 + HOUR]


async def test_timers_scheduled_by_handlers_fire_within_the_same_advance() -> None:
    async with rig() as r:

        async def weekly(tick: Tick) -> None:
            if tick.timer == "weekly":
                r.wheel.schedule(tick.community, "weekly", tick.at + WEEK)

        r.bus.subscribe(Tick, weekly)
        r.wheel.schedule(ACME, "weekly", T0 + WEEK)
        fired = await r.wheel.advance(r.clock, T0 + 4 * WEEK)

        assert fired == 4
        assert [f.at for f in r.fired] == [T0 + n * WEEK for n in (1, 2, 3, 4)]
        assert all(f.now == f.at for f in r.fired)
        assert r.wheel.scheduled(ACME) == {"weekly": T0 + 5 * WEEK}


async def test_a_timer_scheduled_in_the_past_fires_without_moving_the_clock_back() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "overdue", T0 - HOUR)
        fired = await r.wheel.advance(r.clock, T0 + HOUR)

    assert fired == 1
    assert r.fired == [Fired(now=T0, at=T0 - HOUR, timer="overdue", community=ACME)]
    assert r.clock.now() == T0 + HOUR


async def test_advance_into_the_past_is_refused() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "t", T0 + HOUR)
        with pytest.raises(ValueError, match="cannot go back"):
            await r.wheel.advance(r.clock, T0 - timedelta(seconds=1))
        assert r.clock.now() == T0
        assert r.fired == []
        assert r.wheel.scheduled(ACME) == {"t": T0 + HOUR}


async def test_refused_advance_fires_nothing() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "overdue", T0 - 2 * HOUR)
        with pytest.raises(ValueError, match="cannot go back"):
            await r.wheel.advance(r.clock, T0 - HOUR)
        assert r.fired == []
        assert r.wheel.scheduled(ACME) == {"overdue": T0 - 2 * HOUR}


async def test_naive_times_are_taken_as_utc() -> None:
    async with rig() as r:
        naive = datetime(2024, 1, 1, 10, 0)  # naive on purpose
        r.wheel.schedule(ACME, "t", naive)
        assert r.wheel.scheduled(ACME) == {"t": T0 + HOUR}
        await r.wheel.advance(r.clock, datetime(2024, 1, 1, 11, 0))
        assert r.clock.now() == T0 + 2 * HOUR

    assert [f.at for f in r.fired] == [T0 + HOUR]
    assert r.fired[0].at.tzinfo is not None


async def test_fire_due_fires_only_what_is_due() -> None:
    async with rig() as r:
        r.wheel.schedule(ACME, "b", T0 + 2 * HOUR)
        r.wheel.schedule(ACME, "a", T0 + HOUR)
        r.wheel.schedule(ACME, "c", T0 + 3 * HOUR)
        assert await r.wheel.fire_due(T0) == 0
        assert await r.wheel.fire_due(T0 + 2 * HOUR) == 2
        await r.bus.join()
        assert [f.timer for f in r.fired] == ["a", "b"]
        assert r.wheel.scheduled(ACME) == {"c": T0 + 3 * HOUR}


async def test_scheduled_lists_live_timers_per_community() -> None:
    async with rig() as r:
        assert r.wheel.scheduled(ACME) == {}
        r.wheel.schedule(ACME, "a", T0 + HOUR)
        r.wheel.schedule(ACME, "b", T0 + 2 * HOUR)
        r.wheel.schedule(GLOBEX, "a", T0 + 3 * HOUR)
        assert r.wheel.scheduled(ACME) == {"a": T0 + HOUR, "b": T0 + 2 * HOUR}
        assert r.wheel.scheduled(GLOBEX) == {"a": T0 + 3 * HOUR}
        await r.wheel.advance(r.clock, T0 + HOUR)
        assert r.wheel.scheduled(ACME) == {"b": T0 + 2 * HOUR}


async def test_virtual_clock_only_moves_forward() -> None:
    clock = VirtualClock(datetime(2024, 1, 1))  # naive start is UTC
    assert clock.now() == datetime(2024, 1, 1, tzinfo=UTC)
    clock.set(T0)
    assert clock.now() == T0
    clock.set(T0)  # standing still is fine
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set(T0 - timedelta(microseconds=1))
    assert clock.now() == T0
