"""Spam's second look: where its two votes are unsure, MiniLM's and e5's embeddings decide.

The quick model is built by the real ``steward train --quick``, so its spam scorer has a
second look fitted the way the full model's is; these tests read it, score through it, and
fit one again on packaged SMS with the quick model's real encoders.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from policies.classifiers import datasets, evaluate
from policies.classifiers.datasets import folded, sms_spam, stratified_split, subsample
from policies.classifiers.english import EnglishLabel, rows_computed_once
from policies.classifiers.evaluate import Thresholds
from policies.classifiers.heads import FloatArray, roc_auc, sigmoid
from policies.classifiers.model import StewardTextModel, load_model
from policies.classifiers.train import (
    WIDE_BAND,
    TrainingData,
    embed,
    fit_label,
    rows_of,
)
from tests.policies.classifiers._doubles import RecordingEmbedder

# Plain chat and spam, and lines in between: a batch with texts on both sides of the band.
TEXTS = [
    "the new hub firmware fixed my lamp schedule, thanks team",
    "anyone else getting a flicker on the desk lamp after the update?",
    "free nitro for everyone who joins my server, link in bio",
    "dm me for a discount code on lumen bulbs",
    "check out my channel for lamp setups, new video every week",
    "claim your prize now, reply with your account details",
    "selling my old hub, message me if interested",
    "won a voucher, call now to claim it",
]


def test_spam_has_a_second_look_and_abuse_none(quick_model_dir: Path) -> None:
    labels = json.loads((quick_model_dir / "english.json").read_text(encoding="utf-8"))["labels"]
    assert labels["abuse"]["wide"] is None  # the tuned label votes with its fine-tuned logit
    wide = labels["spam"]["wide"]
    assert len(wide["head"]["weights"]) == 384 + 384  # MiniLM's embedding, then e5's
    assert len(wide["stack"]["weights"]) == 2
    assert tuple(wide["band"]) == WIDE_BAND
    card = json.loads((quick_model_dir / "card.json").read_text(encoding="utf-8"))
    spam = card["metrics"]["validation"]["spam"]
    assert 0 < spam["wide_asked_share"] < 1
    assert 0.5 < spam["wide_roc_auc"] <= 1
    assert "second_look" in card["encoder"]


def test_only_unsure_texts_reach_the_multilingual_encoder(quick_model_dir: Path) -> None:
    # Without the first look, which would keep its own scores for the texts it clears.
    model = load_model(quick_model_dir, first_look=False)
    assert model.english_path.wide is not None
    recording = RecordingEmbedder(model.english_path.wide)
    model.english_path.wide = recording
    scored = model.score_batch(TEXTS)

    spam = model.english["spam"]
    assert spam.wide is not None
    folded_texts = [routed.text for routed in model.route(TEXTS)]
    encoded = model.encoder.encode(folded_texts)
    votes = spam.votes(folded_texts, encoded)
    two = spam.stack.logits(votes)
    rows = spam.wide.unsure(two)
    assert 0 < rows.size < len(TEXTS)  # both kinds are in the batch
    assert recording.asked == [folded_texts[i] for i in rows]
    expected = two.copy()
    wide = recording.inner.embed([folded_texts[i] for i in rows])
    expected[rows] = spam.wide.logits(votes[rows, 0], encoded.embeddings[rows], wide)
    assert not np.allclose(expected[rows], two[rows])  # the second look changed something
    for i, result in enumerate(scored):
        assert result.scores["spam"] == pytest.approx(round(float(sigmoid(expected)[i]), 4))


def test_without_a_second_look_the_two_votes_decide(quick_model_dir: Path, tmp_path: Path) -> None:
    # A model built before recipe 15 has no "wide" in english.json.
    copy = tmp_path / quick_model_dir.name
    copy.mkdir()
    for path in quick_model_dir.iterdir():
        (copy / path.name).symlink_to(path)
    english = json.loads((quick_model_dir / "english.json").read_text(encoding="utf-8"))
    for label in english["labels"].values():
        del label["wide"]
    (copy / "english.json").unlink()
    (copy / "english.json").write_text(json.dumps(english), encoding="utf-8")

    older = load_model(copy, first_look=False)
    assert all(label.wide is None for label in older.english.values())
    assert older.english_path.wide is None
    turned_off = load_model(quick_model_dir, first_look=False, second_look=False)
    assert turned_off.english_path.wide is None
    current = load_model(quick_model_dir, first_look=False)
    spam = current.english["spam"]
    texts = [routed.text for routed in current.route(TEXTS)]
    two = sigmoid(spam.stack.logits(spam.votes(texts, current.encoder.encode(texts))))
    expected = pytest.approx([round(float(p), 4) for p in two])
    assert [s.scores["spam"] for s in older.score_batch(TEXTS)] == expected
    assert [s.scores["spam"] for s in turned_off.score_batch(TEXTS)] == expected
    assert [s.scores["spam"] for s in current.score_batch(TEXTS)] != expected


def test_a_label_round_trips_with_its_second_look(quick_model: StewardTextModel) -> None:
    spam = quick_model.english["spam"]
    again = EnglishLabel.from_json(json.loads(json.dumps(spam.to_json())))
    assert again.wide is not None and spam.wide is not None
    assert again.wide.band == spam.wide.band
    assert np.array_equal(again.wide.head.weights, spam.wide.head.weights)
    assert np.array_equal(again.wide.stack.weights, spam.wide.stack.weights)


def test_each_row_is_computed_once_and_only_rows_asked_for() -> None:
    calls: list[list[str]] = []

    def compute(texts: Sequence[str]) -> FloatArray:
        calls.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    rows_of_batch = rows_computed_once(["a", "bb", "ccc", "dddd"], compute)
    assert rows_of_batch(np.array([2, 0])).tolist() == [[3, 1], [1, 1]]
    assert rows_of_batch(np.array([0, 3])).tolist() == [[1, 1], [4, 1]]
    assert calls == [["ccc", "a"], ["dddd"]]  # "a" was not computed again; "bb" never


def test_cross_fitting_with_e5_fits_the_second_look(quick_model: StewardTextModel) -> None:
    examples = [folded(e) for e in subsample(sms_spam(), 400, seed=5)]
    train, validation = stratified_split(examples, 0.2, 5)
    data = TrainingData("spam", train, validation)
    texts = [e.text for e in (*train, *validation)]
    encoded = embed(quick_model.encoder, texts, lambda _: None)
    wide_encoder = quick_model.english_path.wide
    assert wide_encoder is not None
    cut = len(train)
    train_part, validation_part = (
        rows_of(encoded, slice(0, cut)),
        rows_of(encoded, slice(cut, None)),
    )
    fitted = fit_label(
        data, train_part, validation_part, tuned=False, seed=13, wide=wide_encoder.embed(texts)
    )
    scorer, metrics, held_out = fitted
    assert scorer.wide is not None
    assert scorer.wide.head.weights.shape == (384 + 384,)
    assert scorer.wide.band == WIDE_BAND
    assert 0.5 < metrics["wide_roc_auc"] <= 1
    without, plain, two_votes = fit_label(data, train_part, validation_part, tuned=False, seed=13)
    assert without.wide is None
    assert plain["roc_auc"] == metrics["two_vote_roc_auc"]
    # The held-out logits (and so the reported figures) take the second look in the band
    # only: outside it they are the two votes' own.
    unsure = scorer.wide.unsure(two_votes.final)
    sure = np.setdiff1d(np.arange(len(texts)), unsure)
    assert 0 < unsure.size < len(texts)
    assert np.array_equal(held_out.final[sure], two_votes.final[sure])
    assert not np.allclose(held_out.final[unsure], two_votes.final[unsure])
    assert metrics["wide_asked_share"] == round(unsure.size / len(texts), 4)
    # The reported ROC-AUC is the label's as served, second look included.
    assert metrics["roc_auc"] == roc_auc(held_out.values, held_out.final)
    assert metrics["roc_auc"] != plain["roc_auc"]


def test_the_sms_cross_validation_refits_the_second_look(
    quick_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few hundred messages keep it quick; the folds, fits and scoring are the real ones.
    sample = subsample(sms_spam(), 300, seed=5)
    monkeypatch.setattr(datasets, "sms_spam", lambda keep_repeats=False: sample)
    thresholds = Thresholds(act={"spam": 0.95}, bands={"spam": 0.2})
    model = load_model(quick_model_dir)
    assert model.english_path.wide is not None
    recording = RecordingEmbedder(model.english_path.wide)
    model.english_path.wide = recording
    with_second_look = evaluate.cross_validate_spam(model, thresholds)
    # Every message and chat line is embedded once, and each fold's second look reads them.
    assert len(recording.asked) == len(set(recording.asked)) >= len(sample)
    model.english_path.wide = None
    without = evaluate.cross_validate_spam(model, thresholds)
    assert with_second_look["roc_auc"] != without["roc_auc"]
