"""The interfaces moderation stores through; SQLite implements them now, PostgreSQL later."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.core.refs import Ref
from moderation.cases import (
    ActionStatus,
    Appeal,
    AppealStatus,
    CardRef,
    Case,
    CaseAction,
    CaseStatus,
    NewCase,
    NewReviewItem,
    ReviewItem,
    ReviewOutcome,
    ReviewStatus,
)
from moderation.examples import LabelCount, LabelledExample
from moderation.rule_stats import RuleStats
from policies.list_edits import ListEdit

Escalate = Callable[[int], NewCase]
"""Given a member's active points before this case, return the case to open."""


class CaseRepository(Protocol):
    """Store cases, their actions and notes."""

    async def open(self, new: NewCase, now: datetime) -> Case:
        """Open a case with the next number of its community."""
        ...

    async def open_escalating(
        self, member: Ref, community: Ref, now: datetime, build: Escalate
    ) -> Case:
        """Open a case built from the member's active points, atomically.

        Reading the points and writing the case happen in one transaction, so two
        handlers escalating one member at once see each other's points.
        """
        ...

    async def get(self, community: Ref, number: int) -> Case | None:
        """Return a case by its number in a community."""
        ...

    async def by_id(self, case_id: int) -> Case | None:
        """Return a case by its storage id."""
        ...

    async def for_member(self, community: Ref, member: Ref, *, limit: int = 20) -> list[Case]:
        """Return a member's cases, newest first."""
        ...

    async def recent(
        self,
        community: Ref,
        *,
        limit: int = 20,
        status: CaseStatus | None = None,
        rule: str | None = None,
    ) -> list[Case]:
        """Return a community's latest cases, newest first: of a status, of a rule, if given."""
        ...

    async def active_points(self, community: Ref, member: Ref, now: datetime) -> int:
        """Return the points of a member's active, unexpired cases."""
        ...

    async def add_note(self, case_id: int, author: str, text: str, now: datetime) -> None:
        """Append a note."""
        ...

    async def set_status(
        self, case_id: int, status: CaseStatus, *, points: int | None = None
    ) -> None:
        """Change a case's status (and its points, when an appeal reduces them)."""
        ...

    async def set_reason(self, case_id: int, reason: str) -> None:
        """Change why a case was opened (its note keeps what it said before)."""
        ...

    async def set_action_payload(
        self, case_id: int, position: int, payload: Mapping[str, Any]
    ) -> None:
        """Change what one of a case's actions holds (a ban's or timeout's length)."""
        ...

    async def record_action(
        self, case_id: int, position: int, status: ActionStatus, error: str, now: datetime
    ) -> None:
        """Record an attempt at one of a case's actions."""
        ...

    async def append_actions(
        self, case_id: int, actions: Sequence[CaseAction], now: datetime
    ) -> Case:
        """Add actions to a case after its last one, renumbered in order; return the case.

        Raises:
            ValueError: If there is no such case.
        """
        ...

    async def pending_actions(self, before: datetime) -> list[tuple[Case, int]]:
        """Return (case, position) of actions still pending since before ``before``."""
        ...


class AppealRepository(Protocol):
    """Store appeals."""

    async def open(self, case_id: int, member: Ref, reason: str, now: datetime) -> Appeal:
        """Open an appeal; at most one is open per case.

        Raises:
            ValueError: If the case already has an open appeal.
        """
        ...

    async def open_for(self, case_id: int) -> Appeal | None:
        """Return the case's open appeal, if any."""
        ...

    async def for_case(self, case_id: int) -> list[Appeal]:
        """Return every appeal of a case, oldest first."""
        ...

    async def decide(
        self, appeal_id: int, status: AppealStatus, decided_by: str, decision: str, now: datetime
    ) -> Appeal:
        """Record a decision on an open appeal.

        Raises:
            ValueError: If the appeal is not open.
        """
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Backlog:
    """How much of a community's review queue waits for moderators.

    Attributes:
        waiting: Items open or claimed.
        claimed: Of those, the items a moderator said they are on.
        oldest: When the longest-waiting item was queued; ``None`` when none waits.
    """

    waiting: int
    claimed: int
    oldest: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiting:
    """Which of the waiting review items to read: all of them, or some.

    Attributes:
        rule: Only those a rule raised (its id).
        source: Only those of one source (``appeal``, ``report``...).
        claimed_by: Only those a moderator claimed (their ref, as text).
    """

    rule: str | None = None
    source: str | None = None
    claimed_by: str | None = None


EVERY_ITEM = Waiting()
"""Every waiting item."""


class ReviewRepository(Protocol):
    """Store the review queue."""

    async def add(self, item: NewReviewItem, now: datetime) -> ReviewItem:
        """Queue an item."""
        ...

    async def open_items(
        self, community: Ref, *, limit: int = 50, only: Waiting = EVERY_ITEM
    ) -> list[ReviewItem]:
        """Return open and claimed items (``only`` those), highest priority first, then oldest."""
        ...

    async def backlog(self, community: Ref, *, only: Waiting = EVERY_ITEM) -> Backlog:
        """Return how many items wait (``only`` those), how many are claimed, the oldest's time."""
        ...

    async def set_status(self, item_id: int, status: ReviewStatus) -> None:
        """Change an item's status."""
        ...

    async def expire_waiting(
        self, community: Ref, created_before: datetime, note: str, now: datetime
    ) -> list[ReviewItem]:
        """Expire the open and claimed items created before a time; return them."""
        ...

    async def count_expired_since(self, community: Ref, since: datetime) -> int:
        """Return how many items expired at or after a time."""
        ...

    async def get(self, item_id: int) -> ReviewItem | None:
        """Return an item by its id."""
        ...

    async def for_case(self, case_id: int) -> list[ReviewItem]:
        """Return every item of a case, oldest first."""
        ...

    async def about_message(self, community: Ref, message: Ref) -> list[ReviewItem]:
        """Return every item about a member's message, oldest first."""
        ...

    async def claim(self, item_id: int, moderator: str, now: datetime) -> ReviewItem:
        """Mark a waiting item as claimed by a moderator; claiming it again is harmless.

        Raises:
            ValueError: If the item does not exist, is decided or expired, or another
                moderator claimed it already.
        """
        ...

    async def set_card(self, item_id: int, card: CardRef) -> None:
        """Remember where the item's card was posted."""
        ...

    async def set_card_status(self, item_id: int, status: str) -> None:
        """Remember the last line the item's card shows: where the item stands."""
        ...

    async def append_evidence(self, item_id: int, key: str, value: Any) -> ReviewItem:
        """Append a value to a list in the item's evidence, keeping the latest 50.

        What came after the item was queued: what its member wrote since (``later``),
        who else reported the message (``reporters``).

        Raises:
            ValueError: If there is no such item, or ``key`` is not a plain name.
        """
        ...

    async def set_priority(self, item_id: int, priority: int) -> None:
        """Change an item's priority (an escalation)."""
        ...

    async def decide(
        self,
        item_id: int,
        outcome: ReviewOutcome,
        decided_by: str,
        note: str,
        now: datetime,
        *,
        example: LabelledExample | None = None,
    ) -> ReviewItem:
        """Decide an open or claimed item and store the example it makes, atomically.

        Only one decision is ever recorded: of two moderators deciding at once, the
        second is refused, and no example of theirs is stored.

        Raises:
            ValueError: If the item does not exist or is already decided or expired.
        """
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledAction:
    """An action due later, stored so it survives restarts."""

    id: int
    community: Ref
    case_id: int | None
    payload: Mapping[str, Any]
    due_at: datetime


class ScheduleRepository(Protocol):
    """Store actions due later (a tempban's end, a raid slowmode's end)."""

    async def add(
        self, community: Ref, payload: Mapping[str, Any], due_at: datetime, case_id: int | None
    ) -> int:
        """Schedule an action; return its id."""
        ...

    async def reschedule(
        self,
        community: Ref,
        kind: str,
        target: str,
        *,
        payload: Mapping[str, Any] | None,
        due_at: datetime,
        case_id: int | None,
    ) -> None:
        """Drop pending actions of a kind on a target and schedule ``payload`` instead, at once.

        Nothing between the two can leave neither (a tempban without an end); ``None``
        only drops.
        """
        ...

    async def due(self, community: Ref, now: datetime) -> list[ScheduledAction]:
        """Return a community's actions due at or before ``now``, earliest first."""
        ...

    async def next_due(self, community: Ref) -> datetime | None:
        """Return when a community's next action is due."""
        ...

    async def done(self, action_id: int) -> None:
        """Mark an action done."""
        ...

    async def cancel(self, community: Ref, kind: str, target: str) -> int:
        """Drop pending actions of a kind on a target (an early unban); return how many."""
        ...


class ShadowRepository(Protocol):
    """Remember rules that moderators put in shadow mode at run time."""

    async def shadowed(self, community: Ref) -> frozenset[str]:
        """Return the ids of shadowed rules."""
        ...

    async def set(self, community: Ref, rule: str, shadow: bool, actor: str, now: datetime) -> None:
        """Shadow a rule, or enforce it again."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedListEdit:
    """A moderator's edit of a rule's list, as kept.

    Attributes:
        edit: What was added or taken out, of which list.
        actor: The moderator's ref as text.
        at: When.
    """

    edit: ListEdit
    actor: str
    at: datetime


class ListEditRepository(Protocol):
    """Remember the entries moderators added to or took out of rules' lists at run time."""

    async def edits(self, community: Ref) -> list[RecordedListEdit]:
        """Return a community's edits, oldest first."""
        ...

    async def record(self, community: Ref, edit: ListEdit, actor: str, now: datetime) -> None:
        """Keep an edit, replacing any earlier one of the same entry of the same list."""
        ...

    async def drop(self, community: Ref, rule: str, list_name: str, entry: str) -> None:
        """Forget the edit of an entry: the list has it as the policy file does."""
        ...


class ExampleRepository(Protocol):
    """Store labelled examples: moderators' decisions on messages."""

    async def add(self, example: LabelledExample) -> int:
        """Store an example; return its id."""
        ...

    async def recorded(
        self, community: Ref | None = None, *, since: datetime | None = None
    ) -> list[LabelledExample]:
        """Return the examples of one community (of all when ``None``), oldest first.

        Args:
            community: Whose examples; ``None`` for every community's.
            since: Only examples decided at or after this time.
        """
        ...

    async def count_by_label(self, community: Ref | None = None) -> dict[str, LabelCount]:
        """Return, per label, how many examples were violations and how many were not."""
        ...


class RuleStatsRepository(Protocol):
    """Read per-rule figures: volume, decisions, precision and reversals."""

    async def per_rule(
        self, community: Ref | None = None, *, since: datetime | None = None
    ) -> list[RuleStats]:
        """Return the figures of every rule with a case or a review item, by rule id.

        Args:
            community: Whose; ``None`` for every community together.
            since: Only cases and review items opened at or after this time.
        """
        ...


class ModerationStore(Protocol):
    """Every moderation repository of one storage backend."""

    @property
    def cases(self) -> CaseRepository:
        """Return the cases."""
        ...

    @property
    def appeals(self) -> AppealRepository:
        """Return the appeals."""
        ...

    @property
    def reviews(self) -> ReviewRepository:
        """Return the review queue."""
        ...

    @property
    def schedule(self) -> ScheduleRepository:
        """Return the actions due later."""
        ...

    @property
    def shadows(self) -> ShadowRepository:
        """Return the shadowed rules."""
        ...

    @property
    def list_edits(self) -> ListEditRepository:
        """Return moderators' edits of rules' lists."""
        ...

    @property
    def examples(self) -> ExampleRepository:
        """Return the labelled examples."""
        ...

    @property
    def stats(self) -> RuleStatsRepository:
        """Return the per-rule figures."""
        ...
