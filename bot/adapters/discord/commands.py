"""Register a community's commands as Discord application commands, synced only on change.

Steward names commands by paths (``"case show"``); Discord nests them: a top-level
command, an optional group, a subcommand. A path that is also the prefix of others
(``appeal`` beside ``appeal decide``) is registered as ``appeal open``. Context menus
map to commands too: "History" on a member runs ``history``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.commands import CommandSpec, OptionSpec, OptionType
from bot.core.community import Permission

LEAF_BESIDE_GROUP = "open"
"""The subcommand name of a path that is also a group (``/appeal open``)."""

CHAT_INPUT, USER_MENU, MESSAGE_MENU = 1, 2, 3
SUBCOMMAND, GROUP = 1, 2
_OPTION_TYPES = {
    OptionType.STRING: 3,
    OptionType.INTEGER: 4,
    OptionType.BOOLEAN: 5,
    OptionType.MEMBER: 6,
    OptionType.CHANNEL: 7,
    OptionType.NUMBER: 10,
    OptionType.DURATION: 3,  # "10m", "1h": parsed by Steward
}
# Who sees a command in Discord's picker before Steward's own check runs.
_DEFAULT_PERMISSIONS = {
    Permission.EVERYONE: None,
    Permission.MODERATOR: str(1 << 40),  # Moderate Members
    Permission.ADMIN: str(1 << 5),  # Manage Server
}
# Context menu name -> (command it runs, option that receives the target).
CONTEXT_MENUS = {
    "History": (USER_MENU, "history", "member"),
    "Report to moderators": (MESSAGE_MENU, "report", "message"),
}


# Menus members use, named in their Discord's language (Discord locale -> name).
MENU_NAMES: Mapping[str, Mapping[str, str]] = {
    "Report to moderators": {
        "fr": "Signaler aux modérateurs",
        "nl": "Melden bij moderators",
        "da": "Anmeld til moderatorer",
        "pl": "Zgłoś moderatorom",
        "ja": "モデレーターに報告",
    },
}
# Steward's language codes that Discord spells otherwise (its locales: "en-US", "sv-SE"...).
_DISCORD_LOCALES = {"en": "en-US", "sv": "sv-SE", "es": "es-ES", "pt": "pt-BR", "zh": "zh-CN"}


def autocompletes(spec: CommandSpec, option: OptionSpec) -> str | None:
    """Return what an option completes from, if anything.

    ``cog`` (the command's cog offers the values, see
    :class:`~bot.core.commands.CompletedBy`), ``case``, ``rule``, ``duration`` or ``banned``.
    """
    if option.completed_by:
        return "cog"
    if option.type is OptionType.DURATION:
        return "duration"
    if spec.name == "unban" and option.name == "member":
        # Nobody banned is in the server for Discord's user picker to offer.
        return "banned"
    if option.name == "rule":
        return "rule"
    if option.name == "case" or (option.name == "number" and spec.name.startswith("case ")):
        return "case"
    return None


def _option(spec: CommandSpec, option: OptionSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": _OPTION_TYPES[option.type],
        "name": option.name,
        "description": (option.description or option.name)[:100],
        "required": option.required,
    }
    if autocompletes(spec, option):
        data["autocomplete"] = True
    return data


def _leaf(word: str, spec: CommandSpec) -> dict[str, Any]:
    # Discord wants required options before optional ones.
    options = sorted(spec.options, key=lambda o: not o.required)
    leaf = {
        "type": SUBCOMMAND,
        "name": word,
        "description": spec.description[:100],
        "options": [_option(spec, o) for o in options],
    }
    if spec.translations:
        # Members whose Discord speaks French see the French description in the picker.
        leaf["description_localizations"] = _localized(spec)
    return leaf


def _localized(spec: CommandSpec) -> dict[str, str]:
    """Return a command's translated descriptions by Discord locale."""
    return {_DISCORD_LOCALES.get(lang, lang): text[:100] for lang, text in spec.translations}


@dataclass(slots=True)
class _Node:
    spec: CommandSpec | None = None
    children: dict[str, _Node] = field(default_factory=dict)

    def least_permission(self) -> Permission:
        found = [self.spec.permission] if self.spec else []
        found += [c.least_permission() for c in self.children.values()]
        return min(found, default=Permission.EVERYONE)


@dataclass(frozen=True, slots=True)
class ApplicationCommands:
    """A community's application commands and how Discord paths map back to Steward's.

    Attributes:
        payload: The JSON for a bulk overwrite of the guild's commands.
        aliases: Discord path -> Steward command name, where they differ.
    """

    payload: list[dict[str, Any]]
    aliases: Mapping[str, str]

    @property
    def digest(self) -> str:
        """Return a hash of the payload, to sync only when it changed."""
        text = json.dumps(self.payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def application_commands(specs: Iterable[CommandSpec]) -> ApplicationCommands:
    """Return the application commands for a community's command specs."""
    by_name = {s.name: s for s in specs}
    root: dict[str, _Node] = {}
    for spec in by_name.values():
        words = spec.name.split()
        node = root.setdefault(words[0], _Node())
        for word in words[1:]:
            node = node.children.setdefault(word, _Node())
        node.spec = spec
    payload: list[dict[str, Any]] = []
    aliases: dict[str, str] = {}
    for word, node in sorted(root.items()):
        command: dict[str, Any] = {
            "type": CHAT_INPUT,
            "name": word,
            "default_member_permissions": _DEFAULT_PERMISSIONS[node.least_permission()],
            "contexts": [0],
        }
        if not node.children and node.spec is not None:
            leaf = _leaf(word, node.spec)
            command |= {k: v for k, v in leaf.items() if k not in {"type", "name"}}
        else:
            command["description"] = (
                node.spec.description if node.spec else f"{word.capitalize()} commands"
            )[:100]
            if node.spec is not None and node.spec.translations:
                command["description_localizations"] = _localized(node.spec)
            command["options"] = _subcommands(word, node, aliases)
        payload.append(command)
    for name, (kind, target, _) in CONTEXT_MENUS.items():
        if target in by_name:
            perms = _DEFAULT_PERMISSIONS[by_name[target].permission]
            menu = {
                "type": kind,
                "name": name,
                "default_member_permissions": perms,
                "contexts": [0],
            }
            if name in MENU_NAMES:
                menu["name_localizations"] = dict(MENU_NAMES[name])
            payload.append(menu)
    return ApplicationCommands(payload, aliases)


def _subcommands(prefix: str, node: _Node, aliases: dict[str, str]) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = []
    if node.spec is not None:
        options.append(_leaf(LEAF_BESIDE_GROUP, node.spec))
        aliases[f"{prefix} {LEAF_BESIDE_GROUP}"] = node.spec.name
    for word, child in sorted(node.children.items()):
        if child.children:
            group = {
                "type": GROUP,
                "name": word,
                "description": f"{word.capitalize()} commands",
                "options": _subcommands(f"{prefix} {word}", child, aliases),
            }
            options.append(group)
        elif child.spec is not None:
            options.append(_leaf(word, child.spec))
    return options
