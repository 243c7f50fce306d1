"""Tell the executions of one blocked message from a member's next attempt.

The platform's filter reports each action of a rule apart: blocking a message, alerting
the moderators and timing the member out come as separate events with the same member,
channel, rule and text. One message has each action once, all within moments; the same
action again is a new attempt, which deserves its own case.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.events import AutoModBlocked
from bot.core.refs import Ref

WINDOW = timedelta(seconds=60)
"""How long after its first action another action still belongs to the same message."""
MAX_KEPT = 2048
"""Blocked messages remembered at most (a raid must not grow memory without bound)."""
DOING = {
    "block": "blocked the message",
    "alert": "alerted the moderators",
    "timeout": "timed the member out",
    "block_interactions": "blocked the member's interactions",
}
"""What each filter action did, in words for a case note."""

_Key = tuple[Ref, Ref | None, str, str]


@dataclass(slots=True)
class BlockedMessage:
    """One message the filter acted on, and what Steward made of it.

    Attributes:
        at: When its first action came.
        actions: The filter's actions seen for it.
        cases: The ids of the cases Steward opened for it.
        judged: Set once Steward judged it (``cases`` is then complete); its other
            actions, handled at the same time, wait for it.
    """

    at: datetime
    actions: set[str] = field(default_factory=set)
    cases: list[int] = field(default_factory=list)
    judged: asyncio.Event = field(default_factory=asyncio.Event)


class BlockedMessages:
    """Group filter actions by the message they acted on, for a short while."""

    def __init__(self, window: timedelta = WINDOW, max_kept: int = MAX_KEPT) -> None:
        self._window = window
        self._max_kept = max_kept
        self._recent: OrderedDict[_Key, BlockedMessage] = OrderedDict()

    def place(self, event: AutoModBlocked) -> tuple[BlockedMessage, bool]:
        """Return the message an action belongs to, and whether it is a new one."""
        self._forget_before(event.at - self._window)
        key = (
            event.member.ref,
            event.channel,
            event.rule,
            event.message.id if event.message else event.content,
        )
        known = self._recent.get(key)
        if known is not None and event.action not in known.actions:
            known.actions.add(event.action)
            return known, False
        fresh = BlockedMessage(at=event.at, actions={event.action})
        self._recent[key] = fresh
        self._recent.move_to_end(key)
        while len(self._recent) > self._max_kept:
            self._recent.popitem(last=False)
        return fresh, True

    def _forget_before(self, cutoff: datetime) -> None:
        while self._recent:
            key, oldest = next(iter(self._recent.items()))
            if oldest.at >= cutoff:
                return
            del self._recent[key]
