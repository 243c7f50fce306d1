"""The state of a stand-in Slack workspace: users, channels, messages, user groups.

It answers like Slack where a bot notices: a bot token deletes only the bot's own
messages, an admin user token deletes anyone's, and message timestamps are unique ids.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class User:
    """A member of the workspace (or the bot's own user)."""

    id: str
    name: str
    real_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    tz: str = "UTC"
    locale: str = "en-US"
    created: int = 1_600_000_000
    deleted: bool = False
    """Deactivated by an admin: Slack still knows the account, who is in the workspace no more."""
    picture: str = ""
    """The hash of a picture they uploaded; empty shows Slack's default picture."""

    def to_api(self, team_id: str, *, include_locale: bool = False) -> dict[str, Any]:
        """Return the user as ``users.info`` shows it (``locale`` only when asked for)."""
        shown = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "deleted": self.deleted,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_bot": self.is_bot,
            "tz": self.tz,
            "updated": self.created,
            "profile": {
                "display_name": self.real_name,
                "real_name": self.real_name or self.name,
                # Slack hashes a default picture too, one drawn for each person.
                "avatar_hash": self.picture or f"g{self.id.lower()}",
                "is_custom_image": bool(self.picture),
            },
        }
        if include_locale:
            shown["locale"] = self.locale
        return shown


@dataclass(slots=True)
class Conversation:
    """A channel, a private channel or a direct-message conversation."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    im_user: str | None = None
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_im(self) -> bool:
        """Return whether this is a direct-message conversation."""
        return self.im_user is not None

    def to_api(self) -> dict[str, Any]:
        """Return the conversation as ``conversations.info`` shows it."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_im and not self.is_private,
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_private": self.is_private or self.is_im,
            "is_archived": False,
            "num_members": len(self.members),
        }
        if self.im_user is not None:
            data["user"] = self.im_user
        return data


@dataclass(slots=True)
class UserGroup:
    """A user group (``@moderators``); Slack's nearest thing to a role."""

    id: str
    handle: str
    users: set[str] = field(default_factory=set)

    def to_api(self, team_id: str, *, include_users: bool) -> dict[str, Any]:
        """Return the group as ``usergroups.list`` shows it."""
        data: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "handle": self.handle,
            "name": self.handle,
            "user_count": len(self.users),
        }
        if include_users:
            data["users"] = sorted(self.users)
        return data


class Workspace:
    """One stand-in workspace and its bot.

    Args:
        team_id: The workspace id (``T...``).
        name: Its name.
    """

    def __init__(self, team_id: str = "T0STEWARD", name: str = "Stand-in") -> None:
        self.team_id = team_id
        self.name = name
        # Where response URLs of commands and clicks point; the server sets its own.
        self.hooks_base = "https://hooks.slack.invalid"
        self.users: dict[str, User] = {}
        self.conversations: dict[str, Conversation] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.bot = self.add_user("U0BOT", "steward", is_bot=True)
        self.bot_id = "B0STEWARD"
        self.admin = self.add_user("U0ADMIN", "admin", is_admin=True, is_owner=True)
        self._ids = itertools.count(1)
        self._last_ts = 0.0

    def next_id(self, prefix: str) -> str:
        """Return a fresh id with a Slack-like prefix (``C``, ``D``, ``S``, ``V``)."""
        return f"{prefix}{next(self._ids):07d}"

    def next_ts(self) -> str:
        """Return a fresh message timestamp, strictly increasing."""
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def add_user(self, user_id: str, name: str, **fields: Any) -> User:
        """Add a user (or replace one with the same id)."""
        user = User(id=user_id, name=name, **fields)
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        name: str,
        *,
        members: tuple[str, ...] = (),
        private: bool = False,
        channel_id: str | None = None,
    ) -> Conversation:
        """Add a channel the bot is in, with the given members (and a chosen id, if given)."""
        channel = Conversation(
            id=channel_id or self.next_id("G" if private else "C"),
            name=name,
            members={self.bot.id, *members},
            is_private=private,
        )
        self.conversations[channel.id] = channel
        return channel

    def channel_named(self, name: str) -> Conversation:
        """Return a channel by name.

        Raises:
            KeyError: If there is none.
        """
        for conversation in self.conversations.values():
            if conversation.name == name:
                return conversation
        raise KeyError(name)

    def add_usergroup(self, handle: str, users: tuple[str, ...] = ()) -> UserGroup:
        """Add a user group with the given members."""
        group = UserGroup(id=self.next_id("S"), handle=handle, users=set(users))
        self.usergroups[group.id] = group
        return group

    def open_im(self, user_id: str) -> Conversation:
        """Return the bot's direct-message conversation with a user, opening it if needed."""
        for conversation in self.conversations.values():
            if conversation.im_user == user_id:
                return conversation
        conversation = Conversation(
            id=self.next_id("D"), name=user_id, members={self.bot.id, user_id}, im_user=user_id
        )
        self.conversations[conversation.id] = conversation
        return conversation

    def store(self, channel: Conversation, message: dict[str, Any]) -> dict[str, Any]:
        """Keep a message in a conversation and return it."""
        channel.messages[message["ts"]] = message
        return message

    def post(
        self,
        channel: Conversation,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Record a message posted by a user (or the bot) and return it as Slack shows it."""
        message: dict[str, Any] = {"type": "message", "user": user, "text": text}
        message["ts"] = self.next_ts()
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = channel.messages.get(thread_ts)
            if parent is not None:  # Slack marks a thread's parent, and counts its replies
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
        if user == self.bot.id:
            message["bot_id"] = self.bot_id
        message.update(extra)
        return self.store(channel, message)

    def groups_of(self, user_id: str) -> list[str]:
        """Return the handles of the user groups a user belongs to."""
        return sorted(g.handle for g in self.usergroups.values() if user_id in g.users)
