"""Thresholds on a classifier's scores; unsure scores go to review, not punishment."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from policies.context import Context, Subject
from policies.rule import Rule, RuleParams, rule
from policies.verdict import Hit

_LANGUAGE = re.compile(r"[a-z]{2,3}")


class ClassifierParams(RuleParams):
    """When a score counts.

    Attributes:
        thresholds: Per label, the probability at or above which the rule acts.
        review_band: Scores this far below a threshold go to review instead.
        language_thresholds: Per language (ISO 639-1, as the classifier reports it), per
            label, a threshold that replaces the one in ``thresholds`` for texts judged
            in that language.
    """

    thresholds: dict[str, float] = Field(min_length=1)
    review_band: float = Field(0.15, ge=0, lt=1)
    language_thresholds: dict[str, dict[str, float]] = Field(default_factory=dict)

    @field_validator("thresholds")
    @classmethod
    def _probabilities(cls, value: dict[str, float]) -> dict[str, float]:
        _check_probabilities(value, "")
        return value

    @field_validator("language_thresholds")
    @classmethod
    def _language_probabilities(
        cls, value: dict[str, dict[str, float]]
    ) -> dict[str, dict[str, float]]:
        for language, thresholds in value.items():
            if not _LANGUAGE.fullmatch(language):
                raise ValueError(
                    f"{language!r} is not a language code (use ISO 639-1 in lower case, as 'ja')"
                )
            _check_probabilities(thresholds, f" in {language!r}")
        return value

    @model_validator(mode="after")
    def _known_labels(self) -> ClassifierParams:
        for language, thresholds in self.language_thresholds.items():
            unknown = sorted(set(thresholds) - set(self.thresholds))
            if unknown:
                raise ValueError(
                    f"language_thresholds of {language!r} name {', '.join(map(repr, unknown))}, "
                    "which thresholds does not; give every label a threshold there first"
                )
        return self


def _check_probabilities(thresholds: dict[str, float], where: str) -> None:
    for label, threshold in thresholds.items():
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold of {label!r}{where} must be in (0, 1], got {threshold}")


@rule("classifier")
class ClassifierRule(Rule[ClassifierParams]):
    """Act on confident scores, hand uncertain ones to moderators."""

    Params = ClassifierParams
    needs_scores = True

    def __init__(self, rule_id: str, params: ClassifierParams) -> None:
        super().__init__(rule_id, params)
        # The thresholds of each language, merged once rather than on every message.
        self._by_language = {
            language: {**params.thresholds, **overrides}
            for language, overrides in params.language_thresholds.items()
        }

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Compare the message's scores with the thresholds, most confident label first."""
        thresholds = self.params.thresholds
        if subject.language is not None:
            thresholds = self._by_language.get(subject.language, thresholds)
        band = self.params.review_band
        found: list[tuple[float, str, float]] = []
        for label, threshold in thresholds.items():
            score = subject.scores.get(label)
            # The epsilon keeps a score exactly at the band's edge inside it despite float rounding.
            if score is not None and score >= threshold - band - 1e-9:
                found.append((score - threshold, label, score))
        if not found:
            return None
        margin, label, score = max(found)
        threshold = thresholds[label]
        evidence: dict[str, object] = {
            "label": label,
            "score": round(score, 4),
            "threshold": threshold,
            "scores": dict(subject.scores),
        }
        if subject.model is not None:
            evidence["model"] = subject.model
        if subject.language is not None:
            evidence["language"] = subject.language
        if margin >= 0:
            return Hit(
                reason=f"{label} score {score:.2f} at or above {threshold:.2f}",
                matched=(label,),
                evidence=evidence,
            )
        return Hit(
            reason=f"uncertain {label} score {score:.2f} just under {threshold:.2f}",
            matched=(label,),
            evidence=evidence,
            review=True,
        )
