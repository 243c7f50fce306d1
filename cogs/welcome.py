"""Greet new members in the brand's voice and their language; optionally gate posting on the rules.

With the gate on, a newcomer's greeting carries an "I accept the guidelines" button; until
they click it, what they post is removed and they are reminded, privately, to accept
first. Accepting is remembered in storage, so a restart never asks again. The gate is a
precaution, not a sanction: nothing goes on the member's record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, Field

from bot.core.actions import Button, ButtonStyle, DeleteMessage, PostMessage, ReplyEphemeral
from bot.core.channels import ChannelName
from bot.core.cog import Cog, CogContext, CogSettings, listener
from bot.core.events import ComponentClicked, MemberJoined, MessageCreated
from bot.core.language_tags import LanguageTag
from bot.core.models import Member
from bot.core.quoting import quoted
from bot.core.templates import pick_language, placeholders_from, render
from moderation.events import RaidDetected
from policies.rules.impersonation import staff_words_in

GATE_TARGET = "welcome:gate"
"""The custom id of the gate's button; its choice is the member's id."""

_DEFAULT_MESSAGES = {
    "en": "Welcome to {community}, {member}! Please read our guidelines in #{guidelines}, "
    "then introduce yourself in #{introductions}.",
    "fr": "Bienvenue sur {community}, {member} ! Lis nos règles dans #{guidelines}, "
    "puis présente-toi dans #{introductions}.",
    "nl": "Welkom bij {community}, {member}! Lees onze richtlijnen in #{guidelines} en "
    "stel je voor in #{introductions}.",
    "da": "Velkommen til {community}, {member}! Læs vores retningslinjer i #{guidelines}, "
    "og præsentér dig selv i #{introductions}.",
    "pl": "Witaj w {community}, {member}! Przeczytaj nasze zasady w #{guidelines}, "
    "a potem przedstaw się w #{introductions}.",
    "ja": "{community}へようこそ、{member}さん！#{guidelines} のガイドラインを読んでから、"
    "#{introductions} で自己紹介してください。",
}

_GATE_MESSAGES = {
    "en": "Please accept the guidelines in #{guidelines} with the button under your welcome "
    "message before you post. Your message was not published.",
    "fr": "Merci d'accepter les règles de #{guidelines} avec le bouton sous ton message de "
    "bienvenue avant de publier. Ton message n'a pas été publié.",
    "nl": "Accepteer eerst de richtlijnen in #{guidelines} met de knop onder je welkomstbericht. "
    "Je bericht is niet geplaatst.",
    "da": "Accepter venligst retningslinjerne i #{guidelines} med knappen under din "
    "velkomstbesked, før du skriver. Din besked blev ikke offentliggjort.",
    "pl": "Zaakceptuj najpierw zasady z #{guidelines} przyciskiem pod wiadomością powitalną. "
    "Twoja wiadomość nie została opublikowana.",
    "ja": "投稿する前に、ウェルカムメッセージのボタンで #{guidelines} のガイドラインに同意してください。"
    "メッセージは公開されていません。",
}
_GATE_WAITING = {
    "en": "New members can post once our moderators have dealt with a wave of new accounts; "
    "please try again in a little while, and read #{guidelines} meanwhile. Your message was "
    "not published.",
    "fr": "Les nouveaux membres pourront publier une fois que nos modérateurs auront traité "
    "une vague de nouveaux comptes ; réessaie dans un moment et lis #{guidelines} en "
    "attendant. Ton message n'a pas été publié.",
    "nl": "Nieuwe leden kunnen berichten plaatsen zodra onze moderators een golf nieuwe "
    "accounts hebben afgehandeld; probeer het zo opnieuw en lees intussen #{guidelines}. "
    "Je bericht is niet geplaatst.",
    "da": "Nye medlemmer kan skrive, når vores moderatorer har håndteret en bølge af nye "
    "konti; prøv igen om lidt, og læs #{guidelines} imens. Din besked blev ikke "
    "offentliggjort.",
    "pl": "Nowi członkowie mogą pisać, gdy nasi moderatorzy uporają się z falą nowych kont; "
    "spróbuj ponownie za chwilę, a w międzyczasie przeczytaj #{guidelines}. Twoja "
    "wiadomość nie została opublikowana.",
    "ja": "新しいアカウントが大量に参加したため、モデレーターの確認が終わるまで新メンバーは投稿できません。"
    "少し時間をおいてもう一度お試しください。その間に #{guidelines} をお読みください。"
    "メッセージは公開されていません。",
}

_GATE_BUTTONS = {
    "en": "I accept the guidelines",
    "fr": "J'accepte les règles",
    "nl": "Ik accepteer de richtlijnen",
    "da": "Jeg accepterer retningslinjerne",
    "pl": "Akceptuję zasady",
    "ja": "ガイドラインに同意します",
}

_GATE_THANKS = {
    "en": "Thank you! You can post now.",
    "fr": "Merci ! Tu peux publier maintenant.",
    "nl": "Bedankt! Je kunt nu berichten plaatsen.",
    "da": "Tak! Du kan skrive nu.",
    "pl": "Dziękujemy! Możesz już pisać.",
    "ja": "ありがとうございます！投稿できるようになりました。",
}

_GATE_NOT_YOURS = {
    "en": "This button is for the member it welcomes.",
    "fr": "Ce bouton est réservé au membre que ce message accueille.",
    "nl": "Deze knop is voor het lid dat hier welkom wordt geheten.",
    "da": "Denne knap er til det medlem, der bydes velkommen her.",
    "pl": "Ten przycisk jest dla osoby, którą wita ta wiadomość.",
    "ja": "このボタンは、このメッセージで歓迎されているメンバー専用です。",
}


def _one_label_for_all(value: object) -> object:
    # A single label (how the setting was first written) serves every language.
    if isinstance(value, str) and not value.strip():
        raise ValueError("the button needs a label")
    return {"en": value} if isinstance(value, str) else value


Greetings = dict[
    LanguageTag,
    Annotated[str, placeholders_from("member", "community", "guidelines", "introductions")],
]
"""Greeting templates by language, checked when the configuration loads."""
GateReminders = dict[LanguageTag, Annotated[str, placeholders_from("guidelines")]]
GateTexts = dict[LanguageTag, Annotated[str, placeholders_from()]]
"""Texts by language with nothing to fill in: the gate's button, its answers."""
ButtonLabels = Annotated[
    dict[LanguageTag, Annotated[str, Field(min_length=1, max_length=80)]],
    BeforeValidator(_one_label_for_all),
]
"""The gate button's label by language (Discord shows 80 characters); one text serves all."""


class WelcomeSettings(CogSettings):
    """Where and how to greet.

    Attributes:
        channel: The channel (name or id) greetings go to.
        guidelines: The channel (name or id) the greeting points to; the greeting links
            it where the platform can (``#{guidelines}``).
        introductions: The channel (name or id) where newcomers introduce themselves (the
            discussions cog's introduction prompts can run there).
        messages: Greeting templates by language; ``{member}``, ``{community}``,
            ``{guidelines}`` and ``{introductions}`` are filled in.
        greet_bots: Whether bots get greeted too.
        quiet_during_raids: Greet nobody while a raid is held: raiders are not welcome.
        gate: Whether newcomers must accept the guidelines (a button) before they post.
        gate_button: The button's label, by language (the newcomer's, as the greeting);
            a single text serves every language.
        gate_messages: The private reminder, by language, to a newcomer who posts first.
        gate_waiting: What a newcomer who joined during a raid is told when they post
            while it is held: they were not greeted (so have no button yet); they are
            greeted, button and all, when they post once the hold is over.
        gate_thanks: What a newcomer is told, by language, once they accept.
        gate_not_yours: What another member who clicks a newcomer's button is told.
    """

    channel: ChannelName = "general"
    guidelines: ChannelName = "rules"
    introductions: ChannelName = "introductions"
    messages: Greetings = Field(default_factory=lambda: dict(_DEFAULT_MESSAGES))
    greet_bots: bool = False
    quiet_during_raids: bool = True
    gate: bool = False
    gate_button: ButtonLabels = Field(default_factory=lambda: dict(_GATE_BUTTONS))
    gate_messages: GateReminders = Field(default_factory=lambda: dict(_GATE_MESSAGES))
    gate_waiting: GateReminders = Field(default_factory=lambda: dict(_GATE_WAITING))
    gate_thanks: GateTexts = Field(default_factory=lambda: dict(_GATE_THANKS))
    gate_not_yours: GateTexts = Field(default_factory=lambda: dict(_GATE_NOT_YOURS))


class Welcome(Cog[WelcomeSettings]):
    """Greet each new member in their language, pointing to the guidelines."""

    name = "welcome"
    description = "Greet new members in the brand's voice and their language."
    Settings = WelcomeSettings
    enabled_by_default = True

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self._quiet_until: datetime | None = None

    async def on_load(self) -> None:
        """Stay quiet through a raid held when Steward stopped or reloaded."""
        kept = await self.ctx.storage.cog_state.get(self.ctx.community.ref, self.name, _QUIET)
        if isinstance(kept, str):
            try:
                self._quiet_until = datetime.fromisoformat(kept)
            except ValueError:  # damaged state: greet as usual rather than fail to load
                self._quiet_until = None

    @listener(RaidDetected)
    async def hush(self, event: RaidDetected) -> None:
        """Stop greeting until a detected raid's hold ends."""
        if self.settings.quiet_during_raids:
            self._quiet_until = max(event.until, self._quiet_until or event.until)
            await self.ctx.storage.cog_state.put(
                self.ctx.community.ref, self.name, _QUIET, self._quiet_until.isoformat()
            )

    @listener(MemberJoined)
    async def greet(self, event: MemberJoined) -> None:
        """Post the greeting for a member who just joined (with the gate's button if on)."""
        settings = self.settings
        member = event.member
        if member.is_bot and not settings.greet_bots:
            return
        quiet = self._quiet(event.at)
        if settings.gate and not member.is_bot:
            # Gated from the moment they join, greeted or not (a raid keeps them waiting).
            await self._set_gated(member, gated=True, greeted=not quiet)
        if quiet:
            self.log.info("not greeting %s during a raid", member.name)
            return
        await self._post_greeting(member)

    def _quiet(self, at: datetime) -> bool:
        """Return whether greetings wait at ``at``: a detected raid is held."""
        return self._quiet_until is not None and at < self._quiet_until

    async def _post_greeting(self, member: Member) -> None:
        """Post a member's greeting, with the gate's button when the gate is on."""
        settings = self.settings
        community = self.ctx.community
        template = pick_language(settings.messages, member.lang, community.language)
        text = render(
            template,
            {
                # Posted for everyone: a name written as a masked link shows where it leads.
                "member": quoted(_greeted_as(member)),
                "community": community.name,
                "guidelines": settings.guidelines,
                "introductions": settings.introductions,
            },
        )
        buttons: tuple[Button, ...] = ()
        if settings.gate and not member.is_bot:
            buttons = (
                Button(
                    target=GATE_TARGET,
                    choice=member.ref.id,
                    label=pick_language(settings.gate_button, member.lang, community.language),
                    style=ButtonStyle.PRIMARY,
                ),
            )
        await self.ctx.gateway.apply(
            PostMessage(
                community=community.ref,
                channel=self.channel(settings.channel),
                content=text,
                buttons=buttons,
                reason="welcome",
            )
        )

    @listener(ComponentClicked)
    async def accept(self, event: ComponentClicked) -> None:
        """Let a newcomer post once they accept the guidelines with their own button."""
        if event.target != GATE_TARGET:
            return
        own = event.choice == event.author.ref.id
        if own:
            await self._set_gated(event.author, gated=False)
        settings = self.settings
        answer = settings.gate_thanks if own else settings.gate_not_yours
        await self.answer_click(
            event, pick_language(answer, event.author.lang, self.ctx.community.language)
        )

    def listens(self, method: str) -> bool:
        """Hold no messages when the gate is off: they are not queued for this cog at all."""
        return method != "hold" or self.settings.gate

    @listener(MessageCreated)
    async def hold(self, event: MessageCreated) -> None:
        """Remove what a gated newcomer posts and remind them, privately, to accept first."""
        message = event.message
        if not self.settings.gate or message.author.is_bot:
            return
        gated = await self._gated(message.author)
        if gated is None:
            return
        community = self.ctx.community
        await self.ctx.gateway.apply(
            DeleteMessage(
                community=community.ref,
                channel=message.thread or message.channel,
                message=message.ref,
                reason="welcome gate: the guidelines are not accepted yet",
            )
        )
        reminders = self.settings.gate_messages
        if gated == _UNGREETED:
            # Joined during a raid: no greeting, so no button to accept with. Once the
            # hold is over they get both; until then they are told to wait.
            if self._quiet(event.at):
                reminders = self.settings.gate_waiting
            else:
                await self._post_greeting(message.author)
                await self._set_gated(message.author, gated=True, greeted=True)
        reminder = pick_language(reminders, message.author.lang, community.language)
        await self.ctx.gateway.apply(
            ReplyEphemeral(
                community=community.ref,
                interaction=message.ref,
                channel=message.channel,
                member=message.author.ref,
                content=render(reminder, {"guidelines": self.settings.guidelines}),
                reason="welcome gate",
            )
        )

    async def _gated(self, member: Member) -> object:
        """Return how a member is gated (``True``, or :data:`_UNGREETED`); ``None``: free."""
        state = self.ctx.storage.cog_state
        found = await state.get(self.ctx.community.ref, self.name, _gate_key(member))
        return found or None

    async def _set_gated(self, member: Member, *, gated: bool, greeted: bool = True) -> None:
        state = self.ctx.storage.cog_state
        if gated:
            value = True if greeted else _UNGREETED
            await state.put(self.ctx.community.ref, self.name, _gate_key(member), value)
        else:
            await state.delete(self.ctx.community.ref, self.name, _gate_key(member))


_QUIET = "quiet_until"
"""The cog state key of when greetings resume after a raid."""

_UNGREETED = "ungreeted"
"""A gated member's state while they were not greeted (they joined during a raid)."""


def _gate_key(member: Member) -> str:
    return f"gated:{member.ref.id}"


def _greeted_as(member: Member) -> str:
    """Return the name a greeting gives a member: their display name, as a rule.

    A newcomer whose display name passes for staff ("Lumen Support") is greeted by their
    handle: the brand's own bot welcoming "Lumen Support" in public would lend a scammer
    the very standing they are after (the impersonation rule puts them to moderators).
    """
    shown = member.shown_name
    return member.name if shown != member.name and staff_words_in(shown) else shown
