"""A raid being held when Steward restarts is held after it, and only while it lasts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.refs import Ref
from bot.registry import CogRegistry
from cogs._held_raid import HeldRaid, held_raid_from
from policies.context import RecentJoin
from tests.conftest import LocalBot, local_bot

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def join(bot: LocalBot, name: str, at: str, created: str = "2026-03-01T00:00:00Z") -> None:
    """A member joins at ``at`` (day-old accounts by default: raiders)."""
    member = {"name": name, "lang": "en", "account_created": created}
    await bot.play(type="join", at=at, member=member)


async def say(bot: LocalBot, ident: str, author: str, text: str, at: str) -> None:
    await bot.play(type="message", id=ident, channel="general", author=author, content=text, at=at)


def greeted(bot: LocalBot) -> list[str]:
    welcomes = [a for a in bot.of("post_message") if a.get("reason") == "welcome"]
    return [a["content"].split("!")[0].removeprefix("Welcome to acme, ") for a in welcomes]


def cards(bot: LocalBot) -> list[str]:
    return [a["content"].splitlines()[0] for a in bot.of("post_message") if a.get("buttons")]


async def test_a_raid_held_when_steward_restarts_is_still_held_after_it(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # Before, the hold lived in memory only: after a redeploy mid-raid the raiders posted
    # freely and the next wave was welcomed.
    config: dict[str, Any] = {"cogs": {"welcome": {}}}
    async with local_bot(registry, tmp_path / "s.db", config, start=START) as bot:
        for i in range(5):
            await join(bot, f"fan{i}", f"2026-03-02T09:00:{i * 5:02d}Z")
        await bot.session.restart()
        await join(bot, "fan5", "2026-03-02T09:00:30Z")  # after the spike, within its minute
        await say(bot, "m1", "fan0", "lamps are great, check my profile", "2026-03-02T09:05:00Z")
        await bot.session.restart()  # a join while the raid is held is kept too
        await say(bot, "m2", "fan5", "hi all, check my profile", "2026-03-02T09:07:00Z")
        # The 30 minutes' hold is over: a restart brings nothing back.
        await bot.session.restart()
        await join(bot, "gus", "2026-03-02T10:00:00Z", created="2024-01-01T00:00:00Z")
        await say(bot, "m3", "fan0", "anyone tried the new lamp?", "2026-03-02T10:01:00Z")
    assert cards(bot) == [
        "Review needed: fan0 in #general - posted by an account that joined during a raid "
        "(6 joins)",
        "Review needed: fan5 in #general - posted by an account that joined during a raid "
        "(6 joins)",
    ]
    # Those who joined before the spike showed were greeted; fan5, after it, was not.
    assert greeted(bot) == ["fan0", "fan1", "fan2", "fan3", "fan4", "gus"]


def test_a_kept_raid_reads_back_and_damaged_state_is_dropped_not_fatal() -> None:
    join_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    raid = HeldRaid(
        since=join_at,
        until=join_at + timedelta(minutes=30),
        joins=(
            RecentJoin(member=Ref("local", "fan0"), name="fan0", at=join_at),
            RecentJoin(
                member=Ref("discord", "1578667745426276364"),
                name="fan1",
                at=join_at,
                account_created=join_at - timedelta(days=1),
            ),
        ),
    )
    assert held_raid_from(json.loads(json.dumps(raid.to_data()))) == raid
    for damaged in ({"since": "yesterday"}, {"joins": 3}, ["not", "a", "raid"], None):
        assert held_raid_from(damaged) is None


async def test_a_raid_over_is_still_there_to_clear_for_a_day_after_a_restart(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # Moderators often come to a raid after its hold is over, and after a redeploy.
    async with local_bot(registry, tmp_path / "s.db", {}, start=START) as bot:
        for i in range(5):
            await join(bot, f"fan{i}", f"2026-03-02T09:00:{i * 5:02d}Z")
        await bot.play(type="leave", at="2026-03-02T09:01:00Z", member="fan4")
        await bot.session.advance(START + timedelta(hours=2))
        await bot.session.restart()
        kicked = await bot.command("mod1", "raid kick", reason="raid")
        await bot.session.advance(START + timedelta(hours=27))
        await bot.session.restart()
        later = await bot.command("mod1", "raid show")
    assert kicked == (
        "Kicked 4 raid account(s): fan0 (#2), fan1 (#3), fan2 (#4), fan3 (#5). "
        "Left alone: fan4 (no longer here)."
    )
    assert sorted(a["member"] for a in bot.of("kick")) == ["fan0", "fan1", "fan2", "fan3"]
    assert later == "no raid in the last day"
