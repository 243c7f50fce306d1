"""Deliver events to the handlers subscribed to their type, concurrently and safely.

The bus keeps one bounded pool of work: publishing waits while the pool is full
(back-pressure reaches the adapter, which slows its reads instead of piling up tasks),
a fixed set of workers runs handlers concurrently, and a handler that raises or times
out is logged and never stops the others. A handler that must wait on something slow
(a model's scores) can detach the rest of its work, so its worker moves on to the next
event; ``join`` still waits for detached work.

Events that come together (an adapter's burst) can be read ahead: before any of them
is queued, each burst reader sees all of those it subscribed to at once, and can prepare
in one go what its handlers would otherwise work out event by event.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.core.events import Event
from bot.core.refs import Ref

Handler = Callable[[Any], Awaitable[None]]
"""A coroutine function taking one event."""
BurstReader = Callable[[Sequence[Any]], None]
"""A plain function taking the events of one burst that it subscribed to, in order."""

logger = logging.getLogger(__name__)

# Set while a worker runs a handler: events published from inside a handler skip the
# capacity wait, or a full queue whose workers all publish would deadlock.
_inside_handler: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "steward_inside_handler", default=False
)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A handle to undo one ``subscribe`` call."""

    event_type: type[Event]
    handler: Handler
    community: Ref | None
    name: str


@dataclass(frozen=True, slots=True)
class BurstSubscription:
    """A handle to undo one ``subscribe_bursts`` call."""

    event_type: type[Event]
    reader: BurstReader
    community: Ref | None
    name: str


_Sub = TypeVar("_Sub", Subscription, BurstSubscription)
_MAX_ROUTES = 4_096
"""Routes kept at most: event types times communities served, with room to spare."""
_Table = dict[type[Event], dict[Ref | None, list[_Sub]]]
_Routes = dict[tuple[type[Event], Ref], list[_Sub]]


def _routed(routes: _Routes[_Sub], table: _Table[_Sub], event: Event) -> list[_Sub]:
    """Return the subscriptions an event goes to, remembered for its type and community."""
    key = (type(event), event.community)
    route = routes.get(key)
    if route is None:
        if len(routes) >= _MAX_ROUTES:
            routes.clear()
        route = routes[key] = _subscribed(table, event)
    return route


def _label(name: str | None, callback: object) -> str:
    """Return the name a subscription goes by in logs: the given one, else the callback's."""
    return name or str(getattr(callback, "__qualname__", repr(callback)))


def _subscribed(table: _Table[_Sub], event: Event) -> list[_Sub]:
    """Return the subscriptions an event goes to, most general type last."""
    found: list[_Sub] = []
    for cls in type(event).__mro__:
        by_community = table.get(cls)
        if not by_community:
            continue
        found.extend(by_community.get(event.community, ()))
        found.extend(by_community.get(None, ()))
    return found


@dataclass(slots=True)
class BusStats:
    """Counters for health checks and benchmarks."""

    published: int = 0
    handled: int = 0
    failed: int = 0
    timed_out: int = 0
    failures_by_handler: dict[str, int] = field(default_factory=dict)


class _Capacity:
    """Count free slots; ``acquire`` waits for one, first come first served.

    ``asyncio.Semaphore`` would do, but on Python 3.11 each release scans every waiter
    that was already woken and has not run yet, so thousands of waiting publishers (a
    flood read faster than it is handled) cost time quadratic in their number. Here a
    release hands its slot to the oldest waiter directly, in constant time.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody waits for one; return whether it did."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        return False

    async def acquire(self) -> None:
        """Take a slot, waiting for one if none is free."""
        if self.try_acquire():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over just as the wait was cancelled
            raise

    def release(self) -> None:
        """Give a slot back: to the oldest waiter still waiting, else to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


@dataclass(slots=True)
class _Job:
    handler: Handler
    name: str
    event: Event
    holds_slot: bool


class EventBus:
    """Route events by type (and optionally community) to handlers run by a worker pool.

    Args:
        workers: How many handlers may run at the same time. One worker makes delivery
            strictly sequential, which ``simulate`` uses for deterministic output.
        capacity: How many handler runs may wait; ``publish`` blocks beyond that.
        handler_timeout: Seconds after which a handler run is cancelled and logged;
            ``None`` lets handlers run as long as they like.
    """

    def __init__(
        self, *, workers: int = 16, capacity: int = 1024, handler_timeout: float | None = 30.0
    ) -> None:
        if workers < 1 or capacity < 1:
            raise ValueError("the bus needs at least one worker and a capacity of one")
        self._workers = workers
        self._capacity = _Capacity(capacity)
        self._handler_timeout = handler_timeout
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._detached: set[asyncio.Task[None]] = set()
        self._running = 0
        # Handler runs in progress by the task running them, with the time each must end by.
        # One watchdog task checks them all, which costs far less than arming a timer per
        # run (a flood runs tens of thousands of handlers a second).
        self._deadlines: dict[asyncio.Task[Any], tuple[float, _Job]] = {}
        self._overdue: set[asyncio.Task[Any]] = set()
        self._subs: _Table[Subscription] = defaultdict(lambda: defaultdict(list))
        self._readers: _Table[BurstSubscription] = defaultdict(lambda: defaultdict(list))
        # Who gets an event depends only on its type and community: worked out once for
        # each pair, and afresh after any (un)subscription. Walking the type's ancestry for
        # every event of a flood cost more than delivering it.
        self._routes: _Routes[Subscription] = {}
        self._burst_routes: _Routes[BurstSubscription] = {}
        self.stats = BusStats()

    # -- subscriptions -------------------------------------------------------------------

    def subscribe(
        self,
        event_type: type[Event],
        handler: Handler,
        *,
        community: Ref | None = None,
        name: str | None = None,
    ) -> Subscription:
        """Call ``handler`` for every event of ``event_type`` (subclasses included).

        Args:
            event_type: The event class to listen for; ``Event`` receives everything.
            handler: The coroutine function to call.
            community: Only deliver this community's events; ``None`` delivers all.
            name: The name used in logs; defaults to the handler's qualified name.

        Returns:
            A subscription to pass to :meth:`unsubscribe`.
        """
        sub = Subscription(event_type, handler, community, _label(name, handler))
        self._subs[event_type][community].append(sub)
        self._forget_routes()
        return sub

    def subscribe_bursts(
        self,
        event_type: type[Event],
        reader: BurstReader,
        *,
        community: Ref | None = None,
        name: str | None = None,
    ) -> BurstSubscription:
        """Show ``reader`` each burst's events of ``event_type`` before any is handled.

        For preparing at once what handlers would work out one event at a time. The reader
        runs on the event loop, before the burst is queued, so it must be quick; what it
        raises is logged and the burst goes on. Only :meth:`publish_many` calls readers.

        Args:
            event_type: The event class to read; subclasses are included.
            reader: The function to call with the burst's events of that type, in order.
            community: Only this community's events; ``None`` reads all.
            name: The name used in logs; defaults to the reader's qualified name.

        Returns:
            A subscription to pass to :meth:`unsubscribe`.
        """
        sub = BurstSubscription(event_type, reader, community, _label(name, reader))
        self._readers[event_type][community].append(sub)
        self._forget_routes()
        return sub

    def unsubscribe(self, sub: Subscription | BurstSubscription) -> None:
        """Stop a subscription; runs already queued still happen."""
        subs: list[Any] = (
            self._subs[sub.event_type][sub.community]
            if isinstance(sub, Subscription)
            else self._readers[sub.event_type][sub.community]
        )
        if sub in subs:
            subs.remove(sub)
            self._forget_routes()

    def handlers_for(self, event: Event) -> list[Subscription]:
        """Return the subscriptions an event goes to, most general type last."""
        return list(self._route(event))

    def _route(self, event: Event) -> list[Subscription]:
        return _routed(self._routes, self._subs, event)

    def _burst_route(self, event: Event) -> list[BurstSubscription]:
        return _routed(self._burst_routes, self._readers, event)

    def _forget_routes(self) -> None:
        self._routes.clear()
        self._burst_routes.clear()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers; idempotent."""
        if self._tasks:
            return
        for index in range(self._workers):
            self._tasks.append(asyncio.create_task(self._work(), name=f"bus-worker-{index}"))
        if self._handler_timeout is not None:
            watchdog = self._watch(every=min(self._handler_timeout / 4, 1.0))
            self._tasks.append(asyncio.create_task(watchdog, name="bus-watchdog"))

    async def join(self) -> None:
        """Wait until every queued or detached handler run, and what it published, has finished."""
        while True:
            await self._queue.join()
            if not self._detached:
                return
            await asyncio.wait(set(self._detached))

    async def close(self) -> None:
        """Finish queued work, then stop the workers."""
        if self._tasks:
            await self.join()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    @property
    def pending(self) -> int:
        """Return how many handler runs are waiting or running, detached ones included."""
        return self._queue.qsize() + self._running + len(self._detached)

    # -- publishing ----------------------------------------------------------------------

    async def publish(self, event: Event) -> None:
        """Queue an event for its handlers, waiting while the bus is full.

        From inside a handler the wait is skipped (see ``_inside_handler``).
        """
        if not self._tasks:
            raise RuntimeError("the bus is not started; call start() first")
        self.stats.published += 1
        waits = not _inside_handler.get()
        for sub in self._route(event):
            if waits and not self._capacity.try_acquire():  # no coroutine when a slot is free
                await self._capacity.acquire()
            self._queue.put_nowait(_Job(sub.handler, sub.name, event, waits))

    async def publish_many(self, events: Sequence[Event]) -> None:
        """Show a burst of events to its readers (see :meth:`subscribe_bursts`), then queue each.

        Raises:
            RuntimeError: If the bus is not started.
        """
        if not events:
            return
        if not self._tasks:
            raise RuntimeError("the bus is not started; call start() first")
        self._read_ahead(events)
        for event in events:
            await self.publish(event)

    def _read_ahead(self, events: Sequence[Event]) -> None:
        if not self._readers:
            return
        bursts: dict[BurstSubscription, list[Event]] = {}
        for event in events:
            for sub in self._burst_route(event):
                bursts.setdefault(sub, []).append(event)
        for sub, burst in bursts.items():
            try:
                sub.reader(burst)
            except Exception:
                # Reading ahead only prepares: the handlers still get every event.
                logger.exception("burst reader %s failed on %d event(s)", sub.name, len(burst))

    def detach(self, handler: Handler, event: Event, name: str) -> None:
        """Run ``handler(event)`` as its own task, outside the worker pool.

        For the part of a handler's work that mostly waits (on a model, say): the worker
        that called this goes back to the queue at once, so later events are not held up.
        A detached run is timed out, logged and counted like any handler run, and
        :meth:`join` waits for it. It takes no capacity: the caller bounds how many it
        starts (the classifier refuses work beyond its own queue).

        Raises:
            RuntimeError: If the bus is not started.
        """
        if not self._tasks:
            raise RuntimeError("the bus is not started; call start() first")
        task = asyncio.create_task(
            self._run_detached(_Job(handler, name, event, holds_slot=False)),
            name=f"bus-detached:{name}",
        )
        self._detached.add(task)
        task.add_done_callback(self._detached.discard)

    async def _work(self) -> None:
        _inside_handler.set(True)
        worker = asyncio.current_task()
        assert worker is not None  # started by start()
        queue = self._queue
        while True:
            # Under load the queue is rarely empty: take the next job without a coroutine.
            job = await queue.get() if queue.empty() else queue.get_nowait()
            self._running += 1
            try:
                await self._run(job, worker)
            finally:
                self._running -= 1
                if job.holds_slot:
                    self._capacity.release()
                self._queue.task_done()

    async def _run_detached(self, job: _Job) -> None:
        task = asyncio.current_task()
        assert task is not None  # created by detach()
        await self._run(job, task)

    async def _run(self, job: _Job, task: asyncio.Task[Any]) -> None:
        """Run one handler in ``task`` (a worker's, or its own), timed by the watchdog."""
        started = time.perf_counter()
        if self._handler_timeout is not None:
            self._deadlines[task] = (started + self._handler_timeout, job)
        try:
            await job.handler(job.event)
        except asyncio.CancelledError:
            if task in self._overdue:
                # The watchdog cancelled this run: a timeout, and the task goes on, unless
                # the bus is closing at the same moment.
                self._overdue.discard(task)
                self.stats.timed_out += 1
                self._count_failure(job.name)
                logger.error(
                    "handler %s timed out after %.1fs on %s",
                    job.name,
                    time.perf_counter() - started,
                    job.event.kind,
                )
                if task.uncancel() == 0:
                    return
                raise
            if task.cancelling():
                raise  # the bus is closing: let the worker stop
            # The handler was cancelled from inside (it awaited a cancelled task): a
            # failure of that handler, not of the worker.
            self._count_failure(job.name)
            logger.error(
                "handler %s was cancelled on %s %s", job.name, job.event.kind, job.event.id
            )
        except Exception:
            # A TimeoutError here is the handler's own (an API call, say): a failure.
            self._count_failure(job.name)
            logger.exception("handler %s failed on %s %s", job.name, job.event.kind, job.event.id)
        else:
            self.stats.handled += 1
        finally:
            self._deadlines.pop(task, None)
            if task in self._overdue:  # the handler swallowed the watchdog's cancellation
                self._overdue.discard(task)
                task.uncancel()

    async def _watch(self, *, every: float) -> None:
        """Cancel handler runs past their deadline, checking ``every`` seconds."""
        while True:
            await asyncio.sleep(every)
            now = time.perf_counter()
            for task, (deadline, _) in list(self._deadlines.items()):
                if now >= deadline and task not in self._overdue:
                    self._overdue.add(task)
                    task.cancel()

    def _count_failure(self, name: str) -> None:
        self.stats.failed += 1
        self.stats.failures_by_handler[name] = self.stats.failures_by_handler.get(name, 0) + 1
