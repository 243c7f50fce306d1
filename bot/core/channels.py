"""Settings that name a channel or a role: the markers, and finding or rewriting the values.

Community managers write channels and roles by name in the config (``staff_channel =
"mod-log"`` or ``"#mod-log"``, ``on_call = "on-call"``); on Discord and Slack both are
known by ids. A cog marks each such setting with :data:`ChannelName` or :data:`RoleName`
(a plain ``str`` to pydantic and to the cog), and the app rewrites the marked values once
per start and reload: a channel into the platform's channel id, a role into the text that
mentions it there (``<@&ID>`` on Discord, ``<!subteam^ID>`` on Slack). Cogs keep comparing,
posting and pinging with plain strings.

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
class NamedSetting:
    """Mark a setting whose value names something the platform knows by an id.

    Attributes:
        kind: ``"channel"`` or ``"role"``.
    """

    kind: str


CHANNEL_SETTING = NamedSetting("channel")
ROLE_SETTING = NamedSetting("role")
ChannelName = Annotated[str, CHANNEL_SETTING]
"""A setting that names a channel: ``"mod-log"``, ``"#mod-log"`` or the platform's id.

An empty value means "none", and a value with ``://`` is a URL (a webhook), not a
channel: neither is resolved.
"""
RoleName = Annotated[str, ROLE_SETTING]
"""A setting that names a role to mention (a Slack user group's handle on Slack).

``"on-call"`` or ``"@on-call"`` is resolved into the platform's mention; an empty value
means "nobody", and a value already written as a mention (``<@&ID>``, ``<!subteam^ID>``)
or as ``@here`` / ``@everyone`` is kept as it is.
"""
# What platforms write for everyone present: no role to look up.
_BROADCASTS = frozenset({"@here", "@everyone", "@channel"})

ModelT = TypeVar("ModelT", bound=BaseModel)
KeyPath = tuple[str | int, ...]
"""Keys from a cog's settings down to a value; integers index lists, as pydantic reports."""
Visit = Callable[[KeyPath, str], str]
"""Called with a marked value's path inside the settings and the value; returns its new value."""


def bare_name(name: str) -> str:
    """Return a channel name as written, without the leading ``#`` and surrounding spaces."""
    return name.strip().removeprefix("#").strip()


def bare_role(name: str) -> str:
    """Return a role name as written, without the leading ``@`` and surrounding spaces."""
    return name.strip().removeprefix("@").strip()


def names_a_channel(value: str) -> bool:
    """Return whether a marked value is a channel to resolve (not empty, not a URL)."""
    return bool(bare_name(value)) and "://" not in value


def names_a_role(value: str) -> bool:
    """Return whether a marked value is a role to resolve (not empty, not yet a mention)."""
    written = value.strip()
    return bool(bare_role(written)) and not written.startswith("<") and written not in _BROADCASTS


def named_values(settings: BaseModel, marker: NamedSetting) -> list[tuple[KeyPath, str]]:
    """Return ``(path, value)`` for every value ``marker`` marks that needs resolving.

    Values are in field order; the path is the keys from the settings down
    (``("teams", "sales", "destination")``, ``("raid_channels", 0)``).
    """
    found: list[tuple[KeyPath, str]] = []

    def note(path: KeyPath, value: str) -> str:
        found.append((path, value))
        return value

    _walk_model(settings, (), marker, note)
    return found


def with_names(settings: ModelT, marker: NamedSetting, resolved: Mapping[str, str]) -> ModelT:
    """Return the settings with every value ``marker`` marks and ``resolved`` maps replaced.

    Values ``resolved`` does not name are kept as written.
    """
    return _walk_model(settings, (), marker, lambda _, value: resolved.get(value, value))


def channel_values(settings: BaseModel) -> list[tuple[KeyPath, str]]:
    """Return ``(path, value)`` for every marked value that names a channel, in field order."""
    return named_values(settings, CHANNEL_SETTING)


def with_channels(settings: ModelT, resolved: Mapping[str, str]) -> ModelT:
    """Return the settings with every channel name that ``resolved`` maps replaced."""
    return with_names(settings, CHANNEL_SETTING, resolved)


_NEEDS_LOOKUP: dict[NamedSetting, Callable[[str], bool]] = {
    CHANNEL_SETTING: names_a_channel,
    ROLE_SETTING: names_a_role,
}


def _walk_model(model: ModelT, path: KeyPath, marker: NamedSetting, visit: Visit) -> ModelT:
    changes: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if marker in info.metadata:
            new = _visit(value, (*path, name), marker, visit)
        else:
            new = _walk(value, info.annotation, (*path, name), marker, visit)
        if new is not value:
            changes[name] = new
    # Frozen settings: a copy with the new values; the original stays as the config read it.
    return model.model_copy(update=changes) if changes else model


def _visit(value: Any, path: KeyPath, marker: NamedSetting, visit: Visit) -> Any:
    if not isinstance(value, str) or not _NEEDS_LOOKUP[marker](value):
        return value
    new = visit(path, value)
    return value if new == value else new


def _walk(value: Any, annotation: Any, path: KeyPath, marker: NamedSetting, visit: Visit) -> Any:
    if isinstance(value, BaseModel):
        return _walk_model(value, path, marker, visit)
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        if marker in args[1:]:
            return _visit(value, path, marker, visit)
        return _walk(value, args[0], path, marker, visit)
    if origin is Union or origin is types.UnionType:
        if value is None:
            return value
        for arg in args:
            if arg is not type(None):
                new = _walk(value, arg, path, marker, visit)
                if new is not value:
                    return new
        return value
    if isinstance(value, list | tuple) and args:
        item = args[0]
        items = [_walk(v, item, (*path, i), marker, visit) for i, v in enumerate(value)]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict) and len(args) == 2:
        entries = {k: _walk(v, args[1], (*path, str(k)), marker, visit) for k, v in value.items()}
        if all(entries[k] is v for k, v in value.items()):
            return value
        return entries
    return value
