"""Read just enough SQL text to split scripts and spot transaction control."""

from __future__ import annotations

import re
import sqlite3

_LEADING_NOISE = re.compile(r"(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
_WORD = re.compile(r"\w+")
_ROLLBACK_TO = re.compile(r"ROLLBACK(?:\s+TRANSACTION)?\s+TO\b", re.IGNORECASE)
_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK"})


def split_statements(script: str) -> list[str]:
    """Split SQL text into single statements, dropping empty and comment-only ones.

    Semicolons inside string literals, comments and trigger bodies do not split, because
    a piece is cut only where SQLite itself considers the statement complete.

    Args:
        script: Statements separated by ``;``; the last one may omit it.

    Returns:
        The statements, each ending with ``;``.
    """
    statements: list[str] = []
    buffer = ""
    *pieces, rest = script.split(";")
    for piece in pieces:
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    tail = (buffer + rest).strip()
    if tail:
        statements.append(tail if tail.endswith(";") else tail + ";")
    return [statement for statement in statements if first_keyword(statement) is not None]


def first_keyword(statement: str) -> str | None:
    """Return a statement's first word, upper-cased, skipping whitespace and comments."""
    match = _WORD.match(_strip_leading_noise(statement))
    return match[0].upper() if match is not None else None


def controls_transaction(statement: str) -> bool:
    """Return whether a statement begins, commits or rolls back a transaction.

    ``SAVEPOINT``, ``RELEASE`` and ``ROLLBACK TO`` nest inside a transaction and do not
    count.
    """
    keyword = first_keyword(statement)
    if keyword == "ROLLBACK" and _ROLLBACK_TO.match(_strip_leading_noise(statement)):
        return False
    return keyword in _TRANSACTION_CONTROL


def _strip_leading_noise(statement: str) -> str:
    """Return the statement without its leading whitespace and comments."""
    match = _LEADING_NOISE.match(statement)
    return statement[match.end() :] if match is not None else statement
