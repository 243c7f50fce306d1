"""Classifier thresholds: confident scores act, uncertain ones go to review."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from policies.rules.classifier import ClassifierParams, ClassifierRule
from tests.policies.rules._builders import subject, windows

THRESHOLDS = {"toxic": 0.75, "spam": 0.9}


def rule(thresholds: dict[str, float] | None = None, review_band: float = 0.25) -> ClassifierRule:
    params = ClassifierParams(thresholds=thresholds or THRESHOLDS, review_band=review_band)
    return ClassifierRule("toxicity", params)


def test_the_rule_asks_for_scores() -> None:
    assert ClassifierRule.needs_scores


@pytest.mark.parametrize("score", [0.75, 0.8, 1.0])
def test_a_score_at_or_above_the_threshold_acts(score: float) -> None:
    scores = {"toxic": score, "spam": 0.01}
    hit = rule().evaluate(subject("you are awful", scores=scores), windows())
    assert hit is not None
    assert not hit.review
    assert hit.matched == ("toxic",)
    assert hit.reason == f"toxic score {score:.2f} at or above 0.75"
    assert dict(hit.evidence) == {
        "label": "toxic",
        "score": score,
        "threshold": 0.75,
        "scores": scores,
    }


@pytest.mark.parametrize("score", [0.5, 0.6, 0.7499])
def test_a_score_inside_the_review_band_goes_to_review(score: float) -> None:
    hit = rule(review_band=0.25).evaluate(subject("hmm", scores={"toxic": score}), windows())
    assert hit is not None
    assert hit.review
    assert hit.matched == ("toxic",)
    assert hit.reason == f"uncertain toxic score {score:.2f} just under 0.75"


@pytest.mark.parametrize("score", [0.0, 0.3, 0.4999])
def test_a_score_below_the_review_band_is_nothing(score: float) -> None:
    assert (
        rule(review_band=0.25).evaluate(subject("hi", scores={"toxic": score}), windows()) is None
    )


def test_a_zero_review_band_means_act_or_nothing() -> None:
    strict = rule(review_band=0)
    assert strict.evaluate(subject("hi", scores={"toxic": 0.7499}), windows()) is None
    hit = strict.evaluate(subject("hi", scores={"toxic": 0.75}), windows())
    assert hit is not None
    assert not hit.review


@pytest.mark.parametrize(
    "scores",
    [{}, {"insult": 0.99}, {"TOXIC": 0.99}, {"threat": 1.0, "sexual": 1.0}],
)
def test_labels_without_a_threshold_or_without_a_score_are_ignored(
    scores: dict[str, float],
) -> None:
    assert rule().evaluate(subject("hi", scores=scores), windows()) is None


def test_a_message_that_was_not_scored_is_nothing() -> None:
    assert rule().evaluate(subject("you are awful"), windows()) is None


def test_the_label_furthest_above_its_threshold_wins() -> None:
    hit = rule().evaluate(subject("x", scores={"toxic": 0.8, "spam": 0.99}), windows())
    assert hit is not None
    assert hit.matched == ("spam",)  # 0.09 above its threshold against 0.05
    assert hit.evidence["threshold"] == 0.9


def test_a_confident_label_beats_an_uncertain_one() -> None:
    hit = rule().evaluate(subject("x", scores={"toxic": 0.74, "spam": 0.9}), windows())
    assert hit is not None
    assert not hit.review
    assert hit.matched == ("spam",)


def test_two_uncertain_labels_give_the_closest_to_its_threshold() -> None:
    hit = rule().evaluate(subject("x", scores={"toxic": 0.6, "spam": 0.85}), windows())
    assert hit is not None
    assert hit.review
    assert hit.matched == ("spam",)


def test_evidence_rounds_the_score() -> None:
    hit = rule().evaluate(subject("x", scores={"toxic": 0.876543}), windows())
    assert hit is not None
    assert hit.evidence["score"] == 0.8765


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"thresholds": {}}, "at least 1 item"),
        ({"thresholds": {"toxic": 0}}, "threshold of 'toxic' must be in (0, 1], got 0"),
        ({"thresholds": {"toxic": -0.5}}, "threshold of 'toxic' must be in (0, 1], got -0.5"),
        ({"thresholds": {"toxic": 1.5}}, "threshold of 'toxic' must be in (0, 1], got 1.5"),
        ({"thresholds": {"toxic": math.nan}}, "threshold of 'toxic' must be in (0, 1]"),
        ({"thresholds": {"toxic": 0.8}, "review_band": 1}, "less than 1"),
        ({"thresholds": {"toxic": 0.8}, "review_band": -0.1}, "greater than or equal to 0"),
        ({"thresholds": {"toxic": 0.8}, "threshold": 0.5}, "Extra inputs are not permitted"),
        ({}, "Field required"),
    ],
)
def test_invalid_thresholds_are_refused(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace("]", r"\]")):
        ClassifierParams.model_validate(params)


def test_a_threshold_of_one_is_allowed() -> None:
    params = ClassifierParams.model_validate({"thresholds": {"csam": 1.0}})
    assert params.thresholds == {"csam": 1.0}
    assert params.review_band == 0.15


def test_evidence_names_the_model_and_the_language_when_known() -> None:
    hit = rule().evaluate(
        subject("x", scores={"toxic": 0.9}, language="fr", model="words@1"), windows()
    )
    assert hit is not None
    assert hit.evidence["model"] == "words@1"
    assert hit.evidence["language"] == "fr"


def with_languages(**languages: dict[str, float]) -> ClassifierRule:
    params = ClassifierParams(
        thresholds=THRESHOLDS, review_band=0.1, language_thresholds=dict(languages)
    )
    return ClassifierRule("toxicity", params)


def test_a_language_threshold_replaces_the_threshold_for_that_language_only() -> None:
    judged = with_languages(ja={"toxic": 0.9})
    ja = judged.evaluate(subject("x", scores={"toxic": 0.85}, language="ja"), windows())
    en = judged.evaluate(subject("x", scores={"toxic": 0.85}, language="en"), windows())
    unknown = judged.evaluate(subject("x", scores={"toxic": 0.85}), windows())
    assert ja is not None and ja.review and ja.evidence["threshold"] == 0.9
    assert en is not None and not en.review and en.evidence["threshold"] == 0.75
    assert unknown is not None and not unknown.review


def test_labels_a_language_does_not_override_keep_their_threshold() -> None:
    hit = with_languages(ja={"toxic": 0.9}).evaluate(
        subject("x", scores={"spam": 0.95}, language="ja"), windows()
    )
    assert hit is not None and not hit.review and hit.matched == ("spam",)


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ({"ja": {"toxic": 0}}, "threshold of 'toxic' in 'ja' must be in (0, 1], got 0"),
        ({"ja": {"toxic": 1.2}}, "threshold of 'toxic' in 'ja' must be in (0, 1], got 1.2"),
        ({"Japanese": {"toxic": 0.8}}, "'Japanese' is not a language code"),
        ({"ja": {"abuse": 0.8}}, "language_thresholds of 'ja' name 'abuse', which thresholds"),
        ({"ja": 0.8}, "Input should be a valid dictionary"),
    ],
)
def test_invalid_language_thresholds_are_refused(
    languages: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace("]", r"\]")):
        ClassifierParams.model_validate(
            {"thresholds": THRESHOLDS, "language_thresholds": languages}
        )


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(),
    scores=st.dictionaries(
        st.sampled_from(["toxic", "spam", "other", ""]),
        st.floats(allow_nan=True, allow_infinity=True),
    ),
)
def test_evaluate_never_raises(text: str, scores: dict[str, float]) -> None:
    hit = rule().evaluate(subject(text, scores=scores), windows())
    assert hit is None or hit.matched[0] in THRESHOLDS
