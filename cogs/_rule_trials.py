"""A rule's trial: moderators judge its shadow hits, for its precision before it goes live.

A rule in shadow mode records what it would do and does nothing; its cases alone say how
often it fires, not whether it is right. ``/policy trial RULE COUNT`` asks moderators to
judge the rule's next COUNT hits: each comes to the review queue as a trial card ("Rule
was right" / "Rule was wrong"), at the lowest priority and without deadline pings. Nothing
happens to the member either way; each judgement counts towards the rule's precision
(``/policy show RULE``, ``/policy stats``) and is kept as a labelled example. How many hits
are still to come is kept in the cog's state, so a trial outlasts a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.core.cog import CogContext
from cogs._moderation_base import ModerationCog
from moderation.cases import Case, CaseStatus, NewReviewItem
from moderation.review_cards import TRIAL_CHOICES, TRIAL_SOURCE

logger = logging.getLogger(__name__)

TRIALS = "rule_trials"
"""The cog state key of the trials under way: rule id -> hits still to be judged."""


class RuleTrials(ModerationCog):
    """Bring a rule's shadow hits to moderators to judge, as many as its trial asks."""

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        # Messages are judged by several workers at once: two hits of a rule with one
        # card left must not both take it.
        self._trials_lock = asyncio.Lock()

    async def trials(self) -> dict[str, int]:
        """Return the trials under way: how many hits each rule still sends to moderators."""
        data = await self.ctx.storage.cog_state.get(self.ctx.community.ref, self.name, TRIALS)
        if data is None:
            return {}
        if not isinstance(data, dict):
            logger.warning("the rule trials kept from before could not be read; they are dropped")
            return {}
        return {str(rule): int(left) for rule, left in data.items() if isinstance(left, int)}

    async def set_trial(self, rule: str, hits: int) -> None:
        """Send a rule's next ``hits`` shadow hits to moderators to judge (0 ends its trial)."""
        async with self._trials_lock:
            trials = await self.trials()
            if hits > 0:
                trials[rule] = hits
            else:
                trials.pop(rule, None)
            await self._keep(trials)

    async def queue_trials(self, cases: Sequence[Case]) -> None:
        """Queue a trial card for each shadow case of a rule whose trial wants more hits."""
        shadowed = [c for c in cases if c.status is CaseStatus.SHADOW and c.rule]
        if not shadowed:
            return
        for case in shadowed:
            if await self._take_hit(str(case.rule)):
                await self._queue_trial(case)

    async def _take_hit(self, rule: str) -> bool:
        """Count one hit off a rule's trial; return whether it had one left to judge.

        Counted before the card is queued: a crash in between loses one card rather than
        sending more than the trial asked for.
        """
        async with self._trials_lock:
            trials = await self.trials()
            if trials.get(rule, 0) <= 0:
                return False
            trials[rule] -= 1
            if not trials[rule]:
                del trials[rule]
            await self._keep(trials)
            return True

    async def _queue_trial(self, case: Case) -> None:
        would = ", ".join(map(str, case.evidence.get("would_do") or ())) or "nothing"
        where = f" in #{case.channel.id}" if case.channel else ""
        # The rule's own words: the case's reason says "shadow: ..." for the record.
        why = str(case.evidence.get("reason") or case.reason)
        await self.queue.add(
            NewReviewItem(
                community=case.community,
                source=TRIAL_SOURCE,
                reason=f"trial of {case.rule}: {why}",
                case_id=case.id,
                member=case.member,
                message=case.message,
                channel=case.channel,
                rule=case.rule,
                evidence=case.evidence,
            ),
            headline=(
                f"Rule {case.rule} on trial, was it right? {case.member_name}{where} - "
                f"{why}. It would have done: {would}; it did nothing."
            ),
            choices=TRIAL_CHOICES,
        )

    async def _keep(self, trials: dict[str, int]) -> None:
        state = self.ctx.storage.cog_state
        if trials:
            await state.put(self.ctx.community.ref, self.name, TRIALS, trials)
        else:
            await state.delete(self.ctx.community.ref, self.name, TRIALS)
