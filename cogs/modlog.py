"""Keep moderators informed: every moderation action, posted to a staff channel."""

from __future__ import annotations

from bot.core.actions import (
    Action,
    Ban,
    DeleteMessage,
    Kick,
    LockChannel,
    SetSlowmode,
    Timeout,
    Unban,
)
from bot.core.channels import ChannelName
from bot.core.cog import Cog, CogSettings, listener
from bot.core.durations import format_duration
from bot.core.events import ActionApplied
from bot.core.quoting import quoted

_MODERATION = (DeleteMessage, Timeout, Kick, Ban, Unban, SetSlowmode, LockChannel)


class ModLogSettings(CogSettings):
    """Where the mod log goes.

    Attributes:
        channel: The staff channel (name or id).
        include_failures: Also post actions the platform refused.
    """

    channel: ChannelName = "mod-log"
    include_failures: bool = True


class ModLog(Cog[ModLogSettings]):
    """Post a line to the staff channel for each moderation action."""

    name = "modlog"
    description = "Post every moderation action to a staff channel."
    Settings = ModLogSettings
    enabled_by_default = True

    @listener(ActionApplied)
    async def record(self, event: ActionApplied) -> None:
        """Post a summary of a moderation action."""
        settings = self.settings
        action = event.action
        if not isinstance(action, _MODERATION):
            return
        if not event.result.ok and not settings.include_failures:
            return
        text = summarise(action, event.result.ok, event.result.error)
        await self.post(settings.channel, text, reason="mod log")


def summarise(action: Action, ok: bool, error: str) -> str:
    """Return one line describing a moderation action for moderators."""
    who = "Steward" if action.actor == "bot" else action.actor.split(":", 1)[-1]
    match action:
        case DeleteMessage(message=message, channel=channel):
            what = f"deleted message {message.id} in #{channel.id}"
        case Timeout(member=member, duration=duration):
            what = (
                f"timed out {member.id} for {format_duration(duration)}"
                if duration
                else f"lifted {member.id}'s timeout"
            )
        case Kick(member=member):
            what = f"kicked {member.id}"
        case Ban(member=member, duration=duration):
            what = f"banned {member.id}" + (f" for {format_duration(duration)}" if duration else "")
        case Unban(member=member):
            what = f"unbanned {member.id}"
        case SetSlowmode(channel=channel, seconds=seconds):
            what = f"set slowmode in #{channel.id} to {seconds}s"
        case LockChannel(channel=channel, locked=locked):
            what = f"{'locked' if locked else 'unlocked'} #{channel.id}"
        case _:
            what = action.kind
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
