"""The English sentence encoder at serving time: MiniLM as int8 ONNX, no torch.

The ONNX graph (written by :mod:`policies.classifiers.finetune`) takes token ids and an
attention mask and returns two outputs: ``logits`` (one per text, from the fine-tuned
classification head) and ``embedding`` (the mean of the last hidden states, which the
other heads read).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from policies.classifiers.heads import FloatArray

MODEL_FILE = "model.int8.onnx"


@dataclass(frozen=True, slots=True)
class Encoded:
    """The encoder's outputs for a batch.

    Attributes:
        logits: One fine-tuned logit per text.
        embeddings: One vector per text, shape ``(n, dim)``.
    """

    logits: FloatArray
    embeddings: FloatArray


class OnnxEncoder:
    """Run the exported encoder with ONNX Runtime and transformers' tokenizer."""

    def __init__(self, directory: Path, *, max_length: int = 128, threads: int = 2) -> None:
        """Load the graph and tokenizer from ``directory``.

        Args:
            directory: The model's ``encoder/`` folder.
            max_length: Longer texts are cut to this many tokens.
            threads: ONNX Runtime's intra-op threads.
        """
        import onnxruntime  # noqa: PLC0415 - the ml extra is optional
        from transformers import AutoTokenizer  # noqa: PLC0415 - the ml extra is optional

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(directory))
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.max_length = max_length

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Return logits and embeddings for ``texts`` (padded to the longest in the batch)."""
        batch = self._tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="np",
        )
        feed = {name: batch[name].astype(np.int64) for name in self._inputs if name in batch}
        logits, embeddings = self._session.run(["logits", "embedding"], feed)
        return Encoded(
            logits=np.asarray(logits, dtype=np.float32).reshape(-1),
            embeddings=np.asarray(embeddings, dtype=np.float32),
        )
