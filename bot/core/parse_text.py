"""Parse JSON and TOML that people or other programs wrote, with one error for every fault.

``json.loads`` and ``tomllib.loads`` raise their decode errors for text that is not JSON or
TOML, but ``RecursionError`` for text nested deeper than Python's stack allows (a line of
100,000 ``[``, or 5,000 in TOML): that one escaped every caller's handling as a traceback.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

TOO_DEEP = "nested too deeply"


class NotJson(ValueError):
    """Text that is not JSON, or JSON nested too deeply to read; the message says which."""


def parse_json(text: str) -> Any:
    """Return the value a JSON text holds.

    Raises:
        NotJson: If the text is not JSON (the message names the fault and its column) or
            is nested too deeply to read.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise NotJson(f"{error.msg} (column {error.colno})") from error
    except RecursionError as error:
        raise NotJson(TOO_DEEP) from error


def parse_toml(text: str) -> dict[str, Any]:
    """Return the table a TOML text holds.

    Raises:
        tomllib.TOMLDecodeError: If the text is not TOML (the message names the line) or
            is nested too deeply to read.
    """
    try:
        return tomllib.loads(text)
    except RecursionError as error:
        raise tomllib.TOMLDecodeError(TOO_DEEP) from error
