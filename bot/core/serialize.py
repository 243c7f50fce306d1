"""Turn actions into JSON-compatible data and back, so they can be stored and retried.

Refs become ``"platform:id"`` text, durations become seconds, buttons become objects.
The action's kind (``delete_message``) names its type.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import timedelta
from functools import cache
from typing import Any

from bot.core._naming import snake_case
from bot.core.actions import Action, Button, ButtonStyle
from bot.core.refs import Ref


@cache
def action_types() -> dict[str, type[Action]]:
    """Return every action type of the core by its kind."""
    found: dict[str, type[Action]] = {}
    pending: list[type[Action]] = [Action]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            found[_kind(sub)] = sub
            pending.append(sub)
    return found


def _kind(cls: type[Action]) -> str:
    return snake_case(cls.__name__)


def action_to_data(action: Action) -> dict[str, Any]:
    """Return an action as JSON-compatible data, with its kind under ``"kind"``."""
    data: dict[str, Any] = {"kind": action.kind}
    for spec in dataclasses.fields(action):
        data[spec.name] = _encode(getattr(action, spec.name))
    return data


def action_from_data(data: dict[str, Any]) -> Action:
    """Rebuild an action from :func:`action_to_data` output.

    Raises:
        ValueError: If the kind is unknown or a field is missing or malformed.
    """
    kind = data.get("kind")
    cls = action_types().get(str(kind))
    if cls is None:
        raise ValueError(f"unknown action kind {kind!r}")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(cls):
        if spec.name in data:
            values[spec.name] = _decode(hints[spec.name], data[spec.name])
    try:
        return cls(**values)
    except TypeError as error:
        raise ValueError(f"malformed {kind} action: {error}") from error


def _encode(value: Any) -> Any:
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Button):
        encoded = {
            "target": value.target,
            "choice": value.choice,
            "label": value.label,
            "style": value.style.value,
        }
        if value.asks_reason:
            encoded["asks_reason"] = value.asks_reason
        return encoded
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    base = hint
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        base = next(a for a in typing.get_args(hint) if a is not type(None))
    origin = typing.get_origin(base)
    if base is Ref:
        return Ref.parse(str(value))
    if base is timedelta:
        return timedelta(seconds=float(value))
    if origin is tuple:
        (item,) = typing.get_args(base)[:1]
        return tuple(_decode(item, v) for v in value)
    if base is Button:
        return Button(
            target=value["target"],
            choice=value["choice"],
            label=value["label"],
            style=ButtonStyle(value["style"]),
            asks_reason=str(value.get("asks_reason", "")),
        )
    return value
