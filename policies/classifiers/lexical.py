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

Counted = tuple[npt.NDArray[np.int64], FloatArray]
"""A text's known features: their columns, and their sublinear term frequencies."""


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
        return logits_of_each({"": self}, texts, features)[""]

    def logit_of(self, counted: Counted | None) -> float:
        """Return the logit of a text whose features :func:`logits_of_each` counted."""
        if counted is None:
            return self.head.bias
        columns, tf = counted
        weights = tf * self.idf[columns]
        norm = float(np.sqrt(weights @ weights))
        if norm == 0.0:
            # On a shared vocabulary: every feature found belongs to other scorers only.
            return self.head.bias
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


def logits_of_each(
    scorers: Mapping[str, LexicalScorer],
    texts: Sequence[str],
    features: Sequence[Sequence[str]] | None = None,
) -> dict[str, FloatArray]:
    """Return each scorer's logit per text, counting each text's features once per vocabulary.

    Scorers that share one vocabulary (see :func:`on_one_vocabulary`) share the counting,
    which is most of a lexical vote's time.

    Args:
        scorers: The scorers, by name.
        texts: Folded texts.
        features: Their :func:`ngrams`, when the caller already has them.

    Returns:
        One logit per text, for each scorer's name.
    """
    found = features if features is not None else [ngrams(text) for text in texts]
    logits = {name: np.empty(len(found), dtype=np.float32) for name in scorers}
    sharing: dict[int, list[str]] = {}
    for name, scorer in scorers.items():
        sharing.setdefault(id(scorer.vocabulary), []).append(name)
    for names in sharing.values():
        vocabulary = scorers[names[0]].vocabulary
        for row, text_features in enumerate(found):
            counted = _counted(vocabulary, text_features)
            for name in names:
                logits[name][row] = scorers[name].logit_of(counted)
    return logits


def _counted(vocabulary: Mapping[str, int], features: Sequence[str]) -> Counted | None:
    """Return the columns and sublinear term frequencies of the known features, if any."""
    # map() looks the features up in C; unknown features count under None, dropped here.
    counts = Counter(map(vocabulary.get, features))
    counts.pop(None, None)
    if not counts:
        return None
    columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    return columns, tf.astype(np.float32, copy=False)


def on_one_vocabulary(scorers: Mapping[str, LexicalScorer]) -> dict[str, LexicalScorer]:
    """Return the scorers rewritten onto one vocabulary, the union of theirs.

    Each label's scorer learnt its own vocabulary, so serving counted every text's
    features once per label. On the union, a feature a scorer never learnt gets IDF and
    weight 0 there: it adds nothing to that scorer's norm or sum, so the logits stay what
    they were (to float rounding), and :func:`logits_of_each` counts once for all of them.

    Args:
        scorers: The scorers, by name.

    Returns:
        Scorers that share one vocabulary object, by the same names.
    """
    union: dict[str, int] = {}
    for scorer in scorers.values():
        for feature in scorer.vocabulary:
            union.setdefault(feature, len(union))
    shared: dict[str, LexicalScorer] = {}
    for name, scorer in scorers.items():
        own = np.fromiter(scorer.vocabulary.values(), dtype=np.int64, count=len(scorer.vocabulary))
        columns = np.fromiter(
            (union[f] for f in scorer.vocabulary), dtype=np.int64, count=len(scorer.vocabulary)
        )
        idf = np.zeros(len(union), dtype=np.float32)
        weights = np.zeros(len(union), dtype=np.float32)
        idf[columns] = scorer.idf[own]
        weights[columns] = scorer.head.weights[own]
        shared[name] = LexicalScorer(union, idf, LogisticHead(weights, scorer.head.bias))
    return shared
