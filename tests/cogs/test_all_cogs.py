"""Meta-test: every built-in cog loads in a community, and names are unique."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.cog import Cog, CogSettings
from bot.registry import CogEntry, CogRegistry, RegistryError
from tests.conftest import ScenarioRunner, community


def test_builtin_cogs_are_found_with_unique_names(registry: CogRegistry) -> None:
    names = registry.names()
    assert {"welcome", "modlog"} <= set(names)
    assert len(names) == len(set(names))
    for entry in registry:
        assert entry.cls.description, f"{entry.name} needs a description"
        assert issubclass(entry.cls.Settings, CogSettings)


def test_two_cogs_with_one_name_are_refused() -> None:
    class First(Cog):
        name = "twin"

    class Second(Cog):
        name = "twin"

    registry = CogRegistry([CogEntry(First, "builtin")])
    with pytest.raises(RegistryError, match="twin"):
        registry.add(CogEntry(Second, "some-plugin"))


async def test_every_builtin_cog_loads_and_unloads(
    registry: CogRegistry, run_scenario: ScenarioRunner
) -> None:
    tables = "".join(
        f"[communities.acme.cogs.{name}]\nenabled = true\n" for name in registry.names()
    )
    actions: list[dict[str, Any]] = await run_scenario(
        [
            community(),
            {
                "type": "command",
                "at": "2026-01-01T10:00:00Z",
                "author": "mod1",
                "channel": "general",
                "name": "steward cogs",
            },
        ],
        tables,
    )
    (reply,) = [a for a in actions if a["action"] == "reply_ephemeral"]
    for name in registry.names():
        assert f"on  {name}" in reply["content"]
