"""Apply Steward's actions through the Slack Web API, declaring honestly what Slack allows.

A bot token posts, edits and deletes the bot's own messages, answers privately, writes
DMs, replies in threads and removes members from channels. Deleting members' messages
needs an admin user token; without one the capability is missing and enforcement falls
back. Slack has no timeout, ban, slowmode or channel lock for apps: those are refused as
missing capabilities, never attempted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.members import PLATFORM, MemberDirectory
from bot.adapters.slack.render import blocks, edited, mrkdwn, posts, texts
from bot.adapters.slack.translate import message_of, ref
from bot.core.actions import (
    Action,
    ActionResult,
    DeleteMessage,
    DeleteMessages,
    EditMessage,
    Kick,
    OpenThread,
    PostMessage,
    PostPoll,
    ReplyEphemeral,
    SendDirectMessage,
    poll_buttons,
)
from bot.core.capabilities import Capabilities, Capability
from bot.core.channels import bare_name, bare_role
from bot.core.models import Channel, Member, Message
from bot.core.refs import Ref

logger = logging.getLogger(__name__)

_BOT_TOKEN_CAN = frozenset(
    {
        Capability.POST,
        Capability.DELETE_OWN_MESSAGES,
        Capability.EPHEMERAL_REPLIES,
        Capability.DIRECT_MESSAGES,
        Capability.KICK,
        Capability.THREADS,
        Capability.BUTTONS,
        Capability.POLLS,
    }
)
# Slack has no native polls: a poll is a numbered list that members answer by reacting.
_MAX_POLL_ANSWERS = 10
# Slack's channel ids: public channels start with C, private ones (older) with G.
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")
_CHANNELS_PER_PAGE = 200
# Errors worth trying again: Slack's own trouble, not a refusal of what was asked.
_RETRYABLE = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


def _find(listed: Mapping[str, str], value: str) -> str | None:
    """Return the id of a listed channel or user group given by its id or its name (any case)."""
    if value in listed.values():
        return value
    return listed.get(value.casefold())


def slack_capabilities(*, admin_token: bool, command: str = "/steward") -> Capabilities:
    """Return what a Slack connection can do, with or without an admin user token.

    Args:
        admin_token: Whether an admin user token was given.
        command: The app's slash command, which every Steward command runs under.
    """
    features = set(_BOT_TOKEN_CAN)
    if admin_token:
        features.add(Capability.DELETE_MEMBER_MESSAGES)
    return Capabilities(features=frozenset(features), command_prefix=f"{command} ")


class SlackGateway:
    """The gateway of one Slack workspace.

    Args:
        bot: The Web API client with the bot token.
        admin: A client with an admin user token, which may delete members' messages.
        directory: Member lookups (cached).
        command: The app's slash command (``/steward``).
    """

    def __init__(
        self,
        bot: AsyncWebClient,
        admin: AsyncWebClient | None,
        directory: MemberDirectory,
        *,
        command: str = "/steward",
    ) -> None:
        self._bot = bot
        self._admin = admin
        self._directory = directory
        self._capabilities = slack_capabilities(admin_token=admin is not None, command=command)
        # Channel ids by name, listed once per process and again when a name is missing.
        self._channel_ids: dict[str, str] | None = None

    @property
    def platform(self) -> str:
        """Return ``"slack"``."""
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        """Return what this connection can do."""
        return self._capabilities

    async def apply(self, action: Action) -> ActionResult:
        """Apply an action; a Slack refusal comes back as a failed result, never raised."""
        if not self._capabilities.allows(action):
            what = action.kind.replace("_", " ")
            return ActionResult.unsupported(
                action.kind, f"Slack cannot {what} with this app's tokens"
            )
        try:
            return await self._apply(action)
        except SlackApiError as error:
            code = str(error.response.get("error") or error)
            return ActionResult.failed(
                f"Slack refused {action.kind}: {code}", retryable=code in _RETRYABLE
            )

    async def _apply(self, action: Action) -> ActionResult:  # noqa: PLR0912 - one arm per action
        match action:
            case PostMessage():
                thread = action.thread.id if action.thread else None
                for text, rendered in posts(action.content, action.buttons, action.mentions):
                    answer = await self._bot.chat_postMessage(
                        channel=action.channel.id, text=text, blocks=rendered, thread_ts=thread
                    )
                # The last message stands for the post: it carries the buttons.
                return ActionResult.done(ref(str(answer["ts"])))
            case EditMessage():
                text, rendered = edited(action.content, action.buttons)
                await self._bot.chat_update(
                    channel=action.channel.id, ts=action.message.id, text=text, blocks=rendered
                )
                return ActionResult.done(action.message)
            case DeleteMessage():
                await self._delete(action.channel, action.message)
                return ActionResult.done()
            case DeleteMessages():
                for message in action.messages:
                    await self._delete(action.channel, message)
                return ActionResult.done()
            case ReplyEphemeral():
                return await self._reply_privately(action)
            case SendDirectMessage():
                opened = await self._bot.conversations_open(users=action.member.id)
                for text in texts(action.content):
                    answer = await self._bot.chat_postMessage(
                        channel=opened["channel"]["id"], text=text
                    )
                return ActionResult.done(ref(str(answer["ts"])))
            case PostPoll():
                return await self._poll(action)
            case Kick():
                return await self._kick(action.member)
            case OpenThread():
                # A Slack thread is the replies to a message: open it on the message, or
                # on a new message that names it.
                if action.message is not None:
                    return ActionResult.done(action.message)
                answer = await self._bot.chat_postMessage(
                    channel=action.channel.id, text=mrkdwn(f"**{action.name}**")
                )
                return ActionResult.done(ref(str(answer["ts"])))
        what = action.kind.replace("_", " ")
        return ActionResult.unsupported(action.kind, f"Slack cannot {what}")

    async def _reply_privately(self, reply: ReplyEphemeral) -> ActionResult:
        unsent = texts(reply.content)
        # A command's or click's response URL reaches the member wherever they are, even
        # where the bot is not a channel member; else (and for what it refused) post
        # ephemerally in the channel.
        if reply.interaction.id.startswith(("https://", "http://")):
            hook = AsyncWebhookClient(reply.interaction.id)
            while unsent:
                hooked = await hook.send(text=unsent[0], response_type="ephemeral")
                if hooked.status_code != 200:
                    logger.info(
                        "response_url answered %s; replying in the channel", hooked.status_code
                    )
                    break
                unsent.pop(0)
        for text in unsent:
            await self._bot.chat_postEphemeral(
                channel=reply.channel.id, user=reply.member.id, text=text
            )
        return ActionResult.done()

    async def _poll(self, poll: PostPoll) -> ActionResult:
        # Slack apps have no native polls: a Block Kit message with one button per answer.
        answers = poll.answers[:_MAX_POLL_ANSWERS]
        source = f"**{poll.question}**\n_Choose an answer; open for {poll.hours} h._"
        answer = await self._bot.chat_postMessage(
            channel=poll.channel.id,
            text=mrkdwn(source),
            blocks=blocks(source, poll_buttons(answers)),
            thread_ts=poll.thread.id if poll.thread else None,
        )
        return ActionResult.done(ref(str(answer["ts"])))

    async def _delete(self, channel: Ref, message: Ref) -> None:
        client = self._admin or self._bot
        try:
            await client.chat_delete(channel=channel.id, ts=message.id)
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise
            # Already gone: what was asked is done.

    async def _kick(self, member: Ref) -> ActionResult:
        """Remove a member from every channel the bot shares with them (Slack's reach)."""
        answer = await self._bot.users_conversations(
            user=member.id, types="public_channel,private_channel", limit=1000
        )
        channels = [str(c["id"]) for c in answer.get("channels") or []]
        removed = 0
        for channel in channels:
            try:
                await self._bot.conversations_kick(channel=channel, user=member.id)
                removed += 1
            except SlackApiError as error:
                logger.info(
                    "conversations.kick %s from %s: %s",
                    member.id,
                    channel,
                    error.response.get("error"),
                )
        if not removed:
            return ActionResult.failed(f"{member.id} is in no channel the bot can remove them from")
        return ActionResult.done()

    async def fetch_member(self, community: Ref, member: Ref) -> Member | None:
        """Return a member as Slack knows them now (cached briefly)."""
        return await self._directory.member(member.id)

    async def fetch_channel(self, community: Ref, channel: Ref) -> Channel | None:
        """Return a channel, or ``None`` if Slack does not know it."""
        try:
            answer = await self._bot.conversations_info(channel=channel.id)
        except SlackApiError:
            return None
        data: dict[str, Any] = answer["channel"]
        return Channel(
            ref=ref(str(data["id"])),
            name=str(data.get("name") or data["id"]),
            is_private=bool(data.get("is_private")),
        )

    async def resolve_channels(
        self, community: Ref, names: Sequence[str]
    ) -> Mapping[str, str | None]:
        """Return the ids of channels named in the config (case and a leading ``#`` ignored).

        Values are looked up in the workspace's channels as ``conversations.list`` pages
        them (public ones and the private ones the bot is in; archived ones left out),
        listed once per process and again when a value is not among them (a channel made
        since): a channel's id stays as it is, a name becomes its channel's id. A value
        shaped like an id (``C0123ABC``, ``G0123ABC``) that is not listed is kept too: a
        private channel the bot was not invited to is not listed.

        Raises:
            SlackApiError: If Slack refuses to list the channels.
        """
        bare = {name: bare_name(name) for name in names}
        if not bare:
            return {}
        listed = self._channel_ids
        if listed is None or any(_find(listed, value) is None for value in bare.values()):
            listed = self._channel_ids = await self._list_channels()
        return {
            name: _find(listed, value) or (value if _CHANNEL_ID.fullmatch(value) else None)
            for name, value in bare.items()
        }

    async def resolve_roles(self, community: Ref, names: Sequence[str]) -> Mapping[str, str | None]:
        """Return the mentions (``<!subteam^ID>``) of user groups named in the config.

        A group is found by its handle or its name (case and a leading ``@`` ignored), or
        by its id. The directory's list of groups answers first and is asked again once
        when a value is not in it (a group made since).
        """
        bare = {name: bare_role(name) for name in names}
        if not bare:
            return {}
        known = await self._directory.group_ids()
        if any(_find(known, value) is None for value in bare.values()):
            known = await self._directory.group_ids(fresh=True)
        return {
            name: None if (found := _find(known, value)) is None else f"<!subteam^{found}>"
            for name, value in bare.items()
        }

    async def _list_channels(self) -> dict[str, str]:
        found: dict[str, str] = {}
        cursor = ""
        while True:
            page = await self._bot.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=_CHANNELS_PER_PAGE,
                cursor=cursor or None,
            )
            for channel in page.get("channels") or []:
                found.setdefault(str(channel.get("name") or "").casefold(), str(channel["id"]))
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return found

    async def recent_messages(
        self, community: Ref, channel: Ref, *, limit: int
    ) -> Sequence[Message]:
        """Return up to ``limit`` of a channel's latest messages by members, newest first."""
        try:
            answer = await self._bot.conversations_history(channel=channel.id, limit=limit)
        except SlackApiError:
            return []
        found: list[Message] = []
        for data in answer.get("messages") or []:
            author = (
                await self._directory.member(str(data.get("user"))) if data.get("user") else None
            )
            if author is not None:
                found.append(message_of(community.id, channel.id, data, author))
        return found
