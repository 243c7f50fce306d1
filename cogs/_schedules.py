"""Posting calendars: cron expressions read in a community's time zone.

A schedule fires at the local wall-clock times its cron expression names ("every Monday
10:00 Europe/Amsterdam"), whatever the UTC offset that day, so a daylight-saving change
moves the UTC time, never the local one. croniter walks the expression; zoneinfo supplies
the offsets. A local time that does not exist (skipped by a spring change) fires at the
first valid minute after it; one that happens twice fires once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.channels import ChannelName
from bot.core.language_tags import LanguageTagOrEmpty


class ScheduleSettings(BaseModel):
    """One posting calendar of a community.

    Attributes:
        name: Its stable name, used in commands, storage and logs (``weekly``).
        cron: Five-field cron expression in the community's local time (``0 10 * * mon``).
        channel: The channel (name or id) posts go to.
        kind: ``prompt`` posts a discussion prompt and opens a thread on it; ``poll``
            posts a prompt that has answers as a poll.
        topics: Only prompts tagged with one of these (any prompt when empty).
        language: Only prompts in this language (the community's language when empty).
        missed: What happens to a slot that passed while Steward was down: ``late`` posts
            it once on start (if it is younger than ``late_within``), ``skip`` drops it.
        late_within: How old a missed slot may be and still be posted late.
        thread: Whether a prompt post opens a thread for the replies.
        poll_hours: How long a poll stays open.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    cron: str
    channel: ChannelName
    kind: Literal["prompt", "poll"] = "prompt"
    topics: tuple[str, ...] = ()
    language: LanguageTagOrEmpty = ""
    missed: Literal["late", "skip"] = "late"
    late_within: timedelta = timedelta(hours=12)
    thread: bool = True
    poll_hours: int = Field(24, ge=1, le=768)

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return checked_cron(value)


def checked_cron(expression: str) -> str:
    """Return a five-field cron expression that comes round; raise ValueError saying why not.

    A day no month has (``0 9 30 2 *``, 30 February) passes croniter's syntax check but
    never comes: a schedule on it failed only when its cog looked for the next slot.
    """
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValueError(
            f"{expression!r} is not a five-field cron expression (min hour day month weekday)"
        )
    try:
        croniter(expression).get_next(datetime)
    except CroniterBadDateError as error:
        raise ValueError(f"{expression!r} never comes round (no month has that day)") from error
    return expression


def slots_after(cron: str, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Yield the schedule's slots strictly after ``after``, in UTC, earliest first."""
    walker = croniter(cron, after.astimezone(tz))
    last_local: datetime | None = None
    while True:
        local = walker.get_next(datetime)
        wall = local.replace(tzinfo=None)
        # An autumn change repeats an hour: its wall-clock time fires only the first time.
        if wall != last_local:
            last_local = wall
            yield local.astimezone(UTC)


def next_slot(cron: str, tz: ZoneInfo, after: datetime) -> datetime:
    """Return the first slot strictly after ``after``, in UTC."""
    return next(slots_after(cron, tz, after))


def latest_slot(cron: str, tz: ZoneInfo, at_or_before: datetime) -> datetime:
    """Return the last slot at or before ``at_or_before``, in UTC."""
    walker = croniter(cron, (at_or_before + timedelta(seconds=1)).astimezone(tz))
    return walker.get_prev(datetime).astimezone(UTC)


def slots_between(cron: str, tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Return the slots in ``(start, end]``, in UTC."""
    found: list[datetime] = []
    for slot in slots_after(cron, tz, start):
        if slot > end:
            break
        found.append(slot)
    return found
