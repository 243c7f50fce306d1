"""Fire named timers as ``Tick`` events, on the real clock or on a virtual one.

Timers live in memory. Anything that must survive a restart (a tempban's end, a
scheduled post) is stored by its cog, which schedules the timer again when it loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from datetime import datetime

from bot.core.bus import EventBus
from bot.core.clock import VirtualClock, as_utc
from bot.core.events import Tick
from bot.core.protocols import Clock
from bot.core.refs import Ref

_Key = tuple[Ref, str]


class TimerWheel:
    """Keep named timers per community and publish a ``Tick`` when one comes due.

    Args:
        bus: Where ``Tick`` events go.
        clock: The clock that says when a timer is due.
    """

    def __init__(self, bus: EventBus, clock: Clock) -> None:
        self._bus = bus
        self._clock = clock
        self._heap: list[tuple[datetime, int, Ref, str]] = []
        self._current: dict[_Key, tuple[datetime, int]] = {}
        self._seq = itertools.count()
        self._changed = asyncio.Event()

    def schedule(self, community: Ref, name: str, at: datetime) -> None:
        """Fire ``Tick(timer=name)`` at ``at``, replacing a timer of that name."""
        at = as_utc(at)
        seq = next(self._seq)
        self._current[(community, name)] = (at, seq)
        heapq.heappush(self._heap, (at, seq, community, name))
        self._changed.set()

    def cancel(self, community: Ref, name: str) -> None:
        """Forget a timer; its heap entry is skipped when it surfaces."""
        self._current.pop((community, name), None)

    def next_due(self) -> datetime | None:
        """Return when the earliest live timer is due, if any."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def scheduled(self, community: Ref) -> dict[str, datetime]:
        """Return a community's live timers by name."""
        return {name: at for (ref, name), (at, _) in self._current.items() if ref == community}

    async def fire_due(self, now: datetime) -> int:
        """Publish a ``Tick`` for every timer due at or before ``now``, earliest first.

        Returns:
            How many timers fired.
        """
        fired = 0
        while (due := self.next_due()) is not None and due <= now:
            at, _, community, name = heapq.heappop(self._heap)
            del self._current[(community, name)]
            await self._bus.publish(Tick(community=community, at=at, timer=name))
            fired += 1
        return fired

    async def advance(self, clock: VirtualClock, to: datetime) -> int:
        """Move a virtual clock to ``to``, firing each timer at its own time on the way.

        The bus is drained after each timer, so timers that handlers schedule on the way
        (a weekly post scheduling the next one) fire too, in time order.

        Returns:
            How many timers fired.
        """
        to = as_utc(to)
        if to < clock.now():
            raise ValueError(f"the virtual clock cannot go back from {clock.now()} to {to}")
        fired = 0
        while (due := self.next_due()) is not None and due <= to:
            clock.set(max(due, clock.now()))
            fired += await self.fire_due(clock.now())
            await self._bus.join()
        clock.set(to)
        return fired

    async def run(self, *, max_sleep: float = 60.0) -> None:
        """Fire timers on the real clock until cancelled."""
        while True:
            await self.fire_due(self._clock.now())
            due = self.next_due()
            wait = max_sleep
            if due is not None:
                wait = min(max_sleep, max(0.0, (due - self._clock.now()).total_seconds()))
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=wait)

    def _drop_stale(self) -> None:
        while self._heap:
            at, seq, community, name = self._heap[0]
            if self._current.get((community, name)) == (at, seq):
                return
            heapq.heappop(self._heap)
