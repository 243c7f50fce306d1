"""Housekeeping: what a long-running Steward forgets on time.

Every few hours the process forgets the event ids the ledger no longer needs (a busy
server's ledger would otherwise grow by a row a message, for ever) and, where the
configuration says for how long members' words are kept (``[steward] keep_texts_days``),
drops what they wrote that is older than that: a brand's privacy notice promises how long
it keeps members' messages, and Steward keeps that promise without anyone running a job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.cog import Storage
from bot.core.events import Tick
from bot.core.protocols import LEDGER_KEPT, Clock, MemberDataHolder, Timers
from bot.core.refs import Ref

logger = logging.getLogger(__name__)

PLACE = Ref("steward", "housekeeping")
"""Where its timer lives: no community owns it."""
TIMER = "housekeeping"
EVERY = timedelta(hours=6)
"""How often it runs."""
LEDGER_BATCH = 5000
"""How many old event ids one statement drops."""
FIRST_AFTER = timedelta(minutes=1)
"""When its first run comes after the start: once the communities are up."""


@dataclass(frozen=True, slots=True)
class Swept:
    """What one run forgot.

    Attributes:
        event_ids: Event ids the ledger no longer remembers.
        texts: Records whose members' words were dropped, by package and table.
    """

    event_ids: int
    texts: dict[str, dict[str, int]] = field(default_factory=dict)


class Housekeeping:
    """Forget on time what a running Steward no longer needs or may no longer keep.

    Args:
        storage: The storage backend.
        clock: The clock.
        timers: Schedules its runs.
        holders: The packages that keep members' words.
        communities: The communities this process runs, when a run starts.
        keep_texts_days: How long members' words are kept; ``0`` keeps them.
    """

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        timers: Timers,
        *,
        holders: Sequence[MemberDataHolder],
        communities: Callable[[], Sequence[Ref]],
        keep_texts_days: int,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._timers = timers
        self._holders = holders
        self._communities = communities
        self.keep_texts_days = keep_texts_days

    def arm(self, at: datetime | None = None) -> None:
        """Schedule the next run (the first a minute from now)."""
        self._timers.schedule(PLACE, TIMER, at or self._clock.now() + FIRST_AFTER)

    async def on_tick(self, event: Tick) -> None:
        """Run when its timer comes due, then arm the next run."""
        if event.timer != TIMER:
            return
        try:
            swept = await self.sweep(event.at)
        except Exception:  # the next run tries again; the bot goes on either way
            logger.exception("housekeeping failed")
        else:
            if swept.event_ids or any(any(t.values()) for t in swept.texts.values()):
                logger.info("housekeeping: %s", swept)
        self.arm(event.at + EVERY)

    async def sweep(self, now: datetime) -> Swept:
        """Forget old event ids, and members' words older than they may be kept."""
        forgotten = await self._forget_event_ids(now - LEDGER_KEPT)
        texts: dict[str, dict[str, int]] = {}
        if self.keep_texts_days:
            cutoff = now - timedelta(days=self.keep_texts_days)
            for community in self._communities():
                for holder in self._holders:
                    counts = await holder.forget_texts_before(community, cutoff, now)
                    section = texts.setdefault(holder.section, {})
                    for table, count in counts.items():
                        section[table] = section.get(table, 0) + count
        return Swept(event_ids=forgotten, texts=texts)

    async def _forget_event_ids(self, cutoff: datetime) -> int:
        """Drop the ledger's ids older than ``cutoff`` a batch at a time.

        Between batches the writer is free for the messages arriving meanwhile: the first
        sweep after an upgrade may have millions of ids to drop.
        """
        forgotten = 0
        while True:
            dropped = await self._storage.ledger.forget_before(cutoff, limit=LEDGER_BATCH)
            forgotten += dropped
            if dropped < LEDGER_BATCH:
                return forgotten
            await asyncio.sleep(0)
