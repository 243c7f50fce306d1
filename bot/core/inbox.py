"""An inbox between a platform's client and the app: events go on in bursts, in order.

A client hears events one at a time. Handing each on by itself costs a wait per event
(the ledger looks its id up in storage), and on a busy server those waits cost more than
the rest of the event's way. The inbox takes an event without waiting; one task hands on
everything that came meanwhile in a single call, so a burst shares one lookup.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.core.events import Event

logger = logging.getLogger(__name__)

Deliver = Callable[[Sequence[Event]], Awaitable[object]]
"""Hands a burst of events on, in order (``App.ingest_many``, deduplicating)."""
MAX_BURST = 500
"""The most events handed on in one call; the rest wait for the next."""


class EventInbox:
    """Collect events as they are heard and hand them on in bursts, oldest first.

    Args:
        deliver: Receives each burst; the next burst waits until it returns.
        name: Names the task that hands events on (for logs and debugging).
    """

    def __init__(self, deliver: Deliver, *, name: str = "event-inbox") -> None:
        self._deliver = deliver
        self._name = name
        self._waiting: list[Event] = []
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        """Return how many events wait to be handed on."""
        return len(self._waiting)

    def put(self, event: Event) -> None:
        """Take an event; it is handed on soon, after every event taken before it.

        Raises:
            RuntimeError: If no event loop is running.
        """
        self._waiting.append(event)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._hand_on(), name=self._name)

    async def drained(self) -> None:
        """Wait until every event taken so far was handed on (or failed to be)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def close(self) -> None:
        """Stop handing events on; those still waiting are dropped, with a warning."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._waiting:
            logger.warning("%s closed with %d event(s) not handed on", self._name, len(self))
            self._waiting.clear()

    async def _hand_on(self) -> None:
        while self._waiting:
            burst = self._waiting[:MAX_BURST]
            del self._waiting[:MAX_BURST]
            try:
                await self._deliver(burst)
            except Exception:
                # The app could not take them (its storage failed, say): they are lost as
                # they would have been one at a time, but the next burst still goes.
                logger.exception("%s could not hand on %d event(s)", self._name, len(burst))
