"""Moderators' own actions: warn, timeout, kick, ban, unban, purge, slowmode, lockdown."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Annotated

from bot.core.actions import (
    Action,
    Ban,
    DeleteMessages,
    Kick,
    LockChannel,
    SetSlowmode,
    Timeout,
    Unban,
)
from bot.core.commands import MAY_HAVE_LEFT, CommandContext, CommandError, command
from bot.core.durations import format_duration
from bot.core.models import Channel, Member
from bot.core.quoting import quoted
from bot.core.refs import Ref
from cogs._moderation_base import ModerationCog, untold
from moderation.cases import ActionStatus

_MAX_PURGE = 100


class ModeratorCommands(ModerationCog):
    """Commands that act on members and channels; each member sanction opens a case."""

    @command("warn", description="Warn a member; it counts towards escalation.")
    async def warn(
        self,
        ctx: CommandContext,
        member: Annotated[Member, "Who to warn"],
        reason: Annotated[str, "Why"],
    ) -> None:
        """Open a warning case and notify the member."""
        target = await self.target(ctx, member)
        case = await self.enforcer.sanction_by(
            moderator=ctx.author,
            target=target,
            actions=[],
            reason=reason,
            points=self.settings.warn_points,
            notice_parts=["warned"],
        )
        await ctx.reply(f"Warned {target.shown_name} (case {case.label}).{untold(case.notes)}")

    @command("timeout", description="Stop a member from talking for a while.")
    async def timeout(
        self,
        ctx: CommandContext,
        member: Annotated[Member, "Who to time out"],
        duration: Annotated[timedelta, "For how long (10m, 1h, 1d)"],
        reason: Annotated[str, "Why"],
    ) -> None:
        """Time a member out and open a case."""
        if duration <= timedelta(0):
            raise CommandError("the duration must be positive")
        longest = ctx.gateway.capabilities.max_timeout
        if longest is not None and duration > longest:
            # Discord would take the longest it allows, and the reply would name the longer.
            raise CommandError(
                f"a timeout is at most {format_duration(longest)} here; "
                f"for longer, {self.typed('ban')} with a duration"
            )
        await self._sanction(
            ctx,
            member,
            [Timeout(community=ctx.community.ref, member=member.ref, duration=duration)],
            reason=reason,
            what=f"timed out for {format_duration(duration)}",
            notice=["timed_out"],
            points=self.settings.warn_points,
        )

    @command("untimeout", description="Lift a member's timeout.")
    async def untimeout(
        self,
        ctx: CommandContext,
        member: Annotated[Member, "Whose timeout to lift"],
        reason: Annotated[str, "Why"] = "",
    ) -> None:
        """Lift a timeout; the lifting is a case too."""
        action = Timeout(community=ctx.community.ref, member=member.ref, duration=timedelta(0))
        await self._sanction(
            ctx,
            member,
            [action],
            reason=reason or "timeout lifted",
            what="timeout lifted",
            notice=[],
            points=0,
        )

    @command("kick", description="Remove a member; they may join again.")
    async def kick(
        self,
        ctx: CommandContext,
        member: Annotated[Member, "Who to kick"],
        reason: Annotated[str, "Why"],
    ) -> None:
        """Kick a member and open a case."""
        await self._sanction(
            ctx,
            member,
            [Kick(community=ctx.community.ref, member=member.ref)],
            reason=reason,
            what="kicked",
            notice=["kicked"],
            points=0,
        )

    @command("ban", description="Ban a member, for a while if a duration is given.")
    async def ban(
        self,
        ctx: CommandContext,
        # A raider who posted and left is banned all the same, so they cannot come back.
        member: Annotated[Member, "Who to ban", MAY_HAVE_LEFT],
        reason: Annotated[str, "Why"],
        duration: Annotated[
            timedelta | None, "For how long (7d); empty bans until unbanned"
        ] = None,
    ) -> None:
        """Ban (or tempban) a member and open a case."""
        action = Ban(
            community=ctx.community.ref,
            member=member.ref,
            duration=duration,
            delete_message_seconds=3600,
        )
        what = f"banned for {format_duration(duration)}" if duration else "banned"
        await self._sanction(
            ctx, member, [action], reason=reason, what=what, notice=["banned"], points=0
        )

    @command("unban", description="Lift a member's ban.")
    async def unban(
        self,
        ctx: CommandContext,
        member: Annotated[str, "The member's id"],
        reason: Annotated[str, "Why"] = "",
    ) -> None:
        """Unban a member by id; a pending tempban end is cancelled."""
        ref = Ref(ctx.community.ref.platform, member.lstrip("@"))
        # Typed as an id (a banned member is no member): their cases know their name; one
        # banned by hand on the platform has none, and is unbanned by id all the same.
        ghost = Member(ref=ref, name=await self.recorded_name(ref) or ref.id)
        await self.store.schedule.cancel(ctx.community.ref, "unban", str(ref))
        case = await self.enforcer.sanction_by(
            moderator=ctx.author,
            target=ghost,
            actions=[Unban(community=ctx.community.ref, member=ref)],
            reason=reason or "unbanned",
        )
        (lifted,) = case.actions
        if lifted.status is ActionStatus.APPLIED:
            await ctx.reply(f"Unbanned {quoted(ghost.name)} (case {case.label}).")
        else:  # not banned (a mistyped id, say), or the platform refused: say so
            await ctx.reply(f"Not unbanned: {lifted.error} (case {case.label}).")

    async def _sanction(
        self,
        ctx: CommandContext,
        member: Member,
        actions: list[Action],
        *,
        reason: str,
        what: str,
        notice: list[str],
        points: int,
    ) -> None:
        target = await self.target(ctx, member)
        case = await self.enforcer.sanction_by(
            moderator=ctx.author,
            target=target,
            actions=actions,
            reason=reason,
            points=points,
            notice_parts=notice,
        )
        await self.arm_timer()
        if any(
            a.kind in {"ban", "kick"} and a.status is ActionStatus.APPLIED for a in case.actions
        ):
            await self.close_items_of(
                target.ref, f"Closed: {target.name} was {what} ({case.label}).", by=ctx.author
            )
        failed = [a for a in case.actions if a.status is not ActionStatus.APPLIED]
        suffix = (
            f" Not done: {', '.join(f'{a.kind} ({a.error})' for a in failed)}." if failed else ""
        )
        await ctx.reply(
            f"{target.shown_name} {what} (case {case.label}).{suffix}{untold(case.notes)}"
        )

    @command("purge", description="Delete the channel's latest messages, or only one member's.")
    async def purge(
        self,
        ctx: CommandContext,
        count: Annotated[int, "How many messages (up to 100)"],
        member: Annotated[Member | None, "Only this member's messages"] = None,
        reason: Annotated[str, "Why"] = "purge",
    ) -> None:
        """Delete up to ``count`` recent messages in the current channel; one case records it."""
        if not 1 <= count <= _MAX_PURGE:
            raise CommandError(f"purge deletes 1 to {_MAX_PURGE} messages")
        if member is not None:
            await self.target(ctx, member)
        channel = ctx.invocation.channel
        recent = await ctx.gateway.recent_messages(
            ctx.community.ref, channel, limit=_MAX_PURGE if member else count
        )
        chosen = [m for m in recent if member is None or m.author.ref == member.ref][:count]
        if not chosen:
            await ctx.reply("Nothing to purge.")
            return
        # One bulk delete where the platform has one (Discord's takes 100 at once): a
        # purge of 100 one by one ran into its rate limits.
        delete = DeleteMessages(
            community=ctx.community.ref, channel=channel, messages=tuple(m.ref for m in chosen)
        )
        if member is None:
            # A channel clean-up is about no one: the audit log keeps it, not a member's record.
            done = await ctx.gateway.apply(
                replace(delete, actor=str(ctx.author.ref), reason=reason)
            )
            if not done.ok:
                await ctx.reply(f"Not purged: {done.error}")
                return
            await self.note_messages_gone(ctx.community.ref, delete.messages, ctx.invocation.at)
            await ctx.reply(f"Purged {len(chosen)} message(s) in #{channel.id}.")
            return
        case = await self.enforcer.sanction_by(
            moderator=ctx.author, target=member, actions=[delete], reason=reason
        )
        if case.actions[0].status is ActionStatus.APPLIED:
            await self.note_messages_gone(ctx.community.ref, delete.messages, ctx.invocation.at)
        await ctx.reply(f"Purged {len(chosen)} message(s) in #{channel.id} (case {case.label}).")

    @command(
        "slowmode", description="Make members wait between messages in a channel (0 lifts it)."
    )
    async def slowmode(
        self,
        ctx: CommandContext,
        interval: Annotated[timedelta, "Time between messages (30s, 2m; 0s lifts it)"],
        channel: Annotated[Channel | None, "Which channel (default: here)"] = None,
    ) -> None:
        """Set slowmode; the audit log records it."""
        longest = ctx.gateway.capabilities.max_slowmode
        if longest is not None and interval > longest:
            # Discord would cap it without a word, and the reply would name the longer wait.
            raise CommandError(f"slowmode is at most {format_duration(longest)} here")
        where = channel.ref if channel else ctx.invocation.channel
        seconds = int(interval.total_seconds())
        result = await ctx.gateway.apply(
            SetSlowmode(
                community=ctx.community.ref,
                channel=where,
                seconds=seconds,
                actor=str(ctx.author.ref),
                reason="slowmode command",
            )
        )
        state = f"set to {format_duration(interval)}" if seconds else "lifted"
        await ctx.reply(
            f"Slowmode in #{where.id} {state}."
            if result.ok
            else f"Could not set slowmode: {result.error}"
        )

    @command("lockdown", description="Stop members (not staff) from posting in a channel.")
    async def lockdown(
        self,
        ctx: CommandContext,
        channel: Annotated[Channel | None, "Which channel (default: here)"] = None,
        reason: Annotated[str, "Why"] = "lockdown",
    ) -> None:
        """Lock a channel."""
        await self._lock(ctx, channel, True, reason)

    @command("unlock", description="Let members post in a locked channel again.")
    async def unlock(
        self,
        ctx: CommandContext,
        channel: Annotated[Channel | None, "Which channel (default: here)"] = None,
    ) -> None:
        """Unlock a channel."""
        await self._lock(ctx, channel, False, "unlock")

    async def _lock(
        self, ctx: CommandContext, channel: Channel | None, locked: bool, reason: str
    ) -> None:
        where = channel.ref if channel else ctx.invocation.channel
        result = await ctx.gateway.apply(
            LockChannel(
                community=ctx.community.ref,
                channel=where,
                locked=locked,
                actor=str(ctx.author.ref),
                reason=reason,
            )
        )
        state = "locked" if locked else "unlocked"
        await ctx.reply(
            f"#{where.id} {state}."
            if result.ok
            else f"Could not change #{where.id}: {result.error}"
        )
