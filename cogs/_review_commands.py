"""The review queue: what waits for moderators, and their decisions, which Steward learns from.

Each decision is recorded on the review item once, together with the labelled example it
makes, so the community's classifier heads can be refitted on it (``steward train``). The
queue's cards and their buttons (``cogs._review_cards``) decide through the same path.
"""

from __future__ import annotations

from typing import Annotated

from bot.core.commands import CommandContext, CommandError, command
from bot.core.models import Member
from bot.core.quoting import excerpt, quoted
from cogs._case_commands import CaseCommands
from moderation.cases import (
    ActionStatus,
    Case,
    CaseStatus,
    ReviewItem,
    ReviewOutcome,
    ReviewStatus,
)
from moderation.examples import ExampleSource, LabelledExample, example_from
from policies.actions import ActionKind

_DECISIONS = {"violation": ReviewOutcome.VIOLATION, "ok": ReviewOutcome.OK}
_REMOVAL = {
    ActionStatus.APPLIED: "the message is removed",
    ActionStatus.PENDING: "the message will be removed on the next try",
    ActionStatus.HANDED_OFF: "the platform cannot remove the message: please remove it by hand",
    ActionStatus.FAILED: "removing the message failed: please remove it by hand",
}
_LISTED = 15
_EXCERPT = 80


class ReviewCommands(CaseCommands):
    """Commands over the review queue."""

    @command("review list", description="List open review items, most urgent first.")
    async def review_list(self, ctx: CommandContext) -> None:
        """Reply with the open items: id, priority, reason, member and the text's start."""
        items = await self.store.reviews.open_items(ctx.community.ref, limit=_LISTED)
        lines = [await self._item_line(item) for item in items]
        await ctx.reply("\n".join(lines) or "Nothing waits for review.")

    async def _item_line(self, item: ReviewItem) -> str:
        case = await self.store.cases.by_id(item.case_id) if item.case_id else None
        who = (case.member_name if case else "") or (item.member.id if item.member else "-")
        said = excerpt(str(item.evidence.get("original") or ""), _EXCERPT)
        line = f"{item.id}. [p{item.priority}] {quoted(who)} - {item.reason}"
        if case is not None:
            line += f" (case {case.label})"
        return f'{line}: "{said}"' if said else line

    @command(
        "review decide",
        description="Decide a review item: violation or ok. Steward learns from the decision.",
    )
    async def review_decide(
        self,
        ctx: CommandContext,
        item: Annotated[int, "The review item's number (see /review list)"],
        decision: Annotated[str, "violation or ok"],
        note: Annotated[str, "Why, for the case record"] = "",
    ) -> None:
        """Decide an item once, keep the labelled example, and settle the item's case."""
        outcome = _DECISIONS.get(decision.strip().lower())
        if outcome is None:
            raise CommandError("the decision must be violation or ok")
        found = await self.store.reviews.get(item)
        if found is None or found.community != ctx.community.ref:
            raise CommandError(f"there is no review item {item}")
        decided, case, example = await self.decide_item(found, outcome, ctx.author, note)
        done = [f"Review item {found.id}: {outcome.value}."]
        if case is not None:
            done.append(await self.settle(ctx.author, case, outcome, note))
        if example is None:
            done.append("There is no message text to learn from.")
        await self.queue.update_card(
            decided, f"Decided by {ctx.author.shown_name}: {outcome.value} (/review decide)."
        )
        await ctx.reply(" ".join(part for part in done if part))

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
            raise CommandError(already_decided(found))
        case = await self.store.cases.by_id(found.case_id) if found.case_id else None
        now = self.ctx.clock.now()
        who = str(moderator.ref)
        example = example_from(
            case.evidence if case is not None and case.message_text else found.evidence,
            community=found.community,
            rule=found.rule or (case.rule if case else None),
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
            raise CommandError(already_decided(latest or found)) from error
        return decided, case, example

    async def settle(self, moderator: Member, case: Case, outcome: ReviewOutcome, note: str) -> str:
        """Note the decision on the case and act on it; return what was done, in words."""
        await self.store.cases.add_note(
            case.id, moderator.name, f"review {outcome.value}: {note or '-'}", self.ctx.clock.now()
        )
        if outcome is ReviewOutcome.OK:
            if not await self.pardon(case, moderator.name, f"found ok on review: {note or '-'}"):
                return f"Case {case.label} is {case.status_at(self.ctx.clock.now()).value}."
            await self._lift(case, "review")
            return f"Case {case.label} pardoned."
        if self._cares(case):
            return f"Case {case.label} stays with moderators: nobody is punished for being at risk."
        if case.status is CaseStatus.REVIEW:
            await self.store.cases.set_status(case.id, CaseStatus.ACTIVE)
            case = await self.store.cases.by_id(case.id) or case
        before = len(case.actions)
        after = await self.enforcer.remove_confirmed(case, moderator)
        added = after.actions[before:]
        if not added:
            return f"Case {case.label} confirmed."
        return f"Case {case.label} confirmed; {_REMOVAL[added[-1].status]}."

    def _cares(self, case: Case) -> bool:
        """Return whether the case's rule looks after members rather than punishing them."""
        rule = self.policy.rule(case.rule) if case.rule else None
        return rule is not None and any(a.kind is ActionKind.CARE for a in rule.actions or ())


def already_decided(item: ReviewItem) -> str:
    """Say that an item is decided already, and by whom."""
    if item.status is ReviewStatus.DECIDED:
        who = (item.decided_by or "someone").split(":", 1)[-1]
        outcome = item.outcome.value if item.outcome else "decided"
        return f"review item {item.id} is decided already ({outcome}, by {who})"
    return f"review item {item.id} is {item.status.value} and cannot be decided"
