"""Answer Slack Web API methods from a :class:`Workspace`, the way Slack answers them.

Each handler takes the workspace, which kind of token called (the caller: ``bot``, ``user`` for an
admin user token, ``app``) and the call's arguments, and returns the JSON body. Refusals
are ``{"ok": false, "error": ...}`` with the error codes Slack uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.standins.slack.workspace import Conversation, Workspace

Body = dict[str, Any]
Handler = Callable[[Workspace, str, dict[str, Any]], Body]

TEXT_SHOWN = 40_000
"""Characters of a message's text Slack keeps: it cuts the rest off and still answers ok."""
_BLOCKS_MAX = 50
_SECTION_TEXT_MAX = 3000


def error(code: str) -> Body:
    """Return a refusal body."""
    return {"ok": False, "error": code}


def _conversation(ws: Workspace, args: dict[str, Any]) -> Conversation | None:
    return ws.conversations.get(str(args.get("channel", "")))


def _json_arg(value: Any) -> Any:
    # Form-encoded calls carry structured arguments (blocks, users) as JSON text.
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def auth_test(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Say who the token belongs to."""
    user = ws.bot if caller == "bot" else ws.admin
    body: Body = {
        "ok": True,
        "url": f"https://{ws.name.lower()}.slack.invalid/",
        "team": ws.name,
        "user": user.name,
        "team_id": ws.team_id,
        "user_id": user.id,
        "is_enterprise_install": False,
    }
    if caller == "bot":
        body["bot_id"] = ws.bot_id
    return body


def team_info(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Describe the workspace."""
    return {"ok": True, "team": {"id": ws.team_id, "name": ws.name, "domain": ws.name.lower()}}


def shown(text: Any) -> str:
    """Return what Slack keeps of a message's text."""
    return str(text)[:TEXT_SHOWN]


def _blocks_refused(blocks: Any) -> bool:
    """Say whether Slack refuses these blocks (``invalid_blocks``): too many, or too long."""
    if not blocks:
        return False
    if len(blocks) > _BLOCKS_MAX:
        return True
    sections = [b for b in blocks if b.get("type") == "section"]
    return any(len(str(b.get("text", {}).get("text", ""))) > _SECTION_TEXT_MAX for b in sections)


def chat_post_message(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Post as the bot, in a channel or a thread."""
    channel = _conversation(ws, args)
    if channel is None:
        return error("channel_not_found")
    if ws.bot.id not in channel.members:
        return error("not_in_channel")
    extra: dict[str, Any] = {}
    if args.get("blocks"):
        extra["blocks"] = _json_arg(args["blocks"])
        if _blocks_refused(extra["blocks"]):
            return error("invalid_blocks")
    message = ws.post(
        channel,
        ws.bot.id,
        shown(args.get("text", "")),
        thread_ts=args.get("thread_ts") or None,
        **extra,
    )
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}


def chat_post_ephemeral(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Show a message to one member only; nothing is stored in the channel."""
    channel = _conversation(ws, args)
    if channel is None:
        return error("channel_not_found")
    if str(args.get("user", "")) not in channel.members:
        return error("user_not_in_channel")
    return {"ok": True, "message_ts": ws.next_ts()}


def chat_update(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Edit a message the bot posted."""
    channel = _conversation(ws, args)
    message = channel.messages.get(str(args.get("ts", ""))) if channel else None
    if channel is None or message is None:
        return error("message_not_found")
    if message.get("user") != ws.bot.id:
        return error("cant_update_message")
    blocks = _json_arg(args.get("blocks")) or []
    if _blocks_refused(blocks):
        return error("invalid_blocks")
    message["text"] = shown(args.get("text", ""))
    message["blocks"] = blocks
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "text": message["text"]}


def chat_delete(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Delete a message: a bot token only its own, an admin user token anyone's."""
    channel = _conversation(ws, args)
    ts = str(args.get("ts", ""))
    message = channel.messages.get(ts) if channel else None
    if channel is None or message is None:
        return error("message_not_found")
    if caller != "user" and message.get("user") != ws.bot.id:
        return error("cant_delete_message")
    del channel.messages[ts]
    return {"ok": True, "channel": channel.id, "ts": ts}


def conversations_open(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Open (or find) the bot's direct-message conversation with one user."""
    users = _json_arg(args.get("users", ""))
    ids = users if isinstance(users, list) else str(users).split(",")
    if len(ids) != 1 or ids[0] not in ws.users:
        return error("user_not_found")
    return {"ok": True, "channel": ws.open_im(ids[0]).to_api()}


def conversations_info(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Describe a conversation."""
    channel = _conversation(ws, args)
    return (
        error("channel_not_found") if channel is None else {"ok": True, "channel": channel.to_api()}
    )


def conversations_list(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """List the workspace's channels of the asked ``types``, a page at a time.

    Public channels are listed whether or not the bot is in them, private ones only when
    it is; direct messages never (Steward does not ask for them). The cursor is opaque to
    callers, as Slack's is.
    """
    types = set(str(args.get("types") or "public_channel").split(","))
    found = [
        c
        for c in ws.conversations.values()
        if not c.is_im
        and (
            ("private_channel" in types and c.is_private and ws.bot.id in c.members)
            or ("public_channel" in types and not c.is_private)
        )
    ]
    cursor = str(args.get("cursor") or "")
    start = int(cursor.removeprefix(_CURSOR)) if cursor.startswith(_CURSOR) else 0
    limit = max(1, min(int(args.get("limit", 100) or 100), 1000))
    page = found[start : start + limit]
    after = start + limit
    return {
        "ok": True,
        "channels": [c.to_api() for c in page],
        "response_metadata": {"next_cursor": f"{_CURSOR}{after}" if after < len(found) else ""},
    }


_CURSOR = "next:"


def _page(messages: list[dict[str, Any]], args: dict[str, Any]) -> Body:
    """Return a page of messages from the asked cursor on, and the next page's cursor."""
    limit = int(args.get("limit", 100) or 100)
    cursor = str(args.get("cursor") or "")
    start = int(cursor.removeprefix(_CURSOR)) if cursor.startswith(_CURSOR) else 0
    after = start + limit
    more = after < len(messages)
    return {
        "ok": True,
        "messages": messages[start:after],
        "has_more": more,
        "response_metadata": {"next_cursor": f"{_CURSOR}{after}" if more else ""},
    }


def conversations_history(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Return a conversation's top-level messages after ``oldest``, newest first."""
    channel = _conversation(ws, args)
    if channel is None:
        return error("channel_not_found")
    if caller == "bot" and ws.bot.id not in channel.members:  # as Slack answers a bot
        return error("not_in_channel")
    oldest = float(args.get("oldest") or 0)
    top = [
        m
        for m in channel.messages.values()
        if m.get("thread_ts") in (None, m["ts"]) and float(m["ts"]) > oldest
    ]
    return _page(sorted(top, key=lambda m: m["ts"], reverse=True), args)


def conversations_replies(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Return a thread: its parent, then the replies after ``oldest``, oldest first."""
    channel = _conversation(ws, args)
    ts = str(args.get("ts", ""))
    if channel is None or ts not in channel.messages:
        return error("thread_not_found")
    oldest = float(args.get("oldest") or 0)
    thread = [
        m
        for m in channel.messages.values()
        if m["ts"] == ts or (m.get("thread_ts") == ts and float(m["ts"]) > oldest)
    ]
    return _page(sorted(thread, key=lambda m: m["ts"]), args)


def conversations_kick(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Remove a member from a channel."""
    channel = _conversation(ws, args)
    user = str(args.get("user", ""))
    if channel is None:
        return error("channel_not_found")
    if channel.is_im:
        return error("method_not_supported_for_channel_type")
    if user not in channel.members:
        return error("not_in_channel")
    if ws.users.get(user) is not None and ws.users[user].is_owner:
        return error("cant_kick_from_general")
    channel.members.discard(user)
    return {"ok": True}


def users_conversations(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Return the channels a user is in that the bot can see."""
    user = str(args.get("user", "")) or ws.bot.id
    found = [
        c.to_api()
        for c in ws.conversations.values()
        if not c.is_im and user in c.members and ws.bot.id in c.members
    ]
    return {"ok": True, "channels": found, "response_metadata": {"next_cursor": ""}}


def users_info(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Describe a user; Slack adds their locale only when ``include_locale`` is set."""
    user = ws.users.get(str(args.get("user", "")))
    if user is None:
        return error("user_not_found")
    locale = str(args.get("include_locale", "")).lower() in {"1", "true"}
    return {"ok": True, "user": user.to_api(ws.team_id, include_locale=locale)}


def usergroups_list(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """List the user groups, with their members when asked."""
    include = str(args.get("include_users", "")).lower() in {"1", "true"}
    groups = [g.to_api(ws.team_id, include_users=include) for g in ws.usergroups.values()]
    return {"ok": True, "usergroups": groups}


def usergroups_users_list(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """List the members of one user group."""
    group = ws.usergroups.get(str(args.get("usergroup", "")))
    return error("no_such_subteam") if group is None else {"ok": True, "users": sorted(group.users)}


def reactions_add(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Add the bot's reaction to a message."""
    channel = _conversation(ws, args)
    message = channel.messages.get(str(args.get("timestamp", ""))) if channel else None
    if message is None:
        return error("message_not_found")
    message.setdefault("reactions", []).append({"name": args.get("name"), "users": [ws.bot.id]})
    return {"ok": True}


def views_open(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Open a modal for the member whose click or command gave ``trigger_id``."""
    if not args.get("trigger_id"):
        return error("invalid_trigger_id")
    view = _json_arg(args.get("view")) or {}
    return {"ok": True, "view": {**view, "id": ws.next_id("V")}}


def apps_connections_open(ws: Workspace, caller: str, args: dict[str, Any]) -> Body:
    """Placeholder: the server fills in the Socket Mode URL (it knows its own address)."""
    return {"ok": True}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "team.info": team_info,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "conversations.kick": conversations_kick,
    "users.conversations": users_conversations,
    "users.info": users_info,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
    "reactions.add": reactions_add,
    "views.open": views_open,
    "apps.connections.open": apps_connections_open,
}
"""Every Web API method the stand-in answers, by name."""
