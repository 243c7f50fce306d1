"""A rule's trial: moderators judge its shadow hits, for its precision before it goes live.

A rule in shadow mode records what it would do and does nothing; its cases alone say how
often it fires, not whether it is right. ``/policy trial RULE COUNT`` asks moderators to
judge the rule's next COUNT hits: each comes to the review queue as a trial card ("Rule
was right" / "Rule was wrong"), at the lowest priority and without deadline pings. Nothing
happens to the member either way; each judgement counts towards the rule's precision
(``/policy show RULE``, ``/policy stats``) and is kept as a labelled example. The trial
book (:mod:`moderation.trials`) keeps how many hits are still to come, so a trial outlasts
a restart; once the last card is judged, the staff channel hears how the rule did.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.templates import pick_language
from cogs._moderation_base import ModerationCog
from moderation.cases import Case, CaseStatus, NewReviewItem
from moderation.review_cards import TRIAL_CHOICES, TRIAL_SOURCE


class RuleTrials(ModerationCog):
    """Bring a rule's shadow hits to moderators to judge, as many as its trial asks."""

    async def queue_trials(self, cases: Sequence[Case]) -> None:
        """Queue a trial card for each shadow case of a rule whose trial wants more hits."""
        for case in cases:
            if case.status is not CaseStatus.SHADOW or not case.rule:
                continue
            if await self.trial_book.take_hit(case.rule):
                await self._queue_trial(case)

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
                f"{why}. It would have done: {would}; it did nothing.{self._judged_by(case)}"
            ),
            choices=TRIAL_CHOICES,
        )

    def _judged_by(self, case: Case) -> str:
        """Return the guideline a trial card's hit is judged against, in the community's language."""
        compiled = self.policy.rule(case.rule) if case.rule else None
        if compiled is None or not compiled.spec.guideline:
            return ""
        language = self.ctx.community.language
        return f" Guideline: {pick_language(compiled.spec.guideline, language, language)}."
