"""Impersonation: a newcomer whose name passes for the brand's staff."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pydantic import ValidationError

from policies.rules.impersonation import ImpersonationParams, ImpersonationRule
from policies.verdict import Hit, Severity
from tests.policies.rules._builders import T0, member, windows


def rule(**params: object) -> ImpersonationRule:
    return ImpersonationRule("impersonation", ImpersonationParams.model_validate(params))


def judge(name: str, display: str = "", *, bot: bool = False, **params: object) -> Hit | None:
    joiner = replace(member(name, joined=T0), display_name=display, is_bot=bot)
    return rule(**params).evaluate_join(joiner, windows().moved_to(T0))


@pytest.mark.parametrize(
    ("name", "display", "found"),
    [
        ("lumen_helpdesk", "Lumen Support", "support"),
        ("x", "LumenSupport", "support"),
        ("$upp0rt_team", "", "support"),
        ("x", "Admin | Lumen", "admin"),
        ("x", "Lumen Help Desk", "help desk"),
        ("x", "Lumen Helpdesk", "help desk"),
        ("x", "Ⓜⓞⓓⓔⓡⓐⓣⓞⓡ", "moderator"),
        ("customer_service_lumen", "", "customer service"),
    ],
)
def test_a_name_that_passes_for_staff_is_put_to_moderators(
    name: str, display: str, found: str
) -> None:
    hit = judge(name, display)
    assert hit is not None
    assert found in hit.matched
    assert hit.reason.startswith("named like staff: ")
    assert hit.evidence["kind"] == "impersonation"
    assert hit.actions == ("review",) and hit.severity is Severity.HIGH


@pytest.mark.parametrize(
    "name", ["lumen_supporter", "badminton_fan", "staffordshire_bull", "moderate_mike", "alice"]
)
def test_words_inside_other_words_are_left_alone(name: str) -> None:
    assert judge(name, name.replace("_", " ").title()) is None


def test_bots_and_the_communitys_own_words() -> None:
    # An integration called "Support Bot" is no scammer.
    assert judge("supportbot", "Support Bot", bot=True) is None
    # A brand adds its own words; the defaults are then its list's.
    assert judge("x", "Lumen Team", words=["lumen team"]) is not None
    assert judge("x", "Lumen Support", words=["lumen team"]) is None
    gated = judge("x", "Lumen Support", on_match=["gate:1h", "alert"])
    assert gated is not None and gated.actions == ("gate:1h", "alert")
    with pytest.raises(ValidationError, match="needs a message; a join has none"):
        rule(on_match=["delete"])
    with pytest.raises(ValidationError, match="needs letters or digits"):
        rule(words=["!!"])


def test_a_newcomer_named_like_a_staff_member_passes_for_them() -> None:
    def like(name: str, **params: object) -> Hit | None:
        joiner = member(name, joined=T0)
        ctx = windows().moved_to(T0).know_staff(["mona", "Mona (Lumen)", "alex"])
        return rule(**params).evaluate_join(joiner, ctx)

    hit = like("m0na")
    assert hit is not None
    assert hit.reason == "named like mona of the staff: m0na (names 100% alike)"
    assert hit.matched == ("mona",) and hit.evidence["name"] == "m0na"
    assert like("mona_2") is not None, "a number added reads as the same name"
    # A name only somewhat alike is someone else; a community may ask for less or none.
    assert like("alex_k") is None
    assert like("alex_k", staff_similarity=0.8) is not None
    assert like("m0na", staff_similarity=0) is None
    # Nobody known as staff yet: nothing to compare.
    assert judge("m0na") is None
