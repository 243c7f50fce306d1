"""Fixtures of the storage tests: databases in temp files, throwaway migration packages."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.storage import Database, MigrationSource


@dataclass(frozen=True)
class TempPackage:
    """A migration package written to disk for one test."""

    source: MigrationSource
    folder: Path


@dataclass
class MigrationPackages:
    """Write importable packages of migration files under a folder on ``sys.path``."""

    root: Path
    names: list[str] = field(default_factory=list)

    def make(self, files: Mapping[str, str], *, namespace: str = "test") -> TempPackage:
        # A fresh package name per call: importlib caches packages by name.
        name = f"steward_test_migrations_{uuid.uuid4().hex}"
        folder = self.root / name
        folder.mkdir()
        (folder / "__init__.py").write_text("", encoding="utf-8")
        for file_name, sql in files.items():
            (folder / file_name).write_text(sql, encoding="utf-8")
        self.names.append(name)
        return TempPackage(MigrationSource(namespace=namespace, package=name), folder)


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MigrationPackages]:
    root = tmp_path / "packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    maker = MigrationPackages(root)
    yield maker
    for name in maker.names:
        sys.modules.pop(name, None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "steward.db"


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(db_path)
    await database.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, writer TEXT, n INTEGER)")
    yield database
    await database.close()
