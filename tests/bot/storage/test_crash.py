"""A writer process killed in the middle of a transaction leaves no trace of it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

import bot
from bot.storage import Database

REPO_ROOT = Path(bot.__file__).resolve().parents[1]
PAYLOAD_BYTES = 8192
CHILD_ROWS = 1000

# Inserts about 8 MB in one transaction, more than SQLite's default 2 MB page cache, so
# uncommitted pages spill into the WAL file before the kill: recovery must skip them.
CHILD = f"""
import asyncio
import sys

from bot.storage.database import Database


async def main() -> None:
    db = await Database.open(sys.argv[1])
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO payloads (body) VALUES (randomblob(?))",
            [({PAYLOAD_BYTES},)] * {CHILD_ROWS},
        )
        print("ready", flush=True)
        await asyncio.sleep(600)


asyncio.run(main())
"""


async def payload_count(db: Database) -> int:
    row = await db.fetch_one("SELECT count(*) FROM payloads")
    assert row is not None
    return int(row[0])


async def test_killed_writer_leaves_no_partial_rows(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        await db.execute("CREATE TABLE payloads (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        async with db.transaction() as tx:
            await tx.executemany("INSERT INTO payloads (body) VALUES (x'00')", [()] * 3)

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(db_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    killed = False
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
        if line != b"ready\n":
            child.kill()
            killed = True
            _, err = await asyncio.wait_for(child.communicate(), timeout=30)
            pytest.fail(f"the writer process did not get ready: {err.decode(errors='replace')}")
        wal = db_path.with_name(db_path.name + "-wal")
        assert wal.stat().st_size > PAYLOAD_BYTES * CHILD_ROWS // 2, "no uncommitted pages on disk"
        # While the other process holds its transaction, a reader here sees committed rows.
        async with await Database.open(db_path) as reader:
            assert await payload_count(reader) == 3
        child.send_signal(signal.SIGKILL)
        killed = True
    finally:
        # Signal once only: a second kill polls the process first, and if the first one
        # has already ended it, that poll reaps it ahead of asyncio's child watcher,
        # which then reports 255 instead of the signal.
        if not killed:
            child.kill()
        await asyncio.wait_for(child.communicate(), timeout=30)
    assert child.returncode == -signal.SIGKILL

    async with await Database.open(db_path) as db:
        assert await payload_count(db) == 3
        check = await db.fetch_one("PRAGMA integrity_check")
        assert check is not None
        assert check[0] == "ok"
        # The dead process's write lock is gone: writing works at once.
        await db.execute("INSERT INTO payloads (body) VALUES (x'01')")
        assert await payload_count(db) == 4
