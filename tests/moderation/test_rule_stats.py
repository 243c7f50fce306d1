"""A rule's figures in words: only what happened is said."""

from __future__ import annotations

import pytest

from moderation.rule_stats import RuleStats, rule_summary


@pytest.mark.parametrize(
    ("stats", "said"),
    [
        (RuleStats(rule="caps", cases=3), "3 case(s), all in shadow"),
        (
            RuleStats(rule="links", cases=4, acted=3),
            "4 case(s), 1 of them in shadow; 0 of 3 acted case(s) undone on review or appeal (0%)",
        ),
        (
            RuleStats(rule="model", cases=2, acted=2, review_items=5, decided=0),
            "2 case(s); 0 of 5 review item(s) decided; "
            "0 of 2 acted case(s) undone on review or appeal (0%)",
        ),
        (
            RuleStats(
                rule="model", cases=8, acted=8, review_items=8, decided=4, violations=3, reversed=1
            ),
            "8 case(s); 4 of 8 review item(s) decided, 3 a violation (precision 75%); "
            "1 of 8 acted case(s) undone on review or appeal (12%)",
        ),
        (
            RuleStats(rule="links", cases=20, acted=20, reversed=1, appeals=3, overturned=1),
            "20 case(s); 1 of 20 acted case(s) undone on review or appeal (5%); "
            "3 appeal(s), 1 overturned",
        ),
    ],
)
def test_a_rules_figures_in_words(stats: RuleStats, said: str) -> None:
    assert rule_summary(stats) == said
