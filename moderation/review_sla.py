"""When an unclaimed review item should ping the on-call moderators, and when it escalates.

An item waits at most a number of minutes that depends on its priority; past that the
on-call role is pinged, and if it is still unclaimed some minutes later the next tier is.
Pings that fall in the community's quiet hours wait for the quiet hours to end, unless the
item is urgent (a threat, someone at risk). This module only computes times: the guidelines
cog posts the pings and remembers which it sent.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from moderation.cases import ReviewItem
from moderation.review_cards import for_trial

URGENT_PRIORITY = 10
"""Items at or above this priority ping even during quiet hours."""


class SlaStage(enum.StrEnum):
    """A step of an unclaimed item's escalation."""

    PING = "ping"
    ESCALATE = "escalate"


@dataclass(frozen=True, slots=True, kw_only=True)
class QuietHours:
    """A daily span of local time without non-urgent pings; it may cross midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """Read ``"22:00-07:00"``.

        Raises:
            ValueError: If the text is not two ``HH:MM`` times joined by ``-``.
        """
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError as error:
            raise ValueError(f"quiet hours look like 22:00-07:00, not {text!r}") from error
        return cls(start=start, end=end)

    def contains(self, local: time) -> bool:
        """Return whether a local time of day is quiet."""
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def defer(self, when: datetime, tz: ZoneInfo) -> datetime:
        """Return ``when``, or the end of the quiet hours it falls in (UTC in, UTC out)."""
        local = when.astimezone(tz)
        if not self.contains(local.timetz().replace(tzinfo=None)):
            return when
        end = datetime.combine(local.date(), self.end, tzinfo=tz)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=tz)
        return end.astimezone(when.tzinfo)


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaPolicy:
    """How long items may wait unclaimed.

    Attributes:
        waits: Minutes an item may wait, by the lowest priority they apply to
            (``{10: 5, 5: 15, 0: 60}``: priority 7 waits 15 minutes).
        escalate_after: How long after the ping the next tier is pinged.
        quiet: Quiet hours, if the community has them.
        tz: The community's time zone.
    """

    waits: Mapping[int, int]
    escalate_after: timedelta
    quiet: QuietHours | None
    tz: ZoneInfo

    def wait_for(self, priority: int) -> timedelta:
        """Return how long an item of ``priority`` may wait before the ping."""
        floors = [floor for floor in self.waits if floor <= priority]
        minutes = self.waits[max(floors)] if floors else max(self.waits.values())
        return timedelta(minutes=minutes)

    def due(self, item: ReviewItem, stage: SlaStage) -> datetime:
        """Return when an unclaimed item reaches a stage (quiet hours applied).

        The next tier's turn counts from when the on-call was actually pinged, so a ping
        held by the quiet hours gives the on-call their full time in the morning.
        """
        ping = self._outside_quiet(item, item.created_at + self.wait_for(item.priority))
        if stage is SlaStage.PING:
            return ping
        return self._outside_quiet(item, ping + self.escalate_after)

    def _outside_quiet(self, item: ReviewItem, at: datetime) -> datetime:
        if self.quiet is None or item.priority >= URGENT_PRIORITY:
            return at
        return self.quiet.defer(at, self.tz)

    def pending(
        self, item: ReviewItem, sent: set[SlaStage], now: datetime
    ) -> tuple[list[SlaStage], datetime | None]:
        """Return the stages due now, and when the next one falls due.

        Claimed and decided items have nothing pending: someone is on them. Nor has a rule's
        trial: it asks for a judgement when moderators have time, and nobody waits on it.
        """
        if item.claimed_by is not None or not item.waiting or for_trial(item):
            return [], None
        due_now: list[SlaStage] = []
        later: datetime | None = None
        for stage in SlaStage:
            if stage in sent:
                continue
            at = self.due(item, stage)
            if at <= now:
                due_now.append(stage)
            elif later is None or at < later:
                later = at
        return due_now, later
