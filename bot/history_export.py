"""A community's recent history as a replay file: ``steward history export``.

``steward replay`` shows what a policy would have done on real messages before it acts
on anyone, but only on history in the scenario format. The platform adapters read a
community's channels (``bot.adapters.discord.history``, ``bot.adapters.slack.history``)
into a :class:`History`; this module writes it as that format: a community line naming
the channels and the authors with their roles (so that staff are known as staff, as the
running bot knows them), then each message, oldest first.

Nothing is stored: the file is the export, and it holds members' words. Keep it as the
community's other moderation data is kept, and delete it once the replay is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime


class UnknownChannels(ValueError):
    """Channels asked for by name that the community has no readable channel of."""


@dataclass(frozen=True, slots=True)
class ExportedMessage:
    """One message as the platform keeps it.

    Attributes:
        at: When it was posted.
        id: The platform's id for it.
        channel: The name of its channel.
        author: The author's handle.
        content: Its text.
        attachments: The names of its files.
        thread: The id of the thread it was written in, if it was (its channel is the
            thread's parent, a forum's post its thread).
    """

    at: datetime
    id: str
    channel: str
    author: str
    content: str
    attachments: tuple[str, ...] = ()
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class ExportedMember:
    """An author as the platform knows them now.

    Attributes:
        name: Their handle.
        roles: Their role (Discord) or user group (Slack) names.
        joined: When they joined, where known.
        account_created: When their account was made, where known.
    """

    name: str
    roles: tuple[str, ...] = ()
    joined: datetime | None = None
    account_created: datetime | None = None


@dataclass(frozen=True, slots=True)
class History:
    """What was read of a community: its channels, the authors, their messages."""

    channels: tuple[str, ...]
    members: tuple[ExportedMember, ...]
    messages: tuple[ExportedMessage, ...]


def scenario_lines(name: str, history: History, *, language: str | None) -> Iterator[str]:
    """Yield the history as replay lines (JSON), the community line first.

    Args:
        name: The community's key in the configuration (a scenario name's characters).
        history: What was read.
        language: The community's language, for lines too short to tell their own.
    """
    community: dict[str, object] = {
        "type": "community",
        "name": _NOT_IN_A_COMMUNITY_NAME.sub("_", name),
        "channels": list(history.channels),
        "members": [_member(m) for m in history.members],
    }
    if language:
        community["config"] = {"language": language}
    yield _json(community)
    for message in sorted(history.messages, key=lambda m: (m.at, m.id)):
        line: dict[str, object] = {
            "type": "message",
            "at": message.at.isoformat(),
            "id": message.id,
            "channel": message.channel,
            "author": _handle(message.author),
            "content": message.content,
        }
        if message.attachments:
            line["attachments"] = list(message.attachments)
        if message.thread is not None:
            line["thread"] = message.thread
        yield _json(line)


def _handle(name: str) -> str:
    """Return a name as a replay file writes members: no spaces, ``@`` or ``#`` in it.

    Older Discord accounts (bots especially) may carry a space in their name; the replay
    file names a member by one word.
    """
    return _NOT_IN_A_HANDLE.sub("_", name) or "_"


_NOT_IN_A_HANDLE = re.compile(r"[\s@#]")
_NOT_IN_A_COMMUNITY_NAME = re.compile(r"[^A-Za-z0-9_-]")


def _member(member: ExportedMember) -> dict[str, object]:
    spec: dict[str, object] = {"name": _handle(member.name)}
    if member.roles:
        spec["roles"] = list(member.roles)
    if member.joined is not None:
        spec["joined"] = member.joined.isoformat()
    if member.account_created is not None:
        spec["account_created"] = member.account_created.isoformat()
    return spec


def _json(data: dict[str, object]) -> str:
    return json.dumps(data, ensure_ascii=False)
