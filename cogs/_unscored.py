"""Bound the review items that come from missing scores, so an overload cannot flood review.

When the classifier does not answer in time, a message is judged by the rules alone and,
with ``on_timeout = "review"``, handed to moderators. That suits a rare slow answer. Under
a flood, or with a model too slow for the machine, every message would become a review
item and bury the ones that matter. So each community hands at most a set number of such
messages to review per hour; past that, staff are told once that the classifier is not
keeping up, and the rest are judged by the rules alone until the hour has room again.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)


class UnscoredReviews:
    """Count the messages sent to review for want of scores in the last hour.

    Args:
        per_hour: How many may go to review in any hour.
    """

    def __init__(self, per_hour: int) -> None:
        self.per_hour = per_hour
        self._admitted: deque[datetime] = deque()
        self._warned_at: datetime | None = None
        self.skipped = 0
        """Messages judged by the rules alone without review since the count began."""

    def admit(self, now: datetime) -> bool:
        """Return whether a message without scores at ``now`` goes to review (and count it)."""
        while self._admitted and now - self._admitted[0] >= WINDOW:
            self._admitted.popleft()
        if len(self._admitted) < self.per_hour:
            self._admitted.append(now)
            return True
        self.skipped += 1
        return False

    def warn_now(self, now: datetime) -> bool:
        """Return whether staff should hear of the overload now: once an hour at most."""
        if self._warned_at is not None and now - self._warned_at < WINDOW:
            return False
        self._warned_at = now
        return True
