"""The moderation schema's migrations carry a database of an earlier version forward."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from bot.core.refs import Ref
from bot.storage import Database
from moderation.cases import AppealStatus
from moderation.sqlite import MODERATION_MIGRATIONS, SqliteAppeals
from tests.bot.storage.conftest import MigrationPackages

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
ALICE = Ref("local", "alice")


async def test_appeals_of_version_3_keep_their_rows_and_may_end_pardoned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A database as Steward left it before 0004: the same files, up to version 3.
    root = tmp_path / "packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    shipped = resources.files(MODERATION_MIGRATIONS.package)
    old = MigrationPackages(root).make(
        {
            name: shipped.joinpath(name).read_text(encoding="utf-8")
            for name in (
                "0001_moderation.sql",
                "0002_labelled_examples.sql",
                "0003_review_cards.sql",
            )
        },
        namespace="moderation",
    )
    path = tmp_path / "steward.db"
    db = await Database.open(path, migrations=[old.source])
    await db.execute(
        "INSERT INTO cases (community, number, member, rule, severity, reason, actor, status, "
        "created_at) VALUES ('local:acme', 1, 'local:alice', NULL, 'low', 'rude', 'mod1', "
        "'appealed', '2026-03-02T09:00:00+00:00')"
    )
    appeals = SqliteAppeals(db)
    first = await appeals.open(1, ALICE, "it was a quote", NOW)
    await appeals.decide(first.id, AppealStatus.UPHELD, "mod2", "no", NOW)
    waiting = await appeals.open(1, ALICE, "please", NOW)
    await db.close()

    db = await Database.open(path, migrations=[MODERATION_MIGRATIONS])
    try:
        appeals = SqliteAppeals(db)
        kept = await appeals.for_case(1)
        assert [(a.id, a.status, a.reason) for a in kept] == [
            (first.id, AppealStatus.UPHELD, "it was a quote"),
            (waiting.id, AppealStatus.OPEN, "please"),
        ]
        # Still one open appeal per case, and ids go on from the last one.
        with pytest.raises(ValueError, match="already has an open appeal"):
            await appeals.open(1, ALICE, "again", NOW)
        await appeals.decide(waiting.id, AppealStatus.PARDONED, "mod1", "first time", NOW)
        after = await appeals.open(1, ALICE, "later", NOW)
        assert after.id == waiting.id + 1
        assert (await appeals.for_case(1))[1].status is AppealStatus.PARDONED
    finally:
        await db.close()
