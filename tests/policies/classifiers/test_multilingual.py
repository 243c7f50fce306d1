"""The multilingual heads: the encoder's embeddings, calibrated scores, the JSON form."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("numpy")

import numpy as np

from policies.classifiers.heads import Calibration, FloatArray, LogisticHead
from policies.classifiers.multilingual import (
    DIMENSIONS,
    E5Encoder,
    LabelHead,
    MultilingualHeads,
)


def handmade_heads() -> MultilingualHeads:
    rng = np.random.default_rng(7)
    abuse = LabelHead(
        head=LogisticHead(weights=rng.normal(size=DIMENSIONS).astype(np.float32), bias=-0.5),
        overall=Calibration(scale=2.0, shift=0.5),
        by_language={"fr": Calibration(scale=1.5, shift=-1.0), "ja": Calibration(3.0, 1.0)},
    )
    spam = LabelHead(
        head=LogisticHead(weights=rng.normal(size=DIMENSIONS).astype(np.float32), bias=0.2),
        overall=Calibration(scale=1.0, shift=0.0),
    )
    return MultilingualHeads(labels={"abuse": abuse, "spam": spam})


def unit_rows(count: int) -> FloatArray:
    rows = np.random.default_rng(11).normal(size=(count, DIMENSIONS)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def test_the_encoder_gives_one_unit_row_per_text(encoder: E5Encoder) -> None:
    seen: list[tuple[int, int]] = []
    texts = ["Bonjour à tous", "ランプが届きました", "Good morning everyone"]
    rows = encoder.embed(texts, progress=lambda done, total: seen.append((done, total)), chunk=2)
    assert rows.shape == (3, DIMENSIONS)
    assert rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
    assert seen == [(2, 3), (3, 3)]
    assert encoder.embed([]).shape == (0, DIMENSIONS)
    assert "e5" in encoder.model_id


def test_the_same_score_means_a_different_probability_in_each_calibrated_language() -> None:
    heads = handmade_heads()
    rows = np.repeat(unit_rows(1), 4, axis=0)
    abuse = heads.score(rows, ["fr", "ja", None, "de"])["abuse"]
    assert abuse[0] != pytest.approx(abuse[1])
    assert abuse[0] != pytest.approx(abuse[2])
    # Languages without their own calibration, and unknown ones, get the overall one.
    assert abuse[2] == pytest.approx(abuse[3])
    logit = heads.labels["abuse"].head.logits(rows[:1])
    assert abuse[0] == pytest.approx(Calibration(1.5, -1.0).probabilities(logit)[0])


def test_scores_need_a_language_per_row() -> None:
    with pytest.raises(ValueError, match="2 embeddings but 1 languages"):
        handmade_heads().score(unit_rows(2), ["fr"])


def test_heads_survive_a_round_trip_through_json() -> None:
    heads = handmade_heads()
    text = json.dumps(heads.to_json())
    again = MultilingualHeads.from_json(json.loads(text))
    assert json.dumps(again.to_json()) == text
    rows = unit_rows(5)
    languages = ["fr", "ja", None, "pl", "fr"]
    before, after = heads.score(rows, languages), again.score(rows, languages)
    assert before.keys() == after.keys() == {"abuse", "spam"}
    for label in before:
        assert np.allclose(before[label], after[label], atol=1e-5)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("format", 99, "format 99"), ("encoder", "another-encoder", "another-encoder")],
)
def test_heads_from_another_format_or_encoder_are_refused(
    key: str, value: object, message: str
) -> None:
    data = handmade_heads().to_json()
    data[key] = value
    with pytest.raises(ValueError, match=message):
        MultilingualHeads.from_json(data)
