"""The trial book: hits sent, judgements counted, kept in a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import open_storage
from bot.core.clock import VirtualClock
from bot.core.refs import Ref
from bot.storage import SqliteStorage
from moderation.trials import KEY, Trial, TrialBook

ACME = Ref("local", "acme")


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    opened = await open_storage(
        tmp_path / "steward.db", VirtualClock(datetime(2026, 3, 2, tzinfo=UTC))
    )
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_trial_sends_its_hits_counts_judgements_and_ends(storage: SqliteStorage) -> None:
    book = TrialBook(storage.cog_state, ACME, "guidelines")
    await book.start("insults", 2)
    taken = [await book.take_hit("insults") for _ in range(3)]
    await book.judged("insults", right=True)
    # A restart reads the same book.
    again = TrialBook(storage.cog_state, ACME, "guidelines")
    counted = await again.judged("insults", right=False)
    assert taken == [True, True, False], "two hits asked for, two sent"
    assert counted == Trial(asked=2, left=0, right=1, wrong=1)
    assert counted.precision == 0.5
    assert await again.judged("caps", right=True) is None, "no trial, nothing counted"
    assert await again.end("insults") == counted
    assert await again.all() == {}
    assert await storage.cog_state.get(ACME, "guidelines", KEY) is None


async def test_a_damaged_book_is_dropped_not_fatal(storage: SqliteStorage) -> None:
    await storage.cog_state.put(ACME, "guidelines", KEY, {"insults": "ten"})
    book = TrialBook(storage.cog_state, ACME, "guidelines")
    assert await book.all() == {}
    assert await book.take_hit("insults") is False
