"""What the guidelines cog and its command groups share: settings, policy, enforcer, store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from bot.core.actions import PostMessage, SendDirectMessage
from bot.core.channels import ChannelName, RoleName
from bot.core.cog import Cog, CogContext, CogSettings
from bot.core.commands import CommandContext, CommandError
from bot.core.language_tags import LanguageTag
from bot.core.models import Member, Message
from bot.core.refs import Ref
from cogs._schedules import checked_cron
from moderation.cases import (
    Case,
    NewReviewItem,
    Note,
    ReviewItem,
    ReviewOutcome,
    ReviewStatus,
    undelivered_notice,
)
from moderation.enforcer import EnforcementSettings, Enforcer
from moderation.events import PolicyChanged
from moderation.hierarchy import refusal
from moderation.notices import Notices, wording_problems
from moderation.repositories import ModerationStore, RecordedListEdit
from moderation.review_cards import MESSAGE_GONE, for_care, for_trial
from moderation.review_evidence import RECENT_WINDOW, file_records, reporters_in
from moderation.review_queue import OPEN_STATUS, ReviewQueue
from moderation.review_sla import QuietHours
from moderation.rule_stats import RuleStats
from moderation.store import store_for
from moderation.trials import TrialBook
from policies.engine import PolicyEngine
from policies.list_edits import moot_edits, with_edits
from policies.policy import BUILTIN_POLICIES, Policy, PolicyError, load_policy
from policies.rule import judges_accounts
from policies.windows import RecentWindows

DUE_TIMER = "guidelines:due"
OPEN_ITEMS_READ = 500
"""How many waiting review items a look through the queue reads (a trial's end, the
deadlines, a raid's clean-up): more than moderators keep waiting in practice."""
_CLOSED_WITH_THE_ACCOUNT = frozenset({"rule", "report"})
"""The sources of the waiting items a ban or a kick of their member settles."""
NOTE_AUTHOR = "steward"
"""The author of the notes Steward adds to cases by itself."""


_TEXT_LIMIT = 2000
"""The most of a message's text a review item keeps."""


class ReviewSlaSettings(BaseModel):
    """How long review items may wait unclaimed, in the community's time zone.

    Attributes:
        on_call: Who is pinged when an item waits too long: a role's name (a user group's
            handle on Slack) or the platform's mention (``<@&ROLE_ID>``,
            ``<!subteam^ID>``); empty sends no pings.
        escalate_to: The next tier, pinged when the item is still unclaimed later.
        wait_minutes: Minutes an item may wait, by the lowest priority they apply to.
        escalate_after_minutes: Minutes from the ping to the next tier's ping.
        quiet_hours: Local ``HH:MM-HH:MM`` without non-urgent pings (they wait until the end).
        digest_cron: When the daily digest of open items goes to the staff channel (local
            cron); empty sends none.
        expire_after_days: Days after which an item nobody decided expires: its card says
            so and loses its buttons, the case gets a note, and the digest counts it.
            The case itself stands. 0 keeps items waiting for ever.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    on_call: RoleName = ""
    escalate_to: RoleName = ""
    wait_minutes: dict[int, int] = Field(default_factory=lambda: {10: 5, 5: 15, 0: 60})
    escalate_after_minutes: int = Field(30, ge=1)
    quiet_hours: str = ""
    digest_cron: str = "0 9 * * *"
    expire_after_days: float = Field(14.0, ge=0)

    @field_validator("quiet_hours")
    @classmethod
    def _valid_quiet_hours(cls, value: str) -> str:
        if value:
            QuietHours.parse(value)
        return value

    @field_validator("digest_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return checked_cron(value) if value else value

    @field_validator("wait_minutes")
    @classmethod
    def _some_wait(cls, value: dict[int, int]) -> dict[int, int]:
        if not value or min(value.values()) < 1:
            raise ValueError("wait_minutes needs at least one priority with a wait of 1 or more")
        return value


def _worded(templates: dict[str, str]) -> dict[str, str]:
    """Refuse a language's notice templates that name no notice or an unknown placeholder."""
    problems = wording_problems(templates)
    if problems:
        raise ValueError("; ".join(problems))
    return templates


class GuidelinesSettings(CogSettings):
    """How a community enforces its guidelines.

    Attributes:
        policy: A built-in policy (``default``, ``strict``) or the path of a policy file.
        staff_channel: The channel (name or id) where alerts and review requests go.
        raid_channels: Channels (names or ids) slowed down when a raid is detected.
        raid_slowmode_minutes: How long a raid's slowmode lasts.
        notify_members: Whether members get a notice of sanctions.
        notices: Notice templates in the brand's voice, by language then name.
        window_minutes: How much recent activity rules can see.
        warn_points: Points a moderator's warning adds.
        appeals_by_others: Whether an appeal must be decided by a moderator other than
            the one who acted.
        escalation_role: Who a review card's Escalate button pings: a role's name (a user
            group's handle on Slack) or the platform's mention (``<@&ROLE_ID>`` on Discord,
            ``<!subteam^ID>`` on Slack, ``@oncall`` locally); empty pings nobody.
        card_timeout_minutes: How long a review card's Timeout button times a member out.
        review_sla: How long review items may wait unclaimed, who is pinged, and the digest.
        ban_appeals: Where a banned member appeals, said in their ban notice: a form's
            link, an email address or an appeals server's invite. A banned member cannot
            run ``/appeal`` in the community that banned them; empty, the notice asks them
            to contact the team, quoting their case.
        privacy_contact: Where a member asks for a copy of what is kept about them or its
            erasure, said by ``/privacy``: a link or an address; empty, the moderators.
    """

    policy: str = "default"
    staff_channel: ChannelName = "mod-log"
    raid_channels: list[ChannelName] = Field(default_factory=lambda: ["general"])
    raid_slowmode_minutes: float = Field(30.0, gt=0)
    notify_members: bool = True
    notices: dict[LanguageTag, Annotated[dict[str, str], AfterValidator(_worded)]] = Field(
        default_factory=dict
    )
    window_minutes: float = Field(15.0, gt=0, le=1440)
    warn_points: int = Field(1, ge=0)
    appeals_by_others: bool = True
    escalation_role: RoleName = ""
    card_timeout_minutes: float = Field(60.0, gt=0, le=28 * 24 * 60)
    review_sla: ReviewSlaSettings = Field(default_factory=ReviewSlaSettings)
    ban_appeals: str = Field("", max_length=300)
    privacy_contact: str = Field("", max_length=300)

    @field_validator("policy")
    @classmethod
    def _policy_loads(cls, value: str) -> str:
        # A policy file that cannot be read or is invalid is refused with the
        # configuration (check-config says so), not when the cog starts. The built-in
        # policies are checked by their own tests; loading them here would slow every load.
        if value not in BUILTIN_POLICIES:
            try:
                load_policy(value)
            except PolicyError as error:
                raise ValueError(str(error)) from error
        return value


class ModerationCog(Cog[GuidelinesSettings]):
    """The state every moderation command and listener uses.

    Args:
        ctx: What the cog may use.
    """

    Settings = GuidelinesSettings

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        settings = self.settings
        self.store: ModerationStore = store_for(ctx.storage)
        self.policy_file: Policy = load_policy(settings.policy)
        """The policy as its file has it; :attr:`policy` is it with moderators' list edits."""
        self.policy: Policy = self.policy_file
        self.engine = PolicyEngine(self.policy)
        self.counts_emojis = _counts_emojis(self.policy)
        self.windows = RecentWindows(horizon=timedelta(minutes=settings.window_minutes))
        self.enforcer = Enforcer(
            community=ctx.community,
            gateway=ctx.gateway,
            store=self.store,
            clock=ctx.clock,
            policy=self.policy,
            notices=Notices(overrides=settings.notices, default_language=ctx.community.language),
            settings=EnforcementSettings(
                staff_channel=settings.staff_channel or None,
                raid_channels=tuple(settings.raid_channels),
                raid_slowmode_minutes=settings.raid_slowmode_minutes,
                notify_members=settings.notify_members,
                appeal_command=self.typed("appeal"),
                ban_appeals=settings.ban_appeals.strip(),
                reach_out_command=self.typed("modmail open") if "modmail" in ctx.cogs else "",
            ),
            meter=ctx.meter,
        )
        self.trial_book = TrialBook(ctx.storage.cog_state, ctx.community.ref, self.name)

    async def staff_post(
        self,
        text: str,
        *,
        reason: str,
        rule: str | None = None,
        mentions: tuple[str, ...] = (),
    ) -> None:
        """Post to the staff channel, if the community has one; only ``mentions`` ping."""
        channel = self.settings.staff_channel
        if not channel:
            return
        await self.ctx.gateway.apply(
            PostMessage(
                community=self.ctx.community.ref,
                channel=self.channel(channel),
                content=text,
                reason=reason,
                rule=rule,
                mentions=mentions,
            )
        )

    async def end_trial_if_done(self, rule: str | None) -> str | None:
        """End a rule's trial once it sends no more cards and none waits; say how it did.

        The staff channel hears it (whoever started the trial); so does the caller.

        Returns:
            How the rule did, once the trial is over; ``None`` while it goes on.
        """
        trial = (await self.trial_book.all()).get(rule) if rule else None
        if rule is None or trial is None or trial.left:
            return None
        waiting = await self.store.reviews.open_items(self.ctx.community.ref, limit=OPEN_ITEMS_READ)
        if any(for_trial(item) and item.rule == rule for item in waiting):
            return None
        await self.trial_book.end(rule, self.ctx.clock.now())
        over = (
            f"The trial of {rule} is over: {trial.verdict()}. It stays in shadow mode: "
            f"{self.typed('policy shadow')} {rule} no takes it live, "
            f"{self.typed('policy trial')} {rule} tries it again."
        )
        await self.staff_post(over, reason="rule trial over", rule=rule)
        return over

    async def close_items_of(
        self, member: Ref, status: str, *, by: Member, but: int | None = None
    ) -> int:
        """Close the waiting items about a member a moderator just banned or kicked.

        Each would otherwise wait for a decision nobody needs to take (a raider's held
        message, a report of their spam), its card asking for a ban already done. An item
        of a rule that judges accounts (a raid, ban evasion, impersonation) asked whether
        the account is what the rule took it for, and the ban or kick answers yes: it counts
        as a violation found, towards the rule's precision. Any other item closes without an
        outcome: acting on the account judged no message. Neither teaches the classifier (no
        message was judged). An appeal (a banned member may appeal), a trial's card (it
        judges a rule), a welfare alert and an action handed to moderators (a message the
        platform would not let Steward remove is still up) stay.

        Args:
            member: Who was banned or kicked.
            status: What their cards say now (``Closed: bob was banned (#5).``).
            by: The moderator who banned or kicked them.
            but: An item decided by this very action, closed already.

        Returns:
            How many items were closed.
        """
        waiting = await self.store.reviews.open_items(self.ctx.community.ref, limit=OPEN_ITEMS_READ)
        closing = [
            item
            for item in waiting
            if item.member == member
            and item.id != but
            and item.source in _CLOSED_WITH_THE_ACCOUNT
            and not for_care(item)
        ]
        for item in closing:
            if self._judged_the_account(item):
                try:
                    await self.store.reviews.decide(
                        item.id, ReviewOutcome.VIOLATION, str(by.ref), status, self.ctx.clock.now()
                    )
                except ValueError:
                    continue  # a moderator decided it meanwhile; their card stands
            else:
                await self.store.reviews.set_status(item.id, ReviewStatus.DECIDED)
            # Decided, its card loses its buttons.
            await self.queue.update_card(replace(item, status=ReviewStatus.DECIDED), status)
            await self.thank_reporters(item, acted=True)  # they acted on what was reported
        return len(closing)

    def _judged_the_account(self, item: ReviewItem) -> bool:
        """Return whether an item was raised by a rule of the policy that judges accounts."""
        compiled = self.policy.rule(item.rule) if item.rule is not None else None
        return compiled is not None and judges_accounts(compiled.rule)

    async def note_messages_gone(
        self, community: Ref, messages: Iterable[Ref], at: datetime
    ) -> None:
        """Say on each waiting card about these messages that its message is gone, and when.

        Its author deleted it, or a moderator (by hand, or with ``/purge``) before anyone
        decided: the card's Remove would remove nothing more, yet the member's conduct
        still waits for a decision. A card that says so already is left as it is, and so
        is one whose own case removed the message (a rule that removes and asks for review:
        the platform reports Steward's own deletions too).
        """
        for message in messages:
            items = await self.store.reviews.about_message(community, message)
            for item in items:
                if not item.waiting or MESSAGE_GONE in item.evidence:
                    continue
                if await self._removed_by_its_case(item, message):
                    continue
                updated = await self.store.reviews.append_evidence(
                    item.id, MESSAGE_GONE, self.wall_clock(at)
                )
                await self.queue.update_card(updated, updated.card_status or OPEN_STATUS)

    async def _removed_by_its_case(self, item: ReviewItem, message: Ref) -> bool:
        """Return whether the item's own case removes the message (whether done yet or not)."""
        case = await self.store.cases.by_id(item.case_id) if item.case_id is not None else None
        return case is not None and any(
            action.kind == "delete_message" and action.payload.get("message") == str(message)
            for action in case.actions
        )

    async def thank_reporters(self, item: ReviewItem, *, acted: bool) -> None:
        """Tell whoever reported the item's message what came of it, in their language.

        Only whether moderators acted: not what they did to whom, which is the member's.
        """
        notice = "report_acted" if acted else "report_kept"
        where = {"channel": item.channel.id if item.channel else "-"}
        community = self.ctx.community.ref
        for reporter in reporters_of(item):
            try:
                ref = Ref.parse(reporter)
            except ValueError:
                continue
            member = await self.ctx.gateway.fetch_member(community, ref)
            text = self.enforcer.notices.render(notice, member.lang if member else None, where)
            await self.ctx.gateway.apply(
                SendDirectMessage(
                    community=community, member=ref, content=text, reason="report outcome"
                )
            )

    @property
    def queue(self) -> ReviewQueue:
        """Return the review queue, which posts and updates the review cards."""
        return self.enforcer.queue

    async def name_of(self, ref_text: str) -> str:
        """Return a member's shown name from their ref as stored, or their id."""
        ident = ref_text.split(":", 1)[-1]
        found = await self.ctx.gateway.fetch_member(self.ctx.community.ref, self.channel(ident))
        return found.shown_name if found is not None else ident

    async def tell_staff_of_change(self, ctx: CommandContext, rule: str, what: str) -> None:
        """Tell the staff channel who changed what a rule does: other moderators rely on it."""
        await self.staff_post(
            f"{ctx.author.shown_name} {what}.", reason="policy changed", rule=rule
        )

    async def rule_figures(self, *, since: datetime | None = None) -> dict[str, RuleStats]:
        """Return what each rule did in the community (since a time), by rule id."""
        found = await self.store.stats.per_rule(self.ctx.community.ref, since=since)
        return {r.rule: r for r in found}

    async def announce_policy_change(self) -> None:
        """Tell what enforces the policy outside Steward (AutoMod) that the rules changed."""
        now = self.ctx.clock.now()
        await self.ctx.publish(
            PolicyChanged(
                community=self.ctx.community.ref, at=now, id=f"policy-changed:{now.isoformat()}"
            )
        )

    async def list_edits_of(self, rule: str) -> list[RecordedListEdit]:
        """Return the edits moderators made in chat of one rule's lists, oldest first."""
        edits = await self.store.list_edits.edits(self.ctx.community.ref)
        return [r for r in edits if r.edit.rule == rule]

    async def use_policy_file(self, policy_file: Policy, shadow: frozenset[str]) -> list[str]:
        """Put a policy file in force with moderators' edits of its lists laid over it.

        The edits the file has caught up with (someone copied them into it) are forgotten:
        from then on the file is their record, and taking an entry out of it takes it out.

        Returns:
            A line for each edit forgotten so, and for each edit the file leaves no room
            for (its rule gone, say).
        """
        community = self.ctx.community.ref
        edits = [r.edit for r in await self.store.list_edits.edits(community)]
        notes = []
        for edit in moot_edits(policy_file, edits):
            await self.store.list_edits.drop(community, edit.rule, edit.list, edit.entry)
            edits.remove(edit)
            way = "in" if edit.added else "out of"
            notes.append(
                f"rule {edit.rule}: {edit.entry!r} is {way} the policy file's {edit.list} "
                "list now; the chat edit is dropped"
            )
        policy, left_out = with_edits(policy_file, edits)
        for line in notes:
            self.log.info("policy %s: %s", policy_file.name, line)
        for line in left_out:
            self.log.warning("policy %s: %s", policy_file.name, line)
        self.policy_file = policy_file
        self.use_policy(policy, shadow)
        return notes + left_out

    def use_policy(self, policy: Policy, shadow: frozenset[str]) -> None:
        """Put a policy (and the rules shadowed at run time) in force."""
        self.policy = policy
        self.engine = PolicyEngine(policy, shadow, self.engine.channel_ids)
        self.counts_emojis = _counts_emojis(policy)
        self.enforcer.policy = policy

    async def resolve_policy_channels(self) -> None:
        """Look up the channels the policy's rules name, so rules scoped by name apply.

        A policy file names channels as people do (``general``); messages carry the
        platform's ids. A name the platform does not have is logged and kept as written
        (on Discord and Slack the rule then covers no channel by it).
        """
        found = await self.look_up_channels(c for r in self.policy.rules for c in r.spec.channels)
        if not found:
            return
        for rule in self.policy.rules:
            for name in rule.spec.channels:
                if not found.get(name):
                    self.log.error(
                        "policy %s, rule %s: no channel %r in community %s; create it or "
                        "use the channel id",
                        self.policy.name,
                        rule.spec.id,
                        name,
                        self.ctx.community.key,
                    )
        ids = {name: ident for name, ident in found.items() if ident}
        self.engine = PolicyEngine(self.policy, self.engine.shadow, ids)

    async def arm_timer(self) -> None:
        """Wake up for the next scheduled action, and soon if a failed action awaits a retry."""
        due = await self.store.schedule.next_due(self.ctx.community.ref)
        if self.enforcer.retry_wanted:
            soon = self.ctx.clock.now() + self.enforcer.settings.retry_after
            due = min(due, soon) if due else soon
        if due is not None:
            self.ctx.timers.schedule(self.ctx.community.ref, DUE_TIMER, due)

    async def recent_message(self, channel: Ref, ident: str) -> Message | None:
        """Return a message among a channel's latest, by id; ``None`` when it is not there."""
        recent = await self.ctx.gateway.recent_messages(
            self.ctx.community.ref, channel, limit=RECENT_WINDOW
        )
        return next((m for m in recent if m.ref.id == ident), None)

    async def review_message(
        self,
        found: Message,
        *,
        source: str,
        reason: str,
        headline: str,
        priority: int,
        rule: str | None = None,
        evidence: Mapping[str, object] | None = None,
    ) -> None:
        """Queue a review item about a message, with its text and files, and post its card.

        Nothing is queued while an item about the message waits already (a second report,
        a message a rule handed to moderators): one card per message. A second reporter
        is kept on that item, to hear its outcome too.
        """
        community = self.ctx.community.ref
        waiting = [
            i for i in await self.store.reviews.about_message(community, found.ref) if i.waiting
        ]
        if waiting:
            reporter = (evidence or {}).get("reporter")
            if reporter is not None and reporter not in reporters_of(waiting[0]):
                await self.store.reviews.append_evidence(waiting[0].id, "reporters", reporter)
            return
        await self.queue.add(
            NewReviewItem(
                community=community,
                source=source,
                reason=reason,
                member=found.author.ref,
                message=found.ref,
                channel=found.channel,
                rule=rule,
                evidence={
                    "original": found.content[:_TEXT_LIMIT],
                    "files": file_records(found.attachments),
                    **(evidence or {}),
                },
                priority=priority,
            ),
            headline=headline,
            member=found.author,
        )

    async def recorded_name(self, who: Ref) -> str | None:
        """Return the name someone's latest case keeps (or their id); ``None`` without one."""
        earlier = await self.store.cases.for_member(self.ctx.community.ref, who, limit=1)
        return (earlier[0].member_name or who.id) if earlier else None

    async def former_name(self, member: Member) -> str:
        """Return the name the cases of someone no longer in the community keep.

        Raises:
            CommandError: No case names them: a mistyped name or id, most likely, which
                must read neither as a clean record nor as someone to act on.
        """
        name = await self.recorded_name(member.ref)
        if name is None:
            raise _no_one(member)
        return name

    async def numbered_case(self, ctx: CommandContext, number: int) -> Case:
        """Return the community's case ``number``.

        Raises:
            CommandError: If there is none.
        """
        case = await self.store.cases.get(ctx.community.ref, number)
        if case is None:
            raise CommandError(f"there is no case #{number}")
        return case

    async def target(self, ctx: CommandContext, member: Member) -> Member:
        """Return ``member`` if the command's author may act on them.

        Someone no longer in the community whom the platform does not name (a nameless
        member: see ``MAY_HAVE_LEFT``) is named from their cases, for the case and the log.

        Raises:
            CommandError: With the reason when they may not.
        """
        if not member.name:
            member = replace(member, name=await self.former_name(member))
        why = refusal(ctx.author, member, ctx.community)
        if why is not None:
            raise CommandError(why)
        return member


def _no_one(member: Member) -> CommandError:
    return CommandError(f"no member {member.ref.id!r} here, and no case names anyone by that id")


def reporters_of(item: ReviewItem) -> list[str]:
    """Return the members (refs as text) who reported an item's message, first first."""
    return reporters_in(item.evidence)


def not_told(why: str | None) -> str:
    """Say, for a moderator's reply, that the member was not told, and why; else nothing.

    A warning the member never received warns no one: the moderator can tell them
    another way (in the channel, through modmail).
    """
    return f" Not told: {why}." if why else ""


def untold(notes: Sequence[Note]) -> str:
    """Say :func:`not_told` from a case's notes since its notice was sent."""
    return not_told(undelivered_notice(notes))


def _counts_emojis(policy: Policy) -> bool:
    """Return whether a rate rule limits emoji over a window, so recorded messages need counts."""
    return any(r.spec.type == "rate" and r.spec.params.get("max_emojis") for r in policy.rules)
