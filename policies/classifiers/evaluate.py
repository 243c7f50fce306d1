"""``steward eval``: how well a model does on data it never learnt from.

- English abuse: the insults test split (reserved for this; never trained or tuned on).
- Spam: 5-fold cross-validation on the SMS set with the model's encoders (each fold refits
  the lexical scorer, the embedding head, the stack and the second look, when the model
  has one, on the other four), and the
  project's held-out chat spam set scored by the model as built: as written, then again
  under each everyday link ending (``.com``, ``.net``) instead of the reserved
  ``.example`` names the project's data uses.
- Languages: the project's evaluation set of each seed language, scored as served
  (language detection included).

Each figure comes as ROC-AUC and as precision, recall and F1 at the policy's thresholds:
"act" counts scores at or above the threshold, "flag" also counts the review band below it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from policies.classifiers import datasets
from policies.classifiers.grouping import group_by_length
from policies.classifiers.heads import FloatArray
from policies.classifiers.model import StewardTextModel

Step = Callable[[int], None]

# A host under a name RFC 2606 reserves for examples: ``lumen.example``,
# ``nitro-gift.example.com``. The bare ``example.com`` has no label of its own before the
# reserved part and is left alone (it already ends the everyday way).
_RESERVED_HOST = re.compile(
    r"\b((?:[a-z0-9-]+\.)*[a-z0-9-]+)\.example(?:\.(?:com|net|org))?(?![\w-])", re.IGNORECASE
)
EVERYDAY_ENDINGS = (".com", ".net")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where the policy acts.

    Attributes:
        act: Per label, the score at or above which the rule acts.
        bands: Per label, how far below the threshold scores go to review.
        languages: Per language, thresholds that replace ``act``.
    """

    act: Mapping[str, float]
    bands: Mapping[str, float] | None = None
    languages: Mapping[str, Mapping[str, float]] | None = None

    def band(self, label: str) -> float:
        """Return the review band of ``label``."""
        return (self.bands or {}).get(label, 0.15)

    def for_language(self, label: str, language: str | None) -> float:
        """Return the threshold of ``label`` for a text in ``language``."""
        own = (self.languages or {}).get(language or "", {})
        return own.get(label, self.act.get(label, 0.5))


def scores_of(
    model: StewardTextModel,
    texts: Sequence[str],
    step: Step | None = None,
    batch: int = 32,
    language: str | None = None,
) -> list[Any]:
    """Score many texts as served, ``batch`` at a time (similar lengths together).

    ``language`` is the community's, for texts whose own the model cannot tell.
    """
    found: list[Any] = [None] * len(texts)
    for chosen in group_by_length(texts, max_batch=batch):
        for index, scored in zip(
            chosen, model.score_batch([texts[i] for i in chosen], language=language), strict=True
        ):
            found[index] = scored
        if step is not None:
            step(len(chosen))
    return found


def binary_report(
    labels: Sequence[int] | np.ndarray[Any, Any],
    scores: Sequence[float] | np.ndarray[Any, Any],
    threshold: float,
    review_band: float,
) -> dict[str, Any]:
    """Return ROC-AUC and precision/recall/F1 when acting and when flagging for review."""
    from sklearn.metrics import (  # noqa: PLC0415 - evaluation only
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    truth = np.asarray(labels)
    values = np.asarray(scores)
    report: dict[str, Any] = {"examples": len(truth), "positives": int(truth.sum())}
    report["roc_auc"] = (
        round(float(roc_auc_score(truth, values)), 4) if 0 < truth.sum() < len(truth) else None
    )
    for name, cut in (("act", threshold), ("flag", threshold - review_band)):
        predicted = values >= cut - 1e-9
        report[name] = {
            "threshold": round(cut, 4),
            "precision": round(float(precision_score(truth, predicted, zero_division=0)), 4),
            "recall": round(float(recall_score(truth, predicted, zero_division=0)), 4),
            "f1": round(float(f1_score(truth, predicted, zero_division=0)), 4),
        }
    return report


def evaluate_abuse_english(
    model: StewardTextModel, thresholds: Thresholds, step: Step | None = None
) -> dict[str, Any]:
    """Score the insults test split as served."""
    examples = datasets.insults("test")
    scored = scores_of(model, [e.text for e in examples], step)
    report = binary_report(
        [e.value for e in examples],
        [s.scores["abuse"] for s in scored],
        thresholds.act.get("abuse", 0.5),
        thresholds.band("abuse"),
    )
    report["detected_not_english"] = sum(1 for s in scored if s.language not in {None, "en"})
    return report


def evaluate_languages(
    model: StewardTextModel,
    thresholds: Thresholds,
    languages: Sequence[str] = datasets.SEED_LANGUAGES,
) -> dict[str, Any]:
    """Score each language's project evaluation set as served.

    Twice: as in a community whose language is not known (lines no detector can tell take
    the English lane if written in Latin letters), and as in a community of that language
    (``in_community_language``: such lines are read in it).
    """
    found: dict[str, Any] = {}
    for language in languages:
        examples = datasets.evaluation_set(language)
        texts = [e.text for e in examples]
        values = [e.value for e in examples]
        threshold = thresholds.for_language("abuse", language)
        scored = scores_of(model, texts)
        report = binary_report(
            values, [s.scores["abuse"] for s in scored], threshold, thresholds.band("abuse")
        )
        at_home = scores_of(model, texts, language=language)
        report["in_community_language"] = binary_report(
            values, [s.scores["abuse"] for s in at_home], threshold, thresholds.band("abuse")
        )
        report["detected_as"] = _counts(s.language for s in scored)
        report["rough_flagged"] = sum(
            1
            for e, s in zip(examples, scored, strict=True)
            if e.kind == "rough"
            and s.scores["abuse"]
            >= thresholds.for_language("abuse", language) - thresholds.band("abuse")
        )
        found[language] = report
    return found


def with_everyday_ending(text: str, ending: str) -> str:
    """Return ``text`` with each reserved example host ending in ``ending`` instead.

    ``"claim it at nitro-gift.example/n"`` becomes ``"claim it at nitro-gift.com/n"`` with
    ``".com"``. Real scams use everyday endings, while every link in the project's data
    ends in a reserved name, so a model could lean on that name without it showing in the
    set as written. Models since recipe 13 read every link host with one ending
    (:func:`policies.classifiers.reading.with_one_ending`), so for them the reports agree;
    this shows it, and what older models lose.
    """
    return _RESERVED_HOST.sub(lambda found: found.group(1) + ending, text)


def evaluate_chat_spam(model: StewardTextModel, thresholds: Thresholds) -> dict[str, Any]:
    """Score the project's held-out chat spam set as served.

    The report is the set's as written, with ``everyday_endings`` holding one more report
    per ending in ``EVERYDAY_ENDINGS``: the same lines, spam and legitimate alike, with
    their links moved to that ending (see ``with_everyday_ending``).
    """
    examples = datasets.for_label(datasets.evaluation_set("chat_spam"), "spam")
    values = [e.value for e in examples]

    def report_on(texts: Sequence[str]) -> dict[str, Any]:
        scored = scores_of(model, texts)
        return binary_report(
            values,
            [s.scores["spam"] for s in scored],
            thresholds.act.get("spam", 0.5),
            thresholds.band("spam"),
        )

    texts = [e.text for e in examples]
    report = report_on(texts)
    report["everyday_endings"] = {
        ending: report_on([with_everyday_ending(text, ending) for text in texts])
        for ending in EVERYDAY_ENDINGS
    }
    return report


def cross_validate_spam(
    model: StewardTextModel,
    thresholds: Thresholds,
    *,
    folds: int = 5,
    seed: int = 13,
    step: Step | None = None,
    keep_repeats: bool = False,
) -> dict[str, Any]:
    """Cross-validate the spam scorer on the SMS set with the model's (frozen) encoder.

    Each fold trains on the other folds (plus the project's chat spam, as ``steward
    train`` does, cross-fitting the stack inside them) and scores its held-out SMS
    messages. F1 is reported at 0.5 and at the policy's threshold.

    Args:
        model: The model whose encoder embeds the messages.
        thresholds: The policy's thresholds.
        folds: How many folds.
        seed: The seed of the folds and the validation parts.
        step: Told how many texts were embedded, for a progress bar.
        keep_repeats: Use the file as shipped, whose repeated messages can fall on both
            sides of a fold (as the issue's baseline was measured); by default each
            message counts once, which is the stricter figure.
    """
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - evaluation only

    from policies.classifiers.train import (  # noqa: PLC0415 - evaluation needs training
        PROJECT_SOURCES,
        TrainingData,
        embed,
        fit_label,
        rows_of,
    )

    # Read as the model learnt to, or its encoder would embed texts it never saw.
    reading = {"one_ending": model.one_link_ending}
    sms = [datasets.folded(e, **reading) for e in datasets.sms_spam(keep_repeats=keep_repeats)]
    chat = [
        datasets.folded(e, **reading)
        for e in datasets.for_label(datasets.project_sets("chat_spam"), "spam")
        if e.source in PROJECT_SOURCES
    ]
    texts = [e.text for e in (*sms, *chat)]
    encoded = embed(model.encoder, texts, step or (lambda _: None))
    # A model whose spam scorer takes a second look refits that too in each fold.
    second_look = model.english_path.wide
    wide = None if second_look is None else second_look.embed(texts)
    values = np.array([e.value for e in sms])
    probabilities = np.zeros(len(sms), dtype=np.float32)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_rows, test_rows in splitter.split(np.zeros(len(sms)), values):
        pool = [*(sms[i] for i in train_rows), *chat]
        pool_rows = np.concatenate([train_rows, np.arange(len(sms), len(texts))])
        train_part, validation_part = datasets.stratified_split(pool, 0.15, seed)
        index = {id(e): row for e, row in zip(pool, pool_rows, strict=True)}
        train_idx = np.array([index[id(e)] for e in train_part])
        val_idx = np.array([index[id(e)] for e in validation_part])
        scorer, _, _ = fit_label(
            TrainingData("spam", train_part, validation_part),
            rows_of(encoded, train_idx),
            rows_of(encoded, val_idx),
            tuned=False,
            seed=seed,
            wide=None if wide is None else np.concatenate([wide[train_idx], wide[val_idx]]),
        )
        logits = scorer.base_logits(
            [sms[i].text for i in test_rows],
            rows_of(encoded, test_rows),
            wide=None if wide is None else _rows_of_held(wide, test_rows),
        )
        probabilities[test_rows] = 1 / (1 + np.exp(-logits))
    report = binary_report(
        values, probabilities, thresholds.act.get("spam", 0.5), thresholds.band("spam")
    )
    report["at_0.5"] = binary_report(values, probabilities, 0.5, 0.0)["act"]
    report["folds"] = folds
    return report


def _rows_of_held(
    embeddings: FloatArray, held: np.ndarray[Any, Any]
) -> Callable[[np.ndarray[Any, Any]], FloatArray]:
    """Return a function giving the embeddings of rows of the held-out texts (by position)."""
    return lambda rows: embeddings[held[rows]]


def _counts(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))
