"""The English path: the fine-tuned encoder and the lexical scorer, stacked and calibrated.

For each label two scorers vote: the lexical scorer (spelling, n-grams) and the encoder
(meaning): the fine-tuned logit for the label the encoder was tuned on, a logistic head on
its embedding for the others. A small logistic "stack" over the two logits, fitted on
held-out data, weighs them and calibrates the result into a probability at once.

A model built with the ``strong`` profile also has a larger encoder (MPNet) fine-tuned on
one label. It is slow, so it is asked only about texts whose two-vote probability falls in
a middle band, where a third vote can still change the outcome; a second stack weighs the
three votes there.

A label the encoder was not fine-tuned on (spam) may also have a second look
(:class:`WideVote`): where its two votes are unsure, a head that reads the English encoder's
embedding and the multilingual encoder's together decides. The two encoders learnt from
different text, and together they separate spam better than either alone.

In front of all that, a model may have a first look (:mod:`policies.classifiers.first_look`):
the encoder's first layers and the lexical vote, which clear plainly harmless texts without
the rest. The lexical votes are worked out on a second core while the first layers run,
when one is spare (:mod:`policies.classifiers.spare_core`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from policies.classifiers.encoder import Encoded
from policies.classifiers.first_look import FirstLookVote, LayeredEncoder
from policies.classifiers.heads import FloatArray, LogisticHead, side_by_side, sigmoid
from policies.classifiers.lexical import LexicalScorer, logits_of_each
from policies.classifiers.spare_core import SpareCore

StrongEncode = Callable[[npt.NDArray[np.intp]], FloatArray]
"""Returns the strong encoder's logits for some rows of a batch (by position)."""
WideEmbed = Callable[[npt.NDArray[np.intp]], FloatArray]
"""Returns the multilingual encoder's embeddings for some rows of a batch (by position)."""


class TextEncoder(Protocol):
    """An encoder of folded texts (:class:`~policies.classifiers.encoder.OnnxEncoder`)."""

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Return logits and embeddings for ``texts``."""
        ...


class TextEmbedder(Protocol):
    """An encoder that only embeds (the multilingual encoder, for second looks)."""

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Return one embedding per text."""
        ...


def in_band(logits: FloatArray, band: tuple[float, float]) -> npt.NDArray[np.intp]:
    """Return the positions whose probability lies within ``band`` (inclusive)."""
    probabilities = sigmoid(logits)
    low, high = band
    return np.flatnonzero((probabilities >= low) & (probabilities <= high))


@dataclass(frozen=True, slots=True)
class StrongVote:
    """The strong encoder's vote on one label, asked only in a band of doubt.

    Attributes:
        stack: Three weights (lexical, encoder, strong encoder) and a bias; calibrated.
        band: The two-vote probabilities (low, high) between which the strong encoder is
            asked; outside it the two-vote probability stands.

    The strong encoder votes with its own logit: it is fine-tuned on this label.
    """

    stack: LogisticHead
    band: tuple[float, float]

    def unsure(self, logits: FloatArray) -> npt.NDArray[np.intp]:
        """Return the positions whose two-vote probability lies within the band."""
        return in_band(logits, self.band)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {"stack": self.stack.to_json(), "band": list(self.band)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StrongVote:
        """Read the form written by :meth:`to_json`."""
        low, high = data["band"]
        return cls(stack=LogisticHead.from_json(data["stack"]), band=(float(low), float(high)))


@dataclass(frozen=True, slots=True)
class WideVote:
    """A second look at one label, asked only in a band of doubt.

    Attributes:
        head: A head on the English encoder's embedding and the multilingual encoder's,
            side by side (in that order).
        stack: Two weights (lexical, the wide head) and a bias; calibrated.
        band: The two-vote probabilities (low, high) between which the second look is
            taken; outside it the two-vote probability stands.
    """

    head: LogisticHead
    stack: LogisticHead
    band: tuple[float, float]

    def unsure(self, logits: FloatArray) -> npt.NDArray[np.intp]:
        """Return the positions whose two-vote probability lies within the band."""
        return in_band(logits, self.band)

    def logits(self, lexical: FloatArray, english: FloatArray, wide: FloatArray) -> FloatArray:
        """Return the second look's logits from the lexical vote and both embeddings."""
        head = self.head.logits(np.hstack([english, wide]))
        return self.stack.logits(np.column_stack([lexical, head]))

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "head": self.head.to_json(),
            "stack": self.stack.to_json(),
            "band": list(self.band),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WideVote:
        """Read the form written by :meth:`to_json`."""
        low, high = data["band"]
        return cls(
            head=LogisticHead.from_json(data["head"]),
            stack=LogisticHead.from_json(data["stack"]),
            band=(float(low), float(high)),
        )


@dataclass(frozen=True, slots=True)
class EnglishLabel:
    """How one label is scored on the English path.

    Attributes:
        lexical: The lexical scorer.
        stack: Two weights (lexical, encoder) and a bias: its output is calibrated.
        embedding_head: A head on the encoder's embedding; ``None`` when the encoder was
            fine-tuned on this label (its own logit is used).
        strong: The strong encoder's vote, in models that have one.
        first_look: The first look's vote (:mod:`policies.classifiers.first_look`), in
            models that have one.
        wide: The second look with the multilingual encoder, in labels that have one.
    """

    lexical: LexicalScorer
    stack: LogisticHead
    embedding_head: LogisticHead | None = None
    strong: StrongVote | None = None
    first_look: FirstLookVote | None = None
    wide: WideVote | None = None

    def encoder_logits(self, encoded: Encoded) -> FloatArray:
        """Return the encoder's vote: its head on the embedding, or its fine-tuned logit."""
        if self.embedding_head is None:
            return encoded.logits
        return self.embedding_head.logits(encoded.embeddings)

    def votes(
        self,
        texts: Sequence[str],
        encoded: Encoded,
        lexical: FloatArray | None = None,
    ) -> FloatArray:
        """Return the two votes (lexical, encoder) per text, shape ``(n, 2)``.

        ``lexical`` is the lexical vote when the caller already has it.
        """
        if lexical is None:
            lexical = self.lexical.logits(texts)
        return side_by_side(lexical, self.encoder_logits(encoded))

    def base_logits(
        self,
        texts: Sequence[str],
        encoded: Encoded,
        strong: StrongEncode | None = None,
        lexical: FloatArray | None = None,
        wide: WideEmbed | None = None,
    ) -> FloatArray:
        """Return the stacked logits (before the sigmoid) for folded texts.

        Args:
            texts: Folded texts.
            encoded: The encoder's outputs for them.
            strong: The strong encoder's logits for rows; without it (or without a strong
                vote in this label) the two-vote stack alone decides.
            lexical: Their lexical vote, when already computed.
            wide: The multilingual encoder's embeddings for rows; without it (or without
                a second look in this label) the two-vote stack alone decides.
        """
        votes = self.votes(texts, encoded, lexical)
        logits = self.stack.logits(votes)
        if self.strong is not None and strong is not None:
            rows = self.strong.unsure(logits)
            if rows.size:
                third = strong(rows)
                logits[rows] = self.strong.stack.logits(np.column_stack([votes[rows], third]))
        if self.wide is not None and wide is not None:
            rows = self.wide.unsure(logits)
            if rows.size:
                english = encoded.embeddings[rows]
                logits[rows] = self.wide.logits(votes[rows, 0], english, wide(rows))
        return logits

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "lexical": self.lexical.to_json(),
            "stack": self.stack.to_json(),
            "embedding_head": None
            if self.embedding_head is None
            else self.embedding_head.to_json(),
            "strong": None if self.strong is None else self.strong.to_json(),
            "first_look": None if self.first_look is None else self.first_look.to_json(),
            "wide": None if self.wide is None else self.wide.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EnglishLabel:
        """Read the form written by :meth:`to_json` (older models without every part too)."""
        head = data.get("embedding_head")
        strong = data.get("strong")
        first_look = data.get("first_look")
        wide = data.get("wide")
        return cls(
            lexical=LexicalScorer.from_json(data["lexical"]),
            stack=LogisticHead.from_json(data["stack"]),
            embedding_head=None if head is None else LogisticHead.from_json(head),
            strong=None if strong is None else StrongVote.from_json(strong),
            first_look=None if first_look is None else FirstLookVote.from_json(first_look),
            wide=None if wide is None else WideVote.from_json(wide),
        )


class EnglishPath:
    """Score folded texts on the English path: every label, other encoders where unsure.

    Serving, community refits and evaluation all score through here, so that a base logit
    means the same everywhere.
    """

    def __init__(
        self,
        encoder: TextEncoder,
        labels: Mapping[str, EnglishLabel],
        strong: TextEncoder | None = None,
        first_layers: TextEncoder | None = None,
        wide: TextEmbedder | None = None,
        *,
        spare: SpareCore | None = None,
    ) -> None:
        """Join the encoder, the labels' scorers and the other encoders that help them.

        ``wide`` is the multilingual encoder, for labels with a second look. ``spare``
        lends the first look a second core for its lexical votes; without it they are
        worked out after its layers, on the caller's thread.
        """
        self.encoder = encoder
        self.labels = dict(labels)
        self.strong = strong
        self.first_layers = first_layers
        self.wide = wide
        self.spare = spare

    @property
    def looks_first(self) -> bool:
        """Tell whether texts get a first look (every label has one, and its graph)."""
        return self.first_layers is not None and all(
            scorer.first_look is not None for scorer in self.labels.values()
        )

    def base_logits(
        self,
        texts: Sequence[str],
        encoded: Encoded | None = None,
        lexical: Mapping[str, FloatArray] | None = None,
    ) -> tuple[Encoded, dict[str, FloatArray]]:
        """Return the encoder's outputs and each label's base logits for folded texts.

        This is the full path, the first look left out: community heads and replay
        samples read the encoder's embedding of every text.

        Args:
            texts: Folded texts.
            encoded: The encoder's outputs for them, when already computed.
            lexical: Each label's lexical vote on them, when already computed.
        """
        encoded = encoded if encoded is not None else self.encoder.encode(texts)
        votes = lexical or self._lexical_votes(texts)
        strong_encoder, wide_encoder = self.strong, self.wide
        strong = (
            None
            if strong_encoder is None
            else rows_computed_once(texts, lambda part: strong_encoder.encode(part).logits)
        )
        wide = None if wide_encoder is None else rows_computed_once(texts, wide_encoder.embed)
        return encoded, {
            label: scorer.base_logits(texts, encoded, strong, votes[label], wide)
            for label, scorer in self.labels.items()
        }

    def _going_on(self, looked: Encoded, rows: npt.NDArray[np.intp]) -> Encoded | None:
        """Return the encoder's outputs for rows from where the first look stopped, if it can.

        A :class:`~policies.classifiers.first_look.LayeredEncoder` runs only its later
        layers on the first look's states; any other encoder starts again (``None``).
        """
        if looked.states is None or not isinstance(self.encoder, LayeredEncoder):
            return None
        return self.encoder.from_states([looked.states[i] for i in rows.tolist()])

    def _lexical_votes(self, texts: Sequence[str]) -> dict[str, FloatArray]:
        """Return each label's lexical vote, each text's features counted once if they can."""
        return logits_of_each({label: s.lexical for label, s in self.labels.items()}, texts)

    def served_logits(self, texts: Sequence[str]) -> tuple[dict[str, FloatArray], int]:
        """Return each label's logits as served: the first look, then the full path.

        A text the first look clears of every label keeps the first look's logits; every
        other text is scored by :meth:`base_logits`, whose logits then stand alone.
        Without a first look, every text takes the full path.

        Args:
            texts: Folded texts.

        Returns:
            The logits per label, and how many texts the first look cleared.
        """
        if not self.looks_first:
            return self.base_logits(texts)[1], 0
        assert self.first_layers is not None

        def lexical_votes() -> dict[str, FloatArray]:
            return self._lexical_votes(texts)

        # ONNX Runtime lets go of the GIL while the layers run, so on a spare core the
        # votes cost this text no time; they are the same votes either way.
        votes = lexical_votes if self.spare is None else self.spare.beside(lexical_votes)
        looked = self.first_layers.encode(texts)
        pooled = looked.embeddings
        lexical = votes()
        logits: dict[str, FloatArray] = {}
        cleared = np.ones(len(texts), dtype=bool)
        for label, scorer in self.labels.items():
            assert scorer.first_look is not None
            logits[label] = scorer.first_look.logits(lexical[label], pooled)
            cleared &= scorer.first_look.clears(logits[label])
        rows = np.flatnonzero(~cleared)
        if rows.size:
            # The lexical votes carry over, and so do the first layers' states when the
            # encoder can go on from them: only the rest of the encoder is computed.
            unsure = {label: votes[rows] for label, votes in lexical.items()}
            _, full = self.base_logits(
                [texts[i] for i in rows.tolist()], self._going_on(looked, rows), unsure
            )
            for label, found in full.items():
                logits[label][rows] = found
        return logits, int(cleared.sum())


def rows_computed_once(
    texts: Sequence[str], compute: Callable[[Sequence[str]], FloatArray]
) -> Callable[[npt.NDArray[np.intp]], FloatArray]:
    """Return a function giving rows' outputs of ``compute``, each row computed once.

    Several labels may ask for the same rows of a batch (the strong encoder's logits, the
    multilingual encoder's embeddings); only the rows some label asks for are computed.
    """
    done: dict[int, FloatArray] = {}

    def outputs(rows: npt.NDArray[np.intp]) -> FloatArray:
        missing = [int(row) for row in rows if int(row) not in done]
        if missing:
            found = compute([texts[row] for row in missing])
            done.update(zip(missing, np.asarray(found, dtype=np.float32), strict=True))
        return np.array([done[int(row)] for row in rows], dtype=np.float32)

    return outputs


@dataclass(frozen=True, slots=True)
class CommunityHead:
    """A community's correction, learnt from its moderators' decisions.

    A logistic head over the embedding and the base logit; fitted on the community's
    decisions plus a replay sample of the base training data, so a few decisions adjust
    the score without forgetting everything else.

    Attributes:
        head: Weights over ``[embedding..., base_logit]``.
        examples: How many of the community's decisions it learnt from.
    """

    head: LogisticHead
    examples: int

    def logits(self, embeddings: FloatArray, base: FloatArray) -> FloatArray:
        """Return the corrected logits."""
        return self.head.logits(np.hstack([embeddings, base.reshape(-1, 1)]))

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {"head": self.head.to_json(), "examples": self.examples}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CommunityHead:
        """Read the form written by :meth:`to_json`."""
        return cls(head=LogisticHead.from_json(data["head"]), examples=int(data["examples"]))


@dataclass(frozen=True, slots=True)
class Replay:
    """A sample of base training data kept with the model for community heads.

    Attributes:
        embeddings: Encoder embeddings, shape ``(n, dim)``.
        base_logits: Per label, the base model's logits for them.
        labels: Per label, the true labels (1, 0, or -1 when the example says nothing of it).
    """

    embeddings: FloatArray
    base_logits: Mapping[str, FloatArray] = field(default_factory=dict)
    labels: Mapping[str, np.ndarray[Any, np.dtype[np.int8]]] = field(default_factory=dict)
