"""Translate a guild's new message straight from the gateway's payload.

discord.py builds a ``Message`` (with its author, mentions and snapshots) for every
MESSAGE_CREATE, and messages are by far the commonest event. Steward reads a handful of
fields, so for ordinary guild messages the client skips that object and translates the
payload itself, resolving roles and channels from discord.py's guild cache. The result is
the same core event :func:`bot.adapters.discord.translate.message_created` gives for the
same message (a test holds them equal).

Anything unusual (a DM, a webhook's message, a guild discord.py does not know) is left to
discord.py's own parser, and reaches Steward through the object translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import discord

from bot.adapters.discord.translate import recurring_ref, ref, roles_view
from bot.core.events import MessageCreated
from bot.core.models import Attachment, Member, Message

AUTHOR_VIEWS = 16_384
"""How many distinct authors (as their payloads describe them) keep a built view."""


class PayloadError(ValueError):
    """A MESSAGE_CREATE payload lacks a field every guild message has."""


class AuthorViews:
    """The core view of recent authors, built once while what Discord says of them holds.

    A member who writes ten messages sends the same author and member data ten times, and
    building their view (their roles resolved and ranked, two dates read) costs more than
    the rest of the translation. A view is kept per guild and per exact payload data, so a
    new nickname, role or timeout gives a new view at once. What the payload does not say
    (a role's name and position, the guild's owner) comes from discord.py's guild cache:
    the client calls :meth:`forget` whenever that may have changed.

    Args:
        size: How many views to keep; all are forgotten when it is reached (each is rebuilt
            once, on its author's next message).
    """

    def __init__(self, size: int = AUTHOR_VIEWS) -> None:
        self._size = size
        self._views: dict[tuple[Any, ...], Member] = {}

    def __len__(self) -> int:
        """Return how many views are kept."""
        return len(self._views)

    def of(
        self, author: Mapping[str, Any], member: Mapping[str, Any], guild: discord.Guild
    ) -> Member:
        """Return the view of a message's author, built from its payload data if not kept."""
        key = (
            guild.id,
            author["id"],
            author.get("username"),
            author.get("global_name"),
            author.get("bot"),
            member.get("nick"),
            tuple(member.get("roles") or ()),
            member.get("joined_at"),
            member.get("communication_disabled_until"),
            member.get("pending"),
        )
        view = self._views.get(key)
        if view is None:
            view = _author(author, member, guild)
            if len(self._views) >= self._size:
                self._views.clear()
            self._views[key] = view
        return view

    def forget(self) -> None:
        """Drop every view: roles, positions or the owner may have changed."""
        self._views.clear()


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _author(author: Mapping[str, Any], member: Mapping[str, Any], guild: discord.Guild) -> Member:
    user_id = int(author["id"])
    roles = (guild.get_role(int(role)) for role in member.get("roles") or ())
    names, rank = roles_view(r for r in roles if r is not None and not r.is_default())
    name = str(author["username"])
    return Member(
        ref=recurring_ref(user_id),
        name=name,
        display_name=member.get("nick") or author.get("global_name") or name,
        roles=names,
        joined_at=_time(member.get("joined_at")),
        account_created_at=discord.utils.snowflake_time(user_id),
        is_bot=bool(author.get("bot", False)),
        is_owner=guild.owner_id == user_id,
        rank=rank,
        timed_out_until=_time(member.get("communication_disabled_until")),
        pending=bool(member.get("pending", False)),
        avatar=str(author.get("avatar") or ""),
    )


def _attachment(data: Mapping[str, Any]) -> Attachment:
    return Attachment(
        filename=str(data["filename"]),
        url=str(data.get("url", "")),
        size=data.get("size"),
        content_type=data.get("content_type"),
    )


def is_plain_guild_message(data: Mapping[str, Any]) -> bool:
    """Return whether a payload is a guild member's message this module translates.

    DMs have no guild; a webhook's message has no member (its author is no member).
    """
    return "guild_id" in data and "member" in data and "webhook_id" not in data


def message_created(
    data: Mapping[str, Any], guild: discord.Guild, authors: AuthorViews | None = None
) -> tuple[MessageCreated, discord.abc.GuildChannel | discord.Thread | None]:
    """Translate a guild member's new message from its MESSAGE_CREATE payload.

    Args:
        data: The payload (see :func:`is_plain_guild_message`).
        guild: The guild it names, from discord.py's cache.
        authors: Views of recent authors to reuse; without them each is built anew.

    Returns:
        The event, and the channel or thread it was posted in if discord.py knows it.

    Raises:
        PayloadError: If a field every guild message has is missing or malformed.
    """
    try:
        message_id = int(data["id"])
        channel_id = int(data["channel_id"])
        if authors is None:
            author = _author(data["author"], data["member"], guild)
        else:
            author = authors.of(data["author"], data["member"], guild)
        content = str(data.get("content") or "")
        reference = data.get("message_reference") or {}
        reply = reference.get("message_id")
        attachments = tuple(_attachment(a) for a in data.get("attachments") or ())
        mentions = tuple(ref(u["id"]) for u in data.get("mentions") or () if u)
    except (KeyError, TypeError, ValueError) as error:
        raise PayloadError(f"malformed MESSAGE_CREATE payload: {error!r}") from error
    channel = guild.get_channel_or_thread(channel_id)
    thread = channel if isinstance(channel, discord.Thread) else None
    home = thread.parent_id if thread is not None else channel_id
    role_mentions = (guild.get_role(int(r)) for r in data.get("mention_roles") or ())
    at = discord.utils.snowflake_time(message_id)
    message = Message(
        ref=ref(message_id),
        channel=recurring_ref(home),
        author=author,
        content=content,
        created_at=at,
        thread=ref(channel_id) if thread is not None else None,
        reply_to=ref(reply) if reply is not None else None,
        attachments=attachments,
        mentions=mentions,
        role_mentions=tuple(r.name for r in role_mentions if r is not None),
        mentions_everyone=bool(data.get("mention_everyone", False)),
    )
    event = MessageCreated(
        community=recurring_ref(guild.id), at=at, id=str(message_id), message=message
    )
    return event, channel
