"""Message signals: a few facts about a text's shape that spam leans on.

Spam asks the reader to act: call or text a number, pay a price, follow a link, and it
says so at length. Character n-grams see the digits of one number but not that a text
carries a number at all, so the spam stack weighs these facts beside the lexical and
encoder votes. Each is a plain regular expression over folded text, cheap at serving.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from policies.classifiers.heads import FloatArray

_NUMBER = re.compile(r"\d{5,}")
_PRICE = re.compile(r"[£$€]\s?\d|\b\d+(?:\.\d+)?\s?(?:p|gbp|usd|eur)\b")
_LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|net|org|co|gg|ly|io)\b")
_LONG = 300
"""Characters beyond which a text counts as no longer."""

SIGNALS: dict[str, Callable[[str], float]] = {
    "number": lambda text: float(_NUMBER.search(text) is not None),
    "price": lambda text: float(_PRICE.search(text) is not None),
    "link": lambda text: float(_LINK.search(text) is not None),
    "length": lambda text: min(len(text), _LONG) / 100.0,
}
"""The signals by name: a phone or short-code number, a price, a link, the length."""
SPAM_SIGNALS = ("number", "price", "link", "length")


def signal_rows(texts: Sequence[str], names: Sequence[str]) -> FloatArray:
    """Return one row per folded text with the named signals, shape ``(len(texts), len(names))``.

    Raises:
        KeyError: If a name is not one of :data:`SIGNALS`.
    """
    measures = [SIGNALS[name] for name in names]
    return np.array(
        [[measure(text) for measure in measures] for text in texts], dtype=np.float32
    ).reshape(len(texts), len(names))
