"""Unclaimed review items ping the on-call moderators, escalate, and appear in a daily digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.registry import CogRegistry
from tests.conftest import LocalBot, local_bot

MONDAY = datetime(2026, 3, 2, 8, tzinfo=UTC)  # 09:00 in Amsterdam
SLA = {
    "on_call": "@oncall",
    "escalate_to": "@leads",
    "wait_minutes": {"0": 60, "10": 5},
    "escalate_after_minutes": 30,
    "digest_cron": "",
}


def staff_posts(bot: LocalBot) -> list[tuple[str, str]]:
    return [
        (a["at"], a["content"])
        for a in bot.of("post_message")
        if a["channel"] == "mod-log" and not a.get("buttons")
    ]


async def report(bot: LocalBot, ident: str, text: str) -> None:
    await bot.play(type="message", id=ident, channel="general", author="bob", content=text)
    await bot.command("alice", "report", message=ident, reason="not nice")


@asynccontextmanager
async def running(
    registry: CogRegistry, database: Path, *, start: datetime = MONDAY, **sla: Any
) -> AsyncIterator[LocalBot]:
    config = {
        "timezone": "Europe/Amsterdam",
        "cogs": {"welcome": {"enabled": False}, "guidelines": {"review_sla": {**SLA, **sla}}},
    }
    async with local_bot(registry, database, config, start=start) as bot:
        yield bot


async def test_an_unclaimed_item_pings_on_call_then_escalates_once_each(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with running(registry, tmp_path / "s.db") as bot:
        await report(bot, "m1", "your lamp review is dumb")
        await bot.session.advance(MONDAY + timedelta(minutes=45))
        quiet_so_far = staff_posts(bot)
        await bot.session.advance(MONDAY + timedelta(minutes=61))
        await bot.session.restart()  # a restart must not ping again
        await bot.session.advance(MONDAY + timedelta(hours=3))
        posts = staff_posts(bot)
    assert quiet_so_far == []
    assert [at for at, _ in posts] == ["2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"]
    assert posts[0][1].startswith("@oncall review item 1 waits: unclaimed for 60 min")
    assert posts[1][1].startswith("@leads review item 1 still unclaimed, escalated:")


async def test_a_claimed_item_pings_nobody(registry: CogRegistry, tmp_path: Path) -> None:
    async with running(registry, tmp_path / "s.db") as bot:
        await report(bot, "m1", "your lamp review is dumb")
        await bot.play(type="click", author="mod1", target="m1", choice="claim")
        await bot.session.advance(MONDAY + timedelta(hours=3))
        assert staff_posts(bot) == []


async def test_quiet_hours_hold_pings_except_for_someone_at_risk(
    registry: CogRegistry, tmp_path: Path
) -> None:
    evening = datetime(2026, 3, 2, 21, tzinfo=UTC)  # 22:00 in Amsterdam
    async with running(
        registry, tmp_path / "s.db", start=evening, quiet_hours="22:00-07:00"
    ) as bot:
        await report(bot, "m1", "your lamp review is dumb")
        await bot.play(
            type="message",
            id="m2",
            channel="general",
            author="alice",
            content="honestly I can't take this anymore, I want it all to end",
        )
        await bot.session.advance(evening + timedelta(hours=12))
        posts = [(at, text) for at, text in staff_posts(bot) if text.startswith("@")]
    urgent = [at for at, text in posts if "item 2" in text]
    routine = [at for at, text in posts if "item 1" in text]
    assert urgent[0] == "2026-03-02T21:05:00Z", "someone at risk: five minutes, quiet or not"
    assert routine == ["2026-03-03T06:00:00Z", "2026-03-03T06:30:00Z"], "07:00 local, then +30"


async def test_the_daily_digest_lists_open_items_once(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "s.db"
    async with running(registry, database, on_call="", digest_cron="0 9 * * *") as bot:
        await report(bot, "m1", "your lamp review is dumb")
        await bot.session.advance(MONDAY + timedelta(days=1, minutes=5))
        await bot.session.restart()
        await bot.session.advance(MONDAY + timedelta(days=1, hours=1))
        digests = [(at, text) for at, text in staff_posts(bot) if "digest" in text]
    assert len(digests) == 1
    at, text = digests[0]
    assert at == "2026-03-03T08:00:00Z"
    assert text.splitlines()[0] == "Daily review digest: 1 open."
    assert "item 1, priority" in text and "unclaimed" in text


async def test_an_item_nobody_decides_expires_and_the_digest_counts_it(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "s.db"
    async with running(
        registry, database, on_call="", digest_cron="0 9 * * *", expire_after_days=2
    ) as bot:
        await report(bot, "m1", "your lamp review is dumb")
        await bot.session.advance(MONDAY + timedelta(days=1, hours=1))
        await report(bot, "m2", "that firmware is garbage and so are you")
        await bot.session.advance(MONDAY + timedelta(days=2, minutes=1))
        reviews = bot.session.app.runtimes["acme"].cogs["guidelines"].store.reviews  # type: ignore[attr-defined]
        first, second = [await reviews.get(n) for n in (1, 2)]
        await bot.session.restart()  # nothing expires twice
        await bot.session.advance(MONDAY + timedelta(days=3, hours=1))
        card_edits = [a for a in bot.of("edit_message") if "Expired" in a["content"]]
        digests = [text for _, text in staff_posts(bot) if "digest" in text]
        late_decision = await bot.command("mod1", "review decide", item=1, decision="violation")
    assert first is not None and first.status.value == "expired"
    assert second is not None and second.status.value == "open"
    assert first.card is not None
    # Item 1 expires on 4 March at 08:00 UTC, item 2 an hour later: one edit each.
    assert card_edits[0]["message"] == first.card.message.id
    assert len(card_edits) == 2
    assert not card_edits[0].get("buttons")
    assert "nobody decided it within 2 days" in card_edits[0]["content"]
    # The digest of 3 March lists item 1 (item 2 comes later); that of 4 March lists item 2
    # and counts item 1 as expired.
    assert digests[0].splitlines()[0] == "Daily review digest: 1 open."
    assert digests[1].splitlines()[:2] == [
        "Daily review digest: 1 open.",
        "1 expired undecided since the last digest (after 2 days).",
    ]
    assert "expired" in late_decision


async def test_items_wait_for_ever_when_expiry_is_off(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with running(registry, tmp_path / "s.db", on_call="", expire_after_days=0) as bot:
        await report(bot, "m1", "your lamp review is dumb")
        await bot.session.advance(MONDAY + timedelta(days=60))
        cog = bot.session.app.runtimes["acme"].cogs["guidelines"]
        item = await cog.store.reviews.get(1)  # type: ignore[attr-defined]
    assert item is not None and item.status.value == "open"


async def test_a_trial_whose_last_card_expires_unjudged_is_over(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with running(registry, tmp_path / "s.db", on_call="", expire_after_days=2) as bot:
        await bot.command("owner", "policy trial", rule="insults", hits=1)
        await bot.play(
            type="message", id="m1", channel="general", author="bob", content="what an idiot"
        )
        await bot.session.advance(MONDAY + timedelta(days=2, minutes=1))
        shown = await bot.command("owner", "policy show", rule="insults")
    over = [text for _, text in staff_posts(bot) if text.startswith("The trial of insults")]
    assert over == [
        "The trial of insults is over: nobody judged its cards before they expired. It stays "
        "in shadow mode: /policy shadow insults no takes it live, /policy trial insults "
        "tries it again."
    ]
    assert "On trial" not in shown
