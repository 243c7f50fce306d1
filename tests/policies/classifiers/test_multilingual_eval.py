"""Per-language scores of the multilingual heads."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from policies.classifiers.datasets import Example
from policies.classifiers.language import LanguageDetector
from policies.classifiers.multilingual import E5Encoder
from policies.classifiers.multilingual_eval import ALL, evaluate_languages
from tests.policies.classifiers.conftest import Trained


def example(text: str, label: str) -> Example:
    return Example(text=text, label=label, value=int(label != "ok"))


SETS = {
    "fr": [
        example("Tu es un crétin fini, dégage d'ici.", "abuse"),
        example("Ferme-la, pauvre nul, personne ne t'écoute.", "abuse"),
        example("La nouvelle lampe s'allume bien le matin.", "ok"),
        example("Merci, le hub fonctionne de nouveau.", "ok"),
    ],
    "pl": [
        example("Jesteś skończonym idiotą, wynoś się stąd.", "abuse"),
        example("Zamknij się, żałosny frajerze.", "abuse"),
        example("Nowa lampa świeci rano bardzo ładnie.", "ok"),
        example("Dzięki, hub znowu działa.", "ok"),
    ],
}


def test_each_language_gets_its_scores_and_all_of_them_together(
    trained: Trained, encoder: E5Encoder
) -> None:
    scores = evaluate_languages(trained.heads, encoder, languages=["fr", "pl"], sets=SETS)
    assert set(scores) == {"fr", "pl", ALL}
    assert scores["fr"].examples == 4
    assert scores["fr"].positives == 2
    assert scores[ALL].examples == 8
    for result in scores.values():
        assert result.roc_auc == 1.0
        assert 0.0 <= result.precision <= 1.0
        assert 0.0 <= result.recall <= 1.0
        assert result.threshold == 0.5


def test_a_threshold_no_score_reaches_flags_nothing(trained: Trained, encoder: E5Encoder) -> None:
    scores = evaluate_languages(trained.heads, encoder, languages=["fr"], sets=SETS, threshold=1.0)
    assert (scores["fr"].precision, scores["fr"].recall, scores["fr"].f1) == (0.0, 0.0, 0.0)


def test_the_detected_language_can_choose_the_calibration(
    trained: Trained, encoder: E5Encoder
) -> None:
    pytest.importorskip("lingua")
    scores = evaluate_languages(
        trained.heads, encoder, languages=["pl"], sets=SETS, detector=LanguageDetector()
    )
    assert scores["pl"].roc_auc == 1.0


def test_the_project_evaluation_sets_are_the_default(trained: Trained, encoder: E5Encoder) -> None:
    scores = evaluate_languages(trained.heads, encoder, languages=["nl"])
    assert scores["nl"].examples >= 40
    assert scores["nl"].roc_auc is not None
