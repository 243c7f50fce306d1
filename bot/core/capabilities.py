"""Declare what a platform can do, so enforcement can degrade instead of failing.

Platforms differ: a Slack bot token deletes only the bot's own messages, Discord caps
timeouts at 28 days and refuses to bulk-delete messages older than 14 days, Slack has
no native timeout. Each gateway declares its :class:`Capabilities`; callers ask
:meth:`Capabilities.allows` before acting and fall back to hiding, alerting or handing
the case to moderators when the answer is no.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.core.actions import (
    Action,
    Ban,
    DeleteMessage,
    DeleteMessages,
    EditMessage,
    Kick,
    LockChannel,
    OpenThread,
    PostMessage,
    PostPoll,
    ReplyEphemeral,
    SendDirectMessage,
    SetSlowmode,
    Timeout,
    Unban,
)


class Capability(enum.StrEnum):
    """One thing a platform may or may not be able to do."""

    POST = "post"
    DELETE_OWN_MESSAGES = "delete_own_messages"
    DELETE_MEMBER_MESSAGES = "delete_member_messages"
    BULK_DELETE = "bulk_delete"
    EPHEMERAL_REPLIES = "ephemeral_replies"
    DIRECT_MESSAGES = "direct_messages"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"
    SLOWMODE = "slowmode"
    THREADS = "threads"
    BUTTONS = "buttons"
    LOCKDOWN = "lockdown"
    POLLS = "polls"


_NEEDS: dict[type[Action], Capability] = {
    PostMessage: Capability.POST,
    EditMessage: Capability.POST,
    DeleteMessage: Capability.DELETE_MEMBER_MESSAGES,
    DeleteMessages: Capability.DELETE_MEMBER_MESSAGES,
    PostPoll: Capability.POLLS,
    ReplyEphemeral: Capability.EPHEMERAL_REPLIES,
    SendDirectMessage: Capability.DIRECT_MESSAGES,
    Timeout: Capability.TIMEOUT,
    Kick: Capability.KICK,
    Ban: Capability.BAN,
    Unban: Capability.BAN,
    SetSlowmode: Capability.SLOWMODE,
    OpenThread: Capability.THREADS,
    LockChannel: Capability.LOCKDOWN,
}


def required_capability(action: Action) -> Capability | None:
    """Return the capability an action needs, or ``None`` if any platform can do it.

    Args:
        action: The action about to be applied.

    Returns:
        The capability, looked up by the action's type and its base types.
    """
    for cls in type(action).__mro__:
        needed = _NEEDS.get(cls)
        if needed is not None:
            return needed
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """What one platform connection can do, and its limits.

    Attributes:
        features: The capabilities this connection has.
        max_timeout: The longest timeout the platform accepts, if it caps them.
        bulk_delete_max_age: The oldest message a bulk delete accepts, if limited.
        max_slowmode: The longest slowmode the platform accepts, if it caps it.
        command_prefix: What members type before a command's path: ``/`` where each
            command is a slash command of its own, ``/steward `` on Slack (one slash
            command for them all).
        leaf_beside_group: The subcommand a path takes when it also starts longer paths
            (Discord registers ``appeal`` beside ``appeal decide`` as ``/appeal open``).
    """

    features: frozenset[Capability]
    max_timeout: timedelta | None = None
    bulk_delete_max_age: timedelta | None = None
    max_slowmode: timedelta | None = None
    command_prefix: str = "/"
    leaf_beside_group: str = ""

    def typed_command(self, path: str, *, paths: Iterable[str] = ()) -> str:
        """Return what a member types here to run the command ``path``.

        Members read it in their notices (how to appeal): it must be what this platform
        accepts, not what another one does.

        Args:
            path: The command's path (``appeal``).
            paths: The other commands' paths beside it: one that starts with ``path``
                (``appeal decide``) makes it a group on Discord (``/appeal open``).
        """
        group = any(other.startswith(f"{path} ") for other in paths)
        leaf = f" {self.leaf_beside_group}" if group and self.leaf_beside_group else ""
        return f"{self.command_prefix}{path}{leaf}"

    def has(self, capability: Capability) -> bool:
        """Return whether this connection has a capability."""
        return capability in self.features

    def allows(self, action: Action) -> bool:
        """Return whether this connection can apply an action as asked.

        A timeout longer than the platform's cap is not allowed: the caller decides
        whether to shorten it or escalate instead of having the platform refuse it.
        """
        needed = required_capability(action)
        if needed is not None and needed not in self.features:
            return False
        return not (
            isinstance(action, Timeout)
            and self.max_timeout is not None
            and action.duration > self.max_timeout
        )

    @classmethod
    def everything(cls) -> Capabilities:
        """Return capabilities with every feature and no limits (the local platform)."""
        return cls(features=frozenset(Capability))
