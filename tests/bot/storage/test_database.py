"""The database: pragmas, the single writer, transactions, reads, backup and closing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.storage import Database, TransactionAbortedError
from bot.storage.errors import DatabaseUnavailable


def aiosqlite_workers() -> set[threading.Thread]:
    """Return the aiosqlite worker threads alive now."""
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}


async def count(db: Database, table: str = "items") -> int:
    row = await db.fetch_one(f"SELECT count(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


async def test_open_configures_both_connections(db: Database) -> None:
    assert db.path.endswith("steward.db")
    assert not db.in_memory
    mode = await db.fetch_one("PRAGMA journal_mode")
    assert mode is not None
    assert mode[0] == "wal"
    for pragma, expected in [("foreign_keys", 1), ("synchronous", 1), ("busy_timeout", 5000)]:
        read = await db.fetch_one(f"PRAGMA {pragma}")
        async with db.transaction() as tx:
            written = await tx.fetch_one(f"PRAGMA {pragma}")
        assert read is not None
        assert written is not None
        assert (pragma, read[0], written[0]) == (pragma, expected, expected)


async def test_busy_timeout_is_configurable(db_path: Path) -> None:
    async with await Database.open(db_path, busy_timeout_ms=1234) as db:
        row = await db.fetch_one("PRAGMA busy_timeout")
        assert row is not None
        assert row[0] == 1234


async def test_foreign_keys_are_enforced(db: Database) -> None:
    await db.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
    await db.execute("CREATE TABLE children (parent INTEGER NOT NULL REFERENCES parents (id))")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await db.execute("INSERT INTO children (parent) VALUES (42)")


async def test_transaction_commits_and_reads_its_own_writes(db: Database) -> None:
    async with db.transaction() as tx:
        first = await tx.execute("INSERT INTO items (writer, n) VALUES (?, ?)", ("a", 1))
        many = await tx.executemany(
            "INSERT INTO items (writer, n) VALUES (:writer, :n)",
            [{"writer": "a", "n": n} for n in range(2, 5)],
        )
        inside = await tx.fetch_all("SELECT n FROM items ORDER BY n")
        # The reader connection sees committed data only.
        assert await count(db) == 0
    assert first.rowcount == 1
    assert first.lastrowid == 1
    assert many.rowcount == 3
    assert [row["n"] for row in inside] == [1, 2, 3, 4]
    assert await count(db) == 4
    rows = await db.fetch_all("SELECT writer, n FROM items WHERE n > ? ORDER BY n", (2,))
    assert [(row["writer"], row["n"]) for row in rows] == [("a", 3), ("a", 4)]


async def test_execute_is_a_transaction_of_its_own(db: Database) -> None:
    result = await db.execute("INSERT INTO items (writer, n) VALUES ('x', 1)")
    assert result.rowcount == 1
    assert await count(db) == 1
    assert await db.fetch_one("SELECT * FROM items WHERE n = 99") is None


async def test_text_with_a_lone_surrogate_is_stored_with_the_replacement_character(
    db: Database,
) -> None:
    # Read from JSON ("\ud800"), such text cannot be encoded for SQLite at all; events are
    # made valid where they enter, and this is the net under whatever else brings it.
    await db.execute("INSERT INTO items (writer, n) VALUES (?, ?)", ("a\ud800", 1))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO items (writer, n) VALUES (:writer, :n)",
            ({"writer": f"b\udfff{n}", "n": n} for n in (2, 3)),
        )
        found = await tx.fetch_one("SELECT n FROM items WHERE writer = ?", ("a\ud800",))
    rows = await db.fetch_all("SELECT writer FROM items WHERE writer != ? ORDER BY n", ("\udc00",))
    assert found is not None and found["n"] == 1
    assert [row["writer"] for row in rows] == ["a\ufffd", "b\ufffd2", "b\ufffd3"]


async def test_exception_in_transaction_rolls_back_everything(db: Database) -> None:
    class BoomError(Exception):
        pass

    async def fill_then_fail() -> None:
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO items (writer, n) VALUES (?, ?)", [("a", n) for n in range(10)]
            )
            raise BoomError

    with pytest.raises(BoomError):
        await fill_then_fail()
    assert await count(db) == 0
    # The writer is free again and the connection is out of the failed transaction.
    await db.execute("INSERT INTO items (writer, n) VALUES ('b', 1)")
    assert await count(db) == 1


async def test_failing_statement_rolls_back_earlier_ones(db: Database) -> None:
    async def insert_then_fail() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")
            await tx.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await insert_then_fail()
    assert await count(db) == 0


async def test_transaction_control_statements_are_refused(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")
        for statement in ["COMMIT", " -- why\n commit;", "ROLLBACK", "BEGIN", "END"]:
            with pytest.raises(ValueError, match="block ends it"):
                await tx.execute(statement)
        # Savepoints nest inside the transaction and stay available.
        await tx.execute("SAVEPOINT part")
        await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 2)")
        await tx.execute("ROLLBACK TO part")
        await tx.execute("RELEASE part")
    rows = await db.fetch_all("SELECT n FROM items")
    assert [row["n"] for row in rows] == [1]


async def test_sqlite_rolling_back_on_its_own_is_not_reported_as_a_commit(db: Database) -> None:
    async def swallow_disk_full() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")
            pages = await tx.fetch_one("PRAGMA page_count")
            assert pages is not None
            await tx.execute(f"PRAGMA max_page_count = {pages[0] + 1}")
            # SQLITE_FULL ends the whole transaction, not just this statement.
            with pytest.raises(sqlite3.OperationalError, match="full"):
                await tx.execute("INSERT INTO items (writer) VALUES (hex(randomblob(100000)))")
            with pytest.raises(TransactionAbortedError):
                await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 2)")

    with pytest.raises(TransactionAbortedError, match="nothing of it was committed"):
        await swallow_disk_full()
    assert await count(db) == 0


async def test_cancelled_transaction_rolls_back(db: Database) -> None:
    inserted = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")
            inserted.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(writer())
    await asyncio.wait_for(inserted.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await count(db) == 0
    await db.execute("INSERT INTO items (writer, n) VALUES ('b', 2)")
    assert await count(db) == 1


async def test_many_concurrent_writers_all_land(db: Database) -> None:
    writers, rows_each = 60, 5

    async def write(writer: int) -> None:
        async with db.transaction() as tx:
            for n in range(rows_each):
                await tx.execute("INSERT INTO items (writer, n) VALUES (?, ?)", (str(writer), n))
                # Let the other writers run while this one holds the transaction.
                await asyncio.sleep(0)

    await asyncio.gather(*(write(w) for w in range(writers)))
    assert await count(db) == writers * rows_each
    rows = await db.fetch_all("SELECT writer, count(*) AS n FROM items GROUP BY writer")
    assert {row["writer"]: row["n"] for row in rows} == {str(w): rows_each for w in range(writers)}


async def test_two_databases_on_one_file_wait_for_each_other(db: Database, db_path: Path) -> None:
    # A second Database is what another process would be: it has its own writer lock, so
    # the two meet at SQLite's file lock and busy_timeout, not at the asyncio.Lock.
    async with await Database.open(db_path) as other:

        async def write(target: Database, writer: str) -> None:
            async with target.transaction() as tx:
                await tx.execute("INSERT INTO items (writer, n) VALUES (?, 1)", (writer,))
                await asyncio.sleep(0)

        await asyncio.gather(
            *(write(db, f"a{w}") for w in range(30)),
            *(write(other, f"b{w}") for w in range(30)),
        )
        assert await count(db) == 60
        assert await count(other) == 60


async def test_nested_transaction_is_refused_instead_of_deadlocking(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")
        with pytest.raises(RuntimeError, match="already inside a transaction"):
            async with db.transaction():
                pass
        with pytest.raises(RuntimeError, match="already inside a transaction"):
            await db.execute("INSERT INTO items (writer, n) VALUES ('a', 2)")
    # The refusal did not spoil the outer transaction.
    assert await count(db) == 1


async def test_reads_outside_the_transaction_are_allowed_inside_it(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")
        assert await count(db) == 0


async def test_transaction_object_is_dead_after_its_block(db: Database) -> None:
    async with db.transaction() as tx:
        assert tx.is_open
        assert tx.database is db
    assert not tx.is_open
    with pytest.raises(RuntimeError, match="transaction has ended"):
        await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")


async def test_reader_refuses_writes(db: Database) -> None:
    # fetch_* run on the reader, which must never write behind the writer's back.
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.fetch_all("INSERT INTO items (writer, n) VALUES ('a', 1) RETURNING id")


async def test_backup_writes_a_consistent_copy(db: Database, tmp_path: Path) -> None:
    await db.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 2)")
        copy_path = tmp_path / "backup.db"
        # Taken while a transaction is open: the copy holds committed rows only.
        await db.backup(copy_path)
    assert copy_path.exists()
    assert not (tmp_path / "backup.db-wal").exists()
    async with await Database.open(copy_path) as copy:
        rows = await copy.fetch_all("SELECT writer, n FROM items")
        assert [(row["writer"], row["n"]) for row in rows] == [("a", 1)]
        check = await copy.fetch_one("PRAGMA integrity_check")
        assert check is not None
        assert check[0] == "ok"


async def test_backup_onto_itself_is_refused(db: Database, db_path: Path) -> None:
    with pytest.raises(ValueError, match="onto itself"):
        await db.backup(db_path)


async def test_close_is_idempotent_and_final(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.close()
    await db.close()
    assert db.closed
    with pytest.raises(RuntimeError, match="closed"):
        await db.fetch_one("SELECT 1")
    with pytest.raises(RuntimeError, match="closed"):
        await db.execute("SELECT 1")


async def test_close_waits_for_the_running_transaction(db: Database) -> None:
    started = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as tx:
            started.set()
            await asyncio.sleep(0.05)
            await tx.execute("INSERT INTO items (writer, n) VALUES ('a', 1)")

    task = asyncio.create_task(writer())
    await asyncio.wait_for(started.wait(), 10)
    await db.close()
    await task
    async with await Database.open(db.path) as reopened:
        assert await count(reopened) == 1


async def test_in_memory_database_works_with_one_connection(tmp_path: Path) -> None:
    async with await Database.open(":memory:") as db:
        assert db.in_memory
        await db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER)")
        started = asyncio.Event()

        async def writer() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO items (n) VALUES (1)")
                started.set()
                await asyncio.sleep(0.05)

        task = asyncio.create_task(writer())
        await asyncio.wait_for(started.wait(), 10)
        # The read waits for the writer rather than seeing its uncommitted row half-way.
        assert await count(db) == 1
        await task
        await db.backup(tmp_path / "memory-copy.db")
    async with await Database.open(tmp_path / "memory-copy.db") as copy:
        assert await count(copy) == 1


async def test_a_write_is_visible_to_the_next_read_while_other_reads_run(db: Database) -> None:
    # Reads share one connection: a statement another task has not finished reading would
    # pin an older snapshot, and a row just committed would not be found.
    await db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT)")
    for index in range(200):
        await db.execute("INSERT INTO notes (text) VALUES (?)", (f"old {index}",))
    missing: list[int] = []

    async def write_then_read(index: int) -> None:
        result = await db.execute("INSERT INTO notes (text) VALUES (?)", (f"new {index}",))
        if await db.fetch_one("SELECT id FROM notes WHERE id = ?", (result.lastrowid,)) is None:
            missing.append(index)

    async def read_everything() -> None:
        for _ in range(20):
            await db.fetch_all("SELECT * FROM notes")

    await asyncio.gather(
        *(write_then_read(i) for i in range(100)), read_everything(), read_everything()
    )
    assert missing == []


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b"not sqlite at all" * 300), "file is not a database"),
        (lambda p: p.mkdir(), "unable to open database file"),
    ],
)
async def test_a_file_that_cannot_be_a_database_is_named_in_the_error(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    path = tmp_path / "steward.db"
    make(path)
    before = aiosqlite_workers()
    with pytest.raises(DatabaseUnavailable, match=f"cannot open the database .*: {reason}"):
        await Database.open(path)
    # No aiosqlite worker is left stopping on its own: one that outlives the test's event
    # loop fails in its thread ("Event loop is closed"), blamed on whichever test runs next.
    assert aiosqlite_workers() - before == set()
