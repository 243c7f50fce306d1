"""Raids: a spike of joins by new or look-alike accounts, and what those accounts post."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import Field, field_validator
from rapidfuzz import fuzz

from bot.core.models import Member
from policies.actions import ActionKind, checked_actions, of_kinds
from policies.context import Context, RecentJoin, Subject
from policies.rule import Rule, RuleParams, rule
from policies.verdict import Hit, Severity


class RaidParams(RuleParams):
    """What a raid looks like and how to answer it.

    Attributes:
        joins: Joins within the window that make a spike.
        per_seconds: The window.
        new_account_days: Accounts younger than this count as new.
        lookalike_similarity: From 0 to 1: names this alike count as look-alikes.
        min_suspicious: New or look-alike accounts among the spike needed to call it a raid.
        hold_minutes: How long after a spike the newcomers' messages go to review.
        on_spike: Actions when a spike is detected: slow the channels down, alert staff.
            A spike is the community's, not the joiner's who completed it, so nothing
            here acts on a member (its case names the community).
        on_join_during_raid: Actions for new or look-alike accounts joining while a spike
            is held, such as ``["gate:30m"]`` (they may not post until a moderator looks).
    """

    joins: int = Field(5, ge=2)
    per_seconds: float = Field(60.0, gt=0, le=3600)
    new_account_days: float = Field(7.0, ge=0, le=3650)
    lookalike_similarity: float = Field(0.8, gt=0, le=1)
    min_suspicious: int = Field(3, ge=1)
    hold_minutes: float = Field(30.0, ge=0, le=10_080)
    on_spike: list[str] = Field(default_factory=lambda: ["slowmode:30s", "alert"])
    on_join_during_raid: list[str] = Field(default_factory=list)

    # Checked when the policy loads: a typo would otherwise surface during the raid.
    _valid_on_join = field_validator("on_join_during_raid")(checked_actions)

    @field_validator("on_spike")
    @classmethod
    def _community_wide(cls, value: list[str]) -> list[str]:
        refusal = (
            "{action} would act on the member whose join completed the spike; on_spike takes "
            "slowmode and alert (newcomers are held for review while the raid lasts; "
            "on_join_during_raid acts on each new account)"
        )
        return of_kinds(value, _ON_SPIKE, refusal)


_ON_SPIKE = {ActionKind.SLOWMODE, ActionKind.ALERT}
"""What a spike may do: it answers the community, not one member."""


@rule("raid")
class RaidRule(Rule[RaidParams]):
    """Detect join spikes, and hold what the newcomers post for review."""

    Params = RaidParams

    def __init__(self, rule_id: str, params: RaidParams) -> None:
        super().__init__(rule_id, params)
        # Built once: each message from a recent member is judged against them.
        self._window = timedelta(seconds=params.per_seconds)
        self._hold = timedelta(minutes=params.hold_minutes)

    def evaluate_join(self, member: Member, ctx: Context) -> Hit | None:
        """Flag the join that completes a spike of suspicious accounts."""
        p = self.params
        window = ctx.joins(ctx.now - self._window)
        current = RecentJoin(
            member=member.ref,
            name=member.name,
            at=ctx.now,
            account_created=member.account_created_at,
            avatar=member.avatar,
        )
        spike = [*window, current]
        if len(spike) != p.joins:
            return self._gate(member, current, ctx)  # the spike fires once, when completed
        suspicious = self.suspicious(spike, ctx.now)
        if len(suspicious) < p.min_suspicious:
            return None
        return Hit(
            reason=f"{len(spike)} joins within {p.per_seconds:g}s, "
            f"{len(suspicious)} of them new or look-alike accounts",
            matched=tuple(sorted(suspicious)),
            evidence={"kind": "join_spike", "joins": len(spike), "hold_minutes": p.hold_minutes},
            severity=Severity.HIGH,
            actions=tuple(p.on_spike),
        )

    def _gate(self, member: Member, current: RecentJoin, ctx: Context) -> Hit | None:
        """Gate a suspicious account that joins while an earlier spike is held."""
        p = self.params
        if not p.on_join_during_raid or member.name not in self.suspicious([current], ctx.now):
            return None
        held = ctx.joins(ctx.now - self._hold)
        if self._spike_in(list(held), None) is None:
            return None
        return Hit(
            reason="a new account joined while a raid is being held",
            evidence={"kind": "raid_join"},
            severity=Severity.HIGH,
            actions=tuple(p.on_join_during_raid),
        )

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Send a newcomer's message to review while a spike they were part of is held."""
        joined = subject.member.joined_at
        if subject.is_staff or joined is None or ctx.now - joined > self._hold:
            return None
        spike = self._spike_around(subject.member.name, joined, ctx)
        if spike is None:
            return None
        return Hit(
            reason=f"posted by an account that joined during a raid ({len(spike)} joins)",
            evidence={"kind": "raid_member"},
            review=True,
        )

    def _spike_around(self, name: str, joined: datetime, ctx: Context) -> list[RecentJoin] | None:
        """Return a spike of suspicious joins that includes this member's own join, if any."""
        window = self._window
        nearby = [j for j in ctx.joins(joined - window) if j.at <= joined + window]
        return self._spike_in(nearby, name)

    def _spike_in(self, joins: list[RecentJoin], name: str | None) -> list[RecentJoin] | None:
        """Return a spike among time-ordered joins (one including ``name``, if given)."""
        p = self.params
        window = self._window
        for first in joins:
            spike = [j for j in joins if first.at <= j.at <= first.at + window]
            if len(spike) < p.joins or (name is not None and name not in {j.name for j in spike}):
                continue
            if len(self.suspicious(spike, first.at + window)) >= p.min_suspicious:
                return spike
        return None

    def suspicious(self, joins: Sequence[RecentJoin], now: datetime) -> set[str]:
        """Return the names among ``joins`` of new accounts and of look-alikes of each other.

        Look-alikes are named alike, or show the same picture (accounts made by one hand
        often share one; a default picture is no picture of anyone's).

        Args:
            joins: The joins to weigh together (a look-alike needs another to look like).
            now: When they are weighed: an account's age counts from it.
        """
        young = now - timedelta(days=self.params.new_account_days)
        flagged = {
            j.name for j in joins if j.account_created is not None and j.account_created > young
        }
        threshold = self.params.lookalike_similarity * 100
        for index, first in enumerate(joins):
            for second in joins[index + 1 :]:
                if fuzz.ratio(first.name.casefold(), second.name.casefold()) >= threshold:
                    flagged.update((first.name, second.name))
        pictures = Counter(j.avatar for j in joins if j.avatar)
        flagged.update(j.name for j in joins if pictures[j.avatar] > 1)
        return flagged
