"""Serve a text model to asyncio code from worker threads, in batches grouped by length.

A model scores synchronously and takes milliseconds per batch; the event loop must never
wait on it. :class:`ClassifierService` queues each request and answers it on the event
loop it came from. One service (and one model in memory) serves every community of a
process, from any number of event loops.

A model that routes its texts (a :class:`LanedModel`, such as Steward's own) is served in
lanes: a router thread tells each text's lane once (for Steward's model, from its
language), and each lane has a worker thread of its own that batches what waits for it.
A burst of texts for a slow lane (French on the multilingual encoder) then never delays
the texts of a fast one (English), and both lanes compute at once: the encoders release
the GIL while they run. Any other model is served by one worker thread.

Each worker takes everything that waits for it, cuts it into groups of similar length
(never mixing communities: each may have heads of its own) and scores group after group.
How a model runs a group is its own affair: Steward's encoders run each text of it alone,
so that a text's scores never depend on what arrives with it (see
:class:`policies.classifiers.encoder.OnnxEncoder`); a model that pads a group into one
batch pads it least this way.

A service may keep its latest answers (``remembered``): a text asked again with the same
community and community language is then answered at once on the event loop, and copies of
one text waiting together, or arriving while their first is scored, are scored once. A
raid's hundred copies of one message cost one run of the model (see
:mod:`policies.classifiers._answers`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.core.protocols import ClassifierBusy, ClassifierFailed, ModelIdentity, TextScores
from policies.classifiers._answers import AnswerKey, RecentAnswers
from policies.classifiers._workers import Item, Ledger, Request, Stage, by_community
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


@dataclass(frozen=True, slots=True)
class Routed:
    """A text made ready for its lane.

    Attributes:
        text: The text as the lane scores it (for Steward's model: folded).
        language: Its language (ISO 639-1), or ``None`` when unknown.
        lane: The lane that scores it, one of the model's ``lanes``.
    """

    text: str
    language: str | None
    lane: str


@runtime_checkable
class LanedModel(TextModel, Protocol):
    """A model whose texts take one of several lanes, each scored on its own.

    ``score_batch`` gives the same answers as routing the texts and scoring each lane's
    share with ``score_lane``.
    """

    @property
    def lanes(self) -> tuple[str, ...]:
        """Return the names of the lanes."""
        ...

    def route(
        self, texts: Sequence[str], communities: Sequence[str | None] | None = None
    ) -> list[Routed]:
        """Return each text made ready for its lane, in order.

        ``communities`` gives, per text, its community's language (BCP 47), for texts
        whose own language the model cannot tell; ``None`` when none is known.
        """
        ...

    def score_lane(
        self, lane: str, texts: Sequence[Routed], community: str | None = None
    ) -> list[TextScores]:
        """Return the scores of texts routed to ``lane``, in order."""
        ...


@dataclass(slots=True)
class ServiceStats:
    """What the workers did, for ``steward bench`` and health checks.

    Attributes:
        batches: Calls of the model that score.
        texts: Texts scored.
        failures: Calls of the model that raised (routing included).
        largest_batch: The most texts in one call.
        remembered: Texts answered without scoring them again: known from an earlier
            answer, or a copy of another text of the same batch.
    """

    batches: int = 0
    texts: int = 0
    failures: int = 0
    largest_batch: int = 0
    remembered: int = 0


Scorer = Callable[[list[Item], str | None], list[TextScores]]
"""Score items of one community, in order."""

SINGLE_LANE = "model"
"""The lane's name for a model that does not route."""
ROUTER = "router"
"""The name of the stage that routes texts to lanes (it never scores)."""


class ClassifierService:
    """Score texts with a :class:`TextModel` off the event loop; a ``Classifier``.

    Args:
        model: The loaded model; only the worker threads call it, each lane from its own.
        max_batch: The most texts in one call of the model.
        max_pending: The most texts waiting or being scored; a request beyond that is
            refused at once with :class:`~bot.core.protocols.ClassifierBusy`.
        remembered: How many latest answers to keep, per text, community and community
            language (see :mod:`policies.classifiers._answers`); 0 keeps none. Only a
            model that scores each text alone, whatever arrives with it, may keep any.

    Raises:
        ValueError: If ``max_batch`` or ``max_pending`` is below 1, or ``remembered``
            below 0.
    """

    def __init__(
        self,
        model: TextModel,
        *,
        max_batch: int = 16,
        max_pending: int = 1024,
        remembered: int = 0,
    ) -> None:
        if max_batch < 1 or max_pending < 1:
            raise ValueError("max_batch and max_pending must be at least 1")
        self._answers = RecentAnswers(remembered)
        self._remembered = 0
        self._model = model
        self._model_label = f"{model.model_id}@{model.version}"
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._ledger = Ledger(self._model_label)
        self._lane_stats: dict[str, ServiceStats] = {}
        self._route_failures = 0
        self._lanes: dict[str, Stage] = {}
        thread = f"classifier:{model.model_id}"
        if isinstance(model, LanedModel):
            router = model
            for lane in model.lanes:
                self._lanes[lane] = self._lane(f"{thread}:{lane}", lane, _lane_scorer(model, lane))
            self._entry = Stage(
                f"{thread}:{ROUTER}", self._ledger, lambda items: self._route(router, items)
            )
            self._stages = [self._entry, *self._lanes.values()]
        else:
            self._entry = self._lane(thread, SINGLE_LANE, _batch_scorer(model))
            self._stages = [self._entry]
        for stage in self._stages:
            stage.start()

    def _lane(self, name: str, lane: str, scorer: Scorer) -> Stage:
        stats = self._lane_stats[lane] = ServiceStats()

        def handle(items: list[Item]) -> None:
            self._score(items, scorer, stats)

        return Stage(name, self._ledger, handle)

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
    def lanes(self) -> tuple[str, ...]:
        """Return the names of the lanes, each served by a worker thread of its own."""
        return tuple(self._lane_stats)

    @property
    def pending(self) -> int:
        """Return how many texts wait or are being scored."""
        with self._ledger.lock:
            return self._ledger.pending

    @property
    def stats(self) -> ServiceStats:
        """Return what the workers did, all lanes together (a snapshot)."""
        parts = list(self._lane_stats.values())
        return ServiceStats(
            batches=sum(s.batches for s in parts),
            texts=sum(s.texts for s in parts),
            failures=sum(s.failures for s in parts) + self._route_failures,
            largest_batch=max((s.largest_batch for s in parts), default=0),
            remembered=sum(s.remembered for s in parts) + self._remembered,
        )

    @property
    def lane_stats(self) -> dict[str, ServiceStats]:
        """Return what each lane's worker did (snapshots)."""
        return {lane: dataclasses.replace(s) for lane, s in self._lane_stats.items()}

    async def score(
        self, texts: Sequence[str], *, community: str | None = None, language: str | None = None
    ) -> list[TextScores]:
        """Return the scores of each text, in order, each naming the model that gave them.

        Args:
            texts: The texts.
            community: Whose moderators' heads apply (see
                :func:`bot.core.protocols.community_key`).
            language: The community's language (BCP 47): a model with lanes reads a text
                whose own language it cannot tell in it. A model without lanes ignores it.

        Raises:
            ClassifierBusy: If the queue is full.
            ClassifierFailed: If the model raised on a batch holding one of the texts,
                or the service is closed.
        """
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        ledger = self._ledger
        with ledger.lock:
            if ledger.closed:
                raise ClassifierFailed(f"the classifier {self._model_label} is closed")
            known = [self._answers.recall((community, language, text)) for text in texts]
            if all(scores is not None for scores in known):
                # Answered at once: no hand-off to a worker and back.
                self._remembered += len(known)
                return [scores for scores in known if scores is not None]
            request = Request(tuple(texts), community, loop, loop.create_future(), language)
            missing = request.known_already(known)
            self._remembered += len(texts) - len(missing)
            if ledger.pending + len(missing) > self._max_pending:
                raise ClassifierBusy(
                    f"the classifier {self._model_label} is busy: {ledger.pending} texts wait "
                    f"(at most {self._max_pending})"
                )
            ledger.pending += len(missing)
            self._entry.put_locked(Item(request, i, texts[i]) for i in missing)
        return await request.future

    def close(self, wait: float = 5.0) -> None:
        """Stop the workers: fail the requests still waiting, let the batches in hand finish.

        Args:
            wait: Seconds to wait for each worker to finish its batch; a hung model is left
                behind (the threads are daemons).
        """
        closed = ClassifierFailed(f"the classifier {self._model_label} was closed")
        with self._ledger.lock:
            self._ledger.closed = True
            abandoned = [item for stage in self._stages for item in stage.close_locked()]
            for item in abandoned:
                item.request.error = closed
        self._ledger.settle(abandoned)
        for stage in self._stages:
            stage.join(wait)

    # -- on the worker threads ------------------------------------------------------------

    def _route(self, model: LanedModel, items: list[Item]) -> None:
        """Tell each item's lane, a batch at a time, and pass it on as soon as it is known."""
        for start in range(0, len(items), self._max_batch):
            chunk = items[start : start + self._max_batch]
            try:
                routed = model.route(
                    [item.text for item in chunk], [item.request.language for item in chunk]
                )
                if len(routed) != len(chunk):
                    raise ValueError(f"the model routed {len(routed)} of {len(chunk)} texts")
                lanes: dict[str, list[Item]] = {r.lane: [] for r in routed}
                unknown = set(lanes) - set(self._lanes)
                if unknown:
                    raise ValueError(f"the model routed texts to unknown lanes {sorted(unknown)}")
            except Exception as error:
                self._route_failures += 1
                logger.exception("classifier %s failed to route texts", self._model_label)
                self._ledger.settle(chunk, error)
                continue
            for item, r in zip(chunk, routed, strict=True):
                lanes[r.lane].append(Item(item.request, item.index, r.text, r.language))
            with self._ledger.lock:
                if not self._ledger.closed:
                    for lane, moved in lanes.items():
                        self._lanes[lane].put_locked(moved)
                    continue
            # Closed while routing: these texts will never be scored.
            self._ledger.settle(
                [item for moved in lanes.values() for item in moved],
                ClassifierFailed(f"the classifier {self._model_label} was closed"),
            )

    def _score(self, items: list[Item], scorer: Scorer, stats: ServiceStats) -> None:
        for community, mine in by_community(items).items():
            copies = self._copies(mine)
            stats.remembered += len(mine) - len(copies)  # each scored with the first
            copies = self._unknown(copies, stats)
            texts = [same[0].text for same in copies]
            for group in group_by_length(texts, max_batch=self._max_batch):
                chosen = [copies[position] for position in group]
                firsts = [same[0] for same in chosen]
                outcome = self._call(scorer, firsts, community, stats)
                settled = [item for same in chosen for item in same]
                if isinstance(outcome, Exception):
                    self._ledger.settle(settled, outcome)
                    continue
                self._keep(firsts, outcome)
                answers = [a for same, a in zip(chosen, outcome, strict=True) for _ in same]
                self._ledger.settle(settled, answers)

    def _copies(self, items: list[Item]) -> list[list[Item]]:
        """Return the items, copies of one text together when answers are kept.

        The same text read the same way (its lane's text and language) gets the same
        scores whatever arrives with it, so a raid's copies are scored once. A service that
        keeps no answers scores every text it is given.
        """
        if self._answers.size == 0:
            return [[item] for item in items]
        copies: dict[tuple[str, str | None], list[Item]] = {}
        for item in items:
            copies.setdefault((item.text, item.language), []).append(item)
        return list(copies.values())

    def _unknown(self, copies: list[list[Item]], stats: ServiceStats) -> list[list[Item]]:
        """Answer the texts whose answers came while they waited; return the others.

        A raid's copies that arrived while their first was being scored find its answer.
        """
        if self._answers.size == 0:
            return copies
        with self._ledger.lock:
            known = [self._answers.recall(_asked(same[0])) for same in copies]
        answered = [(same, s) for same, s in zip(copies, known, strict=True) if s is not None]
        stats.remembered += len(answered)  # counted before any caller hears back
        for same, scores in answered:
            self._ledger.settle(same, [scores] * len(same))
        return [same for same, scores in zip(copies, known, strict=True) if scores is None]

    def _keep(self, items: list[Item], answers: list[TextScores]) -> None:
        """Remember each item's answer, under the text and community it was asked with."""
        if self._answers.size == 0:
            return
        with self._ledger.lock:
            for item, scores in zip(items, answers, strict=True):
                self._answers.keep(_asked(item), scores)

    def _call(
        self, scorer: Scorer, items: list[Item], community: str | None, stats: ServiceStats
    ) -> list[TextScores] | Exception:
        stats.batches += 1
        stats.largest_batch = max(stats.largest_batch, len(items))
        try:
            scored = scorer(items, community)
            if len(scored) != len(items):
                raise ValueError(f"the model gave {len(scored)} scores for {len(items)} texts")
        except Exception as error:
            # One bad batch fails its own requests; the worker goes on with the next.
            stats.failures += 1
            logger.exception("classifier %s failed on a batch", self._model_label)
            return error
        stats.texts += len(items)
        return [self._stamped(scores) for scores in scored]

    def _stamped(self, scores: TextScores) -> TextScores:
        if scores.model:
            return scores
        return dataclasses.replace(scores, model=self._model_label)


def _asked(item: Item) -> AnswerKey:
    """Return what an item's text was asked with: its community, their language, the text."""
    request = item.request
    return (request.community, request.language, request.texts[item.index])


def _batch_scorer(model: TextModel) -> Scorer:
    def score(items: list[Item], community: str | None) -> list[TextScores]:
        return model.score_batch([item.text for item in items], community)

    return score


def _lane_scorer(model: LanedModel, lane: str) -> Scorer:
    def score(items: list[Item], community: str | None) -> list[TextScores]:
        routed = [Routed(item.text, item.language, lane) for item in items]
        return model.score_lane(lane, routed, community)

    return score
