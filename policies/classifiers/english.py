"""The English path: the fine-tuned encoder and the lexical scorer, stacked and calibrated.

For each label two scorers vote: the lexical scorer (spelling, n-grams) and the encoder
(meaning): the fine-tuned logit for the label the encoder was tuned on, a logistic head on
its embedding for the others. A small logistic "stack" over the two logits, fitted on
held-out data, weighs them and calibrates the result into a probability at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from policies.classifiers.encoder import Encoded
from policies.classifiers.heads import FloatArray, LogisticHead
from policies.classifiers.lexical import LexicalScorer


@dataclass(frozen=True, slots=True)
class EnglishLabel:
    """How one label is scored on the English path.

    Attributes:
        lexical: The lexical scorer.
        stack: Two weights (lexical, encoder) and a bias: its output is calibrated.
        embedding_head: A head on the encoder's embedding; ``None`` when the encoder was
            fine-tuned on this label (its own logit is used).
    """

    lexical: LexicalScorer
    stack: LogisticHead
    embedding_head: LogisticHead | None = None

    def encoder_logits(self, encoded: Encoded) -> FloatArray:
        """Return the encoder's vote: its head on the embedding, or its fine-tuned logit."""
        if self.embedding_head is None:
            return encoded.logits
        return self.embedding_head.logits(encoded.embeddings)

    def base_logits(
        self,
        texts: Sequence[str],
        encoded: Encoded,
        features: Sequence[Sequence[str]] | None = None,
    ) -> FloatArray:
        """Return the stacked logits (before the sigmoid) for folded texts.

        Args:
            texts: Folded texts.
            encoded: The encoder's outputs for them.
            features: Their lexical features, when already extracted.
        """
        lexical = self.lexical.logits(texts, features)
        votes = np.stack([lexical, self.encoder_logits(encoded)], axis=1)
        return self.stack.logits(votes)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "lexical": self.lexical.to_json(),
            "stack": self.stack.to_json(),
            "embedding_head": None
            if self.embedding_head is None
            else self.embedding_head.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EnglishLabel:
        """Read the form written by :meth:`to_json`."""
        head = data.get("embedding_head")
        return cls(
            lexical=LexicalScorer.from_json(data["lexical"]),
            stack=LogisticHead.from_json(data["stack"]),
            embedding_head=None if head is None else LogisticHead.from_json(head),
        )


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
