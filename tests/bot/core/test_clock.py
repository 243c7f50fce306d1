"""Times as a community's staff read them: their zone's wall clock, the zone named."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.clock import wall_clock


def test_a_time_is_read_on_the_communitys_wall_clock_summer_and_winter() -> None:
    winter = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)
    assert wall_clock(winter, "Europe/Amsterdam") == "2026-03-02 10:30 CET"
    assert wall_clock(summer, "Europe/Amsterdam") == "2026-07-02 11:30 CEST"
    assert wall_clock(winter, "UTC") == "2026-03-02 09:30 UTC"
    # Late in the evening in UTC is the next morning in Tokyo: the date moves too.
    assert wall_clock(datetime(2026, 3, 2, 20, 0, tzinfo=UTC), "Asia/Tokyo") == (
        "2026-03-03 05:00 JST"
    )
    assert wall_clock(winter, "America/New_York", "%H:%M:%S") == "04:30:00 EST"
