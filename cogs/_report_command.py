"""Members report messages to the moderators: each report becomes a review item with a card."""

from __future__ import annotations

from typing import Annotated

from bot.core.commands import CommandContext, CommandError, command
from bot.core.community import Permission
from cogs._moderation_base import ModerationCog
from moderation.cases import NewReviewItem
from moderation.review_evidence import RECENT_WINDOW, file_records

REPORT_PRIORITY = 2
"""A member's report ranks with a medium-severity rule: a person saw a problem."""

_TEXT_LIMIT = 2000


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
        channel = ctx.invocation.channel
        recent = await ctx.gateway.recent_messages(ctx.community.ref, channel, limit=RECENT_WINDOW)
        found = next((m for m in recent if m.ref.id == ident), None)
        notices, lang = self.enforcer.notices, ctx.author.lang
        if found is None:
            raise CommandError(notices.render("report_not_found", lang, {"message": ident}))
        if found.author.is_bot:
            raise CommandError(notices.render("report_bot", lang, {}))
        waiting = [
            i
            for i in await self.store.reviews.about_message(ctx.community.ref, found.ref)
            if i.waiting
        ]
        if not waiting:
            why = reason.strip() or "no reason given"
            await self.queue.add(
                NewReviewItem(
                    community=ctx.community.ref,
                    source="report",
                    reason=f"reported by {ctx.author.name}: {why}",
                    member=found.author.ref,
                    message=found.ref,
                    channel=found.channel,
                    evidence={
                        "original": found.content[:_TEXT_LIMIT],
                        "files": file_records(found.attachments),
                        "reporter": str(ctx.author.ref),
                    },
                    priority=REPORT_PRIORITY,
                ),
                headline=(
                    f"Reported by {ctx.author.name}: {found.author.name} "
                    f"in #{found.channel.id} - {why}"
                ),
                member=found.author,
            )
        await ctx.reply(notices.render("report_received", lang, {}))
