"""Logistic heads on fixed features, and Platt calibration of their scores.

Heads are tiny (a weight vector and a bias), so they are stored as JSON beside the model and
evaluated with NumPy: serving needs no scikit-learn. Fitting uses scikit-learn, imported
only when a head is trained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


def sigmoid(logits: npt.NDArray[np.floating[Any]]) -> FloatArray:
    """Return the logistic function of ``logits``, without overflow warnings.

    Only the lower end needs a bound: ``exp(-x)`` overflows for very negative ``x``, while
    above 37 the result is 1.0 in float64 whatever ``x`` is. ``np.maximum`` is a plain
    ufunc where ``np.clip`` goes through Python wrappers; a text's scores take several
    sigmoids, so that showed in the English path's time.
    """
    bounded = np.maximum(logits.astype(np.float64), -40.0)
    return (1.0 / (1.0 + np.exp(-bounded))).astype(np.float32)


def side_by_side(*columns: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    """Return the columns as one ``(n, k)`` array: ``np.stack(columns, axis=1)``, cheaper.

    Stacking a text's votes for a stacked head happens several times a text on the
    serving path, where ``np.stack``'s Python wrappers cost more than the copy.
    """
    stacked = np.empty((len(columns[0]), len(columns)), dtype=np.result_type(*columns))
    for position, column in enumerate(columns):
        stacked[:, position] = column
    return stacked


@dataclass(frozen=True, slots=True)
class LogisticHead:
    """A linear scorer: ``features @ weights + bias`` is a logit.

    Attributes:
        weights: One weight per feature.
        bias: The intercept.
    """

    weights: FloatArray
    bias: float

    def logits(self, features: FloatArray) -> FloatArray:
        """Return one logit per row of ``features`` (shape ``(n, d)``)."""
        return (features @ self.weights + np.float32(self.bias)).astype(np.float32, copy=False)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {"weights": [round(float(w), 7) for w in self.weights], "bias": self.bias}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LogisticHead:
        """Read the form written by :meth:`to_json`."""
        return cls(weights=np.asarray(data["weights"], dtype=np.float32), bias=float(data["bias"]))


def fit_head(
    features: FloatArray,
    labels: Sequence[int] | npt.NDArray[np.integer[Any]],
    *,
    strength: float = 1.0,
    sample_weight: Sequence[float] | npt.NDArray[np.float64] | None = None,
    seed: int = 0,
) -> LogisticHead:
    """Fit a logistic head with scikit-learn's L2-regularised logistic regression.

    Args:
        features: One row per example.
        labels: 1 for the label, 0 for not.
        strength: The inverse regularisation strength (scikit-learn's ``C``).
        sample_weight: Optional weight per example.
        seed: The random seed, for reproducibility.

    Returns:
        The fitted head.
    """
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - training only

    model = LogisticRegression(C=strength, max_iter=5000, random_state=seed)
    model.fit(features, np.asarray(labels), sample_weight=sample_weight)
    return LogisticHead(weights=model.coef_[0].astype(np.float32), bias=float(model.intercept_[0]))


def roc_auc(values: npt.NDArray[Any], scores: npt.NDArray[Any]) -> float:
    """Return scikit-learn's ROC-AUC of ``scores`` against ``values``, to four places."""
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415 - training only

    return round(float(roc_auc_score(values, scores)), 4)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Platt scaling: turns a raw logit into a probability, ``sigmoid(scale * logit + shift)``.

    Attributes:
        scale: Multiplies the raw logit.
        shift: Added after scaling.
    """

    scale: float = 1.0
    shift: float = 0.0

    def probabilities(self, logits: FloatArray) -> FloatArray:
        """Return calibrated probabilities for raw logits."""
        return sigmoid(self.scale * logits.astype(np.float32) + np.float32(self.shift))

    def to_json(self) -> dict[str, float]:
        """Return a JSON-ready form."""
        return {"scale": self.scale, "shift": self.shift}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        """Read the form written by :meth:`to_json`."""
        return cls(scale=float(data["scale"]), shift=float(data["shift"]))


def fit_calibration(
    logits: FloatArray,
    labels: Sequence[int] | npt.NDArray[np.integer[Any]],
    *,
    smoothed: bool = False,
) -> Calibration:
    """Fit Platt scaling on held-out logits (never on the data that trained the scorer).

    Args:
        logits: Raw scores of held-out examples.
        labels: Their true labels (1 or 0); both classes must occur.
        smoothed: Fit to Platt's smoothed targets, ``(positives + 1) / (positives + 2)``
            for a 1 and ``1 / (negatives + 2)`` for a 0, instead of 1 and 0. With a few dozen
            examples that a scorer separates perfectly, plain targets drive the scale towards
            infinity; smoothed targets keep it finite.

    Returns:
        The calibration.
    """
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - training only

    x = logits.reshape(-1, 1).astype(np.float64)
    y = np.asarray(labels)
    model = LogisticRegression(C=1e4, max_iter=5000)
    if not smoothed:
        model.fit(x, y)
    else:
        positives = int(y.sum())
        target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (len(y) - positives + 2))
        # scikit-learn takes hard labels only: each example is entered once as a 1 and once
        # as a 0, weighted by its target, which has the same loss as the soft target.
        model.fit(
            np.vstack([x, x]),
            np.concatenate([np.ones(len(y)), np.zeros(len(y))]),
            sample_weight=np.concatenate([target, 1 - target]),
        )
    return Calibration(scale=float(model.coef_[0][0]), shift=float(model.intercept_[0]))
