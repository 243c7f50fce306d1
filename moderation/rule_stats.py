"""Per-rule figures: how often a rule fires, and how often moderators agree with it.

Every decision on a review item the rule raised is a vote on it: a violation agrees,
``ok`` disagrees. Precision is the share of decisions that agreed; the reversal rate is the
share of the rule's cases that moderators undid (found ok on review, or overturned on
appeal). A rule with low precision is one to tune or to move to shadow mode. Appeals are
counted apart: members contest the cases they think wrong, so the appeals' outcomes would
drag a rule's precision down far below what moderators judge of its hits (one overturned
appeal of a rule that acted a hundred times right would read 0%).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleStats:
    """What one rule did and how moderators judged it.

    Attributes:
        rule: The rule's id.
        cases: Cases it opened, shadow cases included.
        acted: Cases it opened that were not shadow cases: actions taken or asked for.
        review_items: Review items it raised (appeals of its cases not included).
        decided: Those items moderators decided.
        violations: Decided items found a violation.
        reversed: Acted cases undone: found ok on review or overturned on appeal.
        appeals: Appeals members made against its cases.
        overturned: Those appeals that undid the case.
    """

    rule: str
    cases: int = 0
    acted: int = 0
    review_items: int = 0
    decided: int = 0
    violations: int = 0
    reversed: int = 0
    appeals: int = 0
    overturned: int = 0

    @property
    def precision(self) -> float | None:
        """Return violations over decided items, or ``None`` before any decision."""
        return self.violations / self.decided if self.decided else None

    @property
    def reversal_rate(self) -> float | None:
        """Return reversed cases over acted cases, or ``None`` when it never acted."""
        return self.reversed / self.acted if self.acted else None

    def as_dict(self) -> dict[str, object]:
        """Return the figures as JSON-compatible data, derived rates included."""
        return {
            "rule": self.rule,
            "cases": self.cases,
            "acted": self.acted,
            "review_items": self.review_items,
            "decided": self.decided,
            "violations": self.violations,
            "precision": self.precision,
            "reversed": self.reversed,
            "reversal_rate": self.reversal_rate,
            "appeals": self.appeals,
            "overturned": self.overturned,
        }


def rule_table(rows: list[RuleStats]) -> str:
    """Return per-rule figures as an aligned text table, rates as percentages."""
    header = (
        "rule",
        "cases",
        "items",
        "decided",
        "precision",
        "acted",
        "reversal",
        "appeals",
        "overturned",
    )
    lines = [
        (
            r.rule,
            str(r.cases),
            str(r.review_items),
            str(r.decided),
            _percent(r.precision),
            str(r.acted),
            _percent(r.reversal_rate),
            str(r.appeals),
            str(r.overturned),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *lines]
    )


def rule_summary(stats: RuleStats) -> str:
    """Return a rule's figures in words, for a moderator's reply.

    Only what happened is said: a rule that never raised a review item says nothing of
    precision (no decision, no figure), one that never acted nothing of reversals, one
    whose cases nobody appealed nothing of appeals.
    """
    shadow = stats.cases - stats.acted
    trial = "all" if shadow == stats.cases else f"{shadow} of them"
    parts = [f"{stats.cases} case(s)" + (f", {trial} in shadow" if shadow else "")]
    if stats.review_items:
        decided = f"{stats.decided} of {stats.review_items} review item(s) decided"
        if stats.decided:
            decided += f", {stats.violations} a violation (precision {_percent(stats.precision)})"
        parts.append(decided)
    if stats.acted:
        parts.append(
            f"{stats.reversed} of {stats.acted} acted case(s) undone on review or appeal "
            f"({_percent(stats.reversal_rate)})"
        )
    if stats.appeals:
        parts.append(f"{stats.appeals} appeal(s), {stats.overturned} overturned")
    return "; ".join(parts)


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"
