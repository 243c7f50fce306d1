"""Follow changes moderators make outside Steward: a timeout lifted in the platform's UI.

A timeout Steward set and a moderator lifted by hand (Discord's "Remove Timeout") would
otherwise leave the case saying the member is still timed out. The lift is noted on the
case that set the timeout. Lifts Steward made itself (``/untimeout``, an accepted appeal)
are recognised and not noted.
"""

from __future__ import annotations

from bot.core.cog import listener
from bot.core.events import MemberUpdated
from cogs._moderation_base import NOTE_AUTHOR, ModerationCog
from moderation.cases import ActionStatus, Case, CaseStatus

_OPEN = (CaseStatus.ACTIVE, CaseStatus.REVIEW)


class MemberUpdates(ModerationCog):
    """Note on the open case when a member's timeout is lifted outside Steward."""

    @listener(MemberUpdated)
    async def on_member_update(self, event: MemberUpdated) -> None:
        """Note a timeout lifted before its end on the case that set it."""
        if not event.timeout_lifted or event.before is None:
            return
        cases = await self.store.cases.for_member(event.community, event.member.ref)
        case = _last_timeout(cases)
        if case is None:
            return
        until = event.before.timed_out_until
        end = f" (it ran until {self.wall_clock(until)})" if until else ""
        await self.store.cases.add_note(
            case.id,
            NOTE_AUTHOR,
            f"timeout lifted on {event.community.platform} by hand, not through Steward{end}",
            event.at,
        )
        self.log.info(
            "timeout of %s lifted by hand: noted on case %s", event.member.ref, case.label
        )


def _last_timeout(cases: list[Case]) -> Case | None:
    """Return the open case whose timeout was lifted by hand, if the lift was not Steward's.

    ``cases`` are newest first. The newest case with a timeout decides: a lift (a zero
    timeout, even one still being applied) is Steward's own; a case no longer open
    (pardoned, overturned on appeal) was lifted on purpose.
    """
    for case in cases:
        timeouts = [a for a in case.actions if a.kind == "timeout"]
        if not timeouts:
            continue
        latest = timeouts[-1]
        if latest.lifts_timeout:
            return None
        if latest.status is not ActionStatus.APPLIED or case.status not in _OPEN:
            return None
        return case
    return None
