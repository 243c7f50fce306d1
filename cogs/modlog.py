"""Keep moderators informed: every moderation action, posted to a staff channel.

Lines name people as staff know them. Actions carry ids (on Discord, eighteen digits), so
the log asks the case an action belongs to for the member's name and the acting
moderator's, and the platform for anyone else; an id stands in only where neither knows.

Where a community asks for it (``message_log``), members' edited and deleted messages are
copied to a channel of their own too: what a troll wrote before taking it down, what a
message said before its author changed it. Steward's own deletions are in the mod log
already and are left out; since Discord can report a deletion before Steward hears that
it made it, a deletion waits :data:`DELETION_GRACE` before it is logged. Where the
platform says a moderator deleted the message (Discord's audit log), the copy names them;
otherwise it says only that the message was deleted, for its author may have.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import Field

from bot.core.actions import (
    Action,
    Ban,
    DeleteMessage,
    DeleteMessages,
    Kick,
    LockChannel,
    SendDirectMessage,
    SetSlowmode,
    Timeout,
    Unban,
)
from bot.core.channels import ChannelName
from bot.core.cog import Cog, CogContext, CogSettings, listener
from bot.core.commands import plain_number
from bot.core.durations import format_duration
from bot.core.events import ActionApplied, DeletedByHand, MessageDeleted, MessageEdited, Tick
from bot.core.models import Attachment, Member
from bot.core.quoting import excerpt, file_line, quoted
from bot.core.refs import Ref
from moderation.cases import Case
from moderation.store import store_for

_MODERATION = (DeleteMessage, DeleteMessages, Timeout, Kick, Ban, Unban, SetSlowmode, LockChannel)
DELETIONS_TIMER = "modlog:deletions"
DELETION_GRACE = timedelta(seconds=5)
"""How long a deletion waits before the message log copies it: Discord may report a
deletion of Steward's before Steward has heard back that it made it."""
OURS_KEPT = 5000
"""How many of its own deletions Steward remembers, to leave their reports out."""
BY_HAND_KEPT = 200
"""How many moderators' deletions Steward remembers until it logs the messages."""
LOGGED_CHARS = 800
"""How much of a message the message log quotes."""
GROUPED_CHARS = 200
"""How much of each message the message log quotes when several went at once."""
WAITING_KEPT = 1000
"""How many deletions waiting for the log a restart takes back."""
_WAITING = "waiting:"
"""The prefix of a waiting deletion's key in the cog's store."""


class ModLogSettings(CogSettings):
    """Where the mod log goes.

    Attributes:
        channel: The staff channel (name or id).
        include_failures: Also post actions the platform refused.
        message_log: Where members' edited and deleted messages are copied (a staff
            channel, name or id); empty, the default, copies them nowhere. The copies hold
            members' words outside Steward's database: ``keep_texts_days`` and erasure
            cannot reach them, so members' ``/privacy`` says they are kept.
        message_log_skip: Channels (names or ids) the message log leaves out, their threads
            too: private rooms whose words should not reach staff who cannot read them
            there, a bot-commands channel. The staff channels are always left out.
    """

    channel: ChannelName = "mod-log"
    include_failures: bool = True
    message_log: ChannelName = ""
    message_log_skip: list[ChannelName] = Field(default_factory=list)

    def privacy_topics(self) -> frozenset[str]:
        """Return ``message_log`` while copies of members' messages are kept."""
        return frozenset({"message_log"}) if self.message_log else frozenset()


class ModLog(Cog[ModLogSettings]):
    """Post a line to the staff channel for each moderation action."""

    name = "modlog"
    description = "Post every moderation action to a staff channel."
    Settings = ModLogSettings
    enabled_by_default = True

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.cases = store_for(ctx.storage).cases
        self._ours: OrderedDict[str, None] = OrderedDict()
        """The messages Steward deleted lately, oldest first (bounded)."""
        self._waiting: dict[str, MessageDeleted] = {}
        """Deletions not yet logged, by message, until their grace has passed."""
        self._by_hand: list[DeletedByHand] = []
        """Moderators' deletions the platform reported lately, not yet matched to one."""
        self._armed = False

    async def on_load(self) -> None:
        """Take back the deletions still waiting for the log when Steward last stopped."""
        community = self.ctx.community.ref
        kept = await self.ctx.storage.cog_state.recent(community, self.name, WAITING_KEPT)
        for key, value in kept:
            if not key.startswith(_WAITING):
                continue
            deleted = _waiting_from(community, value)
            if deleted is None:
                self.log.warning("dropping a waiting deletion the store cannot read: %s", key)
                await self.ctx.storage.cog_state.delete(community, self.name, key)
                continue
            self._waiting[str(deleted.message)] = deleted
        if self._waiting:
            self._arm()

    @listener(ActionApplied)
    async def record(self, event: ActionApplied) -> None:
        """Post a summary of a moderation action."""
        settings = self.settings
        action = event.action
        if event.result.ok and settings.message_log:
            await self._remember_ours(action)
        # A notice that did not reach its member is logged too: staff who see "timed out
        # bob" would take it that bob knows why.
        untold = isinstance(action, SendDirectMessage) and bool(action.case)
        if not isinstance(action, _MODERATION) and not (untold and not event.result.ok):
            return
        if not event.result.ok and not settings.include_failures:
            return
        names = await self._names(action)
        text = summarise(action, event.result.ok, event.result.error, names)
        await self.post(settings.channel, text, reason="mod log")

    @listener(MessageEdited)
    async def log_edit(self, event: MessageEdited) -> None:
        """Copy a member's edit to the message log: what it said, and what it says now."""
        message = event.message
        if not self._logs(message.author, message.channel) or event.before == message.content:
            return
        before = (
            f"> before: {excerpt(event.before, LOGGED_CHARS)}"
            if event.before is not None
            else "> before: (not seen by Steward)"
        )
        await self.post(
            self.settings.message_log,
            f"{quoted(message.author.name)} edited message {message.ref.id} in "
            f"#{(message.thread or message.channel).id}:\n{before}\n> now: {excerpt(message.content, LOGGED_CHARS)}",
            reason="message log",
        )

    @listener(MessageDeleted)
    async def hold_deletion(self, event: MessageDeleted) -> None:
        """Keep a member's deleted message for the log until its grace has passed."""
        if event.author is None or event.content is None:
            return  # nothing left to show of it
        if not event.content and not event.attachments:
            return  # a sticker, an embed: no words or files to copy
        message = str(event.message)
        if not self._logs(event.author, event.channel) or message in self._ours:
            return
        # Kept in store while it waits: a restart meanwhile still logs it.
        record = _waiting_record(event, event.author)
        await self.ctx.storage.cog_state.put(event.community, self.name, _WAITING + message, record)
        if message in self._ours:  # Steward's own, heard of while the store was written
            await self._unstore(message)
            return
        self._waiting[message] = event
        if not self._armed:
            self._arm()

    @listener(DeletedByHand)
    async def note_deleted_by_hand(self, event: DeletedByHand) -> None:
        """Remember who deleted a member's message, to name them when it is logged.

        The report names no message, and may come before or after the deletion itself:
        both wait until the deletion's grace has passed, then meet.
        """
        if self.settings.message_log:
            self._by_hand.append(event)
            del self._by_hand[:-BY_HAND_KEPT]

    @listener(Tick)
    async def log_deletions(self, event: Tick) -> None:
        """Copy the deletions whose grace has passed, unless Steward made them."""
        if event.timer != DELETIONS_TIMER:
            return
        self._armed = False
        if not self.settings.message_log:  # turned off by a reload since
            for message in list(self._waiting):
                await self._forget_waiting(message)
            self._by_hand.clear()
            return
        due = [d for d in self._waiting.values() if d.at + DELETION_GRACE <= event.at]
        by_channel: dict[Ref, list[_Gone]] = {}
        for deleted in sorted(due, key=lambda d: d.at):
            message = str(deleted.message)
            del self._waiting[message]
            if message in self._ours or deleted.author is None:
                await self._unstore(message)
                continue
            gone = _Gone(deleted, deleted.author, self._deleted_by(deleted, deleted.author))
            by_channel.setdefault(deleted.channel, []).append(gone)
        for channel, deletions in by_channel.items():
            await self.post(
                self.settings.message_log,
                _deletion_copy(channel, deletions),
                reason="message log",
            )
            # Only once posted: a crash before then copies it after the restart.
            for gone in deletions:
                await self._unstore(str(gone.deleted.message))
        # A report can only meet a deletion heard about as long as a grace before it.
        self._by_hand = [r for r in self._by_hand if r.at + 2 * DELETION_GRACE > event.at]
        if self._waiting:
            self._arm()

    def _arm(self) -> None:
        """Wake the log when the first waiting deletion's grace has passed."""
        if not self._waiting:
            return
        self._armed = True
        first = min(d.at for d in self._waiting.values())
        self.ctx.timers.schedule(self.ctx.community.ref, DELETIONS_TIMER, first + DELETION_GRACE)

    async def _forget_waiting(self, message: str) -> None:
        """Take a deletion off the waiting list, in memory and in store."""
        if self._waiting.pop(message, None) is not None:
            await self._unstore(message)

    async def _unstore(self, message: str) -> None:
        """Take a waiting deletion's record out of the store."""
        community = self.ctx.community.ref
        await self.ctx.storage.cog_state.delete(community, self.name, _WAITING + message)

    def _deleted_by(self, deleted: MessageDeleted, author: Member) -> Member | None:
        """Return the moderator reported to have deleted the message, taking the report.

        A report names the author and channel, not the message: it goes to the deletion of
        theirs there nearest to it in time (within a grace), among those logged now and
        those still waiting, so a member's own deletion just before a moderator's is not
        taken for it.
        """
        channel = deleted.channel
        theirs = [
            d
            for d in self._waiting.values()
            if d.author is not None and d.author.ref == author.ref and d.channel == channel
        ]

        def gap(report: DeletedByHand, other: MessageDeleted) -> timedelta:
            return abs(report.at - other.at)

        mine = [
            r
            for r in self._by_hand
            if r.author == author.ref
            and r.channel == channel
            and gap(r, deleted) <= DELETION_GRACE
            and all(gap(r, deleted) <= gap(r, other) for other in theirs)
        ]
        if not mine:
            return None
        nearest = min(mine, key=lambda r: gap(r, deleted))
        self._by_hand.remove(nearest)
        return nearest.moderator

    def _logs(self, author: Member, channel: Ref) -> bool:
        """Return whether a member's message in a channel goes to the message log."""
        settings = self.settings
        if not settings.message_log or author.is_bot:
            return False
        # The staff's own channels (the log would copy itself), and those kept out.
        return channel.id not in {
            settings.message_log,
            settings.channel,
            *settings.message_log_skip,
        }

    async def _remember_ours(self, action: Action) -> None:
        """Remember the messages an action of Steward's deleted, forgetting the oldest."""
        if isinstance(action, DeleteMessage):
            deleted = [action.message]
        elif isinstance(action, DeleteMessages):
            deleted = list(action.messages)
        else:
            return
        for message in deleted:
            self._ours[str(message)] = None
            await self._forget_waiting(str(message))
        while len(self._ours) > OURS_KEPT:
            self._ours.popitem(last=False)

    async def _names(self, action: Action) -> dict[str, str]:
        """Return the names of the action's actor and member, by their ids, where known."""
        community = self.ctx.community.ref
        member = getattr(action, "member", None)
        wanted = [action.actor] if action.actor != "bot" else []
        if isinstance(member, Ref):
            wanted.append(str(member))
        if not wanted:
            return {}  # Steward removing a message: nobody to name
        number = plain_number(action.case.removeprefix("#")) if action.case else None
        case = await self.cases.get(community, number) if number is not None else None
        names = _named_by(case) if case is not None else {}
        for ident in (w for w in wanted if w not in names):
            try:
                ref = Ref.parse(ident)
            except ValueError:
                continue
            found = await self.ctx.gateway.fetch_member(community, ref)
            if found is not None:
                names[ident] = found.shown_name
        return names


def _waiting_record(deleted: MessageDeleted, author: Member) -> dict[str, object]:
    """Return what the store keeps of a deletion waiting for the log."""
    return {
        "message": str(deleted.message),
        "channel": str(deleted.channel),
        "thread": str(deleted.thread) if deleted.thread is not None else "",
        "author": str(author.ref),
        "author_name": author.name,
        "content": deleted.content or "",
        "files": [[f.filename, f.url] for f in deleted.attachments],
        "at": deleted.at.isoformat(),
    }


def _waiting_from(community: Ref, record: object) -> MessageDeleted | None:
    """Return a waiting deletion from its stored record; ``None`` for one unreadable."""
    if not isinstance(record, dict):
        return None
    try:
        return MessageDeleted(
            community=community,
            at=datetime.fromisoformat(record["at"]),
            message=Ref.parse(record["message"]),
            channel=Ref.parse(record["channel"]),
            thread=Ref.parse(record["thread"]) if record.get("thread") else None,
            author=Member(ref=Ref.parse(record["author"]), name=record["author_name"]),
            content=record["content"],
            attachments=tuple(
                Attachment(filename=str(name), url=str(url))
                for name, url in record.get("files", [])
            ),
        )
    except (KeyError, TypeError, ValueError):
        return None


class _Gone(NamedTuple):
    """A deleted message the message log copies: whose, and who deleted it, if known."""

    deleted: MessageDeleted
    author: Member
    moderator: Member | None


def _deletion_copy(channel: Ref, deletions: list[_Gone]) -> str:
    """Return the message log's copy of deletions in one channel, with who deleted each.

    Several at once (a purge by another tool, a ban that took a raider's messages with it)
    go in one post, a line each, rather than flooding the log with a post each.
    """
    if len(deletions) == 1:
        deleted, author, moderator = deletions[0]
        by = f" by {quoted(moderator.name)}" if moderator is not None else ""
        said = [f"> {excerpt(deleted.content, LOGGED_CHARS)}"] if deleted.content else []
        files = [f"> {file_line(f)}" for f in deleted.attachments]
        return "\n".join(
            [
                f"{quoted(author.name)}'s message {deleted.message.id} in "
                f"#{(deleted.thread or channel).id} was "
                f"deleted{by}:",
                *said,
                *files,
            ]
        )
    lines = [f"{len(deletions)} messages in #{channel.id} were deleted:"]
    for deleted, author, moderator in deletions:
        by = f", deleted by {quoted(moderator.name)}" if moderator is not None else ""
        said = [excerpt(deleted.content, GROUPED_CHARS)] if deleted.content else []
        files = [f"📎 {quoted(f.filename)}" for f in deleted.attachments]
        lines.append(
            f"> {quoted(author.name)} (message {deleted.message.id}{by}): "
            + " ".join([*said, *files])
        )
    return "\n".join(lines)


def _named_by(case: Case) -> dict[str, str]:
    """Return the names a case keeps: its member's, and the moderator's who opened it."""
    names = {str(case.member): case.member_name} if case.member_name else {}
    if case.actor != "bot" and case.evidence.get("moderator"):
        names[case.actor] = case.actor_name
    return names


def summarise(action: Action, ok: bool, error: str, names: dict[str, str] | None = None) -> str:
    """Return one line describing a moderation action for moderators.

    Args:
        action: What was done.
        ok: Whether the platform did it.
        error: Why not, if it did not.
        names: People's names by their ref (``discord:123``): the line names them so;
            anyone else by id.
    """
    known = names or {}

    def named(ident: str) -> str:
        return quoted(known[ident]) if ident in known else ident.split(":", 1)[-1]

    who = "Steward" if action.actor == "bot" else named(action.actor)
    what = _what(action, lambda ref: named(str(ref)))
    parts = [f"{who} {what}"]
    if action.reason:
        # A reason may carry a reporting member's words.
        parts.append(f"reason: {quoted(action.reason)}")
    if action.rule:
        parts.append(f"rule {action.rule}")
    if action.case:
        parts.append(f"case {action.case}")
    line = " | ".join(parts)
    return line if ok else f"FAILED ({error}): {line}"


def _what(action: Action, name: Callable[[Ref], str]) -> str:
    """Return what an action did, in words, its people named by ``name``."""
    match action:
        case DeleteMessage(message=message, channel=channel):
            return f"deleted message {message.id} in #{channel.id}"
        case DeleteMessages(messages=messages, channel=channel):
            return f"deleted {len(messages)} message(s) in #{channel.id}"
        case Timeout(member=member, duration=duration):
            return (
                f"timed out {name(member)} for {format_duration(duration)}"
                if duration
                else f"lifted {name(member)}'s timeout"
            )
        case Kick(member=member):
            return f"kicked {name(member)}"
        case Ban(member=member, duration=duration):
            return f"banned {name(member)}" + (
                f" for {format_duration(duration)}" if duration else ""
            )
        case Unban(member=member):
            return f"unbanned {name(member)}"
        case SetSlowmode(channel=channel, seconds=seconds):
            return f"set slowmode in #{channel.id} to {seconds}s"
        case SendDirectMessage(member=member):
            return f"sent {name(member)} their notice"
        case LockChannel(channel=channel, locked=locked):
            return f"{'locked' if locked else 'unlocked'} #{channel.id}"
        case _:
            return action.kind
