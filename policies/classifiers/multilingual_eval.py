"""Score the multilingual heads on the per-language evaluation sets (evaluation only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from policies.classifiers.datasets import SEED_LANGUAGES, Example, evaluation_set, for_label
from policies.classifiers.language import LanguageDetector
from policies.classifiers.multilingual import E5Encoder, MultilingualHeads

ALL = "all"
"""The key of the scores over every language's examples together."""


@dataclass(frozen=True, slots=True)
class LanguageScores:
    """How one label's calibrated scores did on one language's evaluation set.

    Attributes:
        examples: How many examples were scored.
        positives: How many of them carry the label.
        roc_auc: The ROC-AUC (None when only one class is present).
        threshold: The probability at or above which a score counts as the label.
        precision: The share of examples at or above the threshold that carry the label.
        recall: The share of examples carrying the label that reach the threshold.
        f1: The harmonic mean of precision and recall.
    """

    examples: int
    positives: int
    roc_auc: float | None
    threshold: float
    precision: float
    recall: float
    f1: float


def evaluate_languages(
    heads: MultilingualHeads,
    encoder: E5Encoder,
    *,
    label: str = "abuse",
    threshold: float = 0.5,
    languages: Sequence[str] = SEED_LANGUAGES,
    detector: LanguageDetector | None = None,
    sets: Mapping[str, Sequence[Example]] | None = None,
) -> dict[str, LanguageScores]:
    """Return per-language scores of one label, plus :data:`ALL` for every language pooled.

    The pooled row shows whether one threshold means the same in every language: its
    ROC-AUC drops below the per-language ones when the calibrations disagree.

    Args:
        heads: The heads to judge.
        encoder: The encoder they were trained on.
        label: The label to judge.
        threshold: The policy threshold for precision, recall and F1.
        languages: The languages to judge.
        detector: When given, each text is calibrated in the language it detects, as when
            serving; otherwise in the language of its set.
        sets: The examples of each language; by default the project's evaluation sets.
    """
    per_language = {
        lang: for_label(sets[lang] if sets is not None else evaluation_set(lang), label)
        for lang in languages
    }
    values: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    results: dict[str, LanguageScores] = {}
    for lang, examples in per_language.items():
        texts = [e.text for e in examples]
        spoken = detector.detect_many(texts) if detector else [lang] * len(texts)
        probabilities = heads.score(encoder.embed(texts), spoken)[label]
        truth = np.fromiter((e.value for e in examples), dtype=np.int64, count=len(examples))
        results[lang] = _scores(truth, probabilities, threshold)
        values.append(truth)
        scores.append(probabilities)
    if values:
        results[ALL] = _scores(np.concatenate(values), np.concatenate(scores), threshold)
    return results


def _scores(truth: np.ndarray, probabilities: np.ndarray, threshold: float) -> LanguageScores:
    """Return the ranking and thresholded scores of one set of predictions."""
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415 - evaluation only

    flagged = probabilities >= threshold
    true_positives = int(np.sum(flagged & (truth == 1)))
    positives = int(truth.sum())
    precision = true_positives / int(flagged.sum()) if flagged.any() else 0.0
    recall = true_positives / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    both = 0 < positives < len(truth)
    return LanguageScores(
        examples=len(truth),
        positives=positives,
        roc_auc=round(float(roc_auc_score(truth, probabilities)), 4) if both else None,
        threshold=threshold,
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
    )
