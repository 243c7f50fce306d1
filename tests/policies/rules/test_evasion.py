"""Ban evasion: a new account named like someone whose ban still holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.core.models import Member
from policies.context import BannedMember
from policies.rules.evasion import EvasionParams, EvasionRule
from policies.verdict import Hit, Severity
from tests.policies.rules._builders import LONG_AGO, T0, member, ref, windows

DAY = timedelta(days=1)
# Their banned account; whoever joins is another (a ref of their own).
TROLL = BannedMember(member=ref("troll-1"), name="troll", banned_at=T0 - 2 * DAY, case=7)


def rule(**params: object) -> EvasionRule:
    return EvasionRule("ban-evasion", EvasionParams.model_validate(params))


def judge(
    name: str,
    banned: Sequence[BannedMember] = (TROLL,),
    *,
    created: object = T0 - DAY,
    evasion: EvasionRule | None = None,
    avatar: str = "",
) -> Hit | None:
    joiner = replace(member(name, joined=T0, account_created=created), avatar=avatar)  # type: ignore[arg-type]
    ctx = windows().moved_to(T0).know_banned(banned)
    return (evasion or rule()).evaluate_join(joiner, ctx)


@pytest.mark.parametrize("name", ["troll", "Tr0ll_99", "troll2", "t.r.o.l.l", "𝓽𝓻𝓸𝓵𝓵"])
def test_a_new_account_named_like_a_banned_member_is_flagged(name: str) -> None:
    hit = judge(name)
    assert hit is not None
    assert hit.reason == (
        "an account 1 day(s) old, named like troll (banned 2024-04-29, case #7; names 100% alike)"
    )
    assert hit.matched == ("troll",)
    assert hit.evidence["kind"] == "ban_evasion"
    assert hit.evidence["banned"] == "local:troll-1" and hit.evidence["banned_case"] == 7
    assert hit.actions == ("review",) and hit.severity is Severity.HIGH


@pytest.mark.parametrize("name", ["tom", "trolley_fan", "rolf", "patrol"])
def test_other_names_are_left_alone(name: str) -> None:
    assert judge(name) is None


def test_only_new_accounts_recent_bans_and_other_people_are_weighed() -> None:
    # An account older than new_account_days has been someone else all along.
    assert judge("troll_2", created=LONG_AGO) is None
    assert judge("troll_2", created=T0 - 29 * DAY) is not None
    # A platform that does not tell an account's age (Slack): weighed all the same.
    unknown = judge("troll_2", created=None)
    assert unknown is not None and unknown.reason.startswith("an account of unknown age,")
    fresh = judge("troll_2", created=T0 - timedelta(hours=3))
    assert fresh is not None and fresh.reason.startswith("an account less than a day old,")
    # A ban long past the look-back is not weighed.
    old_ban = BannedMember(member=ref("troll"), name="troll", banned_at=T0 - 200 * DAY, case=1)
    assert judge("troll_2", [old_ban]) is None
    assert judge("troll_2", [old_ban], evasion=rule(look_back_days=365)) is not None
    # The banned member's own account (a ban lifted by hand, say): not an evasion.
    back = Member(ref=TROLL.member, name="troll", joined_at=T0, account_created_at=T0 - DAY)
    assert rule().evaluate_join(back, windows().moved_to(T0).know_banned([TROLL])) is None


def test_the_most_alike_banned_member_is_named() -> None:
    trolls = BannedMember(member=ref("trolls"), name="trolls", banned_at=T0 - DAY, case=9)
    hit = judge("trolls_01", [TROLL, trolls], evasion=rule(similarity=0.8))
    assert hit is not None and hit.matched == ("trolls",)


def test_the_threshold_and_the_answer_are_the_communitys() -> None:
    assert judge("trollface") is None
    assert judge("trollface", evasion=rule(similarity=0.7)) is not None
    gated = judge("troll_2", evasion=rule(on_match=["gate:1h", "alert"]))
    assert gated is not None and gated.actions == ("gate:1h", "alert")
    with pytest.raises(ValidationError, match="needs a message; a join has none"):
        rule(on_match=["delete"])
    with pytest.raises(ValidationError):
        rule(on_match=["gate:forever"])


# The picture troll showed when banned (a platform's hash of the image).
PICTURE = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
PICTURED_TROLL = replace(TROLL, avatar=PICTURE)


def test_a_new_account_showing_a_banned_members_picture_is_flagged_whatever_its_name() -> None:
    hit = judge("sunny_day", [PICTURED_TROLL], avatar=PICTURE)
    assert hit is not None
    assert hit.reason.startswith(
        "an account 1 day(s) old, showing the same picture as troll (banned 2024-04-29, case #7;"
    )
    assert hit.evidence["same_avatar"] is True and hit.matched == ("troll",)
    both = judge("tr0ll", [PICTURED_TROLL], avatar=PICTURE)
    assert both is not None and both.reason.startswith(
        "an account 1 day(s) old, named like troll and showing the same picture ("
    )
    named = judge("tr0ll", [PICTURED_TROLL], avatar="ffff")
    assert named is not None and named.evidence["same_avatar"] is False


def test_default_pictures_other_pictures_and_old_accounts_are_no_match() -> None:
    # Discord's default picture has no hash: two members showing it are not alike.
    assert judge("sunny_day", [TROLL]) is None
    assert judge("sunny_day", [PICTURED_TROLL], avatar="0f0f0f") is None
    assert judge("sunny_day", [PICTURED_TROLL], avatar=PICTURE, created=LONG_AGO) is None
    # A community that does not want pictures weighed says so.
    assert (
        judge("sunny_day", [PICTURED_TROLL], avatar=PICTURE, evasion=rule(same_avatar=False))
        is None
    )


def test_the_same_picture_outweighs_a_more_alike_name() -> None:
    trolls = BannedMember(member=ref("trolls"), name="trolls", banned_at=T0 - DAY, case=9)
    hit = judge("trolls_01", [trolls, PICTURED_TROLL], avatar=PICTURE, evasion=rule(similarity=0.8))
    assert hit is not None and hit.matched == ("troll",)
