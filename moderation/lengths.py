"""How long a case's ban or timeout lasts, and what changing it asks of the platform.

Moderators set a length in the heat of the moment and revisit it: a tempban extended after
more evidence came in, a timeout shortened after an apology, a ban made permanent. A
length is counted from when the case was opened, as the original one was, so "2w" on a
week-old ban means one more week. The case's action is changed to read the new length
(``/history`` says "ban 2w"), and a note keeps what it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.durations import format_duration
from moderation.cases import ActionStatus, Case, CaseAction, CaseStatus

_CHANGEABLE = {CaseStatus.ACTIVE, CaseStatus.APPEALED}
"""A pardoned or overturned case lifted its sanction; one under review has none applied."""


class LengthRefused(ValueError):
    """A case's length cannot change as asked; the message says why, for the moderator."""


@dataclass(frozen=True, slots=True)
class LengthChange:
    """A ban's or timeout's new length, worked out before anything is changed.

    Attributes:
        action: The case's action that holds the sanction.
        before: Its length until now; ``None`` for a ban until unbanned.
        after: Its new length; ``None`` for a ban until unbanned.
        ends: When it now ends; ``None`` for a ban until unbanned.
    """

    action: CaseAction
    before: timedelta | None
    after: timedelta | None
    ends: datetime | None

    @property
    def is_ban(self) -> bool:
        """Return whether a ban changes (a timeout otherwise)."""
        return self.action.kind == "ban"

    def payload(self) -> dict[str, object]:
        """Return the action's payload as it reads with the new length."""
        seconds = self.after.total_seconds() if self.after is not None else None
        return {**self.action.payload, "duration": seconds}

    def note(self, moderator: str) -> str:
        """Return the case's note on the change, the length it had included."""
        return f"length changed by {moderator}: {_said(self.before)} -> {_said(self.after)}"


def length_change(case: Case, length: timedelta | None, now: datetime) -> LengthChange:
    """Return how a case's sanction would last ``length`` from when the case was opened.

    Args:
        case: The case.
        length: The new length; ``None`` makes a ban last until a moderator unbans.
        now: The time of the change.

    Raises:
        LengthRefused: If the case holds no ban or timeout that still applies, a timeout
            would have no end, or the new end is past already.
    """
    if case.status not in _CHANGEABLE:
        raise LengthRefused(f"case {case.label} is {case.status.value}: its sanction is lifted")
    action = _sanction(case)
    if action is None:
        raise LengthRefused(f"case {case.label} has no ban or timeout whose length can change")
    if length is not None and length <= timedelta(0):
        raise LengthRefused("the length must be positive")
    if action.kind == "timeout" and length is None:
        raise LengthRefused("a timeout needs a length")
    ends = case.created_at + length if length is not None else None
    if length is not None and ends is not None and ends <= now:
        lift = "/unban" if action.kind == "ban" else "/untimeout"
        raise LengthRefused(
            f"counted from when case {case.label} was opened, {format_duration(length)} "
            f"ended already; {lift} lifts it now"
        )
    seconds = action.payload.get("duration")
    before = timedelta(seconds=float(seconds)) if seconds else None
    return LengthChange(action=action, before=before, after=length, ends=ends)


def _sanction(case: Case) -> CaseAction | None:
    """Return the case's applied ban or timeout (its last), if it has one."""
    held = [
        a
        for a in case.actions
        if a.status is ActionStatus.APPLIED
        and (a.kind == "ban" or (a.kind == "timeout" and not a.lifts_timeout))
    ]
    return held[-1] if held else None


def _said(length: timedelta | None) -> str:
    return format_duration(length) if length is not None else "until unbanned"
