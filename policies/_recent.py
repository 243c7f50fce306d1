"""Remember the latest answers of a pure function, within a bound: texts read ahead."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecentAnswers(Generic[K, V]):
    """The last few hundred answers, kept in two generations of at most ``limit`` each.

    Meant for answers that never go stale (a pure function of the key): an answer that
    was dropped is only worked out again. When the newer generation is full it becomes
    the older one and the oldest answers go, so at least the last ``limit`` answers are
    always kept, and never more than twice as many.

    Args:
        limit: How many answers a generation holds.

    Raises:
        ValueError: If ``limit`` is below one.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a generation must hold at least one answer")
        self._limit = limit
        self._newer: dict[K, V] = {}
        self._older: dict[K, V] = {}

    def __len__(self) -> int:
        """Return how many answers are kept (a key in both generations counts twice)."""
        return len(self._newer) + len(self._older)

    def get(self, key: K) -> V | None:
        """Return the answer kept for a key, or ``None``."""
        found = self._newer.get(key)
        if found is None:
            found = self._older.get(key)
        return found

    def put(self, key: K, answer: V) -> None:
        """Keep an answer, letting the older generation go when the newer one is full."""
        if len(self._newer) >= self._limit:
            self._older = self._newer
            self._newer = {}
        self._newer[key] = answer
