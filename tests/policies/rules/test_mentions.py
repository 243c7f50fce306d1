"""The mentions rule: member, role and total limits, pinging everyone, staff."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.core.refs import Ref
from policies.rule import RULE_TYPES
from policies.rules.mentions import MentionsParams, MentionsRule
from policies.verdict import Hit
from tests.policies.rules._support import CTX, member, subject


def people(n: int) -> list[Ref]:
    return [Ref("local", f"user{i}") for i in range(n)]


def roles(n: int) -> list[str]:
    return [f"role{i}" for i in range(n)]


def judge(
    *,
    users: int = 0,
    role_count: int = 0,
    everyone: bool = False,
    is_staff: bool = False,
    **params: Any,
) -> Hit | None:
    rule = MentionsRule("mentions-1", MentionsParams(**params))
    message = subject(
        "hey",
        mentions=people(users),
        role_mentions=roles(role_count),
        everyone=everyone,
        is_staff=is_staff,
    )
    return rule.evaluate(message, CTX)


def exceeded(hit: Hit | None) -> list[str]:
    assert hit is not None
    return list(hit.evidence["exceeded"])


def test_registered_under_its_name() -> None:
    assert RULE_TYPES["mentions"] is MentionsRule
    assert MentionsRule.type_name == "mentions"
    assert MentionsRule.Params is MentionsParams


def test_defaults() -> None:
    p = MentionsParams()
    assert (p.max_users, p.max_roles, p.max_total, p.block_everyone) == (5, 2, 6, True)
    assert (p.window_seconds, p.max_in_window) == (0, 0)


def test_bad_parameters_are_errors() -> None:
    with pytest.raises(ValidationError, match="max_user"):
        MentionsParams.model_validate({"max_user": 3})
    with pytest.raises(ValidationError):
        MentionsParams(max_users=-1)


def test_no_mentions_no_hit() -> None:
    assert judge() is None


def test_at_the_limits_no_hit() -> None:
    assert judge(users=5) is None
    assert judge(role_count=2) is None
    assert judge(users=4, role_count=2) is None


def test_too_many_members() -> None:
    hit = judge(users=6, max_total=0)
    assert exceeded(hit) == ["users"]
    assert hit is not None
    assert hit.reason == "mentions 6 members (at most 5)"
    assert hit.evidence["users"] == 6
    assert hit.matched == tuple(str(ref) for ref in people(6))


def test_too_many_roles() -> None:
    hit = judge(role_count=3)
    assert exceeded(hit) == ["roles"]
    assert hit is not None
    assert hit.reason == "mentions 3 roles (at most 2)"
    assert hit.matched == ("@role0", "@role1", "@role2")


def test_too_many_in_total() -> None:
    hit = judge(users=5, role_count=2)
    assert exceeded(hit) == ["total"]
    assert hit is not None
    assert "mentions 7 members and roles (at most 6)" in hit.reason
    assert hit.evidence["total"] == 7


def test_every_exceeded_limit_is_named() -> None:
    hit = judge(users=9, role_count=4, everyone=True)
    assert exceeded(hit) == ["everyone", "users", "roles", "total"]
    assert hit is not None
    assert hit.reason.startswith("pings everyone; mentions 9 members")
    assert hit.matched[0] == "@everyone"


def test_repeated_mentions_count_once_and_self_mentions_not_at_all() -> None:
    rule = MentionsRule("m", MentionsParams(max_users=2))
    author = member("alice")
    twice = [*people(2), *people(2), author.ref, author.ref]
    assert rule.evaluate(subject("hi", author=author, mentions=twice), CTX) is None
    hit = rule.evaluate(subject("hi", author=author, mentions=people(3)), CTX)
    assert exceeded(hit) == ["users"]
    repeated_roles = subject("hi", role_mentions=["mods", "mods", "mods"])
    assert MentionsRule("m", MentionsParams(max_roles=1)).evaluate(repeated_roles, CTX) is None


def test_everyone_from_a_member() -> None:
    hit = judge(everyone=True)
    assert exceeded(hit) == ["everyone"]
    assert hit is not None
    assert hit.reason == "pings everyone"
    assert hit.evidence["everyone"] is True


def test_staff_may_ping_everyone() -> None:
    assert judge(everyone=True, is_staff=True) is None


def test_staff_still_have_count_limits() -> None:
    assert exceeded(judge(users=6, everyone=True, is_staff=True)) == ["users"]


def test_everyone_check_can_be_turned_off() -> None:
    assert judge(everyone=True, block_everyone=False) is None


def test_a_zero_limit_is_no_limit() -> None:
    assert judge(users=50, role_count=50, max_users=0, max_roles=0, max_total=0) is None
    assert exceeded(judge(users=50, max_users=0)) == ["total"]


def test_window_counts_the_current_message_only() -> None:
    params: dict[str, Any] = {"max_users": 0, "max_total": 0}
    assert judge(users=4, window_seconds=60, max_in_window=3, **params) is not None
    assert exceeded(judge(users=4, window_seconds=60, max_in_window=3, **params)) == ["window"]
    assert judge(users=3, window_seconds=60, max_in_window=3, **params) is None
    assert judge(users=4, window_seconds=0, max_in_window=3, **params) is None
    assert judge(users=4, window_seconds=60, max_in_window=0, **params) is None


def test_many_mentions_are_listed_up_to_a_cap() -> None:
    hit = judge(users=100)
    assert hit is not None
    assert len(hit.matched) == 25
