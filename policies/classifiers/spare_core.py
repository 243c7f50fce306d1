"""Lend one text's work a second core, but only while no other lane is computing.

Scored one at a time, an English text spends about a third of its first look on the
lexical votes (Python, holding the GIL) and most of the rest in ONNX Runtime, which lets
go of the GIL while a graph runs. On two cores the two can overlap: the votes are worked
out on a helper thread while the graph runs on the lane's own.

That helps only while a core is idle. When the other lane is busy too (a burst, or a mix
of languages at a high rate), a third thread would only compete with both lanes for the
two cores and the GIL, so the work is then done in turn, on the lane's own thread. A
:class:`SpareCore` counts the lanes computing now and lends its helper only to a lane that
computes alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class SpareCore:
    """A helper thread for the lane that computes alone; shared by a model's lanes.

    The thread starts the first time it is lent and then idles between texts.

    Args:
        lending: Whether to lend the helper at all; without it every lane works alone.
    """

    def __init__(self, *, lending: bool = True) -> None:
        self._lock = threading.Lock()
        self._computing = 0
        self._helper: ThreadPoolExecutor | None = None
        self.lending = lending
        """Whether the helper is lent at all (``steward bench`` measures both ways)."""
        self.lent = 0
        """How many times work ran beside a lane (for tests and ``steward bench``)."""

    @contextmanager
    def computing(self) -> Iterator[None]:
        """Count the calling lane as computing for the duration of the block."""
        with self._lock:
            self._computing += 1
        try:
            yield
        finally:
            with self._lock:
                self._computing -= 1

    def beside(self, work: Callable[[], T]) -> Callable[[], T]:
        """Start ``work`` on the helper if the caller computes alone; else run it later.

        Args:
            work: What to compute while the caller does something else.

        Returns:
            A function that returns ``work``'s result (raising what it raised): it waits
            for the helper, or, when the helper was not lent, calls ``work`` itself.
        """
        with self._lock:
            if not self.lending or self._computing > 1:
                return work
            if self._helper is None:
                self._helper = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="steward-spare-core"
                )
            self.lent += 1
            helper = self._helper
        return helper.submit(work).result


def usable_cores() -> int:
    """Return how many cores this process may run on (its affinity, where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
