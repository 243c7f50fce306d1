"""Find the moderation repositories of whatever storage backend the app opened."""

from __future__ import annotations

from bot.core.cog import Storage
from bot.storage import sqlite_database
from moderation.repositories import ModerationStore
from moderation.sqlite import MODERATION_MIGRATIONS, SqliteModerationStore

MIGRATIONS = (MODERATION_MIGRATIONS,)
"""Migration sources the app applies at start for moderation's tables."""


def store_for(storage: Storage) -> ModerationStore:
    """Return the moderation repositories that live in ``storage``.

    Raises:
        TypeError: If the backend has no moderation repositories.
    """
    return SqliteModerationStore(sqlite_database(storage, "moderation"))
