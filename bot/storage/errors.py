"""Errors of the storage that a person can fix, kept light for the command line to catch."""

from __future__ import annotations

import sqlite3


class DatabaseUnavailable(sqlite3.DatabaseError):
    """The database file cannot be opened: no such folder, no permission, or not SQLite."""
