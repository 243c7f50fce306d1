"""Apply actions to in-process communities, the way a real platform would."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.adapters.local.community import BOT_NAME, PLATFORM, LocalCommunity, ref
from bot.core.actions import (
    Action,
    ActionResult,
    Ban,
    Button,
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
from bot.core.capabilities import Capabilities
from bot.core.channels import bare_name, bare_role
from bot.core.models import Channel, Member, Message
from bot.core.protocols import Clock
from bot.core.refs import Ref


@dataclass(frozen=True, slots=True)
class Applied:
    """An action the local platform received, and what came of it."""

    at: datetime
    action: Action
    result: ActionResult


Observer = Callable[[Applied], None]


class LocalPlatform:
    """The gateway of every local community in this process.

    Args:
        clock: Stamps what happens.
        capabilities: What to claim to support; everything by default, less to
            rehearse a platform that cannot do some things.
    """

    def __init__(self, clock: Clock, capabilities: Capabilities | None = None) -> None:
        self.clock = clock
        self.communities: dict[Ref, LocalCommunity] = {}
        self.applied: list[Applied] = []
        self.buttons: dict[str, tuple[str, Button]] = {}
        self._observers: list[Observer] = []
        self._capabilities = capabilities or Capabilities.everything()

    @property
    def platform(self) -> str:
        """Return ``"local"``."""
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        """Return what this platform claims to support."""
        return self._capabilities

    def add_community(self, community: LocalCommunity) -> None:
        """Serve a community."""
        self.communities[community.ref] = community

    def observe(self, observer: Observer) -> None:
        """Call ``observer`` with each action as it is applied."""
        self._observers.append(observer)

    async def apply(self, action: Action) -> ActionResult:
        """Apply an action to its community and tell the observers."""
        community = self.communities.get(action.community)
        if community is None:
            result = ActionResult.failed(f"no local community {action.community.id!r}")
        elif not self._capabilities.allows(action):
            result = ActionResult.unsupported(
                action.kind, f"this platform cannot {action.kind.replace('_', ' ')}"
            )
        else:
            result = self._apply(community, action, self.clock.now())
        applied = Applied(self.clock.now(), action, result)
        self.applied.append(applied)
        for observer in self._observers:
            observer(applied)
        return result

    async def fetch_member(self, community: Ref, member: Ref) -> Member | None:
        """Return a present member by id (their name), with the timeout they have now."""
        place = self.communities.get(community)
        entry = place.member(member.id) if place else None
        if entry is None or not entry.present:
            return None
        return replace(entry.member, timed_out_until=entry.timed_out_until)

    async def fetch_channel(self, community: Ref, channel: Ref) -> Channel | None:
        """Return a channel by id (its name)."""
        place = self.communities.get(community)
        entry = place.channels.get(channel.id) if place else None
        return entry.channel if entry else None

    async def recent_messages(
        self, community: Ref, channel: Ref, *, limit: int
    ) -> Sequence[Message]:
        """Return up to ``limit`` of a channel's latest messages, newest first."""
        place = self.communities.get(community)
        if place is None or channel.id not in place.channels:
            return []
        found: list[Message] = []
        for message_ref in reversed(place.channels[channel.id].messages):
            message = place.messages.get(message_ref.id)
            if message is not None:
                found.append(message)
                if len(found) >= limit:
                    break
        return found

    async def resolve_channels(
        self, community: Ref, names: Sequence[str]
    ) -> Mapping[str, str | None]:
        """Map each name to itself (without a leading ``#``): local channel ids are names."""
        return {name: bare_name(name) for name in names}

    async def resolve_roles(self, community: Ref, names: Sequence[str]) -> Mapping[str, str | None]:
        """Map each name to ``@name``: the local platform knows roles by name alone."""
        return {name: f"@{bare_role(name)}" for name in names}

    def _apply(  # noqa: PLR0912 - one arm per action type reads best
        self, place: LocalCommunity, action: Action, now: datetime
    ) -> ActionResult:
        match action:
            case PostMessage():
                return self._post(place, action, now)
            case DeleteMessage(message=message):
                if place.remove_message(message.id) is None:
                    return ActionResult.failed(f"message {message.id} does not exist")
                return ActionResult.done()
            case DeleteMessages(messages=messages):
                # Like a bulk delete, messages already gone are skipped, not an error.
                gone = [m.id for m in messages if place.remove_message(m.id) is None]
                if len(gone) == len(messages):
                    return ActionResult.failed("none of the messages exist")
                return ActionResult.done()
            case EditMessage():
                return self._edit(place, action)
            case PostPoll(channel=channel, question=question, answers=answers, thread=home):
                lines = [f"Poll: {question}"] + [f"{n}. {a}" for n, a in enumerate(answers, 1)]
                post = PostMessage(
                    community=action.community,
                    channel=channel,
                    thread=home,
                    content="\n".join(lines),
                    reason=action.reason,
                )
                return self._post(place, post, now)
            case ReplyEphemeral() | SendDirectMessage():
                return self._private(place, action, now)
            case Timeout(member=member, duration=duration):
                entry = place.member(member.id)
                if entry is None or not entry.present:
                    return ActionResult.failed(f"{member.id} is not a member")
                entry.timed_out_until = now + duration if duration > timedelta(0) else None
                return ActionResult.done()
            case Kick(member=member):
                entry = place.member(member.id)
                if entry is None or not entry.present:
                    return ActionResult.failed(f"{member.id} is not a member")
                entry.present = False
                return ActionResult.done()
            case Ban(member=member, delete_message_seconds=seconds):
                return self._ban(place, member, seconds, now)
            case Unban(member=member):
                entry = place.member(member.id)
                if entry is None or not entry.banned:
                    return ActionResult.nothing_to_do(f"{member.id} is not banned")
                entry.banned = False
                return ActionResult.done()
            case SetSlowmode(channel=channel, seconds=seconds):
                if channel.id not in place.channels:
                    return ActionResult.failed(f"no channel #{channel.id}")
                place.channels[channel.id].slowmode = seconds
                return ActionResult.done()
            case LockChannel(channel=channel, locked=locked):
                if channel.id not in place.channels:
                    return ActionResult.failed(f"no channel #{channel.id}")
                place.channels[channel.id].locked = locked
                return ActionResult.done()
            case OpenThread(channel=channel, name=name):
                if channel.id not in place.channels:
                    return ActionResult.failed(f"no channel #{channel.id}")
                thread = place.next_id("t")
                place.add_channel(thread, parent=channel.id)
                place.channels[thread].channel = replace(place.channels[thread].channel, name=name)
                return ActionResult.done(ref(thread))
        return ActionResult.unsupported(action.kind, f"the local platform has no {action.kind}")

    def _post(self, place: LocalCommunity, action: PostMessage, now: datetime) -> ActionResult:
        home = action.thread or action.channel
        if home.id not in place.channels:
            return ActionResult.failed(f"no channel #{home.id}")
        ident = place.next_id("b")
        bot = place.members[BOT_NAME].member
        place.store(
            Message(
                ref=ref(ident),
                channel=action.channel,
                author=bot,
                content=action.content,
                created_at=now,
                thread=action.thread,
            )
        )
        for button in action.buttons:
            self.buttons[button.target] = (ident, button)
        return ActionResult.done(ref(ident))

    def _edit(self, place: LocalCommunity, action: EditMessage) -> ActionResult:
        message = place.messages.get(action.message.id)
        if message is None:
            return ActionResult.failed(f"message {action.message.id} does not exist")
        if message.author.name != BOT_NAME:
            return ActionResult.failed("the bot can edit only its own messages")
        place.messages[action.message.id] = replace(message, content=action.content)
        for target, (ident, _) in list(self.buttons.items()):
            if ident == action.message.id:
                del self.buttons[target]
        for button in action.buttons:
            self.buttons[button.target] = (action.message.id, button)
        return ActionResult.done(action.message)

    def _private(
        self, place: LocalCommunity, action: ReplyEphemeral | SendDirectMessage, now: datetime
    ) -> ActionResult:
        entry = place.member(action.member.id)
        if entry is None:
            return ActionResult.failed(f"{action.member.id} is not a member")
        if isinstance(action, SendDirectMessage) and not entry.present:
            return ActionResult.failed(
                f"{action.member.id} shares no community with the bot any more"
            )
        place.dms.append((now, action.member.id, action.kind, action.content))
        return ActionResult.done()

    def _ban(self, place: LocalCommunity, member: Ref, seconds: int, now: datetime) -> ActionResult:
        entry = place.member(member.id)
        if entry is None:
            return ActionResult.failed(f"{member.id} is not known here")
        # A tempban's end is the bot's job (a scheduled unban), as on the real platforms.
        entry.banned, entry.present = True, False
        if seconds > 0:
            since = now - timedelta(seconds=seconds)
            for ident, message in list(place.messages.items()):
                if message.author.name == member.id and message.created_at >= since:
                    place.remove_message(ident)
        return ActionResult.done()
