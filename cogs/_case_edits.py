"""``/case edit``: a case's reason, or how long its ban or timeout lasts, set again.

A ban made with Discord's own menu arrives as "no reason given"; a reason typed in a hurry
says less than the moderator meant; a tempban is extended once more evidence came in, or
a timeout shortened after an apology. Each change is noted on the case with what it
replaced and who made it, and the staff channel hears of it. A member whose sanction
lasts longer or shorter is told, as they were of the sanction; a new reason alone is the
record's, and they are not told.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from bot.core.commands import CommandContext, CommandError, command
from bot.core.durations import format_duration
from bot.core.quoting import quoted
from cogs._moderation_base import ModerationCog, untold
from moderation.cases import Case
from moderation.lengths import LengthRefused, length_change


class CaseEdits(ModerationCog):
    """Change a case after the fact: its reason, its ban's or timeout's length."""

    @command(
        "case edit", description="Change a case's reason, or how long its ban or timeout lasts."
    )
    async def case_edit(
        self,
        ctx: CommandContext,
        number: Annotated[int, "The case number"],
        reason: Annotated[str, "Its new reason"] = "",
        duration: Annotated[
            timedelta | None, "How long its ban or timeout lasts, from when it was opened (2w)"
        ] = None,
        permanent: Annotated[bool, "Make its ban last until unbanned"] = False,
    ) -> None:
        """Change a case's reason, its length, or both; note each change on the case."""
        reason = reason.strip()
        if not reason and duration is None and not permanent:
            raise CommandError("give a new reason, a duration, or permanent")
        if duration is not None and permanent:
            raise CommandError("give a duration or permanent, not both")
        case = await self.numbered_case(ctx, number)
        member = await ctx.gateway.fetch_member(ctx.community.ref, case.member)
        if member is not None:
            await self.target(ctx, member)  # nobody lengthens the sanction of who outranks them
        now = self.ctx.clock.now()
        change = None
        if duration is not None or permanent:
            try:  # refused before the reason changes, so nothing is half done
                change = length_change(case, duration, now)
            except LengthRefused as error:
                raise CommandError(str(error)) from error
        said: list[str] = []
        if reason and reason != case.reason:
            await self.store.cases.set_reason(case.id, reason)
            note = f"reason changed by {ctx.author.name}; it was: {case.reason or '-'}"
            await self.store.cases.add_note(case.id, ctx.author.name, note, now)
            said.append(f"reason now {quoted(reason)} (was {quoted(case.reason or '-')})")
        told = ""
        if change is not None:
            case = await self.store.cases.by_id(case.id) or case  # its new reason, for the notice
            before = len(case.notes)
            try:  # the platform's state may still refuse (a ban lifted, a timeout over)
                case = await self.enforcer.change_length(case, ctx.author, change)
            except LengthRefused as error:
                if not said:
                    raise CommandError(str(error)) from error
                told = f" Its length is unchanged: {error}."
            else:
                said.append(self._lasting(case, duration))
                told = untold(case.notes[before:])  # the member's notice of the new length
        if not said:
            raise CommandError(f"case {case.label} gives that reason already")
        summary = "; ".join(said)
        await self.staff_post(
            f"{ctx.author.name} edited case {case.label} ({case.member_name}): {summary}",
            reason="case edited",
            rule=case.rule,
        )
        await ctx.reply(f"Case {case.label}: {summary}.{told}")

    def _lasting(self, case: Case, duration: timedelta | None) -> str:
        """Say how long the case's sanction now lasts, and when it ends."""
        if duration is None:
            return "its ban now lasts until unbanned"
        ends = self.wall_clock(case.created_at + duration)
        return f"it now lasts {format_duration(duration)}, until {ends}"
