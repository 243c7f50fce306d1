"""Render what happens in a local community as a readable transcript.

The console and the demo print the same lines: members' messages and commands as they
happen, and the bot's actions (from their ``simulate`` records) indented beneath.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.adapters.local.scenario import (
    AdvanceLine,
    ByHandLine,
    ClickLine,
    CommandLine,
    DeleteLine,
    DmLine,
    EditLine,
    EventLine,
    JoinLine,
    LeaveLine,
    MessageLine,
    ReactionLine,
)
from bot.core.durations import format_duration


def _clock(at: datetime) -> str:
    return at.strftime("%m-%d %H:%M")


_HAND_VERBS = {
    "ban": "bans",
    "unban": "unbans",
    "kick": "kicks",
    "timeout": "times out",
    "untimeout": "lifts the timeout of",
}


def describe_event(line: EventLine) -> str:
    """Return one transcript line for a member's event."""
    match line:
        case MessageLine():
            where = f"#{line.channel}" + (f" > {line.thread}" if line.thread else "")
            files = f" [+{len(line.attachments)} file(s)]" if line.attachments else ""
            return f"[{_clock(line.at)}] {where} {line.author}: {_short(line.content)}{files}"
        case EditLine():
            return f"[{_clock(line.at)}] (message {line.id} edited) {_short(line.content)}"
        case DeleteLine():
            by = line.by or "its author"
            return f"[{_clock(line.at)}] (message {line.id} deleted by {by})"
        case JoinLine():
            return f"[{_clock(line.at)}] --> {line.member.name} joined"
        case LeaveLine():
            return f"[{_clock(line.at)}] <-- {line.member} left"
        case ReactionLine():
            return f"[{_clock(line.at)}] {line.author} reacted {line.emoji} to {line.message}"
        case CommandLine():
            options = " ".join(f"{k}={v}" for k, v in line.options.items())
            ran = f"#{line.channel} {line.author} ran /{line.name} {options}".rstrip()
            return f"[{_clock(line.at)}] {ran}"
        case ClickLine():
            return f"[{_clock(line.at)}] {line.author} clicked {line.choice!r} on {line.target}"
        case DmLine():
            return f"[{_clock(line.at)}] {line.author} -> bot (DM): {_short(line.content)}"
        case ByHandLine():
            length = f" for {format_duration(line.duration)}" if line.duration else ""
            why = f": {_short(line.reason)}" if line.reason else ""
            verb = _HAND_VERBS[line.action]
            done = f"{line.moderator} {verb} {line.member}{length} by hand, not through Steward"
            return f"[{_clock(line.at)}] {done}{why}"
        case AdvanceLine():
            return f"[{_clock(line.to)}] ... time passes"
    return str(line)  # pragma: no cover


def describe_action(record: Mapping[str, Any]) -> str:
    """Return one indented transcript line (or a few) for a bot action record."""
    kind = record["action"]
    if kind == "post_message" and record.get("buttons"):
        # A card is read by moderators before they click: the message it asks about is
        # on its later lines, so show them all rather than cut the card to one line.
        kind = "post_card"
    text = _ACTION_TEXT.get(kind, "{action}").format_map(_Fields(record))
    extras = [f"{key} {record[key]}" for key in ("rule", "case") if record.get(key)]
    if record.get("reason"):
        extras.insert(0, f"reason: {record['reason']}")
    if record.get("ok") is False:
        extras.append(f"FAILED: {record.get('error', '')}")
    suffix = f"  ({'; '.join(extras)})" if extras else ""
    lines = [f"    Steward {text}{suffix}"]
    lines += [
        f"      [{b['label']}] -> {b['target']} {b['choice']}"
        + (f"  (asks: {b['asks_reason']})" if b.get("asks_reason") else "")
        for b in record.get("buttons", [])
    ]
    return "\n".join(lines)


_ACTION_TEXT = {
    "post_message": "posted in #{channel}{thread_part}: {content_short}",
    "post_card": "posted in #{channel}{thread_part}:\n        {content_full}",
    "edit_message": "updated its message {message} in #{channel}, now ending: {content_last}",
    "delete_message": "deleted message {message} in #{channel}",
    "delete_messages": "deleted {message_count} message(s) in #{channel}: {message_list}",
    "reply_ephemeral": "told {member} privately: {content_full}",
    "send_direct_message": "sent {member} a DM: {content_short}",
    "timeout": "timed out {member} for {duration_text}",
    "kick": "kicked {member}",
    "ban": "banned {member}{ban_length}",
    "unban": "unbanned {member}",
    "set_slowmode": "set slowmode in #{channel} to {seconds}s",
    "open_thread": "opened thread {created} ({name}) in #{channel}",
    "lock_channel": "{lock_word} #{channel}",
}


class _Fields(dict[str, Any]):
    """Format helper that derives display fields and tolerates missing keys."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        super().__init__(record)

    def __missing__(self, key: str) -> str:
        match key:
            case "content_short":
                return _short(str(self.get("content", "")), 400)
            case "content_full":  # an answer to the reader's own command: all of it
                lines = [part for part in str(self.get("content", "")).splitlines() if part.strip()]
                return "\n        ".join(lines)
            case "content_last":  # a card's state is its last line
                lines = str(self.get("content", "")).strip().splitlines()
                return _short(lines[-1] if lines else "")
            case "thread_part":
                return f" > {self['thread']}" if self.get("thread") else ""
            case "duration_text":
                seconds = int(self.get("duration", 0))
                return format_duration(timedelta(seconds=seconds)) if seconds else "0s (lifted)"
            case "message_count":
                return str(len(self.get("messages") or []))
            case "message_list":
                return ", ".join(map(str, self.get("messages") or []))
            case "lock_word":
                return "locked" if self.get("locked", True) else "unlocked"
            case "ban_length":
                length = self.get("duration")
                return f" for {format_duration(timedelta(seconds=int(length)))}" if length else ""
        return "?"


def _short(text: str, limit: int = 160) -> str:
    flat = " / ".join(part.strip() for part in text.splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
