"""Read the text files people write: configuration, policies, histories, decisions."""

from __future__ import annotations

from pathlib import Path

READ_ENCODING = "utf-8-sig"
"""UTF-8, with or without the byte-order mark Windows tools write first.

Notepad before 2019 and Windows PowerShell 5 (``Out-File -Encoding utf8``) start a UTF-8
file with one; read as plain UTF-8 it became a stray character that made a configuration
"not TOML" at line 1, a history's first line "not JSON", and a token file's token wrong."""


def read_text(path: Path | str) -> str:
    """Return a text file's content, without a byte-order mark if it has one.

    Raises:
        OSError: If the file cannot be read.
        UnicodeDecodeError: If it is not UTF-8.
    """
    return Path(path).read_text(encoding=READ_ENCODING)
