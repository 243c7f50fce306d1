"""The English sentence encoder at serving time: MiniLM as int8 ONNX, no torch.

The ONNX graph (written by :mod:`policies.classifiers.finetune`) takes token ids and an
attention mask and returns two outputs: ``logits`` (one per text, from the fine-tuned
classification head) and ``embedding`` (the mean of the last hidden states, which the
other heads read).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from policies.classifiers.heads import FloatArray

MODEL_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"


@dataclass(frozen=True, slots=True)
class Encoded:
    """The encoder's outputs for a batch.

    Attributes:
        logits: One fine-tuned logit per text.
        embeddings: One vector per text, shape ``(n, dim)``.
        states: Each text's hidden states where the graph stopped, from graphs that stop
            part way (the first look's), for the later layers to go on from; else ``None``.
    """

    logits: FloatArray
    embeddings: FloatArray
    states: tuple[FloatArray, ...] | None = None


class OnnxEncoder:
    """Run the exported encoder with ONNX Runtime and the tokenizer transformers saved.

    The tokenizer is transformers' fast tokenizer, read from its ``tokenizer.json`` with the
    ``tokenizers`` library it is built on: importing transformers itself would load torch
    when it is installed and cost over 200 MB of memory at serving time.
    """

    def __init__(self, directory: Path, *, max_length: int = 128, threads: int = 1) -> None:
        """Load the graph and tokenizer from ``directory``.

        Args:
            directory: The model's ``encoder/`` folder.
            max_length: Longer texts are cut to this many tokens.
            threads: ONNX Runtime's intra-op threads. One message at a time is fastest on
                one thread; more threads spin and fight the event loop for the cores.
        """
        from tokenizers import Tokenizer  # noqa: PLC0415 - the ml extra is optional

        self._tokenizer: Any = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self.max_length = max_length
        self._open(directory, threads)

    def _open(self, directory: Path, threads: int) -> None:
        """Open the graph and learn the embedding's width from it."""
        self._session = onnx_session(directory / MODEL_FILE, threads)
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.dimensions = embedding_width(self._session)

    @property
    def max_length(self) -> int:
        """Return how many tokens a text keeps (special tokens included)."""
        return self._max_length

    @max_length.setter
    def max_length(self, value: int) -> None:
        self._max_length = value
        # The tokenizer keeps room for [CLS] and [SEP] within the limit, as transformers does.
        self._tokenizer.enable_truncation(value)

    def whole_words(self) -> frozenset[str]:
        """Return the vocabulary's entries that are whole words of two letters or more."""
        vocabulary: dict[str, int] = self._tokenizer.get_vocab()
        return frozenset(w for w in vocabulary if len(w) > 1 and w.isalpha())

    def feed(self, text: str) -> dict[str, IntArray]:
        """Return one text's inputs for the graph: token ids, attention mask and token types.

        A text is always fed alone, so it needs no padding: every token is attended to.
        """
        ids = np.asarray([self._tokenizer.encode(text).ids], dtype=np.int64)
        inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        return inputs | {"token_type_ids": np.zeros_like(ids)}

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Return logits and embeddings for ``texts``, each text run through the graph alone.

        The int8 graph scales its activations once per run, over every text in it and the
        padding between them: scored in groups of 16 similar lengths, 400 English comments
        moved by up to 0.048 in abuse (0.0035 on average; recipe 10's full model), so a
        message's score depended on what arrived with it, and a replay could disagree with
        what was served. Alone, a text gets the same scores in training, evaluation,
        serving and replay. One text at a time that costs nothing. When many wait, runs of
        16 saved multilingual-e5 about a quarter per text on a CPU without VNNI; on one
        with VNNI, the service's bursts ran as fast with English texts alone.
        """
        feeds = ({name: fed[name] for name in self._inputs} for fed in map(self.feed, texts))
        return run_each(self._session, feeds, len(texts), self.dimensions)


IntArray = np.ndarray[Any, np.dtype[np.int64]]


def run_each(session: Any, feeds: Iterable[Mapping[str, Any]], count: int, width: int) -> Encoded:
    """Run a graph that gives ``logits`` and ``embedding`` once per feed, one text each."""
    logits = np.empty(count, dtype=np.float32)
    embeddings = np.empty((count, width), dtype=np.float32)
    for row, feed in enumerate(feeds):
        logit, embedding = session.run(["logits", "embedding"], feed)
        logits[row] = np.asarray(logit, dtype=np.float32).reshape(-1)[0]
        embeddings[row] = embedding[0]
    return Encoded(logits=logits, embeddings=embeddings)


def embedding_width(session: Any) -> int:
    """Return the width of a graph's ``embedding`` output."""
    (width,) = [o.shape[-1] for o in session.get_outputs() if o.name == "embedding"]
    return int(width)


def onnx_session(path: Path, threads: int) -> Any:
    """Open an ONNX Runtime session on the CPU with ``threads`` intra-op threads."""
    import onnxruntime  # noqa: PLC0415 - the ml extra is optional

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Idle worker threads must not spin: the cores belong to the bot as well.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # A memory pattern is planned and kept for every input shape met, and chat lines come
    # in every length: the kept plans grew the process by 17 MB after the bench, for about
    # 2 ms of English p99 at 200 messages/s. Memory was the target missed; latency is not.
    options.enable_mem_pattern = False
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
