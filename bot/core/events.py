"""Events: what happened on a platform, translated at the adapter's edge.

Events are frozen values named in the past tense. Every event names the community it
belongs to and the time it happened, so the bus can route it and cogs can judge it
without asking the platform anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from bot.core._naming import snake_case
from bot.core.actions import Action, ActionResult
from bot.core.models import Attachment, Member, Message
from bot.core.refs import Ref

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event.

    Attributes:
        community: The community (guild, workspace, local community) it happened in.
        at: When it happened, timezone-aware.
        id: A platform-unique id used to drop redelivered events; empty when the
            platform gives none.
    """

    community: Ref
    at: datetime
    id: str = ""

    @property
    def kind(self) -> str:
        """Return the event's stable snake_case name, as used in logs and metrics."""
        return snake_case(type(self).__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageCreated(Event):
    """A member posted a message in a channel or thread."""

    message: Message


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEdited(Event):
    """A member edited a message; ``message`` holds the new content."""

    message: Message
    before: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(Event):
    """A message was deleted, by its author or by someone else.

    Attributes:
        message: The message.
        channel: The channel it was in (for a thread's message, where the platform still
            knows the thread, the thread's parent, as :class:`Message` has it).
        thread: The thread it was in, if any and known.
        author: Who wrote it, when the platform (or the adapter's memory) still knew.
        content: What it said, when the platform (or the adapter's memory) still knew.
        attachments: The files it carried, where known (their links may no longer work).
    """

    message: Ref
    channel: Ref
    thread: Ref | None = None
    author: Member | None = None
    content: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    """A member joined the community."""

    member: Member


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    """A member left the community, or was removed from it."""

    member: Ref
    name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberUpdated(Event):
    """A member's standing changed: their names, roles, timeout or screening.

    Attributes:
        member: The member as they are now.
        before: As they were just before, where the platform says (Discord does);
            ``None`` where it does not.
    """

    member: Member
    before: Member | None = None

    @property
    def changed(self) -> bool:
        """Return whether names, roles, timeout or screening changed (unknown counts)."""
        return self.before is None or _standing(self.before) != _standing(self.member)

    @property
    def roles_added(self) -> frozenset[str]:
        """Return the roles the member gained (none when the earlier roles are unknown)."""
        return self.member.roles - self.before.roles if self.before else frozenset()

    @property
    def roles_removed(self) -> frozenset[str]:
        """Return the roles the member lost (none when the earlier roles are unknown)."""
        return self.before.roles - self.member.roles if self.before else frozenset()

    @property
    def renamed(self) -> bool:
        """Return whether the member's handle or shown name changed."""
        before = self.before
        return before is not None and (
            before.name != self.member.name or before.shown_name != self.member.shown_name
        )

    @property
    def timeout_lifted(self) -> bool:
        """Return whether a timeout that still held was lifted before its end."""
        before = self.before
        return (
            before is not None
            and before.timed_out_at(self.at)
            and not self.member.timed_out_at(self.at)
        )


def _standing(member: Member) -> tuple[object, ...]:
    """Return what a member update is about; avatars, boosts and statuses are not."""
    return (
        member.name,
        member.display_name,
        member.roles,
        member.timed_out_until,
        member.pending,
    )


BLOCKED_PREFIX = "blocked-"
"""Starts the id of a message the platform blocked before it was posted: no gateway acts
on it (there is nothing to delete)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoModBlocked(Event):
    """The platform's own filter (Discord AutoMod) acted on what a member wrote.

    The platform reports each of its actions apart (block, alert, timeout), so one
    blocked message may arrive as several of these, one per action.

    Attributes:
        rule: The platform's id of the filter rule.
        rule_name: Its name, where known.
        policy_rule: The policy rule it was compiled from, when Steward owns it.
        member: Who wrote it.
        channel: Where, if in a channel.
        content: What they wrote; empty when the platform withheld it.
        matched: The keyword or text that set the rule off, where the platform says.
        action: What the filter did: ``block``, ``alert``, ``timeout``,
            ``block_interactions``, or the platform's own name for another action.
        message: The message, when it was posted all the same (an alert-only rule).
    """

    rule: str
    rule_name: str = ""
    policy_rule: str | None = None
    member: Member
    channel: Ref | None = None
    content: str = ""
    matched: str = ""
    action: str
    message: Ref | None = None

    @property
    def blocked_ref(self) -> Ref:
        """Return the message's ref, or a ``blocked-`` ref when it was never posted."""
        return self.message or Ref(self.community.platform, f"{BLOCKED_PREFIX}{self.id}")


HandAction = Literal["ban", "unban", "kick", "timeout", "untimeout"]
"""What a moderator may do to a member with the platform's own tools."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeratedByHand(Event):
    """A moderator acted on a member with the platform's own tools, not through Steward.

    Discord tells these as they happen through its audit log (the bot needs the View
    Audit Log permission); what Steward did itself is never reported as one.

    Attributes:
        action: ``ban``, ``unban``, ``kick``, ``timeout`` or ``untimeout`` (a timeout
            lifted before its end).
        member: Who it was done to; after a ban or kick no longer a member (``present``
            false), named as the platform still knows them.
        moderator: Who did it, where the platform says.
        reason: The reason they gave, if any.
        until: When a timeout ends.
    """

    action: HandAction
    member: Member
    moderator: Member | None = None
    reason: str = ""
    until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletedByHand(Event):
    """A moderator deleted a member's message with the platform's own tools.

    Discord's audit log names who deleted whose messages in which channel, but not which
    messages: a listener matches this to the :class:`MessageDeleted` it heard by author,
    channel and time. Discord writes one entry for a moderator's first deletion of a
    member's messages in a channel and only counts the next few minutes' on it, without a
    new event, so later ones are not told. A member deleting their own message is never
    reported as one, nor is Steward's own deletion.

    Attributes:
        channel: The channel the message was in (a thread's parent, as for
            :class:`MessageDeleted`).
        author: Who wrote it.
        moderator: Who deleted it.
    """

    channel: Ref
    author: Ref
    moderator: Member


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    """A member reacted to a message."""

    message: Ref
    channel: Ref
    member: Member
    emoji: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Event):
    """A member ran a command (a slash command, or a console command locally).

    Attributes:
        name: The full command path, words separated by spaces (``"case show"``).
        options: Raw option values as the platform delivered them, by option name.
        author: Who ran it.
        channel: Where it was run.
        interaction: The platform's handle for answering (interaction id, response url);
            ephemeral replies go to it.
    """

    name: str
    options: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    author: Member
    channel: Ref
    interaction: Ref


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentClicked(Event):
    """A member clicked a button or chose a menu entry on a message the bot posted.

    Attributes:
        author: Who clicked.
        target: The component's custom id, as the bot set it (``"review:42"``).
        choice: The button's value or the chosen entry.
        channel: Where the component's message is.
        message: The message carrying the component, if known.
        interaction: The platform's handle for answering.
        reason: What the member typed in a form the click opened (a modal asking why),
            if the platform asked; empty otherwise, and cogs fall back to a default.
    """

    author: Member
    target: str
    choice: str
    channel: Ref
    message: Ref | None = None
    interaction: Ref
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PollVoted(Event):
    """A member voted in a native poll (Discord), or took their vote back.

    Attributes:
        message: The poll's message.
        channel: Where it is.
        member: Who voted.
        answer: The answer's position, from 0.
        removed: Whether the vote was taken back.
    """

    message: Ref
    channel: Ref
    member: Member
    answer: int
    removed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectMessageReceived(Event):
    """A member wrote to the bot privately.

    Attributes:
        author: Who wrote.
        content: The text (empty when they sent only files).
        message: The message.
        attachments: The files they sent with it (a screenshot as proof, say).
    """

    author: Member
    content: str
    message: Ref
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick(Event):
    """A timer a cog scheduled came due.

    Attributes:
        timer: The timer's name, as the cog scheduled it (``"discussions:weekly"``).
    """

    timer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionApplied(Event):
    """The bot applied an action, or tried to; ``result`` says how it went.

    Cogs that report on moderation (a mod log, insights) listen to this instead of
    wrapping the gateway.
    """

    action: Action
    result: ActionResult
