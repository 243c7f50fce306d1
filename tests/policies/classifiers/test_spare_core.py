"""The spare core: a text's lexical votes run beside its first look only while a core is idle.

The helper is lent to a lane that computes alone and never while the other lane computes;
either way the scores are the same, and an error in the lent work reaches the caller.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from policies.classifiers.model import ENGLISH_LANE, MULTILINGUAL_LANE, load_model
from policies.classifiers.spare_core import SpareCore
from policies.normalize import fold

TEXTS = [
    "thanks for the quick reply, the lamp works now",
    "you are a worthless idiot and everyone here hates you",
    "FREE nitro!!! claim now at discord-gift.example before it expires",
    "honestly that take is kind of dumb",
]


def _thread_name() -> str:
    return threading.current_thread().name


def test_a_lane_computing_alone_gets_the_helper() -> None:
    spare = SpareCore()
    with spare.computing():
        result = spare.beside(_thread_name)
        assert result().startswith("steward-spare-core")
    assert spare.lent == 1


def test_a_caller_outside_any_lane_gets_it_too() -> None:
    spare = SpareCore()
    assert spare.beside(_thread_name)().startswith("steward-spare-core")


def test_while_another_lane_computes_the_work_runs_on_the_callers_thread() -> None:
    spare = SpareCore()
    other_lane_busy = threading.Event()
    release = threading.Event()

    def other_lane() -> None:
        with spare.computing():
            other_lane_busy.set()
            release.wait(5)

    worker = threading.Thread(target=other_lane)
    worker.start()
    try:
        assert other_lane_busy.wait(5)
        with spare.computing():
            assert spare.beside(_thread_name)() == _thread_name()
    finally:
        release.set()
        worker.join(5)
    assert spare.lent == 0
    # Once the other lane is done, the helper is lent again.
    with spare.computing():
        assert spare.beside(_thread_name)().startswith("steward-spare-core")


def test_a_spare_core_that_does_not_lend_runs_everything_in_turn() -> None:
    spare = SpareCore(lending=False)
    with spare.computing():
        assert spare.beside(_thread_name)() == _thread_name()
    assert spare.lent == 0


def test_an_error_in_the_lent_work_reaches_the_caller() -> None:
    spare = SpareCore()

    def broken() -> str:
        raise ValueError("no votes")

    with spare.computing(), pytest.raises(ValueError, match="no votes"):
        spare.beside(broken)()
    # The count of computing lanes is not left raised by the error.
    with spare.computing():
        assert spare.beside(_thread_name)().startswith("steward-spare-core")


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the model see two cores, whatever runs the tests."""
    monkeypatch.setattr("policies.classifiers.model.usable_cores", lambda: 2)


def test_on_one_core_the_helper_is_never_lent(
    quick_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("policies.classifiers.model.usable_cores", lambda: 1)
    model = load_model(quick_model_dir)
    assert not model.spare_core.lending
    model.score_batch(TEXTS)
    assert model.spare_core.lent == 0


@pytest.mark.usefixtures("two_cores")
def test_the_scores_are_the_same_with_or_without_the_spare_core(quick_model_dir: Path) -> None:
    lending = load_model(quick_model_dir)
    alone = load_model(quick_model_dir, spare_core=False)
    for text in TEXTS:
        assert lending.score_batch([text]) == alone.score_batch([text])
    # Every text had its lexical votes worked out beside its first look, and only there.
    assert lending.spare_core.lent == len(TEXTS)
    assert alone.spare_core.lent == 0
    texts = [fold(text) for text in TEXTS]
    with_help, cleared = lending.english_path.served_logits(texts)
    in_turn, cleared_in_turn = alone.english_path.served_logits(texts)
    assert cleared == cleared_in_turn
    for label, logits in with_help.items():
        np.testing.assert_array_equal(logits, in_turn[label])


@pytest.mark.usefixtures("two_cores")
def test_the_english_lane_is_not_lent_the_helper_while_the_other_lane_scores(
    quick_model_dir: Path,
) -> None:
    model = load_model(quick_model_dir)
    assert MULTILINGUAL_LANE in model.lanes
    other = model.route(["c'est vraiment une belle journée pour une promenade"])
    english = model.route([TEXTS[0]])
    assert english[0].lane == ENGLISH_LANE and other[0].lane == MULTILINGUAL_LANE
    embedder = model.english_path.wide or getattr(model.multilingual, "encoder", None)
    assert embedder is not None
    inside = threading.Event()
    release = threading.Event()
    real_embed = embedder.embed

    def slow_embed(texts: list[str]) -> np.ndarray:
        inside.set()
        release.wait(5)
        return real_embed(texts)

    embedder.embed = slow_embed  # type: ignore[method-assign]
    worker = threading.Thread(target=model.score_lane, args=(MULTILINGUAL_LANE, other))
    worker.start()
    try:
        assert inside.wait(5)
        model.score_lane(ENGLISH_LANE, english)
        assert model.spare_core.lent == 0
    finally:
        release.set()
        worker.join(5)
        embedder.embed = real_embed  # type: ignore[method-assign]
    model.score_lane(ENGLISH_LANE, english)
    assert model.spare_core.lent == 1
