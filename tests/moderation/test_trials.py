"""The trial book: hits sent, judgements counted, kept in a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
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
    ended_at = datetime(2026, 3, 3, tzinfo=UTC)
    assert await again.end("insults", ended_at) == replace(counted, ended_at=ended_at)
    assert await again.all() == {}
    assert await storage.cog_state.get(ACME, "guidelines", KEY) is None


async def test_the_last_judged_trial_is_kept_once_over(storage: SqliteStorage) -> None:
    # A community manager deciding next week whether to take the rule live reads how its
    # trial went; a later trial nobody judged does not wipe that out.
    book = TrialBook(storage.cog_state, ACME, "guidelines")
    first, second = datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)
    await book.start("caps", 3)
    await book.judged("caps", right=True)
    await book.judged("caps", right=False)
    await book.judged("caps", right=False)
    await book.end("caps", first)
    await book.start("caps", 5)
    assert await book.end("caps", second) == Trial(asked=5, left=5)
    finished = await TrialBook(storage.cog_state, ACME, "guidelines").last_finished("caps")
    assert finished == Trial(asked=3, left=3, right=1, wrong=2, ended_at=first)
    assert finished.verdict() == "moderators found it right 1 time(s) of 3 (33%)"
    assert await book.last_finished("insults") is None


async def test_a_damaged_book_is_dropped_not_fatal(storage: SqliteStorage) -> None:
    await storage.cog_state.put(ACME, "guidelines", KEY, {"insults": "ten"})
    book = TrialBook(storage.cog_state, ACME, "guidelines")
    assert await book.all() == {}
    assert await book.take_hit("insults") is False
