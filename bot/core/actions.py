"""Actions: what the bot asks a platform to do, named in the imperative.

Cogs and moderation build actions; only a :class:`~bot.core.protocols.Gateway` applies
them. Each action names the community, a human-readable reason (platforms show it in
their audit logs) and, when a rule or a case caused it, their ids.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from bot.core._naming import snake_case
from bot.core.refs import Ref


class ButtonStyle(enum.StrEnum):
    """How a button looks; platforms map these to their own styles."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"
    SUCCESS = "success"


@dataclass(frozen=True, slots=True, kw_only=True)
class Button:
    """A button on a posted message; a click arrives as ``ComponentClicked``.

    Attributes:
        target: The custom id delivered back on click (``"review:42"``).
        choice: The value delivered back on click (``"remove"``).
        label: The text on the button.
        style: How it looks.
        asks_reason: The question a form asks before the click is delivered (``"Why
            ban this member?"``); empty asks nothing. Buttons that ask are moderators'
            decisions: platforms with forms (Discord and Slack modals) ask staff only and
            deliver what they typed as ``ComponentClicked.reason``; anyone else's click,
            and every click where there is no form, arrives at once with no reason.
    """

    target: str
    choice: str
    label: str
    style: ButtonStyle = ButtonStyle.SECONDARY
    asks_reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """Base of every action.

    Attributes:
        community: Where to act.
        reason: Why, in words a moderator would write; shown in audit logs.
        actor: Who asked for it: ``"bot"``, or the ref (``platform:id``) of a moderator.
        rule: The id of the rule that caused it, if any.
        case: The id of the case it belongs to, if any.
    """

    community: Ref
    reason: str = ""
    actor: str = "bot"
    rule: str | None = None
    case: str | None = None

    @property
    def kind(self) -> str:
        """Return the action's stable snake_case name (``delete_message``)."""
        return snake_case(type(self).__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteMessage(Action):
    """Delete a message."""

    channel: Ref
    message: Ref


@dataclass(frozen=True, slots=True, kw_only=True)
class PostMessage(Action):
    """Post a message in a channel, or in a thread when ``thread`` is set.

    Attributes:
        mentions: The mentions in ``content`` that should notify, each written as the
            platform writes it (``<@&ROLE_ID>`` on Discord, ``<!subteam^ID>`` on Slack).
            Nothing else in the content pings anyone, so quoting a member's words
            cannot ping a role or everyone.
    """

    channel: Ref
    content: str
    thread: Ref | None = None
    buttons: tuple[Button, ...] = ()
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EditMessage(Action):
    """Replace the content and buttons of a message the bot posted (a review card's outcome)."""

    channel: Ref
    message: Ref
    content: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteMessages(Action):
    """Delete several messages of one channel at once (a raid's or a spammer's burst).

    Platforms that bulk-delete do it in as few calls as they allow; messages a bulk
    delete refuses (too old) are deleted one by one.
    """

    channel: Ref
    messages: tuple[Ref, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PostPoll(Action):
    """Post a poll: native where the platform has polls, buttons elsewhere.

    Attributes:
        channel: Where to post it.
        question: The question.
        answers: The choices, in order.
        hours: How long it stays open.
        thread: A thread to post it in instead of the channel.
    """

    channel: Ref
    question: str
    answers: tuple[str, ...]
    hours: int = 24
    thread: Ref | None = None


POLL_TARGET = "poll"
"""The target of poll answer buttons, where a platform draws a poll as buttons (Slack)."""


def poll_buttons(answers: tuple[str, ...]) -> tuple[Button, ...]:
    """Return one button per answer; a click arrives with the answer's index as its choice."""
    return tuple(
        Button(target=POLL_TARGET, choice=str(index), label=answer[:75])
        for index, answer in enumerate(answers)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyEphemeral(Action):
    """Answer a command or click so that only the member who ran it sees the answer."""

    interaction: Ref
    channel: Ref
    member: Ref
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDirectMessage(Action):
    """Write to a member privately."""

    member: Ref
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout(Action):
    """Stop a member from talking for a while; a zero duration lifts a timeout."""

    member: Ref
    duration: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class Kick(Action):
    """Remove a member from the community; they may join again."""

    member: Ref


@dataclass(frozen=True, slots=True, kw_only=True)
class Ban(Action):
    """Ban a member, deleting their recent messages if asked.

    Attributes:
        member: Who to ban.
        delete_message_seconds: How far back to delete their messages (0 keeps them).
        duration: How long the ban lasts; ``None`` bans until a moderator unbans.
    """

    member: Ref
    delete_message_seconds: int = 0
    duration: timedelta | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Unban(Action):
    """Lift a ban."""

    member: Ref


@dataclass(frozen=True, slots=True, kw_only=True)
class SetSlowmode(Action):
    """Set how many seconds a member must wait between messages in a channel (0 lifts it)."""

    channel: Ref
    seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LockChannel(Action):
    """Stop members (not staff) from posting in a channel, or let them again."""

    channel: Ref
    locked: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenThread(Action):
    """Open a thread, on a message when ``message`` is set, else in the channel."""

    channel: Ref
    name: str
    message: Ref | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResult:
    """What a gateway reports after applying an action.

    Attributes:
        ok: Whether the platform did it.
        ref: The id of what it created (a posted message, an opened thread), if anything.
        error: Why it failed, in words, when it did.
        missing_capability: Set when the platform cannot do this at all, so the caller
            can fall back (hide, alert, hand off) instead of retrying.
        retryable: Whether trying again later may succeed.
        moot: Set when nothing was left to do (an unban of someone not banned): not done,
            but nothing for moderators to act on either.
    """

    ok: bool
    ref: Ref | None = None
    error: str = ""
    missing_capability: str | None = None
    retryable: bool = False
    moot: bool = False

    @classmethod
    def done(cls, ref: Ref | None = None) -> ActionResult:
        """Report success."""
        return cls(ok=True, ref=ref)

    @classmethod
    def failed(cls, error: str, *, retryable: bool = False) -> ActionResult:
        """Report a failure the platform gave."""
        return cls(ok=False, error=error, retryable=retryable)

    @classmethod
    def nothing_to_do(cls, why: str) -> ActionResult:
        """Report that the platform's state already is what the action asks for."""
        return cls(ok=False, error=why, moot=True)

    @classmethod
    def unsupported(cls, capability: str, error: str) -> ActionResult:
        """Report that the platform cannot do this kind of action at all."""
        return cls(ok=False, error=error, missing_capability=capability)
