"""Storage: the SQLite connection, versioned migrations, the single writer and repositories."""
