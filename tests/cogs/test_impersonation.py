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
