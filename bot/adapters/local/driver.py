"""Act as the members of a local community: post, edit, join, react, run commands.

The driver turns what a person (at the console) or a scenario line does into the same
core events a real adapter would produce, and hands them to the app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.adapters.local.community import LocalCommunity, LocalMember, PostRefused, ref
from bot.adapters.local.gateway import LocalPlatform
from bot.core.community import CommunityInfo
from bot.core.events import (
    CommandInvoked,
    ComponentClicked,
    DeletedByHand,
    DirectMessageReceived,
    Event,
    HandAction,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ModeratedByHand,
    ReactionAdded,
)
from bot.core.models import Attachment, Member, Message
from bot.core.protocols import Clock

Ingest = Callable[[Event], Awaitable[bool]]


class LocalDriver:
    """Produce the events of one local community.

    Args:
        platform: The local platform serving it.
        community: The community.
        info: The core's view of it (for who counts as staff under slowmode).
        clock: The clock that stamps events.
        ingest: Hands events to the app.
    """

    def __init__(
        self,
        platform: LocalPlatform,
        community: LocalCommunity,
        info: CommunityInfo,
        clock: Clock,
        ingest: Ingest,
    ) -> None:
        self.platform = platform
        self.community = community
        self.info = info
        self.clock = clock
        self._ingest = ingest

    def _author(self, name: str) -> LocalMember:
        entry = self.community.member(name)
        if entry is None:
            raise PostRefused(f"nobody called {name!r} is in {self.community.name}")
        return entry

    def _channel_name(self, name: str) -> str:
        if name not in self.community.channels:
            raise PostRefused(f"there is no #{name} in {self.community.name}")
        return name

    async def _send(self, event: Event) -> None:
        await self._ingest(event)

    async def say(
        self,
        author: str,
        channel: str,
        content: str,
        *,
        message_id: str | None = None,
        reply_to: str | None = None,
        attachments: tuple[str, ...] = (),
        thread: str | None = None,
    ) -> Message:
        """Post a message as a member.

        Raises:
            PostRefused: If the platform would not accept it (banned, timed out, slowmode).
        """
        entry = self._author(author)
        home = self._channel_name(thread or channel)
        now = self.clock.now()
        self.community.check_can_post(
            entry, self.community.channels[home], now, self.info.is_staff(entry.member)
        )
        ident = message_id or self.community.next_id("m")
        if ident in self.community.messages:
            raise PostRefused(f"message id {ident!r} is already used")
        parent = self.community.channels[home].channel.parent
        message = Message(
            ref=ref(ident),
            channel=parent if thread and parent else ref(channel),
            author=entry.member,
            content=content,
            created_at=now,
            thread=ref(thread) if thread else None,
            reply_to=ref(reply_to) if reply_to else None,
            attachments=tuple(Attachment(filename=name) for name in attachments),
            mentions=tuple(
                ref(word[1:])
                for word in content.split()
                if word.startswith("@") and word[1:] in self.community.members
            ),
            mentions_everyone=any(tag in content for tag in ("@everyone", "@here")),
        )
        self.community.store(message)
        await self._send(
            MessageCreated(community=self.community.ref, at=now, id=ident, message=message)
        )
        return message

    async def edit(self, message_id: str, content: str) -> None:
        """Edit a message.

        Raises:
            PostRefused: If the message does not exist.
        """
        old = self.community.messages.get(message_id)
        if old is None:
            raise PostRefused(f"message {message_id!r} does not exist")
        new = Message(
            ref=old.ref,
            channel=old.channel,
            author=old.author,
            content=content,
            created_at=old.created_at,
            thread=old.thread,
            reply_to=old.reply_to,
            attachments=old.attachments,
        )
        self.community.messages[message_id] = new
        now = self.clock.now()
        await self._send(
            MessageEdited(
                community=self.community.ref,
                at=now,
                id=f"edit:{message_id}:{now.isoformat()}",
                message=new,
                before=old.content,
            )
        )

    async def delete(self, message_id: str, *, by: str = "") -> None:
        """Delete a message, as its author or as a moderator with the platform's own tools.

        Args:
            message_id: The message.
            by: The moderator who deletes it; empty, or its author's name, for its author.
                Steward hears a moderator's deletion as a real platform's audit log tells
                it, after the deletion itself.

        Raises:
            PostRefused: If the message does not exist, or ``by`` is nobody here.
        """
        staff = self._author(by) if by else None
        old = self.community.remove_message(message_id)
        if old is None:
            raise PostRefused(f"message {message_id!r} does not exist")
        now = self.clock.now()
        await self._send(
            MessageDeleted(
                community=self.community.ref,
                at=now,
                message=old.ref,
                channel=old.channel,
                thread=old.thread,
                author=old.author,
                content=old.content,
                attachments=old.attachments,
            )
        )
        if staff is not None and staff.member.ref != old.author.ref:
            await self._send(
                DeletedByHand(
                    community=self.community.ref,
                    at=now,
                    id=self.community.next_id("audit"),
                    channel=old.channel,
                    author=old.author.ref,
                    moderator=staff.member,
                )
            )

    async def join(self, member: Member) -> None:
        """Have a member join (or come back)."""
        entry = self.community.add_member(member)
        await self._send(
            MemberJoined(community=self.community.ref, at=self.clock.now(), member=entry.member)
        )

    async def leave(self, name: str) -> None:
        """Have a member leave."""
        entry = self._author(name)
        entry.present = False
        await self._send(
            MemberLeft(
                community=self.community.ref,
                at=self.clock.now(),
                member=entry.member.ref,
                name=name,
            )
        )

    async def rename(self, name: str, display_name: str) -> None:
        """Have a member take a new display name, as a platform reports a member's update.

        Raises:
            PostRefused: If nobody of that name is here.
        """
        entry = self._author(name)
        before = entry.member
        entry.member = dataclasses.replace(before, display_name=display_name)
        await self._send(
            MemberUpdated(
                community=self.community.ref,
                at=self.clock.now(),
                member=entry.member,
                before=before,
            )
        )

    async def by_hand(
        self,
        moderator: str,
        action: HandAction,
        name: str,
        *,
        reason: str = "",
        duration: timedelta | None = None,
    ) -> None:
        """Have a moderator act on a member with the platform's own tools, not Steward's.

        The member is banned, unbanned, kicked, timed out or let talk again on the
        platform, and Steward hears of it as a real platform's audit log tells it.

        Raises:
            PostRefused: If either is no member, the action has nothing to act on (a ban
                of the banned, a kick of the absent, a lift of no timeout), or a timeout
                has no positive duration.
        """
        staff = self._author(moderator)
        entry = self._author(name)
        now = self.clock.now()
        refused = _hand_refusal(action, entry, now)
        if refused:  # the platform's menu would not offer it
            raise PostRefused(f"{name} {refused}")
        until = None
        match action:
            case "ban":
                entry.banned, entry.present = True, False
            case "unban":
                entry.banned = False
            case "kick":
                entry.present = False
            case "untimeout":
                entry.timed_out_until = None
            case "timeout":
                if duration is None or duration <= timedelta(0):
                    raise PostRefused("a timeout by hand needs a positive duration")
                until = entry.timed_out_until = now + duration
        await self._send(
            ModeratedByHand(
                community=self.community.ref,
                at=now,
                id=self.community.next_id("audit"),
                action=action,
                member=dataclasses.replace(entry.member, present=entry.present),
                moderator=staff.member,
                reason=reason,
                until=until,
            )
        )

    async def react(self, author: str, message_id: str, emoji: str) -> None:
        """React to a message.

        Raises:
            PostRefused: If the message does not exist.
        """
        entry = self._author(author)
        message = self.community.messages.get(message_id)
        if message is None:
            raise PostRefused(f"message {message_id!r} does not exist")
        await self._send(
            ReactionAdded(
                community=self.community.ref,
                at=self.clock.now(),
                message=message.ref,
                channel=message.channel,
                member=entry.member,
                emoji=emoji,
            )
        )

    async def command(
        self, author: str, channel: str, name: str, options: Mapping[str, Any]
    ) -> None:
        """Run a command as a member; member options are given by name (``alice`` or ``@alice``)."""
        entry = self._author(author)
        now = self.clock.now()
        interaction = self.community.next_id("i")
        await self._send(
            CommandInvoked(
                community=self.community.ref,
                at=now,
                id=interaction,
                name=name.strip().lstrip("/"),
                options=dict(options),
                author=entry.member,
                channel=ref(self._channel_name(channel)),
                interaction=ref(interaction),
            )
        )

    async def click(self, author: str, target: str, choice: str, *, reason: str = "") -> None:
        """Click a button the bot posted; ``reason`` is what a form the click opened asked.

        Raises:
            PostRefused: If no posted message carries that button.
        """
        entry = self._author(author)
        posted = self.platform.buttons.get(target)
        if posted is None:
            raise PostRefused(f"no message carries a button {target!r}")
        message_id, _ = posted
        message = self.community.messages.get(message_id)
        channel = message.channel if message else ref(next(iter(self.community.channels)))
        interaction = self.community.next_id("i")
        await self._send(
            ComponentClicked(
                community=self.community.ref,
                at=self.clock.now(),
                id=interaction,
                author=entry.member,
                target=target,
                choice=choice,
                channel=channel,
                message=ref(message_id),
                interaction=ref(interaction),
                reason=reason,
            )
        )

    async def direct_message(
        self, author: str, content: str, *, attachments: tuple[str, ...] = ()
    ) -> None:
        """Write to the bot privately, with files by name if any."""
        entry = self._author(author)
        ident = self.community.next_id("d")
        self.community.dms.append((self.clock.now(), author, "to_bot", content))
        await self._send(
            DirectMessageReceived(
                community=self.community.ref,
                at=self.clock.now(),
                id=ident,
                author=entry.member,
                content=content,
                message=ref(ident),
                attachments=tuple(Attachment(filename=name) for name in attachments),
            )
        )


def member_from(
    name: str,
    *,
    roles: list[str] | tuple[str, ...] = (),
    display_name: str = "",
    joined: datetime | None = None,
    account_created: datetime | None = None,
    lang: str | None = None,
    bot: bool = False,
    owner: bool = False,
    avatar: str = "",
) -> Member:
    """Build a local member; its id is its name."""
    return Member(
        avatar=avatar,
        ref=ref(name),
        name=name,
        display_name=display_name,
        roles=frozenset(roles),
        joined_at=joined,
        account_created_at=account_created,
        lang=lang,
        is_bot=bot,
        is_owner=owner,
    )


def _hand_refusal(action: HandAction, entry: LocalMember, now: datetime) -> str:
    """Return why a platform's menu would not offer the action on this member, if it would not."""
    match action:
        case "ban" if entry.banned:
            return "is banned already"
        case "unban" if not entry.banned:
            return "is not banned"
        case "kick" | "timeout" if not entry.present or entry.banned:
            return "is not a member now"
        case "untimeout" if entry.muted_until(now) is None:
            return "is not timed out"
    return ""
