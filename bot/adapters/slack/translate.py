"""Translate Slack payloads into Steward's events, at the edge.

No Slack object crosses this module: each function takes the JSON bolt received and
returns a core event (or ``None`` for what Steward does not follow).
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.adapters.slack.members import PLATFORM, member_from
from bot.adapters.slack.render import target_of
from bot.core.events import (
    CommandInvoked,
    ComponentClicked,
    DirectMessageReceived,
    Event,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionAdded,
)
from bot.core.models import Attachment, Member, Message
from bot.core.refs import Ref

FindMember = Callable[[str], Awaitable[Member | None]]

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>")
_BROADCAST = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_CREATED = {None, "file_share", "thread_broadcast", "me_message"}


def ref(ident: str) -> Ref:
    """Return a Slack ref (ids and message timestamps are strings)."""
    return Ref(PLATFORM, ident)


def stamp(ts: str | float | None) -> datetime:
    """Return a Slack timestamp (``"1700000000.000100"``) as an aware datetime."""
    return datetime.fromtimestamp(float(ts or 0), tz=UTC)


def plain_text(text: str) -> str:
    """Return Slack's message markup as the plain text a member saw.

    Mentions read ``@U123``, links ``label (url)`` (the URL stays visible to link rules),
    and escaped characters are restored.
    """
    text = _MENTION.sub(r"@\1", text)
    text = _GROUP.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _BROADCAST.sub(r"@\1", text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(_link_text, text)
    return html.unescape(text)


def _link_text(found: re.Match[str]) -> str:
    url, label = found.group(1), found.group(2)
    # Slack labels a pasted link with the URL less its scheme: that reads as the URL.
    if not label or label in {url, url.split("://", 1)[-1]}:
        return url
    return f"{label} ({url})"


def attachments_of(data: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """Return the files shared with a message (Slack serves them to members signed in)."""
    return tuple(
        Attachment(
            filename=str(f.get("name") or f.get("id")),
            url=str(f.get("url_private") or ""),
            size=f.get("size"),
            content_type=f.get("mimetype"),
        )
        for f in data.get("files") or []
    )


def _thread_of(data: Mapping[str, Any]) -> Ref | None:
    """Return the thread a Slack message replies in (its parent's ts); none for a parent."""
    thread_ts, ts = data.get("thread_ts"), data.get("ts")
    return ref(str(thread_ts)) if thread_ts and thread_ts != ts else None


def message_of(team: str, channel: str, data: Mapping[str, Any], author: Member) -> Message:
    """Return a core message from a Slack message object posted in ``channel``."""
    raw = str(data.get("text") or "")
    ts = str(data["ts"])
    return Message(
        ref=ref(ts),
        channel=ref(channel),
        author=author,
        content=plain_text(raw),
        created_at=stamp(ts),
        thread=_thread_of(data),
        attachments=attachments_of(data),
        mentions=tuple(ref(user) for user in _MENTION.findall(raw)),
        role_mentions=tuple(m.group(2) or m.group(1) for m in _GROUP.finditer(raw)),
        mentions_everyone=bool(_BROADCAST.search(raw)),
    )


async def event_of(body: Mapping[str, Any], find_member: FindMember) -> Event | None:
    """Return the core event of an Events API callback, or ``None`` if Steward ignores it.

    A new message is keyed by channel and timestamp, so Slack's retries of it, and the
    ``app_mention`` twin of a message that mentions the bot, are dropped as redeliveries;
    every other event is keyed by its ``event_id``.
    """
    team = str(body.get("team_id") or "")
    community = ref(team)
    event = body.get("event") or {}
    kind = event.get("type")
    event_id = str(body.get("event_id") or "")
    at = stamp(event.get("event_ts") or event.get("ts") or body.get("event_time"))
    if kind in {"message", "app_mention"}:
        return await _message_event(community, event_id, at, event, find_member)
    if kind == "team_join":
        user = event.get("user") or {}
        member = await find_member(str(user.get("id"))) or member_from(user, frozenset())
        return MemberJoined(community=community, at=at, id=_join_key(member, at), member=member)
    if kind == "member_joined_channel":
        joined = await find_member(str(event.get("user")))
        if joined is None:
            return None
        return MemberJoined(community=community, at=at, id=_join_key(joined, at), member=joined)
    if kind == "member_left_channel":
        return MemberLeft(
            community=community, at=at, id=event_id, member=ref(str(event.get("user")))
        )
    if kind == "reaction_added":
        item = event.get("item") or {}
        reacting = await find_member(str(event.get("user")))
        if reacting is None or item.get("type") != "message":
            return None
        return ReactionAdded(
            community=community,
            at=at,
            id=event_id,
            message=ref(str(item["ts"])),
            channel=ref(str(item["channel"])),
            member=reacting,
            emoji=str(event.get("reaction")),
        )
    return None


def member_updated(
    body: Mapping[str, Any], before: Member | None, after: Member
) -> MemberUpdated | None:
    """Return the update a ``user_change`` brought, if names or groups changed.

    Slack sends the whole user, not what changed: ``before`` is the member as last seen
    (``None`` if never seen), and a change of status or avatar alone is no update.
    """
    event = body.get("event") or {}
    at = stamp(event.get("event_ts") or body.get("event_time"))
    update = MemberUpdated(
        community=ref(str(body.get("team_id") or "")),
        at=at,
        id=str(body.get("event_id") or ""),
        member=after,
        before=before,
    )
    return update if update.changed else None


def _join_key(member: Member, at: datetime) -> str:
    """Key a join by member and day: joining the workspace and its channels is one arrival.

    A newcomer's ``team_join`` and the ``member_joined_channel`` of their default
    channels would otherwise greet them, and count them towards a raid, several times.
    """
    return f"join:{member.ref.id}:{at.date().isoformat()}"


async def _message_event(
    community: Ref, event_id: str, at: datetime, event: Mapping[str, Any], find_member: FindMember
) -> Event | None:
    subtype = event.get("subtype")
    channel = str(event.get("channel"))
    if subtype == "message_deleted":
        # Slack sends what the message was: its author and words, for the message log.
        previous = event.get("previous_message") or {}
        text = previous.get("text")
        user = previous.get("user")
        return MessageDeleted(
            community=community,
            at=at,
            id=event_id,
            message=ref(str(event.get("deleted_ts"))),
            channel=ref(channel),
            thread=_thread_of(previous),
            author=await find_member(str(user)) if user else None,
            content=plain_text(text) if isinstance(text, str) else None,
            attachments=attachments_of(previous),
        )
    if subtype == "message_changed":
        new = event.get("message") or {}
        author = await find_member(str(new.get("user")))
        if author is None:
            return None
        before = (event.get("previous_message") or {}).get("text")
        return MessageEdited(
            community=community,
            at=at,
            id=event_id,
            message=message_of(community.id, channel, new, author),
            before=plain_text(before) if before is not None else None,
        )
    if subtype not in _CREATED or not event.get("user"):
        return None  # joins, topic changes, bots' posts: nothing a member wrote
    author = await find_member(str(event["user"]))
    if author is None:
        return None
    key = f"message:{channel}:{event['ts']}"
    if event.get("channel_type") == "im":
        return DirectMessageReceived(
            community=community,
            at=at,
            id=key,
            author=author,
            content=plain_text(str(event.get("text") or "")),
            message=ref(str(event["ts"])),
            attachments=attachments_of(event),
        )
    message = message_of(community.id, channel, event, author)
    return MessageCreated(community=community, at=message.created_at, id=key, message=message)


def clicked(body: Mapping[str, Any], author: Member) -> ComponentClicked | None:
    """Return the click of a ``block_actions`` payload on a button Steward posted."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    trigger = str(body.get("trigger_id") or action.get("action_ts") or "")
    return ComponentClicked(
        community=ref(str((body.get("team") or {}).get("id") or "")),
        at=stamp(action.get("action_ts")),
        id=f"click:{trigger}",
        author=author,
        target=target_of(str(action.get("action_id") or "")),
        choice=str(action.get("value") or ""),
        channel=ref(channel),
        message=ref(str(message_ts)) if message_ts else None,
        interaction=ref(str(body.get("response_url") or trigger)),
    )


def click_metadata(click: ComponentClicked) -> dict[str, str]:
    """Return what a form asking why carries, so that its submission becomes the click."""
    return {
        "target": click.target,
        "choice": click.choice,
        "channel": click.channel.id,
        "message": click.message.id if click.message is not None else "",
        "reply": click.interaction.id,  # the click's response URL: answers reach the member
    }


def answered(
    body: Mapping[str, Any], author: Member, metadata: Mapping[str, Any], reason: str
) -> ComponentClicked | None:
    """Return the click a submitted form asking why stands for, with the reason typed."""
    target = str(metadata.get("target") or "")
    if not target:
        return None
    view_id = str((body.get("view") or {}).get("id") or "")
    message = str(metadata.get("message") or "")
    return ComponentClicked(
        community=ref(str((body.get("team") or {}).get("id") or "")),
        at=datetime.now(tz=UTC),
        id=f"modal:{view_id}",
        author=author,
        target=target,
        choice=str(metadata.get("choice") or ""),
        channel=ref(str(metadata.get("channel") or "")),
        message=ref(message) if message else None,
        interaction=ref(str(metadata.get("reply") or view_id)),
        reason=reason,
    )


def invoked(
    body: Mapping[str, Any], author: Member, name: str, options: Mapping[str, Any], at: datetime
) -> CommandInvoked:
    """Return the command a slash command's form (already parsed into a path) runs."""
    trigger = str(body.get("trigger_id") or "")
    return CommandInvoked(
        community=ref(str(body.get("team_id") or "")),
        at=at,
        id=f"command:{trigger}",
        name=name,
        options=dict(options),
        author=author,
        channel=ref(str(body.get("channel_id") or "")),
        interaction=ref(str(body.get("response_url") or trigger)),
    )
