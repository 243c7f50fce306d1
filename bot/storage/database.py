"""The SQLite database: one writer connection behind a lock, one reader connection beside it.

SQLite allows many readers but one writer at a time. Instead of letting tasks race for the
file lock (and fail with ``database is locked``), every write in the process goes through
:meth:`Database.transaction`, which queues writers on an :class:`asyncio.Lock` and starts
each transaction with ``BEGIN IMMEDIATE`` so the write lock is taken up front rather than
on a later statement. Other processes writing the same file are waited for up to
``busy_timeout``. Reads outside transactions use a second connection; in WAL mode it sees
the last committed state and neither blocks the writer nor waits for it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeAlias

import aiosqlite

from bot.core.valid_text import valid_values
from bot.storage._sql import controls_transaction
from bot.storage.errors import DatabaseUnavailable
from bot.storage.migrate import MigrationSource, apply_migrations

Params: TypeAlias = Sequence[Any] | Mapping[str, Any]
"""Bound values of a statement: positional (``?``) or named (``:name``)."""

Row: TypeAlias = sqlite3.Row
"""A result row; index it by column name (``row["id"]``) or position."""

DEFAULT_BUSY_TIMEOUT_MS = 5_000

_MEMORY_PATHS = frozenset({":memory:", ""})

# The transaction the current task (and the tasks it starts) is inside, if any. Taking the
# writer lock again from there would wait forever, so that is refused with an error instead.
_current_transaction: ContextVar[Transaction | None] = ContextVar(
    "steward_current_transaction", default=None
)


class TransactionAbortedError(RuntimeError):
    """SQLite rolled the transaction back on its own after an error inside it.

    Some errors (a full disk, ``SQLITE_FULL`` from ``max_page_count``, I/O errors) end the
    whole transaction, not just the failing statement. Statements after that would each
    commit on their own, so the transaction refuses them and refuses to report a commit.
    """


@dataclass(frozen=True, slots=True)
class ExecuteResult:
    """What a write statement did.

    Attributes:
        rowcount: How many rows it inserted, updated or deleted (``-1`` for other statements).
        lastrowid: The rowid of the last inserted row, if any.
    """

    rowcount: int
    lastrowid: int | None


class Transaction:
    """Run statements inside one open write transaction; given by :meth:`Database.transaction`.

    Reads through the transaction see its own uncommitted writes. The object is usable only
    inside its ``async with`` block. Statements that begin, commit or roll back are refused:
    the block's end decides (use ``SAVEPOINT`` to undo part of it).
    """

    def __init__(self, database: Database, connection: aiosqlite.Connection) -> None:
        self._database = database
        self._connection = connection
        self._open = True

    @property
    def database(self) -> Database:
        """Return the database this transaction writes to."""
        return self._database

    @property
    def is_open(self) -> bool:
        """Return whether the transaction's block is still running."""
        return self._open

    async def execute(self, sql: str, params: Params = ()) -> ExecuteResult:
        """Run one statement.

        Args:
            sql: The statement, with ``?`` or ``:name`` placeholders.
            params: The values to bind.

        Returns:
            The row count and last rowid.

        Raises:
            ValueError: If the statement begins, commits or rolls back a transaction.
            TransactionAbortedError: If SQLite already rolled this transaction back.
        """
        self._check_usable(sql)
        return await _execute(self._connection, sql, params)

    async def executemany(self, sql: str, seq_of_params: Iterable[Params]) -> ExecuteResult:
        """Run one statement once per set of values.

        Args:
            sql: The statement, with ``?`` or ``:name`` placeholders.
            seq_of_params: One set of values per run.

        Returns:
            The total row count and the last rowid.

        Raises:
            ValueError: If the statement begins, commits or rolls back a transaction.
            TransactionAbortedError: If SQLite already rolled this transaction back.
        """
        self._check_usable(sql)
        rows = list(seq_of_params)
        try:
            cursor = await self._connection.executemany(sql, rows)
        except UnicodeEncodeError:
            cursor = await self._connection.executemany(sql, valid_values(rows))
        async with cursor:
            return ExecuteResult(cursor.rowcount, cursor.lastrowid)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or ``None``; sees this transaction's writes."""
        self._check_usable(sql)
        return await _fetch_one(self._connection, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query; sees this transaction's writes."""
        self._check_usable(sql)
        return await _fetch_all(self._connection, sql, params)

    def _close(self) -> None:
        self._open = False

    def _check_usable(self, sql: str) -> None:
        if not self._open:
            raise RuntimeError("this transaction has ended; open a new one with db.transaction()")
        if controls_transaction(sql):
            raise ValueError(f"a transaction's block ends it; do not run {sql.strip()!r} in it")
        self._check_alive()

    def _check_alive(self) -> None:
        # Without this, statements after SQLite's own rollback would each commit alone.
        if not self._connection.in_transaction:
            raise TransactionAbortedError(
                "SQLite rolled this transaction back after an error inside it; nothing of it "
                "was committed"
            )


class Database:
    """An open SQLite database with a single serialized writer and a separate reader.

    Open one with :meth:`open`. A file path gets WAL mode and two connections. ``":memory:"``
    works too, with one connection (a second one would see a different, empty database),
    so there reads wait for the writer lock instead of running beside it.

    Args:
        path: The database's path, as given to :meth:`open`.
        writer: The connection every write goes through.
        reader: The connection for reads outside transactions (``writer`` for memory).
    """

    def __init__(
        self, path: str, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self._path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        # Reads share one connection: one statement at a time, or a statement another task
        # is still reading pins its older WAL snapshot for the next read too.
        self._read_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        migrations: Sequence[MigrationSource] = (),
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> Database:
        """Open (creating if needed) a database file, configure it and apply migrations.

        Args:
            path: The file, or ``":memory:"`` for a private in-memory database.
            migrations: The migration sources to bring up to date, in order.
            busy_timeout_ms: How long to wait for another process's write lock.

        Returns:
            The open database.

        Raises:
            DatabaseUnavailable: If the file cannot be opened, is not a SQLite database, or
                cannot be switched to WAL mode.
            bot.storage.migrate.MigrationError: If the migrations cannot be applied.
        """
        location = os.fspath(path)
        try:
            writer, reader = await _connections(location, busy_timeout_ms)
        except sqlite3.DatabaseError as error:
            raise DatabaseUnavailable(f"cannot open the database {location}: {error}") from error
        db = cls(location, writer, reader)
        try:
            await apply_migrations(db, migrations)
        except BaseException:
            await db.close()
            raise
        return db

    @property
    def path(self) -> str:
        """Return the database's path as it was opened."""
        return self._path

    @property
    def in_memory(self) -> bool:
        """Return whether this is a private in-memory database."""
        return self._reader is self._writer

    @property
    def closed(self) -> bool:
        """Return whether :meth:`close` was called."""
        return self._closed

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Open a write transaction, committed when the block ends and rolled back on error.

        Writers wait for each other on a lock, so concurrent tasks never see ``database is
        locked`` from this process. The block should do its reads and writes and nothing
        slow: every other writer waits until it ends.

        Yields:
            The transaction to run statements through.

        Raises:
            RuntimeError: If called from inside a transaction of this database (that would
                wait for itself) or after :meth:`close`.
            TransactionAbortedError: If SQLite rolled the transaction back on its own after
                an error that the block caught; nothing was committed.
        """
        self._check_usable()
        async with self._write_lock:
            self._check_open()
            tx = Transaction(self, self._writer)
            token = _current_transaction.set(tx)
            try:
                await _execute(self._writer, "BEGIN IMMEDIATE")
                yield tx
                tx._check_alive()
                await self._writer.commit()
            except BaseException:
                # The rollback is queued on the connection's thread before the lock is
                # released, so the next writer's BEGIN always runs after it, even when this
                # task is being cancelled. Outside a transaction it does nothing.
                await self._writer.rollback()
                raise
            finally:
                tx._close()
                _current_transaction.reset(token)

    async def execute(self, sql: str, params: Params = ()) -> ExecuteResult:
        """Run one write statement in a transaction of its own.

        Args:
            sql: The statement, with ``?`` or ``:name`` placeholders.
            params: The values to bind.

        Returns:
            The row count and last rowid.
        """
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query over committed data, or ``None``."""
        async with self._reading():
            return await _fetch_one(self._reader, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query over committed data."""
        async with self._reading():
            return await _fetch_all(self._reader, sql, params)

    async def set_secure_delete(self, *, on: bool) -> None:
        """Have the writer zero what it deletes or replaces (SQLite's ``secure_delete``), or not.

        SQLite otherwise leaves a deleted row's bytes in the file's free space: an erasure
        must overwrite them.
        """
        async with self._write_lock:
            self._check_open()
            await _execute(self._writer, f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")

    async def empty_log(self) -> bool:
        """Copy the write-ahead log into the file and empty it; return whether it emptied.

        The log keeps pages as they were before recent writes. It does not empty while
        another connection (a running Steward) is reading; those pages then stay until
        SQLite reuses that part of the log.
        """
        if self.in_memory:
            return True
        async with self._write_lock:
            self._check_open()
            row = await _fetch_one(self._writer, "PRAGMA wal_checkpoint(TRUNCATE)")
        return row is not None and row[0] == 0

    async def backup(self, dest: str | os.PathLike[str]) -> None:
        """Write a consistent copy of the committed data to another file.

        Uses SQLite's online backup API in a single step, so the copy is one snapshot even
        while writers keep going. The copy is left in rollback-journal mode: one
        self-contained file, with no ``-wal`` beside it to forget when moving it.

        Args:
            dest: The file to write; an existing database there is overwritten.

        Raises:
            ValueError: If ``dest`` is this database's own file.
        """
        target = os.fspath(dest)
        if not self.in_memory and await asyncio.to_thread(_same_path, target, self._path):
            raise ValueError(f"cannot back up {self._path} onto itself")
        copy = await aiosqlite.connect(target, isolation_level=None)
        try:
            async with self._reading():
                await self._reader.backup(copy)
            await _fetch_one(copy, "PRAGMA journal_mode = DELETE")
        finally:
            await copy.close()

    async def close(self) -> None:
        """Wait for the running transaction, then close both connections; safe to repeat."""
        if self._closed:
            return
        self._check_not_in_transaction()
        async with self._write_lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self._reader is not self._writer:
                    await self._reader.close()
            finally:
                await self._writer.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[None]:
        """Make a read outside transactions safe to run now."""
        self._check_open()
        if not self.in_memory:
            async with self._read_lock:
                self._check_open()
                yield
            return
        # The only connection is the writer's: wait for the running transaction so a read
        # never sees another task's uncommitted writes.
        self._check_not_in_transaction()
        async with self._write_lock:
            self._check_open()
            yield

    def _check_usable(self) -> None:
        self._check_open()
        self._check_not_in_transaction()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"database {self._path} is closed")

    def _check_not_in_transaction(self) -> None:
        current = _current_transaction.get()
        if current is not None and current.is_open and current.database is self:
            raise RuntimeError(
                "already inside a transaction of this database; run the statement through "
                "the transaction object instead of waiting for the writer lock you hold"
            )


def _same_path(first: str, second: str) -> bool:
    """Return whether two paths name the same file, following links."""
    return Path(first).resolve() == Path(second).resolve()


async def _connections(
    location: str, busy_timeout_ms: int
) -> tuple[aiosqlite.Connection, aiosqlite.Connection]:
    """Open the writer and, for a file, a read-only reader on it in WAL mode."""
    if location not in _MEMORY_PATHS:
        # A file SQLite cannot open (a folder, a missing folder, no permission, a file that
        # is no database) fails here, before aiosqlite starts a worker thread: after a
        # failed open aiosqlite stops its thread without waiting, and the thread then
        # answers an event loop that may have closed ("Event loop is closed", raised in
        # the thread); after a failed first statement the test of it saw the closed
        # connection's thread still finishing.
        await asyncio.to_thread(_probe, location, busy_timeout_ms)
    writer = await _connect(location, busy_timeout_ms)
    try:
        if location in _MEMORY_PATHS:
            return writer, writer
        await _enable_wal(writer, location)
        return writer, await _connect(location, busy_timeout_ms, read_only=True)
    except BaseException:
        await writer.close()
        raise


def _probe(location: str, busy_timeout_ms: int) -> None:
    """Open the file with SQLite and read its header; raise what that raises.

    SQLite opens a file lazily: a file that is no database ("file is not a database")
    fails only at the first statement, so the probe runs one.
    """
    connection = sqlite3.connect(location, timeout=busy_timeout_ms / 1000)
    try:
        connection.execute("PRAGMA schema_version").fetchone()
    finally:
        connection.close()


async def _connect(
    location: str, busy_timeout_ms: int, *, read_only: bool = False
) -> aiosqlite.Connection:
    """Open one configured connection."""
    # isolation_level=None stops the sqlite3 module from opening transactions on its own;
    # Database.transaction issues BEGIN IMMEDIATE itself.
    connection = await aiosqlite.connect(
        location, isolation_level=None, timeout=busy_timeout_ms / 1000
    )
    try:
        connection.row_factory = sqlite3.Row
        await _execute(connection, f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await _execute(connection, "PRAGMA foreign_keys = ON")
        # With WAL, NORMAL loses no committed transaction when the process dies; only a power
        # cut can drop the last few, and the file stays consistent either way.
        await _execute(connection, "PRAGMA synchronous = NORMAL")
        if read_only:
            # A stray write through the reader would bypass the single writer; make the
            # mistake fail loudly instead.
            await _execute(connection, "PRAGMA query_only = ON")
    except BaseException:
        await connection.close()
        raise
    return connection


async def _enable_wal(connection: aiosqlite.Connection, location: str) -> None:
    """Switch the file to WAL mode, which lets the reader run beside the writer."""
    row = await _fetch_one(connection, "PRAGMA journal_mode = WAL")
    mode = str(row[0]).lower() if row is not None else "unknown"
    if mode != "wal":
        raise sqlite3.OperationalError(f"could not switch {location} to WAL mode (got {mode!r})")


async def _statement(
    connection: aiosqlite.Connection, sql: str, params: Params
) -> aiosqlite.Cursor:
    """Run one statement and return its cursor, for the caller to close."""
    try:
        return await connection.execute(sql, params)
    except UnicodeEncodeError:
        # A lone surrogate (see bot.core.valid_text) cannot be encoded for SQLite: SQLite
        # refused the statement before running it, so it runs again with U+FFFD in its place.
        return await connection.execute(sql, valid_values(params))


async def _execute(
    connection: aiosqlite.Connection, sql: str, params: Params = ()
) -> ExecuteResult:
    """Run one statement and close its cursor."""
    async with await _statement(connection, sql, params) as cursor:
        return ExecuteResult(cursor.rowcount, cursor.lastrowid)


async def _fetch_one(connection: aiosqlite.Connection, sql: str, params: Params = ()) -> Row | None:
    """Return a query's first row and close its cursor."""
    # Closing the cursor ends the statement; a half-read statement on the reader would pin
    # an old WAL snapshot, and later reads would miss newer commits.
    async with await _statement(connection, sql, params) as cursor:
        row: Row | None = await cursor.fetchone()
        return row


async def _fetch_all(connection: aiosqlite.Connection, sql: str, params: Params = ()) -> list[Row]:
    """Return all of a query's rows and close its cursor."""
    async with await _statement(connection, sql, params) as cursor:
        return list(await cursor.fetchall())
