"""The classifier service: order, batching by length, busy, failures kept apart, close."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator, Sequence
from typing import TypeVar

import pytest

from bot.core.protocols import Classifier, ClassifierBusy, ClassifierFailed, TextScores
from policies.classifiers.serving import ClassifierService, TextModel
from tests.policies.classifiers._doubles import WordModel

T = TypeVar("T")
SOON = 10.0
"""Seconds within which something that should happen does happen (a guard, not a timing)."""


@pytest.fixture
async def held(hold: threading.Event) -> AsyncIterator[tuple[ClassifierService, WordModel]]:
    """Return a service whose model waits until ``hold`` is set."""
    model = WordModel(hold=hold, fail_on="boom")
    service = ClassifierService(model, max_batch=4, max_pending=64)
    yield service, model
    hold.set()
    service.close()


@contextlib.contextmanager
def serving(model: TextModel, **options: int) -> Iterator[ClassifierService]:
    """Serve ``model``; close the service afterwards."""
    service = ClassifierService(model, **options)
    try:
        yield service
    finally:
        service.close()


async def soon(awaitable: Awaitable[T]) -> T:
    async with asyncio.timeout(SOON):
        return await awaitable


Scoring = asyncio.Task[list[TextScores]]


async def busy_with_one(service: ClassifierService, model: WordModel) -> Scoring:
    """Start a one-text request and wait until the model is working on it (and held)."""
    first = asyncio.create_task(service.score(["first"]))
    await soon(asyncio.to_thread(model.entered.wait, SOON))
    return first


async def queued(service: ClassifierService, texts: list[list[str]]) -> list[Scoring]:
    """Submit requests while the worker is held; return once all of them wait."""
    before = service.pending
    tasks = [asyncio.create_task(service.score(t)) for t in texts]
    await asyncio.sleep(0)  # each task runs up to its await: its request is queued
    assert service.pending == before + sum(len(t) for t in texts)
    return tasks


async def test_the_service_is_a_classifier_named_after_its_model() -> None:
    with serving(WordModel()) as service:
        assert isinstance(service, Classifier)
        assert (service.model_id, service.version, service.labels) == (
            "words",
            "1",
            ("abuse", "spam"),
        )


async def test_scores_come_back_in_order_naming_the_model() -> None:
    model = WordModel(languages={"bonjour": "fr"})
    texts = ["a long and perfectly friendly sentence about lamps", "idiot", "bonjour", "free nitro"]
    with serving(model) as service:
        scored = await soon(service.score(texts))
    assert [s.scores["abuse"] > 0.5 for s in scored] == [False, True, False, False]
    assert [s.scores["spam"] > 0.5 for s in scored] == [False, False, False, True]
    assert [s.language for s in scored] == ["en", "en", "fr", "en"]
    assert {s.model for s in scored} == {"words@1"}


async def test_no_texts_no_model_call() -> None:
    model = WordModel()
    with serving(model) as service:
        assert await service.score([]) == []
    assert model.batches == []


async def test_waiting_requests_are_batched_together_by_length(
    held: tuple[ClassifierService, WordModel], hold: threading.Event
) -> None:
    service, model = held
    first = await busy_with_one(service, model)
    short, long, mixed = "hi", "a sentence of some forty characters, yes", "ok"
    tasks = await queued(
        service, [[short, long], ["yo", long + "!!"], [mixed, long * 5, "hey"], [long * 5 + "?"]]
    )
    hold.set()
    results = await soon(asyncio.gather(first, *tasks))
    # Across requests, sorted by length and cut where lengths differ too much (max 4 a batch).
    assert model.batches == [
        ["first"],
        ["hi", "yo", "ok", "hey"],
        [long, long + "!!"],
        [long * 5, long * 5 + "?"],
    ]
    # Each request still gets its own texts' scores, in its own order.
    assert [len(r) for r in results[1:]] == [2, 2, 3, 1]


async def test_a_batch_never_mixes_communities(
    held: tuple[ClassifierService, WordModel], hold: threading.Event
) -> None:
    service, model = held
    first = await busy_with_one(service, model)
    tasks = [
        asyncio.create_task(service.score(["same length a"], community="discord-1")),
        asyncio.create_task(service.score(["same length b"], community="slack-T1")),
        asyncio.create_task(service.score(["same length c"], community="discord-1")),
    ]
    await asyncio.sleep(0)
    hold.set()
    await soon(asyncio.gather(first, *tasks))
    # Each community may have heads of its own: its texts go to the model on their own.
    assert list(zip(model.batches, model.communities, strict=True)) == [
        (["first"], None),
        (["same length a", "same length c"], "discord-1"),
        (["same length b"], "slack-T1"),
    ]


async def test_a_batch_holds_at_most_max_batch_texts() -> None:
    model = WordModel()
    with serving(model, max_batch=3) as service:
        await soon(service.score([f"text {i}" for i in range(7)]))
    assert [len(b) for b in model.batches] == [3, 3, 1]


async def test_a_full_queue_refuses_at_once(hold: threading.Event) -> None:
    model = WordModel(hold=hold)
    with serving(model, max_pending=3) as service:
        first = await busy_with_one(service, model)
        waiting = await queued(service, [["two", "three"]])
        with pytest.raises(ClassifierBusy, match=r"busy: 3 texts wait \(at most 3\)"):
            await service.score(["four"])
        hold.set()
        await soon(asyncio.gather(first, *waiting))
        assert service.pending == 0
        assert len(await soon(service.score(["four"]))) == 1


async def test_a_failing_batch_fails_its_requests_only_and_the_worker_goes_on(
    held: tuple[ClassifierService, WordModel], hold: threading.Event
) -> None:
    service, model = held
    first = await busy_with_one(service, model)
    fine = "a much longer and perfectly fine sentence about the lamp"
    broken, ok = await queued(service, [["boom"], [fine]])
    hold.set()
    await soon(first)
    with pytest.raises(ClassifierFailed, match="RuntimeError: the model broke on 'boom'"):
        await soon(broken)
    (scored,) = await soon(ok)
    assert scored.scores["abuse"] < 0.5
    assert len(await soon(service.score(["still working"]))) == 1
    assert service.stats.failures == 1
    assert service.pending == 0


async def test_a_model_that_miscounts_fails_the_request() -> None:
    class Miscounting(WordModel):
        def score_batch(
            self, texts: Sequence[str], community: str | None = None
        ) -> list[TextScores]:
            return []

    with (
        serving(Miscounting()) as service,
        pytest.raises(ClassifierFailed, match="gave 0 scores for 1 texts"),
    ):
        await soon(service.score(["hello"]))


async def test_a_request_its_caller_gave_up_on_is_not_scored(
    held: tuple[ClassifierService, WordModel], hold: threading.Event
) -> None:
    service, model = held
    first = await busy_with_one(service, model)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(service.score(["never mind"]), timeout=0.01)
    hold.set()
    await soon(first)
    await soon(service.score(["next"]))
    assert "never mind" not in model.scored
    assert service.pending == 0


async def test_close_fails_what_waits_lets_the_batch_in_hand_finish_and_stops_the_thread(
    held: tuple[ClassifierService, WordModel], hold: threading.Event
) -> None:
    service, model = held
    first = await busy_with_one(service, model)
    (waiting,) = await queued(service, [["second"]])
    service.close(wait=0)
    with pytest.raises(ClassifierFailed, match="was closed"):
        await soon(waiting)
    with pytest.raises(ClassifierFailed, match="is closed"):
        await service.score(["third"])
    hold.set()
    assert len(await soon(first)) == 1
    service.close()
    assert model.scored == ["first"]
    assert not [t for t in threading.enumerate() if t.name == "classifier:words"]


def test_several_event_loops_share_one_service() -> None:
    results: dict[int, list[float]] = {}
    start = threading.Barrier(4)

    def in_own_loop(index: int) -> None:
        async def ask() -> list[float]:
            texts = [f"loop {index} says hello", f"loop {index} says idiot"] * 5
            return [s.scores["abuse"] for s in await soon(service.score(texts))]

        start.wait(SOON)
        results[index] = asyncio.run(ask())

    threads = [threading.Thread(target=in_own_loop, args=(i,)) for i in range(4)]
    with serving(WordModel()) as service:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SOON)
    assert sorted(results) == [0, 1, 2, 3]
    for scores in results.values():
        assert [s > 0.5 for s in scores] == [False, True] * 5
