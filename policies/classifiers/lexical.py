"""A lexical scorer: TF-IDF over character and word n-grams, with a logistic head.

It sees spelling (``fr33 n1tr0``, ``d0uble your btc``) that a sentence encoder smooths
over, and it is cheap. scikit-learn learns the vocabulary, the IDF weights and the head at
training time; serving recomputes the same TF-IDF vector here with NumPy, because importing
scikit-learn would more than double the bot's memory. Both sides call :func:`ngrams`, and a
test checks that the vectors agree.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from policies.classifiers.heads import FloatArray, LogisticHead

_WORD = re.compile(r"\w\w+")
_SHORTEST, _LONGEST = 2, 5


def ngrams(text: str) -> list[str]:
    """Return the features of a text: character 2- to 5-grams inside words, words, word pairs.

    Character n-grams are taken per word padded with spaces (so ``" fr"`` marks a word
    start); words are prefixed ``w:`` and pairs ``b:`` so they never collide with them.

    Args:
        text: Folded text (see :func:`policies.normalize.fold`).

    Returns:
        The features, with repeats.
    """
    features: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for size in range(_SHORTEST, _LONGEST + 1):
            features.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    words = _WORD.findall(text)
    features.extend(f"w:{w}" for w in words)
    features.extend(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    return features


@dataclass(frozen=True, slots=True)
class LexicalScorer:
    """TF-IDF (sublinear term frequency, L2-normalised) and a logistic head over it.

    Attributes:
        vocabulary: Feature to column.
        idf: Inverse document frequency per column.
        head: The logistic head over the TF-IDF vector.
    """

    vocabulary: Mapping[str, int]
    idf: FloatArray
    head: LogisticHead

    def logits(
        self, texts: Sequence[str], features: Sequence[Sequence[str]] | None = None
    ) -> FloatArray:
        """Return one logit per text.

        Args:
            texts: Folded texts.
            features: Their :func:`ngrams`, when the caller already has them (several
                scorers can share one extraction).
        """
        found = features if features is not None else [ngrams(text) for text in texts]
        return np.array([self._logit(f) for f in found], dtype=np.float32)

    def _logit(self, features: Sequence[str]) -> float:
        # map() looks the features up in C; unknown features count under None, dropped here.
        counts = Counter(map(self.vocabulary.get, features))
        counts.pop(None, None)
        if not counts:
            return self.head.bias
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        weights = tf * self.idf[columns]
        norm = float(np.sqrt(weights @ weights))
        return float(weights @ self.head.weights[columns]) / norm + self.head.bias

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "vocabulary": dict(self.vocabulary),
            "idf": [round(float(v), 6) for v in self.idf],
            "head": self.head.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LexicalScorer:
        """Read the form written by :meth:`to_json`."""
        return cls(
            vocabulary={str(k): int(v) for k, v in data["vocabulary"].items()},
            idf=np.asarray(data["idf"], dtype=np.float32),
            head=LogisticHead.from_json(data["head"]),
        )


def fit_lexical(
    texts: Sequence[str],
    labels: Sequence[int] | npt.NDArray[np.integer[Any]],
    *,
    strength: float = 10.0,
    min_count: int = 2,
    seed: int = 0,
    sample_weight: Sequence[float] | npt.NDArray[np.float64] | None = None,
    analyzer: Callable[[str], list[str]] = ngrams,
) -> LexicalScorer:
    """Learn the vocabulary, IDF and head from labelled texts with scikit-learn.

    Args:
        texts: Folded texts.
        labels: 1 where the label applies.
        strength: The head's inverse regularisation strength.
        min_count: Features seen in fewer texts are dropped.
        seed: The random seed.
        sample_weight: Optional weight per text.
        analyzer: The feature function (the default is what serving uses).

    Returns:
        The fitted scorer.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415 - training
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - training

    vectorizer = TfidfVectorizer(
        analyzer=analyzer, min_df=min(min_count, len(texts)), sublinear_tf=True, dtype=np.float32
    )
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=strength, max_iter=5000, random_state=seed)
    model.fit(matrix, np.asarray(labels), sample_weight=sample_weight)
    return LexicalScorer(
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_.astype(np.float32),
        head=LogisticHead(
            weights=model.coef_[0].astype(np.float32), bias=float(model.intercept_[0])
        ),
    )
