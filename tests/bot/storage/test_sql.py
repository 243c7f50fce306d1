"""Reading SQL text: splitting scripts and spotting transaction control."""

from __future__ import annotations

import pytest

from bot.storage._sql import controls_transaction, first_keyword, split_statements


def test_split_statements_respects_literals_comments_and_triggers() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE a (x TEXT DEFAULT 'semi;colon');
    /* block; comment */
    CREATE TRIGGER a_ins AFTER INSERT ON a BEGIN
        UPDATE a SET x = 'y;' WHERE rowid = new.rowid;
    END;
    ;;
    INSERT INTO a (x) VALUES ('last')
    -- trailing comment only
    """
    statements = split_statements(script)
    assert len(statements) == 3
    assert "semi;colon" in statements[0]
    assert statements[1].startswith("/* block; comment */")
    assert statements[1].endswith("END;")
    assert statements[2].startswith("INSERT")
    assert statements[2].endswith(";")


def test_split_statements_of_comments_only_is_empty() -> None:
    assert split_statements("-- nothing here\n/* nor here */\n") == []
    assert split_statements("") == []


def test_first_keyword_skips_comments() -> None:
    assert first_keyword("  -- note\n /* more */ select 1") == "SELECT"
    assert first_keyword("-- only a comment") is None


@pytest.mark.parametrize(
    ("statement", "controls"),
    [
        ("BEGIN", True),
        ("begin immediate;", True),
        ("COMMIT", True),
        ("END TRANSACTION", True),
        ("-- why\nrollback;", True),
        ("ROLLBACK TRANSACTION", True),
        ("ROLLBACK TO sp", False),
        ("rollback transaction to savepoint sp", False),
        ("SAVEPOINT sp", False),
        ("RELEASE sp", False),
        ("INSERT INTO t VALUES ('COMMIT')", False),
        ("SELECT 1", False),
    ],
)
def test_controls_transaction(statement: str, *, controls: bool) -> None:
    assert controls_transaction(statement) is controls
