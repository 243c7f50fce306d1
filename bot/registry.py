"""Find the cogs that can be loaded: the built-in ones and third-party entry points."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType

from bot.core.cog import Cog

ENTRY_POINT_GROUP = "steward.cogs"
logger = logging.getLogger(__name__)


class RegistryError(Exception):
    """Two cogs claim one name, or a cog cannot be imported."""


@dataclass(frozen=True, slots=True)
class CogEntry:
    """A loadable cog and where it came from.

    Attributes:
        cls: The cog class.
        origin: ``builtin`` or the distribution that provides it.
    """

    cls: type[Cog]
    origin: str

    @property
    def name(self) -> str:
        """Return the cog's unique name."""
        return self.cls.name


class CogRegistry:
    """Hold every known cog by its unique name."""

    def __init__(self, entries: Iterable[CogEntry] = ()) -> None:
        self._entries: dict[str, CogEntry] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: CogEntry) -> None:
        """Register a cog.

        Raises:
            RegistryError: If the name is empty, not lowercase, or already taken.
        """
        name = entry.name
        if not name or name != name.lower() or not name.replace("_", "").isalnum():
            raise RegistryError(
                f"cog {entry.cls.__qualname__} needs a lowercase name, got {name!r}"
            )
        taken = self._entries.get(name)
        if taken is not None and taken.cls is not entry.cls:
            raise RegistryError(
                f"cog name {name!r} is claimed by {taken.cls.__module__} ({taken.origin}) "
                f"and {entry.cls.__module__} ({entry.origin})"
            )
        self._entries[name] = entry

    def get(self, name: str) -> CogEntry | None:
        """Return the cog registered under ``name``, if any."""
        return self._entries.get(name)

    def __iter__(self) -> Iterator[CogEntry]:
        return iter(sorted(self._entries.values(), key=lambda e: e.name))

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        return sorted(self._entries)

    @classmethod
    def discover(cls, *, package: str = "cogs", plugins: bool = True) -> CogRegistry:
        """Collect the built-in cogs of ``package`` and, if asked, the entry-point cogs.

        Modules whose name starts with ``_`` are private helpers and never scanned.
        """
        registry = cls()
        for module in _modules(package):
            for cog in _cogs_in(module):
                registry.add(CogEntry(cog, "builtin"))
        if plugins:
            for point in entry_points(group=ENTRY_POINT_GROUP):
                try:
                    loaded = point.load()
                except Exception as error:
                    raise RegistryError(
                        f"cannot load cog entry point {point.value!r}: {error}"
                    ) from error
                found = _cogs_in(loaded) if isinstance(loaded, ModuleType) else [loaded]
                for cog in found:
                    if not (inspect.isclass(cog) and issubclass(cog, Cog)):
                        raise RegistryError(f"entry point {point.value!r} is not a Cog subclass")
                    dist = point.dist.name if point.dist else "unknown"
                    registry.add(CogEntry(cog, dist))
        return registry


def _modules(package: str) -> Iterator[ModuleType]:
    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__, prefix=f"{package}."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        yield importlib.import_module(info.name)


def _cogs_in(module: ModuleType) -> list[type[Cog]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, Cog)
        and value.__module__ == module.__name__
        and value.name
    ]
