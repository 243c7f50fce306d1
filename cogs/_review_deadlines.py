"""Review items that wait too long ping the on-call moderators, then the next tier.

The guidelines cog keeps one timer for the earliest deadline of any unclaimed item, the
earliest expiry and the daily digest; new items re-arm it. Each ping is recorded in the
event ledger before it is posted, so a restart or a second process never pings twice for
the same item and stage. An item nobody decided within ``expire_after_days`` expires: it
stops waiting, and its card and case say so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.clock import as_utc, zone
from bot.core.cog import CogContext, listener
from bot.core.events import Tick
from cogs._moderation_base import OPEN_ITEMS_READ, ModerationCog
from cogs._schedules import latest_slot, next_slot
from moderation.cases import ReviewItem
from moderation.review_cards import for_trial
from moderation.review_sla import QuietHours, SlaPolicy, SlaStage

SLA_TIMER = "guidelines:review-sla"
_DIGEST_LATE = timedelta(hours=2)
"""A digest missed while Steward was down still goes out if it is at most this late."""


class ReviewDeadlines(ModerationCog):
    """Ping on-call moderators about unclaimed items, escalate, and send a daily digest."""

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.queue.on_added = self._on_item_added
        self._sent: dict[int, set[SlaStage]] = {}

    @property
    def sla(self) -> SlaPolicy:
        """Return the community's review deadlines."""
        settings = self.settings.review_sla
        return SlaPolicy(
            waits=settings.wait_minutes,
            escalate_after=timedelta(minutes=settings.escalate_after_minutes),
            quiet=QuietHours.parse(settings.quiet_hours) if settings.quiet_hours else None,
            tz=zone(self.ctx.community.timezone),
        )

    async def _on_item_added(self, item: ReviewItem) -> None:
        await self.arm_review_deadlines()

    @listener(Tick)
    async def on_review_deadline(self, event: Tick) -> None:
        """Send the pings and the digest that are due, then wait for the next deadline."""
        if event.timer != SLA_TIMER:
            return
        now = as_utc(event.at)
        await self._expire_due(now)
        await self._ping_due(now)
        await self._digest_due(now, late=False)
        await self.arm_review_deadlines()

    async def catch_up_review_deadlines(self) -> None:
        """On start: expire what outlived its wait, send a recent missed digest, arm the timer."""
        await self._expire_due(self.ctx.clock.now())
        await self._digest_due(self.ctx.clock.now(), late=True)
        await self.arm_review_deadlines()

    async def arm_review_deadlines(self) -> None:
        """Set the timer to the earliest pending ping or the next digest, whichever is first."""
        settings = self.settings.review_sla
        now = self.ctx.clock.now()
        candidates: list[datetime] = []
        if settings.on_call or settings.escalate_to:
            sla = self.sla
            for item in await self._open_items():
                due, later = sla.pending(item, self._sent.get(item.id, set()), now)
                if due:
                    candidates.append(now)
                elif later is not None:
                    candidates.append(later)
        if settings.expire_after_days:
            oldest = min((item.created_at for item in await self._open_items()), default=None)
            if oldest is not None:
                candidates.append(max(now, oldest + self._expiry))
        if settings.digest_cron:
            candidates.append(next_slot(settings.digest_cron, self.sla.tz, now))
        if candidates:
            self.ctx.timers.schedule(self.ctx.community.ref, SLA_TIMER, min(candidates))

    @property
    def _expiry(self) -> timedelta:
        return timedelta(days=self.settings.review_sla.expire_after_days)

    async def _expire_due(self, now: datetime) -> None:
        """Expire the items that waited past ``expire_after_days`` and say so on their cards."""
        if not self.settings.review_sla.expire_after_days:
            return
        days = f"{self.settings.review_sla.expire_after_days:g}"
        expired = await self.store.reviews.expire_waiting(
            self.ctx.community.ref, now - self._expiry, f"expired after {days} days", now
        )
        for item in expired:
            self._sent.pop(item.id, None)
            await self.queue.update_card(
                item, f"Expired: nobody decided it within {days} days. The case stands."
            )
            if item.case_id is not None:
                await self.store.cases.add_note(
                    item.case_id, "bot", f"review item {item.id} expired undecided", now
                )
        # A trial whose last cards expired unjudged is over all the same.
        for rule in {item.rule for item in expired if for_trial(item)}:
            await self.end_trial_if_done(rule)

    async def _open_items(self) -> list[ReviewItem]:
        return await self.store.reviews.open_items(self.ctx.community.ref, limit=OPEN_ITEMS_READ)

    async def _ping_due(self, now: datetime) -> None:
        settings = self.settings.review_sla
        sla = self.sla
        for item in await self._open_items():
            sent = self._sent.setdefault(item.id, set())
            due, _ = sla.pending(item, sent, now)
            for stage in due:
                sent.add(stage)
                who = settings.on_call if stage is SlaStage.PING else settings.escalate_to
                key = f"review-sla:{stage.value}:{item.id}"
                if not who or not await self.ctx.storage.ledger.first_seen(
                    self.ctx.community.ref, key, now
                ):
                    continue
                waited = int((now - item.created_at).total_seconds() // 60)
                step = "still unclaimed, escalated:" if stage is SlaStage.ESCALATE else "waits:"
                await self.staff_post(
                    f"{who} review item {item.id} {step} unclaimed for {waited} min "
                    f"(priority {item.priority}) - {item.reason}",
                    reason=f"review deadline ({stage.value})",
                    mentions=(who,),
                )

    async def _digest_due(self, now: datetime, *, late: bool) -> None:
        """Send the digest of the slot at ``now`` (or, just after a start, a recent one)."""
        cron = self.settings.review_sla.digest_cron
        if not cron:
            return
        slot = latest_slot(cron, self.sla.tz, now)
        if now - slot > (_DIGEST_LATE if late else timedelta(0)):
            return
        if not await self.ctx.storage.ledger.first_seen(
            self.ctx.community.ref, f"review-digest:{slot.isoformat()}", now
        ):
            return
        items = await self._open_items()
        day_before = latest_slot(cron, self.sla.tz, slot - timedelta(seconds=1))
        expired = await self.store.reviews.count_expired_since(self.ctx.community.ref, day_before)
        if not items and not expired:
            return
        lines = [f"Daily review digest: {len(items)} open."]
        if expired:
            lines.append(
                f"{expired} expired undecided since the last digest "
                f"(after {self.settings.review_sla.expire_after_days:g} days)."
            )
        for item in items[:20]:
            age = _age(now - item.created_at)
            who = f"claimed by {item.claimed_by}" if item.claimed_by else "unclaimed"
            lines.append(
                f"- item {item.id}, priority {item.priority}, {age} old, {who}: {item.reason}"
            )
        if len(items) > 20:
            lines.append(f"... and {len(items) - 20} more: {self.typed('review list')}")
        await self.staff_post("\n".join(lines), reason="review digest")


def _age(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"
