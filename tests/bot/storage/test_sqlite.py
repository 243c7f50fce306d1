"""What the SQLite backend adds to the contract: its encodings, its file and its extras."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from bot.core.clock import VirtualClock
from bot.core.cog import Storage
from bot.core.protocols import (
    AuditEntry,
    AuditLogRepository,
    CogStateRepository,
    EventLedgerRepository,
)
from bot.core.refs import Ref
from bot.storage import SqliteStorage
from tests.bot.storage.conftest import MigrationPackages

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOME = Ref("slack", "T0:with-colon")


async def test_satisfies_the_protocols(db_path: Path) -> None:
    async with await SqliteStorage.open(db_path) as opened:
        # Checked by mypy: the concrete classes must fit the protocols cogs depend on.
        storage: Storage = opened
        audit: AuditLogRepository = opened.audit
        ledger: EventLedgerRepository = opened.ledger
        cog_state: CogStateRepository = opened.cog_state
        assert (storage.backend, audit, ledger, cog_state) == (
            "sqlite",
            opened.audit,
            opened.ledger,
            opened.cog_state,
        )
        assert opened.db.path == str(db_path)
    assert opened.db.closed


async def test_stores_refs_times_and_json_as_text(db_path: Path) -> None:
    clock = VirtualClock(T0)
    async with await SqliteStorage.open(db_path, clock=clock) as storage:
        await storage.audit.record(
            AuditEntry(
                community=HOME,
                at=T0.astimezone(timezone(timedelta(hours=-5))),
                action="warn",
                actor="bot",
                target="slack:U1",
                ok=False,
                detail={"é": [1]},
            )
        )
        await storage.ledger.first_seen(HOME, "Ev1", T0)
        await storage.cog_state.put(HOME, "welcome", "seen", ["U1"])
        audit = await storage.db.fetch_one("SELECT community, at, ok, detail FROM audit_log")
        ledger = await storage.db.fetch_one("SELECT community, seen_at FROM event_ledger")
        state = await storage.db.fetch_one("SELECT value, updated_at FROM cog_state")
    assert audit is not None
    assert ledger is not None
    assert state is not None
    assert tuple(audit) == (
        "slack:T0:with-colon",
        "2024-05-01T12:00:00.000000+00:00",
        0,
        '{"é":[1]}',
    )
    assert tuple(ledger) == ("slack:T0:with-colon", "2024-05-01T12:00:00.000000+00:00")
    assert tuple(state) == ('["U1"]', "2024-05-01T12:00:00.000000+00:00")


async def test_cog_state_stamps_updates_with_the_clock(db_path: Path) -> None:
    clock = VirtualClock(T0)
    async with await SqliteStorage.open(db_path, clock=clock) as storage:
        await storage.cog_state.put(HOME, "welcome", "k", 1)
        clock.set(T0 + timedelta(days=1))
        await storage.cog_state.put(HOME, "welcome", "k", 2)
        row = await storage.db.fetch_one("SELECT value, updated_at FROM cog_state")
    assert row is not None
    assert tuple(row) == ("2", "2024-05-02T12:00:00.000000+00:00")


async def test_extra_sources_apply_after_the_core(
    packages: MigrationPackages, db_path: Path
) -> None:
    # The extra schema indexes a core table, so it only works if the core comes first.
    package = packages.make(
        {
            "0001_cases.sql": (
                "CREATE TABLE cases (id TEXT PRIMARY KEY);\n"
                "CREATE INDEX audit_log_case ON audit_log (case_id);"
            )
        },
        namespace="moderation",
    )
    async with await SqliteStorage.open(db_path, extra_sources=[package.source]) as storage:
        rows = await storage.db.fetch_all(
            "SELECT namespace, name FROM schema_migrations ORDER BY rowid"
        )
        assert [(row["namespace"], row["name"]) for row in rows] == [
            ("core", "0001_core.sql"),
            ("core", "0002_handoffs.sql"),
            ("moderation", "0001_cases.sql"),
        ]
        async with storage.db.transaction() as tx:
            await tx.execute("INSERT INTO cases (id) VALUES ('case-1')")


async def test_two_processes_first_seen_once(db_path: Path) -> None:
    # Two storages on one file stand in for two bot processes: their writer locks are
    # separate, so only SQLite's INSERT OR IGNORE keeps the answer unique.
    async with (
        await SqliteStorage.open(db_path) as one,
        await SqliteStorage.open(db_path) as two,
    ):
        results = await asyncio.gather(
            *(storage.ledger.first_seen(HOME, "Ev-race", T0) for storage in [one, two] * 25)
        )
    assert results.count(True) == 1


async def test_in_memory_storage_works() -> None:
    async with await SqliteStorage.open(":memory:") as storage:
        assert await storage.ledger.first_seen(HOME, "Ev1", T0)
        await storage.cog_state.put(HOME, "welcome", "k", {"a": 1})
        assert await storage.cog_state.get(HOME, "welcome", "k") == {"a": 1}


async def test_handoffs_pass_between_processes_once_and_oldest_first(db_path: Path) -> None:
    north, south = Ref("discord", "1"), Ref("discord", "2")
    async with (
        await SqliteStorage.open(db_path) as leaving,
        await SqliteStorage.open(db_path) as taking,
    ):
        assert await leaving.handoffs.put(south, "dm:1", {"content": "first"})
        assert not await leaving.handoffs.put(south, "dm:1", {"content": "first"}), "once"
        assert await leaving.handoffs.put(north, "dm:2", {"content": "other guild"})
        assert await leaving.handoffs.put(south, "dm:3", {"content": "second"})
        waiting = await taking.handoffs.waiting([south])
        assert [h.payload["content"] for h in waiting] == ["first", "second"]
        assert [h.event_id for h in await taking.handoffs.waiting([south], limit=1)] == ["dm:1"]
        assert await taking.handoffs.waiting([]) == []
        await taking.handoffs.done(waiting[0])
        assert [h.event_id for h in await leaving.handoffs.waiting([south, north])] == [
            "dm:2",
            "dm:3",
        ]
