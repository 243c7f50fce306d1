"""Enforce the community guidelines: judge every message and join, act fairly, keep cases.

The cog runs the community's policy over each message (and each join, for raids), hands
verdicts to the enforcer, and offers moderators their commands: sanctions, cases and
history, appeals, the review queue, and the policy itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.actions import Ban, Unban
from bot.core.cog import CogContext, burst_reader, listener
from bot.core.events import (
    ActionApplied,
    AutoModBlocked,
    CommandInvoked,
    ComponentClicked,
    DirectMessageReceived,
    Event,
    MemberJoined,
    MemberUpdated,
    MessageCreated,
    MessageEdited,
    Tick,
)
from bot.core.models import Member, Message
from bot.core.protocols import (
    Classifier,
    ClassifierBusy,
    ClassifierError,
    UnscoredReason,
    community_key,
)
from bot.core.refs import Ref
from cogs._automod_blocks import DOING, BlockedMessages
from cogs._case_commands import CaseCommands
from cogs._case_edits import CaseEdits
from cogs._held_raid import ACTIONABLE as RAID_ACTIONABLE
from cogs._held_raid import KEY as HELD_RAID
from cogs._held_raid import HeldRaid, held_raid_from
from cogs._list_edit_commands import ListEditCommands
from cogs._member_commands import MemberCommands
from cogs._member_updates import MemberUpdates
from cogs._moderation_base import DUE_TIMER, NOTE_AUTHOR
from cogs._moderator_commands import ModeratorCommands
from cogs._policy_commands import PolicyCommands
from cogs._policy_replay import PolicyReplay
from cogs._raid_commands import RaidCommands
from cogs._report_command import ReportCommand
from cogs._review_cards import ReviewCards
from cogs._review_deadlines import ReviewDeadlines
from cogs._staff_names import StaffNames
from cogs._unscored import UnscoredReviews
from moderation.bans import still_banned
from moderation.cases import Case
from moderation.events import RaidDetected
from policies.context import BannedMember, RecentJoin, Text
from policies.engine import PolicyEngine
from policies.verdict import CAMPAIGN_COPIES, Mode, Verdict

_BANNED_KEPT = timedelta(minutes=5)
"""How long who is banned is trusted without a ban or an unban in between (tempbans end)."""

PRIVATE = "private"
"""The channel id a private message to the bot is judged under (it was posted in none)."""


class Guidelines(
    MemberUpdates,
    PolicyCommands,
    PolicyReplay,
    ListEditCommands,
    RaidCommands,
    ReviewCards,
    ReviewDeadlines,
    ReportCommand,
    CaseEdits,
    CaseCommands,
    MemberCommands,
    ModeratorCommands,
):
    """Judge messages and joins against the policy and enforce the verdicts."""

    name = "guidelines"
    description = (
        "Enforce the guidelines: rules, spam and raid defence, cases, appeals, moderator commands."
    )
    enabled_by_default = True

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.blocked = BlockedMessages()
        self.unscored = UnscoredReviews(ctx.classifier_settings.unscored_reviews_per_hour)
        self._raid: HeldRaid | None = None
        self._banned: tuple[datetime, list[BannedMember]] | None = None
        self.staff_names = StaffNames(self.store.cases, ctx.community.ref)

    async def on_load(self) -> None:
        """Look up the policy's channels, restore shadowed rules, finish interrupted actions."""
        await self.resolve_policy_channels()
        shadow = await self.store.shadows.shadowed(self.ctx.community.ref)
        # The engine built at construction has neither the shadowed rules nor the edits.
        await self.use_policy_file(self.policy_file, shadow)
        await self._catch_up()
        await self.catch_up_review_deadlines()
        await self._restore_raid()
        await self.staff_names.read_back()

    async def _restore_raid(self) -> None:
        """Put back the joins of a raid still held when Steward stopped or reloaded.

        A raid over for less than a day stays in store, unheld, for moderators to act on
        its accounts (``/raid``).
        """
        state = self.ctx.storage.cog_state
        community = self.ctx.community.ref
        raid = held_raid_from(await state.get(community, self.name, HELD_RAID))
        now = self.ctx.clock.now()
        if raid is None or raid.until <= now:
            if raid is None or now - raid.until > RAID_ACTIONABLE:
                await state.delete(community, self.name, HELD_RAID)
            return
        for join in raid.joins:
            self.windows.record_join(join)
        self._raid = raid

    async def _catch_up(self) -> None:
        await self.enforcer.run_scheduled()
        await self.enforcer.retry_pending()
        await self.arm_timer()

    @listener(Tick)
    async def on_tick(self, event: Tick) -> None:
        """Run what is due: tempban ends, raid slowmode ends, retries."""
        if event.timer == DUE_TIMER:
            await self._catch_up()

    @burst_reader(MessageCreated, MessageEdited)
    def read_ahead(self, events: Sequence[MessageCreated | MessageEdited]) -> None:
        """Prepare to judge a burst of messages together (see ``PolicyEngine.read_ahead``)."""
        self.engine.read_ahead(e.message.content for e in events if not e.message.author.is_bot)

    @listener(MessageCreated)
    async def on_message(self, event: MessageCreated) -> None:
        """Judge a new message, remember it for the windows, and enforce the verdict."""
        message = event.message
        if message.author.is_bot:
            return
        text = self.engine.text_of(message.content)
        await self._judge(message, text, event)
        self.windows.record(message, text, count_emojis=self.counts_emojis)

    @listener(DirectMessageReceived)
    async def on_private(self, event: DirectMessageReceived) -> None:
        """Look after a member who confides in the bot privately that they may be at risk.

        Only the rules with a ``care`` action read private messages: the member gets the
        caring reply and moderators the urgent alert and card, as in a channel. Nothing
        else in a private message is judged, removed or punished.
        """
        member = event.author
        if member.is_bot or not event.content:
            return
        message = Message(
            ref=event.message,
            channel=Ref(event.message.platform, PRIVATE),
            author=member,
            content=event.content,
            created_at=event.at,
        )
        verdict = self.engine.judge_private(
            message,
            community=self.ctx.community.ref,
            is_staff=self.ctx.community.is_staff(member),
            ctx=self.windows.moved_to(event.at),
        )
        await self._enforce(verdict, member)

    @listener(MessageEdited)
    async def on_edit(self, event: MessageEdited) -> None:
        """Judge an edited message again: an edit must not slip past the rules."""
        if not event.message.author.is_bot:
            await self._judge(event.message, self.engine.text_of(event.message.content), event)

    @listener(AutoModBlocked)
    async def on_automod(self, event: AutoModBlocked) -> None:
        """Judge what the platform's filter stopped, once per message, and note its actions.

        The policy's rules open the case (and escalate) as for any message; the filter's
        other actions on the same message (an alert, a timeout) are noted on that case.
        """
        blocked, new = self.blocked.place(event)
        doing = DOING.get(event.action, event.action)
        if not new:
            await blocked.judged.wait()
            for case_id in blocked.cases:
                await self.store.cases.add_note(
                    case_id, NOTE_AUTHOR, f"the platform's filter also {doing}", event.at
                )
            return
        try:
            blocked.cases.extend(case.id for case in await self._judge_blocked(event, doing))
        finally:
            blocked.judged.set()

    async def _judge_blocked(self, event: AutoModBlocked, doing: str) -> list[Case]:
        if event.channel is None or not event.content or event.member.is_bot:
            return []
        message = Message(
            ref=event.blocked_ref,
            channel=event.channel,
            author=event.member,
            content=event.content,
            created_at=event.at,
        )
        text = self.engine.text_of(message.content)
        cases = await self._judge(message, text, event)
        self.windows.record(message, text, count_emojis=self.counts_emojis)
        rule = event.rule_name or f"rule {event.rule}"
        matched = f", matching {event.matched!r}" if event.matched else ""
        for case in cases:
            await self.store.cases.add_note(
                case.id, NOTE_AUTHOR, f"the platform's filter ({rule}{matched}) {doing}", event.at
            )
        return cases

    async def _judge(self, message: Message, text: Text, event: Event) -> list[Case]:
        """Judge by the rules at once; then, off the bus's worker, by the classifier's scores.

        The rules that need no scores act without waiting for the model, so a slow model
        never holds up the rules, on this message or the next. The rules that need scores
        are judged apart, each rule once per message. A message the rules already removed
        is not scored: nothing is left to act on, and a second case would punish it twice.
        """
        is_staff = self.ctx.community.is_staff(message.author)
        if is_staff:  # a newcomer named like them passes for staff (impersonation)
            self.staff_names.saw(message.author)
        verdict = self.engine.judge_message(
            message,
            community=self.ctx.community.ref,
            is_staff=is_staff,
            ctx=self.windows.moved_to(event.at),
            text=text,
        )
        cases = await self._enforce(verdict, message.author) if verdict.matches else []
        if cases:
            await self._review_campaign(verdict, cases)
        removed = bool(cases) and any(
            a.kind == "delete_message" for case in cases for a in case.actions
        )
        classifier = self.ctx.classifier
        engine = self.engine  # the policy in force when the message came
        if classifier is None or removed or not engine.wants_scores(message, is_staff=is_staff):
            return cases

        async def by_scores(_: Event) -> None:
            await self._judge_scores(
                message, text, event, classifier=classifier, engine=engine, is_staff=is_staff
            )

        if self.ctx.detach is None:
            await by_scores(event)
        else:
            self.ctx.detach(by_scores, event, f"{self.name}.scores")
        return cases

    async def _judge_scores(
        self,
        message: Message,
        text: Text,
        event: Event,
        *,
        classifier: Classifier,
        engine: PolicyEngine,
        is_staff: bool,
    ) -> None:
        """Judge the rules that need scores; without scores, fall back to the rules alone."""
        settings = self.ctx.classifier_settings
        community = self.ctx.community.ref
        meter, key = self.ctx.meter, self.ctx.community.key
        asked = time.perf_counter()
        unscored: UnscoredReason = "failed"
        try:
            async with asyncio.timeout(settings.timeout):
                (scored,) = await classifier.score(
                    [text.folded],
                    community=community_key(community),
                    language=self.ctx.community.language,
                )
        except TimeoutError:
            unscored = "timeout"
            why = f"the classifier did not answer within {settings.timeout:g}s"
        except ClassifierError as error:
            unscored = "busy" if isinstance(error, ClassifierBusy) else "failed"
            why = f"the classifier did not answer ({error})"
        except Exception as error:  # any Classifier implementation: never lose the message
            self.log.exception("the classifier failed on message %s", message.ref)
            why = f"the classifier failed ({type(error).__name__})"
        else:
            meter.answered(key, time.perf_counter() - asked)
            # The message is in the windows by now; rules that need scores do not count it.
            verdict = engine.judge_scores(
                message,
                community=community,
                is_staff=is_staff,
                ctx=self.windows.moved_to(event.at),
                text=text,
                scored=scored,
            )
            await self._enforce(verdict, message.author)
            return
        meter.unanswered(key, unscored)
        if settings.on_timeout == "rules":
            self.log.warning("message %s judged by the rules alone: %s", message.ref, why)
            return
        verdict = engine.judge_unscored(
            message,
            community=community,
            is_staff=is_staff,
            text=text,
            reason=f"{why}; judged by the rules alone",
        )
        now = self.ctx.clock.now()
        # Only messages that would become review items count against the hour's bound.
        if not verdict.matches or self.unscored.admit(now):
            self.log.warning("message %s judged by the rules alone: %s", message.ref, why)
            await self._enforce(verdict, message.author)
            return
        self.log.debug("message %s judged by the rules alone, not reviewed: %s", message.ref, why)
        if self.unscored.warn_now(now):
            limit = self.unscored.per_hour
            self.log.warning("the classifier is not keeping up: %s", why)
            await self.staff_post(
                f"The classifier is not keeping up ({why}). {limit} messages it could not "
                "score went to review within the hour; until the hour has room again, the "
                "next ones are judged by the rules alone, without review.",
                reason="classifier overloaded",
            )

    async def _review_campaign(self, verdict: Verdict, cases: Sequence[Case]) -> None:
        """Hand moderators the other accounts' copies of a copy-paste raid that tripped now.

        The member who tripped the rule answers for their own copies; each copy before
        theirs is its own author's, so moderators decide it: one card per message (a
        raid's newcomer whose message waits for review already gets no second).
        """
        match = next((m for m in verdict.enforced if m.evidence.get(CAMPAIGN_COPIES)), None)
        acted = next((c for c in cases if match and c.rule == match.rule), None)
        if match is None or acted is None:
            return
        for channel, message in match.evidence[CAMPAIGN_COPIES]:
            found = await self.recent_message(Ref.parse(channel), Ref.parse(message).id)
            if found is None:
                continue  # gone already: its author or a moderator took it down
            await self.review_message(
                found,
                source="rule",
                reason=f"the same text as case {acted.label}: {match.reason}",
                headline=(
                    f"Review needed: {found.author.name} in #{found.channel.id} - the text of "
                    f"a copy-paste raid (case {acted.label})"
                ),
                priority=match.severity.rank,
                rule=match.rule,
            )

    async def _enforce(self, verdict: Verdict, member: Member) -> list[Case]:
        """Enforce a verdict that has matches and arm the timer for what it scheduled."""
        if not verdict.matches:
            return []
        cases = await self.enforcer.enforce(verdict, member)
        await self.arm_timer()
        await self.queue_trials(cases)
        return cases

    @listener(MemberJoined)
    async def on_join(self, event: MemberJoined) -> None:
        """Judge a join (raid detection) and remember it."""
        member = event.member
        windows = self.windows.moved_to(event.at)
        if self.engine.needs_bans:  # read only where a rule weighs who is banned
            windows.know_banned(await self._still_banned(event.at))
        if self.engine.needs_staff:
            windows.know_staff(self.staff_names.names())
        verdict = self.engine.judge_join(member, community=self.ctx.community.ref, ctx=windows)
        self.windows.record_join(
            RecentJoin(
                member=member.ref,
                name=member.name,
                at=event.at,
                account_created=member.account_created_at,
                avatar=member.avatar,
            )
        )
        spike = any(m.evidence.get("kind") == "join_spike" for m in verdict.matches)
        if verdict.matches:
            # A spike is the community's, not the joiner's who happened to complete it: its
            # case names the community, so no member's record shows it and nobody is
            # asked to appeal a slowmode.
            community = self.ctx.community
            subject = Member(ref=community.ref, name=community.name) if spike else member
            cases = await self.enforcer.enforce(verdict, subject)
            await self.arm_timer()
            await self.queue_trials(cases)  # the raid rule can be on trial too
        for match in verdict.matches:
            # A raid rule in shadow mode (or on trial) holds no one and quiets no welcome.
            if match.evidence.get("kind") == "join_spike" and match.mode is not Mode.SHADOW:
                hold = timedelta(minutes=float(match.evidence.get("hold_minutes", 30)))
                self._hold_raid(event.at - hold, event.at + hold)
                await self.ctx.publish(
                    RaidDetected(
                        community=event.community,
                        at=event.at,
                        until=event.at + hold,
                        members=match.matched,
                    )
                )
        if self._raid is not None and event.at < self._raid.until:
            await self._keep_raid(self._raid)

    @listener(CommandInvoked)
    async def saw_staff_command(self, event: CommandInvoked) -> None:
        """Learn a staff member's names from a command they ran (impersonation compares them)."""
        if self.ctx.community.is_staff(event.author):
            self.staff_names.saw(event.author)

    @listener(ComponentClicked)
    async def saw_staff_click(self, event: ComponentClicked) -> None:
        """Learn a staff member's names from a button they clicked (a card's decision)."""
        if self.ctx.community.is_staff(event.author):
            self.staff_names.saw(event.author)

    @listener(MemberUpdated)
    async def on_rename(self, event: MemberUpdated) -> None:
        """Judge a name a member took after joining, where a rule reads names.

        A scammer joins as "kevin" and takes the server nickname "Lumen Support" a minute
        later: judged at the join alone, the name that does the harm would pass. Staff
        (who may well be "Lumen Support") and bots are left alone.
        """
        member = event.member
        if not (self.engine.judges_names and event.renamed) or member.is_bot:
            return
        if self.ctx.community.is_staff(member):
            return
        windows = self.windows.moved_to(event.at)
        if self.engine.needs_staff:
            windows.know_staff(self.staff_names.names())
        verdict = self.engine.judge_rename(member, community=self.ctx.community.ref, ctx=windows)
        if verdict.matches:
            cases = await self.enforcer.enforce(verdict, member)
            await self.arm_timer()
            await self.queue_trials(cases)

    async def _still_banned(self, now: datetime) -> list[BannedMember]:
        """Return who is banned now, read again after a ban or an unban, or once stale.

        A raid brings hundreds of joins a minute: reading the latest cases for each would
        hold the bus up just when it is busiest. A tempban ends by itself, hence the age.
        """
        read = self._banned
        if read is None or now - read[0] > _BANNED_KEPT:
            read = self._banned = (
                now,
                await still_banned(self.store.cases, self.ctx.community.ref, now),
            )
        return read[1]

    @listener(ActionApplied)
    async def forget_who_is_banned(self, event: ActionApplied) -> None:
        """Read who is banned afresh at the next join, once a ban or an unban went through."""
        if isinstance(event.action, Ban | Unban) and event.result.ok:
            self._banned = None

    def _hold_raid(self, since: datetime, until: datetime) -> None:
        """Start holding a raid, or stretch the one held, from ``since`` to ``until``."""
        held = self._raid
        if held is not None and since < held.until:
            since, until = min(since, held.since), max(until, held.until)
        self._raid = HeldRaid(since=since, until=until, joins=())

    async def _keep_raid(self, raid: HeldRaid) -> None:
        """Store the held raid with the joins since it began (each join while it lasts)."""
        kept = raid.with_joins(self.windows.joins(raid.since))
        await self.ctx.storage.cog_state.put(
            self.ctx.community.ref, self.name, HELD_RAID, kept.to_data()
        )
