"""Logistic heads and Platt calibration."""

from __future__ import annotations

import math

import numpy as np

from policies.classifiers.heads import (
    Calibration,
    LogisticHead,
    fit_calibration,
    fit_head,
    side_by_side,
    sigmoid,
)


def test_sigmoid_is_stable_at_extremes() -> None:
    values = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert values[0] >= 0 and values[1] == np.float32(0.5) and values[2] <= 1


def test_sigmoid_is_the_logistic_function_without_overflow_warnings() -> None:
    logits = np.array(
        [-np.inf, -1000.0, -45.0, -40.0, -7.5, -0.1, 0.0, 2.0, 36.0, 38.0, 1e6, np.inf]
    )
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is exact enough
        values = sigmoid(logits)
    # Below -40 the bound holds the value at sigmoid(-40); above 37 it is 1 in float64.
    expected = [1 / (1 + math.exp(-max(x, -40.0))) for x in logits.tolist()]
    assert values.dtype == np.float32
    assert values.tolist() == np.array(expected, dtype=np.float32).tolist()


def test_side_by_side_is_np_stack_on_columns() -> None:
    rng = np.random.default_rng(2)
    lexical = rng.normal(size=5).astype(np.float32)
    encoder = rng.normal(size=5).astype(np.float32)
    wide = rng.normal(size=5)  # float64: the result takes the wider type, as np.stack does
    for columns in ((lexical, encoder), (lexical, encoder, wide)):
        expected = np.stack(columns, axis=1)
        got = side_by_side(*columns)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_a_head_separates_and_round_trips() -> None:
    rng = np.random.default_rng(0)
    positives = rng.normal(1.0, 0.5, size=(40, 3)).astype(np.float32)
    negatives = rng.normal(-1.0, 0.5, size=(40, 3)).astype(np.float32)
    head = fit_head(np.vstack([positives, negatives]), [1] * 40 + [0] * 40)
    assert head.logits(positives).mean() > 0 > head.logits(negatives).mean()
    again = LogisticHead.from_json(head.to_json())
    assert np.allclose(again.logits(positives), head.logits(positives), atol=1e-5)


def test_calibration_turns_overconfident_logits_into_frequencies() -> None:
    rng = np.random.default_rng(1)
    # Raw logits ten times too large: a logit of 10 is right only about 73% of the time.
    true_logits = rng.normal(0.0, 1.5, size=4000)
    labels = (rng.random(4000) < 1 / (1 + np.exp(-true_logits))).astype(int)
    calibration = fit_calibration((true_logits * 10).astype(np.float32), labels)
    assert 0.07 < calibration.scale < 0.13
    probability = calibration.probabilities(np.array([10.0], dtype=np.float32))[0]
    assert 0.65 < probability < 0.8
    assert Calibration.from_json(calibration.to_json()) == calibration


def test_smoothed_targets_keep_a_perfect_separation_from_certainty() -> None:
    logits = np.array([-3.0, -2.5, -2.0, -1.0, 1.0, 2.0, 2.5, 3.0], dtype=np.float32)
    labels = [0, 0, 0, 0, 1, 1, 1, 1]
    plain = fit_calibration(logits, labels)
    smoothed = fit_calibration(logits, labels, smoothed=True)
    assert 0 < smoothed.scale < plain.scale
    probabilities = smoothed.probabilities(logits)
    # Four of each class: the targets are 5/6 and 1/6, so nothing is called certain.
    assert probabilities.max() < 0.95
    assert probabilities.min() > 0.05
    assert probabilities[4] > 0.5 > probabilities[3]
