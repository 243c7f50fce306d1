"""Cases, history and appeals: what moderators and members see of the record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated, Any

from bot.core.actions import Action, SendDirectMessage, Timeout, Unban
from bot.core.commands import (
    MAY_HAVE_LEFT,
    Choice,
    CommandContext,
    CommandError,
    CompletedBy,
    command,
    offered,
)
from bot.core.community import Permission
from bot.core.durations import format_duration
from bot.core.models import Member
from bot.core.quoting import file_line, quoted
from cogs._moderation_base import ModerationCog, not_told
from moderation.cases import (
    BY_HAND,
    CARE_REASON,
    STAFF_NOTE,
    ActionStatus,
    AppealStatus,
    Case,
    CaseAction,
    CaseStatus,
    NewReviewItem,
    ReviewOutcome,
    ReviewStatus,
    by_hand_in,
    undelivered_notice,
)
from moderation.examples import ExampleSource, example_from
from moderation.repositories import Waiting
from moderation.review_evidence import files_in

_OUTCOMES = {
    "upheld": AppealStatus.UPHELD,
    "reduced": AppealStatus.REDUCED,
    "overturned": AppealStatus.OVERTURNED,
}
_OUTCOME_CHOICES: list[Choice] = [
    ("upheld: the case stands and counts", "upheld"),
    ("reduced: the case stays on record, counts no more, its sanction is lifted", "reduced"),
    ("overturned: the case was wrong, its sanction is lifted", "overturned"),
]
_OFFERED = 50
"""The waiting appeals offered at most as a moderator types a case."""

_STANDINGS = {
    CaseStatus.ACTIVE: "record_counts",
    CaseStatus.EXPIRED: "record_expired",
    CaseStatus.APPEALED: "record_appealed",
    CaseStatus.PARDONED: "record_pardoned",
    CaseStatus.OVERTURNED: "record_overturned",
}
"""The cases a member's own record lists, and what each says of where it stands."""
_RECORD_SHOWN = 15
"""How many of their latest cases ``/record`` lists."""

_PARDONABLE = {CaseStatus.ACTIVE, CaseStatus.APPEALED, CaseStatus.REVIEW}

# Why a moderator cannot record an appeal, by the notice a member would get instead.
_STAFF_REFUSALS = {
    "appeal_no_case": "there is no case {case}",
    "appeal_waiting": "case {case} has an open appeal already",
    "appeal_in_review": "case {case} is still with the moderators: decide its review item",
    "appeal_nothing": "case {case} does not count against the member: nothing to appeal",
    "appeal_used": "case {case} was appealed already ({outcome}); a case is appealed once",
}


_WORDS_BY_REASON = {
    ("send_direct_message", CARE_REASON): "caring reply",
    ("post_message", "alert"): "staff alert",
}
_WORDS_BY_KIND = {
    "delete_message": "message removed",
    "send_direct_message": "notice",
    "kick": "kick",
    "unban": "unban",
}
_UNDONE = {
    ActionStatus.FAILED: " (failed)",
    ActionStatus.PENDING: " (not done yet)",
    ActionStatus.HANDED_OFF: " (left to moderators)",
}


def _action_word(action: CaseAction) -> str:
    """Return what an action of a case did, in moderators' words, and whether it was done."""
    return _action_words(action) + _UNDONE.get(action.status, "")


def _action_words(action: CaseAction) -> str:
    payload = action.payload
    said = _WORDS_BY_REASON.get((action.kind, str(payload.get("reason"))))
    if said is not None:
        return said
    match action.kind:
        case "timeout":
            # A timeout of no length lifts one.
            return "timeout lifted" if action.lifts_timeout else f"timeout {_lasting(payload)}"
        case "ban":
            return f"ban {_lasting(payload)}" if payload.get("duration") else "ban"
        case "delete_messages":
            return f"{len(payload.get('messages') or ())} message(s) removed"
        case "set_slowmode":
            seconds = int(payload.get("seconds") or 0)
            return f"slowmode {seconds}s" if seconds else "slowmode off"
        case "lock_channel":
            return "channel locked" if payload.get("locked", True) else "channel unlocked"
    return _WORDS_BY_KIND.get(action.kind, action.kind.replace("_", " "))


def _lasting(payload: Mapping[str, Any]) -> str:
    return format_duration(timedelta(seconds=float(payload.get("duration") or 0)))


def _counts(case: Case) -> bool:
    """Return whether an active case counts towards further sanctions until it expires."""
    return case.points > 0 and case.expires_at is not None


class CaseCommands(ModerationCog):
    """Commands over the case record."""

    @command("case show", description="Show a case: what, why, evidence, actions and notes.")
    async def case_show(
        self, ctx: CommandContext, number: Annotated[int, "The case number"]
    ) -> None:
        """Reply with everything on one case."""
        case = await self.numbered_case(ctx, number)
        await ctx.reply(self.describe(case, detail=True))

    @command("case list", description="List the latest cases, or one member's.")
    async def case_list(
        self,
        ctx: CommandContext,
        member: Annotated[Member | None, "Only this member's", MAY_HAVE_LEFT] = None,
    ) -> None:
        """Reply with the latest ten cases."""
        if member is None:
            cases = await self.store.cases.recent(ctx.community.ref, limit=10)
        else:
            cases = await self.store.cases.for_member(ctx.community.ref, member.ref, limit=10)
            if not member.name:  # someone no longer here: a name no case carries is refused
                await self.former_name(member)
        await ctx.reply("\n".join(self.describe(c) for c in cases) or "No cases.")

    @command("case note", description="Append a note to a case.")
    async def case_note(
        self,
        ctx: CommandContext,
        number: Annotated[int, "The case number"],
        text: Annotated[str, "The note"],
    ) -> None:
        """Append a note; notes are never overwritten."""
        case = await self.numbered_case(ctx, number)
        await self.store.cases.add_note(case.id, ctx.author.name, text, self.ctx.clock.now())
        await ctx.reply(f"Noted on case {case.label}.")

    @command("note", description="Note something about a member for moderators; not told to them.")
    async def note(
        self,
        ctx: CommandContext,
        member: Annotated[Member, "About whom", MAY_HAVE_LEFT],
        text: Annotated[str, "The note"],
    ) -> None:
        """Record a moderator's note on a member: a case that does nothing and tells nobody.

        Moderators read it in ``/history``, on the member's next review card and in their
        modmail header; the member's own ``/record`` leaves it out, and it counts towards
        nothing. ``/case pardon`` withdraws it.
        """
        if not text.strip():
            raise CommandError("the note is empty")
        if not member.name:  # someone who left: named by their cases, or refused as a typo
            member = replace(member, name=await self.former_name(member))
        case = await self.enforcer.sanction_by(
            moderator=ctx.author,
            target=member,
            actions=[],
            reason=text.strip(),
            evidence={STAFF_NOTE: True},
        )
        await ctx.reply(
            f"Noted on {member.shown_name} for moderators (case {case.label}); they are not told."
        )

    @command("case pardon", description="Pardon a case: it stops counting towards escalation.")
    async def case_pardon(
        self,
        ctx: CommandContext,
        number: Annotated[int, "The case number"],
        reason: Annotated[str, "Why"] = "",
    ) -> None:
        """Mark a case pardoned and note who and why; a staff note is withdrawn."""
        case = await self.numbered_case(ctx, number)
        if not await self.pardon(case, ctx.author.name, reason):
            if case.is_staff_note:
                raise CommandError(f"case {case.label} is a note withdrawn already")
            raise CommandError(
                f"case {case.label} is {case.status_at(self.ctx.clock.now()).value}; "
                "only active cases and cases under review can be pardoned"
            )
        done = "note withdrawn" if case.is_staff_note else "pardoned"
        await ctx.reply(f"Case {case.label} {done}.")

    async def pardon(self, case: Case, author: str, reason: str) -> bool:
        """Pardon a case that counts or waits for review, noting who and why.

        Returns:
            Whether it was pardoned; a case pardoned, overturned or expired already is not.
        """
        now = self.ctx.clock.now()
        if case.status_at(now) not in _PARDONABLE:
            return False
        await self.store.cases.set_status(case.id, CaseStatus.PARDONED)
        await self.store.cases.add_note(
            case.id, author, f"pardoned: {reason or 'no reason given'}", now
        )
        await self._settle_open_appeal(case, author, reason, now)
        return True

    async def _settle_open_appeal(
        self, case: Case, author: str, reason: str, now: datetime
    ) -> None:
        """Close the appeal a pardon settles, and tell the member.

        Left open, a later ``/appeal decide ... upheld`` would make the pardoned case count
        again. Its review item closes without an outcome: a pardon says nothing about
        whether the message broke a guideline, so neither the rule's precision nor the
        training data learn from it.
        """
        appeal = await self.store.appeals.open_for(case.id)
        if appeal is None:
            return
        try:
            await self.store.appeals.decide(appeal.id, AppealStatus.PARDONED, author, reason, now)
        except ValueError:  # decided by /appeal decide a moment ago
            return
        for item in await self.store.reviews.for_case(case.id):
            if item.source == "appeal" and item.waiting:
                await self.store.reviews.set_status(item.id, ReviewStatus.DECIDED)
        await self._tell_appeal_outcome(case, AppealStatus.PARDONED, reason)

    @command("history", description="Show a member's record and active points.")
    async def history(
        self, ctx: CommandContext, member: Annotated[Member, "Whose record", MAY_HAVE_LEFT]
    ) -> None:
        """Reply with a member's cases and the points that count now.

        A banned or departed member's record is asked for too (an appeal to decide, a
        returning account): the option then names them by id, and their cases by name.
        """
        now = self.ctx.clock.now()
        cases = await self.store.cases.for_member(ctx.community.ref, member.ref, limit=15)
        points = await self.store.cases.active_points(ctx.community.ref, member.ref, now)
        shown = member.shown_name
        if not member.present:
            named = shown or await self.former_name(member)
            shown = f"{named} (not in the community now)"
        counted = sum(c.on_record for c in cases)
        alerts = [c for c in cases if c.is_welfare]
        welfare = sum(c.welfare_concern for c in alerts)
        notes = [c for c in cases if c.is_staff_note]
        trial = len(cases) - counted - len(alerts) - len(notes)
        also = f" Rules in shadow mode recorded {trial} more, not on the record." if trial else ""
        if welfare:
            also += f" {welfare} welfare alert(s): someone may have been at risk; not an offence."
        standing = sum(c.staff_note_standing for c in notes)
        if standing:
            also += f" {standing} staff note(s)."
        lines = [f"{shown}: {counted} case(s), {points} active point(s).{also}"]
        lines += [self.describe(c) for c in cases]
        await ctx.reply("\n".join(lines))

    def describe(self, case: Case, *, detail: bool = False) -> str:
        """Return a case as text: one line, or every detail."""
        now = self.ctx.clock.now()
        who = "Steward" if case.actor == "bot" else case.actor_name
        if case.evidence.get(BY_HAND):  # with the platform's own tools, not through Steward
            who += f" {by_hand_in(str(case.evidence[BY_HAND]))}"
        done = [_action_word(a) for a in case.actions]
        if undelivered_notice(case.notes) is not None:  # a warning nobody received
            done.append("notice not delivered")
        what = f"{', '.join(done) or 'no platform action'} by {who} ({case.rule or 'manual'})"
        if case.is_staff_note:
            what = f"noted by {who}"
        line = (
            f"{case.label} {self.wall_clock(case.created_at)} {case.shown_status(now)}: "
            f"{case.member_name or case.member.id} - {what}: {case.reason}"
        )
        if not detail:
            return line
        lines = [line]
        if case.expires_at:
            lines.append(f"counts until {case.expires_at:%Y-%m-%d} ({case.points} point(s))")
        evidence = case.evidence
        if evidence.get("original"):
            lines.append(f"message: {quoted(repr(evidence['original']))}")
        lines += [f"file: {file_line(file)}" for file in files_in(evidence)]
        if evidence.get("matched"):
            lines.append(f"matched: {', '.join(map(str, evidence['matched']))}")
        lines += [
            f"action: {_action_word(a)}{' - ' + a.error if a.error else ''}" for a in case.actions
        ]
        lines += [f"note {self.wall_clock(n.at)} {n.author}: {n.text}" for n in case.notes]
        return "\n".join(lines)

    @command(
        "appeal",
        description="Appeal a case against you.",
        permission=Permission.EVERYONE,
        translations={
            "fr": "Faire appel d'un cas contre toi.",
            "nl": "Ga in beroep tegen een zaak tegen jou.",
            "da": "Klag over en sag mod dig.",
            "pl": "Odwołaj się od sprawy przeciwko tobie.",
            "ja": "あなたに対するケースに異議を申し立てる。",
        },
    )
    async def appeal(
        self,
        ctx: CommandContext,
        case: Annotated[int, "The case number"],
        reason: Annotated[str, "Why it should be reconsidered"],
    ) -> None:
        """Open an appeal on one of the author's own cases; each case is appealed once."""
        now = self.ctx.clock.now()
        found = await self._appealable(ctx, case, now, own=True)
        await self._open_appeal(ctx, found, reason, now, by=ctx.author.name, own=True)
        values = {"case": found.label}
        await ctx.reply(self.enforcer.notices.render("appeal_received", ctx.author.lang, values))

    @command(
        "record",
        description="See your own record: your cases, and until when each counts.",
        permission=Permission.EVERYONE,
        translations={
            "fr": "Voir ton historique : tes cas, et jusqu'à quand chacun compte.",
            "nl": "Bekijk je dossier: je zaken, en tot wanneer elke zaak meetelt.",
            "da": "Se din historik: dine sager, og hvor længe hver tæller.",
            "pl": "Zobacz swoją historię: swoje sprawy i do kiedy każda się liczy.",
            "ja": "自分の記録を見る：ケースと、それぞれの有効期限。",
        },
    )
    async def record(self, ctx: CommandContext) -> None:
        """Reply to a member with their own record, in their language.

        A member whose notices never reached them (closed direct messages) learns here
        which cases stand against them and their numbers, to appeal. Cases still with the
        moderators, shadow-mode records, welfare alerts, staff notes and lifted sanctions
        are no part of it: nothing in them stands against the member.
        """
        now = self.ctx.clock.now()
        found = await self.store.cases.for_member(
            ctx.community.ref, ctx.author.ref, limit=_RECORD_SHOWN
        )
        cases = [c for c in found if c.status_at(now) in _STANDINGS and c.put_to_member]
        notices = self.enforcer.notices
        lang = ctx.author.lang
        community = {"community": ctx.community.name}
        if not cases:
            await ctx.reply(notices.render("record_empty", lang, community))
            return
        lines = [notices.render("record_header", lang, community)]
        for case in cases:
            status = case.status_at(now)
            standing = _STANDINGS[status]
            if status is CaseStatus.ACTIVE and not _counts(case):
                # A kick or a ban carries no points; an appeal reduced a case to none.
                standing = "record_stands" if case.expires_at is None else "record_uncounted"
            expires = {"expires": f"{case.expires_at:%Y-%m-%d}"} if case.expires_at else {}
            compiled = self.policy.rule(case.rule) if case.rule else None
            values = {
                "case": case.label,
                "date": f"{case.created_at:%Y-%m-%d}",
                # The guideline in their language; a moderator's own case, in their words.
                "what": compiled.spec.guideline if compiled is not None else case.reason,
                "standing": notices.render(standing, lang, expires),
            }
            lines.append(notices.render("record_case", lang, values))
        if any(c.status_at(now) is CaseStatus.ACTIVE and _counts(c) for c in cases):
            lines.append(notices.render("record_appeal", lang, {"command": self.typed("appeal")}))
        await ctx.reply("\n".join(lines))

    @command(
        "appeal record",
        description="Record an appeal a member made elsewhere (a banned member's form or email).",
    )
    async def appeal_record(
        self,
        ctx: CommandContext,
        case: Annotated[int, "The case number"],
        reason: Annotated[str, "What the member wrote"],
    ) -> None:
        """Open an appeal on a member's behalf, decided with /appeal decide like any other.

        A banned member cannot run /appeal where they were banned; they appeal where
        ``ban_appeals`` says, and a moderator records it here so the decision is on the
        case, reaches the member and teaches Steward as any appeal does.
        """
        now = self.ctx.clock.now()
        found = await self._appealable(ctx, case, now, own=False)
        by = f"{found.member_name} (recorded by {ctx.author.name})"
        await self._open_appeal(ctx, found, reason, now, by=by, own=False)
        # They wrote somewhere else: tell them it arrived (a banned member shares no server
        # with the bot, so Discord may refuse the message; nothing else depends on it).
        values = {"case": found.label}
        why = await self._tell_member(found, "appeal_received", values, reason="appeal received")
        decide = self.typed("appeal decide")
        await ctx.reply(
            f"Recorded the appeal of case {found.label}; decide it with {decide}.{not_told(why)}"
        )

    async def _open_appeal(
        self, ctx: CommandContext, found: Case, reason: str, now: datetime, *, by: str, own: bool
    ) -> None:
        """Open the appeal of a case, queue it for moderators and tell the staff channel.

        ``own``: the member appeals themselves (else a moderator records it for them).
        """
        try:
            appeal = await self.store.appeals.open(found.id, found.member, reason, now)
        except ValueError as error:  # appealed a moment ago
            raise self._appeal_refused(ctx, "appeal_waiting", found.label, own=own) from error
        await self.store.cases.set_status(found.id, CaseStatus.APPEALED)
        await self.store.cases.add_note(found.id, ctx.author.name, f"appealed: {reason}", now)
        # An appeal is decided by /appeal decide, not from a card: the queue keeps its evidence.
        await self.queue.add(
            NewReviewItem(
                community=ctx.community.ref,
                source="appeal",
                reason=f"appeal of case {found.label}: {reason}",
                case_id=found.id,
                member=found.member,
                rule=found.rule,
                priority=2,
                evidence={"appeal": appeal.id, "original": found.message_text},
            ),
            headline=f"Appeal of case {found.label} by {by}: {reason}",
            member=ctx.author if own else None,
            card=False,
        )
        if self.settings.staff_channel:
            await self.post(
                self.settings.staff_channel,
                f"Appeal of case {found.label} by {by}: {reason}",
                reason="appeal",
            )

    async def _appealable(
        self, ctx: CommandContext, number: int, now: datetime, *, own: bool
    ) -> Case:
        """Return case ``number`` if it may be appealed now.

        A member is told why not in their language: a case that is not theirs reads as one
        that does not exist, so case numbers tell nobody about others' records; an appeal
        once decided is final (it cannot be asked again and again).

        Args:
            ctx: The command's context.
            number: The case number.
            now: The time.
            own: Whether it must be the author's own case (a member appealing); a
                moderator recording an appeal names anyone's.

        Raises:
            CommandError: The case cannot be appealed; the message says why.
        """
        found = await self.store.cases.get(ctx.community.ref, number)
        if found is None or (own and found.member != ctx.author.ref):
            raise self._appeal_refused(ctx, "appeal_no_case", f"#{number}", own=own)
        if found.is_staff_note:  # a member never sees one: to them it is no case
            if not own:
                raise CommandError(f"case {found.label} is a staff note: nothing to appeal")
            raise self._appeal_refused(ctx, "appeal_no_case", f"#{number}", own=own)
        status = found.status_at(now)
        if status is CaseStatus.APPEALED:
            raise self._appeal_refused(ctx, "appeal_waiting", found.label, own=own)
        if status is CaseStatus.REVIEW:
            raise self._appeal_refused(ctx, "appeal_in_review", found.label, own=own)
        if status not in {CaseStatus.ACTIVE, CaseStatus.EXPIRED} or found.only_lifts:
            raise self._appeal_refused(ctx, "appeal_nothing", found.label, own=own)
        decided = [
            a
            for a in await self.store.appeals.for_case(found.id)
            if a.status is not AppealStatus.OPEN
        ]
        if decided:
            outcome = decided[-1].status
            raise self._appeal_refused(ctx, "appeal_used", found.label, own=own, outcome=outcome)
        return found

    def _appeal_refused(
        self, ctx: CommandContext, notice: str, case: str, *, own: bool, **values: object
    ) -> CommandError:
        """Return why a case cannot be appealed.

        A member gets the notice ``notice`` in their language; a moderator recording an
        appeal, the staff's words.
        """
        if not own:
            return CommandError(_STAFF_REFUSALS[notice].format(case=case, **values))
        text = self.enforcer.notices.render(notice, ctx.author.lang, {"case": case, **values})
        return CommandError(text)

    @command("appeal decide", description="Decide an appeal: upheld, reduced or overturned.")
    async def appeal_decide(
        self,
        ctx: CommandContext,
        case: Annotated[int, "The case number", CompletedBy("appealed_case_choices")],
        outcome: Annotated[str, "upheld, reduced or overturned", CompletedBy("appeal_outcomes")],
        note: Annotated[str, "What to tell the member"] = "",
    ) -> None:
        """Decide an open appeal; lift what an overturned or reduced case imposed."""
        status = _OUTCOMES.get(outcome.strip().lower())
        if status is None:
            raise CommandError("outcome must be upheld, reduced or overturned")
        found = await self.numbered_case(ctx, case)
        appeal = await self.store.appeals.open_for(found.id)
        if appeal is None:
            raise CommandError(f"case {found.label} has no open appeal")
        if self.settings.appeals_by_others and found.actor == str(ctx.author.ref):
            raise CommandError("a moderator other than the one who acted must decide this appeal")
        now = self.ctx.clock.now()
        try:
            await self.store.appeals.decide(appeal.id, status, str(ctx.author.ref), note, now)
        except ValueError as error:  # another moderator decided it a moment ago
            raise CommandError(f"the appeal of case {found.label} is decided already") from error
        if status is AppealStatus.UPHELD:
            await self.store.cases.set_status(found.id, CaseStatus.ACTIVE)
        else:
            new_status = (
                CaseStatus.OVERTURNED if status is AppealStatus.OVERTURNED else CaseStatus.ACTIVE
            )
            await self.store.cases.set_status(found.id, new_status, points=0)
            await self._lift(found, "appeal")
        await self.store.cases.add_note(
            found.id, ctx.author.name, f"appeal {status.value}: {note or '-'}", now
        )
        why = await self._tell_appeal_outcome(found, status, note)
        await self._learn_from_appeal(found, status, str(ctx.author.ref), note)
        rule = found.rule or "moderator"  # a moderator's own sanction has no rule
        self.ctx.meter.appeal_decided(ctx.community.key, rule, status.value)
        await ctx.reply(f"Appeal of case {found.label}: {status.value}.{not_told(why)}")

    async def appealed_case_choices(self, typed: str, member: Member) -> list[Choice]:
        """Offer the cases whose appeal waits, by number, with whose case it is and why."""
        del member  # only moderators are asked
        appeals = Waiting(source="appeal")
        items = await self.store.reviews.open_items(
            self.ctx.community.ref, limit=_OFFERED, only=appeals
        )
        choices: list[Choice] = []
        for item in items:
            if item.case_id is None:
                continue
            case = await self.store.cases.by_id(item.case_id)
            appeal = await self.store.appeals.open_for(case.id) if case else None
            if case is not None and appeal is not None:
                why = f"{case.member_name} ({case.rule or case.reason}): {appeal.reason}"
                choices.append((f"{case.label} {why}", case.number))
        return offered(sorted(choices, key=lambda choice: choice[1]), typed)

    async def appeal_outcomes(self, typed: str, member: Member) -> list[Choice]:
        """Offer the outcomes of an appeal, each saying what it does."""
        del member
        return offered(_OUTCOME_CHOICES, typed)

    async def _tell_appeal_outcome(self, case: Case, status: AppealStatus, note: str) -> str | None:
        """Tell the member how their appeal ended, in their language when known.

        Returns:
            Why the member could not be told, or ``None`` once they were.
        """
        values = {"case": case.label, "outcome": status, "note": note}
        return await self._tell_member(case, "appeal_decided", values, reason="appeal decided")

    async def _tell_member(
        self, case: Case, notice: str, values: Mapping[str, object], *, reason: str
    ) -> str | None:
        """Send the case's member the notice ``notice`` privately, in their language.

        Returns:
            Why it could not reach them (noted on the case too), or ``None`` once it did.
        """
        gateway, community = self.ctx.gateway, self.ctx.community.ref
        member = await gateway.fetch_member(community, case.member)
        message = self.enforcer.notices.render(notice, member.lang if member else None, values)
        sent = await self.enforcer.send_notice(
            case,
            SendDirectMessage(
                community=community, member=case.member, content=message, reason=reason
            ),
        )
        return None if sent.ok else sent.error

    async def _learn_from_appeal(
        self, case: Case, status: AppealStatus, moderator: str, note: str
    ) -> None:
        """Close the appeal's review item and keep the case's message as a labelled example.

        Overturned, the message broke no guideline; upheld or reduced, it did.
        """
        now = self.ctx.clock.now()
        violation = status is not AppealStatus.OVERTURNED
        waiting = [
            i
            for i in await self.store.reviews.for_case(case.id)
            if i.source == "appeal" and i.status in {ReviewStatus.OPEN, ReviewStatus.CLAIMED}
        ]
        item = waiting[-1] if waiting else None
        example = example_from(
            case.evidence,
            community=case.community,
            rule=case.rule,
            violation=violation,
            source=ExampleSource.APPEAL,
            decided_by=moderator,
            at=now,
            case_id=case.id,
            review_item_id=item.id if item else None,
        )
        if item is not None:
            outcome = ReviewOutcome.VIOLATION if violation else ReviewOutcome.OK
            await self.store.reviews.decide(item.id, outcome, moderator, note, now, example=example)
        elif example is not None:
            await self.store.examples.add(example)

    async def _lift(self, case: Case, why: str) -> None:
        """Undo a case's lasting effects (a timeout, a ban), saying why (``appeal``)."""
        lifts: list[Action] = []
        kinds = {a.kind for a in case.actions if a.status.value == "applied"}
        if "timeout" in kinds:
            lifts.append(
                Timeout(community=case.community, member=case.member, duration=timedelta(0))
            )
        if "ban" in kinds:
            await self.store.schedule.cancel(case.community, "unban", str(case.member))
            lifts.append(Unban(community=case.community, member=case.member))
        for action in lifts:
            await self.ctx.gateway.apply(
                replace(action, reason=f"{why} of case {case.label}", case=case.label)
            )
