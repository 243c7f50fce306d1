"""Recent activity kept in memory, bounded in time and size, for rules to read.

The guidelines cog records each message and join here after judging it; rules only read
through the :class:`~policies.context.Context` protocol. Everything older than the
horizon, or beyond the size bounds, is forgotten, so memory stays flat during a raid.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.core.refs import Ref
from policies.context import RecentJoin, RecentMessage

_T = TypeVar("_T", RecentMessage, RecentJoin)
_PER_KEY = 50  # per member, channel or text: enough for any sensible rate window


def fingerprint(canonical: str) -> str:
    """Return the letters and digits of a canonical text: what copy-paste spam shares."""
    return "".join(ch for ch in canonical if ch.isalnum())


def _since(items: deque[_T] | tuple[()], since: datetime) -> list[_T]:
    """Return the items at or after ``since`` from a time-ordered deque, oldest first."""
    recent: list[_T] = []
    for item in reversed(items):
        if item.at < since:
            break
        recent.append(item)
    recent.reverse()
    return recent


class RecentWindows:
    """Keep the recent messages and joins of one community.

    Args:
        horizon: How far back anything is kept.
        max_messages: The most messages kept in all.
        max_joins: The most joins kept.
    """

    def __init__(
        self,
        *,
        horizon: timedelta = timedelta(minutes=15),
        max_messages: int = 5_000,
        max_joins: int = 1_000,
    ) -> None:
        self.horizon = horizon
        self._now = datetime.fromtimestamp(0, UTC)
        self._messages: deque[RecentMessage] = deque(maxlen=max_messages)
        self._by_member: dict[Ref, deque[RecentMessage]] = {}
        self._by_channel: dict[Ref, deque[RecentMessage]] = {}
        self._by_text: dict[str, deque[RecentMessage]] = {}
        self._joins: deque[RecentJoin] = deque(maxlen=max_joins)
        self._swept = self._now

    @property
    def now(self) -> datetime:
        """Return the time of the event being judged."""
        return self._now

    def moved_to(self, now: datetime) -> RecentWindows:
        """Set the current time (before judging an event) and forget what is too old."""
        if now > self._now:
            self._now = now
            self._expire(now - self.horizon)
        return self

    def record_message(self, item: RecentMessage) -> None:
        """Remember a message that was judged."""
        self._messages.append(item)
        for index, key in ((self._by_member, item.author), (self._by_channel, item.channel)):
            index.setdefault(key, deque(maxlen=_PER_KEY)).append(item)
        if item.canonical:
            self._by_text.setdefault(item.canonical, deque(maxlen=_PER_KEY)).append(item)

    def record_join(self, item: RecentJoin) -> None:
        """Remember a member who joined."""
        self._joins.append(item)

    def by_member(self, member: Ref, since: datetime) -> Sequence[RecentMessage]:
        """Return a member's kept messages since a time, oldest first."""
        return _since(self._by_member.get(member, ()), since)

    def in_channel(self, channel: Ref, since: datetime) -> Sequence[RecentMessage]:
        """Return a channel's kept messages since a time, oldest first."""
        return _since(self._by_channel.get(channel, ()), since)

    def with_text(self, canonical: str, since: datetime) -> Sequence[RecentMessage]:
        """Return kept messages with this fingerprint since a time, oldest first."""
        return _since(self._by_text.get(canonical, ()), since)

    def recent_messages(self, since: datetime) -> Sequence[RecentMessage]:
        """Return every kept message since a time, oldest first."""
        return _since(self._messages, since)

    def joins(self, since: datetime) -> Sequence[RecentJoin]:
        """Return the kept joins since a time, oldest first."""
        return _since(self._joins, since)

    def _expire(self, cutoff: datetime) -> None:
        while self._messages and self._messages[0].at < cutoff:
            self._messages.popleft()
        while self._joins and self._joins[0].at < cutoff:
            self._joins.popleft()
        # Reads skip old items anyway; sweeping the per-key indexes is only about memory,
        # so it runs once per quarter horizon instead of on every message.
        if self._now - self._swept < self.horizon / 4:
            return
        self._swept = self._now
        for index in (self._by_member, self._by_channel, self._by_text):
            stale = []
            for key, items in index.items():
                while items and items[0].at < cutoff:
                    items.popleft()
                if not items:
                    stale.append(key)
            for key in stale:
                del index[key]  # type: ignore[arg-type]
