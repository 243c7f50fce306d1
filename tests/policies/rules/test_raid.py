"""Raids: a spike of joins by new or look-alike accounts, and what those accounts post."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.core.models import Member
from policies.rules.raid import RaidParams, RaidRule
from policies.verdict import Hit, Severity
from policies.windows import RecentWindows
from tests.policies.rules._builders import LONG_AGO, T0, join, member, subject, windows

S = timedelta(seconds=1)
M = timedelta(minutes=1)
NEW = T0 - timedelta(days=1)  # an account created yesterday
NAMES = ["mia", "oskar", "priya", "tomasz", "yuki", "zoe", "lars", "ines"]


def rule(**params: object) -> RaidRule:
    return RaidRule("raid", RaidParams.model_validate(params))


def arrive(
    raid: RaidRule,
    ctx: RecentWindows,
    newcomers: Sequence[tuple[str, datetime | None]],
    *,
    start: datetime = T0,
    every: timedelta = 5 * S,
) -> list[Hit | None]:
    """Judge and record joins as the guidelines cog does; return the hit of each join."""
    hits: list[Hit | None] = []
    for i, (name, created) in enumerate(newcomers):
        at = start + i * every
        joiner = member(name, joined=at, account_created=created)
        hits.append(raid.evaluate_join(joiner, ctx.moved_to(at)))
        ctx.record_join(join(name, at, account_created=created))
    return hits


def spike(names: Sequence[str] = NAMES[:5]) -> list[tuple[str, datetime | None]]:
    return [(name, NEW) for name in names]


def held_windows() -> RecentWindows:
    """Return windows that keep joins longer than the hold, after a spike of five at T0."""
    ctx = windows(horizon=timedelta(hours=2))
    assert arrive(rule(), ctx, spike())[-1] is not None
    return ctx


# Join spikes


def test_a_spike_of_new_accounts_fires_once_on_the_join_that_completes_it() -> None:
    hits = arrive(rule(joins=5, per_seconds=60), windows(), spike(NAMES))
    assert [h is not None for h in hits] == [False, False, False, False, True, False, False, False]
    hit = hits[4]
    assert hit is not None
    assert hit.severity is Severity.HIGH
    assert hit.actions == ("slowmode:30s", "alert")
    assert dict(hit.evidence) == {"kind": "join_spike", "joins": 5, "hold_minutes": 30.0}
    assert hit.matched == tuple(sorted(NAMES[:5]))
    assert hit.reason == "5 joins within 60s, 5 of them new or look-alike accounts"


def test_the_spike_actions_come_from_the_params() -> None:
    hits = arrive(rule(on_spike=["alert"]), windows(), spike())
    assert hits[-1] is not None
    assert hits[-1].actions == ("alert",)


def test_joins_spread_wider_than_the_window_are_no_spike() -> None:
    hits = arrive(rule(joins=5, per_seconds=60), windows(), spike(NAMES), every=16 * S)
    assert not any(hits)  # at most 4 joins within any 60 s


def test_established_accounts_do_not_make_a_raid() -> None:
    established = [(name, LONG_AGO) for name in NAMES]
    assert not any(arrive(rule(), windows(), established))


def test_accounts_of_unknown_age_are_not_counted_as_new() -> None:
    unknown: list[tuple[str, datetime | None]] = [(name, None) for name in NAMES]
    assert not any(arrive(rule(), windows(), unknown))


def test_enough_suspicious_accounts_are_needed() -> None:
    two_new = [("mia", NEW), ("oskar", NEW), ("priya", LONG_AGO), ("tomasz", LONG_AGO)]
    assert not any(arrive(rule(min_suspicious=3), windows(), [*two_new, ("yuki", LONG_AGO)]))
    hits = arrive(rule(min_suspicious=3), windows(), [*two_new, ("yuki", NEW)])
    assert hits[-1] is not None
    assert hits[-1].matched == ("mia", "oskar", "yuki")


def test_new_account_days_sets_what_counts_as_new() -> None:
    week_old = T0 - timedelta(days=8)
    accounts = [(name, week_old) for name in NAMES[:5]]
    assert not any(arrive(rule(new_account_days=7), windows(), accounts))
    assert arrive(rule(new_account_days=10), windows(), accounts)[-1] is not None


def test_look_alike_names_count_even_for_established_accounts() -> None:
    lookalikes = [
        ("support_team1", LONG_AGO),
        ("Support_Team2", LONG_AGO),
        ("support_team3", LONG_AGO),
        ("mia", LONG_AGO),
        ("oskar", LONG_AGO),
    ]
    hits = arrive(rule(), windows(), lookalikes)
    assert hits[:4] == [None] * 4
    hit = hits[4]
    assert hit is not None
    assert hit.matched == ("Support_Team2", "support_team1", "support_team3")
    assert hit.reason == "5 joins within 60s, 3 of them new or look-alike accounts"


def test_lookalike_similarity_sets_how_alike_names_must_be() -> None:
    names = [("free_nitro_a", LONG_AGO), ("free_nitro_b", LONG_AGO), ("free_nitro_c", LONG_AGO)]
    names += [("mia", LONG_AGO), ("oskar", LONG_AGO)]
    assert arrive(rule(lookalike_similarity=0.9), windows(), names)[-1] is not None
    assert arrive(rule(lookalike_similarity=0.95), windows(), names)[-1] is None


def test_accounts_showing_one_picture_count_whatever_their_names() -> None:
    # Established accounts, names nothing alike: three share an uploaded picture.
    shown = {"mia": "c0ffee", "oskar": "c0ffee", "priya": "c0ffee", "tomasz": "", "yuki": ""}

    def hits(pictures: dict[str, str]) -> list[Hit | None]:
        raid, ctx = rule(), windows()
        found: list[Hit | None] = []
        for i, (name, avatar) in enumerate(pictures.items()):
            at = T0 + i * 5 * S
            joiner = replace(member(name, joined=at, account_created=LONG_AGO), avatar=avatar)
            found.append(raid.evaluate_join(joiner, ctx.moved_to(at)))
            ctx.record_join(replace(join(name, at), avatar=avatar))
        return found

    hit = hits(shown)[-1]
    assert hit is not None and hit.matched == ("mia", "oskar", "priya")
    # Default pictures (no hash) are no picture of anyone's; two alike are needed.
    assert hits(dict.fromkeys(NAMES[:5], ""))[-1] is None
    assert hits({**shown, "oskar": "beef", "priya": "f00d"})[-1] is None


# Holding what newcomers post


def test_a_spike_members_message_during_the_hold_goes_to_review() -> None:
    ctx = held_windows()
    joined = T0 + 2 * 5 * S  # "priya", the third to join
    post = subject("hi all", author="priya", at=T0 + 5 * M, joined=joined, account_created=NEW)
    hit = rule().evaluate(post, ctx.moved_to(post.message.created_at))
    assert hit is not None
    assert hit.review
    assert dict(hit.evidence) == {"kind": "raid_member"}
    assert hit.reason == "posted by an account that joined during a raid (5 joins)"


def test_the_hold_ends_after_hold_minutes() -> None:
    ctx = held_windows()
    joined = T0
    inside = subject("hi", author="mia", at=joined + 30 * M, joined=joined, account_created=NEW)
    assert rule(hold_minutes=30).evaluate(inside, ctx.moved_to(inside.message.created_at))
    after = subject("hi", author="mia", at=joined + 31 * M, joined=joined, account_created=NEW)
    assert rule(hold_minutes=30).evaluate(after, ctx.moved_to(after.message.created_at)) is None


def test_staff_are_never_held() -> None:
    ctx = held_windows()
    post = subject("hi", author="mia", at=T0 + M, joined=T0, account_created=NEW, staff=True)
    assert rule().evaluate(post, ctx.moved_to(post.message.created_at)) is None


def test_members_with_unknown_join_time_are_not_held() -> None:
    ctx = held_windows()
    post = subject("hi", author="mia", at=T0 + M, joined=None, account_created=NEW)
    assert rule().evaluate(post, ctx.moved_to(post.message.created_at)) is None


def test_established_members_are_not_held_during_a_raid() -> None:
    ctx = held_windows()
    post = subject("hi", author="alice", at=T0 + M)  # joined long ago
    assert rule().evaluate(post, ctx.moved_to(post.message.created_at)) is None


def test_a_member_who_joined_after_the_spike_is_not_held() -> None:
    ctx = held_windows()
    late = T0 + 10 * M
    assert arrive(rule(), ctx, [("late_larry", NEW)], start=late) == [None]
    post = subject("hi", author="late_larry", at=late + M, joined=late, account_created=NEW)
    assert rule().evaluate(post, ctx.moved_to(post.message.created_at)) is None


def test_a_member_whose_join_was_not_seen_is_not_held() -> None:
    ctx = held_windows()
    post = subject("hi", author="ghost", at=T0 + M, joined=T0 + 5 * S, account_created=NEW)
    assert rule().evaluate(post, ctx.moved_to(post.message.created_at)) is None


def test_members_of_a_spike_of_established_accounts_are_not_held() -> None:
    ctx = windows(horizon=timedelta(hours=2))
    established = [(name, LONG_AGO) for name in NAMES[:5]]
    assert not any(arrive(rule(), ctx, established))
    post = subject("hi", author="mia", at=T0 + M, joined=T0)
    assert rule().evaluate(post, ctx.moved_to(post.message.created_at)) is None


def test_a_member_who_joined_before_the_spike_is_not_held() -> None:
    ctx = windows(horizon=timedelta(hours=2))
    early = T0 - 10 * M
    assert arrive(rule(), ctx, [("early_erin", NEW)], start=early) == [None]
    assert arrive(rule(), ctx, spike())[-1] is not None  # the spike, ten minutes later
    post = subject("hi", author="early_erin", at=T0 + M, joined=early, account_created=NEW)
    assert rule().evaluate(post, ctx.moved_to(post.message.created_at)) is None


def test_without_a_spike_nobody_is_held() -> None:
    ctx = windows(horizon=timedelta(hours=2))
    assert not any(arrive(rule(), ctx, spike(), every=5 * M))  # one join every 5 minutes
    post = subject("hi", author="mia", at=T0 + 25 * M, joined=T0, account_created=NEW)
    assert rule().evaluate(post, ctx.moved_to(post.message.created_at)) is None


# Parameters and robustness


@pytest.mark.parametrize(
    "params",
    [
        {"joins": 1},
        {"per_seconds": 0},
        {"per_seconds": 3601},
        {"new_account_days": -1},
        {"lookalike_similarity": 0},
        {"lookalike_similarity": 1.1},
        {"min_suspicious": 0},
        {"hold_minutes": -1},
        {"on_spikes": ["alert"]},
        # A typo surfaces when the policy loads, not during the raid.
        {"on_spike": ["slowmod:30s"]},
        {"on_join_during_raid": ["gate:soon"]},
        # A spike answers the community: banning the joiner who completed it is refused.
        {"on_spike": ["slowmode:30s", "ban"]},
        {"on_spike": ["gate:30m"]},
    ],
)
def test_invalid_params_are_refused(params: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RaidParams.model_validate(params)


def test_a_single_join_is_never_a_spike() -> None:
    joiner: Member = member("mia", joined=T0, account_created=NEW)
    assert rule(joins=2, min_suspicious=1).evaluate_join(joiner, windows()) is None


@settings(max_examples=100, deadline=None)
@given(name=st.text(min_size=1), text=st.text(), others=st.lists(st.text(min_size=1), max_size=6))
def test_evaluate_and_evaluate_join_never_raise(name: str, text: str, others: list[str]) -> None:
    raid = rule(joins=2, min_suspicious=1)
    ctx = windows(joins=[join(other, T0 - S, account_created=NEW) for other in others])
    joiner = member(name, joined=T0, account_created=NEW)
    hit = raid.evaluate_join(joiner, ctx)
    assert hit is None or hit.reason
    ctx.record_join(join(name, T0, account_created=NEW))
    post = subject(text, author="alice", at=T0 + S, joined=T0, account_created=NEW)
    hit = raid.evaluate(post, ctx.moved_to(T0 + S))
    assert hit is None or hit.reason
