"""Greet new members in the brand's voice and their language."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from bot.core.cog import Cog, CogContext, CogSettings, listener
from bot.core.events import MemberJoined
from bot.core.templates import pick_language, render
from moderation.events import RaidDetected

_DEFAULT_MESSAGES = {
    "en": "Welcome to {community}, {member}! Please read our guidelines in #{guidelines} "
    "and say hello.",
    "fr": "Bienvenue sur {community}, {member} ! Lis nos règles dans #{guidelines} "
    "et présente-toi.",
    "nl": "Welkom bij {community}, {member}! Lees onze richtlijnen in #{guidelines} en zeg gedag.",
    "da": "Velkommen til {community}, {member}! Læs vores retningslinjer i #{guidelines} "
    "og sig hej.",
    "pl": "Witaj w {community}, {member}! Przeczytaj nasze zasady w #{guidelines} i przywitaj się.",
    "ja": "{community}へようこそ、{member}さん！#{guidelines} のガイドラインを読んで、"
    "挨拶してください。",
}


class WelcomeSettings(CogSettings):
    """Where and how to greet.

    Attributes:
        channel: The channel id greetings go to.
        guidelines: The channel id (or name) the greeting points to.
        messages: Greeting templates by language; ``{member}``, ``{community}`` and
            ``{guidelines}`` are filled in.
        greet_bots: Whether bots get greeted too.
        quiet_during_raids: Greet nobody while a raid is held: raiders are not welcome.
    """

    channel: str = "general"
    guidelines: str = "rules"
    messages: dict[str, str] = Field(default_factory=lambda: dict(_DEFAULT_MESSAGES))
    greet_bots: bool = False
    quiet_during_raids: bool = True


class Welcome(Cog[WelcomeSettings]):
    """Greet each new member in their language, pointing to the guidelines."""

    name = "welcome"
    description = "Greet new members in the brand's voice and their language."
    Settings = WelcomeSettings
    enabled_by_default = True

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self._quiet_until: datetime | None = None

    @listener(RaidDetected)
    async def hush(self, event: RaidDetected) -> None:
        """Stop greeting until a detected raid's hold ends."""
        if self.settings.quiet_during_raids:
            self._quiet_until = max(event.until, self._quiet_until or event.until)

    @listener(MemberJoined)
    async def greet(self, event: MemberJoined) -> None:
        """Post the greeting for a member who just joined."""
        settings = self.settings
        member = event.member
        if member.is_bot and not settings.greet_bots:
            return
        if self._quiet_until is not None and event.at < self._quiet_until:
            self.log.info("not greeting %s during a raid", member.name)
            return
        community = self.ctx.community
        template = pick_language(settings.messages, member.lang, community.language)
        text = render(
            template,
            {
                "member": member.shown_name,
                "community": community.name,
                "guidelines": settings.guidelines,
            },
        )
        await self.post(settings.channel, text, reason="welcome")
