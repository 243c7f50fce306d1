"""Record every action the bot applies, or tries to, in the audit log."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from bot.core.actions import (
    Action,
    ActionResult,
    Ban,
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
from bot.core.events import ActionApplied, Event
from bot.core.models import Channel, Member, Message
from bot.core.protocols import AuditEntry, AuditLogRepository, Clock, Gateway
from bot.core.refs import Ref

logger = logging.getLogger(__name__)

# Ephemeral replies are conversation, not moderation: they would flood the log.
_NOT_AUDITED = (ReplyEphemeral,)


def action_target(action: Action) -> str:
    """Return what an action applies to, as ``platform:id`` text."""
    match action:
        case (
            DeleteMessage(message=ref) | EditMessage(message=ref) | OpenThread(message=Ref() as ref)
        ):
            return str(ref)
        case (
            PostMessage(channel=ref)
            | DeleteMessages(channel=ref)
            | PostPoll(channel=ref)
            | SetSlowmode(channel=ref)
            | OpenThread(channel=ref)
            | LockChannel(channel=ref)
        ):
            return str(ref)
        case (
            SendDirectMessage(member=ref)
            | Timeout(member=ref)
            | Kick(member=ref)
            | Ban(member=ref)
            | Unban(member=ref)
            | ReplyEphemeral(member=ref)
        ):
            return str(ref)
    return ""


class AuditedGateway:
    """Wrap a gateway so that each applied action leaves an audit row and an event.

    A platform failure, or an exception from the gateway itself, is recorded and turned
    into a failed :class:`ActionResult`: callers always learn the outcome.

    Args:
        inner: The platform gateway.
        audit: Where rows go.
        clock: Stamps each row.
        publish: Announces each action as ``ActionApplied`` (for the mod log, insights).
        counted: Told each audited action and its result, for the process's metrics.
    """

    def __init__(
        self,
        inner: Gateway,
        audit: AuditLogRepository,
        clock: Clock,
        publish: Callable[[Event], Awaitable[None]] | None = None,
        counted: Callable[[Action, ActionResult], None] | None = None,
    ) -> None:
        self._inner = inner
        self._counted = counted
        self._audit = audit
        self._clock = clock
        self._publish = publish

    @property
    def platform(self) -> str:
        """Return the wrapped platform's name."""
        return self._inner.platform

    @property
    def capabilities(self) -> Capabilities:
        """Return the wrapped platform's capabilities."""
        return self._inner.capabilities

    async def apply(self, action: Action) -> ActionResult:
        """Apply an action through the platform and record the outcome."""
        try:
            result = await self._inner.apply(action)
        except Exception as error:
            logger.exception("gateway %s raised on %s", self.platform, action.kind)
            result = ActionResult.failed(f"{type(error).__name__}: {error}", retryable=True)
        if isinstance(action, _NOT_AUDITED):
            return result
        if self._counted is not None:
            self._counted(action, result)
        if self._publish is not None:
            await self._publish(
                ActionApplied(
                    community=action.community, at=self._clock.now(), action=action, result=result
                )
            )
        await self._audit.record(
            AuditEntry(
                community=action.community,
                at=self._clock.now(),
                action=action.kind,
                actor=action.actor,
                target=action_target(action),
                reason=action.reason,
                ok=result.ok,
                error=result.error,
                rule=action.rule,
                case=action.case,
            )
        )
        return result

    async def fetch_member(self, community: Ref, member: Ref) -> Member | None:
        """Look a member up on the platform."""
        return await self._inner.fetch_member(community, member)

    async def fetch_channel(self, community: Ref, channel: Ref) -> Channel | None:
        """Look a channel up on the platform."""
        return await self._inner.fetch_channel(community, channel)

    async def recent_messages(
        self, community: Ref, channel: Ref, *, limit: int
    ) -> Sequence[Message]:
        """Return a channel's latest messages from the platform."""
        return await self._inner.recent_messages(community, channel, limit=limit)

    async def resolve_channels(
        self, community: Ref, names: Sequence[str]
    ) -> Mapping[str, str | None]:
        """Return the platform's ids of channels named in the config."""
        return await self._inner.resolve_channels(community, names)

    async def resolve_roles(self, community: Ref, names: Sequence[str]) -> Mapping[str, str | None]:
        """Return how the platform mentions roles named in the config."""
        return await self._inner.resolve_roles(community, names)
