"""Fixtures shared by every test: the cog registry and a scenario runner."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pytest

from bot.adapters.local.scenario import CommunityLine, parse_event
from bot.core.bus import EventBus
from bot.core.events import Event
from bot.registry import CogRegistry
from bot.simulation import LocalSession, Refusal, action_record, load_for_scenario, simulate

if TYPE_CHECKING:
    from policies.classifiers.model import StewardTextModel

ScenarioRunner = Callable[..., Awaitable[list[dict[str, Any]]]]


@pytest.fixture(scope="session")
def registry() -> CogRegistry:
    """Return the registry of built-in cogs (entry points included)."""
    return CogRegistry.discover()


@pytest.fixture(scope="session")
def quick_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a real model built by ``steward train --quick`` (once per test run).

    CI builds it first (its own step) and names it in ``STEWARD_TEST_MODEL``; otherwise it
    is trained here, through the same code, in about a minute.
    """
    given = os.environ.get("STEWARD_TEST_MODEL")
    if given and (Path(given) / "english.json").is_file():
        return Path(given).resolve()
    from policies.classifiers.train import PROFILES, train  # noqa: PLC0415 - ml extra

    out = tmp_path_factory.mktemp("models")
    return train(out, profile=PROFILES["quick"], seed=13, now=datetime(2026, 11, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def quick_model(quick_model_dir: Path) -> StewardTextModel:
    """Return the quick model, loaded once and shared like the bot shares it."""
    from policies.classifiers.model import load_model  # noqa: PLC0415 - ml extra

    return load_model(quick_model_dir)


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


class LocalBot:
    """A local session under test, read and driven the way ``simulate`` records it."""

    def __init__(self, session: LocalSession) -> None:
        self.session = session

    @property
    def actions(self) -> list[dict[str, Any]]:
        """Return everything the platform applied since the app started (start-up included)."""
        return [action_record(applied) for applied in self.session.platform.applied]

    def of(self, kind: str) -> list[dict[str, Any]]:
        """Return the applied actions of one kind."""
        return [a for a in self.actions if a["action"] == kind]

    async def play(self, **line: Any) -> None:
        """Play one scenario event, at the clock's time unless ``at`` is given."""
        line.setdefault("at", self.session.clock.now().isoformat())
        refused = await self.session.play(parse_event(json.dumps(line), 2))
        assert refused is None, refused

    async def command(self, author: str, name: str, **options: Any) -> str:
        """Run a command in #general; return the private answers it got."""
        before = len(self.actions)
        await self.play(
            type="command", author=author, channel="general", name=name, options=options
        )
        return "\n".join(
            a["content"] for a in self.actions[before:] if a["action"] == "reply_ephemeral"
        )


@asynccontextmanager
async def local_bot(
    registry: CogRegistry,
    database: Path,
    config: dict[str, Any],
    *,
    start: datetime,
    **community_line: Any,
) -> AsyncIterator[LocalBot]:
    """Run the test community (its line overridden) with config overrides, from ``start``."""
    line = CommunityLine.model_validate(community(config=config, **community_line))
    session = await LocalSession.open(
        line, load_for_scenario(line, registry), registry, start=start, database=database
    )
    try:
        yield LocalBot(session)
    finally:
        await session.close()


E = TypeVar("E", bound=Event)


class Heard(Generic[E]):
    """The events of one type a test listens for on an app's bus."""

    def __init__(self) -> None:
        self.events: list[E] = []
        self.arrived = asyncio.Event()

    async def record(self, event: E) -> None:
        """Keep an event (the bus handler)."""
        self.events.append(event)
        self.arrived.set()

    async def first(self, seconds: float = 10.0) -> E:
        """Wait for the first event and return it."""
        await asyncio.wait_for(self.arrived.wait(), seconds)
        return self.events[0]


def listen(bus: EventBus, kind: type[E]) -> Heard[E]:
    """Subscribe to one event type for the rest of the test."""
    heard: Heard[E] = Heard()
    bus.subscribe(kind, heard.record, name=f"test.{kind.__name__}")
    return heard
