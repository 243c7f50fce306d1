"""The SQLite storage backend: the core repositories over one :class:`Database`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from bot.core.clock import SystemClock
from bot.core.protocols import AuditEntry, Clock, Handoff, SeenEvent
from bot.core.refs import Ref
from bot.storage.codec import dump_json, from_db_time, load_json, to_db_time
from bot.storage.database import DEFAULT_BUSY_TIMEOUT_MS, Database, Row
from bot.storage.migrate import CORE_MIGRATIONS, MigrationSource

_AUDIT_COLUMNS = "community, at, action, actor, target, reason, ok, error, rule, case_id, detail"


class SqliteAuditLog:
    """Store the audit log in the ``audit_log`` table.

    Args:
        db: The database.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, entry: AuditEntry) -> None:
        """Append one entry.

        Args:
            entry: The entry; its ``detail`` must be JSON-compatible.

        Raises:
            TypeError: If ``detail`` holds something JSON cannot represent.
            ValueError: If ``detail`` holds NaN or an infinity.
        """
        detail = None if entry.detail is None else dump_json(dict(entry.detail))
        await self._db.execute(
            f"INSERT INTO audit_log ({_AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(entry.community),
                to_db_time(entry.at),
                entry.action,
                entry.actor,
                entry.target,
                entry.reason,
                int(entry.ok),
                entry.error,
                entry.rule,
                entry.case,
                detail,
            ),
        )

    async def recent(self, community: Ref, *, limit: int = 50) -> list[AuditEntry]:
        """Return the latest entries of a community, newest first.

        Entries with the same time come back in reverse order of recording.

        Args:
            community: The community.
            limit: The most entries to return.

        Returns:
            The entries.

        Raises:
            ValueError: If ``limit`` is negative.
        """
        if limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        rows = await self._db.fetch_all(
            f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE community = ? "
            "ORDER BY at DESC, id DESC LIMIT ?",
            (str(community), limit),
        )
        return [_audit_entry(row) for row in rows]


_Row = tuple[str, str, str]
"""A ledger row: the community's ref text, the event id, and when it was seen (stored text)."""


class _SeenBefore(Exception):
    """Some ids of a ledger batch were recorded before: roll back and ask which."""


class SqliteEventLedger:
    """Remember handled event ids in the ``event_ledger`` table.

    Args:
        db: The database.
    """

    _BATCH = 500  # three bound values a row, well under SQLite's limit per statement

    def __init__(self, db: Database) -> None:
        self._db = db
        # Each waiting call: its rows (community, id, seen at) and the future of its answers.
        self._pending: list[tuple[list[_Row], asyncio.Future[list[bool]]]] = []
        self._flushing = False

    async def first_seen(self, community: Ref, event_id: str, at: datetime) -> bool:
        """Record an event id; return ``True`` only the first time it is seen.

        Args:
            community: The community the event belongs to.
            event_id: The platform's id for the event.
            at: When it was seen; :meth:`forget_before` compares against this.

        Returns:
            Whether this call recorded it.
        """
        (first,) = await self.first_seen_many([SeenEvent(community, event_id, at)])
        return first

    async def first_seen_many(self, seen: Sequence[SeenEvent]) -> list[bool]:
        """Record several event ids; for each, whether this call recorded it first.

        Calls that arrive together share one transaction (a group commit): one
        ``INSERT OR IGNORE`` decides for all of them, so a busy platform's
        events do not pay a commit each, and concurrent calls for one id (from this process
        or another one on the same file) still get exactly one ``True``. An adapter that
        hands over a burst of events in one call also waits once, not once per event.

        Args:
            seen: The events, in the order they came; one id twice is first only once.

        Returns:
            One answer per event, in the same order.
        """
        if not seen:
            return []
        names: dict[Ref, str] = {}  # a burst is mostly one community: spell it once
        rows = [
            (names.get(c) or names.setdefault(c, str(c)), event_id, to_db_time(at))
            for c, event_id, at in seen
        ]
        answers: asyncio.Future[list[bool]] = asyncio.get_running_loop().create_future()
        self._pending.append((rows, answers))
        if not self._flushing:
            self._flushing = True
            try:
                await self._flush()
            except BaseException:
                if answers.done() and not answers.cancelled():
                    answers.exception()  # retrieved: this caller raises instead
                raise
            finally:
                self._flushing = False
        return await answers

    async def _flush(self) -> None:
        while self._pending:
            calls = self._take_batch()
            rows = [row for call_rows, _ in calls for row in call_rows]
            try:
                inserted: set[tuple[str, str]] = set()
                for start in range(0, len(rows), self._BATCH):  # one call may exceed a batch
                    inserted |= await self._insert(rows[start : start + self._BATCH])
            except BaseException as error:
                # Every waiting caller learns of the failure; only a cancellation propagates.
                for _, waiting in calls + self._pending:
                    if not waiting.done():
                        waiting.set_exception(RuntimeError(f"event ledger write failed: {error!r}"))
                self._pending = []
                if not isinstance(error, Exception):
                    raise
                return
            claimed: set[tuple[str, str]] = set()
            for call_rows, waiting in calls:
                answers = []
                for community, ident, _ in call_rows:
                    key = (community, ident)
                    answers.append(key in inserted and key not in claimed)
                    claimed.add(key)
                if not waiting.done():  # a caller cancelled while waiting has gone
                    waiting.set_result(answers)

    def _take_batch(self) -> list[tuple[list[_Row], asyncio.Future[list[bool]]]]:
        """Take the waiting calls whose rows fill a batch (always at least one call)."""
        taken, size = 0, 0
        for rows, _ in self._pending:
            if taken and size + len(rows) > self._BATCH:
                break
            taken += 1
            size += len(rows)
        calls, self._pending = self._pending[:taken], self._pending[taken:]
        return calls

    async def _insert(self, batch: list[_Row]) -> set[tuple[str, str]]:
        """Insert a batch's ids; return those that were not there before.

        Almost always every id is new, and then one plain ``INSERT OR IGNORE`` says so by
        its row count. Only when some were there already does a second try, in a fresh
        transaction, ask SQLite which: returning the inserted rows one by one costs the
        connection's thread a hand-over of Python's lock per row, and each one waits for
        the event loop to let go of it.
        """
        params: list[str] = []
        keys: set[tuple[str, str]] = set()
        for community, ident, seen_at in batch:
            params += [community, ident, seen_at]
            keys.add((community, ident))
        insert = (
            "INSERT OR IGNORE INTO event_ledger (community, event_id, seen_at) VALUES "
            + ", ".join(["(?, ?, ?)"] * len(batch))
        )
        try:
            async with self._db.transaction() as tx:
                done = await tx.execute(insert, params)
                if done.rowcount != len(keys):
                    raise _SeenBefore  # rolls the insert back; the slow path says which
            return keys
        except _SeenBefore:
            pass
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(f"{insert} RETURNING community, event_id", params)
        return {(str(r["community"]), str(r["event_id"])) for r in rows}

    async def forget_before(self, at: datetime, *, limit: int | None = None) -> int:
        """Drop ids recorded before ``at``, in every community, the oldest first.

        Args:
            at: The cut-off; ids seen exactly then are kept.
            limit: Drop at most this many: each call holds the writer while it deletes,
                and a busy server's first sweep has millions of ids to drop.

        Returns:
            How many ids were dropped.
        """
        result = await self._db.execute(
            "DELETE FROM event_ledger WHERE (community, event_id) IN (SELECT community, "
            "event_id FROM event_ledger WHERE seen_at < ? ORDER BY seen_at LIMIT ?)",
            (to_db_time(at), -1 if limit is None else limit),
        )
        return result.rowcount


class SqliteCogState:
    """Keep small JSON values per community and cog in the ``cog_state`` table.

    Args:
        db: The database.
        clock: Stamps ``updated_at``; the system clock by default.
    """

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock: Clock = clock if clock is not None else SystemClock()

    async def get(self, community: Ref, cog: str, key: str) -> Any | None:
        """Return a stored value, or ``None`` if there is none.

        Args:
            community: The community.
            cog: The cog's name.
            key: The value's key.

        Returns:
            The value as JSON decodes it (tuples stored come back as lists).
        """
        row = await self._db.fetch_one(
            "SELECT value FROM cog_state WHERE community = ? AND cog = ? AND key = ?",
            (str(community), cog, key),
        )
        return None if row is None else load_json(row["value"])

    async def put(self, community: Ref, cog: str, key: str, value: Any) -> None:
        """Store a JSON-compatible value, replacing the old one.

        Args:
            community: The community.
            cog: The cog's name.
            key: The value's key.
            value: The value.

        Raises:
            TypeError: If the value holds something JSON cannot represent.
            ValueError: If the value holds NaN or an infinity.
        """
        await self._db.execute(
            "INSERT INTO cog_state (community, cog, key, value, updated_at) "
            "VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (community, cog, key) "
            "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (str(community), cog, key, dump_json(value), to_db_time(self._clock.now())),
        )

    async def delete(self, community: Ref, cog: str, key: str) -> None:
        """Remove a value if present.

        Args:
            community: The community.
            cog: The cog's name.
            key: The value's key.
        """
        await self._db.execute(
            "DELETE FROM cog_state WHERE community = ? AND cog = ? AND key = ?",
            (str(community), cog, key),
        )

    async def recent(self, community: Ref, cog: str, limit: int) -> list[tuple[str, Any]]:
        """Return up to ``limit`` of a cog's keys and values, the most recently stored first.

        Args:
            community: The community.
            cog: The cog's name.
            limit: The most entries returned.
        """
        rows = await self._db.fetch_all(
            "SELECT key, value FROM cog_state WHERE community = ? AND cog = ? "
            "ORDER BY updated_at DESC, key LIMIT ?",
            (str(community), cog, limit),
        )
        return [(str(row["key"]), load_json(row["value"])) for row in rows]


class SqliteHandoffs:
    """Events left for another bot process, in the ``handoffs`` table.

    Args:
        db: The database (one file that every process of the bot opens).
        clock: Stamps ``created_at``; the system clock by default.
    """

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock: Clock = clock if clock is not None else SystemClock()

    async def put(self, community: Ref, event_id: str, payload: Mapping[str, Any]) -> bool:
        """Leave an event for its community's process.

        Returns:
            ``False`` if this event was already left and not yet handled.
        """
        result = await self._db.execute(
            "INSERT INTO handoffs (community, event_id, payload, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (community, event_id) DO NOTHING",
            (str(community), event_id, dump_json(dict(payload)), to_db_time(self._clock.now())),
        )
        return result.rowcount > 0

    async def waiting(self, communities: Sequence[Ref], *, limit: int = 50) -> list[Handoff]:
        """Return the oldest events left for any of ``communities``, oldest first."""
        if not communities:
            return []
        marks = ", ".join("?" for _ in communities)
        rows = await self._db.fetch_all(
            "SELECT id, community, event_id, payload, created_at FROM handoffs "
            f"WHERE community IN ({marks}) ORDER BY id LIMIT ?",
            (*(str(c) for c in communities), limit),
        )
        return [
            Handoff(
                id=int(row["id"]),
                community=Ref.parse(str(row["community"])),
                event_id=str(row["event_id"]),
                payload=load_json(row["payload"]),
                created_at=from_db_time(row["created_at"]),
            )
            for row in rows
        ]

    async def done(self, handoff: Handoff) -> None:
        """Delete a handled handoff."""
        await self._db.execute("DELETE FROM handoffs WHERE id = ?", (handoff.id,))


class SqliteStorage:
    """The SQLite backend of the ``Storage`` protocol: the core repositories on one file.

    Packages with tables of their own (moderation, cogs) reach the database through
    :attr:`db` and bring their schema as extra migration sources to :meth:`open`.

    Args:
        db: An open database with the core schema applied.
        clock: Stamps times the repositories record on their own.
    """

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._audit = SqliteAuditLog(db)
        self._ledger = SqliteEventLedger(db)
        self._cog_state = SqliteCogState(db, clock=clock)
        self._handoffs = SqliteHandoffs(db, clock=clock)

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        extra_sources: Sequence[MigrationSource] = (),
        clock: Clock | None = None,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> SqliteStorage:
        """Open a database file and bring the core schema and ``extra_sources`` up to date.

        Args:
            path: The file, or ``":memory:"``.
            extra_sources: Further migration sources, applied after the core in this order.
            clock: Stamps times the repositories record on their own.
            busy_timeout_ms: How long to wait for another process's write lock.

        Returns:
            The open storage.

        Raises:
            bot.storage.migrate.MigrationError: If the migrations cannot be applied.
        """
        db = await Database.open(
            path,
            migrations=[CORE_MIGRATIONS, *extra_sources],
            busy_timeout_ms=busy_timeout_ms,
        )
        return cls(db, clock=clock)

    @property
    def backend(self) -> str:
        """Return the backend's name, ``"sqlite"``."""
        return "sqlite"

    @property
    def db(self) -> Database:
        """Return the database, for repositories of other packages."""
        return self._db

    @property
    def audit(self) -> SqliteAuditLog:
        """Return the audit log."""
        return self._audit

    @property
    def ledger(self) -> SqliteEventLedger:
        """Return the ledger of handled event ids."""
        return self._ledger

    @property
    def cog_state(self) -> SqliteCogState:
        """Return the per-cog key-value store."""
        return self._cog_state

    @property
    def handoffs(self) -> SqliteHandoffs:
        """Return the events left between bot processes."""
        return self._handoffs

    async def close(self) -> None:
        """Close the database; safe to repeat."""
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _audit_entry(row: Row) -> AuditEntry:
    """Build an audit entry from an ``audit_log`` row."""
    return AuditEntry(
        community=Ref.parse(row["community"]),
        at=from_db_time(row["at"]),
        action=row["action"],
        actor=row["actor"],
        target=row["target"],
        reason=row["reason"],
        ok=bool(row["ok"]),
        error=row["error"],
        rule=row["rule"],
        case=row["case_id"],
        detail=None if row["detail"] is None else load_json(row["detail"]),
    )


def sqlite_database(storage: object, tables: str) -> Database:
    """Return the SQLite database behind a storage backend, for the repositories of ``tables``.

    Raises:
        TypeError: If the backend is not SQLite (another backend brings its own repositories).
    """
    if isinstance(storage, SqliteStorage):
        return storage.db
    backend = getattr(storage, "backend", type(storage).__name__)
    raise TypeError(f"no {tables} tables for the {backend} backend")
