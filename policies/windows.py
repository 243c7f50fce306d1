"""Recent activity kept in memory, bounded in time and size, for rules to read.

The guidelines cog records each message and join here after judging it; rules only read
through the :class:`~policies.context.Context` protocol. Everything older than the
horizon, or beyond the size bounds, is forgotten, so memory stays flat during a raid.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from bot.core.models import Message
from bot.core.refs import Ref
from policies._emoji import emoji_count
from policies.context import BannedMember, RecentJoin, RecentMessage, Text

_T = TypeVar("_T", RecentMessage, RecentJoin)
_K = TypeVar("_K", Ref, str)
_PER_KEY = 50  # per member, channel or text; rate limits are capped below it


_NOT_ALNUM = re.compile(r"[\W_]+")
# The same deletion for ASCII text, done by bytes.translate in C: five times faster.
_NOT_ALNUM_ASCII = bytes(b for b in range(128) if not chr(b).isalnum())


@lru_cache(maxsize=1024)  # the rule and the recording ask for the same text in turn
def fingerprint(canonical: str) -> str:
    """Return the letters and digits of a canonical text: what copy-paste spam shares."""
    if canonical.isascii():
        return canonical.encode("ascii").translate(None, _NOT_ALNUM_ASCII).decode("ascii")
    return _NOT_ALNUM.sub("", canonical)


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

    Every message sits in one time-ordered deque and in its member's, channel's and
    text's deques; whatever leaves the first (too old, or beyond ``max_messages``) leaves
    the others at once, so reads never see it and memory is bounded by ``max_messages``.

    Args:
        horizon: How far back messages are kept.
        max_messages: The most messages kept in all.
        max_joins: The most joins kept.
        join_horizon: How far back joins are kept (raid holds look back further).
    """

    def __init__(
        self,
        *,
        horizon: timedelta = timedelta(minutes=15),
        max_messages: int = 5_000,
        max_joins: int = 1_000,
        join_horizon: timedelta = timedelta(hours=2),
    ) -> None:
        self.horizon = horizon
        self.join_horizon = join_horizon
        self._now = datetime.fromtimestamp(0, UTC)
        self._max_messages = max_messages
        self._messages: deque[RecentMessage] = deque()
        self._by_member: dict[Ref, deque[RecentMessage]] = {}
        self._by_channel: dict[Ref, deque[RecentMessage]] = {}
        self._by_text: dict[str, deque[RecentMessage]] = {}
        self._joins: deque[RecentJoin] = deque(maxlen=max_joins)
        self._banned: tuple[BannedMember, ...] = ()
        self._staff: tuple[str, ...] = ()

    @property
    def now(self) -> datetime:
        """Return the time of the event being judged."""
        return self._now

    def moved_to(self, now: datetime) -> RecentWindows:
        """Set the current time (before judging an event) and forget what is too old."""
        if now > self._now:
            self._now = now
            cutoff = now - self.horizon
            while self._messages and self._messages[0].at < cutoff:
                self._drop_oldest()
            join_cutoff = now - self.join_horizon
            while self._joins and self._joins[0].at < join_cutoff:
                self._joins.popleft()
        return self

    def record_message(self, item: RecentMessage) -> None:
        """Remember a message that was judged."""
        if len(self._messages) >= self._max_messages:
            self._drop_oldest()
        self._messages.append(item)
        _add(self._by_member, item.author, item)
        _add(self._by_channel, item.channel, item)
        if item.canonical:
            _add(self._by_text, item.canonical, item)

    def record(self, message: Message, text: Text, *, count_emojis: bool = False) -> None:
        """Remember a judged message: its fingerprint, files, emoji and author's join date."""
        self.record_message(
            RecentMessage(
                message=message.ref,
                channel=message.channel,
                author=message.author.ref,
                at=message.created_at,
                canonical=fingerprint(text.canonical),
                attachments=len(message.attachments),
                emojis=emoji_count(message.content) if count_emojis else 0,
                author_joined=message.author.joined_at,
            )
        )

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

    def know_banned(self, banned: Sequence[BannedMember]) -> RecentWindows:
        """Set who is banned now (the cog reads it from its cases before judging a join)."""
        self._banned = tuple(banned)
        return self

    def banned(self) -> Sequence[BannedMember]:
        """Return the members whose ban still holds, latest first, as last told."""
        return self._banned

    def know_staff(self, names: Sequence[str]) -> RecentWindows:
        """Set the names staff go by (the cog gathers them before judging a join)."""
        self._staff = tuple(names)
        return self

    def staff(self) -> Sequence[str]:
        """Return the names staff go by, as last told."""
        return self._staff

    def _drop_oldest(self) -> None:
        old = self._messages.popleft()
        _drop(self._by_member, old.author, old)
        _drop(self._by_channel, old.channel, old)
        if old.canonical:
            _drop(self._by_text, old.canonical, old)


def _add(index: dict[_K, deque[RecentMessage]], key: _K, item: RecentMessage) -> None:
    items = index.get(key)
    if items is None:
        items = index[key] = deque(maxlen=_PER_KEY)
    items.append(item)


def _drop(index: dict[_K, deque[RecentMessage]], key: _K, item: RecentMessage) -> None:
    """Remove the globally oldest item from its key's deque, where it is the oldest too."""
    items = index.get(key)
    if items and items[0] is item:
        items.popleft()
    if items is not None and not items:
        del index[key]
