"""MiniLM's masked-word pass over the comments, and the layer-wise rates of fine-tuning.

Both run the real packaged MiniLM on the CPU, on a handful of texts.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from safetensors.numpy import load_file

from policies.classifiers.adaptation import adapt_encoder
from policies.classifiers.bases import minilm_path
from policies.classifiers.finetune import load_base, rate_groups

TEXTS = [
    "you are such a clown, nobody asked",
    "thanks for the quick fix, works great now",
    "what a pathetic excuse for an argument",
    "see you all at the meetup on friday",
    "get lost, idiot",
    "the new release notes are up on the forum",
]
WEIGHT = "encoder.layer.0.attention.self.query.weight"


def _adapt(into: Path, seed: int) -> npt.NDArray[np.float32]:
    """Adapt MiniLM on the texts; return one weight of the saved encoder."""
    adapt_encoder(minilm_path(), TEXTS, into, epochs=1, max_length=16, seed=seed)
    return load_file(str(into / "model.safetensors"))[WEIGHT]


def test_the_pass_moves_the_weights_the_same_way_for_the_same_seed(tmp_path: Path) -> None:
    first = _adapt(tmp_path / "a", seed=13)
    again = _adapt(tmp_path / "b", seed=13)
    other = _adapt(tmp_path / "c", seed=14)
    source = load_file(str(minilm_path() / "model.safetensors"))
    packaged = next(value for key, value in source.items() if key.endswith(WEIGHT))
    assert not np.array_equal(first, packaged)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    # What is saved is a plain encoder with its tokenizer, ready to be fine-tuned.
    model, tokenizer = load_base(trainable=True, seed=13, path=tmp_path / "a")
    assert model.encoder.config.model_type == "bert"
    assert tokenizer("hello")["input_ids"]


def test_each_block_below_learns_at_a_share_of_the_rate_above() -> None:
    model, _ = load_base(trainable=True, seed=13)
    groups = rate_groups(model, 2e-4, 0.8)
    rates = [group["lr"] for group in groups]
    # The embeddings, six blocks, then the head (and pooler) at the full rate.
    assert len(groups) == 8
    assert rates == sorted(rates) and rates[-1] == pytest.approx(2e-4)
    assert rates[0] == pytest.approx(2e-4 * 0.8**7)
    assert all(b / a == pytest.approx(1 / 0.8) for a, b in itertools.pairwise(rates))
    grouped = [id(p) for group in groups for p in group["params"]]
    assert sorted(grouped) == sorted(id(p) for p in model.parameters())
    # A decay of one gives every parameter the same rate.
    assert {group["lr"] for group in rate_groups(model, 1e-4, 1.0)} == {1e-4}
