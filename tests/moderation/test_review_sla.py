"""Quiet hours and waits by priority: the arithmetic behind review deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from bot.core.clock import zone
from cogs._moderation_base import ReviewSlaSettings
from moderation.review_sla import QuietHours, SlaPolicy

AMSTERDAM = zone("Europe/Amsterdam")


def test_quiet_hours_may_cross_midnight() -> None:
    night = QuietHours.parse("22:00-07:00")
    assert night.contains(time(23, 30)) and night.contains(time(6, 59))
    assert not night.contains(time(7, 0)) and not night.contains(time(21, 59))
    lunch = QuietHours.parse("12:00-13:00")
    assert lunch.contains(time(12, 30)) and not lunch.contains(time(13, 0))


def test_a_ping_in_quiet_hours_waits_for_their_end_in_local_time() -> None:
    night = QuietHours.parse("22:00-07:00")
    late = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 local on the 29th, DST night
    # 07:00 on 29 March is already summer time in Amsterdam: 05:00 UTC.
    assert night.defer(late, AMSTERDAM) == datetime(2026, 3, 29, 5, tzinfo=UTC)
    day = datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert night.defer(day, AMSTERDAM) == day


def test_the_wait_is_the_one_of_the_highest_floor_at_or_below_the_priority() -> None:
    policy = SlaPolicy(
        waits={10: 5, 5: 15, 0: 60}, escalate_after=timedelta(minutes=30), quiet=None, tz=AMSTERDAM
    )
    assert policy.wait_for(12) == timedelta(minutes=5)
    assert policy.wait_for(7) == timedelta(minutes=15)
    assert policy.wait_for(0) == timedelta(minutes=60)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quiet_hours", "late at night", "quiet hours look like 22:00-07:00"),
        ("digest_cron", "daily", "five-field cron"),
        ("wait_minutes", {}, "at least one priority"),
    ],
)
def test_bad_deadline_settings_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ReviewSlaSettings.model_validate({field: value})
