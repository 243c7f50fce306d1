"""Translate discord.py objects into core events at the edge; nothing of discord.py leaves.

Each event carries an id for :meth:`bot.app.App.ingest` to drop redeliveries: the message
id for a new message, the interaction id for an interaction, and for the rest an id built
from what makes the event unique (a message's edit time, a member's join time).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import discord

from bot.adapters.discord._languages import locale_tag
from bot.adapters.discord._recent import Recent
from bot.core.events import (
    AutoModBlocked,
    CommandInvoked,
    ComponentClicked,
    DeletedByHand,
    DirectMessageReceived,
    HandAction,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ModeratedByHand,
    PollVoted,
    ReactionAdded,
)
from bot.core.models import Attachment, Member, Message
from bot.core.refs import Ref

PLATFORM = "discord"
CUSTOM_ID_SEPARATOR = "|"
"""Separates a button's target from its choice in Discord's single custom id."""
QUESTION_MARKER = "|?"
"""Follows a button's choice in its custom id when the button asks why before acting."""
FORM_PREFIX = "reason|"
"""Starts the custom id of a form (a modal) that asks why before a click is delivered."""
FORM_INPUT = "reason"
"""The custom id of the form's text input."""
CUSTOM_ID_MAX = 100

_SUBCOMMAND = discord.AppCommandOptionType.subcommand.value
_GROUP = discord.AppCommandOptionType.subcommand_group.value
_USER = discord.AppCommandOptionType.user.value
_USER_MENU = discord.AppCommandType.user.value


def ref(ident: int | str) -> Ref:
    """Return the ref of a Discord id."""
    return Ref(PLATFORM, str(ident))


@functools.lru_cache(maxsize=16_384)
def recurring_ref(ident: int) -> Ref:
    """Return the ref of an id that recurs from message to message (guild, channel, member).

    Every message needs three of them; building a ref checks and hashes its fields, so the
    recent ones are kept. Message ids never recur and take :func:`ref`.
    """
    return Ref(PLATFORM, str(ident))


def roles_view(roles: Iterable[discord.Role]) -> tuple[frozenset[str], int]:
    """Return a member's role names and rank (their top role's position; 0 for none).

    Args:
        roles: Their roles, without the guild's default role (``@everyone``).
    """
    held = list(roles)
    return frozenset(r.name for r in held), max((r.position for r in held), default=0)


def member_of(user: discord.Member | discord.User, guild: discord.Guild | None = None) -> Member:
    """Return the core view of a member (or of a user outside any guild)."""
    if isinstance(user, discord.Member):
        guild = guild or user.guild
        names, rank = roles_view(r for r in user.roles if not r.is_default())
        return Member(
            ref=recurring_ref(user.id),
            name=user.name,
            display_name=user.display_name,
            roles=names,
            joined_at=user.joined_at,
            account_created_at=user.created_at,
            is_bot=user.bot,
            is_owner=guild.owner_id == user.id,
            rank=rank,
            timed_out_until=user.timed_out_until,
            pending=user.pending,
            avatar=_avatar(user),
        )
    return Member(
        ref=ref(user.id),
        name=user.name,
        display_name=user.display_name,
        account_created_at=user.created_at,
        is_bot=user.bot,
        is_owner=guild is not None and guild.owner_id == user.id,
        avatar=_avatar(user),
    )


def _avatar(user: discord.Member | discord.User) -> str:
    """Return the hash of the user's own avatar, empty for Discord's default picture.

    The account's avatar, not a server-only one: an evader brings the picture of their
    account, which Discord names by a hash of the image.
    """
    return user.avatar.key if user.avatar is not None else ""


def message_of(message: discord.Message) -> Message:
    """Return the core view of a guild message (a thread reply names its parent channel)."""
    channel = message.channel
    thread = ref(channel.id) if isinstance(channel, discord.Thread) else None
    home = channel.parent_id if isinstance(channel, discord.Thread) else channel.id
    reply = message.reference.message_id if message.reference is not None else None
    return Message(
        ref=ref(message.id),
        channel=recurring_ref(home if home is not None else channel.id),
        author=member_of(message.author, message.guild),
        content=message.content,
        created_at=message.created_at,
        thread=thread,
        reply_to=ref(reply) if reply is not None else None,
        attachments=attachments_of(message),
        mentions=tuple(ref(u.id) for u in message.mentions),
        role_mentions=tuple(r.name for r in message.role_mentions),
        mentions_everyone=message.mention_everyone,
    )


def attachments_of(message: discord.Message) -> tuple[Attachment, ...]:
    """Return the files attached to a message."""
    return tuple(
        Attachment(filename=a.filename, url=a.url, size=a.size, content_type=a.content_type)
        for a in message.attachments
    )


def message_created(message: discord.Message) -> MessageCreated | None:
    """Translate a new guild message; a DM has no community (see :func:`direct_message`)."""
    if message.guild is None:
        return None
    return MessageCreated(
        community=recurring_ref(message.guild.id),
        at=message.created_at,
        id=str(message.id),
        message=message_of(message),
    )


def direct_message(message: discord.Message, guild: discord.Guild) -> DirectMessageReceived:
    """Translate a DM to the bot, for one guild the author shares with it."""
    author = guild.get_member(message.author.id) or message.author
    return DirectMessageReceived(
        community=ref(guild.id),
        at=message.created_at,
        id=f"dm:{message.id}",
        author=member_of(author, guild),
        content=message.content,
        message=ref(message.id),
        attachments=attachments_of(message),
    )


def message_edited(message: discord.Message, before: str | None) -> MessageEdited | None:
    """Translate an edit of a guild message; the id includes the edit time."""
    if message.guild is None:
        return None
    at = message.edited_at or datetime.now(UTC)
    return MessageEdited(
        community=ref(message.guild.id),
        at=at,
        id=f"edit:{message.id}:{at.timestamp():.3f}",
        message=message_of(message),
        before=before,
    )


def message_deleted(
    payload: discord.RawMessageDeleteEvent,
    at: datetime,
    kept: Recent | None = None,
    parent: int | None = None,
) -> MessageDeleted | None:
    """Translate a deletion in a guild, with what the client kept of the message, if any.

    ``parent`` is the thread's parent channel when the message was in a thread the client
    knows (Discord names only the thread).
    """
    if payload.guild_id is None:
        return None
    where = (payload.channel_id, parent)
    return _deleted(payload.guild_id, where, payload.message_id, at, kept)


def messages_deleted(
    payload: discord.RawBulkMessageDeleteEvent,
    at: datetime,
    kept: Mapping[str, Recent | None] | None = None,
    parent: int | None = None,
) -> list[MessageDeleted]:
    """Translate a bulk deletion in a guild: one deletion per message (``parent`` as above)."""
    if payload.guild_id is None:
        return []
    guild, where = payload.guild_id, (payload.channel_id, parent)
    known = kept or {}
    return [
        _deleted(guild, where, message, at, known.get(str(message)))
        for message in sorted(payload.message_ids)
    ]


def _deleted(
    guild: int, where: tuple[int, int | None], message: int, at: datetime, kept: Recent | None
) -> MessageDeleted:
    channel, parent = where
    return MessageDeleted(
        community=ref(guild),
        at=at,
        id=f"delete:{message}",
        message=ref(message),
        channel=ref(parent if parent is not None else channel),
        thread=ref(channel) if parent is not None else None,
        author=kept.author if kept is not None else None,
        content=kept.text if kept is not None else None,
        attachments=kept.files if kept is not None else (),
    )


_AUTOMOD_ACTIONS = {
    discord.AutoModRuleActionType.block_message: "block",
    discord.AutoModRuleActionType.send_alert_message: "alert",
    discord.AutoModRuleActionType.timeout: "timeout",
    discord.AutoModRuleActionType.block_member_interactions: "block_interactions",
}


def automod_blocked(
    execution: discord.AutoModAction,
    guild: discord.Guild,
    at: datetime,
    *,
    rule_name: str = "",
    policy_rule: str | None = None,
) -> AutoModBlocked | None:
    """Translate one AutoMod action execution (Discord sends one per action of a rule).

    Discord gives a blocked message no id, so the id holds the rule, member, action and
    text, and the alert's message id for an alert, else the moment it came: a member who
    types the same blocked text again is a new attempt. The guidelines cog ties the
    executions of one message together.
    """
    member = guild.get_member(execution.user_id)
    if member is None:
        return None
    kind = execution.action.type
    action = _AUTOMOD_ACTIONS.get(kind, kind.name)
    digest = hashlib.sha256(execution.content.encode()).hexdigest()[:12]
    unique = execution.alert_system_message_id or execution.message_id or f"{at.timestamp():.6f}"
    channel = execution.channel_id
    return AutoModBlocked(
        community=ref(guild.id),
        at=at,
        id=f"automod:{execution.rule_id}:{execution.user_id}:{action}:{digest}:{unique}",
        rule=str(execution.rule_id),
        rule_name=rule_name,
        policy_rule=policy_rule,
        member=member_of(member, guild),
        channel=ref(channel) if channel is not None else None,
        content=execution.content,
        matched=execution.matched_keyword or execution.matched_content or "",
        action=action,
        message=ref(execution.message_id) if execution.message_id else None,
    )


def member_joined(member: discord.Member) -> MemberJoined:
    """Translate a join; the id includes the join time (a member may leave and rejoin)."""
    at = member.joined_at or datetime.now(UTC)
    return MemberJoined(
        community=ref(member.guild.id),
        at=at,
        id=f"join:{member.id}:{at.timestamp():.3f}",
        member=member_of(member),
    )


def member_updated(
    before: discord.Member, after: discord.Member, at: datetime
) -> MemberUpdated | None:
    """Translate a member update that changed what Steward follows, else ``None``.

    discord.py reports every GUILD_MEMBER_UPDATE, a replayed one (unchanged) and avatar
    or boost changes included. Its ``before`` shares the account with ``after``, so a
    new username or global name comes through :func:`user_renamed` instead.
    """
    return _updated(member_of(before), member_of(after), after.guild.id, at)


def user_renamed(
    before: discord.User, member: discord.Member, at: datetime
) -> MemberUpdated | None:
    """Translate an account's new username or global name, as one guild's member sees it."""
    new = member_of(member)
    old = dataclasses.replace(
        new, name=before.name, display_name=member.nick or before.display_name
    )
    return _updated(old, new, member.guild.id, at)


def _updated(old: Member, new: Member, guild: int, at: datetime) -> MemberUpdated | None:
    """Return the update from ``old`` to ``new``; its id, built from both, drops replays."""
    states = [
        (m.name, m.display_name, sorted(m.roles), m.timed_out_until, m.pending) for m in (old, new)
    ]
    digest = hashlib.sha256(repr(states).encode()).hexdigest()[:16]
    event = MemberUpdated(
        community=ref(guild),
        at=at,
        id=f"member:{new.ref.id}:{digest}",
        member=new,
        before=old,
    )
    return event if event.changed else None


def member_left(payload: discord.RawMemberRemoveEvent, at: datetime) -> MemberLeft:
    """Translate a member leaving (or being removed)."""
    return MemberLeft(
        community=ref(payload.guild_id),
        at=at,
        id=f"leave:{payload.user.id}:{at.timestamp():.0f}",
        member=ref(payload.user.id),
        name=payload.user.name,
    )


_HAND_ACTIONS: dict[discord.AuditLogAction, HandAction] = {
    discord.AuditLogAction.ban: "ban",
    discord.AuditLogAction.unban: "unban",
    discord.AuditLogAction.kick: "kick",
}


def hand_action(entry: discord.AuditLogEntry) -> HandAction | None:
    """Return what an audit log entry did to a member by hand, if Steward follows it.

    A member update counts when it timed the member out or lifted a timeout; other
    changes (nicknames, roles) are no moderation.
    """
    if entry.action is discord.AuditLogAction.member_update:
        changed = vars(entry.after)
        if "timed_out_until" not in changed:
            return None
        until = changed["timed_out_until"]
        return "timeout" if until is not None and until > entry.created_at else "untimeout"
    return _HAND_ACTIONS.get(entry.action)


def moderated_by_hand(
    entry: discord.AuditLogEntry,
    action: HandAction,
    member: discord.Member | discord.User | int,
    guild: discord.Guild,
) -> ModeratedByHand:
    """Translate what a moderator did to a member with Discord's own tools.

    Args:
        entry: The audit log entry.
        action: What it did (:func:`hand_action`).
        member: Who it was done to, or only their id where Discord no longer knows them.
        guild: Where.
    """
    if isinstance(member, int):
        done_to = Member(ref=ref(member), name="", present=False)
    else:
        # Gone after a ban or kick: the name stays, membership does not.
        gone = action in ("ban", "kick") or not isinstance(member, discord.Member)
        done_to = dataclasses.replace(member_of(member, guild), present=not gone)
    moderator = entry.user
    return ModeratedByHand(
        community=ref(guild.id),
        at=entry.created_at,
        id=f"audit:{entry.id}",
        action=action,
        member=done_to,
        moderator=member_of(moderator, guild) if moderator is not None else None,
        reason=entry.reason or "",
        until=getattr(entry.after, "timed_out_until", None) if action == "timeout" else None,
    )


def deleted_by_hand(entry: discord.AuditLogEntry, guild: discord.Guild) -> DeletedByHand | None:
    """Translate a moderator's deletion of a member's message, as the audit log records it.

    Returns ``None`` for any other entry, and for one whose moderator Discord no longer
    knows (nobody to name).
    """
    if entry.action is not discord.AuditLogAction.message_delete:
        return None
    moderator, author, where = entry.user, entry.target, getattr(entry.extra, "channel", None)
    if moderator is None or author is None or where is None:
        return None
    # A thread's message is told by its parent channel, as its deletion is.
    channel = where.parent_id if isinstance(where, discord.Thread) else where.id
    return DeletedByHand(
        community=ref(guild.id),
        at=entry.created_at,
        id=f"audit:{entry.id}",
        channel=ref(channel),
        author=ref(author.id),
        moderator=member_of(moderator, guild),
    )


def reaction_added(payload: discord.RawReactionActionEvent, at: datetime) -> ReactionAdded | None:
    """Translate a reaction in a guild (the gateway sends the member with it)."""
    if payload.guild_id is None or payload.member is None:
        return None
    return ReactionAdded(
        community=ref(payload.guild_id),
        at=at,
        id=f"react:{payload.message_id}:{payload.user_id}:{payload.emoji}",
        message=ref(payload.message_id),
        channel=ref(payload.channel_id),
        member=member_of(payload.member),
        emoji=str(payload.emoji),
    )


def poll_voted(
    payload: discord.RawPollVoteActionEvent, member: discord.Member, at: datetime, *, removed: bool
) -> PollVoted:
    """Translate a vote in a native poll; Discord numbers answers from 1."""
    return PollVoted(
        community=ref(member.guild.id),
        at=at,
        id=f"poll:{payload.message_id}:{payload.user_id}:{payload.answer_id}:{removed}:{at.isoformat()}",
        message=ref(payload.message_id),
        channel=ref(payload.channel_id),
        member=member_of(member),
        answer=payload.answer_id - 1,
        removed=removed,
    )


def command_path(data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a slash command's full path (``"case show"``) and its leaf options by name.

    A user option that names someone who is not in the guild (they left, or were banned)
    is who Discord's resolved data says they are, a member who is not present: their id
    alone would not tell their name.
    """
    words = [str(data.get("name", ""))]
    options: list[Any] = list(data.get("options") or [])
    while len(options) == 1 and options[0].get("type") in (_SUBCOMMAND, _GROUP):
        words.append(str(options[0]["name"]))
        options = list(options[0].get("options") or [])
    resolved: Mapping[str, Any] = data.get("resolved") or {}
    values = {str(o["name"]): _option_value(o, resolved) for o in options}
    return " ".join(words), values


def _option_value(option: Mapping[str, Any], resolved: Mapping[str, Any]) -> Any:
    value = option.get("value")
    if option.get("type") != _USER or str(value) in (resolved.get("members") or {}):
        return value
    user = (resolved.get("users") or {}).get(str(value))
    if not isinstance(user, Mapping) or not str(value).isdigit():
        return value
    return Member(
        ref=ref(str(value)),
        name=str(user.get("username", "")),
        display_name=str(user.get("global_name") or ""),
        account_created_at=discord.utils.snowflake_time(int(str(value))),
        is_bot=bool(user.get("bot")),
        present=False,
        avatar=str(user.get("avatar") or ""),
    )


def interaction_event(
    interaction: discord.Interaction,
    aliases: Mapping[str, str] | None = None,
    menus: Mapping[str, tuple[str, str]] | None = None,
) -> CommandInvoked | ComponentClicked | None:
    """Translate a slash command, a context-menu command, a button click or a form in a guild.

    A submitted form that asked why before a click becomes that click, with the reason.

    Args:
        interaction: The interaction.
        aliases: Discord command paths that differ from Steward's names.
        menus: Context-menu name -> (Steward command, the option that gets the target).
    """
    guild, user, data = interaction.guild, interaction.user, interaction.data
    if guild is None or data is None or interaction.channel_id is None:
        return None
    # The one place Discord says which language a member reads: their client's.
    author = dataclasses.replace(member_of(user, guild), lang=locale_tag(interaction.locale))
    common: dict[str, Any] = {
        "community": ref(guild.id),
        "at": interaction.created_at,
        "id": f"interaction:{interaction.id}",
        "author": author,
        "channel": ref(interaction.channel_id),
        "interaction": ref(interaction.id),
    }
    if interaction.type is discord.InteractionType.application_command:
        name, options = command_path(data)
        target = data.get("target_id")
        menu = (menus or {}).get(name)
        if target is not None and menu is not None:
            name, option = menu
            options = {option: str(target)}
            if data.get("type") == _USER_MENU:  # someone who left is named as Discord knows them
                picked: Mapping[str, Any] = {"type": _USER, "value": str(target)}
                resolved: Any = data.get("resolved") or {}
                options = {option: _option_value(picked, resolved)}
        return CommandInvoked(name=(aliases or {}).get(name, name), options=options, **common)
    # A form asking why arrives as its own interaction, on the message of the button.
    message = ref(interaction.message.id) if interaction.message is not None else None
    custom = str(data.get("custom_id", ""))
    if interaction.type is discord.InteractionType.component:
        target, choice, _ = button_of(custom)
        return ComponentClicked(target=target, choice=choice, message=message, **common)
    if interaction.type is discord.InteractionType.modal_submit and custom.startswith(FORM_PREFIX):
        target, choice, _ = button_of(custom.removeprefix(FORM_PREFIX))
        rows: Any = data.get("components")
        reason = _typed(list(rows or [])).strip()
        return ComponentClicked(
            target=target, choice=choice, message=message, reason=reason, **common
        )
    return None


def custom_id(target: str, choice: str, question: str = "") -> str:
    """Return the custom id that carries a button's target, choice and question.

    The question is cut to fit Discord's 100 characters; a button with no room left for
    it asks nothing.
    """
    plain = f"{target}{CUSTOM_ID_SEPARATOR}{choice}"
    room = CUSTOM_ID_MAX - len(plain) - len(QUESTION_MARKER)
    if not question or room <= 0:
        return plain
    return f"{plain}{QUESTION_MARKER}{question[:room]}"


def button_of(custom: str) -> tuple[str, str, str]:
    """Return the target, choice and question (empty if none) a button's custom id carries."""
    plain, _, question = custom.partition(QUESTION_MARKER)
    target, _, choice = plain.rpartition(CUSTOM_ID_SEPARATOR)
    if not target:  # a custom id Steward did not build: all target
        return plain, "", question
    return target, choice, question


def form_id(target: str, choice: str) -> str | None:
    """Return the custom id of the form asking why before a click, if it fits Discord's 100."""
    found = f"{FORM_PREFIX}{target}{CUSTOM_ID_SEPARATOR}{choice}"
    return found if len(found) <= CUSTOM_ID_MAX else None


def _typed(components: list[Any]) -> str:
    """Return what was typed into a submitted form's reason input.

    Inputs come in action rows (``components``) or, in newer forms, in labels
    (``component``).
    """
    for component in components:
        if not isinstance(component, Mapping):
            continue
        if component.get("custom_id") == FORM_INPUT and "value" in component:
            return str(component.get("value") or "")
        inner = list(component.get("components") or [])
        if isinstance(component.get("component"), Mapping):
            inner.append(component["component"])
        found = _typed(inner)
        if found:
            return found
    return ""
