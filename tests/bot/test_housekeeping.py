"""Housekeeping: the ledger forgets old event ids, and members' words go once kept long enough."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot import housekeeping
from bot.app import open_storage
from bot.core.bus import EventBus
from bot.core.clock import VirtualClock
from bot.core.protocols import LEDGER_KEPT, SeenEvent
from bot.core.refs import Ref
from bot.core.timers import TimerWheel
from bot.registry import CogRegistry
from bot.storage.codec import to_db_time
from moderation.store import store_for
from tests.cogs.test_modmail import MONDAY, dm_at, modmail
from tests.conftest import LocalBot

ACME = Ref("local", "acme")


async def a_monday(bot: LocalBot) -> str:
    """Bob swears (his case expires), alice appeals hers, bob writes to staff; return the thread."""
    await bot.play(type="message", id="m1", channel="general", author="bob", content="idiot total")
    await bot.play(type="message", id="m2", channel="general", author="alice", content="moron!")
    await bot.command("alice", "appeal", case=2, reason="a quote from the film")
    await dm_at(bot, 60, "my order never came")
    (opened,) = bot.of("open_thread")
    thread = str(opened["created"])
    await bot.play(
        type="command",
        author="mod1",
        channel=thread,
        name="modmail close",
        options={"reason": "ok"},
    )
    return thread


async def kept_counts(bot: LocalBot) -> tuple[int, int]:
    """Return the modmail lines kept, and the ids the ledger remembers from the Monday."""
    db = bot.session.app.storage.db  # type: ignore[attr-defined]
    lines = await db.fetch_one("SELECT COUNT(*) FROM modmail_messages")
    ids = await db.fetch_one(
        "SELECT COUNT(*) FROM event_ledger WHERE seen_at < ?",
        (to_db_time(MONDAY + timedelta(days=1)),),
    )
    return int(lines[0]), int(ids[0])


async def test_words_older_than_kept_go_and_what_may_still_be_appealed_stays(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        bot.session.app.housekeeping.keep_texts_days = 90
        await a_monday(bot)
        before = await kept_counts(bot)
        await bot.session.advance(MONDAY + timedelta(days=89))
        within = await kept_counts(bot)
        cases = store_for(bot.session.app.storage).cases
        kept_at_89 = (await cases.get(ACME, 1)).evidence  # type: ignore[union-attr]
        await bot.session.advance(MONDAY + timedelta(days=91))
        after = await kept_counts(bot)
        expired, appealed = await cases.get(ACME, 1), await cases.get(ACME, 2)
        history = await bot.command("mod1", "history", member="bob")
    assert kept_at_89["original"] == "idiot total"
    assert before[0] == within[0] > 0, "the transcript is kept for 90 days"
    # Past LEDGER_KEPT, the ledger forgot the Monday's event ids.
    assert before[1] > 0 and within[1] == 0
    assert after[0] == 0, "the closed conversation's transcript went after 90 days"
    assert expired is not None and appealed is not None
    assert "original" not in expired.evidence and expired.evidence["texts_forgotten"]
    assert expired.rule == "insults" and expired.reason  # what happened, and why, stays
    assert appealed.evidence["original"] == "moron!", "an appeal still waits on it"
    assert history.splitlines()[0] == "bob: 1 case(s), 0 active point(s)."


async def test_without_keep_texts_days_only_the_ledger_forgets(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await a_monday(bot)
        before = await kept_counts(bot)
        await bot.session.advance(MONDAY + LEDGER_KEPT + timedelta(days=1))
        after = await kept_counts(bot)
        case = await store_for(bot.session.app.storage).cases.get(ACME, 1)
    assert after[0] == before[0]
    assert before[1] > 0 and after[1] == 0
    assert case is not None and case.evidence["original"] == "idiot total"


async def test_old_event_ids_go_a_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A busy server's first sweep has millions to drop: one statement would hold the
    # writer while messages wait.
    monkeypatch.setattr(housekeeping, "LEDGER_BATCH", 5)
    clock = VirtualClock(MONDAY)
    storage = await open_storage(tmp_path / "s.db", clock)
    try:
        old = [SeenEvent(ACME, f"e{i}", MONDAY) for i in range(12)]
        await storage.ledger.first_seen_many([*old, SeenEvent(ACME, "new", MONDAY + LEDGER_KEPT)])
        deletes: list[int | None] = []
        forget = storage.ledger.forget_before

        async def counted(at: datetime, *, limit: int | None = None) -> int:
            deletes.append(limit)
            return await forget(at, limit=limit)

        monkeypatch.setattr(storage.ledger, "forget_before", counted)
        sweeper = housekeeping.Housekeeping(
            storage,
            clock,
            TimerWheel(EventBus(), clock),
            holders=[],
            communities=list,
            keep_texts_days=0,
        )
        swept = await sweeper.sweep(MONDAY + LEDGER_KEPT + timedelta(hours=1))
        again = await storage.ledger.first_seen(ACME, "new", MONDAY)
    finally:
        await storage.close()
    assert swept.event_ids == 12
    assert deletes == [5, 5, 5]
    assert again is False, "what is younger than LEDGER_KEPT is remembered"
