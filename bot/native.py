"""The hot path: the modules every message passes through, compiled in production builds.

Built with ``STEWARD_COMPILE=1`` (see ``setup.py`` and the README's "Production install"),
these modules run as C extensions made by mypyc from the same typed source; otherwise
they run as plain Python. Both must behave the same: CI runs the whole test suite on
each.

A module belongs here when it is on the per-message path and compiles as it is: no
pydantic models (mypyc cannot build their classes), no class that plugins or tests
subclass (an interpreted class cannot inherit from a compiled one), nothing that tests
replace by monkeypatching a method of a class defined here. So :class:`bot.core.refs.Ref`
stays Python (compiled, a non-string id would fail mypyc's own type check with a
``TypeError`` instead of Ref's ``ValueError``), and so does the SQLite ledger (its tests
wrap its lookups to count them).

``setup.py`` reads :data:`HOT_PATH` before the package is installed, so this module
imports only the standard library.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util

HOT_PATH: tuple[str, ...] = (
    # The way in: Discord payloads to core events, and the bus.
    "bot.adapters.discord.payloads",
    "bot.adapters.discord.translate",
    "bot.adapters.discord._recent",
    "bot.core.community",
    "bot.core.bus",
    "bot.storage.codec",
    # Judging: the engine, its screens, text normalization and the recent windows.
    "policies.engine",
    "policies.screens",
    "policies.normalize",
    "policies.context",
    "policies.verdict",
    "policies.windows",
    "policies._recent",
    "policies._urls",
    "policies._emoji",
)
"""Modules compiled by ``STEWARD_COMPILE=1`` builds, by dotted name."""


def compiled_modules() -> list[str]:
    """Return the hot-path modules that this installation runs as compiled extensions."""
    return [name for name in HOT_PATH if is_compiled(name)]


def is_compiled(module: str) -> bool:
    """Return whether a module would be loaded from a compiled extension.

    Args:
        module: The module's dotted name.
    """
    spec = importlib.util.find_spec(module)
    origin = spec.origin if spec is not None else None
    return origin is not None and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def build_summary() -> str:
    """Return which build this installation runs, in words, for logs and bench reports."""
    compiled = len(compiled_modules())
    if compiled == len(HOT_PATH):
        return "hot path compiled"
    if compiled == 0:
        return "pure Python (production builds compile the hot path: see the README)"
    return f"{compiled} of {len(HOT_PATH)} hot-path modules compiled (a mixed install?)"
