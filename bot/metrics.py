"""Figures counted as Steward works, kept for ``/metrics`` (see :mod:`bot.status_server`).

Cogs count through the :class:`~bot.core.protocols.Meter` their context carries (rules'
matches, moderators' decisions, the classifier's answers); the app counts each action its
audited gateways apply.

Each :class:`~bot.app.App` keeps its own Prometheus registry, so two apps in one process
(tests, ``steward simulate``) never mix their figures and nothing lands in
prometheus_client's global registry.
"""

from __future__ import annotations

from typing import get_args

from prometheus_client import CollectorRegistry, Counter, Histogram

from bot.core.actions import Action, ActionResult
from bot.core.protocols import UnscoredReason

CLASSIFIER_WAIT_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
"""Upper bounds, in seconds, of the classifier wait histogram's buckets.

A line takes a few milliseconds on two cores; the default timeout is two seconds, so the
upper buckets show a queue growing towards it before messages start going unscored.
"""


class ProcessMetrics:
    """The counted figures of one Steward process; the :class:`~bot.core.protocols.Meter` of its cogs.

    Attributes:
        registry: Where the figures live; the status server exposes it.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._waits = Histogram(
            "steward_classifier_wait_seconds",
            "How long a message waited for its scores (queueing included), when it got them.",
            ["community"],
            buckets=CLASSIFIER_WAIT_BUCKETS,
            registry=self.registry,
        )
        self._matches = Counter(
            "steward_rule_matches",
            "Rules' matches, by how they were handled: enforce (acted), review (put to "
            "moderators), shadow (recorded only). A rule firing far more than usual is a "
            "raid, a crisis or a rule gone wrong.",
            ["community", "rule", "mode"],
            registry=self.registry,
        )
        self._decisions = Counter(
            "steward_review_decisions",
            "Moderators' decisions on review items, by the rule that raised them (or the "
            "item's source, such as report): violation / (violation + ok) is the rule's "
            "precision as moderators judge it.",
            ["community", "rule", "outcome"],
            registry=self.registry,
        )
        self._appeals = Counter(
            "steward_appeal_decisions",
            "Appeals decided, by the case's rule (moderator for a moderator's own sanction) "
            "and outcome: overturned ones are the mistakes that reached a member.",
            ["community", "rule", "outcome"],
            registry=self.registry,
        )
        self._actions = Counter(
            "steward_actions",
            "Actions applied on the platform, by kind, by whom (bot, moderator, or hand: a "
            "moderator with the platform's own tools) and whether the platform did them (ok) "
            "or not (failed).",
            ["community", "action", "by", "outcome"],
            registry=self.registry,
        )
        self._unscored = Counter(
            "steward_messages_unscored",
            "Messages judged by the rules alone because the classifier gave no scores, by "
            "why: timeout (none in time), busy (its queue was full), failed (it raised).",
            ["community", "reason"],
            registry=self.registry,
        )

    def answered(self, community: str, seconds: float) -> None:
        """Count a message scored in ``seconds`` for ``community``."""
        self._waits.labels(community).observe(seconds)

    def unanswered(self, community: str, reason: UnscoredReason) -> None:
        """Count a message ``community`` judged by the rules alone, and why."""
        self._unscored.labels(community, reason).inc()

    def unscored(self, community: str) -> int:
        """Return how many of a community's messages went without scores since the start."""
        counted = (
            self.registry.get_sample_value(
                "steward_messages_unscored_total", {"community": community, "reason": reason}
            )
            for reason in get_args(UnscoredReason)
        )
        return int(sum(value or 0 for value in counted))

    def matched(self, community: str, rule: str, mode: str) -> None:
        """Count a rule's match, by how it was handled."""
        self._matches.labels(community, rule, mode).inc()

    def decided(self, community: str, rule: str, outcome: str) -> None:
        """Count moderators' decision on a review item a rule raised."""
        self._decisions.labels(community, rule, outcome).inc()

    def appeal_decided(self, community: str, rule: str, outcome: str) -> None:
        """Count an appeal's outcome by the case's rule."""
        self._appeals.labels(community, rule, outcome).inc()

    def done_by_hand(self, community: str, action: str) -> None:
        """Count an action a moderator took with the platform's own tools, as Steward learnt it."""
        self._actions.labels(community, action, "hand", "ok").inc()

    def acted(self, community: str, action: Action, result: ActionResult) -> None:
        """Count an action applied on the platform, or tried."""
        by = "bot" if action.actor == "bot" else "moderator"
        outcome = "ok" if result.ok else "failed"
        self._actions.labels(community, action.kind, by, outcome).inc()
