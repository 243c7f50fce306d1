"""Cases: the record of every action, with its evidence, expiry, notes and status."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from bot.core.quoting import excerpt
from bot.core.refs import Ref


class CaseStatus(enum.StrEnum):
    """Where a case stands.

    ``active`` cases count towards escalation until they expire; ``shadow`` cases record
    what a rule in shadow mode would have done; ``review`` cases wait for a moderator.
    """

    ACTIVE = "active"
    EXPIRED = "expired"
    PARDONED = "pardoned"
    APPEALED = "appealed"
    OVERTURNED = "overturned"
    SHADOW = "shadow"
    REVIEW = "review"


class ActionStatus(enum.StrEnum):
    """How one platform action of a case went."""

    PENDING = "pending"
    APPLIED = "applied"
    FAILED = "failed"
    HANDED_OFF = "handed_off"


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseAction:
    """One platform action belonging to a case.

    Attributes:
        position: Its order within the case.
        kind: The action's kind (``delete_message``).
        payload: Everything needed to apply it again (see ``moderation.codec``).
        status: How it went.
        attempts: How many times it was tried.
        error: The platform's last refusal.
    """

    position: int
    kind: str
    payload: Mapping[str, Any]
    status: ActionStatus = ActionStatus.PENDING
    attempts: int = 0
    error: str = ""

    @property
    def lifts_timeout(self) -> bool:
        """Return whether it lifts a timeout (a timeout of no length), not imposes one."""
        return self.kind == "timeout" and not self.payload.get("duration")


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    """A note appended to a case."""

    at: datetime
    author: str
    text: str


CARE_REASON = "care"
"""The reason of the caring reply a care rule sends: it marks a welfare case."""

STAFF_NOTE = "staff_note"
"""The evidence key that marks a moderator's note on a member: a case that does nothing."""

JOINED = "joined"
"""The evidence key that marks what a rule judged as a member arrived: no message, a name."""

RENAMED = "renamed"
"""The evidence key that marks what a rule judged as a member took a new name: that name."""

BY_HAND = "by_hand"
"""The evidence key of a case recorded from the platform's own tools: the platform's name."""
_PLATFORM_NAMES = {"discord": "Discord", "slack": "Slack", "local": "the local platform"}


def by_hand_in(platform: str) -> str:
    """Return how Steward says an action was taken with a platform's own tools."""
    return f"by hand in {_PLATFORM_NAMES.get(platform, platform)}"


REACH_OUT = "reach_out"
"""The evidence key of a welfare card's line on how staff write to the member privately."""

UNDELIVERED = "the member could not be notified: "
"""How the bot's note on a case begins when the member's notice did not reach them."""


def undelivered_notice(notes: Sequence[Note]) -> str | None:
    """Return why a member's notice did not reach them, from a case's notes, if one did not.

    Pass the notes written since the notice was sent: an older notice that failed says
    nothing of a later one.
    """
    for note in reversed(notes):
        if note.author == "bot" and note.text.startswith(UNDELIVERED):
            return note.text.removeprefix(UNDELIVERED)
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCase:
    """A case about to be opened.

    Attributes:
        community: Where.
        member: Who it is about.
        member_name: Their name at the time, for readable lists.
        member_avatar: The hash of the picture they showed at the time (see
            :attr:`~bot.core.models.Member.avatar`), for telling them again under another
            name; empty for a default picture.
        rule: The rule that caused it, or ``None`` for a moderator's own action.
        severity: The rule's severity, if any.
        actor: ``bot`` or the moderator's ref as text.
        reason: Why, in words.
        evidence: Original text, normalized text, what matched, scores.
        message: The message it is about, if any.
        channel: Where that message was.
        points: What it adds towards escalation.
        status: ``active``, ``shadow`` or ``review``.
        expires_at: When it stops counting, if it counts.
        actions: The platform actions to apply, in order.
    """

    community: Ref
    member: Ref
    member_name: str = ""
    member_avatar: str = ""
    rule: str | None = None
    severity: str | None = None
    actor: str = "bot"
    reason: str = ""
    evidence: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    message: Ref | None = None
    channel: Ref | None = None
    points: int = 0
    status: CaseStatus = CaseStatus.ACTIVE
    expires_at: datetime | None = None
    actions: tuple[CaseAction, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Case(NewCase):
    """A case as stored.

    Attributes:
        id: The storage id.
        number: The number people see (``#12``), unique per community.
        created_at: When it was opened.
        notes: Notes, oldest first.
    """

    id: int
    number: int
    created_at: datetime
    notes: tuple[Note, ...] = ()

    def status_at(self, now: datetime) -> CaseStatus:
        """Return the status, with an active case past its expiry shown as expired."""
        if (
            self.status is CaseStatus.ACTIVE
            and self.expires_at is not None
            and self.expires_at <= now
        ):
            return CaseStatus.EXPIRED
        return self.status

    @property
    def label(self) -> str:
        """Return how people refer to it (``#12``)."""
        return f"#{self.number}"

    @property
    def on_record(self) -> bool:
        """Return whether it is on the member's record: a shadow rule's case is not, nor care.

        A rule on trial records what it would have done; until it goes live that says
        nothing about the member. Someone who may be at risk did nothing wrong: counted
        among "earlier cases" they would read as a repeat offender on the next card. A
        moderator's note judges nothing either.
        """
        return (
            self.status is not CaseStatus.SHADOW and not self.is_welfare and not self.is_staff_note
        )

    @property
    def put_to_member(self) -> bool:
        """Return whether the member is shown it as theirs (``/record``, ``/appeal``).

        What is on their record and holds something against them: not a rule's shadow
        record, a welfare alert, a staff note, a case that only lifted a sanction, nor one
        that did nothing to them (an alert to moderators, a review they found no violation).
        """
        return self.on_record and not self.only_lifts and not self.did_nothing_to_member

    @property
    def is_staff_note(self) -> bool:
        """Return whether it is a moderator's note on the member (``/note``), not a sanction.

        A note does nothing and tells the member nothing: it is what one moderator wants
        the next to know ("asked twice about refunds, be patient").
        """
        return self.evidence.get(STAFF_NOTE) is True

    @property
    def staff_note_standing(self) -> bool:
        """Return whether it is a note no moderator withdrew (``/case pardon`` withdraws one)."""
        return self.is_staff_note and self.status is not CaseStatus.PARDONED

    @property
    def is_welfare(self) -> bool:
        """Return whether it looks after a member who may be at risk (a care rule's case).

        Known by its caring reply, so a case keeps its nature whatever the policy says
        now.
        """
        return any(
            a.kind == "send_direct_message" and a.payload.get("reason") == CARE_REASON
            for a in self.actions
        )

    @property
    def welfare_concern(self) -> bool:
        """Return whether it is a welfare alert moderators did not find a false alarm.

        "Not at risk" pardons the case: what tells moderators someone may have been at
        risk before should not repeat an alarm they judged false.
        """
        return self.is_welfare and self.status is not CaseStatus.PARDONED

    @property
    def only_lifts(self) -> bool:
        """Return whether all it did was lift a sanction (an unban, a timeout lifted).

        Nothing in it stands against the member: there is nothing to appeal.
        """
        return bool(self.actions) and all(
            a.kind == "unban" or a.lifts_timeout for a in self.actions
        )

    @property
    def did_nothing_to_member(self) -> bool:
        """Return whether nothing was done to the member and nothing counts against them.

        At most moderators were alerted: a suspicion they judge (ban evasion), or a message
        they reviewed and found no violation. The member was never told of it.
        """
        return not self.points and all(
            a.kind == "post_message" and a.payload.get("reason") == "alert" for a in self.actions
        )

    def banned_by_it(self, now: datetime) -> bool | None:
        """Return whether the ban it applied still holds: ``None`` if it banned or unbanned no one.

        Its last ban or unban that the platform applied decides; a tempban's end passed is
        no ban. A ban lifted by hand on the platform is not known here.
        """
        for action in reversed(self.actions):
            if action.status is not ActionStatus.APPLIED or action.kind not in {"ban", "unban"}:
                continue
            if action.kind == "unban":
                return False
            seconds = float(action.payload.get("duration") or 0)
            return not seconds or self.created_at + timedelta(seconds=seconds) > now
        return None

    def shown_status(self, now: datetime) -> str:
        """Return its status as staff read it in lists.

        ``active`` means it counts towards escalation now: a case that carries no points
        (a ban, a kick, a lifted timeout) is ``recorded``, and a care case is ``welfare``,
        whether or not a moderator has reached out yet (``false alarm`` once found one). A
        moderator's note is ``note`` (``note withdrawn`` once pardoned).
        """
        if self.is_welfare:
            return "welfare" if self.welfare_concern else "false alarm"
        if self.is_staff_note:
            return "note" if self.staff_note_standing else "note withdrawn"
        status = self.status_at(now)
        if status is CaseStatus.ACTIVE and not self.points:
            return "recorded"
        return status.value

    @property
    def actor_name(self) -> str:
        """Return who opened it as staff know them: the moderator's name, else the id.

        Platforms give ids (eighteen digits on Discord); a moderator's case keeps their
        name beside it.
        """
        moderator = self.evidence.get("moderator")
        if self.actor != "bot" and isinstance(moderator, str) and moderator:
            return moderator
        return self.actor.split(":", 1)[-1]

    @property
    def message_text(self) -> str:
        """Return the text of the message it is about, as posted; empty when there is none."""
        original = self.evidence.get("original")
        return original if isinstance(original, str) else ""


_NOTE_SHOWN = 200
"""How many characters of a staff note a card or a modmail header quotes."""


def staff_notes_line(cases: Sequence[Case]) -> str:
    """Return the latest standing staff note among a member's cases, for the next moderator.

    Empty when there is none. Cards and modmail headers quote it, since whoever decides a
    card or answers a member should read what a colleague noted, not only that one exists.

    Args:
        cases: The member's cases, newest first (as the repositories return them).
    """
    notes = [c for c in cases if c.staff_note_standing]
    if not notes:
        return ""
    latest = notes[0]
    more = f" ({len(notes)} notes in all)" if len(notes) > 1 else ""
    return (
        f"Staff note by {latest.actor_name}, {latest.created_at:%Y-%m-%d}: "
        f"{excerpt(latest.reason, _NOTE_SHOWN)}{more}"
    )


class AppealStatus(enum.StrEnum):
    """Where an appeal stands.

    ``pardoned``: a moderator pardoned the case while its appeal waited, which settles it.
    """

    OPEN = "open"
    UPHELD = "upheld"
    REDUCED = "reduced"
    OVERTURNED = "overturned"
    PARDONED = "pardoned"


@dataclass(frozen=True, slots=True, kw_only=True)
class Appeal:
    """A member's appeal against a case."""

    id: int
    case_id: int
    member: Ref
    reason: str
    status: AppealStatus
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision: str = ""


class ReviewStatus(enum.StrEnum):
    """Where a review item stands."""

    OPEN = "open"
    CLAIMED = "claimed"
    DECIDED = "decided"
    EXPIRED = "expired"


class ReviewOutcome(enum.StrEnum):
    """What a moderator found when deciding a review item."""

    VIOLATION = "violation"
    OK = "ok"


@dataclass(frozen=True, slots=True, kw_only=True)
class NewReviewItem:
    """Something moderators should look at.

    Attributes:
        community: Where.
        source: Why it is here: ``rule``, ``unsupported_action``, ``failed_action``,
            ``raid``, ``report``, ``appeal``.
        reason: What to look at, in words.
        case_id: The case it belongs to, if any.
        member: Who it is about, if anyone.
        message: The message, if any.
        channel: Where, if anywhere.
        rule: The rule involved, if any.
        evidence: What the rule saw.
        priority: Higher first.
    """

    community: Ref
    source: str
    reason: str
    case_id: int | None = None
    member: Ref | None = None
    message: Ref | None = None
    channel: Ref | None = None
    rule: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    priority: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewItem(NewReviewItem):
    """A review item as stored.

    Attributes:
        id: The storage id, which moderators name it by.
        status: Where it stands.
        created_at: When it was queued.
        decided_at: When a moderator decided it, once decided.
        decided_by: That moderator's ref as text.
        outcome: What they found.
        note: What they noted.
        claimed_by: The ref (as text) of the moderator who said they are on it.
        claimed_at: When they did.
        card: The card moderators decide it from, once posted.
        card_status: The card's last line as last shown: where the item stands
            (``Claimed by mona.``); empty until the card was edited.
    """

    id: int
    status: ReviewStatus
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    outcome: ReviewOutcome | None = None
    note: str = ""
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    card: CardRef | None = None
    card_status: str = ""

    @property
    def waiting(self) -> bool:
        """Return whether the item still waits for a decision (open or claimed)."""
        return self.status in {ReviewStatus.OPEN, ReviewStatus.CLAIMED}


@dataclass(frozen=True, slots=True)
class CardRef:
    """Where a review item's card was posted: the staff channel and the card's message."""

    channel: Ref
    message: Ref
