"""After a raid: see its accounts, and ban or kick the ones that look like raiders at once.

A raid brings tens of accounts in a minute; banning them one ``/ban`` at a time takes a
moderator longer than the raid did. ``/raid show`` lists the latest raid's joins and why
each looks like a raider (a new account, a name or picture like the others'), ``/raid
ban`` and ``/raid kick`` act on those, each on a case of its own (each can appeal), and
leave the joins that look like ordinary newcomers alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from bot.core.actions import Action, Ban, Kick
from bot.core.clock import zone
from bot.core.commands import CommandContext, CommandError, command
from bot.core.models import Member
from bot.core.quoting import quoted
from cogs._held_raid import ACTIONABLE, KEY, HeldRaid, held_raid_from
from cogs._moderation_base import ModerationCog
from moderation.cases import Case
from moderation.hierarchy import refusal
from moderation.review_cards import age_words
from policies.context import RecentJoin
from policies.rules.raid import RaidRule

RAID_EVIDENCE = "raid"
"""The evidence key of a case ``/raid`` opened: when the raid's hold began."""


class RaidCommands(ModerationCog):
    """The ``/raid`` commands over the community's latest raid."""

    @command(
        "raid show", description="List the latest raid's accounts and which look like raiders."
    )
    async def raid_show(self, ctx: CommandContext) -> None:
        """Reply with each join of the latest raid, marked when it looks like a raider's."""
        raid = await self._latest_raid()
        flagged = self._raiders(raid)
        now = self.ctx.clock.now()
        lines = [
            f"Raid of {self._began(raid)} (held until {self.wall_clock(raid.until, '%H:%M')}): "
            f"{len(raid.joins)} join(s), {len(flagged)} look like raiders "
            f"({self.typed('raid ban')} or {self.typed('raid kick')} acts on those):"
        ]
        young = self._young_since(raid)
        pictures = Counter(j.avatar for j in raid.joins if j.avatar)
        local = zone(self.ctx.community.timezone)  # the zone the first line names
        for join in raid.joins:
            created = join.account_created
            age = (
                f"account {age_words((now - created).total_seconds() / 86400)} old"
                if created is not None
                else "account age unknown"
            )
            if join.name not in flagged:
                mark = "newcomer"
            elif created is not None and young is not None and created > young:
                mark = "raider? (new account)"
            elif pictures[join.avatar] > 1:
                mark = "raider? (the same picture as another's)"
            else:
                mark = "raider? (a name like another's)"
            now_state = await self._state_of(raid, join)
            lines.append(
                f"{mark} {quoted(join.name)}: joined {join.at.astimezone(local):%H:%M:%S}, {age}{now_state}"
            )
        await ctx.reply("\n".join(lines))

    async def _state_of(self, raid: HeldRaid, join: RecentJoin) -> str:
        """Say what became of a raid's account: dealt with by ``/raid``, or gone."""
        case = await self._raid_case(raid, join)
        if case is not None:
            done = ", ".join(a.kind for a in case.actions) or "acted on"
            return f"; {done} ({case.label})"
        if await self.ctx.gateway.fetch_member(self.ctx.community.ref, join.member) is None:
            return "; no longer here"
        return ""

    async def _raid_case(self, raid: HeldRaid, join: RecentJoin) -> Case | None:
        """Return the case ``/raid`` opened on one of a raid's accounts, if it did."""
        earlier = await self.store.cases.for_member(self.ctx.community.ref, join.member, limit=10)
        mark = raid.since.isoformat()
        return next((c for c in earlier if c.evidence.get(RAID_EVIDENCE) == mark), None)

    @command("raid ban", description="Ban the latest raid's accounts that look like raiders.")
    async def raid_ban(
        self,
        ctx: CommandContext,
        reason: Annotated[str, "Why"],
        duration: Annotated[
            timedelta | None, "For how long (7d); empty bans until unbanned"
        ] = None,
    ) -> None:
        """Ban each of them on a case of its own, deleting their last hour of messages."""
        await self._clear_raid(
            ctx,
            reason,
            "banned",
            lambda member: Ban(
                community=ctx.community.ref,
                member=member.ref,
                duration=duration,
                delete_message_seconds=3600,
            ),
        )

    @command("raid kick", description="Kick the latest raid's accounts that look like raiders.")
    async def raid_kick(self, ctx: CommandContext, reason: Annotated[str, "Why"]) -> None:
        """Kick each of them still here on a case of its own; they may join again."""
        await self._clear_raid(
            ctx,
            reason,
            "kicked",
            lambda member: Kick(community=ctx.community.ref, member=member.ref),
        )

    async def _clear_raid(
        self,
        ctx: CommandContext,
        reason: str,
        done: str,
        action_for: Callable[[Member], Action],
    ) -> None:
        """Act on each raider of the latest raid once, and say what was done and left."""
        raid = await self._latest_raid()
        flagged = self._raiders(raid)
        raiders = list({j.member: j for j in raid.joins if j.name in flagged}.values())
        acted, left = [], []
        for join in raiders:
            target, why = await self._target(ctx, raid, join, banning=done == "banned")
            if target is None:
                left.append(f"{quoted(join.name)} ({why})")
                continue
            case = await self.enforcer.sanction_by(
                moderator=ctx.author,
                target=target,
                actions=[action_for(target)],
                reason=f"raid: {reason}",
                notice_parts=[done],
                evidence={RAID_EVIDENCE: raid.since.isoformat()},
            )
            acted.append(f"{quoted(target.name)} ({case.label})")
            await self.close_items_of(
                target.ref,
                f"Closed: {target.name} was {done} with the raid ({case.label}).",
                by=ctx.author,
            )
        await self.arm_timer()
        summary = f"{done.capitalize()} {len(acted)} raid account(s): {', '.join(acted) or 'none'}."
        if left:
            summary += f" Left alone: {', '.join(left)}."
        others = len({j.member for j in raid.joins}) - len(raiders)
        if others:
            summary += f" {others} other join(s) look like ordinary newcomers and were not touched."
        await ctx.reply(summary)
        if acted:
            await self.staff_post(
                f"{ctx.author.name} {done} {len(acted)} account(s) of the raid of "
                f"{self._began(raid)}: {reason}",
                reason="raid cleared",
            )

    async def _target(
        self, ctx: CommandContext, raid: HeldRaid, join: RecentJoin, *, banning: bool
    ) -> tuple[Member | None, str]:
        """Return the member to act on, or ``None`` and why they are left alone."""
        if await self._raid_case(raid, join) is not None:
            return None, "acted on already"
        member = await self.ctx.gateway.fetch_member(ctx.community.ref, join.member)
        if member is None:
            if not banning:
                return None, "no longer here"
            # Gone already: banned all the same, so that they cannot come back.
            member = Member(ref=join.member, name=join.name, present=False)
        why = refusal(ctx.author, member, ctx.community)
        return (None, why) if why is not None else (member, "")

    async def _latest_raid(self) -> HeldRaid:
        """Return the latest raid, held or over for less than a day.

        Raises:
            CommandError: There was none in that time.
        """
        community = self.ctx.community.ref
        raid = held_raid_from(await self.ctx.storage.cog_state.get(community, self.name, KEY))
        if raid is None or self.ctx.clock.now() - raid.until > ACTIONABLE:
            raise CommandError("no raid in the last day")
        return raid

    def _raid_rule(self) -> RaidRule | None:
        return next((c.rule for c in self.policy.rules if isinstance(c.rule, RaidRule)), None)

    def _raiders(self, raid: HeldRaid) -> set[str]:
        """Return the names of the raid's joins that look like raiders, by the raid rule."""
        found = self._raid_rule()
        if found is None:  # the policy no longer has a raid rule: every join is suspect
            return {j.name for j in raid.joins}
        return found.suspicious(list(raid.joins), raid.until)

    def _began(self, raid: HeldRaid) -> str:
        """Return when a raid began, as moderators saw it: its first join."""
        return self.wall_clock(min((j.at for j in raid.joins), default=raid.since))

    def _young_since(self, raid: HeldRaid) -> datetime | None:
        """Return since when an account counted as new at the raid, by the raid rule."""
        found = self._raid_rule()
        return raid.until - timedelta(days=found.params.new_account_days) if found else None
