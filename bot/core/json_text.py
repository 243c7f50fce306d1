"""Parse JSON that people or other programs wrote, with one kind of error for every fault.

``json.loads`` raises ``JSONDecodeError`` for text that is not JSON, but ``RecursionError``
for text nested deeper than Python's stack allows (a line of 100,000 ``[``): that one
escaped every caller's handling as a traceback.
"""

from __future__ import annotations

import json
from typing import Any


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
        raise NotJson("nested too deeply") from error
