"""The review queue: what waits for moderators, and their decisions, which Steward learns from.

Each decision is recorded on the review item once, together with the labelled example it
makes, so the community's classifier heads can be refitted on it (``steward train``). The
queue's cards and their buttons (``cogs._review_cards``) decide through the same path.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from bot.core.actions import Action, Ban, DeleteMessage, Timeout
from bot.core.commands import (
    Choice,
    CommandContext,
    CommandError,
    CompletedBy,
    command,
    offered,
)
from bot.core.durations import format_wait
from bot.core.models import Member
from bot.core.quoting import excerpt, quoted
from bot.core.refs import Ref
from cogs._case_commands import CaseCommands
from cogs._moderation_base import untold
from moderation.cases import (
    ActionStatus,
    Case,
    CaseStatus,
    ReviewItem,
    ReviewOutcome,
    ReviewStatus,
)
from moderation.examples import ExampleSource, LabelledExample, example_from
from moderation.hierarchy import refusal
from moderation.repositories import Waiting
from moderation.review_cards import CardChoice, for_care, for_trial, latest_edit

_CARE_DECISIONS = frozenset({"reached_out"})
_DECISIONS = {
    "violation": ReviewOutcome.VIOLATION,
    "ok": ReviewOutcome.OK,
    # For someone at risk the alert was right: the rule's precision counts it so.
    **dict.fromkeys(_CARE_DECISIONS, ReviewOutcome.VIOLATION),
}
_REMOVAL = {
    ActionStatus.APPLIED: "the message is removed",
    ActionStatus.PENDING: "the message will be removed on the next try",
    ActionStatus.HANDED_OFF: "the platform cannot remove the message: please remove it by hand",
    ActionStatus.FAILED: "removing the message failed: please remove it by hand",
}
_JUDGED = ("original", "files", "reporter")
"""What of a review item's evidence the moderator's case keeps: what they judged."""
_NOTICE = {
    CardChoice.WARN: "warned",
    CardChoice.TIMEOUT: "timed_out",
    CardChoice.BAN: "banned",
}
_LISTED = 15
_EXCERPT = 80
_OFFERED = 50
"""The most urgent open items offered as a moderator types an item's number."""
_DECISION_CHOICES: list[Choice] = [
    ("violation: it breaks the guidelines", "violation"),
    ("ok: nothing wrong, a false alarm", "ok"),
    ("reached_out: someone who may be at risk was reached", "reached_out"),
]


class ReviewCommands(CaseCommands):
    """Commands over the review queue."""

    @command("review list", description="List open review items, most urgent first.")
    async def review_list(
        self,
        ctx: CommandContext,
        rule: Annotated[str, "Only the items this rule raised"] = "",
        mine: Annotated[bool, "Only the items you claimed"] = False,
    ) -> None:
        """Reply with the open items, most urgent first, and how many wait in all.

        Each line: id, priority, reason, member, the text's start, how long it has waited
        and who claimed it. A moderator with a long queue narrows it to one rule (the
        self-harm alerts first, say) or to what they said they are on.
        """
        only = Waiting(rule=rule.strip() or None, claimed_by=str(ctx.author.ref) if mine else None)
        which = " ".join(
            part
            for part in (f"of rule {only.rule}" if only.rule else "", "you claimed" if mine else "")
            if part
        )
        backlog = await self.store.reviews.backlog(ctx.community.ref, only=only)
        if not backlog.waiting:
            await ctx.reply(
                f"No item {which} waits for review." if which else "Nothing waits for review."
            )
            return
        items = await self.store.reviews.open_items(ctx.community.ref, limit=_LISTED, only=only)
        now = self.ctx.clock.now()
        claimed = backlog.claimed
        lines = [
            f"{backlog.waiting} item(s) {which + ' ' if which else ''}wait for review"
            f"{f', {claimed} claimed' if claimed and not mine else ''}; the most urgent first:"
        ]
        lines += [await self._item_line(item) + await self._waiting(item, now) for item in items]
        if backlog.waiting > len(items):
            lines.append(f"... and {backlog.waiting - len(items)} more.")
        await ctx.reply("\n".join(lines))

    async def review_item_choices(self, typed: str, member: Member) -> list[Choice]:
        """Offer the open items, most urgent first, as a moderator types an item's number.

        Each reads as in ``/review list``, so the one to decide is found by its member's
        name or its words as well as its number.
        """
        del member  # only moderators are asked, and they see the whole queue
        items = await self.store.reviews.open_items(self.ctx.community.ref, limit=_OFFERED)
        return offered([(await self._item_line(item), item.id) for item in items], typed)

    async def review_decision_choices(self, typed: str, member: Member) -> list[Choice]:
        """Offer the decisions, each saying when it is the one to take."""
        del member
        return offered(_DECISION_CHOICES, typed)

    async def _waiting(self, item: ReviewItem, now: datetime) -> str:
        """Say how long an item has waited, and who claimed it (a moderator is on it)."""
        said = f" · waiting {format_wait(item.created_at, now)}"
        if item.status is ReviewStatus.CLAIMED and item.claimed_by:
            ref = Ref.parse(item.claimed_by)
            found = await self.ctx.gateway.fetch_member(self.ctx.community.ref, ref)
            said += f" · claimed by {found.shown_name if found else ref.id}"
        return said

    async def _item_line(self, item: ReviewItem) -> str:
        case = await self.store.cases.by_id(item.case_id) if item.case_id else None
        # A report has no case: its item keeps the author's name (an id reads as digits).
        author = item.evidence.get("author")
        who = (
            (case.member_name if case else "")
            or (author if isinstance(author, str) else "")
            or (item.member.id if item.member else "-")
        )
        said = excerpt(str(item.evidence.get("original") or ""), _EXCERPT)
        line = f"{item.id}. [p{item.priority}] {quoted(who)} - {item.reason}"
        if case is not None:
            line += f" (case {case.label})"
        line = f'{line}: "{said}"' if said else line
        # Deciding removes what the message says now: say so when its author changed it.
        edited = latest_edit(item.evidence)
        return line if edited is None else f'{line}, edited since to "{excerpt(edited, _EXCERPT)}"'

    @command(
        "review decide",
        description="Decide a review item: violation or ok. Steward learns from the decision.",
    )
    async def review_decide(
        self,
        ctx: CommandContext,
        item: Annotated[
            int, "The review item's number (see /review list)", CompletedBy("review_item_choices")
        ],
        decision: Annotated[
            str,
            "violation or ok; reached_out for someone at risk",
            CompletedBy("review_decision_choices"),
        ],
        note: Annotated[str, "Why, for the case record"] = "",
    ) -> None:
        """Decide an item once, keep the labelled example, and settle the item's case.

        An item about someone who may be at risk is decided ``reached_out`` (the alert was
        right, as the card's Reached out button says) or ``ok`` (a false alarm): being at
        risk is no violation, and the word is refused there.
        """
        said = decision.strip().lower().replace(" ", "_").replace("-", "_")
        outcome = _DECISIONS.get(said)
        if outcome is None:
            raise CommandError("the decision must be violation or ok (reached_out for care)")
        found = await self.store.reviews.get(item)
        if found is None or found.community != ctx.community.ref:
            raise CommandError(f"there is no review item {item}")
        if for_trial(found) and said not in _CARE_DECISIONS:
            await ctx.reply(
                await self.judge_trial(found, ctx.author, outcome, note or "by command")
            )
            return
        care = for_care(found)
        if outcome is ReviewOutcome.VIOLATION and care != (said in _CARE_DECISIONS):
            raise CommandError(
                f"review item {found.id} is about someone who may be at risk: decide it "
                "reached_out once someone has, or ok for a false alarm"
                if care
                else "reached_out is for someone who may be at risk; decide violation or ok"
            )
        if care and outcome is ReviewOutcome.VIOLATION:
            await ctx.reply(await self.reached_out(found, ctx.author, note or "by command"))
            return
        # A message no rule opened a case for (a member's report) found a violation comes
        # down as the card's Remove would take it down; whether the moderator may act on
        # its author is asked before anything is decided.
        reported = outcome is ReviewOutcome.VIOLATION and found.case_id is None
        target = await self.target_of(found, ctx.author) if reported else None
        decided, case, example = await self.decide_item(found, outcome, ctx.author, note)
        done = [f"Review item {found.id}: {outcome.value}."]
        if case is not None:
            done.append(await self.settle(ctx.author, case, outcome, note))
        elif target is not None and found.message is not None:
            opened = await self.sanction_item(
                found,
                case=None,
                moderator=ctx.author,
                target=target,
                choice=CardChoice.REMOVE,
                reason=note.strip() or default_reason(found),
            )
            removal = f"; {_REMOVAL[opened.actions[-1].status]}" if opened.actions else ""
            done.append(f"Case {opened.label} opened{removal}.{untold(opened.notes)}")
            case = opened
        if example is None:
            done.append("There is no message text to learn from.")
        where = f", case {case.label}" if case is not None else ""
        await self.queue.update_card(
            decided,
            f"Decided by {ctx.author.shown_name}: {outcome.value} (/review decide{where}).",
        )
        await ctx.reply(" ".join(part for part in done if part))

    async def reached_out(
        self, item: ReviewItem, moderator: Member, note: str = "from the review card"
    ) -> str:
        """Close a care item: someone was at risk and a moderator reached out to them.

        For the rule's precision and the training data it was right (a violation, in the
        queue's two words); :meth:`settle` punishes nobody at risk.
        """
        decided, case, _ = await self.decide_item(item, ReviewOutcome.VIOLATION, moderator, note)
        if case is not None:
            await self.settle(moderator, case, ReviewOutcome.VIOLATION, note)
        await self.show_outcome(decided, moderator, "reached out", case)
        return f"Review item {item.id}: reached out. Thank you for looking after them."

    async def judge_trial(
        self,
        item: ReviewItem,
        moderator: Member,
        outcome: ReviewOutcome,
        note: str = "from the review card",
    ) -> str:
        """Record whether a rule on trial was right about a message; nothing else happens.

        The rule is in shadow mode: its case did nothing to the member and stays a shadow
        case either way. The judgement counts towards the rule's precision and, as any
        decision does, is kept as a labelled example.
        """
        right = outcome is ReviewOutcome.VIOLATION
        words = "the rule was right" if right else "the rule was wrong"
        decided, case, _ = await self.decide_item(item, outcome, moderator, note)
        if case is not None:
            await self.store.cases.add_note(
                case.id, moderator.name, f"trial judged: {words} ({note})", self.ctx.clock.now()
            )
        await self.show_outcome(decided, moderator, words, case)
        said = f"Review item {item.id}: {words}. Nothing happens to the member."
        counted = await self.trial_book.judged(item.rule, right=right) if item.rule else None
        over = await self.end_trial_if_done(item.rule) if counted is not None else None
        if over is None:
            shown = f" {item.rule}" if item.rule else ""
            return f"{said} {self.typed('policy show')}{shown} tells how the rule did."
        return f"{said} {over}"

    async def show_outcome(
        self, item: ReviewItem, moderator: Member, words: str, case: Case | None
    ) -> None:
        """End an item's card with who decided it and how."""
        where = f" (case {case.label})" if case is not None else ""
        await self.queue.update_card(item, f"Decided by {moderator.shown_name}: {words}{where}.")

    async def decide_item(
        self, found: ReviewItem, outcome: ReviewOutcome, moderator: Member, note: str
    ) -> tuple[ReviewItem, Case | None, LabelledExample | None]:
        """Record a decision on an item once, with the labelled example it makes.

        Every way of deciding (the command, a card's buttons) comes through here, so of
        two moderators deciding at once exactly one decision is recorded.

        Returns:
            The decided item, its case (if any) and the example kept (``None`` without text).

        Raises:
            CommandError: If the item is an appeal, or decided already (saying by whom).
        """
        if found.source == "appeal":
            raise CommandError(
                f"review item {found.id} is an appeal: decide it with {self.typed('appeal decide')}"
            )
        if not found.waiting:
            raise CommandError(await self.already_decided(found))
        case = await self.store.cases.by_id(found.case_id) if found.case_id else None
        now = self.ctx.clock.now()
        who = str(moderator.ref)
        raised_by = found.rule or (case.rule if case else None)
        example = example_from(
            case.evidence if case is not None and case.message_text else found.evidence,
            community=found.community,
            rule=raised_by,
            violation=outcome is ReviewOutcome.VIOLATION,
            source=ExampleSource.REVIEW,
            decided_by=who,
            at=now,
            case_id=found.case_id,
            review_item_id=found.id,
        )
        try:
            decided = await self.store.reviews.decide(
                found.id, outcome, who, note, now, example=example
            )
        except ValueError as error:  # another moderator was a moment quicker
            latest = await self.store.reviews.get(found.id)
            raise CommandError(await self.already_decided(latest or found)) from error
        # Per rule, so a dashboard reads each rule's precision as moderators judge it.
        self.ctx.meter.decided(self.ctx.community.key, raised_by or found.source, outcome.value)
        if not for_trial(found):  # a trial asks about a rule, not about what anyone reported
            await self.thank_reporters(decided, acted=outcome is ReviewOutcome.VIOLATION)
        return decided, case, example

    async def settle(self, moderator: Member, case: Case, outcome: ReviewOutcome, note: str) -> str:
        """Note the decision on the case and act on it; return what was done, in words."""
        # Someone at risk was looked after: "violation" is the queue's word, not theirs.
        cared = case.is_welfare and outcome is ReviewOutcome.VIOLATION
        said = "reached out" if cared else f"review {outcome.value}"
        await self.store.cases.add_note(
            case.id, moderator.name, f"{said}: {note or '-'}", self.ctx.clock.now()
        )
        if outcome is ReviewOutcome.OK:
            if not await self.pardon(case, moderator.name, f"found ok on review: {note or '-'}"):
                return f"Case {case.label} is {case.status_at(self.ctx.clock.now()).value}."
            await self._lift(case, "review")
            return f"Case {case.label} pardoned."
        if case.is_welfare:
            return f"Case {case.label} stays with moderators: nobody is punished for being at risk."
        if case.status is CaseStatus.REVIEW:
            await self.store.cases.set_status(case.id, CaseStatus.ACTIVE)
            case = await self.store.cases.by_id(case.id) or case
        before = len(case.actions)
        after = await self.enforcer.remove_confirmed(case, moderator)
        added = after.actions[before:]
        if not added:
            return f"Case {case.label} confirmed."
        told = untold(after.notes[len(case.notes) :])
        return f"Case {case.label} confirmed; {_REMOVAL[added[-1].status]}.{told}"

    async def sanction_item(
        self,
        item: ReviewItem,
        *,
        case: Case | None,
        moderator: Member,
        target: Member,
        choice: CardChoice,
        reason: str,
    ) -> Case:
        """Open the moderator's case: the message removed (if still there) and the sanction.

        A card's Remove, Warn, Timeout and Ban come here, and ``/review decide ... violation``
        of an item no rule opened a case for (a member's report), as Remove.
        """
        community = self.ctx.community.ref
        actions: list[Action] = []
        parts: list[str] = []
        gone = case is not None and any(a.kind == "delete_message" for a in case.actions)
        if item.message is not None and item.channel is not None and not gone:
            actions.append(
                DeleteMessage(community=community, channel=item.channel, message=item.message)
            )
            parts.append("deleted")
        points = 0
        if choice is CardChoice.TIMEOUT:
            minutes = self.settings.card_timeout_minutes
            actions.append(
                Timeout(community=community, member=target.ref, duration=timedelta(minutes=minutes))
            )
            points = self.settings.warn_points
        elif choice is CardChoice.BAN:
            actions.append(Ban(community=community, member=target.ref, delete_message_seconds=3600))
        elif choice is CardChoice.WARN:
            points = self.settings.warn_points
        if choice in _NOTICE:
            parts.append(_NOTICE[choice])
        sanctioned = await self.enforcer.sanction_by(
            moderator=moderator,
            target=target,
            actions=actions,
            reason=reason,
            points=points,
            notice_parts=parts,
            channel=item.channel,
            evidence={
                "review_item": item.id,
                **{key: item.evidence[key] for key in _JUDGED if key in item.evidence},
            },
        )
        await self.arm_timer()
        if choice is CardChoice.BAN and any(
            a.kind == "ban" and a.status is ActionStatus.APPLIED for a in sanctioned.actions
        ):
            await self.close_items_of(
                target.ref,
                f"Closed: {target.name} was banned ({sanctioned.label}).",
                by=moderator,
                but=item.id,
            )
        return sanctioned

    async def target_of(self, item: ReviewItem, moderator: Member) -> Member | None:
        """Return the member an item is about, if the moderator may act on them.

        Raises:
            CommandError: If the moderator may not (a fellow moderator, a higher role).
        """
        if item.member is None:
            return None
        found = await self.ctx.gateway.fetch_member(self.ctx.community.ref, item.member)
        target = found or Member(ref=item.member, name=item.member.id)
        why = refusal(moderator, target, self.ctx.community)
        if why is not None:
            raise CommandError(why)
        return target

    async def already_decided(self, item: ReviewItem) -> str:
        """Say that an item is decided already, and by whom (by name)."""
        if item.status is ReviewStatus.DECIDED:
            who = await self.name_of(item.decided_by) if item.decided_by else "someone"
            outcome = item.outcome.value if item.outcome else "decided"
            return f"review item {item.id} is decided already ({outcome}, by {who})"
        return f"review item {item.id} is {item.status.value} and cannot be decided"


def default_reason(item: ReviewItem) -> str:
    """Return the reason a sanction gets when the moderator gave none: the rule's."""
    return f"{item.rule}: {item.reason}" if item.rule else item.reason
