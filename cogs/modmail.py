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

A member who writes faster than the thread is fed (``relay_per_minute``) is not lost: the
rest of that minute's lines go into the transcript at once and into the thread together
when the minute is over, so a flood of private messages costs the staff one post a minute.
Moderators can block a member who abuses modmail (``/modmail block``), for a while or until
lifted; the member is told once, and what they write then reaches no one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field

from bot.core.actions import OpenThread, PostMessage, SendDirectMessage
from bot.core.channels import ChannelName
from bot.core.clock import zone
from bot.core.cog import Cog, CogContext, CogSettings, listener
from bot.core.commands import CommandContext, CommandError, command
from bot.core.durations import format_duration
from bot.core.events import DirectMessageReceived, MessageCreated, Tick
from bot.core.language_tags import LanguageTag
from bot.core.models import Attachment, Member
from bot.core.quoting import file_line, quoted
from bot.core.refs import Ref
from bot.core.templates import pick_language, placeholders_from, render
from cogs._modmail_store import Block, Conversation, ModmailStore, modmail_store_for
from moderation.cases import staff_notes_line
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
_BLOCKED = {
    "en": "Your messages no longer reach the {community} moderators: {reason}.",
    "fr": "Tes messages ne parviennent plus aux modérateurs de {community} : {reason}.",
    "nl": "Je berichten komen niet meer aan bij de moderators van {community}: {reason}.",
    "da": "Dine beskeder når ikke længere frem til moderatorerne i {community}: {reason}.",
    "pl": "Twoje wiadomości nie docierają już do moderatorów {community}: {reason}.",
    "ja": "あなたのメッセージは{community}のモデレーターに届かなくなりました：{reason}。",
}
_BLOCKED_UNTIL = {
    "en": "Until {until}, your messages do not reach the {community} moderators: {reason}.",
    "fr": "Jusqu'au {until}, tes messages ne parviennent plus aux modérateurs de {community} : {reason}.",
    "nl": "Tot {until} komen je berichten niet aan bij de moderators van {community}: {reason}.",
    "da": "Indtil {until} når dine beskeder ikke frem til moderatorerne i {community}: {reason}.",
    "pl": "Do {until} Twoje wiadomości nie docierają do moderatorów {community}: {reason}.",
    "ja": "{until}まで、あなたのメッセージは{community}のモデレーターに届きません：{reason}。",
}
_REACHED_OUT = {
    "en": "The {community} moderators are writing to you. Answer here: they will read it.",
    "fr": "Les modérateurs de {community} t'écrivent. Réponds ici : ils liront ta réponse.",
    "nl": "De moderators van {community} schrijven je. Antwoord hier: zij lezen het.",
    "da": "Moderatorerne i {community} skriver til dig. Svar her: de læser det.",
    "pl": "Moderatorzy {community} piszą do Ciebie. Odpowiedz tutaj: przeczytają to.",
    "ja": "{community}のモデレーターからのメッセージです。ここで返信すると、モデレーターに届きます。",
}
_TEAM = {
    "en": "The {community} moderators",
    "fr": "Les modérateurs de {community}",
    "nl": "De moderators van {community}",
    "da": "Moderatorerne i {community}",
    "pl": "Moderatorzy {community}",
    "ja": "{community}のモデレーター",
}
HELD_TIMER = "modmail:held:"
"""The prefix of the timer that posts a conversation's held lines (its number follows)."""
_MINUTE = timedelta(minutes=1)
TRANSCRIPT_SHOWN = 100
"""The most lines /modmail transcript shows, the latest."""


Openings = dict[LanguageTag, Annotated[str, placeholders_from("community")]]
"""What a member is told when their conversation opens, by language."""
Closings = dict[LanguageTag, Annotated[str, placeholders_from("community", "reason")]]
"""What a member is told when their conversation closes, or when they are blocked."""
BlockEnds = dict[LanguageTag, Annotated[str, placeholders_from("community", "reason", "until")]]
"""What a member blocked for a while is told, by language (``{until}``: when it ends)."""


class ModmailSettings(CogSettings):
    """Where conversations are held and how staff answers are signed.

    Attributes:
        channel: The staff channel (name or id) where each conversation opens a thread;
            with ``staff_community`` set, the id of that community's channel (names are
            looked up in this community).
        staff_community: The platform id of another community whose staff channel holds
            the threads (same platform); empty holds them here. That community runs this
            cog too, so its staff's replies are relayed.
        signed: Sign staff replies with the moderator's name; otherwise as the team
            (``team``).
        note_prefix: Staff lines starting with this stay in the thread, never relayed.
        relay_per_minute: The most of a member's messages a minute posted in the thread
            one by one; the rest of the minute's are posted together when it is over.
        opened: The first answer to the member, by language.
        reached_out: What heads the first message of a conversation a moderator opened
            (``/modmail open``), by language: who writes and that an answer reaches them.
        closed: What the member is told on closing, by language (``{reason}``).
        blocked: What a member blocked until lifted is told, once, when they write
            (``{reason}``).
        blocked_until: What a member blocked for a while is told, once, when they write:
            ``{until}`` is when the block ends, in the community's time zone.
        team: How unsigned staff replies are signed, by language (the member's).
    """

    channel: ChannelName = "modmail"
    staff_community: str = ""
    signed: bool = True
    note_prefix: str = "//"
    relay_per_minute: int = Field(default=10, ge=1, le=1000)
    opened: Openings = Field(default_factory=lambda: dict(_OPENED))
    reached_out: Openings = Field(default_factory=lambda: dict(_REACHED_OUT))
    closed: Closings = Field(default_factory=lambda: dict(_CLOSED))
    blocked: Closings = Field(default_factory=lambda: dict(_BLOCKED))
    blocked_until: BlockEnds = Field(default_factory=lambda: dict(_BLOCKED_UNTIL))
    team: Openings = Field(default_factory=lambda: dict(_TEAM))


def with_files(text: str, files: Sequence[Attachment]) -> str:
    """Return a message as the other side reads it: its text, then a line per file.

    A screenshot sent as proof, with no text, would otherwise arrive as nothing.
    """
    lines = [text] if text else []
    lines += [file_line(file) for file in files]
    return "\n".join(lines) or "(no text or file)"


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

    async def on_load(self) -> None:
        """Say where this community's modmail is held; arm the timers of held lines."""
        # Other cogs (routing) read it to leave a blocked member's private messages alone.
        # It is not taken back on unload: a reload loads the new instance before unloading
        # the old, and blocks staff made still hold if modmail is turned off.
        await self.store.serve(self.ctx.community.ref, self.staff_space)
        now = self.ctx.clock.now()
        for conversation_id in await self.store.with_held_lines(self.ctx.community.ref):
            first = await self.store.first_held_at(conversation_id)
            if first is not None:
                self._arm_held(conversation_id, max(first + _MINUTE, now))

    @listener(DirectMessageReceived)
    async def from_member(self, event: DirectMessageReceived) -> None:
        """Bring a member's private message into their conversation's staff thread."""
        member = event.author
        if member.is_bot:
            return
        block = await self.store.block_on(self.staff_space, member.ref, event.at)
        if block is not None:
            await self._tell_blocked(member, block)
            return
        community = self.ctx.community.ref
        conversation = await self.store.open_for(community, member.ref)
        if conversation is None:
            # An open conversation with another community goes on where staff are reading
            # it, whichever community the platform handed this message to.
            conversation = await self.store.open_for_member(member.ref)
        if conversation is None or conversation.thread is None:
            conversation = await self._open(member, conversation)
            if conversation is None:
                return
        # Lines already held keep theirs before this one, so the thread keeps their order;
        # with no thread yet (it could not be opened), the line waits for one.
        first_held = await self.store.first_held_at(conversation.id)
        hold = (
            first_held is not None
            or conversation.thread is None
            or (
                await self.store.member_lines_since(conversation.id, event.at - _MINUTE)
                >= self.settings.relay_per_minute
            )
        )
        sent = with_files(event.content, event.attachments)
        # Kept as not yet in the thread until it is: a platform error or a crash before the
        # post leaves it to go with the held lines, a minute later or after a restart.
        line = await self.store.record(
            conversation.id, "in", member.name, sent, event.at, relayed=False
        )
        if not hold and await self._in_thread(
            conversation, f"**{quoted(member.shown_name)}:** {quoted(sent)}"
        ):
            await self.store.mark_relayed(line)
            return
        self._arm_held(conversation.id, (first_held or event.at) + _MINUTE)

    def _arm_held(self, conversation_id: int, due: datetime) -> None:
        # This community's timer, whichever community the conversation is with: this
        # process runs it (the conversation's may run in another). If both arm one, the
        # lines still go once: taking them is one write.
        self.ctx.timers.schedule(self.ctx.community.ref, f"{HELD_TIMER}{conversation_id}", due)

    @listener(Tick)
    async def post_held(self, event: Tick) -> None:
        """Post, together, the lines a member wrote while over ``relay_per_minute``."""
        if not event.timer.startswith(HELD_TIMER):
            return
        conversation = await self.store.get(int(event.timer.removeprefix(HELD_TIMER)))
        if conversation is None or conversation.thread is None:
            return  # no thread yet: the lines wait for the member's next message to open one
        # Taken before posting: a crash in between leaves them in the transcript only,
        # rather than posted twice.
        lines = await self.store.take_held(conversation.id)
        if not lines:
            return
        name = quoted(conversation.member_name)
        said = "\n".join(f"**{name}:** {quoted(line.text)}" for line in lines)
        await self._in_thread(
            conversation,
            f"_{len(lines)} more message(s) from {name}, held back (more than "
            f"{self.settings.relay_per_minute} a minute, or not posted at first):_\n{said}",
        )

    async def _tell_blocked(self, member: Member, block: Block) -> None:
        """Tell a blocked member, the first time they write, that no one reads them."""
        if not await self.store.mark_told(self.staff_space, member.ref):
            return
        community = self.ctx.community
        values = {"community": community.name, "reason": block.reason}
        templates = self.settings.blocked
        if block.until is not None:
            # A member told days into a block learns when it ends, as a date and time
            # where the community lives (what its schedules speak), zone named.
            local = block.until.astimezone(zone(community.timezone))
            values["until"] = f"{local:%Y-%m-%d %H:%M} ({community.timezone})"
            templates = self.settings.blocked_until
        await self._tell(
            community.ref, member.ref, templates, member.lang, values, why="modmail blocked"
        )

    async def _tell(
        self,
        community: Ref,
        member: Ref,
        templates: Mapping[str, str],
        lang: str | None,
        values: Mapping[str, str],
        *,
        why: str,
    ) -> None:
        """Send a member one of modmail's messages, in their language or the community's."""
        text = pick_language(templates, lang, self.ctx.community.language)
        await self.ctx.gateway.apply(
            SendDirectMessage(
                community=community, member=member, content=render(text, values), reason=why
            )
        )

    async def _team(self, conversation: Conversation) -> str:
        """Return how the team signs an answer, in the member's language (the team's name)."""
        community = self.ctx.community
        member = await self.ctx.gateway.fetch_member(conversation.community, conversation.member)
        text = pick_language(
            self.settings.team, member.lang if member else None, community.language
        )
        return render(text, {"community": community.name})

    async def _open(
        self, member: Member, started: Conversation | None, *, by: Member | None = None
    ) -> Conversation | None:
        """Open a conversation's staff thread, headed by who the member is.

        ``by``: the moderator reaching out (``/modmail open``); ``None`` when the member
        wrote first, who is then thanked for writing.
        """
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
            # The conversation stays open without a thread: the member's next message
            # tries again, and what they wrote meanwhile is kept for it.
            self.log.warning("could not open a modmail thread: %s", opened.error)
            return conversation
        await self.store.set_thread(
            conversation.id, opened.ref, space=self.staff_space, channel=channel
        )
        conversation = await self.store.get(conversation.id)
        if conversation is None:
            return None
        await self._in_thread(conversation, await self._header(member, by))
        if by is None:
            await self._tell(
                community.ref,
                member.ref,
                self.settings.opened,
                member.lang,
                {"community": community.name},
                why="modmail",
            )
        return conversation

    async def _header(self, member: Member, by: Member | None = None) -> str:
        community = self.ctx.community
        cases = store_for(self.ctx.storage).cases
        found = await cases.for_member(community.ref, member.ref, limit=100)
        earlier = [c for c in found if c.on_record]
        points = await cases.active_points(community.ref, member.ref, self.ctx.clock.now())
        latest = ", ".join(f"{c.label} {c.rule or 'manual'}" for c in earlier[:5]) or "none"
        since = f", member since {member.joined_at:%Y-%m-%d}" if member.joined_at else ""
        # Not an offence, but whoever answers should know they may have been at risk.
        welfare = sum(c.welfare_concern for c in found)
        cared = f" Earlier welfare alert(s): {welfare}." if welfare else ""
        # What a colleague noted on them, on a line of its own: a note ends as it was written.
        noted = staff_notes_line(found)
        # The handle beside a display name tells apart two "Alex"es; beside itself, nothing.
        handle = f" ({member.name})" if member.shown_name != member.name else ""
        who = (
            f"Modmail to {quoted(member.shown_name)}{handle}, opened by {quoted(by.shown_name)},"
            if by is not None
            else f"Modmail from {quoted(member.shown_name)}{handle}"
        )
        return (
            f"{who} in {community.name}{since}. "
            f"Record: {len(earlier)} case(s), {points} active point(s); latest: {latest}.{cared} "
            f"Write here to answer; lines starting with {self.settings.note_prefix} stay "
            f"internal. Close with {self.typed('modmail close')} REASON."
        ) + (f"\n{noted}" if noted else "")

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
        answer = with_files(message.content, message.attachments)
        await self._to_member(conversation, message.author, answer, event.at)

    async def _to_member(
        self,
        conversation: Conversation,
        author: Member,
        text: str,
        at: datetime,
        *,
        opening: str = "",
    ) -> bool:
        """Send a staff line to the member, signed, keep it in the transcript; say if it went.

        ``opening`` goes before it in the same message (a conversation staff opened). One
        that does not arrive (closed direct messages) is said in the thread.
        """
        signature = author.shown_name if self.settings.signed else await self._team(conversation)
        signed = f"**{signature}:** {text}"
        sent = await self.ctx.gateway.apply(
            SendDirectMessage(
                community=conversation.community,
                member=conversation.member,
                content=f"{opening}\n{signed}" if opening else signed,
                reason="modmail reply",
            )
        )
        await self.store.record(conversation.id, "out", author.name, text, at)
        if not sent.ok:
            await self._in_thread(
                conversation, f"Not delivered to {conversation.member_name}: {sent.error}"
            )
        return sent.ok

    @command("modmail open", description="Write to a member privately, in a modmail thread.")
    async def modmail_open(
        self,
        ctx: CommandContext,
        member: Annotated[Member, "The member"],
        text: Annotated[str, "What they will read"],
    ) -> None:
        """Reach out to a member in a conversation the whole team reads.

        A member who was told after a welfare alert that someone would reach out, or one a
        moderator would rather talk to than warn, is written to as modmail: a moderator's
        own direct messages leave no transcript and nobody to take over. What the member
        answers comes to the same thread. A member with an open conversation gets the text
        there.
        """
        if member.is_bot:
            raise CommandError(f"{quoted(member.shown_name)} is a bot: it reads no modmail.")
        now = self.ctx.clock.now()
        if await self.store.block_on(self.staff_space, member.ref, now) is not None:
            raise CommandError(
                f"{quoted(member.shown_name)} is blocked from modmail: their answers would "
                f"reach no one. Lift it first with {self.typed('modmail unblock')} "
                f"{quoted(member.shown_name)}."
            )
        community = self.ctx.community
        conversation = await self.store.open_for(community.ref, member.ref)
        if conversation is None or conversation.thread is None:
            conversation = await self._open(member, conversation, by=ctx.author)
            if conversation is None or conversation.thread is None:
                raise CommandError("The modmail thread could not be opened; nothing was sent.")
        opening = ""
        if not await self.store.line_count(conversation.id):
            # The conversation's first words say who writes and that an answer reaches
            # them, also when a first try opened the thread and went no further.
            text_of = pick_language(self.settings.reached_out, member.lang, community.language)
            opening = render(text_of, {"community": community.name})
        await self._in_thread(
            conversation, f"**{quoted(ctx.author.shown_name)}** wrote to them: {quoted(text)}"
        )
        if not await self._to_member(conversation, ctx.author, text, now, opening=opening):
            raise CommandError(
                f"{quoted(member.shown_name)} could not be reached privately (their direct "
                "messages may be closed); the modmail thread says so and keeps your text."
            )
        await ctx.reply(
            f"Wrote to {quoted(member.shown_name)}; their answer comes to the modmail thread."
        )

    @command("modmail close", description="Close the conversation of this modmail thread.")
    async def modmail_close(
        self, ctx: CommandContext, reason: Annotated[str, "Why, as the member will read it"]
    ) -> None:
        """Close the thread's conversation, tell the member why, keep the transcript."""
        conversation = await self.store.in_thread(ctx.invocation.channel)
        if conversation is None:
            raise CommandError(f"Run {self.typed('modmail close')} inside an open modmail thread.")
        now = self.ctx.clock.now()
        if not await self.store.close(conversation.id, ctx.author.name, reason, now):
            raise CommandError("That conversation is closed already.")
        await self.store.record(conversation.id, "note", ctx.author.name, f"closed: {reason}", now)
        member = await self.ctx.gateway.fetch_member(conversation.community, conversation.member)
        lang = member.lang if member is not None else None
        # Closed from a shared staff space, the member hears the name of the community
        # they wrote to, not the staff space's.
        name = conversation.community_name or self.ctx.community.name
        await self._tell(
            conversation.community,
            conversation.member,
            self.settings.closed,
            lang,
            {"community": name, "reason": reason},
            why="modmail closed",
        )
        await self._in_thread(conversation, f"Closed by {ctx.author.shown_name}: {reason}")
        await ctx.reply(f"Closed the conversation with {conversation.member_name}.")

    @command("modmail block", description="Stop a member's private messages reaching staff.")
    async def modmail_block(
        self,
        ctx: CommandContext,
        reason: Annotated[str, "Why, as the member will read it"],
        member: Annotated[Member | None, "Who (inside a modmail thread: its member)"] = None,
        duration: Annotated[timedelta | None, "For how long (7d); empty until lifted"] = None,
    ) -> None:
        """Block a member from modmail here (and wherever this staff space serves)."""
        if duration is not None and duration <= timedelta(0):
            raise CommandError("A block lasts a while: give a duration such as 7d, or none.")
        here = None if member else await self.store.in_thread(ctx.invocation.channel)
        if member is not None:
            who, name = member.ref, member.shown_name
        elif here is not None:
            who, name = here.member, here.member_name
        else:
            raise CommandError("Name the member, or run /modmail block in their modmail thread.")
        now = self.ctx.clock.now()
        until = now + duration if duration else None
        await self.store.block(
            self.staff_space,
            who,
            name=name,
            reason=reason,
            by=ctx.author.name,
            now=now,
            until=until,
        )
        how_long = f"for {format_duration(duration)}" if duration else "until lifted"
        open_now = here or await self.store.open_for_member(who)
        if open_now is not None and (open_now.staff_space or self.staff_space) == self.staff_space:
            await self.store.close(open_now.id, ctx.author.name, f"blocked: {reason}", now)
            await self.store.record(
                open_now.id, "note", ctx.author.name, f"blocked {how_long}: {reason}", now
            )
            await self._in_thread(
                open_now,
                f"Blocked by {ctx.author.shown_name} {how_long}: {reason}. What {quoted(name)} "
                f"writes no longer reaches the moderators; {self.typed('modmail unblock')} "
                f"{quoted(name)} "
                "lifts it.",
            )
        await ctx.reply(f"Blocked {quoted(name)} from modmail {how_long}.")

    @command("modmail unblock", description="Let a blocked member write to staff again.")
    async def modmail_unblock(
        self,
        ctx: CommandContext,
        member: Annotated[str, "Their name or id, as /modmail blocks lists them"],
    ) -> None:
        """Lift a member's modmail block."""
        # A mention typed into the text (<@123> on Discord) names the member by id.
        wanted = member.strip().removeprefix("<").removesuffix(">").lstrip("@!").casefold()
        blocks = await self.store.blocks(self.staff_space, self.ctx.clock.now())
        found = [b for b in blocks if wanted in (b.member.id.casefold(), b.member_name.casefold())]
        if not found:
            raise CommandError(f"{member} is not blocked from modmail (see /modmail blocks).")
        for block in found:
            await self.store.unblock(self.staff_space, block.member)
        await ctx.reply(f"{found[0].member_name} can write to the moderators again.")

    @command("modmail blocks", description="List the members blocked from modmail.")
    async def modmail_blocks(self, ctx: CommandContext) -> None:
        """Reply with every block in force: who, by whom, since when, until when, why."""
        blocks = await self.store.blocks(self.staff_space, self.ctx.clock.now())
        if not blocks:
            await ctx.reply("No one is blocked from modmail.")
            return
        lines = [f"{len(blocks)} member(s) blocked from modmail:"]
        for block in blocks:
            until = f"until {self.wall_clock(block.until)}" if block.until else "until lifted"
            lines.append(
                f"{quoted(block.member_name)} ({block.member.id}), by {block.blocked_by} on "
                f"{block.blocked_at:%Y-%m-%d}, {until}: {block.reason}"
            )
        await ctx.reply("\n".join(lines))

    @command("modmail transcript", description="Show a member's latest modmail conversation.")
    async def modmail_transcript(
        self, ctx: CommandContext, member: Annotated[Member, "The member"]
    ) -> None:
        """Reply with the member's latest conversation: its last lines, oldest first."""
        # A shared staff space also sees the conversations it holds for other communities.
        conversation = await self.store.latest_for(
            ctx.community.ref, member.ref
        ) or await self.store.latest_held_in(ctx.community.ref, member.ref)
        if conversation is None:
            raise CommandError(f"{member.shown_name} has never written to the moderators.")
        lines = [f"Conversation {conversation.id} ({conversation.status})"]
        if conversation.community != ctx.community.ref:
            lines[0] += f" with {conversation.community_name}"
        shown = await self.store.transcript(conversation.id, last=TRANSCRIPT_SHOWN)
        total = await self.store.line_count(conversation.id)
        if total > len(shown):  # a flood would otherwise answer in hundreds of messages
            lines[0] += f": the last {len(shown)} of {total} lines (the thread has them all)"
        arrows = {"in": "<", "out": ">", "note": "#"}
        lines += [
            f"{self.wall_clock(line.at)} {arrows[line.direction]} {line.author}: {quoted(line.text)}"
            for line in shown
        ]
        await ctx.reply("\n".join(lines))

    async def _in_thread(self, conversation: Conversation, content: str) -> bool:
        """Post in a conversation's thread, wherever its staff space is; say if it went."""
        if conversation.thread is None:
            return False
        platform = conversation.thread.platform
        posted = await self.ctx.gateway.apply(
            PostMessage(
                community=conversation.staff_space or self.staff_space,
                channel=conversation.staff_channel or Ref(platform, self.settings.channel),
                thread=conversation.thread,
                content=content,
                reason="modmail",
            )
        )
        if not posted.ok:
            self.log.warning(
                "could not post in modmail thread %s: %s", conversation.thread, posted.error
            )
        return posted.ok
