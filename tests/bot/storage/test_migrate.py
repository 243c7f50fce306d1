"""Migrations: loading files, applying them once, refusing a rewritten history."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import (
    CORE_MIGRATIONS,
    Database,
    MigrationError,
    MigrationSource,
    apply_migrations,
    load_migrations,
)
from tests.bot.storage.conftest import MigrationPackages

FIRST = "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
SECOND = "ALTER TABLE widgets ADD COLUMN colour TEXT;\nCREATE INDEX widgets_name ON widgets (name);"


async def tables(db: Database) -> set[str]:
    rows = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row["name"] for row in rows}


async def history(db: Database) -> list[tuple[str, int, str]]:
    rows = await db.fetch_all(
        "SELECT namespace, version, name FROM schema_migrations ORDER BY namespace, version"
    )
    return [(row["namespace"], row["version"], row["name"]) for row in rows]


def test_core_source_loads() -> None:
    migrations = load_migrations(CORE_MIGRATIONS)
    assert [m.name for m in migrations] == ["0001_core.sql", "0002_handoffs.sql"]
    assert migrations[0].namespace == "core"
    assert migrations[0].version == 1
    assert str(migrations[0]) == "core/0001_core.sql"


def test_load_ignores_other_files_and_sorts(packages: MigrationPackages) -> None:
    package = packages.make({"0002_second.sql": SECOND, "0001_first.sql": FIRST, "README.md": ""})
    assert [m.version for m in load_migrations(package.source)] == [1, 2]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"0001_first.sql": FIRST, "0003_third.sql": FIRST}, "without gaps"),
        ({"0002_second.sql": FIRST}, "without gaps"),
        ({"0000_zero.sql": FIRST}, "without gaps"),
        ({"0001_first.sql": FIRST, "0001_again.sql": FIRST}, "share version 1"),
        ({"1_first.sql": FIRST}, "is not named like"),
        ({"0001-first.sql": FIRST}, "is not named like"),
    ],
)
def test_load_refuses_malformed_sources(
    packages: MigrationPackages, files: dict[str, str], message: str
) -> None:
    package = packages.make(files)
    with pytest.raises(MigrationError, match=message):
        load_migrations(package.source)


def test_load_refuses_a_missing_package() -> None:
    source = MigrationSource(namespace="ghost", package="steward_no_such_package_anywhere")
    with pytest.raises(MigrationError, match="cannot read package"):
        load_migrations(source)


def test_source_needs_names() -> None:
    with pytest.raises(ValueError, match="namespace"):
        MigrationSource(namespace="", package="x")
    with pytest.raises(ValueError, match="package"):
        MigrationSource(namespace="x", package="")


async def test_apply_from_an_empty_file_then_reopen_applies_nothing(
    packages: MigrationPackages, db_path: Path
) -> None:
    package = packages.make({"0001_first.sql": FIRST, "0002_second.sql": SECOND})
    sources = [CORE_MIGRATIONS, package.source]
    async with await Database.open(db_path) as db:
        applied = await apply_migrations(db, sources)
        assert [str(m) for m in applied] == [
            "core/0001_core.sql",
            "core/0002_handoffs.sql",
            "test/0001_first.sql",
            "test/0002_second.sql",
        ]
        assert {"audit_log", "event_ledger", "cog_state", "handoffs", "widgets"} <= await tables(db)
        await db.execute("INSERT INTO widgets (name, colour) VALUES ('w', 'red')")
    async with await Database.open(db_path) as db:
        assert await apply_migrations(db, sources) == []
        assert await history(db) == [
            ("core", 1, "0001_core.sql"),
            ("core", 2, "0002_handoffs.sql"),
            ("test", 1, "0001_first.sql"),
            ("test", 2, "0002_second.sql"),
        ]
        row = await db.fetch_one("SELECT applied_at FROM schema_migrations LIMIT 1")
        assert row is not None
        assert row["applied_at"].endswith("+00:00")


async def test_open_applies_its_migrations(packages: MigrationPackages, db_path: Path) -> None:
    package = packages.make({"0001_first.sql": FIRST})
    async with await Database.open(db_path, migrations=[package.source]) as db:
        assert "widgets" in await tables(db)
        assert await history(db) == [("test", 1, "0001_first.sql")]


async def test_a_new_file_is_applied_on_the_next_open(
    packages: MigrationPackages, db_path: Path
) -> None:
    package = packages.make({"0001_first.sql": FIRST})
    async with await Database.open(db_path, migrations=[package.source]):
        pass
    (package.folder / "0002_second.sql").write_text(SECOND, encoding="utf-8")
    async with await Database.open(db_path) as db:
        applied = await apply_migrations(db, [package.source])
        assert [m.name for m in applied] == ["0002_second.sql"]


async def test_renamed_applied_migration_is_refused(
    packages: MigrationPackages, db_path: Path
) -> None:
    package = packages.make({"0001_first.sql": FIRST})
    async with await Database.open(db_path, migrations=[package.source]):
        pass
    (package.folder / "0001_first.sql").rename(package.folder / "0001_renamed.sql")
    with pytest.raises(MigrationError, match="never be renamed"):
        await Database.open(db_path, migrations=[package.source])


async def test_missing_applied_migration_is_refused(
    packages: MigrationPackages, db_path: Path
) -> None:
    package = packages.make({"0001_first.sql": FIRST, "0002_second.sql": SECOND})
    async with await Database.open(db_path, migrations=[package.source]):
        pass
    (package.folder / "0002_second.sql").unlink()
    with pytest.raises(MigrationError, match="never be removed"):
        await Database.open(db_path, migrations=[package.source])


async def test_refusal_happens_before_anything_is_applied(
    packages: MigrationPackages, db_path: Path
) -> None:
    good = packages.make({"0001_first.sql": FIRST}, namespace="good")
    broken = packages.make({"0002_gap.sql": FIRST}, namespace="broken")
    with pytest.raises(MigrationError, match="without gaps"):
        await Database.open(db_path, migrations=[good.source, broken.source])
    async with await Database.open(db_path) as db:
        assert await tables(db) == set()


async def test_failing_migration_leaves_nothing_behind(
    packages: MigrationPackages, db_path: Path
) -> None:
    package = packages.make(
        {
            "0001_first.sql": FIRST,
            "0002_broken.sql": (
                "CREATE TABLE half (id INTEGER PRIMARY KEY);\n"
                "INSERT INTO half (id) VALUES (1);\n"
                "INSERT INTO no_such_table VALUES (1);\n"
            ),
        }
    )
    with pytest.raises(MigrationError, match=r"0002_broken\.sql failed"):
        await Database.open(db_path, migrations=[package.source])
    async with await Database.open(db_path) as db:
        # The first migration stands; the broken one left neither its table nor its record.
        assert await history(db) == [("test", 1, "0001_first.sql")]
        assert "half" not in await tables(db)
        assert "widgets" in await tables(db)


async def test_migration_managing_transactions_is_refused(
    packages: MigrationPackages, db_path: Path
) -> None:
    package = packages.make(
        {"0001_first.sql": FIRST, "0002_second.sql": "COMMIT;\nCREATE TABLE t (x);"}
    )
    with pytest.raises(MigrationError, match="must not manage transactions"):
        await Database.open(db_path, migrations=[package.source])
    async with await Database.open(db_path) as db:
        # Checked before anything ran: not even the good first migration was applied.
        assert "widgets" not in await tables(db)


async def test_duplicate_namespaces_are_refused(packages: MigrationPackages, db_path: Path) -> None:
    first = packages.make({"0001_first.sql": FIRST}, namespace="same")
    second = packages.make({"0001_first.sql": FIRST}, namespace="same")
    with pytest.raises(MigrationError, match="unique"):
        await Database.open(db_path, migrations=[first.source, second.source])


async def test_unknown_recorded_namespaces_are_left_alone(
    packages: MigrationPackages, db_path: Path
) -> None:
    other = packages.make({"0001_first.sql": FIRST}, namespace="other")
    async with await Database.open(db_path, migrations=[CORE_MIGRATIONS, other.source]):
        pass
    # A tool that knows only the core can still open the file.
    async with await Database.open(db_path, migrations=[CORE_MIGRATIONS]) as db:
        assert ("other", 1, "0001_first.sql") in await history(db)


async def test_opening_an_up_to_date_file_needs_no_write_lock(
    packages: MigrationPackages, db_path: Path
) -> None:
    package = packages.make({"0001_first.sql": FIRST})
    writer = await Database.open(db_path, migrations=[package.source])
    # Another process holding a long write transaction must not stop a restart.
    async with writer, writer.transaction() as tx:
        await tx.execute("INSERT INTO widgets (name) VALUES ('w')")
        async with await Database.open(
            db_path, migrations=[package.source], busy_timeout_ms=50
        ) as reopened:
            assert await history(reopened) == [("test", 1, "0001_first.sql")]
