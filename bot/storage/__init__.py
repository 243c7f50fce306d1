"""Storage: the SQLite connection, versioned migrations, the single writer and repositories."""

from bot.storage.database import (
    Database,
    ExecuteResult,
    Params,
    Row,
    Transaction,
    TransactionAbortedError,
)
from bot.storage.migrate import (
    CORE_MIGRATIONS,
    Migration,
    MigrationError,
    MigrationSource,
    apply_migrations,
    load_migrations,
)
from bot.storage.sqlite import (
    SqliteAuditLog,
    SqliteCogState,
    SqliteEventLedger,
    SqliteStorage,
    sqlite_database,
)

__all__ = [
    "CORE_MIGRATIONS",
    "Database",
    "ExecuteResult",
    "Migration",
    "MigrationError",
    "MigrationSource",
    "Params",
    "Row",
    "SqliteAuditLog",
    "SqliteCogState",
    "SqliteEventLedger",
    "SqliteStorage",
    "Transaction",
    "TransactionAbortedError",
    "apply_migrations",
    "load_migrations",
    "sqlite_database",
]
