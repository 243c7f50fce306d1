"""Platt calibration with smoothed targets stays finite on separable scores."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

import numpy as np

from policies.classifiers.heads import fit_calibration


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
