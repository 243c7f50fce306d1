"""What a policy says about a message: which rules matched, how badly, and why."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.core.models import Attachment
from bot.core.refs import Ref

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_EMPTY_TEXTS: Mapping[str, str] = MappingProxyType({})

CAMPAIGN_COPIES = "campaign_copies"
"""The evidence key of other accounts' copies of a copy-paste raid's text.

Each is its author's to answer for: moderators review them (``[channel, message]`` refs
as text); nothing is removed in the name of the member who tripped the rule.
"""

EARLIER_COPIES = "earlier_copies"
"""The evidence key of earlier messages a match's ``delete`` removes with the one judged.

A spammer's fourth copy trips the rule, and the three before it are spam too: the rule
names them (``[channel, message]`` refs as text) so the whole run is cleaned up.
"""


class Severity(enum.StrEnum):
    """How serious a violation is; each policy maps severities to actions and points."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Return 0 for low up to 3 for critical."""
        return _RANKS[self]


_RANKS = {severity: rank for rank, severity in enumerate(Severity)}


class Mode(enum.StrEnum):
    """What happens when a rule matches.

    ``enforce`` acts; ``review`` hands the message to moderators without acting;
    ``shadow`` only records what would have happened, so a rule can be trialled.
    """

    ENFORCE = "enforce"
    REVIEW = "review"
    SHADOW = "shadow"


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """A rule's finding, before the engine adds the rule's identity and settings.

    Attributes:
        reason: Why it matched, in words a moderator and the member can read.
        matched: The pieces of text (or names) that matched.
        evidence: Anything else worth recording in the case (scores, counts).
        severity: Overrides the rule's severity when the finding is worse or milder.
        review: The rule is unsure: hand the message to moderators instead of acting.
        actions: Overrides the rule's actions for this finding (a raid's response).
    """

    reason: str
    matched: tuple[str, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    severity: Severity | None = None
    review: bool = False
    actions: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """One rule that matched a message.

    Attributes:
        rule: The rule's id in the policy.
        type: The rule type's registered name (``keywords``).
        severity: How serious.
        mode: Enforce, review or shadow.
        reason: Why it matched.
        matched: What matched.
        evidence: Further evidence.
        actions: The action names the policy gives this match (``delete``, ``warn``...).
        expires_days: How long an infraction from this rule counts.
        guideline: The guideline (a short title) the rule enforces, for notices, by
            language.
    """

    rule: str
    type: str
    severity: Severity
    mode: Mode
    reason: str
    matched: tuple[str, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    actions: tuple[str, ...] = ()
    expires_days: float = 30.0
    guideline: Mapping[str, str] = field(default_factory=lambda: _EMPTY_TEXTS)


class Outcome(enum.StrEnum):
    """The overall answer for a message."""

    ALLOW = "allow"
    REVIEW = "review"
    ACT = "act"


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """Every rule that matched one message, with the texts they judged.

    Attributes:
        community: Where the message was posted.
        member: Who posted it.
        message: The message, if the verdict is about one (a join has none).
        channel: Where, if about a message.
        original: The text as posted.
        normalized: The text as the rules read it (folded, de-obfuscated).
        matches: The rules that matched, most severe first.
        attachments: The files the message carried.
        joined: Whether it judges a member's arrival (no message; the text is their name).
        renamed: Whether it judges a name a member took (no message; the text is the name).
    """

    community: Ref
    member: Ref
    message: Ref | None
    channel: Ref | None
    original: str
    normalized: str
    matches: tuple[Match, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    joined: bool = False
    renamed: bool = False

    @property
    def outcome(self) -> Outcome:
        """Return act if an enforcing rule matched, review if a reviewing one did, else allow."""
        modes = {m.mode for m in self.matches}
        if Mode.ENFORCE in modes:
            return Outcome.ACT
        if Mode.REVIEW in modes:
            return Outcome.REVIEW
        return Outcome.ALLOW

    @property
    def enforced(self) -> tuple[Match, ...]:
        """Return the matches of rules in enforce mode."""
        return tuple(m for m in self.matches if m.mode is Mode.ENFORCE)

    @property
    def worst(self) -> Match | None:
        """Return the most severe enforcing match, or the most severe of any if none enforce."""
        pool = self.enforced or self.matches
        return max(pool, key=lambda m: m.severity.rank) if pool else None
