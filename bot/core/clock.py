"""Clocks: the system's, and a virtual one that tests and simulations move by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SystemClock:
    """Tell the real time in UTC."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class VirtualClock:
    """A clock that only moves when told to, so a simulated month takes no time.

    Args:
        start: The time to start at; naive times are taken as UTC.
    """

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        """Return the virtual time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Move the clock forward to ``when``; moving backwards is refused.

        Raises:
            ValueError: If ``when`` is before the current virtual time.
        """
        when = as_utc(when)
        if when < self._now:
            raise ValueError(f"the virtual clock cannot go back from {self._now} to {when}")
        self._now = when


def as_utc(when: datetime) -> datetime:
    """Return ``when`` as an aware UTC datetime; naive values are taken as UTC already."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    """Return the IANA time zone called ``name``.

    Raises:
        ValueError: If there is no such zone (a name too long for a file name included).
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def wall_clock(when: datetime, timezone: str, layout: str = "%Y-%m-%d %H:%M") -> str:
    """Return ``when`` as a community reads its clocks: in its zone, the zone named.

    Moderators compare a case's time with what their platform shows them, which is their
    own wall clock: a bare time in UTC read an hour off in Amsterdam. Naming the zone
    ("CET", "UTC") leaves no doubt wherever the reader is.

    Args:
        when: An aware time.
        timezone: The community's IANA zone (``Europe/Amsterdam``).
        layout: How to write the date and time, before the zone's name.
    """
    local = when.astimezone(zone(timezone))
    return f"{local.strftime(layout)} {local.tzname()}"
