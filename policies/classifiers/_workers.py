"""The classifier service's worker threads: requests, the texts they hold, and stages.

A :class:`Stage` is one thread with its own queue: it takes everything that waits and
hands it to its ``handle`` function at once, so whatever queued while it worked becomes
one batch. Every stage of a service shares one lock, so closing the service, counting
pending texts and moving texts from one stage to the next are each one step.

A request settles when each of its texts has been scored, has failed, or was dropped; the
answer goes back through the event loop the request came from.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core.protocols import ClassifierFailed, TextScores


@dataclass(eq=False, slots=True)
class Request:
    """One caller's texts, answered once every text is done.

    ``language`` is the caller's community's language (BCP 47), for texts whose own no
    detector can tell; ``None`` when not given.
    """

    texts: tuple[str, ...]
    community: str | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[TextScores]]
    language: str | None = None
    results: list[TextScores | None] = field(init=False)
    left: int = field(init=False)
    queued: int = field(init=False)
    error: Exception | None = None

    def __post_init__(self) -> None:
        self.results = [None] * len(self.texts)
        self.left = self.queued = len(self.texts)

    def known_already(self, known: list[TextScores | None]) -> list[int]:
        """Take the answers known before scoring; return the positions still to score."""
        self.results = list(known)
        missing = [i for i, scores in enumerate(known) if scores is None]
        self.left = self.queued = len(missing)
        return missing

    @property
    def abandoned(self) -> bool:
        """Return whether the caller stopped waiting (its timeout passed).

        Reading ``done()`` from a worker thread is a plain attribute read; the answer
        itself always goes through the caller's loop.
        """
        return self.future.done()


@dataclass(eq=False, slots=True)
class Item:
    """One text of a request, on its way through the stages.

    Attributes:
        request: The request it belongs to.
        index: Its position in the request.
        text: The text as the next stage scores it (folded once routed).
        language: Its language once routed (ISO 639-1), ``None`` when unknown.
    """

    request: Request
    index: int
    text: str
    language: str | None = None


class Ledger:
    """The lock of a service, its pending count, and the settling of requests.

    Args:
        label: The model's ``id@version``, for messages.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.lock = threading.Lock()
        self.pending = 0
        self.closed = False

    def settle(
        self, items: Iterable[Item], outcome: list[TextScores] | Exception | None = None
    ) -> None:
        """Record the outcome of each item and answer the requests that are complete.

        Args:
            items: The items.
            outcome: One result per item, in order; an error for all of them; or ``None``
                for items dropped unscored (their callers gave up, or the service closed
                and set the request's error).
        """
        complete: list[Request] = []
        with self.lock:
            for position, item in enumerate(items):
                request = item.request
                if isinstance(outcome, Exception):
                    request.error = request.error or outcome
                elif outcome is not None:
                    request.results[item.index] = outcome[position]
                request.left -= 1
                if request.left == 0:
                    complete.append(request)
                    self.pending -= request.queued
        for request in complete:
            self._answer(request)

    def _answer(self, request: Request) -> None:
        outcome: list[TextScores] | ClassifierFailed
        error = request.error
        if isinstance(error, ClassifierFailed):
            outcome = error
        elif error is not None:
            outcome = ClassifierFailed(
                f"the classifier {self.label} failed: {type(error).__name__}: {error}"
            )
            outcome.__cause__ = error
        else:
            outcome = [scores for scores in request.results if scores is not None]
        # The caller's loop may be gone (it gave up and finished); nobody waits then.
        with contextlib.suppress(RuntimeError):
            request.loop.call_soon_threadsafe(_resolve, request.future, outcome)


class Stage:
    """One worker thread that drains its queue into its ``handle`` function.

    Args:
        name: The thread's name.
        ledger: The service's ledger (its lock guards this stage's queue too).
        handle: Called on the worker thread with everything taken from the queue at once.
    """

    def __init__(self, name: str, ledger: Ledger, handle: Callable[[list[Item]], None]) -> None:
        self._ledger = ledger
        self._wake = threading.Condition(ledger.lock)
        self._waiting: deque[Item] = deque()
        self._handle = handle
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def put_locked(self, items: Iterable[Item]) -> None:
        """Queue items and wake the worker; the caller holds the ledger's lock."""
        self._waiting.extend(items)
        self._wake.notify()

    def close_locked(self) -> list[Item]:
        """Wake the worker to stop and return what waited; the caller holds the lock."""
        abandoned = list(self._waiting)
        self._waiting.clear()
        self._wake.notify_all()
        return abandoned

    def join(self, wait: float) -> None:
        """Wait for the worker to finish its batch in hand (unless called from it)."""
        if self._thread is not threading.current_thread():
            self._thread.join(wait)

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._ledger.closed:
                    self._wake.wait()
                if self._ledger.closed:
                    return
                taken = list(self._waiting)
                self._waiting.clear()
            live: list[Item] = []
            dropped: list[Item] = []
            for item in taken:
                (dropped if item.request.abandoned else live).append(item)
            if dropped:
                self._ledger.settle(dropped)
            if live:
                self._handle(live)


def by_community(items: Iterable[Item]) -> dict[str | None, list[Item]]:
    """Return the items per community, in order: a batch never mixes communities.

    Each community may have heads of its own, which apply to the whole batch.
    """
    grouped: dict[str | None, list[Item]] = {}
    for item in items:
        grouped.setdefault(item.request.community, []).append(item)
    return grouped


def _resolve(
    future: asyncio.Future[list[TextScores]], outcome: list[TextScores] | ClassifierFailed
) -> None:
    if future.done():  # the caller timed out and cancelled it
        return
    if isinstance(outcome, ClassifierFailed):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
