"""A local Discord: REST v10 and gateway v10 on 127.0.0.1, with hooks for tests.

The real discord.py runs unmodified against it once ``Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY`` point here. Tests build a guild, start the server,
play members (post, join, click, run a command) and wait for the requests the bot makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote

from aiohttp import web

from bot.standins.discord._gateway import (
    AUTO_MODERATION_EXECUTION,
    DIRECT_MESSAGES,
    GUILD_MEMBERS,
    GUILD_MESSAGE_POLLS,
    GUILD_MESSAGE_REACTIONS,
    GUILD_MESSAGES,
    GUILD_MODERATION,
    GUILDS,
    Dispatch,
    Gateway,
    Session,
)
from bot.standins.discord._model import (
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    VIEW_AUDIT_LOG,
    Channel,
    Guild,
    Member,
    Role,
    StoredMessage,
    User,
)
from bot.standins.discord._rest import (
    BODY,
    MEMBER_BAN_ADD,
    MEMBER_BAN_REMOVE,
    MEMBER_KICK,
    MEMBER_UPDATE,
    MODAL_SUBMIT,
    ApiError,
    Handler,
    Interactions,
    RestApi,
    audit_entry,
    message_deletion_entry,
    reply,
)
from bot.standins.discord._world import World


class HandAction(enum.StrEnum):
    """What a moderator may do to a member with Discord's own tools."""

    BAN = "ban"
    UNBAN = "unban"
    KICK = "kick"
    TIMEOUT = "timeout"
    UNTIMEOUT = "untimeout"


API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway/"
CONTROL_PATH = "/_standin/"
TEXT_INPUT = 4


class Unchanged(enum.Enum):
    """Marks a field :meth:`DiscordStandin.update_member` leaves as it is."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED
CHATTER = (
    "good morning everyone",
    "has anyone tried the new lamp firmware?",
    "thanks, that fixed it",
    "what a lovely photo",
    "see you at the meetup on friday",
)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One REST request the stand-in answered.

    Attributes:
        method: The HTTP method.
        path: The path after ``/api/v10`` (``/channels/1/messages``).
        route: The route template it matched (``/channels/{channel_id}/messages``).
        query: The query parameters.
        json: The JSON body, if any.
        reason: The ``X-Audit-Log-Reason`` header, URL-decoded, if sent.
        status: The status answered.
    """

    method: str
    path: str
    route: str
    query: Mapping[str, str]
    json: Any
    reason: str | None
    status: int

    def matches(self, method: str, path: str) -> bool:
        """Return whether this is ``method`` on ``path`` (a concrete path or a template)."""
        return self.method == method and path in (self.path, self.route)


class DiscordStandin:
    """Serve a local Discord for one application.

    Args:
        token: The bot token clients must present.
        privileged: The privileged intents enabled for the application
            (``members``, ``message_content``, ``presences``).
        host: Where to listen.
        port: The port; 0 picks a free one.
        shards: The shard count ``GET /gateway/bot`` recommends.
        control: Also serve ``/_standin/`` (info, flood) so another process (a load test)
            can drive it.
    """

    def __init__(
        self,
        *,
        token: str = "standin-token",  # noqa: S107 - a fake server's fake token
        privileged: Iterable[str] = ("members", "message_content"),
        host: str = "127.0.0.1",
        port: int = 0,
        shards: int = 1,
        control: bool = False,
    ) -> None:
        self.token = token
        self.control = control
        self._floods: set[asyncio.Task[None]] = set()
        self.allowed_privileged = set(privileged)
        self.host, self.port = host, port
        self.world = World()
        self.interactions = Interactions()
        self.requests: list[RecordedRequest] = []
        self.gateway = Gateway(self, self.world.bot.id)
        self.rest = RestApi(
            self.world,
            self.interactions,
            lambda: self.gateway_url,
            self.allowed_privileged,
            shards=shards,
            thread_created=self._announce_thread,
            member_updated=self._announce_member,
            member_removed=self._announce_departure,
            audited=self._announce_audit,
            deleted=self._announce_deleted,
            posted=self._announce_posted,
            edited=self._announce_edited,
        )
        self._forced: list[tuple[str, str, float]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        """The most REST requests answered at once (a raid test's measure of restraint)."""
        self.latency = 0.0
        """Seconds each REST answer waits, to make concurrency visible in tests."""
        self._recorded = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def _announce_thread(self, thread: Channel) -> None:
        await self.gateway.dispatch(
            Dispatch(
                "THREAD_CREATE",
                {**thread.payload(), "newly_created": True},
                thread.guild_id,
                GUILDS,
            )
        )

    async def _announce_posted(self, message: StoredMessage) -> None:
        await self._announce_message("MESSAGE_CREATE", message)

    async def _announce_edited(self, message: StoredMessage) -> None:
        await self._announce_message("MESSAGE_UPDATE", message)

    async def _announce_message(self, event: str, message: StoredMessage) -> None:
        """Dispatch a message's creation or edit, in a guild or a DM, as Discord does."""
        intent = GUILD_MESSAGES if message.guild_id else DIRECT_MESSAGES
        await self.gateway.dispatch(
            Dispatch(
                event,
                self.world.message_payload(message),
                message.guild_id,
                intent,
                content_gated=True,
            )
        )

    async def _announce_member(self, guild: Guild, member: Member) -> None:
        data = member.payload() | {"guild_id": guild.id}
        await self.gateway.dispatch(Dispatch("GUILD_MEMBER_UPDATE", data, guild.id, GUILD_MEMBERS))

    async def _announce_departure(self, guild: Guild, member: Member) -> None:
        data = {"guild_id": guild.id, "user": member.user.payload()}
        await self.gateway.dispatch(Dispatch("GUILD_MEMBER_REMOVE", data, guild.id, GUILD_MEMBERS))

    async def _announce_audit(self, guild: Guild, entry: dict[str, Any]) -> None:
        guild.audit_log.append(entry)
        # Discord sends audit log entries only to bots that may view the audit log.
        if self.world.bot_permissions(guild) & VIEW_AUDIT_LOG:
            data = entry | {"guild_id": guild.id}
            name = "GUILD_AUDIT_LOG_ENTRY_CREATE"
            await self.gateway.dispatch(Dispatch(name, data, guild.id, GUILD_MODERATION))

    async def moderate_by_hand(
        self,
        guild: Guild,
        moderator: Member,
        action: HandAction,
        user: User,
        *,
        reason: str = "",
        until: datetime | None = None,
    ) -> None:
        """Do what a moderator does with Discord's own tools, and write it to the audit log.

        Args:
            guild: Where.
            moderator: Who acts.
            action: ``ban``, ``unban``, ``kick``, ``timeout`` (``until`` when it ends) or
                ``untimeout``.
            user: On whom.
            reason: The reason typed in Discord's form, if any.
            until: A timeout's end.
        """
        target = guild.members.get(user.id)
        if action in (HandAction.TIMEOUT, HandAction.UNTIMEOUT):
            assert target is not None, "only a member can be timed out"
            target.communication_disabled_until = until if action == HandAction.TIMEOUT else None
            await self._announce_member(guild, target)
        elif action == HandAction.UNBAN:
            guild.bans.pop(user.id, None)
        else:
            if action == HandAction.BAN:
                guild.bans[user.id] = reason
            if guild.members.pop(user.id, None) is not None and target is not None:
                await self._announce_departure(guild, target)
        kinds = {
            HandAction.BAN: MEMBER_BAN_ADD,
            HandAction.UNBAN: MEMBER_BAN_REMOVE,
            HandAction.KICK: MEMBER_KICK,
            HandAction.TIMEOUT: MEMBER_UPDATE,
            HandAction.UNTIMEOUT: MEMBER_UPDATE,
        }
        entry = audit_entry(
            self.world,
            kinds[action],
            moderator.user.id,
            user.id,
            reason=reason,
            timed_out_until=until if action == HandAction.TIMEOUT else None,
        )
        await self._announce_audit(guild, entry)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening; ``port`` then holds the real port."""
        app = web.Application(middlewares=[self._middleware])
        for method, path, handler in self.rest.routes():
            app.router.add_route(method, API_PREFIX + path, handler)
        app.router.add_get(GATEWAY_PATH, self.gateway.handle)
        if self.control:
            app.router.add_get(CONTROL_PATH + "info", self._info)
            app.router.add_post(CONTROL_PATH + "flood", self._flood)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        if server is not None and self.port == 0:
            sockets = getattr(server, "sockets", None) or []
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Close every socket and stop listening."""
        for task in list(self._floods):
            task.cancel()
        await asyncio.gather(*self._floods, return_exceptions=True)
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """Return the REST base URL (``http://127.0.0.1:PORT/api/v10``)."""
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Return the gateway URL (``ws://127.0.0.1:PORT/gateway/``)."""
        return f"ws://{self.host}:{self.port}{GATEWAY_PATH}"

    # -- what the gateway asks ----------------------------------------------------------

    def ready_payload(self, session: Session) -> dict[str, Any]:
        """Return READY for a session."""
        return self.world.ready_payload(session.id, session.shard, self.gateway_url)

    def guild_payloads(self, session: Session) -> Iterable[dict[str, Any]]:
        """Return GUILD_CREATE for every guild of the session's shard."""
        return [g.payload() for g in self.world.guilds.values() if session.owns(g.id)]

    # -- building the world ---------------------------------------------------------------

    def add_guild(
        self, name: str, *, owner: str = "owner", shard: tuple[int, int] | None = None
    ) -> Guild:
        """Create a guild (with its owner, @everyone and the bot), on ``shard`` if given."""
        return self.world.add_guild(name, self.world.add_user(owner), shard=shard)

    def add_role(self, guild: Guild, name: str, *, position: int, permissions: int = 0) -> Role:
        """Create a role; the bot's own role sits at position 10."""
        role = Role(self.world.ids.next(), name, position, permissions)
        guild.roles[role.id] = role
        return role

    def add_channel(self, guild: Guild, name: str) -> Channel:
        """Create a text channel."""
        channel = Channel(self.world.ids.next(), name, guild_id=guild.id)
        guild.channels[channel.id] = channel
        return channel

    def add_thread(
        self,
        channel: Channel,
        name: str,
        *,
        owner: Member,
        archived: bool = False,
        archived_at: datetime | None = None,
        private: bool = False,
    ) -> Channel:
        """Create a thread in a text channel (without telling the gateway).

        Args:
            channel: Its parent.
            name: Its name.
            owner: Who opened it.
            archived: Whether it is archived.
            archived_at: When it was archived (``None``: now, whenever asked).
            private: A private thread (only those invited, and moderators, see it).
        """
        if channel.guild_id is None:
            raise ValueError("threads live in guild channels")
        thread = Channel(
            self.world.ids.next(),
            name,
            PRIVATE_THREAD if private else PUBLIC_THREAD,
            guild_id=channel.guild_id,
            parent_id=channel.id,
            owner_id=owner.user.id,
            archived=archived,
            archived_at=archived_at,
        )
        self.world.guilds[channel.guild_id].channels[thread.id] = thread
        return thread

    def add_member(
        self,
        guild: Guild,
        name: str,
        *,
        roles: Iterable[Role] = (),
        dms_open: bool = True,
        user: User | None = None,
        locale: str = "en-US",
    ) -> Member:
        """Make a user a member (before the bot connects: no event).

        A new account is created unless ``user`` names one that is already in another guild;
        ``locale`` is the new account's client language.
        """
        account = user or self.world.add_user(name, dms_open=dms_open, locale=locale)
        member = Member(account, [r.id for r in roles])
        guild.members[member.user.id] = member
        return member

    def deny(self, guild: Guild, permission: int) -> None:
        """Take a permission from the bot in a guild (its requests then get 403 / 50013)."""
        self.world.denied[guild.id] = self.world.denied.get(guild.id, 0) | permission

    def rate_limit_next(self, method: str, route: str, *, retry_after: float = 0.05) -> None:
        """Answer the next request to a route (a template or a path) with a 429."""
        self._forced.append((method, route, retry_after))

    def member(self, guild: Guild, name: str) -> Member:
        """Return a member by name."""
        for member in guild.members.values():
            if member.user.name == name:
                return member
        raise KeyError(name)

    # -- members' doings: gateway events ---------------------------------------------------

    async def post_message(
        self,
        channel: Channel,
        author: Member | User,
        content: str,
        *,
        at: datetime | None = None,
        mentions: Iterable[User] = (),
        files: Iterable[str] = (),
    ) -> StoredMessage:
        """Post a message as a member (or DM the bot as a user) and dispatch MESSAGE_CREATE.

        ``files`` are the names of files attached to it.
        """
        user = author.user if isinstance(author, Member) else author
        message = StoredMessage(
            id=self.world.ids.next(at),
            channel_id=channel.id,
            author=user,
            content=content,
            guild_id=channel.guild_id,
            mentions=list(mentions),
            files=list(files),
        )
        channel.messages[message.id] = message
        await self._announce_message("MESSAGE_CREATE", message)
        return message

    async def direct_message(
        self, user: User, content: str, *, files: Iterable[str] = ()
    ) -> StoredMessage:
        """Write to the bot privately, with files attached by name if any."""
        return await self.post_message(self.world.dm_channel(user), user, content, files=files)

    async def edit_message(self, message: StoredMessage, content: str) -> None:
        """Edit a member's message and dispatch MESSAGE_UPDATE."""
        message.content = content
        message.edited_at = datetime.now(UTC)
        await self._announce_message("MESSAGE_UPDATE", message)

    async def delete_message(self, message: StoredMessage) -> None:
        """Delete a message as its author and dispatch MESSAGE_DELETE."""
        self._forget(message)
        await self._announce_deleted([message])

    async def delete_message_by_hand(self, message: StoredMessage, moderator: Member) -> None:
        """Delete a member's message as a moderator does in Discord's own menu.

        Dispatches MESSAGE_DELETE, then the audit log entry Discord writes for it: a new
        one for a moderator's first deletion of that member's messages in that channel,
        only a higher count on it for the next few minutes' (no event).
        """
        self._forget(message)
        await self._announce_deleted([message])
        guild = self.world.guilds[message.guild_id or ""]
        entry = message_deletion_entry(self.world, guild, moderator.user.id, message)
        if entry is not None:
            await self._announce_audit(guild, entry)

    async def bulk_delete_messages(self, messages: Sequence[StoredMessage]) -> None:
        """Delete messages of one channel at once, as another tool's purge does.

        Discord sends one MESSAGE_DELETE_BULK for them, not a MESSAGE_DELETE each.
        """
        for message in messages:
            self._forget(message)
        await self._announce_deleted(list(messages))

    def _forget(self, message: StoredMessage) -> None:
        found = self.world.channel(message.channel_id)
        if found is not None:
            found[1].messages.pop(message.id, None)

    async def _announce_deleted(self, messages: list[StoredMessage]) -> None:
        """Dispatch the deletion of messages of one channel: one, or in bulk."""
        first = messages[0]
        where: dict[str, object] = {"channel_id": first.channel_id, "guild_id": first.guild_id}
        if len(messages) == 1:
            event, data = "MESSAGE_DELETE", {"id": first.id, **where}
        else:
            event, data = "MESSAGE_DELETE_BULK", {"ids": [m.id for m in messages], **where}
        await self.gateway.dispatch(Dispatch(event, data, first.guild_id, GUILD_MESSAGES))

    async def join(
        self, guild: Guild, name: str, *, dms_open: bool = True, avatar: str | None = None
    ) -> Member:
        """Make a new account join and dispatch GUILD_MEMBER_ADD (``avatar``: its picture's hash)."""
        account = self.world.add_user(name, dms_open=dms_open, avatar=avatar)
        member = Member(account, joined_at=datetime.now(UTC))
        guild.members[member.user.id] = member
        data = member.payload() | {"guild_id": guild.id}
        await self.gateway.dispatch(Dispatch("GUILD_MEMBER_ADD", data, guild.id, GUILD_MEMBERS))
        return member

    async def leave(self, guild: Guild, member: Member) -> None:
        """Make a member leave and dispatch GUILD_MEMBER_REMOVE."""
        if guild.members.pop(member.user.id, None) is not None:
            await self._announce_departure(guild, member)

    async def update_member(
        self,
        guild: Guild,
        member: Member,
        *,
        roles: Iterable[Role] | None = None,
        nick: str | Unchanged | None = UNCHANGED,
        global_name: str | None = None,
        timed_out_until: datetime | Unchanged | None = UNCHANGED,
        pending: bool | None = None,
    ) -> None:
        """Change a member as a person would in Discord's UI; dispatch GUILD_MEMBER_UPDATE.

        Args:
            guild: The member's guild.
            member: The member.
            roles: Their new roles, if they change.
            nick: Their new nickname (``None`` removes it), if it changes.
            global_name: The account's new display name, if it changes.
            timed_out_until: When their timeout ends (``None`` lifts it), if it changes.
            pending: Whether they still have to pass membership screening, if it changes.
        """
        if roles is not None:
            member.roles = [r.id for r in roles]
        if not isinstance(nick, Unchanged):
            member.nick = nick
        if global_name is not None:
            member.user.global_name = global_name
        if not isinstance(timed_out_until, Unchanged):
            member.communication_disabled_until = timed_out_until
        if pending is not None:
            member.pending = pending
        await self._announce_member(guild, member)

    async def rename_role(self, guild: Guild, role: Role, name: str) -> None:
        """Rename a role as a person would in Discord's UI; dispatch GUILD_ROLE_UPDATE."""
        role.name = name
        data = {"guild_id": guild.id, "role": role.payload()}
        await self.gateway.dispatch(Dispatch("GUILD_ROLE_UPDATE", data, guild.id, GUILDS))

    async def react(self, message: StoredMessage, member: Member, emoji: str) -> None:
        """Add a reaction and dispatch MESSAGE_REACTION_ADD."""
        data = {
            "user_id": member.user.id,
            "channel_id": message.channel_id,
            "message_id": message.id,
            "guild_id": message.guild_id,
            "member": member.payload(),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        await self.gateway.dispatch(
            Dispatch("MESSAGE_REACTION_ADD", data, message.guild_id, GUILD_MESSAGE_REACTIONS)
        )

    async def vote(self, message: StoredMessage, member: Member, answer_id: int) -> None:
        """Vote in a message's native poll (answers count from 1): MESSAGE_POLL_VOTE_ADD."""
        data = {
            "user_id": member.user.id,
            "channel_id": message.channel_id,
            "message_id": message.id,
            "guild_id": message.guild_id,
            "answer_id": answer_id,
        }
        await self.gateway.dispatch(
            Dispatch("MESSAGE_POLL_VOTE_ADD", data, message.guild_id, GUILD_MESSAGE_POLLS)
        )

    async def run_command(
        self,
        guild: Guild,
        channel: Channel,
        member: Member,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        command_type: int = 1,
        target_id: str | None = None,
        focused: str | None = None,
    ) -> str:
        """Run an application command as a member; return the interaction's id.

        ``name`` is the full path (``"case show"``); option values that are
        :class:`Member` or :class:`User` objects become user options, with their resolved
        data (a member's only while they are in the guild, as on Discord). With
        ``focused``, the member is still typing that option: an autocomplete interaction.
        """
        words = name.split() if command_type == 1 else [name]
        resolved: dict[str, Any] = {"users": {}, "members": {}}
        leaf = [_option(k, v, resolved, guild) for k, v in (options or {}).items()]
        for option in leaf:
            if option["name"] == focused:
                option["focused"] = True
        for word in reversed(words[1:]):
            kind = 1 if word == words[-1] else 2
            leaf = [{"name": word, "type": kind, "options": leaf}]
        data: dict[str, Any] = {
            "id": self.world.ids.next(),
            "name": words[0],
            "type": command_type,
            "guild_id": guild.id,
            "options": leaf,
            "resolved": resolved,
        }
        if target_id is not None:
            data["target_id"] = target_id
            target_user = self.world.users.get(target_id)
            if target_user is not None:  # a member, or (no longer in the guild) a user
                _resolve(target_user, resolved, guild)
            found = self.world.channel(channel.id)
            if found is not None and target_id in found[1].messages:
                message = found[1].messages[target_id]
                resolved["messages"] = {target_id: self.world.message_payload(message)}
        return await self._interact(guild, channel, member, 4 if focused else 2, data)

    async def click(self, message: StoredMessage, member: Member, custom_id: str) -> str:
        """Click a button on a message as a member; return the interaction's id."""
        if message.guild_id is None:
            raise ValueError("buttons in DMs are not modelled")
        guild = self.world.guilds[message.guild_id]
        found = self.world.channel(message.channel_id)
        assert found is not None
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(guild, found[1], member, 3, data, message=message)

    def form_of(self, interaction: str) -> dict[str, Any] | None:
        """Return the form (modal) the bot answered an interaction with, if it did."""
        found = self.interactions.pending.get(interaction, {}).get("form")
        return dict(found) if isinstance(found, dict) else None

    async def submit_form(
        self, interaction: str, member: Member, values: Mapping[str, str] | None = None
    ) -> str:
        """Submit, as a member, the form the bot answered an interaction with.

        ``values`` maps the form's inputs (by custom id) to what was typed; an input left
        out is submitted empty. The submission goes out as Discord sends it: an
        INTERACTION_CREATE of type 5 whose ``data.components`` mirror the form's rows,
        carrying the message of the clicked button.

        Returns:
            The submission's interaction id.

        Raises:
            ValueError: If the bot did not answer that interaction with a form.
        """
        form = self.form_of(interaction)
        if form is None:
            raise ValueError(f"interaction {interaction} was not answered with a form")
        asked = self.interactions.pending[interaction]
        found = self.world.channel(asked["channel_id"])
        guild, channel = found if found is not None else (None, None)
        if guild is None or channel is None:
            raise ValueError("forms in DMs are not modelled")
        message = channel.messages.get(asked["message_id"] or "")
        typed = values or {}
        data = {
            "custom_id": form.get("custom_id", ""),
            "components": [_submitted(row, typed) for row in form.get("components", [])],
        }
        return await self._interact(guild, channel, member, MODAL_SUBMIT, data, message=message)

    async def _interact(
        self,
        guild: Guild,
        channel: Channel,
        member: Member,
        kind: int,
        data: dict[str, Any],
        *,
        message: StoredMessage | None = None,
    ) -> str:
        ident = self.world.ids.next()
        payload: dict[str, Any] = {
            "id": ident,
            "application_id": self.world.application_id,
            "type": kind,
            "data": data,
            "guild_id": guild.id,
            "channel_id": channel.id,
            "channel": channel.payload(),
            "member": member.payload() | {"permissions": str(guild.permissions_of(member.user.id))},
            "token": f"token-{ident}",
            "version": 1,
            "app_permissions": str(self.world.bot_permissions(guild)),
            "locale": member.user.locale,
            "guild_locale": guild.preferred_locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        }
        if message is not None:
            payload["message"] = self.world.message_payload(message)
        self.interactions.pending[ident] = {
            "id": ident,
            "token": payload["token"],
            "type": kind,
            "channel_id": channel.id,
            "message_id": message.id if message else None,
        }
        await self.gateway.dispatch(Dispatch("INTERACTION_CREATE", payload, guild.id))
        return ident

    async def automod_execution(
        self,
        guild: Guild,
        channel: Channel,
        member: Member,
        *,
        rule_id: str,
        content: str,
        keyword: str | None = None,
        actions: Iterable[int] | None = None,
    ) -> None:
        """Dispatch AUTO_MODERATION_ACTION_EXECUTION once per action, as Discord does.

        Args:
            guild: Where.
            channel: The channel the member wrote in.
            member: Who wrote it.
            rule_id: The rule that matched.
            content: What they wrote.
            keyword: The keyword that matched, if any.
            actions: The action types taken (1 block, 2 alert, 3 timeout); the rule's
                own actions by default.
        """
        rule = guild.automod_rules.get(rule_id, {})
        configured = {int(a["type"]): a for a in rule.get("actions") or [{"type": 1}]}
        defaults = {2: {"channel_id": channel.id}, 3: {"duration_seconds": 60}}
        for action in configured if actions is None else actions:
            metadata = configured.get(action, {}).get("metadata") or defaults.get(action, {})
            data = {
                "guild_id": guild.id,
                "action": {"type": action, "metadata": metadata},
                "rule_id": rule_id,
                "rule_trigger_type": int(rule.get("trigger_type", 1)),
                "user_id": member.user.id,
                "channel_id": channel.id,
                "message_id": None,
                "alert_system_message_id": self.world.ids.next() if action == 2 else None,
                "content": content,
                "matched_keyword": keyword,
                "matched_content": keyword,
            }
            await self.gateway.dispatch(
                Dispatch(
                    "AUTO_MODERATION_ACTION_EXECUTION", data, guild.id, AUTO_MODERATION_EXECUTION
                )
            )

    async def reconnect(self, *, rewind: int = 0) -> None:
        """Send op 7 RECONNECT; the resume replays missed events (and ``rewind`` seen ones)."""
        await self.gateway.reconnect(rewind=rewind)

    async def redeliver(self, message: StoredMessage) -> None:
        """Deliver a MESSAGE_CREATE again, as Discord may after a restart."""
        await self.gateway.redeliver("MESSAGE_CREATE", self.world.message_payload(message))

    async def wait_for_session(self, *, within: float = 10.0) -> None:
        """Wait until a client has identified."""
        await asyncio.wait_for(self.gateway.identified.wait(), within)

    # -- what the bot did -----------------------------------------------------------------

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """Return the recorded requests of ``method`` on ``path`` (concrete or template)."""
        return [r for r in self.requests if r.matches(method, path)]

    async def wait_for_request(
        self,
        method: str,
        path: str,
        *,
        where: Callable[[RecordedRequest], bool] | None = None,
        count: int = 1,
        within: float = 10.0,
    ) -> RecordedRequest:
        """Wait until ``count`` matching requests were answered; return the last of them.

        Raises:
            TimeoutError: If they do not come within ``within`` seconds.
        """

        def found() -> list[RecordedRequest]:
            hits = self.requests_to(method, path)
            return [r for r in hits if where is None or where(r)]

        async with self._recorded:
            await asyncio.wait_for(self._recorded.wait_for(lambda: len(found()) >= count), within)
        return found()[count - 1]

    async def flood(self, guild: Guild, channel: Channel, count: int, *, authors: int = 1) -> None:
        """Post ``count`` ordinary chat messages by ``authors`` members, as fast as possible.

        Missing authors (``member0``, ``member1``...) join silently first, so that each
        posts at a human pace however fast the flood.
        """
        names = {m.user.name for m in guild.members.values()}
        for number in range(authors):
            if f"member{number}" not in names:
                self.add_member(guild, f"member{number}")
        cast = [m for m in guild.members.values() if m.user.name.startswith("member")]
        for index in range(count):
            text = f"{CHATTER[index % len(CHATTER)]} #{index}"
            await self.post_message(channel, cast[index % len(cast)], text)
            # Keep the backlog of a load test from growing without bound.
            channel.messages.clear()

    async def _info(self, request: web.Request) -> web.Response:
        guilds = {
            g.id: {"name": g.name, "channels": {c.name: c.id for c in g.channels.values()}}
            for g in self.world.guilds.values()
        }
        return reply({"token": self.token, "guilds": guilds})

    async def _flood(self, request: web.Request) -> web.Response:
        body = await request.json()
        guild = self.world.guilds[str(body["guild_id"])]
        channel = guild.channels[str(body["channel_id"])]
        flood = self.flood(guild, channel, int(body["count"]), authors=int(body.get("authors", 1)))
        task = asyncio.create_task(flood)
        self._floods.add(task)
        task.add_done_callback(self._floods.discard)
        return reply({"started": True}, status=202)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        request[BODY] = None
        if request.can_read_body and request.content_type == "application/json":
            with contextlib.suppress(ValueError):
                request[BODY] = json.loads(await request.read() or b"null")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = await self._answer(request, handler)
        finally:
            self.in_flight -= 1
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else request.path
        reason = request.headers.get("X-Audit-Log-Reason")
        record = RecordedRequest(
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            route=template.removeprefix(API_PREFIX),
            query=dict(request.query),
            json=request[BODY],
            reason=unquote(reason) if reason is not None else None,
            status=response.status,
        )
        async with self._recorded:
            self.requests.append(record)
            self._recorded.notify_all()
        return response

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path.removeprefix(API_PREFIX)
        # Interaction answers authenticate by the interaction's token in the path.
        by_token = path.startswith(("/interactions/", "/webhooks/"))
        if not by_token and request.headers.get("Authorization") != f"Bot {self.token}":
            return reply({"message": "401: Unauthorized", "code": 0}, status=401)
        resource = request.match_info.route.resource
        template = (resource.canonical if resource is not None else "").removeprefix(API_PREFIX)
        for index, (method, route, retry_after) in enumerate(self._forced):
            if method == request.method and route in (path, template):
                del self._forced[index]
                return _too_many(retry_after)
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            return await handler(request)
        except ApiError as error:
            return reply({"message": error.message, "code": error.code}, status=error.status)


def _too_many(retry_after: float) -> web.Response:
    response = reply(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
        status=429,
    )
    # Without Via, discord.py takes a 429 for a Cloudflare ban.
    response.headers["Via"] = "1.1 google"
    response.headers["Retry-After"] = str(retry_after)
    response.headers["X-RateLimit-Scope"] = "user"
    return response


def _submitted(component: Mapping[str, Any], typed: Mapping[str, str]) -> dict[str, Any]:
    """Return a form's row (or label) as submitted: each text input with its value."""
    if component.get("type") == TEXT_INPUT:
        ident = str(component.get("custom_id", ""))
        return {"type": TEXT_INPUT, "custom_id": ident, "value": typed.get(ident, "")}
    found: dict[str, Any] = {"type": component.get("type")}
    if "id" in component:
        found["id"] = component["id"]
    if isinstance(component.get("component"), Mapping):
        found["component"] = _submitted(component["component"], typed)
    if "components" in component:
        found["components"] = [_submitted(c, typed) for c in component["components"]]
    return found


def _resolve(user: User, resolved: dict[str, Any], guild: Guild) -> None:
    resolved["users"][user.id] = user.payload()
    member = guild.members.get(user.id)
    if member is not None:  # someone who left or was banned is a user only
        resolved["members"][user.id] = member.payload(with_user=False) | {"permissions": "0"}


def _option(name: str, value: Any, resolved: dict[str, Any], guild: Guild) -> dict[str, Any]:
    if isinstance(value, Member | User):
        user = value.user if isinstance(value, Member) else value
        _resolve(user, resolved, guild)
        return {"name": name, "type": 6, "value": user.id}
    if isinstance(value, Channel):
        resolved.setdefault("channels", {})[value.id] = value.payload() | {"permissions": "0"}
        return {"name": name, "type": 7, "value": value.id}
    if isinstance(value, bool):
        return {"name": name, "type": 5, "value": value}
    if isinstance(value, int):
        return {"name": name, "type": 4, "value": value}
    if isinstance(value, float):
        return {"name": name, "type": 10, "value": value}
    return {"name": name, "type": 3, "value": str(value)}
