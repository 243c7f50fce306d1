"""Turn verdicts and moderators' decisions into actions, cases and notices.

The enforcer is the only place that applies sanctions. For each verdict it plans the
actions (following the escalation ladder), writes the case with every planned action in
one transaction, then applies them one by one, recording each outcome on the case. An
action the platform cannot do is handed to moderators; one that fails is retried, and
actions still pending after a crash are retried when the community loads again. An
action and its case never diverge.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.actions import (
    Action,
    ActionResult,
    Ban,
    DeleteMessage,
    DeleteMessages,
    Kick,
    OpenThread,
    PostMessage,
    SendDirectMessage,
    SetSlowmode,
    Timeout,
    Unban,
)
from bot.core.community import CommunityInfo
from bot.core.durations import format_duration
from bot.core.models import Member
from bot.core.protocols import NO_METER, Clock, Gateway, Meter
from bot.core.quoting import excerpt
from bot.core.refs import Ref
from bot.core.serialize import action_from_data, action_to_data
from moderation.bans import still_banned
from moderation.cases import (
    BY_HAND,
    CARE_REASON,
    JOINED,
    REACH_OUT,
    RENAMED,
    UNDELIVERED,
    ActionStatus,
    Case,
    CaseAction,
    CaseStatus,
    NewCase,
    NewReviewItem,
    ReviewItem,
    by_hand_in,
)
from moderation.lengths import LengthChange, LengthRefused
from moderation.notices import Notices
from moderation.repositories import ModerationStore
from moderation.review_cards import CARE_CHOICES
from moderation.review_evidence import file_records
from moderation.review_queue import ReviewQueue
from policies.actions import ActionKind, PlannedAction, parse_action
from policies.policy import Policy
from policies.verdict import EARLIER_COPIES, Match, Mode, Outcome, Verdict

logger = logging.getLogger(__name__)

_NOTICE_PART = {
    DeleteMessage: "deleted",
    DeleteMessages: "copies_deleted",
    Timeout: "timed_out",
    Kick: "kicked",
    Ban: "banned",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class EnforcementSettings:
    """How a community wants enforcement done.

    Attributes:
        staff_channel: The channel id where alerts and review requests go.
        raid_channels: Channel ids slowed down when a raid is detected.
        raid_slowmode_minutes: How long a raid's slowmode lasts before it is lifted.
        notify_members: Whether members get a notice of sanctions.
        max_attempts: Tries before a failing action is handed to moderators.
        retry_after: How long a pending action waits before it is retried.
        appeal_command: What members type to appeal on this platform (notices say it).
        ban_appeals: Where a banned member appeals (a link, an address); empty: their
            notice asks them to contact the team.
        reach_out_command: What staff type to write to a member through modmail
            (``/modmail open``), which a welfare card names; empty where modmail is off.
    """

    staff_channel: str | None = "mod-log"
    raid_channels: tuple[str, ...] = ()
    raid_slowmode_minutes: float = 30.0
    notify_members: bool = True
    max_attempts: int = 5
    retry_after: timedelta = timedelta(minutes=1)
    appeal_command: str = "/appeal"
    ban_appeals: str = ""
    reach_out_command: str = ""


@dataclass(frozen=True, slots=True)
class _Plan:
    actions: list[Action]
    handed_off: dict[int, str]
    parts: list[str]


class Enforcer:
    """Apply one community's policy decisions.

    Args:
        community: The community.
        gateway: Its platform connection.
        store: Its moderation repositories.
        clock: The clock.
        policy: The policy in force (for points and the ladder); only verdicts need it.
        notices: Member notice templates.
        settings: How enforcement is done here.
        meter: Counts each rule's matches for the process's metrics.
    """

    def __init__(
        self,
        *,
        community: CommunityInfo,
        gateway: Gateway,
        store: ModerationStore,
        clock: Clock,
        policy: Policy | None,
        notices: Notices,
        settings: EnforcementSettings,
        meter: Meter = NO_METER,
    ) -> None:
        self.community = community
        self.meter = meter
        self.gateway = gateway
        self.store = store
        self.clock = clock
        self.policy = policy
        self.notices = notices
        self.settings = settings
        self.retry_wanted = False
        self.queue = ReviewQueue(
            community=community,
            gateway=gateway,
            store=store,
            clock=clock,
            staff_channel=settings.staff_channel,
        )

    # -- verdicts ------------------------------------------------------------------------

    async def enforce(self, verdict: Verdict, member: Member) -> list[Case]:
        """Act on a verdict: shadow cases for shadowed rules, review or sanctions for the rest.

        Returns:
            The cases opened, as stored after their actions were applied.
        """
        now = self.clock.now()
        for match in verdict.matches:
            self.meter.matched(self.community.key, match.rule, match.mode.value)
        opened = [
            await self._shadow(verdict, member, match, now)
            for match in verdict.matches
            if match.mode is Mode.SHADOW
        ]
        caring = next((m for m in verdict.enforced if "care" in m.actions), None)
        if caring is not None:
            # Someone who may be at risk is looked after, never sanctioned, whatever else matched.
            opened.append(await self._care(verdict, member, caring))
        elif verdict.outcome is Outcome.ACT:
            opened.append(await self._sanction(verdict, member, now))
        elif verdict.outcome is Outcome.REVIEW:
            match = next(m for m in verdict.matches if m.mode is Mode.REVIEW)
            if not await self._waits_already(verdict, match.rule):
                # The item's card is the moderators' alert: it carries the evidence and the
                # buttons.
                opened.append(
                    await self._open_for_review(
                        verdict, member, match, [], priority=match.severity.rank
                    )
                )
        return opened

    async def _waits_already(self, verdict: Verdict, rule: str) -> bool:
        """Return whether the message waits for moderators already, on the same rule's item.

        An edited message is judged again; a second item for it would ask moderators the
        same question twice and count the member's first version as an earlier case. The
        waiting card shows the edit instead.
        """
        if verdict.message is None:
            return False
        items = await self.store.reviews.about_message(self.community.ref, verdict.message)
        return any(item.waiting and item.rule == rule for item in items)

    async def _care(self, verdict: Verdict, member: Member, match: Match) -> Case:
        """Reply with care in private and bring moderators in at the highest priority.

        Someone in distress often writes several messages in a row: while moderators have
        not yet answered the first alert, each further one reaches them on the same case,
        and the member gets no second, identical reply.
        """
        waiting = await self._waiting_welfare(member)
        if waiting is not None:
            return await self._cared_again(verdict, member, match, *waiting)
        reply = SendDirectMessage(
            community=self.community.ref,
            member=member.ref,
            content=self.notices.render(
                "care", member.lang, {"member": member.shown_name, "community": self.community.name}
            ),
            reason=CARE_REASON,
            rule=match.rule,
        )
        where = _where_written(verdict)
        alert = self._staff_post(
            f"Urgent, please reach out: {member.name} in {where} may be at risk ({match.reason})",
            rule=match.rule,
        )
        case = await self._open_for_review(
            verdict, member, match, [reply, alert], priority=_URGENT, care=True
        )
        replied = case.actions[0]
        if replied.status is ActionStatus.FAILED:
            # Closed DMs: nobody told them anyone cares; moderators must find another way.
            return await self._alert_on(
                case,
                f"Our caring reply did not reach {member.name} ({replied.error}): please "
                "reach out another way.",
                rule=match.rule,
            )
        return case

    async def _waiting_welfare(self, member: Member) -> tuple[Case, ReviewItem] | None:
        """Return the member's welfare case still waiting for a moderator, and its item."""
        for case in await self.store.cases.for_member(self.community.ref, member.ref, limit=10):
            if not case.is_welfare or case.status is not CaseStatus.REVIEW:
                continue
            for item in await self.store.reviews.for_case(case.id):
                if item.waiting:
                    return case, item
        return None

    async def _cared_again(
        self, verdict: Verdict, member: Member, match: Match, case: Case, item: ReviewItem
    ) -> Case:
        """Bring what a member still waiting for moderators wrote again to them, urgently.

        It goes on their card, under their first message, and out as an urgent line. An
        edit of that very message goes out as an edit: the card shows it, and the case notes
        it, already (the review cards' listener).
        """
        where = _where_written(verdict)
        said = excerpt(verdict.original, _AGAIN_QUOTED)
        edited = verdict.message is not None and verdict.message == item.message
        wrote = f"edited their message in {where}" if edited else f"wrote again in {where}"
        if not edited:
            await self.store.cases.add_note(case.id, "bot", f"{wrote}: {said}", self.clock.now())
            later = {"author": member.name, "text": verdict.original[:MESSAGE_KEPT]}
            await self.queue.add_later(item, later | {"where": where})
        return await self._alert_on(
            case,
            f"Urgent, still waiting (case {case.label}): {member.name} {wrote} and may be at "
            f"risk ({match.reason}): {said}",
            rule=match.rule,
        )

    async def _alert_on(self, case: Case, text: str, *, rule: str | None) -> Case:
        """Post one more staff alert as an action of an open case; return the case."""
        alert = self._staff_post(text, rule=rule)
        if alert is not None:
            case = await self.store.cases.append_actions(
                case.id, _case_actions([alert]), self.clock.now()
            )
            await self.apply_case(case)
        return await self._reloaded(case)

    async def _shadow(self, verdict: Verdict, member: Member, match: Match, now: datetime) -> Case:
        would_do = await self._would_do(member, match, now)
        return await self.store.cases.open(
            replace(
                self._new_case(verdict, member, match),
                reason=f"shadow: {match.reason}",
                evidence={**_evidence(verdict, match), "would_do": would_do},
                status=CaseStatus.SHADOW,
            ),
            now,
        )

    async def _would_do(self, member: Member, match: Match, now: datetime) -> list[str]:
        """Return what a shadowed rule would have done, its escalation as the step it reaches.

        "escalate" tells a moderator judging a trial nothing; the step the member's record
        would reach with this case (a warning, a day's timeout) does. Earlier shadow cases
        count nothing, so the step is the one the rule would reach if it went live now.
        """
        if self.policy is None or ActionKind.ESCALATE.value not in match.actions:
            return list(match.actions)
        points = await self.store.cases.active_points(self.community.ref, member.ref, now)
        return self.policy.stepped(match.actions, points + self.policy.points(match.severity))

    async def _open_for_review(
        self,
        verdict: Verdict,
        member: Member,
        match: Match,
        actions: list[Action | None],
        *,
        priority: int,
        care: bool = False,
    ) -> Case:
        """Open a case that waits for moderators, queue it, and apply its (non-punitive) actions."""
        case = await self.store.cases.open(
            replace(
                self._new_case(verdict, member, match),
                status=CaseStatus.REVIEW,
                actions=_case_actions([a for a in actions if a is not None]),
            ),
            self.clock.now(),
        )
        await self._queue_review(verdict, member, match, case, priority=priority, care=care)
        await self.apply_case(case)
        return await self._reloaded(case)

    def _new_case(self, verdict: Verdict, member: Member, match: Match) -> NewCase:
        """Return the case a rule's match on a verdict opens, before actions and status."""
        return NewCase(
            community=self.community.ref,
            member=member.ref,
            member_name=member.name,
            member_avatar=member.avatar,
            rule=match.rule,
            severity=match.severity.value,
            reason=match.reason,
            evidence=_evidence(verdict, match),
            message=verdict.message,
            channel=verdict.channel,
        )

    async def _queue_review(
        self,
        verdict: Verdict,
        member: Member,
        match: Match,
        case: Case,
        *,
        priority: int,
        care: bool = False,
    ) -> None:
        where = f" in #{verdict.channel.id}" if verdict.channel else ""
        evidence = _evidence(verdict, match)
        if care and self.settings.reach_out_command:
            # The caring reply promised that someone would reach out: say how, on the card.
            evidence[REACH_OUT] = (
                f"Reach out privately: {self.settings.reach_out_command} {member.name} TEXT "
                "(a modmail thread the team reads, where their answer comes)."
            )
        await self.queue.add(
            NewReviewItem(
                community=self.community.ref,
                source="rule",
                reason=match.reason,
                case_id=case.id,
                member=member.ref,
                message=verdict.message,
                channel=verdict.channel,
                rule=match.rule,
                evidence=evidence,
                priority=priority,
            ),
            headline=(
                f"{'Someone may be at risk' if care else 'Review needed'}: "
                f"{member.name}{where} - {match.reason}"
            ),
            member=member,
            choices=CARE_CHOICES if care else None,
        )

    async def _sanction(self, verdict: Verdict, member: Member, now: datetime) -> Case:
        match = verdict.worst
        assert match is not None
        assert self.policy is not None, "verdicts need the policy"
        planned = [parse_action(name) for name in match.actions]
        # Precautions (a raid's slowmode, a gate, an alert) are not a member's offence:
        # they put nothing on the record.
        precaution = all(p.kind in _PRECAUTIONS for p in planned)
        points = 0 if precaution else self.policy.points(match.severity)
        expires = now + timedelta(days=match.expires_days) if points else None
        plan_holder: list[_Plan] = []

        def build(points_before: int) -> NewCase:
            plan = self._plan(planned, verdict, member, points_before + points, match)
            plan_holder.append(plan)
            return replace(
                self._new_case(verdict, member, match),
                points=points,
                expires_at=expires,
                actions=_case_actions(plan.actions, plan.handed_off),
            )

        case = await self.store.cases.open_escalating(member.ref, self.community.ref, now, build)
        plan = plan_holder[-1]
        for position, why in plan.handed_off.items():
            await self._hand_off(case, position, why)
        if {ActionKind.REVIEW, ActionKind.GATE} & {p.kind for p in planned}:
            await self._queue_review(verdict, member, match, case, priority=match.severity.rank + 1)
        await self.apply_case(
            case, notice=self._notice(plan.parts, case, member, match.guideline, verdict.channel)
        )
        return await self._reloaded(case)

    def _plan(
        self,
        planned: Sequence[PlannedAction],
        verdict: Verdict,
        member: Member,
        total_points: int,
        match: Match,
    ) -> _Plan:
        expanded: list[PlannedAction] = []
        for item in planned:
            if item.kind is ActionKind.ESCALATE:
                assert self.policy is not None
                expanded.extend(self.policy.step_for(total_points))
            else:
                expanded.append(item)
        actions: list[Action] = []
        handed_off: dict[int, str] = {}
        reason = f"{match.rule}: {match.reason}"
        for item in _ordered(expanded):
            for action in self._concrete(item, verdict, member, reason, match):
                fitted, why = self._fit(action)
                if why:
                    handed_off[len(actions)] = why
                actions.append(fitted)
        done = [a for index, a in enumerate(actions) if index not in handed_off]
        parts = [
            part for cls, part in _NOTICE_PART.items() if any(isinstance(a, cls) for a in done)
        ]
        if any(isinstance(actions[index], DeleteMessage) for index in handed_off):
            parts.insert(0, "held")  # the member is told it awaits moderators, not that it is gone
        if any(p.kind is ActionKind.WARN for p in expanded):
            parts.append("warned")
        if any(p.kind is ActionKind.GATE for p in expanded):
            parts = [("gated" if part == "timed_out" else part) for part in parts]
        return _Plan(actions, handed_off, parts)

    def _concrete(
        self, item: PlannedAction, verdict: Verdict, member: Member, reason: str, matched: Match
    ) -> list[Action]:
        community = self.community.ref
        rule = matched.rule
        match item.kind:
            case ActionKind.DELETE if verdict.message is not None and verdict.channel is not None:
                judged = DeleteMessage(
                    community=community,
                    reason=reason,
                    rule=rule,
                    channel=verdict.channel,
                    message=verdict.message,
                )
                return [judged, *_earlier_copies(judged, matched.evidence)]
            case ActionKind.TIMEOUT | ActionKind.GATE:
                # A gate is a timeout moderators review: they lift it with /untimeout.
                default = (
                    timedelta(hours=1) if item.kind is ActionKind.TIMEOUT else timedelta(minutes=30)
                )
                return [
                    Timeout(
                        community=community,
                        reason=reason,
                        rule=rule,
                        member=member.ref,
                        duration=item.duration or default,
                    )
                ]
            case ActionKind.KICK:
                return [Kick(community=community, reason=reason, rule=rule, member=member.ref)]
            case ActionKind.BAN:
                return [
                    Ban(
                        community=community,
                        reason=reason,
                        rule=rule,
                        member=member.ref,
                        delete_message_seconds=3600,
                        duration=item.duration,
                    )
                ]
            case ActionKind.SLOWMODE:
                seconds = int((item.duration or timedelta(seconds=30)).total_seconds())
                channels = (
                    [verdict.channel]
                    if verdict.channel
                    else [self._channel(c) for c in self.settings.raid_channels]
                )
                return [
                    SetSlowmode(
                        community=community, reason=reason, rule=rule, channel=c, seconds=seconds
                    )
                    for c in channels
                ]
            case ActionKind.ALERT:
                where = f" in #{verdict.channel.id}" if verdict.channel else ""
                post = self._staff_post(
                    f"{item.kind.value.title()}: {member.name}{where} - {reason}", rule=rule
                )
                return [post] if post else []
        # Warn is the notice itself; escalate was expanded; review is the item's card.
        return []

    def _fit(self, action: Action) -> tuple[Action, str]:
        """Return the action as the platform can do it, and why it goes to moderators if not.

        A timeout longer than the platform allows is shortened to its limit; anything else
        the platform cannot do stays on the case as handed off, never silently dropped.
        """
        capabilities = self.gateway.capabilities
        if capabilities.allows(action):
            return action, ""
        limit = capabilities.max_timeout
        if isinstance(action, Timeout) and limit is not None and action.duration > limit:
            return replace(action, duration=limit), ""
        return action, f"the platform cannot {action.kind.replace('_', ' ')} here"

    # -- moderators' own actions ---------------------------------------------------------------

    async def sanction_by(
        self,
        *,
        moderator: Member,
        target: Member,
        actions: Sequence[Action],
        reason: str,
        points: int = 0,
        notice_parts: Sequence[str] = (),
        expires_days: float = 30.0,
        channel: Ref | None = None,
        evidence: Mapping[str, object] | None = None,
    ) -> Case:
        """Open a case for a moderator's action and apply it.

        Args:
            moderator: Who acts.
            target: On whom.
            actions: What to do (their reason and actor are set here).
            reason: Why, in the moderator's words.
            points: Points it adds towards escalation.
            notice_parts: Notice template names for the member (``warned``...); none: no notice.
            expires_days: How long the points count.
            channel: Where the message it is about was, for the member's notice.
            evidence: What the moderator judged (a reviewed message's text and files),
                kept on the case beside the moderator's name.
        """
        now = self.clock.now()
        actor = str(moderator.ref)
        prepared = [replace(a, actor=actor, reason=reason) for a in actions]
        handed_off: dict[int, str] = {}
        final: list[Action] = []
        for action in prepared:
            fitted, why = self._fit(action)
            if why:
                handed_off[len(final)] = why
            final.append(fitted)
        case = await self.store.cases.open(
            self._moderator_case(
                moderator,
                target,
                reason,
                points=points,
                expires_days=expires_days,
                evidence=evidence or {},
                actions=_case_actions(final, handed_off),
            ),
            now,
        )
        for position, why in handed_off.items():
            await self._hand_off(case, position, why)
        notice = (
            self._notice(list(notice_parts), case, target, {}, channel) if notice_parts else None
        )
        await self.apply_case(case, notice=notice)
        return await self._reloaded(case)

    async def record_by_hand(
        self,
        *,
        moderator: Member,
        target: Member,
        action: Action,
        reason: str,
        points: int = 0,
        notice_parts: Sequence[str] = (),
        expires_days: float = 30.0,
    ) -> Case:
        """Open the case of an action a moderator took with the platform's own tools.

        Nothing is applied: the platform did it already, so the action is recorded as
        applied. The case's evidence says it was done by hand (:data:`BY_HAND`).

        Args:
            moderator: Who acted.
            target: On whom.
            action: What the platform did (its actor is set here; its reason, for the mod
                log, says it was done by hand).
            reason: Why, in the moderator's words.
            points: Points it adds towards escalation.
            notice_parts: Notice template names for a member still in the community
                (``timed_out``): the platform told them nothing of why, nor how to appeal.
            expires_days: How long the points count.

        Returns:
            The case.
        """
        now = self.clock.now()
        platform = self.community.ref.platform
        done = replace(
            action, actor=str(moderator.ref), reason=f"{reason} ({by_hand_in(platform)})"
        )
        case = await self.store.cases.open(
            self._moderator_case(
                moderator,
                target,
                reason,
                points=points,
                expires_days=expires_days,
                evidence={BY_HAND: platform},
                actions=tuple(
                    replace(a, status=ActionStatus.APPLIED, attempts=1)
                    for a in _case_actions([done])
                ),
            ),
            now,
        )
        notice = self._notice(list(notice_parts), case, target, {}, None)
        if notice is not None and target.present:
            await self.send_notice(case, notice)
        return await self._reloaded(case)

    def _moderator_case(
        self,
        moderator: Member,
        target: Member,
        reason: str,
        *,
        points: int,
        expires_days: float,
        evidence: Mapping[str, object],
        actions: tuple[CaseAction, ...],
    ) -> NewCase:
        """Return the case of a moderator's own action, their name kept beside the evidence."""
        now = self.clock.now()
        return NewCase(
            community=self.community.ref,
            member=target.ref,
            member_name=target.name,
            member_avatar=target.avatar,
            actor=str(moderator.ref),
            reason=reason,
            points=points,
            expires_at=now + timedelta(days=expires_days) if points else None,
            evidence={**evidence, "moderator": moderator.name},
            actions=actions,
        )

    async def remove_confirmed(self, case: Case, moderator: Member) -> Case:
        """Delete the message of a case a moderator confirmed, as one more action of the case.

        The delete goes the way of every action: recorded on the case, retried when it
        fails, handed to moderators when the platform cannot do it, and the member is told.
        A case whose message is gone already, or on its way out, is returned as it is.
        """
        if case.message is None or case.channel is None or _removes_message(case):
            return case
        delete = DeleteMessage(
            community=self.community.ref,
            channel=case.channel,
            message=case.message,
            rule=case.rule,
            actor=str(moderator.ref),
            reason=f"confirmed by {moderator.name}: {case.reason}",
        )
        details = case.evidence.get("details")
        copies = _earlier_copies(delete, details if isinstance(details, Mapping) else {})
        fitted = [self._fit(action) for action in (delete, *copies)]
        handed_off = {index: why for index, (_, why) in enumerate(fitted) if why}
        before = len(case.actions)
        case = await self.store.cases.append_actions(
            case.id, _case_actions([action for action, _ in fitted], handed_off), self.clock.now()
        )
        for index, why in handed_off.items():
            await self._hand_off(case, case.actions[before + index].position, why)
        member = await self.gateway.fetch_member(self.community.ref, case.member)
        rule = self.policy.rule(case.rule) if self.policy and case.rule else None
        parts = ["held" if 0 in handed_off else "deleted"]
        if any(index not in handed_off for index in range(1, len(fitted))):
            parts.append("copies_deleted")  # some earlier copy goes too
        notice = (
            self._notice(
                parts,
                case,
                member,
                rule.spec.guideline if rule else {},
                case.channel,
            )
            if member is not None
            else None
        )
        await self.apply_case(case, notice=notice)
        return await self._reloaded(case)

    async def change_length(self, case: Case, moderator: Member, change: LengthChange) -> Case:
        """Make a case's ban or timeout last as ``change`` says, from when it was opened.

        A tempban's end is scheduled anew (none: the ban lasts until unbanned); a timeout
        is set again on the platform for what is left of it. The case reads the new
        length, a note keeps the old one, and the member is told, as of a sanction.

        Args:
            case: The case, as it reads now.
            moderator: Who changes it.
            change: The new length (:func:`~moderation.lengths.length_change`, which
                refuses what the case itself rules out).

        Raises:
            LengthRefused: If the ban was lifted since, the member is no longer timed out
                (or a later case set their timeout), or the platform refuses the new one.
        """
        now = self.clock.now()
        member = await self.gateway.fetch_member(self.community.ref, case.member)
        if change.is_ban:
            await self._reschedule_unban(case, change, now)
        else:
            await self._time_out_again(case, change, member, moderator, now)
        payload = change.payload()
        await self.store.cases.set_action_payload(case.id, change.action.position, payload)
        await self.store.cases.add_note(case.id, moderator.name, change.note(moderator.name), now)
        changed = await self._reloaded(case)
        told = member or Member(ref=case.member, name=case.member_name or case.member.id)
        sanction = "banned" if change.is_ban else "timed_out"
        notice = self._notice(["length_changed", sanction], changed, told, {}, None)
        if notice is not None:
            await self.send_notice(changed, notice)
        return await self._reloaded(changed)

    async def _reschedule_unban(self, case: Case, change: LengthChange, now: datetime) -> None:
        """Move a ban's end (or drop it, for a ban until unbanned), if the ban still holds."""
        banned = await still_banned(self.store.cases, self.community.ref, now)
        if not any(b.case == case.number for b in banned):
            raise LengthRefused(f"the ban of case {case.label} was lifted or replaced since")
        unban = Unban(
            community=self.community.ref,
            member=case.member,
            reason=f"tempban of case {case.label} ended",
            case=case.label,
        )
        await self.store.schedule.reschedule(
            self.community.ref,
            "unban",
            str(case.member),
            payload=action_to_data(unban) if change.ends is not None else None,
            due_at=change.ends or now,
            case_id=case.id,
        )

    async def _time_out_again(
        self,
        case: Case,
        change: LengthChange,
        member: Member | None,
        moderator: Member,
        now: datetime,
    ) -> None:
        """Set a member's timeout again for what is left of its new length."""
        if member is None or not member.timed_out_at(now) or change.ends is None:
            raise LengthRefused(
                f"{case.member_name or case.member.id} is no longer timed out; "
                "a new timeout is a case of its own"
            )
        newer = [
            c
            for c in await self.store.cases.for_member(self.community.ref, case.member)
            if c.number > case.number
            and any(a.kind == "timeout" and a.status is ActionStatus.APPLIED for a in c.actions)
        ]
        if newer:  # its timeout is the one that holds now, or lifted this one
            raise LengthRefused(f"case {newer[0].label} set their timeout since; change that one")
        left = change.ends - now
        longest = self.gateway.capabilities.max_timeout
        if longest is not None and left > longest:
            raise LengthRefused(f"a timeout is at most {format_duration(longest)} from now here")
        again = Timeout(
            community=self.community.ref,
            member=case.member,
            duration=left,
            actor=str(moderator.ref),
            reason=f"length of case {case.label} changed: {case.reason}",
            case=case.label,
        )
        result = await self.gateway.apply(again)
        if not result.ok:
            raise LengthRefused(f"the platform refused the new timeout: {result.error}")

    async def _reloaded(self, case: Case) -> Case:
        """Return the case as stored now, with each action's outcome."""
        return await self.store.cases.by_id(case.id) or case

    # -- applying --------------------------------------------------------------------------

    async def apply_case(self, case: Case, *, notice: SendDirectMessage | None = None) -> None:
        """Apply a case's pending actions in order, recording each outcome on the case.

        The member's notice goes out before a kick or ban, while they still share a
        community with the bot.
        """
        for item in case.actions:
            if item.status is not ActionStatus.PENDING:
                continue
            action = replace(action_from_data(dict(item.payload)), case=case.label)
            if notice is not None and isinstance(action, Kick | Ban):
                await self.send_notice(case, notice)
                notice = None
            await self._apply_one(case, item, action)
        if notice is not None:
            await self.send_notice(case, notice)

    async def _apply_one(self, case: Case, item: CaseAction, action: Action) -> None:
        now = self.clock.now()
        result = await self.gateway.apply(action)
        if result.ok:
            await self.store.cases.record_action(
                case.id, item.position, ActionStatus.APPLIED, "", now
            )
            if isinstance(action, Ban) and action.duration:
                await self._schedule(
                    Unban(
                        community=action.community,
                        member=action.member,
                        reason=f"tempban of case {case.label} ended",
                        case=case.label,
                    ),
                    now + action.duration,
                    case.id,
                )
            if isinstance(action, SetSlowmode) and action.rule and action.seconds:
                lift = replace(
                    action, seconds=0, reason=f"raid slowmode of case {case.label} ended"
                )
                await self._schedule(
                    lift, now + timedelta(minutes=self.settings.raid_slowmode_minutes), case.id
                )
            return
        if result.retryable and item.attempts + 1 < self.settings.max_attempts:
            await self.store.cases.record_action(
                case.id, item.position, ActionStatus.PENDING, result.error, now
            )
            await self.store.cases.add_note(
                case.id, "bot", f"{action.kind} failed, will retry: {result.error}", now
            )
            return
        await self.store.cases.record_action(
            case.id, item.position, ActionStatus.FAILED, result.error, now
        )
        if result.moot:  # nothing left to do: no card asks moderators to do it
            await self.store.cases.add_note(
                case.id, "bot", f"{action.kind} not needed: {result.error}", now
            )
            return
        await self._hand_off(case, item.position, f"{action.kind} failed: {result.error}")

    async def _hand_off(self, case: Case, position: int, why: str) -> None:
        if any(a.position == position and a.kind == "delete_message" for a in case.actions):
            await self._flag_in_thread(case)
        now = self.clock.now()
        await self.store.cases.add_note(case.id, "bot", f"handed to moderators: {why}", now)
        # The card asks moderators to act; it is the alert, with the evidence and buttons.
        await self.queue.add(
            NewReviewItem(
                community=self.community.ref,
                source="unsupported_action",
                reason=why,
                case_id=case.id,
                member=case.member,
                message=case.message,
                channel=case.channel,
                rule=case.rule,
                evidence={"action_position": position, "original": case.message_text},
                priority=3,
            ),
            headline=f"Please act on case {case.label} ({case.member_name}): {why}",
        )

    async def _flag_in_thread(self, case: Case) -> None:
        """Say under a message that stays up that moderators have it (it cannot be hidden)."""
        if case.message is None or case.channel is None:
            return
        community = self.community.ref
        thread = await self.gateway.apply(
            OpenThread(
                community=community,
                channel=case.channel,
                message=case.message,
                name=f"case {case.label}",
                reason="flagged message",
                case=case.label,
            )
        )
        if not thread.ok or thread.ref is None:
            return
        text = self.notices.render("held_public", None, {"case": case.label})
        await self.gateway.apply(
            PostMessage(
                community=community,
                channel=case.channel,
                thread=thread.ref,
                content=text,
                reason="flagged message",
                case=case.label,
            )
        )

    async def send_notice(self, case: Case, notice: SendDirectMessage) -> ActionResult:
        """Send a member a notice about their case; one that cannot reach them is noted on it.

        Returns:
            What the platform answered.
        """
        result = await self.gateway.apply(replace(notice, case=case.label))
        if not result.ok:
            await self.store.cases.add_note(
                case.id, "bot", f"{UNDELIVERED}{result.error}", self.clock.now()
            )
        return result

    def _notice(
        self,
        parts: list[str],
        case: Case,
        member: Member,
        guideline: Mapping[str, str],
        channel: Ref | None,
    ) -> SendDirectMessage | None:
        if not parts or not self.settings.notify_members:
            return None
        values: dict[str, Any] = {
            "member": member.shown_name,
            "community": self.community.name,
            "channel": _id(channel),
            "guideline": guideline,  # by language: said in the notice's
            "reason": case.reason,
            "case": case.label,
            "ban_length": "",
        }
        # Durations go as they are: the notice says them in words in its own language.
        for item in case.actions:
            payload = item.payload
            if item.kind == "timeout":
                values["duration"] = timedelta(seconds=float(payload["duration"]))
            if item.kind == "ban" and payload.get("duration"):
                values["ban_length"] = timedelta(seconds=float(payload["duration"]))
        text = self.notices.sanction(
            member.lang,
            parts=parts,
            values=values,
            expires=case.expires_at,
            appeal_command=self.settings.appeal_command,
            ban_appeals=self.settings.ban_appeals,
        )
        return SendDirectMessage(
            community=self.community.ref,
            member=member.ref,
            content=text,
            reason="notice",
            rule=case.rule,
        )

    # -- recovery and schedules -------------------------------------------------------------

    async def retry_pending(self) -> int:
        """Apply actions still pending (after a failure or a crash); return how many were tried."""
        now = self.clock.now()
        tried = 0
        for case, position in await self.store.cases.pending_actions(
            now - self.settings.retry_after
        ):
            if case.community != self.community.ref:
                continue
            item = next(a for a in case.actions if a.position == position)
            await self._apply_one(
                case, item, replace(action_from_data(dict(item.payload)), case=case.label)
            )
            tried += 1
        # Actions still pending (too fresh to retry yet, or failed again) want a later try.
        still = await self.store.cases.pending_actions(self.clock.now() + timedelta(seconds=1))
        self.retry_wanted = any(case.community == self.community.ref for case, _ in still)
        return tried

    async def run_scheduled(self) -> int:
        """Apply scheduled actions that are due (tempban ends); return how many ran."""
        ran = 0
        for due in await self.store.schedule.due(self.community.ref, self.clock.now()):
            action = action_from_data(dict(due.payload))
            result = await self.gateway.apply(action)
            await self.store.schedule.done(due.id)
            if due.case_id is not None:
                state = "done" if result.ok else f"failed: {result.error}"
                await self.store.cases.add_note(
                    due.case_id, "bot", f"scheduled {action.kind} {state}", self.clock.now()
                )
            ran += 1
        return ran

    async def _schedule(self, action: Action, due: datetime, case_id: int) -> None:
        await self.store.schedule.add(self.community.ref, action_to_data(action), due, case_id)

    def _staff_post(self, text: str, *, rule: str | None = None) -> PostMessage | None:
        if not self.settings.staff_channel:
            return None
        return PostMessage(
            community=self.community.ref,
            channel=self._channel(self.settings.staff_channel),
            content=text,
            reason="alert",
            rule=rule,
        )

    def _channel(self, ident: str) -> Ref:
        return Ref(self.community.ref.platform, ident)


_AGAIN_QUOTED = 300
"""How much of a further message from someone at risk the staff alert quotes."""
MESSAGE_KEPT = 2000
"""How much of a message a case's or a card's evidence keeps."""

_PRECAUTIONS = {
    ActionKind.GATE,
    ActionKind.ALERT,
    ActionKind.REVIEW,
    ActionKind.SLOWMODE,
    ActionKind.CARE,
}
_URGENT = 10  # review priority above any severity: people first


def _ordered(planned: list[PlannedAction]) -> list[PlannedAction]:
    """Order actions: remove the content first, then restrict, then tell staff."""
    rank = {
        ActionKind.DELETE: 0,
        ActionKind.WARN: 1,
        ActionKind.TIMEOUT: 2,
        ActionKind.KICK: 3,
        ActionKind.BAN: 4,
        ActionKind.GATE: 2,
        ActionKind.SLOWMODE: 5,
        ActionKind.ALERT: 6,
        ActionKind.REVIEW: 7,
        ActionKind.ESCALATE: 8,
    }
    unique = list(dict.fromkeys(planned))
    return sorted(unique, key=lambda p: rank[p.kind])


def _case_actions(
    actions: Sequence[Action], handed_off: dict[int, str] | None = None
) -> tuple[CaseAction, ...]:
    handed_off = handed_off or {}
    return tuple(
        CaseAction(
            position=index,
            kind=action.kind,
            payload=action_to_data(action),
            status=ActionStatus.HANDED_OFF if index in handed_off else ActionStatus.PENDING,
            error=handed_off.get(index, ""),
        )
        for index, action in enumerate(actions)
    )


def _earlier_copies(judged: DeleteMessage, evidence: Mapping[str, Any]) -> list[DeleteMessages]:
    """Return the removal of the earlier copies a match's evidence names, one per channel."""
    by_channel: dict[Ref, list[Ref]] = {}
    for channel, message in evidence.get(EARLIER_COPIES, ()):
        by_channel.setdefault(Ref.parse(channel), []).append(Ref.parse(message))
    return [
        DeleteMessages(
            community=judged.community,
            reason=judged.reason,
            rule=judged.rule,
            channel=channel,
            messages=tuple(messages),
        )
        for channel, messages in by_channel.items()
    ]


def _removes_message(case: Case) -> bool:
    """Return whether a case deletes its message already (done, pending or with moderators)."""
    return any(
        a.kind == "delete_message" and a.status is not ActionStatus.FAILED for a in case.actions
    )


def _evidence(verdict: Verdict, match: Match) -> dict[str, object]:
    files = {"files": file_records(verdict.attachments)} if verdict.attachments else {}
    # A join or a new name has no message: what rules read of it is the name.
    named = {JOINED: True} if verdict.joined else {RENAMED: True} if verdict.renamed else {}
    return {
        **files,
        **named,
        "original": verdict.original[:MESSAGE_KEPT],
        "normalized": verdict.normalized[:MESSAGE_KEPT],
        "matched": list(match.matched),
        "reason": match.reason,
        "rule_type": match.type,
        "details": dict(match.evidence),
        "other_rules": [m.rule for m in verdict.matches if m.rule != match.rule],
    }


def _where_written(verdict: Verdict) -> str:
    """Return where a message was written, as staff read it: a channel, or a private message."""
    return f"#{_id(verdict.channel)}" if verdict.channel else "a private message to Steward"


def _id(ref: Ref | None) -> str:
    return ref.id if ref is not None else "-"
