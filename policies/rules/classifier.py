"""Thresholds on a classifier's scores; unsure scores go to review, not punishment."""

from __future__ import annotations

from pydantic import Field, field_validator

from policies.context import Context, Subject
from policies.rule import Rule, RuleParams, rule
from policies.verdict import Hit


class ClassifierParams(RuleParams):
    """When a score counts.

    Attributes:
        thresholds: Per label, the probability at or above which the rule acts.
        review_band: Scores this far below a threshold go to review instead.
    """

    thresholds: dict[str, float] = Field(min_length=1)
    review_band: float = Field(0.15, ge=0, lt=1)

    @field_validator("thresholds")
    @classmethod
    def _probabilities(cls, value: dict[str, float]) -> dict[str, float]:
        for label, threshold in value.items():
            if not 0 < threshold <= 1:
                raise ValueError(f"threshold of {label!r} must be in (0, 1], got {threshold}")
        return value


@rule("classifier")
class ClassifierRule(Rule[ClassifierParams]):
    """Act on confident scores, hand uncertain ones to moderators."""

    Params = ClassifierParams
    needs_scores = True

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Compare the message's scores with the thresholds, most confident label first."""
        found: list[tuple[float, str, float]] = []
        for label, threshold in self.params.thresholds.items():
            score = subject.scores.get(label)
            # The epsilon keeps a score exactly at the band's edge inside it despite float rounding.
            if score is not None and score >= threshold - self.params.review_band - 1e-9:
                found.append((score - threshold, label, score))
        if not found:
            return None
        margin, label, score = max(found)
        threshold = self.params.thresholds[label]
        evidence = {
            "label": label,
            "score": round(score, 4),
            "threshold": threshold,
            "scores": dict(subject.scores),
        }
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
