"""The discord.py client that hears Discord's events and hands them to Steward.

Interactions are acknowledged at once (Discord allows three seconds) and answered later
through the gateway: a command's first reply edits the deferred answer, a click's reply
goes as an ephemeral follow-up. A moderator's click on a button that asks why is answered
with a form instead, and its submission is delivered as the click.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from bot.adapters.discord import payloads, translate
from bot.adapters.discord._dm_handoff import DirectMessageHandoff
from bot.adapters.discord._dm_home import Candidate, DirectMessageHomes
from bot.adapters.discord._languages import MemberLanguages
from bot.adapters.discord._recent import RecentContents
from bot.adapters.discord.commands import CONTEXT_MENUS
from bot.adapters.discord.forms import reason_form
from bot.adapters.discord.gateway import DiscordGateway
from bot.core.commands import Choice
from bot.core.events import CommandInvoked, ComponentClicked, Event, MessageCreated
from bot.core.inbox import Deliver, EventInbox
from bot.core.models import Member
from bot.core.protocols import LEDGER_KEPT, CogStateRepository
from bot.core.refs import Ref

logger = logging.getLogger(__name__)

Completer = Callable[[Ref, str, str, str, Member], Awaitable[list[Choice]]]
"""(community, command name, option name, typed text, who types) -> up to 25 (label, value)
choices."""
StaffCheck = Callable[[Ref, Member], bool]
"""(community, member) -> whether the member moderates there."""
IDENTIFY_SPACING = 5.0
"""Seconds between IDENTIFY groups: Discord's rate limit on starting sessions."""
CATCH_UP_REACH = LEDGER_KEPT - timedelta(days=1)
"""How far back a start's catch-up reads: within what the event ledger still remembers,
so a message handled before is never judged twice. A quiet channel's latest messages may
be months old; they were judged when they were written."""
CATCH_UP_AUDIT_ENTRIES = 100
"""Audit log entries read back per guild at most when connecting (bans by hand while away)."""
CATCH_UP_THREADS = 50
"""Active threads looked back over per guild at most, the most recently active first."""
FINISH_ON_CLOSE_SECONDS = 10.0
"""How long closing waits for events already heard to reach the app, and for their writes."""
GUILD_CHANGES = frozenset(
    {
        "guild_role_create",
        "guild_role_update",
        "guild_role_delete",
        "guild_update",
        "guild_join",
        "guild_available",
        "guild_remove",
        "guild_unavailable",
        "ready",
        "resumed",
    }
)
"""discord.py's events after which a guild's roles, their order or its owner may differ:
the views of recent authors (see :class:`~bot.adapters.discord.payloads.AuthorViews`) are
built anew."""
_LAST_MESSAGE_KEEPERS = (
    discord.TextChannel,
    discord.VoiceChannel,
    discord.StageChannel,
    discord.Thread,
)
"""The channels whose ``last_message_id`` discord.py keeps (the catch-up orders threads by it)."""
MENUS = {name: (command, option) for name, (_, command, option) in CONTEXT_MENUS.items()}


def _snowflake(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("%s failed", task.get_name(), exc_info=error)


class StewardClient(discord.Client):
    """A plain (single-connection) client that forwards translated events.

    Args:
        intents: The intents to request.
        catch_up: How many recent messages per channel, and per active thread of those
            channels, to look at after connecting.
        options: Passed on to discord.py (``guild_ready_timeout``, ``shard_count``...).
    """

    def __init__(self, *, intents: discord.Intents, catch_up: int = 0, **options: Any) -> None:
        super().__init__(intents=intents, **options)
        self.member_languages = MemberLanguages()
        """Each member's language, as their last interaction told it (see ``_languages``)."""
        self.steward_gateway = DiscordGateway(self, member_languages=self.member_languages)
        self.catch_up = catch_up
        self._inbox: EventInbox | None = None
        self._serves: Callable[[Ref], bool] = lambda _: True
        self._dm_homes = DirectMessageHomes()
        self._handoff: DirectMessageHandoff | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._finishing: set[asyncio.Task[None]] = set()
        self.caught_up = asyncio.Event()
        self.aliases: dict[int, Mapping[str, str]] = {}
        """Per guild, Discord command paths that differ from Steward's names."""
        self.completer: Completer | None = None
        self.is_staff: StaffCheck | None = None
        """Who is asked why before a click on a button that asks (moderators only)."""
        self.automod_rules: dict[int, dict[str, str]] = {}
        """Per guild, Steward's AutoMod rule ids -> the policy rule each came from."""
        self.automod_rule_names: dict[int, dict[str, str]] = {}
        """Per guild, every AutoMod rule id (the server's own too) -> its name."""
        self._recent = RecentContents()
        self._authors = payloads.AuthorViews()
        self._languages_loaded = False
        # Guild messages are translated from their payloads (see ``payloads``); the rest
        # goes through discord.py's own parser, kept here for them.
        parsers: dict[str, Callable[[Any], None]] = self._connection.parsers
        self._parse_message_object = parsers["MESSAGE_CREATE"]
        parsers["MESSAGE_CREATE"] = self._parse_message_create

    def attach(
        self,
        ingest: Deliver,
        serves: Callable[[Ref], bool] = lambda _: True,
        state: CogStateRepository | None = None,
        handoff: DirectMessageHandoff | None = None,
    ) -> None:
        """Start handing events to ``ingest`` (the app's, with deduplication), in bursts.

        Args:
            ingest: Receives the translated events, a burst at a time, in order.
            serves: Tells whether a guild is one of the app's communities (a DM goes to
                one of those).
            state: Where the guild each member last wrote in is kept across restarts.
            handoff: Where processes that split the shards leave each other DMs;
                ``None`` when this process runs every guild.
        """
        self._inbox = EventInbox(ingest, name="discord-inbox")
        self._serves = serves
        self._dm_homes.state = state
        self._dm_homes.store_every_change = handoff is not None
        self.member_languages.state = state
        self._handoff = handoff

    def _hear(self, event: Event | None) -> None:
        if event is not None and self._inbox is not None:
            self._inbox.put(self.member_languages.applied(event))

    async def close(self) -> None:
        """Stop the catch-up, close the connection, then finish what was already heard."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await super().close()
        with contextlib.suppress(TimeoutError):  # the inbox's close says what was left
            async with asyncio.timeout(FINISH_ON_CLOSE_SECONDS):
                await asyncio.gather(*self._finishing, return_exceptions=True)
                if self._inbox is not None:
                    await self._inbox.drained()
        if self._inbox is not None:
            await self._inbox.close()

    # -- events ---------------------------------------------------------------------------

    async def on_ready(self) -> None:
        """Read back the members' languages, then look back over the audit log and messages.

        All happen once connected: the languages at the first connection only, the looks
        back (deduplicated by the app) at each.
        """
        if not self._languages_loaded:
            self._languages_loaded = True
            await self.member_languages.load()
        self._start(self._catch_up_on_audit_logs(), "discord-audit-catch-up")
        if self.catch_up <= 0:
            self.caught_up.set()
            return
        self._start(self._catch_up(), "discord-catch-up")

    def _start(self, work: Coroutine[Any, Any, None], name: str, *, finish: bool = False) -> None:
        """Run ``work`` as a task of its own.

        Closing the client cancels it, or with ``finish`` (a write to storage) waits for it.
        """
        task = asyncio.create_task(work, name=name)
        tasks = self._finishing if finish else self._tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(_log_failure)

    async def _catch_up(self) -> None:
        for guild in self.guilds:
            channels = [
                c for c in guild.text_channels if c.permissions_for(guild.me).read_message_history
            ]
            threads = await self._active_threads(guild, {c.id for c in channels})
            readable: list[discord.TextChannel | discord.Thread] = [*channels, *threads]
            for channel in readable:
                await self._catch_up_on(channel)
        if self._inbox is not None:
            await self._inbox.drained()
        self.caught_up.set()

    async def _active_threads(
        self, guild: discord.Guild, parents: set[int]
    ) -> list[discord.Thread]:
        """Return the active threads of these channels, the most recently active first.

        The guild's cache holds only threads discord.py was told of; Discord lists them all.
        """
        try:
            threads = await guild.active_threads()
        except discord.HTTPException as error:
            logger.warning("listing the active threads of %s failed: %s", guild.name, error)
            threads = list(guild.threads)
        mine = [t for t in threads if t.parent_id in parents and not t.archived]
        mine.sort(key=lambda t: t.last_message_id or t.id, reverse=True)
        return mine[:CATCH_UP_THREADS]

    async def _catch_up_on(self, channel: discord.TextChannel | discord.Thread) -> None:
        try:
            history = [m async for m in channel.history(limit=self.catch_up)]
        except discord.HTTPException as error:
            logger.warning("catch-up of #%s failed: %s", channel.name, error)
            return
        since = discord.utils.utcnow() - CATCH_UP_REACH
        for message in reversed(history):  # oldest first, as they happened
            if message.author != self.user and message.created_at >= since:
                self._hear(translate.message_created(message))

    def _parse_message_create(self, data: dict[str, Any]) -> None:
        """Hear a guild member's message from its payload; leave the rest to discord.py.

        discord.py parses it as usual when it is no plain guild message, and while
        someone waits for a message (``wait_for("message")`` needs discord.py's object).
        This runs inside discord.py's reading of the gateway: letting a failure through
        would drop the connection, not just this message, so one that cannot be
        translated is logged and skipped.
        """
        guild = self._connection._get_guild(_snowflake(data.get("guild_id")))
        if (
            guild is None
            or not payloads.is_plain_guild_message(data)
            or self._listeners.get("message")
        ):
            self._parse_message_object(data)
            return
        author_id = _snowflake((data.get("author") or {}).get("id"))
        if self._own(author_id):
            return  # Discord echoes the bot's own posts: Steward knows what it posted
        try:
            event, channel = payloads.message_created(data, guild, self._authors)
        except Exception:
            logger.exception("could not hear message %s", data.get("id", "?"))
            return
        if isinstance(channel, _LAST_MESSAGE_KEEPERS):
            channel.last_message_id = int(data["id"])  # as discord.py's parser does
        assert author_id is not None  # the message was read, its author with it
        self._hear_in_guild(event, author_id)

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        """Hear a message at once, then let discord.py tell whoever waits for one.

        Only messages discord.py parsed come here: DMs, webhooks' messages, and guild
        messages from the catch-up. discord.py runs each ``on_<event>`` handler as a task
        of its own, which would cost more than hearing a message does, so this client has
        no ``on_message``: messages are heard here, in order.

        Nothing is heard while discord.py holds no loop: before the client starts, and
        once it is closed. A handler it scheduled then would raise and leave a coroutine
        that never runs, and the gateway can still hand over an event it read while the
        connection closed.
        """
        if event == "socket_event_type" and not self._listeners.get(event):
            # Sent for every gateway event. Nothing here handles it, and discord.py would
            # look for an ``on_socket_event_type`` each time (a failed lookup an event).
            return
        if event in GUILD_CHANGES:
            self._authors.forget()  # a role, a position or the owner may be another now
        if self.loop is discord.utils.MISSING:
            logger.debug("not running: %s not heard", event)
            return
        if event == "message":
            try:
                self._hear_message(args[0])
            except Exception:
                # As in ``_parse_message_create``: a failure must not drop the connection.
                logger.exception("could not hear message %s", getattr(args[0], "id", "?"))
        super().dispatch(event, *args, **kwargs)

    def _hear_message(self, message: discord.Message) -> None:
        """Forward a guild message, or a DM for the one guild it is for (see ``_dm_home``)."""
        if self._own(message.author.id):
            return
        event = translate.message_created(message)
        if event is not None:
            self._hear_in_guild(event, message.author.id)
        elif not message.author.bot:
            self._start(self._direct_message(message), "direct-message", finish=True)

    def _own(self, author_id: int | None) -> bool:
        """Return whether a message's author is this bot."""
        return self.user is not None and author_id == self.user.id

    def _hear_in_guild(self, event: MessageCreated, author_id: int) -> None:
        guild_id = int(event.community.id)
        homes = self._dm_homes
        if homes.wrote(author_id, guild_id) and homes.stores(len(self.guilds)):
            # Looks through every guild: only when the member's guild changed.
            shared = [
                g
                for g in self.guilds
                if g.get_member(author_id) is not None and self._serves(translate.ref(g.id))
            ]
            if homes.stores(len(shared)):
                self._start(homes.keep(author_id, guild_id, shared), "dm-home", finish=True)
        message = event.message
        self._recent.remember(message.ref.id, message.content, message.author, message.attachments)
        self._hear(event)

    async def _direct_message(self, message: discord.Message) -> None:
        """Forward a DM for the served guild it is for, here or in another process."""
        user_id = message.author.id
        shared = [
            Candidate(served.id, member.joined_at)
            for served in self.guilds
            if self._serves(translate.ref(served.id)) and (member := served.get_member(user_id))
        ]
        if self._handoff is not None:
            shared += await self._handoff.remote_candidates(user_id)
        home = await self._dm_homes.choose(user_id, shared)
        here = self.get_guild(home) if home is not None else None
        if here is not None and self._serves(translate.ref(here.id)):
            self._hear(translate.direct_message(message, here))
        elif home is not None and self._handoff is not None:
            await self._handoff.leave(message, home)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Forward an edit, cached or not."""
        if "content" not in payload.data:
            return  # an embed unfurled: nothing a member wrote changed
        if self._own(_snowflake((payload.data.get("author") or {}).get("id"))):
            return  # Steward's own edit (a review card's), echoed
        message_id = str(payload.message_id)
        before = self._recent.get(message_id)
        if before is None and payload.cached_message is not None:
            before = payload.cached_message.content  # a message discord.py parsed
        if payload.guild_id is not None:
            self._recent.remember(message_id, payload.message.content)
        self._hear(translate.message_edited(payload.message, before))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Forward a deletion, with the message's author and words where they were kept."""
        kept = self._recent.forget(str(payload.message_id))
        parent = self._thread_parent(payload.guild_id, payload.channel_id)
        self._hear(translate.message_deleted(payload, datetime.now(UTC), kept, parent))

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Forward each message of a bulk deletion (another tool's purge) as deleted."""
        at = datetime.now(UTC)
        kept = {str(m): self._recent.forget(str(m)) for m in payload.message_ids}
        parent = self._thread_parent(payload.guild_id, payload.channel_id)
        for deleted in translate.messages_deleted(payload, at, kept, parent):
            self._hear(deleted)

    def _thread_parent(self, guild_id: int | None, channel_id: int) -> int | None:
        """Return the parent channel of a thread the client knows; ``None`` otherwise."""
        guild = self.get_guild(guild_id) if guild_id is not None else None
        place = guild.get_channel_or_thread(channel_id) if guild is not None else None
        return place.parent_id if isinstance(place, discord.Thread) else None

    async def on_member_join(self, member: discord.Member) -> None:
        """Forward a join."""
        self._hear(translate.member_joined(member))

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Forward a change of a member's names, roles, timeout or screening."""
        self._hear(translate.member_updated(before, after, datetime.now(UTC)))

    async def on_user_update(self, before: discord.User, after: discord.User) -> None:
        """Forward a new username or global name to every guild the account is in."""
        at = datetime.now(UTC)
        for guild in self.guilds:
            member = guild.get_member(after.id)
            if member is not None:
                self._hear(translate.user_renamed(before, member, at))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Forward a member leaving or being removed."""
        self._hear(translate.member_left(payload, datetime.now(UTC)))

    async def on_audit_log_entry_create(self, entry: discord.AuditLogEntry) -> None:
        """Forward what a moderator did with Discord's own tools.

        A ban, unban, kick or timeout, or the deletion of a member's message.

        Steward's own actions come back through the audit log too; their cases exist
        already, so they are not forwarded. A banned or kicked member is no longer in the
        guild: their name is asked of Discord when no cache holds it.
        """
        await self._hear_audit_entry(entry)

    async def _catch_up_on_audit_logs(self) -> None:
        """Read back what moderators did by hand while Steward was not connected.

        Each guild's audit log since :data:`CATCH_UP_REACH` ago, oldest first, at most
        :data:`CATCH_UP_AUDIT_ENTRIES` entries; the app drops what it heard already (an
        entry keeps its id), so a restart records each ban once.
        """
        since = discord.utils.utcnow() - CATCH_UP_REACH
        for guild in self.guilds:
            if not guild.me.guild_permissions.view_audit_log:
                _warn_audit_log_closed(guild)
                continue
            try:
                entries = [
                    e async for e in guild.audit_logs(limit=CATCH_UP_AUDIT_ENTRIES, after=since)
                ]
            except discord.Forbidden:  # the permission went since discord.py last heard
                _warn_audit_log_closed(guild)
                continue
            except discord.HTTPException as error:
                logger.warning("reading the audit log of %s failed: %s", guild.name, error)
                continue
            for entry in entries:
                await self._hear_audit_entry(entry)

    async def _hear_audit_entry(self, entry: discord.AuditLogEntry) -> None:
        if self.user is not None and entry.user_id == self.user.id:
            return  # Steward's own: its cases and the mod log hold it already
        deleted = translate.deleted_by_hand(entry, entry.guild)
        if deleted is not None:
            self._hear(deleted)
            return
        action = translate.hand_action(entry)
        if action is None:
            return
        target = entry.target
        member: discord.Member | discord.User | int
        if isinstance(target, discord.Member | discord.User):
            member = target
        elif isinstance(target, discord.Object):
            member = self.get_user(target.id) or await self._fetched_user(target.id)
        else:
            return  # an entry about no member: nothing to record
        self._hear(translate.moderated_by_hand(entry, action, member, entry.guild))

    async def _fetched_user(self, user_id: int) -> discord.User | int:
        """Return the user Discord knows by that id, or the id when it cannot say."""
        try:
            return await self.fetch_user(user_id)
        except discord.HTTPException as error:
            logger.info("could not look user %s up: %s", user_id, error)
            return user_id

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        """Forward a vote in a native poll."""
        await self._poll_vote(payload, removed=False)

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        """Forward a vote taken back."""
        await self._poll_vote(payload, removed=True)

    async def _poll_vote(self, payload: discord.RawPollVoteActionEvent, *, removed: bool) -> None:
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        member = guild.get_member(payload.user_id) if guild else None
        if member is not None and not member.bot:
            self._hear(translate.poll_voted(payload, member, datetime.now(UTC), removed=removed))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Forward a reaction."""
        self._hear(translate.reaction_added(payload, datetime.now(UTC)))

    async def on_automod_action(self, execution: discord.AutoModAction) -> None:
        """Forward each action AutoMod took, naming the policy rule behind Steward's rules."""
        guild = self.get_guild(execution.guild_id)
        if guild is None:
            return
        rule = str(execution.rule_id)
        event = translate.automod_blocked(
            execution,
            guild,
            datetime.now(UTC),
            rule_name=self.automod_rule_names.get(guild.id, {}).get(rule, ""),
            policy_rule=self.automod_rules.get(guild.id, {}).get(rule),
        )
        self._hear(event)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Acknowledge a command or click at once, then forward it; answer autocompletes."""
        if interaction.type is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction)
            return
        guild = interaction.guild_id or 0
        event = translate.interaction_event(interaction, self.aliases.get(guild), MENUS)
        if event is None:
            return
        if interaction.type is discord.InteractionType.component and await self._ask_why(
            interaction, event
        ):
            return  # delivered when the form comes back
        try:
            if isinstance(event, CommandInvoked):
                await interaction.response.defer(ephemeral=True, thinking=True)
            else:
                await interaction.response.defer()
        except discord.HTTPException as error:
            logger.warning("could not acknowledge interaction %s: %s", interaction.id, error)
        self.steward_gateway.remember(interaction, deferred=True)
        self._heard_language(interaction.user.id, event.author.lang)
        self._hear(event)

    def _heard_language(self, user_id: int, tag: str | None) -> None:
        """Remember the language an interaction told, storing it when it is news."""
        if tag is not None and self.member_languages.heard(user_id, tag):
            self._start(self.member_languages.keep(user_id, tag), "member-language", finish=True)

    async def _ask_why(self, interaction: discord.Interaction, event: Event) -> bool:
        """Answer a moderator's click on a button that asks why with its form.

        Returns:
            Whether the form was sent; if not, the click is delivered as it is.
        """
        data: Mapping[str, Any] = interaction.data or {}
        _, _, question = translate.button_of(str(data.get("custom_id", "")))
        if (
            not question
            or not isinstance(event, ComponentClicked)
            or self.is_staff is None
            or not self.is_staff(event.community, event.author)
        ):
            return False
        form = reason_form(event.target, event.choice, question)
        if form is None:
            return False
        try:
            await interaction.response.send_modal(form)
        except discord.HTTPException as error:
            logger.warning("could not ask why on interaction %s: %s", interaction.id, error)
            return False
        return True

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        data: Mapping[str, Any] = interaction.data or {}
        guild = interaction.guild_id
        name, _ = translate.command_path(data)
        focused = _focused(list(data.get("options") or []))
        choices: list[Choice] = []
        if self.completer is not None and guild is not None and focused is not None:
            command = self.aliases.get(guild, {}).get(name, name)
            typed = str(focused.get("value") or "")
            member = translate.member_of(interaction.user, interaction.guild)
            choices = await self.completer(
                translate.ref(guild), command, focused["name"], typed, member
            )
        try:
            await interaction.response.autocomplete(
                [discord.app_commands.Choice(name=n[:100], value=v) for n, v in choices[:25]]
            )
        except discord.HTTPException as error:
            logger.info("autocomplete answer refused: %s", error)


def _warn_audit_log_closed(guild: discord.Guild) -> None:
    """Tell the operator what a guild's closed audit log costs, and how to open it."""
    logger.warning(
        "Steward may not view the audit log of %s: bans, kicks and timeouts moderators make "
        "with Discord's own menus there are not recorded (give its role the View Audit Log "
        "permission)",
        guild.name,
    )


def _focused(options: list[Any]) -> dict[str, Any] | None:
    for option in options:
        if option.get("focused"):
            return dict(option)
        found = _focused(list(option.get("options") or []))
        if found is not None:
            return found
    return None


class ShardedStewardClient(StewardClient, discord.AutoShardedClient):
    """The same client over several gateway connections (``[discord] sharded = true``).

    Shards identify in groups of the ``max_concurrency`` Discord grants the bot (1 for
    most, 16 and more for large bots), five seconds apart, instead of discord.py's one
    shard every five seconds.
    """

    _concurrency: int | None = None

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait before an IDENTIFY only when this shard starts a new concurrency group."""
        if self._concurrency is None:
            _, _, limits = await self.http.get_bot_gateway()
            self._concurrency = max(1, int(limits.get("max_concurrency", 1)))
        if not initial and shard_id and shard_id % self._concurrency == 0:
            await asyncio.sleep(IDENTIFY_SPACING)
