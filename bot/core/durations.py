"""Read and write durations the way moderators type them (``30m``, ``1h30m``, ``7d``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d{1,6})\s*([smhdw])", re.IGNORECASE | re.ASCII)
_WHOLE = re.compile(r"(?:\s*\d{1,6}\s*[smhdw])+\s*", re.IGNORECASE | re.ASCII)


def parse_duration(text: str) -> timedelta:
    """Parse a duration such as ``90s``, ``30m``, ``1h30m``, ``2d`` or ``1w``.

    Args:
        text: The duration as typed; a bare number means minutes.

    Returns:
        The duration.

    Raises:
        ValueError: If the text is not a duration.
    """
    cleaned = text.strip()
    if cleaned.isdigit() and len(cleaned) <= 6:
        return timedelta(minutes=int(cleaned))
    if not cleaned or not _WHOLE.fullmatch(cleaned):
        raise ValueError(f"{text.strip()[:40]!r} is not a duration: try 10m, 2h or 7d")
    seconds = sum(int(n) * _UNITS[unit.lower()] for n, unit in _PART.findall(cleaned))
    try:
        return timedelta(seconds=seconds)
    except OverflowError as error:
        raise ValueError(f"duration too long: {text[:40]!r}") from error


def format_duration(duration: timedelta) -> str:
    """Write a duration compactly, largest units first (``1d2h``); zero is ``0s``."""
    seconds = int(duration.total_seconds())
    if seconds <= 0:
        return "0s"
    parts: list[str] = []
    for unit, size in sorted(_UNITS.items(), key=lambda item: -item[1]):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def format_wait(since: datetime, now: datetime) -> str:
    """Write how long something has waited, in whole minutes, at least one (``1h5m``).

    A queue's wait is read by people: seconds would be noise, and "0s" would read as
    nothing waiting.
    """
    minutes = max(1, int((now - since).total_seconds() // 60))
    return format_duration(timedelta(minutes=minutes))
