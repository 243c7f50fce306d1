"""Labelled examples: moderators' decisions on messages, kept so the classifiers learn from them.

Every decision on a judged message (a review item decided, an appeal upheld or overturned)
records the message's text, what it was judged for and whether moderators found a
violation. ``steward train`` reads them to fit each community's heads.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.refs import Ref


class ExampleSource(enum.StrEnum):
    """Which decision produced an example."""

    REVIEW = "review"
    APPEAL = "appeal"


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelledExample:
    """A message's text with a moderator's verdict on it.

    Attributes:
        community: Where the message was posted.
        text: The message's text as posted.
        label: What it was judged for: the classifier label (``abuse``) when a classifier
            rule raised it, else the rule's id.
        violation: Whether moderators found it breaks the guidelines.
        source: The decision that produced it.
        decided_by: The moderator's ref as text.
        at: When it was decided.
        rule: The rule that raised it, if any.
        case_id: The case it belongs to, if any.
        review_item_id: The review item decided, if any.
        language: The message's detected language, if known.
    """

    community: Ref
    text: str
    label: str
    violation: bool
    source: ExampleSource
    decided_by: str
    at: datetime
    rule: str | None = None
    case_id: int | None = None
    review_item_id: int | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class LabelCount:
    """How many examples of one label were found violations, and how many were not."""

    violations: int = 0
    allowed: int = 0

    @property
    def total(self) -> int:
        """Return every example of the label."""
        return self.violations + self.allowed


def example_from(
    evidence: Mapping[str, Any],
    *,
    community: Ref,
    rule: str | None,
    violation: bool,
    source: ExampleSource,
    decided_by: str,
    at: datetime,
    case_id: int | None = None,
    review_item_id: int | None = None,
) -> LabelledExample | None:
    """Return the example a decision on judged evidence makes, or ``None`` without text.

    Args:
        evidence: What the rule recorded (a case's or review item's evidence).
        community: Where.
        rule: The rule that raised it, if any.
        violation: The moderator's finding.
        source: The decision.
        decided_by: The moderator's ref as text.
        at: When.
        case_id: The case, if any.
        review_item_id: The review item, if any.
    """
    text = evidence.get("original")
    if not isinstance(text, str) or not text.strip():
        return None  # a join, a moderator's own case: no message to learn from
    details = evidence.get("details")
    details = details if isinstance(details, Mapping) else {}
    label = rule or "manual"
    if evidence.get("rule_type") == "classifier" and isinstance(details.get("label"), str):
        label = details["label"]
    language = details.get("language")
    return LabelledExample(
        community=community,
        text=text,
        label=label,
        violation=violation,
        source=source,
        decided_by=decided_by,
        at=at,
        rule=rule,
        case_id=case_id,
        review_item_id=review_item_id,
        language=language if isinstance(language, str) and language else None,
    )
