"""Link to a message the way each platform's clients open it."""

from __future__ import annotations

from bot.core.refs import Ref


def message_link(community: Ref, channel: Ref, message: Ref) -> str:
    """Return a URL (or a local address) that opens ``message`` in its channel.

    Discord links by guild, channel and message id. Slack permalinks carry the message's
    timestamp without its dot; ``slack.com/archives`` redirects to the member's workspace.
    The local platform has no clients, so its address only names the message.
    """
    match community.platform:
        case "discord":
            return f"https://discord.com/channels/{community.id}/{channel.id}/{message.id}"
        case "slack":
            return f"https://slack.com/archives/{channel.id}/p{message.id.replace('.', '')}"
    return f"{community.platform}://{community.id}/{channel.id}/{message.id}"
