"""The full encoder as two graphs: the first look's layers, then the later ones.

On the quick model's real graphs: the two give exactly the full graph's outputs, a model
with both never loads the full graph and scores exactly as one without, and a text the
first look does not clear runs its first layers once.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from policies.classifiers.encoder import MODEL_FILE, Encoded, OnnxEncoder
from policies.classifiers.first_look import (
    FIRST_LOOK_BLOCKS,
    LATER_LAYERS_FILE,
    LayeredEncoder,
)
from policies.classifiers.first_look_training import cut_later_layers
from policies.classifiers.heads import FloatArray
from policies.classifiers.model import ENCODER_DIR, load_model
from policies.normalize import fold

pytest.importorskip("onnxruntime")

TEXTS = [
    "thanks for the quick reply, the lamp works now",
    "see you all at the launch stream tonight",
    "you are a worthless idiot and everyone here hates you",
    "FREE nitro!!! claim now at discord-gift.example before it expires",
    "honestly that take is kind of dumb",
]


def _without_later_layers(quick_model_dir: Path, tmp_path: Path) -> Path:
    """Copy the model as models before recipe 16 were: the full graph alone serves."""
    older = tmp_path / "older"
    shutil.copytree(quick_model_dir, older)
    (older / ENCODER_DIR / LATER_LAYERS_FILE).unlink()
    return older


def test_training_writes_the_later_layers(quick_model_dir: Path) -> None:
    assert (quick_model_dir / ENCODER_DIR / LATER_LAYERS_FILE).is_file()


def test_the_two_graphs_compute_exactly_what_the_full_graph_does(quick_model_dir: Path) -> None:
    folder = quick_model_dir / ENCODER_DIR
    full, layered = OnnxEncoder(folder), LayeredEncoder(folder)
    texts = [fold(text) for text in TEXTS]
    expected, got = full.encode(texts), layered.encode(texts)
    np.testing.assert_array_equal(got.logits, expected.logits)
    np.testing.assert_array_equal(got.embeddings, expected.embeddings)
    assert layered.dimensions == full.dimensions


def test_the_cut_reproduces_the_shipped_later_layers(quick_model_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    folder = tmp_path / ENCODER_DIR
    shutil.copytree(quick_model_dir / ENCODER_DIR, folder)
    (folder / LATER_LAYERS_FILE).unlink()
    cut_later_layers(folder / MODEL_FILE, folder / LATER_LAYERS_FILE, FIRST_LOOK_BLOCKS)
    shipped = (quick_model_dir / ENCODER_DIR / LATER_LAYERS_FILE).read_bytes()
    assert (folder / LATER_LAYERS_FILE).read_bytes() == shipped
    # It keeps only the later layers: much less than the whole graph.
    assert len(shipped) < (folder / MODEL_FILE).stat().st_size * 0.6


def test_the_later_graph_holds_the_blocks_after_the_first_look(quick_model_dir: Path) -> None:
    onnx = pytest.importorskip("onnx")
    graph = onnx.load(str(quick_model_dir / ENCODER_DIR / LATER_LAYERS_FILE)).graph
    kinds = [node.op_type for node in graph.node]
    # MiniLM's twelve blocks less the first look's, each ending in a layer norm; the
    # second layer's feed-forward block and the four layers after it (five GELUs).
    assert kinds.count("LayerNormalization") == 12 - FIRST_LOOK_BLOCKS == 9
    assert kinds.count("Erf") == 5


def test_cutting_after_a_block_the_graph_lacks_says_so(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    pytest.importorskip("onnx")
    with pytest.raises(ValueError, match="cannot cut after block 42"):
        cut_later_layers(quick_model_dir / ENCODER_DIR / MODEL_FILE, tmp_path / "x.onnx", 42)


def test_a_model_with_both_graphs_never_loads_the_full_one(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    layered_dir = tmp_path / "layered"
    shutil.copytree(quick_model_dir, layered_dir)
    (layered_dir / ENCODER_DIR / MODEL_FILE).unlink()
    layered = load_model(layered_dir)
    older = load_model(_without_later_layers(quick_model_dir, tmp_path))
    assert isinstance(layered.encoder, LayeredEncoder)
    assert not isinstance(older.encoder, LayeredEncoder)
    # The first look uses the same graph as the encoder's first layers: one copy of it.
    assert layered.english_path.first_layers is layered.encoder.first
    for text in TEXTS:
        assert layered.score_batch([text]) == older.score_batch([text])
    for community_text in TEXTS[:2]:
        _, base = layered.english_path.base_logits([fold(community_text)])
        _, before = older.english_path.base_logits([fold(community_text)])
        for label, logits in base.items():
            np.testing.assert_array_equal(logits, before[label])


def test_a_text_the_first_look_does_not_clear_runs_its_first_layers_once(
    quick_model_dir: Path,
) -> None:
    model = load_model(quick_model_dir)
    encoder = model.encoder
    assert isinstance(encoder, LayeredEncoder)
    asked: list[str] = []
    went_on: list[int] = []
    real_states, real_from_states = encoder.first.states, encoder.from_states

    def states(text: str) -> FloatArray:
        asked.append(text)
        return real_states(text)

    def from_states(states: Sequence[FloatArray]) -> Encoded:
        went_on.append(len(states))
        return real_from_states(states)

    encoder.first.states = states  # type: ignore[method-assign]
    encoder.from_states = from_states  # type: ignore[method-assign]
    texts = [fold(text) for text in TEXTS]
    served, cleared = model.english_path.served_logits(texts)
    # Each text ran the first layers once, the cleared ones included; the others went on
    # from those states through the later layers only.
    assert asked == texts
    assert 0 < cleared < len(texts)
    assert went_on == [len(texts) - cleared]
    alone = load_model(quick_model_dir, first_look=False)
    _, full = alone.english_path.base_logits(texts)
    unsure = [i for i, text in enumerate(texts) if model.english_path.served_logits([text])[1] == 0]
    for label, logits in served.items():
        np.testing.assert_array_equal(logits[unsure], full[label][unsure])
