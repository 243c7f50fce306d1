"""Cross-fitting: a label the encoder was not fine-tuned on learns from all of its examples.

The scorers (lexical and embedding head) learn from train and validation together; the
stack learns from votes each fold held out, and the reported metrics are those
out-of-fold figures. These tests run the real fitting on packaged SMS and the quick
model's real encoder.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from policies.classifiers.datasets import folded, sms_spam, stratified_split, subsample
from policies.classifiers.english import EnglishLabel
from policies.classifiers.model import StewardTextModel
from policies.classifiers.train import (
    CROSS_FIT_FOLDS,
    EMBEDDING_STRENGTHS,
    TrainingData,
    embed,
    fit_label,
    rows_of,
)

# A word no SMS contains, placed only in validation examples: if the scorers learn from
# validation, it becomes part of the lexical vocabulary and a strong vote for spam.
MARKER = "zorblax"


Fitted = tuple[TrainingData, EnglishLabel, dict[str, float]]


def _data() -> TrainingData:
    examples = [folded(e) for e in subsample(sms_spam(), 400, seed=5)]
    train, validation = stratified_split(examples, 0.2, 5)
    marked = [replace(e, text=f"{e.text} {MARKER}") if e.value else e for e in validation]
    return TrainingData("spam", train, marked)


def _fit(
    model: StewardTextModel, data: TrainingData, steps: list[int] | None = None
) -> tuple[EnglishLabel, dict[str, float]]:
    texts = [e.text for e in (*data.train, *data.validation)]
    encoded = embed(model.encoder, texts, lambda _: None)
    cut = len(data.train)
    scorer, metrics, _ = fit_label(
        data,
        rows_of(encoded, slice(0, cut)),
        rows_of(encoded, slice(cut, None)),
        tuned=False,
        seed=13,
        progress=steps.append if steps is not None else None,
    )
    return scorer, metrics


@pytest.fixture(scope="module")
def fitted(quick_model: StewardTextModel) -> Fitted:
    data = _data()
    scorer, metrics = _fit(quick_model, data)
    return data, scorer, metrics


def test_validation_examples_teach_the_scorers(
    fitted: Fitted,
) -> None:
    _, scorer, _ = fitted
    vocabulary = scorer.lexical.vocabulary
    assert f"w:{MARKER}" in vocabulary
    weight = scorer.lexical.head.weights[vocabulary[f"w:{MARKER}"]]
    assert weight > 0
    assert scorer.embedding_head is not None


def test_metrics_are_out_of_fold_over_every_example(
    quick_model: StewardTextModel, fitted: Fitted
) -> None:
    data, scorer, metrics = fitted
    examples = [*data.train, *data.validation]
    assert metrics["examples"] == len(examples)
    assert metrics["cross_fitted_folds"] == CROSS_FIT_FOLDS
    assert metrics["embedding_strength"] in EMBEDDING_STRENGTHS
    # The final scorers saw every example; scored on them they do better than the
    # out-of-fold figures, which is what shows the figures were held out.
    texts = [e.text for e in examples]
    values = np.array([e.value for e in examples])
    in_sample = scorer.base_logits(texts, quick_model.encoder.encode(texts))
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415 - the train extra

    assert roc_auc_score(values, in_sample) > metrics["roc_auc"] > 0.9


def test_the_same_seed_fits_the_same_scorer(quick_model: StewardTextModel, fitted: Fitted) -> None:
    data, scorer, metrics = fitted
    steps: list[int] = []
    again, again_metrics = _fit(quick_model, data, steps)
    assert sum(steps) == CROSS_FIT_FOLDS + 1, "a step per fold and one for the final fit"
    assert again_metrics == metrics
    assert again.to_json() == scorer.to_json()


def test_a_class_too_small_to_fold_is_a_clear_error(quick_model: StewardTextModel) -> None:
    data = _data()
    lonely = [e for e in data.train if not e.value][:20] + [e for e in data.train if e.value][:1]
    with pytest.raises(ValueError, match="at least two examples"):
        _fit(quick_model, TrainingData("spam", lonely, [e for e in data.validation if not e.value]))
