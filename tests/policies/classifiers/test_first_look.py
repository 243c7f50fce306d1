"""The first look: the encoder's first layers clear plainly harmless texts on their own.

On the quick model's real graphs: the cut graph computes exactly the full encoder's early
states, a cleared text never reaches the full encoder, every other text gets the full
path's scores unchanged, and models or communities that cannot use a first look score as
before.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from policies.classifiers.encoder import MODEL_FILE
from policies.classifiers.english import CommunityHead
from policies.classifiers.first_look import FIRST_LOOK_BLOCKS, FIRST_LOOK_FILE, FirstLayers
from policies.classifiers.first_look_training import (
    CLEARING_LIMITS,
    TOLERANCE,
    choose_limit,
    cut_first_layers,
)
from policies.classifiers.heads import LogisticHead, roc_auc, sigmoid
from policies.classifiers.model import ENCODER_DIR, StewardTextModel, load_model
from policies.normalize import fold
from tests.policies.classifiers._doubles import Recording

pytest.importorskip("onnxruntime")

TEXTS = [
    "thanks for the quick reply, the lamp works now",
    "see you all at the launch stream tonight",
    "does the hub support the new firmware yet?",
    "love the colours on this one",
    "you are a worthless idiot and everyone here hates you",
    "shut up, nobody asked you, loser",
    "FREE nitro!!! claim now at discord-gift.example before it expires",
    "WIN a $1000 gift card, text CLAIM to 80080 now",
    "honestly that take is kind of dumb",
]


def _cleared(model: StewardTextModel, text: str) -> bool:
    """Tell from the first look's own parts whether it clears ``text`` of every label."""
    path = model.english_path
    assert path.first_layers is not None
    pooled = path.first_layers.encode([text]).embeddings
    verdicts = []
    for scorer in path.labels.values():
        assert scorer.first_look is not None
        logits = scorer.first_look.logits(scorer.lexical.logits([text]), pooled)
        verdicts.append(bool(scorer.first_look.clears(logits)[0]))
    return all(verdicts)


def test_the_cut_graph_computes_the_full_encoders_early_states(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    onnx = pytest.importorskip("onnx")
    import onnxruntime  # noqa: PLC0415 - skipped above without it

    full = onnx.load(str(quick_model_dir / ENCODER_DIR / MODEL_FILE))
    # The embeddings' norm, then one at the end of each block, in the graph's order.
    norms = [node for node in full.graph.node if node.op_type == "LayerNormalization"]
    end = norms[FIRST_LOOK_BLOCKS].output[0]
    full.graph.output.append(onnx.helper.make_empty_tensor_value_info(end))
    opened = tmp_path / "full-with-early-states.onnx"
    onnx.save(full, str(opened))
    session = onnxruntime.InferenceSession(str(opened), providers=["CPUExecutionProvider"])
    cut = tmp_path / FIRST_LOOK_FILE
    cut_first_layers(quick_model_dir / ENCODER_DIR / MODEL_FILE, cut, FIRST_LOOK_BLOCKS)
    encoder = load_model(quick_model_dir).encoder
    first = FirstLayers(encoder, cut)

    for text in (fold(TEXTS[0]), fold(TEXTS[4])):
        batch = encoder.feed(text)
        feed = {i.name: batch[i.name] for i in session.get_inputs()}
        (expected,) = session.run([end], feed)
        mask = batch["attention_mask"][..., None]
        pooled = (expected * mask).sum(axis=1) / mask.sum(axis=1)
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
        np.testing.assert_allclose(first.encode([text]).embeddings, pooled, atol=1e-5)
    # The cut keeps only what the first layers need: much less than the whole graph.
    assert cut.stat().st_size < (quick_model_dir / ENCODER_DIR / MODEL_FILE).stat().st_size


def test_the_first_look_runs_the_first_layer_and_the_seconds_attention(
    quick_model_dir: Path,
) -> None:
    """Counted by what the graph computes, whatever its nodes are named."""
    onnx = pytest.importorskip("onnx")
    graph = onnx.load(str(quick_model_dir / ENCODER_DIR / FIRST_LOOK_FILE)).graph
    kinds = [node.op_type for node in graph.node]
    # The embeddings' norm and three blocks' norms; one feed-forward block (one GELU).
    assert kinds.count("LayerNormalization") == 1 + FIRST_LOOK_BLOCKS == 4
    assert kinds.count("Erf") == 1
    # The first layer's six int8 products (query, key, value, attention out, two
    # feed-forward) and the second's four of attention.
    assert kinds.count("MatMulInteger") == 10


def test_cutting_a_graph_without_that_block_says_so(quick_model_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    with pytest.raises(ValueError, match="has 12 blocks; cannot cut after block 42"):
        cut_first_layers(quick_model_dir / ENCODER_DIR / MODEL_FILE, tmp_path / "x.onnx", 42)
    with pytest.raises(ValueError, match="cannot cut after block 0"):
        cut_first_layers(quick_model_dir / ENCODER_DIR / MODEL_FILE, tmp_path / "x.onnx", 0)


def test_a_graph_that_is_not_bert_shaped_cannot_be_cut(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper  # noqa: PLC0415 - skipped above without it

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "plain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )
    path = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(ValueError, match="0 layer norms, not one for the embeddings"):
        cut_first_layers(path, tmp_path / "x.onnx", 3)


@pytest.mark.parametrize("batched", [False, True])
def test_states_of_one_text_or_of_a_batch_of_one_pool_alike(
    quick_model_dir: Path, tmp_path: Path, batched: bool
) -> None:
    """Graphs traced for one text give (tokens, width); older ones (1, tokens, width)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper  # noqa: PLC0415 - skipped above without it

    width = 4
    # hidden[token, j] = token id + j + 1: the pooled mean depends on the ids.
    axes = [0, 2] if batched else [1]
    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("Squeeze", ["ids", "batch"], ["row"]),
        helper.make_node("Unsqueeze", ["row", "axes"], ["column"]),
        helper.make_node("Add", ["column", "steps"], ["hidden"]),
    ]
    shape: list[str | int | None] = [1, "tokens", width] if batched else ["tokens", width]
    graph = helper.make_graph(
        nodes,
        "states",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "tokens"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, shape)],
        initializer=[
            helper.make_tensor("batch", TensorProto.INT64, [1], [0]),
            helper.make_tensor("axes", TensorProto.INT64, [len(axes)], axes),
            helper.make_tensor("steps", TensorProto.FLOAT, [width], [1.0, 2.0, 3.0, 4.0]),
        ],
    )
    path = tmp_path / FIRST_LOOK_FILE
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    encoder = load_model(quick_model_dir).encoder
    text = fold(TEXTS[0])
    ids = encoder.feed(text)["input_ids"][0].astype(np.float32)
    expected = ids.mean() + np.arange(1.0, width + 1.0)
    got = FirstLayers(encoder, path).encode([text]).embeddings
    np.testing.assert_allclose(got, [expected / np.linalg.norm(expected)], rtol=1e-5)


def test_a_cleared_text_keeps_the_first_look_and_any_other_the_full_path(
    quick_model: StewardTextModel,
) -> None:
    path = quick_model.english_path
    assert path.looks_first
    texts = [fold(text) for text in TEXTS]
    cleared = [_cleared(quick_model, text) for text in texts]
    assert any(cleared) and not all(cleared)
    real = path.encoder
    recording = Recording(real)
    path.encoder = recording
    try:
        for text, was_cleared in zip(texts, cleared, strict=True):
            served, count = path.served_logits([text])
            _, full = path.base_logits([text], real.encode([text]))
            assert count == int(was_cleared)
            for label, logits in served.items():
                if was_cleared:
                    assert sigmoid(logits)[0] < path.labels[label].first_look.clears_below  # type: ignore[union-attr]
                else:
                    np.testing.assert_allclose(logits, full[label], rtol=1e-6)
    finally:
        path.encoder = real
    # Only the texts the first look did not clear reached the full encoder.
    assert recording.asked == [t for t, c in zip(texts, cleared, strict=True) if not c]


def test_a_batch_is_served_as_its_texts_one_by_one(quick_model: StewardTextModel) -> None:
    path = quick_model.english_path
    texts = [fold(text) for text in TEXTS]
    together, count = path.served_logits(texts)
    alone = [path.served_logits([text]) for text in texts]
    assert count == sum(c for _, c in alone)
    for label, logits in together.items():
        # Padding moves the int8 encoder's scores a little (it did before the first look).
        np.testing.assert_allclose(
            sigmoid(logits), sigmoid(np.array([a[label][0] for a, _ in alone])), atol=0.02
        )


def test_a_model_without_a_first_look_scores_every_text_on_the_full_path(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    older = tmp_path / "older"
    shutil.copytree(quick_model_dir, older)
    (older / ENCODER_DIR / FIRST_LOOK_FILE).unlink()
    english = json.loads((older / "english.json").read_text(encoding="utf-8"))
    for label in english["labels"].values():
        del label["first_look"]  # as models built before the first look were written
    (older / "english.json").write_text(json.dumps(english), encoding="utf-8")

    model = load_model(older)
    assert not model.english_path.looks_first
    texts = [fold(text) for text in TEXTS]
    served, cleared = model.english_path.served_logits(texts)
    _, full = model.english_path.base_logits(texts)
    assert cleared == 0
    for label in full:
        np.testing.assert_array_equal(served[label], full[label])


def test_a_model_loaded_without_its_first_look_takes_the_full_path(
    quick_model_dir: Path,
) -> None:
    model = load_model(quick_model_dir, first_look=False)
    assert model.english_path.first_layers is None
    assert not model.english_path.looks_first
    texts = [fold(text) for text in TEXTS]
    served, cleared = model.english_path.served_logits(texts)
    assert cleared == 0
    _, full = model.english_path.base_logits(texts)
    for label in full:
        np.testing.assert_array_equal(served[label], full[label])


def test_a_community_with_heads_of_its_own_gets_the_full_encoder(
    quick_model_dir: Path,
) -> None:
    model = load_model(quick_model_dir)
    width = model.encoder.encode(["x"]).embeddings.shape[1] + 1
    lenient = LogisticHead(np.zeros(width, dtype=np.float32), -3.0)
    model.communities = {"c1": {"abuse": CommunityHead(head=lenient, examples=5)}}
    first = model.english_path.first_layers
    assert first is not None
    recording = Recording(first)
    model.english_path.first_layers = recording
    fresh = load_model(quick_model_dir)
    text = next(fold(t) for t in TEXTS if _cleared(fresh, fold(t)))

    heads = model.score_batch([text], community="c1")[0]
    assert recording.asked == []  # the community's heads read the full embedding
    assert heads.scores["abuse"] == pytest.approx(float(sigmoid(np.array([-3.0]))[0]), abs=1e-4)
    model.score_batch([text])
    assert recording.asked == [text]


def test_the_limit_is_the_boldest_that_keeps_auc_and_clears_nothing_flag_worthy() -> None:
    values = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    final = np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.4], dtype=np.float32)
    # The first look is sure of the first five texts; it is wrong about the last one,
    # which the full path scores 0.4 (under 0.5, so not flag-worthy, but a positive).
    first = np.array([0.001, 0.002, 0.004, 0.006, 0.009, 0.5, 0.6, 0.7, 0.8, 0.12])
    limit, figures = choose_limit(first.astype(np.float32), final, values)
    # A limit above 0.12 would clear the positive and lose ROC-AUC; 0.12 clears the five
    # only (and nothing between 0.009 and 0.12 is left to tell the limits apart).
    assert limit == 0.12
    assert figures["first_look_cleared_share"] == 0.5
    assert figures["with_first_look_roc_auc"] >= roc_auc(values, final) - TOLERANCE


def test_a_text_the_full_path_would_flag_is_never_cleared() -> None:
    values = np.array([0, 0, 0, 1, 1])
    final = np.array([0.01, 0.02, 0.03, 0.9, 0.95], dtype=np.float32)
    # The first look misses a flag-worthy text at every limit: it may never clear.
    first = np.array([0.5, 0.5, 0.5, 0.001, 0.9], dtype=np.float32)
    limit, figures = choose_limit(first, final, values)
    assert limit == 0.0
    assert figures["first_look_cleared_share"] == 0.0
    assert min(CLEARING_LIMITS) > 0.001


def test_the_card_and_english_file_record_the_first_look(quick_model_dir: Path) -> None:
    english = json.loads((quick_model_dir / "english.json").read_text(encoding="utf-8"))
    assert english["first_look_blocks"] == FIRST_LOOK_BLOCKS
    card = json.loads((quick_model_dir / "card.json").read_text(encoding="utf-8"))
    assert "first_look" in card["encoder"]
    for label, data in english["labels"].items():
        limit = data["first_look"]["clears_below"]
        assert limit in (0.0, *CLEARING_LIMITS)
        metrics = card["metrics"]["validation"][label]
        assert metrics["first_look_clears_below"] == limit
        assert 0.0 <= metrics["first_look_cleared_share"] <= 1.0
        assert metrics["with_first_look_roc_auc"] >= metrics["roc_auc"] - TOLERANCE - 1e-9
