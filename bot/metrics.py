"""Figures cogs count as they work, kept for ``/metrics`` (see :mod:`bot.status_server`).

Each :class:`~bot.app.App` keeps its own Prometheus registry, so two apps in one process
(tests, ``steward simulate``) never mix their figures and nothing lands in
prometheus_client's global registry.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from bot.core.protocols import UnscoredReason

CLASSIFIER_WAIT_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
"""Upper bounds, in seconds, of the classifier wait histogram's buckets.

A line takes a few milliseconds on two cores; the default timeout is two seconds, so the
upper buckets show a queue growing towards it before messages start going unscored.
"""


class ProcessMetrics:
    """The counted figures of one Steward process; a :class:`~bot.core.protocols.ScoringMeter`.

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
