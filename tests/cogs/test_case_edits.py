"""/case edit: a case's reason and its ban's or timeout's length, changed afterwards."""

from __future__ import annotations

from tests.cogs.test_guidelines import at, cmd, community, of, replies
from tests.conftest import ScenarioRunner

DAY2 = "2026-03-03T09:{:02d}:00Z"
DAY4 = "2026-03-05T09:{:02d}:00Z"


async def test_a_tempban_is_extended_and_ends_on_its_new_day(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        cmd("mod1", "ban", at(1), member="alice", reason="spam", duration="1d"),
        cmd("mod2", "case edit", at(30), number=1, duration="3d", reason="scam DMs to members"),
        {"type": "advance", "to": DAY2.format(30)},  # its first end passes: still banned
        cmd("mod1", "history", DAY2.format(31), member="alice"),
        cmd("mod1", "case show", DAY2.format(32), number=1),
        {"type": "advance", "to": DAY4.format(30)},
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    # A banned member shares no community with the bot: the notice cannot reach them.
    assert said[1] == (
        "Case #1: reason now scam DMs to members (was spam); it now lasts 3d, until "
        "2026-03-05 09:01 UTC. Not told: alice shares no community with the bot any more."
    )
    # Counted from the ban, not from the edit: it ends three days after 09:01.
    assert [(a["member"], a["at"]) for a in of(actions, "unban")] == [
        ("alice", "2026-03-05T09:01:00Z")
    ]
    assert "alice - ban 3d, notice not delivered by mod1 (manual): scam DMs to members" in said[2]
    shown = said[3]
    assert "reason changed by mod2; it was: spam" in shown
    assert "length changed by mod2: 1d -> 3d" in shown
    staff = [a["content"] for a in of(actions, "post_message") if "edited case" in a["content"]]
    assert staff == [
        "mod2 edited case #1 (alice): reason now scam DMs to members (was spam); "
        "it now lasts 3d, until 2026-03-05 09:01 UTC"
    ]


async def test_a_shortened_timeout_is_set_again_and_the_member_told(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "timeout", at(1), member="alice", duration="2h", reason="spam"),
        cmd("mod1", "case edit", at(11), number=1, duration="30m"),
    ]
    actions = await run_scenario(lines)
    timeouts = of(actions, "timeout")
    # Set again for what is left of 30 minutes from 09:01: twenty.
    assert [(t["duration"], t["at"]) for t in timeouts] == [
        (7200, "2026-03-02T09:01:00Z"),
        (1200, "2026-03-02T09:11:00Z"),
    ]
    notices = [a["content"] for a in of(actions, "send_direct_message")]
    assert notices[-1].startswith(
        "Hi alice, a note from the acme team: The length of the sanction in case #1 was "
        "changed. You are timed out for 30 minutes. Reason: spam."
    )
    assert replies(actions)[-1] == "Case #1: it now lasts 30m, until 2026-03-02 09:31 UTC."


async def test_a_tempban_made_permanent_never_ends(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        cmd("mod1", "ban", at(1), member="alice", reason="spam", duration="1d"),
        cmd("mod1", "case edit", at(2), number=1, permanent=True),
        {"type": "advance", "to": DAY4.format(0)},
    ]
    actions = await run_scenario(lines)
    assert of(actions, "unban") == []
    assert replies(actions)[-1].startswith("Case #1: its ban now lasts until unbanned.")


async def test_a_reason_alone_is_the_records_and_the_member_is_not_told(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "warn", at(1), member="bob", reason="rude"),
        cmd("mod1", "case edit", at(2), number=1, reason="rude to staff in #support"),
        cmd("mod1", "case edit", at(3), number=1, reason="rude to staff in #support"),
    ]
    actions = await run_scenario(lines)
    assert len(of(actions, "send_direct_message")) == 1, "the warning's notice only"
    said = replies(actions)
    assert said[1] == "Case #1: reason now rude to staff in #support (was rude)."
    assert said[2] == "case #1 gives that reason already"


async def test_what_cannot_change_is_refused_and_nothing_is_half_done(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "warn", at(1), member="bob", reason="rude"),
        cmd("mod1", "case edit", at(2), number=1, duration="1d"),
        cmd("mod1", "timeout", at(3), member="alice", duration="1h", reason="spam"),
        cmd("mod1", "case edit", at(4), number=2, permanent=True),
        # A minute from 09:03 is over by 09:05.
        cmd("mod1", "case edit", at(5), number=2, duration="1m", reason="flood"),
        cmd("mod1", "case edit", at(6), number=2),
        cmd("mod1", "case edit", at(7), number=9, reason="x"),
        cmd("mod1", "case edit", at(8), number=2, duration="1h", permanent=True),
        cmd("mod1", "case show", at(9), number=2),
        # A later timeout is the one that holds: the earlier case's length is moot.
        cmd("mod1", "timeout", at(9, 30), member="alice", duration="2h", reason="again"),
        cmd("mod1", "case edit", at(9, 40), number=2, duration="3h"),
        # The owner timed a moderator out: another moderator may not change that.
        cmd("owner", "timeout", at(10), member="mod1", duration="1h", reason="x"),
        cmd("mod2", "case edit", at(11), number=4, duration="2h"),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    assert said[1] == "case #1 has no ban or timeout whose length can change"
    assert said[3] == "a timeout needs a length"
    assert said[4] == (
        "counted from when case #2 was opened, 1m ended already; /untimeout lifts it now"
    )
    assert said[5] == "give a new reason, a duration, or permanent"
    assert said[6] == "there is no case #9"
    assert said[7] == "give a duration or permanent, not both"
    assert "reason changed" not in said[8], "the refused edit left the reason as it was"
    assert said[-3] == "case #3 set their timeout since; change that one"
    assert said[-1] == "mod1 is staff with the same or higher standing than you; ask an admin."
    assert [t["member"] for t in of(actions, "timeout")] == ["alice", "alice", "mod1"]
