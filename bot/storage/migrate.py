"""Versioned schema migrations: numbered SQL files per namespace, each applied exactly once.

Every package that owns tables ships a :class:`MigrationSource`: a namespace (``"core"``,
``"moderation"``, a cog's name) and a Python package holding files named
``0001_create_cases.sql``, ``0002_add_appeals.sql`` and so on. Versions count up from 1
without gaps. Each migration runs in one transaction together with its row in
``schema_migrations``, so it is either applied and recorded or not there at all.

An applied migration is history: it must never be removed or renamed. A source that breaks
this is refused before anything is applied. Write new changes as a new file instead.

Migration files hold plain SQL statements separated by ``;``. They must not manage
transactions themselves (``BEGIN``, ``COMMIT``, ``ROLLBACK``), and ``PRAGMA foreign_keys``
has no effect inside them because SQLite ignores it within a transaction.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING

from bot.storage._sql import controls_transaction, first_keyword, split_statements
from bot.storage.codec import to_db_time

if TYPE_CHECKING:
    from bot.storage.database import Database

_FILE_NAME = re.compile(r"(?P<version>\d{4})_(?P<name>\w+)\.sql", re.ASCII)

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    namespace TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (namespace, version)
)
"""


_TABLE_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"


class MigrationError(Exception):
    """A migration source is inconsistent with itself or with the database, or failed."""


@dataclass(frozen=True, slots=True)
class MigrationSource:
    """Where one namespace's migrations live.

    Attributes:
        namespace: The owner's stable name (``"core"``, ``"moderation"``); unique per database.
        package: The dotted name of the Python package that holds the ``NNNN_name.sql`` files.
    """

    namespace: str
    package: str

    def __post_init__(self) -> None:
        if not self.namespace:
            raise ValueError("a migration source needs a namespace")
        if not self.package:
            raise ValueError(f"migration source {self.namespace!r} needs a package")


CORE_MIGRATIONS = MigrationSource(namespace="core", package="bot.storage.migrations")
"""The core schema: the audit log, the event ledger and cog state."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file.

    Attributes:
        namespace: The source's namespace.
        version: The number the file name starts with.
        name: The file name (``0001_core.sql``), recorded when applied.
        sql: The file's statements.
    """

    namespace: str
    version: int
    name: str
    sql: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


def load_migrations(source: MigrationSource) -> list[Migration]:
    """Read a source's migration files, in version order.

    Args:
        source: The source to read.

    Returns:
        Its migrations, versions 1 to n.

    Raises:
        MigrationError: If the package cannot be found, a ``.sql`` file is not named
            ``NNNN_name.sql``, or the versions repeat, have gaps or do not start at 1.
    """
    try:
        folder = resources.files(source.package)
    except (ModuleNotFoundError, TypeError) as exc:
        raise MigrationError(
            f"migration source {source.namespace!r}: cannot read package {source.package!r}: {exc}"
        ) from exc
    by_version: dict[int, Migration] = {}
    for entry in folder.iterdir():
        if not entry.is_file() or not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.fullmatch(entry.name)
        if match is None:
            raise MigrationError(
                f"{source.package}: {entry.name!r} is not named like 0001_some_name.sql"
            )
        version = int(match["version"])
        if version in by_version:
            raise MigrationError(
                f"{source.package}: {by_version[version].name} and {entry.name} "
                f"share version {version}"
            )
        by_version[version] = Migration(
            source.namespace, version, entry.name, entry.read_text(encoding="utf-8")
        )
    versions = sorted(by_version)
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(
            f"{source.package}: migration versions must run 1, 2, 3, ... without gaps; "
            f"found {versions}"
        )
    return [by_version[version] for version in versions]


async def apply_migrations(db: Database, sources: Sequence[MigrationSource]) -> list[Migration]:
    """Bring every source's schema up to date.

    All sources are checked before anything is applied. Then each missing migration runs,
    in source order and version order, in its own transaction with its ``schema_migrations``
    row. Namespaces recorded in the database but not passed in are left alone, so a tool
    that knows only some sources can still open the file.

    Args:
        db: The open database.
        sources: The sources, in the order their schemas depend on each other (core first).

    Returns:
        The migrations applied now, in the order they ran; empty when all were applied.

    Raises:
        MigrationError: If two sources share a namespace, a source is malformed (see
            :func:`load_migrations`), an applied migration's file is missing or renamed,
            or a migration fails (it is then rolled back entirely).
    """
    namespaces = [source.namespace for source in sources]
    if len(set(namespaces)) != len(namespaces):
        raise MigrationError(f"migration namespaces must be unique, got {namespaces}")
    # Read every file first: a malformed source then fails before the database is touched.
    loaded = [(source, load_migrations(source)) for source in sources]
    if not loaded:
        return []
    # Create the table only when missing: opening an up-to-date file then needs no write
    # lock, so it does not wait for (or time out on) another process's long transaction.
    if await db.fetch_one(_TABLE_EXISTS) is None:
        await db.execute(_CREATE_TABLE)
    rows = await db.fetch_all("SELECT namespace, version, name FROM schema_migrations")
    recorded: dict[tuple[str, int], str] = {
        (row["namespace"], row["version"]): row["name"] for row in rows
    }
    pending: list[Migration] = []
    for source, migrations in loaded:
        _check_history(source, migrations, recorded)
        pending.extend(m for m in migrations if (m.namespace, m.version) not in recorded)
    plans = [(migration, _statements_of(migration)) for migration in pending]
    # One at a time, in order: a later migration may depend on an earlier one's tables.
    return [
        migration for migration, statements in plans if await _apply_one(db, migration, statements)
    ]


def _check_history(
    source: MigrationSource, migrations: Iterable[Migration], recorded: dict[tuple[str, int], str]
) -> None:
    """Refuse a source whose files no longer match the migrations already applied."""
    files = {migration.version: migration.name for migration in migrations}
    for (namespace, version), name in sorted(recorded.items()):
        if namespace != source.namespace:
            continue
        if version not in files:
            raise MigrationError(
                f"migration {namespace}/{name} (version {version}) was applied to this "
                f"database but {source.package} no longer has it; applied migrations must "
                "never be removed"
            )
        if files[version] != name:
            raise MigrationError(
                f"migration {namespace} version {version} was applied as {name} but "
                f"{source.package} now calls it {files[version]}; applied migrations must "
                "never be renamed"
            )


def _statements_of(migration: Migration) -> list[str]:
    """Split a migration into statements, refusing any that would end its transaction."""
    statements = split_statements(migration.sql)
    for statement in statements:
        if controls_transaction(statement):
            raise MigrationError(
                f"migration {migration} must not manage transactions "
                f"({first_keyword(statement)}); each migration already runs in one"
            )
    return statements


async def _apply_one(db: Database, migration: Migration, statements: Sequence[str]) -> bool:
    """Apply one migration with its record; return ``False`` if another process just did."""
    async with db.transaction() as tx:
        # Checked again under the write lock: another process opening the same file may
        # have applied it since the history was read.
        already = await tx.fetch_one(
            "SELECT 1 FROM schema_migrations WHERE namespace = ? AND version = ?",
            (migration.namespace, migration.version),
        )
        if already is not None:
            return False
        for statement in statements:
            try:
                await tx.execute(statement)
            except sqlite3.Error as exc:
                raise MigrationError(f"migration {migration} failed: {exc}") from exc
        await tx.execute(
            "INSERT INTO schema_migrations (namespace, version, name, applied_at) "
            "VALUES (?, ?, ?, ?)",
            (migration.namespace, migration.version, migration.name, to_db_time(datetime.now(UTC))),
        )
    return True
