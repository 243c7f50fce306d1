"""Members report a message to the moderators (Discord: the "Report to moderators" menu)."""

from __future__ import annotations

from typing import Annotated

from bot.core.actions import PostMessage
from bot.core.commands import CommandContext, command
from bot.core.community import Permission
from bot.core.refs import Ref
from cogs._moderation_base import ModerationCog
from moderation.cases import NewReviewItem

REPORT_PRIORITY = 2


class ReportCommands(ModerationCog):
    """A member's report becomes a review item and a note in the staff channel."""

    @command(
        "report",
        description="Report a message to the moderators.",
        permission=Permission.EVERYONE,
    )
    async def report(
        self,
        ctx: CommandContext,
        message: Annotated[str, "The message's id"],
        reason: Annotated[str, "What is wrong with it"] = "",
    ) -> None:
        """Queue the message for review and tell the moderators who reported it."""
        community = ctx.community.ref
        why = f"reported by {ctx.author.shown_name}" + (f": {reason}" if reason else "")
        item = await self.store.reviews.add(
            NewReviewItem(
                community=community,
                source="report",
                reason=why,
                member=None,
                message=Ref(community.platform, message),
                channel=ctx.invocation.channel,
                evidence={"reporter": str(ctx.author.ref)},
                priority=REPORT_PRIORITY,
            ),
            self.ctx.clock.now(),
        )
        staff = self.settings.staff_channel
        if staff:
            await ctx.gateway.apply(
                PostMessage(
                    community=community,
                    channel=Ref(community.platform, staff),
                    content=f"Review item {item.id}: message {message} {why}.",
                    reason="report",
                )
            )
        await ctx.reply("Thank you: the moderators will look at it.")
