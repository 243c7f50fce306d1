"""Commands every community has, whatever cogs it runs: help, status, cogs, reload."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.command_replies import command_reply
from bot.core.commands import CommandContext, command
from bot.core.community import Permission
from bot.core.durations import format_duration, format_wait
from moderation.store import store_for

if TYPE_CHECKING:
    from bot.app import App


class SystemCommands:
    """The built-in commands, bound to the running app.

    Args:
        app: The running app.
    """

    def __init__(self, app: App) -> None:
        self._app = app

    @command(
        "help",
        description="List the commands you can use here.",
        permission=Permission.EVERYONE,
        translations={
            "fr": "Lister les commandes que tu peux utiliser ici.",
            "nl": "Toon de commando's die je hier kunt gebruiken.",
            "da": "Vis de kommandoer, du kan bruge her.",
            "pl": "Pokaż polecenia, których możesz tu użyć.",
            "ja": "ここで使えるコマンドを一覧表示する。",
        },
    )
    async def help(self, ctx: CommandContext) -> None:
        """Reply with every command the author may run, with its usage."""
        runtime = self._app.runtimes[ctx.community.key]
        lang, fallback = ctx.author.lang, ctx.community.language
        lines = [
            f"{spec.usage_as(runtime.typed(name))} - {spec.description_in(lang, fallback)}"
            for name, spec in sorted((n, b.spec) for n, b in runtime.commands.items())
            if spec.permission <= ctx.permission and name
        ]
        header = command_reply("help_header", lang, fallback)
        await ctx.reply(header + "\n" + "\n".join(lines))

    @command(
        "steward status", description="Show how Steward is doing.", permission=Permission.MODERATOR
    )
    async def status(self, ctx: CommandContext) -> None:
        """Reply with uptime, event counts, failures, the cogs, the review queue, the model.

        What ``/metrics`` tells an operator's dashboard, a moderator reads in chat: whether
        the queue is falling behind, and whether the classifier keeps up.
        """
        app = self._app
        stats = app.bus.stats
        runtime = app.runtimes[ctx.community.key]
        now = app.clock.now()
        uptime = format_duration(now - app.started_at)
        lines = [
            f"Steward is up for {uptime}. Events: {stats.published} received; handler runs: "
            f"{stats.handled} done, {stats.failed} failed, {app.bus.pending} waiting. "
            f"Cogs: {', '.join(runtime.cogs) or 'none'}."
        ]
        backlog = await store_for(app.storage).reviews.backlog(ctx.community.ref)
        if backlog.oldest is None:
            lines.append("Review queue: nothing waits.")
        else:
            lines.append(
                f"Review queue: {backlog.waiting} waiting ({backlog.claimed} claimed), the "
                f"oldest for {format_wait(backlog.oldest, now)}."
            )
        model = app.classifier
        if model is not None:
            unscored = app.metrics.unscored(ctx.community.key)
            lines.append(
                f"Classifier: {model.model_id}@{model.version}; {unscored} message(s) judged "
                "by the rules alone since the start (no scores in time, or none at all)."
            )
        await ctx.reply("\n".join(lines))

    @command(
        "steward cogs",
        description="List the cogs and whether they run here.",
        permission=Permission.MODERATOR,
    )
    async def cogs(self, ctx: CommandContext) -> None:
        """Reply with every known cog and whether this community runs it."""
        running = self._app.runtimes[ctx.community.key].cogs
        lines = [
            f"{'on ' if entry.name in running else 'off'} {entry.name} - {entry.cls.description}"
            for entry in self._app.registry
        ]
        await ctx.reply("\n".join(lines))

    @command(
        "steward reload",
        description="Reload the configuration and cogs.",
        permission=Permission.ADMIN,
    )
    async def reload(self, ctx: CommandContext) -> None:
        """Reload config and cogs; on failure keep what runs and say why."""
        report = await self._app.reload()
        await ctx.reply(report.summary())
