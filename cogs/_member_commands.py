"""What members read for themselves: the guidelines in force, and what is kept about them."""

from __future__ import annotations

from bot.core.commands import CommandContext, command
from bot.core.community import Permission
from bot.core.templates import pick_language
from cogs._moderation_base import ModerationCog
from policies.verdict import Mode


class MemberCommands(ModerationCog):
    """Commands any member may run to learn how the community is kept."""

    @command(
        "guidelines",
        description="Read the community's guidelines.",
        permission=Permission.EVERYONE,
        translations={
            "fr": "Lire les règles de la communauté.",
            "nl": "Lees de richtlijnen van de community.",
            "da": "Læs fællesskabets retningslinjer.",
            "pl": "Przeczytaj zasady społeczności.",
            "ja": "コミュニティのガイドラインを読む。",
        },
    )
    async def guidelines(self, ctx: CommandContext) -> None:
        """Reply with the guidelines in force, in the member's language.

        What a notice quotes, a member can read before any notice: each guideline once, in
        the policy's order, with the channels a rule is limited to. A rule in shadow mode
        (or on trial) acts on nobody, so it is not read out as one of the community's rules.
        """
        notices = self.enforcer.notices
        lang = ctx.author.lang
        # Guidelines are read in the language the list's own words are, as in a notice.
        spoken = notices.spoken_language("guidelines_header", lang)
        community = {"community": ctx.community.name}
        lines: list[str] = []
        for compiled in self.policy.rules:
            spec = compiled.spec
            if not spec.guideline or spec.mode is Mode.SHADOW or spec.id in self.engine.shadow:
                continue
            line = "- " + pick_language(spec.guideline, spoken, notices.default_language)
            if spec.channels:
                where = ", ".join(f"#{channel}" for channel in spec.channels)
                line += " " + notices.render("guidelines_only_in", lang, {"channels": where})
            if line not in lines:
                lines.append(line)
        if not lines:
            await ctx.reply(notices.render("guidelines_none", lang, community))
            return
        header = notices.render("guidelines_header", lang, community)
        footer = notices.render("guidelines_footer", lang, {"command": self.typed("record")})
        await ctx.reply("\n".join([header, *lines, footer]))

    @command(
        "privacy",
        description="See what is kept about you, for how long, and how to get or erase it.",
        permission=Permission.EVERYONE,
        translations={
            "fr": "Voir ce qui est conservé à ton sujet, combien de temps, et comment l'obtenir ou l'effacer.",
            "nl": "Bekijk wat er over je wordt bewaard, hoe lang, en hoe je het opvraagt of laat wissen.",
            "da": "Se hvad der gemmes om dig, hvor længe, og hvordan du får det udleveret eller slettet.",
            "pl": "Zobacz, co jest o Tobie przechowywane, jak długo i jak to otrzymać lub usunąć.",
            "ja": "あなたについて保存される情報、保存期間、その入手・削除の方法を確認する。",
        },
    )
    async def privacy(self, ctx: CommandContext) -> None:
        """Reply with what Steward keeps about a member, how long, and where to ask for it.

        A member may ask for a copy of their data or its erasure (``steward member export``
        and ``erase`` answer it); they can only ask for what they know is kept. How long
        their words are kept is the process's ``keep_texts_days``; where to ask is the
        community's ``privacy_contact``, or the moderators.
        """
        notices = self.enforcer.notices
        lang = ctx.author.lang
        days = ctx.community.keep_texts_days
        kept = (
            notices.render("privacy_kept_days", lang, {"days": days})
            if days
            else notices.render("privacy_kept", lang, {})
        )
        # What other cogs keep (copies of edited and deleted messages), each in words.
        for topic in sorted(ctx.community.privacy_topics):
            said = notices.render(f"privacy_{topic}", lang, {})
            kept += f" {said}" if said else ""
        contact = self.settings.privacy_contact
        ask = (
            notices.render("privacy_ask_at", lang, {"where": contact})
            if contact
            else notices.render("privacy_ask", lang, {})
        )
        values = {"community": ctx.community.name, "kept": kept, "ask": ask}
        await ctx.reply(notices.render("privacy", lang, values))
