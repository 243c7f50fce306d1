"""Members report messages to the moderators: each report becomes a review item with a card."""

from __future__ import annotations

from typing import Annotated

from bot.core.commands import CommandContext, CommandError, command
from bot.core.community import Permission
from cogs._moderation_base import ModerationCog

REPORT_PRIORITY = 2
"""A member's report ranks with a medium-severity rule: a person saw a problem."""


class ReportCommand(ModerationCog):
    """The ``/report`` command."""

    @command(
        "report",
        description="Report a message to the moderators.",
        permission=Permission.EVERYONE,
        translations={
            "fr": "Signaler un message aux modérateurs.",
            "nl": "Meld een bericht bij de moderators.",
            "da": "Anmeld en besked til moderatorerne.",
            "pl": "Zgłoś wiadomość moderatorom.",
            "ja": "メッセージをモデレーターに報告する。",
        },
    )
    async def report(
        self,
        ctx: CommandContext,
        message: Annotated[str, "The message's id or link (in this channel)"],
        reason: Annotated[str, "What is wrong with it"] = "",
    ) -> None:
        """Queue a review item about a recent message of this channel, once per message."""
        ident = message.strip().rstrip("/").rsplit("/", 1)[-1]
        found = await self.recent_message(ctx.invocation.channel, ident)
        notices, lang = self.enforcer.notices, ctx.author.lang
        if found is None:
            raise CommandError(notices.render("report_not_found", lang, {"message": ident}))
        if found.author.is_bot:
            raise CommandError(notices.render("report_bot", lang, {}))
        why = reason.strip() or "no reason given"
        await self.review_message(
            found,
            source="report",
            reason=f"reported by {ctx.author.name}: {why}",
            headline=(
                f"Reported by {ctx.author.name}: {found.author.name} in #{found.channel.id} - {why}"
            ),
            priority=REPORT_PRIORITY,
            evidence={"reporter": str(ctx.author.ref)},
        )
        await ctx.reply(notices.render("report_received", lang, {}))
