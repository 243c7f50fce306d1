"""Follow what moderators do outside Steward, with the platform's own tools.

A ban, kick or timeout made in Discord's own menus left no case: the member's record,
`/history`, the mod log and ban evasion knew nothing of it, and an unban by hand left
Steward thinking the member still banned. Each now opens a case as Steward's own
commands do, recorded as done (nothing is applied again), with the moderator's name and
reason and a mark that it was done by hand. Steward's own actions are not reported so
(see :class:`~bot.core.events.ModeratedByHand`).

A timeout Steward set and a moderator lifted by hand (Discord's "Remove Timeout") would
otherwise leave the case saying the member is still timed out. The lift is noted on the
case that set the timeout. Lifts Steward made itself (``/untimeout``, an accepted appeal)
are recognised and not noted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.actions import Action, ActionResult, Ban, Kick, Timeout, Unban
from bot.core.cog import listener
from bot.core.events import ActionApplied, MemberUpdated, ModeratedByHand
from bot.core.models import Member
from bot.core.refs import Ref
from bot.core.serialize import action_from_data
from cogs._moderation_base import NOTE_AUTHOR, ModerationCog
from moderation.cases import ActionStatus, Case, CaseStatus, by_hand_in

_OPEN = (CaseStatus.ACTIVE, CaseStatus.REVIEW)


class MemberUpdates(ModerationCog):
    """Record moderation done by hand on the platform; note timeouts lifted by hand."""

    @listener(ModeratedByHand)
    async def on_moderated_by_hand(self, event: ModeratedByHand) -> None:
        """Open the case of a ban, unban, kick, timeout or lifted timeout made by hand.

        A lifted timeout is a case of its own, as ``/untimeout`` opens one; the note
        :meth:`on_member_update` leaves on the timeout's case is then not needed (the lift
        is found to be recorded), unless the member's update came first.
        """
        moderator = event.moderator
        if moderator is None:
            self.log.info("%s of %s by hand, by nobody named", event.action, event.member.ref)
            return
        target = event.member
        if not target.name:  # Discord no longer knows them: their cases may
            target = Member(
                ref=target.ref,
                name=await self.recorded_name(target.ref) or target.ref.id,
                present=False,
            )
        action = _action_of(event, target.ref)
        if action is None:
            return  # a timeout that had ended before it arrived
        timeout = event.action == "timeout"
        case = await self.enforcer.record_by_hand(
            moderator=moderator,
            target=target,
            action=action,
            reason=event.reason or "no reason given",
            # As Steward's own /timeout: it counts, and the member learns why and how to
            # appeal (Discord told them only that they are timed out).
            points=self.settings.warn_points if timeout else 0,
            notice_parts=["timed_out"] if timeout else [],
        )
        if event.action in ("ban", "unban"):
            # A tempban's end is moot once a moderator lifted the ban, or banned anew by
            # hand (for good: Discord's own ban has no end).
            await self.store.schedule.cancel(event.community, "unban", str(target.ref))
        if event.action in ("ban", "kick"):
            what = "banned" if event.action == "ban" else "kicked"
            await self.close_items_of(
                target.ref,
                f"Closed: {target.name} was {what} by hand ({case.label}).",
                by=moderator,
            )
        # The mod log, ban evasion and the metrics learn of it as of Steward's own actions.
        self.ctx.meter.done_by_hand(self.ctx.community.key, action.kind)
        done = case.actions[0]
        await self.ctx.publish(
            ActionApplied(
                community=event.community,
                at=event.at,
                action=replace(action_from_data(dict(done.payload)), case=case.label),
                result=ActionResult.done(),
            )
        )
        self.log.info(
            "%s of %s by %s by hand: case %s", event.action, target.ref, moderator.ref, case.label
        )

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
            f"timeout lifted {by_hand_in(event.community.platform)}, not through Steward{end}",
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


def _action_of(event: ModeratedByHand, member: Ref) -> Action | None:
    """Return the action the platform took, as Steward would have asked for it."""
    community = event.community
    match event.action:
        case "ban":
            return Ban(community=community, member=member)
        case "unban":
            return Unban(community=community, member=member)
        case "kick":
            return Kick(community=community, member=member)
        case "untimeout":
            return Timeout(community=community, member=member, duration=timedelta(0))
        case "timeout":
            if event.until is None or event.until <= event.at:
                return None
            # The menu offers whole lengths (60 seconds, 1 hour, 1 week); the end it set and
            # the entry's time lie a moment apart, so the length is said in whole minutes.
            minutes = max(1, round((event.until - event.at).total_seconds() / 60))
            return Timeout(community=community, member=member, duration=timedelta(minutes=minutes))
