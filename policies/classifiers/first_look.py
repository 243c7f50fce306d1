"""The first look: the encoder's first layers clear plainly harmless texts on their own.

Most chat in a brand community is plainly harmless, and the full encoder spends as much
on "see you at the launch!" as on a veiled insult. The first look runs only the encoder's
first :data:`FIRST_LOOK_BLOCKS` blocks (a separate ONNX graph cut from the full one, about
a quarter of its cost), puts a logistic head on their mean-pooled states and stacks that
vote with the lexical one. A text whose first-look probability is below the label's
``clears_below`` for every label is cleared there; any other text goes on to the full
path (the whole encoder, then the strong encoder where that is unsure), whose scores then
stand alone.

Models since recipe 16 also keep the graph of the layers after the first look
(:data:`LATER_LAYERS_FILE`). Served, they make up the full encoder
(:class:`LayeredEncoder`): a text the first look does not clear goes on from the states
the first look computed instead of running the first layers again, and the process holds
one copy of the word table and of the first layers instead of two.

The first look can only clear, never accuse, and it clears only what the full path would
not flag: training picks each label's ``clears_below`` on held-out data, as the boldest
limit that clears none of the texts the full path scores 0.5 or more there and keeps the
label's ROC-AUC (see :func:`policies.classifiers.first_look_training.fit_first_look`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from policies.classifiers.encoder import (
    Encoded,
    IntArray,
    OnnxEncoder,
    embedding_width,
    onnx_session,
    run_each,
)
from policies.classifiers.heads import FloatArray, LogisticHead, side_by_side, sigmoid

FIRST_LOOK_FILE = "first_look.int8.onnx"
"""The graph of the first layers, beside the full encoder's in ``encoder/``."""
FIRST_LOOK_BLOCKS = 3
"""How many of MiniLM's twelve blocks the first look runs: the first layer, then the
second layer's attention (each of the six layers is an attention block and a
feed-forward block).

Recipes 12 to 16 cut here by mistake where two whole layers were meant; measured on
2026-12-03, this cut was the fastest of 2, 3 and 4 blocks in every round (the fourth block
clears 15 more of the bench's 1,674 English lines but costs every line its time), so
recipe 17 kept it and counts it in blocks
(:func:`policies.classifiers.first_look_training.end_of_blocks`). The figures are in
docs/classifiers.md, "Recipe 17".
"""
HIDDEN_OUTPUT = "hidden"
"""The output of the first-look graph: the last kept layer's hidden states (and the input
of the later layers' graph)."""
LATER_LAYERS_FILE = "later_layers.int8.onnx"
"""The graph of the layers after the first look, beside the others in ``encoder/``."""


class Tokenizing(Protocol):
    """What the first look needs of the full encoder: its tokenizer, as it feeds it."""

    def feed(self, text: str) -> dict[str, IntArray]:
        """Return one text's token ids, attention mask and token types."""
        ...


@dataclass(frozen=True, slots=True)
class FirstLookVote:
    """One label's first look.

    Attributes:
        head: A logistic head on the first layers' pooled, L2-normalised states.
        stack: Two weights (lexical, first-look head) and a bias: its output is calibrated.
        clears_below: A text whose stacked probability is below this is cleared of the
            label without the full path; 0 never clears.
    """

    head: LogisticHead
    stack: LogisticHead
    clears_below: float

    def logits(self, lexical: FloatArray, pooled: FloatArray) -> FloatArray:
        """Return the stacked first-look logits from the lexical vote and pooled states."""
        return self.stack.logits(side_by_side(lexical, self.head.logits(pooled)))

    def clears(self, logits: FloatArray) -> npt.NDArray[np.bool_]:
        """Return, per text, whether the first look clears it of this label."""
        return sigmoid(logits) < self.clears_below

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "head": self.head.to_json(),
            "stack": self.stack.to_json(),
            "clears_below": self.clears_below,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FirstLookVote:
        """Read the form written by :meth:`to_json`."""
        return cls(
            head=LogisticHead.from_json(data["head"]),
            stack=LogisticHead.from_json(data["stack"]),
            clears_below=float(data["clears_below"]),
        )


class FirstLayers:
    """Run the first-look graph and pool its hidden states, with the full encoder's tokenizer.

    Args:
        tokenizer: The full encoder (its tokenizer and truncation apply unchanged).
        path: The first-look graph (:data:`FIRST_LOOK_FILE`).
        threads: ONNX Runtime's intra-op threads.
    """

    def __init__(self, tokenizer: Tokenizing, path: Path, *, threads: int = 1) -> None:
        """Open the graph."""
        self._tokenizer = tokenizer
        self._session = onnx_session(path, threads)
        self._inputs = [i.name for i in self._session.get_inputs()]
        (hidden,) = self._session.get_outputs()
        self._width = int(hidden.shape[-1])

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Return the pooled, L2-normalised states of the first layers, one row per text.

        Each text runs alone, as through the full encoder (whose notes say why). The logits
        are zeros: the first layers have no fine-tuned head of their own. The form is the
        full encoder's, so that the same code embeds with both; ``states`` holds each
        text's hidden states, for the later layers to go on from.
        """
        embeddings = np.empty((len(texts), self._width), dtype=np.float32)
        states = []
        for row, text in enumerate(texts):
            hidden = self.states(text)
            # Graphs traced for one text (recipe 12 on) give (tokens, width), older ones
            # (1, tokens, width). Alone, every token is real: the mean is over all of them.
            # What ``mean`` and ``linalg.norm`` compute, without their Python wrappers.
            flat = hidden.reshape(-1, self._width)
            mean = np.add.reduce(flat, axis=0) / flat.shape[0]
            embeddings[row] = mean / max(float(np.sqrt(mean @ mean)), 1e-12)
            states.append(hidden)
        return Encoded(
            logits=np.zeros(len(texts), dtype=np.float32),
            embeddings=embeddings,
            states=tuple(states),
        )

    def states(self, text: str) -> FloatArray:
        """Return one text's hidden states after the first layers, as the graph gives them."""
        inputs = self._tokenizer.feed(text)
        (hidden,) = self._session.run([HIDDEN_OUTPUT], {n: inputs[n] for n in self._inputs})
        return np.asarray(hidden, dtype=np.float32)


class LayeredEncoder(OnnxEncoder):
    """The full encoder as two graphs: the first look's layers, then the later ones.

    Run one after the other they compute exactly what the full graph does (the cut keeps
    its weights; see :func:`policies.classifiers.first_look_training.cut_later_layers`),
    so the full graph is never loaded. :attr:`first` is the first look's graph, which the
    model's first look uses too.

    Args:
        directory: The model's ``encoder/`` folder, with both graphs.
        max_length: Longer texts are cut to this many tokens.
        threads: ONNX Runtime's intra-op threads, for each graph.
    """

    first: FirstLayers

    def _open(self, directory: Path, threads: int) -> None:
        """Open the first look's graph and the later layers' one."""
        self.first = FirstLayers(self, directory / FIRST_LOOK_FILE, threads=threads)
        self._later = onnx_session(directory / LATER_LAYERS_FILE, threads)
        self.dimensions = embedding_width(self._later)

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Return logits and embeddings for ``texts``, each text run alone through both graphs."""
        return self.from_states([self.first.states(text) for text in texts])

    def from_states(self, states: Sequence[FloatArray]) -> Encoded:
        """Return logits and embeddings from texts' states after the first look's layers."""
        feeds = ({HIDDEN_OUTPUT: hidden} for hidden in states)
        return run_each(self._later, feeds, len(states), self.dimensions)


def has_later_layers(directory: Path) -> bool:
    """Tell whether an ``encoder/`` folder holds both graphs a :class:`LayeredEncoder` needs."""
    return (directory / FIRST_LOOK_FILE).is_file() and (directory / LATER_LAYERS_FILE).is_file()
