"""Build what Slack sends an app: Events API callbacks, slash commands, interactive payloads.

Shapes follow Slack's documented payloads, trimmed to the fields apps read. Members'
messages are stored in the workspace first, so the Web API sees what the event shows.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.standins.slack.workspace import Conversation, Workspace

APP_ID = "A0STEWARD"
_counter = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_counter):08d}"


def event_callback(
    ws: Workspace, event: dict[str, Any], *, event_id: str | None = None
) -> dict[str, Any]:
    """Wrap an inner event into the ``event_callback`` envelope the Events API posts."""
    return {
        "token": "legacy-verification-token",
        "team_id": ws.team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or _unique("Ev"),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def message_event(channel: Conversation, message: dict[str, Any]) -> dict[str, Any]:
    """Return the ``message`` event for a stored message."""
    event = {**message, "channel": channel.id, "event_ts": message["ts"]}
    event["channel_type"] = (
        "im" if channel.is_im else ("group" if channel.is_private else "channel")
    )
    return event


def member_posts(
    ws: Workspace,
    user: str,
    channel: Conversation,
    text: str,
    *,
    thread_ts: str | None = None,
    files: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Store a member's message and return its ``message`` event (a file share if files)."""
    extra: dict[str, Any] = {}
    if files:
        extra["subtype"] = "file_share"
        extra["files"] = [
            {
                "id": (ident := _unique("F")),
                "name": name,
                "mimetype": "application/octet-stream",
                "size": 1,
                "url_private": f"https://files.slack.invalid/files-pri/{ident}/{name}",
            }
            for name in files
        ]
    message = ws.post(channel, user, text, thread_ts=thread_ts, **extra)
    return message_event(channel, message)


def member_edits(ws: Workspace, channel: Conversation, ts: str, text: str) -> dict[str, Any]:
    """Change a stored message's text and return the ``message_changed`` event."""
    message = channel.messages[ts]
    previous = dict(message)
    message["text"] = text
    message["edited"] = {"user": message.get("user"), "ts": ws.next_ts()}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel.id,
        "channel_type": "im" if channel.is_im else "channel",
        "ts": message["edited"]["ts"],
        "event_ts": message["edited"]["ts"],
        "message": dict(message),
        "previous_message": previous,
    }


def member_deletes(ws: Workspace, channel: Conversation, ts: str) -> dict[str, Any]:
    """Remove a stored message and return the ``message_deleted`` event."""
    return message_deleted(ws, channel, channel.messages.pop(ts))


def message_deleted(
    ws: Workspace, channel: Conversation, previous: dict[str, Any]
) -> dict[str, Any]:
    """Return the ``message_deleted`` event of a message already removed."""
    now = ws.next_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel.id,
        "channel_type": "channel",
        "ts": now,
        "event_ts": now,
        "deleted_ts": previous["ts"],
        "previous_message": previous,
    }


def member_joined_channel(ws: Workspace, user: str, channel: Conversation) -> dict[str, Any]:
    """Add a user to a channel and return the ``member_joined_channel`` event."""
    channel.members.add(user)
    return {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel.id,
        "channel_type": "C",
        "team": ws.team_id,
        "event_ts": ws.next_ts(),
    }


def team_join(ws: Workspace, user: str) -> dict[str, Any]:
    """Return the ``team_join`` event of a user already added to the workspace."""
    return {
        "type": "team_join",
        "user": ws.users[user].to_api(ws.team_id),
        "event_ts": ws.next_ts(),
    }


def user_change(ws: Workspace, user: str) -> dict[str, Any]:
    """Return the ``user_change`` event of a user changed in the workspace (the whole user)."""
    return {
        "type": "user_change",
        "user": ws.users[user].to_api(ws.team_id),
        "event_ts": ws.next_ts(),
    }


def reaction_added(
    ws: Workspace, user: str, channel: Conversation, ts: str, reaction: str
) -> dict[str, Any]:
    """Return the ``reaction_added`` event of a member reacting to a message."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": channel.messages[ts].get("user"),
        "item": {"type": "message", "channel": channel.id, "ts": ts},
        "event_ts": ws.next_ts(),
    }


def app_mention(channel: Conversation, message: dict[str, Any]) -> dict[str, Any]:
    """Return the ``app_mention`` twin of a stored message that mentions the bot."""
    return {**message_event(channel, message), "type": "app_mention"}


def slash_command(
    ws: Workspace, user: str, channel: Conversation, text: str, *, command: str = "/steward"
) -> dict[str, str]:
    """Return the form fields of a slash command."""
    return {
        "token": "legacy-verification-token",
        "team_id": ws.team_id,
        "team_domain": ws.name.lower(),
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.is_im else channel.name,
        "user_id": user,
        "user_name": ws.users[user].name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": f"{ws.hooks_base}/commands/{_unique('R')}",
        "trigger_id": _unique("trigger."),
    }


def _actor(ws: Workspace, user: str) -> dict[str, Any]:
    return {
        "id": user,
        "username": ws.users[user].name,
        "name": ws.users[user].name,
        "team_id": ws.team_id,
    }


def block_action(
    ws: Workspace, user: str, channel: Conversation, ts: str, *, action_id: str, value: str
) -> dict[str, Any]:
    """Return the payload of a member clicking a button on a stored message."""
    message = channel.messages[ts]
    actions = [b for b in message.get("blocks", []) if b.get("type") == "actions"]
    block_id = actions[0].get("block_id", "") if actions else ""
    # Slack sends the clicked button's label with the click.
    clicked: dict[str, Any] = next(
        (e for b in actions for e in b.get("elements", []) if e.get("action_id") == action_id),
        {},
    )
    return {
        "type": "block_actions",
        "team": {"id": ws.team_id, "domain": ws.name.lower()},
        "user": _actor(ws, user),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel.id,
            "is_ephemeral": False,
        },
        "trigger_id": _unique("trigger."),
        "channel": {"id": channel.id, "name": channel.name},
        "message": message,
        "response_url": f"{ws.hooks_base}/actions/{_unique('R')}",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "text": clicked.get("text", {"type": "plain_text", "text": value}),
                "value": value,
                "action_ts": ws.next_ts(),
            }
        ],
    }


def message_shortcut(
    ws: Workspace, user: str, channel: Conversation, ts: str, callback_id: str
) -> dict[str, Any]:
    """Return the payload of a member running a message shortcut on a stored message."""
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "team": {"id": ws.team_id, "domain": ws.name.lower()},
        "user": _actor(ws, user),
        "channel": {"id": channel.id, "name": channel.name},
        "message_ts": ts,
        "message": channel.messages[ts],
        "trigger_id": _unique("trigger."),
        "response_url": f"{ws.hooks_base}/actions/{_unique('R')}",
        "token": "legacy-verification-token",
        "action_ts": ws.next_ts(),
    }


def view_submission(
    ws: Workspace,
    user: str,
    callback_id: str,
    values: dict[str, str],
    *,
    private_metadata: str = "",
) -> dict[str, Any]:
    """Return the payload of a member submitting a modal; ``values`` maps block ids to text."""
    state = {
        block: {"value": {"type": "plain_text_input", "value": text}}
        for block, text in values.items()
    }
    return {
        "type": "view_submission",
        "team": {"id": ws.team_id, "domain": ws.name.lower()},
        "user": _actor(ws, user),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": _unique("trigger."),
        "view": {
            "id": _unique("V"),
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
            "team_id": ws.team_id,
            "app_id": APP_ID,
        },
        "response_urls": [],
    }


def form_body(fields: dict[str, str]) -> bytes:
    """Encode form fields as Slack posts them."""
    return urlencode(fields).encode()


def interactive_body(payload: dict[str, Any]) -> bytes:
    """Encode an interactive payload as the ``payload`` form field Slack posts."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def json_body(payload: dict[str, Any]) -> bytes:
    """Encode an Events API callback."""
    return json.dumps(payload).encode()
