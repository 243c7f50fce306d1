"""Train the multilingual heads: English corpora plus chat lines in every seed language.

Each label learns from two kinds of examples:

``corpus``
    Large public sets in English (insults comments, SMS spam). A share of them is held out
    to report how well the head ranks them.
``chat``
    Short lines in the brand-community setting whose language is known (the project's
    ``data/multilingual`` sets, and later moderators' decisions). They are few, so together
    they get a fixed share of the training weight, and they are what each language is
    calibrated on: cross-validated scores, so that no line is scored by a head that saw it.

The project's sets are written in parallel (line ``i`` says the same thing in every
language), so line ``i`` of every language falls in the same fold: otherwise a translation of
a held-out line would be in training and the held-out scores would flatter the head.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from policies.classifiers.datasets import (
    Example,
    for_label,
    insults,
    project_sets,
    sms_spam,
    stratified_split,
    subsample,
)
from policies.classifiers.heads import (
    Calibration,
    FloatArray,
    LogisticHead,
    fit_calibration,
    fit_head,
)
from policies.classifiers.multilingual import (
    LabelHead,
    MultilingualEncoder,
    MultilingualHeads,
    Progress,
)


@dataclass(frozen=True, slots=True)
class LabelData:
    """What one label learns from.

    Attributes:
        corpus: English corpus examples (weight 1 each; a share is held out).
        chat: Chat lines whose language is known (they share ``chat_share`` of the weight
            and calibrate their languages); lines without a language are left out.
    """

    corpus: Sequence[Example]
    chat: Sequence[Example] = ()


@dataclass(frozen=True, slots=True)
class TrainingSettings:
    """How the heads are fitted.

    The defaults were chosen by cross-validation on the project's multilingual training sets
    and on a held-out share of the insults train split, never on the evaluation sets.

    Attributes:
        strength: Per label, the head's inverse regularisation strength (1.0 for others).
        chat_share: The share of the training weight that the chat lines get together.
        held_out: The share of each corpus held out for the metrics.
        folds: Cross-validation folds over the chat lines.
        min_per_class: A language gets its own calibration only with at least this many
            chat lines of each class.
    """

    strength: Mapping[str, float] = field(default_factory=lambda: {"abuse": 1.0, "spam": 10.0})
    chat_share: float = 0.5
    held_out: float = 0.15
    folds: int = 5
    min_per_class: int = 8


def default_training_data(*, limit: int | None = None, seed: int = 0) -> dict[str, LabelData]:
    """Return the packaged and project-written training data of each label.

    abuse: the insults train split (never its test split) and the project's multilingual
    chat lines. spam: the SMS collection, the project's chat spam set when it exists, and
    the multilingual chat lines labelled ``ok`` as ordinary chat.

    Args:
        limit: Keep at most this many examples of each corpus (for quick runs through the
            same code path); the chat lines are few and always kept whole.
        seed: The seed of that subsample.

    Raises:
        DataMissing: A packaged data set is not installed.
    """
    chat = project_sets("multilingual")
    abuse_corpus = insults("train")
    spam_corpus = [*sms_spam(), *for_label(project_sets("chat_spam"), "spam")]
    if limit is not None:
        abuse_corpus = subsample(abuse_corpus, limit, seed)
        spam_corpus = subsample(spam_corpus, limit, seed)
    ordinary_chat = for_label([e for e in chat if e.label == "ok"], "spam")
    return {
        "abuse": LabelData(corpus=abuse_corpus, chat=for_label(chat, "abuse")),
        "spam": LabelData(corpus=[*spam_corpus, *ordinary_chat]),
    }


def train_multilingual_heads(
    data: Mapping[str, LabelData],
    encoder: MultilingualEncoder,
    *,
    seed: int = 0,
    settings: TrainingSettings | None = None,
    progress: Progress | None = None,
) -> tuple[MultilingualHeads, dict[str, Any]]:
    """Fit a calibrated head per label over the encoder's embeddings.

    Args:
        data: What each label learns from (see :func:`default_training_data`).
        encoder: The encoder; every distinct text is embedded once.
        seed: The seed of the splits and folds: the same data and seed give the same heads.
        settings: How the heads are fitted.
        progress: Told ``(done, total)`` while texts are embedded, the slow part.

    Returns:
        The heads, and metrics on held-out data: per label the corpus's held-out ROC-AUC
        and the chat lines' cross-validated ROC-AUC per language.
    """
    settings = settings or TrainingSettings()
    texts = sorted({e.text for d in data.values() for e in (*d.corpus, *d.chat)})
    rows = {text: i for i, text in enumerate(texts)}
    embeddings = encoder.embed(texts, progress=progress)

    def embed(examples: Sequence[Example]) -> FloatArray:
        return embeddings[[rows[e.text] for e in examples]]

    labels: dict[str, LabelHead] = {}
    metrics: dict[str, Any] = {"encoder": encoder.model_id, "seed": seed}
    for label, label_data in sorted(data.items()):
        labels[label], metrics[label] = _fit_label(
            label_data, embed, seed, settings.strength.get(label, 1.0), settings
        )
    return MultilingualHeads(labels=labels, encoder=encoder.heads_encoder), metrics


def _fit_label(
    data: LabelData,
    embed: Callable[[Sequence[Example]], FloatArray],
    seed: int,
    strength: float,
    settings: TrainingSettings,
) -> tuple[LabelHead, dict[str, Any]]:
    """Fit, calibrate and measure one label's head."""
    rest, held = stratified_split(data.corpus, settings.held_out, seed)
    chat = [e for e in data.chat if e.language]
    x_rest, y_rest = embed(rest), _values(rest)
    chat_weight = _chat_weight(len(rest), len(chat), settings.chat_share)

    def fit(chat_part: Sequence[Example]) -> LogisticHead:
        x = np.vstack([x_rest, embed(chat_part)]) if chat_part else x_rest
        y = np.concatenate([y_rest, _values(chat_part)])
        weight = [1.0] * len(rest) + [chat_weight] * len(chat_part)
        return fit_head(x, y, strength=strength, sample_weight=weight, seed=seed)

    head = fit(chat)
    held_logits = head.logits(embed(held))
    metrics: dict[str, Any] = {
        "examples": {"corpus": len(rest), "held_out": len(held), "chat": len(chat)},
        "held_out_roc_auc": _roc_auc(_values(held), held_logits),
    }
    if not _has_both(chat, settings.min_per_class):
        # No chat lines of both kinds: the corpus's held-out share calibrates, for all.
        return LabelHead(head, fit_calibration(held_logits, _values(held), smoothed=True)), metrics

    fold_of = _folds(chat, settings.folds, seed)
    chat_logits = np.empty(len(chat), dtype=np.float32)
    for fold in range(settings.folds):
        inside = [e for e, f in zip(chat, fold_of, strict=True) if f != fold]
        outside = [i for i, f in enumerate(fold_of) if f == fold]
        chat_logits[outside] = fit(inside).logits(embed([chat[i] for i in outside]))

    by_language: dict[str, Calibration] = {}
    auc: dict[str, float | None] = {}
    for language, indices in sorted(_by_language(chat).items()):
        examples = [chat[i] for i in indices]
        auc[language] = _roc_auc(_values(examples), chat_logits[indices])
        if _has_both(examples, settings.min_per_class):
            by_language[language] = fit_calibration(
                chat_logits[indices], _values(examples), smoothed=True
            )
    overall = fit_calibration(chat_logits, _values(chat), smoothed=True)
    metrics["chat_weight"] = round(chat_weight, 3)
    metrics["cross_validated_roc_auc"] = auc
    return LabelHead(head, overall, by_language), metrics


def _chat_weight(corpus: int, chat: int, share: float) -> float:
    """Return the weight of one chat line so that all of them get ``share`` of the total."""
    if chat == 0 or corpus == 0:
        return 1.0
    return share / (1.0 - share) * corpus / chat


def _folds(chat: Sequence[Example], folds: int, seed: int) -> list[int]:
    """Return a fold per chat line; the i-th line of every language shares a fold."""
    position: Counter[str] = Counter()
    index = []
    for example in chat:
        language = example.language or ""
        index.append(position[language])
        position[language] += 1
    order = list(range(max(position.values(), default=0)))
    random.Random(seed).shuffle(order)
    fold_of_position = {p: rank % folds for rank, p in enumerate(order)}
    return [fold_of_position[i] for i in index]


def _by_language(examples: Sequence[Example]) -> dict[str, list[int]]:
    """Return the indices of the examples of each language."""
    groups: defaultdict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(examples):
        groups[example.language or ""].append(i)
    return dict(groups)


def _values(examples: Sequence[Example]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Return the examples' 0/1 values as an array."""
    return np.fromiter((e.value for e in examples), dtype=np.int64, count=len(examples))


def _has_both(examples: Sequence[Example], minimum: int) -> bool:
    """Tell whether the examples hold at least ``minimum`` of each value."""
    counts = Counter(e.value for e in examples)
    return counts[0] >= minimum and counts[1] >= minimum


def _roc_auc(values: np.ndarray[Any, Any], scores: FloatArray) -> float | None:
    """Return the ROC-AUC of scores, or None when only one class is present."""
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415 - training only

    if len(set(values.tolist())) < 2:
        return None
    return round(float(roc_auc_score(values, scores)), 4)
