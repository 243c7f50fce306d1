"""Read a workspace's recent messages for ``steward history export``, over Slack's Web API.

Only channels the bot is in can be read (Slack's rule); the others asked for are left out
with a warning. A thread's replies are read with its parent. Each author is looked up once, with the user groups Steward reads as
roles; each message's markup is read as Steward reads it live, so the replay judges the
same text.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.connection import web_client
from bot.adapters.slack.members import MemberDirectory
from bot.adapters.slack.translate import plain_text
from bot.config import SlackSection
from bot.history_export import ExportedMember, ExportedMessage, History, UnknownChannels
from bot.serve import StartupRefused

logger = logging.getLogger(__name__)

_PAGE = 200
"""Messages asked for a request (Slack's advice: at most 200)."""
_MEMBER_SUBTYPES = {None, "thread_broadcast", "file_share"}
"""Messages members write; joins, topics and bots' posts have other subtypes."""


async def read_slack_history(
    settings: SlackSection,
    team_id: str,
    *,
    channels: Collection[str],
    since: datetime,
    limit: int,
) -> History:
    """Return a workspace's messages since a time, and their authors with their groups.

    Args:
        settings: How to reach Slack (the bot token, a stand-in's address).
        team_id: The workspace's id (the community's ``id``; unused by a bot token's calls).
        channels: The names of the channels to read; empty reads every channel the bot is in.
        since: The oldest message's time.
        limit: The most messages read from one channel (its latest).

    Raises:
        StartupRefused: If there is no bot token or Slack refuses it.
        UnknownChannels: If a channel asked for does not exist or the bot cannot see it.
    """
    del team_id  # a bot token belongs to one workspace
    token = settings.bot_token()
    if token is None:
        raise StartupRefused(f"no Slack bot token: set {settings.bot_token_env}")
    client = web_client(token.get_secret_value(), settings.api_base)
    try:
        listed = await _channels(client)
    except SlackApiError as error:
        raise StartupRefused(f"Slack refused: {error.response.get('error')}") from error
    wanted = set(channels)
    chosen = [c for c in listed if not wanted or c["name"] in wanted]
    missing = wanted - {str(c["name"]) for c in chosen}
    if missing:
        raise UnknownChannels(f"no channel named {', '.join(sorted(missing))}")
    directory = MemberDirectory(client)
    messages: list[ExportedMessage] = []
    names: dict[str, ExportedMember] = {}
    read: list[str] = []
    for channel in chosen:
        own = await _messages_of(client, channel, since, limit)
        if own is None:
            continue
        read.append(str(channel["name"]))
        found: list[tuple[Mapping[str, Any], str | None]] = [(raw, None) for raw in own]
        for parent in (m for m in own if m.get("reply_count")):
            replies = await _messages_of(client, channel, since, limit, thread=str(parent["ts"]))
            found += [(raw, str(parent["ts"])) for raw in replies or ()]
        for raw, thread in found:
            user = str(raw["user"])
            if user not in names:
                member = await directory.member(user)
                names[user] = ExportedMember(
                    name=member.name if member is not None else user,
                    roles=tuple(sorted(member.roles)) if member is not None else (),
                )
            messages.append(
                ExportedMessage(
                    at=datetime.fromtimestamp(float(raw["ts"]), UTC),
                    id=str(raw["ts"]),
                    channel=str(channel["name"]),
                    author=names[user].name,
                    content=plain_text(str(raw.get("text") or "")),
                    attachments=tuple(str(f.get("name", "file")) for f in raw.get("files") or ()),
                    thread=thread,
                )
            )
    return History(
        channels=tuple(read),
        members=tuple(names.values()),
        messages=tuple(messages),
    )


async def _channels(client: AsyncWebClient) -> list[Mapping[str, Any]]:
    """Return the workspace's channels the bot can see, page by page."""
    found: list[Mapping[str, Any]] = []
    cursor = ""
    while True:
        answer = await client.conversations_list(
            types="public_channel,private_channel", limit=200, cursor=cursor or None
        )
        found += answer["channels"]
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return found


async def _messages_of(
    client: AsyncWebClient,
    channel: Mapping[str, Any],
    since: datetime,
    limit: int,
    *,
    thread: str | None = None,
) -> list[Mapping[str, Any]] | None:
    """Return a channel's members' messages since a time, at most ``limit``.

    With ``thread`` (its parent's ``ts``), the replies in that thread instead (a thread
    whose parent came before ``since`` is not reached). ``None`` for a channel the bot may
    not read (one it was not added to).
    """
    found: list[Mapping[str, Any]] = []
    cursor = ""
    while len(found) < limit:
        page = {
            "channel": channel["id"],
            "oldest": f"{since.timestamp():.6f}",
            "limit": min(_PAGE, limit - len(found)),
            "cursor": cursor or None,
        }
        try:
            answer = await (
                client.conversations_history(**page)
                if thread is None
                else client.conversations_replies(ts=thread, **page)
            )
        except SlackApiError as error:
            logger.warning(
                "#%s cannot be read (%s): left out", channel["name"], error.response.get("error")
            )
            return None
        found += [
            m
            for m in answer["messages"]
            if m.get("subtype") in _MEMBER_SUBTYPES and m.get("user") and m["ts"] != thread
        ]
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or ""
        if not answer.get("has_more") or not cursor:
            return found
    return found[:limit]
