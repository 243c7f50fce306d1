"""/policy replay: a rule judged on a channel's latest messages, acting on nothing."""

from __future__ import annotations

from tests.cogs.test_guidelines import at, cmd, community, replies, say
from tests.conftest import ScenarioRunner


async def test_a_shadowed_rule_is_replayed_on_what_members_wrote(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        say("m1", "alice", "THE NEW LAMP IS AMAZING, I LOVE IT SO MUCH", at(1)),
        say("m2", "bob", "agreed, it looks great", at(2)),
        say("m3", "mod1", "PLEASE READ THE PINNED POST BEFORE ASKING", at(3)),
        say("m4", "alice", "WHO ELSE IS GETTING ONE FOR THE HOLIDAYS???", at(4)),
        say("m5", "bob", "elsewhere", at(5), channel="support"),
        cmd("owner", "policy replay", at(6), rule="caps"),
        cmd("owner", "policy replay", at(7), rule="caps", messages=1),
        cmd("owner", "policy replay", at(8), rule="abuse-model"),
        cmd("owner", "policy replay", at(9), rule="nope"),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    # The moderator's shouting is staff's, and #support is another channel.
    assert said[0].splitlines() == [
        "caps on the latest 4 message(s) of #general (since 2026-03-02 09:01 UTC): 2 match(es) "
        "by 1 member(s); it would do review. Nothing was done or recorded.",
        "Latest:",
        "03-02 09:04 UTC alice: WHO ELSE IS GETTING ONE FOR THE HOLIDAYS??? (100% capitals)",
        "03-02 09:01 UTC alice: THE NEW LAMP IS AMAZING, I LOVE IT SO MUCH (100% capitals)",
        # What it did live beside its hits: here, the shadow cases of the same two messages.
        "So far: 2 case(s), all in shadow.",
        "caps is in shadow mode now: /policy trial caps brings its next hits to moderators "
        "to judge.",
    ]
    assert said[1].startswith("caps on the latest 1 message(s) of #general (since 2026-03-02 09:04")
    assert said[2].startswith("abuse-model needs the model's scores: `steward replay FILE")
    assert said[3] == "no rule 'nope'; try /policy show"
    # Nothing happened to anyone: no case, no card, no notice.
    assert not [a for a in actions if a["action"] not in ("reply_ephemeral",)]
