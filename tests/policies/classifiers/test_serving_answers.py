"""Texts seen again: answered from the service's latest answers, copies in a batch scored once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.core.protocols import ClassifierBusy
from policies.classifiers._answers import LONGEST, RecentAnswers
from policies.classifiers.model import StewardTextModel
from policies.classifiers.serving import ClassifierService
from tests.policies.classifiers._doubles import WordModel
from tests.policies.classifiers.test_serving import busy_with_one, queued, serving, soon


async def test_a_text_seen_again_is_answered_without_the_model() -> None:
    model = WordModel()
    with serving(model, remembered=8) as service:
        first = await soon(service.score(["you idiot", "hello"]))
        again = await soon(service.score(["hello", "you idiot", "new here"]))
        assert sorted(model.scored) == ["hello", "new here", "you idiot"], "each text once"
        assert again[:2] == [first[1], first[0]], "the same answers, in the new order"
        assert again[0].model == "words@1"
        assert service.stats.remembered == 2
        assert service.pending == 0


async def test_answers_are_kept_per_community_and_community_language() -> None:
    model = WordModel()
    with serving(model, remembered=8) as service:
        await soon(service.score(["hej"], community="discord-1"))
        await soon(service.score(["hej"], community="discord-2"))  # heads of its own
        await soon(service.score(["hej"], community="discord-1", language="da"))
        await soon(service.score(["hej"], community="discord-1"))
    assert model.scored == ["hej", "hej", "hej"]
    assert model.communities == ["discord-1", "discord-2", "discord-1"]


async def test_no_answers_are_kept_unless_asked_and_long_texts_never() -> None:
    model = WordModel()
    with serving(model) as service:  # the service's default keeps none, scores every copy
        await soon(service.score(["hello", "hello"]))
        await soon(service.score(["hello"]))
    assert model.scored == ["hello", "hello", "hello"]
    long = "x" * (LONGEST + 1)
    model = WordModel()
    with serving(model, remembered=8) as service:
        await soon(service.score([long]))
        await soon(service.score([long]))
    assert model.scored == [long, long]


def test_the_least_recently_used_answer_is_forgotten_first() -> None:
    answers = RecentAnswers(2)
    model = WordModel()
    a, b, c = (model.score_batch([t])[0] for t in ("a", "b", "c"))
    answers.keep((None, None, "a"), a)
    answers.keep((None, None, "b"), b)
    assert answers.recall((None, None, "a")) is a  # used: now the most recent
    answers.keep((None, None, "c"), c)
    assert answers.recall((None, None, "b")) is None
    assert (answers.recall((None, None, "a")), answers.recall((None, None, "c"))) == (a, c)
    assert len(answers) == 2
    with pytest.raises(ValueError, match="fewer than 0"):
        RecentAnswers(-1)


async def test_a_raids_copies_waiting_together_are_scored_once(hold: threading.Event) -> None:
    model = WordModel(hold=hold)
    with serving(model, max_batch=4, remembered=8) as service:
        first = await busy_with_one(service, model)
        copies = ["free nitro here"] * 6
        tasks = await queued(service, [copies[:3], ["hi", *copies[3:]], ["free nitro here"]])
        hold.set()
        results = await soon(asyncio.gather(first, *tasks))
        assert service.pending == 0
    assert model.batches == [["first"], ["hi"], ["free nitro here"]], "seven copies, scored once"
    nitro = results[1][0]
    assert nitro.scores["spam"] == 0.98
    assert results[1] == [nitro] * 3 and results[2][1:] == [nitro] * 3 and results[3] == [nitro]
    assert service.stats.remembered == 6


async def test_a_copy_that_waited_while_its_first_was_scored_takes_its_answer(
    hold: threading.Event,
) -> None:
    model = WordModel(hold=hold)
    with serving(model, remembered=8) as service:
        first = await busy_with_one(service, model)
        (later,) = await queued(service, [["first", "first"]])
        hold.set()
        answers = await soon(asyncio.gather(first, later))
        assert service.stats.remembered == 2
    assert model.scored == ["first"]
    assert answers[1] == answers[0] * 2


async def test_a_failing_batch_fails_every_copy(hold: threading.Event) -> None:
    model = WordModel(hold=hold, fail_on="boom")
    with serving(model, remembered=8) as service:
        first = await busy_with_one(service, model)
        tasks = await queued(service, [["boom"], ["boom", "fine"]])
        hold.set()
        await soon(first)
        outcomes = await soon(asyncio.gather(*tasks, return_exceptions=True))
        assert all(isinstance(o, Exception) for o in outcomes)
        assert service.pending == 0
        assert len(await soon(service.score(["fine"]))) == 1


async def test_only_the_texts_to_score_count_towards_a_full_queue(hold: threading.Event) -> None:
    model = WordModel()
    with serving(model, max_pending=2, remembered=8) as service:
        await soon(service.score(["known one", "known two"]))
        model.hold = hold
        hold.clear()
        first = await busy_with_one(service, model)
        # Two texts already known and one new: one text more to score, within the limit.
        mixed = asyncio.create_task(service.score(["known one", "known two", "new"]))
        await asyncio.sleep(0)
        assert service.pending == 2
        with pytest.raises(ClassifierBusy):
            await service.score(["another"])
        hold.set()
        scored = await soon(asyncio.gather(first, mixed))
        assert [s.scores["abuse"] for s in scored[1]] == [0.02, 0.02, 0.02]
        assert service.pending == 0


def test_a_service_cannot_keep_fewer_than_no_answers() -> None:
    with pytest.raises(ValueError, match="fewer than 0"):
        ClassifierService(WordModel(), remembered=-1)


async def test_the_real_model_answers_copies_and_repeats_as_it_scores_each_text(
    quick_model: StewardTextModel,
) -> None:
    raid = ["FREE NITRO claim now discord.gg/n1tr0", "Salut, tu es vraiment un idiot."] * 5
    with serving(quick_model, remembered=64) as service:
        burst = await soon(service.score(raid))
        one_by_one = [(await soon(service.score([text])))[0] for text in raid]
        stats = service.stats
    alone = [quick_model.score_batch([text])[0] for text in raid[:2]]
    expected = [alone[i % 2] for i in range(len(raid))]
    assert [(s.scores, s.language) for s in burst] == [(s.scores, s.language) for s in expected]
    assert one_by_one == burst
    assert stats.texts == 2, "each distinct line scored once, on its own lane"
    assert stats.remembered == 8 + 10
