"""Serve a text model to asyncio code from one worker thread, in batches grouped by length.

A model scores synchronously and takes milliseconds per batch; the event loop must never
wait on it. :class:`ClassifierService` queues each request, and its one worker thread
drains the queue, cuts what it took into groups of similar length, scores each group and
hands every request its scores on the event loop it came from. One service (and one
model in memory) serves every community of a process, from any number of event loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.protocols import ClassifierBusy, ClassifierFailed, ModelIdentity, TextScores
from policies.classifiers.grouping import group_by_length

logger = logging.getLogger(__name__)


class TextModel(ModelIdentity, Protocol):
    """A loaded model that scores texts synchronously, a batch at a time."""

    def score_batch(self, texts: Sequence[str], community: str | None = None) -> list[TextScores]:
        """Return the scores of each text, in order.

        Args:
            texts: The texts.
            community: Whose moderators' heads apply (``None``: the shared model only).
        """
        ...


@dataclass(eq=False, slots=True)
class _Request:
    """One caller's texts, answered once every text has its scores."""

    texts: tuple[str, ...]
    community: str | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[TextScores]]
    results: list[TextScores | None] = field(init=False)
    left: int = field(init=False)
    error: Exception | None = None

    def __post_init__(self) -> None:
        self.results = [None] * len(self.texts)
        self.left = len(self.texts)


@dataclass(slots=True)
class ServiceStats:
    """What the worker did, for ``steward bench`` and health checks.

    Attributes:
        batches: Calls of ``score_batch``.
        texts: Texts scored.
        failures: Batches whose call raised.
        largest_batch: The most texts in one call.
    """

    batches: int = 0
    texts: int = 0
    failures: int = 0
    largest_batch: int = 0


class ClassifierService:
    """Score texts with a :class:`TextModel` off the event loop; a ``Classifier``.

    Args:
        model: The loaded model; only the worker thread calls it.
        max_batch: The most texts in one ``score_batch`` call.
        max_pending: The most texts waiting or being scored; a request beyond that is
            refused at once with :class:`~bot.core.protocols.ClassifierBusy`.

    Raises:
        ValueError: If ``max_batch`` or ``max_pending`` is below 1.
    """

    def __init__(self, model: TextModel, *, max_batch: int = 16, max_pending: int = 1024) -> None:
        if max_batch < 1 or max_pending < 1:
            raise ValueError("max_batch and max_pending must be at least 1")
        self._model = model
        self._model_label = f"{model.model_id}@{model.version}"
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._wake = threading.Condition()
        self._waiting: deque[_Request] = deque()
        self._pending = 0
        self._closed = False
        self.stats = ServiceStats()
        self._thread = threading.Thread(
            target=self._work, name=f"classifier:{model.model_id}", daemon=True
        )
        self._thread.start()

    @property
    def model_id(self) -> str:
        """Return the model's name."""
        return self._model.model_id

    @property
    def version(self) -> str:
        """Return the model's version."""
        return self._model.version

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the labels the model scores."""
        return tuple(self._model.labels)

    @property
    def pending(self) -> int:
        """Return how many texts wait or are being scored."""
        with self._wake:
            return self._pending

    async def score(
        self, texts: Sequence[str], *, community: str | None = None
    ) -> list[TextScores]:
        """Return the scores of each text, in order, each naming the model that gave them.

        Args:
            texts: The texts.
            community: Whose moderators' heads apply (see
                :func:`bot.core.protocols.community_key`).

        Raises:
            ClassifierBusy: If the queue is full.
            ClassifierFailed: If the model raised on a batch holding one of the texts,
                or the service is closed.
        """
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        request = _Request(tuple(texts), community, loop, loop.create_future())
        with self._wake:
            if self._closed:
                raise ClassifierFailed(f"the classifier {self._model_label} is closed")
            if self._pending + len(texts) > self._max_pending:
                raise ClassifierBusy(
                    f"the classifier {self._model_label} is busy: {self._pending} texts wait "
                    f"(at most {self._max_pending})"
                )
            self._pending += len(texts)
            self._waiting.append(request)
            self._wake.notify()
        return await request.future

    def close(self, wait: float = 5.0) -> None:
        """Stop the worker: fail the requests still waiting, let the batch in hand finish.

        Args:
            wait: Seconds to wait for the worker to finish its batch; a hung model is left
                behind (the thread is a daemon).
        """
        with self._wake:
            self._closed = True
            abandoned = list(self._waiting)
            self._waiting.clear()
            self._wake.notify_all()
        for request in abandoned:
            request.error = ClassifierFailed(f"the classifier {self._model_label} was closed")
            self._answer(request)
        if self._thread is not threading.current_thread():
            self._thread.join(wait)

    # -- the worker thread ----------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                taken = list(self._waiting)
                self._waiting.clear()
            # A caller that stopped waiting (its timeout passed) is not scored. Reading
            # ``done()`` from this thread is a plain attribute read; the answer itself
            # goes through the caller's loop.
            live = []
            for request in taken:
                if request.future.done():
                    self._answer(request)
                else:
                    live.append(request)
            self._score(live)

    def _score(self, requests: list[_Request]) -> None:
        # Each community may have heads of its own, so a batch never mixes communities.
        by_community: dict[str | None, list[_Request]] = {}
        for request in requests:
            by_community.setdefault(request.community, []).append(request)
        for community, mine in by_community.items():
            self._score_community(community, mine)

    def _score_community(self, community: str | None, requests: list[_Request]) -> None:
        items = [(request, index) for request in requests for index in range(len(request.texts))]
        texts = [request.texts[index] for request, index in items]
        for group in group_by_length(texts, max_batch=self._max_batch):
            chosen = [items[position] for position in group]
            scored = self._call_model([texts[position] for position in group], community)
            for offset, (request, index) in enumerate(chosen):
                if isinstance(scored, Exception):
                    request.error = request.error or scored
                else:
                    request.results[index] = self._stamped(scored[offset])
                request.left -= 1
                if request.left == 0:
                    self._answer(request)

    def _call_model(self, texts: list[str], community: str | None) -> list[TextScores] | Exception:
        stats = self.stats
        stats.batches += 1
        stats.largest_batch = max(stats.largest_batch, len(texts))
        try:
            scored = self._model.score_batch(texts, community)
            if len(scored) != len(texts):
                raise ValueError(f"the model gave {len(scored)} scores for {len(texts)} texts")
        except Exception as error:
            # One bad batch fails its own requests; the worker goes on with the next.
            stats.failures += 1
            logger.exception("classifier %s failed on a batch", self._model_label)
            return error
        stats.texts += len(texts)
        return scored

    def _stamped(self, scores: TextScores) -> TextScores:
        if scores.model:
            return scores
        return dataclasses.replace(scores, model=self._model_label)

    def _answer(self, request: _Request) -> None:
        """Count the request's texts as done and settle its future on the caller's loop."""
        with self._wake:
            self._pending -= len(request.texts)
        outcome: list[TextScores] | ClassifierFailed
        error = request.error
        if isinstance(error, ClassifierFailed):
            outcome = error
        elif error is not None:
            outcome = ClassifierFailed(
                f"the classifier {self._model_label} failed: {type(error).__name__}: {error}"
            )
            outcome.__cause__ = error
        else:
            outcome = [scores for scores in request.results if scores is not None]
        # The caller's loop may be gone (it gave up and finished); nobody waits then.
        with contextlib.suppress(RuntimeError):
            request.loop.call_soon_threadsafe(_settle, request.future, outcome)


def _settle(
    future: asyncio.Future[list[TextScores]], outcome: list[TextScores] | ClassifierFailed
) -> None:
    if future.done():  # the caller timed out and cancelled it
        return
    if isinstance(outcome, ClassifierFailed):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
