"""Repeated messages: one member's copies, or many accounts pasting one text (a raid)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import Field
from rapidfuzz import fuzz

from policies.context import Context, RecentMessage, Subject
from policies.rule import Rule, RuleParams, rule
from policies.verdict import CAMPAIGN_COPIES, EARLIER_COPIES, Hit, Severity
from policies.windows import fingerprint

_NEAR_CANDIDATES = 10  # a member's latest messages compared for near-duplicates


class DuplicatesParams(RuleParams):
    """What counts as repetition.

    Attributes:
        per_seconds: The window.
        min_length: Shorter texts ("ok", "thanks") are never counted.
        max_repeats: Copies one member may post within the window (this one included).
        similarity: From 0 to 1: how alike two texts must be to count as copies.
        max_accounts: Distinct accounts that may post one text within the window before
            it counts as a copy-paste raid (0 turns this check off).
        raid_joined_days: Only accounts that joined within this many days count towards a
            copy-paste raid, so established members all wishing "happy new year" never
            do (0: every account counts; accounts of unknown join date always count).
    """

    per_seconds: float = Field(60.0, gt=0, le=86_400)
    min_length: int = Field(12, ge=1)
    max_repeats: int = Field(3, ge=1)
    similarity: float = Field(0.9, gt=0, le=1)
    max_accounts: int = Field(3, ge=0)
    raid_joined_days: float = Field(0.0, ge=0, le=3650)


@rule("duplicates")
class DuplicatesRule(Rule[DuplicatesParams]):
    """Flag repeated or mass-pasted messages, across channels."""

    Params = DuplicatesParams

    def __init__(self, rule_id: str, params: DuplicatesParams) -> None:
        super().__init__(rule_id, params)
        self._window = timedelta(seconds=params.per_seconds)
        days = params.raid_joined_days
        self._newcomers_for = timedelta(days=days) if days else None
        # Enough of the member's latest messages to reach the limit, no more.
        self._candidates = max(_NEAR_CANDIDATES, params.max_repeats)
        self._threshold = params.similarity * 100

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Compare the message with the member's recent ones and everyone's identical ones."""
        p = self.params
        key = fingerprint(subject.text.canonical)
        if len(key) < p.min_length:
            return None
        now = ctx.now
        since = now - self._window
        author = subject.message.author.ref
        if p.max_accounts and self._newcomer(subject.member.joined_at, now):
            same = ctx.with_text(key, since)  # most often none: a text nobody posted lately
            if same:
                accounts = {r.author for r in same if self._newcomer(r.author_joined, now)}
                accounts.add(author)
                if len(accounts) > p.max_accounts:
                    evidence: dict[str, object] = {
                        "accounts": len(accounts),
                        "kind": "copy_paste_raid",
                    }
                    # Only this member's own go with theirs: the others' copies are theirs
                    # to answer for, before moderators.
                    own = _refs(r for r in same if r.author == author)
                    if own:
                        evidence[EARLIER_COPIES] = own
                    evidence[CAMPAIGN_COPIES] = _refs(
                        r for r in same if r.author != author and r.author in accounts
                    )
                    return Hit(
                        reason=f"the same text from {len(accounts)} accounts "
                        f"within {p.per_seconds:g}s",
                        matched=(subject.message.content[:100],),
                        evidence=evidence,
                        severity=Severity.HIGH,
                    )
        mine = ctx.by_member(author, since)
        if len(mine) < p.max_repeats:
            return None  # too few recent messages to hold that many copies
        mine = mine[-self._candidates :]
        threshold = self._threshold
        ratio = fuzz.ratio
        # With a cutoff, rapidfuzz stops early (or at once, when the lengths alone differ
        # too much) and answers 0 for texts below it.
        earlier = [
            r for r in mine if r.canonical == key or ratio(r.canonical, key, score_cutoff=threshold)
        ]
        copies = len(earlier) + 1
        if copies > p.max_repeats:
            channels = len({r.channel for r in mine} | {subject.message.channel})
            return Hit(
                reason=f"the same message {copies} times within {p.per_seconds:g}s "
                f"in {channels} channel(s)",
                matched=(subject.message.content[:100],),
                evidence={
                    "copies": copies,
                    "channels": channels,
                    "kind": "repeat",
                    EARLIER_COPIES: _refs(earlier),
                },
            )
        return None

    def _newcomer(self, joined: datetime | None, now: datetime) -> bool:
        """Return whether an account counts towards a copy-paste raid (see ``raid_joined_days``)."""
        within = self._newcomers_for
        return within is None or joined is None or now - joined <= within


def _refs(messages: Iterable[RecentMessage]) -> list[list[str]]:
    """Return messages as ``[channel, message]`` refs in text, for evidence."""
    return [[str(r.channel), str(r.message)] for r in messages]
