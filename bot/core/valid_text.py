r"""Text that every part of Steward can store, score and send: no lone surrogates.

JSON may carry a lone UTF-16 surrogate (``"\ud800"``), and Python's JSON readers (discord.py's,
bolt's, the scenario reader's) turn it into a ``str`` that UTF-8 cannot encode. SQLite
refuses such text: a member who put one in a message made the guidelines fail on it when
they stored its case, so the message went unjudged, and a modmail line or a moderator's
reason with one was lost. Storage stores U+FFFD in its place (``bot.storage.database``).

Events are not cleaned where they enter: walking every field of every event cost about
10 µs each, a third of the bus's time per event and a tenth of a judged Discord message's,
for text that the rules and the classifiers read as it is; what Steward prints of it
(``steward simulate``) goes through :func:`valid_text`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")

_SURROGATE = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


def valid_text(text: str) -> str:
    """Return the text with each lone surrogate replaced by U+FFFD (the same text if none)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_REPLACEMENT, text)


def valid_values(value: T) -> T:
    """Return ``value`` with :func:`valid_text` applied to every string inside it.

    Dataclasses (events, messages, members, refs), tuples, lists, frozensets and mappings
    are walked; a value with nothing to replace comes back as the same object.
    """
    return _valid(value)  # type: ignore[no-any-return]


_FIELDS: dict[type, tuple[str, ...]] = {}
"""Each dataclass's field names, read once: events enter at every message."""
_PLAIN = (int, float, datetime, type(None))


def _valid(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return valid_text(value)
    if kind in _PLAIN or isinstance(value, _PLAIN):
        return value
    names = _FIELDS.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(spec.name for spec in fields(value))
    if names is not None:
        changed = {}
        for name in names:
            old = getattr(value, name)
            new = _valid(old)
            if new is not old:
                changed[name] = new
        return replace(value, **changed) if changed else value
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, tuple | frozenset | list):
        if not value:
            return value
        items = [_valid(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, Mapping):
        pairs = {_valid(key): _valid(item) for key, item in value.items()}
        if all(k in value and value[k] is v for k, v in pairs.items()):
            return value
        return MappingProxyType(pairs) if isinstance(value, MappingProxyType) else pairs
    return value
