"""Fixtures shared by every test: the cog registry and a scenario runner."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

from bot.registry import CogRegistry
from bot.simulation import Refusal, simulate

ScenarioRunner = Callable[..., Awaitable[list[dict[str, Any]]]]


@pytest.fixture(scope="session")
def registry() -> CogRegistry:
    """Return the registry of built-in cogs (entry points included)."""
    return CogRegistry.discover()


def lines_of(*objects: dict[str, Any]) -> list[str]:
    """Return scenario lines for JSON objects."""
    return [json.dumps(o) for o in objects]


@pytest.fixture
def run_scenario(registry: CogRegistry) -> ScenarioRunner:
    """Return a coroutine that plays scenario objects and returns the bot's action records."""

    async def run(
        objects: Sequence[dict[str, Any]],
        config_text: str = "",
        refusals: list[Refusal] | None = None,
    ) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = []
        await simulate(
            lines_of(*objects),
            registry,
            config_text=config_text,
            on_action=actions.append,
            on_refusal=(refusals.append if refusals is not None else lambda _: None),
        )
        return actions

    return run


def community(**overrides: Any) -> dict[str, Any]:
    """Return a community line with a moderator, two members and three channels."""
    line: dict[str, Any] = {
        "type": "community",
        "name": "acme",
        "channels": ["general", "support", "mod-log"],
        "members": [
            {"name": "owner", "roles": ["admin"], "owner": True},
            {"name": "mod1", "roles": ["moderator"]},
            {"name": "alice", "lang": "en"},
            {"name": "bob", "lang": "fr"},
        ],
    }
    line.update(overrides)
    return line
