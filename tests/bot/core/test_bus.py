"""The event bus: routing by type and community, concurrency, isolation, back-pressure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.core.bus import EventBus
from bot.core.events import Event, Tick
from bot.core.refs import Ref

ACME = Ref("local", "acme")
GLOBEX = Ref("local", "globex")
T0 = datetime(2024, 1, 1, tzinfo=UTC)

SOON = 2.0
"""Seconds within which something that should happen does happen."""
BRIEFLY = 0.1
"""Seconds to wait to be confident that something that should not happen does not."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping(Event):
    n: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class LoudPing(Ping):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Pong(Event):
    n: int = 0


def ping(n: int = 0, community: Ref = ACME) -> Ping:
    return Ping(community=community, at=T0, n=n, id=f"ping-{n}")


@contextlib.asynccontextmanager
async def running_bus(
    *, workers: int = 4, capacity: int = 64, handler_timeout: float | None = 5.0
) -> AsyncIterator[EventBus]:
    bus = EventBus(workers=workers, capacity=capacity, handler_timeout=handler_timeout)
    await bus.start()
    try:
        yield bus
    finally:
        await asyncio.wait_for(bus.close(), timeout=SOON)


# -- routing ---------------------------------------------------------------------------


async def test_subscribers_get_their_type_and_subclasses() -> None:
    everything: list[Event] = []
    pings: list[Event] = []
    pongs: list[Event] = []

    async def on_event(event: Event) -> None:
        everything.append(event)

    async def on_ping(event: Ping) -> None:
        pings.append(event)

    async def on_pong(event: Pong) -> None:
        pongs.append(event)

    plain, loud, pong = ping(1), LoudPing(community=ACME, at=T0, n=2), Pong(community=ACME, at=T0)
    async with running_bus(workers=1) as bus:
        bus.subscribe(Event, on_event)
        bus.subscribe(Ping, on_ping)
        bus.subscribe(Pong, on_pong)
        for event in (plain, loud, pong):
            await bus.publish(event)
        await bus.join()

    assert everything == [plain, loud, pong]
    assert pings == [plain, loud]
    assert pongs == [pong]


async def test_handlers_for_lists_most_general_type_last() -> None:
    async def on_event(event: Event) -> None:
        pass

    async def on_ping(event: Ping) -> None:
        pass

    bus = EventBus()
    general = bus.subscribe(Event, on_event)
    specific = bus.subscribe(Ping, on_ping)
    assert bus.handlers_for(LoudPing(community=ACME, at=T0)) == [specific, general]
    assert bus.handlers_for(Tick(community=ACME, at=T0, timer="t")) == [general]


async def test_community_filter() -> None:
    acme_only: list[Ref] = []
    all_communities: list[Ref] = []

    async def on_acme(event: Ping) -> None:
        acme_only.append(event.community)

    async def on_any(event: Ping) -> None:
        all_communities.append(event.community)

    async with running_bus(workers=1) as bus:
        bus.subscribe(Ping, on_acme, community=ACME)
        bus.subscribe(Ping, on_any, community=None)
        await bus.publish(ping(1, ACME))
        await bus.publish(ping(2, GLOBEX))
        await bus.join()

    assert acme_only == [ACME]
    assert all_communities == [ACME, GLOBEX]


async def test_unsubscribe_stops_delivery_to_that_subscription_only() -> None:
    first: list[int] = []
    second: list[int] = []
    scoped: list[int] = []

    async def on_first(event: Ping) -> None:
        first.append(event.n)

    async def on_second(event: Ping) -> None:
        second.append(event.n)

    async def on_scoped(event: Ping) -> None:
        scoped.append(event.n)

    async with running_bus() as bus:
        sub = bus.subscribe(Ping, on_first)
        bus.subscribe(Ping, on_second)
        scoped_sub = bus.subscribe(Ping, on_scoped, community=ACME)
        await bus.publish(ping(1))
        await bus.join()
        bus.unsubscribe(sub)
        bus.unsubscribe(scoped_sub)
        bus.unsubscribe(sub)  # a second time is harmless
        await bus.publish(ping(2))
        await bus.join()

    assert first == [1]
    assert scoped == [1]
    assert second == [1, 2]


async def test_a_subscription_made_after_events_flowed_gets_the_next_ones() -> None:
    # Routes are remembered per event type and community; a new subscription must count.
    early: list[int] = []
    late: list[int] = []
    read: list[list[int]] = []

    async def on_early(event: Ping) -> None:
        early.append(event.n)

    async def on_late(event: Ping) -> None:
        late.append(event.n)

    async with running_bus(workers=1) as bus:
        bus.subscribe(Ping, on_early)
        bus.subscribe_bursts(Pong, lambda events: read.append([-1]))
        await bus.publish_many([ping(1)])
        await bus.join()
        bus.subscribe(Ping, on_late, community=ACME)
        await bus.publish_many([ping(2)])
        await bus.join()
        bus.subscribe_bursts(Event, lambda events: read.append([e.n for e in events]))
        await bus.publish_many([ping(3)])
        await bus.join()

    assert (early, late, read) == ([1, 2, 3], [2, 3], [[3]])


# -- concurrency -----------------------------------------------------------------------


async def test_handlers_run_concurrently() -> None:
    left_in = asyncio.Event()
    right_in = asyncio.Event()
    finished: list[str] = []

    async def left(event: Ping) -> None:
        left_in.set()
        await right_in.wait()
        finished.append("left")

    async def right(event: Ping) -> None:
        right_in.set()
        await left_in.wait()
        finished.append("right")

    async with running_bus(workers=2) as bus:
        bus.subscribe(Ping, left)
        bus.subscribe(Ping, right)
        await bus.publish(ping())
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert sorted(finished) == ["left", "right"]


async def test_workers_bound_concurrency_and_start_is_idempotent() -> None:
    gate = asyncio.Event()
    two_running = asyncio.Event()
    running = 0
    most = 0

    async def handler(event: Ping) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        if running == 2:
            two_running.set()
        try:
            await gate.wait()
        finally:
            running -= 1

    async with running_bus(workers=2) as bus:
        await bus.start()  # must not add a second set of workers
        for _ in range(3):
            bus.subscribe(Ping, handler)
        try:
            await bus.publish(ping())
            await asyncio.wait_for(two_running.wait(), timeout=SOON)
            await asyncio.sleep(BRIEFLY)
            assert running == 2
        finally:
            gate.set()
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert most == 2
    assert bus.stats.handled == 3


# -- isolation -------------------------------------------------------------------------


async def test_failing_handler_is_isolated_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    good: list[int] = []
    attempts: list[int] = []

    async def boom(event: Ping) -> None:
        attempts.append(event.n)
        raise RuntimeError(f"kaput {event.n}")

    async def fine(event: Ping) -> None:
        good.append(event.n)

    caplog.set_level(logging.ERROR, logger="bot.core.bus")
    async with running_bus(workers=1) as bus:
        bus.subscribe(Ping, boom, name="boom")
        bus.subscribe(Ping, fine)
        await bus.publish(ping(1))
        await bus.publish(ping(2))
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert attempts == [1, 2]
    assert good == [1, 2]
    assert bus.stats.published == 2
    assert bus.stats.handled == 2
    assert bus.stats.failed == 2
    assert bus.stats.timed_out == 0
    assert bus.stats.failures_by_handler == {"boom": 2}

    failures = [r for r in caplog.records if r.name == "bot.core.bus"]
    assert len(failures) == 2
    for record, n in zip(failures, (1, 2), strict=True):
        assert record.levelno == logging.ERROR
        assert "boom" in record.getMessage()
        assert "ping" in record.getMessage()
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], RuntimeError)
        assert str(record.exc_info[1]) == f"kaput {n}"


async def test_failures_are_counted_under_the_handlers_qualified_name() -> None:
    async def sulky(event: Ping) -> None:
        raise ValueError("no")

    async with running_bus() as bus:
        bus.subscribe(Ping, sulky)
        await bus.publish(ping())
        await bus.join()

    assert bus.stats.failures_by_handler == {sulky.__qualname__: 1}


async def test_handler_past_its_timeout_is_cancelled_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cancelled: list[int] = []
    quick: list[int] = []
    never = asyncio.Event()

    async def slow(event: Ping) -> None:
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(event.n)
            raise

    async def fast(event: Ping) -> None:
        quick.append(event.n)

    caplog.set_level(logging.ERROR, logger="bot.core.bus")
    async with running_bus(workers=1, handler_timeout=0.05) as bus:
        slow_sub = bus.subscribe(Ping, slow, name="slow")
        bus.subscribe(Ping, fast)
        await bus.publish(ping(1))
        await asyncio.wait_for(bus.join(), timeout=SOON)
        bus.unsubscribe(slow_sub)
        await bus.publish(ping(2))
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert cancelled == [1]
    assert quick == [1, 2]
    assert bus.stats.timed_out == 1
    assert bus.stats.failed == 1
    assert bus.stats.failures_by_handler == {"slow": 1}
    assert bus.stats.handled == 2
    assert any("timed out" in r.getMessage() and "slow" in r.getMessage() for r in caplog.records)


async def test_handler_raising_timeout_error_is_a_failure_not_a_timeout() -> None:
    async def upstream_gave_up(event: Ping) -> None:
        raise TimeoutError("the upstream API did not answer")

    async with running_bus(handler_timeout=None) as bus:
        bus.subscribe(Ping, upstream_gave_up)
        await bus.publish(ping())
        await bus.join()

    assert bus.stats.failed == 1
    assert bus.stats.timed_out == 0


async def test_handler_raising_cancelled_error_does_not_kill_its_worker() -> None:
    delivered = asyncio.Event()

    async def gives_up(event: Ping) -> None:
        if event.n == 1:
            raise asyncio.CancelledError  # e.g. awaiting a task someone else cancelled
        delivered.set()

    bus = EventBus(workers=1, handler_timeout=None)
    await bus.start()
    bus.subscribe(Ping, gives_up)
    await bus.publish(ping(1))
    await bus.publish(ping(2))
    # With the bug the only worker is gone: nothing delivers event 2 and join would hang,
    # so no cleanup is attempted here; the loop's teardown cancels what is left.
    await asyncio.wait_for(delivered.wait(), timeout=1.0)
    await asyncio.wait_for(bus.close(), timeout=SOON)


# -- back-pressure ---------------------------------------------------------------------


async def test_publish_waits_while_the_bus_is_full() -> None:
    capacity = 3
    gate = asyncio.Event()
    started = asyncio.Event()
    seen: list[int] = []

    async def blocked(event: Ping) -> None:
        started.set()
        await gate.wait()
        seen.append(event.n)

    async with running_bus(workers=1, capacity=capacity) as bus:
        bus.subscribe(Ping, blocked)
        try:
            for n in range(capacity):
                await asyncio.wait_for(bus.publish(ping(n)), timeout=SOON)
            await asyncio.wait_for(started.wait(), timeout=SOON)

            extra = asyncio.create_task(bus.publish(ping(capacity)))
            done, _ = await asyncio.wait({extra}, timeout=BRIEFLY)
            assert not done, "the publish beyond capacity completed while the bus was full"
            assert not extra.done()
            assert bus.pending <= capacity
            assert seen == []
        finally:
            gate.set()
        await asyncio.wait_for(extra, timeout=SOON)
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert seen == [0, 1, 2, 3]


async def test_waiting_publishers_go_in_order_and_a_cancelled_one_keeps_no_slot() -> None:
    gate = asyncio.Event()
    seen: list[int] = []

    async def blocked(event: Ping) -> None:
        await gate.wait()
        seen.append(event.n)

    async with running_bus(workers=1, capacity=1) as bus:
        bus.subscribe(Ping, blocked)
        await bus.publish(ping(0))
        waiting = [asyncio.create_task(bus.publish(ping(n))) for n in range(1, 6)]
        await asyncio.sleep(BRIEFLY)
        waiting[1].cancel()  # ping 2 gives up while waiting for room
        gate.set()
        await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), timeout=SOON)
        await asyncio.wait_for(bus.join(), timeout=SOON)
        assert bus.pending == 0
        # Every slot came back: a full round of publishing still fits.
        await asyncio.wait_for(bus.publish(ping(9)), timeout=SOON)
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert seen == [0, 1, 3, 4, 5, 9]


async def test_a_handler_that_swallows_its_timeout_leaves_the_worker_able_to_time_out_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def stubborn(event: Ping) -> None:
        if event.n == 1:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(SOON)
        else:
            await asyncio.sleep(SOON)  # the second run overruns again, without swallowing

    caplog.set_level(logging.ERROR, logger="bot.core.bus")
    async with running_bus(workers=1, handler_timeout=0.05) as bus:
        bus.subscribe(Ping, stubborn, name="stubborn")
        await bus.publish(ping(1))
        await asyncio.wait_for(bus.join(), timeout=SOON)
        await bus.publish(ping(2))
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert bus.stats.handled == 1  # ping 1 swallowed the cancellation and returned
    assert bus.stats.timed_out == 1  # ping 2 was cancelled
    assert "handler stubborn timed out" in caplog.text


async def test_pending_runs_never_exceed_capacity() -> None:
    capacity = 2
    total = 20
    finished = 0
    accepted = 0
    most_in_flight = 0
    most_pending = 0

    async def slow(event: Ping) -> None:
        nonlocal finished
        for _ in range(3):
            await asyncio.sleep(0)
        finished += 1

    async def publisher(bus: EventBus) -> None:
        nonlocal accepted, most_in_flight, most_pending
        for n in range(total):
            await bus.publish(ping(n))
            accepted += 1
            most_in_flight = max(most_in_flight, accepted - finished)
            most_pending = max(most_pending, bus.pending)

    async with running_bus(workers=1, capacity=capacity) as bus:
        bus.subscribe(Ping, slow)
        await asyncio.wait_for(publisher(bus), timeout=SOON)
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert finished == total
    assert 1 <= most_in_flight <= capacity
    assert most_pending <= capacity


async def test_pending_counts_runs_waiting_or_running() -> None:
    gate = asyncio.Event()
    started = asyncio.Event()

    async def blocked(event: Ping) -> None:
        started.set()
        await gate.wait()

    async with running_bus(workers=1, capacity=8) as bus:
        bus.subscribe(Ping, blocked)
        try:
            for n in range(3):
                await bus.publish(ping(n))
            await asyncio.wait_for(started.wait(), timeout=SOON)
            assert bus.pending == 3  # one running, two waiting
        finally:
            gate.set()


async def test_publishing_from_a_handler_while_full_does_not_deadlock() -> None:
    pongs: list[int] = []

    async with running_bus(workers=1, capacity=1) as bus:

        async def on_ping(event: Ping) -> None:
            await bus.publish(Pong(community=event.community, at=event.at, n=event.n))

        async def on_pong(event: Pong) -> None:
            pongs.append(event.n)

        bus.subscribe(Ping, on_ping)
        bus.subscribe(Pong, on_pong)

        async def outside() -> None:
            for n in range(3):
                await bus.publish(ping(n))
            await bus.join()

        await asyncio.wait_for(outside(), timeout=SOON)

    assert pongs == [0, 1, 2]
    assert bus.stats.published == 6
    assert bus.stats.failed == 0


# -- lifecycle -------------------------------------------------------------------------


async def test_publish_before_start_raises() -> None:
    bus = EventBus()
    with pytest.raises(RuntimeError, match="start"):
        await bus.publish(ping())
    assert bus.stats.published == 0


@pytest.mark.parametrize(("workers", "capacity"), [(0, 1), (1, 0)])
async def test_bus_needs_a_worker_and_capacity(workers: int, capacity: int) -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        EventBus(workers=workers, capacity=capacity)


async def test_join_waits_for_events_that_handlers_publish() -> None:
    pongs: list[int] = []

    async with running_bus() as bus:

        async def on_ping(event: Ping) -> None:
            await asyncio.sleep(0.01)
            await bus.publish(Pong(community=event.community, at=event.at, n=event.n))

        async def on_pong(event: Pong) -> None:
            await asyncio.sleep(0.01)
            pongs.append(event.n)

        bus.subscribe(Ping, on_ping)
        bus.subscribe(Pong, on_pong)
        await bus.publish(ping(7))
        await asyncio.wait_for(bus.join(), timeout=SOON)
        assert pongs == [7]


async def test_close_drains_queued_work_then_stops() -> None:
    handled: list[int] = []

    async def slow(event: Ping) -> None:
        await asyncio.sleep(0.01)
        handled.append(event.n)

    bus = EventBus(workers=2, capacity=64)
    await bus.start()
    bus.subscribe(Ping, slow)
    for n in range(5):
        await bus.publish(ping(n))
    await asyncio.wait_for(bus.close(), timeout=SOON)

    assert sorted(handled) == [0, 1, 2, 3, 4]
    assert bus.stats.handled == 5
    assert bus.pending == 0
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("bus-worker")]
    with pytest.raises(RuntimeError):
        await bus.publish(ping())


async def test_close_without_start_is_harmless() -> None:
    bus = EventBus()
    await asyncio.wait_for(bus.close(), timeout=SOON)


# -- detached work ---------------------------------------------------------------------


async def test_detached_work_frees_the_worker_for_the_next_event() -> None:
    gate = asyncio.Event()
    second = asyncio.Event()
    order: list[str] = []

    async with running_bus(workers=1) as bus:

        async def waits(event: Ping) -> None:
            await gate.wait()
            order.append(f"detached {event.n}")

        async def on_ping(event: Ping) -> None:
            order.append(f"handled {event.n}")
            if event.n == 0:
                bus.detach(waits, event, "waits")
            else:
                second.set()

        bus.subscribe(Ping, on_ping)
        await bus.publish(ping(0))
        await bus.publish(ping(1))
        # One worker, yet event 1 is handled while event 0's detached work still waits.
        await asyncio.wait_for(second.wait(), timeout=SOON)
        assert order == ["handled 0", "handled 1"]
        assert bus.pending == 1
        join = asyncio.create_task(bus.join())
        await asyncio.sleep(BRIEFLY)
        assert not join.done(), "join waits for detached work"
        gate.set()
        await asyncio.wait_for(join, timeout=SOON)

    assert order == ["handled 0", "handled 1", "detached 0"]
    assert bus.stats.handled == 3


async def test_detached_work_that_fails_or_overruns_is_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(event: Ping) -> None:
        raise RuntimeError("boom")

    async def stuck(event: Ping) -> None:
        await asyncio.Event().wait()

    async with running_bus(handler_timeout=BRIEFLY) as bus:
        bus.detach(broken, ping(1), "broken")
        bus.detach(stuck, ping(2), "stuck")
        await asyncio.wait_for(bus.join(), timeout=SOON)

    assert bus.stats.failures_by_handler == {"broken": 1, "stuck": 1}
    assert bus.stats.timed_out == 1
    assert "handler broken failed on ping" in caplog.text
    assert "handler stuck timed out" in caplog.text


async def test_join_waits_for_what_detached_work_publishes() -> None:
    pongs: list[int] = []

    async with running_bus() as bus:

        async def publishes(event: Ping) -> None:
            await asyncio.sleep(0.01)
            await bus.publish(Pong(community=event.community, at=event.at, n=event.n))

        async def on_pong(event: Pong) -> None:
            pongs.append(event.n)

        bus.subscribe(Pong, on_pong)
        bus.detach(publishes, ping(3), "publishes")
        await asyncio.wait_for(bus.join(), timeout=SOON)
        assert pongs == [3]


async def test_detach_before_start_raises() -> None:
    async def nothing(event: Ping) -> None:
        return None

    with pytest.raises(RuntimeError, match="start"):
        EventBus().detach(nothing, ping(), "nothing")


# -- reading bursts ahead --------------------------------------------------------------


async def test_burst_readers_see_their_events_of_a_burst_at_once_before_any_is_handled() -> None:
    seen: list[tuple[str, list[int]]] = []
    handled_when_read: list[int] = []
    handled: list[int] = []

    def read_pings(events: Sequence[Ping]) -> None:
        seen.append(("pings", [e.n for e in events]))
        handled_when_read.append(len(handled))

    def read_acme_pongs(events: Sequence[Pong]) -> None:
        seen.append(("acme pongs", [e.n for e in events]))

    async def on_ping(event: Ping) -> None:
        handled.append(event.n)

    burst = [
        ping(1),
        Pong(community=ACME, at=T0, n=2),
        LoudPing(community=GLOBEX, at=T0, n=3),
        Pong(community=GLOBEX, at=T0, n=4),
        ping(5),
    ]
    async with running_bus(workers=1) as bus:
        bus.subscribe(Ping, on_ping)
        bus.subscribe_bursts(Ping, read_pings)
        bus.subscribe_bursts(Pong, read_acme_pongs, community=ACME)
        await bus.publish_many(burst)
        await bus.join()
        await bus.publish_many([])  # nothing to read or queue
        await bus.publish(ping(6))  # one at a time: no burst, no reader
        await bus.join()

    # Each reader once, with its events in order (subclasses included, communities kept apart).
    assert seen == [("pings", [1, 3, 5]), ("acme pongs", [2])]
    assert handled_when_read == [0]
    assert handled == [1, 3, 5, 6]
    assert bus.stats.published == 6


async def test_a_failing_burst_reader_is_logged_and_the_burst_still_goes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handled: list[int] = []
    calls: list[int] = []

    def broken(events: Sequence[Ping]) -> None:
        calls.append(len(events))
        raise RuntimeError("cannot read")

    async def on_ping(event: Ping) -> None:
        handled.append(event.n)

    caplog.set_level(logging.ERROR, logger="bot.core.bus")
    async with running_bus(workers=1) as bus:
        bus.subscribe(Ping, on_ping)
        sub = bus.subscribe_bursts(Ping, broken, name="broken")
        await bus.publish_many([ping(1), ping(2)])
        await bus.join()
        bus.unsubscribe(sub)
        bus.unsubscribe(sub)  # a second time is harmless
        await bus.publish_many([ping(3)])
        await bus.join()

    assert calls == [2]
    assert handled == [1, 2, 3]
    (record,) = [r for r in caplog.records if r.name == "bot.core.bus"]
    assert "broken" in record.getMessage() and "2 event(s)" in record.getMessage()
    assert bus.stats.failed == 0  # no handler failed


async def test_publish_many_before_start_raises() -> None:
    bus = EventBus()
    with pytest.raises(RuntimeError, match="start"):
        await bus.publish_many([ping()])
