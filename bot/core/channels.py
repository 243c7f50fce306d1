"""Settings that name a channel: the marker, and finding or rewriting the marked values.

Community managers write channels by name in the config (``staff_channel = "mod-log"``,
or ``"#mod-log"``); on Discord and Slack channels are known by ids. A cog marks each such
setting with :data:`ChannelName` (a plain ``str`` to pydantic and to the cog), and the app
rewrites the marked values into the platform's ids once per start and reload, so cogs keep
comparing and posting with plain ids.

Marked values are found in single fields, lists, tuples, dict values, optional fields and
nested models, so a team route or a schedule inside a cog's settings is covered too.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class ChannelSetting:
    """Mark a setting whose value names a channel (by name or by the platform's id)."""


CHANNEL_SETTING = ChannelSetting()
ChannelName = Annotated[str, CHANNEL_SETTING]
"""A setting that names a channel: ``"mod-log"``, ``"#mod-log"`` or the platform's id.

An empty value means "none", and a value with ``://`` is a URL (a webhook), not a
channel: neither is resolved.
"""

ModelT = TypeVar("ModelT", bound=BaseModel)
KeyPath = tuple[str | int, ...]
"""Keys from a cog's settings down to a value; integers index lists, as pydantic reports."""
Visit = Callable[[KeyPath, str], str]
"""Called with a marked value's path inside the settings and the value; returns its new value."""


def bare_name(name: str) -> str:
    """Return a channel name as written, without the leading ``#`` and surrounding spaces."""
    return name.strip().removeprefix("#").strip()


def names_a_channel(value: str) -> bool:
    """Return whether a marked value is a channel to resolve (not empty, not a URL)."""
    return bool(bare_name(value)) and "://" not in value


def channel_values(settings: BaseModel) -> list[tuple[KeyPath, str]]:
    """Return ``(path, value)`` for every marked value that names a channel, in field order.

    The path is the keys from the settings down (``("teams", "sales", "destination")``,
    ``("raid_channels", 0)``).
    """
    found: list[tuple[KeyPath, str]] = []

    def note(path: KeyPath, value: str) -> str:
        found.append((path, value))
        return value

    _walk_model(settings, (), note)
    return found


def with_channels(settings: ModelT, resolved: Mapping[str, str]) -> ModelT:
    """Return the settings with every marked value that ``resolved`` maps replaced.

    Values ``resolved`` does not name are kept as written.
    """
    return _walk_model(settings, (), lambda _, value: resolved.get(value, value))


def _walk_model(model: ModelT, path: KeyPath, visit: Visit) -> ModelT:
    changes: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if CHANNEL_SETTING in info.metadata:
            new = _visit(value, (*path, name), visit)
        else:
            new = _walk(value, info.annotation, (*path, name), visit)
        if new is not value:
            changes[name] = new
    # Frozen settings: a copy with the new values; the original stays as the config read it.
    return model.model_copy(update=changes) if changes else model


def _visit(value: Any, path: KeyPath, visit: Visit) -> Any:
    if not isinstance(value, str) or not names_a_channel(value):
        return value
    new = visit(path, value)
    return value if new == value else new


def _walk(value: Any, annotation: Any, path: KeyPath, visit: Visit) -> Any:
    if isinstance(value, BaseModel):
        return _walk_model(value, path, visit)
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        if CHANNEL_SETTING in args[1:]:
            return _visit(value, path, visit)
        return _walk(value, args[0], path, visit)
    if origin is Union or origin is types.UnionType:
        if value is None:
            return value
        for arg in args:
            if arg is not type(None):
                new = _walk(value, arg, path, visit)
                if new is not value:
                    return new
        return value
    if isinstance(value, list | tuple) and args:
        item = args[0]
        items = [_walk(v, item, (*path, i), visit) for i, v in enumerate(value)]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict) and len(args) == 2:
        entries = {k: _walk(v, args[1], (*path, str(k)), visit) for k, v in value.items()}
        if all(entries[k] is v for k, v in value.items()):
            return value
        return entries
    return value
