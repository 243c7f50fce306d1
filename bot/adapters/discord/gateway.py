"""Apply core actions on Discord through discord.py's HTTP client, with audit-log reasons.

Requests go through ``client.http.request`` so discord.py's rate limiter and 429 retries
apply to every call. Refusals come back as failed results (see ``_errors``), never as
exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord.http import Route

from bot.adapters.discord._errors import TOO_OLD_TO_BULK_DELETE, refusal
from bot.adapters.discord._languages import MemberLanguages
from bot.adapters.discord.commands import LEAF_BESIDE_GROUP
from bot.adapters.discord.translate import (
    PLATFORM,
    custom_id,
    member_of,
    message_of,
    ref,
)
from bot.core.actions import (
    Action,
    ActionResult,
    Ban,
    Button,
    ButtonStyle,
    DeleteMessage,
    DeleteMessages,
    EditMessage,
    Kick,
    LockChannel,
    OpenThread,
    PostMessage,
    PostPoll,
    ReplyEphemeral,
    SendDirectMessage,
    SetSlowmode,
    Timeout,
    Unban,
)
from bot.core.capabilities import Capabilities, Capability
from bot.core.channels import bare_name, bare_role
from bot.core.events import BLOCKED_PREFIX
from bot.core.models import Channel, Member, Message
from bot.core.refs import Ref
from bot.core.text_pieces import pieces

logger = logging.getLogger(__name__)

MAX_TIMEOUT = timedelta(days=28)
MAX_SLOWMODE = timedelta(hours=6)
BULK_DELETE_MAX_AGE = timedelta(days=14)
BULK_DELETE_MAX = 100
REASON_MAX = 512
MAX_IN_FLIGHT = 8
EPHEMERAL = 1 << 6
MESSAGE_MAX = 2000
"""The most characters of content Discord takes in a bot's message; longer texts go as
several messages (an edit, which cannot, is shortened)."""
_SHORTENED = "…"
_INTERACTIONS_KEPT = 2_000
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_USER_MENTION = re.compile(r"<@!?(\d+)>")
# What a locked channel denies @everyone: talking, in the channel and its threads.
_LOCK_BITS = discord.Permissions(
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    create_private_threads=True,
    add_reactions=True,
).value
# Discord ids: snowflakes have had 17 digits or more since 2015.
_SNOWFLAKE = re.compile(r"\d{15,20}")
# Templates write a channel as "#{channel}" with the platform's id; Discord links "<#ID>".
_CHANNEL_BY_ID = re.compile(r"(?<![<&\w])#(\d{15,20})\b")
# Channels a config may name: text (0), announcement (5), forum (15) and media (16).
_NAMED_CHANNEL_TYPES = frozenset({0, 5, 15, 16})
_STYLES = {
    ButtonStyle.PRIMARY: 1,
    ButtonStyle.SECONDARY: 2,
    ButtonStyle.SUCCESS: 3,
    ButtonStyle.DANGER: 4,
}

CAPABILITIES = Capabilities(
    features=frozenset(Capability),
    max_timeout=MAX_TIMEOUT,
    bulk_delete_max_age=BULK_DELETE_MAX_AGE,
    max_slowmode=MAX_SLOWMODE,
    leaf_beside_group=LEAF_BESIDE_GROUP,
)


def audit_reason(action: Action) -> str | None:
    """Return the audit-log reason of an action: its reason and case, within Discord's 512."""
    text = action.reason
    if action.case:
        text = f"{text} (case {action.case})" if text else f"case {action.case}"
    return text[:REASON_MAX] or None


def buttons_payload(buttons: Sequence[Button]) -> list[dict[str, Any]]:
    """Return action rows (five buttons each) for a message's buttons."""
    return [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": _STYLES[b.style],
                    "label": b.label[:80],
                    "custom_id": custom_id(b.target, b.choice, b.asks_reason)[:100],
                }
                for b in buttons[start : start + 5]
            ],
        }
        for start in range(0, len(buttons), 5)
    ]


def allowed_mentions(mentions: Sequence[str]) -> dict[str, Any]:
    """Return ``allowed_mentions`` that let exactly the given mentions notify.

    Discord pings whatever a message mentions unless told otherwise; Steward's posts quote
    members, so only the mentions an action names (``<@&id>`` roles, ``<@id>`` users,
    ``@everyone``/``@here``) may ping.
    """
    roles = [found[1] for m in mentions if (found := _ROLE_MENTION.fullmatch(m))]
    users = [found[1] for m in mentions if (found := _USER_MENTION.fullmatch(m))]
    everyone = any(m in {"@everyone", "@here"} for m in mentions)
    return {"parse": ["everyone"] if everyone else [], "roles": roles, "users": users}


class _NotAnId(ValueError):
    """A ref that should hold a snowflake holds a name (a channel written by name in config)."""


def _id(value: Ref) -> int:
    if not value.id.isdigit():
        raise _NotAnId(value.id)
    return int(value.id)


def shown(content: str) -> str:
    """Return a post's text as Discord shows it: ``#ID`` of a channel becomes its link."""
    return _CHANNEL_BY_ID.sub(r"<#\1>", content)


def _ids_by_name(entries: Iterable[tuple[int, int, str]]) -> dict[str, str]:
    """Return ids by casefolded name from ``(order, id, name)``.

    Two entries may share a name: the one first in ``order`` wins (for channels the
    sidebar's order, for roles the highest first).
    """
    found: dict[str, str] = {}
    for _, ident, name in sorted(entries):
        found.setdefault(name.casefold(), str(ident))
    return found


async def _resolve_names(
    names: Sequence[str],
    bare: Callable[[str], str],
    cached: Mapping[str, str],
    listed: Callable[[], Awaitable[Mapping[str, str]]],
    written: Callable[[str], str],
) -> dict[str, str | None]:
    """Answer each name from ``cached``, asking ``listed`` once if it lacks any.

    Args:
        names: The values as the config wrote them.
        bare: Strips a value's decoration (``#``, ``@``).
        cached: Ids by casefolded name, from discord.py's cache.
        listed: Ids by casefolded name, from the REST API.
        written: Turns an id into the answer (the id itself, a mention).

    Returns:
        Each name's answer, ``None`` when the guild has no such name; a snowflake is
        taken as the id.
    """
    answer: dict[str, str | None] = {}
    wanted: dict[str, str] = {}
    for name in names:
        value = bare(name)
        if _SNOWFLAKE.fullmatch(value):
            answer[name] = written(value)
        else:
            wanted[name] = value.casefold()
    if wanted:
        known = cached
        if not set(wanted.values()) <= known.keys():
            known = await listed()
        answer.update(
            {name: written(known[key]) if key in known else None for name, key in wanted.items()}
        )
    return answer


def _posted(message: Ref) -> int | None:
    """Return a message's id, or ``None`` for one AutoMod blocked before it was posted."""
    return None if message.id.startswith(BLOCKED_PREFIX) else int(message.id)


class DiscordGateway:
    """The gateway of every guild one Discord connection serves.

    Args:
        client: The discord.py client (plain or auto-sharded), logged in before use.
        max_in_flight: The most REST requests the gateway has open at once.
        member_languages: What members' interactions told of their languages, given to the
            members it looks up; none known when ``None``.
    """

    def __init__(
        self,
        client: discord.Client,
        *,
        max_in_flight: int = MAX_IN_FLIGHT,
        member_languages: MemberLanguages | None = None,
    ) -> None:
        self.client = client
        self.member_languages = member_languages or MemberLanguages()
        # A raid can ask for hundreds of actions at once; discord.py keeps each route within
        # its rate limit, and this keeps the whole bot from bursting past the global one.
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._interactions: OrderedDict[str, tuple[discord.Interaction, bool]] = OrderedDict()
        self._dm_channels: dict[str, int] = {}

    @property
    def platform(self) -> str:
        """Return ``"discord"``."""
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        """Return what Discord can do: everything, with its timeout and bulk-delete limits."""
        return CAPABILITIES

    def remember(self, interaction: discord.Interaction, *, deferred: bool) -> None:
        """Keep an interaction so replies to it can find it; ``deferred`` if already acked."""
        self._interactions[str(interaction.id)] = (interaction, deferred)
        while len(self._interactions) > _INTERACTIONS_KEPT:
            self._interactions.popitem(last=False)

    async def apply(self, action: Action) -> ActionResult:
        """Apply an action; Discord's refusals become failed results."""
        try:
            return await self._apply(action)
        except discord.HTTPException as error:
            logger.info("discord refused %s: %s", action.kind, error)
            return refusal(action, error)
        except _NotAnId as error:
            return ActionResult.failed(
                f"{error} is not a Discord id: a channel the config names must exist on the "
                "server (the log at start or reload names any that does not); roles and "
                "members are named by id"
            )

    async def _request(self, method: str, path: str, action: Action | None, **params: Any) -> Any:
        """Send one REST request through discord.py (rate limits and retries included)."""
        route = Route(method, path, **{k: v for k, v in params.items() if k.endswith("_id")})
        extra = {k: v for k, v in params.items() if not k.endswith("_id")}
        reason = audit_reason(action) if action is not None else None
        async with self._in_flight:
            return await self.client.http.request(route, reason=reason, **extra)

    def out_of_reach(self, community: Ref, member: Ref) -> str | None:
        """Return why Discord would refuse to act on a member by role hierarchy, if it would.

        Asking first spares a refused request and gives moderators the reason in words.
        """
        guild = self.client.get_guild(_id(community))
        target = guild.get_member(_id(member)) if guild is not None else None
        if guild is None or target is None:
            return None  # not cached: let Discord decide
        if target.id == guild.owner_id:
            return f"{target.display_name} owns the server; Discord lets nobody act on the owner."
        if self.client.user is not None and target.id == self.client.user.id:
            return "Steward does not act on itself."
        me = guild.me
        if me is not None and target.top_role >= me.top_role:
            return (
                f"{target.display_name}'s highest role ({target.top_role.name}) is at or above "
                f"Steward's ({me.top_role.name}); move Steward's role higher in Server "
                "Settings > Roles."
            )
        return None

    async def _apply(self, action: Action) -> ActionResult:  # noqa: PLR0912 - one arm per action
        if isinstance(action, Timeout | Kick | Ban):
            refused = self.out_of_reach(action.community, action.member)
            if refused is not None:
                return ActionResult.failed(refused)
        match action:
            case PostMessage(channel=channel, thread=thread, content=content, buttons=buttons):
                body: dict[str, Any] = {"allowed_mentions": allowed_mentions(action.mentions)}
                if buttons:
                    body["components"] = buttons_payload(buttons)
                return await self._post_text(action, thread or channel, shown(content), body)
            case EditMessage(channel=channel, message=message, content=content, buttons=buttons):
                text = shown(content)
                if len(text) > MESSAGE_MAX:
                    text = text[: MESSAGE_MAX - len(_SHORTENED)] + _SHORTENED
                await self._request(
                    "PATCH",
                    "/channels/{channel_id}/messages/{message_id}",
                    action,
                    channel_id=_id(channel),
                    message_id=_id(message),
                    json={"content": text, "components": buttons_payload(buttons)},
                )
                return ActionResult.done(message)
            case DeleteMessage(channel=channel, message=message):
                await self._delete(action, _id(channel), _posted(message))
                return ActionResult.done()
            case DeleteMessages():
                return await self._delete_many(action)
            case PostPoll(channel=channel, thread=thread, question=question, answers=answers):
                poll = {
                    "question": {"text": question[:300]},
                    "answers": [{"poll_media": {"text": a[:55]}} for a in answers[:10]],
                    "duration": max(1, min(action.hours, 768)),
                    "allow_multiselect": False,
                    "layout_type": 1,
                }
                return await self._post(action, thread or channel, {"poll": poll})
            case ReplyEphemeral():
                return await self._reply(action)
            case SendDirectMessage():
                return await self._direct(action)
            case Timeout(member=member, duration=duration):
                if duration > MAX_TIMEOUT:
                    return ActionResult.failed("Discord timeouts last at most 28 days")
                until = (
                    (datetime.now(UTC) + duration).isoformat() if duration > timedelta(0) else None
                )
                await self._on_member(
                    "PATCH",
                    "/guilds/{guild_id}/members/{user_id}",
                    action,
                    member,
                    json={"communication_disabled_until": until},
                )
                return ActionResult.done()
            case Kick(member=member):
                await self._on_member(
                    "DELETE", "/guilds/{guild_id}/members/{user_id}", action, member
                )
                return ActionResult.done()
            case Ban(member=member, delete_message_seconds=seconds):
                await self._on_member(
                    "PUT",
                    "/guilds/{guild_id}/bans/{user_id}",
                    action,
                    member,
                    json={"delete_message_seconds": max(0, min(seconds, 604_800))},
                )
                return ActionResult.done()
            case Unban(member=member):
                await self._on_member("DELETE", "/guilds/{guild_id}/bans/{user_id}", action, member)
                return ActionResult.done()
            case SetSlowmode(channel=channel, seconds=seconds):
                await self._request(
                    "PATCH",
                    "/channels/{channel_id}",
                    action,
                    channel_id=_id(channel),
                    json={"rate_limit_per_user": max(0, min(seconds, 21_600))},
                )
                return ActionResult.done()
            case LockChannel():
                return await self._lock(action)
            case OpenThread(channel=channel, name=name, message=message):
                return await self._thread(action, channel, name, message)
        return ActionResult.unsupported(action.kind, f"Discord has no {action.kind}")

    async def _on_member(
        self, method: str, path: str, action: Action, member: Ref, json: Any = None
    ) -> None:
        """Send a request about one member of the action's guild (timeout, kick, ban)."""
        extra = {} if json is None else {"json": json}
        await self._request(
            method, path, action, guild_id=_id(action.community), user_id=_id(member), **extra
        )

    async def _post(self, action: Action, channel: Ref, body: dict[str, Any]) -> ActionResult:
        data = await self._request(
            "POST",
            "/channels/{channel_id}/messages",
            action,
            channel_id=_id(channel),
            json=body,
        )
        return ActionResult.done(ref(data["id"]))

    async def _post_text(
        self, action: Action, channel: Ref, text: str, body: Mapping[str, Any]
    ) -> ActionResult:
        """Post a text as one message, or as several when it is longer than Discord takes.

        Buttons go with the last message, whose ref is the result (a later edit of the post
        replaces its buttons); every message keeps the rest of ``body`` (the mentions it
        may ping).
        """
        parts = pieces(text, MESSAGE_MAX) or [text]
        extra = {key: value for key, value in body.items() if key != "components"}
        for part in parts[:-1]:
            await self._post(action, channel, {**extra, "content": part})
        return await self._post(action, channel, {**body, "content": parts[-1]})

    async def _delete(self, action: Action, channel: int, message: int | None) -> None:
        if message is None:
            return  # AutoMod blocked it: it was never posted
        # Already gone (its author or another moderator was faster): the goal is met.
        with contextlib.suppress(discord.NotFound):
            await self._request(
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}",
                action,
                channel_id=channel,
                message_id=message,
            )

    async def _delete_many(self, action: DeleteMessages) -> ActionResult:
        """Bulk-delete in batches of 100; older messages and lone ones go one by one."""
        channel = _id(action.channel)
        oldest = datetime.now(UTC) - BULK_DELETE_MAX_AGE + timedelta(minutes=5)
        ids = sorted({i for i in map(_posted, action.messages) if i is not None})
        young = [i for i in ids if discord.utils.snowflake_time(i) > oldest]
        singles = [i for i in ids if i not in set(young)]
        for start in range(0, len(young), BULK_DELETE_MAX):
            batch = young[start : start + BULK_DELETE_MAX]
            if len(batch) < 2:
                singles.extend(batch)
                continue
            try:
                await self._request(
                    "POST",
                    "/channels/{channel_id}/messages/bulk-delete",
                    action,
                    channel_id=channel,
                    json={"messages": [str(i) for i in batch]},
                )
            except discord.HTTPException as error:
                if error.code != TOO_OLD_TO_BULK_DELETE:
                    raise
                singles.extend(batch)
        for message in singles:
            await self._delete(action, channel, message)
        return ActionResult.done()

    async def _reply(self, action: ReplyEphemeral) -> ActionResult:
        found = self._interactions.get(action.interaction.id)
        if found is None:
            return ActionResult.failed("the interaction is unknown or expired (15 minutes)")
        interaction, deferred = found
        first, *rest = pieces(shown(action.content), MESSAGE_MAX) or [""]
        if not interaction.response.is_done():
            await interaction.response.send_message(first, ephemeral=True)
        elif (
            deferred
            and interaction.response.type
            is discord.InteractionResponseType.deferred_channel_message
        ):
            self._interactions[action.interaction.id] = (interaction, False)
            await interaction.edit_original_response(content=first)
        else:
            await interaction.followup.send(first, ephemeral=True)
        for part in rest:
            await interaction.followup.send(part, ephemeral=True)
        return ActionResult.done()

    async def _direct(self, action: SendDirectMessage) -> ActionResult:
        channel = self._dm_channels.get(action.member.id)
        if channel is None:
            data = await self._request(
                "POST", "/users/@me/channels", None, json={"recipient_id": action.member.id}
            )
            channel = self._dm_channels[action.member.id] = int(data["id"])
        body: dict[str, Any] = {"allowed_mentions": {"parse": []}}
        return await self._post_text(action, ref(channel), shown(action.content), body)

    async def _lock(self, action: LockChannel) -> ActionResult:
        """Deny or restore @everyone's right to talk, keeping the rest of its overwrite."""
        everyone = action.community.id
        data = await self._request(
            "GET", "/channels/{channel_id}", None, channel_id=_id(action.channel)
        )
        current = next(
            (o for o in data.get("permission_overwrites", []) if str(o["id"]) == everyone),
            {"allow": "0", "deny": "0"},
        )
        allow, deny = int(current["allow"]), int(current["deny"])
        if action.locked:
            allow, deny = allow & ~_LOCK_BITS, deny | _LOCK_BITS
        else:
            deny &= ~_LOCK_BITS
        path = "/channels/{channel_id}/permissions/{overwrite_id}"
        ids = {"channel_id": _id(action.channel), "overwrite_id": int(everyone)}
        if allow == 0 and deny == 0:
            await self._request("DELETE", path, action, **ids)
        else:
            body = {"type": 0, "allow": str(allow), "deny": str(deny)}
            await self._request("PUT", path, action, json=body, **ids)
        return ActionResult.done()

    async def _thread(
        self, action: OpenThread, channel: Ref, name: str, message: Ref | None
    ) -> ActionResult:
        body: dict[str, Any] = {"name": name[:100], "auto_archive_duration": 1440}
        if message is not None:
            data = await self._request(
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                action,
                channel_id=_id(channel),
                message_id=_id(message),
                json=body,
            )
        else:
            data = await self._request(
                "POST",
                "/channels/{channel_id}/threads",
                action,
                channel_id=_id(channel),
                json=body | {"type": 11},
            )
        return ActionResult.done(ref(data["id"]))

    # -- questions ------------------------------------------------------------------------

    async def fetch_member(self, community: Ref, member: Ref) -> Member | None:
        """Return a member from the cache, or from Discord when not cached."""
        guild = self.client.get_guild(_id(community))
        if guild is None or not member.id.isdigit():
            return None
        found = guild.get_member(_id(member))
        if found is None:
            try:
                found = await guild.fetch_member(_id(member))
            except (discord.NotFound, discord.Forbidden):
                return None
        return self.member_languages.told(member_of(found, guild))

    async def fetch_channel(self, community: Ref, channel: Ref) -> Channel | None:
        """Return a channel or thread of a guild."""
        guild = self.client.get_guild(_id(community))
        if guild is None or not channel.id.isdigit():
            return None
        found = guild.get_channel_or_thread(_id(channel))
        if found is None:
            return None
        parent = found.parent_id if isinstance(found, discord.Thread) else None
        return Channel(
            ref=ref(found.id),
            name=found.name,
            parent=ref(parent) if parent else None,
            is_private=not found.permissions_for(guild.default_role).view_channel,
        )

    async def resolve_channels(
        self, community: Ref, names: Sequence[str]
    ) -> Mapping[str, str | None]:
        """Return the ids of channels named in the config (case and a leading ``#`` ignored).

        Text, announcement, forum and media channels count; a snowflake stays as it is (a
        short number such as ``2024`` is a name).
        The guild cache answers first; a name it lacks (before the gateway's GUILD_CREATE,
        or a channel made since) sends one ``GET /guilds/{id}/channels``.

        Raises:
            discord.HTTPException: If Discord refuses to list the guild's channels.
        """

        def sidebar_order(channel: dict[str, Any]) -> int | None:
            named = channel.get("type") in _NAMED_CHANNEL_TYPES
            return int(channel.get("position") or 0) if named else None

        listed = self._lister(community, "/guilds/{guild_id}/channels", sidebar_order)
        return await _resolve_names(
            names, bare_name, self._cached_channel_names(community), listed, str
        )

    async def resolve_roles(self, community: Ref, names: Sequence[str]) -> Mapping[str, str | None]:
        """Return the mentions (``<@&ID>``) of roles named in the config.

        Case and a leading ``@`` are ignored; a role's snowflake becomes its mention. Two
        roles of one name: the higher one wins. The guild cache answers first; a name it
        lacks sends one ``GET /guilds/{id}/roles``.

        Raises:
            discord.HTTPException: If Discord refuses to list the guild's roles.
        """

        def highest_first(role: dict[str, Any]) -> int:
            return -int(role.get("position") or 0)

        listed = self._lister(community, "/guilds/{guild_id}/roles", highest_first)
        guild = self.client.get_guild(_id(community))
        cached = (
            {} if guild is None else _ids_by_name((-r.position, r.id, r.name) for r in guild.roles)
        )
        return await _resolve_names(names, bare_role, cached, listed, "<@&{}>".format)

    def _lister(
        self, community: Ref, path: str, order: Callable[[dict[str, Any]], int | None]
    ) -> Callable[[], Awaitable[dict[str, str]]]:
        """Return a call that lists a guild's entries at ``path`` as ids by casefolded name.

        ``order`` ranks an entry among those of one name, or leaves it out with ``None``.
        """

        async def listed() -> dict[str, str]:
            entries = await self._request("GET", path, None, guild_id=_id(community))
            return _ids_by_name(
                (rank, int(e["id"]), str(e.get("name") or ""))
                for e in entries
                if (rank := order(e)) is not None
            )

        return listed

    def _cached_channel_names(self, community: Ref) -> dict[str, str]:
        guild = self.client.get_guild(_id(community))
        if guild is None:
            return {}
        return _ids_by_name(
            (c.position, c.id, c.name)
            for c in guild.channels
            if isinstance(c, discord.TextChannel | discord.ForumChannel)
        )

    async def recent_messages(
        self, community: Ref, channel: Ref, *, limit: int
    ) -> Sequence[Message]:
        """Return up to ``limit`` of a channel's latest messages, newest first."""
        guild = self.client.get_guild(_id(community))
        found = guild.get_channel_or_thread(_id(channel)) if guild is not None else None
        if not isinstance(found, discord.TextChannel | discord.Thread):
            return []
        try:
            return [message_of(m) async for m in found.history(limit=limit)]
        except discord.HTTPException as error:
            logger.warning("cannot read #%s: %s", found.name, error)
            return []
