"""Enforce the community guidelines: judge every message and join, act fairly, keep cases.

The cog runs the community's policy over each message (and each join, for raids), hands
verdicts to the enforcer, and offers moderators their commands: sanctions, cases and
history, appeals, the review queue, and the policy itself.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.cog import listener
from bot.core.events import MemberJoined, MessageCreated, MessageEdited, Tick
from bot.core.models import Message
from cogs._case_commands import CaseCommands
from cogs._moderation_base import DUE_TIMER
from cogs._moderator_commands import ModeratorCommands
from cogs._policy_commands import PolicyCommands
from cogs._review_commands import ReviewCommands
from moderation.events import RaidDetected
from policies.context import RecentJoin, Text
from policies.normalize import normalize


class Guidelines(PolicyCommands, ReviewCommands, CaseCommands, ModeratorCommands):
    """Judge messages and joins against the policy and enforce the verdicts."""

    name = "guidelines"
    description = (
        "Enforce the guidelines: rules, spam and raid defence, cases, appeals, moderator commands."
    )
    enabled_by_default = True

    async def on_load(self) -> None:
        """Restore shadowed rules, finish actions a crash interrupted, arm the timer."""
        shadow = await self.store.shadows.shadowed(self.ctx.community.ref)
        if shadow:  # the engine built at construction has none
            self.use_policy(self.policy, shadow)
        await self._catch_up()

    async def _catch_up(self) -> None:
        await self.enforcer.run_scheduled()
        await self.enforcer.retry_pending()
        await self.arm_timer()

    @listener(Tick)
    async def on_tick(self, event: Tick) -> None:
        """Run what is due: tempban ends, raid slowmode ends, retries."""
        if event.timer == DUE_TIMER:
            await self._catch_up()

    @listener(MessageCreated)
    async def on_message(self, event: MessageCreated) -> None:
        """Judge a new message, remember it for the windows, and enforce the verdict."""
        message = event.message
        if message.author.is_bot:
            return
        text = normalize(message.content)
        await self._judge(message, text, event)
        self.windows.record(message, text, count_emojis=self.counts_emojis)

    @listener(MessageEdited)
    async def on_edit(self, event: MessageEdited) -> None:
        """Judge an edited message again: an edit must not slip past the rules."""
        if not event.message.author.is_bot:
            await self._judge(event.message, normalize(event.message.content), event)

    async def _judge(
        self, message: Message, text: Text, event: MessageCreated | MessageEdited
    ) -> None:
        scores = None
        classifier = self.ctx.classifier
        if self.engine.needs_scores and classifier is not None:
            (scored,) = await classifier.score([text.folded])
            scores = scored.scores
        verdict = self.engine.judge_message(
            message,
            community=self.ctx.community.ref,
            is_staff=self.ctx.community.is_staff(message.author),
            ctx=self.windows.moved_to(event.at),
            text=text,
            scores=scores,
        )
        if verdict.matches:
            await self.enforcer.enforce(verdict, message.author)
            await self.arm_timer()

    @listener(MemberJoined)
    async def on_join(self, event: MemberJoined) -> None:
        """Judge a join (raid detection) and remember it."""
        member = event.member
        verdict = self.engine.judge_join(
            member, community=self.ctx.community.ref, ctx=self.windows.moved_to(event.at)
        )
        self.windows.record_join(
            RecentJoin(
                member=member.ref,
                name=member.name,
                at=event.at,
                account_created=member.account_created_at,
            )
        )
        if verdict.matches:
            await self.enforcer.enforce(verdict, member)
            await self.arm_timer()
        for match in verdict.matches:
            if match.evidence.get("kind") == "join_spike":
                hold = timedelta(minutes=float(match.evidence.get("hold_minutes", 30)))
                await self.ctx.publish(
                    RaidDetected(
                        community=event.community,
                        at=event.at,
                        until=event.at + hold,
                        members=match.matched,
                    )
                )
