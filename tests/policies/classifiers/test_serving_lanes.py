"""The classifier service's lanes: routed once, each lane batching on its own thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from bot.core.protocols import ClassifierBusy, ClassifierFailed, TextScores
from policies.classifiers.model import StewardTextModel
from policies.classifiers.reading import readable
from policies.classifiers.serving import ClassifierService, Routed
from tests.policies.classifiers._doubles import LanedWordModel
from tests.policies.classifiers.test_serving import SOON, serving, soon

FRENCH = {"bonjour": "fr", "merci": "fr"}
MIXED = [
    "thanks, the new firmware fixed my lamp schedule",
    "merci, le nouveau firmware a réparé mon planning de lampe",
    "you are a worthless idiot and everyone here hates you",
    "t'es qu'un pauvre idiot, personne ne veut de toi ici",
    "je kunt beter je mond houden, niemand vindt je leuk",
    "お前なんか誰も必要としていない、消えろ",
    "lol ok",
    "FREE nitro gift!! claim it now at nitro-gift.example before it expires",
    "Du er en ubrugelig idiot, ingen gider dig",
    "jesteś żałosnym idiotą i nikt cię tu nie chce",
]
"""Chat lines in the six seed languages, kind and not, of many lengths."""


@pytest.fixture
def gates() -> Iterator[dict[str, threading.Event]]:
    held = {"english": threading.Event(), "other": threading.Event()}
    yield held
    for gate in held.values():
        gate.set()  # never leave a worker waiting


def held(gates: dict[str, threading.Event], lane: str, **options: Any) -> LanedWordModel:
    """Return a model that knows French and holds each batch of ``lane`` until its gate opens."""
    return LanedWordModel(languages=FRENCH, holds={lane: gates[lane]}, **options)


async def entered(model: LanedWordModel, lane: str) -> None:
    """Wait until the model is scoring (or held in) a batch of ``lane``."""
    await soon(asyncio.to_thread(model.entered_lane[lane].wait, SOON))


def threads_named(prefix: str) -> list[str]:
    return sorted(t.name for t in threading.enumerate() if t.name.startswith(prefix))


async def test_a_routing_model_gets_a_worker_thread_per_lane_and_one_to_route() -> None:
    with serving(LanedWordModel()) as service:
        assert service.lanes == ("english", "other")
        assert threads_named("classifier:words") == [
            "classifier:words:english",
            "classifier:words:other",
            "classifier:words:router",
        ]
    assert threads_named("classifier:words") == []


async def test_answers_keep_the_request_order_across_lanes() -> None:
    model = LanedWordModel(languages=FRENCH)
    with serving(model) as service:
        scored = await soon(service.score(["hello idiot", "bonjour", "merci idiot", "free nitro"]))
    assert [s.language for s in scored] == ["en", "fr", "fr", "en"]
    assert [s.scores["abuse"] > 0.5 for s in scored] == [True, False, True, False]
    assert [s.scores["spam"] > 0.5 for s in scored] == [False, False, False, True]
    assert {s.model for s in scored} == {"words@1"}
    assert sorted(model.lane_batches) == [
        ("english", ["free nitro", "hello idiot"]),
        ("other", ["bonjour", "merci idiot"]),
    ]


async def test_a_held_up_lane_never_delays_the_other(gates: dict[str, threading.Event]) -> None:
    model = held(gates, "other")
    with serving(model) as service:
        french = asyncio.create_task(service.score(["bonjour à tous"]))
        await entered(model, "other")
        # The multilingual lane is stuck on its batch; English goes through meanwhile.
        (english,) = await soon(service.score(["hello everyone"]))
        assert english.language == "en"
        assert not french.done()
        gates["other"].set()
        (answer,) = await soon(french)
        assert answer.language == "fr"


async def test_each_lane_batches_what_waits_for_it_by_length_and_community(
    gates: dict[str, threading.Event],
) -> None:
    model = held(gates, "english", watch="merci beaucoup")
    with serving(model, max_batch=4) as service:
        first = asyncio.create_task(service.score(["first"]))
        await entered(model, "english")
        long = "a sentence of some forty characters, yes"
        tasks = [
            asyncio.create_task(service.score(["hi", long, "bonjour"], community="discord-1")),
            asyncio.create_task(service.score(["yo", "merci"], community="slack-T1")),
            asyncio.create_task(
                service.score([long + "!!", "ok", "merci beaucoup"], community="discord-1")
            ),
        ]
        # The other lane scores while English is held; once it has the last request's
        # French text, the router has queued every English text too.
        await soon(asyncio.to_thread(model.watched.wait, SOON))
        gates["english"].set()
        results = await soon(asyncio.gather(first, *tasks))
    english = [batch for lane, batch in model.lane_batches if lane == "english"]
    assert english[0] == ["first"]
    assert sorted(english[1:]) == [[long, long + "!!"], ["hi", "ok"], ["yo"]]
    assert [len(r) for r in results] == [1, 3, 2, 3]
    assert [s.language for s in results[1]] == ["en", "en", "fr"]
    stats = service.lane_stats
    assert stats["english"].texts == 6
    assert stats["other"].texts == 3
    assert service.stats.texts == 9


async def test_a_routing_failure_fails_its_requests_only() -> None:
    model = LanedWordModel(route_fails_on="boom")
    with serving(model) as service:
        with pytest.raises(ClassifierFailed, match="RuntimeError: routing broke on 'boom'"):
            await soon(service.score(["boom"]))
        assert len(await soon(service.score(["still working"]))) == 1
        assert service.stats.failures == 1
        assert service.pending == 0


async def test_texts_sent_to_a_lane_the_model_lacks_fail() -> None:
    with serving(LanedWordModel(strays="lost")) as service:
        with pytest.raises(ClassifierFailed, match=r"unknown lanes \['nowhere'\]"):
            await soon(service.score(["found", "lost"]))
        assert service.pending == 0


async def test_texts_count_as_pending_until_every_lane_has_answered(
    gates: dict[str, threading.Event],
) -> None:
    model = held(gates, "other")
    with serving(model, max_pending=3) as service:
        mixed = asyncio.create_task(service.score(["hello", "bonjour", "merci"]))
        await entered(model, "other")
        # English is done, but the request waits for its French texts: all three count.
        assert service.pending == 3
        with pytest.raises(ClassifierBusy, match=r"busy: 3 texts wait \(at most 3\)"):
            await service.score(["one more"])
        gates["other"].set()
        assert [s.language for s in await soon(mixed)] == ["en", "fr", "fr"]
        assert service.pending == 0


async def test_a_request_given_up_is_not_scored_in_any_lane(
    gates: dict[str, threading.Event],
) -> None:
    model = held(gates, "english")
    with serving(model) as service:
        first = asyncio.create_task(service.score(["first"]))
        await entered(model, "english")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(service.score(["never mind", "bonjour"]), timeout=0.01)
        gates["english"].set()
        await soon(first)
        await soon(service.score(["next"]))
        assert "never mind" not in model.scored
        assert service.pending == 0


async def test_close_fails_what_waits_in_every_lane_and_stops_every_thread(
    gates: dict[str, threading.Event],
) -> None:
    model = held(gates, "english")
    service = ClassifierService(model)
    first = asyncio.create_task(service.score(["first"]))
    await entered(model, "english")
    waiting = asyncio.create_task(service.score(["second"]))
    await asyncio.sleep(0)
    service.close(wait=0)
    with pytest.raises(ClassifierFailed, match="was closed"):
        await soon(waiting)
    with pytest.raises(ClassifierFailed, match="is closed"):
        await service.score(["bonjour"])
    gates["english"].set()
    assert len(await soon(first)) == 1
    service.close()
    assert threads_named("classifier:words") == []
    assert service.pending == 0


class Recording:
    """Serve a real model through its lanes and remember the batches each lane scored."""

    def __init__(self, model: StewardTextModel) -> None:
        self.model = model
        self.model_id, self.version, self.labels = model.model_id, model.version, model.labels
        self.lanes = model.lanes
        self.batches: list[list[str]] = []

    def route(
        self, texts: Sequence[str], communities: Sequence[str | None] | None = None
    ) -> list[Routed]:
        return self.model.route(texts, communities)

    def score_lane(
        self, lane: str, texts: Sequence[Routed], community: str | None = None
    ) -> list[TextScores]:
        self.batches.append([r.text for r in texts])
        return self.model.score_lane(lane, texts, community)

    def score_batch(self, texts: Sequence[str], community: str | None = None) -> list[TextScores]:
        return self.model.score_batch(texts, community)


async def test_the_lanes_give_the_answers_of_the_model_alone(
    quick_model: StewardTextModel,
) -> None:
    assert quick_model.lanes == ("english", "multilingual")
    assert {r.lane for r in quick_model.route(MIXED)} == {"english", "multilingual"}
    # One text a batch: the lanes answer exactly as the model does for each text alone.
    with serving(quick_model, max_batch=1) as service:
        assert await soon(service.score(MIXED)) == [quick_model.score_batch([t])[0] for t in MIXED]
    # Batched: each answer is the model's own for the batch its lane scored it in. (The
    # English encoder quantizes a batch's activations as a whole, so which texts share a
    # batch moves scores a little; the one-lane service grouped them differently.)
    recording = Recording(quick_model)
    with serving(recording) as service:
        laned = await soon(service.score(MIXED))
    assert sorted(t for batch in recording.batches for t in batch) == sorted(map(readable, MIXED))
    expected = {
        text: scores
        for batch in recording.batches
        for text, scores in zip(batch, quick_model.score_batch(batch), strict=True)
    }
    assert laned == [expected[readable(text)] for text in MIXED]


SHORT_DANISH = "Du er så dum."
"""An abusive Danish line too short for either language detector."""


async def test_a_line_no_detector_can_tell_is_read_in_the_communitys_language(
    quick_model: StewardTextModel,
) -> None:
    (alone,) = quick_model.route([SHORT_DANISH])
    assert (alone.language, alone.lane) == (None, "english")
    (danish,) = quick_model.route([SHORT_DANISH], ["da-DK"])
    assert (danish.language, danish.lane) == ("da", "multilingual")
    # An English community, or none, keeps the old reading; so does a line that is told.
    assert quick_model.route([SHORT_DANISH], ["en-GB"])[0].lane == "english"
    assert quick_model.route([SHORT_DANISH], [None])[0].lane == "english"
    told = "you are a worthless idiot and everyone here hates you"
    assert quick_model.route([told], ["da"])[0].language == "en"
    # The service carries each request's language to the router, request by request.
    with serving(quick_model) as service:
        in_danish, as_before = await soon(
            asyncio.gather(
                service.score([SHORT_DANISH], language="da"), service.score([SHORT_DANISH])
            )
        )
    assert in_danish == quick_model.score_batch([SHORT_DANISH], language="da")
    assert in_danish[0].language == "da"
    assert as_before == quick_model.score_batch([SHORT_DANISH])
    assert as_before[0].language == "en"
    assert in_danish[0].scores != as_before[0].scores
