"""Turn Discord's refusals into ActionResults that tell moderators what to fix."""

from __future__ import annotations

import discord

from bot.core.actions import (
    Action,
    ActionResult,
    Ban,
    DeleteMessage,
    DeleteMessages,
    EditMessage,
    Kick,
    LockChannel,
    OpenThread,
    PostMessage,
    PostPoll,
    SetSlowmode,
    Timeout,
    Unban,
)

MISSING_PERMISSIONS = 50013
CANNOT_MESSAGE_USER = 50007
TOO_OLD_TO_BULK_DELETE = 50034
UNKNOWN_BAN = 10026

# The permission Discord wants for each action, as the server settings name it.
_PERMISSION: dict[type[Action], str] = {
    DeleteMessage: "Manage Messages",
    DeleteMessages: "Manage Messages",
    Timeout: "Timeout Members (Moderate Members)",
    Kick: "Kick Members",
    Ban: "Ban Members",
    Unban: "Ban Members",
    SetSlowmode: "Manage Channels",
    LockChannel: "Manage Roles (to edit the channel's permissions)",
    OpenThread: "Create Public Threads",
    PostMessage: "Send Messages",
    PostPoll: "Send Polls",
    EditMessage: "Send Messages",
}
_ON_MEMBERS = (Timeout, Kick, Ban)


def missing_permission(action: Action) -> str:
    """Return the permission an action needs, as Discord's settings name it."""
    return _PERMISSION.get(type(action), "the needed permission")


def refusal(action: Action, error: discord.HTTPException) -> ActionResult:
    """Return a failed result saying what Discord refused and what would fix it."""
    if isinstance(error, discord.Forbidden) and error.code == MISSING_PERMISSIONS:
        text = (
            f"Discord refused ({error.code} Missing Permissions): Steward needs the "
            f"{missing_permission(action)} permission here"
        )
        if isinstance(action, _ON_MEMBERS):
            text += ", and its highest role must be above the member's (the owner is out of reach)"
        return ActionResult.failed(text + ".")
    if isinstance(error, discord.Forbidden) and error.code == CANNOT_MESSAGE_USER:
        # Discord gives one code for both: closed DMs, and no server shared any more (a
        # banned or kicked member).
        return ActionResult.failed(
            f"Discord delivers no direct message to this member ({error.code}: they share no "
            "server with Steward, or refuse its direct messages); nothing was delivered"
        )
    if (
        isinstance(error, discord.NotFound)
        and isinstance(action, Unban)
        and error.code == UNKNOWN_BAN
    ):
        return ActionResult.nothing_to_do(f"the member is not banned (Discord {error.code})")
    if isinstance(error, discord.NotFound):
        return ActionResult.failed(f"Discord: {error.text or 'not found'} ({error.code})")
    retryable = isinstance(error, discord.DiscordServerError) or error.status == 429
    return ActionResult.failed(
        f"Discord answered {error.status}: {error.text or 'no detail'} ({error.code})",
        retryable=retryable,
    )
