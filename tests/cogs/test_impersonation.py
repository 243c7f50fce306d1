"""Impersonation on the local platform: names that pass for staff, at the join and after."""

from __future__ import annotations

from tests.cogs.test_guidelines import at, community, of
from tests.conftest import ScenarioRunner


async def test_a_name_taken_after_joining_is_judged_and_staff_may_take_one(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        {"type": "join", "at": at(1), "member": {"name": "kevin_b"}},
        {"type": "rename", "at": at(2), "member": "kevin_b", "display_name": "Lumen Support"},
        {"type": "rename", "at": at(3), "member": "mod1", "display_name": "Lumen Support (Mo)"},
        {"type": "rename", "at": at(4), "member": "alice", "display_name": "Alice the supporter"},
    ]
    actions = await run_scenario(lines)
    cards = [a["content"] for a in of(actions, "post_message") if "Review needed" in a["content"]]
    (card,) = cards
    assert card.splitlines()[0] == (
        "Review needed: kevin_b - named like staff: Lumen Support (support)"
    )
    assert "> kevin_b took the name Lumen Support" in card.splitlines()


async def test_a_newcomer_named_like_a_moderator_steward_has_seen_is_put_to_moderators(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        # mod1 is seen writing; mod2 only runs a command, and is known from it.
        {
            "type": "message",
            "at": at(1),
            "id": "m1",
            "channel": "general",
            "author": "mod1",
            "content": "morning all",
        },
        {
            "type": "command",
            "at": at(2),
            "author": "mod2",
            "channel": "general",
            "name": "warn",
            "options": {"member": "bob", "reason": "rude"},
        },
        {"type": "join", "at": at(3), "member": {"name": "m0d1"}},
        {"type": "join", "at": at(4), "member": {"name": "mod_2"}},
        {"type": "join", "at": at(5), "member": {"name": "carol"}},
    ]
    actions = await run_scenario(lines)
    headlines = [
        a["content"].splitlines()[0]
        for a in of(actions, "post_message")
        if a["content"].startswith("Review needed")
    ]
    assert headlines == [
        "Review needed: m0d1 - named like mod1 of the staff: m0d1 (names 100% alike)",
        "Review needed: mod_2 - named like mod2 of the staff: mod_2 (names 100% alike)",
    ]
