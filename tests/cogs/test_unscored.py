"""The hourly bound on review items made for want of scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cogs._unscored import UnscoredReviews

NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_admits_up_to_the_bound_in_any_hour_and_counts_the_rest() -> None:
    budget = UnscoredReviews(per_hour=2)
    minutes = [0, 10, 20, 59, 60, 70, 71]
    admitted = [budget.admit(NINE + timedelta(minutes=m)) for m in minutes]
    assert admitted == [True, True, False, False, True, True, False]
    assert budget.skipped == 3


def test_staff_are_warned_at_most_once_an_hour() -> None:
    budget = UnscoredReviews(per_hour=1)
    warned = [budget.warn_now(NINE + timedelta(minutes=m)) for m in (0, 30, 59, 60, 61)]
    assert warned == [True, False, False, True, False]
