"""The core schema's SQL migrations (``0001_core.sql``, ...), applied by :mod:`bot.storage.migrate`.

Files here are history: once released, a file is never edited, renamed or removed; a
change to the schema is a new file with the next number.
"""
