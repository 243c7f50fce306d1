"""Modmail: members write to the bot privately; moderators answer from a staff thread.

A member's first private message opens a thread in the staff channel, headed by who they
are and their record; everything they write lands there, and what staff write in the
thread goes back to them, signed with the moderator's name or as "the moderators".
Staff lines that start with the note prefix stay internal. ``/modmail close`` ends the
conversation with a reason the member is told; every line is kept as a transcript. The
thread may live in another community's staff space on the same platform, so one staff
team can serve several communities. A member has one open conversation at a time: what
they write goes on in it, whichever of their communities the platform handed it to (which
one a Discord DM is for is the adapter's choice: see ``bot.adapters.discord._dm_home``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bot.core.actions import OpenThread, PostMessage, SendDirectMessage
from bot.core.channels import ChannelName
from bot.core.cog import Cog, CogContext, CogSettings, listener
from bot.core.commands import CommandContext, CommandError, command
from bot.core.events import DirectMessageReceived, MessageCreated
from bot.core.language_tags import LanguageTag
from bot.core.models import Member
from bot.core.refs import Ref
from bot.core.templates import pick_language, placeholders_from, render
from cogs._modmail_store import Conversation, ModmailStore, modmail_store_for
from moderation.store import store_for

_OPENED = {
    "en": "Thanks for writing to the {community} moderators. We'll answer you here.",
    "fr": "Merci d'avoir écrit aux modérateurs de {community}. Nous te répondrons ici.",
    "nl": "Bedankt voor je bericht aan de moderators van {community}. We antwoorden je hier.",
    "da": "Tak for din besked til moderatorerne i {community}. Vi svarer dig her.",
    "pl": "Dziękujemy za wiadomość do moderatorów {community}. Odpowiemy tutaj.",
    "ja": "{community}のモデレーターへのご連絡ありがとうございます。ここでお返事します。",
}
_CLOSED = {
    "en": "Your conversation with the {community} moderators is closed: {reason}. Write again any time.",
    "fr": "Ta conversation avec les modérateurs de {community} est close : {reason}. Écris-nous quand tu veux.",
    "nl": "Je gesprek met de moderators van {community} is gesloten: {reason}. Schrijf ons gerust opnieuw.",
    "da": "Din samtale med moderatorerne i {community} er lukket: {reason}. Skriv igen når som helst.",
    "pl": "Twoja rozmowa z moderatorami {community} została zamknięta: {reason}. Napisz ponownie w każdej chwili.",
    "ja": "{community}のモデレーターとの会話を終了しました：{reason}。いつでもまたご連絡ください。",
}


Openings = dict[LanguageTag, Annotated[str, placeholders_from("community")]]
"""What a member is told when their conversation opens, by language."""
Closings = dict[LanguageTag, Annotated[str, placeholders_from("community", "reason")]]


class ModmailSettings(CogSettings):
    """Where conversations are held and how staff answers are signed.

    Attributes:
        channel: The staff channel (name or id) where each conversation opens a thread;
            with ``staff_community`` set, the id of that community's channel (names are
            looked up in this community).
        staff_community: The platform id of another community whose staff channel holds
            the threads (same platform); empty holds them here. That community runs this
            cog too, so its staff's replies are relayed.
        signed: Sign staff replies with the moderator's name; otherwise as "the moderators".
        note_prefix: Staff lines starting with this stay in the thread, never relayed.
        opened: The first answer to the member, by language.
        closed: What the member is told on closing, by language (``{reason}``).
    """

    channel: ChannelName = "modmail"
    staff_community: str = ""
    signed: bool = True
    note_prefix: str = "//"
    opened: Openings = Field(default_factory=lambda: dict(_OPENED))
    closed: Closings = Field(default_factory=lambda: dict(_CLOSED))


class Modmail(Cog[ModmailSettings]):
    """Relay members' private messages to a staff thread and staff answers back."""

    name = "modmail"
    description = "Members write to the bot privately; moderators answer from a staff thread."
    Settings = ModmailSettings

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.store: ModmailStore = modmail_store_for(ctx.storage)

    @property
    def staff_space(self) -> Ref:
        """Return the community whose staff channel holds this community's threads."""
        home = self.ctx.community.ref
        other = self.settings.staff_community
        return Ref(home.platform, other) if other else home

    @listener(DirectMessageReceived)
    async def from_member(self, event: DirectMessageReceived) -> None:
        """Bring a member's private message into their conversation's staff thread."""
        member = event.author
        if member.is_bot:
            return
        community = self.ctx.community.ref
        conversation = await self.store.open_for(community, member.ref)
        if conversation is None:
            # An open conversation with another community goes on where staff are reading
            # it, whichever community the platform handed this message to.
            conversation = await self.store.open_for_member(member.ref)
        if conversation is None or conversation.thread is None:
            conversation = await self._open(member, conversation)
            if conversation is None or conversation.thread is None:
                return
        await self.store.record(conversation.id, "in", member.name, event.content, event.at)
        await self._in_thread(conversation, f"**{member.shown_name}:** {event.content}")

    async def _open(self, member: Member, started: Conversation | None) -> Conversation | None:
        community = self.ctx.community
        now = self.ctx.clock.now()
        conversation = started or await self.store.start(
            community.ref, member.ref, member.shown_name, now, community_name=community.name
        )
        if conversation is None:  # another message of theirs opened it a moment ago
            return await self.store.open_for(community.ref, member.ref)
        channel = Ref(community.ref.platform, self.settings.channel)
        opened = await self.ctx.gateway.apply(
            OpenThread(
                community=self.staff_space,
                channel=channel,
                name=f"modmail {member.shown_name} ({community.name})",
                reason="modmail",
            )
        )
        if not opened.ok or opened.ref is None:
            self.log.warning("could not open a modmail thread: %s", opened.error)
            return None
        await self.store.set_thread(
            conversation.id, opened.ref, space=self.staff_space, channel=channel
        )
        conversation = await self.store.get(conversation.id)
        if conversation is None:
            return None
        await self._in_thread(conversation, await self._header(member))
        await self.ctx.gateway.apply(
            SendDirectMessage(
                community=community.ref,
                member=member.ref,
                content=render(
                    pick_language(self.settings.opened, member.lang, community.language),
                    {"community": community.name},
                ),
                reason="modmail",
            )
        )
        return conversation

    async def _header(self, member: Member) -> str:
        community = self.ctx.community
        cases = store_for(self.ctx.storage).cases
        earlier = await cases.for_member(community.ref, member.ref, limit=100)
        points = await cases.active_points(community.ref, member.ref, self.ctx.clock.now())
        latest = ", ".join(f"{c.label} {c.rule or 'manual'}" for c in earlier[:5]) or "none"
        since = f", member since {member.joined_at:%Y-%m-%d}" if member.joined_at else ""
        return (
            f"Modmail from {member.shown_name} ({member.name}) in {community.name}{since}. "
            f"Record: {len(earlier)} case(s), {points} active point(s); latest: {latest}. "
            f"Write here to answer; lines starting with {self.settings.note_prefix} stay "
            "internal. Close with /modmail close REASON."
        )

    @listener(MessageCreated)
    async def from_staff(self, event: MessageCreated) -> None:
        """Relay a staff message in a conversation's thread to the member."""
        message = event.message
        if message.thread is None or message.author.is_bot:
            return
        conversation = await self.store.in_thread(message.thread)
        if conversation is None or not self.ctx.community.is_staff(message.author):
            return
        if message.content.startswith(self.settings.note_prefix):
            await self.store.record(
                conversation.id, "note", message.author.name, message.content, event.at
            )
            return
        signature = message.author.shown_name if self.settings.signed else "The moderators"
        sent = await self.ctx.gateway.apply(
            SendDirectMessage(
                community=conversation.community,
                member=conversation.member,
                content=f"**{signature}:** {message.content}",
                reason="modmail reply",
            )
        )
        await self.store.record(
            conversation.id, "out", message.author.name, message.content, event.at
        )
        if not sent.ok:
            await self._in_thread(
                conversation, f"Not delivered to {conversation.member_name}: {sent.error}"
            )

    @command("modmail close", description="Close the conversation of this modmail thread.")
    async def modmail_close(
        self, ctx: CommandContext, reason: Annotated[str, "Why, as the member will read it"]
    ) -> None:
        """Close the thread's conversation, tell the member why, keep the transcript."""
        conversation = await self.store.in_thread(ctx.invocation.channel)
        if conversation is None:
            raise CommandError("Run /modmail close inside an open modmail thread.")
        now = self.ctx.clock.now()
        if not await self.store.close(conversation.id, ctx.author.name, reason, now):
            raise CommandError("That conversation is closed already.")
        await self.store.record(conversation.id, "note", ctx.author.name, f"closed: {reason}", now)
        member = await self.ctx.gateway.fetch_member(conversation.community, conversation.member)
        lang = member.lang if member is not None else None
        # Closed from a shared staff space, the member hears the name of the community
        # they wrote to, not the staff space's.
        name = conversation.community_name or self.ctx.community.name
        await self.ctx.gateway.apply(
            SendDirectMessage(
                community=conversation.community,
                member=conversation.member,
                content=render(
                    pick_language(self.settings.closed, lang, self.ctx.community.language),
                    {"community": name, "reason": reason},
                ),
                reason="modmail closed",
            )
        )
        await self._in_thread(conversation, f"Closed by {ctx.author.shown_name}: {reason}")
        await ctx.reply(f"Closed the conversation with {conversation.member_name}.")

    @command("modmail transcript", description="Show a member's latest modmail conversation.")
    async def modmail_transcript(
        self, ctx: CommandContext, member: Annotated[Member, "The member"]
    ) -> None:
        """Reply with every line of the member's latest conversation."""
        # A shared staff space also sees the conversations it holds for other communities.
        conversation = await self.store.latest_for(
            ctx.community.ref, member.ref
        ) or await self.store.latest_held_in(ctx.community.ref, member.ref)
        if conversation is None:
            raise CommandError(f"{member.shown_name} has never written to the moderators.")
        lines = [f"Conversation {conversation.id} ({conversation.status})"]
        if conversation.community != ctx.community.ref:
            lines[0] += f" with {conversation.community_name}"
        arrows = {"in": "<", "out": ">", "note": "#"}
        lines += [
            f"{line.at:%Y-%m-%d %H:%M} {arrows[line.direction]} {line.author}: {line.text}"
            for line in await self.store.transcript(conversation.id)
        ]
        await ctx.reply("\n".join(lines))

    async def _in_thread(self, conversation: Conversation, content: str) -> None:
        """Post in a conversation's thread, wherever its staff space is."""
        if conversation.thread is None:
            return
        platform = conversation.thread.platform
        await self.ctx.gateway.apply(
            PostMessage(
                community=conversation.staff_space or self.staff_space,
                channel=conversation.staff_channel or Ref(platform, self.settings.channel),
                thread=conversation.thread,
                content=content,
                reason="modmail",
            )
        )
