"""A real, small training run of the multilingual heads, and what it must deliver."""

from __future__ import annotations

import pytest

pytest.importorskip("numpy")

import numpy as np

pytest.importorskip("sklearn")

from policies.classifiers.datasets import SEED_LANGUAGES, Example
from policies.classifiers.multilingual import E5Encoder
from policies.classifiers.multilingual_training import (
    LabelData,
    TrainingSettings,
    _folds,
    default_training_data,
    train_multilingual_heads,
)
from tests.policies.classifiers.conftest import TRAINED_LANGUAGES, Trained

# Written for this test; none of them is in the training or evaluation sets.
PAIRS = {
    "fr": (
        "Espèce d'imbécile, personne ici ne supporte tes messages débiles.",
        "Est-ce que la lampe de chevet marche avec le nouveau hub ?",
    ),
    "ja": (
        "お前みたいな役立たずのクズは二度と書き込むな。",
        "新しいハブでもベッドサイドランプは使えますか？",
    ),
}


@pytest.mark.parametrize("lang", sorted(PAIRS))
def test_an_abusive_sentence_ranks_above_a_benign_one(
    trained: Trained, encoder: E5Encoder, lang: str
) -> None:
    abusive, benign = PAIRS[lang]
    scores = trained.heads.score(encoder.embed([abusive, benign]), [lang, lang])
    assert scores["abuse"][0] > scores["abuse"][1]
    assert scores["abuse"][0] > 0.5 > scores["abuse"][1]


def test_each_language_with_chat_lines_gets_its_own_abuse_calibration(trained: Trained) -> None:
    abuse = trained.heads.labels["abuse"]
    assert set(abuse.by_language) == set(TRAINED_LANGUAGES)
    row = np.zeros((1, len(abuse.head.weights)), dtype=np.float32)
    probabilities = {
        lang: abuse.probabilities(row, [lang])[0] for lang in (*TRAINED_LANGUAGES, None)
    }
    assert len({round(float(p), 4) for p in probabilities.values()}) == len(probabilities)
    # Spam has no chat lines in any language here: one calibration serves all.
    assert trained.heads.labels["spam"].by_language == {}


def test_the_metrics_report_held_out_and_per_language_scores(trained: Trained) -> None:
    abuse = trained.metrics["abuse"]
    assert abuse["examples"] == {"corpus": 68, "held_out": 12, "chat": 180}
    assert set(abuse["cross_validated_roc_auc"]) == set(TRAINED_LANGUAGES)
    assert all(0.5 < auc <= 1.0 for auc in abuse["cross_validated_roc_auc"].values())
    assert 0.5 < trained.metrics["spam"]["held_out_roc_auc"] <= 1.0
    assert trained.metrics["seed"] == 3
    assert trained.metrics["encoder"].startswith("multilingual-e5-small")


def test_progress_counts_up_to_every_distinct_text(trained: Trained) -> None:
    done = [d for d, _ in trained.progress]
    totals = {t for _, t in trained.progress}
    assert done == sorted(done)
    assert len(totals) == 1
    assert done[-1] == totals.pop()


def test_translations_of_one_line_share_a_fold() -> None:
    chat = [
        Example(text=f"{lang}{i}", label="abuse", value=i % 2, language=lang)
        for lang in ("en", "fr", "ja")
        for i in range(10)
    ]
    folds = _folds(chat, 5, seed=1)
    by_line = {i: {folds[j * 10 + i] for j in range(3)} for i in range(10)}
    assert all(len(fold) == 1 for fold in by_line.values())
    assert sorted(f.pop() for f in by_line.values()) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_a_label_without_chat_lines_is_calibrated_on_its_corpus(encoder: E5Encoder) -> None:
    corpus = [
        Example(text=t, label="spam", value=v)
        for t, v in [
            ("WIN a free lamp now, text CLAIM to 80088", 1),
            ("Congratulations, you won a prize, call now", 1),
            ("URGENT: your account is locked, reply with your password", 1),
            ("Free entry to win cash, text WIN now", 1),
            ("Are we still meeting for lunch tomorrow?", 0),
            ("I'll be home late, save me some dinner", 0),
            ("Thanks for the photos from the weekend", 0),
            ("Can you pick up milk on the way back?", 0),
        ]
    ]
    settings = TrainingSettings(held_out=0.5)
    heads, metrics = train_multilingual_heads(
        {"spam": LabelData(corpus=corpus)}, encoder, settings=settings
    )
    assert heads.labels.keys() == {"spam"}
    assert heads.labels["spam"].by_language == {}
    assert metrics["spam"]["examples"] == {"corpus": 4, "held_out": 4, "chat": 0}


def test_the_default_data_holds_the_packaged_sets_and_the_chat_lines() -> None:
    data = default_training_data(limit=50, seed=0)
    assert set(data) == {"abuse", "spam"}
    assert len(data["abuse"].corpus) == 50
    assert {e.source for e in data["abuse"].corpus} == {"insults/train"}
    assert {e.language for e in data["abuse"].chat} == set(SEED_LANGUAGES)
    assert {e.label for e in data["abuse"].chat} == {"abuse"}
    ordinary = [e for e in data["spam"].corpus if e.source.startswith("multilingual/")]
    assert ordinary
    assert all(e.value == 0 and e.label == "spam" for e in ordinary)
