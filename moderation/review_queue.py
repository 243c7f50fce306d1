"""Queue review items with their evidence and post each one's card to the staff channel.

Whatever raises an item (a rule in review mode, an action the platform cannot do, a
member's report) goes through :class:`ReviewQueue`, so every item carries the same
evidence, gets its priority the same way, and has a card moderators can decide it from.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.core.actions import EditMessage, PostMessage
from bot.core.community import CommunityInfo
from bot.core.models import Member
from bot.core.protocols import Clock, Gateway
from bot.core.refs import Ref
from moderation.cases import CardRef, NewReviewItem, ReviewItem, staff_notes_line
from moderation.repositories import ModerationStore
from moderation.review_cards import CardChoice, card_buttons, card_text
from moderation.review_evidence import (
    RECENT_WINDOW,
    Surroundings,
    context_lines,
    member_summary,
    review_priority,
    surroundings,
)

logger = logging.getLogger(__name__)

OPEN_STATUS = "Open: nobody is on it yet."


class ReviewQueue:
    """Queue one community's review items and keep their cards up to date.

    Args:
        community: The community.
        gateway: Its platform connection.
        store: Its moderation repositories.
        clock: The clock.
        staff_channel: Where cards go; ``None`` posts no cards (the queue still works).
    """

    def __init__(
        self,
        *,
        community: CommunityInfo,
        gateway: Gateway,
        store: ModerationStore,
        clock: Clock,
        staff_channel: str | None,
    ) -> None:
        self.community = community
        self.gateway = gateway
        self.store = store
        self.clock = clock
        self.staff_channel = staff_channel
        # Called with each new item once it is stored and carded (the SLA re-arms its timer).
        self.on_added: Callable[[ReviewItem], Awaitable[None]] | None = None

    async def add(
        self,
        new: NewReviewItem,
        *,
        headline: str,
        member: Member | None = None,
        choices: Sequence[CardChoice] | None = None,
        card: bool = True,
    ) -> ReviewItem:
        """Gather the item's evidence, set its priority, store it and post its card.

        Args:
            new: The item as its source sees it; its priority is the base one.
            headline: The card's first line.
            member: The member it is about, when the caller has them at hand.
            choices: The card's buttons, when not every decision fits.
            card: Whether to post a card (an appeal is decided by command, not card).
        """
        now = self.clock.now()
        if member is None and new.member is not None:
            member = await self.gateway.fetch_member(self.community.ref, new.member)
        around = Surroundings()
        if new.message is not None and new.channel is not None:
            recent = await self.gateway.recent_messages(
                self.community.ref, new.channel, limit=RECENT_WINDOW
            )
            around = surroundings(recent, new.message)
        summary: dict[str, object] = {}
        if new.member is not None:
            earlier = await self.store.cases.for_member(self.community.ref, new.member, limit=100)
            points = await self.store.cases.active_points(self.community.ref, new.member, now)
            # Someone no longer here (banned, left) is named as their latest case names them.
            known = next((c.member_name for c in earlier if c.member_name), new.member.id)
            before = [c for c in earlier if c.id != new.case_id]
            summary = member_summary(
                member,
                cases=sum(c.on_record for c in before),
                active_points=points,
                now=now,
                name=known,
                welfare=sum(c.welfare_concern for c in before),
                staff_note=staff_notes_line(before),
            )
        evidence: dict[str, object] = {
            **new.evidence,
            "headline": headline,
            "context": context_lines(around),
            "reach": around.reach,
        }
        if summary:
            evidence["member"] = summary
        if member is not None:
            evidence.setdefault("author", member.name)
        if choices is not None:
            evidence["choices"] = [c.value for c in choices]
        if new.case_id is not None:
            case = await self.store.cases.by_id(new.case_id)
            if case is not None:
                evidence["case"] = case.label
        priority = review_priority(
            new.priority,
            reach=around.reach,
            mentions_everyone=around.mentions_everyone,
            summary=summary,
        )
        item = await self.store.reviews.add(replace(new, evidence=evidence, priority=priority), now)
        item = await self.post_card(item) if card else item
        if self.on_added is not None:
            await self.on_added(item)
        return item

    async def post_card(self, item: ReviewItem) -> ReviewItem:
        """Post an item's card to the staff channel and remember where it is."""
        if not self.staff_channel:
            return item
        result = await self.gateway.apply(
            PostMessage(
                community=self.community.ref,
                channel=Ref(self.community.ref.platform, self.staff_channel),
                content=card_text(item, OPEN_STATUS),
                buttons=card_buttons(item, self.gateway.capabilities),
                reason="review card",
                rule=item.rule,
                case=str(item.evidence.get("case") or "") or None,
            )
        )
        if not result.ok or result.ref is None:
            logger.warning("the card of review item %s was not posted: %s", item.id, result.error)
            return item
        card = CardRef(Ref(self.community.ref.platform, self.staff_channel), result.ref)
        await self.store.reviews.set_card(item.id, card)
        return replace(item, card=card)

    async def add_later(self, item: ReviewItem, record: Mapping[str, Any]) -> ReviewItem:
        """Show on a waiting item's card what its member wrote since, under their message.

        Args:
            item: The item.
            record: ``author``, ``text`` and ``where`` (``#general``, or a private message).

        Returns:
            The item with the record in its evidence.
        """
        updated = await self.store.reviews.append_evidence(item.id, "later", dict(record))
        await self.update_card(updated, updated.card_status or OPEN_STATUS)
        return updated

    async def update_card(self, item: ReviewItem, status: str) -> bool:
        """Show an item's new state on its card; a decided item's card loses its buttons.

        Returns:
            Whether the card was edited (an item without a card, or a card the platform
            lost, is not).
        """
        await self.store.reviews.set_card_status(item.id, status)
        if item.card is None:
            return False
        result = await self.gateway.apply(
            EditMessage(
                community=self.community.ref,
                channel=item.card.channel,
                message=item.card.message,
                content=card_text(item, status),
                buttons=card_buttons(item, self.gateway.capabilities),
                reason="review card",
                rule=item.rule,
            )
        )
        if not result.ok:
            logger.warning("the card of review item %s was not updated: %s", item.id, result.error)
        return result.ok
