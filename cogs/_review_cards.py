"""Review cards: moderators claim, decide and escalate review items with buttons.

Each review item's card (posted by the queue) carries buttons whose clicks arrive as
``ComponentClicked`` on every platform. Only staff may act. A decision goes through the
same race-safe path as ``/review decide`` (one decision, one labelled example), then
through enforcement, and the card is edited to show the outcome with no buttons left.

Warn, timeout and ban need a reason: their buttons ask for one (a modal on Discord and
Slack, inline on the console, a ``reason`` in scenarios) and the click carries it as
``ComponentClicked.reason``; left empty, the rule's reason is used.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.cog import listener
from bot.core.commands import CommandError
from bot.core.durations import format_duration
from bot.core.events import ComponentClicked, MessageDeleted, MessageEdited
from bot.core.models import Member
from cogs._moderation_base import NOTE_AUTHOR, untold
from cogs._review_commands import ReviewCommands, default_reason
from moderation.cases import Case, CaseStatus, ReviewItem, ReviewOutcome
from moderation.enforcer import MESSAGE_KEPT
from moderation.review_cards import (
    EDITED,
    CardChoice,
    for_care,
    for_trial,
    item_id_of,
    latest_edit,
    offered,
)

ESCALATION_STEP = 5
"""How much an escalation raises an item's priority: above any severity's rank."""


class ReviewCards(ReviewCommands):
    """Act on clicks on review cards; keep a card true when its message is deleted."""

    @listener(MessageDeleted)
    async def on_message_deleted(self, event: MessageDeleted) -> None:
        """Say on each waiting card about the message that it is gone.

        Its author deleted it, or a moderator by hand before deciding: the card's Remove
        would remove nothing more, yet the member's conduct still waits for a decision.
        """
        await self.note_messages_gone(event.community, [event.message], event.at)

    @listener(MessageEdited)
    async def on_message_edited(self, event: MessageEdited) -> None:
        """Show on each waiting card about the message what its author changed it to.

        Moderators would otherwise judge words no longer in the channel, and the card's
        Remove would remove what the message says now. The case keeps the words it was
        opened on; its notes say when the message was edited.
        """
        message = event.message
        if message.author.is_bot:
            return
        when = self.wall_clock(event.at)
        for item in await self.store.reviews.about_message(self.ctx.community.ref, message.ref):
            # A platform may report an update that changed none of the words (a pin).
            shown = latest_edit(item.evidence) or item.evidence.get("original")
            if not item.waiting or message.content == shown:
                continue
            record = {"author": message.author.name, "text": message.content[:MESSAGE_KEPT]}
            await self.queue.add_later(item, record | {EDITED: when})
            if item.case_id is not None:
                await self.store.cases.add_note(
                    item.case_id,
                    NOTE_AUTHOR,
                    f"its author edited the message at {when} (review item {item.id} shows "
                    "what it says now)",
                    event.at,
                )

    @listener(ComponentClicked)
    async def on_card_click(self, event: ComponentClicked) -> None:
        """Claim, decide or escalate the review item a card's button names."""
        item_id = item_id_of(event.target)
        if item_id is None:
            return  # another cog's button
        found = await self.store.reviews.get(item_id)
        if found is None or found.community != self.ctx.community.ref:
            await self.answer_click(event, f"There is no review item {item_id}.")
            return
        if not self.ctx.community.is_staff(event.author):
            await self.answer_click(event, "Only moderators can act on review cards.")
            return
        choice = next((c for c in CardChoice if c.value == event.choice), None)
        # Claim stays answerable once taken, to say who took it.
        if choice is None or (
            choice not in offered(found, self.ctx.gateway.capabilities)
            and not (choice is CardChoice.CLAIM and found.claimed_by)
        ):
            await self.answer_click(event, f"This card has no button {event.choice!r}.")
            return
        try:
            await self.answer_click(event, await self._act(event, found, choice))
        except CommandError as error:
            await self.answer_click(event, _sentence(str(error)))

    async def _act(self, event: ComponentClicked, item: ReviewItem, choice: CardChoice) -> str:
        moderator = event.author
        if choice is CardChoice.CLAIM:
            return await self._claim(item, moderator)
        if choice is CardChoice.ESCALATE:
            return await self._escalate(item, moderator)
        if choice is CardChoice.RIGHT or (choice is CardChoice.DISMISS and for_trial(item)):
            right = choice is CardChoice.RIGHT
            outcome = ReviewOutcome.VIOLATION if right else ReviewOutcome.OK
            return await self.judge_trial(item, moderator, outcome)
        if choice is CardChoice.DISMISS:
            return await self._dismiss(item, moderator)
        if choice is CardChoice.REACHED_OUT:
            return await self.reached_out(item, moderator)
        return await self._sanction_from_card(item, moderator, choice, event.reason)

    async def _claim(self, item: ReviewItem, moderator: Member) -> str:
        if not item.waiting:
            raise CommandError(await self.already_decided(item))
        try:
            claimed = await self.store.reviews.claim(
                item.id, str(moderator.ref), self.ctx.clock.now()
            )
        except ValueError as error:
            raise CommandError(await self._claimed_words(item.id, str(error))) from error
        await self.queue.update_card(claimed, f"Claimed by {moderator.shown_name}.")
        return f"You are on review item {item.id}."

    async def _claimed_words(self, item_id: int, fallback: str) -> str:
        latest = await self.store.reviews.get(item_id)
        if latest is None or latest.claimed_by is None or not latest.waiting:
            return await self.already_decided(latest) if latest is not None else fallback
        who = await self.name_of(latest.claimed_by)
        return f"review item {item_id} is claimed by {who} already"

    async def _escalate(self, item: ReviewItem, moderator: Member) -> str:
        if not item.waiting:
            raise CommandError(await self.already_decided(item))
        priority = item.priority + ESCALATION_STEP
        await self.store.reviews.set_priority(item.id, priority)
        if item.case_id is not None:
            await self.store.cases.add_note(
                item.case_id, moderator.name, "review escalated", self.ctx.clock.now()
            )
        latest = await self.store.reviews.get(item.id) or item
        await self.queue.update_card(
            latest, f"Escalated by {moderator.shown_name}: priority {priority}."
        )
        role = self.settings.escalation_role
        if role:
            await self.staff_post(
                f"{role} review item {item.id} needs you, escalated by "
                f"{moderator.shown_name}: {item.reason}",
                reason="review escalated",
                rule=item.rule,
                mentions=(role,),
            )
        pinged = f" and pinged {role}" if role else ""
        return f"Escalated review item {item.id} to priority {priority}{pinged}."

    async def _dismiss(self, item: ReviewItem, moderator: Member) -> str:
        what = "not at risk, a false alarm" if for_care(item) else "not a violation"
        note = f"dismissed from the review card: {what}"
        decided, case, _ = await self.decide_item(item, ReviewOutcome.OK, moderator, note)
        done = await self.settle(moderator, case, ReviewOutcome.OK, note) if case else ""
        shown = what if for_care(item) else f"{what}, no sanction"
        await self.show_outcome(decided, moderator, shown, case)
        return " ".join(p for p in (f"Review item {item.id}: {what}.", done) if p)

    async def _sanction_from_card(
        self, item: ReviewItem, moderator: Member, choice: CardChoice, reason: str
    ) -> str:
        """Decide a violation and sanction as the button says, with the moderator as actor."""
        target = await self.target_of(item, moderator)
        if target is None and not (choice is CardChoice.REMOVE and item.case_id is not None):
            raise CommandError(f"review item {item.id} names no member to act on")
        why = reason.strip() or default_reason(item)
        note = f"{choice.value} from the review card: {why}"
        decided, case, _ = await self.decide_item(item, ReviewOutcome.VIOLATION, moderator, note)
        if choice is CardChoice.REMOVE and case is not None:
            done = await self.settle(moderator, case, ReviewOutcome.VIOLATION, note)
            words = "removed the message"
        else:
            assert target is not None  # checked above: only a case's removal needs none
            if case is not None:
                await self._confirm(case, moderator, note)
            sanctioned = await self.sanction_item(
                item, case=case, moderator=moderator, target=target, choice=choice, reason=why
            )
            done = f"Case {sanctioned.label} opened.{untold(sanctioned.notes)}"
            if case is not None:
                await self.store.cases.add_note(
                    case.id,
                    moderator.name,
                    f"sanctioned in case {sanctioned.label}",
                    self.ctx.clock.now(),
                )
            words = _words(choice, self.settings.card_timeout_minutes)
        await self.show_outcome(decided, moderator, words, case)
        return f"Review item {item.id}: {words}. {done}"

    async def _confirm(self, case: Case, moderator: Member, note: str) -> None:
        """Record on the rule's case that a moderator found a violation."""
        await self.store.cases.add_note(
            case.id, moderator.name, f"review violation: {note}", self.ctx.clock.now()
        )
        if case.status is CaseStatus.REVIEW:
            await self.store.cases.set_status(case.id, CaseStatus.ACTIVE)


def _words(choice: CardChoice, timeout_minutes: float) -> str:
    if choice is CardChoice.TIMEOUT:
        return f"timed out for {format_duration(timedelta(minutes=timeout_minutes))}"
    return {
        CardChoice.REMOVE: "removed the message",
        CardChoice.WARN: "warned",
        CardChoice.BAN: "banned",
    }[choice]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
