"""Interfaces that cogs depend on; adapters, storage and models implement them.

Interfaces are ``typing.Protocol`` classes with read-only properties, so frozen
dataclasses and plain classes both satisfy them under ``mypy --strict``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

from bot.core.actions import Action, ActionResult
from bot.core.capabilities import Capabilities
from bot.core.models import Channel, Member, Message
from bot.core.refs import Ref


@runtime_checkable
class Clock(Protocol):
    """Tell the time; a virtual clock makes schedules and expiry testable without sleeping."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware (UTC)."""
        ...


@runtime_checkable
class Gateway(Protocol):
    """One platform connection: applies actions and answers questions about the community."""

    @property
    def platform(self) -> str:
        """Return the platform's stable name (``"local"``, ``"discord"``, ``"slack"``)."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """Return what this connection can do."""
        ...

    async def apply(self, action: Action) -> ActionResult:
        """Apply an action; never raise for a platform refusal, report it instead."""
        ...

    async def fetch_member(self, community: Ref, member: Ref) -> Member | None:
        """Return a member as the platform knows them now, or ``None`` if absent."""
        ...

    async def fetch_channel(self, community: Ref, channel: Ref) -> Channel | None:
        """Return a channel, or ``None`` if it does not exist."""
        ...

    async def recent_messages(
        self, community: Ref, channel: Ref, *, limit: int
    ) -> Sequence[Message]:
        """Return up to ``limit`` of a channel's latest messages, newest first."""
        ...

    async def resolve_channels(
        self, community: Ref, names: Sequence[str]
    ) -> Mapping[str, str | None]:
        """Return the platform's id of each channel named in the config, ``None`` if unknown.

        A name may start with ``#``; a value that already is one of the platform's channel
        ids maps to itself. Every name given is a key of the answer.
        """
        ...

    async def resolve_roles(self, community: Ref, names: Sequence[str]) -> Mapping[str, str | None]:
        """Return how the platform mentions each role named in the config, ``None`` if unknown.

        A name may start with ``@``; a role's id maps to its mention too. Roles are
        Discord's roles and Slack's user groups (by handle or name). Every name given is a
        key of the answer.
        """
        ...


class Timers(Protocol):
    """Schedule named timers; a due timer arrives on the bus as a ``Tick`` event."""

    def schedule(self, community: Ref, name: str, at: datetime) -> None:
        """Fire ``Tick(timer=name)`` for a community at ``at``, replacing a timer of that name."""
        ...

    def cancel(self, community: Ref, name: str) -> None:
        """Forget a timer if it is scheduled."""
        ...


@dataclass(frozen=True, slots=True)
class TextScores:
    """What a classifier said about one text.

    Attributes:
        scores: Calibrated probability per label (``{"abuse": 0.93, "spam": 0.01}``).
        language: The language the text was judged in (ISO 639-1), when detected.
        model: The model and version that judged it (``steward-text@2026.11.30-1a2b3c``),
            recorded in case evidence.
    """

    scores: Mapping[str, float]
    language: str | None = None
    model: str | None = None


class ClassifierError(Exception):
    """The classifier gave no scores for a request; the rules alone judge the message."""


class ClassifierBusy(ClassifierError):
    """Too many texts already wait for the classifier; the request was refused at once."""


class ClassifierFailed(ClassifierError):
    """The model raised on the request's batch, or the classifier was closed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassifierSettings:
    """How cogs wait for the classifier.

    Attributes:
        timeout: Seconds to wait for a message's scores before judging it by the rules alone.
        on_timeout: What then: ``"review"`` also hands the message to moderators,
            ``"rules"`` only logs it.
        unscored_reviews_per_hour: With ``"review"``, how many such messages a community
            hands to moderators per hour; past that, staff hear once that the classifier
            is not keeping up, and the rest are judged by the rules alone.
    """

    timeout: float = 2.0
    on_timeout: Literal["review", "rules"] = "review"
    unscored_reviews_per_hour: int = 30


class ModelIdentity(Protocol):
    """Name a model as case evidence records it, and say what it scores."""

    @property
    def model_id(self) -> str:
        """Return the model's name, recorded in case evidence."""
        ...

    @property
    def version(self) -> str:
        """Return the model's version, recorded in case evidence."""
        ...

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the labels this model scores (``"abuse"``, ``"spam"``, ...)."""
        ...


def community_key(community: Ref) -> str:
    """Return the name under which a community's classifier heads are kept (``discord-1234``).

    It is also a safe file name: anything but letters, digits, ``_``, ``.`` and ``-`` becomes
    ``_``.
    """
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{community.platform}-{community.id}")


@runtime_checkable
class Classifier(ModelIdentity, Protocol):
    """Score texts per label with a model; scores are calibrated probabilities.

    ``score`` raises :class:`ClassifierError` (busy, failed) when it cannot answer.
    """

    async def score(
        self, texts: Sequence[str], *, community: str | None = None, language: str | None = None
    ) -> list[TextScores]:
        """Return the scores of each text, in order.

        Args:
            texts: The texts.
            community: The community's key for heads learnt from its moderators
                (``platform-id``); ``None`` scores with the shared model only.
            language: The community's language (BCP 47), to read a text in when its own
                cannot be told (a short line); ``None`` leaves such texts to the model.
        """
        ...


UnscoredReason = Literal["timeout", "busy", "failed"]
"""Why a message went without scores: no answer in time, a full queue, or an error."""


class Meter(Protocol):
    """Count what cogs do, for operators' metrics (``/metrics``, see :mod:`bot.status_server`).

    Each method is called on the hot path of what it counts: implementations only count.
    ``community`` is the community's key in the configuration.
    """

    def answered(self, community: str, seconds: float) -> None:
        """Count a message scored in ``seconds`` (queueing included)."""
        ...

    def unanswered(self, community: str, reason: UnscoredReason) -> None:
        """Count a message judged by the rules alone because it got no scores, and why."""
        ...

    def matched(self, community: str, rule: str, mode: str) -> None:
        """Count a rule's match, by how it was handled (``enforce``, ``review``, ``shadow``...)."""
        ...

    def decided(self, community: str, rule: str, outcome: str) -> None:
        """Count moderators' decision on a review item a rule raised (``violation``, ``ok``)."""
        ...

    def appeal_decided(self, community: str, rule: str, outcome: str) -> None:
        """Count an appeal's outcome (``upheld``, ``reduced``, ``overturned``) by the case's rule."""
        ...

    def done_by_hand(self, community: str, action: str) -> None:
        """Count an action a moderator took with the platform's own tools (``ban``, ``kick``...)."""
        ...


class _NoMeter:
    """A meter that counts nothing, where no process keeps figures (a bare cog in a test)."""

    def answered(self, community: str, seconds: float) -> None:
        """Count nothing."""

    def unanswered(self, community: str, reason: UnscoredReason) -> None:
        """Count nothing."""

    def matched(self, community: str, rule: str, mode: str) -> None:
        """Count nothing."""

    def decided(self, community: str, rule: str, outcome: str) -> None:
        """Count nothing."""

    def appeal_decided(self, community: str, rule: str, outcome: str) -> None:
        """Count nothing."""

    def done_by_hand(self, community: str, action: str) -> None:
        """Count nothing."""


NO_METER: Meter = _NoMeter()
"""The meter cogs have unless their process gives them one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One line of the audit log: an action the bot applied or tried to.

    Attributes:
        community: Where it happened.
        at: When.
        action: The action's kind (``delete_message``).
        actor: Who asked for it: ``"bot"`` or a moderator's ref.
        target: What it was applied to (a member, channel or message ref), as text.
        reason: Why.
        ok: Whether the platform did it.
        error: The platform's refusal, if any.
        rule: The rule that caused it, if any.
        case: The case it belongs to, if any.
        detail: Anything else worth keeping, as JSON-compatible data.
    """

    community: Ref
    at: datetime
    action: str
    actor: str
    target: str
    reason: str = ""
    ok: bool = True
    error: str = ""
    rule: str | None = None
    case: str | None = None
    detail: Mapping[str, Any] | None = None


class AuditLogRepository(Protocol):
    """Store the audit log: every action the bot applied or tried to apply."""

    async def record(self, entry: AuditEntry) -> None:
        """Append one entry."""
        ...

    async def recent(self, community: Ref, *, limit: int = 50) -> list[AuditEntry]:
        """Return the latest entries of a community, newest first."""
        ...


class SeenEvent(NamedTuple):
    """One platform event for the ledger: where, its platform id, and when it was seen."""

    community: Ref
    event_id: str
    at: datetime


LEDGER_KEPT = timedelta(days=30)
"""How long the event ledger remembers an event id (and a cog's once-only mark).

Platforms redeliver within minutes to an hour; a restart's catch-up reads back no further
than this, less a day, so an event older than the ledger remembers is never handled again.
"""


class EventLedgerRepository(Protocol):
    """Remember which platform events were handled, so a redelivery never acts twice."""

    async def first_seen(self, community: Ref, event_id: str, at: datetime) -> bool:
        """Record an event id; return ``True`` only the first time it is seen."""
        ...

    async def first_seen_many(self, seen: Sequence[SeenEvent]) -> list[bool]:
        """Record several event ids at once; for each, whether this call recorded it first.

        One id twice in ``seen`` is first only at its first place.
        """
        ...

    async def forget_before(self, at: datetime, *, limit: int | None = None) -> int:
        """Drop ids recorded before ``at``, at most ``limit``; return how many were dropped."""
        ...


class CogStateRepository(Protocol):
    """Keep small JSON values per community and cog (cursors, settings, counters)."""

    async def get(self, community: Ref, cog: str, key: str) -> Any | None:
        """Return a stored value, or ``None``."""
        ...

    async def put(self, community: Ref, cog: str, key: str, value: Any) -> None:
        """Store a JSON-compatible value, replacing the old one."""
        ...

    async def delete(self, community: Ref, cog: str, key: str) -> None:
        """Remove a value if present."""
        ...

    async def recent(self, community: Ref, cog: str, limit: int) -> list[tuple[str, Any]]:
        """Return up to ``limit`` keys and values of a cog, the most recently stored first."""
        ...


MemberRecords = dict[str, list[dict[str, Any]]]
"""What a package keeps about one member: its records (JSON data) by table."""


class MemberDataHolder(Protocol):
    """A package that keeps what members wrote or what was done to them.

    A member (or the law they live under) may ask to see what a community keeps about
    them, or to have it erased; each package answers for its own tables, so nothing is
    forgotten when a cog adds one.
    """

    @property
    def section(self) -> str:
        """Return the name its records go under (``moderation``, ``modmail``)."""
        ...

    async def export_member(self, community: Ref, member: Ref) -> MemberRecords:
        """Return every record it keeps about ``member`` in ``community``."""
        ...

    async def erase_member(self, community: Ref, member: Ref) -> dict[str, int]:
        """Erase what ``member`` wrote and what names them; return the records changed by table.

        What must outlive the erasure to keep the community safe (a ban, a block, the
        points that count) keeps its bare facts under the member's platform id.
        """
        ...

    async def forget_texts_before(
        self, community: Ref, cutoff: datetime, now: datetime
    ) -> dict[str, int]:
        """Drop what members wrote that was kept since before ``cutoff``; return the counts.

        What a member may still appeal (a case that counts at ``now``, an appeal or a
        review waiting) keeps its evidence until it no longer does.
        """
        ...


@dataclass(frozen=True, slots=True)
class Handoff:
    """An event one bot process left for the process that runs its community.

    Attributes:
        id: The handoff's id in storage.
        community: The community it is for.
        event_id: The platform event's id (a second handoff of it is ignored).
        payload: What the receiving process needs to rebuild the event (JSON data).
        created_at: When it was left.
    """

    id: int
    community: Ref
    event_id: str
    payload: Mapping[str, Any]
    created_at: datetime


class HandoffRepository(Protocol):
    """Pass events between bot processes that split a platform's shards."""

    async def put(self, community: Ref, event_id: str, payload: Mapping[str, Any]) -> bool:
        """Leave an event for its community's process; return ``False`` if already left."""
        ...

    async def waiting(self, communities: Sequence[Ref], *, limit: int = 50) -> list[Handoff]:
        """Return the oldest events left for any of ``communities``."""
        ...

    async def done(self, handoff: Handoff) -> None:
        """Delete a handoff its process has handled."""
        ...
